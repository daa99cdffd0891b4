"""Whole-conversation transfers for the command line: export, import and fork.

Everything here goes through :class:`AsyncClient` (no second HTTP path). This module owns:

* the **export format**: JSON Lines, the conversation on the first line, then every item in
  ascending order, each exactly as the SDK unstructures it (unknown fields included);
* **reading and writing JSON Lines**: records split on ``\n`` only, strict UTF-8, and written so
  that no character inside a record can end a line for any reader (:func:`dumps_line`);
* turning a stored item (an *output* shape, as ``items.list`` returns it) into the *input* shape
  ``items.create`` accepts, with the spec's input schemas (through the generated input models) as
  the only source of which keys may be sent;
* **resumable appends**: items go in batches of at most 20, in order; the conversation create
  and each batch carry an idempotency key derived from the source and the batch's position, and a
  rerun first counts what the target already holds, so it continues instead of duplicating;
* **streaming**: an import reads its file twice (check everything, then send), holding one batch
  at a time, so its memory does not grow with the file.

It prints nothing itself: progress goes through :class:`Progress`, results back to the caller.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import hashlib
import itertools
import json
import re
import shutil
import tempfile
import typing
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

import attrs

from .._errors import APIStatusError, NotFoundError
from .._params import NOT_GIVEN, NotGiven
from ._cli_progress import Progress

if TYPE_CHECKING:
    from .._client import AsyncClient
    from .._resources.items import Include
    from ..models import Conversation

__all__ = [
    "BATCH_SIZE",
    "ExportSummary",
    "TransferError",
    "TransferState",
    "append_items",
    "dumps_line",
    "export_conversation",
    "export_inputs",
    "export_line",
    "fork_source",
    "item_problem",
    "iter_json_lines",
    "reject_constant",
    "rewindable",
    "scan_export",
    "to_input_item",
]

#: The API's limit of items per create call.
BATCH_SIZE = 20
_PAGE_SIZE = 100  # the API's largest page: fewest round trips when reading whole conversations
_KEY_PREFIX = "conversations-sdk-cli"


class TransferError(Exception):
    """A transfer cannot go on for a reason the user must fix (bad file, unexpected target)."""


@attrs.define
class TransferState:
    """How far a transfer got; read by the command layer to report an interruption or failure.

    Attributes:
        action: ``"export"``, ``"import"`` or ``"fork"``.
        total: Items to transfer, when known.
        done: Items transferred so far (for an import: items the target holds).
        target: The conversation being written to, once known.
        output: The file being written (export), if any.
    """

    action: str
    total: int | None = None
    done: int = 0
    target: str | None = None
    output: str | None = None
    #: The position (0-based, in the whole source) of an item the API refused, if it named one.
    refused: int | None = None
    #: Turns such a position into words for the user (``items.jsonl:35``).
    locate: Callable[[int], str] | None = None

    def describe(self) -> str:
        """Say in one sentence how far the transfer got and how to continue."""
        if self.action == "export":
            where = f"; nothing was written to {self.output}" if self.output else ""
            return f"exported {self.done:,} items before stopping{where}; the export is incomplete"
        of_total = f" of {self.total:,}" if self.total is not None else ""
        if self.refused is not None:
            where = self.locate(self.refused) if self.locate else f"item {self.refused + 1:,}"
            if self.target is None:
                return f"the API refused {where}; nothing was created"
            # The same command would be refused again: the item must change, and a changed file
            # has new idempotency keys, so only --resume finds this conversation again.
            return (
                f"the API refused {where}; {self.done:,}{of_total} items are in {self.target}; "
                f"fix that item and run the command again with --resume {self.target}"
            )
        if self.target is None:
            return f"stopped before any item was copied (0{of_total} items)"
        return (
            f"{self.done:,}{of_total} items are in {self.target}; run the same command again to "
            f"resume (or add --resume {self.target})"
        )


# --- output item -> input item ----------------------------------------------------------------


def _literals(annotation: object) -> set[str]:
    if typing.get_origin(annotation) is typing.Literal:
        return {a for a in typing.get_args(annotation) if isinstance(a, str)}
    values: set[str] = set()
    for arg in typing.get_args(annotation):
        values |= _literals(arg)
    return values


@attrs.frozen
class _InputShape:
    """One input schema of the spec, as the generated model declares it."""

    keys: frozenset[str]
    required: frozenset[str]
    roles: frozenset[str]


@functools.lru_cache(maxsize=1)
def _input_shapes() -> dict[str, tuple[_InputShape, ...]]:
    """Map each item ``type`` to the input shapes ``items.create`` accepts for it."""
    from .. import models

    table: dict[str, list[_InputShape]] = {}
    for cls in typing.get_args(models.InputItem):
        if not attrs.has(cls) or cls is models.UnknownItem:
            continue
        hints = typing.get_type_hints(cls)
        fields = [f for f in attrs.fields(cls) if f.init and f.name != "extra"]
        shape = _InputShape(
            keys=frozenset(f.name for f in fields),
            required=frozenset(f.name for f in fields if f.default is attrs.NOTHING),
            roles=frozenset(_literals(hints.get("role"))),
        )
        for tag in _literals(hints.get("type")):
            table.setdefault(tag, []).append(shape)
    return {tag: tuple(shapes) for tag, shapes in table.items()}


def to_input_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """Turn an item as the API returns it into the input shape ``items.create`` accepts.

    Keys no input schema of the item's type declares (server-only fields such as ``created_by``,
    or fields unknown to this SDK version) are dropped. ``id`` is kept only when an input schema
    requires it (an assistant ``OutputMessage``, a ``reasoning`` item, built-in tool calls): an
    optional id is a reference to a server-side item, which on another server or conversation can
    only collide. A type with no known input schema is sent as is, minus its ``id``.

    Args:
        item: One item, unstructured (a JSON object).

    Returns:
        A new dict, ready to be sent.
    """
    shapes = _input_shapes().get(str(item.get("type")), ())
    if not shapes:
        return {k: v for k, v in item.items() if k != "id"}
    role = item.get("role")
    if isinstance(role, str):
        # Message shapes differ by role (an assistant message is an OutputMessage, with its id).
        matching = tuple(s for s in shapes if not s.roles or role in s.roles)
        shapes = matching or shapes
    keys: set[str] = set()
    id_required = False
    for shape in shapes:
        keys |= shape.keys
        id_required = id_required or "id" in shape.required
    if not id_required:
        keys.discard("id")
    return {k: v for k, v in item.items() if k in keys}


def item_problem(value: object) -> str | None:
    """Say what makes ``value`` an item the API cannot accept, if the SDK knows it for certain.

    Checked: a JSON object; a string ``type`` (or none: an easy message or a reference); for a
    known type, the keys that at least one of its input schemas requires (the most lenient
    reading). A type this SDK does not know is left to the server, which may know it.
    """
    if not isinstance(value, dict):
        return "not a JSON object"
    kind = value.get("type")
    if kind is None:
        if "role" in value or "content" in value:
            kind = "message"
        elif "id" in value:
            kind = "item_reference"
        else:
            return "an item needs a 'type' (or 'role' and 'content' for a message)"
    if not isinstance(kind, str):
        return f"'type' must be a string, not {json.dumps(kind)[:40]}"
    shapes = _input_shapes().get(kind, ())
    role = value.get("role")
    if isinstance(role, str) and kind == "message":
        shapes = tuple(s for s in shapes if not s.roles or role in s.roles) or shapes
    missing = [sorted(s.required - value.keys()) for s in shapes]
    if missing and all(missing):
        keys = min(missing, key=len)
        return f"a {kind!r} item needs " + ", ".join(repr(k) for k in keys)
    return None


# --- JSON Lines ------------------------------------------------------------------------------

# What json.dumps(ensure_ascii=False) leaves raw although some reader ends a line there:
# U+0085 (NEL), U+2028 and U+2029 (str.splitlines, JavaScript before ES2019); and lone
# surrogates, which UTF-8 cannot encode. Every other line break (\n, \r, \v, \f, \x1c-\x1e) is a
# control character json.dumps always escapes.
_UNSAFE = re.compile("[\x85\u2028\u2029\ud800-\udfff]")
_JSON_SPACE = " \t\r\n"


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def dumps_line(value: Any) -> str:
    """Return ``value`` as one JSON Lines record, without the newline.

    Compact, UTF-8 text kept readable, except the characters some line splitter would break on
    (and lone surrogates), which are written as ``\\uXXXX`` escapes: outside strings JSON is
    ASCII, so those characters can only occur inside a string, where the escape means the same.
    """
    return _UNSAFE.sub(_escape, json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def reject_constant(name: str) -> Any:
    """Refuse ``NaN`` and ``Infinity`` (a ``parse_constant`` hook for :func:`json.loads`)."""
    # json.loads accepts NaN and Infinity, which are not JSON: sending them would fail later.
    raise ValueError(f"{name} is not JSON")


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
        TransferError: A line is not UTF-8 (the message gives the byte offset in the file) or
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
            raise TransferError(
                f"{name}: not UTF-8 at byte offset {offset + skip + exc.start} (line {number}); "
                "nothing was sent"
            ) from None
        offset += len(raw)
        if not text.strip(_JSON_SPACE):
            continue
        try:
            value = json.loads(text, parse_constant=reject_constant)
        except json.JSONDecodeError as exc:
            raise TransferError(f"{name}:{number}: not valid JSON ({exc.msg})") from None
        except ValueError as exc:
            raise TransferError(f"{name}:{number}: not valid JSON ({exc})") from None
        except RecursionError:
            raise TransferError(f"{name}:{number}: JSON nested too deeply") from None
        yield number, value


def rewindable(stream: IO[bytes]) -> IO[bytes]:
    """Return ``stream`` if it can seek, else a private temporary copy of it (for stdin, pipes).

    The copy is an unnamed file (mode 0600, removed when closed), so reading a file twice never
    needs the whole of it in memory.
    """
    try:
        if stream.seekable():
            return stream
    except (OSError, ValueError):
        pass
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    try:
        shutil.copyfileobj(stream, spool, 1 << 20)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


@attrs.frozen
class ExportSummary:
    """What the first pass over an export found.

    Attributes:
        conversation: The first record (a conversation object).
        count: How many items follow it.
        digest: SHA-256 of the file's bytes: the same file always gives the same idempotency keys.
        start: Where in the stream the file began.
    """

    conversation: Mapping[str, Any]
    count: int
    digest: str
    start: int = 0


def _export_records(
    stream: IO[bytes], name: str, digest: Any = None
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """Yield the records of an export, the conversation first, checking each one's shape."""
    first = True
    for number, record in iter_json_lines(stream, name, digest=digest):
        if not isinstance(record, dict):
            raise TransferError(f"{name}:{number}: expected a JSON object")
        if first:
            if record.get("object") != "conversation":
                raise TransferError(
                    f"{name}:{number}: the first line must be a conversation "
                    '(\'"object": "conversation"\'), as written by `conversations-sdk export`'
                )
            first = False
        elif not isinstance(record.get("type"), str):
            raise TransferError(f"{name}:{number}: an item needs a string 'type'")
        yield number, record
    if first:
        raise TransferError(f"{name}: empty file; expected an export written by `export`")


