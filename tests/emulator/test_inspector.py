"""The inspector: read-only pages of conversations and items at ``/``, fetched over loopback.

Each test starts an emulator, writes through the API (raw HTTP, as any app would), then reads the
pages and checks what a user sees: content, order, pagination, escaping, headers and access rules.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from conversations_sdk import AsyncClient
from conversations_sdk.cli._progress import Progress
from conversations_sdk.cli._transfer import TransferState, export_conversation, scan_export
from conversations_sdk.emulator import Emulator, Faults
from tests._support.inspector import (
    EVIL,
    Page,
    assert_nothing_injected,
    every_kind_of_item,
    fetch,
    insert_raw_item,
    post_json,
)
from tests._support.serve_process import ServedEmulator

KEY = "sk-inspector-canary-93c1"
CSP = "default-src 'none'; style-src 'self'"
DASH = "\u2013"  # the en dash between the first and last item numbers of a page


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


async def _conversation(
    session: aiohttp.ClientSession,
    emulator: Emulator,
    *,
    metadata: dict[str, str] | None = None,
    items: list[dict[str, Any]] | None = None,
) -> str:
    body: dict[str, Any] = {"metadata": metadata or {}}
    if items:
        body["items"] = items
    created = await post_json(session, emulator.base_url + "/conversations", body)
    return str(created["id"])


def _home(emulator: Emulator) -> str:
    assert emulator.inspector_url is not None
    return emulator.inspector_url


def _page_url(emulator: Emulator, conversation_id: str, query: str = "") -> str:
    return f"{_home(emulator)}inspector/conversations/{conversation_id}{query}"


def _listed_ids(page: Page) -> list[str]:
    return [e.text for e in page.dom.find("a") if e.text.startswith("conv_")]


# --- the list --------------------------------------------------------------------------------


async def test_list_shows_conversations_newest_first(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """Newest first, each with its id (a link), UTC time and how long ago, metadata, item count."""
    older = await _conversation(session, emulator, metadata={"topic": "old"})
    newer = await _conversation(
        session, emulator, metadata={"topic": "new"}, items=every_kind_of_item()
    )
    page = await fetch(session, _home(emulator))
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert _listed_ids(page) == [newer, older]
    rows = page.dom.find("tr")[1:]
    assert "topic" in rows[0].text
    assert "new" in rows[0].text
    assert rows[0].text.strip().endswith("6")  # the item count
    assert rows[1].text.strip().endswith("0")
    assert "UTC" in rows[0].text
    assert "just now" in rows[0].text
    assert page.dom.find("a", href=f"/inspector/conversations/{newer}")
    assert "2 conversations" in page.dom.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("?key=team", ["blue", "red"], id="key"),
        pytest.param("?key=team&value=red", ["red"], id="key-and-value"),
        pytest.param("?value=blue", ["blue"], id="value-any-key"),
        pytest.param("?key=nope", [], id="no-match"),
    ],
)
async def test_list_filters_by_metadata(
    emulator: Emulator, session: aiohttp.ClientSession, query: str, expected: list[str]
) -> None:
    """A metadata key, a key and value, or a value alone narrows the list."""
    ids = {
        colour: await _conversation(session, emulator, metadata={"team": colour})
        for colour in ("red", "blue")
    }
    await _conversation(session, emulator, metadata={"other": "x"})
    page = await fetch(session, _home(emulator) + query)
    assert _listed_ids(page) == [ids[c] for c in expected]
    if not expected:
        assert "No conversation matches." in page.dom.text


@pytest.mark.parametrize(
    "key", ["plain", "a.b", "a[0]", "$", "é", 'q"uote', "back\\slash", "emoji ✓", "x\\u0041"]
)
async def test_metadata_filter_matches_any_key_exactly(
    emulator: Emulator, session: aiohttp.ClientSession, key: str
) -> None:
    """Keys with dots, brackets, quotes, backslashes or non-ASCII letters filter exactly."""
    first = await _conversation(session, emulator, metadata={key: "v", "other": "v"})
    second = await _conversation(session, emulator, metadata={key: "w"})
    await _conversation(session, emulator, metadata={key + "x": "v"})
    home = _home(emulator)
    async with session.get(home, params={"key": key, "value": "v"}) as response:
        both = Page(response.status, await response.text(), response.headers)
    assert _listed_ids(both) == [first]
    async with session.get(home, params={"key": key}) as response:
        either = Page(response.status, await response.text(), response.headers)
    assert _listed_ids(either) == [second, first]


async def test_list_filters_by_id_prefix(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """An id prefix narrows the list to the conversations whose id starts with it."""
    ids = [await _conversation(session, emulator) for _ in range(3)]
    page = await fetch(session, f"{_home(emulator)}?id={ids[1][:12]}")
    assert _listed_ids(page) == [ids[1]]
    assert "1 conversation match" in page.dom.text
    # The filter form shows the filter in force.
    assert page.dom.find("input", name="id", value=ids[1][:12])


async def test_list_pages_cover_every_conversation_once(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """Following "Older" from the first page visits each conversation once; "Newer" comes back."""
    created = [await _conversation(session, emulator) for _ in range(8)]
    url = f"{_home(emulator)}?limit=3"
    pages: list[list[str]] = []
    while True:
        page = await fetch(session, url)
        pages.append(_listed_ids(page))
        older = page.dom.links("Older →")
        if not older:
            break
        url = _home(emulator).rstrip("/") + older[0]
    assert [len(p) for p in pages] == [3, 3, 2]
    assert [i for p in pages for i in p] == created[::-1]
    newer = page.dom.links("← Newer")
    back = await fetch(session, _home(emulator).rstrip("/") + newer[0])
    assert _listed_ids(back) == pages[1]
    assert back.dom.links("Newest")


async def test_list_is_empty_and_says_how_to_fill_it(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """A fresh emulator's list says there is nothing yet and where the API is."""
    page = await fetch(session, _home(emulator))
    assert page.status == 200
    assert "No conversations yet" in page.dom.text


