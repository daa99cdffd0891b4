"""The spec as both generators read it: loading, walking references, what kind each schema is.

Owns the path of the spec, the walk over the schemas a root refers to, the kind of a schema (object,
union, enum, ...), the properties of an object (``allOf`` parts merged) and the names both
generators give the same schemas. It must not decide how a model or a TypedDict looks, nor write
any Python source (``_source`` does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "conversations.openapi.yaml"

# Spec schema name -> public Python name, where the spec name is not a valid or not the agreed one.
RENAMES = {
    "ConversationResource": "Conversation",
    "DeletedConversationResource": "ConversationDeletedResource",
    "MessagePhase-2": "MessagePhase",
}
# Names for inline object schemas, keyed by (owner schema, property).
INLINE_NAMES: dict[tuple[str, str | None], str] = {
    ("FileSearchToolCall", "results"): "FileSearchToolCallResult",
    ("WebSearchActionSearch", "sources"): "WebSearchActionSearchSource",
    ("ImageGenTool", "input_image_mask"): "ImageGenToolInputImageMask",
    ("WebSearchTool", "filters"): "WebSearchToolFilters",
    ("MCPTool", "require_approval"): "MCPToolApprovalFilter",
    ("WebSearchApproximateLocation", None): "WebSearchApproximateLocation",
}
# JSON Schema primitive types -> Python annotations.
PRIMITIVES = {
    "string": "str",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "null": "None",
}


def load() -> dict[str, Any]:
    """The committed spec, parsed."""
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def ref_name(obj: dict[str, Any]) -> str:
    """The schema name a ``$ref`` object points at."""
    return str(obj["$ref"]).rsplit("/", 1)[-1]


def closure(schemas: dict[str, Any], roots: list[str]) -> list[str]:
    """The roots and every schema they refer to, directly or not, in the order first met."""
    seen: list[str] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key == "$ref":
                    name = value.rsplit("/", 1)[-1]
                    if name not in seen:
                        seen.append(name)
                        walk(schemas[name])
                else:
                    walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    for root in roots:
        if root not in seen:
            seen.append(root)
            walk(schemas[root])
    return seen


def kind_of(schema: dict[str, Any]) -> str:
    """What a schema describes: allof, union, enum, array, object, mapping, primitive or any."""
    if "allOf" in schema:
        return "allof"
    if "oneOf" in schema or "anyOf" in schema:
        return "union"
    if "enum" in schema:
        return "enum"
    if schema.get("type") == "array":
        return "array"
    if "properties" in schema:
        return "object"
    if schema.get("type") == "object":
        return "mapping"
    if "type" in schema:
        return "primitive"
    return "any"


def members(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The member schemas of a union (``oneOf`` or ``anyOf``)."""
    found: list[dict[str, Any]] = schema.get("oneOf") or schema.get("anyOf") or []
    return found


def object_parts(
    schemas: dict[str, Any], schema: dict[str, Any]
) -> tuple[dict[str, Any], list[str], str | None]:
    """An object schema's properties, required keys and description, ``allOf`` parts merged."""
    if "allOf" not in schema:
        doc = schema.get("description") or schema.get("title")
        return schema.get("properties", {}), list(schema.get("required", [])), doc
    props: dict[str, Any] = {}
    required: list[str] = []
    doc = schema.get("description")
    for part in schema["allOf"]:
        part_schema = schemas[ref_name(part)] if "$ref" in part else part
        doc = doc or part_schema.get("description")
        # Later parts refine earlier ones (id, status).
        props.update(part_schema.get("properties", {}))
        required += [r for r in part_schema.get("required", []) if r not in required]
    return props, required, doc
