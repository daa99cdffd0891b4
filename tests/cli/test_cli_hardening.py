"""Regression tests of issue 14's command-line items: data that must survive, input that must be
refused whole, files that must be private and never half-written, flags that must all count.

Each test names the item it protects (``item 1`` ... ``item 5``, ``item 8``).
"""

from __future__ import annotations

import errno
import io
import itertools
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conversations_sdk import AsyncItems
from conversations_sdk.cli._jsonl import dumps_line, iter_json_lines
from conversations_sdk.cli._run import (
    EXIT_API_ERROR,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
)
from conversations_sdk.emulator import Faults
from tests._support.cli import CLI, without_ids, write_export

# Every character some reader treats as a line end, and a few others that must come through.
_LINE_BREAKERS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_AWKWARD = _LINE_BREAKERS + "\x00\t\x7f\ufeff\ufffe\U0001f600\U0010fffd"


@pytest.fixture
def no_request_reaches(cli: CLI) -> Iterator[None]:
    """Fail every request the emulator sees, and insist afterwards that none arrived."""
    cli.emulator.set_faults(Faults(mode="500", methods={"GET", "POST", "DELETE"}))
    yield
    injected = cli.emulator.faults_injected
    cli.emulator.set_faults(None)
    assert injected == 0, "a request was sent although the input was refused"


def _json_lines(path: Path, records: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


# --- item 1: JSON Lines split on \n only; export escapes every other line break --------------


def _paired(text: str) -> bool:
    # A high surrogate then a low one is, in JSON, the escape of one astral character: such a
    # string (never valid Unicode text) reads back as that character, as in every JSON parser.
    return any(
        "\ud800" <= a <= "\udbff" and "\udc00" <= b <= "\udfff" for a, b in itertools.pairwise(text)
    )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40))
def test_a_record_of_any_code_points_is_one_line_and_reads_back(text: str) -> None:
    """Item 1: any string, lone surrogates included, is one UTF-8 line that reads back the same."""
    assume(not _paired(text))
    line = dumps_line({"text": text, "keys": {text: [text]}})
    assert line.splitlines() == [line]  # no reader, not even str.splitlines, breaks it
    data = (line + "\n").encode("utf-8")  # never a UnicodeEncodeError
    assert list(iter_json_lines(io.BytesIO(data), "x")) == [
        (1, {"text": text, "keys": {text: [text]}})
    ]


def test_every_code_point_round_trips_through_a_line() -> None:
    """Item 1: every code point (surrogates each on their own) survives dumps_line and the reader."""
    surrogates = range(0xD800, 0xE000)
    text = "".join(chr(c) for c in range(sys.maxunicode + 1) if c not in surrogates)
    text += " ".join(chr(c) for c in surrogates)  # lone, never a pair
    line = dumps_line({"text": text})
    assert "\n" not in line
    assert len(line.splitlines()) == 1
    data = (line + "\r\n").encode("utf-8")
    assert list(iter_json_lines(io.BytesIO(data), "x")) == [(1, {"text": text})]


def test_export_import_export_keeps_line_breaks_inside_text(cli: CLI, tmp_path: Path) -> None:
    """Item 1: text holding U+2028, U+2029, U+0085, CR, VT, FF and more survives export -> import."""
    texts = [f"{i}:{c}|" for i, c in enumerate(_AWKWARD)] + [_AWKWARD]
    items_file = tmp_path / "items.json"
    items_file.write_text(json.dumps([_user(t) for t in texts]), encoding="utf-8")
    source = cli.ok("create", "--items", str(items_file)).record["id"]

    first = tmp_path / "first.jsonl"
    cli.ok("export", source, "-o", str(first))
    data = first.read_bytes()
    assert data.count(b"\n") == len(texts) + 1
    assert len(data.decode("utf-8").splitlines()) == len(texts) + 1  # even for splitlines()

    copy = cli.ok("import", str(first)).record["id"]
    second = tmp_path / "second.jsonl"
    cli.ok("export", copy, "-o", str(second))
    original = [json.loads(line) for line in data.split(b"\n") if line]
    again = [json.loads(line) for line in second.read_bytes().split(b"\n") if line]
    assert without_ids(again[1:]) == without_ids(original[1:])
    assert [i["content"][0]["text"] for i in again[1:]] == texts


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_raw_line_separators_and_crlf_in_files_are_read_right(
    cli: CLI, tmp_path: Path, newline: str
) -> None:
    """Item 1: a file with raw U+2028/U+0085 in strings (old exports) and CRLF ends imports whole."""
    texts = ["a\u2028b", "c\x85d", "e\u2029f"]
    records = [{"object": "conversation", "id": "conv_x", "metadata": {}}] + [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": t}]}
        for t in texts
    ]
    path = tmp_path / "raw.jsonl"
    body = newline.join(json.dumps(r, ensure_ascii=False) for r in records) + newline
    path.write_bytes(body.encode("utf-8"))
    copy = cli.ok("import", str(path)).record["id"]
    assert [i["content"][0]["text"] for i in cli.items(copy)] == texts

    items = tmp_path / "items.jsonl"
    items.write_bytes(
        newline.join(json.dumps(_user(t), ensure_ascii=False) for t in texts).encode() + b"\n"
    )
    cid = cli.ok("create", "--items", str(items)).record["id"]
    assert [i["content"][0]["text"] for i in cli.items(cid)] == texts


