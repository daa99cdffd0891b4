"""Quickstart: the Conversations API's main job, offline, against the embedded emulator.

Run it with ``python examples/quickstart.py``: no API key and no network needed. It creates a
conversation with metadata and items, adds items, pages through them, retrieves one, updates the
metadata, deletes an item and finally the conversation.

To talk to the real API instead, replace ``emulated_async_client()`` with
``AsyncClient()`` (it reads ``OPENAI_API_KEY``).
"""

from __future__ import annotations

import asyncio

from conversations_sdk import NotFoundError
from conversations_sdk.emulator import emulated_async_client
from conversations_sdk.models import ConversationItem, InputTextContent, Message, OutputTextContent


def show(label: str, text: str) -> None:
    print(f"{label:<22} {text}")


def describe(item: ConversationItem) -> str:
    """One line per item: who said what (or the item's type for tool calls and the like)."""
    if isinstance(item, Message):
        part = item.content[0]
        text = part.text if isinstance(part, (InputTextContent, OutputTextContent)) else part.type
        return f"{item.role:<9} {text}"
    return str(item.type)


async def main() -> None:
    async with emulated_async_client() as client:
        print(f"Emulator running at {client.base_url}\n")

        # 1. Create a conversation with metadata and a first item.
        conversation = await client.conversations.create(
            metadata={"topic": "demo"},
            items=[{"type": "message", "role": "user", "content": "Hello!"}],
        )
        show("created", f"{conversation.id}  metadata={conversation.metadata}")

        # 2. Add more items (up to 20 per call).
        added = await client.conversations.items.create(
            conversation.id,
            items=[
                {"type": "message", "role": "assistant", "content": "Hi! How can I help?"},
                {"type": "message", "role": "user", "content": "Tell me about conversations."},
                {"type": "message", "role": "assistant", "content": "They keep the turns for you."},
            ],
        )
        show("added items", ", ".join(f"{item.id}"[:12] + "…" for item in added.data))

        # 3. Page through the items, oldest first, two per page.
        print("\nItems, two per page:")
        page_number = 0
        async for page in client.conversations.items.list(
            conversation.id, limit=2, order="asc"
        ).pages():
            page_number += 1
            for item in page.data:
                print(f"  page {page_number}  {describe(item)}")
        print()

        # 4. Retrieve the conversation and one item.
        retrieved = await client.conversations.retrieve(conversation.id)
        show("retrieved", f"{retrieved.id}  created_at={retrieved.created_at}")
        first = added.data[0]
        if not isinstance(first, Message):
            raise TypeError(f"expected a message, got {first!r}")
        item = await client.conversations.items.retrieve(first.id, conversation_id=conversation.id)
        show("retrieved item", f"{item.id}  {describe(item)}")

        # 5. Update the metadata.
        updated = await client.conversations.update(conversation.id, metadata={"topic": "done"})
        show("updated", f"metadata={updated.metadata}")

        # 6. Delete an item: the answer is the conversation.
        await client.conversations.items.delete(first.id, conversation_id=conversation.id)
        remaining = [i.id async for i in client.conversations.items.list(conversation.id)]
        show("deleted item", f"{first.id}  ({len(remaining)} items left)")

        # 7. Delete the conversation: it is gone, with its items.
        deleted = await client.conversations.delete(conversation.id)
        show("deleted conversation", f"{deleted.id}  deleted={deleted.deleted}")
        try:
            await client.conversations.retrieve(conversation.id)
        except NotFoundError:
            show("retrieve after delete", "404 Not Found, as expected")


if __name__ == "__main__":
    asyncio.run(main())
