"""The emulator's reading of the bundled OpenAPI spec: loading it, and walking its schemas.

:func:`load_spec` parses the spec shipped as package data once per process; :class:`ApiSchemas`
holds what the routes look up in it (the request body schemas, the ``include`` values, the
resource schema of each item type) and the emulator's own :class:`~._validate.SchemaValidator`.
The walking helpers answer questions about a schema (its flattened properties, the emptiest
value it accepts, the required fields an input may leave out) for item normalisation and the
Responses echo. No HTTP here: refusing a request is :mod:`._http`'s and :mod:`._body`'s job.

Like every emulator module, this one must not import the SDK's converter or models.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import json
from collections.abc import Mapping
from typing import Any

from ._validate import SchemaValidator

__all__ = ["ApiSchemas", "load_spec"]


@functools.cache
def load_spec() -> dict[str, Any]:
    """Return the bundled OpenAPI document (generated from ``spec/conversations.openapi.yaml``).

    Parsed once per process and shared by every emulator: the document is over 300 KB and
    parsing it was a large part of each start (a pytest fixture starts one per test). Nothing
    may change it; values taken from it into a response are copied (see :func:`_minimal`).
    """
    text = importlib.resources.files(__package__).joinpath("spec.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


class ApiSchemas:
    """The bundled spec, its validator, and the schemas the routes look up by name."""

    def __init__(self) -> None:
        self.spec = load_spec()
        self.validator = SchemaValidator(self.spec)
        schemas = self.spec["components"]["schemas"]
        self.schemas: Mapping[str, Any] = schemas
        self.include_values = frozenset(schemas["IncludeEnum"]["enum"])
        items_body = self.spec["paths"]["/conversations/{conversation_id}/items"]["post"]
        self.items_body_schema = items_body["requestBody"]["content"]["application/json"]["schema"]
        # Stored items must validate against the branch of ConversationItem for their type.
        self.resource_schemas: dict[str, list[Mapping[str, Any]]] = {}
        for branch in schemas["ConversationItem"]["oneOf"]:
            for tag in self.validator.tags(branch):
                self.resource_schemas.setdefault(tag, []).append(branch)


def _flatten(api: ApiSchemas, schema: Mapping[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """Return the properties and required names of an object schema, through $ref and allOf."""
    if "$ref" in schema:
        return _flatten(api, api.validator.resolve(schema["$ref"]))
    properties = dict(schema.get("properties", {}))
    required = set(schema.get("required", ()))
    for sub in schema.get("allOf", ()):
        more, needed = _flatten(api, sub)
        properties.update(more)
        required |= needed
    return properties, required


def _complete(api: ApiSchemas, value: Any, schema: Mapping[str, Any], depth: int) -> Any:
    """Add the required fields a nested input object may omit (``action.timeout_ms``: null)."""
    while "$ref" in schema:
        schema = api.validator.resolve(schema["$ref"])
    if depth > 8 or not isinstance(value, (list, dict)):
        return value
    for alternative in [*schema.get("anyOf", ()), *schema.get("oneOf", ())]:
        candidate = _complete(api, value, alternative, depth + 1)
        if api.validator.is_valid(candidate, alternative):
            return candidate
    if isinstance(value, list):
        items = schema.get("items")
        if not isinstance(items, Mapping):
            return value
        return [_complete(api, v, items, depth + 1) for v in value]
    properties, required = _flatten(api, schema)
    out = {
        k: _complete(api, v, properties[k], depth + 1) if k in properties else v
        for k, v in value.items()
        # A null the param allowed but the resource does not means "absent".
        if not (v is None and k in properties and not api.validator.is_valid(None, properties[k]))
    }
    for name in sorted(required - out.keys()):
        if name in properties:
            out[name] = _minimal(api, properties[name], depth + 1)
    return out


def _enum(api: ApiSchemas, schema: Mapping[str, Any]) -> list[Any]:
    while "$ref" in schema:
        schema = api.validator.resolve(schema["$ref"])
    options = list(schema.get("enum", ()))
    for alternative in schema.get("anyOf", ()):
        options += _enum(api, alternative)
    return options


def _minimal(api: ApiSchemas, schema: Mapping[str, Any], depth: int) -> Any:
    """The emptiest value a schema accepts: null, its default, its first enum value, "" or []."""
    while "$ref" in schema:
        schema = api.validator.resolve(schema["$ref"])
    if "default" in schema:
        # A copy: the spec is shared by every emulator (a list default must not be the spec's).
        return copy.deepcopy(schema["default"])
    if schema.get("enum"):
        return schema["enum"][0]
    alternatives = list(schema.get("anyOf", ())) + list(schema.get("oneOf", ()))
    if any(alt.get("type") == "null" for alt in alternatives):
        return None
    if alternatives and depth < 4:
        return _minimal(api, alternatives[0], depth + 1)
    kind = schema.get("type")
    empties: dict[str, Any] = {"string": "", "integer": 0, "number": 0, "boolean": False}
    if kind == "array":
        return []
    if kind == "object" and depth < 4:
        properties, required = _flatten(api, schema)
        return {n: _minimal(api, properties[n], depth + 1) for n in required if n in properties}
    return empties.get(str(kind))
