"""Issue 14, emulator items 8-14: what a hostile page, a slow client or a full disk can do to it.

Each test names the item it pins. Everything talks to 127.0.0.1 and is bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import pytest

from conversations_sdk import AsyncClient, InternalServerError
from conversations_sdk.emulator import Emulator, _body, _http, _serve
from conversations_sdk.emulator._store import IdempotencyKey, Store, Transaction
from tests._support.emulator_api import API, user_message

JSON = {"Content-Type": "application/json"}


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _count(db: Path, sql: str, *params: object) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute(sql, params).fetchone()[0])


# --- item 8: files the emulator creates are 0600 ------------------------------------------------


async def test_item8_database_and_its_wal_and_shm_are_owner_only(tmp_path: Path) -> None:
    """A new --db file and the -wal/-shm files SQLite adds are 0600 even under umask 022."""
    db = tmp_path / "conversations.db"
    with _umask(0o022):
        async with Emulator(db=db) as emulator, aiohttp.ClientSession() as session:
            await API(session, emulator.base_url).create_conversation(metadata={"a": "1"})
            files = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
    assert modes == dict.fromkeys(modes, 0o600), modes
    assert len(modes) == 3


# --- item 9: idempotency records go with their conversation and expire -------------------------


async def test_item9_deleting_a_conversation_deletes_its_idempotency_records(
    tmp_path: Path,
) -> None:
    """Keyed writes' stored answers (which hold the text) are deleted with the conversation."""
    db = tmp_path / "c.db"
    async with Emulator(db=db) as emulator, aiohttp.ClientSession() as session:
        api = API(session, emulator.base_url)
        created = await api.call(
            "POST",
            "/conversations",
            json_body={"items": [user_message("secret one")]},
            headers={"Idempotency-Key": "k-create"},
        )
        conversation_id = created.body["id"]
        items_path = f"/conversations/{conversation_id}/items"
        added = await api.call(
            "POST",
            items_path,
            json_body={"items": [user_message("secret two")]},
            headers={"Idempotency-Key": "k-items"},
        )
        assert created.status == added.status == 200
        other = await api.create_conversation()
        await api.call(
            "POST",
            f"/conversations/{other['id']}",
            json_body={"metadata": {"k": "v"}},
            headers={"Idempotency-Key": "k-other"},
        )
        assert _count(db, "SELECT count(*) FROM idempotency") == 3
        deleted = await api.call("DELETE", f"/conversations/{conversation_id}")
        assert deleted.status == 200
        assert _count(db, "SELECT count(*) FROM idempotency WHERE body LIKE '%secret%'") == 0
        # Another conversation's record stays; the deleted one's key no longer replays old text.
        assert _count(db, "SELECT count(*) FROM idempotency WHERE key = 'k-other'") == 1
        again = await api.call(
            "POST",
            items_path,
            json_body={"items": [user_message("secret two")]},
            headers={"Idempotency-Key": "k-items"},
        )
        assert again.status == 404
        assert "secret" not in json.dumps(again.body)


async def test_item9_idempotency_records_expire_after_the_ttl() -> None:
    """A key replays within the TTL; after it the key is free again and old records are swept."""
    now = [1_000_000.0]
    store = Store(idempotency_ttl=3600, clock=lambda: now[0])
    await store.open()
    runs: list[int] = []

    def operation(tx: Transaction) -> tuple[int, dict[str, Any]]:
        runs.append(1)
        return 200, {"run": len(runs)}

    def rows(tx: Transaction) -> int:
        return int(tx._conn.execute("SELECT count(*) FROM idempotency").fetchone()[0])

    try:
        key = IdempotencyKey("k", "fingerprint")
        assert await store.write(key, operation) == (200, {"run": 1}, False)
        now[0] += 3599
        assert await store.write(key, operation) == (200, {"run": 1}, True)
        now[0] += 2  # past 3600 s since the first write
        assert await store.write(key, operation) == (200, {"run": 2}, False)
        # Many keys written, then a day later one unrelated write sweeps all expired records.
        for i in range(50):
            await store.write(IdempotencyKey(f"old-{i}", "f"), operation)
        assert await store.read(rows) == 51
        now[0] += 24 * 3600
        await store.write(None, operation)
        assert await store.read(rows) == 0
    finally:
        await store.close()


