"""Running the emulator: :class:`Emulator` (async), :class:`ThreadedEmulator` (blocking code).

Both bind 127.0.0.1 on a free port by default and expose ``base_url`` (ending in ``/v1``) for a
client. Binding any non-loopback address requires an API key, so an emulator is never an open
door on a network by accident.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import time
import weakref
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from aiohttp import web

from .._loop_servers import register_loop_server
from .._loop_thread import LoopThread
from ._app import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_READ_TIMEOUT,
    AppConfig,
    busy_connections,
    create_app,
    mark_closing,
)
from ._faults import FaultInjector, Faults
from ._inspector import install_inspector
from ._model import Script, coerce_script
from ._store import DEFAULT_IDEMPOTENCY_TTL, Store

__all__ = ["Emulator", "ThreadedEmulator", "is_loopback"]

logger = logging.getLogger("conversations_sdk.emulator")

DEFAULT_HOST = "127.0.0.1"
# Below the usual 1,024 open-file limit, with room for the database and the client side of tests;
# above what one pooled client holds (the reliability load test keeps 288 connections open).
DEFAULT_MAX_CONNECTIONS = 512


def is_loopback(host: str) -> bool:
    """Return whether ``host`` names only this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class Emulator:
    """A local Conversations API server on an aiohttp event loop, backed by SQLite.

    Use it as ``async with Emulator() as emulator:`` and point a client at
    ``emulator.base_url``. Nothing is shared between instances unless they open the same file.

    Args:
        db: A SQLite database file to keep data in (created if missing); ``None`` keeps the data
            in memory for the emulator's lifetime.
        api_key: When set, requests must send ``Authorization: Bearer <api_key>``. Required when
            ``host`` is not a loopback address.
        host: The address to bind; 127.0.0.1 by default.
        port: The port to bind; 0 picks a free one (read it back from :attr:`port`).
        faults: Faults to inject from the start (see :class:`Faults`); ``None`` for none.
        max_body_bytes: Request bodies larger than this are refused with 413 (at least 1).
        idempotency_ttl: Seconds an ``Idempotency-Key`` replays its first response (24 hours
            by default); older records are deleted.
        read_timeout: Seconds a client may take to send a request's headers (also how long an
            idle keep-alive connection stays open), and again its body; slower ones are cut off.
        max_connections: Open connections at most; beyond it the oldest connection that is idle
            or still sending its request is closed to make room, or the new one is refused.
        inspector: Serve the read-only web inspector at ``/`` (see :attr:`inspector_url`).
            ``None`` (the default) serves it unless ``api_key`` is set; with ``True`` and a key,
            the pages ask for the key (HTTP Basic: any user name, the key as the password).
        script: Replies the stand-in model gives to ``POST /v1/responses``, in order (a list of
            texts, ``{"function_call": ...}`` or ``{"error": ...}`` objects; see
            :doc:`/testing-offline`), or a :class:`Script`. Once used up, or without one, the
            answer is deterministic text derived from the request's input.

    Raises:
        ValueError: ``host`` is not loopback and no ``api_key`` was given, a number is out of
            range, or a scripted reply is malformed (:class:`ScriptError`).
    """

    def __init__(
        self,
        *,
        db: str | os.PathLike[str] | None = None,
        api_key: str | None = None,
        host: str = DEFAULT_HOST,
        port: int = 0,
        faults: Faults | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        inspector: bool | None = None,
        script: Script | Sequence[object] | None = None,
        idempotency_ttl: float = DEFAULT_IDEMPOTENCY_TTL,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self._script = coerce_script(script)
        loopback = is_loopback(host)
        if not loopback and not api_key:
            raise ValueError(
                f"binding {host!r} exposes the emulator beyond this machine: pass an api_key"
            )
        _require_int("port", port, 0, 65535)
        # 0 must not mean "no limit" (aiohttp reads client_max_size=0 that way).
        _require_int("max_body_bytes", max_body_bytes, 1)
        _require_int("max_connections", max_connections, 1)
        _require_positive("idempotency_ttl", idempotency_ttl)
        _require_positive("read_timeout", read_timeout)
        self._host = host
        self._requested_port = port
        self._port: int | None = None
        self._max_connections = max_connections
        self._config = AppConfig(
            api_key=api_key,
            loopback_only=loopback,
            max_body_bytes=max_body_bytes,
            read_timeout=read_timeout,
        )
        self._store = Store(db, idempotency_ttl=idempotency_ttl)
        # Off by default behind a key: a keyed emulator may be reachable by others.
        self._inspector = (api_key is None) if inspector is None else inspector
        self._injector = FaultInjector(faults)
        self._runner: web.AppRunner | None = None
        self._app: web.Application | None = None

    def __repr__(self) -> str:
        # Never the API key.
        where = self.base_url if self._port is not None else "not started"
        return f"<Emulator {where} db={self._store.path!r}>"

    @property
    def database(self) -> str:
        """The SQLite database file, or ``":memory:"``."""
        return self._store.path

    @property
    def host(self) -> str:
        """The bound address."""
        return self._host

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was requested).

        Raises:
            RuntimeError: The emulator is not running.
        """
        if self._port is None:
            raise RuntimeError("the emulator is not running: use 'async with' or start()")
        return self._port

    @property
    def base_url(self) -> str:
        """The URL to give a client, such as ``http://127.0.0.1:8765/v1``.

        Raises:
            RuntimeError: The emulator is not running.
        """
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}/v1"

    @property
    def inspector_url(self) -> str | None:
        """The read-only web inspector to open in a browser (``http://127.0.0.1:8765/``), or
        ``None`` when it is off.

        Raises:
            RuntimeError: The emulator is not running.
        """
        if not self._inspector:
            return None
        return self.base_url[: -len("v1")]

    @property
    def faults(self) -> Faults | None:
        """The faults being injected, or ``None``."""
        return self._injector.faults

    @property
    def script(self) -> Script:
        """The stand-in model's scripted replies (``emulator.script.add("Hi!")`` adds one)."""
        return self._script

    @property
    def faults_injected(self) -> int:
        """How many faults were injected since faults were last set."""
        return self._injector.injected

    def set_faults(self, faults: Faults | None) -> None:
        """Start injecting ``faults`` from the next request on (``None`` stops).

        The RNG restarts from ``faults.seed`` and :attr:`faults_injected` from zero. Call it from
        the emulator's event loop (for :class:`ThreadedEmulator`, use its own method).
        """
        self._injector.configure(faults)

    async def integrity_check(self) -> str:
        """Return SQLite's integrity verdict for the database (``"ok"`` when healthy)."""
        return await self._store.integrity_check()

    async def start(self) -> None:
        """Open the database and start serving.

        Raises:
            RuntimeError: Already started.
            ValueError: The database file cannot be used (a folder, a missing folder, not a
                SQLite database).
            OSError: The address could not be bound.
        """
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        await self._store.open()
        try:
            self._app = create_app(self._store, self._config, self._injector, self._script)
            if self._inspector:
                install_inspector(
                    self._app,
                    self._store,
                    api_key=self._config.api_key,
                    loopback_only=self._config.loopback_only,
                )
            # No access log: the emulator runs inside test suites; handle_signals stays with the
            # caller (the CLI installs its own handlers).
            # keepalive_timeout is also aiohttp's deadline for a new connection's first request
            # headers (it only closes a connection waiting for headers), so it is the header
            # read deadline; the body deadline is applied where handlers read it.
            runner = web.AppRunner(
                self._app,
                access_log=None,
                handle_signals=False,
                shutdown_timeout=5.0,
                keepalive_timeout=self._config.read_timeout,
                # After an early answer (413, 408) aiohttp reads and drops the rest of the body
                # so the client sees the answer; no longer than the body deadline either.
                lingering_time=min(10.0, self._config.read_timeout),
            )
            await runner.setup()
            assert runner.server is not None  # noqa: S101 - set by setup()
            _ConnectionLimit(runner.server, self._max_connections, busy_connections(self._app))
            try:
                site = web.TCPSite(runner, self._host, self._requested_port)
                await site.start()
            except BaseException:
                await runner.cleanup()
                raise
        except BaseException:
            await self._store.close()
            raise
        self._runner = runner
        self._port = _bound_port(runner)
        # So that a blocking Client called from this loop's thread fails at once, not deadlocks.
        register_loop_server(self._host, self._port, asyncio.get_running_loop())

    async def aclose(self) -> None:
        """Stop serving (in-flight requests finish, stalls end) and close the database."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        if self._app is not None:
            mark_closing(self._app)
        if self._port is not None:
            register_loop_server(self._host, self._port, None)
        try:
            await runner.cleanup()
        finally:
            self._port = None
            await self._store.close()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _require_int(name: str, value: object, low: int, high: int | None = None) -> None:
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = f"{low}..{high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be an integer {bounds}, got {value!r}")


def _require_positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    if value == float("inf"):
        raise ValueError(f"{name} must be finite, got {value!r}")


class _ConnectionLimit:
    """Cap a server's open connections; make room by closing the oldest idle one.

    Hooks the two notifications aiohttp's ``web.Server`` gets for every connection. A connection
    is busy while the application works on its request; any other connection (idle keep-alive,
    or still sending its headers or body) may be closed to admit a new one, so half-sent requests
    cannot crowd out real clients. When every connection is busy, the new one is closed at once.
    """

    def __init__(self, server: web.Server, limit: int, busy: set[object]) -> None:
        self._limit = limit
        self._busy = busy
        self._open: dict[Any, None] = {}  # insertion order: oldest first
        self._last_warning = float("-inf")
        made, lost = server.connection_made, server.connection_lost

        def connection_made(handler: Any, transport: Any) -> None:
            made(handler, transport)
            self._admit(handler)

        def connection_lost(handler: Any, exc: BaseException | None = None) -> None:
            self._open.pop(handler, None)
            lost(handler, exc)

        server.connection_made = connection_made  # type: ignore[method-assign]
        server.connection_lost = connection_lost  # type: ignore[method-assign]

    def _admit(self, handler: Any) -> None:
        if len(self._open) >= self._limit:
            victim = next((h for h in self._open if h not in self._busy), None)
            self._warn()
            if victim is None:
                handler.force_close()
                return
            self._open.pop(victim, None)
            victim.force_close()
        self._open[handler] = None

    def _warn(self) -> None:
        # One line per burst, not one per connection.
        now = time.monotonic()
        if now - self._last_warning >= 10.0:
            self._last_warning = now
            logger.warning(
                "emulator: %d connections open (max_connections); closing idle ones", self._limit
            )


def _bound_port(runner: web.AppRunner) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    raise RuntimeError("the emulator did not bind a TCP port")


class ThreadedEmulator:
    """An :class:`Emulator` on its own event loop thread, for blocking code and plain scripts.

    ``with ThreadedEmulator() as emulator:`` starts it; leaving the block stops it. Takes the same
    arguments as :class:`Emulator`.
    """

    def __init__(self, **kwargs: Any) -> None:
        self._emulator = Emulator(**kwargs)
        self._loop: LoopThread | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def __repr__(self) -> str:
        return repr(self._emulator).replace("<Emulator", "<ThreadedEmulator", 1)

    @property
    def base_url(self) -> str:
        """The URL to give a client (see :attr:`Emulator.base_url`)."""
        return self._emulator.base_url

    @property
    def inspector_url(self) -> str | None:
        """The web inspector's address, or ``None`` (see :attr:`Emulator.inspector_url`)."""
        return self._emulator.inspector_url

    @property
    def port(self) -> int:
        """The bound port."""
        return self._emulator.port

    @property
    def faults_injected(self) -> int:
        """How many faults were injected since faults were last set."""
        return self._emulator.faults_injected

    @property
    def script(self) -> Script:
        """The stand-in model's scripted replies, thread-safe (add replies from any thread)."""
        return self._emulator.script

    def set_faults(self, faults: Faults | None) -> None:
        """Start injecting ``faults`` from the next request on (``None`` stops)."""
        self._require_loop().run(_set_faults(self._emulator, faults))

    def start(self) -> None:
        """Start the loop thread and the emulator on it.

        Raises:
            RuntimeError: Already started.
        """
        if self._loop is not None:
            raise RuntimeError("the emulator is already running")
        # The same loop thread mechanism as the blocking Client (asyncio, which aiohttp needs).
        loop = LoopThread()
        try:
            loop.run(self._emulator.start())
        except BaseException:
            loop.stop()
            raise
        self._loop = loop
        # An emulator nobody closed is closed at garbage collection or interpreter exit, so its
        # loop thread never keeps the process alive.
        self._finalizer = weakref.finalize(self, loop.stop, self._emulator.aclose)

    def close(self) -> None:
        """Stop the emulator and its thread. Closing twice is harmless."""
        self._loop = None
        finalizer, self._finalizer = self._finalizer, None
        if finalizer is not None:
            finalizer()

    def _require_loop(self) -> LoopThread:
        if self._loop is None:
            raise RuntimeError("the emulator is not running: use 'with' or start()")
        return self._loop

    def __enter__(self) -> ThreadedEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


async def _set_faults(emulator: Emulator, faults: Faults | None) -> None:
    emulator.set_faults(faults)
