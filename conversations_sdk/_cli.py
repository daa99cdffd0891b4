"""The ``conversations-sdk`` command line.

One subcommand per module: each adds its flags to its own subparser and sets ``handler`` to the
function that runs it, so a new command is two lines in :func:`build_parser`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Return the ``conversations-sdk`` parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="conversations-sdk",
        description="Tools of conversations-sdk, the Python SDK for the OpenAI Conversations API.",
    )
    commands = parser.add_subparsers(dest="command", title="commands", required=True)

    from .emulator import _serve  # the emulator pulls in aiohttp.web: load it only when used

    serve = commands.add_parser(
        "serve",
        help="serve the local Conversations API emulator",
        description="Serve a local emulator of the OpenAI Conversations API under /v1.",
    )
    _serve.add_arguments(serve)
    serve.set_defaults(handler=_serve.run)

    from . import _commands  # every API subcommand (create, get, ..., export, import, fork)

    _commands.register(commands)
    # Examples on every --help, this one and serve's included (the rest come from _commands).
    parser.epilog = _commands.TOP_LEVEL_EXAMPLES
    serve.epilog = _commands.SERVE_EXAMPLES
    parser.formatter_class = serve.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``conversations-sdk`` with ``argv`` (default: the process arguments)."""
    args = build_parser().parse_args(argv)
    status: int = args.handler(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
