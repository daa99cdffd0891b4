"""The wire format, as pure functions: URLs, query strings, headers and bodies in; results or errors out.

Nothing here does I/O or touches aiohttp, so every rule (path encoding, status to exception class,
which responses are retried, how long the server asked us to wait) is testable without a loop or a
socket. ``_transport.py`` sends what this module builds; ``_requester.py`` drives the retries.
"""

from __future__ import annotations

import codecs
import datetime
import email.utils
import functools
import ipaddress
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import quote, unquote

import attrs

from ._errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    UnprocessableEntityError,
)
from ._params import check_id

__all__ = [
    "CallableStr",
    "HTTPRequest",
    "RawResponse",
    "Request",
    "RequestHeaders",
    "Response",
    "build_path",
    "build_query",
    "decode_json",
    "decode_text",
    "encode_json",
    "encode_path_param",
    "error_class_for_status",
    "is_loopback",
    "is_retryable_status",
    "make_status_error",
    "request_id_of",
    "retry_after_seconds",
]

_T = TypeVar("_T")

REQUEST_ID_HEADER = "x-request-id"
IDEMPOTENCY_HEADER = "Idempotency-Key"


@attrs.frozen(kw_only=True)
class RawResponse(Generic[_T]):
    """A response as received, next to the object parsed from it (``with_raw_response``).

    Attributes:
        status_code: The HTTP status of the final attempt.
        headers: The response headers (case-insensitive when they came from aiohttp).
        request_id: The server's ``x-request-id``, if it sent one.
        parsed: The structured result (a model, or the first page for ``items.list``).
        retries_taken: How many retries were needed before this response.
    """

    status_code: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    request_id: str | None
    parsed: _T
    retries_taken: int = 0
    # The request as sent on the final attempt: see the http_request property.
    _http_request: HTTPRequest | None = attrs.field(default=None, repr=False, alias="http_request")
    #: The response body, exactly as received (after decompression).
    content: bytes = attrs.field(default=b"", repr=False)
    #: Time from sending the final attempt to having read the whole body.
    elapsed: datetime.timedelta = attrs.field(default=datetime.timedelta(0), repr=False)

    def parse(self) -> _T:
        """Return the parsed object (the official SDK's spelling).

        Returns:
            The same object as :attr:`parsed`.
        """
        return self.parsed

    @property
    def http_request(self) -> HTTPRequest:
        """The request as sent on the final attempt (method, URL, headers; the key is masked in
        reprs). Empty for a response built by hand."""
        sent = self._http_request
        if sent is None:
            return HTTPRequest(method="", url="", headers=RequestHeaders({}))
        return sent

    @property
    def url(self) -> str:
        """The URL of the request, query included."""
        return self.http_request.url

    @property
    def method(self) -> str:
        """The HTTP method of the request."""
        return self.http_request.method

    @property
    def is_closed(self) -> bool:
        """Always ``True``: the body was read whole and the connection released before returning."""
        return True

    @property
    def text(self) -> CallableStr:
        """The body decoded as text (UTF-8 unless the response names another charset).

        Both spellings work: ``raw.text`` (the official SDK's property) and ``raw.text()`` (its
        streaming responses' method).
        """
        return CallableStr(decode_text(self.content, self.headers))

    def json(self) -> Any:
        """The body parsed as JSON (not structured into a model).

        Returns:
            The decoded JSON value.

        Raises:
            ResponseValidationError: The body is not JSON.
        """
        return decode_json(self.content, request_id=self.request_id)


RawResponse.__module__ = "conversations_sdk"

# Header names whose values are credentials: masked whenever a request's headers are printed.
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "api-key", "x-api-key"})


