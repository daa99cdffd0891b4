"""conversations-sdk: an async-first client for the OpenAI Conversations API.

Start with :class:`AsyncClient` (or the blocking :class:`Client`); models live in
:mod:`conversations_sdk.models`, the local emulator in :mod:`conversations_sdk.emulator`.

Names are imported lazily, so ``import conversations_sdk`` stays cheap and does not pull in
aiohttp until a client is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._blocking import (
        Client,
        Conversations,
        Items,
        Pager,
        ResponseContextManager,
        StreamedResponse,
    )
    from ._client import AsyncClient
    from ._errors import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ClientClosedError,
        ConflictError,
        ConversationsError,
        InternalServerError,
        InvalidRequestError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ResponseValidationError,
        UnclosedClientWarning,
        UnprocessableEntityError,
    )
    from ._pagination import AsyncPager, PageInfo
    from ._params import NOT_GIVEN, NotGiven
    from ._resources.conversations import AsyncConversations
    from ._resources.items import AsyncItems
    from ._retry import RetryPolicy
    from ._seam import AsyncTransport, TransportRequest, TransportResponse
    from ._streaming import (
        AsyncResponseContextManager,
        AsyncStreamedResponse,
        StreamAlreadyConsumed,
    )
    from ._wire import HTTPRequest, RawResponse

# Public name -> private module that defines it. Every name here is in __all__ and vice versa.
_LAZY: dict[str, str] = {
    "APIConnectionError": "._errors",
    "APIError": "._errors",
    "APIStatusError": "._errors",
    "APITimeoutError": "._errors",
    "AsyncClient": "._client",
    "AsyncConversations": "._resources.conversations",
    "AsyncItems": "._resources.items",
    "AsyncPager": "._pagination",
    "AsyncResponseContextManager": "._streaming",
    "AsyncStreamedResponse": "._streaming",
    "AsyncTransport": "._seam",
    "AuthenticationError": "._errors",
    "BadRequestError": "._errors",
    "Client": "._blocking",
    "ClientClosedError": "._errors",
    "ConflictError": "._errors",
    "Conversations": "._blocking",
    "ConversationsError": "._errors",
    "HTTPRequest": "._wire",
    "InternalServerError": "._errors",
    "InvalidRequestError": "._errors",
    "Items": "._blocking",
    "NOT_GIVEN": "._params",
    "NotFoundError": "._errors",
    "NotGiven": "._params",
    "PageInfo": "._pagination",
    "Pager": "._blocking",
    "PermissionDeniedError": "._errors",
    "RateLimitError": "._errors",
    "RawResponse": "._wire",
    "ResponseContextManager": "._blocking",
    "ResponseValidationError": "._errors",
    "RetryPolicy": "._retry",
    "StreamAlreadyConsumed": "._streaming",
    "StreamedResponse": "._blocking",
    "TransportRequest": "._seam",
    "TransportResponse": "._seam",
    "UnclosedClientWarning": "._errors",
    "UnprocessableEntityError": "._errors",
}

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncConversations",
    "AsyncItems",
    "AsyncPager",
    "AsyncResponseContextManager",
    "AsyncStreamedResponse",
    "AsyncTransport",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ClientClosedError",
    "ConflictError",
    "Conversations",
    "ConversationsError",
    "HTTPRequest",
    "InternalServerError",
    "InvalidRequestError",
    "Items",
    "NotFoundError",
    "NotGiven",
    "PageInfo",
    "Pager",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "ResponseContextManager",
    "ResponseValidationError",
    "RetryPolicy",
    "StreamAlreadyConsumed",
    "StreamedResponse",
    "TransportRequest",
    "TransportResponse",
    "UnclosedClientWarning",
    "UnprocessableEntityError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("conversations-sdk")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
