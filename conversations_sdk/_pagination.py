"""Cursor pagination: :class:`AsyncPager` walks ``items.list`` page by page with ``after=<last_id>``.

Only the current page is held in memory, so walking a conversation of any length stays flat. A page
that claims more history but whose cursor is missing, does not advance or repeats any earlier cursor
of the walk ends it with an error: silently stopping would lose history, and looping would never end.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping, Sequence
from typing import Any, Generic, NoReturn, TypeVar, cast

import attrs

from ._errors import ResponseValidationError
from .models import ConversationItemList, ValidationIssue

__all__ = ["AsyncPager", "PageInfo", "page_items", "page_structurer"]

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


@attrs.frozen
class PageInfo:
    """Where the next page starts: ``params={"after": <last_id>}`` (the official SDK's shape)."""

    params: Mapping[str, object]


PageInfo.__module__ = "conversations_sdk"


#: The spec's largest ``limit``: the bound of a page when the caller did not ask for one.
MAX_PAGE_LIMIT = 100


def page_structurer(
    structure: Callable[[Any, str | None, bool], ConversationItemList], limit: object
) -> Callable[[Any, str | None, bool], ConversationItemList]:
    """Wrap a page structurer so a page with more items than ``limit`` is refused unstructured.

    Structuring costs several times the memory of the decoded JSON (tiny items: ~20x the body's
    bytes in all); a page can never legitimately hold more than the requested ``limit``, so a
    longer one is refused before a single item is built.

    Args:
        structure: Turns the decoded JSON, the request id and the strictness into a page.
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

    def checked(body: Any, request_id: str | None, strict: bool) -> ConversationItemList:
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, list) and len(data) > bound:
            raise ResponseValidationError(
                f"The API returned a page of {len(data)} items for limit={bound}; refusing it "
                "before structuring (a page never holds more items than the requested limit)",
                body={"items": len(data), "limit": bound, "has_more": body.get("has_more")},
                request_id=request_id,
            )
        return structure(body, request_id, strict)

    return checked


class AsyncPager(Generic[_T]):
    """The result of ``items.list(...)``: iterate it, walk its pages, or await its first page.

    Nothing is requested until the pager is used. The first page is fetched once, whichever way
    the pager is used, and kept; the pages after it are fetched as iteration reaches them::

        async for item in client.conversations.items.list(conversation_id):
            ...
        page = await client.conversations.items.list(conversation_id, limit=10)
        page.data, page.has_more, page.last_id, page.has_next_page()
        async for page in page.iter_pages():
            ...

    ``await`` gives the pager itself with its first page loaded: it is then also that page
    (``data``, ``has_more``, ``first_id``, ``last_id``, ``request_id``) as the official SDK's
    ``AsyncConversationCursorPage`` is, with ``has_next_page()``, ``next_page_info()``,
    ``await get_next_page()`` and ``iter_pages()``.
    """

    def __init__(
        self,
        fetch: PageFetcher,
        *,
        after: str | None = None,
        page: ConversationItemList | None = None,
    ) -> None:
        self._fetch = fetch
        self._after = after
        self._page = page
        # Made on the first fetch: two tasks awaiting one pager at once still fetch page one once.
        self._lock: asyncio.Lock | None = None

    def __repr__(self) -> str:
        page = self._page
        if page is None:
            return f"<{type(self).__name__} after={self._after!r} (not fetched yet)>"
        return (
            f"<{type(self).__name__} after={self._after!r} items={len(page.data)} "
            f"has_more={page.has_more!r} last_id={page.last_id!r}>"
        )

    def __await__(self) -> Generator[Any, None, AsyncPager[_T]]:
        """Fetch the first page (once) and return this pager, now also that page."""
        return self._load().__await__()

    async def _load(self) -> AsyncPager[_T]:
        await self._first()
        return self

    async def _first(self) -> ConversationItemList:
        page = self._page
        if page is not None:
            return page
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            page = self._page
            if page is None:
                page = self._page = await self._fetch(self._after)
        return page

    def _repr_html_(self) -> str | None:
        # Jupyter: a fetched page renders as its model does (the items as a transcript).
        page = self._page
        return None if page is None else page._repr_html_()

    async def first_page(self) -> ConversationItemList:
        """This page as the plain model (fetched once, then kept), like the blocking twin's.

        Returns:
            The first page of the call, or the page ``iter_pages()``/``get_next_page()`` gave.
        """
        return await self._first()

    def _with_first_page(self, page: ConversationItemList) -> AsyncPager[_T]:
        # with_streaming_response.list: the page was fetched (and parsed) by the caller.
        self._page = page
        return self

    # -- the page --------------------------------------------------------------------------------

    def _loaded(self, name: str) -> ConversationItemList:
        page = self._page
        if page is None:
            _not_fetched(name)
        return page

    @property
    def data(self) -> Sequence[_T]:
        """The items of this page."""
        return cast("Sequence[_T]", self._loaded("data").data)

    @property
    def has_more(self) -> bool:
        """Whether the API has more items after this page."""
        return self._loaded("has_more").has_more

    @property
    def first_id(self) -> str:
        """The ID of this page's first item."""
        return self._loaded("first_id").first_id

    @property
    def last_id(self) -> str:
        """The ID of this page's last item, which is the cursor of the next page."""
        return self._loaded("last_id").last_id

    @property
    def object(self) -> str:
        """``"list"``."""
        return self._loaded("object").object

    @property
    def extra(self) -> Mapping[str, Any]:
        """Fields of the page that this SDK version does not know, kept as received."""
        return self._loaded("extra").extra

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` of the response this page came from."""
        return self._loaded("request_id").request_id

    @property
    def _request_id(self) -> str | None:
        # The official SDK's spelling of request_id on its models and pages.
        return self._loaded("_request_id").request_id

    @property
    def validation_issues(self) -> tuple[ValidationIssue, ...]:
        """Where this page's body did not match the spec, its items' issues included."""
        return self._loaded("validation_issues").validation_issues

    def has_next_page(self) -> bool:
        """Whether the API reported more items after this page (``has_more``)."""
        return bool(self._loaded("has_next_page()").has_more)

    def next_page_info(self) -> PageInfo | None:
        """Where a next page would start (``after=<last_id>``), or ``None`` without a cursor.

        As in the official SDK, this reads only the cursor; :meth:`has_next_page` says whether
        the API reported more items.
        """
        page = self._loaded("next_page_info()")
        if not page.last_id:
            return None
        return PageInfo(params={"after": page.last_id})

    async def get_next_page(self) -> AsyncPager[_T]:
        """Fetch the page after this one.

        Returns:
            The next page (a pager positioned there, with that page loaded).

        Raises:
            RuntimeError: This is the last page (check :meth:`has_next_page` first).
            ResponseValidationError: The API reported more items but no usable cursor.
        """
        page = await self._first()
        if not page.has_more:
            raise RuntimeError(
                "No next page expected; please check `.has_next_page()` before calling "
                "`.get_next_page()`."
            )
        following = page.last_id or None
        if following is None or following == self._after:
            raise _broken_cursor(self._after, page, following)
        return AsyncPager(self._fetch, after=following, page=await self._fetch(following))

    async def iter_pages(self) -> AsyncIterator[AsyncPager[_T]]:
        """Yield this page, then each following page, as page objects (fetched lazily).

        Raises:
            ResponseValidationError: A page says ``has_more`` but its cursor is missing, did not
                advance, or is one this walk has already seen (a cycle).
        """
        page: AsyncPager[_T] = await self
        # Every cursor of this walk, as pages() keeps them: cycling cursors must not loop forever.
        seen: set[str | None] = {self._after}
        while True:
            yield page
            if not page.has_next_page():
                return
            following = page.last_id
            if following and following in seen:
                raise ResponseValidationError(
                    f"The API reported more items but returned cursor {following!r}, already "
                    "seen in this walk; stopping instead of looping",
                    body={"has_more": page.has_more, "last_id": following},
                    request_id=page.request_id,
                )
            seen.add(following)
            page = await page.get_next_page()

    def __iter__(self) -> NoReturn:
        raise TypeError(
            "the AsyncClient's items.list() is asynchronous: write `async for item in "
            "client.conversations.items.list(...)` (or use the blocking conversations_sdk.Client, "
            "whose list() works with a plain `for`)"
        )

    async def pages(self) -> AsyncIterator[ConversationItemList]:
        """Yield every page, following ``last_id`` while ``has_more`` is true.

        Yields:
            Each page in turn, including empty pages that still point further.

        Raises:
            ResponseValidationError: A page says ``has_more`` but its cursor is missing, not a
                string, did not advance, or is one this walk has already seen (a cycle), or
                ``has_more`` is not a boolean. (A page without ``has_more`` ends the walk; its
                ``validation_issues`` record that.)
            APIError: A page request failed (after its retries).
        """
        cursor = self._after
        first = True
        # Every cursor of this walk (one short string per page): a server whose cursors cycle
        # (A -> B -> A) would otherwise be paged for ever.
        seen: set[str | None] = {cursor}
        while True:
            # The first page is the pager's own (fetched once); the rest are fetched as reached.
            page = await (self._first() if first else self._fetch(cursor))
            first = False
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
            for item in page_items(page):
                yield cast("_T", item)

    def __aiter__(self) -> AsyncIterator[_T]:
        """Iterate over every item of every page, fetching pages as needed."""
        return self._items()


AsyncPager.__module__ = "conversations_sdk"


def _not_fetched(name: str) -> NoReturn:
    raise TypeError(
        f"the page is not fetched yet, so it has no `{name}`: await it first, as in "
        "`page = await client.conversations.items.list(...)`, or iterate every item with "
        "`async for item in client.conversations.items.list(...)`"
    )


def _broken_cursor(
    cursor: str | None, page: ConversationItemList, following: str | None
) -> ResponseValidationError:
    return ResponseValidationError(
        f"The API reported more items after cursor {cursor!r} but returned "
        f"{'no cursor' if following is None else 'the same cursor'}; stopping "
        "instead of looping or silently skipping the rest",
        body={"has_more": page.has_more, "last_id": page.last_id},
        request_id=getattr(page, "_request_id", None),
    )
