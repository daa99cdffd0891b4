"""Safe defaults: loopback bind, bearer key in constant time and never echoed, Host allow-list, size cap."""

from __future__ import annotations

import json

import aiohttp
import pytest

from conversations_sdk.emulator import Emulator
from tests._support.emulator_api import API

KEY = "sk-emulator-canary-5f2d"


@pytest.fixture
async def keyed_api() -> API:
    """A raw helper on an emulator that requires the bearer key KEY."""
    async with Emulator(api_key=KEY) as emulator, aiohttp.ClientSession() as session:
        yield API(session, emulator.base_url)


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        pytest.param(None, "missing_api_key", id="missing"),
        pytest.param("Bearer ", "missing_api_key", id="empty"),
        pytest.param(f"Basic {KEY}", "missing_api_key", id="wrong-scheme"),
        pytest.param("Bearer sk-wrong-key-guess", "invalid_api_key", id="wrong-key"),
        pytest.param(f"Bearer {KEY}x", "invalid_api_key", id="longer-key"),
        pytest.param("Bearer sk-émulateur", "invalid_api_key", id="non-ascii"),
    ],
)
async def test_requests_without_the_right_key_are_401(
    keyed_api: API, authorization: str | None, code: str
) -> None:
    """Missing, malformed or wrong keys get 401, and the body never repeats any key."""
    headers = {} if authorization is None else {"Authorization": authorization}
    reply = await keyed_api.call("POST", "/conversations", json_body={}, headers=headers)
    assert reply.status == 401
    assert reply.body["error"]["code"] == code
    text = json.dumps(reply.body) + json.dumps(dict(reply.headers))
    assert KEY not in text
    assert "sk-wrong-key-guess" not in text


async def test_the_right_key_is_accepted(keyed_api: API) -> None:
    """With the configured bearer key, requests succeed."""
    reply = await keyed_api.call(
        "POST", "/conversations", json_body={}, headers={"Authorization": f"Bearer {KEY}"}
    )
    assert reply.status == 200


def test_repr_never_shows_the_key() -> None:
    """An emulator's repr names its database, never its API key."""
    assert KEY not in repr(Emulator(api_key=KEY))


def test_non_loopback_bind_requires_a_key() -> None:
    """Binding beyond loopback without an API key is refused up front."""
    with pytest.raises(ValueError, match="api_key"):
        Emulator(host="0.0.0.0")  # noqa: S104 - the point of the test; never started
    Emulator(host="0.0.0.0", api_key=KEY)  # noqa: S104 - constructed only, never bound


@pytest.mark.parametrize(
    "host", ["localhost", "127.0.0.1", "[::1]:8080", "LOCALHOST:1", "127.1.2.3"]
)
async def test_localhost_names_are_accepted(api: API, host: str) -> None:
    """Host headers naming this machine pass the DNS-rebinding check."""
    reply = await api.call("POST", "/conversations", json_body={}, headers={"Host": host})
    assert reply.status == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:80", "10.0.0.1", "localhost.evil.example"]
)
async def test_foreign_host_headers_are_refused_on_loopback(api: API, host: str) -> None:
    """A loopback emulator refuses requests whose Host names another machine (DNS rebinding)."""
    reply = await api.call("POST", "/conversations", json_body={}, headers={"Host": host})
    assert reply.status == 403
    assert reply.body["error"]["code"] == "host_not_allowed"


async def test_oversized_body_is_413() -> None:
    """A body over the configured cap is refused with 413 and the API's error body."""
    async with Emulator(max_body_bytes=1024) as emulator, aiohttp.ClientSession() as session:
        api = API(session, emulator.base_url)
        reply = await api.call("POST", "/conversations", json_body={"metadata": {"k": "v" * 2000}})
    assert reply.status == 413
    assert reply.body["error"]["code"] == "request_too_large"
