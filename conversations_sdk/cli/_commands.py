"""The API subcommands of ``conversations-sdk``: every operation, plus export, import and fork.

:data:`COMMANDS` is the table: one :class:`Command` row per subcommand naming its words, its help
line and examples, the function that adds its arguments and its handler (a function taking the
parsed arguments and returning the exit status). :func:`register` builds the argparse subparsers
from it for the parser in ``_cli.py``. A new command is one argument builder, one handler and
one row.
Every command runs on one :class:`AsyncClient` configured like the SDK (``--api-key``,
``--base-url``, ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``): no second HTTP implementation.

Output is JSON on stdout (one object, or JSON Lines for lists), produced by unstructuring the
SDK's models, so fields this version does not know still come through. Errors go to stderr with
the API's message and request id, never the API key. Exit statuses:

====  ==========================================================================
0     success
1     the output could not be written (disk full, permissions)
2     usage: bad arguments, an unreadable, malformed or non-UTF-8 input file, or a value
      the SDK refused before sending (metadata too long, missing API key, ...)
3     the API answered with an error (or a body that does not match the spec)
4     no answer: connection refused or reset, timeout (after retries)
130   interrupted (Ctrl-C); long transfers say how far they got
141   stdout was closed by its reader (``... | head``); nothing is printed
====  ==========================================================================
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import contextlib
import hashlib
import io
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, cast

import attrs

from .._errors import APIConnectionError, APIError, APIStatusError, InvalidRequestError
from .._params import NOT_GIVEN, NotGiven
from ._cli_progress import Progress
from ._cli_transfer import (
    BATCH_SIZE,
    TransferError,
    TransferState,
    append_items,
    dumps_line,
    export_conversation,
    export_inputs,
    export_line,
    fork_source,
    import_namespace,
    item_problem,
    iter_json_lines,
    reject_constant,
    rewindable,
    scan_export,
    unstructure,
)

if TYPE_CHECKING:
    from .._client import AsyncClient
    from .._resources.items import Include

__all__ = [
    "COMMANDS",
    "EXIT_API_ERROR",
    "EXIT_BROKEN_PIPE",
    "EXIT_CONNECTION_ERROR",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "GROUPS",
    "Command",
    "Group",
    "register",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2  # argparse's own status for bad arguments: every usage problem shares it
EXIT_API_ERROR = 3
EXIT_CONNECTION_ERROR = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a C tool killed by a closed pipe reports

_PROG = "conversations-sdk"
Handler = Callable[[argparse.Namespace], int]
Work = Callable[["AsyncClient", argparse.Namespace], Awaitable[int]]


class UsageError(Exception):
    """The command line (or a file it names) is wrong; reported with exit status 2."""


class _ItemsRefused(Exception):
    """The API refused an item of a file; the message says which line (exit status 3)."""

    def __init__(self, error: APIStatusError, message: str) -> None:
        super().__init__(message)
        self.error = error


# --- output ------------------------------------------------------------------------------------


def _emit(value: Any) -> None:
    """Write one JSON value as one line of stdout."""
    sys.stdout.write(dumps_line(value) + "\n")


def _error(message: str) -> None:
    sys.stderr.write(f"{_PROG}: error: {message}\n")
    sys.stderr.flush()


def _progress(label: str, *, total: int | None = None, quiet: bool = False) -> Progress:
    # A bar only for a person watching: piped or redirected stderr stays silent.
    stream = sys.stderr
    return Progress(label, stream, total=total, enabled=not quiet and _isatty(stream))


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or fake stream
        return False


# --- running a command -------------------------------------------------------------------------


def _run(
    args: argparse.Namespace,
    work: Work,
    *,
    state: TransferState | None = None,
    progress: Progress | None = None,
) -> int:
    """Run ``work`` with a client on a fresh event loop and map every outcome to an exit status."""
    detail = ""
    try:
        status = asyncio.run(_with_client(args, work))
        sys.stdout.flush()  # a closed pipe shows here, not in Python's own flush at exit
        return status
    except KeyboardInterrupt:
        status, message = EXIT_INTERRUPTED, "interrupted"
    except InvalidRequestError as exc:
        status, message = EXIT_USAGE, str(exc)
        if exc.param == "api_key":  # the SDK's wording names its own argument, not our flag
            message = "no API key: pass --api-key or set the OPENAI_API_KEY environment variable"
    except (UsageError, TransferError) as exc:
        status, message = EXIT_USAGE, str(exc)
    except _ItemsRefused as exc:
        status, message = EXIT_API_ERROR, str(exc)
    except APIConnectionError as exc:
        status, message = EXIT_CONNECTION_ERROR, f"no response from {_base_url(args)}: {exc}"
    except APIError as exc:  # a status error, or a body that does not match the spec
        status, message = EXIT_API_ERROR, str(exc)
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as Unix tools do, and keep Python
        # from complaining again when it flushes stdout at exit.
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:  # writing the output failed (disk full, permissions)
        status, message = EXIT_FAILURE, f"cannot write output: {exc.strerror or exc}"
    if state is not None and status != EXIT_USAGE:
        # A usage error is fixed by changing the command, not by rerunning it to resume.
        detail = f"; {state.describe()}"
    if progress is not None:
        progress.clear()
    _error(message + detail)
    return status


async def _with_client(args: argparse.Namespace, work: Work) -> int:
    from .._client import AsyncClient

    options: dict[str, Any] = {}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if args.max_retries is not None:
        options["max_retries"] = args.max_retries
    async with AsyncClient(api_key=args.api_key, base_url=args.base_url, **options) as client:
        return await work(client, args)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (tests, IDEs)
        pass


def _base_url(args: argparse.Namespace) -> str:
    from .._client import DEFAULT_BASE_URL

    return str(args.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL)


# --- argument helpers --------------------------------------------------------------------------


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


def _positive_int(text: str) -> int:
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


@contextlib.contextmanager
def _open_input(path: str) -> Iterator[IO[bytes]]:
    """Open a file (``-``: stdin) for reading bytes; a failure is a usage error naming it."""
    if path == "-":
        yield sys.stdin.buffer
        return
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed below, after the with body ran
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    with file:
        yield file


def _name(path: str) -> str:
    return "stdin" if path == "-" else path


@attrs.frozen
class ItemsFile:
    """An items file, read and checked whole before anything is sent.

    Attributes:
        name: The file's name for messages (``stdin`` for ``-``).
        items: The items, in order.
        places: Where each item is in the file (``items.jsonl:3``, ``items.json item 3``).
        digest: SHA-256 of the file's bytes.
    """

    name: str
    items: list[Mapping[str, Any]]
    places: list[str]
    digest: str

    def locate(self, index: int) -> str:
        """Say where the item at ``index`` (0-based) is in the file."""
        return self.places[index] if 0 <= index < len(self.places) else f"item {index + 1}"


def _read_items(path: str) -> ItemsFile:
    """Read input items from a JSON array or JSON Lines file (``-`` for stdin), checking each.

    Raises:
        UsageError: The file cannot be read, is not UTF-8, not JSON, or an item is malformed;
            the message names the file and the line (or the byte offset).
    """
    name = _name(path)
    with _open_input(path) as stream:
        try:
            data = stream.read()
        except OSError as exc:
            raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    if data[bom:].lstrip(b" \t\r\n").startswith(b"["):
        try:
            text = data[bom:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"{name}: not UTF-8 at byte offset {bom + exc.start}; nothing was sent"
            ) from None
        try:
            values = json.loads(text, parse_constant=reject_constant)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
        except ValueError as exc:
            raise UsageError(f"{name}: not valid JSON ({exc})") from None
        except RecursionError:
            raise UsageError(f"{name}: JSON nested too deeply") from None
        if not isinstance(values, list):
            raise UsageError(f"{name}: expected a JSON array or JSON Lines of items")
        places = [f"{name} item {n}" for n in range(1, len(values) + 1)]
    else:
        try:
            numbered = list(iter_json_lines(io.BytesIO(data), name))
        except TransferError as exc:
            raise UsageError(str(exc)) from None
        values = [value for _, value in numbered]
        places = [f"{name}:{number}" for number, _ in numbered]
    if not values:
        raise UsageError(f"{name}: no items")
    for place, value in zip(places, values, strict=True):
        problem = item_problem(value)
        if problem:
            raise UsageError(f"{place}: {problem}; nothing was sent")
    return ItemsFile(name, cast("list[Mapping[str, Any]]", values), places, digest)


def _include(args: argparse.Namespace) -> Sequence[Include] | NotGiven:
    # Checked by the SDK before sending (an unknown field is a usage error, exit 2).
    return cast("list[Include]", list(args.include)) if args.include else NOT_GIVEN


# --- the parser ----------------------------------------------------------------------------------


def _connection_options() -> argparse.ArgumentParser:
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
        type=_positive_int,
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


def _include_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="FIELD",
        help="extra item fields to return, e.g. message.output_text.logprobs (repeatable)",
    )


_METADATA_HELP = "up to 16 pairs; keys up to 64 characters, values up to 512"


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


TOP_LEVEL_EXAMPLES = _examples(
    f"{_PROG} create --metadata topic=demo",
    f"{_PROG} items list conv_123 --all --order asc | jq .type",
    f"{_PROG} export conv_123 -o backup.jsonl",
    f"{_PROG} import backup.jsonl --base-url http://127.0.0.1:8765/v1",
    f"{_PROG} serve --port 8765 --db conversations.db",
    f"{_PROG} COMMAND --help   # every command's flags and examples",
)
SERVE_EXAMPLES = _examples(
    f"{_PROG} serve                     # http://127.0.0.1:8765/v1, data in memory",
    f"{_PROG} serve --port 0 --db c.db  # a free port, data kept in c.db",
    f"{_PROG} serve --fault 503 --fault-rate 0.1   # fail 10% of requests",
)


# Each command's own arguments (the connection options are added to every command by register).


def _create_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--metadata",
        nargs="+",
        type=_metadata_pair,
        action=_MetadataAction,
        default=None,
        metavar="KEY=VALUE",
        help=_METADATA_HELP,
    )
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


def _conversation_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("conversation_id", metavar="ID")


def _update_arguments(p: argparse.ArgumentParser) -> None:
    _conversation_argument(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--metadata",
        nargs="+",
        type=_metadata_pair,
        action=_MetadataAction,
        metavar="KEY=VALUE",
        help=_METADATA_HELP,
    )
    which.add_argument("--clear", action="store_true", help="remove all metadata")


def _items_list_arguments(p: argparse.ArgumentParser) -> None:
    _conversation_argument(p)
    p.add_argument(
        "--limit",
        type=_positive_int,
        default=None,
        metavar="N",
        help="items per page, 1-100 (API default 20)",
    )
    p.add_argument("--order", choices=("asc", "desc"), default=None, help="API default: desc")
    p.add_argument("--after", default=None, metavar="ITEM", help="start after this item")
    p.add_argument("--all", action="store_true", help="follow every page")
    _include_option(p)


def _items_add_arguments(p: argparse.ArgumentParser) -> None:
    _conversation_argument(p)
    p.add_argument("file", metavar="FILE", help="'-' reads stdin")
    _include_option(p)


def _item_arguments(p: argparse.ArgumentParser) -> None:
    _conversation_argument(p)
    p.add_argument("item_id", metavar="ITEM")


def _items_get_arguments(p: argparse.ArgumentParser) -> None:
    _item_arguments(p)
    _include_option(p)


def _export_arguments(p: argparse.ArgumentParser) -> None:
    _conversation_argument(p)
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write here instead of stdout: a private temporary file beside FILE, renamed to "
        "FILE only when complete (mode 0600)",
    )
    _include_option(p)


def _import_arguments(p: argparse.ArgumentParser) -> None:
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


def _fork_arguments(p: argparse.ArgumentParser) -> None:
    _conversation_argument(p)
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


# --- handlers ------------------------------------------------------------------------------------


def _handler(function: Handler) -> Handler:
    """Report a usage error raised before the event loop starts (reading a file) as exit 2.

    Ctrl-C at that stage (checking a large file) exits 130 with one line, not a traceback.
    """

    def handler(args: argparse.Namespace) -> int:
        try:
            return function(args)
        except (UsageError, TransferError) as exc:
            _error(str(exc))
            return EXIT_USAGE
        except KeyboardInterrupt:
            # Ctrl-C while a file is read and checked, before any request: nothing to resume.
            _error("interrupted; nothing was sent")
            return EXIT_INTERRUPTED

    handler.__name__ = handler.__qualname__ = function.__name__
    handler.__doc__ = function.__doc__
    return handler


def _metadata_arg(pairs: Mapping[str, str] | None) -> dict[str, str] | NotGiven:
    return NOT_GIVEN if pairs is None else dict(pairs)


def _refused_item(exc: APIStatusError, items: ItemsFile, offset: int) -> str:
    """The API's message, plus where in the file the item it names is (``items[3]`` -> line)."""
    match = re.match(r"items\[(\d+)\]", exc.param or "")
    if match is None:
        return str(exc)
    return f"{items.locate(offset + int(match.group(1)))}: {exc}"


