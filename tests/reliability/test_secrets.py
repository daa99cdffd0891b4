"""Secrets: a canary API key must never surface, whatever goes wrong.

Every error path the SDK has (each API status, resets, stalls, truncated and oversized bodies,
invalid bodies, redirects, refused connections, use after close, bad arguments), through the async
client over real sockets and through the blocking client against the emulator. For each, the canary
is searched in DEBUG logs (every logger, tracebacks included), the exception's str, repr, args,
attributes, its whole cause/context chain, its formatted traceback and its pickle, and in the reprs
of the clients and of the responses they returned.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import logging
import pickle
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from conversations_sdk import AsyncClient, Client, ConversationsError, RetryPolicy
from conversations_sdk.emulator import Faults
from tests._support.fault_server import FaultServer, ok, raw, reset, stall, status, truncated
from tests._support.reliability import FigureRecorder, MixedFaults, live_emulator
from tests.conftest import API_KEY
from tests.reliability.test_hostile_server import GARBAGE, Hostile

#: The whole key, and a distinctive part of it (a truncated key is still a leak).
NEEDLES = (API_KEY, API_KEY[8:])


def reachable_errors(error: BaseException) -> list[BaseException]:
    """The error and every exception reachable from it: causes, contexts, group members, args."""
    found: list[BaseException] = []
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        pending += [current.__cause__, current.__context__, *getattr(current, "exceptions", ())]
        pending += [arg for arg in current.args if isinstance(arg, BaseException)]
    return found


def _safe_repr(value: object) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a half-built object's repr may fail; that is no leak
        return f"<repr failed: {type(exc).__name__}>"


class Scanner:
    """Counts artefacts scanned and canary occurrences found, naming where each was found."""

    def __init__(self) -> None:
        self.artefacts = 0
        self.found: list[str] = []

    def text(self, where: str, value: str | bytes) -> None:
        self.artefacts += 1
        data = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
        for needle in NEEDLES:
            if needle.encode() in data:
                self.found.append(where)

    def error(self, where: str, error: BaseException) -> None:
        for depth, current in enumerate(reachable_errors(error)):
            here = f"{where}/{depth}:{type(current).__name__}"
            self.text(f"{here}/str", str(current))
            self.text(f"{here}/repr", repr(current))
            self.text(f"{here}/args", repr(current.args))
            self.text(f"{here}/attributes", repr(vars(current)))
            # What renderers of frame locals print (traceback's capture_locals, rich, pytest -l,
            # error trackers): the repr of every local of every frame of every chained error.
            for frame, _ in traceback.walk_tb(current.__traceback__):
                for name, value in frame.f_locals.items():
                    self.text(f"{here}/{frame.f_code.co_name}:{name}", _safe_repr(value))
        self.text(f"{where}/traceback", "".join(traceback.format_exception(error)))
        self.text(
            f"{where}/traceback-with-locals",
            "".join(
                traceback.TracebackException.from_exception(error, capture_locals=True).format()
            ),
        )
        if isinstance(error, ConversationsError):
            pickled = pickle.dumps(error)
            self.text(f"{where}/pickle", pickled)
            self.text(f"{where}/unpickled", repr(vars(pickle.loads(pickled))))  # noqa: S301 - our own bytes

    def logs(self, where: str, records: list[logging.LogRecord]) -> None:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        for record in records:
            self.text(f"{where}/log:{record.name}", formatter.format(record))


@pytest.fixture
async def server() -> AsyncIterator[FaultServer]:
    """A scripted loopback server (tests/_support/fault_server.py) for one test."""
    fault = FaultServer()

    @web.middleware
    async def catch_all(request: web.Request, handler: Any) -> web.StreamResponse:
        return await fault.handle(request)

    test_server = TestServer(web.Application(middlewares=[catch_all]), host="127.0.0.1", port=0)
    await test_server.start_server()
    fault.server = test_server
    try:
        yield fault
    finally:
        await test_server.close()


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger at DEBUG (the SDK's, aiohttp's, asyncio's), captured."""
    caplog.set_level(logging.DEBUG)
    for name in ("conversations_sdk", "aiohttp", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _redirect_elsewhere() -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    return raw(b"", {"Location": "http://127.0.0.1:9/v1/conversations/conv_1"}, code=307)


BOMB = gzip.compress(b"\0" * (8 << 20), compresslevel=9)

SCRIPTED = [
    *(
        pytest.param([status(code, {"x-request-id": f"req_{code}"})], id=str(code))
        for code in (400, 401, 403, 404, 409, 422, 429, 500, 502, 503)
    ),
    pytest.param([reset()], id="reset"),
    pytest.param([truncated()], id="truncated-body"),
    pytest.param([raw(b"x" * 5000, {"Content-Type": "application/json"})], id="body-over-cap"),
    pytest.param(
        [raw(BOMB, {"Content-Type": "application/json", "Content-Encoding": "gzip"})],
        id="gzip-bomb",
    ),
    pytest.param([raw(b"{not json", {"Content-Type": "application/json"})], id="invalid-json"),
    pytest.param([ok({"id": 5})], id="wrong-shape"),
    pytest.param([_redirect_elsewhere()], id="redirect"),
    pytest.param(
        [raw(b"<html>oops</html>", {"Content-Type": "text/html"}, code=500)], id="html-500"
    ),
    # Not an error: the reprs of a RawResponse (with its headers) and of a model are scanned too.
    pytest.param([ok()], id="success"),
]


async def _scan_async_call(
    client: AsyncClient, scanner: Scanner, where: str, call: Callable[[], Awaitable[Any]]
) -> None:
    try:
        result = await call()
    except ConversationsError as exc:
        scanner.error(where, exc)
    else:
        scanner.text(f"{where}/result", repr(result))


@pytest.mark.parametrize("script", SCRIPTED)
async def test_canary_never_leaks_on_async_error_paths(
    server: FaultServer,
    debug_logs: pytest.LogCaptureFixture,
    script: list[Any],
    request: pytest.FixtureRequest,
    figure: FigureRecorder,
) -> None:
    """Each scripted failure, with retries and without: the canary appears 0 times anywhere."""
    server.then(*script)
    scanner = Scanner()
    where = request.node.callspec.id
    async with AsyncClient(
        api_key=API_KEY,
        base_url=server.url,
        retry=RetryPolicy.no_backoff(),
        max_response_size=4096,
        timeout=2.0,
    ) as client:
        scanner.text(f"{where}/client-repr", repr(client))
        # The client's options (the key among them) are scanned where a user could meet them: in
        # the request engine's frame locals, with every error below.
        scanner.text(f"{where}/copy-repr", repr(client.with_options(max_retries=0)))
        for retries in (0, 2):
            await _scan_async_call(
                client,
                scanner,
                f"{where}/retries={retries}",
                functools.partial(client.conversations.retrieve, "conv_1", max_retries=retries),
            )
            await _scan_async_call(
                client,
                scanner,
                f"{where}/create",
                lambda: client.conversations.create(metadata={"k": "v"}, max_retries=0),
            )
            await _scan_async_call(
                client,
                scanner,
                f"{where}/raw",
                lambda: client.with_raw_response.conversations.retrieve("conv_1", max_retries=0),
            )
    scanner.logs(where, debug_logs.records)
    figure(
        artefacts_scanned=scanner.artefacts,
        log_records=len(debug_logs.records),
        canary_found=len(scanner.found),
    )
    assert not scanner.found, scanner.found


async def test_canary_never_leaks_on_local_error_paths(
    server: FaultServer, debug_logs: pytest.LogCaptureFixture, figure: FigureRecorder
) -> None:
    """Stalls, refused connections, use after close and bad arguments: 0 canary occurrences."""
    server.then(stall(server))
    scanner = Scanner()
    not_text: Any = {"k": 1}
    async with AsyncClient(
        api_key=API_KEY, base_url=server.url, retry=RetryPolicy.no_backoff()
    ) as client:
        await _scan_async_call(
            client,
            scanner,
            "stall",
            lambda: client.conversations.retrieve("conv_1", timeout=0.1, max_retries=1),
        )
        await _scan_async_call(
            client, scanner, "bad-metadata", lambda: client.conversations.create(metadata=not_text)
        )
        await _scan_async_call(
            client,
            scanner,
            "header-injection",
            lambda: client.conversations.retrieve("conv_1", extra_headers={"X": "a\r\nb"}),
        )
        await _scan_async_call(
            client, scanner, "bad-id", lambda: client.conversations.retrieve("..")
        )
    await _scan_async_call(
        client, scanner, "closed", lambda: client.conversations.retrieve("conv_1")
    )
    async with AsyncClient(
        api_key=API_KEY, base_url="http://127.0.0.1:9/v1", retry=RetryPolicy.no_backoff()
    ) as refused:
        await _scan_async_call(
            refused, scanner, "refused", lambda: refused.conversations.retrieve("conv_1")
        )
        scanner.text("refused/client-repr", repr(refused))
    scanner.logs("local", debug_logs.records)
    figure(error_paths=6, artefacts_scanned=scanner.artefacts, canary_found=len(scanner.found))
    assert not scanner.found, scanner.found


EMULATOR_FAULTS = [
    Faults(mode="500"),
    Faults(mode="503", retry_after=0),
    Faults(mode="429", retry_after=0),
    Faults(mode="reset"),
    Faults(mode="reset", when="after"),
    Faults(mode="stall", stall_seconds=1.0),
]


def test_canary_never_leaks_through_the_blocking_client(
    debug_logs: pytest.LogCaptureFixture, figure: FigureRecorder
) -> None:
    """The blocking client against the emulator: every fault, 404, 400, 401, closed: 0 occurrences."""
    scanner = Scanner()
    injector = MixedFaults()
    with live_emulator(api_key=API_KEY, injector=injector) as live:
        with Client(
            api_key=API_KEY,
            base_url=live.base_url,
            retry=RetryPolicy.no_backoff(),
            timeout=aiohttp.ClientTimeout(total=5, sock_read=0.2),
        ) as client:
            scanner.text("blocking/client-repr", repr(client))
            conversation = client.conversations.create(metadata={"k": "v"})
            scanner.text("blocking/result", repr(conversation))
            calls: dict[str, Callable[[], Any]] = {
                "retrieve": lambda: client.conversations.retrieve(conversation.id),
                "append": lambda: client.conversations.items.create(
                    conversation.id, items=[{"role": "user", "content": "x"}]
                ),
                "list": lambda: list(client.conversations.items.list(conversation.id)),
            }
            paths = 0
            for faults in EMULATOR_FAULTS:
                injector._kinds, injector._fraction = [faults], 1.0
                for name, call in calls.items():
                    paths += 1
                    try:
                        call()
                    except ConversationsError as exc:
                        scanner.error(f"{faults.mode}-{faults.when}/{name}", exc)
            injector._fraction = 0.0
            for where, call in {
                "404": lambda: client.conversations.retrieve("conv_missing"),
                "400": lambda: client.conversations.create(extra_body={"metadata": 5}),
                "bad-argument": lambda: client.conversations.create(metadata={"k" * 65: "v"}),
            }.items():
                paths += 1
                try:
                    call()
                except ConversationsError as exc:
                    scanner.error(where, exc)
        try:
            client.conversations.retrieve(conversation.id)
        except ConversationsError as exc:
            paths += 1
            scanner.error("closed", exc)
    # The canary as the *wrong* key: the emulator refuses it, and the refusal must not echo it.
    with (
        live_emulator(api_key="another-key") as other,
        Client(api_key=API_KEY, base_url=other.base_url) as client,
    ):
        try:
            client.conversations.create()
        except ConversationsError as exc:
            paths += 1
            scanner.error("401", exc)
    scanner.logs("blocking", debug_logs.records)
    figure(error_paths=paths, artefacts_scanned=scanner.artefacts, canary_found=len(scanner.found))
    assert not scanner.found, scanner.found


def test_scanner_finds_a_planted_canary() -> None:
    """Control: the scanner finds the key where it is planted (a cause, a frame's locals, a log)."""
    scanner = Scanner()
    try:
        try:
            raise RuntimeError(f"Authorization: Bearer {API_KEY}")
        except RuntimeError as inner:
            raise ConversationsError("outer") from inner
    except ConversationsError as exc:
        scanner.error("planted", exc)
    # Only in a frame's locals, as a renderer with capture_locals would show it.
    located = Scanner()

    def holds_the_key(headers: dict[str, str]) -> None:
        raise ValueError("no key in this message")

    try:
        holds_the_key({"Authorization": f"Bearer {API_KEY}"})
    except ValueError as exc:
        located.error("frame", exc)
    assert "frame/0:ValueError/holds_the_key:headers" in located.found
    assert "frame/traceback-with-locals" in located.found
    record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "key %s", (API_KEY[8:],), None)
    scanner.logs("planted", [record])
    assert scanner.found
    assert any("log" in where for where in scanner.found)


