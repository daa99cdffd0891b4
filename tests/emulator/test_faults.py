"""Fault injection over real sockets: statuses, resets and stalls, before or after the commit."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from conversations_sdk.emulator import Emulator, Faults, ThreadedEmulator
from tests._support.emulator_api import API, user_message


async def _items(api: API, conversation_id: str) -> list[dict]:
    return (await api.call("GET", f"/conversations/{conversation_id}/items")).body["data"]


async def test_faults_are_off_by_default(api: API, emulator: Emulator) -> None:
    """A new emulator injects nothing."""
    assert emulator.faults is None
    for _ in range(10):
        assert (await api.call("POST", "/conversations", json_body={})).status == 200
    assert emulator.faults_injected == 0


@pytest.mark.parametrize(
    ("mode", "status", "retry_after"),
    [
        pytest.param("500", 500, False, id="500"),
        pytest.param("503", 503, True, id="503"),
        pytest.param("429", 429, True, id="429"),
    ],
)
@pytest.mark.parametrize("when", ["before", "after"])
async def test_status_faults_before_or_after_commit(
    api: API, emulator: Emulator, mode: str, status: int, retry_after: bool, when: str
) -> None:
    """A status fault answers an API error body; 'after' has committed the write, 'before' has not."""
    conversation = await api.create_conversation()
    emulator.set_faults(Faults(mode=mode, when=when, methods={"POST"}, retry_after=2.5))
    reply = await api.call(
        "POST",
        f"/conversations/{conversation['id']}/items",
        json_body={"items": [user_message("x")]},
    )
    emulator.set_faults(None)
    assert reply.status == status
    assert reply.body["error"]["message"]
    if retry_after:
        assert reply.headers["Retry-After"] == "3"
        assert reply.headers["retry-after-ms"] == "2500"
    assert len(await _items(api, conversation["id"])) == (1 if when == "after" else 0)


@pytest.mark.parametrize("when", ["before", "after"])
async def test_reset_fault_drops_the_connection(api: API, emulator: Emulator, when: str) -> None:
    """A reset fault gives the client a connection error, with the write committed only 'after'."""
    conversation = await api.create_conversation()
    emulator.set_faults(Faults(mode="reset", when=when, methods={"POST"}))
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.call(
            "POST",
            f"/conversations/{conversation['id']}/items",
            json_body={"items": [user_message("x")]},
        )
    emulator.set_faults(None)
    assert len(await _items(api, conversation["id"])) == (1 if when == "after" else 0)


async def test_stall_after_commit_times_the_client_out_but_keeps_the_write(
    api: API, emulator: Emulator
) -> None:
    """A stall outlasts the client's timeout; the write it stalled after is stored."""
    conversation = await api.create_conversation()
    emulator.set_faults(Faults(mode="stall", when="after", methods={"POST"}))
    timeout = aiohttp.ClientTimeout(total=0.3)
    with pytest.raises(asyncio.TimeoutError):
        async with api.session.post(
            f"{api.base_url}/conversations/{conversation['id']}/items",
            json={"items": [user_message("x")]},
            timeout=timeout,
        ) as response:
            await response.read()
    emulator.set_faults(None)
    assert len(await _items(api, conversation["id"])) == 1


async def test_closing_ends_a_stall_promptly() -> None:
    """Shutting the emulator down releases stalled requests instead of waiting out the stall."""
    emulator = Emulator(faults=Faults(mode="stall", stall_seconds=600))
    await emulator.start()
    async with aiohttp.ClientSession() as session:

        async def create() -> bytes:
            async with session.post(f"{emulator.base_url}/conversations", json={}) as response:
                return await response.read()

        request = asyncio.create_task(create())
        while emulator.faults_injected == 0:  # noqa: ASYNC110 - sleep(0) only yields to the server
            await asyncio.sleep(0)
        await asyncio.wait_for(emulator.aclose(), 10)
        with pytest.raises(aiohttp.ClientError):
            await request


async def test_fraction_and_seed_make_failures_reproducible(api: API, emulator: Emulator) -> None:
    """The same seed fails the same requests; about the configured fraction of them."""
    patterns = []
    for _ in range(2):
        emulator.set_faults(Faults(mode="503", fraction=0.3, seed=1234, retry_after=0))
        statuses = [
            (await api.call("POST", "/conversations", json_body={})).status for _ in range(40)
        ]
        patterns.append([s == 503 for s in statuses])
    assert patterns[0] == patterns[1]
    assert 4 <= sum(patterns[0]) <= 20
    assert emulator.faults_injected == sum(patterns[1])


async def test_max_faults_fails_the_first_n_then_behaves(api: API, emulator: Emulator) -> None:
    """fraction=1 with max_faults=2 fails exactly the first two eligible requests."""
    emulator.set_faults(Faults(mode="500", max_faults=2))
    statuses = [(await api.call("POST", "/conversations", json_body={})).status for _ in range(4)]
    assert statuses == [500, 500, 200, 200]


async def test_methods_filter_limits_which_requests_fail(api: API, emulator: Emulator) -> None:
    """Only the listed methods are eligible for faults."""
    conversation = await api.create_conversation()
    emulator.set_faults(Faults(mode="500", methods={"post"}))
    assert (await api.call("GET", f"/conversations/{conversation['id']}")).status == 200
    assert (await api.call("POST", "/conversations", json_body={})).status == 500


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mode": "418"},
        {"mode": "500", "when": "during"},
        {"mode": "500", "fraction": 1.5},
        {"mode": "429", "retry_after": -1},
    ],
)
def test_invalid_fault_settings_are_refused(kwargs: dict) -> None:
    """Nonsense fault settings fail when constructed, not at request time."""
    with pytest.raises(ValueError):  # noqa: PT011 - attrs' messages vary by validator
        Faults(**kwargs)


def test_threaded_emulator_serves_blocking_code_and_takes_faults() -> None:
    """The thread-backed emulator serves from a plain function and switches faults from outside."""
    import json
    import urllib.request

    with ThreadedEmulator() as emulator:
        assert emulator.base_url.startswith("http://127.0.0.1:")
        request = urllib.request.Request(  # noqa: S310 - loopback URL we built
            f"{emulator.base_url}/conversations",
            data=b"{}",
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback URL we built
            assert json.load(response)["object"] == "conversation"
        emulator.set_faults(Faults(mode="503", retry_after=0))
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request)  # noqa: S310
        caught.value.close()
        assert caught.value.code == 503
        assert emulator.faults_injected == 1
    with pytest.raises(RuntimeError):
        _ = emulator.base_url
