"""Item types and fields the official SDK (openai 3.57) reads and the published spec lacks."""

from __future__ import annotations

import importlib.util
import json
import pathlib
import typing
from types import ModuleType
from typing import Any

import attrs
import pytest
import yaml

from conversations_sdk import models as m
from conversations_sdk._converter import make_converter

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONVERTER = make_converter()

CONFIGURATION_UPDATE = {
    "type": "configuration_update",
    "id": "cu_1",
    "reasoning": {"effort": "high"},
    "text": {
        "format": {
            "type": "json_schema",
            "name": "answer",
            "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
            "strict": True,
        }
    },
}
IMAGE_CALL = {
    "type": "image_generation_call",
    "id": "ig_1",
    "status": "failed",
    "result": None,
    "action": "generate",
    "background": "opaque",
    "error": {
        "code": "moderation_blocked",
        "message": "Blocked.",
        "param": None,
        "type": "invalid_request_error",
        "moderation_details": {"categories": ["violence"], "moderation_stage": "input"},
    },
    "output_format": "svg",
    "quality": "high",
    "revised_prompt": "A cat.",
    "size": "1536x864",
    "svg_usage": {
        "input_tokens": 1,
        "model": "gpt-image-2",
        "output_tokens": 2,
        "reasoning_tokens": 0,
        "total_tokens": 3,
    },
}


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gm", ROOT / "scripts" / "generate_models.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_configuration_update_is_a_model_not_unknown() -> None:
    item = CONVERTER.structure(CONFIGURATION_UPDATE, m.ConversationItem)
    assert isinstance(item, m.ConfigurationUpdateItem)
    assert item.kind == "configuration_update"
    assert item.reasoning is not None
    assert item.reasoning.effort == "high"
    assert item.text is not None
    assert isinstance(item.text.format, m.TextResponseFormatJsonSchema)
    assert item.text.format.schema == CONFIGURATION_UPDATE["text"]["format"]["schema"]  # type: ignore[index]
    assert item.extra == {}
    assert item.to_dict() == CONFIGURATION_UPDATE
    plain = CONVERTER.structure(
        {"type": "configuration_update", "id": "cu_2", "text": {"format": {"type": "text"}}},
        m.ConversationItem,
    )
    assert isinstance(plain, m.ConfigurationUpdateItem)
    assert plain.text is not None
    assert isinstance(plain.text.format, m.ResponseFormatText)


def test_image_generation_call_fields_beyond_the_spec() -> None:
    item = CONVERTER.structure(IMAGE_CALL, m.ConversationItem)
    assert isinstance(item, m.ImageGenToolCall)
    assert item.extra == {}  # every field is a known attribute now
    assert item.error is not None
    assert item.error.moderation_details is not None
    assert item.error.moderation_details.categories == ["violence"]
    assert item.svg_usage is not None
    assert item.svg_usage.total_tokens == 3
    assert (item.quality, item.size, item.output_format) == ("high", "1536x864", "svg")
    assert item.to_dict() == IMAGE_CALL
    assert json.loads(item.to_json()) == IMAGE_CALL


def test_models_beyond_the_spec_say_so_and_are_not_in_it() -> None:
    """Each addition is marked in its docstring, and absent from the committed spec (when the spec
    gains it, the generator refuses to run until the addition is dropped)."""
    gen = _generator()
    schemas = yaml.safe_load((ROOT / "spec" / "conversations.openapi.yaml").read_text())[
        "components"
    ]["schemas"]
    for name in gen.EXTRA_SCHEMAS:
        assert name not in schemas
        assert "Beyond the published spec" in (getattr(m, name).__doc__ or "")
    for name, props in gen.EXTRA_PROPERTIES.items():
        for key in props:
            assert key not in schemas[name]["properties"]
            assert key in attrs.fields_dict(getattr(m, name))
    assert m.ConfigurationUpdateItem in typing.get_args(m.ConversationItem)


def test_same_fields_as_the_official_sdk() -> None:
    """The additions carry the fields openai 3.57 reads (its installed types are the reference)."""
    pytest.importorskip("openai")
    from openai.types.conversations import conversation_item as oi
    from openai.types.responses import response_configuration_update_item as ocu

    def names(model: Any) -> set[str]:
        return {f.alias or n for n, f in model.model_fields.items()}

    assert names(ocu.ResponseConfigurationUpdateItem) == set(
        attrs.fields_dict(m.ConfigurationUpdateItem)
    ) - {"extra", "_explicit_nulls", "_request_id", "_tolerance"}
    assert names(oi.ImageGenerationCall) <= set(attrs.fields_dict(m.ImageGenToolCall))
    assert names(oi.ImageGenerationCallError) <= set(attrs.fields_dict(m.ImageGenToolCallError))
    assert names(oi.ImageGenerationCallSvgUsage) == set(
        attrs.fields_dict(m.ImageGenToolCallSvgUsage)
    ) - {"extra", "_explicit_nulls", "_request_id", "_tolerance"}
