"""Cursor pagination: :class:`AsyncPager` walks ``items.list`` page by page with ``after=<last_id>``.

Only the current page is held in memory, so walking a conversation of any length stays flat. A page
that claims more history but whose cursor is missing or does not advance ends the walk with an
error: silently stopping would lose history, and looping would never end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from typing import Any, Generic, TypeVar, cast

from ._errors import ResponseValidationError
from .models import ConversationItemList

__all__ = ["AsyncPager", "page_items"]

_T = TypeVar("_T")

#: Fetches one page: the cursor (``None`` for the first page) in, the page out.
PageFetcher = Callable[[str | None], Awaitable[ConversationItemList]]


def page_items(page: ConversationItemList) -> list[Any]:
    """The items of a page, for iteration.

    Raises:
        ResponseValidationError: The page's ``data`` is not an array (read leniently, it is kept
            as sent), so there are no items to iterate.
    """
    data: object = page.data
    if data is None:  # read leniently: a page without data has no items
        return []
    if not isinstance(data, list):
        raise ResponseValidationError(
            f"The API sent a page whose data is {type(data).__name__}, not an array; "
            "its items cannot be read",
            body={"data": data, "has_more": page.has_more, "last_id": page.last_id},
            request_id=getattr(page, "_request_id", None),
        )
    return data


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
            ResponseValidationError: A page says ``has_more`` but its cursor is missing, not a
                string or did not advance, or ``has_more`` is not a boolean. (A page without
                ``has_more`` ends the walk; its ``validation_issues`` record that.)
            APIError: A page request failed (after its retries).
        """
        cursor = self._after
        while True:
            page = await self._fetch(cursor)
            yield page
            has_more: object = page.has_more
            if has_more is None:
                # Read leniently, a page without has_more ends the walk; its
                # validation_issues (and a warning) say has_more was missing.
                return
            if type(has_more) is not bool:
                raise ResponseValidationError(
                    f"The API sent has_more as {type(has_more).__name__}, not a boolean, after "
                    f"cursor {cursor!r}; stopping rather than guessing whether more items exist",
                    body={"has_more": has_more, "last_id": page.last_id},
                    request_id=getattr(page, "_request_id", None),
                )
            if not has_more:
                return
            last_id: object = page.last_id
            following = last_id if isinstance(last_id, str) and last_id else None
            if following is None or following == cursor:
                raise ResponseValidationError(
                    f"The API reported more items after cursor {cursor!r} but returned "
                    f"{'no cursor' if following is None else 'the same cursor'}; stopping "
                    "instead of looping or silently skipping the rest",
                    body={"has_more": page.has_more, "last_id": page.last_id},
                    request_id=getattr(page, "_request_id", None),
                )
            cursor = following

    async def _items(self) -> AsyncIterator[_T]:
        async for page in self.pages():
            for item in page_items(page):
                yield cast("_T", item)

    def __aiter__(self) -> AsyncIterator[_T]:
        """Iterate over every item of every page, fetching pages as needed."""
        return self._items()


AsyncPager.__module__ = "conversations_sdk"
