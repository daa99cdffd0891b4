"""The official ``openai`` client's Responses calls against the emulator, next to this SDK.

A conversation app's main loop is ``responses.create(model=..., conversation=..., input=...)``;
these tests run it, streamed and scripted, through the official client (the yardstick for names and
shapes) and read the conversation back with this SDK.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from conversations_sdk import Client
from conversations_sdk.emulator import ThreadedEmulator

openai = pytest.importorskip("openai")

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    "strict": False,
}
POLL_SECONDS = 10.0


@pytest.fixture
def official(emulator: ThreadedEmulator) -> Iterator[Any]:
    """The official client bound to this test's emulator (no retries: failures show at once)."""
    with openai.OpenAI(api_key="sk-test", base_url=emulator.base_url, max_retries=0) as client:
        yield client


def test_two_turns_in_a_conversation_are_stored_in_order(official: Any, client: Client) -> None:
    conversation = official.conversations.create(metadata={"app": "tests"})
    first = official.responses.create(
        model="gpt-4o", conversation=conversation.id, input="What is the capital of France?"
    )
    second = official.responses.create(
        model="gpt-4o",
        conversation={"id": conversation.id},
        input=[{"role": "user", "content": "And of Italy?"}],
        instructions="Answer in one word.",
    )
    assert first.status == second.status == "completed"
    assert first.output_text == 'Emulated answer to "What is the capital of France?".'
    assert second.instructions == "Answer in one word."
    assert second.conversation is not None
    assert second.conversation.id == conversation.id
    assert second.usage is not None
    assert first.usage is not None
    assert second.usage.input_tokens > first.usage.input_tokens  # the first turn is context
    items = list(client.conversations.items.list(conversation.id, order="asc"))
    assert [(item.type, item.role) for item in items] == [
        ("message", "user"),
        ("message", "assistant"),
        ("message", "user"),
        ("message", "assistant"),
    ]
    assert items[1].id == first.output[0].id
    assert items[3].content[0].text == second.output_text


def test_the_same_input_gives_the_same_answer(official: Any) -> None:
    answers = {official.responses.create(model="m", input="Hello").output_text for _ in range(3)}
    assert answers == {'Emulated answer to "Hello".'}


@pytest.mark.parametrize(
    "emulator_script",
    [[{"function_call": {"name": "get_weather", "arguments": {"city": "Paris"}}}, "Sunny, 24 °C."]],
)
def test_a_scripted_tool_call_round_trip(official: Any, client: Client) -> None:
    """The emulator_script fixture scripts the model: a tool call, then the final answer."""
    conversation = official.conversations.create()
    asked = official.responses.create(
        model="gpt-4o",
        conversation=conversation.id,
        input="What's the weather in Paris?",
        tools=[WEATHER_TOOL],
    )
    call = asked.output[0]
    assert call.type == "function_call"
    assert call.name == "get_weather"
    assert json.loads(call.arguments) == {"city": "Paris"}
    answered = official.responses.create(
        model="gpt-4o",
        conversation=conversation.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}],
        tools=[WEATHER_TOOL],
    )
    assert answered.output_text == "Sunny, 24 °C."
    types = [item.type for item in client.conversations.items.list(conversation.id, order="asc")]
    assert types == ["message", "function_call", "function_call_output", "message"]


def test_a_scripted_error_raises_the_official_clients_exception(
    official: Any, emulator: ThreadedEmulator
) -> None:
    emulator.script.add(
        {"error": {"status": 429, "message": "Slow down.", "code": "rate_limit_exceeded"}},
        {"error": {"status": 400, "message": "Bad input.", "param": "input"}},
        "Fine now.",
    )
    with pytest.raises(openai.RateLimitError) as limited:
        official.responses.create(model="m", input="x")
    assert limited.value.code == "rate_limit_exceeded"
    with pytest.raises(openai.BadRequestError) as bad:
        official.responses.create(model="m", input="x")
    assert bad.value.param == "input"
    assert official.responses.create(model="m", input="x").output_text == "Fine now."


def test_the_official_stream_helper_accumulates_the_deltas(official: Any) -> None:
    deltas = []
    with official.responses.stream(model="gpt-4o", input="Tell me a short story") as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
        final = stream.get_final_response()
    assert len(deltas) > 3
    assert "".join(deltas) == final.output_text == 'Emulated answer to "Tell me a short story".'
    assert official.responses.retrieve(final.id).output_text == final.output_text


