"""The emulator's inspector: a read-only web page of the conversations and items it stores.

``GET /`` lists conversations (newest first, filtered by id prefix and metadata, paginated) and
``GET /inspector/conversations/{id}`` shows one as a chat transcript, with a raw-JSON toggle per
item and a download in the CLI's export format (JSON Lines). The pages are server-rendered HTML and
one stylesheet: no JavaScript, nothing loaded from elsewhere. Transcripts come from the renderer
the notebook display uses (:mod:`conversations_sdk._transcript`), which works on the stored JSON,
so the emulator still never imports the SDK's models or converter.

This is a page on the user's machine showing text anyone may have written, so:

* only ``GET`` is routed (anything else is 405) and no handler writes to the store;
* every value is escaped by the renderer or by :func:`escape`, and the Content Security Policy
  (``default-src 'none'; style-src 'self'`` and friends) would stop a script even if one slipped
  through; pages cannot be framed (``X-Frame-Options: DENY``) nor sniffed as another type;
* the ``Host`` header is checked exactly as for the API (a DNS-rebinding defence on loopback);
* when the emulator has an API key, the inspector exists only if asked for, and then wants the key
  as the password of HTTP Basic authentication (compared in constant time, never echoed);
* it shows what the API shows (conversations and items) and nothing else: not the idempotency
  records, not the database path.

Inspector requests are answered here without passing through the API's middlewares: they get HTML
errors instead of the API's JSON ones, and the fault injector never sees them, so looking at a test
emulator never shifts its seeded faults.

``GET /inspector/responses`` lists the stored responses of the Responses API (newest first, with
the conversation each one wrote to), and ``GET /inspector/responses/{id}`` shows one: its fields,
its input and output items as a transcript, and its JSON. A conversation's page lists the
responses that wrote to it.

Sections: the pages share one layout and a navigation bar built from :data:`SECTIONS`. A new kind
of stored object becomes a section: a list handler, a detail handler, an entry in
:data:`SECTIONS` and its routes in :func:`install_inspector`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import html
import importlib.resources
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
from aiohttp import web

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
from ._http import _host_allowed
from ._store import Store, Transaction

__all__ = ["INSPECTOR_PREFIX", "SECTIONS", "install_inspector", "is_inspector_path"]

logger = logging.getLogger("conversations_sdk.emulator")

INSPECTOR_PREFIX = "/inspector"
STYLESHEET_PATH = INSPECTOR_PREFIX + "/static/inspector.css"
CONVERSATIONS_PATH = INSPECTOR_PREFIX + "/conversations"
RESPONSES_PATH = INSPECTOR_PREFIX + "/responses"

LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX = 50, 500
ITEMS_LIMIT_DEFAULT, ITEMS_LIMIT_MAX = 100, 1_000
#: How many of the responses that wrote to a conversation its page lists (then links to them all).
CONVERSATION_RESPONSES_SHOWN = 10
#: Longest filter value accepted (a metadata value is at most 512 characters in the API).
MAX_PARAM_CHARS = 512
#: Items read per store call while streaming a download.
EXPORT_CHUNK = 500

#: Sent with every inspector response. The first two directives are the issue's requirement; the
#: rest close what ``default-src`` does not cover (forms, framing, ``<base>``).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Another site may not embed these responses (a <script src> or <img> of an export).
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}
BASIC_REALM = 'Basic realm="conversations emulator inspector", charset="UTF-8"'

_CURSOR = re.compile(r"^(-?\d{1,19})\.(\d{1,19})$")
_SEQ_CURSOR = re.compile(r"^\d{1,18}$")
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9_.-]")


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


def is_inspector_path(path: str) -> bool:
    """Return whether a request path belongs to the inspector (``/`` and ``/inspector/...``)."""
    return path == "/" or path == INSPECTOR_PREFIX or path.startswith(INSPECTOR_PREFIX + "/")


class _BadParam(Exception):
    """A query parameter the page cannot use: becomes a 400 page naming it."""


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _Inspector:
    """The inspector's handlers, bound to one store and one emulator's access settings."""

    def __init__(self, store: Store, *, api_key: str | None, loopback_only: bool) -> None:
        self.store = store
        self.api_key = api_key
        self.loopback_only = loopback_only
        css = importlib.resources.files(__package__).joinpath("inspector.css")
        self.stylesheet = css.read_bytes()

    # --- the gate every inspector request passes -----------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_inspector_path(request.path):
            return await handler(request)
        try:
            if self.loopback_only and not _host_allowed(request.headers.get("Host")):
                return _error_page(
                    403,
                    "Host not allowed",
                    "The Host header must name this machine (localhost, 127.0.0.1 or ::1).",
                )
            if self.api_key is not None and not _basic_key_matches(
                request.headers.get("Authorization"), self.api_key
            ):
                response = _error_page(
                    401,
                    "The emulator's API key is needed",
                    "This emulator requires an API key: sign in with any user name and the key "
                    "as the password.",
                )
                response.headers["WWW-Authenticate"] = BASIC_REALM
                return response
            # The route's own handler, not the API's middleware chain: no bearer check, no JSON
            # errors, no fault injection for the inspector.
            return await request.match_info.handler(request)
        except web.HTTPMethodNotAllowed as refused:
            response = _error_page(
                405, "Read-only", "The inspector only answers GET: it never changes anything."
            )
            response.headers["Allow"] = ", ".join(sorted(refused.allowed_methods))
            return response
        except web.HTTPNotFound:
            return _error_page(404, "Not found", "No inspector page has this address.")
        except _BadParam as bad:
            return _error_page(400, "Bad request", str(bad))
        except web.HTTPException as exc:
            return _error_page(exc.status, exc.reason, exc.reason)
        except Exception:
            logger.exception("inspector failure on %s %s", request.method, request.path)
            return _error_page(
                500, "Inspector failure", "The page could not be built; see the emulator's log."
            )

    # --- pages -----------------------------------------------------------------------------------

    async def stylesheet_file(self, request: web.Request) -> web.Response:
        """GET /inspector/static/inspector.css"""
        response = web.Response(body=self.stylesheet, content_type="text/css", charset="utf-8")
        _secure(response)
        # The one cacheable response: it is the same bytes for the life of the package.
        response.headers["Cache-Control"] = "max-age=3600"
        return response

    async def conversations_page(self, request: web.Request) -> web.Response:
        """GET /: conversations, newest first, filtered and paginated."""
        query = request.query
        filters = ConversationFilter(_text(query, "id"), _text(query, "key"), _text(query, "value"))
        limit = _limit(query, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX)
        before, after = _cursor(query, "before"), _cursor(query, "after")
        if before is not None and after is not None:
            raise _BadParam("Give either 'before' or 'after', not both.")

        def read(tx: Transaction) -> tuple[ConversationPage, int]:
            page = tx.list_conversations(filters=filters, limit=limit, before=before, after=after)
            return page, tx.count_conversations(filters)

        page, total = await self.store.read(read)
        body = _conversation_list_html(
            page, total, filters, limit, time.time(), paged=before or after
        )
        return _html_page("Conversations", body, section="conversations")

    async def conversation_page(self, request: web.Request) -> web.Response:
        """GET /inspector/conversations/{conversation_id}: one conversation as a transcript."""
        conversation_id = request.match_info["conversation_id"]
        query = request.query
        limit = _limit(query, ITEMS_LIMIT_DEFAULT, ITEMS_LIMIT_MAX)
        after, before = _text(query, "after"), _text(query, "before")
        if after and before:
            raise _BadParam("Give either 'before' or 'after', not both.")

        def read(tx: Transaction) -> _ConversationView | str:
            conversation = tx.get_conversation(conversation_id)
            if conversation is None:
                return "conversation"
            cursor = after or before
            seq = None
            if cursor:
                seq = tx.item_seq(conversation_id, cursor)
                if seq is None:
                    return "cursor"
            page = tx.items_page(
                conversation_id,
                limit=limit,
                after_seq=seq if after else None,
                before_seq=seq if before else None,
            )
            responses = tx.list_responses(
                limit=CONVERSATION_RESPONSES_SHOWN, conversation_id=conversation_id
            )
            return _ConversationView(
                conversation,
                tx.count_items(conversation_id),
                *page,
                responses=responses.rows,
                response_count=tx.count_responses(conversation_id) if responses.rows else 0,
            )

        view = await self.store.read(read)
        if view == "conversation":
            return _error_page(
                404,
                "No such conversation",
                f"There is no conversation {conversation_id!r} in this emulator (any more).",
                back=True,
            )
        if isinstance(view, str):
            link = _conversation_url(conversation_id, {})
            return _error_page(
                404,
                "No such item",
                f"The item {(after or before)!r} is not in this conversation (any more).",
                link=(link, "Start from the first item"),
            )
        body = _conversation_view_html(view, limit, time.time())
        return _html_page(f"Conversation {conversation_id}", body, section="conversations")

    async def responses_page(self, request: web.Request) -> web.Response:
        """GET /inspector/responses: stored responses, newest first, optionally of one conversation."""
        query = request.query
        conversation_id = _text(query, "conversation") or None
        limit = _limit(query, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX)
        before, after = _seq_cursor(query, "before"), _seq_cursor(query, "after")
        if before is not None and after is not None:
            raise _BadParam("Give either 'before' or 'after', not both.")

        def read(tx: Transaction) -> tuple[ResponsePage, int]:
            page = tx.list_responses(
                limit=limit, conversation_id=conversation_id, before=before, after=after
            )
            return page, tx.count_responses(conversation_id)

        page, total = await self.store.read(read)
        paged = before is not None or after is not None
        body = _response_list_html(page, total, conversation_id, limit, time.time(), paged=paged)
        return _html_page("Responses", body, section="responses")

    async def response_page(self, request: web.Request) -> web.Response:
        """GET /inspector/responses/{response_id}: one stored response, its items and its JSON."""
        response_id = request.match_info["response_id"]

        def read(tx: Transaction) -> _ResponseView | None:
            response = tx.get_response(response_id)
            if response is None:
                return None
            inputs, more = tx.list_response_items(
                response_id, after_seq=None, limit=ITEMS_LIMIT_MAX, ascending=True
            )
            conversation = response.get("conversation")
            conversation_id = conversation.get("id") if isinstance(conversation, Mapping) else None
            exists = isinstance(conversation_id, str) and (
                tx.get_conversation(conversation_id) is not None
            )
            return _ResponseView(response, inputs, more, exists)

        view = await self.store.read(read)
        if view is None:
            return _error_page(
                404,
                "No such response",
                f"There is no stored response {response_id!r} in this emulator (any more).",
                link=(RESPONSES_PATH, "All responses"),
            )
        body = _response_view_html(view, time.time())
        return _html_page(f"Response {response_id}", body, section="responses")

    async def conversation_export(self, request: web.Request) -> web.StreamResponse:
        """GET /inspector/conversations/{conversation_id}/export.jsonl: the CLI's export format.

        JSON Lines: the conversation on the first line, then every item oldest first, each as the
        API returns it; ``conversations-sdk import`` reads it back. Streamed in chunks, so a large
        conversation never sits in memory.
        """
        conversation_id = request.match_info["conversation_id"]
        conversation = await self.store.read(lambda tx: tx.get_conversation(conversation_id))
        if conversation is None:
            return _error_page(
                404,
                "No such conversation",
                f"There is no conversation {conversation_id!r} in this emulator (any more).",
                back=True,
            )
        response = web.StreamResponse(
            headers={
                "Content-Type": "application/jsonl; charset=utf-8",
                "Content-Disposition": (
                    f'attachment; filename="{_SAFE_FILENAME.sub("_", conversation_id)}.jsonl"'
                ),
            }
        )
        _secure(response)
        await response.prepare(request)
        await response.write(_json_line(conversation))
        after = -1
        while True:

            def chunk(tx: Transaction, after: int = after) -> list[tuple[int, str]]:
                return tx.item_texts(conversation_id, after_seq=after, limit=EXPORT_CHUNK)

            rows = await self.store.read(chunk)
            if not rows:
                break
            # Stored bodies are already compact JSON with unescaped Unicode: the export's form.
            await response.write("".join(text + "\n" for _, text in rows).encode())
            after = rows[-1][0]
        await response.write_eof()
        return response


def install_inspector(
    app: web.Application, store: Store, *, api_key: str | None, loopback_only: bool
) -> None:
    """Serve the inspector on ``app`` (before the application starts).

    Args:
        app: The emulator's application, not yet frozen.
        store: Its store; the inspector only reads from it.
        api_key: When set, the pages ask for it (HTTP Basic, the key as the password).
        loopback_only: Check the ``Host`` header as the API does.
    """
    inspector = _Inspector(store, api_key=api_key, loopback_only=loopback_only)
    # First in the chain, so inspector requests are answered before the API's middlewares.
    app.middlewares.insert(0, inspector.middleware)
    app.router.add_get("/", inspector.conversations_page, allow_head=False)
    app.router.add_get(STYLESHEET_PATH, inspector.stylesheet_file, allow_head=False)
    app.router.add_get(
        CONVERSATIONS_PATH + "/{conversation_id}", inspector.conversation_page, allow_head=False
    )
    app.router.add_get(
        CONVERSATIONS_PATH + "/{conversation_id}/export.jsonl",
        inspector.conversation_export,
        allow_head=False,
    )
    app.router.add_get(RESPONSES_PATH, inspector.responses_page, allow_head=False)
    app.router.add_get(RESPONSES_PATH + "/{response_id}", inspector.response_page, allow_head=False)


# --- request parsing -----------------------------------------------------------------------------


def _basic_key_matches(header: str | None, api_key: str) -> bool:
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return False
    try:
        decoded = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    _, colon, password = decoded.partition(b":")
    # Constant time, on bytes; any user name is accepted, only the key matters.
    return bool(colon) and hmac.compare_digest(password, api_key.encode())


def _text(query: Mapping[str, str], name: str) -> str:
    value = query.get(name, "").strip()
    if len(value) > MAX_PARAM_CHARS:
        raise _BadParam(f"'{name}' is longer than {MAX_PARAM_CHARS} characters.")
    return value


def _limit(query: Mapping[str, str], default: int, maximum: int) -> int:
    raw = query.get("limit")
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise _BadParam(f"'limit' must be a whole number from 1 to {maximum}.")
    return int(raw)


def _cursor(query: Mapping[str, str], name: str) -> tuple[int, int] | None:
    raw = query.get(name)
    if not raw:
        return None
    match = _CURSOR.match(raw)
    if match is None:
        raise _BadParam(f"'{name}' is not a position in this list; start from the first page.")
    return int(match.group(1)), int(match.group(2))


def _seq_cursor(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if not raw:
        return None
    if _SEQ_CURSOR.match(raw) is None:
        raise _BadParam(f"'{name}' is not a position in this list; start from the first page.")
    return int(raw)


# --- HTTP responses ------------------------------------------------------------------------------


def _secure(response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)


def _json_line(value: object) -> bytes:
    # The CLI's export line: compact, Unicode as is (see conversations_sdk/cli/_commands.py).
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _layout(title: str, body: str, *, section: str | None) -> str:
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


def _html_page(title: str, body: str, *, section: str | None, status: int = 200) -> web.Response:
    response = web.Response(
        status=status,
        text=_layout(title, body, section=section),
        content_type="text/html",
        charset="utf-8",
    )
    _secure(response)
    return response


def _error_page(
    status: int,
    title: str,
    message: str,
    *,
    back: bool = False,
    link: tuple[str, str] | None = None,
) -> web.Response:
    if back:
        link = ("/", "All conversations")
    extra = f'<p><a href="{escape(link[0])}">{escape(link[1])}</a></p>' if link else ""
    body = f'<h1>{escape(title)}</h1><p class="error">{escape(message, 2_000)}</p>{extra}'
    return _html_page(title, body, section=None, status=status)


def _url(path: str, params: Mapping[str, object]) -> str:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return path + ("?" + query if query else "")


def _conversation_url(conversation_id: str, params: Mapping[str, object]) -> str:
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


def _conversation_list_html(
    page: ConversationPage,
    total: int,
    filters: ConversationFilter,
    limit: int,
    now: float,
    *,
    paged: object,
) -> str:
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
        f'<td class="id"><a href="{escape(_conversation_url(conversation_id, {}))}">'
        f"{escape(conversation_id)}</a></td>"
        f'<td class="when"><time datetime="{escape(iso)}">{escape(utc_text(created))}</time>'
        f'<span class="ago">{escape(relative_time(created, now))}</span></td>'
        f'<td class="meta">{_metadata_links(conversation.get("metadata"))}</td>'
        f'<td class="num" data-label="items">{item_count:,}</td>'
        "</tr>"
    )


# --- one conversation ----------------------------------------------------------------------------


@attrs.frozen
class _ConversationView:
    conversation: JSONObject
    item_count: int
    items: list[JSONObject]
    offset: int
    has_after: bool
    # The newest responses that wrote to it, and how many there are in all.
    responses: list[ResponseSummary] = attrs.field(factory=list)
    response_count: int = 0


def _conversation_view_html(view: _ConversationView, limit: int, now: float) -> str:
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
            ("First", _conversation_url(conversation_id, keep) if view.offset else None),
            (
                "← Previous",
                _conversation_url(conversation_id, {**keep, "before": first_id})
                if view.offset and isinstance(first_id, str)
                else None,
            ),
            (
                "Next →",
                _conversation_url(conversation_id, {**keep, "after": last_id})
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


def _responses_of_conversation_html(view: _ConversationView, now: float) -> str:
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
        f'<a class="id" href="{escape(_conversation_url(conversation_id, {}))}">'
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


def _response_list_html(
    page: ResponsePage,
    total: int,
    conversation_id: str | None,
    limit: int,
    now: float,
    *,
    paged: bool,
) -> str:
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
class _ResponseView:
    response: JSONObject
    inputs: list[JSONObject]
    more_inputs: bool
    conversation_exists: bool


def _response_view_html(view: _ResponseView, now: float) -> str:
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