def test_stdout_is_utf8_whatever_the_locale_says(cli: CLI, tmp_path: Path) -> None:
    """Item 1: with PYTHONIOENCODING=latin-1, export to stdout still writes every character."""
    items = tmp_path / "items.json"
    items.write_text(json.dumps([_user("✓ \U0001f600 \u2028")]), encoding="utf-8")
    cid = cli.ok("create", "--items", str(items)).record["id"]
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    done = subprocess.run(  # noqa: S603 - our own entry point, fixed argv
        [sys.executable, "-m", "conversations_sdk.cli", "export", cid],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, b"")
    lines = done.stdout.decode("utf-8").split("\n")
    assert json.loads(lines[1])["content"][0]["text"] == "✓ \U0001f600 \u2028"


# --- item 2: input that is not UTF-8 is refused, never stored with replacement characters -------

_NOT_UTF8 = b'{"role": "user", "content": "ok"}\n{"role": "user", "content": "caf\xe9"}\n'
_NOT_UTF8_OFFSET = _NOT_UTF8.index(b"\xe9")


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["create", "--items", "{file}"], id="create-items"),
        pytest.param(["items", "add", "{conversation}", "{file}"], id="items-add"),
        pytest.param(["items", "add", "{conversation}", "-"], id="items-add-stdin"),
        pytest.param(["import", "{export}"], id="import"),
    ],
)
def test_non_utf8_input_is_refused_naming_file_and_offset(
    cli: CLI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    """Item 2: a byte that is not UTF-8 exits 2 with one line naming the file and byte offset."""
    conversation = cli.ok("create").record["id"]
    items = tmp_path / "latin1.jsonl"
    items.write_bytes(_NOT_UTF8)
    export = tmp_path / "export.jsonl"
    header = b'{"object": "conversation", "id": "conv_x", "metadata": {}}\n'
    item = b'{"type": "message", "role": "user", "content": "caf\xe9"}\n'
    export.write_bytes(header + item)
    argv = [a.format(file=items, conversation=conversation, export=export) for a in argv]
    expected_name, offset = (str(items), _NOT_UTF8_OFFSET)
    if "import" in argv:
        expected_name, offset = str(export), len(header) + item.index(b"\xe9")
    if "-" in argv:
        expected_name = "stdin"
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(_NOT_UTF8)))

    cli.emulator.set_faults(Faults(mode="500", methods={"POST"}))
    result = cli(*argv)
    sent = cli.emulator.faults_injected
    cli.emulator.set_faults(None)

    assert result.status == EXIT_USAGE
    assert result.out == ""
    assert result.err.count("\n") == 1, result.err
    assert f"{expected_name}: not UTF-8 at byte offset {offset}" in result.err
    assert "Traceback" not in result.err
    assert sent == 0  # nothing was sent, so nothing was stored with U+FFFD
    assert cli.items(conversation) == []


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        pytest.param(
            b'\xef\xbb\xbf[{"role": "user", "content": "caf\xe9"}]',
            "i.jsonl: not UTF-8 at byte offset {offset};",
            id="array-after-bom",
        ),
        pytest.param(
            b'\xef\xbb\xbf{"role": "user", "content": "caf\xe9"}\n',
            "i.jsonl: not UTF-8 at byte offset {offset} (line 1)",
            id="lines-after-bom",
        ),
        pytest.param(b'[{"role": "user", "content": NaN}]', "NaN is not JSON", id="array-nan"),
        pytest.param(
            b'{"role": "user", "content": Infinity}\n', "Infinity is not JSON", id="lines-inf"
        ),
    ],
)
def test_items_files_with_a_bom_or_non_json_numbers(
    cli: CLI, tmp_path: Path, data: bytes, needle: str, no_request_reaches: None
) -> None:
    """Item 2: offsets count the byte order mark; NaN and Infinity (not JSON) are refused."""
    path = tmp_path / "i.jsonl"
    path.write_bytes(data)
    result = cli("items", "add", "conv_1", str(path))
    assert result.status == EXIT_USAGE
    assert needle.format(offset=data.find(b"\xe9")) in result.err


