"""The inspector's pages as HTML: the layout and navigation, the lists and the detail pages.

Every function here turns what the handlers of :mod:`._inspector` read from the store into a string
of HTML: the layout every page shares (its navigation bar built from :data:`SECTIONS`), the list of
conversations and one conversation as a transcript, the list of stored responses and one response,
the body of an error page, and the links between them (pagers, filters, cursors). Transcripts come
from the renderer the notebook display uses (:mod:`conversations_sdk._transcript`), which works on
the stored JSON.

Every value is escaped here, by the renderer or by :func:`escape`: the pages show text anyone may
have written. This module must not read the store, touch HTTP (requests, responses, headers) or
emit any script; it returns strings.
"""

from __future__ import annotations

import html
import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

import attrs

from .._transcript import (
    MAX_RAW_CHARS,
    conversation_html,
    escape,
    relative_time,
    time_html,
    transcript_html,
    utc_iso,
    utc_text,
)
from ._browse import ConversationFilter, ConversationPage, ResponsePage, ResponseSummary
from ._db import JSONObject

__all__ = [
    "CONVERSATIONS_PATH",
    "INSPECTOR_PREFIX",
    "ITEMS_LIMIT_DEFAULT",
    "ITEMS_LIMIT_MAX",
    "LIST_LIMIT_DEFAULT",
    "LIST_LIMIT_MAX",
    "MAX_PARAM_CHARS",
    "RESPONSES_PATH",
    "SECTIONS",
    "STYLESHEET_PATH",
    "ConversationView",
    "ResponseView",
    "Section",
    "conversation_list_html",
    "conversation_url",
    "conversation_view_html",
    "error_html",
    "layout",
    "response_list_html",
    "response_view_html",
]

INSPECTOR_PREFIX = "/inspector"
STYLESHEET_PATH = INSPECTOR_PREFIX + "/static/inspector.css"
CONVERSATIONS_PATH = INSPECTOR_PREFIX + "/conversations"
RESPONSES_PATH = INSPECTOR_PREFIX + "/responses"

# Page sizes: the handlers accept 1 to the maximum; links leave the default out.
LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX = 50, 500
ITEMS_LIMIT_DEFAULT, ITEMS_LIMIT_MAX = 100, 1_000
#: Longest filter value accepted (a metadata value is at most 512 characters in the API).
MAX_PARAM_CHARS = 512


@attrs.frozen
class Section:
    """One entry of the navigation bar: a kind of stored object with a list page."""

    name: str
    title: str
    path: str


#: The inspector's sections, in navigation order.
SECTIONS: tuple[Section, ...] = (
    Section("conversations", "Conversations", "/"),
    Section("responses", "Responses", RESPONSES_PATH),
)


# --- what every page shares ----------------------------------------------------------------------


def layout(title: str, body: str, *, section: str | None) -> str:
    """The whole page: ``body`` in the shared layout, ``section`` marked in the navigation."""
    current = ' aria-current="page"'
    nav = "".join(
        f'<a href="{escape(s.path)}"{current if s.name == section else ""}>{escape(s.title)}</a>'
        for s in SECTIONS
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{escape(title, 200)} · Conversations emulator</title>"
        f'<link rel="stylesheet" href="{STYLESHEET_PATH}"></head><body>'
        '<header class="top"><a class="brand" href="/">Conversations emulator</a>'
        f'<nav class="sections">{nav}</nav><span class="badge">read-only</span></header>'
        f"<main>{body}</main>"
        '<footer class="foot">The API is served under <code>/v1</code>. '
        "This page only reads: it never changes the emulator's data.</footer>"
        "</body></html>"
    )


def error_html(title: str, message: str, link: tuple[str, str] | None = None) -> str:
    """The body of an error page: its title, the message, and a link onwards if any."""
    extra = f'<p><a href="{escape(link[0])}">{escape(link[1])}</a></p>' if link else ""
    return f'<h1>{escape(title)}</h1><p class="error">{escape(message, 2_000)}</p>{extra}'


def _url(path: str, params: Mapping[str, object]) -> str:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return path + ("?" + query if query else "")


def conversation_url(conversation_id: str, params: Mapping[str, object]) -> str:
    """The address of a conversation's page, with ``params`` as its query."""
    return _url(f"{CONVERSATIONS_PATH}/{urllib.parse.quote(conversation_id, safe='')}", params)


