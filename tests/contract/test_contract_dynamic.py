"""Random schema-valid responses (Prism ``-d``) for every operation: at least 200 per operation parse
without error, no item, content part or nested tagged object of a type the spec defines falls back
to an ``Unknown*`` class, and every parsed result unstructures back to exactly the JSON received.

The calls run concurrently (bounded) so the run stays within seconds; each carries its own tag
header, which is how a parsed result is paired with the exact body the proxy recorded for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, Literal

import attrs
import jsonschema
import pytest

from conversations_sdk import AsyncClient
from conversations_sdk._converter import CONVERTER
from conversations_sdk.models import (
    Conversation,
    ConversationDeletedResource,
    ConversationItemList,
    EasyInputMessage,
    UnknownContent,
    UnknownItem,
    UnknownObject,
)
from tests._support.contract import CALL_TAG, DYNAMIC_STATS, Operation, RecordingProxy, violations
from tests._support.spec_validation import validate_response

RESPONSES_PER_OPERATION = 200
# Prism generates on one Node thread; more in flight than this only queues there.
CONCURRENCY = 12
# Prism fails to generate a valid body for up to ~20% of item responses (see below): room for that.
MAX_CALLS_PER_OPERATION = 4 * RESPONSES_PER_OPERATION
# Also checked with the project's own validator (jsonschema, verbatim spec, strict oneOf): the same
# one the emulator's responses must pass. ~20 ms a list body, so a sample, not all 200.
CROSS_CHECKED_PER_OPERATION = 25
CONV = "conv_123"
INCLUDE: list[Literal["message.output_text.logprobs", "reasoning.encrypted_content"]] = [
    "message.output_text.logprobs",
    "reasoning.encrypted_content",
]
ITEMS = [EasyInputMessage(role="user", content="Hello!")]

Call = Callable[[AsyncClient, dict[str, str]], Awaitable[Any]]


async def _first_page(client: AsyncClient, headers: dict[str, str]) -> Any:
    return await client.conversations.items.list(
        CONV, limit=5, order="desc", include=INCLUDE, extra_headers=headers
    ).first_page()


OPERATIONS: dict[str, tuple[Call, type | None]] = {
    "createConversation": (
        lambda c, h: c.conversations.create(metadata={"k": "v"}, items=ITEMS, extra_headers=h),
        Conversation,
    ),
    "getConversation": (lambda c, h: c.conversations.retrieve(CONV, extra_headers=h), Conversation),
    "updateConversation": (
        lambda c, h: c.conversations.update(CONV, metadata={"k": "v"}, extra_headers=h),
        Conversation,
    ),
    "deleteConversation": (
        lambda c, h: c.conversations.delete(CONV, extra_headers=h),
        ConversationDeletedResource,
    ),
    "createConversationItems": (
        lambda c, h: c.conversations.items.create(
            CONV, items=ITEMS, include=INCLUDE, extra_headers=h
        ),
        ConversationItemList,
    ),
    "listConversationItems": (_first_page, ConversationItemList),
    "getConversationItem": (
        lambda c, h: c.conversations.items.retrieve(
            "msg_abc", conversation_id=CONV, include=INCLUDE, extra_headers=h
        ),
        None,  # any ConversationItem class; the Unknown* walk below checks it is a known one
    ),
    "deleteConversationItem": (
        lambda c, h: c.conversations.items.delete("msg_abc", conversation_id=CONV, extra_headers=h),
        Conversation,
    ),
}


def unknown_parts(value: Any, path: str = "$") -> Iterator[str]:
    """Where, inside a parsed result, something fell back to an ``Unknown*`` class."""
    if isinstance(value, (UnknownItem, UnknownContent, UnknownObject)):
        yield f"{path}: {type(value).__name__}(type={value.type!r})"
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            if field.name != "extra":  # unknown *fields* are kept as raw JSON, by design
                yield from unknown_parts(getattr(value, field.name), f"{path}.{field.name}")
    elif isinstance(value, (list, tuple)):
        for index, element in enumerate(value):
            yield from unknown_parts(element, f"{path}[{index}]")
    elif isinstance(value, Mapping):
        for key, element in value.items():
            yield from unknown_parts(element, f"{path}.{key}")


def prism_could_not_generate(status: int, body: Any) -> bool:
    """Prism's own failure to produce a valid body, as opposed to a verdict on our request.

    With ``--errors``, Prism validates what json-schema-faker generated and answers 500 when the
    faker got the spec wrong (it ignores one side of some ``allOf`` enums and of ``oneOf`` outputs),
    or when the faker crashed. Neither is a response the SDK has to parse; the test asks for more
    until it has its 200 valid ones. A 500 that mentions the *request* is never discarded.
    """
    if status != 500 or not isinstance(body, dict):
        return False
    kind = str(body.get("type", ""))
    if kind.endswith("#UNKNOWN"):
        return "json-schema-faker" in str(body.get("title", ""))
    if kind.endswith("#VIOLATIONS"):
        locations = [entry.get("location", [None])[0] for entry in body.get("validation", [])]
        return bool(locations) and all(where == "response" for where in locations)
    return False


@pytest.mark.parametrize("operation_id", list(OPERATIONS))
async def test_dynamic_responses_parse_and_round_trip(
    operation_id: str, dynamic_proxy: RecordingProxy, contract_operations: list[Operation]
) -> None:
    """200 random spec-valid responses of one operation parse into known classes and round-trip."""
    call, expected_class = OPERATIONS[operation_id]
    (spec_op,) = [op for op in contract_operations if op.operation_id == operation_id]
    dynamic_proxy.take()
    gate = asyncio.Semaphore(CONCURRENCY)
    checked = discarded = cross_checked = 0
    failures: list[str] = []

    async def one(client: AsyncClient, n: int) -> tuple[str, Any]:
        tag = f"{operation_id}-{n}"
        async with gate:
            try:
                return tag, await call(client, {CALL_TAG: tag})
            except Exception as exc:
                return tag, exc

    async with AsyncClient(
        api_key="sk-contract-test", base_url=dynamic_proxy.base_url, max_retries=0, strict=True
    ) as client:
        sent = 0
        # Rounds until 200 valid responses were checked; bounded, in case Prism stops generating.
        while checked < RESPONSES_PER_OPERATION and sent < MAX_CALLS_PER_OPERATION:
            needed = RESPONSES_PER_OPERATION - checked
            # First round: exactly 200; later rounds make up for discards, with some slack.
            batch = needed if sent == 0 else needed * 3 // 2 + CONCURRENCY
            batch = min(batch, MAX_CALLS_PER_OPERATION - sent)
            results = await asyncio.gather(*(one(client, sent + n) for n in range(batch)))
            sent += batch
            for tag, result in results:
                exchange = dynamic_proxy.by_tag(tag)
                body = exchange.response_body
                if prism_could_not_generate(exchange.status, body):
                    discarded += 1
                    continue
                checked += 1
                if (
                    exchange.status != 200
                    or exchange.problems
                    or exchange.operation_id != operation_id
                ):
                    failures.append(f"{tag}: {exchange.describe()} {violations(body)}")
                elif isinstance(result, Exception):
                    failures.append(f"{tag}: {result!r}\n  body: {body}")
                elif expected_class is not None and not isinstance(result, expected_class):
                    failures.append(f"{tag}: parsed as {type(result).__name__}")
                elif unknown := list(unknown_parts(result)):
                    failures.append(f"{tag}: fell back to Unknown*: {unknown}\n  body: {body}")
                elif (again := CONVERTER.unstructure(result)) != body:
                    failures.append(f"{tag}: round trip differs\n  sent: {body}\n  back: {again}")
                elif checked <= CROSS_CHECKED_PER_OPERATION:
                    cross_checked += 1
                    try:
                        validate_response(spec_op.method, spec_op.template, 200, body)
                    except jsonschema.ValidationError as exc:
                        failures.append(f"{tag}: Prism's body fails our validator: {exc.message}")
    DYNAMIC_STATS[operation_id] = (checked, discarded, cross_checked)
    assert not failures, (
        f"{len(failures)} of {checked} {operation_id} responses failed; first ones:\n"
        + "\n".join(failures[:3])
    )
    assert checked >= RESPONSES_PER_OPERATION, (
        f"only {checked} valid responses in {sent} calls ({discarded} unusable Prism answers)"
    )
