"""The spec's limits are enforced before sending, each failure naming parameter, value and limit."""

from __future__ import annotations

from typing import Any

import pytest

from conversations_sdk import InvalidRequestError
from conversations_sdk._params import (
    INCLUDE_VALUES,
    check_after,
    check_id,
    check_include,
    check_items,
    check_limit,
    check_metadata,
    check_order,
)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param(
            "", "Expected a non-empty value for `conversation_id` but received ''", id="empty"
        ),
        pytest.param(
            None, "Expected a string for `conversation_id` but received NoneType None", id="none"
        ),
        pytest.param(12, "Expected a string for `conversation_id` but received int 12", id="int"),
    ],
)
def test_check_id_rejects_with_official_wording(value: object, message: str) -> None:
    """Empty or non-string IDs fail with the official SDK's message style."""
    with pytest.raises(InvalidRequestError) as info:
        check_id("conversation_id", value)
    assert str(info.value) == message
    assert info.value.param == "conversation_id"


def test_invalid_request_error_is_a_value_error() -> None:
    """Callers catching ValueError also catch our validation errors."""
    with pytest.raises(ValueError, match="non-empty"):
        check_id("item_id", "")


@pytest.mark.parametrize(
    ("metadata", "param", "fragment"),
    [
        pytest.param(
            {f"k{i}": "v" for i in range(17)},
            "metadata",
            "17 key-value pairs; the limit is 16",
            id="17-pairs",
        ),
        pytest.param(
            {"k" * 65: "v"},
            "metadata[" + repr("k" * 65) + "]",
            "65 characters; the limit is 64",
            id="key-65",
        ),
        pytest.param(
            {"k": "v" * 513}, "metadata['k']", "513 characters; the limit is 512", id="value-513"
        ),
        pytest.param({"k": 1}, "metadata['k']", "values must be strings", id="int-value"),
        pytest.param({"k": None}, "metadata['k']", "values must be strings", id="none-value"),
        pytest.param({1: "v"}, "metadata[1]", "keys must be strings", id="int-key"),
        pytest.param(["k", "v"], "metadata", "must be a mapping", id="not-a-mapping"),
    ],
)
def test_check_metadata_limits(metadata: object, param: str | None, fragment: str) -> None:
    """Metadata over 16 pairs, 64-char keys, 512-char values, or non-strings is refused."""
    with pytest.raises(InvalidRequestError, match=fragment) as info:
        check_metadata(metadata)
    if param is not None:
        assert info.value.param == param
    assert info.value.limit


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param(None, id="none-clears"),
        pytest.param({}, id="empty"),
        pytest.param({f"k{i}": "v" for i in range(16)}, id="16-pairs"),
        pytest.param({"k" * 64: "v" * 512}, id="at-limits"),
    ],
)
def test_check_metadata_accepts_limits(metadata: object) -> None:
    """Values exactly at the limits (and None) pass."""
    check_metadata(metadata)


def test_check_items_limits() -> None:
    """More than 20 items, an empty required list, or a non-list is refused; 20 passes."""
    assert len(check_items([{}] * 20)) == 20
    with pytest.raises(InvalidRequestError, match="21 items; the limit is 20") as info:
        check_items([{}] * 21)
    assert info.value.param == "items"
    with pytest.raises(InvalidRequestError, match="at least one item"):
        check_items([])
    assert check_items([], required=False) == []
    with pytest.raises(InvalidRequestError, match="must be a list"):
        check_items({"type": "message"})
    with pytest.raises(InvalidRequestError, match="must be a list"):
        check_items("hello")


def test_check_items_consumes_iterators_once() -> None:
    """A generator of items is materialised exactly once, so it can be sent on every retry."""
    items = check_items({"n": i} for i in range(3))
    assert items == [{"n": 0}, {"n": 1}, {"n": 2}]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param(0, "between 1 and 100, got 0", id="zero"),
        pytest.param(101, "between 1 and 100, got 101", id="101"),
        pytest.param(-5, "between 1 and 100", id="negative"),
        pytest.param(True, "must be an integer", id="bool"),
        pytest.param("10", "must be an integer", id="string"),
        pytest.param(1.5, "must be an integer", id="float"),
    ],
)
def test_check_limit_rejects(value: object, fragment: str) -> None:
    """`limit` outside 1-100 (or not an int) is refused, naming the range."""
    with pytest.raises(InvalidRequestError, match=fragment) as info:
        check_limit(value)
    assert info.value.param == "limit"
    assert info.value.limit == "an integer from 1 to 100"


def test_check_limit_accepts_bounds() -> None:
    """1 and 100 are valid page sizes."""
    check_limit(1)
    check_limit(100)


def test_check_order() -> None:
    """Only 'asc' and 'desc' are orders."""
    check_order("asc")
    check_order("desc")
    with pytest.raises(InvalidRequestError, match="'asc' or 'desc', got 'ASC'"):
        check_order("ASC")


def test_check_include() -> None:
    """Include values come from the spec's IncludeEnum, as a list, never a bare string."""
    assert check_include(list(INCLUDE_VALUES)) == list(INCLUDE_VALUES)
    with pytest.raises(InvalidRequestError, match=r"`include\[1\]` is 'nope'") as info:
        check_include(["message.output_text.logprobs", "nope"])
    assert info.value.param == "include[1]"
    with pytest.raises(InvalidRequestError, match="must be a list"):
        check_include("message.output_text.logprobs")


def test_include_values_match_the_spec(spec: dict[str, Any]) -> None:
    """The accepted include values are exactly the spec's IncludeEnum."""
    assert set(INCLUDE_VALUES) == set(spec["components"]["schemas"]["IncludeEnum"]["enum"])


def test_check_after() -> None:
    """A cursor must be a non-empty string."""
    assert check_after("msg_1") == "msg_1"
    with pytest.raises(InvalidRequestError, match="`after`"):
        check_after("")


def test_long_values_are_shortened_in_errors() -> None:
    """A huge offending value is not copied whole into the exception."""
    with pytest.raises(InvalidRequestError) as info:
        check_metadata({"k": "v" * 100_000})
    assert len(str(info.value.value)) <= 80
    assert len(str(info.value)) < 300