def scan_export(stream: IO[bytes], name: str) -> ExportSummary:
    """Check a whole export file, one line at a time, before anything is sent.

    Args:
        stream: The file, at its start; left at its end.
        name: The file's name, for messages.

    Returns:
        The conversation, the number of items and the digest of the bytes.

    Raises:
        TransferError: Not UTF-8, not JSON Lines, no conversation on the first line, or an item
            without a ``type``; the message names the line (or the byte offset).
    """
    start = stream.tell()
    digest = hashlib.sha256()
    records = _export_records(stream, name, digest)
    _, conversation = next(records)
    count = 0
    for number, record in records:
        # Checked in input shape, as it will be sent: refused here, nothing is created.
        problem = item_problem(to_input_item(record))
        if problem:
            raise TransferError(f"{name}:{number}: {problem}; nothing was sent")
        count += 1
    return ExportSummary(conversation, count, digest.hexdigest(), start)


def export_inputs(stream: IO[bytes], name: str, summary: ExportSummary) -> Iterator[dict[str, Any]]:
    """Yield the items of an export, in input shape, reading the file from its start again."""
    stream.seek(summary.start)
    records = _export_records(stream, name)
    next(records)  # the conversation
    for _, record in records:
        yield to_input_item(record)


def export_line(stream: IO[bytes], name: str, summary: ExportSummary, index: int) -> str:
    """Say on which line of the file the item at ``index`` (0-based) is, reading it again.

    Only called to report a refused item, so an import never keeps a line table in memory.
    """
    stream.seek(summary.start)
    found = -1
    for number, _ in iter_json_lines(stream, name):
        if found == index:
            return f"{name}:{number}"
        found += 1
    return f"item {index + 1:,} of {name}"


