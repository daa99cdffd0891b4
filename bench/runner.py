"""Runs one scenario for one client implementation, in this (fresh) process, and prints figures.

The driver starts ``python -m bench.runner IMPL SCENARIO --base-url URL --params JSON`` once per
repeat, so no run inherits another's warm caches, heap or connection pool. The last line on
stdout is JSON: ``{"metrics": {...}}``, or ``{"unavailable": reason}`` when the implementation
cannot be imported here (e.g. ``openai`` is not installed), or ``{"error": reason}``.

CPU is :func:`time.process_time` (every thread of the process: the blocking client's portal
thread counts too), wall is :func:`time.perf_counter`, peak RSS is ``ru_maxrss``. Each timed
section follows a warm-up that opens the connections and runs every code path once, so imports,
lazy sessions and first-call caches are not billed to the requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Protocol

from bench import _payloads

API_KEY = "sk-bench-not-a-real-key"
CONVERSATION_ID = "conv_bench"
METADATA = {"topic": "bench"}

#: Implementations driven through an event loop, and those called from plain threads.
ASYNC_IMPLS = ("aiohttp", "sdk-async", "openai-async", "openai-async-aiohttp")
SYNC_IMPLS = ("sdk-blocking", "openai-sync")
IMPLS = ASYNC_IMPLS + SYNC_IMPLS


class Unavailable(Exception):
    """The implementation cannot run in this environment (a missing optional package)."""


class AsyncApi(Protocol):
    """The three calls every async implementation offers, each returning what the user gets."""

    async def retrieve(self, conversation_id: str) -> object: ...
    async def create(self) -> object: ...
    def items(self, conversation_id: str) -> AsyncIterator[object]: ...
    async def aclose(self) -> None: ...


class SyncApi(Protocol):
    """The blocking twin of :class:`AsyncApi`."""

    def retrieve(self, conversation_id: str) -> object: ...
    def create(self) -> object: ...
    def items(self, conversation_id: str) -> Iterator[object]: ...
    def close(self) -> None: ...


# --- implementations -------------------------------------------------------------------------


class RawAiohttp:
    """The floor: one ``aiohttp.ClientSession`` and ``json.loads``, no models, no retries."""

    def __init__(self, base_url: str) -> None:
        import aiohttp

        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {API_KEY}"}
        self._session = aiohttp.ClientSession()

    async def _get(self, url: str, params: dict[str, str] | None = None) -> Any:
        async with self._session.get(url, headers=self._headers, params=params) as resp:
            body = await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}: {body[:200]!r}")
            return json.loads(body)

    async def retrieve(self, conversation_id: str) -> object:
        return await self._get(f"{self._base}/conversations/{conversation_id}")

    async def create(self) -> object:
        headers = {**self._headers, "Content-Type": "application/json"}
        data = json.dumps({"metadata": METADATA}).encode()
        async with self._session.post(
            f"{self._base}/conversations", data=data, headers=headers
        ) as resp:
            body = await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}: {body[:200]!r}")
            return json.loads(body)

    async def items(self, conversation_id: str) -> AsyncIterator[object]:
        url = f"{self._base}/conversations/{conversation_id}/items"
        params = {"limit": "100"}
        while True:
            page = await self._get(url, params)
            for entry in page["data"]:
                yield entry
            if not page["has_more"] or not page["last_id"]:
                return
            params = {"limit": "100", "after": page["last_id"]}

    async def aclose(self) -> None:
        await self._session.close()


class SdkAsync:
    """conversations_sdk.AsyncClient, as a user calls it."""

    def __init__(self, base_url: str) -> None:
        try:
            from conversations_sdk import AsyncClient
        except ImportError as exc:
            raise Unavailable(f"conversations_sdk.AsyncClient: {exc}") from exc
        self._client = AsyncClient(api_key=API_KEY, base_url=base_url, max_retries=0)

    async def retrieve(self, conversation_id: str) -> object:
        return await self._client.conversations.retrieve(conversation_id)

    async def create(self) -> object:
        return await self._client.conversations.create(metadata=METADATA)

    async def items(self, conversation_id: str) -> AsyncIterator[object]:
        async for entry in self._client.conversations.items.list(conversation_id, limit=100):
            yield entry

    async def aclose(self) -> None:
        await self._client.aclose()


class OpenAIAsync:
    """The official SDK's ``AsyncOpenAI``, default (httpx) or aiohttp transport."""

    def __init__(self, base_url: str, *, aiohttp_transport: bool = False) -> None:
        try:
            import openai
        except ImportError as exc:
            raise Unavailable(f"openai: {exc}") from exc
        http_client = openai.DefaultAioHttpClient() if aiohttp_transport else None
        self._client = openai.AsyncOpenAI(
            api_key=API_KEY, base_url=base_url, max_retries=0, http_client=http_client
        )

    async def retrieve(self, conversation_id: str) -> object:
        return await self._client.conversations.retrieve(conversation_id)

    async def create(self) -> object:
        return await self._client.conversations.create(metadata=METADATA)

    async def items(self, conversation_id: str) -> AsyncIterator[object]:
        async for entry in self._client.conversations.items.list(conversation_id, limit=100):
            yield entry

    async def aclose(self) -> None:
        await self._client.close()