def test_a_byte_order_mark_is_skipped(cli: CLI, tmp_path: Path) -> None:
    """Item 2: a UTF-8 file saved with a byte order mark (Windows editors) reads as UTF-8."""
    for body in (
        b'[{"role": "user", "content": "caf\xc3\xa9"}]',
        b'{"role": "user", "content": "caf\xc3\xa9"}\n',
    ):
        (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + body)
        cid = cli.ok("create", "--items", str(tmp_path / "bom.json")).record["id"]
        assert cli.items(cid)[0]["content"][0]["text"] == "café"


# --- items 3 and 8: export -o writes a private file atomically, never through a symlink -----------


def _folder(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions and symlinks")
def test_export_file_is_0600_and_replaces_atomically(cli: CLI, tmp_path: Path) -> None:
    """Items 3 and 8: the export is created 0600 (umask or not) and leaves no temporary file."""
    write_export(tmp_path / "source.jsonl", 30)
    cid = cli.ok("import", str(tmp_path / "source.jsonl")).record["id"]
    out = tmp_path / "out" / "backup.jsonl"
    out.parent.mkdir()
    out.write_text("an older backup\n", encoding="utf-8")
    out.chmod(0o644)
    old_umask = os.umask(0)
    try:
        cli.ok("export", cid, "-o", str(out))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert _folder(out.parent) == ["backup.jsonl"]
    assert len(out.read_bytes().split(b"\n")) == 32  # 31 lines and the final newline


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX symlinks")
@pytest.mark.parametrize("conversation", ["exists", "missing"])
def test_planted_symlinks_are_never_followed(cli: CLI, tmp_path: Path, conversation: str) -> None:
    """Item 3: symlinks at FILE.part and FILE are never followed or truncated, success or failure."""
    write_export(tmp_path / "source.jsonl", 5)
    cid = cli.ok("import", str(tmp_path / "source.jsonl")).record["id"]
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "backup.jsonl.part").symlink_to(victim)
    (out / "backup.jsonl").symlink_to(victim)

    result = cli(
        "export",
        cid if conversation == "exists" else "conv_missing",
        "-o",
        str(out / "backup.jsonl"),
    )

    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert _folder(out) == ["backup.jsonl", "backup.jsonl.part"]
    if conversation == "exists":
        assert result.status == 0
        assert not (out / "backup.jsonl").is_symlink()  # replaced: the name now holds the export
        assert len((out / "backup.jsonl").read_text(encoding="utf-8").splitlines()) == 6
    else:
        assert result.status == EXIT_API_ERROR
        assert (out / "backup.jsonl").is_symlink()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_export_refuses_a_target_that_is_not_a_regular_file(
    cli: CLI, tmp_path: Path, no_request_reaches: None
) -> None:
    """Item 3: -o naming a FIFO, or a symlink to one (as /dev/stdout is), exits 2 untouched."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "link").symlink_to(fifo)
    for target in (fifo, tmp_path / "link", tmp_path):
        result = cli("export", "conv_1", "-o", str(target))
        assert result.status == EXIT_USAGE
        assert "not a regular file" in result.err
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert (tmp_path / "link").is_symlink()


def test_failed_export_leaves_no_file_at_all(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 3: a request error creates no file; a write error mid-export removes the temporary file."""
    out = tmp_path / "out"
    out.mkdir()
    missing = cli("export", "conv_missing", "-o", str(out / "x.jsonl"))
    assert missing.status == EXIT_API_ERROR
    assert _folder(out) == []

    write_export(tmp_path / "source.jsonl", 150)
    cid = cli.ok("import", str(tmp_path / "source.jsonl")).record["id"]
    from conversations_sdk.cli._shapes import unstructure as original

    calls = 0

    def disk_full_after_100(obj: object) -> Any:
        nonlocal calls
        calls += 1
        if calls == 100:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(obj)

    # Patched where the export reads it (the transfer engine), not where it is defined.
    monkeypatch.setattr("conversations_sdk.cli._transfer.unstructure", disk_full_after_100)
    full = cli("export", cid, "-o", str(out / "x.jsonl"))
    assert full.status == EXIT_FAILURE
    assert "No space left on device" in full.err
    assert _folder(out) == []


