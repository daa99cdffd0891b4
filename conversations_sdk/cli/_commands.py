"""The table of the API subcommands of ``conversations-sdk``, and the parsers built from it.

:data:`COMMANDS` is the table: one :class:`Command` row per subcommand naming its words, its help
line and examples, the function that adds its arguments and its handler (a function taking the
parsed arguments and returning the exit status). :func:`register` builds the argparse subparsers
from it for the parser in ``_cli.py``, each with the connection options. A new command is one
argument builder, one handler (in the ``_*_commands.py`` module of its kind) and one row.

This module also holds the help texts shown around the table (the examples of the top-level
``--help`` and of ``serve``). It runs nothing: how a command runs, and its exit statuses, are
``_run.py``'s.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping

import attrs

from . import _conversation_commands as conversations
from . import _item_commands as items
from . import _transfer_commands as transfers
from ._arguments import connection_options, conversation_argument, item_arguments
from ._run import PROG, Handler

__all__ = [
    "COMMANDS",
    "GROUPS",
    "SERVE_EXAMPLES",
    "TOP_LEVEL_EXAMPLES",
    "Command",
    "Group",
    "examples",
    "register",
]


def examples(*lines: str) -> str:
    """The ``examples:`` block of a ``--help`` (for a ``RawDescriptionHelpFormatter`` epilog)."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


TOP_LEVEL_EXAMPLES = examples(
    f"{PROG} create --metadata topic=demo",
    f"{PROG} items list conv_123 --all --order asc | jq .type",
    f"{PROG} export conv_123 -o backup.jsonl",
    f"{PROG} import backup.jsonl --base-url http://127.0.0.1:8765/v1",
    f"{PROG} serve --port 8765 --db conversations.db",
    f"{PROG} COMMAND --help   # every command's flags and examples",
)
SERVE_EXAMPLES = examples(
    f"{PROG} serve                     # http://127.0.0.1:8765/v1, data in memory",
    f"{PROG} serve --port 0 --db c.db  # a free port, data kept in c.db",
    f"{PROG} serve --fault 503 --fault-rate 0.1   # fail 10% of requests",
)


@attrs.frozen
class Command:
    """One row of :data:`COMMANDS`: a subcommand, how it describes itself, and what runs it.

    Attributes:
        name: The words that select it: ``("create",)``, or ``("items", "list")`` under the
            ``items`` group of :data:`GROUPS`.
        summary: One line for the commands list (lower case, no full stop); capitalised, it is
            the description at the top of the command's own ``--help``.
        examples: Command lines shown under ``examples:`` in its ``--help``.
        arguments: Adds the command's own arguments to its subparser.
        handler: Runs the command with the parsed arguments; returns the exit status.
    """

    name: tuple[str, ...]
    summary: str
    examples: tuple[str, ...]
    arguments: Callable[[argparse.ArgumentParser], None]
    handler: Handler


@attrs.frozen
class Group:
    """A word that groups subcommands (``items``), with its own ``--help``."""

    summary: str
    examples: tuple[str, ...]
    dest: str


GROUPS: Mapping[str, Group] = {
    "items": Group(
        "list, add, get and delete the items of a conversation",
        (
            f"{PROG} items list conv_123 --all --order asc",
            f"{PROG} items add conv_123 items.jsonl",
            f"{PROG} items get conv_123 msg_abc",
            f"{PROG} items delete conv_123 msg_abc",
        ),
        dest="items_command",
    ),
}

