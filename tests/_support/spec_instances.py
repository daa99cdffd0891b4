"""Schema-valid JSON instances of the spec's schemas, as Hypothesis strategies (tests only).

hypothesis-jsonschema 0.23.1 (the latest) does not run on current Hypothesis (its object strategy
calls a removed internal API), so this is a small generator for the subset of JSON Schema the spec
uses: ``$ref`` (followed lazily, so the recursive ``CompoundFilter`` recurses), ``allOf``, ``oneOf``
/ ``anyOf`` (each branch generated on its own), ``enum``, ``const``, the scalar types with their
bounds and patterns, arrays and objects. Objects also get keys the schema does not name, as JSON
Schema allows, so every model's ``extra`` is exercised. Sizes are capped to keep examples small.
"""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st

from tests._support.spec_validation import load_spec

# Spec schema name -> model class name, where they differ (see scripts/generate_models.py).
RENAMES = {
    "ConversationResource": "Conversation",
    "DeletedConversationResource": "ConversationDeletedResource",
}
# Free-form JSON objects in the spec that the models keep as plain mappings, not classes.
MAPPING_SCHEMAS = {"EmptyModelParam", "Metadata", "VectorStoreFileAttributes"}
# Where the models are deliberately narrower than the spec's schema, because the spec's own
# description is narrower: ConversationResource.metadata is an untyped ``{}`` whose description
# is the Metadata map's.
SCHEMA_OVERRIDES = {("ConversationResource", "metadata"): {"$ref": "#/components/schemas/Metadata"}}


def components() -> dict[str, Any]:
    """Every component schema of the spec, by name, as loaded."""
    return load_spec()["components"]["schemas"]  # type: ignore[no-any-return]


@functools.cache
def operation_closure() -> tuple[str, ...]:
    """Names of every schema the eight operations return or accept, transitively."""
    seen: list[str] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key == "$ref" and value.startswith("#/components/schemas/"):
                    name = value.rsplit("/", 1)[-1]
                    if name not in seen:
                        seen.append(name)
                        walk(components()[name])
                else:
                    walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    walk(load_spec()["paths"])
    return tuple(seen)


def is_object_schema(name: str) -> bool:
    """Whether the spec schema describes one object (so it has a model class)."""
    schema = components()[name]
    return name not in MAPPING_SCHEMAS and ("properties" in schema or "allOf" in schema)


_KEYS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
_TEXT = st.text(max_size=12)


@functools.cache
def instances_of(name: str) -> st.SearchStrategy[Any]:
    """A Hypothesis strategy for JSON values valid against the named component schema."""
    return instances(components()[name], owner=name)


def instances(schema: Any, owner: str = "") -> st.SearchStrategy[Any]:
    """A Hypothesis strategy for JSON values valid against ``schema``.

    References are followed lazily (and each named schema's strategy is built once), so building
    a strategy is cheap and the recursive CompoundFilter simply recurses.
    """
    if not isinstance(schema, dict) or schema == {}:
        return _any_json()
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return st.deferred(lambda: instances_of(name))
    if "$recursiveRef" in schema:
        return st.deferred(lambda: instances_of(owner))
    if "not" in schema:
        return st.nothing()
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = components()[part["$ref"].rsplit("/", 1)[-1]] if "$ref" in part else part
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return instances(merged, owner)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return st.one_of([instances(branch, owner) for branch in schema[key]])
    kind = schema.get("type")
    if kind is None:
        kind = "object" if "properties" in schema else None
    if kind == "string":
        return _strings(schema)
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**40)), schema.get("maximum", 2**40))
    if kind == "number":
        return st.one_of(
            st.integers(-(2**40), 2**40), st.floats(allow_nan=False, allow_infinity=False)
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        low = schema.get("minItems", 0)
        return st.lists(
            instances(schema.get("items", {}), owner),
            min_size=low,
            max_size=min(schema.get("maxItems", 3), low + 3),
        )
    if kind == "object":
        return _objects(schema, owner)
    return _any_json()


def _strings(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    low = schema.get("minLength", 0)
    high = min(schema.get("maxLength", 12), low + 12)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True).filter(
            lambda s: low <= len(s) <= schema.get("maxLength", 10**9)
        )
    return st.text(min_size=low, max_size=high)


def _objects(schema: dict[str, Any], owner: str) -> st.SearchStrategy[dict[str, Any]]:
    props = {
        k: SCHEMA_OVERRIDES.get((owner, k), v) for k, v in schema.get("properties", {}).items()
    }
    required = set(schema.get("required", []))
    addl = schema.get("additionalProperties", True)
    # The spec requires a few keys it never declares (LocalShellToolCallOutput.call_id,
    # MCPApprovalResponse.request_id): any value will do, and the models keep them in ``extra``.
    undeclared = {k: _any_json() for k in sorted(required - props.keys())}
    base = st.fixed_dictionaries(
        {**undeclared, **{k: instances(v, owner) for k, v in props.items() if k in required}},
        optional={k: instances(v, owner) for k, v in props.items() if k not in required},
    )
    if addl is False:
        return base
    # Keys the schema does not name: the API may add fields, and the models must keep them.
    values = _any_json() if addl in (True, {}) else instances(addl, owner)
    extra = st.dictionaries(_KEYS.filter(lambda k: k not in props), values, max_size=2)
    return st.builds(lambda known, more: {**more, **known}, base, extra)


def _any_json() -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | _TEXT
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_KEYS, inner, max_size=2),
        max_leaves=4,
    )