# --- item 4: create --items checks everything first, then resumes instead of duplicating --------


def test_create_items_checks_the_whole_file_before_sending(
    cli: CLI, tmp_path: Path, no_request_reaches: None
) -> None:
    """Item 4: a bad item on line 35 of 45 exits 2 naming the line; nothing is created."""
    records: list[Any] = [_user(f"m{i}") for i in range(45)]
    records[34] = {"role": "user"}  # no content
    result = cli("create", "--items", str(_json_lines(tmp_path / "i.jsonl", records)))
    assert result.status == EXIT_USAGE
    assert "i.jsonl:35: a 'message' item needs 'content'" in result.err
    assert "items[" not in result.err


@pytest.mark.parametrize(
    ("record", "needle"),
    [
        pytest.param({"type": 7}, "'type' must be a string", id="type-not-string"),
        pytest.param({"foo": 1}, "needs a 'type'", id="no-type"),
        pytest.param({"type": "function_call", "name": "f"}, "'arguments'", id="missing-keys"),
        pytest.param([1], "not a JSON object", id="not-object"),
    ],
)
def test_items_add_names_the_line_of_a_bad_item(
    cli: CLI, tmp_path: Path, record: Any, needle: str, no_request_reaches: None
) -> None:
    """Item 4: items add refuses a bad item by file line before sending any batch."""
    records = [_user("fine")] * 25 + [record]
    result = cli("items", "add", "conv_1", str(_json_lines(tmp_path / "i.jsonl", records)))
    assert result.status == EXIT_USAGE
    assert "i.jsonl:26: " in result.err
    assert needle in result.err


def test_create_items_refused_later_batch_says_line_and_how_to_resume(
    cli: CLI, tmp_path: Path
) -> None:
    """Item 4: an item only the server refuses (line 30) names the line and the conversation id."""
    records: list[Any] = [_user(f"m{i}") for i in range(45)]
    records[29] = {"role": "user", "content": [{"type": "input_bogus", "text": "?"}]}
    path = _json_lines(tmp_path / "i.jsonl", records)
    failed = cli("create", "--items", str(path), "--metadata", "k=v")
    assert failed.status == EXIT_API_ERROR
    assert "i.jsonl:30" in failed.err
    assert "20 of 45 items are in conv_" in failed.err
    cid = failed.err.split("--resume ")[-1].split()[0]
    assert cid.startswith("conv_")

    records[29] = _user("m29")
    fixed = _json_lines(path, records)
    resumed = cli.ok("create", "--items", str(fixed), "--metadata", "k=v", "--resume", cid).record
    assert resumed["id"] == cid
    assert [i["content"][0]["text"] for i in cli.items(cid)] == [f"m{i}" for i in range(45)]


def test_refused_item_in_the_first_batch_or_in_items_add_names_its_line(
    cli: CLI, tmp_path: Path
) -> None:
    """Item 4: a refusal inside the create, or in a later batch of items add, names the line."""
    records: list[Any] = [_user(f"m{i}") for i in range(30)]
    records[2] = {"role": "user", "content": [{"type": "input_bogus"}]}
    path = _json_lines(tmp_path / "i.jsonl", records)
    created = cli("create", "--items", str(path))
    assert created.status == EXIT_API_ERROR
    assert "the API refused " + str(path) + ":3; nothing was created" in created.err

    cid = cli.ok("create").record["id"]
    records[2], records[25] = _user("m2"), records[2]
    added = cli("items", "add", cid, str(_json_lines(path, records)))
    assert added.status == EXIT_API_ERROR
    assert f"{path}:26: Error code: 400" in added.err
    assert "20 of 30 items were added before this" in added.err
    assert len(added.records) == len(cli.items(cid)) == 20


