"""Shared helpers of the emulator's tests: a raw HTTP client that checks every response.

These tests talk HTTP with aiohttp directly (not through the SDK), so they pin the server's
behaviour independently of the client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aiohttp
import attrs
from multidict import CIMultiDict

from tests._support.spec_validation import validate_response, validate_schema


@attrs.frozen
class Reply:
    """One HTTP response, decoded."""

    status: int
    body: Any
    headers: Mapping[str, str]


class API:
    """A tiny raw client for one emulator; validates every response against the spec."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: object = None,
        data: bytes | None = None,
        params: Any = None,
        headers: Mapping[str, str] | None = None,
        template: str | None = None,
    ) -> Reply:
        """Send a request; when ``template`` names the spec path, check the body against it."""
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        async with self.session.request(
            method, self.base_url + path, data=data, params=params, headers=headers
        ) as response:
            raw = await response.read()
            body = json.loads(raw) if raw else None
            reply = Reply(response.status, body, CIMultiDict(response.headers))
        assert response.content_type == "application/json", raw
        if template is not None:
            validate_response(method, template, reply.status, reply.body)
        elif reply.status >= 400:
            validate_schema("ErrorResponse", reply.body)
        return reply

    async def create_conversation(self, **body: Any) -> dict[str, Any]:
        """Create a conversation and return its resource (asserting 200)."""
        reply = await self.call("POST", "/conversations", json_body=body, template="/conversations")
        assert reply.status == 200, reply.body
        return reply.body  # type: ignore[no-any-return]

    async def add_items(self, conversation_id: str, items: list[Any]) -> list[dict[str, Any]]:
        """Append items and return the stored ones (asserting 200)."""
        reply = await self.call(
            "POST",
            f"/conversations/{conversation_id}/items",
            json_body={"items": items},
            template="/conversations/{conversation_id}/items",
        )
        assert reply.status == 200, reply.body
        return reply.body["data"]  # type: ignore[no-any-return]


def user_message(text: str) -> dict[str, Any]:
    """The shortest input message: a user turn with string content."""
    return {"type": "message", "role": "user", "content": text}
