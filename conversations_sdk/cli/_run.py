"""How an API command runs: one client, its output, and its outcome as an exit status.

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

This module owns that mapping (:func:`run`), the wrappers every handler goes through
(:func:`handler`, :func:`one_request`, :func:`run_transfer`) and the output helpers. It knows no
particular command: the commands are in ``_*_commands.py``, the table in ``_commands.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import IO, TYPE_CHECKING, Any

from .._errors import APIConnectionError, APIError, APIStatusError, InvalidRequestError
from ._jsonl import JSONLinesError, dumps_line
from ._progress import Progress
from ._shapes import unstructure
from ._transfer import TransferError, TransferState

if TYPE_CHECKING:
    from .._client import AsyncClient

__all__ = [
    "EXIT_API_ERROR",
    "EXIT_BROKEN_PIPE",
    "EXIT_CONNECTION_ERROR",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PROG",
    "Handler",
    "ItemsRefused",
    "Request",
    "UsageError",
    "Work",
    "emit",
    "handler",
    "isatty",
    "one_request",
    "progress_bar",
    "run",
    "run_request",
    "run_transfer",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2  # argparse's own status for bad arguments: every usage problem shares it
EXIT_API_ERROR = 3
EXIT_CONNECTION_ERROR = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a C tool killed by a closed pipe reports

PROG = "conversations-sdk"
Handler = Callable[[argparse.Namespace], int]
Work = Callable[["AsyncClient", argparse.Namespace], Awaitable[int]]
#: One request whose result is printed (a model, unstructured by :func:`emit`).
Request = Callable[["AsyncClient", argparse.Namespace], Awaitable[object]]


class UsageError(Exception):
    """The command line (or a file it names) is wrong; reported with exit status 2."""


class ItemsRefused(Exception):
    """The API refused an item of a file; the message says which line (exit status 3)."""

    def __init__(self, error: APIStatusError, message: str) -> None:
        super().__init__(message)
        self.error = error


# What the user fixes by changing the command or its input: exit status 2, nothing to resume.
_USAGE_ERRORS = (UsageError, TransferError, JSONLinesError)


# --- output ------------------------------------------------------------------------------------


def emit(model: object) -> None:
    """Write a model (or any value the converter unstructures) as one line of JSON on stdout."""
    sys.stdout.write(dumps_line(unstructure(model)) + "\n")


def _error(message: str) -> None:
    sys.stderr.write(f"{PROG}: error: {message}\n")
    sys.stderr.flush()


def progress_bar(label: str, *, total: int | None = None, quiet: bool = False) -> Progress:
    """A progress bar on stderr, drawn only for a person watching (stderr is a terminal)."""
    stream = sys.stderr
    return Progress(label, stream, total=total, enabled=not quiet and isatty(stream))


def isatty(stream: IO[str]) -> bool:
    """Whether ``stream`` is a terminal (``False`` for a closed or fake stream)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or fake stream
        return False


# --- running a command -------------------------------------------------------------------------


def run(
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
    except _USAGE_ERRORS as exc:
        status, message = EXIT_USAGE, str(exc)
    except ItemsRefused as exc:
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


def _named_like(wrapper: Handler, function: Callable[..., object]) -> Handler:
    wrapper.__name__ = wrapper.__qualname__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


def handler(function: Handler) -> Handler:
    """Report a usage error raised before the event loop starts (reading a file) as exit 2.

    Ctrl-C at that stage (checking a large file) exits 130 with one line, not a traceback.
    """

    def checked(args: argparse.Namespace) -> int:
        try:
            return function(args)
        except _USAGE_ERRORS as exc:
            _error(str(exc))
            return EXIT_USAGE
        except KeyboardInterrupt:
            # Ctrl-C while a file is read and checked, before any request: nothing to resume.
            _error("interrupted; nothing was sent")
            return EXIT_INTERRUPTED

    return _named_like(checked, function)


def run_request(args: argparse.Namespace, request: Request) -> int:
    """Make one request with a client and print its result as one JSON line."""

    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        emit(await request(client, args))
        return EXIT_OK

    return run(args, work)


def one_request(request: Request) -> Handler:
    """The handler of a command that is one request whose result it prints (``get``, ...)."""
    return _named_like(handler(lambda args: run_request(args, request)), request)


def run_transfer(
    args: argparse.Namespace,
    transfer: Callable[[AsyncClient, argparse.Namespace], Awaitable[object]],
    *,
    state: TransferState,
    progress: Progress,
) -> int:
    """Run a resumable copy into a conversation (``create --items``, ``import``, ``fork``).

    On success the bar is finished and the conversation ``transfer`` returns is printed; on
    failure the message says how far the copy got (``state``) and how to resume.
    """

    async def work(client: AsyncClient, args: argparse.Namespace) -> int:
        target = await transfer(client, args)
        progress.finish()
        emit(target)
        return EXIT_OK

    return run(args, work, state=state, progress=progress)
