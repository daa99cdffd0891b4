"""Validate JSON bodies against the spec's schemas with ``jsonschema`` (tests only).

Shared by the emulator, end-to-end and contract tests::

    from tests._support.spec_validation import validate_response, validate_schema

    validate_response("POST", "/conversations", 200, body)
    validate_schema("ErrorResponse", body)

The spec is loaded verbatim from ``spec/conversations.openapi.yaml`` (:func:`load_spec`); bodies are
validated against that document with the paths and components of ``spec/responses.openapi.yaml``
added (:func:`load_full_spec`; shared components are identical). Three adaptations make it usable
by a JSON Schema 2020-12 validator, and change nothing a document must satisfy:

- ``$recursiveRef: "#"`` (a 2019-09 keyword) becomes a ``$ref`` to the component that declares
  ``$recursiveAnchor`` (``CompoundFilter``), which is what it means inside one component;
- with ``loose_unions=True``, every ``oneOf`` is checked as ``anyOf``, for callers validating
  *requests* against the spec's overlapping unions (a user message with parts is both an
  ``EasyInputMessage`` and an ``InputMessage``). Responses are checked with strict ``oneOf``;
- the Responses extract documents the 404 of delete and cancel with ``Error``, the *inner* object of
  the API's error envelope; every error the API sends is the ``ErrorResponse`` envelope, so an error
  status is checked against that.
"""

from __future__ import annotations

import copy
import functools
import pathlib
from typing import Any

import jsonschema
import referencing
import yaml
from referencing.jsonschema import DRAFT202012

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "spec" / "conversations.openapi.yaml"
RESPONSES_SPEC_PATH = ROOT / "spec" / "responses.openapi.yaml"
_BASE_URI = "urn:conversations-spec"

__all__ = [
    "RESPONSES_SPEC_PATH",
    "ROOT",
    "SPEC_PATH",
    "load_full_spec",
    "load_spec",
    "operation",
    "response_schema_ref",
    "validate_response",
    "validate_schema",
]


@functools.cache
def load_spec() -> dict[str, Any]:
    """The verbatim spec, decoded (cached; do not mutate)."""
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@functools.cache
def load_full_spec() -> dict[str, Any]:
    """The Conversations spec plus the Responses paths and components (cached; do not mutate)."""
    spec = copy.deepcopy(load_spec())
    responses = yaml.safe_load(RESPONSES_SPEC_PATH.read_text(encoding="utf-8"))
    spec["paths"].update(responses["paths"])
    for kind, entries in responses["components"].items():
        section = spec["components"].setdefault(kind, {})
        for name, value in entries.items():
            assert section.get(name, value) == value, f"{kind}/{name} differs between extracts"
            section[name] = value
    return spec  # type: ignore[no-any-return]


def _adapt(node: Any, anchor: str | None, loose: bool) -> Any:
    if isinstance(node, list):
        return [_adapt(v, anchor, loose) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$recursiveRef" and value == "#" and anchor is not None:
            out["$ref"] = f"#/components/schemas/{anchor}"
        elif key == "$recursiveAnchor":
            continue
        elif key == "oneOf" and loose:
            out["anyOf"] = _adapt(value, anchor, loose)
        elif key == "properties":
            out[key] = {k: _adapt(v, anchor, loose) for k, v in value.items()}
        else:
            out[key] = _adapt(value, anchor, loose)
    return out


@functools.cache
def _registry(loose: bool) -> referencing.Registry[Any]:
    spec = copy.deepcopy(load_full_spec())
    schemas = spec["components"]["schemas"]
    for name, schema in list(schemas.items()):
        anchor = name if isinstance(schema, dict) and schema.get("$recursiveAnchor") else None
        schemas[name] = _adapt(schema, anchor, loose)
    resource = referencing.Resource(contents=spec, specification=DRAFT202012)
    return referencing.Registry().with_resource(_BASE_URI, resource)


def _validator(ref: str, loose: bool) -> jsonschema.Draft202012Validator:
    schema = {"$ref": f"{_BASE_URI}{ref}"}
    return jsonschema.Draft202012Validator(schema, registry=_registry(loose))


def validate_schema(name: str, instance: object, *, loose_unions: bool = False) -> None:
    """Check ``instance`` against ``#/components/schemas/<name>``.

    Raises:
        jsonschema.ValidationError: The best-matching error, with its path.
    """
    error = jsonschema.exceptions.best_match(
        _validator(f"#/components/schemas/{name}", loose_unions).iter_errors(instance)
    )
    if error is not None:
        raise error


def operation(method: str, path: str) -> dict[str, Any]:
    """The spec's operation object for ``method`` on ``path`` (``"/conversations/{conversation_id}"``)."""
    return load_full_spec()["paths"][path][method.lower()]  # type: ignore[no-any-return]


def response_schema_ref(method: str, path: str, status: int) -> str:
    """The JSON pointer of the schema a response must match (following ``components/responses``).

    ``""`` when the spec documents the status without a body schema (deleting a response).
    """
    responses = operation(method, path)["responses"]
    response = responses.get(str(status))
    if response is None:
        # The spec documents only 200 and 429; every other error uses the same error body.
        return "#/components/schemas/ErrorResponse"
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        response = load_full_spec()["components"]["responses"][name]
    if "content" not in response:
        return ""
    schema = response["content"]["application/json"]["schema"]
    if status >= 400 and schema["$ref"] == "#/components/schemas/Error":
        return "#/components/schemas/ErrorResponse"
    return str(schema["$ref"])


def validate_response(method: str, path: str, status: int, body: object) -> None:
    """Check a response body against what the spec promises for this operation and status.

    Raises:
        jsonschema.ValidationError: The body does not match.
    """
    ref = response_schema_ref(method, path, status)
    if not ref:
        return
    error = jsonschema.exceptions.best_match(_validator(ref, False).iter_errors(body))
    if error is not None:
        raise error
