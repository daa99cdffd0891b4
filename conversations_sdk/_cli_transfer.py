"""Whole-conversation transfers for the command line: export, import and fork.

Everything here goes through :class:`AsyncClient` (no second HTTP path). This module owns:

* the **export format**: JSON Lines, the conversation on the first line, then every item in
  ascending order, each exactly as the SDK unstructures it (unknown fields included);
* turning a stored item (an *output* shape, as ``items.list`` returns it) into the *input* shape
  ``items.create`` accepts, with the spec's input schemas (through the generated input models) as
  the only source of which keys may be sent;
* **resumable appends**: items go in batches of at most 20, in order; the conversation create
  and each batch carry an idempotency key derived from the source and the batch's position, and a
  rerun first counts what the target already holds, so it continues instead of duplicating.

It prints nothing itself: progress goes through :class:`Progress`, results back to the caller.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import typing
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from ._cli_progress import Progress
from ._errors import NotFoundError
from ._params import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from ._client import AsyncClient
    from ._resources.items import Include
    from .models import Conversation

__all__ = [
    "BATCH_SIZE",
    "ExportFile",
    "TransferError",
    "TransferState",
    "append_items",
    "export_conversation",
    "fork_source",
    "read_export",
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

    def describe(self) -> str:
        """Say in one sentence how far the transfer got and how to continue."""
        if self.action == "export":
            where = f" to {self.output}" if self.output else ""
            return f"exported {self.done:,} items{where} before stopping; the export is incomplete"
        of_total = f" of {self.total:,}" if self.total is not None else ""
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
    from . import models

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


# --- the export file -------------------------------------------------------------------------


@attrs.frozen
class ExportFile:
    """An export read back: the conversation, its items in order, and a digest of the bytes.

    Attributes:
        conversation: The first line (a conversation object).
        items: Every following line, in file order.
        digest: SHA-256 of the file's bytes: the same file always gives the same idempotency keys.
    """

    conversation: Mapping[str, Any]
    items: Sequence[Mapping[str, Any]]
    digest: str


def read_export(data: bytes, *, name: str) -> ExportFile:
    """Parse the bytes of an export file.

    Args:
        data: The file's content.
        name: The file's name, for messages.

    Returns:
        The parsed file.

    Raises:
        TransferError: Not JSON Lines, no conversation on the first line, or an item without a
            ``type``; the message names the line.
    """
    conversation: Mapping[str, Any] | None = None
    items: list[Mapping[str, Any]] = []
    for number, line in enumerate(data.decode("utf-8", errors="strict").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TransferError(f"{name}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(record, dict):
            raise TransferError(f"{name}:{number}: expected a JSON object")
        if conversation is None:
            if record.get("object") != "conversation":
                raise TransferError(
                    f"{name}:{number}: the first line must be a conversation "
                    '(\'"object": "conversation"\'), as written by `conversations-sdk export`'
                )
            conversation = record
        elif not isinstance(record.get("type"), str):
            raise TransferError(f"{name}:{number}: an item needs a string 'type'")
        else:
            items.append(record)
    if conversation is None:
        raise TransferError(f"{name}: empty file; expected an export written by `export`")
    return ExportFile(
        conversation=conversation, items=items, digest=hashlib.sha256(data).hexdigest()
    )


# --- export ------------------------------------------------------------------------------------


def unstructure(obj: object) -> Any:
    """Return the JSON value of a model, unknown fields and types included."""
    # Imported here: `conversations-sdk serve` and --help should not pay for cattrs and models.
    from ._converter import CONVERTER

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


async def _count_existing(
    client: AsyncClient, target: str, inputs: Sequence[Mapping[str, Any]]
) -> int:
    """Count the items ``target`` already holds, checking they are a prefix of ``inputs``."""
    count = 0
    async for page in client.conversations.items.list(
        target, order="asc", limit=_PAGE_SIZE
    ).pages():
        for item in page.data:
            expected = inputs[count].get("type") if count < len(inputs) else None
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
    inputs: Sequence[Mapping[str, Any]],
    namespace: str,
    resume: str | None,
    progress: Progress,
    state: TransferState,
) -> Conversation:
    """Create a conversation with ``conversation``'s metadata and append ``inputs`` in order.

    Safe to run again after a failure or an interruption: the create and every batch carry
    idempotency keys derived from ``namespace`` and their position, and the items already in the
    target are counted first, so the run continues where the last one stopped.

    Args:
        client: The client to write with.
        conversation: The source conversation (its ``metadata`` is copied).
        inputs: The items to append, already in input shape.
        namespace: What the idempotency keys derive from (a digest of the source).
        resume: An existing conversation to continue instead of creating one.
        progress: Advanced once per batch.
        state: Updated as batches land.

    Returns:
        The target conversation.

    Raises:
        TransferError: The target holds items that are not a prefix of ``inputs``.
        APIError: A request failed (after retries).
    """
    state.total = len(inputs)
    if resume is None:
        target = await client.conversations.create(
            metadata=_metadata(conversation), idempotency_key=_key(namespace, "conversation")
        )
    else:
        target = await client.conversations.retrieve(resume)
    state.target = target.id
    try:
        done = await _count_existing(client, target.id, inputs)
    except NotFoundError as exc:
        # The create was answered from an earlier run's idempotency record, but that conversation
        # has since been deleted: rerunning would replay the same answer forever.
        raise TransferError(
            f"conversation {target.id}, created by an earlier run of this command, no longer "
            "exists; pass --key with a new value to start a fresh copy"
        ) from exc
    state.done = done
    progress.advance(done)
    while done < len(inputs):
        batch = list(inputs[done : done + BATCH_SIZE])
        # Keyed by target, offset and content, not by a running batch number: a resume that starts
        # at an offset not on a multiple of 20 still sends each batch with a key of its own, and a
        # reused --key with different items gets new keys instead of an idempotency conflict.
        key = _key(namespace, target.id, done, _digest(batch))
        # Dicts read from a file: the API checks them, a type checker cannot (hence the cast).
        items = typing.cast("list[Any]", batch)
        await client.conversations.items.create(target.id, items=items, idempotency_key=key)
        done += len(batch)
        state.done = done
        progress.advance(len(batch))
    return target


def import_namespace(export: ExportFile, key: str | None) -> str:
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


def converted_inputs(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Convert exported items to input items, in order."""
    return [to_input_item(item) for item in items]
