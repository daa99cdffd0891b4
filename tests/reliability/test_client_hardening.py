"""Client robustness of issue 14 (items 7, 15, 16, 17, 18 and the unclosed-client warning).

Each test states what broke before and asserts what a user relies on now. Unit-level cases mock at
the transport (aioresponses); the others use a real loopback server (the emulator or aiohttp's).
"""

from __future__ import annotations

import traceback
from typing import Any

import pytest

from conversations_sdk import AsyncClient, Client, InvalidRequestError
from tests.conftest import API_KEY

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
