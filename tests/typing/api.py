"""The async public API used the way users write it: type-checked with mypy --strict, never run."""

from __future__ import annotations

import aiohttp

from conversations_sdk import (
    NOT_GIVEN,
    APIStatusError,
    AsyncClient,
    AsyncConversations,
    AsyncItems,
    AsyncPager,
    RateLimitError,
    RawResponse,
    RetryPolicy,
)
from conversations_sdk.models import (
    Conversation,
    ConversationDeletedResource,
    ConversationItem,
    ConversationItemList,
    UnknownItem,
    ValidationIssue,
)


async def conversations_roundtrip() -> None:
    async with AsyncClient(
        api_key="sk-test",
        base_url="http://127.0.0.1:8000/v1",
        timeout=30.0,
        max_retries=3,
        retry=RetryPolicy.no_backoff(),
        default_headers={"X-App": "demo"},
        max_response_size=1 << 20,
        connection_limit=50,
    ) as client:
        resource: AsyncConversations = client.conversations
        created: Conversation = await resource.create(
            items=[{"type": "message", "role": "user", "content": "Hello!"}],
            metadata={"topic": "demo"},
            idempotency_key="create-1",
        )
        fetched: Conversation = await resource.retrieve(
            created.id, timeout=aiohttp.ClientTimeout(total=5)
        )
        updated: Conversation = await resource.update(fetched.id, metadata=None)
        deleted: ConversationDeletedResource = await resource.delete(updated.id, max_retries=0)
        assert deleted.deleted


async def items_and_pages(client: AsyncClient, conversation_id: str) -> list[str]:
    items: AsyncItems = client.conversations.items
    added: ConversationItemList = await items.create(
        conversation_id,
        items=[{"type": "message", "role": "user", "content": "Hi"}],
        include=["message.output_text.logprobs"],
    )
    pager: AsyncPager[ConversationItem] = items.list(
        conversation_id, limit=50, order="asc", after=added.last_id, include=NOT_GIVEN
    )
    first: AsyncPager[ConversationItem] = await pager
    seen = [first.first_id]
    if first.has_next_page():
        following: AsyncPager[ConversationItem] = await first.get_next_page()
        seen.extend(str(item.id) for item in following.data)
    async for each in first.iter_pages():
        seen.append(each.last_id)
    async for page in pager.pages():
        seen.append(page.last_id)
    async for item in items.list(conversation_id):
        seen.append(type(item).__name__)
    one: ConversationItem = await items.retrieve(first.first_id, conversation_id=conversation_id)
    parent: Conversation = await items.delete(first.first_id, conversation_id=conversation_id)
    seen.append(parent.id)
    del one
    return seen


async def raw_responses(client: AsyncClient) -> str | None:
    raw: RawResponse[Conversation] = await client.conversations.with_raw_response.retrieve("conv_1")
    status: int = raw.status_code
    conversation: Conversation = raw.parse()
    page: RawResponse[
        AsyncPager[ConversationItem]
    ] = await client.with_raw_response.conversations.items.list("conv_1", limit=10)
    text: str = raw.text
    method: str = raw.http_request.method
    del status, conversation, page, text, method
    return raw.request_id


async def streaming(client: AsyncClient) -> Conversation:
    streaming = client.with_streaming_response.conversations
    async with streaming.retrieve("conv_1") as response:
        status: int = response.status_code
        lines = [line async for line in response.iter_lines()]
        del status, lines
    async with client.conversations.items.with_streaming_response.list("conv_1") as listed:
        first: AsyncPager[ConversationItem] = await listed.parse()
        del first
    async with streaming.retrieve("conv_1") as again:
        return await again.parse()


async def options_and_providers() -> Conversation:
    async def token() -> str:
        return "sk-test"

    async with AsyncClient(api_key=token) as client:
        copy: AsyncClient = client.with_options(timeout=5, set_default_headers={"X-A": "1"})
        return await copy.conversations.retrieve("conv_1")


def blocking_surface() -> list[str]:
    from conversations_sdk import Client, Pager

    with Client(api_key=lambda: "sk-test", session_factory=aiohttp.ClientSession) as client:
        page: Pager[ConversationItem] = client.conversations.items.list("conv_1", limit=2)
        ids = [str(item.id) for item in page.data]
        for each in page.iter_pages():
            ids.append(each.last_id)
        with client.conversations.with_streaming_response.retrieve("conv_1") as response:
            ids.append(response.parse().id)
        created: Conversation = client.conversations.create(metadata={"topic": "demo"})
        one: ConversationItem = client.conversations.items.retrieve("msg_1", conversation_id="c")
        raw: RawResponse[Conversation] = client.conversations.with_raw_response.retrieve(created.id)
        # A raw or streamed list parses to the blocking page, as it is at run time.
        raw_page: RawResponse[Pager[ConversationItem]] = (
            client.with_raw_response.conversations.items.list("conv_1", limit=10)
        )
        first: Pager[ConversationItem] = raw_page.parse()
        with client.conversations.items.with_streaming_response.list("conv_1") as listed:
            streamed: Pager[ConversationItem] = listed.parse()
            ids.extend(line for line in listed.iter_lines())
        ids.extend([raw.parse().id, first.last_id, streamed.first_id, str(one.id)])
        copy: Client = client.with_options(max_retries=0)
        ids.append(copy.conversations.retrieve("conv_1").id)
        return ids


async def errors(client: AsyncClient) -> int | None:
    try:
        await client.conversations.retrieve("conv_1", extra_headers={"X-Trace": "1"})
    except RateLimitError as exc:
        return exc.status_code
    except APIStatusError as exc:
        return exc.status_code
    finally:
        await client.aclose()
    return None


async def tolerant_and_strict_reading(client: AsyncClient, conversation_id: str) -> list[str]:
    strict_client = AsyncClient(api_key="sk-test", strict=True)
    assert strict_client.strict
    assert not client.strict
    conversation: Conversation = await client.conversations.retrieve(conversation_id, strict=True)
    page: AsyncPager[ConversationItem] = await client.conversations.items.list(conversation_id)
    issues: tuple[ValidationIssue, ...] = page.validation_issues
    paths = [issue.path for issue in issues] + [got for _, _, got in conversation.validation_issues]
    restored: Conversation = Conversation.from_dict({"id": "conv_1"}, strict=False)
    for item in page.data:
        if isinstance(item, UnknownItem) and item.reason is not None:
            paths.append(item.reason)
    await strict_client.aclose()
    return [*paths, restored.id]