def test_create_items_rerun_after_a_failure_does_not_duplicate(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 4: a batch that lands but loses its answer; the same command again completes once."""
    path = _json_lines(tmp_path / "i.jsonl", [_user(f"m{i}") for i in range(65)])
    original = AsyncItems.create
    calls = 0

    async def lose_second_answer(self: AsyncItems, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            cli.emulator.set_faults(
                Faults(mode="500", when="after", methods={"POST"}, max_faults=1)
            )
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(AsyncItems, "create", lose_second_answer)
    failed = cli("create", "--items", str(path), "--max-retries", "0")
    monkeypatch.setattr(AsyncItems, "create", original)
    assert failed.status == EXIT_API_ERROR
    assert "40 of 65 items are in conv_" in failed.err
    assert "run the same command again to resume" in failed.err

    again = cli.ok("create", "--items", str(path)).record
    assert again["id"] in failed.err  # the same conversation, found by its idempotency key
    assert [i["content"][0]["text"] for i in cli.items(again["id"])] == [f"m{i}" for i in range(65)]
    other = cli.ok("create", "--items", str(path), "--key", "second").record
    assert other["id"] != again["id"]
    assert len(cli.items(other["id"])) == 65


def test_import_checks_every_item_before_creating_anything(
    cli: CLI, tmp_path: Path, no_request_reaches: None
) -> None:
    """Item 4 (import): an item missing required keys on line 40 is refused before any request."""
    records = write_export(tmp_path / "source.jsonl", 60)
    records[39] = {"type": "function_call", "call_id": "c", "name": "f"}  # no arguments
    result = cli("import", str(_json_lines(tmp_path / "source.jsonl", records)))
    assert result.status == EXIT_USAGE
    assert "source.jsonl:40: a 'function_call' item needs 'arguments'" in result.err


@pytest.mark.usefixtures("default_sigint")
def test_ctrl_c_while_checking_a_file_sends_nothing(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_request_reaches: None
) -> None:
    """Item 19: Ctrl-C during import's first pass exits 130 with one line, before any request."""
    import signal

    from conversations_sdk.cli._transfer import scan_export as original

    write_export(tmp_path / "source.jsonl", 50)

    def scan_then_interrupt(*args: Any) -> Any:
        signal.raise_signal(signal.SIGINT)
        return original(*args)

    # Patched where the import command reads it.
    monkeypatch.setattr("conversations_sdk.cli._transfer_commands.scan_export", scan_then_interrupt)
    result = cli("import", str(tmp_path / "source.jsonl"))
    assert result.status == EXIT_INTERRUPTED
    assert result.err == "conversations-sdk: error: interrupted; nothing was sent\n"


def test_import_refused_item_names_its_line(cli: CLI, tmp_path: Path) -> None:
    """Item 4 (import): an item the server refuses is reported by its line in the export file."""
    records = write_export(tmp_path / "source.jsonl", 30)
    records[27] = {"type": "message", "role": "user", "content": [{"type": "input_bogus"}]}
    _json_lines(tmp_path / "source.jsonl", records)
    result = cli("import", str(tmp_path / "source.jsonl"))
    assert result.status == EXIT_API_ERROR
    assert "source.jsonl:28" in result.err
    assert "--resume conv_" in result.err


# --- item 5: every --metadata counts; a key given twice is an error -------------------------------


def test_every_metadata_flag_counts(cli: CLI) -> None:
    """Item 5: --metadata given several times sends every pair, on create and on update."""
    created = cli.ok("create", "--metadata", "a=1", "b=2", "--metadata", "c=3").record
    assert created["metadata"] == {"a": "1", "b": "2", "c": "3"}
    updated = cli.ok("update", created["id"], "--metadata", "x=1", "--metadata", "y=2").record
    assert updated["metadata"] == {"x": "1", "y": "2"}


@pytest.mark.parametrize(
    "flags",
    [
        pytest.param(["--metadata", "a=1", "--metadata", "a=2"], id="two-flags"),
        pytest.param(["--metadata", "a=1", "a=2"], id="one-flag"),
        pytest.param(["--metadata", "a=1", "--metadata", "a=1"], id="same-value"),
    ],
)
@pytest.mark.parametrize("command", ["create", "update"])
def test_a_metadata_key_given_twice_is_an_error(cli: CLI, flags: list[str], command: str) -> None:
    """Item 5: a duplicated key exits 2 naming it, and stored metadata is left as it was."""
    cid = cli.ok("create", "--metadata", "keep=me").record["id"]
    argv = ["create", *flags] if command == "create" else ["update", cid, *flags]
    result = cli(*argv)
    assert result.status == EXIT_USAGE
    assert "'a' is given twice" in result.err
    assert result.out == ""
    assert cli.ok("get", cid).record["metadata"] == {"keep": "me"}
