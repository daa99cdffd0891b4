"""SQLite persistence for the emulator: conversations, items and idempotency records, as plain JSON.

Every SQLite call runs on one dedicated thread that owns the only connection, so the event loop
never blocks on disk and an in-memory database (which lives in its connection) works the same way
as a file. Writes are one ``BEGIN IMMEDIATE`` transaction each, in WAL mode with
``synchronous=FULL``: once a write is acknowledged it survives a SIGKILL of the process.

Items are ordered by an ``INTEGER PRIMARY KEY AUTOINCREMENT`` insertion sequence, never by
timestamps, so cursor pagination is exact even for items created in the same second.

This module knows nothing about HTTP; it stores and returns decoded JSON values.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["DatabaseUnusable", "IdempotencyKey", "StorageFull", "Store", "Transaction"]

_T = TypeVar("_T")

# Long enough to ride out another process holding the write lock (a restarted emulator, a backup).
BUSY_TIMEOUT_MS = 30_000
# How long a completed Idempotency-Key replays its response (the API documents 24 hours).
DEFAULT_IDEMPOTENCY_TTL = 24 * 60 * 60.0
# Expired idempotency records are swept at most this often, inside an ordinary write.
_SWEEP_INTERVAL = 60.0
# A database file the emulator creates is readable by its owner only: it holds conversation text.
_FILE_MODE = 0o600
_SQLITE_FULL = 13  # the result code; sqlite3 names it only from Python 3.11

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    metadata TEXT NOT NULL
);
-- The inspector lists conversations newest first (ties in the same second by insertion order).
CREATE INDEX IF NOT EXISTS conversations_by_created ON conversations (created_at);
CREATE TABLE IF NOT EXISTS items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS items_by_conversation ON items (conversation_id, seq);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    conversation_id TEXT,
    created_at INTEGER NOT NULL DEFAULT 0
);
"""
# Columns added after the first release: a database written by an older emulator gains them.
_IDEMPOTENCY_COLUMNS = {
    "conversation_id": "TEXT",
    "created_at": "INTEGER NOT NULL DEFAULT 0",
}
_INDEXES = """
CREATE INDEX IF NOT EXISTS idempotency_by_conversation ON idempotency (conversation_id);
CREATE INDEX IF NOT EXISTS idempotency_by_age ON idempotency (created_at);
"""

# Responses (issue 18): one row per stored response, its whole resource as JSON in ``body``; the
# input items of each response in request order, for GET /v1/responses/{id}/input_items.
_RESPONSES_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    conversation_id TEXT,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS response_input_items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    response_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS response_input_items_by_response
    ON response_input_items (response_id, seq);