async def test_item9_ttl_is_an_emulator_and_serve_option(tmp_path: Path) -> None:
    """``Emulator(idempotency_ttl=...)`` and ``serve --idempotency-ttl`` set it; it must be > 0."""
    for bad in (0, -1, float("nan")):
        with pytest.raises(ValueError, match="idempotency_ttl"):
            Emulator(idempotency_ttl=bad)
    args = _serve.build_parser().parse_args(["--idempotency-ttl", "60"])
    assert args.idempotency_ttl == 60
    assert _serve.build_parser().parse_args([]).idempotency_ttl == 24 * 3600


async def test_item9_a_database_from_an_older_emulator_gains_expiry(tmp_path: Path) -> None:
    """An idempotency table without the new columns is migrated; its records keep replaying."""
    db = tmp_path / "old.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute(
            "CREATE TABLE idempotency (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL,"
            " status INTEGER NOT NULL, body TEXT NOT NULL)"
        )
        conn.execute("INSERT INTO idempotency VALUES ('k', 'f', 200, '{\"old\":true}')")
        conn.commit()
    store = Store(db)
    await store.open()
    try:
        replay = await store.write(IdempotencyKey("k", "f"), lambda tx: (200, {}))
    finally:
        await store.close()
    assert replay == (200, {"old": True}, True)


# --- item 10: web pages of other sites cannot write ----------------------------------------------

CHROME_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
# What Chromium sends for <form method=post enctype=text/plain action=http://127.0.0.1:PORT/...>
# submitted from https://evil.example (a top-level navigation).
FORM_POST_HEADERS = {
    "Cache-Control": "max-age=0",
    "sec-ch-ua": '"Chromium";v="131", "Not_A Brand";v="24"',
    "sec-ch-ua-mobile": "?0",
    "sec-ch-ua-platform": '"Linux"',
    "Origin": "https://evil.example",
    "Content-Type": "text/plain",
    "Upgrade-Insecure-Requests": "1",
    "User-Agent": CHROME_UA,
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
    "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    "Sec-Fetch-Site": "cross-site",
    "Sec-Fetch-Mode": "navigate",
    "Sec-Fetch-User": "?1",
    "Sec-Fetch-Dest": "document",
    "Referer": "https://evil.example/",
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Accept-Language": "en-US,en;q=0.9",
}
# A text/plain form field named '{"metadata":{"x":"' with value 'y"}}' joins into valid JSON.
FORM_BODY = b'{"metadata":{"x":"=y"}}\r\n'
# fetch(url, {method: "POST", mode: "no-cors", body: JSON.stringify({})}) from evil.example.
NO_CORS_FETCH_HEADERS = {
    "sec-ch-ua-platform": '"Linux"',
    "User-Agent": CHROME_UA,
    "sec-ch-ua": '"Chromium";v="131", "Not_A Brand";v="24"',
    "Content-Type": "text/plain;charset=UTF-8",
    "sec-ch-ua-mobile": "?0",
    "Accept": "*/*",
    "Origin": "https://evil.example",
    "Sec-Fetch-Site": "cross-site",
    "Sec-Fetch-Mode": "no-cors",
    "Sec-Fetch-Dest": "empty",
    "Referer": "https://evil.example/",
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Accept-Language": "en-US,en;q=0.9",
}
# The preflight a cross-origin fetch() with Content-Type: application/json sends first.
PREFLIGHT_HEADERS = {
    "Accept": "*/*",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
    "Origin": "https://evil.example",
    "User-Agent": CHROME_UA,
    "Sec-Fetch-Mode": "cors",
    "Sec-Fetch-Site": "cross-site",
    "Sec-Fetch-Dest": "empty",
    "Referer": "https://evil.example/",
    "Accept-Encoding": "gzip, deflate, br, zstd",
    "Accept-Language": "en-US,en;q=0.9",
}