class RequestHeaders(Mapping[str, str]):
    """The headers of a sent request: a read-only, case-insensitive mapping whose repr masks
    credentials (``Authorization`` and the like), so printing a request never prints the key."""

    __slots__ = ("_headers", "_lowered")

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = dict(headers)
        self._lowered = {name.lower(): name for name in self._headers}

    def __getitem__(self, name: str) -> str:
        return self._headers[self._lowered.get(name.lower(), name)]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lowered

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)

    def __repr__(self) -> str:
        shown = {
            name: "[secure]" if name.lower() in _SECRET_HEADERS else value
            for name, value in self._headers.items()
        }
        return f"RequestHeaders({shown!r})"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        # Pickling would carry the key out of the process; nothing in the SDK needs it.
        raise TypeError("cannot pickle 'RequestHeaders' objects (they hold the API key)")


@attrs.frozen(kw_only=True)
class HTTPRequest:
    """What was sent: ``raw.http_request.method``, ``.url`` and ``.headers`` (as in the official SDK).

    The headers include ``Authorization``; their repr masks it.
    """

    method: str
    url: str
    headers: RequestHeaders = attrs.field(repr=False)


HTTPRequest.__module__ = "conversations_sdk"


class CallableStr(str):
    """A ``str`` that may also be called (returning itself as a plain ``str``).

    ``RawResponse.text`` is a property in the official SDK's raw responses and a method on its
    streamed ones; this lets code written either way run unchanged.
    """

    __slots__ = ()

    def __call__(self) -> str:
        return str(self)


def charset_of(headers: Mapping[str, str]) -> str:
    """The charset the ``Content-Type`` header names, if Python knows it; ``utf-8`` otherwise."""
    content_type = _header(headers, "content-type") or ""
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip():
            name = value.strip().strip('"')
            try:
                codecs.lookup(name)
            except LookupError:  # a charset Python does not know: UTF-8 is the API's own
                break
            return name
    return "utf-8"


def decode_text(body: bytes, headers: Mapping[str, str]) -> str:
    """Decode a body with the charset its ``Content-Type`` names (UTF-8 when none or unknown)."""
    return body.decode(charset_of(headers), errors="replace")


@attrs.frozen(kw_only=True)
class Request:
    """One HTTP request, fully built and ready to send (any number of times, unchanged).

    ``headers`` holds the ``Authorization`` header, so this class has no repr of its fields.
    """

    method: str
    url: str
    path: str
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes | None = attrs.field(default=None, repr=False)