def _pager(links: list[tuple[str, str | None]]) -> str:
    """A row of page links; a ``None`` target is shown disabled (no link); none when all are."""
    if all(href is None for _, href in links):
        return ""
    parts = [
        f'<a href="{escape(href)}">{escape(label)}</a>'
        if href is not None
        else f'<span class="off">{escape(label)}</span>'
        for label, href in links
    ]
    return f'<nav class="pager">{"".join(parts)}</nav>'


# --- the conversation list -----------------------------------------------------------------------


def conversation_list_html(
    page: ConversationPage,
    total: int,
    filters: ConversationFilter,
    limit: int,
    now: float,
    *,
    paged: object,
) -> str:
    """The list of conversations: the filter form, a summary, the table and its pager."""
    keep: dict[str, object] = {
        "id": filters.id_prefix,
        "key": filters.key,
        "value": filters.value,
        "limit": limit if limit != LIST_LIMIT_DEFAULT else None,
    }
    hidden = (
        f'<input type="hidden" name="limit" value="{limit}">' if limit != LIST_LIMIT_DEFAULT else ""
    )
    form = (
        '<form class="filters" method="get" action="/">'
        f'<label>ID starts with <input type="search" name="id" value="{escape(filters.id_prefix)}" '
        f'placeholder="conv_" maxlength="{MAX_PARAM_CHARS}"></label>'
        f'<label>Metadata key <input type="search" name="key" value="{escape(filters.key)}" '
        f'maxlength="{MAX_PARAM_CHARS}"></label>'
        f'<label>Metadata value <input type="search" name="value" '
        f'value="{escape(filters.value)}" maxlength="{MAX_PARAM_CHARS}"></label>'
        f'{hidden}<button type="submit">Filter</button><a class="clear" href="/">Clear</a></form>'
    )
    filtered = bool(filters.id_prefix or filters.key or filters.value)
    noun = "conversation" if total == 1 else "conversations"
    summary = f"{total:,} {noun}{' match' if filtered and total == 1 else ''}"
    if filtered and total != 1:
        summary += " match"
    summary += " · newest first"
    rows = "".join(_conversation_row(s.conversation, s.item_count, now) for s in page.rows)
    if rows:
        table = (
            '<table class="conversations"><thead><tr><th>ID</th><th>Created (UTC)</th>'
            f'<th>Metadata</th><th class="num">Items</th></tr></thead><tbody>{rows}</tbody></table>'
        )
    elif total:
        table = '<p class="empty">Nothing on this page any more: go back to the newest.</p>'
    else:
        table = (
            '<p class="empty">No conversation matches.</p>'
            if filtered
            else '<p class="empty">No conversations yet: create one through the API under '
            "<code>/v1</code> and reload.</p>"
        )
    first, last = (page.rows[0], page.rows[-1]) if page.rows else (None, None)
    pager = _pager(
        [
            ("Newest", _url("/", keep) if paged else None),
            (
                "← Newer",
                _url("/", {**keep, "after": _cursor_text(first.cursor)})
                if first is not None and page.has_newer
                else None,
            ),
            (
                "Older →",
                _url("/", {**keep, "before": _cursor_text(last.cursor)})
                if last is not None and page.has_older
                else None,
            ),
        ]
    )
    return f'<h1>Conversations</h1>{form}<p class="summary">{escape(summary)}</p>{table}{pager}'


def _cursor_text(cursor: tuple[int, int]) -> str:
    return f"{cursor[0]}.{cursor[1]}"


def _metadata_links(metadata: object) -> str:
    if not isinstance(metadata, Mapping) or not metadata:
        return '<span class="none">—</span>'
    return "".join(
        f'<a class="chip" href="{escape(_url("/", {"key": key, "value": value}))}" '
        f'title="Show conversations with this pair">'
        f'<span class="k">{escape(key)}</span><span class="v">{escape(value)}</span></a>'
        for key, value in metadata.items()
    )


