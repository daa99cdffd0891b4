"""The single-operation commands end to end against the emulator: output, errors, exit codes."""

from __future__ import annotations

import argparse
import io
import json
import socket
from pathlib import Path

import pytest

from conversations_sdk.cli._cli import build_parser
from conversations_sdk.cli._run import (
    EXIT_API_ERROR,
    EXIT_BROKEN_PIPE,
    EXIT_CONNECTION_ERROR,
    EXIT_OK,
    EXIT_USAGE,
)
from tests._support.cli import CLI


def _write_items(path: Path, count: int) -> Path:
    path.write_text(
        "".join(
            json.dumps({"role": "user", "content": f"message {i}"}) + "\n" for i in range(count)
        ),
        encoding="utf-8",
    )
    return path


def test_create_get_update_delete(cli: CLI) -> None:
    """Each conversation command prints the API's object as one JSON line."""
    created = cli.ok("create", "--metadata", "topic=demo", "owner=me").record
    assert created["object"] == "conversation"
    assert created["metadata"] == {"topic": "demo", "owner": "me"}
    cid = created["id"]

    assert cli.ok("get", cid).record == created
    assert cli.ok("update", cid, "--metadata", "topic=other").record["metadata"] == {
        "topic": "other"
    }
    assert cli.ok("update", cid, "--clear").record["metadata"] in ({}, None)
    deleted = cli.ok("delete", cid).record
    assert deleted == {"id": cid, "object": "conversation.deleted", "deleted": True}


def test_api_error_goes_to_stderr_with_request_id(cli: CLI) -> None:
    """A 404 exits 3, prints nothing on stdout, and reports the API's message and request id."""
    result = cli("get", "conv_missing")
    assert result.status == EXIT_API_ERROR
    assert result.out == ""
    assert "conv_missing" in result.err
    assert "request_id=req_" in result.err
    assert result.err.startswith("conversations-sdk: error: ")


def test_create_with_more_than_twenty_items_keeps_order(cli: CLI, tmp_path: Path) -> None:
    """``create --items`` accepts any number of items: the first 20 in the create, the rest after."""
    cid = cli.ok("create", "--items", str(_write_items(tmp_path / "i.jsonl", 45))).record["id"]
    texts = [item["content"][0]["text"] for item in cli.items(cid)]
    assert texts == [f"message {i}" for i in range(45)]


def test_items_add_list_get_delete(cli: CLI, tmp_path: Path) -> None:
    """The item commands add in order, page, fetch and delete, printing JSON Lines for lists."""
    cid = cli.ok("create").record["id"]
    added = cli.ok("items", "add", cid, str(_write_items(tmp_path / "i.jsonl", 25))).records
    assert len(added) == 25

    first_page = cli.ok("items", "list", cid, "--limit", "10", "--order", "asc").records
    assert [i["id"] for i in first_page] == [i["id"] for i in added[:10]]
    after = cli.ok("items", "list", cid, "--order", "asc", "--after", added[9]["id"]).records
    assert [i["id"] for i in after] == [i["id"] for i in added[10:]]
    newest = cli.ok("items", "list", cid, "--limit", "3").records  # API default order: desc
    assert [i["id"] for i in newest] == [i["id"] for i in reversed(added[-3:])]
    every = cli.ok("items", "list", cid, "--all", "--limit", "7", "--order", "asc").records
    assert every == added

    assert cli.ok("items", "get", cid, added[3]["id"]).record == added[3]
    assert cli.ok("items", "delete", cid, added[3]["id"]).record["id"] == cid
    missing = cli("items", "get", cid, added[3]["id"])
    assert missing.status == EXIT_API_ERROR
    assert "request_id=" in missing.err


