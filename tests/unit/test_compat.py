"""Each reach into a dependency's privates (``_compat.py``) still does what the SDK relies on.

These fail the day aiohttp renames or repurposes the attribute, so an upgrade breaks a test here
instead of silently breaking retries or connection cleanup for users. (anyio needs no reach: the
loop thread, ``_loop_thread.py``, is built on its public API.)
"""

from __future__ import annotations

import inspect

import aiohttp

from conversations_sdk import _compat


async def test_aiohttp_still_has_the_connection_retry_switch() -> None:
    """aiohttp lets callers set ``_retry_connection``, defaults it on, and reads it to resend."""
    assert "_retry_connection" in aiohttp.ClientSession.ATTRS
    assert "self._retry_connection" in inspect.getsource(aiohttp.ClientSession._request)
    async with aiohttp.ClientSession() as session:
        assert session._retry_connection is True
        _compat.disable_connection_retry(session)
        assert session._retry_connection is False


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
