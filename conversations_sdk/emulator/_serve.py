"""The ``serve`` command: flags shared by ``python -m conversations_sdk.emulator`` and
``conversations-sdk serve``, and the loop that serves until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys

from ._app import DEFAULT_MAX_BODY_BYTES, DEFAULT_READ_TIMEOUT
from ._faults import FAULT_MODES, Faults
from ._model import Script, ScriptError
from ._server import DEFAULT_HOST, DEFAULT_MAX_CONNECTIONS, Emulator
from ._store import DEFAULT_IDEMPOTENCY_TTL, DatabaseUnusable

__all__ = ["API_KEY_ENV", "add_arguments", "main", "run"]

API_KEY_ENV = "CONVERSATIONS_EMULATOR_API_KEY"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the emulator's flags to ``parser`` (a top-level parser or a subcommand's)."""
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to bind (default %(default)s); a non-loopback address requires --api-key",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8765,
        help="port to bind; 0 picks a free one (default %(default)s)",
    )
    parser.add_argument(
        "--db", default=None, help="SQLite database file; without it, data lives in memory"
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get(API_KEY_ENV) or None,
        help=(
            "require 'Authorization: Bearer KEY' on every request "
            f"(default: ${API_KEY_ENV}, which keeps the key out of the process list)"
        ),
    )
    parser.add_argument(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        help="refuse larger request bodies with 413; at least 1 (default %(default)s)",
    )
    parser.add_argument(
        "--idempotency-ttl",
        type=float,
        default=DEFAULT_IDEMPOTENCY_TTL,
        metavar="SECONDS",
        help="how long an Idempotency-Key replays its first answer (default %(default)g)",
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=DEFAULT_READ_TIMEOUT,
        metavar="SECONDS",
        help=(
            "close a connection that takes longer to send its request headers, or its body "
            "(408), and idle keep-alive connections (default %(default)g)"
        ),
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=DEFAULT_MAX_CONNECTIONS,
        help="open connections at most; idle ones are closed to make room (default %(default)s)",
    )
    parser.add_argument(
        "--inspector",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=(
            "serve the read-only web inspector at / (default: on, off with --api-key; "
            "with a key it asks for the key as the password of HTTP Basic authentication)"
        ),
    )
    parser.add_argument(
        "--script",
        default=None,
        metavar="FILE",
        help=(
            "JSON file of replies for POST /v1/responses, used in order: a list of texts, "
            '{"function_call": {"name": ..., "arguments": {...}}} or '
            '{"error": {"status": ..., "message": ...}} (see the docs page '
            '"Testing a conversation app offline")'
        ),
    )
    faults = parser.add_argument_group("fault injection (off unless --fault is given)")
    faults.add_argument("--fault", choices=FAULT_MODES, default=None, help="the fault to inject")
    faults.add_argument(
        "--fault-when",
        choices=("before", "after"),
        default="before",
        help="fail before processing, or after committing (default %(default)s)",
    )
    faults.add_argument(
        "--fault-rate", type=float, default=1.0, help="share of requests to fail, 0..1 (default 1)"
    )
    faults.add_argument("--fault-seed", type=int, default=0, help="RNG seed (default 0)")
    faults.add_argument(
        "--fault-methods",
        default="GET,POST,DELETE",
        help="comma-separated HTTP methods eligible for faults (default %(default)s)",
    )
    faults.add_argument(
        "--fault-max", type=int, default=None, help="inject at most this many faults"
    )
    faults.add_argument(
        "--fault-retry-after",
        type=float,
        default=1.0,
        help="seconds advertised by Retry-After on 429/503 (default 1)",
    )
    faults.add_argument(
        "--fault-stall-seconds",
        type=float,
        default=300.0,
        help="how long a stall lasts (default 300)",
    )


def faults_from_args(args: argparse.Namespace) -> Faults | None:
    """Build the :class:`Faults` the flags describe, or ``None`` without ``--fault``."""
    if args.fault is None:
        return None
    return Faults(
        mode=args.fault,
        when=args.fault_when,
        fraction=args.fault_rate,
        seed=args.fault_seed,
        methods=frozenset(m.strip() for m in args.fault_methods.split(",") if m.strip()),
        max_faults=args.fault_max,
        retry_after=args.fault_retry_after,
        stall_seconds=args.fault_stall_seconds,
    )


def run(args: argparse.Namespace) -> int:
    """Serve with the parsed flags until interrupted; return the exit status.

    Prints the base URL to use (``http://127.0.0.1:8765/v1``) once the socket is bound.
    """
    try:
        script = Script.from_file(args.script) if args.script else None
    except (OSError, ScriptError) as exc:
        print(f"error: --script: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    try:
        emulator = Emulator(
            script=script,
            db=args.db,
            api_key=args.api_key,
            host=args.host,
            port=args.port,
            faults=faults_from_args(args),
            max_body_bytes=args.max_body_bytes,
            inspector=args.inspector,
            idempotency_ttl=args.idempotency_ttl,
            read_timeout=args.read_timeout,
            max_connections=args.max_connections,
        )
    except ValueError as exc:
        # Flags are named as typed (--max-body-bytes), not as the Python argument.
        print(f"error: {_flag_names(str(exc))}", file=sys.stderr)  # noqa: T201
        return 2
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(emulator))
    except DatabaseUnusable as exc:  # a folder, a missing folder, not SQLite: one line, no trace
        print(f"error: --db: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    except OSError as exc:  # the address is taken or not ours: say so without a traceback
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    return 0


async def _serve(emulator: Emulator) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not available on Windows' event loops: Ctrl-C still ends asyncio.run there.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with emulator:
        print(f"Conversations API emulator (database: {emulator.database}) serving at:", flush=True)  # noqa: T201
        print(emulator.base_url, flush=True)  # noqa: T201
        if emulator.inspector_url is not None:
            # After the base URL: scripts read the first http:// line as the API's address.
            print(f"Inspector (read-only, open in a browser): {emulator.inspector_url}", flush=True)  # noqa: T201
        await stop.wait()


def _flag_names(message: str) -> str:
    for name in ("max_body_bytes", "idempotency_ttl", "read_timeout", "max_connections", "port"):
        if message.startswith(name + " "):
            return "--" + name.replace("_", "-") + message[len(name) :]
    return message


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of ``python -m conversations_sdk.emulator``."""
    parser = argparse.ArgumentParser(
        prog="python -m conversations_sdk.emulator",
        description="Serve a local emulator of the OpenAI Conversations API under /v1.",
    )
    add_arguments(parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m conversations_sdk.emulator``."""
    return run(build_parser().parse_args(argv))
