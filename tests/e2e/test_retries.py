"""Retries over real sockets: nothing lost, nothing duplicated, whatever fails and when."""

from __future__ import annotations

import pytest

from conversations_sdk import AsyncClient, Client, InternalServerError, RateLimitError
from conversations_sdk.emulator import Faults, ThreadedEmulator

FAULTS = [
    pytest.param("500", "before", id="500-before"),
    pytest.param("500", "after", id="500-after-commit"),
    pytest.param("503", "after", id="503-after-commit"),
    pytest.param("429", "before", id="429-before"),
    pytest.param("reset", "before", id="reset-before"),
    pytest.param("reset", "after", id="reset-after-commit"),
]


@pytest.mark.parametrize(("mode", "when"), FAULTS)
async def test_retried_append_lands_exactly_once(
    async_client: AsyncClient, emulator: ThreadedEmulator, mode: str, when: str
) -> None:
    """Two failed attempts, then success: the items are stored once, in order (idempotency key)."""
    conversation = await async_client.conversations.create()
    emulator.set_faults(Faults(mode=mode, when=when, methods={"POST"}, max_faults=2, retry_after=0))
    added = await async_client.conversations.items.create(
        conversation.id, items=[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
    )
    assert emulator.faults_injected == 2
    emulator.set_faults(None)
    stored = [
        item async for item in async_client.conversations.items.list(conversation.id, order="asc")
    ]
    assert [item.id for item in stored] == [item.id for item in added.data]
    assert [item.content[0].text for item in stored] == ["a", "b"]


@pytest.mark.parametrize(("mode", "when"), FAULTS)
def test_retried_create_makes_one_conversation_blocking(
    client: Client, emulator: ThreadedEmulator, mode: str, when: str
) -> None:
    """The blocking client's retries of a create also end with exactly one stored conversation."""
    emulator.set_faults(Faults(mode=mode, when=when, methods={"POST"}, max_faults=1, retry_after=0))
    conversation = client.conversations.create(items=[{"role": "user", "content": "once"}])
    emulator.set_faults(None)
    items = list(client.conversations.items.list(conversation.id))
    assert len(items) == 1


async def test_deletes_are_retried_without_a_spurious_404(
    async_client: AsyncClient, emulator: ThreadedEmulator
) -> None:
    """A DELETE whose first answer was lost after commit is replayed, not answered 404."""
    conversation = await async_client.conversations.create()
    emulator.set_faults(Faults(mode="reset", when="after", methods={"DELETE"}, max_faults=1))
    deleted = await async_client.conversations.delete(conversation.id)
    assert deleted.deleted is True


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        pytest.param("500", InternalServerError, id="500"),
        pytest.param("429", RateLimitError, id="429"),
    ],
)
async def test_persistent_faults_surface_as_typed_errors(
    async_client: AsyncClient, emulator: ThreadedEmulator, mode: str, error: type[Exception]
) -> None:
    """When every attempt fails, the last status becomes the matching exception."""
    emulator.set_faults(Faults(mode=mode, retry_after=0))
    with pytest.raises(error):
        await async_client.conversations.create()
    assert emulator.faults_injected == 1 + async_client.max_retries
