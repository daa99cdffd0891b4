"""Every Python block of every documentation page (and of the README) runs, so no example can rot.

One test per page: its ```python blocks are extracted in order and run in one namespace, in a fresh
interpreter whose environment points ``OPENAI_BASE_URL`` at a fresh emulator and sets a dummy
``OPENAI_API_KEY``, so pages can show plain ``AsyncClient()`` / ``Client()`` code. Blocks may use
top-level ``await`` (see ``_exec_page.py``). A block is skipped only when the line right above its
fence says why: ``% docs-test: skip <reason>`` (a MyST comment) or, in the README,
``<!-- docs-test: skip <reason> -->``. A block marked ``% docs-test: pytest [conftest.py]`` is a
test file (or the named file): the page's files are written to one folder and run with pytest, as a
reader would run them. Skips are counted in the summary.
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
    r"^\s*(?:%|<!--)\s*docs-test:\s*(?P<kind>skip|pytest)\b(?P<reason>.*?)(?:-->)?\s*$"
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
    kind: str = "run"  # "run", "skip" or "pytest"
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


def _child_env(base_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OPENAI_")
        and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env.update(OPENAI_BASE_URL=base_url, OPENAI_API_KEY=API_KEY, PYTHONUNBUFFERED="1")
    return env


def _run_page(
    page: Path, blocks: list[Block], base_url: str, workdir: Path
) -> subprocess.CompletedProcess[str]:
    runnable = [{"line": b.line, "source": b.source} for b in blocks if b.kind == "run"]
    spec = workdir / "_blocks.json"
    spec.write_text(json.dumps({"page": str(page), "blocks": runnable}), encoding="utf-8")
    return subprocess.run(  # noqa: S603 - our own interpreter running our own docs
        [sys.executable, str(EXEC_PAGE), str(spec)],
        cwd=workdir,
        env=_child_env(base_url),
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
    env = _child_env(base_url)
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
    """Every Python block of the page runs against the emulator, and nothing is left unclosed."""
    blocks = extract_blocks(page.read_text(encoding="utf-8"))
    record_property("docs_blocks_run", sum(b.kind != "skip" for b in blocks))
    record_property("docs_blocks_skipped", sum(b.kind == "skip" for b in blocks))
    result = _run_page(page, blocks, emulator.base_url, tmp_path)
    assert result.returncode == 0, f"{_rel(page)} failed:\n{result.stdout}\n{result.stderr}"
    leaks = [sign for sign in _LEAK_SIGNS if sign in result.stderr]
    assert not leaks, f"{_rel(page)} left something open ({leaks}):\n{result.stderr}"
    failure = _run_pytest_blocks(page, blocks, emulator.base_url, tmp_path)
    assert failure is None, f"{_rel(page)}: a test file shown on the page fails:\n{failure}"


@pytest.mark.parametrize("name", SELF_CONTAINED)
def test_copy_paste_pages_need_no_setup(name: str, tmp_path: Path) -> None:
    """The quickstart and the README run as copied: they start their own emulator, no key needed."""
    page = ROOT / name
    blocks = extract_blocks(page.read_text(encoding="utf-8"))
    assert any(b.kind == "run" for b in blocks), f"{name} has no runnable example"
    result = _run_page(page, blocks, DEAD_BASE_URL, tmp_path)
    assert result.returncode == 0, (
        f"{name} needs more than copying:\n{result.stdout}\n{result.stderr}"
    )


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
