"""The ``conversations-sdk`` parser and entry point (:func:`main`).

:func:`build_parser` assembles the subcommands: ``serve`` from the emulator
(``emulator/_serve.py``), the API commands from the table in ``_commands.py``, and
``completion``. Each subparser sets ``handler``, which :func:`main` runs with the parsed arguments
and whose return value is the exit status. This module also owns ``--version`` and
``completion``, a shell completion script generated from the parser itself (no dependency, and it
cannot fall behind the commands).
"""

from __future__ import annotations

import argparse
import codecs
import io
import shlex
import sys
from collections.abc import Iterator, Sequence

__all__ = ["build_parser", "completion_script", "main"]

_PROG = "conversations-sdk"
_SHELLS = ("bash", "zsh")
# Options whose value is a path: completed with file names.
_FILE_OPTIONS = frozenset({"items", "output", "db"})


def _version() -> str:
    from .. import __version__

    return str(__version__)


class _VersionAction(argparse.Action):
    """``--version``, reading the package metadata only when asked (not on every start)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(
            option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, nargs=0, help=help
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        sys.stdout.write(f"{parser.prog} {_version()}\n")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """Return the ``conversations-sdk`` parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Tools of conversations-sdk, the Python SDK for the OpenAI Conversations API.",
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", title="commands", required=True)

    from ..emulator import _serve  # the emulator pulls in aiohttp.web: load it only when used

    serve = commands.add_parser(
        "serve",
        help="serve the local Conversations API emulator",
        description="Serve a local emulator of the OpenAI Conversations API under /v1.",
    )
    _serve.add_arguments(serve)
    serve.set_defaults(handler=_serve.run)

    from . import _commands  # every API subcommand (create, get, ..., export, import, fork)

    _commands.register(commands)

    completion = commands.add_parser(
        "completion",
        help="print a shell completion script (bash or zsh)",
        description="Print a completion script for the shell; load it from the shell's startup file.",
        epilog=_commands.examples(
            f'eval "$({_PROG} completion bash)"   # in ~/.bashrc',
            f'eval "$({_PROG} completion zsh)"    # in ~/.zshrc',
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    completion.add_argument("shell", choices=_SHELLS)
    completion.set_defaults(handler=_completion)
    # Examples on every --help, this one and serve's included (the rest come from _commands).
    parser.epilog = _commands.TOP_LEVEL_EXAMPLES
    serve.epilog = _commands.SERVE_EXAMPLES
    parser.formatter_class = serve.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def _completion(args: argparse.Namespace) -> int:
    sys.stdout.write(completion_script(args.shell))
    return 0


def _tree(
    parser: argparse.ArgumentParser, path: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Yield ``("/items/list", parser)`` for the parser and every subcommand below it."""
    yield path, parser
    for action in parser._actions:  # argparse has no public way to walk subcommands
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _tree(sub, f"{path}/{name}")


def completion_script(shell: str) -> str:
    """Return a completion script for ``shell`` (``bash`` or ``zsh``), built from the parser.

    The script completes subcommands, each command's options, the choices of options that have
    them (``--order asc|desc``), and file names for file arguments.

    Args:
        shell: ``"bash"`` or ``"zsh"`` (which loads the bash script through ``bashcompinit``).

    Returns:
        The script's text.

    Raises:
        ValueError: Another shell.
    """
    from .._params import INCLUDE_VALUES

    if shell not in _SHELLS:
        raise ValueError(f"no completion for {shell!r}; available: {', '.join(_SHELLS)}")
    paths: list[str] = []
    words: list[str] = []
    values: list[str] = []
    for path, parser in _tree(build_parser()):
        if path:
            paths.append(path)
        subcommands = [p.rsplit("/", 1)[1] for p, _ in _tree(parser) if p.count("/") == 1]
        options: list[str] = []
        for action in parser._actions:
            options += action.option_strings
            if not action.option_strings or action.nargs == 0:
                continue
            patterns = "|".join(shlex.quote(f"{path}:{o}") for o in action.option_strings)
            if action.choices is not None or action.dest == "include":
                choices = " ".join(str(c) for c in action.choices or INCLUDE_VALUES)
                values.append(f'{patterns}) _conversations_sdk_reply "{choices}"; return ;;')
            elif action.dest in _FILE_OPTIONS:
                values.append(f"{patterns}) _conversations_sdk_files; return ;;")
            # Any other value is free text: file names are offered, as for any argument.
        words.append(
            f'{shlex.quote(path)}) commands="{" ".join(subcommands)}"; options="{" ".join(options)}" ;;'
        )
    out = io.StringIO()
    if shell == "zsh":
        out.write("autoload -U +X bashcompinit && bashcompinit\n")
    out.write(
        _BASH_TEMPLATE.format(
            paths="|".join(shlex.quote(p) for p in paths),
            values="\n        ".join(values),
            words="\n        ".join(words),
            prog=_PROG,
        )
    )
    return out.getvalue()


_BASH_TEMPLATE = """\
# {prog} completion (generated by `{prog} completion`; regenerate after upgrading)
_conversations_sdk_reply() {{ COMPREPLY=($(compgen -W "$1" -- "$cur")); }}
_conversations_sdk_files() {{ COMPREPLY=($(compgen -f -- "$cur")); }}
_conversations_sdk() {{
    local cur prev path word i commands options
    COMPREPLY=()
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    path=""
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${{COMP_WORDS[i]}}"
        case "$path/$word" in
            {paths}) path="$path/$word" ;;
        esac
    done
    case "$path:$prev" in
        {values}
    esac
    case "$path" in
        {words}
    esac
    if [[ "$cur" == -* ]]; then
        _conversations_sdk_reply "$options"
    elif [[ -n "$commands" ]]; then
        _conversations_sdk_reply "$commands"
    else
        _conversations_sdk_files  # a positional argument: FILE for import and items add
    fi
}}
complete -o default -F _conversations_sdk {prog}
"""


def _utf8_stdout() -> None:
    # JSON text is UTF-8 (RFC 8259): a console or PYTHONIOENCODING with another encoding would
    # otherwise fail on the first character it cannot encode, half-way through an export.
    stdout = sys.stdout
    if isinstance(stdout, io.TextIOWrapper) and codecs.lookup(stdout.encoding).name != "utf-8":
        stdout.reconfigure(encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``conversations-sdk`` with ``argv`` (default: the process arguments)."""
    _utf8_stdout()
    args = build_parser().parse_args(argv)
    status: int = args.handler(args)
    return status