def _conversation_row(conversation: JSONObject, item_count: int, now: float) -> str:
    conversation_id = str(conversation["id"])
    created = conversation.get("created_at")
    iso = utc_iso(created) or ""
    return (
        "<tr>"
        f'<td class="id"><a href="{escape(conversation_url(conversation_id, {}))}">'
        f"{escape(conversation_id)}</a></td>"
        f'<td class="when"><time datetime="{escape(iso)}">{escape(utc_text(created))}</time>'
        f'<span class="ago">{escape(relative_time(created, now))}</span></td>'
        f'<td class="meta">{_metadata_links(conversation.get("metadata"))}</td>'
        f'<td class="num" data-label="items">{item_count:,}</td>'
        "</tr>"
    )


# --- one conversation ----------------------------------------------------------------------------


@attrs.frozen
class ConversationView:
    """What a conversation's page shows: read in one snapshot by the handler."""

    conversation: JSONObject
    item_count: int
    items: list[JSONObject]
    offset: int
    has_after: bool
    # The newest responses that wrote to it, and how many there are in all.
    responses: list[ResponseSummary] = attrs.field(factory=list)
    response_count: int = 0


def conversation_view_html(view: ConversationView, limit: int, now: float) -> str:
    """One conversation: its fields, the responses that wrote to it, a page of its items."""
    conversation_id = str(view.conversation["id"])
    keep: dict[str, Any] = {"limit": limit if limit != ITEMS_LIMIT_DEFAULT else None}
    items = view.items
    start, end = view.offset + 1, view.offset + len(items)
    if items:
        where = f"Items {start:,}\u2013{end:,} of {view.item_count:,}, oldest first"
    else:
        where = "No items yet" if not view.item_count else "No items on this page"
    first_id = items[0].get("id") if items else None
    last_id = items[-1].get("id") if items else None
    pager = _pager(
        [
            ("First", conversation_url(conversation_id, keep) if view.offset else None),
            (
                "← Previous",
                conversation_url(conversation_id, {**keep, "before": first_id})
                if view.offset and isinstance(first_id, str)
                else None,
            ),
            (
                "Next →",
                conversation_url(conversation_id, {**keep, "after": last_id})
                if view.has_after and isinstance(last_id, str)
                else None,
            ),
        ]
    )
    export = f"{CONVERSATIONS_PATH}/{urllib.parse.quote(conversation_id, safe='')}/export.jsonl"
    actions = (
        '<p class="actions">'
        f'<a class="button" href="{escape(export)}" download>Download JSONL</a> '
        '<span class="hint">the format of <code>conversations-sdk export</code>; '
        "<code>conversations-sdk import</code> reads it back</span></p>"
    )
    transcript = transcript_html(items, raw_json=True, show_ids=True, anchors=True)
    return (
        '<p class="crumbs"><a href="/">Conversations</a> /</p>'
        f'<h1 class="conv-id">{escape(conversation_id)}</h1>'
        f"{conversation_html(view.conversation, now=now, item_count=view.item_count)}"
        f"{_responses_of_conversation_html(view, now)}"
        f'{actions}<p class="summary">{escape(where)}</p>{pager}{transcript}{pager}'
    )


def _responses_of_conversation_html(view: ConversationView, now: float) -> str:
    """The newest responses that wrote to a conversation, linking to all of them."""
    if not view.responses:
        return ""
    entries = "".join(
        f'<li><a class="id" href="{escape(_response_url(r.id))}">{escape(r.id)}</a> '
        f"{_status_html(r.status)} "
        f'<span class="model">{escape(_model_text(r.model), 200)}</span> '
        f'<span class="ago">{escape(relative_time(r.created_at, now))}</span></li>'
        for r in view.responses
    )
    count = view.response_count
    noun = "response" if count == 1 else "responses"
    more = ""
    if count > len(view.responses):
        link = _url(RESPONSES_PATH, {"conversation": view.conversation["id"]})
        more = f'<p class="more"><a href="{escape(link)}">All {count:,} {noun} \u2192</a></p>'
    return (
        f'<section class="wrote"><h2>Responses that wrote to it ({count:,})</h2>'
        f'<ul class="responses-of">{entries}</ul>{more}</section>'
    )


# --- the response list -------------------------------------------------------------------------

#: Statuses a response can have (the spec's enum); any other value gets a neutral class.
_STATUSES = frozenset({"completed", "failed", "in_progress", "cancelled", "queued", "incomplete"})


