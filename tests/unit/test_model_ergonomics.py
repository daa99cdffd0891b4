"""to_dict / to_json / hashing / copying of models, over the whole payload corpus."""

from __future__ import annotations

import copy
import json
import pathlib
from typing import Any

import attrs
import pytest

from conversations_sdk import models as m
from conversations_sdk._converter import make_converter

PAYLOADS = pathlib.Path(__file__).resolve().parents[1] / "payloads"
CONVERTER = make_converter()
# Corpus folder -> the type its payloads are read as (responses: by file name).
FOLDERS: dict[str, Any] = {
    "items": m.ConversationItem,
    "content": m.MessageContent,
    "inputs": m.InputItem,
}
RESPONSES: dict[str, Any] = {
    "conversation": m.Conversation,
    "conversation_deleted": m.ConversationDeletedResource,
    "conversation_null_metadata": m.Conversation,
    "error": m.ErrorResponse,
    "item_list": m.ConversationItemList,
}


def _corpus() -> list[tuple[str, Any, str]]:
    cases = []
    for folder in ("items", "content", "inputs", "responses"):
        for path in sorted((PAYLOADS / folder).glob("*.json")):
            cl = RESPONSES[path.stem] if folder == "responses" else FOLDERS[folder]
            cases.append((f"{folder}/{path.stem}", cl, path.read_text(encoding="utf-8")))
    return cases


CORPUS = _corpus()
IDS = [c[0] for c in CORPUS]


def _keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