@pytest.fixture
async def db_api(tmp_path: Path) -> AsyncIterator[tuple[API, Path]]:
    """A raw helper on an emulator with a database file the test can count rows in."""
    db = tmp_path / "c.db"
    async with (
        Emulator(db=db) as emulator,
        aiohttp.ClientSession(
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding")
        ) as session,
    ):
        yield API(session, emulator.base_url), db


def _no_cors_headers(headers: Any) -> None:
    assert not [h for h in headers if h.lower().startswith("access-control-")], dict(headers)


async def test_item10_cross_site_form_post_creates_nothing(db_api: tuple[API, Path]) -> None:
    """The exact request of a text/plain form on another site is refused; nothing is stored."""
    api, db = db_api
    reply = await api.call("POST", "/conversations", data=FORM_BODY, headers=FORM_POST_HEADERS)
    assert reply.status == 403
    assert reply.body["error"]["code"] == "origin_not_allowed"
    _no_cors_headers(reply.headers)
    assert _count(db, "SELECT count(*) FROM conversations") == 0


async def test_item10_cross_site_fetch_is_refused_and_never_allowed_by_cors(
    db_api: tuple[API, Path],
) -> None:
    """A no-cors fetch is 403; the preflight of a JSON fetch gets no CORS grant, so none follows."""
    api, db = db_api
    reply = await api.call("POST", "/conversations", data=b"{}", headers=NO_CORS_FETCH_HEADERS)
    assert reply.status == 403
    _no_cors_headers(reply.headers)
    preflight = await api.call("OPTIONS", "/conversations", headers=PREFLIGHT_HEADERS)
    assert preflight.status >= 400
    _no_cors_headers(preflight.headers)
    # Even if a browser sent the JSON POST anyway, its Origin refuses it.
    json_post = {
        **NO_CORS_FETCH_HEADERS,
        "Content-Type": "application/json",
        "Sec-Fetch-Mode": "cors",
    }
    reply = await api.call("POST", "/conversations", data=b"{}", headers=json_post)
    assert reply.status == 403
    assert _count(db, "SELECT count(*) FROM conversations") == 0


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Origin": "https://evil.example"}, id="origin-only"),
        pytest.param({"Origin": "null"}, id="opaque-origin"),
        pytest.param({"Origin": "http://127.0.0.1.evil.example"}, id="lookalike-origin"),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, id="sec-fetch-only"),
    ],
)
async def test_item10_either_browser_signal_alone_refuses_writes_and_reads(
    db_api: tuple[API, Path], headers: dict[str, str]
) -> None:
    """A foreign Origin or a cross-site Sec-Fetch-Site is enough, on writes and API reads."""
    api, db = db_api
    post = await api.call("POST", "/conversations", json_body={}, headers=headers)
    get = await api.call("GET", "/conversations/conv_x", headers=headers)
    assert post.status == get.status == 403
    assert _count(db, "SELECT count(*) FROM conversations") == 0


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="non-browser"),
        pytest.param(
            {"Origin": "http://localhost:3000", "Sec-Fetch-Site": "same-site"}, id="localhost-page"
        ),
        pytest.param(
            {"Origin": "http://127.0.0.1:5173", "Sec-Fetch-Site": "same-origin"}, id="loopback-page"
        ),
        pytest.param({"Origin": "http://[::1]:8000"}, id="ipv6-loopback-page"),
        pytest.param({"Sec-Fetch-Site": "none"}, id="typed-by-the-user"),
    ],
)
async def test_item10_this_machine_and_non_browser_clients_pass(
    db_api: tuple[API, Path], headers: dict[str, str]
) -> None:
    """Clients without browser headers, and pages served from this machine, are served."""
    api, _ = db_api
    reply = await api.call("POST", "/conversations", json_body={}, headers=headers)
    assert reply.status == 200, reply.body
    _no_cors_headers(reply.headers)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        None,
    ],
)
async def test_item10_bodies_must_be_application_json(
    db_api: tuple[API, Path], content_type: str | None
) -> None:
    """A body sent as anything but application/json is 415, even from a non-browser client."""
    api, db = db_api
    headers = {} if content_type is None else {"Content-Type": content_type}
    reply = await api.call("POST", "/conversations", data=b"{}", headers=headers)
    assert reply.status == 415
    assert reply.body["error"]["code"] == "unsupported_media_type"
    assert _count(db, "SELECT count(*) FROM conversations") == 0
    # application/json with a charset parameter, and no body at all, are both fine.
    ok = await api.call(
        "POST",
        "/conversations",
        data=b"{}",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    bodiless = await api.call("POST", "/conversations")
    assert ok.status == bodiless.status == 200


def test_item10_the_origin_check_is_reusable_by_other_routes() -> None:
    """GET pages outside /v1 may be linked from anywhere; their writes get the same checks."""
    from aiohttp.test_utils import make_mocked_request

    page = make_mocked_request("GET", "/", headers={"Sec-Fetch-Site": "cross-site"})
    _http.check_request_origin(page, loopback_only=True)  # a link from another site: fine
    for method, path in [("POST", "/inspect/delete"), ("GET", "/v1/conversations/c")]:
        request = make_mocked_request(method, path, headers={"Origin": "https://evil.example"})
        with pytest.raises(_http.APIProblem) as refused:
            _http.check_request_origin(request, loopback_only=True)
        assert refused.value.status == 403


# --- item 11: request size in values, and big bodies off the event loop -------------------------


def _parts_body(parts: int, text: str = "x") -> dict[str, Any]:
    content = [{"type": "input_text", "text": text}] * parts
    return {"items": [{"type": "message", "role": "user", "content": content}]}


async def test_item11_too_many_json_values_is_413_and_stores_nothing(
    db_api: tuple[API, Path],
) -> None:
    """A body over MAX_JSON_VALUES values (here 40,000 content parts) is refused with 413."""
    api, db = db_api
    conversation = await api.create_conversation()
    path = f"/conversations/{conversation['id']}/items"
    parts = _body.MAX_JSON_VALUES // 3 + 10  # each part: an object and two strings
    reply = await api.call("POST", path, json_body=_parts_body(parts))
    assert reply.status == 413
    assert reply.body["error"]["code"] == "request_too_large"
    assert _count(db, "SELECT count(*) FROM items") == 0
    created = await api.call("POST", "/conversations", json_body=_parts_body(parts))
    assert created.status == 413


async def test_item11_commas_inside_strings_do_not_count_as_values(
    db_api: tuple[API, Path],
) -> None:
    """The cheap pre-count only bounds the real one: a long text full of commas is accepted."""
    api, _ = db_api
    conversation = await api.create_conversation()
    body = {"items": [user_message("," * (_body.MAX_JSON_VALUES * 2))]}
    reply = await api.call("POST", f"/conversations/{conversation['id']}/items", json_body=body)
    assert reply.status == 200, reply.body


async def test_item11_large_bodies_are_decoded_and_validated_off_the_event_loop(
    api: API, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bodies of OFF_LOOP_BYTES or more are parsed and validated on a worker thread."""
    threads: list[str] = []
    decode = _body._decode_json

    def spy(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        return decode(*args)

    monkeypatch.setattr(_body, "_decode_json", spy)
    loop_thread = threading.current_thread().name
    conversation = await api.create_conversation()  # small: decoded on the loop
    big = {"items": [user_message("y" * _body.OFF_LOOP_BYTES)]}
    reply = await api.call("POST", f"/conversations/{conversation['id']}/items", json_body=big)
    assert reply.status == 200
    assert threads[0] == loop_thread
    assert threads[1] != loop_thread


# --- item 12: read deadlines, a connection cap, clients that go away -----------------------------


async def _half_sent(
    port: int, payload: bytes
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    await writer.drain()
    return reader, writer


HALF_HEADERS = b"POST /v1/conversations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty"
HALF_BODY = (
    b"POST /v1/conversations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
)


@pytest.mark.parametrize("payload", [HALF_HEADERS, HALF_BODY], ids=["headers", "body"])
async def test_item12_hundreds_of_half_sent_requests_do_not_stop_serving(payload: bytes) -> None:
    """300 connections stuck in their headers or body, over a cap of 100: real clients are
    still served at once, and every stuck one is closed (408 for a late body) by the deadline."""
    async with Emulator(read_timeout=1.0, max_connections=100) as emulator:
        stuck = [await _half_sent(emulator.port, payload) for _ in range(300)]
        with anyio.fail_after(10):
            async with aiohttp.ClientSession() as session:
                for _ in range(5):
                    async with session.post(emulator.base_url + "/conversations", json={}) as reply:
                        assert reply.status == 200
        with anyio.fail_after(20):  # deadline 1 s, generous for a loaded machine
            answers = await asyncio.gather(*(reader.read() for reader, _ in stuck))
        for _, writer in stuck:
            writer.close()
    # Closed to make room or at the deadline: without an answer, or with a 408 for a late body.
    assert all(a == b"" or a.startswith(b"HTTP/1.1 408 ") for a in answers)
    assert len(answers) == 300


async def test_item12_the_connection_cap_closes_the_oldest_idle_connection() -> None:
    """At max_connections, a new client gets in and the oldest connection not in a request goes."""
    async with Emulator(max_connections=3) as emulator:
        idle = [await _half_sent(emulator.port, b"") for _ in range(3)]
        with anyio.fail_after(10):
            async with aiohttp.ClientSession() as session:
                async with session.post(emulator.base_url + "/conversations", json={}) as reply:
                    assert reply.status == 200
                assert await idle[0][0].read() == b""  # the oldest was closed to make room
        for _, writer in idle:
            writer.close()


async def test_item12_a_body_slower_than_the_deadline_gets_408() -> None:
    """Headers sent, body never finished: 408 after read_timeout, then the connection closes."""
    async with Emulator(read_timeout=0.5) as emulator:
        reader, writer = await _half_sent(emulator.port, HALF_BODY)
        with anyio.fail_after(10):
            answer = await reader.read()
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer
    assert json.loads(body)["error"]["code"] == "request_timeout"


async def test_item12_a_client_going_away_is_one_debug_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A client hanging up mid-body logs one DEBUG line and no error or traceback."""
    caplog.set_level(logging.DEBUG)
    three_gone = asyncio.Event()
    gone: list[logging.LogRecord] = []

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "went away" in record.getMessage():
                gone.append(record)
                if len(gone) == 3:
                    three_gone.set()

    watch = Watch()
    logging.getLogger("conversations_sdk.emulator").addHandler(watch)
    try:
        async with Emulator() as emulator:
            for _ in range(3):
                _, writer = await _half_sent(emulator.port, HALF_BODY)
                writer.close()
            with anyio.fail_after(10):
                await three_gone.wait()
    finally:
        logging.getLogger("conversations_sdk.emulator").removeHandler(watch)
    went_away = [r for r in caplog.records if "went away" in r.getMessage()]
    assert [r.levelno for r in went_away] == [logging.DEBUG] * 3
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert all(r.exc_info is None for r in caplog.records)


def test_item12_limits_are_validated() -> None:
    """read_timeout and max_connections must be positive."""
    with pytest.raises(ValueError, match="read_timeout"):
        Emulator(read_timeout=0)
    with pytest.raises(ValueError, match="max_connections"):
        Emulator(max_connections=0)


# --- item 13: a full disk is a clear, non-retried status ------------------------------------------


async def test_item13_disk_full_is_507_not_retried_and_one_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLITE_FULL (a database capped at its current size) answers 507 with x-should-retry:
    false; the SDK does not retry it, and the emulator logs one line, no traceback."""
    caplog.set_level(logging.DEBUG, logger="conversations_sdk.emulator")
    async with Emulator(db=tmp_path / "c.db", api_key="sk-test") as emulator:
        store = emulator._store

        def cap(tx: Transaction) -> None:
            pages = tx._conn.execute("PRAGMA page_count").fetchone()[0]
            tx._conn.execute(f"PRAGMA max_page_count = {pages}")

        async with AsyncClient(
            api_key="sk-test", base_url=emulator.base_url, max_retries=2
        ) as client:
            conversation = await client.conversations.create()
            await store.read(cap)
            with pytest.raises(InternalServerError) as caught:
                await client.conversations.items.create(
                    conversation.id,
                    items=[{"type": "message", "role": "user", "content": "z" * 100_000}],
                )
            assert caught.value.status_code == 507
            assert caught.value.headers["x-should-retry"] == "false"
            # Reads still work on a full disk.
            assert (await client.conversations.retrieve(conversation.id)).id == conversation.id
    records = [r for r in caplog.records if r.name == "conversations_sdk.emulator"]
    full = [r for r in records if r.levelno >= logging.WARNING]
    assert len(full) == 1, [r.getMessage() for r in full]  # one request: not retried
    assert "full" in full[0].getMessage()
    assert full[0].exc_info is None


# --- item 14: serve flags ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--db", "{tmp}"], "is a folder", id="db-folder"),
        pytest.param(["--db", "{tmp}/missing/c.db"], "does not exist", id="db-missing-folder"),
        pytest.param(["--db", "{tmp}/not-sqlite.db"], "not a database", id="db-not-sqlite"),
        pytest.param(["--port", "70000"], "--port must be", id="port-too-big"),
        pytest.param(["--port", "-1"], "--port must be", id="port-negative"),
        pytest.param(["--max-body-bytes", "0"], "--max-body-bytes must be", id="body-0"),
        pytest.param(["--read-timeout", "0"], "--read-timeout must be", id="read-timeout-0"),
        pytest.param(["--max-connections", "0"], "--max-connections", id="connections-0"),
        pytest.param(["--idempotency-ttl", "0"], "--idempotency-ttl", id="ttl-0"),
    ],
)
def test_item14_bad_serve_flags_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """Each bad flag ends the real command with exit 2 and one 'error:' line; no traceback.

    A subprocess with a timeout: a flag that was accepted would serve for ever otherwise.
    """
    (tmp_path / "not-sqlite.db").write_bytes(b"this is a text file, not a database\n" * 10)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "conversations_sdk.emulator", "--port", "0", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("error: "), done.stderr
    assert message in done.stderr
    # The file that is not a database was left as it was.
    assert (tmp_path / "not-sqlite.db").read_bytes().startswith(b"this is a text file")


def test_item14_the_python_api_refuses_the_same_values() -> None:
    """``Emulator(...)`` refuses what the flags refuse, before binding anything."""
    for kwargs in ({"port": 70000}, {"port": -1}, {"max_body_bytes": 0}, {"max_body_bytes": True}):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            Emulator(**kwargs)  # type: ignore[arg-type]


async def test_item11_listing_large_items_costs_about_their_size_in_memory(
    db_api: tuple[API, Path],
) -> None:
    """A page of large items is sent from the stored JSON text, not decoded and re-encoded:
    peak memory while listing stays within a small multiple of the page's size."""
    import tracemalloc

    api, _ = db_api
    conversation = await api.create_conversation()
    path = f"/conversations/{conversation['id']}/items"
    parts = _body.MAX_JSON_VALUES // 3 - 100
    for _ in range(3):
        reply = await api.call("POST", path, json_body=_parts_body(parts))
        assert reply.status == 200
    tracemalloc.start()
    try:
        async with api.session.get(api.base_url + path, params={"limit": "100"}) as response:
            raw = await response.read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    page = json.loads(raw)
    assert [len(item["content"]) for item in page["data"]] == [parts] * 3
    # The peak holds the client's copy of the page too. Decoding the items to encode them again
    # took about 10 times the page; passing the stored text through takes under 5.
    assert peak < 5 * len(raw), (peak, len(raw))  # measured: 10.4 times before the fix
