"""Request parameters: the ``NOT_GIVEN`` sentinel, and the spec's limits checked before sending.

This module is pure: it never does I/O. Every check raises :class:`InvalidRequestError` naming the
parameter, the value and the limit, so bad input never costs a round trip.
"""

from __future__ import annotations

import enum
from typing import Final, Literal, TypeVar, Union

__all__ = ["NOT_GIVEN", "NotGiven"]

_T = TypeVar("_T")


class NotGiven(enum.Enum):
    """The type of :data:`NOT_GIVEN`: "the caller did not pass this argument".

    ``None`` cannot play this part, because ``None`` is a meaningful value on the wire:
    ``update(conversation_id, metadata=None)`` sends ``{"metadata": null}`` and clears the metadata,
    while leaving an argument out omits its key from the request entirely.
    """

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> Literal[False]:
        return False


NOT_GIVEN: Final = NotGiven.NOT_GIVEN
"""Default of every optional request argument: leave the key out of the request."""

#: An argument that may be left out: ``x: Omittable[int] = NOT_GIVEN``.
Omittable = Union[_T, NotGiven]  # noqa: UP007 - a generic alias needs Union on 3.10
