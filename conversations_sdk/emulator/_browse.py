"""The inspector's reads: filtered, newest-first pages of conversations and responses, and counts.

:class:`Browse` answers the emulator's read-only web page (:mod:`._inspector`): the list of
conversations (filtered by id prefix and metadata, keyed by ``(created_at, rowid)``), a window of
one conversation's items with its position, chunks of stored item text for the JSONL download,
and the list of stored responses (keyed by insertion sequence), each with what lies before and
after it. Only what the API itself shows is read: conversations, items and stored responses,
never the idempotency records.

Like :class:`._tables.Tables` it runs inside a transaction the store has begun (both are gathered
in :class:`._store.Transaction`). This module must never write, and knows nothing about HTML or
HTTP: it returns rows and the small page objects below.
"""

from __future__ import annotations

import json
from typing import Any

from ._db import JSONObject, Queries
from ._tables import conversation_resource

__all__ = [
    "Browse",
    "ConversationFilter",
    "ConversationPage",
    "ConversationSummary",
    "ResponsePage",
    "ResponseSummary",
]


def _json_or_none(text: object) -> Any:
    """Decode a JSON text read by ``json_extract`` (objects come back as text), else ``None``."""
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


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


class Browse(Queries):
    """The inspector's read-only queries (see the module's docstring)."""

    # --- conversations -----------------------------------------------------------------------------

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
        rows, has_newer, has_older = self._newest_first(
            "created_at, rowid, id, metadata, "
            "(SELECT COUNT(*) FROM items WHERE items.conversation_id = conversations.id)",
            "conversations",
            ("created_at", "rowid"),
            where,
            params,
            limit=limit,
            before=before,
            after=after,
        )
        summaries = [
            ConversationSummary(
                cursor=(int(r[0]), int(r[1])),
                conversation=conversation_resource(r[2], r[0], json.loads(r[3])),
                item_count=int(r[4]),
            )
            for r in rows
        ]
        return ConversationPage(summaries, has_newer=has_newer, has_older=has_older)

    def count_conversations(self, filters: ConversationFilter) -> int:
        """Return how many conversations match ``filters``."""
        where, params = filters.sql()
        sql = f"SELECT COUNT(*) FROM conversations WHERE {' AND '.join(where) or '1'}"  # noqa: S608
        return int(self._conn.execute(sql, params).fetchone()[0])

    # --- one conversation's items ----------------------------------------------------------------

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
            rows = self._items_after(conversation_id, -1 if after_seq is None else after_seq, limit)
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
        rows = self._items_after(conversation_id, after_seq, limit)
        return [(int(r[0]), str(r[1])) for r in rows]

    def _items_after(self, conversation_id: str, after_seq: int, limit: int) -> list[Any]:
        return self._conn.execute(
            "SELECT seq, body FROM items WHERE conversation_id = ? AND seq > ? "
            "ORDER BY seq ASC LIMIT ?",
            (conversation_id, after_seq, limit),
        ).fetchall()

    # --- responses -------------------------------------------------------------------------------
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
        rows, has_newer, has_older = self._newest_first(
            "seq, id, created_at, status, conversation_id, "
            "EXISTS (SELECT 1 FROM conversations WHERE conversations.id = conversation_id), "
            "json_extract(body, '$.model'), json_extract(body, '$.usage')",
            "responses",
            ("seq",),
            where,
            params,
            limit=limit,
            before=None if before is None else (before,),
            after=None if after is None else (after,),
        )
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

    # --- the lists' keyset pages -----------------------------------------------------------------

    def _newest_first(
        self,
        columns: str,
        table: str,
        key: tuple[str, ...],
        where: list[str],
        params: list[object],
        *,
        limit: int,
        before: tuple[int, ...] | None,
        after: tuple[int, ...] | None,
    ) -> tuple[list[Any], bool, bool]:
        """One page of ``table``'s rows, newest first by ``key``, and whether newer and older
        rows exist beyond it (both false on an empty page).

        ``before`` gives the older page after a cursor, ``after`` the newer page before it;
        without either, the newest rows. ``where`` and ``params`` narrow the list. ``columns``
        must start with the key's columns: a row's key is its first values. ``columns``,
        ``table``, ``key`` and ``where`` are this module's fixed text; values are bound.
        """
        newer = after is not None
        cursor = after if newer else before
        key_sql = key[0] if len(key) == 1 else f"({', '.join(key)})"
        marks = "?" if len(key) == 1 else f"({', '.join('?' * len(key))})"
        direction = "ASC" if newer else "DESC"
        paged = where
        if cursor is not None:
            paged = [*where, f"{key_sql} {'>' if newer else '<'} {marks}"]
        order = ", ".join(f"{column} {direction}" for column in key)
        sql = (
            f"SELECT {columns} FROM {table} "  # noqa: S608
            f"WHERE {' AND '.join(paged) or '1'} ORDER BY {order} LIMIT ?"
        )
        rows = self._conn.execute(sql, [*params, *(cursor or ()), limit + 1]).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        if not rows:
            # Past the end (rows deleted since the link was made) or nothing at all.
            return [], False, False
        if newer:
            rows.reverse()

        def beyond(row: Any, op: str) -> bool:
            clauses = " AND ".join([*where, f"{key_sql} {op} {marks}"])
            sql = f"SELECT 1 FROM {table} WHERE {clauses} LIMIT 1"  # noqa: S608
            return self._conn.execute(sql, [*params, *row[: len(key)]]).fetchone() is not None

        has_newer = more if newer else beyond(rows[0], ">")
        has_older = beyond(rows[-1], "<") if newer else more
        return rows, has_newer, has_older
