"""The base every model shares, and the three ``Unknown*`` stand-ins for tags the SDK does not know.

This module owns no wire logic: keys, unknown fields and explicit nulls are handled by the converter
(``conversations_sdk._converter``). It only declares the two hidden pieces of state the converter needs
so that ``unstructure(structure(body)) == body`` holds for every body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple, TypeVar

import attrs

__all__ = ["UnknownContent", "UnknownItem", "UnknownObject", "ValidationIssue"]


class ValidationIssue(NamedTuple):
    """One place where a response did not match the spec, as recorded by the tolerant reader.

    A named tuple ``(path, expected, got)``.
    """

    #: Where, as a JSON path from the object holding the issue (``$.content[0].text``).
    path: str
    #: What the spec promises there (``"an integer"``, ``"present"``).
    expected: str
    #: What kind of value came instead (``"a string"``, ``"missing"``, ``"null"``); never the
    #: value itself, which may be private.
    got: str


@attrs.frozen
class _Tolerance:
    # What the tolerant reader did to build one object: its issues (paths from the object),
    # required fields the body lacked (left out again on the way back), and fields whose value
    # is kept exactly as sent because it did not fit the field's type.
    issues: tuple[ValidationIssue, ...]
    absent: frozenset[str] = frozenset()
    kept: frozenset[str] = frozenset()


_M = TypeVar("_M", bound="_Model")


@attrs.frozen(kw_only=True)
class _Model:
    """Base of every spec model.

    Attributes:
        extra: Fields the API sent that this version of the SDK does not know yet, kept as received
            and sent back unchanged when the model is unstructured. Empty for most objects.
    """

    # hash=False: a dict cannot be hashed, and leaving it out keeps equal objects' hashes equal.
    extra: Mapping[str, Any] = attrs.field(factory=dict, repr=False, hash=False)
    # Names of optional fields the API sent as an explicit ``null`` (rather than leaving them out):
    # both read as ``None`` here, so this set is what lets the converter give back the same body.
    # Not part of __init__ or equality: it is a wire detail, not a value.
    _explicit_nulls: frozenset[str] = attrs.field(
        init=False, default=frozenset(), repr=False, eq=False
    )
    # Filled by the client after structuring (never by the converter, never sent back).
    _request_id: str | None = attrs.field(init=False, default=None, repr=False, eq=False)
    # Set only by the tolerant reader, on objects whose body did not match the spec.
    _tolerance: _Tolerance | None = attrs.field(init=False, default=None, repr=False, eq=False)

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` of the response this object came from (``None`` if built locally)."""
        return self._request_id

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # attrs writes a field-by-field __hash__ into every frozen class; that one raises on the
        # first list or dict field (most models have one). Hash the frozen content instead: equal
        # models still get equal hashes, and every model can go in a set or be a dict key.
        if "__hash__" in cls.__dict__:
            cls.__hash__ = _Model._content_hash  # type: ignore[assignment,method-assign]

    def _content_hash(self) -> int:
        fields = attrs.fields(type(self))
        return hash((type(self), *(_freeze(getattr(self, f.name)) for f in fields if f.hash)))

    def to_dict(self) -> dict[str, Any]:
        """This object as the API's JSON: a new ``dict`` of JSON types only (``dict``, ``list``,
        ``str``, ``int``, ``float``, ``bool``, ``None``).

        Keys are the API's names; fields the API sent as ``null`` are kept as ``None``, unset
        optional fields are left out, and fields this SDK does not know (``extra``) are included.
        Nothing private is: the result is exactly what would be sent (or what was received).
        """
        from .._converter import CONVERTER  # the converter imports the models

        return _json_copy(CONVERTER.unstructure(self))  # type: ignore[no-any-return]

    def to_json(self, indent: int | None = None) -> str:
        """This object as JSON text (:meth:`to_dict`, serialised); compact unless ``indent`` is given."""
        return _dumps(self.to_dict(), indent)

    @classmethod
    def from_dict(cls: type[_M], data: Mapping[str, Any], *, strict: bool = False) -> _M:
        """Read the model from its wire form (a decoded JSON object), as a response is read.

        ``Model.from_dict(obj.to_dict())`` gives back an equal object, and its wire form is the
        same JSON, nulls, unknown fields and number types included.

        Args:
            data: The JSON object.
            strict: Raise for anything that does not match the spec. By default what does not
                fit is kept as given and listed in :attr:`validation_issues`.

        Returns:
            The model.

        Raises:
            ResponseValidationError: ``data`` is not a JSON object, or (``strict``) does not
                match the spec; the message lists every bad field by JSON path.
        """
        from .._converter import structure_response

        body: object = data
        if type(body) is not dict and isinstance(body, Mapping):
            body = dict(body)  # a read-only mapping: the reader wants JSON's own dict
        result: _M = structure_response(body, cls, strict=strict)
        return result

    @property
    def validation_issues(self) -> tuple[ValidationIssue, ...]:
        """Where the body this object was read from did not match the spec (empty when it did).

        Paths start at this object (``$``); a page's issues include those of its items.
        """
        tolerance = self._tolerance
        return () if tolerance is None else tolerance.issues

    def _repr_html_(self) -> str | None:
        # Jupyter's rich display (chat transcripts); None means "use the plain repr".
        from .._display import html_for

        return html_for(self)


