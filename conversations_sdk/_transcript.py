"""One HTML renderer of conversations and items, working on the wire JSON (plain dicts and lists).

Two places show a conversation as a chat transcript: the notebook (``_repr_html_`` of the models,
through :mod:`._display`) and the emulator's inspector (:mod:`.emulator._inspector_pages`). Both call the
functions here, so an item type is taught to the display once. The input is the JSON the API sends
(``CONVERTER.unstructure`` of a model gives it back exactly), which lets the emulator use this
module without importing the SDK's models or converter: it imports only the standard library.

Everything shown may hold anything a user, a tool or a model wrote, so every string is escaped
(``html.escape`` with quotes) before it enters markup, class names come from fixed sets only, and
no URL from the data is ever loaded (an image is named, never fetched). The output is tolerant:
any JSON value renders, whatever its shape, and an item of a type this module does not know is
shown as formatted JSON.

Two looks, one markup: with ``inline=True`` (the notebook, where no stylesheet can be relied on)
every element also carries a ``style`` attribute; without it (the inspector, whose Content
Security Policy forbids inline styles) elements carry only ``cs-*`` classes for its stylesheet.
"""

from __future__ import annotations

import datetime
import html
import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "MAX_RAW_CHARS",
    "MAX_TEXT_CHARS",
    "conversation_html",
    "escape",
    "item_html",
    "metadata_html",
    "relative_time",
    "transcript_html",
    "utc_iso",
    "utc_text",
]

#: Longest text shown per content part; a transcript is for reading, not for dumping megabytes.
MAX_TEXT_CHARS = 20_000
#: Longest raw JSON shown per item (the inspector's toggle); the download has every byte.
MAX_RAW_CHARS = 200_000

_TEXT_PARTS = frozenset({"input_text", "output_text", "text", "summary_text", "reasoning_text"})
_ROLES = frozenset({"user", "assistant", "system", "developer", "tool"})

#: Item types of the Conversations and Responses APIs this renderer knows. Any other type is shown
#: as formatted JSON, labelled as unknown (a newer API, or data this version cannot describe).
KNOWN_ITEM_TYPES = frozenset(
    {
        "message",
        "reasoning",
        "function_call",
        "function_call_output",
        "file_search_call",
        "web_search_call",
        "image_generation_call",
        "computer_call",
        "computer_call_output",
        "tool_search_call",
        "tool_search_output",
        "additional_tools",
        "program",
        "program_output",
        "compaction",
        "code_interpreter_call",
        "local_shell_call",
        "local_shell_call_output",
        "shell_call",
        "shell_call_output",
        "apply_patch_call",
        "apply_patch_call_output",
        "mcp_list_tools",
        "mcp_approval_request",
        "mcp_approval_response",
        "mcp_call",
        "custom_tool_call",
        "custom_tool_call_output",
        "item_reference",
    }
)

# Shown in an entry's header, so not repeated among its fields.
_HEADER_FIELDS = frozenset({"id", "type", "status", "call_id"})
# Opaque blobs: named with their size, never dumped into the page.
_BLOB_FIELDS = frozenset({"encrypted_content"})

_MUTED = "#656d76"
_MONO = "font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
# The notebook look: a style per class, added only when rendering with ``inline=True``.
_INLINE: Mapping[str, str] = {
    "cs-transcript": (
        "font-family: system-ui, sans-serif; font-size: 13px; line-height: 1.4; "
        "border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 10px; max-width: 60em"
    ),
    "cs-conversation": (
        "font-family: system-ui, sans-serif; font-size: 13px; line-height: 1.4; "
        "border: 1px solid #d0d7de; border-radius: 6px; padding: 6px 10px; max-width: 60em"
    ),
    "cs-entry": "margin: 4px 0",
    "cs-note": f"color: {_MUTED}",
    "cs-id": f"color: {_MUTED}; {_MONO}; font-size: 90%",
    "cs-text": "white-space: pre-wrap",
    "cs-code": f"white-space: pre-wrap; {_MONO}",
    "cs-json": f"white-space: pre-wrap; {_MONO}; margin: 0",
    "cs-field": "margin: 2px 0",
    "cs-field-name": f"color: {_MUTED}",
    "cs-footer": f"color: {_MUTED}",
    "cs-table": "border-collapse: collapse",
    "cs-th": "text-align: left; padding-right: 1em; vertical-align: top",
    "cs-who-user": "color: #0969da",
    "cs-who-assistant": "color: #1a7f37",
    "cs-who-system": "color: #8250df",
    "cs-who-developer": "color: #8250df",
    "cs-who-tool": "color: #9a6700",
    "cs-who-call": "color: #9a6700",
    "cs-who-output": "color: #9a6700",
    "cs-who-reasoning": f"color: {_MUTED}",
    "cs-who-other": "color: #24292f",
    "cs-who-unknown": f"color: {_MUTED}",
}


