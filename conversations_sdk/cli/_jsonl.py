"""JSON text for the command line: JSON Lines records written and read, and strict JSON parsing.

Owns the record format every command shares: one compact JSON value per line, split on ``\\n``
only, strict UTF-8, written so that no character inside a record can end a line for any reader
(:func:`dumps_line`); and the parse that refuses what :func:`json.loads` would let through
(``NaN``, ``Infinity``), with a message saying why (:func:`loads`).

It knows nothing of conversations, items or files on disk: it reads the stream it is given.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["JSONLinesError", "dumps_line", "iter_json_lines", "loads"]

# What json.dumps(ensure_ascii=False) leaves raw although some reader ends a line there:
# U+0085 (NEL), U+2028 and U+2029 (str.splitlines, JavaScript before ES2019); and lone
# surrogates, which UTF-8 cannot encode. Every other line break (\n, \r, \v, \f, \x1c-\x1e) is a
# control character json.dumps always escapes.
_UNSAFE = re.compile("[\x85\u2028\u2029\ud800-\udfff]")
_JSON_SPACE = " \t\r\n"


class JSONLinesError(ValueError):
    """A line is not UTF-8 or not JSON; the message names the file and the line (or byte offset)."""


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def dumps_line(value: Any) -> str:
    """Return ``value`` as one JSON Lines record, without the newline.

    Compact, UTF-8 text kept readable, except the characters some line splitter would break on
    (and lone surrogates), which are written as ``\\uXXXX`` escapes: outside strings JSON is
    ASCII, so those characters can only occur inside a string, where the escape means the same.
    """
    return _UNSAFE.sub(_escape, json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _reject_constant(name: str) -> Any:
    # json.loads accepts NaN and Infinity, which are not JSON: sending them would fail later.
    raise ValueError(f"{name} is not JSON")


def loads(text: str, *, line_in_message: bool = False) -> Any:
    """Parse one JSON text, refusing ``NaN`` and ``Infinity``.

    Args:
        text: The JSON text.
        line_in_message: Say on which line of ``text`` a syntax error is (for a whole file).

    Raises:
        ValueError: Not JSON; the message says why (``not valid JSON (Expecting value)``), for the
            caller to prefix with where the text came from.
    """
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        line = f", line {exc.lineno}" if line_in_message else ""
        raise ValueError(f"not valid JSON ({exc.msg}{line})") from None
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def iter_json_lines(
    stream: IO[bytes], name: str, *, digest: Any = None
) -> Iterator[tuple[int, Any]]:
    """Yield ``(line number, value)`` for each non-blank line of a JSON Lines byte stream.

    Lines end at ``\\n`` only (a ``\\r`` before it is dropped), never at the other characters
    ``str.splitlines()`` splits on; a UTF-8 byte order mark at the start is skipped. Reads one
    line at a time.

    Args:
        stream: A binary stream, read from its current position.
        name: The file's name, for messages.
        digest: A ``hashlib`` object fed every byte read, blank lines included.

    Raises:
        JSONLinesError: A line is not UTF-8 (the message gives the byte offset in the file) or
            not JSON (the message gives the line number).
    """
    offset = 0
    for number, raw in enumerate(stream, start=1):
        if digest is not None:
            digest.update(raw)
        line = raw[:-1] if raw.endswith(b"\n") else raw
        if line.endswith(b"\r"):
            line = line[:-1]
        skip = len(codecs.BOM_UTF8) if number == 1 and line.startswith(codecs.BOM_UTF8) else 0
        try:
            text = line[skip:].decode("utf-8")
        except UnicodeDecodeError as exc:
            # Refused, never replaced: U+FFFD stored in place of the user's bytes is data lost.
            raise JSONLinesError(
                f"{name}: not UTF-8 at byte offset {offset + skip + exc.start} (line {number}); "
                "nothing was sent"
            ) from None
        offset += len(raw)
        if not text.strip(_JSON_SPACE):
            continue
        try:
            value = loads(text)
        except ValueError as exc:
            raise JSONLinesError(f"{name}:{number}: {exc}") from None
        yield number, value