class SdkBlocking:
    """conversations_sdk.Client, the blocking facade."""

    def __init__(self, base_url: str) -> None:
        try:
            from conversations_sdk import Client
        except ImportError as exc:
            raise Unavailable(f"conversations_sdk.Client: {exc}") from exc
        self._client = Client(api_key=API_KEY, base_url=base_url, max_retries=0)

    def retrieve(self, conversation_id: str) -> object:
        return self._client.conversations.retrieve(conversation_id)

    def create(self) -> object:
        return self._client.conversations.create(metadata=METADATA)

    def items(self, conversation_id: str) -> Iterator[object]:
        yield from self._client.conversations.items.list(conversation_id, limit=100)

    def close(self) -> None:
        self._client.close()


class OpenAISync:
    """The official SDK's blocking ``OpenAI`` client."""

    def __init__(self, base_url: str) -> None:
        try:
            import openai
        except ImportError as exc:
            raise Unavailable(f"openai: {exc}") from exc
        self._client = openai.OpenAI(api_key=API_KEY, base_url=base_url, max_retries=0)

    def retrieve(self, conversation_id: str) -> object:
        return self._client.conversations.retrieve(conversation_id)

    def create(self) -> object:
        return self._client.conversations.create(metadata=METADATA)

    def items(self, conversation_id: str) -> Iterator[object]:
        yield from self._client.conversations.items.list(conversation_id, limit=100)

    def close(self) -> None:
        self._client.close()


def open_async(impl: str, base_url: str) -> AsyncApi:
    """Construct an async implementation by name (inside the running loop)."""
    if impl == "aiohttp":
        return RawAiohttp(base_url)
    if impl == "sdk-async":
        return SdkAsync(base_url)
    if impl == "openai-async":
        return OpenAIAsync(base_url)
    if impl == "openai-async-aiohttp":
        return OpenAIAsync(base_url, aiohttp_transport=True)
    raise ValueError(f"not an async implementation: {impl}")


def open_sync(impl: str, base_url: str) -> SyncApi:
    """Construct a blocking implementation by name."""
    if impl == "sdk-blocking":
        return SdkBlocking(base_url)
    if impl == "openai-sync":
        return OpenAISync(base_url)
    raise ValueError(f"not a blocking implementation: {impl}")


def _id_of(obj: object) -> str:
    return str(obj["id"] if isinstance(obj, dict) else getattr(obj, "id", None))


# --- measuring helpers -----------------------------------------------------------------------


def _peak_rss_mb() -> float:
    # ru_maxrss is KiB on Linux (bytes on macOS, where this figure is then off by 1024).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_now_mb() -> float:
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except OSError:
        return float("nan")
    return pages * resource.getpagesize() / 2**20


class _Clock:
    """CPU and wall time of one timed section."""

    def __enter__(self) -> _Clock:
        self.cpu0, self.wall0 = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.cpu = time.process_time() - self.cpu0
        self.wall = time.perf_counter() - self.wall0


