"""The emulator's inspector: a read-only web page of the conversations and responses it stores.

``GET /`` lists conversations (newest first, filtered by id prefix and metadata, paginated) and
``GET /inspector/conversations/{id}`` shows one as a chat transcript, with a raw-JSON toggle per
item and a download in the CLI's export format (JSON Lines). ``GET /inspector/responses`` lists
the stored responses of the Responses API (newest first, with the conversation each one wrote to),
and ``GET /inspector/responses/{id}`` shows one: its fields, its input and output items as a
transcript, and its JSON. A conversation's page lists the responses that wrote to it.

This module is the inspector's HTTP side: the gate every inspector request passes, the routes, the
handlers (each reads the store in one snapshot through :mod:`._browse`), query parsing, and the
headers of every response. The HTML itself is built by :mod:`._inspector_pages`: server-rendered,
one stylesheet, no JavaScript, nothing loaded from elsewhere. Neither module imports the SDK's
models or converter.

This is a page on the user's machine showing text anyone may have written, so:

* only ``GET`` is routed (anything else is 405) and no handler writes to the store;
* every value is escaped by the page renderer, and the Content Security Policy
  (``default-src 'none'; style-src 'self'`` and friends) would stop a script even if one slipped
  through; pages cannot be framed (``X-Frame-Options: DENY``) nor sniffed as another type;
* the ``Host`` header is checked exactly as for the API (a DNS-rebinding defence on loopback);
* when the emulator has an API key, the inspector exists only if asked for, and then wants the key
  as the password of HTTP Basic authentication (compared in constant time, never echoed);
* it shows what the API shows (conversations, items, stored responses) and nothing else: not the
  idempotency records, not the database path.

Inspector requests are answered here without passing through the API's middlewares: they get HTML
errors instead of the API's JSON ones, and the fault injector never sees them, so looking at a test
emulator never shifts its seeded faults.

Sections: the pages share one layout and a navigation bar built from
:data:`._inspector_pages.SECTIONS`. A new kind of stored object becomes a section: a list handler
and a detail handler here with their routes in :func:`install_inspector`, their pages and an
entry in ``SECTIONS`` in :mod:`._inspector_pages`.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import importlib.resources
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from ._browse import ConversationFilter, ConversationPage, ResponsePage
from ._db import dumps
from ._http import _host_allowed
from ._inspector_pages import (
    CONVERSATIONS_PATH,
    INSPECTOR_PREFIX,
    ITEMS_LIMIT_DEFAULT,
    ITEMS_LIMIT_MAX,
    LIST_LIMIT_DEFAULT,
    LIST_LIMIT_MAX,
    MAX_PARAM_CHARS,
    RESPONSES_PATH,
    SECTIONS,
    STYLESHEET_PATH,
    ConversationView,
    ResponseView,
    conversation_list_html,
    conversation_url,
    conversation_view_html,
    error_html,
    layout,
    response_list_html,
    response_view_html,
)
from ._store import Store, Transaction

__all__ = ["INSPECTOR_PREFIX", "SECTIONS", "install_inspector", "is_inspector_path"]

logger = logging.getLogger("conversations_sdk.emulator")

#: How many of the responses that wrote to a conversation its page lists (then links to them all).
CONVERSATION_RESPONSES_SHOWN = 10
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
        body = conversation_list_html(
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

        def read(tx: Transaction) -> ConversationView | str:
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
            return ConversationView(
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
            link = conversation_url(conversation_id, {})
            return _error_page(
                404,
                "No such item",
                f"The item {(after or before)!r} is not in this conversation (any more).",
                link=(link, "Start from the first item"),
            )
        body = conversation_view_html(view, limit, time.time())
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
        body = response_list_html(page, total, conversation_id, limit, time.time(), paged=paged)
        return _html_page("Responses", body, section="responses")

    async def response_page(self, request: web.Request) -> web.Response:
        """GET /inspector/responses/{response_id}: one stored response, its items and its JSON."""
        response_id = request.match_info["response_id"]

        def read(tx: Transaction) -> ResponseView | None:
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
            return ResponseView(response, inputs, more, exists)

        view = await self.store.read(read)
        if view is None:
            return _error_page(
                404,
                "No such response",
                f"There is no stored response {response_id!r} in this emulator (any more).",
                link=(RESPONSES_PATH, "All responses"),
            )
        body = response_view_html(view, time.time())
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
    # The CLI's export line: compact, Unicode as is (see conversations_sdk/cli/_jsonl.py),
    # which is also the form items are stored in.
    return (dumps(value) + "\n").encode()


def _html_page(title: str, body: str, *, section: str | None, status: int = 200) -> web.Response:
    response = web.Response(
        status=status,
        text=layout(title, body, section=section),
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
    return _html_page(title, error_html(title, message, link), section=None, status=status)
