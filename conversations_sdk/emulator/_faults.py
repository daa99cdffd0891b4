"""Fault injection: make the emulator fail on purpose, reproducibly, over a real socket.

Off by default. A :class:`Faults` value says what to do (answer 500, 503 or 429 with
``Retry-After``, reset the connection, or stall), when (``"before"`` the request is processed, or
``"after"`` its transaction committed — the case that proves a client's retry does not duplicate a
write), and to which share of requests, drawn from a seeded RNG so a failing test replays exactly.
"""

from __future__ import annotations

import contextlib
import math
import random
import socket
import struct
from collections.abc import Iterable
from typing import Literal

import attrs
from aiohttp import web

__all__ = ["FAULT_MODES", "FaultInjector", "Faults", "reset_connection"]

FaultMode = Literal["500", "503", "429", "reset", "stall"]
FaultWhen = Literal["before", "after"]

FAULT_MODES: tuple[FaultMode, ...] = ("500", "503", "429", "reset", "stall")


def _check_fraction(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, got {value!r}")


def _check_non_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value!r}")


def _upper_methods(methods: Iterable[str]) -> frozenset[str]:
    return frozenset(m.upper() for m in methods)


@attrs.frozen(kw_only=True)
class Faults:
    """What the emulator should get wrong, and how often.

    Args:
        mode: ``"500"``, ``"503"`` or ``"429"`` answer with that status and an API error body
            (429 and 503 carry ``Retry-After`` and ``retry-after-ms``); ``"reset"`` aborts the
            TCP connection without a response; ``"stall"`` holds the response for
            ``stall_seconds`` (so the client's timeout fires first).
        when: ``"before"`` fails without touching the database; ``"after"`` runs the request and
            commits, then fails instead of answering.
        fraction: The share of eligible requests that fail, from 0 to 1.
        seed: Seed of the RNG drawing which requests fail; the same seed gives the same sequence.
        methods: The HTTP methods eligible for a fault.
        max_faults: Stop injecting after this many faults (``None``: no limit). ``fraction=1,
            max_faults=2`` means "fail the first two requests, then behave".
        retry_after: Seconds advertised by ``Retry-After`` (rounded up) and ``retry-after-ms``.
        stall_seconds: How long a stall lasts; a closing emulator ends it early.
    """

    mode: FaultMode = attrs.field(validator=attrs.validators.in_(FAULT_MODES))
    when: FaultWhen = attrs.field(
        default="before", validator=attrs.validators.in_(("before", "after"))
    )
    fraction: float = attrs.field(default=1.0, validator=_check_fraction)
    seed: int = 0
    methods: frozenset[str] = attrs.field(
        default=frozenset({"GET", "POST", "DELETE"}),
        converter=_upper_methods,
    )
    max_faults: int | None = None
    retry_after: float = attrs.field(default=1.0, validator=_check_non_negative)
    stall_seconds: float = attrs.field(default=300.0, validator=_check_non_negative)

    def retry_headers(self) -> dict[str, str]:
        """Return the ``Retry-After`` headers a 429 or 503 fault carries."""
        return {
            "Retry-After": str(math.ceil(self.retry_after)),
            "retry-after-ms": str(round(self.retry_after * 1000)),
        }


class FaultInjector:
    """Decide, request by request, whether to inject the configured fault.

    Args:
        faults: The configuration, or ``None`` for no faults.
    """

    def __init__(self, faults: Faults | None = None) -> None:
        self.configure(faults)

    @property
    def faults(self) -> Faults | None:
        """The active configuration."""
        return self._faults

    @property
    def injected(self) -> int:
        """How many faults were injected since the last :meth:`configure`."""
        return self._injected

    def configure(self, faults: Faults | None) -> None:
        """Switch to ``faults`` (``None`` turns injection off) and restart its RNG and counter."""
        self._faults = faults
        self._rng = random.Random(faults.seed if faults else 0)  # noqa: S311 - reproducible, not secret
        self._injected = 0

    def draw(self, method: str) -> Faults | None:
        """Return the fault to inject into this request, or ``None`` to serve it normally."""
        faults = self._faults
        if faults is None or method.upper() not in faults.methods:
            return None
        if faults.max_faults is not None and self._injected >= faults.max_faults:
            return None
        # Draw for every eligible request, so the sequence depends on the seed only.
        if self._rng.random() >= faults.fraction:
            return None
        self._injected += 1
        return faults


def reset_connection(request: web.BaseRequest) -> None:
    """Abort the request's TCP connection, with an RST where the platform allows."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # SO_LINGER with a zero timeout turns close() into an RST: the client sees a reset, not EOF.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
