"""aioresponses, made to work with aiohttp 3.14 (the one place this workaround lives).

aioresponses 0.7.9 builds ``ClientResponse(method, url, writer=None, ...)`` without the
``stream_writer`` argument that aiohttp 3.14 made mandatory (it reads ``stream_writer.output_size``
when the request is already sent). :class:`ShimClientResponse` supplies a stand-in writer, and
:class:`MockAPI` passes it as every mock's ``response_class``. Delete this module once aioresponses
releases a fix.
"""

from __future__ import annotations

import types
from typing import Any

import aiohttp
from aioresponses import aioresponses


class ShimClientResponse(aiohttp.ClientResponse):
    """A ClientResponse that tolerates aioresponses' missing ``stream_writer``."""

    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        # The request was "sent" by the mock: nothing was written, so the output size is 0.
        kwargs.setdefault("stream_writer", types.SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


class MockAPI(aioresponses):
    """``aioresponses`` whose mocks default to :class:`ShimClientResponse`."""

    def add(self, url: Any, method: str = "GET", **kwargs: Any) -> None:  # type: ignore[override]
        kwargs.setdefault("response_class", ShimClientResponse)
        super().add(url, method, **kwargs)