# --- one conversation ------------------------------------------------------------------------


async def test_conversation_page_is_a_transcript(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    """Who spoke and what was said, tool calls with arguments and outputs, reasoning summaries,
    an unknown item type as formatted JSON, and a raw-JSON toggle on every item."""
    db = tmp_path / "emulator.db"
    async with Emulator(db=db) as emulator:
        conversation_id = await _conversation(
            session, emulator, metadata={"topic": "weather"}, items=every_kind_of_item()
        )
        unknown = {"id": "hol_1", "type": "hologram", "projection": {"angle": 42}}
        insert_raw_item(db, conversation_id, unknown)
        page = await fetch(session, _page_url(emulator, conversation_id))
    assert page.status == 200
    dom = page.dom
    entries = dom.find("div", class_="cs-entry")
    speakers = [dom.find("b", class_="cs-who")[i].text for i in range(len(entries))]
    assert speakers == [
        "developer",
        "user",
        "reasoning",
        "tool call · function_call",
        "tool output · function_call_output",
        "assistant",
        "hologram",
    ]
    texts = [e.text for e in entries]
    assert "Answer briefly." in texts[0]
    assert "What is the weather in Paris?" in texts[1]
    assert "The user wants the forecast." in texts[2]
    assert 'get_weather({"city": "Paris"})' in texts[3]
    assert "call_7" in texts[3]
    assert "call_7" in texts[4]
    assert '{"temp_c": 21}' in texts[4]
    assert "It is 21 degrees in Paris." in texts[5]
    assert "unknown item type" in texts[6]
    formatted = dom.find("pre", class_="cs-json")
    assert any(json.loads(p.text) == unknown and "\n" in p.text for p in formatted)
    toggles = dom.find("details", class_="cs-raw")
    assert len(toggles) == 7
    raw_ids = [json.loads(dom.find("pre", class_="cs-json")[-1].text)["id"]]
    assert raw_ids == ["hol_1"]
    assert f"Items 1{DASH}7 of 7" in dom.text
    assert "weather" in dom.find("div", class_="cs-conversation")[0].text
    assert dom.find("a", href=f"/inspector/conversations/{conversation_id}/export.jsonl")


async def test_conversation_page_pages_through_items(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """Items come oldest first, a page at a time; Next and Previous walk them without gaps."""
    conversation_id = await _conversation(session, emulator)
    for batch in range(3):
        items = [{"role": "user", "content": f"turn {batch * 10 + i}"} for i in range(10)]
        await post_json(
            session, f"{emulator.base_url}/conversations/{conversation_id}/items", {"items": items}
        )
    root = _home(emulator).rstrip("/")
    page = await fetch(session, _page_url(emulator, conversation_id, "?limit=12"))
    seen: list[str] = []
    summaries = []
    while True:
        seen += [e.text for e in page.dom.find("div", class_="cs-text")]
        summaries.append(page.dom.find("p", class_="summary")[0].text)
        following = page.dom.links("Next →")
        if not following:
            break
        page = await fetch(session, root + following[0])
    assert seen == [f"turn {n}" for n in range(30)]
    assert summaries == [
        f"Items 1{DASH}12 of 30, oldest first",
        f"Items 13{DASH}24 of 30, oldest first",
        f"Items 25{DASH}30 of 30, oldest first",
    ]
    previous = await fetch(session, root + page.dom.links("← Previous")[0])
    assert [e.text for e in previous.dom.find("div", class_="cs-text")] == [
        f"turn {n}" for n in range(12, 24)
    ]


async def test_download_is_the_cli_export(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """The download is what `conversations-sdk export` writes: same lines, and import reads it."""
    conversation_id = await _conversation(
        session, emulator, metadata={"topic": "héllo ✓"}, items=every_kind_of_item()
    )
    url = _page_url(emulator, conversation_id, "/export.jsonl")
    async with session.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="{conversation_id}.jsonl"'
        )
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        downloaded = await response.read()
    exported: list[Any] = []
    async with AsyncClient(api_key="sk-any", base_url=emulator.base_url) as client:
        await export_conversation(
            client,
            conversation_id,
            exported.append,
            progress=Progress("export", io.StringIO(), total=None, enabled=False),
            state=TransferState("export"),
        )
    lines = downloaded.decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == exported
    # The CLI's own line format: compact JSON, Unicode unescaped.
    assert all(
        line == json.dumps(json.loads(line), ensure_ascii=False, separators=(",", ":"))
        for line in lines
    )
    parsed = scan_export(io.BytesIO(downloaded), name="download.jsonl")
    assert parsed.conversation["id"] == conversation_id
    assert parsed.count == len(every_kind_of_item())


async def test_unknown_conversation_and_cursor_are_404_pages(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """A wrong id or a stale page cursor gets a 404 page that says so and links onwards."""
    missing = await fetch(session, _page_url(emulator, "conv_nope"))
    assert missing.status == 404
    assert "conv_nope" in missing.dom.text
    assert missing.dom.links("All conversations") == ["/"]
    conversation_id = await _conversation(session, emulator)
    stale = await fetch(session, _page_url(emulator, conversation_id, "?after=msg_gone"))
    assert stale.status == 404
    assert stale.dom.links("Start from the first item")
    download = await fetch(session, _page_url(emulator, "conv_nope", "/export.jsonl"))
    assert download.status == 404


async def test_a_stale_list_position_offers_the_newest(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """A cursor past the end (its rows deleted since) shows an empty page linking to the newest."""
    await _conversation(session, emulator)
    page = await fetch(session, _home(emulator) + "?before=0.0")
    assert page.status == 200
    assert "Nothing on this page any more" in page.dom.text
    assert page.dom.links("Newest") == ["/"]


async def test_an_inspector_failure_is_a_500_page_without_details(
    emulator: Emulator, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug while building a page is logged; the visitor gets a plain 500 page, headers intact."""
    from conversations_sdk.emulator._store import Transaction

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(Transaction, "list_conversations", broken)
    page = await fetch(session, _home(emulator))
    assert page.status == 500
    assert "secret-internal-detail" not in page.text
    assert page.headers["Content-Security-Policy"].startswith(CSP)


@pytest.mark.parametrize(
    "query",
    [
        "?limit=0",
        "?limit=501",
        "?limit=ten",
        "?before=yesterday",
        "?before=1.2&after=3.4",
        "?id=" + "x" * 600,
    ],
)
async def test_bad_list_parameters_are_400_pages(
    emulator: Emulator, session: aiohttp.ClientSession, query: str
) -> None:
    """A parameter the list cannot use is a 400 page naming it, never a 500."""
    page = await fetch(session, _home(emulator) + query)
    assert page.status == 400
    assert page.headers["Content-Security-Policy"].startswith(CSP)


# --- safety ----------------------------------------------------------------------------------


async def test_stored_markup_is_shown_as_text(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    """Scripts and handlers in metadata, messages, tool calls, outputs and unknown items are text."""
    db = tmp_path / "evil.db"
    async with Emulator(db=db) as emulator:
        conversation_id = await _conversation(
            session,
            emulator,
            metadata={EVIL: EVIL},
            items=[
                {"role": "user", "content": EVIL},
                {"type": "function_call", "call_id": EVIL, "name": EVIL, "arguments": EVIL},
                {"type": "function_call_output", "call_id": EVIL, "output": EVIL},
            ],
        )
        insert_raw_item(db, conversation_id, {"id": EVIL, "type": EVIL, EVIL: EVIL})
        pages = [
            await fetch(session, _home(emulator)),
            await fetch(session, _page_url(emulator, conversation_id)),
            # Values a visitor puts in the address are echoed escaped too.
            await fetch(session, _home(emulator) + "?id=" + EVIL + "&key=" + EVIL),
            await fetch(session, _page_url(emulator, "%3Cscript%3Ex")),
            await fetch(session, _page_url(emulator, conversation_id, "?after=" + EVIL)),
        ]
    for page in pages:
        assert_nothing_injected(page.dom)
        assert "<script" not in page.text
    assert page_text_count(pages[1], EVIL) >= 4


def page_text_count(page: Page, text: str) -> int:
    """How many times ``text`` appears as text (not markup) in the page."""
    return page.dom.text.count(text)


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        pytest.param("/", "GET", 200, id="list"),
        pytest.param("/inspector/static/inspector.css", "GET", 200, id="stylesheet"),
        pytest.param("/inspector/conversations/conv_x", "GET", 404, id="missing"),
        pytest.param("/inspector/nothing-here", "GET", 404, id="no-route"),
        pytest.param("/?limit=-1", "GET", 400, id="bad-param"),
        pytest.param("/", "POST", 405, id="post"),
    ],
)
async def test_every_inspector_response_has_the_security_headers(
    emulator: Emulator, session: aiohttp.ClientSession, path: str, method: str, status: int
) -> None:
    """CSP without scripts, no framing, no sniffing, no referrer, not cached."""
    page = await fetch(session, _home(emulator).rstrip("/") + path, method=method)
    assert page.status == status
    assert page.headers["Content-Security-Policy"].startswith(CSP + ";")
    assert "script-src" not in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"


async def test_pages_load_only_their_own_stylesheet(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """No script, no inline style, one stylesheet from the emulator with a dark mode."""
    conversation_id = await _conversation(session, emulator, items=every_kind_of_item())
    for url in (_home(emulator), _page_url(emulator, conversation_id)):
        page = await fetch(session, url)
        assert_nothing_injected(page.dom)
        assert [e.attrs["href"] for e in page.dom.find("link")] == [
            "/inspector/static/inspector.css"
        ]
        assert page.dom.find("meta", name="viewport")
    css = await fetch(session, _home(emulator) + "inspector/static/inspector.css")
    assert css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert "prefers-color-scheme: dark" in css.text
    assert "url(" not in css.text
    assert "@import" not in css.text
    assert len(css.text.encode()) < 12_000


async def test_foreign_host_header_is_refused(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """The API's DNS-rebinding defence covers the inspector: a foreign Host gets 403."""
    await _conversation(session, emulator, metadata={"secret": "canary-9d1e"})
    page = await fetch(session, _home(emulator), headers={"Host": "attacker.example"})
    assert page.status == 403
    assert "canary-9d1e" not in page.text
    allowed = await fetch(session, _home(emulator), headers={"Host": f"localhost:{emulator.port}"})
    assert allowed.status == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
async def test_only_get_is_answered(
    emulator: Emulator, session: aiohttp.ClientSession, method: str
) -> None:
    """Every other method is 405 and changes nothing."""
    conversation_id = await _conversation(session, emulator, items=every_kind_of_item())
    for path in ("", f"inspector/conversations/{conversation_id}"):
        for suffix in ("", "/export.jsonl") if path else ("",):
            page = await fetch(session, _home(emulator) + path + suffix, method=method)
            assert page.status == 405, (path, suffix)
            assert page.headers["Allow"] == "GET"
    async with session.get(f"{emulator.base_url}/conversations/{conversation_id}/items") as r:
        assert len((await r.json())["data"]) == len(every_kind_of_item())


async def test_idempotency_records_are_never_shown(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """Only what the API shows: an Idempotency-Key (or the database path) appears nowhere."""
    conversation_id = await _conversation(session, emulator)
    await post_json(
        session,
        f"{emulator.base_url}/conversations/{conversation_id}/items",
        {"items": [{"role": "user", "content": "hi"}]},
        headers={"Idempotency-Key": "idem-canary-77f0"},
    )
    for url in (
        _home(emulator),
        _page_url(emulator, conversation_id),
        _page_url(emulator, conversation_id, "/export.jsonl"),
    ):
        page = await fetch(session, url)
        assert "idem-canary-77f0" not in page.text
        assert "fingerprint" not in page.text
        assert ":memory:" not in page.text


async def test_faults_never_touch_the_inspector(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    """Looking at an emulator injecting faults works, and draws none of its seeded faults."""
    emulator.set_faults(Faults(mode="500", fraction=1.0))
    page = await fetch(session, _home(emulator))
    assert page.status == 200
    assert emulator.faults_injected == 0


# --- access rules ----------------------------------------------------------------------------


async def test_keyed_emulator_serves_no_inspector_unless_asked(
    session: aiohttp.ClientSession,
) -> None:
    """With an API key the inspector is off: / is the API's JSON 404 behind the bearer check."""
    async with Emulator(api_key=KEY) as emulator:
        assert emulator.inspector_url is None
        home = emulator.base_url[: -len("v1")]
        unauthenticated = await fetch(session, home)
        assert unauthenticated.status == 401
        assert json.loads(unauthenticated.text)["error"]["code"] == "missing_api_key"
        with_key = await fetch(session, home, headers={"Authorization": f"Bearer {KEY}"})
        assert with_key.status == 404
        assert with_key.headers["Content-Type"].startswith("application/json")


async def test_inspector_can_be_switched_off(session: aiohttp.ClientSession) -> None:
    """inspector=False removes the pages from a keyless emulator too."""
    async with Emulator(inspector=False) as emulator:
        assert emulator.inspector_url is None
        page = await fetch(session, emulator.base_url[: -len("v1")])
        assert page.status == 404
        assert page.headers["Content-Type"].startswith("application/json")


def _basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param(_basic("me", "sk-wrong"), id="wrong-key"),
        pytest.param(_basic("me", KEY + "x"), id="longer-key"),
        pytest.param(_basic(KEY, ""), id="key-as-user"),
        pytest.param({"Authorization": f"Bearer {KEY}"}, id="bearer"),
        pytest.param({"Authorization": "Basic !!!not-base64"}, id="garbage"),
        pytest.param(
            {"Authorization": "Basic " + base64.b64encode(KEY.encode()).decode()}, id="no-colon"
        ),
    ],
)
async def test_keyed_inspector_asks_for_the_key(
    session: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    """With --inspector and a key, anything but the key as Basic password gets a 401 challenge."""
    async with Emulator(api_key=KEY, inspector=True) as emulator:
        await _conversation_with_key(session, emulator)
        page = await fetch(session, _home(emulator), headers=headers)
    assert page.status == 401
    assert page.headers["WWW-Authenticate"].startswith('Basic realm="')
    assert page.headers["Content-Security-Policy"].startswith(CSP)
    assert KEY not in page.text
    assert KEY not in json.dumps(dict(page.headers))


async def test_keyed_inspector_opens_with_the_key(session: aiohttp.ClientSession) -> None:
    """Any user name and the key as the password open every page; the API still wants Bearer."""
    async with Emulator(api_key=KEY, inspector=True) as emulator:
        conversation_id = await _conversation_with_key(session, emulator)
        auth = _basic("anyone", KEY)
        listing = await fetch(session, _home(emulator), headers=auth)
        assert listing.status == 200
        assert _listed_ids(listing) == [conversation_id]
        detail = await fetch(session, _page_url(emulator, conversation_id), headers=auth)
        assert detail.status == 200
        css = await fetch(session, _home(emulator) + "inspector/static/inspector.css", headers=auth)
        assert css.status == 200
        api = await fetch(
            session, f"{emulator.base_url}/conversations/{conversation_id}", headers=auth
        )
        assert api.status == 401


async def _conversation_with_key(session: aiohttp.ClientSession, emulator: Emulator) -> str:
    created = await post_json(
        session,
        emulator.base_url + "/conversations",
        {"metadata": {"private": "yes"}},
        headers={"Authorization": f"Bearer {KEY}"},
    )
    return str(created["id"])


# --- entry points ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "shown"),
    [
        pytest.param([], True, id="default"),
        pytest.param(["--no-inspector"], False, id="off"),
        pytest.param(["--api-key", KEY], False, id="keyed"),
        pytest.param(["--api-key", KEY, "--inspector"], True, id="keyed-on"),
    ],
)
def test_serve_prints_the_inspector_address(flags: list[str], shown: bool) -> None:
    """`serve` prints the inspector's address after the API's, when it serves one."""
    served = ServedEmulator(["--port", "0", *flags])
    assert served.process.stdout is not None
    served.process.terminate()
    served.process.wait(timeout=30)
    rest = served.process.stdout.read()  # the lines after the API's address, to EOF
    served.stop()
    home = served.base_url[: -len("v1")]
    assert (f"Inspector (read-only, open in a browser): {home}\n" in rest) is shown


@pytest.mark.slow
def test_failing_test_report_names_the_inspector(tmp_path: Path) -> None:
    """A user's failing test that used the plugin's fixtures gets the inspector's address."""
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n"
    )
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["conversations_sdk.testing"]\n')
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            def test_fails(client):
                client.conversations.create(metadata={"case": "failing"})
                assert False, "the app stored the wrong thing"

            def test_passes(client):
                client.conversations.create()
            """
        )
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter running pytest
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "conversations-sdk emulator" in result.stdout
    assert (
        result.stdout.count("What the code under test stored, in a browser: http://127.0.0.1:") == 1
    )


def test_inspector_pages_never_import_the_sdks_converter_or_models() -> None:
    """Rendering the pages loads neither conversations_sdk._converter nor conversations_sdk.models:
    the renderer works on the stored JSON, and the emulator stays a second opinion."""
    script = """
import asyncio, json, sys, urllib.request
from conversations_sdk.emulator import Emulator

async def main():
    async with Emulator() as emulator:
        body = json.dumps({"items": [{"role": "user", "content": "x"}]}).encode()
        request = urllib.request.Request(
            emulator.base_url + "/conversations",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        conversation = json.loads(await asyncio.to_thread(lambda: urllib.request.urlopen(request).read()))
        home = emulator.inspector_url
        for url in (home, home + "inspector/conversations/" + conversation["id"]):
            await asyncio.to_thread(lambda: urllib.request.urlopen(url).read())

asyncio.run(main())
print(sorted(m for m in sys.modules if m.startswith(("conversations_sdk._converter", "conversations_sdk.models"))))
"""
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
