"""Client robustness of issue 14 (items 7, 15, 16, 17, 18 and the unclosed-client warning).

Each test states what broke before and asserts what a user relies on now. Unit-level cases mock at
the transport (aioresponses); the others use a real loopback server (the emulator or aiohttp's).
"""

from __future__ import annotations

import math
import traceback
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations_sdk import AsyncClient, Client, InvalidRequestError, RetryPolicy
from conversations_sdk._wire import retry_after_seconds
from tests._aioresponses_shim import MockAPI
from tests.conftest import API_KEY, BASE_URL

PASSWORD = "hunter2-SECRET"
WITH_USERINFO = f"https://alice:{PASSWORD}@api.example.test/v1"


def _rendered_with_locals(error: BaseException) -> str:
    """The error as a renderer of traceback locals prints it, minus the test's own frame."""
    tb = error.__traceback__
    error = error.with_traceback(tb.tb_next if tb is not None else None)
    return "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())


# --- item 7: userinfo in base_url ----------------------------------------------------------------


@pytest.mark.parametrize("cls", [AsyncClient, Client])
def test_base_url_with_userinfo_is_refused_at_construction(cls: Any) -> None:
    """Before: accepted; repr(client) showed the password and every call failed with a bare
    ValueError. Now: InvalidRequestError naming base_url, the password nowhere."""
    with pytest.raises(InvalidRequestError) as info:
        cls(api_key=API_KEY, base_url=WITH_USERINFO)
    error = info.value
    assert error.param == "base_url"
    assert "base_url" in str(error)
    assert "api.example.test" in str(error)  # says which URL, with the userinfo masked
    for text in (str(error), repr(error), repr(vars(error)), _rendered_with_locals(error)):
        assert PASSWORD not in text
        assert "alice" not in text
        assert API_KEY not in text


@pytest.mark.parametrize("cls", [AsyncClient, Client])
def test_openai_base_url_with_userinfo_is_refused(
    cls: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same from the environment; the message names OPENAI_BASE_URL, not a parameter the
    user never passed, and the key read from the environment is not in any frame's locals."""
    monkeypatch.setenv("OPENAI_BASE_URL", WITH_USERINFO)
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    with pytest.raises(InvalidRequestError, match="OPENAI_BASE_URL") as info:
        cls()
    assert info.value.param == "base_url"
    rendered = _rendered_with_locals(info.value)
    assert PASSWORD not in rendered
    assert API_KEY not in rendered  # before: os.environ was a local of AsyncClient.__init__


@pytest.mark.parametrize("cls", [AsyncClient, Client])
def test_construction_errors_hold_no_key_in_frame_locals(cls: Any) -> None:
    """Before: a bad timeout raised through __init__, whose locals held api_key (and, for the
    blocking Client, kwargs): capture_locals printed the key."""
    with pytest.raises(InvalidRequestError) as info:
        cls(api_key=API_KEY, timeout=-1)
    assert API_KEY not in _rendered_with_locals(info.value)


def test_ordinary_base_urls_still_work() -> None:
    """An '@' in the path or query is not userinfo; a trailing slash is dropped as before."""
    assert AsyncClient(api_key=API_KEY, base_url="http://127.0.0.1:9/v1/").base_url == (
        "http://127.0.0.1:9/v1"
    )
    assert AsyncClient(api_key=API_KEY, base_url="http://127.0.0.1:9/a@b").base_url == (
        "http://127.0.0.1:9/a@b"
    )


# --- item 15: Retry-After dates the calendar cannot hold ----------------------------------------

CONV = {"id": "conv_1", "object": "conversation", "created_at": 1, "metadata": {}}
CONV_URL = BASE_URL + "/conversations/conv_1"


@pytest.mark.parametrize(
    "value",
    [
        "Fri, 31 Dec 10000 23:59:59 GMT",  # before: ValueError: year 10000 is out of range
        "Fri, 31 Dec 99999999999999999999 23:59:59 GMT",  # before: OverflowError
        "Fri, 31 Dec 9999 23:59:59 GMT",  # parseable, but far beyond max_retry_after
        "Mon, 32 Foo 2020 99:99:99 GMT",
        "soon",
        "1e400",
        "-5",
    ],
)
async def test_unusable_retry_after_falls_back_to_backoff(mock_api: MockAPI, value: str) -> None:
    """A 429 whose Retry-After cannot be honoured is retried after the policy's own backoff."""
    mock_api.get(CONV_URL, status=429, headers={"Retry-After": value})
    mock_api.get(CONV_URL, payload=CONV)
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    async with AsyncClient(
        api_key=API_KEY, base_url=BASE_URL, retry=RetryPolicy(jitter=0.0, initial_backoff=0.25)
    ) as client:
        client._sleep = record
        conversation = await client.conversations.retrieve("conv_1")
    assert conversation.id == "conv_1"
    assert waits == [0.25]


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=60)
    | st.from_regex(
        r"[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{1,25} \d\d:\d\d:\d\d [A-Z+\-0-9]{1,5}",
        fullmatch=True,
    )
)
def test_retry_after_parsing_never_raises(value: str) -> None:
    """Whatever the header holds: a finite number of seconds or None, never an exception."""
    delay = retry_after_seconds({"Retry-After": value}, now=1_700_000_000.0)
    assert delay is None or math.isfinite(delay)
    assert RetryPolicy(jitter=0.0).delay(1, delay) <= 60.0
