"""The item commands: ``items list``, ``items add``, ``items get`` and ``items delete``.

Each command is an argument builder (``*_arguments``) and a handler, named by a row of the table
in ``_commands.py`` (under the ``items`` group). ``items add`` checks its whole file first, then
sends it in batches of 20 and prints each batch as it lands; it is not resumable (``create
--items`` and ``import`` are). Running, output and exit statuses are ``_run.py``'s.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, cast

from .._errors import APIStatusError
from ._arguments import (
    conversation_argument,
    include,
    include_option,
    item_arguments,
    positive_int,
)
from ._files import read_items
from ._run import EXIT_OK, ItemsRefused, emit, handler, isatty, one_request, run
from ._transfer import BATCH_SIZE, refused_index

if TYPE_CHECKING:
    from .._client import AsyncClient
    from ..models import Conversation, ConversationItem

__all__ = [
    "items_add",
    "items_add_arguments",
    "items_delete",
    "items_get",
    "items_get_arguments",
    "items_list",
    "items_list_arguments",
]


def items_list_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``items list``'s arguments: the ``ID``, the page options, ``--all`` and ``--include``."""
    conversation_argument(p)
    p.add_argument(
        "--limit",
        type=positive_int,
        default=None,
        metavar="N",
        help="items per page, 1-100 (API default 20)",
    )
    p.add_argument("--order", choices=("asc", "desc"), default=None, help="API default: desc")
    p.add_argument("--after", default=None, metavar="ITEM", help="start after this item")
    p.add_argument("--all", action="store_true", help="follow every page")
    include_option(p)


@handler
def items_list(args: argparse.Namespace) -> int:
    """``items list``: print one page of items as JSON Lines, or every page with ``--all``."""

    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        options: dict[str, Any] = {"include": include(args)}
        if args.limit is not None:
            options["limit"] = args.limit
        elif args.all:
            options["limit"] = 100  # the largest page: fewest round trips for the same output
        if args.order is not None:
            options["order"] = args.order
        if args.after is not None:
            options["after"] = args.after
        pager = client.conversations.items.list(args.conversation_id, **options)
        if args.all:
            async for item in pager:
                emit(item)
            return EXIT_OK
        page = await pager
        for item in page.data:
            emit(item)
        if page.has_more and isatty(sys.stderr):
            sys.stderr.write(f"more items: --after {page.last_id}, or --all for every page\n")
        return EXIT_OK

    return run(args, work)


def items_add_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``items add``'s arguments: the ``ID``, the ``FILE`` and ``--include``."""
    conversation_argument(p)
    p.add_argument("file", metavar="FILE", help="'-' reads stdin")
    include_option(p)


@handler
def items_add(args: argparse.Namespace) -> int:
    """``items add``: append the items of a file in batches, printing each batch as it lands."""
    items = read_items(args.file)

    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        fields = include(args)
        # Each batch is printed as it lands, so a failure leaves stdout listing what was added.
        for start in range(0, len(items.items), BATCH_SIZE):
            try:
                page = await client.conversations.items.create(
                    args.conversation_id,
                    # Dicts read from a file: the API checks them, a type checker cannot.
                    items=cast("list[Any]", items.items[start : start + BATCH_SIZE]),
                    include=fields,
                )
            except APIStatusError as exc:
                # The API's message, plus where in the file the item it names is (items[3]).
                refused = refused_index(exc, start)
                where = "" if refused is None else f"{items.locate(refused)}: "
                done = (
                    f"{start:,} of {len(items.items):,} items were added before this"
                    if start
                    else "no item was added"
                )
                raise ItemsRefused(exc, f"{where}{exc}; {done}") from None
            for item in page.data:
                emit(item)
        return EXIT_OK

    return run(args, work)


def items_get_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``items get``'s arguments: the ``ID``, the ``ITEM`` and ``--include``."""
    item_arguments(p)
    include_option(p)


@one_request
async def items_get(client: AsyncClient, args: argparse.Namespace) -> ConversationItem:
    """``items get``: print one item."""
    return await client.conversations.items.retrieve(
        args.item_id, conversation_id=args.conversation_id, include=include(args)
    )


@one_request
async def items_delete(client: AsyncClient, args: argparse.Namespace) -> Conversation:
    """``items delete``: delete one item and print the conversation."""
    return await client.conversations.items.delete(
        args.item_id, conversation_id=args.conversation_id
    )
