"""The API's queries on the emulator's tables: conversations, items and stored responses.

:class:`Tables` reads and writes rows for the API's handlers, inside a transaction the store has
begun (see :class:`._store.Transaction`, which gathers it with the inspector's reads). Items are
ordered by their ``INTEGER PRIMARY KEY AUTOINCREMENT`` insertion sequence, never by timestamps,
so cursor pagination is exact even for items created in the same second (:meth:`Tables._page_rows`).

Values go in and come out as decoded JSON (or, for a page of items, as the stored JSON text). This
module must not begin or end transactions, handle idempotency keys, or know anything about HTTP.
"""

from __future__ import annotations

import json

from ._db import JSONObject, Queries, dumps

__all__ = ["Tables", "conversation_resource"]


def conversation_resource(
    conversation_id: str, created_at: int, metadata: JSONObject
) -> JSONObject:
    """The conversation resource, as the API returns it, from its stored columns."""
    return {
        "id": conversation_id,
        "object": "conversation",
        "created_at": created_at,
        "metadata": metadata,
    }


class Tables(Queries):
    """The rows of conversations, items, responses and responses' input items."""

    # --- conversations and items -----------------------------------------------------------------

    def get_conversation(self, conversation_id: str) -> JSONObject | None:
        """Return the conversation resource, or ``None`` if there is none with this id."""
        row = self._conn.execute(
            "SELECT id, created_at, metadata FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        if row is None:
            return None
        return conversation_resource(row[0], row[1], json.loads(row[2]))

    def insert_conversation(
        self, conversation_id: str, created_at: int, metadata: JSONObject
    ) -> JSONObject:
        """Store a new conversation and return its resource."""
        self._conn.execute(
            "INSERT INTO conversations (id, created_at, metadata) VALUES (?, ?, ?)",
            (conversation_id, created_at, dumps(metadata)),
        )
        return conversation_resource(conversation_id, created_at, metadata)

    def update_metadata(self, conversation_id: str, metadata: JSONObject) -> JSONObject | None:
        """Replace a conversation's metadata; return the resource, or ``None`` if it is missing."""
        cursor = self._conn.execute(
            "UPDATE conversations SET metadata = ? WHERE id = ?",
            (dumps(metadata), conversation_id),
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
            [(item["id"], conversation_id, dumps(item)) for item in items],
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

    # --- responses -------------------------------------------------------------------------------

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
                dumps(response),
            ),
        )
        self._conn.executemany(
            "INSERT INTO response_input_items (id, response_id, body) VALUES (?, ?, ?)",
            [(item["id"], response["id"], dumps(item)) for item in input_items],
        )

    def replace_response(self, response: JSONObject) -> None:
        """Overwrite a stored response's resource (and its status) with ``response``."""
        self._conn.execute(
            "UPDATE responses SET status = ?, body = ? WHERE id = ?",
            (response["status"], dumps(response), response["id"]),
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

    def unfinished_responses(self) -> list[JSONObject]:
        """Return the stored responses still ``queued`` or ``in_progress``."""
        rows = self._conn.execute(
            "SELECT body FROM responses WHERE status IN ('queued', 'in_progress') ORDER BY seq"
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    # --- the API's cursor pages ------------------------------------------------------------------

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
