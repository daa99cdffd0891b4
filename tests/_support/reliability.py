"""Shared machinery of the reliability suite: scale, figures, a live emulator with mixed faults.

Every test here measures something at scale and records it as a *figure*. The counts come from
``RELIABILITY_SCALE``: ``full`` (the ``reliability`` nox session) runs the issue's counts; anything
else runs a small smoke version, so the ordinary test run still exercises every path quickly.
Figures are printed (visible with ``-s``), attached with ``record_property``, and written as JSON
to ``RELIABILITY_FIGURES`` (or a temporary file whose path is printed) when the session ends.

Only loopback addresses are ever used.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import anyio.from_thread

from conversations_sdk.emulator import Emulator, Faults
from conversations_sdk.emulator._faults import FaultInjector

FigureRecorder = Callable[..., None]

FULL = os.environ.get("RELIABILITY_SCALE", "smoke") == "full"
SCALE = "full" if FULL else "smoke"


def count(full: int, smoke: int) -> int:
    """The issue's count in the full run, a small one otherwise."""
    return full if FULL else smoke


def text_of(item: Any) -> str:
    """The text of an item's first content part (the suite writes one-part user messages only)."""
    return str(item.content[0].text)


def id_of(item: Any) -> str:
    """An item's id (optional in the spec for some item types; always set by the emulator)."""
    assert item.id is not None
    return str(item.id)


class Figures:
    """Every figure recorded in this session, by test name."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def record(self, name: str, values: dict[str, Any]) -> None:
        self.rows[name] = {"scale": SCALE, **values}
        print(f"\nFIGURE {name}: {json.dumps(values, sort_keys=True)}")


class MixedFaults(FaultInjector):
    """Inject a seeded mix of fault kinds into a share of requests, and count every request.

    The emulator's :class:`Faults` has one mode per configuration; the chaos run needs several at
    once. The emulator consults its injector's ``draw`` for every authenticated request, on its
    own loop thread, so counting there is counting what the server saw.
    """

    def __init__(self, kinds: Sequence[Faults] = (), *, fraction: float = 0.0, seed: int = 0):
        super().__init__(None)
        self._kinds = list(kinds)
        self._fraction = fraction
        self._mix = random.Random(seed)
        self.enabled = True
        self.requests = 0
        self.by_kind: collections.Counter[str] = collections.Counter()

    def draw(self, method: str) -> Faults | None:
        self.requests += 1
        if not self.enabled or not self._kinds or self._mix.random() >= self._fraction:
            return None
        fault = self._mix.choice(self._kinds)
        self.by_kind[f"{fault.mode}-{fault.when}"] += 1
        self._injected += 1
        return fault


class LiveEmulator:
    """An emulator serving on its own loop thread, with direct (read-only) access to its rows."""

    def __init__(
        self, emulator: Emulator, portal: anyio.from_thread.BlockingPortal, injector: MixedFaults
    ) -> None:
        self.emulator = emulator
        self.portal = portal
        self.injector = injector

    @property
    def base_url(self) -> str:
        return self.emulator.base_url

    def sql(self, query: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query in one snapshot of the emulator's database."""

        def operation(tx: Any) -> list[tuple[Any, ...]]:
            return list(tx._conn.execute(query, tuple(params)).fetchall())

        # The store's own read path (its thread, one snapshot): no second connection to the data.
        return self.portal.call(self.emulator._store.read, operation)


@contextlib.contextmanager
def live_emulator(
    *, api_key: str, injector: MixedFaults | None = None, db: str | None = None
) -> Iterator[LiveEmulator]:
    """Serve an emulator on 127.0.0.1 from a separate loop thread, so a test's clients are not
    competing with it for their own loop."""
    injector = injector or MixedFaults()
    with anyio.from_thread.start_blocking_portal("asyncio") as portal:
        emulator = Emulator(api_key=api_key, db=db)
        # The application captures the injector when it starts: install ours first.
        emulator._injector = injector
        portal.call(emulator.start)
        try:
            yield LiveEmulator(emulator, portal, injector)
        finally:
            portal.call(emulator.aclose)
