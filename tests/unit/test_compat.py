"""Each reach into a dependency's privates (``_compat.py``) still does what the SDK relies on.

These fail the day aiohttp or anyio rename or repurpose the attribute, so an upgrade breaks a
test here instead of silently breaking retries or fork safety for users.
"""

from __future__ import annotations

import inspect

import aiohttp
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from conversations_sdk import _compat


async def test_aiohttp_still_has_the_connection_retry_switch() -> None:
    """aiohttp lets callers set ``_retry_connection``, defaults it on, and reads it to resend."""
    assert "_retry_connection" in aiohttp.ClientSession.ATTRS
    assert "self._retry_connection" in inspect.getsource(aiohttp.ClientSession._request)
    async with aiohttp.ClientSession() as session:
        assert session._retry_connection is True
        _compat.disable_connection_retry(session)
        assert session._retry_connection is False


def test_anyio_portal_still_reads_its_loop_thread_marker() -> None:
    """A portal whose ``_event_loop_thread_id`` is None considers itself not running."""
    assert "_event_loop_thread_id" in inspect.getsource(BlockingPortal._check_running)
    with start_blocking_portal("asyncio") as portal:
        saved = portal._event_loop_thread_id
        assert isinstance(saved, int)
        _compat.forget_portal_loop_thread(portal)
        try:
            with pytest.raises(RuntimeError, match="not running"):
                portal.call(lambda: None)
        finally:
            portal._event_loop_thread_id = saved  # so the portal can be stopped normally


def test_forget_tolerates_a_portal_without_the_marker() -> None:
    """On an anyio without the attribute (slotted), forgetting does nothing instead of failing."""

    class Slotted:
        __slots__ = ()

    _compat.forget_portal_loop_thread(Slotted())  # type: ignore[arg-type]


async def test_aiohttp_connector_still_closes_synchronously() -> None:
    """``BaseConnector._close()`` exists, needs no loop to be awaited, and closes the connector."""
    assert not inspect.iscoroutinefunction(aiohttp.BaseConnector._close)
    connector = aiohttp.TCPConnector()
    _compat.close_connector_now(connector)
    assert connector.closed


def test_close_connector_tolerates_a_connector_without_it() -> None:
    """On an aiohttp without ``_close``, closing now does nothing instead of failing."""

    class Bare:
        __slots__ = ()

    _compat.close_connector_now(Bare())  # type: ignore[arg-type]
