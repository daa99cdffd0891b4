"""Helpers for the command-line tests: run ``main`` in-process, build export files, compare them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from conversations_sdk.cli._cli import main
from conversations_sdk.emulator import ThreadedEmulator


@attrs.frozen
class Result:
    """What one run of the command printed, and its exit status."""

    status: int
    out: str
    err: str

    @property
    def records(self) -> list[dict[str, Any]]:
        """Stdout parsed as JSON Lines."""
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]

    @property
    def record(self) -> dict[str, Any]:
        """Stdout parsed as exactly one JSON object on one line."""
        records = self.records
        assert len(records) == 1, self.out
        return records[0]


class CLI:
    """Runs ``conversations-sdk`` in this process with captured stdout and stderr."""

    def __init__(self, capsys: pytest.CaptureFixture[str], emulator: ThreadedEmulator) -> None:
        self._capsys = capsys
        self.emulator = emulator

    def __call__(self, *argv: str) -> Result:
        """Run with ``argv``; an argparse exit becomes its status like any other."""
        self._capsys.readouterr()
        try:
            status = main(list(argv))
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else 1
        captured = self._capsys.readouterr()
        return Result(status, captured.out, captured.err)

    def ok(self, *argv: str) -> Result:
        """Run and insist on exit status 0 and a silent stderr (nothing here is a terminal)."""
        result = self(*argv)
        assert (result.status, result.err) == (0, ""), result
        return result

    def items(self, conversation_id: str) -> list[dict[str, Any]]:
        """Every item of a conversation, oldest first."""
        return self.ok("items", "list", conversation_id, "--all", "--order", "asc").records


def stored_item(index: int) -> dict[str, Any]:
    """The ``index``-th item of a synthetic conversation, exactly as ``items.list`` returns it.

    Five kinds in turn: user and assistant messages, a function call and its output, reasoning.
    """
    kind = index % 5
    if kind == 0:
        return {
            "id": f"msg_u{index}",
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_text", "text": f"question {index}: héllo ✓"}],
        }
    if kind == 1:
        return {
            "id": f"msg_a{index}",
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [
                {
                    "type": "output_text",
                    "text": f"answer {index}",
                    "annotations": [],
                    "logprobs": [],
                }
            ],
        }
    if kind == 2:
        return {
            "id": f"fc_{index}",
            "type": "function_call",
            "status": "completed",
            "call_id": f"call_{index}",
            "name": "lookup",
            "arguments": json.dumps({"q": index}),
        }
    if kind == 3:
        return {
            "id": f"fco_{index}",
            "type": "function_call_output",
            "status": "completed",
            "call_id": f"call_{index - 1}",
            "output": f"result {index}",
        }
    return {
        "id": f"rs_{index}",
        "type": "reasoning",
        "status": "completed",
        "summary": [{"type": "summary_text", "text": f"thinking {index}"}],
    }


def write_export(
    path: Path, count: int, *, metadata: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Write an export file of ``count`` synthetic items; return its records."""
    records: list[dict[str, Any]] = [
        {
            "id": "conv_source",
            "object": "conversation",
            "created_at": 1_700_000_000,
            "metadata": dict(metadata or {"topic": "round trip"}),
        },
        *(stored_item(i) for i in range(count)),
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return records


def read_records(path: Path) -> list[dict[str, Any]]:
    """Read a JSON Lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def without_ids(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Drop what a copy may change: top-level ``id`` and ``created_at``."""
    return [{k: v for k, v in r.items() if k not in ("id", "created_at")} for r in records]


def types(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ``type`` of each item record."""
    return [str(r["type"]) for r in records]