@attrs.frozen(kw_only=True)
class Response:
    """One HTTP response, body fully read (and capped) by the transport."""

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` header, if present."""
        return request_id_of(self.headers)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    # Plain dicts (tests, custom transports) are not case-insensitive like aiohttp's headers.
    lowered = name.lower()
    for key, candidate in headers.items():
        if key.lower() == lowered:
            return candidate
    return None


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """The ``x-request-id`` header's value, or ``None``."""
    return _header(headers, REQUEST_ID_HEADER)


# --- Requests --------------------------------------------------------------------------------------

_DOT_SEGMENTS = frozenset({".", ".."})
# IDs the API issues (conv_..., msg_...) are all unreserved characters: quote() leaves them as they
# are and, with no '%', nothing can decode to a dot segment, so they skip the general path.
_UNRESERVED_ID = re.compile(r"[A-Za-z0-9_.~-]+")


def encode_path_param(name: str, value: object) -> str:
    """Percent-encode one path parameter so that it is exactly one path segment.

    Everything outside RFC 3986's unreserved set is encoded, ``/ ? # %`` included, so an ID can
    never add a segment, start a query or a fragment. Values that are (or decode to) ``.`` or
    ``..`` are refused, because clients and servers normalise those away and change the route.

    Args:
        name: The parameter name for error messages.
        value: The caller's ID.

    Returns:
        The encoded segment.

    Raises:
        InvalidRequestError: Empty, not a string, or a dot segment.
    """
    text = check_id(name, value)
    if _UNRESERVED_ID.fullmatch(text) and text not in _DOT_SEGMENTS:
        return text
    decoded = text
    # Bounded: each round removes at least one '%' or stops.
    for _ in range(len(text)):
        if decoded in _DOT_SEGMENTS:
            raise InvalidRequestError(
                f"`{name}` cannot be {text!r}: it would address another path",
                param=name,
                value=text,
                limit="not a dot segment",
            )
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    try:
        return quote(text, safe="")
    except UnicodeEncodeError:
        # A lone surrogate has no UTF-8 form, so no URL can carry it.
        raise InvalidRequestError(
            f"`{name}` is not valid Unicode (it contains a lone surrogate)",
            param=name,
            value=text[:80],
            limit="valid Unicode",
        ) from None


def build_path(*parts: str | tuple[str, object]) -> str:
    """Join literal segments and ``(name, value)`` path parameters into an absolute path.

    Example: ``build_path("conversations", ("conversation_id", cid), "items")``.
    """
    segments = [
        part if isinstance(part, str) else encode_path_param(part[0], part[1]) for part in parts
    ]
    return "/" + "/".join(segments)


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def build_query(params: Iterable[tuple[str, object]], extra: Mapping[str, object] | None) -> str:
    """Encode query parameters (``None`` values skipped); lists become repeated ``name[]=`` keys.

    Args:
        params: The method's own parameters, in order; ``("include[]", v)`` pairs repeat.
        extra: The caller's ``extra_query``; it overrides a method parameter of the same name.

    Returns:
        The query string without the leading ``?`` (empty when there is nothing to send).
    """
    pairs: list[tuple[str, object]] = list(params)
    if extra:
        # "include" and "include[]" name the same parameter: the caller's replaces ours.
        replaced = {key.removesuffix("[]") for key in extra}
        pairs = [pair for pair in pairs if pair[0].removesuffix("[]") not in replaced]
        for key, value in extra.items():
            if isinstance(value, (list, tuple)):
                name = key if key.endswith("[]") else key + "[]"
                pairs.extend((name, v) for v in value)
            else:
                pairs.append((key, value))
    try:
        return "&".join(
            f"{quote(key, safe='')}={quote(_query_value(value), safe='')}"
            for key, value in pairs
            if value is not None
        )
    except UnicodeEncodeError:
        raise InvalidRequestError(
            "a query parameter is not valid Unicode (it contains a lone surrogate)",
            param="query",
            limit="valid Unicode",
        ) from None


@functools.lru_cache(maxsize=256)
def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (a URL's host: a name, an IPv4 or a bracketed IPv6 address) is this machine.

    Cached: parsing the address costs ~2 µs per request, and a host's answer never changes.
    """
    if not host:
        return False
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def build_url(base_url: str, path: str, query: str) -> str:
    """Join the base URL (which may carry a path such as ``/v1``), the path and the query."""
    url = base_url.rstrip("/") + path
    return f"{url}?{query}" if query else url


# One encoder for every body: json.dumps builds a new JSONEncoder per call whenever an option is
# not the default (~1 µs per create). It keeps no state between calls.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def encode_json(body: Any) -> bytes:
    """Serialise a request body as compact UTF-8 JSON.

    Raises:
        InvalidRequestError: The body holds NaN or an infinity, a lone surrogate, or a value JSON
            cannot represent.
    """
    try:
        text = _ENCODER.encode(body)
        return text.encode()
    except (ValueError, TypeError) as exc:
        # UnicodeEncodeError is a ValueError; the message names the offending value's type only.
        raise InvalidRequestError(
            f"the request body cannot be sent as JSON: {type(exc).__name__}: {str(exc)[:200]}",
            param="body",
            limit="JSON-serialisable, valid Unicode",
        ) from None


# --- Responses -------------------------------------------------------------------------------------

_STATUS_ERRORS: Mapping[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class_for_status(status: int) -> type[APIStatusError]:
    """The exception class for a non-success HTTP status (``APIStatusError`` for the rest)."""
    if status >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status, APIStatusError)


def decode_json(body: bytes, *, request_id: str | None) -> Any:
    """Decode a JSON body.

    Raises:
        ResponseValidationError: The body is not JSON (its text is attached, cut to 1,000 chars).
    """
    try:
        return json.loads(body)
    # RecursionError: a hostile body nested deeper than the interpreter's stack (`[[[[...`).
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        text = body[:1000].decode("utf-8", "replace")
        raise ResponseValidationError(
            f"the response body is not valid JSON ({exc})", body=text, request_id=request_id
        ) from None


def make_status_error(response: Response) -> APIStatusError:
    """Turn a non-success response into its exception, with the API's error details.

    The API's error body is ``{"error": {"message", "type", "param", "code"}}``; anything else is
    kept as ``body`` and the message falls back to the status line.
    """
    request_id = response.request_id
    body: object
    try:
        body = json.loads(response.body) if response.body else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        body = response.body[:1000].decode("utf-8", "replace")
    error = body.get("error") if isinstance(body, dict) else None
    details: Mapping[str, Any] = error if isinstance(error, dict) else {}

    def text(key: str) -> str | None:
        value = details.get(key)
        return value if isinstance(value, str) else None

    message = text("message") or (
        body if isinstance(body, str) and body else f"HTTP {response.status}"
    )
    cls = error_class_for_status(response.status)
    return cls(
        message,
        status_code=response.status,
        request_id=request_id,
        body=body,
        type=text("type"),
        code=text("code") if details.get("code") is None else str(details["code"]),
        param=text("param"),
        headers=response.headers,
    )


def is_retryable_status(status: int, headers: Mapping[str, str]) -> bool:
    """Whether a response with this status should be retried.

    ``x-should-retry: true|false`` from the server wins; otherwise 408, 409, 429 and every 5xx are
    retried, and nothing else (a 400/401/403/404/422 will fail the same way again).
    """
    override = _header(headers, "x-should-retry")
    if override is not None:
        if override.strip().lower() == "true":
            return True
        if override.strip().lower() == "false":
            return False
    return status in (408, 409, 429) or status >= 500


def retry_after_seconds(headers: Mapping[str, str], *, now: float) -> float | None:
    """The delay the server asked for: ``retry-after-ms``, else ``Retry-After`` (seconds or date).

    Args:
        headers: The response headers.
        now: The current time (seconds since the epoch), for HTTP-date values.

    Returns:
        The delay in seconds, or ``None`` when absent or unparseable. Callers decide which range
        they honour.
    """
    millis = _header(headers, "retry-after-ms")
    if millis is not None:
        try:
            value = float(millis)
        except ValueError:
            pass
        else:
            if math.isfinite(value):
                return value / 1000
    after = _header(headers, "retry-after")
    if after is None:
        return None
    try:
        value = float(after)
    except ValueError:
        try:
            parsed = email.utils.parsedate_tz(after)
            if parsed is None:
                return None
            return email.utils.mktime_tz(parsed) - now
        # A date the calendar cannot hold (year 10000, a 30-digit year): the caller's backoff
        # applies, as for any unparseable value; never a bare ValueError out of the retry loop.
        except (ValueError, OverflowError):
            return None
    return value if math.isfinite(value) else None


def merge_body(body: Mapping[str, Any] | None, extra: Mapping[str, Any] | None) -> Any:
    """The JSON body to send: the method's fields, overridden by the caller's ``extra_body``."""
    if not extra:
        return body
    return {**(body or {}), **extra}


def header_items(
    *groups: Mapping[str, str] | None,
) -> dict[str, str]:
    """Merge header groups left to right, later names (any case) replacing earlier ones."""
    merged: dict[str, str] = {}
    lowered: dict[str, str] = {}
    for group in groups:
        for key, value in (group or {}).items():
            old = lowered.get(key.lower())
            if old is not None:
                del merged[old]
            merged[key] = value
            lowered[key.lower()] = key
    return merged
