"""The inspector's Responses section: stored responses, one response's page, and the responses
listed on a conversation's page, fetched over loopback after writes through the API."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from conversations_sdk.emulator import Emulator
from tests._support.inspector import EVIL, Page, assert_nothing_injected, fetch, post_json

CSP = "default-src 'none'; style-src 'self'"
KEY = "sk-inspector-responses-canary-51aa"


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


def _home(emulator: Emulator) -> str:
    assert emulator.inspector_url is not None
    return emulator.inspector_url


def _list_url(emulator: Emulator, query: str = "") -> str:
    return f"{_home(emulator)}inspector/responses{query}"


def _response_url(emulator: Emulator, response_id: str) -> str:
    return f"{_home(emulator)}inspector/responses/{response_id}"


def _root(emulator: Emulator) -> str:
    return _home(emulator).rstrip("/")


async def _conversation(session: aiohttp.ClientSession, emulator: Emulator) -> str:
    created = await post_json(session, emulator.base_url + "/conversations", {})
    return str(created["id"])


async def _respond(
    session: aiohttp.ClientSession, emulator: Emulator, text: str = "hello", **fields: Any
) -> dict[str, Any]:
    body = {"model": "gpt-test", "input": text, **fields}
    response: dict[str, Any] = await post_json(session, emulator.base_url + "/responses", body)
    return response


def _listed(page: Page) -> list[str]:
    return [e.text for e in page.dom.find("a") if e.text.startswith("resp_")]


def _usage_text(usage: dict[str, int]) -> str:
    return (
        f"{usage['input_tokens']:,} in · {usage['output_tokens']:,} out · "
        f"{usage['total_tokens']:,} total"
    )


# --- the list --------------------------------------------------------------------------------


async def test_response_list_shows_stored_responses_newest_first(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """Newest first: id (a link), UTC time and how long ago, status, model, the conversation
    (a link to its page), usage; a response kept with store=false is not there."""
    conversation_id = await _conversation(session, emulator)
    first = await _respond(session, emulator, "one", conversation=conversation_id)
    second = await _respond(session, emulator, "two", model="gpt-other")
    await _respond(session, emulator, "not kept", store=False)
    page = await fetch(session, _list_url(emulator))
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert _listed(page) == [second["id"], first["id"]]
    assert "2 stored responses" in page.dom.text
    rows = page.dom.find("tr")[1:]
    newest, oldest = rows
    assert "gpt-other" in newest.text
    assert "none" in newest.text  # no conversation
    assert "completed" in newest.text
    assert "UTC" in newest.text
    assert "just now" in newest.text
    assert _usage_text(second["usage"]) in newest.text
    assert conversation_id in oldest.text
    assert page.dom.find("a", href=f"/inspector/conversations/{conversation_id}")
    assert page.dom.find("a", href=f"/inspector/responses/{first['id']}")
    # The navigation bar names the section this page belongs to.
    assert [e.text for e in page.dom.find("a", **{"aria-current": "page"})] == ["Responses"]


async def test_response_list_is_empty_and_says_how_to_fill_it(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """A fresh emulator says there is no stored response and how one is made."""
    page = await fetch(session, _list_url(emulator))
    assert page.status == 200
    assert "No stored responses yet" in page.dom.text
    assert "POST /v1/responses" in page.dom.text


async def test_response_list_pages_cover_every_response_once(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """Following "Older" visits each response once, newest first; "Newer" comes back."""
    created = [(await _respond(session, emulator, f"turn {n}"))["id"] for n in range(7)]
    url = _list_url(emulator, "?limit=3")
    pages: list[list[str]] = []
    while True:
        page = await fetch(session, url)
        pages.append(_listed(page))
        older = page.dom.links("Older →")
        if not older:
            break
        url = _root(emulator) + older[0]
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in p] == created[::-1]
    back = await fetch(session, _root(emulator) + page.dom.links("← Newer")[0])
    assert _listed(back) == pages[1]
    assert back.dom.links("Newest") == ["/inspector/responses?limit=3"]


async def test_response_list_filters_by_conversation(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """?conversation= keeps the responses that wrote to it, across pages, and says so."""
    ours, theirs = await _conversation(session, emulator), await _conversation(session, emulator)
    mine = []
    for n in range(5):
        mine.append((await _respond(session, emulator, f"a{n}", conversation=ours))["id"])
        await _respond(session, emulator, f"b{n}", conversation=theirs)
    await _respond(session, emulator, "alone")
    seen: list[str] = []
    url = _list_url(emulator, f"?conversation={ours}&limit=2")
    while True:
        page = await fetch(session, url)
        seen += _listed(page)
        assert "5 stored responses that wrote to this conversation" in page.dom.text
        older = page.dom.links("Older →")
        if not older:
            break
        assert f"conversation={ours}" in older[0]
        url = _root(emulator) + older[0]
    assert seen == mine[::-1]
    assert page.dom.find("input", name="conversation", value=ours)
    none = await fetch(session, _list_url(emulator, "?conversation=conv_nothing"))
    assert none.status == 200
    assert "No stored response wrote to this conversation." in none.dom.text


@pytest.mark.parametrize(
    "query",
    [
        "?limit=0",
        "?limit=501",
        "?before=1.2",
        "?after=-3",
        "?before=1&after=2",
        "?before=x",
        "?conversation=" + "c" * 600,
    ],
)
async def test_bad_response_list_parameters_are_400_pages(
    emulator: Emulator, session: aiohttp.ClientSession, query: str
) -> None:
    """A parameter the list cannot use is a 400 page, never a 500."""
    page = await fetch(session, _list_url(emulator, query))
    assert page.status == 400
    assert page.headers["Content-Security-Policy"].startswith(CSP)


# --- one response ----------------------------------------------------------------------------


async def test_response_page_shows_its_fields_items_and_json() -> None:
    """Its fields, the input items and the output items as a transcript (a scripted tool call
    included), a JSON toggle equal to what GET /v1/responses/{id} returns, and its conversation."""
    script = [
        {
            "output": [
                "Let me check.",
                {"function_call": {"name": "get_weather", "arguments": {"city": "Paris"}}},
            ]
        }
    ]
    async with Emulator(script=script) as emulator, aiohttp.ClientSession() as session:
        conversation_id = await _conversation(session, emulator)
        response = await _respond(
            session,
            emulator,
            conversation=conversation_id,
            instructions="Answer briefly.",
            metadata={"case": "weather"},
            input=[
                {"role": "developer", "content": "Use tools."},
                {"role": "user", "content": "What is the weather in Paris?"},
            ],
        )
        async with session.get(f"{emulator.base_url}/responses/{response['id']}") as api:
            retrieved = await api.json()
        async with session.get(
            f"{emulator.base_url}/responses/{response['id']}/input_items?order=asc"
        ) as api:
            input_items = (await api.json())["data"]
        page = await fetch(session, _response_url(emulator, response["id"]))
    assert page.status == 200
    dom = page.dom
    assert dom.find("h1")[0].text == response["id"]
    fields = dom.find("div", class_="cs-conversation")[0].text
    for text in ("completed", "gpt-test", "UTC", "Answer briefly.", "case", "weather"):
        assert text in fields
    assert _usage_text(response["usage"]) in fields
    assert dom.find("a", href=f"/inspector/conversations/{conversation_id}")
    headings = [e.text for e in dom.find("h2")]
    assert headings == ["Input items (2)", "Output items (2)"]
    speakers = [e.text for e in dom.find("b", class_="cs-who")]
    assert speakers == ["developer", "user", "assistant", "tool call · function_call"]
    entries = [e.text for e in dom.find("div", class_="cs-entry")]
    assert "What is the weather in Paris?" in entries[1]
    assert "Let me check." in entries[2]
    assert 'get_weather({"city":"Paris"})' in entries[3].replace(" ", "")
    # Every item shown with the id the API gives it, each with its own JSON toggle.
    ids = [e.text for e in dom.find("span", class_="cs-id")]
    assert ids == [i["id"] for i in input_items] + [o["id"] for o in retrieved["output"]]
    assert len(dom.find("details", class_="cs-raw")) == 1 + 4
    whole = dom.find("details", class_="response-json")[0]
    raw = [p for p in dom.find("pre", class_="cs-json") if p.text.startswith('{\n  "id": "resp_')]
    assert "Response JSON" in whole.text
    assert json.loads(raw[0].text) == retrieved


async def test_a_response_without_a_conversation(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """No conversation: the page says none and links to no conversation; a chained response
    links to the response before it."""
    first = await _respond(session, emulator, "first")
    second = await _respond(session, emulator, "second", previous_response_id=first["id"])
    page = await fetch(session, _response_url(emulator, second["id"]))
    assert page.status == 200
    fields = dict(
        zip(
            [e.text for e in page.dom.find("th", class_="cs-th")],
            [e.text for e in page.dom.find("td")],
            strict=True,
        )
    )
    assert fields["conversation"] == "none"
    assert not [
        e for e in page.dom.find("a") if str(e.attrs.get("href")).startswith("/inspector/conv")
    ]
    assert page.dom.links(first["id"]) == [f"/inspector/responses/{first['id']}"]


async def test_a_deleted_response_disappears(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """After DELETE /v1/responses/{id} the response is in no list and its page is a 404."""
    conversation_id = await _conversation(session, emulator)
    kept = await _respond(session, emulator, "kept", conversation=conversation_id)
    gone = await _respond(session, emulator, "gone", conversation=conversation_id)
    async with session.delete(f"{emulator.base_url}/responses/{gone['id']}") as deleted:
        assert deleted.status == 200
    listing = await fetch(session, _list_url(emulator))
    assert _listed(listing) == [kept["id"]]
    conversation = await fetch(
        session, f"{_home(emulator)}inspector/conversations/{conversation_id}"
    )
    assert gone["id"] not in conversation.text
    assert "Responses that wrote to it (1)" in conversation.dom.text
    page = await fetch(session, _response_url(emulator, gone["id"]))
    assert page.status == 404
    assert gone["id"] in page.dom.text
    assert page.dom.links("All responses") == ["/inspector/responses"]


async def test_a_deleted_conversation_keeps_its_responses_without_a_link(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """Responses outlive their conversation (as in the API): its id is shown, marked deleted,
    and not linked to a page that no longer exists."""
    conversation_id = await _conversation(session, emulator)
    response = await _respond(session, emulator, conversation=conversation_id)
    async with session.delete(f"{emulator.base_url}/conversations/{conversation_id}") as deleted:
        assert deleted.status == 200
    for url in (_list_url(emulator), _response_url(emulator, response["id"])):
        page = await fetch(session, url)
        assert conversation_id in page.dom.text
        assert "(deleted)" in page.dom.text
        assert not page.dom.find("a", href=f"/inspector/conversations/{conversation_id}")


# --- on a conversation's page ----------------------------------------------------------------


async def test_conversation_page_lists_the_responses_that_wrote_to_it(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """The newest ten, each a link with its status and model, then a link to all of them; a
    conversation no response wrote to has no such list."""
    ours, quiet = await _conversation(session, emulator), await _conversation(session, emulator)
    turns = [
        (await _respond(session, emulator, f"t{n}", conversation=ours))["id"] for n in range(12)
    ]
    other = await _respond(session, emulator, "elsewhere")
    page = await fetch(session, f"{_home(emulator)}inspector/conversations/{ours}")
    assert page.status == 200
    section = page.dom.find("section", class_="wrote")[0]
    assert "Responses that wrote to it (12)" in section.text
    assert _listed(page) == turns[::-1][:10]
    assert other["id"] not in page.text
    assert "completed" in section.text
    assert "gpt-test" in section.text
    everything = page.dom.links("All 12 responses →")
    assert everything == [f"/inspector/responses?conversation={ours}"]
    full = await fetch(session, _root(emulator) + everything[0])
    assert _listed(full) == turns[::-1]
    # The transcript holds the turns' input and output items, in order.
    assert "t0" in page.dom.find("div", class_="cs-entry")[0].text
    silent = await fetch(session, f"{_home(emulator)}inspector/conversations/{quiet}")
    assert not silent.dom.find("section", class_="wrote")


async def test_a_background_response_shows_its_status_while_it_runs() -> None:
    """A background response still running is listed with its status (queued or in progress)."""
    async with (
        Emulator(script=[{"text": "later", "delay": 60}]) as emulator,
        aiohttp.ClientSession() as session,
    ):
        response = await _respond(session, emulator, background=True)
        page = await fetch(session, _list_url(emulator))
        detail = await fetch(session, _response_url(emulator, response["id"]))
    statuses = [e.text for e in page.dom.find("span", class_="status")]
    assert statuses in (["queued"], ["in_progress"])
    assert page.dom.find("span", class_=f"status-{statuses[0]}")
    assert "Output items (0)" in detail.dom.text


# --- safety ----------------------------------------------------------------------------------


async def test_stored_markup_in_responses_is_shown_as_text() -> None:
    """Scripts and handlers in a response's input, instructions, metadata, model name and output
    (text and tool call) stay text on every page, and in addresses a visitor typed."""
    script = [{"output": [EVIL, {"function_call": {"name": EVIL, "arguments": {EVIL: EVIL}}}]}]
    async with Emulator(script=script) as emulator, aiohttp.ClientSession() as session:
        conversation_id = await _conversation(session, emulator)
        response = await _respond(
            session,
            emulator,
            model=EVIL,
            instructions=EVIL,
            metadata={EVIL: EVIL},
            conversation=conversation_id,
            input=[
                {"role": "user", "content": EVIL},
                {"type": "function_call_output", "call_id": EVIL, "output": EVIL},
            ],
        )
        chained = await _respond(session, emulator, EVIL, previous_response_id=response["id"])
        pages = [
            await fetch(session, _list_url(emulator)),
            await fetch(session, _response_url(emulator, response["id"])),
            await fetch(session, _response_url(emulator, chained["id"])),
            await fetch(session, f"{_home(emulator)}inspector/conversations/{conversation_id}"),
            await fetch(session, _list_url(emulator, "?conversation=" + EVIL)),
            await fetch(session, _response_url(emulator, "%3Cscript%3Ex")),
        ]
    for page in pages:
        assert_nothing_injected(page.dom)
        assert "<script" not in page.text
    # Input text, output text, tool output, instructions, metadata pair, model (fields + JSON).
    assert pages[1].dom.text.count(EVIL) >= 8
    assert EVIL in pages[0].dom.text  # the model name in the list


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param("/inspector/responses", 200, id="list"),
        pytest.param("/inspector/responses/{id}", 200, id="response"),
        pytest.param("/inspector/responses/resp_missing", 404, id="missing"),
        pytest.param("/inspector/responses?before=nope", 400, id="bad-param"),
    ],
)
async def test_response_pages_have_the_security_headers_and_answer_only_get(
    emulator: Emulator, session: aiohttp.ClientSession, path: str, status: int
) -> None:
    """The same headers as every inspector page; any other method is a 405 that deletes nothing."""
    response = await _respond(session, emulator)
    url = _root(emulator) + path.replace("{id}", response["id"])
    page = await fetch(session, url)
    assert page.status == status
    assert page.headers["Content-Security-Policy"].startswith(CSP + ";")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    for method in ("POST", "DELETE", "PUT", "HEAD"):
        refused = await fetch(session, url, method=method)
        assert refused.status == 405
        assert refused.headers["Allow"] == "GET"
    async with session.get(f"{emulator.base_url}/responses/{response['id']}") as api:
        assert api.status == 200


async def test_response_pages_never_show_idempotency_records(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """A response created with an Idempotency-Key shows, its key appears nowhere."""
    conversation_id = await _conversation(session, emulator)
    response = await post_json(
        session,
        emulator.base_url + "/responses",
        {"model": "gpt-test", "input": "hi", "conversation": conversation_id},
        headers={"Idempotency-Key": "idem-canary-resp-3c2d"},
    )
    for url in (
        _list_url(emulator),
        _response_url(emulator, response["id"]),
        f"{_home(emulator)}inspector/conversations/{conversation_id}",
    ):
        page = await fetch(session, url)
        assert page.status == 200
        assert "idem-canary-resp-3c2d" not in page.text
        assert "fingerprint" not in page.text


async def test_response_pages_check_host_and_key(session: aiohttp.ClientSession) -> None:
    """A foreign Host is refused; with an API key the pages want it as the Basic password."""
    async with Emulator(api_key=KEY, inspector=True) as emulator:
        response = await post_json(
            session,
            emulator.base_url + "/responses",
            {"model": "gpt-test", "input": "private canary-4b7e"},
            headers={"Authorization": f"Bearer {KEY}"},
        )
        token = base64.b64encode(f"me:{KEY}".encode()).decode()
        for url in (_list_url(emulator), _response_url(emulator, response["id"])):
            anonymous = await fetch(session, url)
            assert anonymous.status == 401
            assert "canary-4b7e" not in anonymous.text
            foreign = await fetch(
                session,
                url,
                headers={"Host": "attacker.example", "Authorization": f"Basic {token}"},
            )
            assert foreign.status == 403
            opened = await fetch(session, url, headers={"Authorization": f"Basic {token}"})
            assert opened.status == 200
        assert "canary-4b7e" in opened.dom.text