def _response_url(response_id: str) -> str:
    return f"{RESPONSES_PATH}/{urllib.parse.quote(response_id, safe='')}"


def _status_html(status: object) -> str:
    # The class comes from the fixed set above, never from the data.
    kind = status if status in _STATUSES else "other"
    return f'<span class="status status-{kind}">{escape(status, 200)}</span>'


def _model_text(model: object) -> str:
    return model if isinstance(model, str) else "—"


def _usage_text(usage: object) -> str:
    if not isinstance(usage, Mapping):
        return "—"
    parts = [
        f"{usage[key]:,} {label}"
        for key, label in (
            ("input_tokens", "in"),
            ("output_tokens", "out"),
            ("total_tokens", "total"),
        )
        if isinstance(usage.get(key), int) and not isinstance(usage.get(key), bool)
    ]
    return " · ".join(parts) or "—"


def _conversation_cell(conversation_id: object, exists: bool) -> str:
    if not isinstance(conversation_id, str) or not conversation_id:
        return '<span class="none">none</span>'
    if not exists:
        # The conversation was deleted since: its id as text, no link to a 404.
        return (
            f'<span class="id">{escape(conversation_id)}</span> <span class="none">(deleted)</span>'
        )
    return (
        f'<a class="id" href="{escape(conversation_url(conversation_id, {}))}">'
        f"{escape(conversation_id)}</a>"
    )


def _response_row(row: ResponseSummary, now: float) -> str:
    iso = utc_iso(row.created_at) or ""
    return (
        "<tr>"
        f'<td class="id"><a href="{escape(_response_url(row.id))}">{escape(row.id)}</a></td>'
        f'<td class="when"><time datetime="{escape(iso)}">{escape(utc_text(row.created_at))}</time>'
        f'<span class="ago">{escape(relative_time(row.created_at, now))}</span></td>'
        f"<td>{_status_html(row.status)}</td>"
        f'<td class="model">{escape(_model_text(row.model), 200)}</td>'
        f'<td class="conv">{_conversation_cell(row.conversation_id, row.conversation_exists)}</td>'
        f'<td class="usage">{escape(_usage_text(row.usage))}</td>'
        "</tr>"
    )


def response_list_html(
    page: ResponsePage,
    total: int,
    conversation_id: str | None,
    limit: int,
    now: float,
    *,
    paged: bool,
) -> str:
    """The list of stored responses: the filter form, a summary, the table and its pager."""
    keep: dict[str, object] = {
        "conversation": conversation_id,
        "limit": limit if limit != LIST_LIMIT_DEFAULT else None,
    }
    hidden = (
        f'<input type="hidden" name="limit" value="{limit}">' if limit != LIST_LIMIT_DEFAULT else ""
    )
    form = (
        f'<form class="filters" method="get" action="{RESPONSES_PATH}">'
        '<label>Conversation <input type="search" name="conversation" '
        f'value="{escape(conversation_id or "")}" placeholder="conv_" '
        f'maxlength="{MAX_PARAM_CHARS}"></label>'
        f'{hidden}<button type="submit">Filter</button>'
        f'<a class="clear" href="{RESPONSES_PATH}">Clear</a></form>'
    )
    noun = "response" if total == 1 else "responses"
    summary = f"{total:,} stored {noun}"
    if conversation_id is not None:
        summary += " that wrote to this conversation"
    summary += " · newest first"
    rows = "".join(_response_row(row, now) for row in page.rows)
    if rows:
        table = (
            '<table class="conversations responses"><thead><tr><th>ID</th><th>Created (UTC)</th>'
            "<th>Status</th><th>Model</th><th>Conversation</th><th>Usage (tokens)</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
        )
    elif total:
        table = '<p class="empty">Nothing on this page any more: go back to the newest.</p>'
    elif conversation_id is not None:
        table = '<p class="empty">No stored response wrote to this conversation.</p>'
    else:
        table = (
            '<p class="empty">No stored responses yet: create one with '
            "<code>POST /v1/responses</code> (responses are stored unless "
            "<code>store</code> is false) and reload.</p>"
        )
    first, last = (page.rows[0], page.rows[-1]) if page.rows else (None, None)
    pager = _pager(
        [
            ("Newest", _url(RESPONSES_PATH, keep) if paged else None),
            (
                "\u2190 Newer",
                _url(RESPONSES_PATH, {**keep, "after": first.seq})
                if first is not None and page.has_newer
                else None,
            ),
            (
                "Older \u2192",
                _url(RESPONSES_PATH, {**keep, "before": last.seq})
                if last is not None and page.has_older
                else None,
            ),
        ]
    )
    return f'<h1>Responses</h1>{form}<p class="summary">{escape(summary)}</p>{table}{pager}'