async def _gather_workers(op: Callable[[], Awaitable[object]], workers: int, each: int) -> None:
    async def worker() -> None:
        for _ in range(each):
            await op()

    await asyncio.gather(*(worker() for _ in range(workers)))


def _thread_workers(op: Callable[[], object], workers: int, each: int) -> _Clock:
    """Run ``op`` ``each`` times in each of ``workers`` threads; time from a common start."""
    barrier = threading.Barrier(workers + 1)
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            for _ in range(each):
                op()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    clock = _Clock()
    barrier.wait()
    with clock:
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return clock


# --- scenarios -------------------------------------------------------------------------------


async def _async_scenario(
    impl: str, scenario: str, base_url: str, p: dict[str, Any]
) -> dict[str, float]:
    api = open_async(impl, base_url)
    try:
        got = _id_of(await api.retrieve(CONVERSATION_ID))
        if got != CONVERSATION_ID:
            raise RuntimeError(f"retrieve returned id {got!r}, expected {CONVERSATION_ID!r}")
        if scenario in ("retrieve", "create"):
            op: Callable[[], Awaitable[object]] = (
                (lambda: api.retrieve(CONVERSATION_ID)) if scenario == "retrieve" else api.create
            )
            workers = p["concurrency"]
            await _gather_workers(op, workers, max(1, p["warmup"] // workers))
            each = p["requests"] // workers
            with _Clock() as clock:
                await _gather_workers(op, workers, each)
            total = each * workers
            return {"cpu_us_per_req": clock.cpu * 1e6 / total, "req_per_s": total / clock.wall}
        if scenario in ("list", "list_large"):
            return await _async_list(api, p["items"])
        if scenario in ("blocking_1t", "blocking_8t"):
            workers = p["threads"]
            op = lambda: api.retrieve(CONVERSATION_ID)  # noqa: E731
            await _gather_workers(op, workers, max(1, p["warmup"] // workers))
            each = p["calls"] // workers
            with _Clock() as clock:
                await _gather_workers(op, workers, each)
            return _per_call(clock, each, workers)
        raise ValueError(f"unknown scenario {scenario!r} for {impl}")
    finally:
        await api.aclose()


async def _async_list(api: AsyncApi, total: int) -> dict[str, float]:
    # Warm the paging path on a two-page conversation first: code, not data, gets cached.
    async for _ in api.items(f"{_payloads.ITEMS_PREFIX}200"):
        pass
    rss_before = _rss_now_mb()
    count = 0
    with _Clock() as clock:
        async for _ in api.items(f"{_payloads.ITEMS_PREFIX}{total}"):
            count += 1
    if count != total:
        raise RuntimeError(f"paged {count} items, expected {total}")
    return _list_metrics(clock, rss_before)


def _list_metrics(clock: _Clock, rss_before: float) -> dict[str, float]:
    return {
        "cpu_ms": clock.cpu * 1e3,
        "wall_ms": clock.wall * 1e3,
        "peak_rss_mb": _peak_rss_mb(),
        "rss_before_mb": rss_before,
    }


def _per_call(clock: _Clock, each: int, workers: int) -> dict[str, float]:
    calls = each * workers
    return {
        "cpu_us_per_call": clock.cpu * 1e6 / calls,
        # Each worker ran `each` calls back to back, so this is the mean latency one caller sees.
        "latency_us": clock.wall * 1e6 / each,
        "calls_per_s": calls / clock.wall,
    }


def _sync_scenario(impl: str, scenario: str, base_url: str, p: dict[str, Any]) -> dict[str, float]:
    api = open_sync(impl, base_url)
    try:
        got = _id_of(api.retrieve(CONVERSATION_ID))
        if got != CONVERSATION_ID:
            raise RuntimeError(f"retrieve returned id {got!r}, expected {CONVERSATION_ID!r}")
        if scenario in ("list", "list_large"):
            for _ in api.items(f"{_payloads.ITEMS_PREFIX}200"):
                pass
            rss_before = _rss_now_mb()
            count = 0
            with _Clock() as clock:
                for _ in api.items(f"{_payloads.ITEMS_PREFIX}{p['items']}"):
                    count += 1
            if count != p["items"]:
                raise RuntimeError(f"paged {count} items, expected {p['items']}")
            return _list_metrics(clock, rss_before)
        if scenario in ("blocking_1t", "blocking_8t"):
            workers = p["threads"]

            def op() -> object:
                return api.retrieve(CONVERSATION_ID)

            _thread_workers(op, workers, max(1, p["warmup"] // workers))
            each = p["calls"] // workers
            clock = _thread_workers(op, workers, each)
            return _per_call(clock, each, workers)
        raise ValueError(f"unknown scenario {scenario!r} for {impl}")
    finally:
        api.close()


def _structure_fn(impl: str) -> Callable[[bytes], object]:
    """Bytes of one item page → what the implementation hands its user."""
    if impl == "aiohttp":
        return json.loads
    if impl == "sdk-async":
        try:
            from conversations_sdk._converter import structure_response
            from conversations_sdk.models import ConversationItemList
        except ImportError as exc:
            raise Unavailable(f"conversations_sdk converter: {exc}") from exc

        def sdk(body: bytes) -> object:
            return structure_response(json.loads(body), ConversationItemList)

        return sdk
    if impl == "openai-async":
        try:
            from openai._models import construct_type
            from openai.pagination import AsyncConversationCursorPage
            from openai.types.conversations import ConversationItem
        except ImportError as exc:
            raise Unavailable(f"openai: {exc}") from exc
        # What the SDK's response parsing does for items.list (its default, non-strict mode).
        page_type = AsyncConversationCursorPage[ConversationItem]

        def official(body: bytes) -> object:
            return construct_type(type_=page_type, value=json.loads(body))

        return official
    raise ValueError(f"no structuring path for {impl}")


def _structure(impl: str, p: dict[str, Any]) -> dict[str, float]:
    fn = _structure_fn(impl)
    body = _payloads.page_bytes(100)
    for _ in range(max(3, p["iterations"] // 10)):
        fn(body)
    batch = 10
    samples = []
    for _ in range(max(1, p["iterations"] // batch)):
        # CPU time of this thread: a batch the scheduler preempts is not billed for the wait.
        start = time.thread_time()
        for _ in range(batch):
            fn(body)
        samples.append((time.thread_time() - start) / batch)
    return {"us_per_page": statistics.median(samples) * 1e6, "page_kb": len(body) / 1024}


def run(impl: str, scenario: str, base_url: str, params: dict[str, Any]) -> dict[str, float]:
    """Run one scenario for one implementation and return its figures."""
    if scenario == "structure":
        return _structure(impl, params)
    if impl in ASYNC_IMPLS:
        return asyncio.run(_async_scenario(impl, scenario, base_url, params))
    return _sync_scenario(impl, scenario, base_url, params)


def _isolate_environment() -> None:
    """Keep the caller's proxies and OPENAI_* settings away from loopback benchmark traffic."""
    # httpx (under the official SDK) honours proxy variables; aiohttp does not by default, so
    # without this the two would not even take the same route to the canned server.
    for name in list(os.environ):
        if name.lower() in ("http_proxy", "https_proxy", "all_proxy") or name.startswith("OPENAI_"):
            del os.environ[name]
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``python -m bench.runner IMPL SCENARIO``; prints one JSON line."""
    _isolate_environment()
    parser = argparse.ArgumentParser(description="Run one benchmark scenario in this process.")
    parser.add_argument("impl", choices=IMPLS)
    parser.add_argument("scenario")
    parser.add_argument("--base-url", default="")
    parser.add_argument("--params", default="{}", help="JSON object of scenario parameters")
    args = parser.parse_args(argv)
    try:
        metrics = run(args.impl, args.scenario, args.base_url, json.loads(args.params))
    except Unavailable as exc:
        print(json.dumps({"unavailable": str(exc)}))
        return 0
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    print(json.dumps({"metrics": metrics}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