# In the order of the commands list in ``--help`` (and of shell completion).
COMMANDS: tuple[Command, ...] = (
    Command(
        ("create",),
        "create a conversation, optionally with metadata and first items",
        (
            f"{PROG} create --metadata topic=demo owner=me",
            f"{PROG} create --items items.jsonl",
            f'echo \'{{"role":"user","content":"Hi"}}\' | {PROG} create --items -',
        ),
        conversations.create_arguments,
        conversations.create,
    ),
    Command(
        ("get",),
        "print a conversation",
        (f"{PROG} get conv_123", f"{PROG} get conv_123 | jq .metadata"),
        conversation_argument,
        conversations.get,
    ),
    Command(
        ("update",),
        "replace a conversation's metadata",
        (f"{PROG} update conv_123 --metadata topic=demo", f"{PROG} update conv_123 --clear"),
        conversations.update_arguments,
        conversations.update,
    ),
    Command(
        ("delete",),
        "delete a conversation",
        (f"{PROG} delete conv_123",),
        conversation_argument,
        conversations.delete,
    ),
    Command(
        ("items", "list"),
        "print items as JSON Lines (one page, or every page with --all)",
        (
            f"{PROG} items list conv_123 --limit 5",
            f"{PROG} items list conv_123 --all --order asc | jq -r .type",
            f"{PROG} items list conv_123 --after msg_abc",
        ),
        items.items_list_arguments,
        items.items_list,
    ),
    Command(
        ("items", "add"),
        "append items from a file (JSON Lines or a JSON array), in batches of 20",
        (
            f"{PROG} items add conv_123 items.jsonl",
            f'echo \'{{"role":"user","content":"Hi"}}\' | {PROG} items add conv_123 -',
        ),
        items.items_add_arguments,
        items.items_add,
    ),
    Command(
        ("items", "get"),
        "print one item",
        (f"{PROG} items get conv_123 msg_abc",),
        items.items_get_arguments,
        items.items_get,
    ),
    Command(
        ("items", "delete"),
        "delete one item (prints the conversation)",
        (f"{PROG} items delete conv_123 msg_abc",),
        item_arguments,
        items.items_delete,
    ),
    Command(
        ("export",),
        "write a conversation and all of its items, oldest first, as JSON Lines",
        (
            f"{PROG} export conv_123 -o backup.jsonl",
            f"{PROG} export conv_123 | gzip > backup.jsonl.gz",
        ),
        transfers.export_arguments,
        transfers.export,
    ),
    Command(
        ("import",),
        "create a new conversation from an export file (resumable)",
        (
            f"{PROG} import backup.jsonl",
            f"{PROG} import backup.jsonl --base-url http://127.0.0.1:8765/v1",
            f"{PROG} import backup.jsonl --resume conv_456   # continue a stopped import",
            f"{PROG} import backup.jsonl --key copy-2        # a second, separate copy",
        ),
        transfers.import_arguments,
        transfers.import_,
    ),
    Command(
        ("fork",),
        "copy a conversation, optionally up to an item, into a new one",
        (
            f"{PROG} fork conv_123",
            f"{PROG} fork conv_123 --until msg_abc   # items up to and including msg_abc",
            f"{PROG} fork conv_123 --by-value        # send item contents, not references",
        ),
        transfers.fork_arguments,
        transfers.fork,
    ),
)


def _described(summary: str) -> str:
    return summary[0].upper() + summary[1:] + "."


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add every row of :data:`COMMANDS` to ``commands`` (the subparsers of ``conversations-sdk``).

    Args:
        commands: The object ``ArgumentParser.add_subparsers()`` returned.
    """
    common = [connection_options()]
    groups: dict[str, argparse._SubParsersAction[argparse.ArgumentParser]] = {}
    for command in COMMANDS:
        *path, name = command.name
        where = commands
        for word in path:  # a group's parser is added where its first command comes
            if word not in groups:
                group = GROUPS[word]
                parser = where.add_parser(
                    word,
                    help=group.summary,
                    description=_described(group.summary),
                    epilog=examples(*group.examples),
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                )
                groups[word] = parser.add_subparsers(
                    dest=group.dest, metavar="ACTION", required=True
                )
            where = groups[word]
        parser = where.add_parser(
            name,
            parents=common,
            help=command.summary,
            description=_described(command.summary),
            epilog=examples(*command.examples),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.arguments(parser)
        parser.set_defaults(handler=command.handler)
