"""``client.conversations.items``: add, list, retrieve and delete the items of a conversation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, cast

from .._converter import unstructure_body
from .._pagination import AsyncPager, page_structurer
from .._params import (
    NOT_GIVEN,
    Include,
    NotGiven,
    check_after,
    check_include,
    check_items,
    check_limit,
    check_order,
)

# Imported at runtime so that typing.get_type_hints() resolves every annotation, for Sphinx and
# the blocking facade; the resources need the request engine only, never _client.
from .._requester import Requester, Timeout
from .._wire import build_path
from ..models import Conversation, ConversationItem, ConversationItemList, InputItem
from ..types import InputItemParam
from . import RawMethod, RawPagerMethod, RawView, StreamMethod, StreamPagerMethod, structurer

__all__ = ["AsyncItems", "AsyncItemsWithRawResponse", "AsyncItemsWithStreamingResponse", "Include"]

# Built once: a structurer depends only on its class, and a closure per call costs ~0.3 µs.
_TO_PAGE = structurer(ConversationItemList)
_TO_ITEM: Callable[[Any, str | None, bool], ConversationItem] = structurer(
    cast(Any, ConversationItem)
)


def _items_path(conversation_id: str) -> str:
    return build_path("conversations", ("conversation_id", conversation_id), "items")


def _item_path(conversation_id: str, item_id: str) -> str:
    return build_path(
        "conversations", ("conversation_id", conversation_id), "items", ("item_id", item_id)
    )


def _include_query(include: Sequence[str] | NotGiven) -> list[tuple[str, object]]:
    if isinstance(include, NotGiven):
        return []
    # The API wants a repeated include[]= array; a plain include=a,b is rejected.
    return [("include[]", value) for value in check_include(include)]


class AsyncItems:
    """The items resource of an :class:`AsyncClient` (``client.conversations.items``)."""

    def __init__(self, client: Requester) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    @property
    def with_raw_response(self) -> AsyncItemsWithRawResponse:
        """The same methods, each returning a :class:`RawResponse` (status, headers, request id)."""
        return AsyncItemsWithRawResponse(self)

    @property
    def with_streaming_response(self) -> AsyncItemsWithStreamingResponse:
        """The same methods, each a context manager giving the response before its body is read."""
        return AsyncItemsWithStreamingResponse(self)

    async def create(
        self,
        conversation_id: str,
        *,
        items: Iterable[InputItemParam | InputItem],
        include: Sequence[Include] | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        idempotency_key: str | NotGiven = NOT_GIVEN,
        strict: bool | NotGiven = NOT_GIVEN,
    ) -> ConversationItemList:
        """Add items to a conversation.

        Args:
            conversation_id: The conversation to add to.
            items: 1 to 20 items (models, or dicts shaped as ``InputItemParam``).
            include: Extra output to include in the returned items (the spec's ``IncludeEnum``).
            extra_headers: Headers sent with this call, overriding the client's.
            extra_query: Query parameters added to this call.
            extra_body: JSON fields added to (or overriding) the request body.
            timeout: This call's per-attempt timeout, instead of the client's.
            max_retries: This call's number of retries, instead of the client's.
            idempotency_key: The ``Idempotency-Key`` of this call (generated when not given); every
                retry sends the same one, so a retried call never adds the items twice.
            strict: Raise for a response that does not match the spec (this call only).

        Returns:
            The added items, as a list page.

        Raises:
            InvalidRequestError: An argument breaks a limit (nothing was sent).
            NotFoundError: No such conversation.
            APIStatusError: The API refused the request.
            APIConnectionError: No response, after retries.
        """
        path = _items_path(conversation_id)
        checked = check_items(items)
        query = _include_query(include)
        return await self._client._request(
            "POST",
            path,
            query=query,
            body=unstructure_body({"items": checked}),
            cast=_TO_PAGE,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            idempotency_key=idempotency_key,
            strict=strict,
        )

    def list(
        self,
        conversation_id: str,
        *,
        after: str | NotGiven = NOT_GIVEN,
        include: Sequence[Include] | NotGiven = NOT_GIVEN,
        limit: int | NotGiven = NOT_GIVEN,
        order: Literal["asc", "desc"] | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        strict: bool | NotGiven = NOT_GIVEN,
    ) -> AsyncPager[ConversationItem]:
        """List a conversation's items, page by page (nothing is sent until the pager is used).

        ``async for item in items.list(cid)`` walks every page; ``.pages()`` yields pages;
        ``await items.list(cid)`` returns the first page.

        Args:
            conversation_id: The conversation to list.
            after: Start after this item ID.
            include: Extra output to include in the items (the spec's ``IncludeEnum``).
            limit: Items per page, 1 to 100 (the API's default is 20).
            order: ``"asc"`` (oldest first) or ``"desc"`` (newest first, the API's default).
            extra_headers: Headers sent with each page request, overriding the client's.
            extra_query: Query parameters added to each page request.
            extra_body: JSON fields sent as a body.
            timeout: The per-attempt timeout of each page request.
            max_retries: The number of retries of each page request.
            strict: Raise for a response that does not match the spec (this call only).

        Returns:
            A pager over the items.

        Raises:
            InvalidRequestError: An argument breaks a limit; raised here, before any request.
        """
        path = _items_path(conversation_id)
        first_after = None if isinstance(after, NotGiven) else check_after(after)
        query: list[tuple[str, object]] = []
        if not isinstance(limit, NotGiven):
            check_limit(limit)
            query.append(("limit", limit))
        if not isinstance(order, NotGiven):
            check_order(order)
            query.append(("order", order))
        query.extend(_include_query(include))
        client = self._client
        # The limit the server is asked for (a caller's extra_query wins, as it is what is sent).
        sent_limit = (extra_query or {}).get(
            "limit", None if isinstance(limit, NotGiven) else limit
        )
        to_page = page_structurer(_TO_PAGE, sent_limit)

        async def fetch(cursor: str | None) -> ConversationItemList:
            page_query = query if cursor is None else [("after", cursor), *query]
            return await client._request(
                "GET",
                path,
                query=page_query,
                cast=to_page,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
                timeout=timeout,
                max_retries=max_retries,
                strict=strict,
            )

        return AsyncPager(fetch, after=first_after)

    async def retrieve(
        self,
        item_id: str,
        *,
        conversation_id: str,
        include: Sequence[Include] | NotGiven = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        strict: bool | NotGiven = NOT_GIVEN,
    ) -> ConversationItem:
        """Get one item of a conversation.

        Args:
            item_id: The item's ID.
            conversation_id: The conversation that holds it.
            include: Extra output to include in the item (the spec's ``IncludeEnum``).
            extra_headers: Headers sent with this call, overriding the client's.
            extra_query: Query parameters added to this call.
            extra_body: JSON fields sent as a body.
            timeout: This call's per-attempt timeout, instead of the client's.
            max_retries: This call's number of retries, instead of the client's.
            strict: Raise for a response that does not match the spec (this call only).

        Returns:
            The item (``UnknownItem`` for a type this SDK version does not know).

        Raises:
            InvalidRequestError: An ID is empty or a dot segment (nothing was sent).
            NotFoundError: No such conversation or item.
            APIStatusError: The API refused the request.
            APIConnectionError: No response, after retries.
        """
        return await self._client._request(
            "GET",
            _item_path(conversation_id, item_id),
            query=_include_query(include),
            cast=_TO_ITEM,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            strict=strict,
        )

    async def delete(
        self,
        item_id: str,
        *,
        conversation_id: str,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        idempotency_key: str | NotGiven = NOT_GIVEN,
        strict: bool | NotGiven = NOT_GIVEN,
    ) -> Conversation:
        """Delete one item of a conversation.

        Args:
            item_id: The item's ID.
            conversation_id: The conversation that holds it.
            extra_headers: Headers sent with this call, overriding the client's.
            extra_query: Query parameters added to this call.
            extra_body: JSON fields sent as a body.
            timeout: This call's per-attempt timeout, instead of the client's.
            max_retries: This call's number of retries, instead of the client's.
            idempotency_key: The ``Idempotency-Key`` of this call (generated when not given).
            strict: Raise for a response that does not match the spec (this call only).

        Returns:
            The parent conversation, as the API returns it. A 204 answer without a body gives a
            conversation of which only ``id`` is known, with the missing body (and fields) in its
            ``validation_issues``.

        Raises:
            InvalidRequestError: An ID is empty or a dot segment (nothing was sent).
            NotFoundError: No such conversation or item.
            APIStatusError: The API refused the request.
            APIConnectionError: No response, after retries.
        """
        return await self._client._request(
            "DELETE",
            _item_path(conversation_id, item_id),
            # A 204 without a body is success too: the conversation, of which only the ID is known.
            cast=structurer(
                Conversation, lambda: {"id": conversation_id, "object": "conversation"}
            ),
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            max_retries=max_retries,
            idempotency_key=idempotency_key,
            strict=strict,
        )


class AsyncItemsWithRawResponse(RawView[AsyncItems]):
    """``client.conversations.items.with_raw_response``: each method returns a
    :class:`RawResponse`; ``list`` returns the first page's."""

    create = RawMethod(AsyncItems.create)
    list = RawPagerMethod(AsyncItems.list)
    retrieve = RawMethod(AsyncItems.retrieve)
    delete = RawMethod(AsyncItems.delete)


class AsyncItemsWithStreamingResponse(RawView[AsyncItems]):
    """``client.conversations.items.with_streaming_response``: each method returns an async
    context manager giving an :class:`AsyncStreamedResponse`; ``list`` streams the first page."""

    create = StreamMethod(AsyncItems.create)
    list = StreamPagerMethod(AsyncItems.list)
    retrieve = StreamMethod(AsyncItems.retrieve)
    delete = StreamMethod(AsyncItems.delete)


AsyncItems.__module__ = "conversations_sdk"