def _only_json_types(value: Any) -> bool:
    if isinstance(value, dict):
        return all(type(k) is str and _only_json_types(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_only_json_types(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


def test_the_corpus_is_all_here() -> None:
    assert len(CORPUS) == sum(1 for _ in PAYLOADS.glob("*/*.json")) > 70


@pytest.mark.parametrize(("name", "cl", "text"), CORPUS, ids=IDS)
def test_to_dict_is_the_wire_form(name: str, cl: Any, text: str) -> None:
    """to_dict gives back exactly the JSON received, in JSON types only, with no private key."""
    payload = json.loads(text)
    obj = CONVERTER.structure(payload, cl)
    as_dict = obj.to_dict()
    assert as_dict == payload
    assert json.dumps(as_dict, indent=2, ensure_ascii=False) + "\n" == text  # key order too
    assert _only_json_types(as_dict)
    assert not [k for k in _keys(as_dict) if k.startswith("_")]
    assert json.loads(obj.to_json()) == payload
    assert obj.to_json(indent=2) + "\n" == text
    assert CONVERTER.structure(as_dict, cl) == obj  # and it reads back as an equal object


@pytest.mark.parametrize(("name", "cl", "text"), CORPUS, ids=IDS)
def test_hash_agrees_with_equality(name: str, cl: Any, text: str) -> None:
    """Every model hashes (lists and dicts inside included); equal models hash equal."""
    a = CONVERTER.structure(json.loads(text), cl)
    b = CONVERTER.structure(json.loads(text), cl)
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1


@pytest.mark.parametrize(("name", "cl", "text"), CORPUS, ids=IDS)
def test_copy_keeps_everything(name: str, cl: Any, text: str) -> None:
    """copy.copy and copy.deepcopy keep the wire form (explicit nulls and unknown fields too)."""
    obj = CONVERTER.structure(json.loads(text), cl)
    for clone in (copy.copy(obj), copy.deepcopy(obj)):
        assert clone == obj
        assert clone.to_dict() == obj.to_dict()


def test_to_dict_keeps_explicit_nulls_and_unknown_fields() -> None:
    payload = {"id": "conv_1", "object": "conversation", "created_at": 1, "metadata": None}
    conv = CONVERTER.structure({**payload, "future_field": {"a": [1, 2]}}, m.Conversation)
    assert conv.to_dict() == {**payload, "future_field": {"a": [1, 2]}}
    assert conv.extra == {"future_field": {"a": [1, 2]}}


def test_to_dict_is_a_copy() -> None:
    """Changing the returned dict never changes the (immutable) model."""
    payload = json.loads((PAYLOADS / "items" / "message.json").read_text(encoding="utf-8"))
    item = CONVERTER.structure(payload, m.ConversationItem)
    out = item.to_dict()
    out["content"].clear()
    assert item.to_dict() == payload
    unknown = CONVERTER.structure(
        {"type": "hologram", "id": "h_1", "beams": [1]}, m.ConversationItem
    )
    assert isinstance(unknown, m.UnknownItem)
    out = unknown.to_dict()
    out["beams"].append(2)
    assert unknown.to_dict() == {"type": "hologram", "id": "h_1", "beams": [1]}
    assert unknown.to_json() == '{"type":"hologram","id":"h_1","beams":[1]}'


def test_models_built_in_code_serialise_to_json_types() -> None:
    """Tuples and other sequences a user passes come out as lists."""
    msg = m.InputMessage(role="user", content=(m.InputTextContentParam(text="hé"),))
    assert msg.to_dict() == {
        "role": "user",
        "content": [{"type": "input_text", "text": "hé"}],
    }
    assert msg.to_json() == '{"role":"user","content":[{"type":"input_text","text":"hé"}]}'
    assert hash(msg) == hash(
        m.InputMessage(role="user", content=[m.InputTextContentParam(text="hé")])
    )


def test_hash_follows_content_not_identity() -> None:
    a = m.EasyInputMessage(role="user", content="hi")
    assert hash(a) == hash(m.EasyInputMessage(role="user", content="hi"))
    assert {a: 1}[m.EasyInputMessage(role="user", content="hi")] == 1
    assert a != m.EasyInputMessage(role="user", content="ho")


def test_evolve_makes_a_changed_copy() -> None:
    conv = CONVERTER.structure(
        {"id": "conv_1", "object": "conversation", "created_at": 1, "metadata": {"a": "b"}},
        m.Conversation,
    )
    renamed = attrs.evolve(conv, metadata={"a": "c"})
    assert renamed.to_dict()["metadata"] == {"a": "c"}
    assert conv.metadata == {"a": "b"}


def test_keyword_class_patterns_match() -> None:
    payload = json.loads((PAYLOADS / "items" / "message.json").read_text(encoding="utf-8"))
    item = CONVERTER.structure(payload, m.ConversationItem)
    match item:
        case m.Message(role="assistant", content=[m.OutputTextContent(text=text), *_]):
            matched = text
        case _:
            matched = None
    assert matched == payload["content"][0]["text"]


def test_no_positional_match_args() -> None:
    """Class patterns take keywords only (decided and measured in docs/models.md)."""
    classes = [c for c in vars(m).values() if isinstance(c, type) and attrs.has(c)]
    assert len(classes) > 150
    assert {c.__match_args__ for c in classes} == {()}


def test_kind_is_the_class_tag() -> None:
    """kind is each class's type tag (what checkers narrow on), and None on the Unknown* classes."""
    tagged = 0
    for cls in [c for c in vars(m).values() if isinstance(c, type) and attrs.has(c)]:
        fields = attrs.fields_dict(cls)
        if cls in (m.UnknownItem, m.UnknownContent, m.UnknownObject):
            assert cls.kind is None
        elif "type" in fields and isinstance(fields["type"].default, str):
            tagged += 1
            if isinstance(vars(cls).get("kind"), property):  # a tag with several values
                assert cls(**_required(cls)).kind == fields["type"].default
            else:
                assert cls.kind == fields["type"].default
    assert tagged > 100


@pytest.mark.parametrize(("name", "cl", "text"), CORPUS, ids=IDS)
def test_kind_matches_type_on_the_corpus(name: str, cl: Any, text: str) -> None:
    obj = CONVERTER.structure(json.loads(text), cl)
    if hasattr(obj, "kind") and getattr(obj, "type", None) is not None:
        assert obj.kind == obj.type


def _required(cls: Any) -> dict[str, Any]:
    # The fewest arguments that build cls: filled with an empty string or list, by annotation.
    return {
        f.name: [] if "Sequence" in str(f.type) else ""
        for f in attrs.fields(cls)
        if f.init and f.default is attrs.NOTHING
    }
