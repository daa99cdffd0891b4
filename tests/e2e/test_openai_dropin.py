"""Drop-in proof: official-SDK code runs on this SDK with only the import changed (issue 15).

Two realistic scripts written for ``openai`` (one blocking, one async) run twice in a subprocess
against the same emulator: once as written, once with only their import lines swapped for this
SDK's. Their outputs must be identical. Then the points where the official SDK's behaviour had to be
checked (pages, raw and streamed responses, ``with_options`` header merging) are compared side by
side, call for call. Everything talks to the emulator on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

import conversations_sdk
from conversations_sdk.emulator import ThreadedEmulator

openai = pytest.importorskip("openai")

KEY = "sk-test-CANARY-dropin-0123456789"

BLOCKING_SCRIPT = textwrap.dedent(
    """
    {imports}

    client = OpenAI()
    conversation = client.conversations.create(
        items=[{{"type": "message", "role": "user", "content": "Hello!"}}],
        metadata={{"topic": "demo"}},
    )
    print("created", conversation.object, conversation.metadata)
    client.conversations.items.create(
        conversation.id,
        items=[{{"type": "message", "role": "assistant", "content": f"Hi {{n}}"}} for n in range(4)],
    )
    page = client.conversations.items.list(conversation.id, limit=2, order="asc")
    print("first page", len(page.data), page.has_more, page.has_next_page())
    print("next page info", page.next_page_info().params == {{"after": page.last_id}})
    print("every item", [item.type for item in page])
    print("pages", [len(p.data) for p in page.iter_pages()])
    second = page.get_next_page()
    print("second page", [item.content[0].text for item in second.data])
    raw = client.conversations.with_raw_response.retrieve(conversation.id)
    print("raw", raw.status_code, raw.http_request.method, raw.method, raw.is_closed)
    print("raw body", raw.parse().id == conversation.id, raw.text == raw.content.decode())
    print("raw request id", raw.headers.get("x-request-id") == raw.request_id is not None)
    raw_page = client.conversations.items.with_raw_response.list(conversation.id, limit=3)
    print("raw page", len(raw_page.parse().data), raw_page.parse().has_next_page())
    with client.conversations.with_streaming_response.retrieve(conversation.id) as response:
        print("stream open", response.status_code, response.is_closed)
        print("stream body", response.parse().metadata, response.is_closed)
    with client.conversations.items.with_streaming_response.list(conversation.id) as response:
        print("stream json", response.json()["object"], len(response.json()["data"]))
    fast = client.with_options(max_retries=0, timeout=20)
    item = fast.conversations.items.retrieve(page.data[0].id, conversation_id=conversation.id)
    print("item", item.type, item.role, item.content[0].text)
    updated = client.conversations.update(conversation.id, metadata={{"topic": "done"}})
    print("updated", updated.metadata)
    try:
        client.conversations.retrieve("conv_does_not_exist")
    except openai.NotFoundError as exc:
        print("not found", exc.status_code, isinstance(exc, openai.APIStatusError))
    try:
        with client.conversations.with_streaming_response.retrieve("conv_nope") as response:
            print("unreachable")
    except openai.NotFoundError as exc:
        print("stream not found", exc.status_code)
    parent = client.conversations.items.delete(item.id, conversation_id=conversation.id)
    print("item deleted", parent.id == conversation.id)
    deleted = client.conversations.delete(conversation.id)
    print("deleted", deleted.deleted, deleted.id == conversation.id)
    client.close()
    """
)

ASYNC_SCRIPT = textwrap.dedent(
    """
    import asyncio
    {imports}


    async def main() -> None:
        client = AsyncOpenAI(api_key=lambda_key)
        conversation = await client.conversations.create(metadata={{"topic": "demo"}})
        await client.conversations.items.create(
            conversation.id,
            items=[{{"type": "message", "role": "user", "content": f"m{{n}}"}} for n in range(5)],
        )
        ids = [item.id async for item in client.conversations.items.list(conversation.id, limit=2)]
        print("every item", len(ids), len(set(ids)))
        page = await client.conversations.items.list(conversation.id, limit=2, order="asc")
        print("first page", len(page.data), page.has_more, page.has_next_page())
        print("pages", [len(p.data) async for p in page.iter_pages()])
        nxt = await page.get_next_page()
        print("next", [i.content[0].text for i in nxt.data])
        raw = await client.conversations.with_raw_response.retrieve(conversation.id)
        print("raw", raw.status_code, raw.parse().metadata, raw.http_request.method)
        async with client.conversations.with_streaming_response.retrieve(conversation.id) as r:
            print("stream", r.status_code, r.is_closed)
            parsed = await r.parse()
            print("stream parsed", parsed.id == conversation.id, r.is_closed)
        async with client.conversations.items.with_streaming_response.list(conversation.id) as r:
            body = await r.json()
            print("stream json", body["object"], len(body["data"]))
            print("stream text", (await r.text()).startswith("{{"))
        copy = client.with_options(max_retries=1, default_headers={{"X-Trace": "abc"}})
        sent = await copy.conversations.with_raw_response.retrieve(conversation.id)
        print("copy headers", sent.http_request.headers.get("x-trace"))
        try:
            await client.conversations.items.retrieve("msg_nope", conversation_id=conversation.id)
        except openai.NotFoundError as exc:
            print("not found", exc.status_code)
        print("deleted", (await client.conversations.delete(conversation.id)).deleted)
        await client.close()


    async def lambda_key() -> str:
        return os.environ["SCRIPT_KEY"]


    asyncio.run(main())
    """
)

OPENAI_IMPORTS = {
    "blocking": "import openai\nfrom openai import OpenAI",
    "async": "import os\nimport openai\nfrom openai import AsyncOpenAI",
}
OUR_IMPORTS = {
    "blocking": "import conversations_sdk as openai\nfrom conversations_sdk import Client as OpenAI",
    "async": (
        "import os\nimport conversations_sdk as openai\n"
        "from conversations_sdk import AsyncClient as AsyncOpenAI"
    ),
}


@pytest.fixture(scope="module")
def emu() -> Iterator[ThreadedEmulator]:
    with ThreadedEmulator(api_key=KEY) as running:
        yield running


def _run(script: str, emu: ThreadedEmulator) -> str:
    env = {
        **os.environ,
        "OPENAI_API_KEY": KEY,
        "SCRIPT_KEY": KEY,
        "OPENAI_BASE_URL": emu.base_url,
        "NO_PROXY": "127.0.0.1",
        "PYTHONPATH": os.pathsep.join(
            [os.path.dirname(os.path.dirname(conversations_sdk.__file__))]
            + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        ),
    }
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        env.pop(name, None)
    done = subprocess.run(  # noqa: S603 - our own interpreter, our own script
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


# Two interpreters per script and Python: a one-time proof, run on the newest Python only.
@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "script"), [("blocking", BLOCKING_SCRIPT), ("async", ASYNC_SCRIPT)]
)
def test_official_script_runs_with_only_the_import_changed(
    emu: ThreadedEmulator, kind: str, script: str
) -> None:
    """The same script prints the same lines on openai and on conversations_sdk."""
    theirs = _run(script.format(imports=OPENAI_IMPORTS[kind]), emu)
    ours = _run(script.format(imports=OUR_IMPORTS[kind]), emu)
    assert theirs.count("\n") >= 10  # the script really ran to the end
    assert ours == theirs


# -- side by side, call for call --------------------------------------------------------------------


@pytest.fixture
def both(emu: ThreadedEmulator) -> Iterator[tuple[Any, conversations_sdk.Client]]:
    theirs = openai.OpenAI(api_key=KEY, base_url=emu.base_url)
    with conversations_sdk.Client(api_key=KEY, base_url=emu.base_url) as ours:
        yield theirs, ours
    theirs.close()


def _conversation(client: Any, items: int) -> str:
    created = client.conversations.create(
        items=[{"type": "message", "role": "user", "content": f"m{n}"} for n in range(items)]
    )
    return str(created.id)


@pytest.mark.parametrize("items", [0, 1, 2, 5])
def test_pages_behave_alike(both: tuple[Any, Any], items: int) -> None:
    """The page helpers answer alike over the same data, empty and exact-fit pages included."""
    results = []
    for client in both:
        cid = _conversation(client, items)
        page = client.conversations.items.list(cid, limit=2, order="asc")
        info = page.next_page_info()
        results.append(
            (
                len(page.data),
                page.has_more,
                page.has_next_page(),
                None if info is None else dict(info.params) == {"after": page.last_id},
                [len(p.data) for p in page.iter_pages()],
                len(list(page)),
            )
        )
    assert results[0] == results[1]


def test_raw_responses_behave_alike(both: tuple[Any, Any]) -> None:
    """Same attribute names and meanings on with_raw_response results."""
    results = []
    for client in both:
        cid = _conversation(client, 1)
        raw = client.conversations.with_raw_response.retrieve(cid)
        results.append(
            (
                raw.status_code,
                raw.method,
                raw.http_request.method,
                str(raw.url).endswith(f"/conversations/{cid}"),
                raw.is_closed,
                isinstance(raw.text, str),
                raw.text == raw.content.decode(),
                raw.elapsed.total_seconds() > 0,
                raw.retries_taken,
                type(raw.parse()).__name__,
                "[secure]" in repr(raw.http_request.headers),
                KEY in repr(raw.http_request.headers),
            )
        )
    assert results[0] == results[1]


def test_streamed_responses_behave_alike(both: tuple[Any, Any]) -> None:
    """Open until read, closed after; iter_lines joins to the body; errors raise on entering."""
    results = []
    for client in both:
        cid = _conversation(client, 3)
        with client.conversations.items.with_streaming_response.list(cid) as response:
            before = response.is_closed
            lines = list(response.iter_lines())
            after = response.is_closed
        try:
            with client.conversations.with_streaming_response.retrieve("conv_missing"):
                entered = True
        except Exception as exc:
            entered = type(exc).__name__  # type: ignore[assignment]
        results.append((before, after, len("".join(lines)) > 0, entered))
    assert results[0] == results[1]


def test_with_options_merges_headers_alike(emu: ThreadedEmulator) -> None:
    """default_headers merge over the original's, set_default_headers replace them, in both."""
    results = []
    theirs = openai.OpenAI(api_key=KEY, base_url=emu.base_url, default_headers={"X-A": "1"})
    ours = conversations_sdk.Client(
        api_key=KEY, base_url=emu.base_url, default_headers={"X-A": "1"}
    )
    try:
        for client in (theirs, ours):
            cid = _conversation(client, 0)
            sent = []
            for copy in (
                client.with_options(default_headers={"X-B": "2"}),
                client.with_options(set_default_headers={"X-B": "2"}),
                client.with_options(timeout=7).with_options(max_retries=0),
            ):
                headers = copy.conversations.with_raw_response.retrieve(cid).http_request.headers
                sent.append((headers.get("x-a"), headers.get("x-b")))
            with pytest.raises(ValueError, match="mutually exclusive"):
                client.with_options(default_headers={"X": "1"}, set_default_headers={"Y": "1"})
            results.append(sent)
    finally:
        theirs.close()
        ours.close()
    assert results[0] == results[1]


def test_async_first_page_and_walk_alike(emu: ThreadedEmulator) -> None:
    """`await list()` is the first page and `async for` walks every item, in both SDKs."""

    async def run(client: Any) -> tuple[Any, ...]:
        created = await client.conversations.create(
            items=[{"type": "message", "role": "user", "content": f"m{n}"} for n in range(5)]
        )
        page = await client.conversations.items.list(created.id, limit=2)
        walked = [item.id async for item in client.conversations.items.list(created.id, limit=2)]
        following = await page.get_next_page()
        await client.close()
        return (len(page.data), page.has_next_page(), len(walked), len(following.data))

    theirs = asyncio.run(run(openai.AsyncOpenAI(api_key=KEY, base_url=emu.base_url)))
    ours = asyncio.run(run(conversations_sdk.AsyncClient(api_key=KEY, base_url=emu.base_url)))
    assert theirs == ours
