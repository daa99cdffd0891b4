"""A small JSON-Schema validator for the subset of keywords the Conversations spec uses.

The emulator validates requests (and, as a self-check, the items it is about to store) with this
module instead of a third-party validator, so the server needs nothing beyond the SDK's core
dependencies and stays a second opinion: it never shares code with the SDK's converter.

Semantics chosen on purpose:

- ``oneOf`` is checked as "at least one alternative matches". The spec's unions overlap (a user
  message with a list of parts is both an ``EasyInputMessage`` and an ``InputMessage``); the real
  API accepts such bodies, and strict "exactly one" would reject them.
- ``format`` is asserted for ``uri`` only (``unixtime`` and ``float`` are annotations).
- ``$recursiveRef: "#"`` resolves to the nearest enclosing component with ``$recursiveAnchor``.

The validator stops at the first problem and reports it with the parameter path the API would use
in ``error.param`` (``items[3].content``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["SchemaValidator", "ValidationProblem"]

# RFC 3986 absolute URI, loosely: a scheme, a colon, then only characters a URI may contain.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "null": (type(None),),
}


class ValidationProblem(Exception):
    """A value does not satisfy the schema.

    Attributes:
        message: What is wrong, in words safe to return to the caller.
        param: The path of the offending value (``"items[0].role"``), or ``None`` for the body.
    """

    def __init__(self, message: str, param: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _type_matches(value: object, name: str) -> bool:
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    kinds = _JSON_TYPES.get(name)
    return kinds is not None and isinstance(value, kinds)


class SchemaValidator:
    """Validate JSON values against schemas of an OpenAPI document's ``components/schemas``.

    Args:
        spec: The whole OpenAPI document, already decoded from JSON.
    """

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._spec = spec
        self._patterns: dict[str, re.Pattern[str]] = {}

    def resolve(self, ref: str) -> Mapping[str, Any]:
        """Return the schema a local ``$ref`` (``#/components/schemas/Name``) points to.

        Raises:
            KeyError: The reference is not local or does not exist.
        """
        if not ref.startswith("#/"):
            raise KeyError(ref)
        node: Any = self._spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node  # type: ignore[no-any-return]

    def validate(self, value: object, schema: Mapping[str, Any], path: str = "") -> None:
        """Check ``value`` against ``schema``.

        Args:
            value: A decoded JSON value.
            schema: A schema from the document (may contain ``$ref``).
            path: The parameter path of ``value``, used in error messages.

        Raises:
            ValidationProblem: The first rule ``value`` breaks.
        """
        self._check(value, schema, path, None)

    def is_valid(self, value: object, schema: Mapping[str, Any]) -> bool:
        """Return whether ``value`` satisfies ``schema``."""
        try:
            self._check(value, schema, "", None)
        except ValidationProblem:
            return False
        return True

    def _check(
        self,
        value: object,
        schema: Mapping[str, Any] | bool,
        path: str,
        anchor: Mapping[str, Any] | None,
    ) -> None:
        if schema is True:
            return
        if schema is False:
            raise ValidationProblem(f"'{path or 'body'}' is not allowed here.", path or None)
        if schema.get("$recursiveAnchor"):
            anchor = schema
        ref = schema.get("$ref")
        if isinstance(ref, str):
            self._check(value, self.resolve(ref), path, anchor)
        if schema.get("$recursiveRef") == "#" and anchor is not None:
            self._check(value, anchor, path, anchor)
        self._check_type(value, schema, path)
        self._check_scalar(value, schema, path)
        if isinstance(value, dict):
            self._check_object(value, schema, path, anchor)
        elif isinstance(value, list):
            self._check_array(value, schema, path, anchor)
        for sub in schema.get("allOf", ()):
            self._check(value, sub, path, anchor)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                self._check_union(value, schema[key], path, anchor)

    def _check_type(self, value: object, schema: Mapping[str, Any], path: str) -> None:
        expected = schema.get("type")
        if expected is None:
            return
        names = [expected] if isinstance(expected, str) else list(expected)
        if not any(_type_matches(value, n) for n in names):
            want = " or ".join(names)
            raise ValidationProblem(
                f"Invalid type for '{path or 'body'}': expected {want}, but got {_describe(value)}.",
                path or None,
            )

    def _check_scalar(self, value: object, schema: Mapping[str, Any], path: str) -> None:
        where = path or "body"
        if "enum" in schema and not any(
            value == option and type(value) is type(option) for option in schema["enum"]
        ):
            options = ", ".join(repr(o) for o in schema["enum"])
            raise ValidationProblem(
                f"Invalid value for '{where}': expected one of {options}.", path or None
            )
        if "const" in schema and value != schema["const"]:
            raise ValidationProblem(
                f"Invalid value for '{where}': expected {schema['const']!r}.", path or None
            )
        if isinstance(value, str):
            if "maxLength" in schema and len(value) > schema["maxLength"]:
                raise ValidationProblem(
                    f"'{where}' is too long: at most {schema['maxLength']} characters.",
                    path or None,
                )
            if "minLength" in schema and len(value) < schema["minLength"]:
                raise ValidationProblem(
                    f"'{where}' is too short: at least {schema['minLength']} characters.",
                    path or None,
                )
            if schema.get("format") == "uri" and not _URI.fullmatch(value):
                raise ValidationProblem(f"'{where}' must be an absolute URI.", path or None)
            pattern = schema.get("pattern")
            if isinstance(pattern, str) and not self._pattern(pattern).search(value):
                raise ValidationProblem(
                    f"'{where}' does not match the pattern {pattern}.", path or None
                )
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                raise ValidationProblem(
                    f"'{where}' is below the minimum of {schema['minimum']}.", path or None
                )
            if "maximum" in schema and value > schema["maximum"]:
                raise ValidationProblem(
                    f"'{where}' is above the maximum of {schema['maximum']}.", path or None
                )

    def _pattern(self, pattern: str) -> re.Pattern[str]:
        compiled = self._patterns.get(pattern)
        if compiled is None:
            compiled = self._patterns[pattern] = re.compile(pattern)
        return compiled

    def _check_object(
        self,
        value: dict[str, Any],
        schema: Mapping[str, Any],
        path: str,
        anchor: Mapping[str, Any] | None,
    ) -> None:
        for name in schema.get("required", ()):
            if name not in value:
                raise ValidationProblem(
                    f"Missing required parameter: '{_join(path, name)}'.", _join(path, name)
                )
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            raise ValidationProblem(
                f"'{path or 'body'}' has too many properties: at most {schema['maxProperties']}.",
                path or None,
            )
        names_schema = schema.get("propertyNames")
        properties: Mapping[str, Any] = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            sub_path = _join(path, key)
            if names_schema is not None:
                self._check(key, names_schema, sub_path, anchor)
            if key in properties:
                self._check(item, properties[key], sub_path, anchor)
            elif extra is False:
                raise ValidationProblem(f"Unknown parameter: '{sub_path}'.", sub_path)
            elif extra is not True:
                self._check(item, extra, sub_path, anchor)

    def _check_array(
        self,
        value: list[Any],
        schema: Mapping[str, Any],
        path: str,
        anchor: Mapping[str, Any] | None,
    ) -> None:
        where = path or "body"
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise ValidationProblem(
                f"Invalid '{where}': array too long. Expected an array with maximum length "
                f"{schema['maxItems']}, but got an array with length {len(value)} instead.",
                path or None,
            )
        if "minItems" in schema and len(value) < schema["minItems"]:
            raise ValidationProblem(
                f"Invalid '{where}': array too short. Expected at least {schema['minItems']} items.",
                path or None,
            )
        items = schema.get("items")
        if items is not None:
            for index, item in enumerate(value):
                self._check(item, items, _join(path, index), anchor)

    def _check_union(
        self,
        value: object,
        options: Sequence[Mapping[str, Any]],
        path: str,
        anchor: Mapping[str, Any] | None,
    ) -> None:
        problems: list[tuple[Mapping[str, Any], ValidationProblem]] = []
        for option in options:
            try:
                self._check(value, option, path, anchor)
            except ValidationProblem as failed:
                problems.append((option, failed))
            else:
                return
        # Report the alternative whose discriminator the value chose, so the caller learns which
        # field of *their* item type is wrong rather than that no item type matched.
        tag = value.get("type") if isinstance(value, dict) else None
        if isinstance(tag, str):
            tagged = [(option, problem, self._tags(option)) for option, problem in problems]
            for _, chosen, tags in tagged:
                if tag in tags:
                    raise chosen
            if tagged and all(tags for _, _, tags in tagged):
                where = _join(path, "type")
                raise ValidationProblem(
                    f"Invalid value for '{where}': {tag!r} is not supported.", where
                )
            # Some alternative does not pin `type` (a recursive reference, a free-form object).
            for option, untagged, tags in tagged:
                if not tags and self._accepts_type(option, value):
                    raise untagged
        # Otherwise the first alternative of the value's JSON type explains best what to fix.
        for option, typed in problems:
            if self._accepts_type(option, value):
                raise typed
        raise ValidationProblem(
            f"Invalid value for '{path or 'body'}': it matches none of the allowed forms.",
            path or None,
        )

    def _accepts_type(self, schema: Mapping[str, Any], value: object) -> bool:
        while "$ref" in schema:
            schema = self.resolve(schema["$ref"])
        expected = schema.get("type")
        if expected is None:
            return True
        names = [expected] if isinstance(expected, str) else list(expected)
        return any(_type_matches(value, n) for n in names)

    def _tags(self, schema: Mapping[str, Any], depth: int = 0) -> set[str]:
        """Return the ``type`` discriminator values a schema accepts (following refs)."""
        if depth > 8:
            return set()
        if "$ref" in schema:
            return self._tags(self.resolve(schema["$ref"]), depth + 1)
        tags: set[str] = set()
        prop = schema.get("properties", {}).get("type")
        if isinstance(prop, Mapping):
            tags.update(t for t in prop.get("enum", ()) if isinstance(t, str))
            for alt in prop.get("anyOf", ()):
                tags.update(t for t in alt.get("enum", ()) if isinstance(t, str))
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in schema.get(key, ()):
                tags |= self._tags(sub, depth + 1)
        return tags

    def tags(self, schema: Mapping[str, Any]) -> set[str]:
        """Return the ``type`` values a (union) schema accepts, following ``$ref``."""
        return self._tags(schema)
