"""Request params as users write them: dict literals checked against the generated TypedDicts.

Good shapes must type-check with 0 errors. Each bad one carries the error each checker must report:
mypy's ``# type: ignore[code]`` (``warn_unused_ignores`` fails the run if the error disappears) and
pyright's ``# pyright: ignore[rule]`` (``reportUnnecessaryTypeIgnoreComment``). So a regression that
stops catching a mistake fails CI, in either checker.
"""

from __future__ import annotations

from conversations_sdk import AsyncClient, Client
from conversations_sdk.models import EasyInputMessage, FunctionCallOutputItemParam
from conversations_sdk.types import (
    ConversationCreateParams,
    EasyInputMessageParam,
    InputItemParam,
    InputTextContentParam,
    ItemReferenceParam,
    ResponseInputItemParam,
)


async def good(client: AsyncClient, conversation_id: str) -> None:
    await client.conversations.items.create(
        conversation_id,
        items=[
            {"role": "user", "content": "No type key: the easy message."},
            {"type": "message", "role": "developer", "content": "Be brief.", "phase": None},
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is in this image?"},
                    {
                        "type": "input_image",
                        "image_url": "https://a.example/a.png",
                        "detail": "auto",
                    },
                    {"type": "input_file", "file_id": "file-1"},
                ],
            },
            {
                "type": "function_call",
                "call_id": "call_1",
                "name": "get_weather",
                "arguments": '{"city": "Paris"}',
            },
            {"type": "function_call_output", "call_id": "call_1", "output": '{"celsius": 21}'},
            {"type": "item_reference", "id": "msg_1"},
            {"id": "msg_2"},  # an item reference needs no type either
            # Typed models and dicts mix in one list.
            EasyInputMessage(role="assistant", content="21 °C."),
            FunctionCallOutputItemParam(call_id="call_1", output="ok"),
        ],
    )
    await client.conversations.create(
        items=({"role": "user", "content": "a tuple works too"},), metadata={"topic": "demo"}
    )


def named_params() -> list[InputItemParam]:
    # Built ahead of the call, under their names (the official SDK's names work too).
    text: InputTextContentParam = {"type": "input_text", "text": "hi"}
    easy: EasyInputMessageParam = {"role": "user", "content": [text]}
    ref: ItemReferenceParam = {"id": "msg_1", "type": None}
    body: ConversationCreateParams = {"items": [easy, ref], "metadata": None}
    first: ResponseInputItemParam = easy
    return [first, ref, *(body.get("items") or [])]


async def bad(client: AsyncClient, cid: str) -> None:
    create = client.conversations.items.create
    # One mistake per line: each line's expectations pin that mistake's error.
    # fmt: off
    # A misspelled key.
    await create(cid, items=[{"type": "message", "role": "user", "contnet": "hi"}])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    # A role that does not exist.
    await create(cid, items=[{"type": "message", "role": "usr", "content": "hi"}])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    # ... also in the easy message without a type.
    await create(cid, items=[{"role": "usr", "content": "hi"}])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    # An item type that does not exist.
    await create(cid, items=[{"type": "mesage", "role": "user", "content": "hi"}])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    # A missing required key (function_call needs call_id).
    await create(cid, items=[{"type": "function_call", "name": "f", "arguments": "{}"}])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    # A wrong content part type, and a misspelled key in a content part.
    await create(cid, items=[{"role": "user", "content": [{"type": "input_txt", "text": "hi"}]}])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    await create(cid, items=[{"role": "user", "content": [{"type": "input_text", "txt": "hi"}]}])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    # A status value outside the request enum (requests are checked strictly).
    await create(cid, items=[{"type": "function_call", "call_id": "c", "name": "f", "arguments": "{}", "status": "done"}])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    # A value of the wrong type.
    await create(cid, items=[{"type": "function_call_output", "call_id": "c", "output": 42}])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    # The same mistakes through conversations.create.
    await client.conversations.create(items=[{"role": "user", "contnet": "hi"}])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    # And in a named TypedDict.
    easy: EasyInputMessageParam = {"role": "user", "content": "hi", "phase": "draft"}  # type: ignore[typeddict-item]  # pyright: ignore[reportAssignmentType]
    missing: EasyInputMessageParam = {"role": "user"}  # type: ignore[typeddict-item]  # pyright: ignore[reportAssignmentType]
    # fmt: on
    del easy, missing


def blocking(client: Client, cid: str) -> None:
    # The blocking client takes the same TypedDicts (its methods share the async signatures).
    client.conversations.items.create(cid, items=[{"role": "user", "content": "hi"}])
    client.conversations.create(items=[{"type": "item_reference", "id": "msg_1"}])
    # fmt: off
    client.conversations.items.create(cid, items=[{"role": "usr", "content": "hi"}])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    client.conversations.create(items=[{"type": "message", "role": "user", "contnet": "hi"}])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
    # fmt: on
