"""The blocking facade: ``Client``, ``Conversations``, ``Items`` and ``Pager`` over the async client.

There is no second implementation here. A :class:`Client` owns one long-lived event loop thread
(a :class:`~conversations_sdk._loop_thread.LoopThread`: asyncio, because aiohttp needs it) and one
``AsyncClient`` whose session lives on that loop. Every blocking method is *derived* from its async
twin: it builds the async side's coroutine (or pager, or response context manager) and runs it on
the client's loop, one thread hop per call (one per page when paging). Nothing here builds
requests, parses responses or maps errors: whatever the coroutine raises is re-raised unchanged, so
errors are the async side's classes and attributes.

One job per module:

- ``_runner.py``: one client's loop thread (start on first use, the hop and the calls it refuses,
  close, finalizers, fork) and a ``with_options`` copy's share of it;
- ``_derive.py``: ``blocking(<async method>)``, the descriptor that makes a blocking method, and
  the table of async-only classes and their blocking counterparts that its types follow;
- ``_resources.py``: ``Conversations``, ``Items`` and their raw and streaming views (declarations);
- ``_pager.py``: ``Pager``; ``_streamed.py``: ``ResponseContextManager`` and ``StreamedResponse``;
- ``_client.py``: ``Client``: its arguments, settings, copies and lifecycle.
"""

from __future__ import annotations

from ._client import Client
from ._derive import blocking
from ._pager import Pager
from ._resources import (
    Conversations,
    ConversationsWithRawResponse,
    ConversationsWithStreamingResponse,
    Items,
    ItemsWithRawResponse,
    ItemsWithStreamingResponse,
)
from ._streamed import ResponseContextManager, StreamedResponse

__all__ = [
    "Client",
    "Conversations",
    "ConversationsWithRawResponse",
    "ConversationsWithStreamingResponse",
    "Items",
    "ItemsWithRawResponse",
    "ItemsWithStreamingResponse",
    "Pager",
    "ResponseContextManager",
    "StreamedResponse",
    "blocking",
]