# --- export ------------------------------------------------------------------------------------


def unstructure(obj: object) -> Any:
    """Return the JSON value of a model, unknown fields and types included."""
    # Imported here: `conversations-sdk serve` and --help should not pay for cattrs and models.
    from .._converter import CONVERTER

    return CONVERTER.unstructure(obj)


async def export_conversation(
    client: AsyncClient,
    conversation_id: str,
    write: Callable[[Any], None],
    *,
    include: Sequence[Include] | NotGiven = NOT_GIVEN,
    progress: Progress,
    state: TransferState,
) -> None:
    """Write a conversation, then every item in ascending order, through ``write``.

    Args:
        client: The client to read with.
        conversation_id: The conversation to export.
        write: Called with each JSON value, in file order.
        include: Extra item fields to ask the API for (``include`` of ``items.list``).
        progress: Advanced once per page.
        state: Updated as items are written.

    Raises:
        APIError: A request failed (after retries).
    """
    conversation = await client.conversations.retrieve(conversation_id)
    write(unstructure(conversation))
    pager = client.conversations.items.list(
        conversation_id, order="asc", limit=_PAGE_SIZE, include=include
    )
    async for page in pager.pages():
        for item in page.data:
            write(unstructure(item))
        state.done += len(page.data)
        progress.advance(len(page.data))


