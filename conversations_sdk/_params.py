"""Request parameters: the ``NOT_GIVEN`` sentinel, and the spec's limits checked before sending.

This module is pure: it never does I/O. Every check raises :class:`InvalidRequestError` naming the
parameter, the value and the limit, so bad input never costs a round trip.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Final, Literal, get_args

from ._errors import InvalidRequestError

__all__ = ["NOT_GIVEN", "NotGiven"]


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

NotGiven.__module__ = "conversations_sdk"  # its public home: reprs, pickles and docs say so


# --- Limits from spec/conversations.openapi.yaml, checked before anything is sent. ---------------

MAX_METADATA_PAIRS: Final = 16
MAX_METADATA_KEY_LENGTH: Final = 64
MAX_METADATA_VALUE_LENGTH: Final = 512
MAX_ITEMS_PER_CREATE: Final = 20
MIN_LIST_LIMIT: Final = 1
MAX_LIST_LIMIT: Final = 100
ORDERS: Final = ("asc", "desc")
#: The spec's ``IncludeEnum``: extra output the API may add to returned items (the type editors
#: show for ``include``; any of its values is accepted).
Include = Literal[
    "file_search_call.results",
    "web_search_call.results",
    "web_search_call.action.sources",
    "message.input_image.image_url",
    "computer_call_output.output.image_url",
    "code_interpreter_call.outputs",
    "reasoning.encrypted_content",
    "message.output_text.logprobs",
]
INCLUDE_VALUES: Final[tuple[str, ...]] = get_args(Include)

# Values quoted in messages are cut short: a 10 MB string must not become a 10 MB exception.
_MAX_SHOWN = 80


def _show(value: object) -> str:
    text = repr(value)
    if len(text) > _MAX_SHOWN:
        return text[: _MAX_SHOWN - 3] + "..."
    return text


def _fail(param: str, value: object, limit: str, message: str) -> InvalidRequestError:
    return InvalidRequestError(message, param=param, value=_show(value), limit=limit)


def check_id(name: str, value: object) -> str:
    """Check a path ID: a non-empty string (the official SDK's wording for the empty case).

    Args:
        name: The parameter name, as the caller spelled it (``"conversation_id"``).
        value: The value passed.

    Returns:
        The ID, unchanged.

    Raises:
        InvalidRequestError: The ID is empty or not a string.
    """
    if not isinstance(value, str):
        raise _fail(
            name,
            value,
            "a string",
            f"Expected a string for `{name}` but received {type(value).__name__} {_show(value)}",
        )
    if not value:
        raise _fail(
            name,
            value,
            "non-empty",
            f"Expected a non-empty value for `{name}` but received {value!r}",
        )
    return value


def check_metadata(value: object, *, param: str = "metadata") -> None:
    """Check metadata against the spec: at most 16 pairs, string keys ≤ 64 and values ≤ 512 chars.

    ``None`` passes (it clears metadata on update and means "none" on create).

    Args:
        value: The metadata mapping passed by the caller.
        param: The parameter name used in messages.

    Raises:
        InvalidRequestError: A limit is broken; the message names the key at fault.
    """
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise _fail(
            param,
            value,
            "a mapping of strings to strings",
            f"`{param}` must be a mapping of strings to strings, got {type(value).__name__}",
        )
    if len(value) > MAX_METADATA_PAIRS:
        raise _fail(
            param,
            f"{len(value)} pairs",
            f"at most {MAX_METADATA_PAIRS} pairs",
            f"`{param}` has {len(value)} key-value pairs; the limit is {MAX_METADATA_PAIRS}",
        )
    for key, item in value.items():
        where = f"{param}[{_show(key)}]"
        if not isinstance(key, str):
            raise _fail(
                where, key, "string keys", f"`{param}` keys must be strings, got {_show(key)}"
            )
        if len(key) > MAX_METADATA_KEY_LENGTH:
            raise _fail(
                where,
                key,
                f"keys of at most {MAX_METADATA_KEY_LENGTH} characters",
                f"`{param}` key {_show(key)} has {len(key)} characters; "
                f"the limit is {MAX_METADATA_KEY_LENGTH}",
            )
        if not isinstance(item, str):
            raise _fail(
                where,
                item,
                "string values",
                f"`{param}` values must be strings; {where} is {type(item).__name__} {_show(item)}",
            )
        if len(item) > MAX_METADATA_VALUE_LENGTH:
            raise _fail(
                where,
                item,
                f"values of at most {MAX_METADATA_VALUE_LENGTH} characters",
                f"`{param}` value for key {_show(key)} has {len(item)} characters; "
                f"the limit is {MAX_METADATA_VALUE_LENGTH}",
            )


def check_items(value: object, *, param: str = "items", required: bool = True) -> list[object]:
    """Check the items of a create call: a list of at most 20 items (at least one when required).

    Args:
        value: The items passed by the caller (any iterable except a string or mapping).
        param: The parameter name used in messages.
        required: Whether an empty list is refused (``items.create`` needs at least one item).

    Returns:
        The items as a list (an iterator is consumed exactly once).

    Raises:
        InvalidRequestError: Not a sequence of items, empty when required, or more than 20 items.
    """
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise _fail(
            param,
            value,
            "a list of items",
            f"`{param}` must be a list of items, got {type(value).__name__}",
        )
    items = list(value)
    if len(items) > MAX_ITEMS_PER_CREATE:
        raise _fail(
            param,
            f"{len(items)} items",
            f"at most {MAX_ITEMS_PER_CREATE} items",
            f"`{param}` has {len(items)} items; the limit is {MAX_ITEMS_PER_CREATE} per request",
        )
    if required and not items:
        raise _fail(param, items, "at least 1 item", f"`{param}` must contain at least one item")
    return items


def check_limit(value: object) -> None:
    """Check a page size: an integer from 1 to 100.

    Raises:
        InvalidRequestError: Not an integer, or outside 1-100.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(
            "limit",
            value,
            f"an integer from {MIN_LIST_LIMIT} to {MAX_LIST_LIMIT}",
            f"`limit` must be an integer, got {type(value).__name__} {_show(value)}",
        )
    if not MIN_LIST_LIMIT <= value <= MAX_LIST_LIMIT:
        raise _fail(
            "limit",
            value,
            f"an integer from {MIN_LIST_LIMIT} to {MAX_LIST_LIMIT}",
            f"`limit` must be between {MIN_LIST_LIMIT} and {MAX_LIST_LIMIT}, got {value}",
        )


def check_order(value: object) -> None:
    """Check a sort order: ``"asc"`` or ``"desc"``.

    Raises:
        InvalidRequestError: Any other value.
    """
    if value not in ORDERS:
        raise _fail(
            "order",
            value,
            "'asc' or 'desc'",
            f"`order` must be 'asc' or 'desc', got {_show(value)}",
        )


def check_include(value: object) -> list[str]:
    """Check ``include``: a list of values from the spec's ``IncludeEnum``.

    Returns:
        The values as a list, in the caller's order.

    Raises:
        InvalidRequestError: A plain string instead of a list, or an unknown value.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise _fail(
            "include",
            value,
            "a list of include values",
            f"`include` must be a list of strings such as [{INCLUDE_VALUES[0]!r}], "
            f"got {type(value).__name__} {_show(value)}",
        )
    values = list(value)
    for index, entry in enumerate(values):
        if entry not in INCLUDE_VALUES:
            raise _fail(
                f"include[{index}]",
                entry,
                "one of " + ", ".join(INCLUDE_VALUES),
                f"`include[{index}]` is {_show(entry)}, which is not one of: "
                + ", ".join(INCLUDE_VALUES),
            )
    return [str(v) for v in values]


def check_after(value: object) -> str:
    """Check a pagination cursor: a non-empty string.

    Raises:
        InvalidRequestError: Not a string, or empty.
    """
    return check_id("after", value)