# --- one response --------------------------------------------------------------------------------


@attrs.frozen
class ResponseView:
    """What a response's page shows: read in one snapshot by the handler."""

    response: JSONObject
    inputs: list[JSONObject]
    more_inputs: bool
    conversation_exists: bool


def response_view_html(view: ResponseView, now: float) -> str:
    """One stored response: its fields, its JSON, and its input and output items."""
    response = view.response
    response_id = str(response.get("id"))
    conversation = response.get("conversation")
    conversation_id = conversation.get("id") if isinstance(conversation, Mapping) else None
    rows: list[tuple[str, str]] = [
        ("id", escape(response_id)),
        ("status", _status_html(response.get("status"))),
        ("model", escape(_model_text(response.get("model")), 200)),
        ("created", time_html(response.get("created_at"), now=now)),
    ]
    if response.get("completed_at") is not None:
        rows.append(("completed", time_html(response.get("completed_at"))))
    rows.append(("conversation", _conversation_cell(conversation_id, view.conversation_exists)))
    previous = response.get("previous_response_id")
    if isinstance(previous, str) and previous:
        link = f'<a class="id" href="{escape(_response_url(previous))}">{escape(previous)}</a>'
        rows.append(("previous response", link))
    if response.get("background"):
        rows.append(("background", "yes"))
    instructions = response.get("instructions")
    if isinstance(instructions, str) and instructions:
        rows.append(("instructions", f'<div class="cs-text">{escape(instructions)}</div>'))
    metadata = response.get("metadata")
    if isinstance(metadata, Mapping) and metadata:
        rows += [(f"metadata · {key}", escape(value)) for key, value in metadata.items()]
    rows.append(("usage (tokens)", escape(_usage_text(response.get("usage")))))
    for name in ("error", "incomplete_details"):
        if response.get(name) is not None:
            rows.append((name, _pre(json.dumps(response[name], ensure_ascii=False, indent=2))))
    cells = "".join(
        f'<tr><th class="cs-th">{escape(name, 200)}</th><td>{value}</td></tr>'
        for name, value in rows
    )
    fields = f'<div class="cs-conversation"><table class="cs-table">{cells}</table></div>'
    raw = (
        '<details class="cs-raw response-json"><summary>Response JSON</summary>'
        f"{_pre(json.dumps(response, ensure_ascii=False, indent=2), MAX_RAW_CHARS)}</details>"
    )
    inputs = view.inputs
    shown = f"{len(inputs):,}" + ("+" if view.more_inputs else "")
    more = (
        f'<p class="hint">The first {len(inputs):,} are shown; '
        f"<code>GET /v1/responses/{escape(response_id)}/input_items</code> lists them all.</p>"
        if view.more_inputs
        else ""
    )
    output = response.get("output")
    output_items = output if isinstance(output, list) else [output] if output is not None else []
    return (
        f'<p class="crumbs"><a href="{RESPONSES_PATH}">Responses</a> /</p>'
        f'<h1 class="conv-id">{escape(response_id)}</h1>{fields}{raw}'
        f'<h2 id="input">Input items ({shown})</h2>{more}'
        f"{transcript_html(inputs, raw_json=True, show_ids=True)}"
        f'<h2 id="output">Output items ({len(output_items):,})</h2>'
        f"{transcript_html(output_items, raw_json=True, show_ids=True)}"
    )


def _pre(text: str, limit: int = 20_000) -> str:
    """Formatted JSON as element content: ``<``, ``>`` and ``&`` escaped, quotes left as they are."""
    if len(text) > limit:
        text = text[:limit] + f"\u2026 ({len(text) - limit:,} more characters)"
    return f'<pre class="cs-json">{html.escape(text, quote=False)}</pre>'
