"""Whole-conversation transfers for the command line: export, import and fork (the engine).

Everything here goes through :class:`AsyncClient` (no second HTTP path). This module owns:

* the **export format**: JSON Lines (records as ``_jsonl.py`` reads and writes them), the
  conversation on the first line, then every item in ascending order, each exactly as the SDK
  unstructures it (unknown fields included); an export file checked whole and read back as input
  items (their shape comes from ``_shapes.py``);
* **resumable appends**: items go in batches of at most 20, in order; the conversation create
  and each batch carry an idempotency key derived from the source and the batch's position, and a
  rerun first counts what the target already holds, so it continues instead of duplicating;
* **streaming**: an import reads its file twice (check everything, then send), holding one batch
  at a time, so its memory does not grow with the file;
* :class:`TransferState`, how far a transfer got, for the command to report.

It prints nothing itself and parses no command line: progress goes through :class:`Progress`,
results back to the caller (the commands in ``_transfer_commands.py`` and ``create --items``).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import re
import typing
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

import attrs

from .._errors import APIStatusError, NotFoundError
from .._params import NOT_GIVEN, NotGiven
from ._jsonl import iter_json_lines
from ._progress import Progress
from ._shapes import item_problem, to_input_item, unstructure

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
    "export_conversation",
    "export_inputs",
    "export_line",
    "fork_source",
    "import_namespace",
    "refused_index",
    "scan_export",
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
        JSONLinesError: A line is not UTF-8 or not JSON; the message names it (or the byte offset).
        TransferError: No conversation on the first line, or an item without a ``type`` or that
            the API could not accept; the message names the line.
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
            state.refused = refused_index(exc, 0)
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
            state.refused = refused_index(exc, done)
            raise
        done += len(batch)
        state.done = done
        progress.advance(len(batch))
    return target


_ITEM_PARAM = re.compile(r"items\[(\d+)\]")


def refused_index(exc: APIStatusError, offset: int) -> int | None:
    """The source position of the item an API error names (``param: items[3].content``), if any.

    Args:
        exc: The API's answer to a create whose items started at ``offset`` of the source.
        offset: The position (0-based) of the request's first item in the whole source.
    """
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