def test_a_raw_stream_has_the_apis_event_sequence(official: Any) -> None:
    events = list(official.responses.create(model="m", input="one two three", stream=True))
    types = [e.type for e in events]
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert types[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert set(types[4:-4]) == {"response.output_text.delta"}
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_a_streamed_turn_in_a_conversation_is_stored(official: Any, client: Client) -> None:
    conversation = official.conversations.create()
    with official.responses.stream(
        model="m", conversation=conversation.id, input="Streamed turn"
    ) as stream:
        final = stream.get_final_response()
    items = list(client.conversations.items.list(conversation.id, order="asc"))
    assert [item.id for item in items][1:] == [final.output[0].id]
    assert items[0].content[0].text == "Streamed turn"


def test_a_scripted_function_call_streams_through_the_helper(
    official: Any, emulator: ThreadedEmulator
) -> None:
    emulator.script.add({"function_call": {"name": "get_weather", "arguments": {"city": "Oslo"}}})
    with official.responses.stream(model="m", input="Weather?", tools=[WEATHER_TOOL]) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert "response.function_call_arguments.done" in kinds
    assert json.loads(final.output[0].arguments) == {"city": "Oslo"}


async def test_the_async_official_client_streams_too(emulator: ThreadedEmulator) -> None:
    async with (
        openai.AsyncOpenAI(
            api_key="sk-test", base_url=emulator.base_url, max_retries=0
        ) as official,
        official.responses.stream(model="m", input="async words") as stream,
    ):
        deltas = [e.delta async for e in stream if e.type == "response.output_text.delta"]
        final = await stream.get_final_response()
    assert "".join(deltas) == final.output_text


def test_retrieve_input_items_and_delete(official: Any) -> None:
    inputs = [{"role": "user", "content": f"line {n}"} for n in range(5)]
    response = official.responses.create(model="m", input=inputs)
    assert official.responses.retrieve(response.id).id == response.id
    page = official.responses.input_items.list(response.id, order="asc", limit=2)
    assert page.has_more is True
    texts = [item.content[0].text for item in page]  # auto-paging follows `after`
    assert texts == [f"line {n}" for n in range(5)]
    assert official.responses.delete(response.id) is None
    with pytest.raises(openai.NotFoundError):
        official.responses.retrieve(response.id)


def test_conversation_and_previous_response_id_are_exclusive(official: Any) -> None:
    conversation = official.conversations.create()
    earlier = official.responses.create(model="m", input="x")
    with pytest.raises(openai.BadRequestError) as refused:
        official.responses.create(
            model="m", input="y", conversation=conversation.id, previous_response_id=earlier.id
        )
    assert refused.value.param == "conversation"
    with pytest.raises(openai.NotFoundError):
        official.responses.create(model="m", input="y", conversation="conv_missing")
    chained = official.responses.create(model="m", input="y", previous_response_id=earlier.id)
    assert chained.previous_response_id == earlier.id


def test_a_background_response_can_be_cancelled(official: Any, emulator: ThreadedEmulator) -> None:
    emulator.script.add({"text": "Too late.", "delay": 60}, {"text": "Soon.", "delay": 0.05})
    slow = official.responses.create(model="m", input="x", background=True)
    assert slow.status == "queued"
    cancelled = official.responses.cancel(slow.id)
    assert cancelled.status == "cancelled"
    assert official.responses.retrieve(slow.id).status == "cancelled"
    quick = official.responses.create(model="m", input="x", background=True)
    deadline = time.monotonic() + POLL_SECONDS
    while (polled := official.responses.retrieve(quick.id)).status in ("queued", "in_progress"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert polled.status == "completed"
    assert polled.output_text == "Soon."


def test_a_background_stream_works_with_the_helper(
    official: Any, emulator: ThreadedEmulator
) -> None:
    emulator.script.add({"text": "Worth the wait.", "delay": 0.05})
    with official.responses.stream(model="m", input="x", background=True) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[:2] == ["response.created", "response.queued"]
    assert final.output_text == "Worth the wait."
    assert official.responses.retrieve(final.id).status == "completed"
