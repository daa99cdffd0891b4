"""``Pager``: the blocking twin of ``AsyncPager``, what the blocking ``items.list(...)`` returns.

A :class:`Pager` wraps the very ``AsyncPager`` the async side made and reads the page from it; it
fetches nothing itself: each fetch is the async pager's coroutine, run through the client's
:class:`~._runner.Runner`, one hop per page (never one per item). This module must not build
requests or parse pages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar, cast

from .._pagination import AsyncPager, page_items
from ..models import ConversationItemList, ValidationIssue

if TYPE_CHECKING:
    from .._pagination import PageInfo
    from ._runner import Runner

__all__ = ["Pager"]

_T = TypeVar("_T")


class Pager(Generic[_T]):
    """What the blocking ``items.list(...)`` returns: the first page, which also walks every item.

    ``for item in client.conversations.items.list(cid): ...`` walks every page, fetching the next
    one (``after=<last_id>``) only when the current one is used up. One page, never one item, crosses
    to the event loop at a time. The object is also the first page, as the official SDK's
    ``SyncConversationCursorPage`` is: ``data``, ``has_more``, ``first_id``, ``last_id``,
    ``request_id``, ``has_next_page()``, ``next_page_info()``, ``get_next_page()``, ``iter_pages()``.
    """

    __slots__ = ("_async", "_runner")

    def __init__(self, runner: Runner, async_pager: AsyncPager[_T]) -> None:
        self._runner = runner
        self._async = async_pager

    # -- the page (read from the async pager, which holds it) ---------------------------------

    @property
    def data(self) -> Sequence[_T]:
        """The items of this page."""
        return self._async.data

    @property
    def has_more(self) -> bool:
        """Whether the API has more items after this page."""
        return self._async.has_more

    @property
    def first_id(self) -> str:
        """The ID of this page's first item."""
        return self._async.first_id

    @property
    def last_id(self) -> str:
        """The ID of this page's last item, which is the cursor of the next page."""
        return self._async.last_id

    @property
    def object(self) -> str:
        """``"list"``."""
        return self._async.object

    @property
    def extra(self) -> Mapping[str, Any]:
        """Fields of the page that this SDK version does not know, kept as received."""
        return self._async.extra

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` of the response this page came from."""
        return self._async.request_id

    @property
    def _request_id(self) -> str | None:
        # The official SDK's spelling.
        return self.request_id

    @property
    def validation_issues(self) -> tuple[ValidationIssue, ...]:
        """Where this page's body did not match the spec, its items' issues included."""
        return self._async.validation_issues

    def has_next_page(self) -> bool:
        """Whether the API reported more items after this page (``has_more``)."""
        return self._async.has_next_page()

    def next_page_info(self) -> PageInfo | None:
        """Where a next page would start (``PageInfo(params={"after": <last_id>})``), or
        ``None`` without a cursor; :meth:`has_next_page` says whether there is one."""
        return self._async.next_page_info()

    def get_next_page(self) -> Pager[_T]:
        """Fetch the page after this one.

        Raises:
            RuntimeError: This is the last page (check :meth:`has_next_page` first).
            ResponseValidationError: The API reported more items but no usable cursor.
        """
        return Pager(self._runner, self._runner.run(self._async.get_next_page()))

    def iter_pages(self) -> Iterator[Pager[_T]]:
        """Yield this page, then each following page, as page objects (fetched lazily)."""
        for page in self._runner.iterate(self._async.iter_pages()):
            yield Pager(self._runner, page)

    def __aiter__(self) -> NoReturn:
        raise TypeError(
            "the blocking Client's items.list() is iterated with a plain `for item in ...`; "
            "`async for` is for conversations_sdk.AsyncClient"
        )

    def __iter__(self) -> Iterator[_T]:
        """Yield every item of every page, in the order the API returns them."""
        first = self._async._page
        if first is not None and not first.has_more:
            # The whole list was the page list() already fetched: no hop to the loop at all.
            yield from cast("list[_T]", page_items(first))
            return
        for page in self.pages():
            yield from cast("list[_T]", page_items(page))

    def pages(self) -> Iterator[ConversationItemList]:
        """Yield each page (``data``, ``first_id``, ``last_id``, ``has_more``), fetching lazily.

        Raises:
            APIError: As the async pager does, when fetching a page fails.
        """
        return self._runner.iterate(self._async.pages())

    def first_page(self) -> ConversationItemList:
        """This page as the plain model (fetched once, by ``list()``, and kept).

        Returns:
            The first page for ``list()``, or the page ``iter_pages()`` yielded.
        """
        page = self._async._page
        return page if page is not None else self._runner.run(self._async.first_page())

    def __repr__(self) -> str:
        return f"<conversations_sdk.Pager of {self._async!r}>"

    def _repr_html_(self) -> str | None:
        # Jupyter: the page renders as its model does (the items as a transcript).
        return self._async._repr_html_()


Pager.__module__ = "conversations_sdk"
