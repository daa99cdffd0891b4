"""The harness itself, with plain aiohttp and no SDK code: Prism accepts what the spec allows and
rejects what it does not, so a contract test that passes means something."""

from __future__ import annotations

import functools
import importlib.util
import pathlib
import sys
from typing import Any

import aiohttp
import jsonschema
import pytest
import yaml

from tests._support.contract import ROOT, PrismServer, RecordingProxy, violations

AUTH = {"Authorization": "Bearer sk-contract-test"}


@functools.cache
def _verbatim_spec_text() -> str:
    return (ROOT / "spec" / "conversations.openapi.yaml").read_text("utf-8")


def _load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def _load_normalizer() -> Any:
    spec = importlib.util.spec_from_file_location(
        "normalize_spec", ROOT / "scripts" / "normalize_spec.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("normalize_spec", module)
    spec.loader.exec_module(module)
    return module


async def _send(server: PrismServer, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, server.base_url + path, headers=AUTH, **kwargs) as response,
    ):
        return response.status, await response.json(content_type=None)


def _locations(body: Any) -> list[list[str]]:
    return [entry["location"] for entry in body.get("validation", [])]


async def test_valid_create_is_accepted(prism_static: PrismServer) -> None:
    """A create with metadata, a string-content message and an input_text message gets a 200."""
    status, body = await _send(
        prism_static,
        "POST",
        "/conversations",
        json={
            "metadata": {"topic": "demo"},
            "items": [
                {"type": "message", "role": "user", "content": "Hello!"},
                {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "Hi"}],
                },
            ],
        },
    )
    assert status == 200, body
    assert body["object"] == "conversation"


async def test_include_as_plain_string_is_rejected(prism_static: PrismServer) -> None:
    """`include` sent as one comma-joined string instead of repeated values is a 422 on `include`."""
    status, body = await _send(
        prism_static,
        "GET",
        "/conversations/conv_123/items",
        params={"include": "message.output_text.logprobs,reasoning.encrypted_content"},
    )
    assert status == 422, body
    assert ["query", "include", "0"] in _locations(body)


async def test_order_ascending_is_rejected(prism_static: PrismServer) -> None:
    """`order=ascending` (not in asc/desc) is a 422 naming `order`."""
    status, body = await _send(
        prism_static, "GET", "/conversations/conv_123/items", params={"order": "ascending"}
    )
    assert status == 422, body
    assert ["query", "order"] in _locations(body)


async def test_assistant_output_text_needs_full_shape(prism_static: PrismServer) -> None:
    """An assistant message with output_text parts but no id/status breaks the spec and is refused."""
    item = {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Hi", "annotations": [], "logprobs": []}],
    }
    status, body = await _send(
        prism_static, "POST", "/conversations/conv_123/items", json={"items": [item]}
    )
    assert status == 422, body
    status, body = await _send(
        prism_static,
        "POST",
        "/conversations/conv_123/items",
        json={"items": [{**item, "id": "msg_1", "status": "completed"}]},
    )
    assert status == 200, body


async def test_dynamic_server_answers_with_generated_bodies(prism_dynamic: PrismServer) -> None:
    """The dynamic server answers a valid retrieve with a generated conversation."""
    # Not an item operation: for those Prism sometimes fails to generate a valid body (see the
    # dynamic tests), and this check must not be flaky.
    status, body = await _send(prism_dynamic, "GET", "/conversations/conv_123")
    assert status == 200, body
    assert body["object"] == "conversation"


def test_normalizer_loosens_only_overlapping_unions() -> None:
    """The verbatim spec's InputItem oneOf rejects a valid user message; the generated copy accepts it."""
    normalizer = _load_normalizer()
    verbatim = _load_yaml(_verbatim_spec_text())
    normalized, converted = normalizer.normalize(verbatim)
    assert "#/components/schemas/InputItem" in converted
    # Response unions whose branches are disjoint stay strict.
    assert "#/components/schemas/ConversationItem" not in converted
    assert "oneOf" in normalized["components"]["schemas"]["ConversationItem"]
    # Prism knows no $recursiveRef: the recursion is spelt as a plain $ref to the same component.
    compound = normalized["components"]["schemas"]["CompoundFilter"]
    assert "'$recursiveRef': '#'" not in str(compound)
    assert compound["properties"]["filters"]["items"]["oneOf"][1]["$ref"] == (
        "#/components/schemas/CompoundFilter"
    )
    message = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]}

    def check(doc: dict[str, Any]) -> None:
        schema = {**doc["components"]["schemas"]["InputItem"], "components": doc["components"]}
        jsonschema.Draft202012Validator(schema).validate(message)

    with pytest.raises(jsonschema.ValidationError, match="is valid under each of"):
        check(verbatim)
    check(normalized)


def test_generated_spec_is_fresh(contract_spec: pathlib.Path) -> None:
    """The copy Prism serves is exactly what the normaliser makes of today's verbatim spec."""
    normalizer = _load_normalizer()
    verbatim = _load_yaml(_verbatim_spec_text())
    expected, _ = normalizer.normalize(verbatim)
    assert _load_yaml(contract_spec.read_text("utf-8")) == expected


async def test_proxy_flags_what_prism_ignores(static_proxy: RecordingProxy) -> None:
    """The proxy flags undeclared query parameters, and has Prism check bracketed array values."""
    static_proxy.take()
    async with aiohttp.ClientSession() as session:
        url = f"{static_proxy.base_url}/conversations/conv_123/items"
        async with session.get(url, headers=AUTH, params=[("foo", "1")]) as response:
            assert response.status == 200  # Prism itself lets it through
        params = [("include[]", "message.output_text.logprobs"), ("include[]", "bogus")]
        async with session.get(url, headers=AUTH, params=params) as response:
            assert response.status == 422
    undeclared, bogus = static_proxy.take()
    assert undeclared.problems == ("query parameter 'foo' is not declared by the spec",)
    assert bogus.problems == ()
    assert violations(bogus.response_body)[0].startswith("query.include.1: ")
