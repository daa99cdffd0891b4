"""The emulator's stand-in model: a deterministic answer, or the next reply a test scripted.

Without a script, the answer is text derived only from the request's own input, so the same input
always gives the same answer, and ``usage`` counts about one token per four characters, as real
tokenizers do for English text.

A script is a list of replies, used one per ``POST /v1/responses`` in order; once it is used up the
deterministic answer returns. Each reply is one of (as Python values or in a JSON file)::

    "Paris is the capital of France."  # a text answer

    {"text": "...", "delay": 0.5}  # the same; the answer takes 0.5 s
    {"function_call": {"name": "get_weather", "arguments": {"city": "Paris"}}}
    {"output": ["Let me check.", {"function_call": {...}}]}  # several output items
    {"error": {"status": 429, "message": "Slow down", "code": "rate_limit_exceeded"}}
    {"error": {"status": 500, "body": {"error": {...}}}}  # any JSON body, sent as is

``arguments`` is a JSON object or the JSON text of one; ``call_id`` may be given (else generated).
A script file holds a JSON list of replies, or an object ``{"replies": [...]}``.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

__all__ = [
    "ErrorReply",
    "FunctionCallOutput",
    "Reply",
    "Script",
    "ScriptError",
    "TextOutput",
    "count_tokens",
    "default_reply",
    "parse_reply",
]

JSONObject = dict[str, Any]

# Long enough to say what the answer is about, short enough to keep streams and logs small.
_ECHO_LIMIT = 200
_MAX_DELAY = 600.0


class ScriptError(ValueError):
    """A scripted reply is malformed; the message names the reply (``script[2].error.status``)."""


@attrs.frozen
class TextOutput:
    """An assistant message with one ``output_text`` part."""

    text: str


@attrs.frozen
class FunctionCallOutput:
    """A ``function_call`` output item."""

    name: str
    arguments: str
    call_id: str | None = None


@attrs.frozen
class ErrorReply:
    """An HTTP error answered instead of a response."""

    status: int
    body: JSONObject


@attrs.frozen
class Reply:
    """What the model answers to one request: output items, or an error; ``delay`` in seconds."""

    output: tuple[TextOutput | FunctionCallOutput, ...] = ()
    error: ErrorReply | None = None
    delay: float = 0.0


def _fail(where: str, message: str) -> ScriptError:
    return ScriptError(f"{where}: {message}")


def _delay(value: object, where: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise _fail(f"{where}.delay", "must be a number of seconds")
    if not 0 <= value <= _MAX_DELAY:
        raise _fail(f"{where}.delay", f"must be between 0 and {_MAX_DELAY:g} seconds")
    return float(value)


def _function_call(value: object, where: str) -> FunctionCallOutput:
    if not isinstance(value, Mapping):
        raise _fail(where, "a function_call is an object with 'name' and 'arguments'")
    unknown = set(value) - {"name", "arguments", "call_id"}
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    name = value.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(f"{where}.name", "must be a non-empty string")
    arguments = value.get("arguments", {})
    if isinstance(arguments, str):
        try:
            json.loads(arguments)
        except ValueError:
            raise _fail(f"{where}.arguments", "a string must be JSON text") from None
    elif isinstance(arguments, Mapping):
        arguments = json.dumps(arguments, ensure_ascii=False, separators=(",", ":"))
    else:
        raise _fail(f"{where}.arguments", "must be a JSON object or JSON text")
    call_id = value.get("call_id")
    if call_id is not None and (not isinstance(call_id, str) or not call_id):
        raise _fail(f"{where}.call_id", "must be a non-empty string")
    return FunctionCallOutput(name=name, arguments=arguments, call_id=call_id)


def _output_entry(value: object, where: str) -> TextOutput | FunctionCallOutput:
    if isinstance(value, str):
        return TextOutput(value)
    if isinstance(value, Mapping) and set(value) <= {"text", "delay"} and "text" in value:
        if not isinstance(value["text"], str):
            raise _fail(f"{where}.text", "must be a string")
        return TextOutput(value["text"])
    if isinstance(value, Mapping) and set(value) <= {"function_call", "delay"} and value:
        return _function_call(value.get("function_call"), f"{where}.function_call")
    raise _fail(where, "expected a string, {'text': ...} or {'function_call': {...}}")


def _error(value: object, where: str) -> ErrorReply:
    if not isinstance(value, Mapping):
        raise _fail(where, "an error is an object with 'status' and 'body' or 'message'")
    unknown = set(value) - {"status", "body", "message", "type", "code", "param"}
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}")
    status = value.get("status")
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise _fail(f"{where}.status", "must be an HTTP error status, 400 to 599")
    if "body" in value:
        body = value["body"]
        if not isinstance(body, dict):
            raise _fail(f"{where}.body", "must be a JSON object")
        try:
            json.dumps(body)
        except (TypeError, ValueError):
            raise _fail(f"{where}.body", "must be JSON-serialisable") from None
        return ErrorReply(status=status, body=body)
    for key in ("message", "type", "code", "param"):
        if value.get(key) is not None and not isinstance(value[key], str):
            raise _fail(f"{where}.{key}", "must be a string")
    default_type = "invalid_request_error" if status < 500 else "server_error"
    error = {
        "message": value.get("message") or f"Scripted error: HTTP {status}.",
        "type": value.get("type") or default_type,
        "param": value.get("param"),
        "code": value.get("code"),
    }
    return ErrorReply(status=status, body={"error": error})


def parse_reply(value: object, where: str = "reply") -> Reply:
    """Turn one scripted reply (see the module docs) into a :class:`Reply`.

    Raises:
        ScriptError: The reply is malformed; the message says where and why.
    """
    if isinstance(value, Reply):
        return value
    if isinstance(value, str):
        return Reply(output=(TextOutput(value),))
    if not isinstance(value, Mapping):
        raise _fail(where, f"expected a string or an object, got {type(value).__name__}")
    delay = _delay(value.get("delay"), where)
    if "error" in value:
        if set(value) - {"error", "delay"}:
            raise _fail(where, "an error reply has only 'error' (and 'delay')")
        return Reply(error=_error(value["error"], f"{where}.error"), delay=delay)
    if "output" in value:
        if set(value) - {"output", "delay"}:
            raise _fail(where, "a reply with 'output' has only 'output' (and 'delay')")
        entries = value["output"]
        if not isinstance(entries, list) or not entries:
            raise _fail(f"{where}.output", "must be a non-empty list")
        output = tuple(_output_entry(e, f"{where}.output[{i}]") for i, e in enumerate(entries))
        return Reply(output=output, delay=delay)
    return Reply(output=(_output_entry(value, where),), delay=delay)


class Script:
    """The replies the stand-in model gives, in order; thread-safe (tests add from their thread).

    Args:
        replies: Scripted replies (see the module docs); checked now, so a typo fails at once.

    Raises:
        ScriptError: A reply is malformed.
    """

    def __init__(self, replies: Iterable[object] = ()) -> None:
        self._lock = threading.Lock()
        self._replies: deque[Reply] = deque()
        self.add(*replies)

    def __repr__(self) -> str:
        return f"<Script {self.remaining} replies left>"

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Script:
        """Read a JSON script file: a list of replies, or ``{"replies": [...]}``.

        Raises:
            ScriptError: The file is not valid JSON or a reply is malformed.
            OSError: The file cannot be read.
        """
        with open(path, encoding="utf-8") as file:
            try:
                document = json.load(file)
            except ValueError as exc:
                raise ScriptError(f"{os.fspath(path)}: not valid JSON ({exc})") from None
        if isinstance(document, dict) and set(document) == {"replies"}:
            document = document["replies"]
        if not isinstance(document, list):
            raise ScriptError(
                f"{os.fspath(path)}: expected a list of replies or {{'replies': [...]}}"
            )
        return cls(document)

    @property
    def remaining(self) -> int:
        """How many scripted replies are left."""
        with self._lock:
            return len(self._replies)

    def add(self, *replies: object) -> None:
        """Append replies to the script (all checked before any is added).

        Raises:
            ScriptError: A reply is malformed.
        """
        with self._lock:
            start = len(self._replies)
        parsed = [parse_reply(r, f"script[{start + i}]") for i, r in enumerate(replies)]
        with self._lock:
            self._replies.extend(parsed)

    def clear(self) -> None:
        """Drop the replies left; the deterministic answer is used from now on."""
        with self._lock:
            self._replies.clear()

    def next(self) -> Reply | None:
        """Take the next scripted reply, or ``None`` when the script is used up."""
        with self._lock:
            return self._replies.popleft() if self._replies else None


def coerce_script(script: Script | Sequence[object] | None) -> Script:
    """Return ``script`` as a :class:`Script` (a list of replies is parsed; ``None`` is empty)."""
    if isinstance(script, Script):
        return script
    if isinstance(script, (str, bytes, Mapping)):
        raise ScriptError("script: expected a list of replies")
    return Script(script or ())


# --- the deterministic model ---------------------------------------------------------------------


def _texts(value: object, into: list[str]) -> None:
    """Collect the strings a model would read from an item (not ids, types or statuses)."""
    if isinstance(value, str):
        into.append(value)
    elif isinstance(value, list):
        for entry in value:
            _texts(entry, into)
    elif isinstance(value, dict):
        for key, entry in value.items():
            if key not in ("id", "type", "status", "role", "call_id", "annotations", "logprobs"):
                _texts(entry, into)


def count_tokens(text: str) -> int:
    """About one token per four characters, at least one for any text."""
    return math.ceil(len(text) / 4) if text else 0


def item_tokens(item: object) -> int:
    """Tokens an item costs as model input: its text plus a small per-item overhead."""
    parts: list[str] = []
    _texts(item, parts)
    return 4 + count_tokens(" ".join(parts))


def _user_text(items: Sequence[JSONObject]) -> str:
    texts: list[str] = []
    for item in items:
        if item.get("type") == "message" and item.get("role") == "user":
            _texts(item.get("content"), texts)
    return " ".join(t.strip() for t in texts if t.strip())


def default_reply(input_items: Sequence[JSONObject]) -> Reply:
    """The deterministic answer: derived only from this request's input items."""
    text = _user_text(input_items)
    if text:
        if len(text) > _ECHO_LIMIT:
            text = text[: _ECHO_LIMIT - 1] + "…"
        return Reply(output=(TextOutput(f'Emulated answer to "{text}".'),))
    kinds = sorted({str(item.get("type", "message")) for item in input_items})
    if not kinds:
        return Reply(output=(TextOutput("Emulated answer to an empty input."),))
    count = len(input_items)
    noun = "item" if count == 1 else "items"
    return Reply(
        output=(TextOutput(f"Emulated answer to {count} input {noun} ({', '.join(kinds)})."),)
    )
