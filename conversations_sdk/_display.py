"""Rich display in Jupyter: conversations and items as HTML (``_repr_html_``).

A ``Message``, any other conversation item, or a page of items (``ConversationItemList``) renders as
a chat transcript: who spoke, what they said, which tools were called with which arguments. A
``Conversation`` renders as its id, creation time and metadata.

The markup comes from :mod:`._transcript`, the one renderer the emulator's inspector uses too: a
model is turned back into the JSON the API sent (``unstructure`` is exact, unknown fields
included) and rendered from that, with inline styles because a notebook has no stylesheet of ours.
Every string is HTML-escaped there, so content can never inject tags or scripts into the notebook.

This module never does I/O. The models' base classes (``conversations_sdk/models/_base.py``) define
``_repr_html_`` as a lazy call to :func:`html_for`, so the generated model code stays free of
presentation and importing the models does not import this module. Plain ``repr`` is untouched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._transcript import MAX_TEXT_CHARS, transcript_html
from ._transcript import conversation_html as _conversation_html

__all__ = ["MAX_TEXT_CHARS", "conversation_html", "html_for", "item_html", "items_html"]


def _wire(obj: Any) -> Any:
    """The JSON value the API sent for a model (or the value itself when it is plain data)."""
    from ._converter import CONVERTER

    return CONVERTER.unstructure(obj)


def items_html(items: Iterable[Any], *, footer: str = "") -> str:
    """Render items as a chat transcript.

    Args:
        items: Conversation items (messages, tool calls, outputs, unknown items).
        footer: A line of plain text shown under the transcript (escaped).

    Returns:
        An HTML fragment in which every string from the items is escaped.
    """
    return transcript_html([_wire(item) for item in items], inline=True, footer=footer)


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
    wire = _wire(conversation)
    if not isinstance(wire, dict):
        wire = {"id": getattr(conversation, "id", None)}
    return _conversation_html(wire, inline=True)


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
