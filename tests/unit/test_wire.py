"""The pure wire rules: path encoding, query strings, status to error class, retry decisions."""

from __future__ import annotations

import email.utils
import json

import pytest
from multidict import CIMultiDict

from conversations_sdk import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    UnprocessableEntityError,
)
from conversations_sdk._wire import (
    Response,
    build_path,
    build_query,
    build_url,
    decode_json,
    encode_json,
    encode_path_param,
    error_class_for_status,
    header_items,
    is_retryable_status,
    make_status_error,
    merge_body,
    retry_after_seconds,
)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        pytest.param("conv_123", "conv_123", id="plain"),
        pytest.param("../files", "..%2Ffiles", id="parent-prefix"),
        pytest.param("a?x=1", "a%3Fx%3D1", id="query"),
        pytest.param("a#b", "a%23b", id="fragment"),
        pytest.param("a/b", "a%2Fb", id="slash"),
        pytest.param("a b", "a%20b", id="space"),
        pytest.param("100%", "100%25", id="percent"),
        pytest.param("é", "%C3%A9", id="unicode"),
        pytest.param("...", "...", id="three-dots-is-a-name"),
    ],
)
def test_encode_path_param_keeps_one_segment(value: str, encoded: str) -> None:
    """Every character that could change the route is percent-encoded."""
    assert encode_path_param("conversation_id", value) == encoded


@pytest.mark.parametrize("value", [".", "..", "%2e", "%2E%2e", "%252e%252e", ".%2e"])
def test_encode_path_param_rejects_dot_segments(value: str) -> None:
    """IDs that are (or decode to) dot segments are refused before sending."""
    with pytest.raises(InvalidRequestError, match="another path") as info:
        encode_path_param("item_id", value)
    assert info.value.param == "item_id"


def test_build_path_and_url() -> None:
    """Paths join literal and encoded segments under a base URL that has its own path."""
    path = build_path("conversations", ("conversation_id", "c/1"), "items", ("item_id", "m 1"))
    assert path == "/conversations/c%2F1/items/m%201"
    assert build_url("http://127.0.0.1:9/v1/", path, "") == "http://127.0.0.1:9/v1" + path
    assert build_url("http://127.0.0.1:9/v1", "/x", "a=1") == "http://127.0.0.1:9/v1/x?a=1"


def test_build_path_rejects_empty_id() -> None:
    """An empty path parameter never produces a URL."""
    with pytest.raises(InvalidRequestError, match="non-empty value for `conversation_id`"):
        build_path("conversations", ("conversation_id", ""))


def test_build_query_repeats_include_brackets() -> None:
    """`include` goes on the wire as repeated include[]= pairs, in order, percent-encoded."""
    query = build_query(
        [("limit", 5), ("include[]", "a.b"), ("include[]", "c.d"), ("after", None)], None
    )
    assert query == "limit=5&include%5B%5D=a.b&include%5B%5D=c.d"


def test_build_query_extra_overrides_and_encodes() -> None:
    """extra_query replaces a same-named parameter; values are fully encoded; lists repeat."""
    query = build_query(
        [("limit", 5), ("order", "asc")],
        {"limit": 7, "q": "a&b=c", "flag": True, "tags": ["x", "y"]},
    )
    assert query == "order=asc&limit=7&q=a%26b%3Dc&flag=true&tags%5B%5D=x&tags%5B%5D=y"


def test_build_query_extra_replaces_array_parameters() -> None:
    """extra_query's include (with or without brackets) replaces the method's include[]."""
    params = [("limit", 5), ("include[]", "a"), ("include[]", "b")]
    assert build_query(params, {"include": ["c"]}) == "limit=5&include%5B%5D=c"
    assert build_query(params, {"include[]": "c"}) == "limit=5&include%5B%5D=c"


def test_header_items_later_wins_case_insensitively() -> None:
    """Caller headers replace ours regardless of case, and nothing is duplicated."""
    merged = header_items({"Authorization": "a", "Accept": "x"}, None, {"authorization": "b"})
    assert merged == {"Accept": "x", "authorization": "b"}


def test_merge_body() -> None:
    """extra_body adds and overrides fields; without it the body is unchanged."""
    assert merge_body({"a": 1}, None) == {"a": 1}
    assert merge_body({"a": 1}, {"a": 2, "b": 3}) == {"a": 2, "b": 3}
    assert merge_body(None, {"b": 3}) == {"b": 3}
    assert merge_body(None, None) is None


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        pytest.param(400, BadRequestError, id="400"),
        pytest.param(401, AuthenticationError, id="401"),
        pytest.param(403, PermissionDeniedError, id="403"),
        pytest.param(404, NotFoundError, id="404"),
        pytest.param(409, ConflictError, id="409"),
        pytest.param(422, UnprocessableEntityError, id="422"),
        pytest.param(429, RateLimitError, id="429"),
        pytest.param(500, InternalServerError, id="500"),
        pytest.param(502, InternalServerError, id="502"),
        pytest.param(503, InternalServerError, id="503"),
        pytest.param(599, InternalServerError, id="599"),
        pytest.param(408, APIStatusError, id="408-base"),
        pytest.param(418, APIStatusError, id="418-base"),
        pytest.param(302, APIStatusError, id="302-redirect-base"),
    ],
)
def test_error_class_for_status(status: int, cls: type[APIStatusError]) -> None:
    """Each status maps to its documented exception class."""
    assert error_class_for_status(status) is cls


