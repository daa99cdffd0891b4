"""Backoff delays and the per-client retry budget."""

from __future__ import annotations

import random

import attrs
import pytest

from conversations_sdk import RetryPolicy
from conversations_sdk._retry import RetryBudget


def test_default_backoff_is_exponential_and_capped() -> None:
    """Without jitter the delays are 0.5, 1, 2, 4, 8, 8 ... seconds."""
    policy = RetryPolicy(jitter=0.0)
    assert [policy.delay(n, None) for n in range(1, 8)] == [0.5, 1, 2, 4, 8, 8, 8]


def test_jitter_only_shortens_within_its_fraction() -> None:
    """Jitter takes at most 25 % off the backoff and never adds to it."""
    policy = RetryPolicy()
    rng = random.Random(1)
    delays = [policy.delay(3, None, rng) for _ in range(200)]
    assert all(1.5 <= d <= 2.0 for d in delays)
    assert len(set(delays)) > 100


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [
        pytest.param(3.0, 3.0, id="honoured"),
        pytest.param(0.0, 0.0, id="zero-honoured"),
        pytest.param(60.0, 60.0, id="upper-bound"),
        pytest.param(61.0, 0.5, id="too-long-falls-back"),
        pytest.param(-1.0, 0.5, id="negative-falls-back"),
    ],
)
def test_server_delay_within_bounds_is_honoured(retry_after: float, expected: float) -> None:
    """A server delay in 0..60 s is used as is; otherwise the backoff applies."""
    assert RetryPolicy(jitter=0.0).delay(1, retry_after) == expected


def test_no_backoff_never_waits() -> None:
    """The testing policy waits zero seconds, whatever the server asks."""
    policy = RetryPolicy.no_backoff()
    assert {policy.delay(n, ra) for n in range(1, 6) for ra in (None, 2.0, 30.0)} == {0.0}


def test_policy_is_an_immutable_value() -> None:
    """Policies compare by value and cannot be changed in place."""
    assert RetryPolicy() == RetryPolicy()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        RetryPolicy().max_backoff = 1  # type: ignore[misc]
    with pytest.raises(ValueError, match="jitter"):
        RetryPolicy(jitter=2)
    assert RetryPolicy.__module__ == "conversations_sdk"


def test_budget_stops_retries_when_everything_fails() -> None:
    """A server failing every attempt gets only a few retries from one client, not 2x the load."""
    budget = RetryBudget(10.0, 0.1)
    allowed = sum(budget.record_failure() for _ in range(1000))
    assert allowed == 4


def test_budget_refills_on_success() -> None:
    """Successes earn retries back, 0.1 token each."""
    budget = RetryBudget(10.0, 0.1)
    for _ in range(20):
        budget.record_failure()
    assert not budget.record_failure()
    for _ in range(70):
        budget.record_success()
    assert budget.record_failure()
    for _ in range(1000):
        budget.record_success()
    assert budget.tokens == 10.0


def test_budget_disabled() -> None:
    """budget=None never refuses a retry."""
    budget = RetryBudget(None, 0.1)
    assert all(budget.record_failure() for _ in range(100))
