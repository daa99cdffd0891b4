"""export, import and fork end to end: the file format, order, idempotent reruns, Ctrl-C, progress."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from conversations_sdk import AsyncItems
from conversations_sdk.cli._run import (
    EXIT_API_ERROR,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
)
from conversations_sdk.cli._shapes import to_input_item
from conversations_sdk.emulator import Faults
from tests._support.cli import CLI, read_records, stored_item, types, without_ids, write_export


def _import(cli: CLI, path: Path, *extra: str) -> str:
    return str(cli.ok("import", str(path), *extra).record["id"])


def test_export_writes_conversation_then_items_oldest_first(cli: CLI, tmp_path: Path) -> None:
    """Line 1 is the conversation, then every item in ascending order, exactly as the API gave it."""
    source = write_export(tmp_path / "source.jsonl", 45)
    cid = _import(cli, tmp_path / "source.jsonl")
    out = tmp_path / "export.jsonl"
    assert cli.ok("export", cid, "-o", str(out)).out == ""
    records = read_records(out)
    assert records[0] == cli.ok("get", cid).record
    assert records[1:] == cli.items(cid)
    assert types(records[1:]) == types(source[1:])
    assert not (tmp_path / "export.jsonl.part").exists()
    assert cli.ok("export", cid).records == records  # stdout gives the same lines


@pytest.mark.slow
def test_round_trip_of_5000_items_is_identical_apart_from_ids(cli: CLI, tmp_path: Path) -> None:
    """An export of 5,000 items imported then exported again is the same file but for ids."""
    # The source file is written in the exact stored form, so it stands for a first export (the
    # test below does export -> import -> export from a real server export, on fewer items).
    source = write_export(tmp_path / "source.jsonl", 5000, metadata={"topic": "big", "lang": "fr"})
    started = time.perf_counter()
    copy_id = _import(cli, tmp_path / "source.jsonl")
    imported = time.perf_counter()
    cli.ok("export", copy_id, "-o", str(tmp_path / "copy.jsonl"))
    exported = time.perf_counter()
    print(f"\n5,000 items: import {imported - started:.2f} s, export {exported - imported:.2f} s")

    copy = read_records(tmp_path / "copy.jsonl")
    assert len(copy) == 5001
    assert {r["id"] for r in copy}.isdisjoint({r["id"] for r in source})
    assert without_ids(copy) == without_ids(source)


def test_export_import_export_from_a_server_export(cli: CLI, tmp_path: Path) -> None:
    """A server's export, imported and exported again, is identical apart from ids and times."""
    write_export(tmp_path / "source.jsonl", 333, metadata={"topic": "twice"})
    first_id = _import(cli, tmp_path / "source.jsonl")
    cli.ok("export", first_id, "-o", str(tmp_path / "a.jsonl"))
    second_id = _import(cli, tmp_path / "a.jsonl")
    cli.ok("export", second_id, "-o", str(tmp_path / "b.jsonl"))
    a, b = read_records(tmp_path / "a.jsonl"), read_records(tmp_path / "b.jsonl")
    assert second_id != first_id
    assert len(b) == 334
    assert a[0]["metadata"] == {"topic": "twice"}
    assert without_ids(a) == without_ids(b)


def test_import_twice_resumes_instead_of_duplicating(cli: CLI, tmp_path: Path) -> None:
    """Running the same import again returns the same conversation with the same items."""
    write_export(tmp_path / "source.jsonl", 30)
    first = cli.ok("import", str(tmp_path / "source.jsonl")).record
    again = cli.ok("import", str(tmp_path / "source.jsonl")).record
    assert again == first
    assert len(cli.items(first["id"])) == 30
    copy = _import(cli, tmp_path / "source.jsonl", "--key", "second copy")
    assert copy != first["id"]
    assert without_ids(cli.items(copy)) == without_ids(cli.items(first["id"]))


def test_rerun_after_the_copy_was_deleted_makes_a_fresh_copy(cli: CLI, tmp_path: Path) -> None:
    """The emulator deletes a conversation's idempotency records with it (issue 14, item 9), so
    a rerun after deleting the copy imports a complete new one instead of replaying the old id.
    (Against a server that replays the old id, the command says to pass a new --key.)"""
    write_export(tmp_path / "source.jsonl", 3, metadata={"topic": "deleted"})
    cid = _import(cli, tmp_path / "source.jsonl")
    cli.ok("delete", cid)
    again = _import(cli, tmp_path / "source.jsonl")
    assert again != cid
    assert len(cli.items(again)) == 3
    assert len(cli.items(_import(cli, tmp_path / "source.jsonl", "--key", "fresh"))) == 3