# --- import and fork -------------------------------------------------------------------------


def _key(namespace: str, *parts: object) -> str:
    # Deterministic: the same source and position give the same key on every run, so a replayed
    # request is answered from the server's idempotency record instead of being applied twice.
    material = json.dumps([namespace, *parts], separators=(",", ":"))
    return f"{_KEY_PREFIX}-{hashlib.sha256(material.encode()).hexdigest()[:48]}"


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def _metadata(conversation: Mapping[str, Any]) -> Mapping[str, str] | NotGiven:
    metadata = conversation.get("metadata")
    return metadata if isinstance(metadata, dict) else NOT_GIVEN


def _input_type(item: Mapping[str, Any]) -> str:
    kind = item.get("type")
    if isinstance(kind, str):
        return kind
    return "message" if "role" in item else "item_reference"


async def _count_existing(
    client: AsyncClient, target: str, inputs: Iterator[Mapping[str, Any]]
) -> int:
    """Count the items ``target`` already holds, checking they are a prefix of ``inputs``.

    Takes exactly one input per item held, so ``inputs`` continues with the first item to send.
    """
    count = 0
    async for page in client.conversations.items.list(
        target, order="asc", limit=_PAGE_SIZE
    ).pages():
        for item in page.data:
            source = next(inputs, None)
            # An easy message has no type; a reference may have none either.
            expected = None if source is None else _input_type(source)
            # A reference's stored type is the referenced item's, so only its position is checked.
            if expected is None or expected not in ("item_reference", item.type):
                raise TransferError(
                    f"conversation {target} already holds items that are not the first items of "
                    f"this source (item {count + 1} is {item.type!r}); refusing to append. "
                    "Import into a new conversation instead (drop --resume, or pass a new --key)"
                )
            count += 1
    return count


