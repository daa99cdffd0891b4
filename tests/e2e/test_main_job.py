"""The SDK against the emulator over loopback: the quickstart's main job, async and blocking."""

from __future__ import annotations

import pytest

from conversations_sdk import AsyncClient, Client, NotFoundError
from conversations_sdk.models import Message


async def test_main_job_async(async_client: AsyncClient) -> None:
    """Create with metadata and items, add, page, retrieve, update, delete an item, delete all."""
    conversations = async_client.conversations
    conversation = await conversations.create(
        metadata={"topic": "demo"},
        items=[{"type": "message", "role": "user", "content": "Hello!"}],
    )
    assert conversation.id.startswith("conv_")
    assert conversation.metadata == {"topic": "demo"}

    added = await conversations.items.create(
        conversation.id,
        items=[{"type": "message", "role": "assistant", "content": f"reply {i}"} for i in range(5)],
    )
    assert [item.id[:4] for item in added.data] == ["msg_"] * 5

    pages = [
        page
        async for page in conversations.items.list(conversation.id, limit=2, order="asc").pages()
    ]
    walked = [item for page in pages for item in page.data]
    assert len(pages) == 3
    assert [item.id for item in walked][1:] == [item.id for item in added.data]
    first = walked[0]
    assert isinstance(first, Message)
    assert first.content[0].type == "input_text"

    retrieved = await conversations.items.retrieve(first.id, conversation_id=conversation.id)
    assert retrieved == first
    updated = await conversations.update(conversation.id, metadata={"topic": "done"})
    assert updated.metadata == {"topic": "done"}

    after_delete = await conversations.items.delete(first.id, conversation_id=conversation.id)
    assert after_delete.id == conversation.id
    remaining = [item.id async for item in conversations.items.list(conversation.id)]
    assert first.id not in remaining
    assert len(remaining) == 5

    deleted = await conversations.delete(conversation.id)
    assert deleted.deleted is True
    with pytest.raises(NotFoundError):
        await conversations.retrieve(conversation.id)


def test_main_job_blocking(client: Client) -> None:
    """The blocking client does the same main job against the same server."""
    conversations = client.conversations
    conversation = conversations.create(
        metadata={"topic": "demo"}, items=[{"role": "user", "content": "Hi"}]
    )
    for start in (0, 15):
        conversations.items.create(
            conversation.id,
            items=[{"role": "user", "content": str(i)} for i in range(start, start + 15)],
        )
    ids = [item.id for item in conversations.items.list(conversation.id, limit=7)]
    assert len(ids) == len(set(ids)) == 31
    item = conversations.items.retrieve(ids[0], conversation_id=conversation.id)
    assert item.id == ids[0]
    conversations.items.delete(ids[0], conversation_id=conversation.id)
    assert conversations.delete(conversation.id).deleted is True
    with pytest.raises(NotFoundError):
        conversations.items.retrieve(ids[1], conversation_id=conversation.id)


async def test_raw_response_carries_the_emulators_request_id(async_client: AsyncClient) -> None:
    """The request id the emulator sets reaches the SDK's raw response."""
    conversation = await async_client.conversations.create()
    raw = await async_client.with_raw_response.conversations.retrieve(conversation.id)
    assert raw.status_code == 200
    assert raw.request_id is not None
    assert raw.request_id.startswith("req_")
    assert raw.parsed == conversation
