"""The exception hierarchy: every error this SDK raises derives from :class:`ConversationsError`.

::

    ConversationsError
    ├── InvalidRequestError (also ValueError)     rejected before anything was sent
    ├── ClientClosedError (also RuntimeError)     the client was used after close
    └── APIError
        ├── APIConnectionError                    no HTTP response (aiohttp errors, mapped in _transport)
        │   └── APITimeoutError
        ├── ResponseValidationError               a 2xx body that is not what the spec promises
        └── APIStatusError                        a non-2xx response
            ├── BadRequestError 400
            ├── AuthenticationError 401
            ├── PermissionDeniedError 403
            ├── NotFoundError 404
            ├── ConflictError 409
            ├── UnprocessableEntityError 422
            ├── RateLimitError 429
            └── InternalServerError >= 500

Messages name what was wrong (parameter, value, limit, status, request id) and never carry the API key
or the ``Authorization`` header. Every error pickles and unpickles to an equal-looking error, without
the request that caused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "ConversationsError",
    "InternalServerError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "UnclosedClientWarning",
    "UnprocessableEntityError",
]


class ConversationsError(Exception):
    """Base class of every exception raised by conversations-sdk."""


class InvalidRequestError(ConversationsError, ValueError):
    """An argument breaks a documented limit; raised before any request is sent.

    Attributes:
        param: The parameter at fault, as a dotted path (``"metadata"``, ``"items[3]"``).
        value: A short, safe description of the offending value.
        limit: The rule it broke, in words.
    """

    def __init__(self, message: str, *, param: str, value: object = None, limit: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.value = value
        self.limit = limit

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), (self.message,), self._state()))

    def _state(self) -> dict[str, Any]:
        return {"param": self.param, "value": self.value, "limit": self.limit}


class ClientClosedError(ConversationsError, RuntimeError):
    """The client (or its blocking facade) was used after ``aclose()`` / ``close()``."""


class APIError(ConversationsError):
    """Something went wrong talking to the API.

    Attributes:
        message: What went wrong, safe to log.
        request_id: The server's ``x-request-id`` when a response was received, else ``None``.
    """

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request_id = request_id

    def __str__(self) -> str:
        if self.request_id:
            return f"{self.message} (request_id={self.request_id})"
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), (self.message,), self._state()))

    def _state(self) -> dict[str, Any]:
        return {"request_id": self.request_id}


class APIConnectionError(APIError):
    """No usable HTTP response: the connection failed, was reset, or the body could not be read."""


class APITimeoutError(APIConnectionError):
    """The request did not complete within its timeout."""


class ResponseValidationError(APIError):
    """A successful response whose body does not have the shape the spec promises.

    Attributes:
        body: The decoded JSON body (or raw text) that failed to structure.
    """

    def __init__(self, message: str, *, body: object = None, request_id: str | None = None) -> None:
        super().__init__(message, request_id=request_id)
        self.body = body

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "body": self.body}


class APIStatusError(APIError):
    """The API answered with a non-success status.

    Attributes:
        status_code: The HTTP status.
        type: The API's ``error.type`` (for example ``"invalid_request_error"``), if given.
        code: The API's ``error.code``, if given.
        param: The API's ``error.param``: the request field at fault, if given.
        body: The decoded error body (JSON) or its text.
        headers: The response headers (never the request's).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        request_id: str | None = None,
        body: object = None,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, request_id=request_id)
        self.status_code = status_code
        self.body = body
        self.type = type
        self.code = code
        self.param = param
        self.headers: Mapping[str, str] = dict(headers or {})

    def __str__(self) -> str:
        return f"Error code: {self.status_code} - {super().__str__()}"

    def _state(self) -> dict[str, Any]:
        return {
            **super()._state(),
            "status_code": self.status_code,
            "body": self.body,
            "type": self.type,
            "code": self.code,
            "param": self.param,
            "headers": dict(self.headers),
        }


class BadRequestError(APIStatusError):
    """400: the API rejected the request as malformed."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (organization, project or region)."""


class NotFoundError(APIStatusError):
    """404: no such conversation or item (or it was deleted)."""


class ConflictError(APIStatusError):
    """409: the resource was changed concurrently; retried by default."""


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but could not be processed (e.g. idempotency key reuse)."""


class RateLimitError(APIStatusError):
    """429: too many requests; retried by default, honouring ``Retry-After``."""


class InternalServerError(APIStatusError):
    """A 5xx status: a failure on the server's side; retried by default."""


class UnclosedClientWarning(ResourceWarning):
    """An ``AsyncClient`` was garbage-collected with its HTTP session still open.

    A ``ResourceWarning`` (so ``-W error::ResourceWarning`` and ``pytest.warns(ResourceWarning)``
    catch it), but shown by default: Python ignores ``ResourceWarning`` unless told otherwise,
    which hid this message while aiohttp's raw "Unclosed client session" dump was printed. The
    SDK closes the abandoned session itself, so this is the only message.
    """


def _rebuild(cls: type[Exception], args: tuple[Any, ...], state: dict[str, Any]) -> Exception:
    # Pickling must not depend on __init__'s keyword-only signature, and must not carry causes
    # (an aiohttp cause can hold the request, and the request holds the Authorization header).
    err = cls.__new__(cls)
    Exception.__init__(err, *args)
    err.message = args[0]  # type: ignore[attr-defined]
    err.__dict__.update(state)
    return err


# Users import these from the package root; reprs, pickles and docs should say so too.
for _name in __all__:
    globals()[_name].__module__ = "conversations_sdk"
del _name
