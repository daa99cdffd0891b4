"""The blocking resources: ``Conversations``, ``Items`` and their raw and streaming views.

Declarations only: each method is ``blocking(<the async method of the same name>)`` (see
``_derive.py``), and each view is where its async twin hangs off the async client (a path of
attribute names, resolved per call). This module must not define behaviour of its own: a method
that is not derived from an async one does not belong here.
"""

from __future__ import annotations

from .._resources.conversations import (
    AsyncConversations,
    AsyncConversationsWithRawResponse,
    AsyncConversationsWithStreamingResponse,
)
from .._resources.items import (
    AsyncItems,
    AsyncItemsWithRawResponse,
    AsyncItemsWithStreamingResponse,
)
from ._derive import BlockingResource, blocking
from ._runner import Runner

__all__ = [
    "ClientWithRawResponse",
    "ClientWithStreamingResponse",
    "Conversations",
    "ConversationsWithRawResponse",
    "ConversationsWithStreamingResponse",
    "Items",
    "ItemsWithRawResponse",
    "ItemsWithStreamingResponse",
]


class ItemsWithRawResponse(BlockingResource):
    """``client.conversations.items.with_raw_response``: each method returns a ``RawResponse``.

    ``list`` returns the first page's response, whose ``parse()`` is that page as a ``Pager``.
    """

    __slots__ = ()

    create = blocking(AsyncItemsWithRawResponse.create)
    list = blocking(AsyncItemsWithRawResponse.list)
    retrieve = blocking(AsyncItemsWithRawResponse.retrieve)
    delete = blocking(AsyncItemsWithRawResponse.delete)


class ConversationsWithRawResponse(BlockingResource):
    """``client.conversations.with_raw_response``: each method returns a ``RawResponse``."""

    __slots__ = ()

    create = blocking(AsyncConversationsWithRawResponse.create)
    retrieve = blocking(AsyncConversationsWithRawResponse.retrieve)
    update = blocking(AsyncConversationsWithRawResponse.update)
    delete = blocking(AsyncConversationsWithRawResponse.delete)

    @property
    def items(self) -> ItemsWithRawResponse:
        """``client.conversations.items`` returning ``RawResponse`` objects."""
        return ItemsWithRawResponse(self._runner, ("conversations", "items", "with_raw_response"))


class ItemsWithStreamingResponse(BlockingResource):
    """``client.conversations.items.with_streaming_response``: each method returns a
    :class:`ResponseContextManager`; ``list`` streams the first page."""

    __slots__ = ()

    create = blocking(AsyncItemsWithStreamingResponse.create)
    list = blocking(AsyncItemsWithStreamingResponse.list)
    retrieve = blocking(AsyncItemsWithStreamingResponse.retrieve)
    delete = blocking(AsyncItemsWithStreamingResponse.delete)


class ConversationsWithStreamingResponse(BlockingResource):
    """``client.conversations.with_streaming_response``: each method returns a
    :class:`ResponseContextManager`."""

    __slots__ = ()

    create = blocking(AsyncConversationsWithStreamingResponse.create)
    retrieve = blocking(AsyncConversationsWithStreamingResponse.retrieve)
    update = blocking(AsyncConversationsWithStreamingResponse.update)
    delete = blocking(AsyncConversationsWithStreamingResponse.delete)

    @property
    def items(self) -> ItemsWithStreamingResponse:
        """``client.conversations.items`` returning streamed responses."""
        return ItemsWithStreamingResponse(
            self._runner, ("conversations", "items", "with_streaming_response")
        )


class Items(BlockingResource):
    """The items of conversations, blocking (``client.conversations.items``).

    Each method is the :class:`AsyncItems` method of the same name, run on the client's loop
    thread: same parameters, same return types, same errors.
    """

    __slots__ = ()

    create = blocking(AsyncItems.create)
    list = blocking(AsyncItems.list)
    retrieve = blocking(AsyncItems.retrieve)
    delete = blocking(AsyncItems.delete)

    @property
    def with_raw_response(self) -> ItemsWithRawResponse:
        """The same methods, each returning a ``RawResponse`` (status, headers, request id)."""
        return ItemsWithRawResponse(self._runner, (*self._path, "with_raw_response"))

    @property
    def with_streaming_response(self) -> ItemsWithStreamingResponse:
        """The same methods, each a context manager giving the response before its body is read."""
        return ItemsWithStreamingResponse(self._runner, (*self._path, "with_streaming_response"))


class Conversations(BlockingResource):
    """The conversations resource, blocking (``client.conversations``).

    Each method is the :class:`AsyncConversations` method of the same name, run on the client's
    loop thread: same parameters, same return types, same errors.
    """

    __slots__ = ("_items",)

    def __init__(self, runner: Runner, path: tuple[str, ...]) -> None:
        super().__init__(runner, path)
        self._items = Items(runner, (*path, "items"))

    @property
    def items(self) -> Items:
        """The items of conversations (``client.conversations.items``)."""
        return self._items

    @property
    def with_raw_response(self) -> ConversationsWithRawResponse:
        """The same methods, each returning a ``RawResponse`` (status, headers, request id)."""
        return ConversationsWithRawResponse(self._runner, (*self._path, "with_raw_response"))

    @property
    def with_streaming_response(self) -> ConversationsWithStreamingResponse:
        """The same methods, each a context manager giving the response before its body is read.

        ``with client.conversations.with_streaming_response.retrieve(cid) as response:``
        """
        return ConversationsWithStreamingResponse(
            self._runner, (*self._path, "with_streaming_response")
        )

    create = blocking(AsyncConversations.create)
    retrieve = blocking(AsyncConversations.retrieve)
    update = blocking(AsyncConversations.update)
    delete = blocking(AsyncConversations.delete)


class ClientWithRawResponse(BlockingResource):
    """``client.with_raw_response``: the resources, each call returning a ``RawResponse``."""

    __slots__ = ()

    @property
    def conversations(self) -> ConversationsWithRawResponse:
        """``client.conversations`` returning ``RawResponse`` objects."""
        return ConversationsWithRawResponse(self._runner, ("conversations", "with_raw_response"))


class ClientWithStreamingResponse(BlockingResource):
    """``client.with_streaming_response``: the resources, each call a response context manager."""

    __slots__ = ()

    @property
    def conversations(self) -> ConversationsWithStreamingResponse:
        """``client.conversations`` returning streamed responses."""
        return ConversationsWithStreamingResponse(
            self._runner, ("conversations", "with_streaming_response")
        )


Conversations.__module__ = "conversations_sdk"
Items.__module__ = "conversations_sdk"
