"""AsyncPager: walking every page, empty pages, stuck cursors, laziness and flat memory."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from conversations_sdk import AsyncClient, AsyncPager, ResponseValidationError
from conversations_sdk.models import ConversationItemList
from conversations_sdk.testing import MockRequest, MockResponse, MockTransport
from tests.conftest import BASE_URL


def page(ids: list[str], *, has_more: bool, last_id: str | None = None) -> ConversationItemList:
    """A page of minimal items (the pager only reads ids and cursors)."""
    return ConversationItemList(
        object="list",
        data=ids,  # type: ignore[arg-type]
        first_id=ids[0] if ids else "",
        last_id=last_id if last_id is not None else (ids[-1] if ids else ""),
        has_more=has_more,
    )


class FakeAPI:
    """Serves prepared pages keyed by cursor and records the cursors requested."""

    def __init__(self, pages: dict[str | None, ConversationItemList]) -> None:
        self.pages = pages
        self.cursors: list[str | None] = []

    async def fetch(self, cursor: str | None) -> ConversationItemList:
        self.cursors.append(cursor)
        return self.pages[cursor]


async def test_walks_every_page_with_after_last_id() -> None:
    """Iteration follows last_id while has_more is true, yielding every item once."""
    api = FakeAPI(
        {
            None: page(["a", "b"], has_more=True),
            "b": page(["c", "d"], has_more=True),
            "d": page(["e"], has_more=False),
        }
    )
    items = [item async for item in AsyncPager[str](api.fetch)]
    assert items == ["a", "b", "c", "d", "e"]
    assert api.cursors == [None, "b", "d"]


async def test_empty_page_with_more_continues() -> None:
    """An empty page that still says has_more with a new cursor does not end the walk."""
    api = FakeAPI(
        {
            None: page(["a"], has_more=True),
            "a": page([], has_more=True, last_id="gap"),
            "gap": page(["z"], has_more=False),
        }
    )
    assert [item async for item in AsyncPager[str](api.fetch)] == ["a", "z"]


@pytest.mark.parametrize(
    ("second", "fragment"),
    [
        pytest.param(page(["b"], has_more=True, last_id="a"), "the same cursor", id="stuck"),
        pytest.param(page([], has_more=True, last_id=""), "no cursor", id="missing"),
    ],
)
async def test_cursor_that_does_not_advance_is_an_error(
    second: ConversationItemList, fragment: str
) -> None:
    """has_more with a missing or repeated cursor raises instead of looping or stopping silently."""
    api = FakeAPI({None: page(["a"], has_more=True), "a": second})
    seen: list[str] = []

    async def walk() -> None:
        async for item in AsyncPager[str](api.fetch):
            seen.append(item)

    with pytest.raises(ResponseValidationError, match=fragment):
        await walk()
    assert seen == ["a", *second.data]
    assert len(api.cursors) == 2


async def test_pages_and_await_first_page() -> None:
    """pages() yields page models; awaiting the pager fetches the first page, once."""
    api = FakeAPI({"x": page(["a"], has_more=True), "a": page(["b"], has_more=False)})
    pager = AsyncPager[str](api.fetch, after="x")
    first = await pager
    assert first is pager  # the pager, now also its first page
    assert list[Any](first.data) == ["a"]
    assert api.cursors == ["x"]
    pages = [p async for p in pager.pages()]
    assert [list[Any](p.data) for p in pages] == [["a"], ["b"]]
    # The first page is the pager's own: walking the pages does not fetch it again.
    assert api.cursors == ["x", "a"]
    assert [item async for item in pager] == ["a", "b"]
    assert api.cursors == ["x", "a", "a"]


async def test_memory_stays_flat_over_100k_items() -> None:
    """Walking 100,000 items holds one page at a time, not the whole history."""
    per_page, pages = 100, 1000

    async def fetch(cursor: str | None) -> ConversationItemList:
        start = 0 if cursor is None else int(cursor) + 1
        ids = [f"{n:08d}" for n in range(start, start + per_page)]
        return page(ids, has_more=start + per_page < per_page * pages)

    count = 0
    tracemalloc.start()
    try:
        async for _ in AsyncPager[str](fetch):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == per_page * pages
    # 100k ids alone would take several MB; one page is a few KB.
    assert peak < 1_000_000, peak


async def test_items_list_is_lazy_and_walks_over_http() -> None:
    """items.list sends nothing until used, then requests after=<last_id> with the same filters."""
    message = {"type": "message", "id": "", "status": "completed", "role": "user", "content": []}

    def body(ids: list[str], has_more: bool) -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{**message, "id": i} for i in ids],
            "first_id": ids[0],
            "last_id": ids[-1],
            "has_more": has_more,
        }

    def handler(request: MockRequest) -> MockResponse:
        assert request.path == "/v1/conversations/conv_1/items"
        if "after" not in request.params:
            return MockResponse(200, json=body(["m1", "m2"], True))
        return MockResponse(200, json=body(["m3"], False))

    transport = MockTransport(handler)
    async with AsyncClient(api_key="sk-test", base_url=BASE_URL, transport=transport) as client:
        pager = client.conversations.items.list("conv_1", limit=2, order="asc")
        assert not transport.requests
        ids = [item.id async for item in pager]
    assert ids == ["m1", "m2", "m3"]
    assert [r.params for r in transport.requests] == [
        {"limit": "2", "order": "asc"},
        {"after": "m2", "limit": "2", "order": "asc"},
    ]


async def test_concurrent_awaits_fetch_the_first_page_once() -> None:
    """Two tasks awaiting one pager at the same moment share one request for the first page."""
    import asyncio

    started = asyncio.Event()
    release = asyncio.Event()
    cursors: list[str | None] = []

    async def fetch(cursor: str | None) -> ConversationItemList:
        cursors.append(cursor)
        started.set()
        await release.wait()
        return page(["a"], has_more=False)

    pager = AsyncPager[str](fetch)
    first = asyncio.ensure_future(pager.first_page())
    second = asyncio.ensure_future(pager.first_page())
    await started.wait()
    release.set()
    assert (await first) is (await second)
    assert cursors == [None]