@_handler
def _create(args: argparse.Namespace) -> int:
    if args.items is None:
        if args.resume is not None or args.key is not None:
            raise UsageError("--resume and --key go with --items")

        async def work(client: AsyncClient, args: argparse.Namespace) -> int:
            _emit(
                unstructure(
                    await client.conversations.create(metadata=_metadata_arg(args.metadata))
                )
            )
            return EXIT_OK

        return _run(args, work)

    items = _read_items(args.items)
    metadata = _metadata_arg(args.metadata)
    state = TransferState("create", total=len(items.items), locate=items.locate)
    progress = _progress("create", total=len(items.items))
    # Deterministic keys, as for import: the same file and metadata name the same conversation, so
    # rerunning after a failure continues it instead of creating a second, half-filled one.
    # A --key replaces the file's digest; the metadata always counts (it is part of the create).
    source = [
        items.digest if args.key is None else f"key:{args.key}",
        None if isinstance(metadata, NotGiven) else sorted(metadata.items()),
    ]
    namespace = f"create:{json.dumps(source)}"

    async def transfer(client: AsyncClient, args: argparse.Namespace) -> int:
        conversation = await append_items(
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
        progress.finish()
        _emit(unstructure(conversation))
        return EXIT_OK

    return _run(args, transfer, state=state, progress=progress)


@_handler
def _get(args: argparse.Namespace) -> int:
    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        _emit(unstructure(await client.conversations.retrieve(args.conversation_id)))
        return EXIT_OK

    return _run(args, work)


@_handler
def _update(args: argparse.Namespace) -> int:
    metadata = None if args.clear else dict(args.metadata)

    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        conversation = await client.conversations.update(args.conversation_id, metadata=metadata)
        _emit(unstructure(conversation))
        return EXIT_OK

    return _run(args, work)


@_handler
def _delete(args: argparse.Namespace) -> int:
    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        _emit(unstructure(await client.conversations.delete(args.conversation_id)))
        return EXIT_OK

    return _run(args, work)


@_handler
def _items_list(args: argparse.Namespace) -> int:
    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        options: dict[str, Any] = {"include": _include(args)}
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
                _emit(unstructure(item))
            return EXIT_OK
        page = await pager
        for item in page.data:
            _emit(unstructure(item))
        if page.has_more and _isatty(sys.stderr):
            sys.stderr.write(f"more items: --after {page.last_id}, or --all for every page\n")
        return EXIT_OK

    return _run(args, work)


@_handler
def _items_add(args: argparse.Namespace) -> int:
    items = _read_items(args.file)

    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        include = _include(args)
        # Each batch is printed as it lands, so a failure leaves stdout listing what was added.
        for start in range(0, len(items.items), BATCH_SIZE):
            try:
                page = await client.conversations.items.create(
                    args.conversation_id,
                    # Dicts read from a file: the API checks them, a type checker cannot.
                    items=cast("list[Any]", items.items[start : start + BATCH_SIZE]),
                    include=include,
                )
            except APIStatusError as exc:
                done = (
                    f"{start:,} of {len(items.items):,} items were added before this"
                    if start
                    else "no item was added"
                )
                raise _ItemsRefused(exc, f"{_refused_item(exc, items, start)}; {done}") from None
            for item in page.data:
                _emit(unstructure(item))
        return EXIT_OK

    return _run(args, work)


@_handler
def _items_get(args: argparse.Namespace) -> int:
    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        item = await client.conversations.items.retrieve(
            args.item_id, conversation_id=args.conversation_id, include=_include(args)
        )
        _emit(unstructure(item))
        return EXIT_OK

    return _run(args, work)


@_handler
def _items_delete(args: argparse.Namespace) -> int:
    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        conversation = await client.conversations.items.delete(
            args.item_id, conversation_id=args.conversation_id
        )
        _emit(unstructure(conversation))
        return EXIT_OK

    return _run(args, work)


class _AtomicOutput:
    """The file of ``export -o``: complete under its final name, or absent; never a partial file.

    Nothing touches the disk until the first record arrives. Then a temporary file is created
    beside the target with :func:`tempfile.mkstemp`: a random name, ``O_EXCL`` (an existing file
    or a planted symlink makes it fail instead of being followed or truncated), ``O_NOFOLLOW``
    where the system has it, mode 0600. On success it is flushed to disk and renamed over the
    target in one step (``os.replace``, which replaces a symlink at the target, never its target);
    on any failure it is removed.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self._folder = os.path.dirname(os.path.abspath(target))
        self._temp: str | None = None
        self._file: IO[str] | None = None

    def check(self) -> None:
        """Refuse, before any request, a target that could never be written."""
        if not os.path.isdir(self._folder):
            raise UsageError(f"cannot write {self.target}: no such folder {self._folder}")
        try:
            mode = os.stat(self.target).st_mode  # through a symlink: what would be replaced
        except OSError:  # absent, or a dangling link: the export creates it
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):
            # A folder, a device (/dev/stdout), a FIFO: renaming over it would destroy it.
            raise UsageError(
                f"cannot write {self.target}: not a regular file "
                "(leave out -o to write to standard output)"
            )
        if not os.access(self._folder, os.W_OK | os.X_OK):
            raise UsageError(f"cannot write {self.target}: permission denied on {self._folder}")

    def write(self, text: str) -> None:
        """Write ``text``, creating the temporary file on the first call."""
        self._opened().write(text)

    def _opened(self) -> IO[str]:
        if self._file is None:
            base = os.path.basename(self.target)
            fd, self._temp = tempfile.mkstemp(prefix=f".{base}.", suffix=".part", dir=self._folder)
            self._file = open(fd, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        return self._file

    def commit(self) -> None:
        """Make the complete file visible under the target's name."""
        file, temp = self._opened(), self._temp
        file.flush()
        os.fsync(file.fileno())  # the data is on disk before the name points at it
        file.close()
        os.replace(str(temp), self.target)
        self._temp = None
        with contextlib.suppress(OSError):  # not every system can fsync a folder (Windows)
            folder = os.open(self._folder, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)

    def discard(self) -> None:
        """Remove the temporary file, if one was created."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
        if self._temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._temp)
            self._temp = None


@_handler
def _export(args: argparse.Namespace) -> int:
    state = TransferState("export", output=args.output)
    # Items printed to the terminal itself would be torn apart by the bar's redraws.
    progress = _progress("export", quiet=args.output is None and _isatty(sys.stdout))
    output = None if args.output is None else _AtomicOutput(args.output)
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
            include=_include(args),
            progress=progress,
            state=state,
        )
        if output is not None:
            output.commit()
        return EXIT_OK

    try:
        status = _run(args, work, state=state, progress=progress)
    finally:
        if output is not None:
            output.discard()  # after a commit there is nothing left to remove
    if status == EXIT_OK:
        progress.finish()
    return status


@_handler
def _import(args: argparse.Namespace) -> int:
    name = _name(args.file)
    with _open_input(args.file) as opened, contextlib.ExitStack() as cleanup:
        # Two passes, one line at a time: check the whole file before creating anything, then
        # send it batch by batch. Memory stays flat however large the file is.
        try:
            stream = rewindable(opened)
            if stream is not opened:
                cleanup.enter_context(stream)
            summary = scan_export(stream, name)
        except OSError as exc:
            raise UsageError(f"cannot read {name}: {exc.strerror or exc}") from exc
        state = TransferState(
            "import",
            total=summary.count,
            locate=lambda index: export_line(stream, name, summary, index),
        )
        progress = _progress("import", total=summary.count)

        async def work(client: AsyncClient, args: argparse.Namespace) -> int:
            target = await append_items(
                client,
                conversation=summary.conversation,
                inputs=export_inputs(stream, name, summary),
                total=summary.count,
                namespace=import_namespace(summary, args.key),
                resume=args.resume,
                progress=progress,
                state=state,
            )
            progress.finish()
            _emit(unstructure(target))
            return EXIT_OK

        return _run(args, work, state=state, progress=progress)


@_handler
def _fork(args: argparse.Namespace) -> int:
    state = TransferState("fork")
    reading = _progress("read")
    progress = _progress("fork")

    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        source, inputs, namespace = await fork_source(
            client,
            args.conversation_id,
            until=args.until,
            by_value=args.by_value,
            progress=reading,
        )
        reading.clear()
        progress.total = len(inputs)
        target = await append_items(
            client,
            conversation=source,
            inputs=inputs,
            total=len(inputs),
            namespace=f"{namespace}:{args.key}" if args.key else namespace,
            resume=args.resume,
            progress=progress,
            state=state,
        )
        progress.finish()
        _emit(unstructure(target))
        return EXIT_OK

    return _run(args, work, state=state, progress=progress)


# --- the command table ---------------------------------------------------------------------------


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
            f"{_PROG} items list conv_123 --all --order asc",
            f"{_PROG} items add conv_123 items.jsonl",
            f"{_PROG} items get conv_123 msg_abc",
            f"{_PROG} items delete conv_123 msg_abc",
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
            f"{_PROG} create --metadata topic=demo owner=me",
            f"{_PROG} create --items items.jsonl",
            f'echo \'{{"role":"user","content":"Hi"}}\' | {_PROG} create --items -',
        ),
        _create_arguments,
        _create,
    ),
    Command(
        ("get",),
        "print a conversation",
        (f"{_PROG} get conv_123", f"{_PROG} get conv_123 | jq .metadata"),
        _conversation_argument,
        _get,
    ),
    Command(
        ("update",),
        "replace a conversation's metadata",
        (f"{_PROG} update conv_123 --metadata topic=demo", f"{_PROG} update conv_123 --clear"),
        _update_arguments,
        _update,
    ),
    Command(
        ("delete",),
        "delete a conversation",
        (f"{_PROG} delete conv_123",),
        _conversation_argument,
        _delete,
    ),
    Command(
        ("items", "list"),
        "print items as JSON Lines (one page, or every page with --all)",
        (
            f"{_PROG} items list conv_123 --limit 5",
            f"{_PROG} items list conv_123 --all --order asc | jq -r .type",
            f"{_PROG} items list conv_123 --after msg_abc",
        ),
        _items_list_arguments,
        _items_list,
    ),
    Command(
        ("items", "add"),
        "append items from a file (JSON Lines or a JSON array), in batches of 20",
        (
            f"{_PROG} items add conv_123 items.jsonl",
            f'echo \'{{"role":"user","content":"Hi"}}\' | {_PROG} items add conv_123 -',
        ),
        _items_add_arguments,
        _items_add,
    ),
    Command(
        ("items", "get"),
        "print one item",
        (f"{_PROG} items get conv_123 msg_abc",),
        _items_get_arguments,
        _items_get,
    ),
    Command(
        ("items", "delete"),
        "delete one item (prints the conversation)",
        (f"{_PROG} items delete conv_123 msg_abc",),
        _item_arguments,
        _items_delete,
    ),
    Command(
        ("export",),
        "write a conversation and all of its items, oldest first, as JSON Lines",
        (
            f"{_PROG} export conv_123 -o backup.jsonl",
            f"{_PROG} export conv_123 | gzip > backup.jsonl.gz",
        ),
        _export_arguments,
        _export,
    ),
    Command(
        ("import",),
        "create a new conversation from an export file (resumable)",
        (
            f"{_PROG} import backup.jsonl",
            f"{_PROG} import backup.jsonl --base-url http://127.0.0.1:8765/v1",
            f"{_PROG} import backup.jsonl --resume conv_456   # continue a stopped import",
            f"{_PROG} import backup.jsonl --key copy-2        # a second, separate copy",
        ),
        _import_arguments,
        _import,
    ),
    Command(
        ("fork",),
        "copy a conversation, optionally up to an item, into a new one",
        (
            f"{_PROG} fork conv_123",
            f"{_PROG} fork conv_123 --until msg_abc   # items up to and including msg_abc",
            f"{_PROG} fork conv_123 --by-value        # send item contents, not references",
        ),
        _fork_arguments,
        _fork,
    ),
)


def _described(summary: str) -> str:
    return summary[0].upper() + summary[1:] + "."


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add every row of :data:`COMMANDS` to ``commands`` (the subparsers of ``conversations-sdk``).

    Args:
        commands: The object ``ArgumentParser.add_subparsers()`` returned.
    """
    common = [_connection_options()]
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
                    epilog=_examples(*group.examples),
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
            epilog=_examples(*command.examples),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.arguments(parser)
        parser.set_defaults(handler=command.handler)