def test_make_status_error_reads_the_api_error_body() -> None:
    """message/type/param/code, request id, body and headers are all carried by the error."""
    body = {
        "error": {
            "message": "No conversation found",
            "type": "invalid_request_error",
            "param": "conversation_id",
            "code": "not_found",
        }
    }
    headers = CIMultiDict({"X-Request-Id": "req_42"})
    error = make_status_error(Response(status=404, headers=headers, body=json.dumps(body).encode()))
    assert isinstance(error, NotFoundError)
    assert (error.status_code, error.request_id) == (404, "req_42")
    assert (error.message, error.type, error.param, error.code) == (
        "No conversation found",
        "invalid_request_error",
        "conversation_id",
        "not_found",
    )
    assert error.body == body
    assert error.headers["X-Request-Id"] == "req_42"
    assert str(error) == "Error code: 404 - No conversation found (request_id=req_42)"


@pytest.mark.parametrize(
    ("raw", "message", "body"),
    [
        pytest.param(b"", "HTTP 502", None, id="empty"),
        pytest.param(
            b"<html>bad gateway</html>",
            "<html>bad gateway</html>",
            "<html>bad gateway</html>",
            id="html",
        ),
        pytest.param(b'{"detail": "x"}', "HTTP 502", {"detail": "x"}, id="other-json"),
        pytest.param(
            b'{"error": {"code": 7}}', "HTTP 502", {"error": {"code": 7}}, id="numeric-code"
        ),
    ],
)
def test_make_status_error_tolerates_odd_bodies(raw: bytes, message: str, body: object) -> None:
    """Non-API error bodies still give a typed error with a useful message."""
    error = make_status_error(Response(status=502, headers={}, body=raw))
    assert isinstance(error, InternalServerError)
    assert error.message == message
    assert error.body == body


def test_decode_json_failure_is_a_validation_error() -> None:
    """A 2xx body that is not JSON raises ResponseValidationError with the text attached."""
    with pytest.raises(ResponseValidationError) as info:
        decode_json(b"not json", request_id="req_1")
    assert info.value.request_id == "req_1"
    assert info.value.body == "not json"


@pytest.mark.parametrize(
    ("status", "headers", "retry"),
    [
        pytest.param(408, {}, True, id="408"),
        pytest.param(409, {}, True, id="409"),
        pytest.param(429, {}, True, id="429"),
        pytest.param(500, {}, True, id="500"),
        pytest.param(503, {}, True, id="503"),
        pytest.param(400, {}, False, id="400"),
        pytest.param(401, {}, False, id="401"),
        pytest.param(403, {}, False, id="403"),
        pytest.param(404, {}, False, id="404"),
        pytest.param(422, {}, False, id="422"),
        pytest.param(503, {"x-should-retry": "false"}, False, id="503-server-says-no"),
        pytest.param(400, {"X-Should-Retry": "true"}, True, id="400-server-says-yes"),
        pytest.param(503, {"x-should-retry": "maybe"}, True, id="503-garbage-override-ignored"),
    ],
)
def test_is_retryable_status(status: int, headers: dict[str, str], retry: bool) -> None:
    """408/409/429/5xx retry, other 4xx do not, and x-should-retry overrides both ways."""
    assert is_retryable_status(status, headers) is retry


NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({}, None, id="absent"),
        pytest.param({"retry-after-ms": "1500"}, 1.5, id="ms"),
        pytest.param({"retry-after-ms": "250", "retry-after": "9"}, 0.25, id="ms-wins"),
        pytest.param({"Retry-After": "3"}, 3.0, id="seconds"),
        pytest.param({"retry-after": "0.5"}, 0.5, id="fractional-seconds"),
        pytest.param(
            {"retry-after": email.utils.formatdate(NOW + 7, usegmt=True)}, 7.0, id="http-date"
        ),
        pytest.param(
            {"retry-after": email.utils.formatdate(NOW - 30, usegmt=True)}, -30.0, id="past-date"
        ),
        pytest.param({"retry-after": "soon"}, None, id="garbage"),
        pytest.param({"retry-after-ms": "soon", "retry-after": "2"}, 2.0, id="bad-ms-falls-back"),
        pytest.param({"retry-after": "nan"}, None, id="nan"),
    ],
)
def test_retry_after_seconds(headers: dict[str, str], expected: float | None) -> None:
    """retry-after-ms, then Retry-After as seconds or an HTTP date, are parsed."""
    assert retry_after_seconds(headers, now=NOW) == expected


def test_lone_surrogates_are_refused_before_sending() -> None:
    """Text with no UTF-8 form fails as InvalidRequestError, not a UnicodeEncodeError."""
    with pytest.raises(InvalidRequestError, match="not valid Unicode"):
        encode_path_param("conversation_id", "a\ud800")
    with pytest.raises(InvalidRequestError, match="not valid Unicode"):
        build_query([("after", "\udfff")], None)
    with pytest.raises(InvalidRequestError, match="cannot be sent as JSON"):
        encode_json({"metadata": {"k": "\ud800"}})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object()])
def test_unserialisable_bodies_are_refused(value: object) -> None:
    """NaN, infinities and arbitrary objects never reach the wire."""
    with pytest.raises(InvalidRequestError, match="cannot be sent as JSON") as info:
        encode_json({"x": value})
    assert info.value.param == "body"


def test_encode_json_is_compact_utf8() -> None:
    """Bodies are compact JSON with non-ASCII text as UTF-8, not escapes."""
    assert encode_json({"a": "é", "b": [1, None]}) == '{"a":"é","b":[1,null]}'.encode()
