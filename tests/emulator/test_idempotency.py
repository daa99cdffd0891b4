"""Idempotency-Key: a completed key replays its response; a reused key with another body is 422."""

from __future__ import annotations

import asyncio

from conversations_sdk.emulator import Emulator
from tests._support.emulator_api import API, user_message


async def test_replay_returns_the_stored_response_and_creates_nothing(api: API) -> None:
    """The same POST with the same key returns the first response byte for byte, no second resource."""
    conversation = await api.create_conversation()
    path = f"/conversations/{conversation['id']}/items"
    headers = {"Idempotency-Key": "k-items-1"}
    first = await api.call(
        "POST", path, json_body={"items": [user_message("once")]}, headers=headers
    )
    second = await api.call(
        "POST", path, json_body={"items": [user_message("once")]}, headers=headers
    )
    assert first.status == second.status == 200
    assert second.body == first.body
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    listed = await api.call("GET", path)
    assert len(listed.body["data"]) == 1


async def test_same_key_different_body_is_422(api: API) -> None:
    """Reusing a key with another body (or another route) is 422, and nothing is written."""
    headers = {"Idempotency-Key": "k-create"}
    first = await api.call(
        "POST", "/conversations", json_body={"metadata": {"a": "1"}}, headers=headers
    )
    other_body = await api.call(
        "POST", "/conversations", json_body={"metadata": {"a": "2"}}, headers=headers
    )
    other_route = await api.call(
        "POST",
        f"/conversations/{first.body['id']}",
        json_body={"metadata": {"a": "1"}},
        headers=headers,
    )
    assert first.status == 200
    assert other_body.status == other_route.status == 422
    assert other_body.body["error"]["code"] == "idempotency_key_reused"
    retrieved = await api.call("GET", f"/conversations/{first.body['id']}")
    assert retrieved.body["metadata"] == {"a": "1"}


async def test_delete_with_key_replays_instead_of_404(api: API) -> None:
    """A retried DELETE with its key replays the success instead of answering 404."""
    conversation = await api.create_conversation()
    headers = {"Idempotency-Key": "k-delete"}
    first = await api.call("DELETE", f"/conversations/{conversation['id']}", headers=headers)
    again = await api.call("DELETE", f"/conversations/{conversation['id']}", headers=headers)
    without_key = await api.call("DELETE", f"/conversations/{conversation['id']}")
    assert (first.status, again.status, without_key.status) == (200, 200, 404)
    assert again.body == first.body


async def test_failed_request_does_not_burn_the_key(api: API) -> None:
    """A 4xx is not recorded: the same key works once the request is fixed... for the same body."""
    headers = {"Idempotency-Key": "k-404"}
    missing = await api.call(
        "POST",
        "/conversations/conv_nope/items",
        json_body={"items": [user_message("x")]},
        headers=headers,
    )
    assert missing.status == 404
    again = await api.call(
        "POST",
        "/conversations/conv_nope/items",
        json_body={"items": [user_message("x")]},
        headers=headers,
    )
    assert again.status == 404
    assert "Idempotent-Replayed" not in again.headers


async def test_50_concurrent_posts_with_one_key_create_exactly_one_conversation(api: API) -> None:
    """Fifty simultaneous creates sharing a key yield one conversation, and all see its id."""
    headers = {"Idempotency-Key": "k-race"}
    replies = await asyncio.gather(
        *(
            api.call("POST", "/conversations", json_body={"metadata": {"n": "1"}}, headers=headers)
            for _ in range(50)
        )
    )
    assert {r.status for r in replies} == {200}
    assert len({r.body["id"] for r in replies}) == 1
    assert sum("Idempotent-Replayed" not in r.headers for r in replies) == 1


async def test_keys_survive_a_restart_of_a_file_database(tmp_path) -> None:
    """With a database file, a key completed before a restart still replays after it."""
    import aiohttp

    db = tmp_path / "emu.db"
    headers = {"Idempotency-Key": "k-durable"}
    async with aiohttp.ClientSession() as session:
        async with Emulator(db=db) as emulator:
            first = await API(session, emulator.base_url).call(
                "POST", "/conversations", json_body={}, headers=headers
            )
        async with Emulator(db=db) as emulator:
            api = API(session, emulator.base_url)
            again = await api.call("POST", "/conversations", json_body={}, headers=headers)
            assert (await api.call("GET", f"/conversations/{first.body['id']}")).status == 200
    assert again.body == first.body
