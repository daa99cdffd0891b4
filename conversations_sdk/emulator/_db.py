"""The emulator's SQLite file: its schema and migrations, its one connection and the thread it runs on.

:func:`connect` creates the file owner-only (0600) when missing, opens it with the durability
settings (WAL, ``synchronous=FULL``, a long busy timeout), creates the tables and gives a database
written by an older emulator the columns it lacks. :class:`Worker` is the one thread every SQLite
call runs on, so the event loop never blocks on disk and an in-memory database (which lives in
its connection) works the same way as a file. :func:`is_full` recognises ``SQLITE_FULL``.

Data is stored as JSON text (:func:`dumps`); the tables' rows are read and written by the query
classes built on :class:`Queries` (:mod:`._tables`, :mod:`._browse`). This module must not know
what a conversation, an item or an idempotency record means, nor anything about HTTP.
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
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "BUSY_TIMEOUT_MS",
    "DatabaseUnusable",
    "JSONObject",
    "Queries",
    "StorageFull",
    "Worker",
    "connect",
    "dumps",
    "is_full",
]

_T = TypeVar("_T")

JSONObject = dict[str, Any]

# Long enough to ride out another process holding the write lock (a restarted emulator, a backup).
BUSY_TIMEOUT_MS = 30_000
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


def dumps(value: object) -> str:
    """The stored form of a JSON value: compact, Unicode as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class DatabaseUnusable(ValueError):
    """The database file cannot be opened: a folder, a missing folder, not SQLite, no access."""


class StorageFull(Exception):
    """SQLite reported ``SQLITE_FULL``: the disk (or the database's size limit) is full."""


class Queries:
    """The base of the query classes: they run statements on one connection, inside a
    transaction the store has begun (on the store's thread)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn


def connect(path: str, clock: Callable[[], float]) -> sqlite3.Connection:
    """Open (creating if needed) the database at ``path`` or ``":memory:"``, ready for use.

    ``clock`` dates the idempotency records a migration adopts. Call it on the store's thread.

    Raises:
        DatabaseUnusable: The path is a folder, its folder is missing, it is not a SQLite
            database, or it cannot be read and written.
        sqlite3.OperationalError: The disk is full (see :func:`is_full`).
    """
    if path != ":memory:":
        _create_private(path)
    try:
        conn = sqlite3.connect(
            path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise DatabaseUnusable(f"cannot open database {path!r}: {exc}") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: fsync the WAL at every commit, so an acknowledged write survives a crash.
        conn.execute("PRAGMA synchronous = FULL")
        # Every statement is IF NOT EXISTS, so a concurrent or repeated open is harmless.
        conn.executescript(_SCHEMA)
        conn.executescript(_RESPONSES_SCHEMA)
        _migrate(conn, clock)
        conn.executescript(_INDEXES)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if is_full(exc):
            raise
        raise DatabaseUnusable(f"cannot use {path!r} as the emulator's database: {exc}") from None
    return conn


def _migrate(conn: sqlite3.Connection, clock: Callable[[], float]) -> None:
    """Give an idempotency table from an older emulator the columns expiry needs."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        present = {row[1] for row in conn.execute("PRAGMA table_info(idempotency)")}
        missing = [name for name in _IDEMPOTENCY_COLUMNS if name not in present]
        for name in missing:
            # Names and types come from the fixed mapping above, never from input.
            conn.execute(f"ALTER TABLE idempotency ADD COLUMN {name} {_IDEMPOTENCY_COLUMNS[name]}")
        if "created_at" in missing:
            # Old records start their 24 hours now rather than expiring all at once.
            conn.execute("UPDATE idempotency SET created_at = ?", (int(clock()),))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


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


def is_full(exc: sqlite3.Error) -> bool:
    """Whether SQLite failed with ``SQLITE_FULL`` (disk full, or the size limit reached)."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if code is not None:
        return bool(code & 0xFF == _SQLITE_FULL)
    return "database or disk is full" in str(exc)


class Worker:
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
        """Run ``fn`` on the thread and return (or raise) what it does."""
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
        """Let queued calls finish, then end the thread (joined unless called from it)."""
        self._queue.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _serve(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            job()
