"""The conversation commands: ``create`` (optionally with items), ``get``, ``update``, ``delete``.

Each command is an argument builder (``*_arguments``) and a handler, named by a row of the table
in ``_commands.py``. ``create --items`` is a resumable transfer, as ``import`` is: the file is
checked whole, then sent in batches with deterministic idempotency keys (``_transfer.py``).

Owns the ``--metadata KEY=VALUE`` option (only these commands take it); running, output and exit
statuses are ``_run.py``'s.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from .._params import NOT_GIVEN, NotGiven
from ._arguments import conversation_argument
from ._files import read_items
from ._run import UsageError, handler, one_request, progress_bar, run_request, run_transfer
from ._transfer import BATCH_SIZE, TransferState, append_items

if TYPE_CHECKING:
    from .._client import AsyncClient
    from ..models import Conversation, ConversationDeletedResource

__all__ = [
    "create",
    "create_arguments",
    "delete",
    "get",
    "update",
    "update_arguments",
]

_METADATA_HELP = "up to 16 pairs; keys up to 64 characters, values up to 512"


def _metadata_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


class _MetadataAction(argparse.Action):
    """Collect KEY=VALUE pairs from every ``--metadata`` given; a key given twice is an error.

    argparse's default keeps only the last flag's values, which silently dropped pairs (and
    ``update`` then replaced the stored metadata with the cut-down set).
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        pairs: dict[str, str] = dict(getattr(namespace, self.dest, None) or {})
        for key, value in cast("Sequence[tuple[str, str]]", values or ()):
            if key in pairs:
                parser.error(
                    f"{option_string}: key {key!r} is given twice "
                    f"({key}={pairs[key]!r} and {key}={value!r}); give each key once"
                )
            pairs[key] = value
        setattr(namespace, self.dest, pairs)


def _metadata_option(add_argument: Callable[..., argparse.Action]) -> None:
    # Given the add_argument of a parser or of a group (update: --metadata or --clear).
    # Not given: None (create sends no metadata; update requires it or --clear).
    add_argument(
        "--metadata",
        nargs="+",
        type=_metadata_pair,
        action=_MetadataAction,
        default=None,
        metavar="KEY=VALUE",
        help=_METADATA_HELP,
    )


def _metadata_arg(pairs: Mapping[str, str] | None) -> dict[str, str] | NotGiven:
    return NOT_GIVEN if pairs is None else dict(pairs)


# --- create ------------------------------------------------------------------------------------


def create_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``create``'s arguments: ``--metadata``, and ``--items`` with its resume options."""
    _metadata_option(p.add_argument)
    p.add_argument(
        "--items",
        metavar="FILE",
        help="input items as JSON Lines or a JSON array ('-' for stdin), all checked before "
        "anything is sent; more than 20 are added in batches after the create (resumable)",
    )
    p.add_argument(
        "--resume",
        metavar="ID",
        help="with --items: continue a stopped create into this conversation",
    )
    p.add_argument(
        "--key",
        metavar="TEXT",
        help="with --items: idempotency namespace (default: the file's SHA-256 and the "
        "metadata, so rerunning the same command resumes instead of duplicating); pass a new "
        "one to make another conversation from the same file",
    )


async def _create_empty(client: AsyncClient, args: argparse.Namespace) -> Conversation:
    return await client.conversations.create(metadata=_metadata_arg(args.metadata))


@handler
def create(args: argparse.Namespace) -> int:
    """``create``: one request, or with ``--items`` a resumable create-then-append."""
    if args.items is None:
        if args.resume is not None or args.key is not None:
            raise UsageError("--resume and --key go with --items")
        return run_request(args, _create_empty)

    items = read_items(args.items)
    metadata = _metadata_arg(args.metadata)
    state = TransferState("create", total=len(items.items), locate=items.locate)
    progress = progress_bar("create", total=len(items.items))
    # Deterministic keys, as for import: the same file and metadata name the same conversation, so
    # rerunning after a failure continues it instead of creating a second, half-filled one.
    # A --key replaces the file's digest; the metadata always counts (it is part of the create).
    source = [
        items.digest if args.key is None else f"key:{args.key}",
        None if isinstance(metadata, NotGiven) else sorted(metadata.items()),
    ]
    namespace = f"create:{json.dumps(source)}"

    async def transfer(client: AsyncClient, args: argparse.Namespace) -> Conversation:
        return await append_items(
            client,
            conversation={} if isinstance(metadata, NotGiven) else {"metadata": metadata},
            inputs=items.items,
            total=len(items.items),
            namespace=namespace,
            resume=args.resume,
            progress=progress,
            state=state,
            first_batch=items.items[:BATCH_SIZE],
        )

    return run_transfer(args, transfer, state=state, progress=progress)


# --- get, update, delete -----------------------------------------------------------------------


@one_request
async def get(client: AsyncClient, args: argparse.Namespace) -> Conversation:
    """``get``: print a conversation."""
    return await client.conversations.retrieve(args.conversation_id)


def update_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``update``'s arguments: the ``ID``, and ``--metadata`` or ``--clear``."""
    conversation_argument(p)
    which = p.add_mutually_exclusive_group(required=True)
    _metadata_option(which.add_argument)
    which.add_argument("--clear", action="store_true", help="remove all metadata")


@one_request
async def update(client: AsyncClient, args: argparse.Namespace) -> Conversation:
    """``update``: replace a conversation's metadata (``--clear``: with none)."""
    metadata = None if args.clear else dict(args.metadata)
    return await client.conversations.update(args.conversation_id, metadata=metadata)


@one_request
async def delete(client: AsyncClient, args: argparse.Namespace) -> ConversationDeletedResource:
    """``delete``: delete a conversation and print the API's confirmation."""
    return await client.conversations.delete(args.conversation_id)
