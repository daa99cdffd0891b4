"""Rich display in Jupyter: conversations and items as HTML (``_repr_html_``), built from plain data.

A ``Message``, any other conversation item, or a page of items (``ConversationItemList``) renders as
a chat transcript: who spoke, what they said, which tools were called with which arguments. A
``Conversation`` renders as its id, creation time and metadata. Everything shown comes from the API
and may hold anything a user or a model wrote, so every string is HTML-escaped, attribute-safe,
before it is placed in markup: content can never inject tags or scripts into the notebook.

This module only reads attributes and never does I/O. The models' base classes
(``conversations_sdk/models/_base.py``) define ``_repr_html_`` as a lazy call to :func:`html_for`,
so the generated model code stays free of presentation and importing the models does not import
this module. Plain ``repr`` is untouched.
"""

from __future__ import annotations

import datetime
import html
import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["conversation_html", "html_for", "item_html", "items_html"]

#: Longest text shown per content part; a transcript is for reading, not for dumping megabytes.
MAX_TEXT_CHARS = 20_000

_TEXT_PARTS = frozenset({"input_text", "output_text", "text", "summary_text", "reasoning_text"})

_BOX = (
    "font-family: system-ui, sans-serif; font-size: 13px; line-height: 1.4; "
    "border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 10px; max-width: 60em"
)
_ROLE_COLOURS = {
    "user": "#0969da",
    "assistant": "#1a7f37",
    "system": "#8250df",
    "developer": "#8250df",
    "tool": "#9a6700",
}


def _esc(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS] + f"… ({len(text) - MAX_TEXT_CHARS} more characters)"
    return html.escape(text, quote=True)


def _part_html(part: Any) -> str:
    kind = getattr(part, "type", None)
    if kind in _TEXT_PARTS:
        return f'<div style="white-space: pre-wrap">{_esc(part.text)}</div>'
    if kind == "refusal":
        return f'<div style="white-space: pre-wrap"><i>refused:</i> {_esc(part.refusal)}</div>'
    if kind == "input_image":
        source = getattr(part, "image_url", None) or getattr(part, "file_id", None) or "inline"
        # The URL is shown as text, never loaded: an <img src> would fetch untrusted URLs.
        return f"<div><i>[image: {_esc(source)}]</i></div>"
    if kind == "input_file":
        name = getattr(part, "filename", None) or getattr(part, "file_id", None) or "inline"
        return f"<div><i>[file: {_esc(name)}]</i></div>"
    return f"<div><i>[{_esc(kind or 'unknown content')}]</i></div>"


def _entry(label: str, colour: str, body: str, note: str = "") -> str:
    note_html = f' <span style="color: #656d76">{_esc(note)}</span>' if note else ""
    return (
        '<div style="margin: 4px 0">'
        f'<b style="color: {colour}">{_esc(label)}</b>{note_html}{body}</div>'
    )


def _item_entry(item: Any) -> str:
    kind = getattr(item, "type", None) or "unknown item"
    if kind == "message":
        role = str(getattr(item, "role", "unknown"))
        body = "".join(_part_html(p) for p in getattr(item, "content", None) or ())
        status = getattr(item, "status", None)
        note = "" if status in (None, "completed") else str(status)
        return _entry(role, _ROLE_COLOURS.get(role, "#24292f"), body, note)
    name = getattr(item, "name", None)
    arguments = getattr(item, "arguments", None)
    if arguments is None:
        arguments = getattr(item, "input", None)  # custom tool calls carry ``input``
    if name is not None and arguments is not None:
        call = f"{name}({arguments})"
        body = f'<div style="white-space: pre-wrap; font-family: monospace">{_esc(call)}</div>'
        return _entry(f"tool call · {kind}", "#9a6700", body, getattr(item, "call_id", "") or "")
    if hasattr(item, "output"):
        output = item.output
        if not isinstance(output, str):
            output = json.dumps(_plain(output), ensure_ascii=False)
        body = f'<div style="white-space: pre-wrap; font-family: monospace">{_esc(output)}</div>'
        return _entry(f"tool output · {kind}", "#9a6700", body, getattr(item, "call_id", "") or "")
    return _entry(str(kind), "#656d76", "", getattr(item, "id", "") or "")


def _plain(value: Any) -> Any:
    """A JSON-friendly view of nested models, for showing structured tool output."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    fields = getattr(type(value), "__attrs_attrs__", None)
    if fields is not None:
        return {
            f.name: _plain(getattr(value, f.name))
            for f in fields
            if f.name != "extra"
            and not f.name.startswith("_")
            and getattr(value, f.name) is not None
        }
    return repr(value)


def items_html(items: Iterable[Any], *, footer: str = "") -> str:
    """Render items as a chat transcript.

    Args:
        items: Conversation items (messages, tool calls, outputs, unknown items).
        footer: A line of plain text shown under the transcript (escaped).

    Returns:
        An HTML fragment in which every string from the items is escaped.
    """
    entries = "".join(_item_entry(item) for item in items) or "<i>no items</i>"
    tail = f'<div style="color: #656d76">{_esc(footer)}</div>' if footer else ""
    return f'<div class="conversations-sdk-transcript" style="{_BOX}">{entries}{tail}</div>'


def item_html(item: Any) -> str:
    """Render one item (a ``Message``, a tool call, ...) as a one-entry transcript.

    Args:
        item: The item.

    Returns:
        An escaped HTML fragment.
    """
    return items_html([item])


def _item_list_html(page: Any) -> str:
    more = " · more after " + str(page.last_id) if getattr(page, "has_more", False) else ""
    return items_html(page.data, footer=f"{len(page.data)} items{more}")


def conversation_html(conversation: Any) -> str:
    """Render a conversation as its id, creation time (UTC) and metadata.

    Args:
        conversation: A ``Conversation``.

    Returns:
        An escaped HTML fragment.
    """
    created = conversation.created_at
    try:
        when = datetime.datetime.fromtimestamp(created, tz=datetime.timezone.utc).isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        when = str(created)
    rows = [("id", conversation.id), ("created", when)]
    metadata = conversation.metadata or {}
    rows += [(f"metadata · {key}", value) for key, value in metadata.items()]
    if not metadata:
        rows.append(("metadata", "—"))
    cells = "".join(
        f'<tr><th style="text-align: left; padding-right: 1em">{_esc(k)}</th>'
        f"<td>{_esc(v)}</td></tr>"
        for k, v in rows
    )
    return (
        f'<div class="conversations-sdk-conversation" style="{_BOX}">'
        f"<b>Conversation</b><table>{cells}</table></div>"
    )


def html_for(obj: Any) -> str | None:
    """The notebook HTML of a model, or ``None`` (plain repr) for models that are not shown richly.

    Called by the models' ``_repr_html_``.

    Args:
        obj: A model instance.

    Returns:
        An escaped HTML fragment, or ``None``.
    """
    from .models import Conversation, ConversationItemList, UnknownItem

    if isinstance(obj, Conversation):
        return conversation_html(obj)
    if isinstance(obj, ConversationItemList):
        return _item_list_html(obj)
    if isinstance(obj, UnknownItem) or _is_item_class(type(obj)):
        return item_html(obj)
    return None


def _is_item_class(cls: type) -> bool:
    # An item is a model with an ``id`` and a ``type`` field; the helper models (actions, callers,
    # content parts, results) lack one or the other and keep their plain repr.
    fields = getattr(cls, "__attrs_attrs__", None)
    if fields is None:
        return False
    names = {f.name for f in fields}
    return "id" in names and "type" in names