def escape(value: object, limit: int = MAX_TEXT_CHARS) -> str:
    """Return ``value`` as text safe in HTML content and quoted attributes, cut at ``limit``."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text) - limit:,} more characters)"
    return html.escape(text, quote=True)


class _Look:
    """Turns class names into attributes: classes only, or classes plus the notebook's styles."""

    __slots__ = ("inline",)

    def __init__(self, inline: bool) -> None:
        self.inline = inline

    def __call__(self, *names: str) -> str:
        # Class names always come from this module's fixed vocabulary, never from the data.
        attrs = f' class="{" ".join(names)}"'
        if self.inline:
            styles = "; ".join(_INLINE[n] for n in names if n in _INLINE)
            if styles:
                attrs += f' style="{styles}"'
        return attrs


def _json_text(value: object, *, indent: int | None = 2) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, indent=indent)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def _json_block(value: object, look: _Look, limit: int = MAX_TEXT_CHARS) -> str:
    """Formatted JSON in a ``<pre>``: element content, so quotes stay as they are (a third lighter
    than ``&quot;``), while ``<``, ``>`` and ``&`` are escaped."""
    text = _json_text(value)
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text) - limit:,} more characters)"
    return f"<pre{look('cs-json')}>{html.escape(text, quote=False)}</pre>"


def utc_iso(timestamp: object) -> str | None:
    """ISO 8601 in UTC of Unix seconds (``2023-11-14T22:13:20+00:00``), or ``None`` if invalid."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        return None
    try:
        when = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    except (ValueError, OverflowError, OSError):
        return None
    return when.isoformat()


def utc_text(timestamp: object) -> str:
    """Unix seconds for people: ``2023-11-14 22:13:20 UTC`` (the value as is when not a time)."""
    iso = utc_iso(timestamp)
    if iso is None:
        return str(timestamp)
    return iso[:19].replace("T", " ") + " UTC"


def relative_time(timestamp: object, now: float) -> str:
    """How long before ``now`` a Unix time was, in words (``3 minutes ago``)."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, (int, float)):
        return ""
    seconds = int(now - timestamp)
    if seconds < 0:
        return "in the future"
    if seconds < 10:
        return "just now"
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60), ("second", 1)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"  # pragma: no cover - the loop always returns


def time_html(timestamp: object, *, now: float | None = None) -> str:
    """A ``<time>`` element: UTC for people, ISO in ``datetime``, and how long ago when ``now``."""
    iso = utc_iso(timestamp)
    if iso is None:
        return escape(timestamp)
    text = f'<time datetime="{escape(iso)}">{escape(utc_text(timestamp))}</time>'
    if now is not None:
        text += f" · {escape(relative_time(timestamp, now))}"
    return text


# --- content parts and values ------------------------------------------------------------------


def _part_html(part: object, look: _Look) -> str:
    if isinstance(part, str):  # input shapes allow plain strings
        return f"<div{look('cs-text')}>{escape(part)}</div>"
    if not isinstance(part, Mapping):
        return _json_block(part, look)
    kind = part.get("type")
    if kind in _TEXT_PARTS:
        return f"<div{look('cs-text')}>{escape(part.get('text', ''))}</div>"
    if kind == "refusal":
        return f"<div{look('cs-text')}><i>refused:</i> {escape(part.get('refusal', ''))}</div>"
    if kind in ("input_image", "computer_screenshot"):
        source = part.get("image_url") or part.get("file_id") or "inline"
        # Named as text, never loaded: an <img src> would fetch a URL chosen by whoever wrote it.
        return f"<div><i>[image: {escape(source, 2_000)}]</i></div>"
    if kind == "input_file":
        name = part.get("filename") or part.get("file_id") or part.get("file_url") or "inline"
        return f"<div><i>[file: {escape(name, 2_000)}]</i></div>"
    if kind == "input_audio":
        return "<div><i>[audio]</i></div>"
    return (
        f"<div><i>[{escape(kind if isinstance(kind, str) else 'unknown content', 200)}]</i></div>"
    )


def _parts_html(value: object, look: _Look) -> str:
    if isinstance(value, str):
        return f"<div{look('cs-text')}>{escape(value)}</div>"
    if isinstance(value, list):
        return "".join(_part_html(part, look) for part in value)
    if value is None:
        return ""
    return _json_block(value, look)


