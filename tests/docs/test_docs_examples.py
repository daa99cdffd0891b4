"""Every Python block of every documentation page (and of the README) runs as a reader would run it.

One test per page. Each block runs on its own, in a fresh interpreter, with no name from another
block and no API key: a reader who copies one block gets exactly that code, so it must import what
it uses and open what it needs (the emulator, for example). Two markers on the line right above a
fence, MyST comments (``<!-- ... -->`` in the README), make the exceptions visible and counted:

- ``% docs-test: continues``: the block continues the one before it (the page shows one session
  in steps, as a notebook would run it); it runs after that block, in the same interpreter.
- ``% docs-test: env``: the block reads ``OPENAI_API_KEY`` (and ``OPENAI_BASE_URL``) from the
  environment, as the page tells the reader; the harness sets them to a fresh emulator and a
  dummy key for that block (and its continuations) only.

Everything else runs with no ``OPENAI_*`` variable except ``OPENAI_BASE_URL`` pointing at a dead
loopback port, so a block that forgot its emulator fails fast instead of reaching the real API.
Blocks may use top-level ``await`` (see ``_exec_page.py``). ``% docs-test: skip <reason>`` leaves a
block out; ``% docs-test: pytest [conftest.py]`` marks a test file (or the named file): the page's
files are written to one folder and run with pytest, as a reader would run them. Skips, continued
blocks and blocks given the environment are counted in the summary.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from conversations_sdk.emulator import ThreadedEmulator

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXEC_PAGE = Path(__file__).with_name("_exec_page.py")
API_KEY = "sk-docs-dummy-key"
#: Pages a newcomer copies as they are: they must run with no emulator and no key given to them.
SELF_CONTAINED = ("README.md", "docs/quickstart.md")
#: Nothing listens on the discard port: a self-contained page that forgot its emulator fails fast
#: here instead of trying the real API.
DEAD_BASE_URL = "http://127.0.0.1:9/v1"
PAGE_TIMEOUT = 120

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
_MARKER = re.compile(
    r"^\s*(?:%|<!--)\s*docs-test:\s*(?P<kind>skip|pytest|continues|env)\b(?P<reason>.*?)(?:-->)?\s*$"
)
_PYTHON = {"python", "py", "python3"}
_FILE_NAME = re.compile(r"\w+\.py")
_CODE_DIRECTIVES = {"{code-block}", "{code}", "{sourcecode}", "{code-cell}"}
# Text that means a page leaked a client, a session or a task, or failed quietly in a finalizer.
_LEAK_SIGNS = ("ResourceWarning", "Unclosed", "unclosed", "Exception ignored", "Task was destroyed")


@attrs.frozen
class Block:
    """One fenced Python block: the page line of its first code line, its code and its marker."""

    line: int
    source: str
    kind: str = "run"  # "run", "skip", "pytest", "continues" or "env"
    reason: str = ""


def _language(info: str) -> str:
    info = info.strip()
    if info.startswith("{"):
        directive, _, argument = info.partition("}")
        if directive + "}" not in _CODE_DIRECTIVES:
            return ""
        info = argument.strip()
    return info.split()[0].lower() if info else ""


def extract_blocks(text: str) -> list[Block]:
    """Return the Python blocks of a Markdown page, in order, with their markers."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf"^ *{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        if _language(opening["info"]) in _PYTHON:
            body = [
                line[indent:] if line[:indent].isspace() else line for line in lines[i + 1 : end]
            ]
            # A code directive's options (":caption: x") are not code.
            while opening["info"].lstrip().startswith("{") and body and body[0].startswith(":"):
                body.pop(0)
            first = i + 2 + (end - i - 1 - len(body))
            above = next((line for line in reversed(lines[:i]) if line.strip()), "")
            marker = _MARKER.match(above)
            kind = marker["kind"] if marker else "run"
            reason = marker["reason"].strip() if marker else ""
            blocks.append(Block(first, "\n".join(body) + "\n", kind, reason))
        i = end + 1
    return blocks


def _pages() -> list[Path]:
    pages = [p for p in DOCS.rglob("*.md") if "_build" not in p.relative_to(DOCS).parts]
    return [*sorted(pages), ROOT / "README.md"]


def _rel(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


PAGES = [p for p in _pages() if extract_blocks(p.read_text(encoding="utf-8"))]


def _child_env(base_url: str | None) -> dict[str, str]:
    """A reader's environment: no OPENAI_* variable unless the block says it reads them."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OPENAI_")
        and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env["PYTHONUNBUFFERED"] = "1"
    if base_url is None:
        env["OPENAI_BASE_URL"] = DEAD_BASE_URL  # never the real API, even by mistake
    else:
        env.update(OPENAI_BASE_URL=base_url, OPENAI_API_KEY=API_KEY)
    return env


RUNNABLE = ("run", "continues", "env")


def chains(blocks: list[Block]) -> list[list[Block]]:
    """The runs of a page: each block alone, or with the blocks that continue it."""
    runs: list[list[Block]] = []
    for block in blocks:
        if block.kind == "continues" and runs:
            runs[-1].append(block)
        elif block.kind in RUNNABLE:
            runs.append([block])
    return runs


def _run_chain(
    page: Path, chain: list[Block], base_url: str, workdir: Path
) -> subprocess.CompletedProcess[str]:
    blocks = [{"line": b.line, "source": b.source} for b in chain]
    spec = workdir / f"_blocks_{chain[0].line}.json"
    spec.write_text(json.dumps({"page": str(page), "blocks": blocks}), encoding="utf-8")
    return subprocess.run(  # noqa: S603 - our own interpreter running our own docs
        [sys.executable, str(EXEC_PAGE), str(spec)],
        cwd=workdir,
        env=_child_env(base_url if chain[0].kind == "env" else None),
        capture_output=True,
        text=True,
        timeout=PAGE_TIMEOUT,
        check=False,
    )


def _run_pytest_blocks(page: Path, blocks: list[Block], base_url: str, workdir: Path) -> str | None:
    """Write the page's test files into one folder and run pytest on it once; the output if it fails."""
    tests = [b for b in blocks if b.kind == "pytest"]
    if not tests:
        return None
    folder = workdir / "pytest_blocks"
    folder.mkdir()
    for block in tests:
        # "% docs-test: pytest conftest.py" names the file; other blocks are test modules.
        name = (
            block.reason
            if _FILE_NAME.fullmatch(block.reason)
            else f"test_{page.stem}_{block.line}.py"
        )
        (folder / name).write_text(block.source, encoding="utf-8")
    env = _child_env(None)  # a test file brings its own emulator, as a reader's would
    # Only the plugin the page's readers are told to use: faster, and no surprise from this venv.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    result = subprocess.run(  # noqa: S603 - our own interpreter running our own docs
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "pytest_asyncio.plugin",
            "-p",
            "no:cacheprovider",
            "-W",
            "error",
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            str(folder),
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=PAGE_TIMEOUT,
        check=False,
    )
    return None if result.returncode == 0 else f"{result.stdout}\n{result.stderr}"


@pytest.fixture
def emulator() -> ThreadedEmulator:
    """A fresh emulator for one page, requiring the dummy key the page's environment carries."""
    with ThreadedEmulator(api_key=API_KEY) as running:
        yield running


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_page_examples_run(
    page: Path, emulator: ThreadedEmulator, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    """Every Python block of the page runs on its own (or after the block it continues), in a
    fresh interpreter, with no key unless it says it reads one; nothing is left unclosed."""
    blocks = extract_blocks(page.read_text(encoding="utf-8"))
    page_chains = chains(blocks)
    assert not (blocks and blocks[0].kind == "continues"), "the first block continues nothing"
    record_property("docs_blocks_run", sum(b.kind != "skip" for b in blocks))
    record_property("docs_blocks_skipped", sum(b.kind == "skip" for b in blocks))
    record_property("docs_blocks_continued", sum(b.kind == "continues" for b in blocks))
    record_property("docs_blocks_env", sum(len(c) for c in page_chains if c[0].kind == "env"))
    failures = []
    for chain in page_chains:
        result = _run_chain(page, chain, emulator.base_url, tmp_path)
        where = f"{_rel(page)}:{chain[0].line}"
        if result.returncode != 0:
            failures.append(f"{where} failed:\n{result.stdout}\n{result.stderr}")
            continue
        leaks = [sign for sign in _LEAK_SIGNS if sign in result.stderr]
        if leaks:
            failures.append(f"{where} left something open ({leaks}):\n{result.stderr}")
    assert not failures, "\n".join(failures)
    failure = _run_pytest_blocks(page, blocks, emulator.base_url, tmp_path)
    assert failure is None, f"{_rel(page)}: a test file shown on the page fails:\n{failure}"


@pytest.mark.parametrize("name", SELF_CONTAINED)
def test_copy_paste_pages_need_no_setup(name: str) -> None:
    """The quickstart and the README run as copied: they start their own emulator, no key needed,
    and no block of theirs depends on another or on the environment."""
    page = ROOT / name
    blocks = extract_blocks(page.read_text(encoding="utf-8"))
    assert any(b.kind == "run" for b in blocks), f"{name} has no runnable example"
    assert not [b.line for b in blocks if b.kind in ("continues", "env")]


def test_every_skip_says_why() -> None:
    """A block left out of the run carries a reason, so skipping stays a visible decision."""
    unexplained = [
        f"{_rel(page)}:{block.line}"
        for page in _pages()
        for block in extract_blocks(page.read_text(encoding="utf-8"))
        if block.kind == "skip" and not block.reason
    ]
    assert not unexplained


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("```python\nx = 1\n```\n", [Block(2, "x = 1\n")], id="plain"),
        pytest.param("```console\n$ ls\n```\n", [], id="not-python"),
        pytest.param(
            "% docs-test: continues\n```python\nx\n```\n",
            [Block(3, "x\n", "continues")],
            id="continues",
        ),
        pytest.param("% docs-test: env\n```python\nx\n```\n", [Block(3, "x\n", "env")], id="env"),
        pytest.param(
            "% docs-test: skip needs a key\n\n```python\nx\n```\n",
            [Block(4, "x\n", "skip", "needs a key")],
            id="skip",
        ),
        pytest.param(
            "<!-- docs-test: skip real API -->\n```python\nx\n```\n",
            [Block(3, "x\n", "skip", "real API")],
            id="html-skip",
        ),
        pytest.param("````markdown\n```python\nx\n```\n````\n", [], id="inside-other-fence"),
        pytest.param(
            "```{code-block} python\n:caption: a.py\nx\n```\n", [Block(3, "x\n")], id="directive"
        ),
        pytest.param(
            "1. step\n\n   ```python\n   x = 1\n   ```\n", [Block(4, "x = 1\n")], id="indented"
        ),
    ],
)
def test_block_extraction(text: str, expected: list[Block]) -> None:
    """The extractor finds exactly the Python blocks, with page line numbers and markers."""
    assert extract_blocks(text) == expected


def test_chains_group_continued_blocks() -> None:
    """A continued block joins the run before it; every other runnable block runs alone."""
    a, b, c, d = (Block(1, "a"), Block(2, "b", "continues"), Block(3, "c", "env"), Block(4, "d"))
    skipped = Block(5, "s", "skip", "why")
    assert chains([a, b, skipped, c, d]) == [[a, b], [c], [d]]


def test_a_block_gets_no_key_or_names_it_did_not_ask_for() -> None:
    """Before: every block ran with OPENAI_API_KEY set and the names of all earlier blocks, so a
    block that needed either passed here and failed for a reader (NameError: Client)."""
    env = _child_env(None)
    assert "OPENAI_API_KEY" not in env
    assert env["OPENAI_BASE_URL"] == DEAD_BASE_URL
    assert _child_env("http://127.0.0.1:1/v1")["OPENAI_API_KEY"] == API_KEY
