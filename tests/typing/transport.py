"""The transport seam used the way users write it: type-checked (mypy --strict, pyright), never run."""

from __future__ import annotations

import aiohttp

from conversations_sdk import (
    AsyncClient,
    AsyncTransport,
    Client,
    TransportRequest,
    TransportResponse,
)
from conversations_sdk.testing import MockRequest, MockResponse, MockTransport


def answer(request: MockRequest) -> MockResponse:
    if request.method == "POST" and request.json() is None:
        return MockResponse(400, json={"error": {"message": "no body"}})
    return MockResponse(200, content=b"{}", headers={"x-request-id": request.headers["x-id"]})


async def answer_later(request: MockRequest) -> MockResponse:
    return MockResponse(status_code=204)


class Recording:
    """A hand-written transport: any object with this ``send`` is one."""

    def __init__(self, inner: AsyncTransport) -> None:
        self.inner = inner
        self.urls: list[str] = []

    async def send(
        self,
        request: TransportRequest,
        *,
        timeout: aiohttp.ClientTimeout,
    ) -> TransportResponse:
        self.urls.append(request.url)
        return await self.inner.send(request, timeout=timeout)


async def with_mock_transports() -> None:
    transport = MockTransport(answer)
    async with AsyncClient(api_key="sk-test", transport=transport) as client:
        await client.conversations.retrieve("conv_1")
    requests: list[MockRequest] = transport.requests
    delays: list[float] = transport.delays
    assert requests
    assert not delays
    async with AsyncClient(transport=Recording(MockTransport(answer_later))) as other:
        await other.conversations.delete("conv_1")
    with Client(transport=MockTransport(answer)) as blocking:
        blocking.conversations.retrieve("conv_1")