def _value_html(name: str, value: object, look: _Look) -> str:
    """One field of a non-message item: text as text, anything else as formatted JSON."""
    if name in _BLOB_FIELDS and isinstance(value, str):
        return f"<i>[encrypted: {len(value):,} characters]</i>"
    if isinstance(value, str):
        return f"<div{look('cs-code')}>{escape(value)}</div>"
    return _json_block(value, look)


def _fields_html(item: Mapping[str, Any], look: _Look, skip: Iterable[str] = ()) -> str:
    skipped = _HEADER_FIELDS.union(skip)
    rows = []
    for name, value in item.items():
        if name in skipped or value is None:
            continue
        rows.append(
            f"<div{look('cs-field')}><span{look('cs-field-name')}>{escape(name, 200)}:</span>"
            f"{_value_html(str(name), value, look)}</div>"
        )
    return "".join(rows)


# --- items -------------------------------------------------------------------------------------


def _role_class(role: str) -> str:
    return f"cs-who-{role}" if role in _ROLES else "cs-who-other"


def _call_text(item: Mapping[str, Any]) -> str | None:
    name = item.get("name")
    arguments = item.get("arguments", item.get("input"))  # custom tool calls carry ``input``
    if not isinstance(name, str) or arguments is None:
        return None
    if not isinstance(arguments, str):
        arguments = _json_text(arguments, indent=None)
    return f"{name}({arguments})"


def _output_html(output: object, look: _Look) -> str:
    if isinstance(output, str):
        return f"<div{look('cs-code')}>{escape(output)}</div>"
    # A list of content parts (text, images, files) reads as content; anything else as JSON.
    if isinstance(output, list) and all(
        isinstance(part, Mapping) and isinstance(part.get("type"), str) for part in output
    ):
        return _parts_html(output, look)
    return _json_block(output, look)


def _body_and_label(item: Mapping[str, Any], look: _Look) -> tuple[str, str, str]:
    """Return (speaker label, its class, body markup) of one item."""
    kind = item.get("type")
    kind_text = kind if isinstance(kind, str) else "item without a type"
    if kind == "message" or (kind is None and "role" in item and "content" in item):
        role = item.get("role")
        role_text = role if isinstance(role, str) else "unknown role"
        return role_text, _role_class(role_text), _parts_html(item.get("content"), look)
    if kind not in KNOWN_ITEM_TYPES:
        body = _json_block(dict(item), look)
        return kind_text, "cs-who-unknown", body
    if kind == "reasoning":
        body = _parts_html(item.get("summary"), look) + _parts_html(item.get("content"), look)
        blob = item.get("encrypted_content")
        if isinstance(blob, str):
            body += f"<div>{_value_html('encrypted_content', blob, look)}</div>"
        return "reasoning", "cs-who-reasoning", body
    if kind == "image_generation_call":
        result = item.get("result")
        body = ""
        if isinstance(result, str):
            # Base64 of a whole image: its size says enough, the JSON toggle has the bytes.
            body = f"<div><i>[generated image: {len(result):,} characters of base64]</i></div>"
        return kind_text, "cs-who-call", body
    call = _call_text(item)
    if call is not None:
        body = f"<div{look('cs-code')}>{escape(call)}</div>"
        body += _fields_html(item, look, skip=("name", "arguments", "input"))
        return f"tool call · {kind_text}", "cs-who-call", body
    if "output" in item:
        body = _output_html(item.get("output"), look) + _fields_html(item, look, skip=("output",))
        return f"tool output · {kind_text}", "cs-who-output", body
    return kind_text, "cs-who-call", _fields_html(item, look)


def _raw_html(item: object, look: _Look) -> str:
    block = _json_block(item, look, MAX_RAW_CHARS)
    return f"<details{look('cs-raw')}><summary>JSON</summary>{block}</details>"