-- The inspector lists the responses of one conversation (and counts all responses from it).
CREATE INDEX IF NOT EXISTS responses_by_conversation ON responses (conversation_id, seq);
"""

JSONObject = dict[str, Any]


def _json_or_none(text: object) -> Any:
    """Decode a JSON text read by ``json_extract`` (objects come back as text), else ``None``."""
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class DatabaseUnusable(ValueError):
    """The database file cannot be opened: a folder, a missing folder, not SQLite, no access."""


class StorageFull(Exception):
    """SQLite reported ``SQLITE_FULL``: the disk (or the database's size limit) is full."""


class IdempotencyKey:
    """An ``Idempotency-Key`` and the fingerprint of the request that carried it.

    Args:
        key: The header's value.
        fingerprint: A digest of method, path, query and body: a reuse with another request
            is detected by comparing it.
        conversation_id: The conversation the request writes to, if any: its records are
            deleted together with it, so a deleted conversation's text does not linger.
    """

    __slots__ = ("conversation_id", "fingerprint", "key")

    def __init__(self, key: str, fingerprint: str, conversation_id: str | None = None) -> None:
        self.key = key
        self.fingerprint = fingerprint
        self.conversation_id = conversation_id


class ConversationFilter:
    """What the inspector's list is narrowed to: an id prefix and a metadata key and/or value."""

    __slots__ = ("id_prefix", "key", "value")

    def __init__(self, id_prefix: str = "", key: str = "", value: str = "") -> None:
        self.id_prefix = id_prefix
        self.key = key
        self.value = value

    def sql(self) -> tuple[list[str], list[object]]:
        """Return WHERE clauses (fixed text) and their bound parameters."""
        where: list[str] = []
        params: list[object] = []
        if self.id_prefix:
            where.append("substr(id, 1, ?) = ?")
            params += [len(self.id_prefix), self.id_prefix]
            last = self.id_prefix[-1]
            if self.id_prefix.isascii() and last != "\x7f":
                # The same condition as a range of the primary key, which SQLite can search.
                where.append("id >= ? AND id < ?")
                params += [self.id_prefix, self.id_prefix[:-1] + chr(ord(last) + 1)]
        plain_key = (
            self.key.isascii() and self.key.isprintable() and not {'"', "\\"} & set(self.key)
        )
        if self.key and plain_key:
            # A quoted JSON path reads one key without expanding every pair (json_each); SQLite
            # matches such paths exactly only for plain ASCII keys, so others take json_each.
            path = f'$."{self.key}"'
            if self.value:
                where.append("json_extract(metadata, ?) = ?")
                params += [path, self.value]
            else:
                where.append("json_type(metadata, ?) IS NOT NULL")
                params.append(path)
            return where, params
        pair = []
        if self.key:
            pair.append("key = ?")
            params.append(self.key)
        if self.value:
            pair.append("type = 'text' AND value = ?")
            params.append(self.value)
        if pair:
            where.append(
                "EXISTS (SELECT 1 FROM json_each(conversations.metadata) "  # noqa: S608
                f"WHERE {' AND '.join(pair)})"
            )
        return where, params


class ConversationSummary:
    """One row of the inspector's list: the conversation, its item count, its page cursor."""

    __slots__ = ("conversation", "cursor", "item_count")

    def __init__(self, cursor: tuple[int, int], conversation: JSONObject, item_count: int) -> None:
        self.cursor = cursor
        self.conversation = conversation
        self.item_count = item_count


class ConversationPage:
    """A page of the inspector's list, newest first, and whether newer or older rows exist."""

    __slots__ = ("has_newer", "has_older", "rows")

    def __init__(
        self, rows: list[ConversationSummary], *, has_newer: bool, has_older: bool
    ) -> None:
        self.rows = rows
        self.has_newer = has_newer
        self.has_older = has_older


class ResponseSummary:
    """One row of the inspector's list of responses (the fields it shows, read without the body).

    ``conversation_exists`` is false when the conversation it names was deleted since.
    """

    __slots__ = (
        "conversation_exists",
        "conversation_id",
        "created_at",
        "id",
        "model",
        "seq",
        "status",
        "usage",
    )

    def __init__(
        self,
        seq: int,
        response_id: str,
        created_at: int,
        status: str,
        conversation_id: str | None,
        conversation_exists: bool,
        model: object,
        usage: object,
    ) -> None:
        self.seq = seq
        self.id = response_id
        self.created_at = created_at
        self.status = status
        self.conversation_id = conversation_id
        self.conversation_exists = conversation_exists
        self.model = model
        self.usage = usage


class ResponsePage:
    """A page of the inspector's list of responses, newest first, and whether others exist."""

    __slots__ = ("has_newer", "has_older", "rows")

    def __init__(self, rows: list[ResponseSummary], *, has_newer: bool, has_older: bool) -> None:
        self.rows = rows
        self.has_newer = has_newer
        self.has_older = has_older


class Transaction:
    """The operations available inside one write transaction (all on the store's thread)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get_conversation(self, conversation_id: str) -> JSONObject | None:
        """Return the conversation resource, or ``None`` if there is none with this id."""
        row = self._conn.execute(
            "SELECT id, created_at, metadata FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            return None
        return {
            "id": row[0],
            "object": "conversation",
            "created_at": row[1],
            "metadata": json.loads(row[2]),
        }

    def insert_conversation(
        self, conversation_id: str, created_at: int, metadata: JSONObject
    ) -> JSONObject:
        """Store a new conversation and return its resource."""
        self._conn.execute(
            "INSERT INTO conversations (id, created_at, metadata) VALUES (?, ?, ?)",
            (conversation_id, created_at, _dumps(metadata)),
        )
        return {
            "id": conversation_id,
            "object": "conversation",
            "created_at": created_at,
            "metadata": metadata,
        }

    def update_metadata(self, conversation_id: str, metadata: JSONObject) -> JSONObject | None:
        """Replace a conversation's metadata; return the resource, or ``None`` if it is missing."""
        cursor = self._conn.execute(
            "UPDATE conversations SET metadata = ? WHERE id = ?",
            (_dumps(metadata), conversation_id),
        )
        if cursor.rowcount == 0:
            return None
        return self.get_conversation(conversation_id)

    def delete_conversation(self, conversation_id: str) -> bool:
        """Delete a conversation, its items and its idempotency records; return whether it existed."""
        cursor = self._conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        if cursor.rowcount == 0:
            return False
        self._conn.execute("DELETE FROM items WHERE conversation_id = ?", (conversation_id,))
        # Replayable responses hold the conversation's text: they go with it.
        self._conn.execute("DELETE FROM idempotency WHERE conversation_id = ?", (conversation_id,))
        return True

    def insert_items(self, conversation_id: str, items: list[JSONObject]) -> None:
        """Append items (each with its ``id``) to a conversation, in the given order."""
        self._conn.executemany(
            "INSERT INTO items (id, conversation_id, body) VALUES (?, ?, ?)",
            [(item["id"], conversation_id, _dumps(item)) for item in items],
        )

    def find_item(self, item_id: str) -> JSONObject | None:
        """Return a stored item by id, whatever its conversation, or ``None``."""
        row = self._conn.execute("SELECT body FROM items WHERE id = ?", (item_id,)).fetchone()
        return None if row is None else json.loads(row[0])

    def get_item(self, conversation_id: str, item_id: str) -> JSONObject | None:
        """Return an item of a conversation, or ``None``."""
        row = self._conn.execute(
            "SELECT body FROM items WHERE id = ? AND conversation_id = ?",
            (item_id, conversation_id),
        ).fetchone()
        return None if row is None else json.loads(row[0])

    def delete_item(self, conversation_id: str, item_id: str) -> bool:
        """Delete an item of a conversation; return whether it existed."""
        cursor = self._conn.execute(
            "DELETE FROM items WHERE id = ? AND conversation_id = ?", (item_id, conversation_id)
        )
        return cursor.rowcount > 0

    def item_seq(self, conversation_id: str, item_id: str) -> int | None:
        """Return an item's insertion sequence number within its conversation, or ``None``."""
        row = self._conn.execute(
            "SELECT seq FROM items WHERE id = ? AND conversation_id = ?",
            (item_id, conversation_id),
        ).fetchone()
        return None if row is None else int(row[0])

    def list_items(
        self, conversation_id: str, *, after_seq: int | None, limit: int, ascending: bool
    ) -> tuple[list[JSONObject], bool]:
        """Return up to ``limit`` items after the cursor, and whether more follow."""
        rows, more = self._page_rows(
            "items", "conversation_id", conversation_id, after_seq, limit, ascending
        )
        return [json.loads(body) for _, body in rows], more

    # --- reads for the inspector (the emulator's read-only web page) ---------------------------
    # Only what the API itself shows: conversations and items, never the idempotency records.

    def list_conversations(
        self,
        *,
        filters: ConversationFilter,
        limit: int,
        before: tuple[int, int] | None = None,
        after: tuple[int, int] | None = None,
    ) -> ConversationPage:
        """Return a page of conversations, newest first, with their item counts.

        Pages are keyed by ``(created_at, rowid)``: ``before`` gives the older page after a cursor,
        ``after`` the newer page before it; without either, the newest conversations.
        """
        where, params = filters.sql()
        newer = after is not None
        cursor = after if newer else before
        if cursor is not None:
            where.append(f"(created_at, rowid) {'>' if newer else '<'} (?, ?)")
            params += list(cursor)
        direction = "ASC" if newer else "DESC"
        # Fixed fragments only (the filter's clauses and the two directions); values are bound.
        sql = (
            "SELECT rowid, id, created_at, metadata, "  # noqa: S608
            "(SELECT COUNT(*) FROM items WHERE items.conversation_id = conversations.id) "
            f"FROM conversations WHERE {' AND '.join(where) or '1'} "
            f"ORDER BY created_at {direction}, rowid {direction} LIMIT ?"
        )
        rows = self._conn.execute(sql, [*params, limit + 1]).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        if newer:
            rows.reverse()
        summaries = [
            ConversationSummary(
                cursor=(int(r[2]), int(r[0])),
                conversation={
                    "id": r[1],
                    "object": "conversation",
                    "created_at": r[2],
                    "metadata": json.loads(r[3]),
                },
                item_count=int(r[4]),
            )
            for r in rows
        ]
        has_newer = more if newer else self._conversation_beyond(filters, summaries, newer=True)
        has_older = self._conversation_beyond(filters, summaries, newer=False) if newer else more
        if not summaries and cursor is not None:
            # Past the end (rows deleted since the link was made): the other way may hold some.
            has_newer = has_older = False
        return ConversationPage(summaries, has_newer=has_newer, has_older=has_older)

    def _conversation_beyond(
        self, filters: ConversationFilter, page: list[ConversationSummary], *, newer: bool
    ) -> bool:
        if not page:
            return False
        where, params = filters.sql()
        edge = page[0].cursor if newer else page[-1].cursor
        where.append(f"(created_at, rowid) {'>' if newer else '<'} (?, ?)")
        sql = f"SELECT 1 FROM conversations WHERE {' AND '.join(where)} LIMIT 1"  # noqa: S608
        return self._conn.execute(sql, [*params, *edge]).fetchone() is not None

    def count_conversations(self, filters: ConversationFilter) -> int:
        """Return how many conversations match ``filters``."""
        where, params = filters.sql()
        sql = f"SELECT COUNT(*) FROM conversations WHERE {' AND '.join(where) or '1'}"  # noqa: S608
        return int(self._conn.execute(sql, params).fetchone()[0])

    def count_items(self, conversation_id: str) -> int:
        """Return how many items a conversation holds."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM items WHERE conversation_id = ?", (conversation_id,)
        ).fetchone()
        return int(row[0])

    def items_page(
        self,
        conversation_id: str,
        *,
        limit: int,
        after_seq: int | None = None,
        before_seq: int | None = None,
    ) -> tuple[list[JSONObject], int, bool]:
        """Return up to ``limit`` items in conversation order, how many precede them, and whether
        more follow.

        With ``before_seq``, the items just before that position; otherwise those after
        ``after_seq`` (from the start when ``None``).
        """
        if before_seq is not None:
            rows = self._conn.execute(
                "SELECT seq, body FROM items WHERE conversation_id = ? AND seq < ? "
                "ORDER BY seq DESC LIMIT ?",
                (conversation_id, before_seq, limit),
            ).fetchall()[::-1]
        else:
            rows = self._conn.execute(
                "SELECT seq, body FROM items WHERE conversation_id = ? AND seq > ? "
                "ORDER BY seq ASC LIMIT ?",
                (conversation_id, -1 if after_seq is None else after_seq, limit),
            ).fetchall()
        if not rows:
            return [], 0, False
        offset, following = self._conn.execute(
            "SELECT COALESCE(SUM(seq < ?), 0), COALESCE(SUM(seq > ?), 0) "
            "FROM items WHERE conversation_id = ?",
            (rows[0][0], rows[-1][0], conversation_id),
        ).fetchone()
        return [json.loads(r[1]) for r in rows], int(offset), following > 0

    def item_texts(
        self, conversation_id: str, *, after_seq: int, limit: int
    ) -> list[tuple[int, str]]:
        """Return ``(seq, stored JSON text)`` of items after ``after_seq``, in order (exports)."""
        rows = self._conn.execute(
            "SELECT seq, body FROM items WHERE conversation_id = ? AND seq > ? "
            "ORDER BY seq ASC LIMIT ?",
            (conversation_id, after_seq, limit),
        ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    # --- responses ---------------------------------------------------------------------------

    def insert_response(
        self, response: JSONObject, conversation_id: str | None, input_items: list[JSONObject]
    ) -> None:
        """Store a response resource and its input items (each with its ``id``), in order."""
        self._conn.execute(
            "INSERT INTO responses (id, created_at, status, conversation_id, body)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                response["id"],
                int(response["created_at"]),
                response["status"],
                conversation_id,
                _dumps(response),
            ),
        )
        self._conn.executemany(
            "INSERT INTO response_input_items (id, response_id, body) VALUES (?, ?, ?)",
            [(item["id"], response["id"], _dumps(item)) for item in input_items],
        )

    def replace_response(self, response: JSONObject) -> None:
        """Overwrite a stored response's resource (and its status) with ``response``."""
        self._conn.execute(
            "UPDATE responses SET status = ?, body = ? WHERE id = ?",
            (response["status"], _dumps(response), response["id"]),
        )

    def get_response(self, response_id: str) -> JSONObject | None:
        """Return a stored response resource, or ``None``."""
        row = self._conn.execute(
            "SELECT body FROM responses WHERE id = ?", (response_id,)
        ).fetchone()
        return None if row is None else json.loads(row[0])

    def delete_response(self, response_id: str) -> bool:
        """Delete a response and its input items; return whether it existed."""
        cursor = self._conn.execute("DELETE FROM responses WHERE id = ?", (response_id,))
        if cursor.rowcount == 0:
            return False
        self._conn.execute("DELETE FROM response_input_items WHERE response_id = ?", (response_id,))
        return True

    def response_input_items(self, response_id: str) -> list[JSONObject]:
        """Return all input items of a response, in request order."""
        rows = self._conn.execute(
            "SELECT body FROM response_input_items WHERE response_id = ? ORDER BY seq",
            (response_id,),
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def response_item_seq(self, response_id: str, item_id: str) -> int | None:
        """Return an input item's sequence number within its response, or ``None``."""
        row = self._conn.execute(
            "SELECT seq FROM response_input_items WHERE id = ? AND response_id = ?",
            (item_id, response_id),
        ).fetchone()
        return None if row is None else int(row[0])

    def list_response_items(
        self, response_id: str, *, after_seq: int | None, limit: int, ascending: bool
    ) -> tuple[list[JSONObject], bool]:
        """Return up to ``limit`` input items of a response after the cursor, and whether more follow."""
        rows, more = self._page_rows(
            "response_input_items", "response_id", response_id, after_seq, limit, ascending
        )
        return [json.loads(body) for _, body in rows], more

    def find_response_item(self, item_id: str) -> JSONObject | None:
        """Return an input or output item of a stored response by id, or ``None``."""
        row = self._conn.execute(
            "SELECT body FROM response_input_items WHERE id = ? LIMIT 1", (item_id,)
        ).fetchone()
        if row is None:
            row = self._conn.execute(
                "SELECT output.value FROM responses, json_each(responses.body, '$.output') AS output"
                " WHERE json_extract(output.value, '$.id') = ? LIMIT 1",
                (item_id,),
            ).fetchone()
        return None if row is None else json.loads(row[0])

    # --- reads of responses for the inspector ------------------------------------------------
    # What GET /v1/responses/{id} and .../input_items show; responses kept with store=false do
    # not exist, and a deleted response is gone.

    def list_responses(
        self,
        *,
        limit: int,
        conversation_id: str | None = None,
        before: int | None = None,
        after: int | None = None,
    ) -> ResponsePage:
        """Return a page of stored responses, newest first, optionally of one conversation.

        Pages are keyed by the insertion sequence: ``before`` gives the older page after a
        cursor, ``after`` the newer page before it; without either, the newest responses. Only
        the shown fields are read from each body, so a page costs the same with any output size.
        """
        where: list[str] = []
        params: list[object] = []
        if conversation_id is not None:
            where.append("conversation_id = ?")
            params.append(conversation_id)
        newer = after is not None
        cursor = after if newer else before
        if cursor is not None:
            where.append(f"seq {'>' if newer else '<'} ?")
            params.append(cursor)
        direction = "ASC" if newer else "DESC"
        # Fixed fragments only (the clauses above and the two directions); values are bound.
        sql = (
            "SELECT seq, id, created_at, status, conversation_id, "  # noqa: S608
            "EXISTS (SELECT 1 FROM conversations WHERE conversations.id = conversation_id), "
            "json_extract(body, '$.model'), json_extract(body, '$.usage') "
            f"FROM responses WHERE {' AND '.join(where) or '1'} "
            f"ORDER BY seq {direction} LIMIT ?"
        )
        rows = self._conn.execute(sql, [*params, limit + 1]).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        if newer:
            rows.reverse()
        summaries = [
            ResponseSummary(
                int(r[0]),
                str(r[1]),
                int(r[2]),
                str(r[3]),
                r[4],
                bool(r[5]),
                r[6],
                _json_or_none(r[7]),
            )
            for r in rows
        ]

        def beyond(edge: int, op: str) -> bool:
            clauses = (
                [*where[:1], f"seq {op} ?"] if conversation_id is not None else [f"seq {op} ?"]
            )
            args = [conversation_id, edge] if conversation_id is not None else [edge]
            sql = f"SELECT 1 FROM responses WHERE {' AND '.join(clauses)} LIMIT 1"  # noqa: S608
            return self._conn.execute(sql, args).fetchone() is not None

        if not summaries:
            return ResponsePage([], has_newer=False, has_older=False)
        has_newer = more if newer else beyond(summaries[0].seq, ">")
        has_older = beyond(summaries[-1].seq, "<") if newer else more
        return ResponsePage(summaries, has_newer=has_newer, has_older=has_older)

    def count_responses(self, conversation_id: str | None = None) -> int:
        """Return how many responses are stored (of one conversation, when given)."""
        if conversation_id is None:
            row = self._conn.execute("SELECT COUNT(*) FROM responses").fetchone()
        else:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM responses WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
        return int(row[0])

    def unfinished_responses(self) -> list[JSONObject]:
        """Return the stored responses still ``queued`` or ``in_progress``."""
        rows = self._conn.execute(
            "SELECT body FROM responses WHERE status IN ('queued', 'in_progress') ORDER BY seq"
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def list_items_json(
        self, conversation_id: str, *, after_seq: int | None, limit: int, ascending: bool
    ) -> tuple[list[tuple[str, str]], bool]:
        """Like :meth:`list_items`, as ``(id, stored JSON text)`` pairs: nothing is decoded.

        A page of large items is passed through as the text it is stored as, instead of growing
        about tenfold as Python objects (100 items of 6,600 parts: 296 MiB peak instead of 72).
        """
        return self._page_rows(
            "items", "conversation_id", conversation_id, after_seq, limit, ascending
        )

    def _page_rows(
        self,
        table: str,
        owner: str,
        owner_id: str,
        after_seq: int | None,
        limit: int,
        ascending: bool,
    ) -> tuple[list[tuple[str, str]], bool]:
        """One cursor page of ``(id, stored JSON text)`` rows of ``table`` owned by ``owner_id``,
        and whether more follow. ``table`` and ``owner`` are this module's own constants."""
        op, direction = (">", "ASC") if ascending else ("<", "DESC")
        params: list[object] = [owner_id]
        cursor_clause = ""
        if after_seq is not None:
            cursor_clause = f" AND seq {op} ?"
            params.append(after_seq)
        params.append(limit + 1)
        # Every fragment comes from the callers' constants or the fixed pairs above, never from
        # the request.
        sql = (
            f"SELECT id, body FROM {table} WHERE {owner} = ?"  # noqa: S608
            f"{cursor_clause} ORDER BY seq {direction} LIMIT ?"
        )
        rows = self._conn.execute(sql, params).fetchall()
        return [(str(r[0]), str(r[1])) for r in rows[:limit]], len(rows) > limit


class Store:
    """The emulator's database: one SQLite connection on one dedicated thread.

    Args:
        path: A database file (created if missing, mode 0600), or ``None`` for an in-memory
            database that lives as long as the store.
        idempotency_ttl: Seconds a completed idempotency key replays its response; older
            records are treated as absent and swept.
        clock: The time source for idempotency records (tests pass a fake one).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        idempotency_ttl: float = DEFAULT_IDEMPOTENCY_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not idempotency_ttl > 0:
            raise ValueError(
                f"idempotency_ttl must be a positive number of seconds, got {idempotency_ttl!r}"
            )
        self._path = ":memory:" if path is None else os.fspath(path)
        self._ttl = idempotency_ttl
        self._clock = clock
        self._last_sweep = float("-inf")
        self._worker: _Worker | None = None
        self._conn: sqlite3.Connection | None = None

    @property
    def path(self) -> str:
        """The database file, or ``":memory:"``."""
        return self._path

    async def open(self) -> None:
        """Create the thread and the connection, and the tables if the database is new.

        Raises:
            DatabaseUnusable: The path is a folder, its folder is missing, it is not a SQLite
                database, or it cannot be read and written.
        """
        self._worker = _Worker()
        try:
            await self._call(self._open_sync)
        except BaseException:
            worker, self._worker = self._worker, None
            worker.stop()
            raise

    async def close(self) -> None:
        """Close the connection and stop the thread; pending calls finish first."""
        if self._worker is None:
            return
        try:
            await self._call(self._close_sync)
        finally:
            worker, self._worker = self._worker, None
            worker.stop()

    async def write(
        self,
        idempotency: IdempotencyKey | None,
        operation: Callable[[Transaction], tuple[int, JSONObject]],
    ) -> tuple[int, JSONObject, bool]:
        """Run ``operation`` in one ``BEGIN IMMEDIATE`` transaction, honouring an idempotency key.

        The operation returns an HTTP status and a JSON body. A 2xx result is committed together
        with the key's record; any other result rolls back and records nothing, so a retry runs
        the operation again.

        Args:
            idempotency: The request's key and fingerprint, or ``None``.
            operation: Called on the store's thread inside the transaction.

        Returns:
            ``(status, body, replayed)``: ``replayed`` is true when the key had completed before
            and the stored response is returned. A key reused with a different request yields
            ``(422, error body, False)``.
        """
        return await self._call(self._write_sync, idempotency, operation)

    async def read(self, operation: Callable[[Transaction], _T]) -> _T:
        """Run a read-only ``operation`` in one consistent snapshot."""
        return await self._call(self._read_sync, operation)

    async def integrity_check(self) -> str:
        """Return SQLite's ``PRAGMA integrity_check`` verdict (``"ok"`` when healthy)."""
        return await self._call(self._integrity_sync)

    async def _call(self, fn: Callable[..., _T], *args: Any) -> _T:
        if self._worker is None:
            raise RuntimeError("the store is not open")
        try:
            return await self._worker.run(functools.partial(fn, *args))
        except sqlite3.OperationalError as exc:
            if _is_full(exc):
                raise StorageFull(f"the database {self._path!r} is full: {exc}") from None
            raise

    # --- everything below runs on the store's thread -------------------------------------------

    def _open_sync(self) -> None:
        if self._path != ":memory:":
            _create_private(self._path)
        try:
            conn = sqlite3.connect(
                self._path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise DatabaseUnusable(f"cannot open database {self._path!r}: {exc}") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: fsync the WAL at every commit, so an acknowledged write survives a crash.
            conn.execute("PRAGMA synchronous = FULL")
            # Every statement is IF NOT EXISTS, so a concurrent or repeated open is harmless.
            conn.executescript(_SCHEMA)
            conn.executescript(_RESPONSES_SCHEMA)
            self._migrate(conn)
            conn.executescript(_INDEXES)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if _is_full(exc):
                raise
            raise DatabaseUnusable(
                f"cannot use {self._path!r} as the emulator's database: {exc}"
            ) from None
        self._conn = conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Give an idempotency table from an older emulator the columns expiry needs."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            present = {row[1] for row in conn.execute("PRAGMA table_info(idempotency)")}
            missing = [name for name in _IDEMPOTENCY_COLUMNS if name not in present]
            for name in missing:
                # Names and types come from the fixed mapping above, never from input.
                conn.execute(
                    f"ALTER TABLE idempotency ADD COLUMN {name} {_IDEMPOTENCY_COLUMNS[name]}"
                )
            if "created_at" in missing:
                # Old records start their 24 hours now rather than expiring all at once.
                conn.execute("UPDATE idempotency SET created_at = ?", (int(self._clock()),))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _close_sync(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the store is closed")
        return self._conn

    def _write_sync(
        self,
        idempotency: IdempotencyKey | None,
        operation: Callable[[Transaction], tuple[int, JSONObject]],
    ) -> tuple[int, JSONObject, bool]:
        conn = self._connection()
        now = self._clock()
        expired_before = now - self._ttl
        conn.execute("BEGIN IMMEDIATE")
        try:
            sweep = now - self._last_sweep >= _SWEEP_INTERVAL
            if sweep:
                # One indexed range delete a minute keeps the table bounded by the write rate.
                conn.execute("DELETE FROM idempotency WHERE created_at <= ?", (expired_before,))
            if idempotency is not None:
                row = conn.execute(
                    "SELECT fingerprint, status, body, created_at FROM idempotency WHERE key = ?",
                    (idempotency.key,),
                ).fetchone()
                if row is not None and row[3] <= expired_before:
                    # Expired: the key is free again, as if never used.
                    conn.execute("DELETE FROM idempotency WHERE key = ?", (idempotency.key,))
                elif row is not None:
                    conn.execute("ROLLBACK")
                    if row[0] != idempotency.fingerprint:
                        return 422, _key_reuse_error(), False
                    return int(row[1]), json.loads(row[2]), True
            status, body = operation(Transaction(conn))
            if not 200 <= status < 300:
                conn.execute("ROLLBACK")
                return status, body, False
            if idempotency is not None:
                conn.execute(
                    "INSERT INTO idempotency (key, fingerprint, status, body, conversation_id,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        idempotency.key,
                        idempotency.fingerprint,
                        status,
                        _dumps(body),
                        idempotency.conversation_id,
                        int(now),
                    ),
                )
            conn.execute("COMMIT")
            if sweep:  # a rolled-back write (refusal, replay) leaves the sweep to the next one
                self._last_sweep = now
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return status, body, False

    def _read_sync(self, operation: Callable[[Transaction], _T]) -> _T:
        conn = self._connection()
        conn.execute("BEGIN")
        try:
            return operation(Transaction(conn))
        finally:
            conn.execute("ROLLBACK")

    def _integrity_sync(self) -> str:
        row = self._connection().execute("PRAGMA integrity_check").fetchone()
        return str(row[0])


class _Worker:
    """One thread running blocking calls in order, for callers on any event loop.

    Not a ``ThreadPoolExecutor``: those refuse new work once interpreter shutdown begins, and the
    store must still close cleanly when an emulator is finalized at exit. A daemon thread, so it
    never keeps the process alive; :meth:`stop` joins it.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(
            target=self._serve, name="conversations-emulator-sqlite", daemon=True
        )
        self._thread.start()

    async def run(self, fn: Callable[[], _T]) -> _T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_T] = loop.create_future()

        def settle(outcome: Callable[[], None]) -> None:
            if not future.cancelled():
                outcome()

        def job() -> None:
            try:
                result = fn()
            except BaseException as exc:  # delivered to the awaiting coroutine
                outcome = functools.partial(future.set_exception, exc)
            else:
                outcome = functools.partial(future.set_result, result)
            # The caller's loop may be gone (closed mid-call): the work is done, nobody waits.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(settle, outcome)

        self._queue.put(job)
        # Shielded: a cancelled request must not cancel a write already queued (its transaction
        # commits or rolls back on the thread regardless).
        return await asyncio.shield(future)

    def stop(self) -> None:
        self._queue.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _serve(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            job()


def _create_private(path: str) -> None:
    """Create the database file owner-only before SQLite does (it would use 0644).

    SQLite gives the ``-wal`` and ``-shm`` files the main file's mode, so they are 0600 too. An
    existing file keeps its mode: its owner chose it.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), _FILE_MODE)
    except IsADirectoryError:
        raise DatabaseUnusable(f"cannot use {path!r} as a database: it is a folder") from None
    except FileNotFoundError:
        folder = os.path.dirname(os.path.abspath(path))
        raise DatabaseUnusable(
            f"cannot create database {path!r}: the folder {folder!r} does not exist"
        ) from None
    except OSError as exc:
        raise DatabaseUnusable(f"cannot open database {path!r}: {exc.strerror}") from None
    os.close(fd)


def _is_full(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return bool(code & 0xFF == _SQLITE_FULL)
    return "database or disk is full" in str(exc)


def _key_reuse_error() -> JSONObject:
    return {
        "error": {
            "message": (
                "Keys for idempotent requests can only be used with the same parameters they "
                "were first used with. Try using a key other than the one used before."
            ),
            "type": "invalid_request_error",
            "param": None,
            "code": "idempotency_key_reused",
        }
    }
