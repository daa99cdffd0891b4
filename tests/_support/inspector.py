"""Helpers of the inspector's tests: fetch a page, parse its HTML, seed conversations of every kind.

Imported by the page tests, the browser test and the spec-data test (every kind of item).
"""

from __future__ import annotations

import html.parser
import json
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
import attrs
from multidict import CIMultiDict

#: Markup that would run or load something if any page let it through unescaped.
EVIL = '<script>alert("x")</script><img src=x onerror="alert(1)">'


@attrs.frozen
class Page:
    """One inspector response."""

    status: int
    text: str
    headers: Mapping[str, str]

    @property
    def dom(self) -> Dom:
        """The parsed document."""
        return Dom.parse(self.text)


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
) -> Page:
    """Request ``url`` (no redirects) and read the whole body as text."""
    async with session.request(method, url, headers=headers, allow_redirects=False) as response:
        raw = await response.read()
        return Page(response.status, raw.decode("utf-8"), CIMultiDict(response.headers))


@attrs.define
class Element:
    """A start tag: its name and attributes, and the text directly inside it."""

    tag: str
    attrs: dict[str, str | None]
    text: str = ""


class Dom(html.parser.HTMLParser):
    """Every element of a document, in order, with the text each holds (as a browser parses it)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.text_parts: list[str] = []

    @classmethod
    def parse(cls, document: str) -> Dom:
        """Parse ``document``."""
        dom = cls()
        dom.feed(document)
        dom.close()
        return dom

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in {"meta", "link", "input", "br", "img", "hr"}:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        self.text_parts.append(data)
        for element in self._open:
            element.text += data

    @property
    def text(self) -> str:
        """All the text of the document, tags removed."""
        return "".join(self.text_parts)

    def find(self, tag: str, **attrs: str) -> list[Element]:
        """Elements with this tag whose attributes include ``attrs`` (``class_`` for class)."""
        wanted = {k.rstrip("_"): v for k, v in attrs.items()}
        return [
            e
            for e in self.elements
            if e.tag == tag
            and all(
                v in (e.attrs.get(k) or "").split() if k == "class" else e.attrs.get(k) == v
                for k, v in wanted.items()
            )
        ]

    def links(self, label: str) -> list[str]:
        """The hrefs of the links whose text is ``label``."""
        return [str(e.attrs["href"]) for e in self.find("a") if e.text.strip() == label]


def assert_nothing_injected(dom: Dom) -> None:
    """No script, image, frame or event handler exists, and no inline style (the CSP forbids it)."""
    tags = {e.tag for e in dom.elements}
    assert not tags & {"script", "img", "iframe", "object", "embed", "svg", "math"}, tags
    for element in dom.elements:
        for name in element.attrs:
            assert not name.startswith("on"), (element.tag, name)
            assert name != "style", element.tag


async def post_json(
    session: aiohttp.ClientSession, url: str, body: object, headers: Mapping[str, str] | None = None
) -> Any:
    """POST a JSON body to the API and return the decoded 200 answer."""
    async with session.post(url, json=body, headers=headers) as response:
        assert response.status == 200, await response.text()
        return await response.json()


def every_kind_of_item() -> list[dict[str, Any]]:
    """Input items of the kinds a transcript shows differently, in conversation order."""
    return [
        {"role": "developer", "content": "Answer briefly."},
        {"role": "user", "content": "What is the weather in Paris?"},
        {
            "type": "reasoning",
            "id": "rs_input",
            "summary": [{"type": "summary_text", "text": "The user wants the forecast."}],
        },
        {
            "type": "function_call",
            "call_id": "call_7",
            "name": "get_weather",
            "arguments": '{"city": "Paris"}',
        },
        {"type": "function_call_output", "call_id": "call_7", "output": '{"temp_c": 21}'},
        {"role": "assistant", "content": "It is 21 degrees in Paris."},
    ]


def insert_raw_item(db: Path, conversation_id: str, item: Mapping[str, Any]) -> None:
    """Store an item straight into the database, as a newer emulator version could have."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO items (id, conversation_id, body) VALUES (?, ?, ?)",
            (item["id"], conversation_id, json.dumps(item)),
        )
    conn.close()
