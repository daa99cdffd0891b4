"""Issue 14, item 10 in a real browser: a page of another site cannot write to a running emulator.

Headless Chromium opens ``http://evil.example:PORT/`` (resolved to 127.0.0.1 by a host-resolver
rule, so nothing leaves the machine), whose script posts a ``text/plain`` form and two
``fetch()`` calls to the emulator, then reports back. Skipped when ``/usr/bin/chromium`` is not
installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from aiohttp import web

from conversations_sdk.emulator import Emulator

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason="a real-browser test needs Debian's chromium (/usr/bin/chromium), not installed here",
)

PAGE = """<!doctype html>
<html><body>
<iframe name="sink" id="sink"></iframe>
<form id="form" method="post" enctype="text/plain" target="sink" action="{target}">
  <input type="hidden" name='{{"metadata":{{"via":"form","x":"' value='"}}}}'>
</form>
<script>
(async () => {{
  const results = {{}};
  try {{
    await fetch("{target}", {{method: "POST", mode: "no-cors",
                             body: '{{"metadata":{{"via":"no-cors"}}}}'}});
    results.no_cors = "sent";
  }} catch (e) {{ results.no_cors = "failed: " + e; }}
  try {{
    const r = await fetch("{target}", {{method: "POST", body: "{{}}",
                                       headers: {{"Content-Type": "application/json"}}}});
    results.cors = "answered " + r.status;
  }} catch (e) {{ results.cors = "blocked"; }}
  const loaded = new Promise(resolve => {{
    document.getElementById("sink").addEventListener("load", resolve, {{once: true}});
  }});
  document.getElementById("form").submit();
  await loaded;
  results.form = "submitted";
  await fetch("/done", {{method: "POST", body: JSON.stringify(results)}});
}})();
</script>
</body></html>
"""


@contextlib.asynccontextmanager
async def _attack_site(target: str) -> AsyncIterator[tuple[int, asyncio.Future[Any]]]:
    """Serve the attacking page on 127.0.0.1; yield its port and the page's report."""
    report: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE.format(target=target), content_type="text/html")

    async def done(request: web.Request) -> web.Response:
        if not report.done():
            report.set_result(json.loads(await request.text()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_post("/done", done)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield port, report
    finally:
        await runner.cleanup()


async def test_item10_a_page_of_another_site_in_chromium_creates_nothing(tmp_path: Path) -> None:
    """Form post, no-cors fetch and CORS fetch from evil.example: no conversation is created."""
    db = tmp_path / "c.db"
    async with Emulator(db=db) as emulator:
        target = emulator.base_url + "/conversations"
        async with _attack_site(target) as (port, report):
            browser = await asyncio.create_subprocess_exec(
                CHROMIUM,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                f"--user-data-dir={tmp_path / 'profile'}",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-features=HttpsUpgrades",
                # Every name fails except the attacker's, which is this machine.
                "--host-resolver-rules=MAP evil.example 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"http://evil.example:{port}/",
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                with anyio.fail_after(90):
                    results = await report
            finally:
                browser.terminate()
                try:
                    with anyio.fail_after(30):
                        await browser.wait()
                except TimeoutError:
                    browser.kill()
                    await browser.wait()
    # The no-cors fetch and the form reached the emulator (before issue 14 each created a
    # conversation); the JSON fetch never got past its preflight, as no CORS header is sent.
    assert results == {"no_cors": "sent", "cors": "blocked", "form": "submitted"}, results
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM conversations").fetchone()[0] == 0
