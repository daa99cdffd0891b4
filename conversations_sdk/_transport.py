"""The only module that touches aiohttp: one session, one ``send``, and the exception boundary.

``send`` takes a fully built :class:`~conversations_sdk._wire.Request` and returns a
:class:`~conversations_sdk._wire.Response` whose body is already read, capped in size (after
decompression) and detached from the connection. Every aiohttp or socket exception is translated
here, once, into :class:`APIConnectionError` / :class:`APITimeoutError`; aiohttp's
``ClientResponseError`` (whose repr carries the request headers, ``Authorization`` included) is
never chained. Retries, logging and parsing belong to the caller.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import ssl
import urllib.request

import aiohttp
from yarl import URL

from ._errors import APIConnectionError, APIError, APITimeoutError
from ._wire import Request, Response, request_id_of

__all__ = ["Transport", "is_retryable_connection_error"]

# Set on connection errors that another attempt cannot fix (a bad certificate, a malformed URL).
_NO_RETRY = "_conversations_sdk_no_retry"


def is_retryable_connection_error(error: APIConnectionError) -> bool:
    """Whether the retry loop may try again after this connection error."""
    return not getattr(error, _NO_RETRY, False)


@functools.lru_cache(maxsize=256)
def _is_loopback(host: str | None) -> bool:
    # Cached: parsing the address costs ~2 µs per request, and a host's answer never changes.
    if not host:
        return False
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _connection_error(message: str, *, retryable: bool = True) -> APIConnectionError:
    error = APIConnectionError(message)
    if not retryable:
        setattr(error, _NO_RETRY, True)
    return error


def _where(request: Request) -> str:
    # Method and path (IDs, never the query or headers) say which call failed; built only on
    # failure.
    return f"{request.method} {request.path}"


def _describe(exc: BaseException) -> str:
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


class Transport:
    """Owns (or borrows) the ``aiohttp.ClientSession`` and sends requests over it.

    Args:
        session: A caller's session, used as is and never closed here; ``None`` to create one
            lazily, inside the running loop, on the first request.
        connection_limit: Size of the connection pool of a session we create.
        max_response_size: Largest response body accepted, in bytes, after decompression.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None,
        *,
        connection_limit: int,
        max_response_size: int,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._connection_limit = connection_limit
        self._max_response_size = max_response_size
        self._proxies: dict[str, str] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def owns_session(self) -> bool:
        """Whether the session is ours to close."""
        return self._owns_session

    @property
    def has_open_owned_session(self) -> bool:
        """Whether we created a session that is still open (for the ``ResourceWarning``)."""
        return self._owns_session and self._session is not None and not self._session.closed

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The session in use, if any has been created or passed in."""
        return self._session

    def _ensure_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None:
            self._loop = loop
            # Proxies come from the environment like trust_env would read them, but are applied per
            # request by us, so that loopback hosts are never proxied even without NO_PROXY.
            self._proxies = urllib.request.getproxies()
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connection_limit),
                # An API client has no use for cookies, and a shared jar leaks state across calls.
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,
            )
            # aiohttp silently resends GET/DELETE once after a dropped connection; our retry loop
            # must be the only one, or the attempt count and the retry budget would be wrong.
            # (A private switch, but ClientSession lists it as settable; callers' sessions keep
            # their behaviour.)
            from ._compat import disable_connection_retry

            disable_connection_retry(self._session)
        elif self._owns_session and self._loop is not loop:
            # aiohttp fails obscurely (or hangs) when a session crosses loops; say what happened.
            raise RuntimeError(
                "this AsyncClient's session belongs to another event loop: create the client "
                "inside the loop that uses it (or use the blocking Client)"
            )
        return self._session

    def _proxy_for(self, url: URL) -> str | None:
        if not self._proxies or not self._owns_session or _is_loopback(url.host):
            return None
        proxy = self._proxies.get(url.scheme)
        if proxy is None or (url.host and urllib.request.proxy_bypass(url.host)):
            return None
        return proxy

    async def send(self, request: Request, *, timeout: aiohttp.ClientTimeout) -> Response:
        """Send one request and read its whole body.

        Args:
            request: The request to send; its URL is already percent-encoded.
            timeout: aiohttp's timeout for this attempt (connect, reads and the body included).

        Returns:
            The status, headers and body.

        Raises:
            APITimeoutError: The attempt timed out.
            APIConnectionError: No usable response (refused, reset, truncated body, TLS failure).
            APIError: The body is larger than ``max_response_size``.
        """
        session = self._ensure_session()
        # encoded=True: _wire already encoded each path segment; re-quoting could undo that.
        url = URL(request.url, encoded=True)
        # headers as they are: aiohttp copies them into its own CIMultiDict and never mutates
        # the mapping it is given, so the Request stays unchanged for the next attempt.
        try:
            async with session.request(
                request.method,
                url,
                headers=request.headers,
                data=request.body,
                allow_redirects=False,
                timeout=timeout,
                proxy=self._proxy_for(url),
            ) as resp:
                body = await self._read_capped(resp)
                return Response(status=resp.status, headers=resp.headers, body=body)
        except APIError:
            raise
        except aiohttp.ClientResponseError as exc:
            # Its repr holds request_info, whose headers include Authorization: never chain it.
            raise _connection_error(
                f"Connection error on {_where(request)}: {type(exc).__name__} (status {exc.status})"
            ) from None
        except (aiohttp.ClientConnectorCertificateError, ssl.SSLCertVerificationError) as exc:
            raise _connection_error(
                f"TLS certificate verification failed on {_where(request)}: {_describe(exc)}",
                retryable=False,
            ) from exc
        except aiohttp.InvalidURL as exc:
            raise _connection_error(
                f"Invalid URL for {_where(request)}: {_describe(exc)}", retryable=False
            ) from exc
        except (asyncio.TimeoutError, TimeoutError) as exc:
            raise APITimeoutError(
                f"Request timed out on {_where(request)}: {_describe(exc)}"
            ) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise _connection_error(
                f"Connection error on {_where(request)}: {_describe(exc)}"
            ) from exc

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        # The request id is looked up only for the error: a success never needs it here.
        cap = self._max_response_size
        declared = resp.content_length
        if declared is not None and not resp.headers.get("Content-Encoding"):
            if declared > cap:
                error = self._too_large(request_id_of(resp.headers))
                resp.close()
                raise error
            # Uncompressed with a length within the cap: aiohttp never reads past Content-Length,
            # so one read() is bounded and skips the per-chunk loop below.
            return await resp.read()
        chunks: list[bytes] = []
        size = 0
        # Chunks arrive decompressed: counting them bounds the memory of a compression bomb too.
        async for chunk in resp.content.iter_any():
            size += len(chunk)
            if size > cap:
                # close(), not release(): draining the rest of a bomb is what we must not do.
                error = self._too_large(request_id_of(resp.headers))
                resp.close()
                raise error
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, request_id: str | None) -> APIError:
        return APIError(
            f"The response body is larger than max_response_size ({self._max_response_size} bytes)",
            request_id=request_id,
        )

    async def aclose(self) -> None:
        """Close the session if we created it; a caller's session is left open."""
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()
