"""Bad input, server side: a corpus of malformed requests sent to the emulator as raw bytes.

Bad JSON, wrong content types, huge bodies, deep nesting, bad UTF-8, path tricks, odd methods and
headers. Whatever arrives, the emulator must never answer with a 5xx, and every error must carry the
API's error body ``{"error": {"message", "type", "param", "code"}}``. Requests are written to a
loopback socket byte for byte, so nothing (no client library) tidies them up on the way.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
from collections.abc import Iterator
from typing import Any

import attrs
import jsonschema

from conversations_sdk import AsyncClient
from tests._support.reliability import FigureRecorder, live_emulator
from tests._support.spec_validation import validate_schema
from tests.conftest import API_KEY

CONV = "/v1/conversations"


#: Requests that are not valid HTTP/1.1 (a request line or header over 8 KiB, raw non-ASCII bytes
#: in the target, a method that is not a token). aiohttp's HTTP parser answers these with its own
#: text/plain 400 before any application code runs, so the emulator cannot give them the API's
#: body; they are held to "400, never 5xx" and counted separately in the figure.
REFUSED_BY_HTTP_PARSER = frozenset(
    {"huge-header", "path-long-id", "path-raw-utf8", "path-raw-invalid-utf8", "method-FOO"}
)


@attrs.frozen
class Case:
    name: str
    method: str
    target: str  # the request target exactly as written on the request line
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    raw_headers: bytes = b""  # appended verbatim (non-ASCII, oversized)


@attrs.frozen
class Answer:
    status: int
    content_type: str
    body: bytes


def _corpus(cid: str, mid: str) -> Iterator[Case]:
    writes = [
        ("create", CONV),
        ("update", f"{CONV}/{cid}"),
        ("append", f"{CONV}/{cid}/items"),
    ]
    bad_json = {
        "open-brace": b"{",
        "close-brace": b"}",
        "unclosed-array": b'{"items": [}',
        "truncated": b'{"metadata": {"k": "v"',
        "single-quotes": b"{'metadata': {}}",
        "nan": b"NaN",
        "nan-value": b'{"metadata": NaN}',
        "infinity-value": b'{"metadata": {"k": Infinity}}',
        "bom": b"\xef\xbb\xbf{}",
        "trailing-garbage": b"{} trailing",
        "two-documents": b'{"metadata": {}} {}',
        "trailing-comma": b'{"metadata": {},}',
        "null": b"null",
        "array": b"[]",
        "number": b"123",
        "string": b'"text"',
        "nul-byte": b"\x00",
        "huge-number": b'{"metadata": {"k": 1' + b"0" * 5000 + b"}}",
        "items-a-string": b'{"items": "hello"}',
        "items-an-object": b'{"items": {"role": "user"}}',
        "metadata-a-list": b'{"metadata": [1, 2]}',
        "unknown-item-type": b'{"items": [{"type": "no_such_type"}]}',
        "item-no-content": b'{"items": [{"role": "user"}]}',
        "item-bad-role": b'{"items": [{"role": "emperor", "content": "x"}]}',
    }
    for (route, path), (name, body) in [(w, b) for w in writes for b in bad_json.items()]:
        yield Case(f"json-{route}-{name}", "POST", path, body)

    for route, path in writes:
        for ctype, body in [
            ("text/plain", b'{"items": [{"role": "user", "content": "x"}]}'),
            ("application/x-www-form-urlencoded", b"items=1&metadata=2"),
            (
                "multipart/form-data; boundary=xx",
                b"--xx\r\nContent-Disposition: form-data\r\n\r\n1\r\n--xx--",
            ),
            ("application/xml", b"<items><item/></items>"),
            ("application/json; charset=latin-1", b'{"metadata": {"k": "caf\xe9"}}'),
        ]:
            yield Case(
                f"ctype-{route}-{ctype.split(';')[0]}",
                "POST",
                path,
                body,
                (("Content-Type", ctype),),
            )
        yield Case(f"ctype-{route}-none", "POST", path, b'{"metadata": {}}', ())

    msg = b'{"role": "user", "content": "x"}'
    yield Case(
        "huge-body-17MiB", "POST", CONV, b'{"metadata": {"k": "' + b"x" * (17 << 20) + b'"}}'
    )
    yield Case(
        "huge-10000-items",
        "POST",
        f"{CONV}/{cid}/items",
        b'{"items": [' + b",".join([msg] * 10_000) + b"]}",
    )
    yield Case(
        "huge-10000-metadata-keys",
        "POST",
        CONV,
        json.dumps({"metadata": {f"k{i}": "v" for i in range(10_000)}}).encode(),
    )
    yield Case(
        "huge-1MB-metadata-key",
        "POST",
        CONV,
        json.dumps({"metadata": {"k" * (1 << 20): "v"}}).encode(),
    )
    yield Case(
        "huge-4MB-item-text",
        "POST",
        f"{CONV}/{cid}/items",
        json.dumps({"items": [{"role": "user", "content": "x" * (4 << 20)}]}).encode(),
    )
    yield Case(
        "huge-header", "GET", f"{CONV}/{cid}", raw_headers=b"X-Big: " + b"a" * 100_000 + b"\r\n"
    )

    for depth in (1_000, 100_000):
        yield Case(f"deep-arrays-{depth}", "POST", CONV, b"[" * depth + b"]" * depth)
        yield Case(
            f"deep-objects-{depth}",
            "POST",
            CONV,
            b'{"metadata": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b"}",
        )
        yield Case(
            f"deep-content-{depth}",
            "POST",
            f"{CONV}/{cid}/items",
            b'{"items": [{"role": "user", "content": ' + b"[" * depth + b"]" * depth + b"}]}",
        )

    for name, fragment in [
        ("invalid-byte", b"\xff\xfe"),
        ("overlong-slash", b"\xc0\xaf"),
        ("truncated-sequence", b"\xe2\x82"),
        ("encoded-surrogate", b"\xed\xa0\x80"),
        ("escaped-lone-surrogate", b"\\ud800"),
        ("escaped-reversed-pair", b"\\udc00\\ud800"),
        ("escaped-nul", b"\\u0000"),
    ]:
        yield Case(
            f"utf8-metadata-value-{name}", "POST", CONV, b'{"metadata": {"k": "' + fragment + b'"}}'
        )
        yield Case(
            f"utf8-metadata-key-{name}", "POST", CONV, b'{"metadata": {"' + fragment + b'": "v"}}'
        )
        yield Case(
            f"utf8-item-text-{name}",
            "POST",
            f"{CONV}/{cid}/items",
            b'{"items": [{"role": "user", "content": "' + fragment + b'"}]}',
        )

    for name, target in [
        ("dotdot", f"{CONV}/../conversations"),
        ("dotdot-encoded", f"{CONV}/%2e%2e/"),
        ("dotdot-item", f"{CONV}/{cid}/items/..%2f..%2f"),
        ("dotdot-root", "/v1/%2e%2e/v1/conversations"),
        ("double-slash", "//v1/conversations/" + cid),
        ("nul", f"{CONV}/%00"),
        ("bad-utf8-escape", f"{CONV}/%ff%fe"),
        ("surrogate-escape", f"{CONV}/%ED%A0%80"),
        ("encoded-slash", f"{CONV}/a%2fb"),
        ("long-id", f"{CONV}/" + "a" * 10_000),
        ("limit-abc", f"{CONV}/{cid}/items?limit=abc"),
        ("limit-exp", f"{CONV}/{cid}/items?limit=1e3"),
        ("limit-huge", f"{CONV}/{cid}/items?limit=99999999999999999999999"),
        ("limit-twice", f"{CONV}/{cid}/items?limit=1&limit=500"),
        ("order-upper", f"{CONV}/{cid}/items?order=ASC"),
        ("include-plain", f"{CONV}/{cid}/items?include=bogus"),
        ("include-array", f"{CONV}/{cid}/items?include[]=bogus"),
        ("after-empty", f"{CONV}/{cid}/items?after="),
        ("after-nul", f"{CONV}/{cid}/items?after=%00"),
        ("after-unknown", f"{CONV}/{cid}/items?after=msg_nope"),
        ("bad-percent", f"{CONV}/{cid}?x=%"),
        ("fragment", f"{CONV}/{cid}#frag"),
        ("upper-prefix", "/V1/conversations/" + cid),
        ("extra-segment", f"{CONV}/{cid}/items/{mid}/extra"),
        ("absolute-form", f"http://127.0.0.2{CONV}/{cid}"),
        ("backslashes", f"{CONV}/..\\..\\etc"),
        ("percent-u", f"{CONV}/%u002e%u002e"),
        ("raw-utf8", f"{CONV}/c\u00f6nv"),
        ("unknown-route", "/v1/files"),
        ("root", "/"),
    ]:
        yield Case(f"path-{name}", "GET", target, headers=())
    yield Case("path-raw-invalid-utf8", "GET", f"{CONV}/\udcff\udcfe", headers=())

    for method in ("PUT", "PATCH", "OPTIONS", "TRACE", "FOO"):
        yield Case(f"method-{method}", method, f"{CONV}/{cid}", b"{}")
    yield Case("method-get-with-body", "GET", f"{CONV}/{cid}", b'{"metadata": 1}')
    yield Case("method-delete-with-body", "DELETE", f"{CONV}/{cid}/items/msg_nope", b"{")

    for name, value in [("empty", ""), ("300-chars", "k" * 300)]:
        yield Case(
            f"idempotency-key-{name}",
            "POST",
            CONV,
            b"{}",
            (("Content-Type", "application/json"), ("Idempotency-Key", value)),
        )
    yield Case(
        "idempotency-key-non-ascii",
        "POST",
        CONV,
        b"{}",
        raw_headers=b"Idempotency-Key: k\xff\xfe\r\n",
    )
    yield Case(
        "host-foreign",
        "GET",
        f"{CONV}/{cid}",
        raw_headers=b"X-Host-Override: 1\r\n",
        headers=(("Host", "evil.example"),),
    )
    yield Case("auth-missing", "GET", f"{CONV}/{cid}", headers=(("Authorization", ""),))
    yield Case("auth-wrong", "GET", f"{CONV}/{cid}", headers=(("Authorization", "Bearer nope"),))
    yield Case(
        "auth-non-ascii",
        "GET",
        f"{CONV}/{cid}",
        headers=(("Authorization", ""),),
        raw_headers=b"Authorization: Bearer \xff\r\n",
    )


def _encode(case: Case, port: int) -> bytes:
    headers = {
        "Host": f"127.0.0.1:{port}",
        "Authorization": f"Bearer {API_KEY}",
        "Connection": "close",
    }
    for name, value in case.headers:
        headers[name] = value
    headers = {k: v for k, v in headers.items() if v}
    if case.body or case.method in ("POST", "PUT", "PATCH"):
        headers["Content-Length"] = str(len(case.body))
    head = f"{case.method} {case.target} HTTP/1.1\r\n".encode("utf-8", "surrogateescape")
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode("latin-1")
    return head + case.raw_headers + b"\r\n" + case.body


def _parse(raw: bytes) -> Answer:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
    }
    if headers.get("transfer-encoding", "").lower() == "chunked":
        decoded = b""
        while body:
            size_line, _, body = body.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                break
            decoded, body = decoded + body[:size], body[size + 2 :]
        body = decoded
    elif "content-length" in headers:
        body = body[: int(headers["content-length"])]
    return Answer(status, headers.get("content-type", ""), body)


async def _send(port: int, data: bytes) -> Answer:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        try:
            writer.write(data)
            await writer.drain()
        except ConnectionError:
            pass  # the server answered (413) before reading everything: its answer still counts
        raw = await asyncio.wait_for(reader.read(), 30)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    return _parse(raw)


def _is_api_error(answer: Answer) -> bool:
    if not answer.content_type.startswith("application/json"):
        return False
    try:
        body: Any = json.loads(answer.body)
        validate_schema("ErrorResponse", body)
    except (ValueError, jsonschema.ValidationError):
        return False
    return True


async def test_malformed_requests_never_5xx(figure: FigureRecorder) -> None:
    """Over 100 malformed requests: 0 answers >= 500, every error in the API's error body."""
    with live_emulator(api_key=API_KEY) as live:
        async with AsyncClient(api_key=API_KEY, base_url=live.base_url) as client:
            conversation = await client.conversations.create(
                items=[{"role": "user", "content": "x"}]
            )
            (item,) = (await client.conversations.items.list(conversation.id)).data
        port = live.emulator.port
        corpus = list(_corpus(conversation.id, str(item.id)))
        answers = {case.name: await _send(port, _encode(case, port)) for case in corpus}
    server_errors = {n: a.status for n, a in answers.items() if a.status >= 500}
    unshaped = {
        n: (a.status, a.content_type, a.body[:80])
        for n, a in answers.items()
        if a.status >= 400 and not _is_api_error(a) and n not in REFUSED_BY_HTTP_PARSER
    }
    parser_refusals = {n: answers[n].status for n in REFUSED_BY_HTTP_PARSER}
    statuses = collections.Counter(a.status for a in answers.values())
    figure(
        malformed_requests=len(corpus),
        responses_5xx=len(server_errors),
        errors_not_in_api_shape=len(unshaped),
        refused_by_http_parser_as_text_400=len(parser_refusals),
        statuses={str(k): v for k, v in sorted(statuses.items())},
    )
    assert len(corpus) >= 100
    assert len({case.name for case in corpus}) == len(corpus)
    assert not server_errors, server_errors
    assert not unshaped, unshaped
    assert set(parser_refusals.values()) == {400}, parser_refusals