@attrs.frozen(kw_only=True)
class _Unknown:
    type: str | None
    #: ``None``: unlike ``type``, ``kind`` never holds a tag this SDK version does not model, so
    #: ``if item.kind == "message":`` narrows a union in mypy and pyright (see docs/models.md).
    kind: ClassVar[None] = None
    raw: Mapping[str, Any] = attrs.field(repr=False, hash=False)
    # Why a payload of a known ``type`` could not be built as its class (None for a new type).
    reason: str | None = attrs.field(default=None, eq=False)
    _request_id: str | None = attrs.field(init=False, default=None, repr=False, eq=False)
    _issues: tuple[ValidationIssue, ...] = attrs.field(init=False, default=(), repr=False, eq=False)

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` of the response this object came from (``None`` if built locally)."""
        return self._request_id

    @property
    def validation_issues(self) -> tuple[ValidationIssue, ...]:
        """Why this known ``type`` fell back to an unknown object (empty for a new type)."""
        return self._issues

    @property
    def text(self) -> str | None:
        """The payload's ``text``, when it has a string one (a new kind of text part, say)."""
        value = self.raw.get("text")
        return value if isinstance(value, str) else None

    def _repr_html_(self) -> str | None:
        from .._display import html_for

        return html_for(self)

    @property
    def id(self) -> str | None:
        """The object's ``id``, when the payload has a string one."""
        value = self.raw.get("id")
        return value if isinstance(value, str) else None

    def to_dict(self) -> dict[str, Any]:
        """The payload as received: a new ``dict`` (a deep copy of :attr:`raw`)."""
        return _json_copy(self.raw)  # type: ignore[no-any-return]

    def to_json(self, indent: int | None = None) -> str:
        """The payload as JSON text; compact unless ``indent`` is given."""
        return _dumps(self.to_dict(), indent)


@attrs.frozen(kw_only=True)
class UnknownItem(_Unknown):
    """A conversation item whose ``type`` this SDK version does not know (or that has no ``type``).

    Returned instead of raising, so a new item type on the API never breaks listing a conversation.
    Unstructuring gives back :attr:`raw` untouched.

    Attributes:
        type: The item's ``type`` as received, or ``None`` if it had none.
        raw: The complete payload, as received.
        reason: Why an item of a known ``type`` could not be built as its class (a required
            nested object was not an object, say); ``None`` for a type this SDK does not know.
    """


@attrs.frozen(kw_only=True)
class UnknownContent(_Unknown):
    """A content part whose ``type`` this SDK version does not know (or that has no ``type``).

    Unstructuring gives back :attr:`raw` untouched.

    Attributes:
        type: The part's ``type`` as received, or ``None`` if it had none.
        raw: The complete payload, as received.
        reason: Why a part of a known ``type`` could not be built as its class; ``None`` for a
            type this SDK does not know. A part with a string ``text`` still exposes it as
            ``text``.
    """


@attrs.frozen(kw_only=True)
class UnknownObject(_Unknown):
    """A nested tagged object (annotation, action, tool, outcome, …) of a ``type`` not known yet.

    Unstructuring gives back :attr:`raw` untouched.

    Attributes:
        type: The object's ``type`` as received, or ``None`` if it had none.
        raw: The complete payload, as received.
        reason: Why an object of a known ``type`` could not be built as its class; ``None`` for
            a type this SDK does not know.
    """


def _freeze(value: Any) -> Any:
    """A hashable stand-in for a field's value: lists become tuples, mappings frozensets."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, Mapping):
        return frozenset((key, _freeze(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(item) for item in value)
    return value  # models (hashed by content themselves), frozensets


def _json_copy(value: Any) -> Any:
    """A deep copy made of JSON types only: tuples become lists, mappings dicts."""
    if isinstance(value, Mapping):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_copy(item) for item in value]
    return value


def _dumps(value: Any, indent: int | None) -> str:
    if indent is None:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(value, ensure_ascii=False, indent=indent)


# Users import these from ``conversations_sdk.models``; reprs, pickles and docs should say so.
for _cls in (UnknownContent, UnknownItem, UnknownObject, ValidationIssue):
    _cls.__module__ = "conversations_sdk.models"
