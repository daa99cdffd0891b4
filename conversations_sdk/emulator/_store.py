"""The emulator's store: one SQLite database, its transactions, and idempotent writes.

:class:`Store` owns the database's life (opened and closed on its own thread, :mod:`._db`) and
runs every operation in one transaction on that thread: a read in one consistent snapshot, a write
in one ``BEGIN IMMEDIATE`` transaction, in WAL mode with ``synchronous=FULL``, so once a write is
acknowledged it survives a SIGKILL of the process. A write may carry an ``Idempotency-Key``: a
completed key replays its stored response for a day (then it expires and is swept), and a key
reused with another request is refused. A full disk is raised as :class:`StorageFull`.

Operations receive a :class:`Transaction`: the API's table queries (:mod:`._tables`) and the
inspector's reads (:mod:`._browse`) on the store's connection. This module must not hold queries
of the data itself (they belong in those two), and knows nothing about HTTP.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ._browse import Browse
from ._db import (
    DatabaseUnusable,
    JSONObject,
    StorageFull,
    Worker,
    connect,
    dumps,
    is_full,
)
from ._tables import Tables

__all__ = [
    "DEFAULT_IDEMPOTENCY_TTL",
    "DatabaseUnusable",
    "IdempotencyKey",
    "StorageFull",
    "Store",
    "Transaction",
]

_T = TypeVar("_T")

# How long a completed Idempotency-Key replays its response (the API documents 24 hours).
DEFAULT_IDEMPOTENCY_TTL = 24 * 60 * 60.0
# Expired idempotency records are swept at most this often, inside an ordinary write.
_SWEEP_INTERVAL = 60.0


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


class Transaction(Tables, Browse):
    """The operations available inside one transaction (all on the store's thread): the API's
    queries (:class:`._tables.Tables`) and the inspector's reads (:class:`._browse.Browse`)."""


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
        self._worker: Worker | None = None
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
        self._worker = Worker()
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
            if is_full(exc):
                raise StorageFull(f"the database {self._path!r} is full: {exc}") from None
            raise

    # --- everything below runs on the store's thread -------------------------------------------

    def _open_sync(self) -> None:
        self._conn = connect(self._path, self._clock)

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
                        dumps(body),
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
