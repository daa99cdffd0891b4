"""A response as the API streams it: its event sequence, sent as Server-Sent Events.

:func:`response_events` derives the API's events from a finished (or queued) response resource:
``response.created`` (and ``response.queued`` for a background response), ``response.in_progress``,
each output item added, its text or arguments in small deltas (a word and the space after it),
done, then the terminal event of the response's status. Each event carries its
``sequence_number`` from 0, so the same response always gives the same events, and a stream can
be replayed from any point (``GET ...?stream=true&starting_after=N``). :func:`send_events` sends
them, one HTTP chunk per event, spreading a scripted reply's delay over the deltas.

The response is stored before it is streamed: this module must not touch the store, nor decide
what a response contains (that is :mod:`._response_build`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from aiohttp import web

from ._db import JSONObject, dumps
from ._http import _pause, _state

__all__ = ["response_events", "send_events"]

# A delta is a word and the space after it: the stream carries many small events, like the API's.
_DELTA = re.compile(r"\S+\s*|\s+")

_Event = Callable[..., JSONObject]


def _deltas(text: str) -> list[str]:
    return _DELTA.findall(text) or [""]


def response_events(response: JSONObject) -> Iterator[JSONObject]:
    """The API's event sequence for a finished response, with ``sequence_number`` from 0."""
    sequence = 0

    def event(kind: str, **fields: Any) -> JSONObject:
        nonlocal sequence
        out = {"type": kind, "sequence_number": sequence, **fields}
        sequence += 1
        return out

    # The spec's `usage` is not nullable: a response in progress has none yet.
    started = {k: v for k, v in response.items() if k != "usage"}
    started.update(status="in_progress", output=[], completed_at=None, error=None)
    if response.get("background"):
        queued = {**started, "status": "queued"}
        yield event("response.created", response=queued)
        yield event("response.queued", response=queued)
    else:
        yield event("response.created", response=started)
    if response["status"] == "queued":
        return
    yield event("response.in_progress", response=started)
    for index, item in enumerate(response.get("output") or []):
        if item.get("type") == "message":
            yield from _message_events(event, index, item)
        elif item.get("type") == "function_call":
            yield from _function_call_events(event, index, item)
        else:
            yield event("response.output_item.added", output_index=index, item=item)
            yield event("response.output_item.done", output_index=index, item=item)
    # A cancelled (or unfinished) response has no terminal event of its own.
    last = {
        "completed": "response.completed",
        "failed": "response.failed",
        "incomplete": "response.incomplete",
    }.get(response["status"])
    if last is not None:
        yield event(last, response=response)


def _message_events(event: _Event, index: int, item: JSONObject) -> Iterator[JSONObject]:
    added = {**item, "status": "in_progress", "content": []}
    yield event("response.output_item.added", output_index=index, item=added)
    for part_index, part in enumerate(item.get("content") or []):
        place = {"item_id": item["id"], "output_index": index, "content_index": part_index}
        text = part.get("text", "") if part.get("type") == "output_text" else None
        empty = {**part, "text": ""} if text is not None else part
        yield event("response.content_part.added", **place, part=empty)
        if text is not None:
            for delta in _deltas(text):
                yield event("response.output_text.delta", **place, delta=delta, logprobs=[])
            yield event("response.output_text.done", **place, text=text, logprobs=[])
        yield event("response.content_part.done", **place, part=part)
    yield event("response.output_item.done", output_index=index, item=item)


def _function_call_events(event: _Event, index: int, item: JSONObject) -> Iterator[JSONObject]:
    added = {**item, "status": "in_progress", "arguments": ""}
    yield event("response.output_item.added", output_index=index, item=added)
    for delta in _deltas(item["arguments"]):
        yield event(
            "response.function_call_arguments.delta",
            item_id=item["id"],
            output_index=index,
            delta=delta,
        )
    yield event(
        "response.function_call_arguments.done",
        item_id=item["id"],
        output_index=index,
        name=item["name"],
        arguments=item["arguments"],
    )
    yield event("response.output_item.done", output_index=index, item=item)


async def send_events(
    request: web.Request,
    events: Iterator[JSONObject],
    headers: Mapping[str, str],
    delay: float,
) -> web.StreamResponse:
    """Send ``events`` as Server-Sent Events, one HTTP chunk each; a reply's delay spreads over
    the deltas. A client that goes away ends the stream; the response is already stored."""
    state = _state(request)
    batch = list(events)
    deltas = sum(1 for e in batch if e["type"].endswith(".delta")) or 1
    pause = delay / deltas
    response = web.StreamResponse(
        status=200,
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            # Sent before the handler returns, so the error middleware cannot add it afterwards.
            "x-request-id": "req_" + secrets.token_hex(16),
            **headers,
        },
    )
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        for event in batch:
            await response.write(_encode(event))
            if pause and event["type"].endswith(".delta"):
                await _pause(state, pause)
        await response.write_eof()
    except ConnectionError:
        # The client went away mid-stream: nothing to undo, the response is committed.
        pass
    return response


def _encode(event: JSONObject) -> bytes:
    return f"event: {event['type']}\ndata: {dumps(event)}\n\n".encode()
