"""The emulator's own JSON-Schema subset validator, on the keywords the spec uses."""

from __future__ import annotations

from typing import Any

import pytest

from conversations_sdk.emulator._validate import SchemaValidator, ValidationProblem

DOC: dict[str, Any] = {
    "components": {
        "schemas": {
            "Node": {
                "$recursiveAnchor": True,
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "type": {"type": "string", "enum": ["and", "or"]},
                    "children": {
                        "type": "array",
                        "items": {
                            "anyOf": [{"$ref": "#/components/schemas/Leaf"}, {"$recursiveRef": "#"}]
                        },
                    },
                },
                "required": ["type"],
            },
            "Leaf": {
                "type": "object",
                "properties": {
                    "type": {"enum": ["leaf"]},
                    "n": {"type": "integer", "minimum": 0, "maximum": 9},
                },
                "required": ["type", "n"],
            },
            "Name": {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^[a-z]+$"},
            "Map": {
                "type": "object",
                "maxProperties": 2,
                "propertyNames": {"maxLength": 2},
                "additionalProperties": {"type": "string"},
            },
            "List": {
                "type": "array",
                "minItems": 1,
                "maxItems": 2,
                "items": {"type": ["string", "null"]},
            },
            "Overlap": {
                "oneOf": [
                    {"type": "object", "properties": {"a": {"type": "string"}}},
                    {"type": "object", "properties": {"b": {"type": "string"}}},
                ]
            },
        }
    }
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (
            "Node",
            {"type": "and", "children": [{"type": "leaf", "n": 1}, {"type": "or", "children": []}]},
        ),
        ("Name", "abc"),
        ("Map", {"ab": "x", "c": "y"}),
        ("List", ["x", None]),
        ("Overlap", {"a": "x", "b": "y"}),
        ("Leaf", {"type": "leaf", "n": 3.0}),
    ],
)
def test_valid_values_pass(name: str, value: Any) -> None:
    """Values within every rule validate (overlapping oneOf alternatives included)."""
    SchemaValidator(DOC).validate(value, _ref(name))


@pytest.mark.parametrize(
    ("name", "value", "param"),
    [
        ("Node", {"type": "and", "extra": 1}, "extra"),
        ("Node", {"children": []}, "type"),
        ("Node", {"type": "xor"}, "type"),
        (
            "Node",
            {"type": "and", "children": [{"type": "or", "children": [{"type": "leaf", "n": 10}]}]},
            "children[0].children[0].n",
        ),
        ("Leaf", {"type": "leaf", "n": True}, "n"),
        ("Leaf", {"type": "leaf", "n": -1}, "n"),
        ("Name", "", None),
        ("Name", "abcd", None),
        ("Name", "AB", None),
        ("Map", {"a": "x", "b": "y", "c": "z"}, None),
        ("Map", {"abc": "x"}, "abc"),
        ("Map", {"a": 1}, "a"),
        ("List", [], None),
        ("List", ["a", "b", "c"], None),
        ("List", [1], "[0]"),
    ],
)
def test_invalid_values_name_the_offending_path(name: str, value: Any, param: str | None) -> None:
    """Each broken rule raises a problem whose param is the path to fix."""
    with pytest.raises(ValidationProblem) as caught:
        SchemaValidator(DOC).validate(value, _ref(name))
    assert caught.value.param == param
    assert caught.value.message