def item_html(
    item: object,
    *,
    inline: bool = False,
    raw_json: bool = False,
    show_id: bool = False,
    anchor: bool = False,
) -> str:
    """Render one item (any JSON value) as a transcript entry.

    Args:
        item: The item as the API returns it (a JSON object; anything else renders as JSON).
        inline: Add ``style`` attributes (for places without the stylesheet).
        raw_json: Add a ``<details>`` toggle with the item's JSON.
        show_id: Show the item's id next to the speaker.
        anchor: Give the entry an ``id`` attribute (``item-<id>``) to link to.

    Returns:
        An HTML fragment in which every string from the item is escaped.
    """
    look = _Look(inline)
    if not isinstance(item, Mapping):
        body = _json_block(item, look)
        label, label_class = "not an item", "cs-who-unknown"
        item_id: object = None
        notes: list[str] = []
    else:
        label, label_class, body = _body_and_label(item, look)
        item_id = item.get("id")
        notes = []
        call_id = item.get("call_id")
        if isinstance(call_id, str) and call_id:
            notes.append(call_id)
        status = item.get("status")
        if status is not None and status != "completed":
            notes.append(str(status))
        if label_class == "cs-who-unknown" and "type" in item:
            notes.append("unknown item type")
    head = f"<b{look('cs-who', label_class)}>{escape(label, 500)}</b>"
    if show_id and isinstance(item_id, str):
        head += f" <span{look('cs-id')}>{escape(item_id, 500)}</span>"
    if notes:
        head += f" <span{look('cs-note')}>{escape(' · '.join(notes), 1_000)}</span>"
    id_attr = ""
    if anchor and isinstance(item_id, str):
        id_attr = f' id="item-{escape(item_id, 500)}"'
    raw = _raw_html(item, look) if raw_json else ""
    return (
        f"<div{look('cs-entry', label_class.replace('cs-who-', 'cs-entry-'))}{id_attr}>"
        f"<div{look('cs-head')}>{head}</div>{body}{raw}</div>"
    )


def transcript_html(
    items: Iterable[object],
    *,
    inline: bool = False,
    raw_json: bool = False,
    show_ids: bool = False,
    anchors: bool = False,
    footer: str = "",
) -> str:
    """Render items, in the order given, as a chat transcript.

    Args:
        items: Items as the API returns them (messages, tool calls, outputs, unknown types).
        inline: Add ``style`` attributes (for places without the stylesheet).
        raw_json: Give every entry a ``<details>`` toggle with its JSON.
        show_ids: Show each item's id.
        anchors: Give each entry an ``id`` attribute to link to.
        footer: A line of plain text under the transcript (escaped).

    Returns:
        A ``<div class="conversations-sdk-transcript cs-transcript">`` with every string escaped.
    """
    look = _Look(inline)
    entries = "".join(
        item_html(item, inline=inline, raw_json=raw_json, show_id=show_ids, anchor=anchors)
        for item in items
    )
    entries = entries or f"<i{look('cs-note')}>no items</i>"
    tail = f"<div{look('cs-footer')}>{escape(footer)}</div>" if footer else ""
    classes = look("conversations-sdk-transcript", "cs-transcript")
    return f"<div{classes}>{entries}{tail}</div>"


# --- conversations -----------------------------------------------------------------------------


def metadata_html(metadata: object, *, inline: bool = False) -> str:
    """Render metadata pairs as ``key = value`` lines (an em dash when there are none)."""
    look = _Look(inline)
    if not isinstance(metadata, Mapping) or not metadata:
        return "—" if metadata in (None, {}) else escape(_json_text(metadata, indent=None))
    return "".join(
        f"<div{look('cs-meta')}><span{look('cs-meta-key')}>{escape(key)}</span> = "
        f"<span{look('cs-meta-value')}>{escape(value)}</span></div>"
        for key, value in metadata.items()
    )


def conversation_html(
    conversation: Mapping[str, Any],
    *,
    inline: bool = False,
    now: float | None = None,
    item_count: int | None = None,
) -> str:
    """Render a conversation as a table of its id, creation time (UTC) and metadata.

    Args:
        conversation: The conversation object as the API returns it.
        inline: Add ``style`` attributes (for places without the stylesheet).
        now: The current Unix time, to also say how long ago it was created.
        item_count: How many items it holds, when known.

    Returns:
        A ``<div class="conversations-sdk-conversation cs-conversation">``, every string escaped.
    """
    look = _Look(inline)
    rows = [
        ("id", escape(conversation.get("id"))),
        ("created", time_html(conversation.get("created_at"), now=now)),
    ]
    if item_count is not None:
        rows.append(("items", f"{item_count:,}"))
    metadata = conversation.get("metadata")
    if isinstance(metadata, Mapping) and metadata:
        rows += [(f"metadata · {key}", escape(value)) for key, value in metadata.items()]
    else:
        rows.append(("metadata", metadata_html(metadata, inline=inline)))
    cells = "".join(
        f"<tr><th{look('cs-th')}>{escape(name)}</th><td>{value}</td></tr>" for name, value in rows
    )
    classes = look("conversations-sdk-conversation", "cs-conversation")
    return f"<div{classes}><b>Conversation</b><table{look('cs-table')}>{cells}</table></div>"
