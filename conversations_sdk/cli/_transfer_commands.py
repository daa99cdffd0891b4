"""The whole-conversation commands: ``export``, ``import`` and ``fork``.

Each command is an argument builder (``*_arguments``) and a handler, named by a row of the table
in ``_commands.py``. The handlers wire the command line to the transfer engine
(``_transfer.py``): they open the files, draw the progress bars and report how far a stopped
transfer got; the engine does the reading, checking and resumable writing. Running, output and
exit statuses are ``_run.py``'s.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from typing import TYPE_CHECKING, Any

from ._arguments import conversation_argument, include, include_option
from ._files import AtomicOutput, cannot_read, display_name, open_input, rewindable
from ._jsonl import dumps_line
from ._run import EXIT_OK, handler, isatty, progress_bar, run, run_transfer
from ._transfer import (
    TransferState,
    append_items,
    export_conversation,
    export_inputs,
    export_line,
    fork_source,
    import_namespace,
    scan_export,
)

if TYPE_CHECKING:
    from .._client import AsyncClient
    from ..models import Conversation

__all__ = [
    "export",
    "export_arguments",
    "fork",
    "fork_arguments",
    "import_",
    "import_arguments",
]


def export_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``export``'s arguments: the ``ID``, ``-o FILE`` and ``--include``."""
    conversation_argument(p)
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write here instead of stdout: a private temporary file beside FILE, renamed to "
        "FILE only when complete (mode 0600)",
    )
    include_option(p)


@handler
def export(args: argparse.Namespace) -> int:
    """``export``: write a conversation and its items as JSON Lines, to stdout or ``-o FILE``."""
    state = TransferState("export", output=args.output)
    # Items printed to the terminal itself would be torn apart by the bar's redraws.
    progress = progress_bar("export", quiet=args.output is None and isatty(sys.stdout))
    output = None if args.output is None else AtomicOutput(args.output)
    if output is not None:
        output.check()
    out = output.write if output is not None else sys.stdout.write

    def write(value: Any) -> None:
        out(dumps_line(value) + "\n")

    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        await export_conversation(
            client,
            args.conversation_id,
            write,
            include=include(args),
            progress=progress,
            state=state,
        )
        if output is not None:
            output.commit()
        return EXIT_OK

    try:
        status = run(args, work, state=state, progress=progress)
    finally:
        if output is not None:
            output.discard()  # after a commit there is nothing left to remove
    if status == EXIT_OK:
        progress.finish()
    return status


def import_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``import``'s arguments: the export ``FILE``, ``--resume`` and ``--key``."""
    p.add_argument("file", metavar="FILE", help="an export ('-' reads stdin)")
    p.add_argument(
        "--resume",
        metavar="ID",
        help="continue a stopped import into this conversation instead of creating one",
    )
    p.add_argument(
        "--key",
        metavar="TEXT",
        help="idempotency namespace (default: the file's SHA-256, so rerunning the same file "
        "resumes instead of duplicating); pass a new one to make another copy",
    )


@handler
def import_(args: argparse.Namespace) -> int:
    """``import``: create a new conversation from an export file, resumably."""
    name = display_name(args.file)
    with open_input(args.file) as opened, contextlib.ExitStack() as cleanup:
        # Two passes, one line at a time: check the whole file before creating anything, then
        # send it batch by batch. Memory stays flat however large the file is.
        try:
            stream = rewindable(opened)
            if stream is not opened:
                cleanup.enter_context(stream)
            summary = scan_export(stream, name)
        except OSError as exc:
            raise cannot_read(name, exc) from exc
        state = TransferState(
            "import",
            total=summary.count,
            locate=lambda index: export_line(stream, name, summary, index),
        )
        progress = progress_bar("import", total=summary.count)

        async def transfer(client: AsyncClient, args: argparse.Namespace) -> Conversation:
            return await append_items(
                client,
                conversation=summary.conversation,
                inputs=export_inputs(stream, name, summary),
                total=summary.count,
                namespace=import_namespace(summary, args.key),
                resume=args.resume,
                progress=progress,
                state=state,
            )

        return run_transfer(args, transfer, state=state, progress=progress)


def fork_arguments(p: argparse.ArgumentParser) -> None:
    """Add ``fork``'s arguments: the ``ID``, ``--until``, ``--by-value``, ``--resume``, ``--key``."""
    conversation_argument(p)
    p.add_argument("--until", metavar="ITEM", help="last item to copy (inclusive)")
    p.add_argument(
        "--by-value",
        action="store_true",
        help="send each item's content (as import does) instead of an item_reference, "
        "which copies the stored item server-side",
    )
    p.add_argument("--resume", metavar="ID", help="continue a stopped fork into this conversation")
    p.add_argument(
        "--key",
        metavar="TEXT",
        help="idempotency namespace (default: derived from the source and its items)",
    )


@handler
def fork(args: argparse.Namespace) -> int:
    """``fork``: copy a conversation, up to ``--until`` if given, into a new one."""
    state = TransferState("fork")
    reading = progress_bar("read")
    progress = progress_bar("fork")

    async def transfer(client: AsyncClient, args: argparse.Namespace) -> Conversation:
        source, inputs, namespace = await fork_source(
            client,
            args.conversation_id,
            until=args.until,
            by_value=args.by_value,
            progress=reading,
        )
        reading.clear()
        progress.total = len(inputs)
        return await append_items(
            client,
            conversation=source,
            inputs=inputs,
            total=len(inputs),
            namespace=f"{namespace}:{args.key}" if args.key else namespace,
            resume=args.resume,
            progress=progress,
            state=state,
        )

    return run_transfer(args, transfer, state=state, progress=progress)