def test_failed_import_reports_progress_and_rerun_completes(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch committed but unanswered stops the import; the rerun finishes without duplicates."""
    source = write_export(tmp_path / "source.jsonl", 200)
    original = AsyncItems.create
    calls = 0

    async def fail_fourth_batch(self: AsyncItems, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 4:
            # The server commits this batch, then answers 500: the client cannot know it landed.
            cli.emulator.set_faults(
                Faults(mode="500", when="after", methods={"POST"}, max_faults=1)
            )
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(AsyncItems, "create", fail_fourth_batch)
    failed = cli("import", str(tmp_path / "source.jsonl"), "--max-retries", "0")
    monkeypatch.setattr(AsyncItems, "create", original)
    assert failed.status == EXIT_API_ERROR
    assert "500" in failed.err
    assert "60 of 200 items are in conv_" in failed.err  # three batches known to have landed
    assert "run the same command again to resume" in failed.err

    result = cli.ok("import", str(tmp_path / "source.jsonl"))
    assert result.record["id"] in failed.err
    items = cli.items(result.record["id"])
    assert types(items) == types(source[1:])
    assert [i.get("call_id") for i in items] == [i.get("call_id") for i in source[1:]]


def test_import_through_lost_answers_adds_each_item_once(cli: CLI, tmp_path: Path) -> None:
    """Writes that commit but lose their answer are retried by key, and nothing is added twice."""
    source = write_export(tmp_path / "source.jsonl", 100)
    # Retry-After 0: the client retries at once, so the test never waits on a backoff. Three faults
    # at most, fewer than the retries of one call: running out of retries is not this test.
    faults = Faults(
        mode="503",
        when="after",
        methods={"POST"},
        fraction=0.4,
        seed=3,
        retry_after=0,
        max_faults=3,
    )
    cli.emulator.set_faults(faults)
    result = cli("import", str(tmp_path / "source.jsonl"), "--max-retries", "3")
    injected = cli.emulator.faults_injected
    cli.emulator.set_faults(None)
    assert (result.status, result.err) == (0, ""), result.err
    assert injected == 3
    items = cli.items(result.record["id"])
    assert [i.get("call_id") for i in items] == [i.get("call_id") for i in source[1:]]
    assert types(items) == types(source[1:])


@pytest.mark.usefixtures("default_sigint")
def test_ctrl_c_stops_cleanly_and_rerun_does_not_duplicate(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real SIGINT mid-import exits 130, says how far it got; the rerun completes exactly once."""
    source = write_export(tmp_path / "source.jsonl", 120)
    original = AsyncItems.create
    calls = 0

    async def create_then_interrupt(self: AsyncItems, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            signal.raise_signal(signal.SIGINT)  # what Ctrl-C delivers
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(AsyncItems, "create", create_then_interrupt)
    interrupted = cli("import", str(tmp_path / "source.jsonl"))
    monkeypatch.setattr(AsyncItems, "create", original)
    assert interrupted.status == EXIT_INTERRUPTED
    assert interrupted.out == ""
    assert "interrupted;" in interrupted.err
    assert "of 120 items are in conv_" in interrupted.err

    cid = cli.ok("import", str(tmp_path / "source.jsonl")).record["id"]
    assert cid in interrupted.err
    assert types(cli.items(cid)) == types(source[1:])


def test_resume_refuses_a_conversation_with_other_items(cli: CLI, tmp_path: Path) -> None:
    """--resume into a conversation whose items are not this file's first items exits 2."""
    write_export(tmp_path / "source.jsonl", 5)
    other = cli.ok("create").record["id"]
    (tmp_path / "one.jsonl").write_text(
        json.dumps({"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}"})
        + "\n",
        encoding="utf-8",
    )
    cli.ok("items", "add", other, str(tmp_path / "one.jsonl"))
    result = cli("import", str(tmp_path / "source.jsonl"), "--resume", other)
    assert result.status == EXIT_USAGE
    assert "refusing to append" in result.err
    assert len(cli.items(other)) == 1


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        pytest.param("", "empty file", id="empty"),
        pytest.param('{"type": "message"}\n', "first line must be a conversation", id="no-header"),
        pytest.param('{"object": "conversation"}\nnot json\n', ":2: not valid JSON", id="bad-line"),
        pytest.param('{"object": "conversation"}\n{"role": "user"}\n', ":2: an item", id="no-type"),
    ],
)
def test_import_rejects_malformed_files(
    cli: CLI, tmp_path: Path, content: str, needle: str
) -> None:
    """A file that is not an export is refused before anything is created, naming the line."""
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    result = cli("import", str(path))
    assert result.status == EXIT_USAGE
    assert needle in result.err


