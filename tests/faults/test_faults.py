"""Retry, timeout, safety and connection-pool rules proven over real loopback sockets against a
scripted server."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import time
import tracemalloc

import aiohttp
import pytest

from conversations_sdk import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    InternalServerError,
    RateLimitError,
    RetryPolicy,
)
from tests._support.fault_server import (
    CONV,
    FaultServer,
    ok,
    raw,
    reset,
    stall,
    status,
    truncated,
)
from tests._support.sessions import SessionProbe
from tests.conftest import API_KEY


async def test_reset_connections_are_retried_with_one_key(
    fault_server: FaultServer, fault_client: AsyncClient
) -> None:
    """Two dropped connections then an answer: three attempts, one idempotency key, one result."""
    fault_server.then(reset(), reset(), ok())
    conversation = await fault_client.conversations.create(metadata={"a": "b"})
    assert conversation.id == "conv_1"
    assert len(fault_server.requests) == 3
    keys = {r.headers["Idempotency-Key"] for r in fault_server.requests}
    assert len(keys) == 1


async def test_resets_exhaust_retries(fault_server: FaultServer, fault_client: AsyncClient) -> None:
    """A server that always drops the connection yields APIConnectionError after 3 attempts."""
    fault_server.then(reset())
    with pytest.raises(APIConnectionError):
        await fault_client.conversations.retrieve("conv_1")
    assert len(fault_server.requests) == 3


async def test_stall_times_out(fault_server: FaultServer, fault_client: AsyncClient) -> None:
    """A server that never answers raises APITimeoutError after the per-call timeout."""
    fault_server.then(stall(fault_server))
    with pytest.raises(APITimeoutError):
        await fault_client.conversations.retrieve("conv_1", timeout=0.2, max_retries=1)
    assert len(fault_server.requests) == 2


async def test_429_retry_after_is_honoured(fault_server: FaultServer, pool: SessionProbe) -> None:
    """A 429 with Retry-After: 0.3 waits those 0.3 s (not the policy's backoff), then succeeds."""
    fault_server.then(status(429, {"Retry-After": "0.3"}), ok())
    # A policy that would retry at once: only the header can make the call take 0.3 s.
    async with AsyncClient(
        api_key=API_KEY,
        base_url=fault_server.url,
        retry=RetryPolicy(initial_backoff=0.0, jitter=0.0),
        session_factory=pool,
    ) as client:
        started = time.monotonic()
        await client.conversations.retrieve("conv_1")
        waited = time.monotonic() - started
        pool.assert_no_leaks()
    assert waited >= 0.29  # asyncio may wake a timer up to its clock resolution early
    assert len(fault_server.requests) == 2


async def test_429_exhausted_raises_rate_limit(
    fault_server: FaultServer, fault_client: AsyncClient
) -> None:
    """Persistent 429s end in RateLimitError carrying the response headers."""
    fault_server.then(status(429, {"Retry-After": "1", "x-request-id": "req_429"}))
    with pytest.raises(RateLimitError) as info:
        await fault_client.conversations.retrieve("conv_1")
    assert info.value.request_id == "req_429"
    assert len(fault_server.requests) == 3


async def test_truncated_body_is_retried(
    fault_server: FaultServer, fault_client: AsyncClient
) -> None:
    """A body cut short by a dropped connection is a connection error, retried."""
    fault_server.then(truncated(), ok())
    conversation = await fault_client.conversations.retrieve("conv_1")
    assert conversation.id == "conv_1"
    assert len(fault_server.requests) == 2


async def test_5xx_then_success_keeps_connections_pooled(
    fault_server: FaultServer, fault_client: AsyncClient
) -> None:
    """Error responses are read fully so their connection goes back to the pool."""
    fault_server.then(status(500), ok(), status(502))
    await fault_client.conversations.retrieve("conv_1")
    with pytest.raises(InternalServerError):
        await fault_client.conversations.retrieve("conv_1", max_retries=0)


async def test_body_over_the_cap_is_refused(fault_server: FaultServer, pool: SessionProbe) -> None:
    """A body larger than max_response_size raises APIError and is not retried."""
    fault_server.then(raw(b"x" * 5000, {"Content-Type": "application/json"}))
    async with AsyncClient(
        api_key=API_KEY,
        base_url=fault_server.url,
        max_response_size=4096,
        retry=RetryPolicy.no_backoff(),
        session_factory=pool,
    ) as client:
        with pytest.raises(APIError, match="max_response_size") as info:
            await client.conversations.retrieve("conv_1")
        pool.assert_no_leaks()
    assert not isinstance(info.value, APIConnectionError)
    assert len(fault_server.requests) == 1


async def test_chunked_body_over_the_cap_is_refused(
    fault_server: FaultServer, pool: SessionProbe
) -> None:
    """Without a Content-Length the cap is enforced while reading."""

    async def chunked(request: aiohttp.web.Request) -> aiohttp.web.StreamResponse:
        response = aiohttp.web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(10):
            await response.write(b"y" * 1024)
        await response.write_eof()
        return response

    fault_server.then(chunked)
    async with AsyncClient(
        api_key=API_KEY, base_url=fault_server.url, max_response_size=4096, session_factory=pool
    ) as client:
        with pytest.raises(APIError, match="max_response_size"):
            await client.conversations.retrieve("conv_1")
        pool.assert_no_leaks()


async def test_gzip_bomb_is_refused_with_bounded_memory(
    fault_server: FaultServer, pool: SessionProbe
) -> None:
    """A small gzip body that inflates to 64 MiB is stopped at the cap without inflating it all."""
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000
    fault_server.then(raw(bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip"}))
    async with AsyncClient(
        api_key=API_KEY,
        base_url=fault_server.url,
        max_response_size=1024 * 1024,
        session_factory=pool,
    ) as client:
        tracemalloc.start()
        try:
            with pytest.raises(APIError, match="max_response_size"):
                await client.conversations.retrieve("conv_1")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        pool.assert_no_leaks()
    assert peak < 16 * 1024 * 1024, peak


async def test_redirects_are_not_followed(
    fault_server: FaultServer, fault_client: AsyncClient
) -> None:
    """A 307 is returned as an error; the Location is never requested."""
    fault_server.then(raw(b"", {"Location": "/v1/conversations/elsewhere"}, code=307), ok())
    with pytest.raises(APIStatusError) as info:
        await fault_client.conversations.retrieve("conv_1")
    assert info.value.status_code == 307
    assert [r.raw_path for r in fault_server.requests] == ["/v1/conversations/conv_1"]


async def test_no_connection_leaks_across_many_calls(
    fault_server: FaultServer, fault_client: AsyncClient, pool: SessionProbe
) -> None:
    """A mix of successes, errors and resets leaves no connection checked out."""
    fault_server.then(ok(), status(404), reset(), ok(), truncated(), ok(), status(400), ok(CONV))
    for _ in range(6):
        with contextlib.suppress(APIError):
            await fault_client.conversations.retrieve("conv_1", max_retries=0)
    pool.assert_no_leaks()


async def test_refused_connection_is_retried(fault_server: FaultServer, pool: SessionProbe) -> None:
    """Nothing listening on the port: APIConnectionError after every retry, nothing leaked."""
    url = fault_server.url
    assert fault_server.server is not None
    await fault_server.server.close()
    async with AsyncClient(
        api_key=API_KEY, base_url=url, retry=RetryPolicy.no_backoff(), session_factory=pool
    ) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.conversations.retrieve("conv_1")
        assert isinstance(info.value.__cause__, aiohttp.ClientConnectorError)
        assert "GET /conversations/conv_1" in str(info.value)
        pool.assert_no_leaks()


async def test_stall_mid_body_times_out(fault_server: FaultServer, pool: SessionProbe) -> None:
    """Headers then silence: the per-call timeout also bounds reading the body."""

    async def half_then_stall(request: aiohttp.web.Request) -> aiohttp.web.StreamResponse:
        response = aiohttp.web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = 1000
        await response.prepare(request)
        await response.write(b'{"id": "conv_1",')
        await fault_server.stalled.wait()  # never set: the client must give up on its own
        return response

    fault_server.then(half_then_stall)
    async with AsyncClient(
        api_key=API_KEY, base_url=fault_server.url, max_retries=0, timeout=0.2, session_factory=pool
    ) as client:
        with pytest.raises(APITimeoutError):
            await client.conversations.retrieve("conv_1")
        pool.assert_no_leaks()


@pytest.mark.parametrize("pool_from", ["connection_limit", "session_factory"])
async def test_concurrent_calls_share_a_bounded_pool(
    fault_server: FaultServer, pool_from: str
) -> None:
    """200 concurrent calls through a 5-connection pool all succeed over at most 5 connections
    (the client's own pool, or a factory's), and leave nothing checked out."""
    in_flight, peak = 0, 0

    async def counted(request: aiohttp.web.Request) -> aiohttp.web.StreamResponse:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            await asyncio.sleep(0.005)  # long enough for calls to overlap
            return await ok()(request)
        finally:
            in_flight -= 1

    fault_server.then(counted)
    probe = SessionProbe(limit=5)
    client = (
        AsyncClient(api_key=API_KEY, base_url=fault_server.url, connection_limit=5)
        if pool_from == "connection_limit"
        else AsyncClient(api_key=API_KEY, base_url=fault_server.url, session_factory=probe)
    )
    async with client:
        results = await asyncio.gather(
            *(client.conversations.retrieve("conv_1") for _ in range(200))
        )
        assert {r.id for r in results} == {"conv_1"}
        probe.assert_no_leaks()
    assert len(fault_server.requests) == 200
    assert len({r.peer for r in fault_server.requests}) <= 5
    assert 1 < peak <= 5


async def test_own_session_reuses_its_connection_and_aclose_closes_it(
    fault_server: FaultServer,
) -> None:
    """The session the client makes keeps one connection for sequential calls; aclose() closes it."""
    fault_server.then(ok())
    client = AsyncClient(api_key=API_KEY, base_url=fault_server.url)
    try:
        for _ in range(3):
            await client.conversations.retrieve("conv_1")
        assert len({r.peer for r in fault_server.requests}) == 1
        assert fault_server.open_connections() == 1
    finally:
        await client.aclose()
    for _ in range(500):  # the server notices the closed socket within a few loop turns
        if not fault_server.open_connections():
            break
        await asyncio.sleep(0.01)
    assert fault_server.open_connections() == 0


async def test_callers_session_carries_the_calls_and_stays_open(fault_server: FaultServer) -> None:
    """A session passed in sends every request (its own headers arrive) and aclose() leaves it open."""
    fault_server.then(ok())
    async with aiohttp.ClientSession(headers={"X-Session": "the caller's"}) as session:
        async with AsyncClient(api_key=API_KEY, base_url=fault_server.url, session=session) as c:
            await c.conversations.retrieve("conv_1")
        assert not session.closed
    assert fault_server.requests[0].headers["X-Session"] == "the caller's"


async def test_own_session_pools_more_than_aiohttps_default(fault_server: FaultServer) -> None:
    """The client's own pool holds 1000 connections: 101 calls are in flight at once, where
    aiohttp's default pool (100) would hold the 101st back until one of them returned."""
    arrived = 0
    everyone = asyncio.Event()

    async def wait_for_everyone(request: aiohttp.web.Request) -> aiohttp.web.StreamResponse:
        nonlocal arrived
        arrived += 1
        if arrived == 101:
            everyone.set()
        await everyone.wait()
        return await ok()(request)

    fault_server.then(wait_for_everyone)
    async with AsyncClient(api_key=API_KEY, base_url=fault_server.url, max_retries=0) as client:
        calls = (client.conversations.retrieve("conv_1") for _ in range(101))
        results = await asyncio.wait_for(asyncio.gather(*calls), timeout=60)
    assert len(results) == 101
    assert len({r.peer for r in fault_server.requests}) == 101
