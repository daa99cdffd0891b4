"""``client.conversations``: create, retrieve, update and delete conversations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .._converter import unstructure_body
from .._params import NOT_GIVEN, NotGiven, check_items, check_metadata

# Imported at runtime so that typing.get_type_hints() resolves every annotation, for Sphinx and
# the blocking facade; the resources need the request engine only, never _client.
from .._requester import Requester, Timeout
from .._wire import build_path
from ..models import Conversation, ConversationDeletedResource, InputItem
from ..types import InputItemParam
from . import RawMethod, RawView, StreamMethod, structurer
from .items import AsyncItems, AsyncItemsWithRawResponse, AsyncItemsWithStreamingResponse

__all__ = [
    "AsyncConversations",
    "AsyncConversationsWithRawResponse",
    "AsyncConversationsWithStreamingResponse",
]

# Built once: a structurer depends only on its class, and a closure per call costs ~0.3 µs.
_TO_CONVERSATION = structurer(Conversation)
_CONVERSATIONS_PATH = build_path("conversations")


def _conversation_path(conversation_id: str) -> str:
    return build_path("conversations", ("conversation_id", conversation_id))


class AsyncConversations:
    """The conversations resource of an :class:`AsyncClient` (``client.conversations``)."""

    def __init__(self, client: Requester) -> None:
        self._client = client
        self._items: AsyncItems | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    @property
    def items(self) -> AsyncItems:
        """The items of conversations (``client.conversations.items``)."""
        if self._items is None:
            self._items = AsyncItems(self._client)
        return self._items

    @property
    def with_raw_response(self) -> AsyncConversationsWithRawResponse:
        """The same methods, each returning a :class:`RawResponse` (status, headers, request id)."""
        return AsyncConversationsWithRawResponse(self)

    @property
    def with_streaming_response(self) -> AsyncConversationsWithStreamingResponse:
        """The same methods, each a context manager giving the response before its body is read.

        ``async with client.conversations.with_streaming_response.retrieve(cid) as response:``
        """
        return AsyncConversationsWithStreamingResponse(self)

    async def create(
        self,
        *,
        items: Iterable[InputItemParam | InputItem] | NotGiven | None = NOT_GIVEN,
        metadata: Mapping[str, str] | NotGiven | None = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        idempotency_key: str | NotGiven = NOT_GIVEN,
        strict: bool | NotGiven = NOT_GIVEN,
    ) -> Conversation:
        """Create a conversation, optionally with its first items.

        Args:
            items: Up to 20 items to start the conversation with (models, or dicts shaped as ``InputItemParam``).
            metadata: Up to 16 key-value pairs; keys at most 64 characters, values at most 512.
            extra_headers: Headers sent with this call, overriding the client's.
            extra_query: Query parameters added to this call.
            extra_body: JSON fields added to (or overriding) the request body.
            timeout: This call's per-attempt timeout, instead of the client's.
            max_retries: This call's number of retries, instead of the client's.
            idempotency_key: The ``Idempotency-Key`` of this call (generated when not given); every
                retry sends the same one.
            strict: Raise for a response that does not match the spec (this call only).

        Returns:
            The new conversation.

        Raises:
            InvalidRequestError: An argument breaks a limit (nothing was sent).
            APIStatusError: The API refused the request (a subclass names the status).
            APIConnectionError: No response, after retries.
        """
        if not isinstance(items, NotGiven) and items is not None:
            items = check_items(items, required=False)  # type: ignore[assignment]
        if not isinstance(metadata, NotGiven):
            check_metadata(metadata)
        body: dict[str, Any]
        if isinstance(items, NotGiven) and (metadata is None or type(metadata) is dict):
            # Checked above as str -> str: the converter would only copy it (~1.5 µs per call).
            body = {"metadata": metadata}
        else:
            body = unstructure_body({"items": items, "metadata": metadata})
        return await self._client._request(
            "POST",
            _CONVERSATIONS_PATH,
            body=body,
            cast=_TO_CONVERSATION,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            idempotency_key=idempotency_key,
            strict=strict,
        )

    async def retrieve(
        self,
        conversation_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        strict: bool | NotGiven = NOT_GIVEN,
    ) -> Conversation:
        """Get a conversation by ID.

        Args:
            conversation_id: The conversation's ID (``conv_...``).
            extra_headers: Headers sent with this call, overriding the client's.
            extra_query: Query parameters added to this call.
            extra_body: JSON fields sent as a body (rarely useful on a GET).
            timeout: This call's per-attempt timeout, instead of the client's.
            max_retries: This call's number of retries, instead of the client's.
            strict: Raise for a response that does not match the spec (this call only).

        Returns:
            The conversation.

        Raises:
            InvalidRequestError: The ID is empty or a dot segment (nothing was sent).
            NotFoundError: No such conversation.
            APIStatusError: The API refused the request.
            APIConnectionError: No response, after retries.
        """
        return await self._client._request(
            "GET",
            _conversation_path(conversation_id),
            cast=_TO_CONVERSATION,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            strict=strict,
        )

    async def update(
        self,
        conversation_id: str,
        *,
        metadata: Mapping[str, str] | None,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        idempotency_key: str | NotGiven = NOT_GIVEN,
        strict: bool | NotGiven = NOT_GIVEN,
    ) -> Conversation:
        """Replace a conversation's metadata.

        Args:
            conversation_id: The conversation's ID.
            metadata: The new metadata (up to 16 pairs; keys at most 64 characters, values at most
                512), or ``None`` to clear it.
            extra_headers: Headers sent with this call, overriding the client's.
            extra_query: Query parameters added to this call.
            extra_body: JSON fields added to (or overriding) the request body.
            timeout: This call's per-attempt timeout, instead of the client's.
            max_retries: This call's number of retries, instead of the client's.
            idempotency_key: The ``Idempotency-Key`` of this call (generated when not given).
            strict: Raise for a response that does not match the spec (this call only).

        Returns:
            The updated conversation.

        Raises:
            InvalidRequestError: An argument breaks a limit (nothing was sent).
            NotFoundError: No such conversation.
            APIStatusError: The API refused the request.
            APIConnectionError: No response, after retries.
        """
        path = _conversation_path(conversation_id)  # an ID error first, as the path comes first
        check_metadata(metadata)
        return await self._client._request(
            "POST",
            path,
            body=unstructure_body({"metadata": metadata}),
            cast=_TO_CONVERSATION,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            idempotency_key=idempotency_key,
            strict=strict,
        )

    async def delete(
        self,
        conversation_id: str,
        *,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        idempotency_key: str | NotGiven = NOT_GIVEN,
        strict: bool | NotGiven = NOT_GIVEN,
    ) -> ConversationDeletedResource:
        """Delete a conversation (its items are not deleted by the API).

        Args:
            conversation_id: The conversation's ID.
            extra_headers: Headers sent with this call, overriding the client's.
            extra_query: Query parameters added to this call.
            extra_body: JSON fields sent as a body.
            timeout: This call's per-attempt timeout, instead of the client's.
            max_retries: This call's number of retries, instead of the client's.
            idempotency_key: The ``Idempotency-Key`` of this call (generated when not given).
            strict: Raise for a response that does not match the spec (this call only).

        Returns:
            The deletion receipt. A 204 answer without a body gives the receipt it stands for
            (``deleted=True``), with the missing body in its ``validation_issues``.

        Raises:
            InvalidRequestError: The ID is empty or a dot segment (nothing was sent).
            NotFoundError: No such conversation.
            APIStatusError: The API refused the request.
            APIConnectionError: No response, after retries.
        """
        return await self._client._request(
            "DELETE",
            _conversation_path(conversation_id),
            # A 204 without a body is success too: the receipt it stands for.
            cast=structurer(
                ConversationDeletedResource,
                lambda: {"object": "conversation.deleted", "deleted": True, "id": conversation_id},
            ),
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            idempotency_key=idempotency_key,
            strict=strict,
        )


class AsyncConversationsWithRawResponse(RawView[AsyncConversations]):
    """``client.conversations.with_raw_response``: each method returns a :class:`RawResponse`."""

    create = RawMethod(AsyncConversations.create)
    retrieve = RawMethod(AsyncConversations.retrieve)
    update = RawMethod(AsyncConversations.update)
    delete = RawMethod(AsyncConversations.delete)

    @property
    def items(self) -> AsyncItemsWithRawResponse:
        """``client.conversations.items`` returning :class:`RawResponse` objects."""
        return AsyncItemsWithRawResponse(self._resource.items)


class AsyncConversationsWithStreamingResponse(RawView[AsyncConversations]):
    """``client.conversations.with_streaming_response``: each method returns an async context
    manager giving an :class:`AsyncStreamedResponse`."""

    create = StreamMethod(AsyncConversations.create)
    retrieve = StreamMethod(AsyncConversations.retrieve)
    update = StreamMethod(AsyncConversations.update)
    delete = StreamMethod(AsyncConversations.delete)

    @property
    def items(self) -> AsyncItemsWithStreamingResponse:
        """``client.conversations.items`` returning streamed responses."""
        return AsyncItemsWithStreamingResponse(self._resource.items)


AsyncConversations.__module__ = "conversations_sdk"
