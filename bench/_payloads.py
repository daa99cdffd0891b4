"""Deterministic response bodies shaped like the Conversations API, shared by server and runner.

The canned server serves these pre-encoded; the structuring scenario parses the very same page
bytes, so "one 100-item page" means the same thing in every figure. Items cycle through the four
types a chat application stores most (user message, assistant message, function call, function
call output) with text lengths of a typical turn, so a 100-item page is ~30 KB of JSON.
"""

from __future__ import annotations

import json
from typing import Any

#: Every conversation the server knows answers with this creation time, so bodies are stable.
CREATED_AT = 1_741_900_000

#: Conversation IDs of the form ``conv_items_<N>`` hold N items; any other ID holds none.
ITEMS_PREFIX = "conv_items_"

_USER_TEXT = (
    "Can you look up the order status for the customer in the ticket above and tell me "
    "whether it shipped? Keep it short."
)
_ASSISTANT_TEXT = (
    "The order shipped on Tuesday with the express carrier and should arrive tomorrow "
    "before noon. I checked the warehouse log: it left the dock at 14:05 and the tracking "
    "number is active. If the customer needs the invoice as well, I can attach it to the "
    "ticket. Nothing else on the account looks unusual, the payment cleared on the first "
    "try and the address matches the one on file."
)
_ARGUMENTS = json.dumps({"order_id": "ord_8812731", "include": ["tracking", "invoice"]})
_TOOL_OUTPUT = json.dumps(
    {
        "status": "shipped",
        "carrier": "express",
        "tracking": "1Z999AA10123456784",
        "eta": "2025-03-14T12:00:00Z",
        "warehouse": "east-2",
    }
)


def conversation(conversation_id: str) -> dict[str, Any]:
    """A ``ConversationResource`` body."""
    return {
        "id": conversation_id,
        "object": "conversation",
        "created_at": CREATED_AT,
        "metadata": {"topic": "bench"},
    }


def item(index: int) -> dict[str, Any]:
    """The item at ``index`` of any conversation; its ID ends in the zero-padded index."""
    kind = index % 4
    if kind == 0:
        return {
            "type": "message",
            "id": f"msg_{index:08d}",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_text", "text": _USER_TEXT}],
        }
    if kind == 1:
        return {
            "type": "message",
            "id": f"msg_{index:08d}",
            "status": "completed",
            "role": "assistant",
            "content": [
                {
                    "type": "output_text",
                    "text": _ASSISTANT_TEXT,
                    "annotations": [],
                    "logprobs": [],
                }
            ],
        }
    if kind == 2:
        return {
            "type": "function_call",
            "id": f"fc_{index:08d}",
            "call_id": f"call_{index:08d}",
            "name": "lookup_order",
            "arguments": _ARGUMENTS,
            "status": "completed",
        }
    return {
        "type": "function_call_output",
        "id": f"fco_{index:08d}",
        "call_id": f"call_{index - 1:08d}",
        "output": _TOOL_OUTPUT,
        "status": "completed",
    }


def index_of(item_id: str) -> int:
    """Inverse of :func:`item`'s ID scheme: the index an item ID ends with."""
    return int(item_id.rsplit("_", 1)[1])


def item_page(start: int, limit: int, total: int) -> dict[str, Any]:
    """A ``ConversationItemList`` body: items ``[start, start+limit)`` of ``total``."""
    end = min(start + limit, total)
    data = [item(i) for i in range(start, end)]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else "",
        "last_id": data[-1]["id"] if data else "",
        "has_more": end < total,
    }


def page_bytes(size: int = 100) -> bytes:
    """The encoded first page of a large conversation, as the structuring scenario parses it."""
    return json.dumps(item_page(0, size, 10 * size), separators=(",", ":")).encode()