def test_items_add_reads_stdin_and_json_arrays(
    cli: CLI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``-`` reads stdin, and a JSON array works as well as JSON Lines."""
    cid = cli.ok("create").record["id"]
    body = json.dumps([{"role": "user", "content": "from stdin"}]).encode()
    with monkeypatch.context() as patch:
        patch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(body)))
        added = cli.ok("items", "add", cid, "-").record
    assert added["content"][0]["text"] == "from stdin"


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        pytest.param(["create", "--metadata", "novalue"], "expected KEY=VALUE", id="bad-pair"),
        pytest.param(
            ["items", "list", "conv_1", "--order", "up"], "invalid choice", id="bad-order"
        ),
        pytest.param(["get"], "required", id="missing-id"),
        pytest.param(["frobnicate"], "invalid choice", id="unknown-command"),
        pytest.param(["items", "list", "conv_1", "--limit", "500"], "limit", id="limit-over-100"),
        pytest.param(
            ["items", "get", "conv_1", "msg_1", "--include", "nope"], "include", id="bad-include"
        ),
        pytest.param(
            ["update", "conv_1", "--metadata", "k=" + "v" * 600], "512", id="metadata-value-long"
        ),
        pytest.param(
            ["items", "add", "conv_1", "/nonexistent/x.jsonl"], "cannot read", id="no-file"
        ),
        pytest.param(["get", "conv_1", "--timeout", "0"], "positive number", id="zero-timeout"),
        pytest.param(["get", "conv_1", "--max-retries", "x"], "whole number", id="bad-retries"),
    ],
)
def test_usage_errors_exit_2(cli: CLI, argv: list[str], needle: str) -> None:
    """Wrong arguments, and values the SDK refuses before sending, exit 2 with a message."""
    result = cli(*argv)
    assert result.status == EXIT_USAGE
    assert needle in result.err
    assert result.out == ""


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        pytest.param('{"role": "user"\n', "bad.jsonl:1: not valid JSON", id="truncated"),
        pytest.param('["just a string"]', "bad.jsonl item 1: not a JSON object", id="not-objects"),
        pytest.param(
            '{"role": "user", "content": "hi"}\n42\n',
            "bad.jsonl:2: not a JSON object",
            id="jsonl-scalar",
        ),
        pytest.param("\n\n", "no items", id="empty"),
    ],
)
def test_malformed_items_file_exits_2(cli: CLI, tmp_path: Path, content: str, needle: str) -> None:
    """An items file that is not JSON Lines of objects is reported by name, with exit status 2."""
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    result = cli("items", "add", "conv_1", str(bad))
    assert result.status == EXIT_USAGE
    assert "bad.jsonl" in result.err
    assert needle in result.err


def test_missing_api_key_is_a_usage_error(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a key, the command says how to give one and exits 2."""
    monkeypatch.delenv("OPENAI_API_KEY")
    result = cli("get", "conv_1")
    assert result.status == EXIT_USAGE
    assert "OPENAI_API_KEY" in result.err


def test_flags_override_environment_and_key_is_never_printed(
    cli: CLI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--api-key/--base-url win over the environment; a rejected key never appears in output."""
    canary = "sk-CANARY-do-not-print-0123456789"
    base_url = cli.emulator.base_url
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    result = cli("get", "conv_1", "--api-key", canary, "--base-url", base_url)
    assert result.status == EXIT_API_ERROR
    assert "401" in result.err
    assert canary not in result.err + result.out
    helped = cli("get", "--help")
    assert canary not in helped.out


def test_connection_error_exits_4(cli: CLI) -> None:
    """No server at the address: exit 4, naming the URL that did not answer."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    result = cli("get", "conv_1", "--base-url", url, "--max-retries", "0")
    assert result.status == EXIT_CONNECTION_ERROR
    assert url in result.err


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _subcommands() -> list[list[str]]:
    paths: list[list[str]] = [[]]
    for name, sub in _subparsers(build_parser()).items():
        nested = _subparsers(sub)
        paths += [[name], *([name, child] for child in nested)]
    return paths


@pytest.mark.parametrize("path", _subcommands(), ids=lambda path: " ".join(path) or "top-level")
def test_every_command_has_help_with_examples(cli: CLI, path: list[str]) -> None:
    """``--help`` works on every command (and the top level) and shows examples of use."""
    result = cli(*path, "--help")
    assert result.status == EXIT_OK
    assert "usage: conversations-sdk" in result.out
    assert "examples:" in result.out
    assert "conversations-sdk " in result.out.split("examples:")[1]


def test_closed_stdout_stops_quietly(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the reader of stdout goes away (``| head``), the command stops with 141 and no traceback."""
    cid = cli.ok("create", "--items", str(_write_items(tmp_path / "i.jsonl", 5))).record["id"]

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    # A context, not the fixture's teardown: capsys restores stdout first, and the fixture would
    # then put back the capture it had already closed.
    with monkeypatch.context() as patch:
        patch.setattr("sys.stdout", ClosedPipe())
        result = cli("items", "list", cid, "--all")
    assert result.status == EXIT_BROKEN_PIPE
    assert result.err == ""


def test_unwritable_export_file_is_a_usage_error(cli: CLI, tmp_path: Path) -> None:
    """export -o into a missing directory exits 2 naming the file, before any request."""
    result = cli("export", "conv_1", "-o", str(tmp_path / "missing" / "x.jsonl"))
    assert result.status == EXIT_USAGE
    assert "x.jsonl: no such folder" in result.err
