"""The base every model shares, and the three ``Unknown*`` stand-ins for tags the SDK does not know.

This module owns no wire logic: keys, unknown fields and explicit nulls are handled by the converter
(``conversations_sdk._converter``). It only declares the two hidden pieces of state the converter needs
so that ``unstructure(structure(body)) == body`` holds for every body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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

    def _repr_html_(self) -> str | None:
        # Jupyter's rich display (chat transcripts); None means "use the plain repr".
        from .._display import html_for

        return html_for(self)


@attrs.frozen(kw_only=True)
class _Unknown:
    type: str | None
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


# Users import these from ``conversations_sdk.models``; reprs, pickles and docs should say so.
for _cls in (UnknownContent, UnknownItem, UnknownObject):
    _cls.__module__ = "conversations_sdk.models"
