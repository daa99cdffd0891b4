"""Property tests: schema-valid instances generated from the spec structure and round-trip exactly.

Instances come straight from the spec's JSON Schemas (see ``spec_schemas.instances``), including
the extra keys JSON Schema allows, so these tests also exercise unknown fields on every model.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conversations_sdk import models
from conversations_sdk._converter import make_converter
from conversations_sdk.models import UnknownContent, UnknownItem, UnknownObject
from tests._support.spec_instances import (
    RENAMES,
    components,
    instances_of,
    is_object_schema,
    operation_closure,
)

CONVERTER = make_converter()
# A few examples per schema keep the whole file at seconds; CI runs it on four Pythons.
SETTINGS = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
OBJECT_SCHEMAS = [n for n in operation_closure() if is_object_schema(n)]


def _model(schema_name: str) -> Any:
    return getattr(models, RENAMES.get(schema_name, schema_name))


def _structure(payload: Any, cl: Any) -> Any:
    # ``cl`` may be a union alias, which mypy does not accept as a ``type[T]``.
    return CONVERTER.structure(payload, cl)


def _dumps(value: Any) -> str:
    # sort_keys: key order is not part of JSON equality; the JSON text still tells 1 from 1.0.
    return json.dumps(value, sort_keys=True)


def _unknowns(obj: Any) -> list[Any]:
    """Every Unknown* instance inside a structured object."""
    if isinstance(obj, (UnknownItem, UnknownContent, UnknownObject)):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [u for v in obj for u in _unknowns(v)]
    if attrs.has(type(obj)):
        return [u for a in attrs.fields(type(obj)) for u in _unknowns(getattr(obj, a.name))]
    return []


def _instances(schema_name: str) -> st.SearchStrategy[Any]:
    return instances_of(schema_name)


def test_every_object_schema_has_a_model() -> None:
    """Every object schema reachable from the eight operations has a model class of its name."""
    missing = [n for n in OBJECT_SCHEMAS if not attrs.has(_model(n))]
    assert missing == []
    assert len(OBJECT_SCHEMAS) >= 120


@pytest.mark.parametrize("schema_name", OBJECT_SCHEMAS)
def test_schema_instances_structure_and_round_trip(schema_name: str) -> None:
    """Generated instances of each schema become its class, with no Unknown*, and round-trip."""
    cls = _model(schema_name)

    @SETTINGS
    @given(payload=_instances(schema_name))
    def check(payload: Any) -> None:
        obj = _structure(payload, cls)
        assert type(obj) is cls
        assert _unknowns(obj) == []
        assert _dumps(CONVERTER.unstructure(obj)) == _dumps(payload)

    check()


def _union_members(union_schema: str) -> list[str]:
    return [m["$ref"].rsplit("/", 1)[-1] for m in components()[union_schema]["oneOf"]]


@pytest.mark.parametrize("member", _union_members("ConversationItem"))
def test_conversation_item_union_picks_the_right_class(member: str) -> None:
    """Each item schema, structured as ConversationItem, becomes that schema's class."""

    @SETTINGS
    @given(payload=_instances(member))
    def check(payload: Any) -> None:
        obj = _structure(payload, models.ConversationItem)
        assert type(obj) is _model(member)
        assert _dumps(CONVERTER.unstructure(obj)) == _dumps(payload)

    check()


CONTENT_UNIONS = {
    "MessageContent": [
        ref["$ref"].rsplit("/", 1)[-1]
        for ref in components()["Message"]["properties"]["content"]["items"]["oneOf"]
    ],
    "InputContent": _union_members("InputContent"),
    "OutputMessageContent": _union_members("OutputMessageContent"),
    "Annotation": _union_members("Annotation"),
    "Tool": _union_members("Tool"),
    "ComputerAction": _union_members("ComputerAction"),
}


@pytest.mark.parametrize(
    ("union", "member"),
    [(union, member) for union, members in CONTENT_UNIONS.items() for member in members],
)
def test_nested_unions_pick_the_right_class(union: str, member: str) -> None:
    """Each content part (and annotation, tool, action) structured via its union gets its class."""

    @SETTINGS
    @given(payload=_instances(member))
    def check(payload: Any) -> None:
        obj = _structure(payload, getattr(models, union))
        assert type(obj) is _model(member)
        assert _dumps(CONVERTER.unstructure(obj)) == _dumps(payload)

    check()
