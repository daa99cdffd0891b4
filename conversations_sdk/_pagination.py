"""Cursor pagination: :class:`AsyncPager` walks ``items.list`` page by page with ``after=<last_id>``.

Only the current page is held in memory, so walking a conversation of any length stays flat. A page
that claims more history but whose cursor is missing, does not advance or repeats any earlier cursor
of the walk ends it with an error: silently stopping would lose history, and looping would never end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar, cast

from ._errors import ResponseValidationError
from .models import ConversationItemList

__all__ = ["AsyncPager", "page_structurer"]

_T = TypeVar("_T")

#: Fetches one page: the cursor (``None`` for the first page) in, the page out.
PageFetcher = Callable[[str | None], Awaitable[ConversationItemList]]


#: The spec's largest ``limit``: the bound of a page when the caller did not ask for one.
MAX_PAGE_LIMIT = 100


def page_structurer(
    structure: Callable[[Any, str | None], ConversationItemList], limit: object
) -> Callable[[Any, str | None], ConversationItemList]:
    """Wrap a page structurer so a page with more items than ``limit`` is refused unstructured.

    Structuring costs several times the memory of the decoded JSON (tiny items: ~20x the body's
    bytes in all); a page can never legitimately hold more than the requested ``limit``, so a
    longer one is refused before a single item is built.

    Args:
        structure: Turns the decoded JSON and the request id into a page.
        limit: The ``limit`` sent, an int or a string of digits (``None`` or anything else: the
            spec's maximum, 100).

    Returns:
        The checking structurer.
    """
    bound = MAX_PAGE_LIMIT
    if isinstance(limit, int) and not isinstance(limit, bool):
        bound = max(limit, 1)
    elif isinstance(limit, str) and limit.strip().isdigit():  # from extra_query
        bound = max(int(limit), 1)

    def checked(body: Any, request_id: str | None) -> ConversationItemList:
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, list) and len(data) > bound:
            raise ResponseValidationError(
                f"The API returned a page of {len(data)} items for limit={bound}; refusing it "
                "before structuring (a page never holds more items than the requested limit)",
                body={"items": len(data), "limit": bound, "has_more": body.get("has_more")},
                request_id=request_id,
            )
        return structure(body, request_id)

    return checked


class AsyncPager(Generic[_T]):
    """The result of ``items.list(...)``: iterate it, walk its pages, or await its first page.

    Nothing is requested until the pager is used, and each use starts again from the first page::

        async for item in client.conversations.items.list(conversation_id):
            ...
        async for page in client.conversations.items.list(conversation_id).pages():
            ...
        first_page = await client.conversations.items.list(conversation_id, limit=10)
    """

    def __init__(self, fetch: PageFetcher, *, after: str | None = None) -> None:
        self._fetch = fetch
        self._after = after

    def __repr__(self) -> str:
        return f"<{type(self).__name__} after={self._after!r}>"

    def __await__(self) -> Generator[Any, None, ConversationItemList]:
        """Fetch the first page only."""
        return self._fetch(self._after).__await__()

    async def pages(self) -> AsyncIterator[ConversationItemList]:
        """Yield every page, following ``last_id`` while ``has_more`` is true.

        Yields:
            Each page in turn, including empty pages that still point further.

        Raises:
            ResponseValidationError: A page says ``has_more`` but its cursor is missing, did not
                advance, or is one this walk has already seen (a cycle).
            APIError: A page request failed (after its retries).
        """
        cursor = self._after
        # Every cursor of this walk (one short string per page): a server whose cursors cycle
        # (A -> B -> A) would otherwise be paged for ever.
        seen: set[str | None] = {cursor}
        while True:
            page = await self._fetch(cursor)
            yield page
            if not page.has_more:
                return
            following = page.last_id or None
            if following is None or following in seen:
                what = (
                    "no cursor"
                    if following is None
                    else "the same cursor"
                    if following == cursor
                    else f"cursor {following!r}, already seen in this walk"
                )
                raise ResponseValidationError(
                    f"The API reported more items after cursor {cursor!r} but returned "
                    f"{what}; stopping instead of looping or silently skipping the rest",
                    body={"has_more": page.has_more, "last_id": page.last_id},
                    request_id=getattr(page, "_request_id", None),
                )
            seen.add(following)
            cursor = following

    async def _items(self) -> AsyncIterator[_T]:
        async for page in self.pages():
            for item in page.data:
                yield cast("_T", item)

    def __aiter__(self) -> AsyncIterator[_T]:
        """Iterate over every item of every page, fetching pages as needed."""
        return self._items()


AsyncPager.__module__ = "conversations_sdk"
