"""The base every model shares, and the three ``Unknown*`` stand-ins for tags the SDK does not know.

This module owns no wire logic: keys, unknown fields and explicit nulls are handled by the converter
(``conversations_sdk._converter``). It only declares the two hidden pieces of state the converter needs
so that ``unstructure(structure(body)) == body`` holds for every body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

__all__ = ["UnknownContent", "UnknownItem", "UnknownObject"]


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
    _request_id: str | None = attrs.field(init=False, default=None, repr=False, eq=False)

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` of the response this object came from (``None`` if built locally)."""
        return self._request_id

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
    """


@attrs.frozen(kw_only=True)
class UnknownContent(_Unknown):
    """A content part whose ``type`` this SDK version does not know (or that has no ``type``).

    Unstructuring gives back :attr:`raw` untouched.

    Attributes:
        type: The part's ``type`` as received, or ``None`` if it had none.
        raw: The complete payload, as received.
    """


@attrs.frozen(kw_only=True)
class UnknownObject(_Unknown):
    """A nested tagged object (annotation, action, tool, outcome, …) of a ``type`` not known yet.

    Unstructuring gives back :attr:`raw` untouched.

    Attributes:
        type: The object's ``type`` as received, or ``None`` if it had none.
        raw: The complete payload, as received.
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
for _cls in (UnknownContent, UnknownItem, UnknownObject):
    _cls.__module__ = "conversations_sdk.models"
