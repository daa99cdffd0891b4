"""When and how long to wait before retrying: :class:`RetryPolicy` and the per-client retry budget.

This module is pure (no I/O, no sleeping): the retry loop in ``_requester.py`` asks it for delays and for
permission to retry. Which responses are retryable at all is decided in ``_wire.py``.
"""

from __future__ import annotations

import random
import threading

import attrs

__all__ = ["RetryBudget", "RetryPolicy"]


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How long to wait between attempts, and how many retries a client may spend overall.

    The number of retries per call is the client's (or the call's) ``max_retries``; this value
    only shapes the waiting. Use :meth:`no_backoff` in tests so retries never sleep.

    Attributes:
        initial_backoff: Delay in seconds before the first retry, doubled on each further retry.
        max_backoff: Upper bound in seconds of the exponential delay.
        jitter: Fraction of the delay removed at random (0.25 waits 75-100 % of it), so a fleet
            of coroutines failing together does not retry in lockstep.
        max_retry_after: The longest server-requested delay (``retry-after-ms`` / ``Retry-After``)
            that is honoured, in seconds; a longer or negative one falls back to the backoff.
        budget: Size of the per-client retry token bucket (``None`` disables the budget). Every
            retryable failure spends one token, every other outcome refills ``budget_refill``, and
            retries are allowed only while more than half the bucket is left, so a server failing
            every request receives a handful of extra attempts instead of ``max_retries`` times
            the load.
        budget_refill: Tokens returned by each outcome that is not a retryable failure.
    """

    initial_backoff: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    max_backoff: float = attrs.field(default=8.0, validator=attrs.validators.ge(0))
    jitter: float = attrs.field(
        default=0.25, validator=[attrs.validators.ge(0), attrs.validators.le(1)]
    )
    max_retry_after: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    budget: float | None = attrs.field(default=40.0)
    # One token back per success, and a bucket of 40: retries are throttled only once failures
    # outnumber successes, so a server failing 30 % of requests is still retried fully (>= 97 % of
    # calls succeed with two retries; tests/reliability/test_chaos.py), while one failing everything
    # gets about 20 extra attempts in all, not 3x the load (tests/reliability/test_storm.py).
    budget_refill: float = attrs.field(default=1.0, validator=attrs.validators.ge(0))

    @classmethod
    def no_backoff(cls) -> RetryPolicy:
        """A policy that never waits (server-requested delays included): for tests.

        Returns:
            A policy with zero backoff, no jitter and ``Retry-After`` ignored; the retry budget
            is kept, as in production.
        """
        return cls(initial_backoff=0.0, max_backoff=0.0, jitter=0.0, max_retry_after=0.0)

    def delay(
        self, retry_number: int, retry_after: float | None, rng: random.Random | None = None
    ) -> float:
        """The delay in seconds before retry number ``retry_number`` (1 for the first retry).

        Args:
            retry_number: Which retry is about to happen, starting at 1.
            retry_after: The server's requested delay in seconds, if it sent one.
            rng: Source of jitter (tests may pass a seeded one).

        Returns:
            The server's delay when it is within ``0..max_retry_after``, else the capped
            exponential backoff minus jitter.
        """
        if retry_after is not None and 0 <= retry_after <= self.max_retry_after:
            return retry_after
        base = min(self.initial_backoff * 2.0 ** max(retry_number - 1, 0), self.max_backoff)
        if not base or not self.jitter:
            return base
        # Not a security use: jitter only de-synchronises clients.
        return base * (1 - self.jitter * (rng or random).random())


RetryPolicy.__module__ = "conversations_sdk"


class RetryBudget:
    """The per-client token bucket described in :attr:`RetryPolicy.budget` (gRPC-style throttling).

    Shared by every coroutine (and, through the blocking facade, every thread) using one client.
    """

    def __init__(self, size: float | None, refill: float) -> None:
        self._size = size
        self._refill = refill
        self._tokens = size or 0.0
        # Blocking-facade threads all run on one loop, but a lock keeps this honest anywhere.
        self._lock = threading.Lock()

    @property
    def tokens(self) -> float:
        """Tokens left (the full size when the budget is disabled)."""
        return self._tokens

    def record_success(self) -> None:
        """An attempt ended in anything but a retryable failure: refill a little."""
        if self._size is None:
            return
        with self._lock:
            self._tokens = min(self._size, self._tokens + self._refill)

    def record_failure(self) -> bool:
        """An attempt ended in a retryable failure: spend a token.

        Returns:
            Whether a retry is still allowed by the budget.
        """
        if self._size is None:
            return True
        with self._lock:
            self._tokens = max(0.0, self._tokens - 1)
            return self._tokens > self._size / 2