async def append_items(
    client: AsyncClient,
    *,
    conversation: Mapping[str, Any],
    inputs: Iterable[Mapping[str, Any]],
    total: int,
    namespace: str,
    resume: str | None,
    progress: Progress,
    state: TransferState,
    first_batch: Sequence[Mapping[str, Any]] = (),
) -> Conversation:
    """Create a conversation with ``conversation``'s metadata and append ``inputs`` in order.

    Safe to run again after a failure or an interruption: the create and every batch carry
    idempotency keys derived from ``namespace`` and their position, and the items already in the
    target are counted first, so the run continues where the last one stopped.

    Args:
        client: The client to write with.
        conversation: The source conversation (its ``metadata`` is copied).
        inputs: The items to append, already in input shape; read once, one batch at a time.
        total: How many items ``inputs`` holds.
        namespace: What the idempotency keys derive from (a digest of the source).
        resume: An existing conversation to continue instead of creating one.
        progress: Advanced once per batch.
        state: Updated as batches land.
        first_batch: The first items of ``inputs`` (at most 20), sent with the conversation's
            create so a short source lands in one request; ``inputs`` still starts with them.

    Returns:
        The target conversation.

    Raises:
        TransferError: The target holds items that are not a prefix of ``inputs``.
        APIError: A request failed (after retries).
    """
    state.total = total
    if resume is None:
        try:
            target = await client.conversations.create(
                metadata=_metadata(conversation),
                items=list[Any](first_batch) if first_batch else NOT_GIVEN,
                idempotency_key=_key(namespace, "conversation"),
            )
        except APIStatusError as exc:
            state.refused = _refused(exc, 0)
            raise
    else:
        target = await client.conversations.retrieve(resume)
    state.target = target.id
    pending = iter(inputs)
    try:
        done = await _count_existing(client, target.id, pending)
    except NotFoundError as exc:
        # The create was answered from an earlier run's idempotency record, but that conversation
        # has since been deleted: rerunning would replay the same answer forever.
        raise TransferError(
            f"conversation {target.id}, created by an earlier run of this command, no longer "
            "exists; pass --key with a new value to start a fresh copy"
        ) from exc
    state.done = done
    progress.advance(done)
    while batch := list(itertools.islice(pending, BATCH_SIZE)):
        # Keyed by target, offset and content, not by a running batch number: a resume that starts
        # at an offset not on a multiple of 20 still sends each batch with a key of its own, and a
        # reused --key with different items gets new keys instead of an idempotency conflict.
        key = _key(namespace, target.id, done, _digest(batch))
        try:
            await client.conversations.items.create(
                target.id, items=typing.cast("list[Any]", batch), idempotency_key=key
            )
        except APIStatusError as exc:
            state.refused = _refused(exc, done)
            raise
        done += len(batch)
        state.done = done
        progress.advance(len(batch))
    return target


_ITEM_PARAM = re.compile(r"items\[(\d+)\]")


def _refused(exc: APIStatusError, offset: int) -> int | None:
    """The source position of the item an API error names (``param: items[3].content``), if any."""
    match = _ITEM_PARAM.match(exc.param or "")
    return offset + int(match.group(1)) if match else None


def import_namespace(export: ExportSummary, key: str | None) -> str:
    """Return the idempotency namespace of an import: the user's ``--key``, else the file digest."""
    return f"import:{key}" if key is not None else f"import:{export.digest}"


async def fork_source(
    client: AsyncClient,
    conversation_id: str,
    *,
    until: str | None,
    by_value: bool,
    progress: Progress,
) -> tuple[Mapping[str, Any], list[dict[str, Any]], str]:
    """Read what a fork copies: the source conversation and its items up to ``until``.

    Everything is read before anything is written, so a wrong ``--until`` creates nothing.

    Args:
        client: The client to read with.
        conversation_id: The conversation to fork.
        until: The last item to copy (inclusive); ``None`` copies every item.
        by_value: Send converted items instead of ``item_reference`` entries.
        progress: Advanced once per page read.

    Returns:
        The source conversation, the input items, and the idempotency namespace.

    Raises:
        TransferError: ``until`` is not an item of the conversation.
        APIError: A request failed (after retries).
    """
    source = unstructure(await client.conversations.retrieve(conversation_id))
    inputs: list[dict[str, Any]] = []
    ids: list[str | None] = []
    found = until is None
    pages = client.conversations.items.list(conversation_id, order="asc", limit=_PAGE_SIZE).pages()
    # aclosing: stopping early at --until must close the page generator now, not at loop shutdown.
    async with contextlib.aclosing(typing.cast("AsyncGenerator[Any, None]", pages)) as walk:
        async for page in walk:
            progress.advance(len(page.data))
            for item in page.data:
                ids.append(item.id)
                if by_value or item.id is None:
                    inputs.append(to_input_item(unstructure(item)))
                else:
                    # A reference copies the stored item server-side, every field included.
                    inputs.append({"type": "item_reference", "id": item.id})
                if until is not None and item.id == until:
                    found = True
                    break
            if found and until is not None:
                break
    if not found:
        raise TransferError(f"item {until} is not in conversation {conversation_id}")
    namespace = f"fork:{conversation_id}:{by_value}:{_digest(ids)}"
    return source, inputs, namespace