async def test_canary_never_leaks_from_hostile_servers(figure: FigureRecorder) -> None:
    """Issue 14 item 6: every hostile answer (bombs, endless bodies, invalid JSON, garbage instead
    of HTTP, redirects) and every local misconfiguration: 0 occurrences, frame locals included."""
    scanner = Scanner()
    state = Hostile()
    paths = 0

    @web.middleware
    async def play(request: web.Request, handler: Any) -> web.StreamResponse:
        await request.read()
        return await state.cases[request.path.rsplit("/", 1)[-1]][0](request)

    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        case = (await reader.readline()).split(b" ")[1].rsplit(b"/", 1)[-1].decode()
        writer.write(GARBAGE[case])
        await writer.drain()
        writer.close()

    hostile = TestServer(web.Application(middlewares=[play]), host="127.0.0.1", port=0)
    await hostile.start_server()
    state.elsewhere_url = "http://127.0.0.1:9"
    raw_server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    raw_port = raw_server.sockets[0].getsockname()[1]
    try:
        for base_url, cases in (
            (str(hostile.make_url("/v1")), list(state.cases)),
            (f"http://127.0.0.1:{raw_port}/v1", list(GARBAGE)),
        ):
            async with AsyncClient(
                api_key=API_KEY,
                base_url=base_url,
                max_response_size=1 << 20,
                timeout=0.5,
                retry=RetryPolicy.no_backoff(),
            ) as client:
                for case in cases:
                    paths += 1
                    await _scan_async_call(
                        client,
                        scanner,
                        f"hostile/{case}",
                        functools.partial(client.conversations.retrieve, case, max_retries=1),
                    )
    finally:
        raw_server.close()
        await raw_server.wait_closed()
        await hostile.close()
    # Misconfigurations refused before sending, with the key already in the client.
    for where, kwargs in {
        "bad-default-header": {"default_headers": {"X-Bad": "a\r\nb"}},
        "bad-project": {"project": "p\nq"},
        "key-with-newline": {"api_key": API_KEY + "\n"},
    }.items():
        options: dict[str, Any] = {"api_key": API_KEY, **kwargs}
        async with AsyncClient(base_url="http://127.0.0.1:9/v1", **options) as client:
            paths += 1
            await _scan_async_call(
                client, scanner, where, lambda c=client: c.conversations.retrieve("conv_1")
            )
    figure(error_paths=paths, artefacts_scanned=scanner.artefacts, canary_found=len(scanner.found))
    assert not scanner.found, scanner.found
    assert paths >= len(state.cases) + len(GARBAGE) + 3
