"""Arguments shared by the API commands: value types, the options several commands take.

Owns the argparse pieces more than one command uses: whole numbers and seconds checked as they
are parsed, the connection options every API command takes (``--api-key``, ``--base-url``, ...),
the ``ID``/``ITEM`` positionals and ``--include`` (and its value for the SDK). A command's own
flags stay with its handler (``_*_commands.py``).

It only describes and converts arguments: no request, no file, no output.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from .._params import NOT_GIVEN, NotGiven

if TYPE_CHECKING:
    from .._resources.items import Include

__all__ = [
    "connection_options",
    "conversation_argument",
    "include",
    "include_option",
    "item_arguments",
    "positive_int",
]


def positive_int(text: str) -> int:
    """Parse a whole number ``>= 0``."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def connection_options() -> argparse.ArgumentParser:
    """A parent parser with the options of the client every API command runs on."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("connection (same settings and variables as the SDK)")
    # default=None everywhere: help must never echo a key read from the environment.
    group.add_argument(
        "--api-key",
        default=None,
        metavar="KEY",
        help="API key (default: $OPENAI_API_KEY); never printed",
    )
    group.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="API root (default: $OPENAI_BASE_URL, else https://api.openai.com/v1)",
    )
    group.add_argument(
        "--max-retries",
        type=positive_int,
        default=None,
        metavar="N",
        help="retries per request after the first attempt (default 2)",
    )
    group.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="per-request timeout (default 600)",
    )
    return parent


def conversation_argument(p: argparse.ArgumentParser) -> None:
    """Add the ``ID`` of the conversation the command works on."""
    p.add_argument("conversation_id", metavar="ID")


def item_arguments(p: argparse.ArgumentParser) -> None:
    """Add the conversation's ``ID`` and the ``ITEM`` in it."""
    conversation_argument(p)
    p.add_argument("item_id", metavar="ITEM")


def include_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--include FIELD`` (repeatable): extra item fields for the API to return."""
    parser.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="FIELD",
        help="extra item fields to return, e.g. message.output_text.logprobs (repeatable)",
    )


def include(args: argparse.Namespace) -> Sequence[Include] | NotGiven:
    """The ``include`` parameter ``--include`` asks for (not given when it was not used)."""
    # Checked by the SDK before sending (an unknown field is a usage error, exit 2).
    return cast("list[Include]", list(args.include)) if args.include else NOT_GIVEN