def test_fork_copies_all_or_up_to_an_item(cli: CLI, tmp_path: Path) -> None:
    """fork copies metadata and items in order, by reference or by value, optionally up to --until."""
    write_export(tmp_path / "source.jsonl", 50, metadata={"topic": "fork me"})
    source_id = _import(cli, tmp_path / "source.jsonl")
    source_items = cli.items(source_id)

    whole = cli.ok("fork", source_id).record
    assert whole["id"] != source_id
    assert whole["metadata"] == {"topic": "fork me"}
    assert without_ids(cli.items(whole["id"])) == without_ids(source_items)

    until = source_items[31]["id"]
    partial = cli.ok("fork", source_id, "--until", until, "--by-value").record
    assert without_ids(cli.items(partial["id"])) == without_ids(source_items[:32])

    missing = cli("fork", source_id, "--until", "msg_not_there")
    assert missing.status == EXIT_USAGE
    assert "msg_not_there" in missing.err


def test_progress_bar_only_on_a_terminal(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stderr shows a bar that reaches the total when it is a terminal, and nothing when piped."""
    write_export(tmp_path / "source.jsonl", 60)

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stderr", terminal)
        result = cli("import", str(tmp_path / "source.jsonl"), "--key", "tty", "--timeout", "30")
        exported = cli("export", result.record["id"])
    assert result.status == exported.status == 0
    assert "import [########################] 60/60 100%" in terminal.getvalue()
    assert "export: 60 items" in terminal.getvalue()
    assert terminal.getvalue().endswith("\n")  # later messages start on a line of their own
    assert len(exported.records) == 61  # stdout carries the data and nothing else

    piped = cli.ok("import", str(tmp_path / "source.jsonl"), "--key", "piped")
    assert piped.err == ""


@pytest.mark.usefixtures("default_sigint")
def test_interrupted_export_leaves_no_file(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during export -o FILE leaves neither FILE nor a partial file, and says so."""
    write_export(tmp_path / "source.jsonl", 250)
    cid = _import(cli, tmp_path / "source.jsonl")
    from conversations_sdk.cli._shapes import unstructure as original

    written = 0

    def unstructure_then_interrupt(obj: object) -> Any:
        nonlocal written
        written += 1
        if written == 150:
            signal.raise_signal(signal.SIGINT)
        return original(obj)

    # Patched where the export reads it (the transfer engine), not where it is defined.
    monkeypatch.setattr("conversations_sdk.cli._transfer.unstructure", unstructure_then_interrupt)
    out = tmp_path / "export.jsonl"
    result = cli("export", cid, "-o", str(out))
    assert result.status == EXIT_INTERRUPTED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source.jsonl"]
    assert f"nothing was written to {out}" in result.err
    assert "the export is incomplete" in result.err


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        pytest.param(
            stored_item(0),
            {k: v for k, v in stored_item(0).items() if k != "id"},
            id="user-message-drops-id",
        ),
        pytest.param(stored_item(1), stored_item(1), id="assistant-message-keeps-required-id"),
        pytest.param(
            {**stored_item(2), "created_by": "user_1"},
            {k: v for k, v in stored_item(2).items() if k != "id"},
            id="function-call-drops-server-fields",
        ),
        pytest.param(stored_item(4), stored_item(4), id="reasoning-keeps-required-id"),
        pytest.param(
            {"id": "x_1", "type": "brand_new", "payload": [1]},
            {"type": "brand_new", "payload": [1]},
            id="unknown-type-passes-through",
        ),
    ],
)
def test_output_items_become_input_items(item: dict[str, Any], expected: dict[str, Any]) -> None:
    """Stored items are sent back in the spec's input shapes: only keys an input schema declares."""
    assert to_input_item(item) == expected


def test_console_script_exports_and_imports(cli: CLI, tmp_path: Path) -> None:
    """The installed ``conversations-sdk`` entry point runs a real export and import."""
    script = shutil.which("conversations-sdk", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "conversations_sdk.cli"]
    write_export(tmp_path / "source.jsonl", 30)
    cid = _import(cli, tmp_path / "source.jsonl")
    env = {**os.environ, "OPENAI_BASE_URL": cli.emulator.base_url}
    env["OPENAI_API_KEY"] = os.environ["OPENAI_API_KEY"]
    exported = subprocess.run(  # noqa: S603 - our own entry point, fixed argv
        [*command, "export", cid],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (exported.returncode, exported.stderr) == (0, "")
    assert len(exported.stdout.splitlines()) == 31
    imported = subprocess.run(  # noqa: S603 - our own entry point, fixed argv
        [*command, "import", "-", "--key", "subprocess"],
        input=exported.stdout,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert (imported.returncode, imported.stderr) == (0, "")
    new_id = json.loads(imported.stdout)["id"]
    assert without_ids(cli.items(new_id)) == without_ids(cli.items(cid))
