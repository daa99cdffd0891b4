"""No ID, however strange, can make a request leave its route: checked on the raw wire path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations_sdk import AsyncClient, InvalidRequestError, RetryPolicy
from tests._support.fault_server import FaultServer, ok
from tests.conftest import API_KEY

MESSAGE = {
    "type": "message",
    "id": "msg_1",
    "status": "completed",
    "role": "user",
    "content": [],
}

NASTY = ["../files", "a?x=1", "a#b", "a/b", "..%2f", "%2e%2e%2f", " ", "\u202e", "a\r\nb", "\x00"]


def _is_dot_segment(value: str) -> bool:
    decoded = value
    for _ in range(len(value) + 1):
        if decoded in (".", ".."):
            return True
        decoded, previous = unquote(decoded), decoded
        if decoded == previous:
            return False
    return False


@pytest.fixture
async def path_client(fault_server: FaultServer) -> AsyncIterator[AsyncClient]:
    """A client on the recording server, closed by the fault server fixture's teardown order."""
    fault_server.then(ok(MESSAGE))
    client = AsyncClient(
        api_key=API_KEY, base_url=fault_server.url, retry=RetryPolicy.no_backoff(), max_retries=0
    )
    yield client
    await client.aclose()


def _has_surrogate(value: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)


async def _check(fault_server: FaultServer, client: AsyncClient, cid: str, iid: str) -> None:
    before = len(fault_server.requests)
    invalid = (
        _is_dot_segment(cid) or _has_surrogate(cid),
        _is_dot_segment(iid) or _has_surrogate(iid),
    )
    if any(invalid):
        with pytest.raises(InvalidRequestError):
            await client.conversations.items.retrieve(iid, conversation_id=cid)
        assert len(fault_server.requests) == before
        return
    await client.conversations.items.retrieve(iid, conversation_id=cid)
    (recorded,) = fault_server.requests[before:]
    path, _, query = recorded.raw_path.partition("?")
    assert query == ""
    segments = path.split("/")
    assert segments[:3] == ["", "v1", "conversations"]
    assert len(segments) == 6
    assert segments[4] == "items"
    assert unquote(segments[3]) == cid
    assert unquote(segments[5]) == iid


@pytest.mark.parametrize("nasty", NASTY)
async def test_known_nasty_ids_stay_in_route(
    fault_server: FaultServer, path_client: AsyncClient, nasty: str
) -> None:
    """Traversal, query, fragment, slash and control characters arrive as one encoded segment."""
    await _check(fault_server, path_client, nasty, nasty)


# Surrogates included: they must fail as InvalidRequestError, never as UnicodeEncodeError.
_ID = st.text(st.characters(codec=None, exclude_categories=()), min_size=1, max_size=40)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(cid=_ID, iid=_ID)
async def test_arbitrary_unicode_ids_stay_in_route(
    fault_server: FaultServer, path_client: AsyncClient, cid: str, iid: str
) -> None:
    """For any non-empty Unicode IDs the raw path is exactly the route with both IDs encoded."""
    await _check(fault_server, path_client, cid, iid)


async def test_loopback_is_never_proxied(
    fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy in the environment is not used for 127.0.0.1 even without NO_PROXY."""
    # Port 9 on loopback has no proxy: using it would fail the call.
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    fault_server.then(ok(MESSAGE))
    async with AsyncClient(api_key=API_KEY, base_url=fault_server.url, max_retries=0) as client:
        await client.conversations.items.retrieve("msg_1", conversation_id="conv_1")
    assert len(fault_server.requests) == 1
