"""The JSON shapes the command line moves: models as JSON values, stored items as input items.

Owns :func:`unstructure` (a model as its JSON value, unknown fields and types included),
:func:`to_input_item` (an item as ``items.list`` returns it, its *output* shape, turned into the
*input* shape ``items.create`` accepts) and :func:`item_problem` (what makes a value an item the
API cannot accept, when the SDK knows it for certain). The spec's input schemas, through the
generated input models, are the only source of which keys may be sent.

Pure: no I/O, no requests, nothing printed.
"""

from __future__ import annotations

import functools
import json
import typing
from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["item_problem", "to_input_item", "unstructure"]


def unstructure(obj: object) -> Any:
    """Return the JSON value of a model, unknown fields and types included."""
    # Imported here: `conversations-sdk serve` and --help should not pay for cattrs and models.
    from .._converter import CONVERTER

    return CONVERTER.unstructure(obj)


def _literals(annotation: object) -> set[str]:
    if typing.get_origin(annotation) is typing.Literal:
        return {a for a in typing.get_args(annotation) if isinstance(a, str)}
    values: set[str] = set()
    for arg in typing.get_args(annotation):
        values |= _literals(arg)
    return values


@attrs.frozen
class _InputShape:
    """One input schema of the spec, as the generated model declares it."""

    keys: frozenset[str]
    required: frozenset[str]
    roles: frozenset[str]


@functools.lru_cache(maxsize=1)
def _input_shapes() -> dict[str, tuple[_InputShape, ...]]:
    """Map each item ``type`` to the input shapes ``items.create`` accepts for it."""
    from .. import models

    table: dict[str, list[_InputShape]] = {}
    for cls in typing.get_args(models.InputItem):
        if not attrs.has(cls) or cls is models.UnknownItem:
            continue
        hints = typing.get_type_hints(cls)
        fields = [f for f in attrs.fields(cls) if f.init and f.name != "extra"]
        shape = _InputShape(
            keys=frozenset(f.name for f in fields),
            required=frozenset(f.name for f in fields if f.default is attrs.NOTHING),
            roles=frozenset(_literals(hints.get("role"))),
        )
        for tag in _literals(hints.get("type")):
            table.setdefault(tag, []).append(shape)
    return {tag: tuple(shapes) for tag, shapes in table.items()}


def to_input_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """Turn an item as the API returns it into the input shape ``items.create`` accepts.

    Keys no input schema of the item's type declares (server-only fields such as ``created_by``,
    or fields unknown to this SDK version) are dropped. ``id`` is kept only when an input schema
    requires it (an assistant ``OutputMessage``, a ``reasoning`` item, built-in tool calls): an
    optional id is a reference to a server-side item, which on another server or conversation can
    only collide. A type with no known input schema is sent as is, minus its ``id``.

    Args:
        item: One item, unstructured (a JSON object).

    Returns:
        A new dict, ready to be sent.
    """
    shapes = _input_shapes().get(str(item.get("type")), ())
    if not shapes:
        return {k: v for k, v in item.items() if k != "id"}
    role = item.get("role")
    if isinstance(role, str):
        # Message shapes differ by role (an assistant message is an OutputMessage, with its id).
        matching = tuple(s for s in shapes if not s.roles or role in s.roles)
        shapes = matching or shapes
    keys: set[str] = set()
    id_required = False
    for shape in shapes:
        keys |= shape.keys
        id_required = id_required or "id" in shape.required
    if not id_required:
        keys.discard("id")
    return {k: v for k, v in item.items() if k in keys}


def item_problem(value: object) -> str | None:
    """Say what makes ``value`` an item the API cannot accept, if the SDK knows it for certain.

    Checked: a JSON object; a string ``type`` (or none: an easy message or a reference); for a
    known type, the keys that at least one of its input schemas requires (the most lenient
    reading). A type this SDK does not know is left to the server, which may know it.
    """
    if not isinstance(value, dict):
        return "not a JSON object"
    kind = value.get("type")
    if kind is None:
        if "role" in value or "content" in value:
            kind = "message"
        elif "id" in value:
            kind = "item_reference"
        else:
            return "an item needs a 'type' (or 'role' and 'content' for a message)"
    if not isinstance(kind, str):
        return f"'type' must be a string, not {json.dumps(kind)[:40]}"
    shapes = _input_shapes().get(kind, ())
    role = value.get("role")
    if isinstance(role, str) and kind == "message":
        shapes = tuple(s for s in shapes if not s.roles or role in s.roles) or shapes
    missing = [sorted(s.required - value.keys()) for s in shapes]
    if missing and all(missing):
        keys = min(missing, key=len)
        return f"a {kind!r} item needs " + ", ".join(repr(k) for k in keys)
    return None
