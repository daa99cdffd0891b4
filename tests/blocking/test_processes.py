"""The blocking Client in whole processes: a plain script, interpreter exit, and ``os.fork()``.

Each test runs a short script in a fresh interpreter with every warning shown, so a traceback or
warning printed at shutdown fails the test just as a wrong answer does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

_PRELUDE = """
import os, sys, threading
from conversations_sdk import Client, RetryPolicy
from conversations_sdk.emulator import ThreadedEmulator

KEY = "sk-test-CANARY-script"
emulator = ThreadedEmulator(api_key=KEY)
emulator.start()
def new_client():
    return Client(api_key=KEY, base_url=emulator.base_url, retry=RetryPolicy.no_backoff())
"""


def _run(body: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    script = _PRELUDE + textwrap.dedent(body)
    env = {**os.environ, "PYTHONWARNINGS": "always"}
    env.pop("OPENAI_API_KEY", None)
    return subprocess.run(  # noqa: S603 - our own interpreter running our own script
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def test_plain_script() -> None:
    """A plain script creates, lists and deletes with ``with Client()``, and exits silently."""
    result = _run(
        """
        with new_client() as client:
            conv = client.conversations.create(metadata={"via": "script"})
            items = list(client.conversations.items.list(conv.id))
            client.conversations.delete(conv.id)
        emulator.close()
        print("ok", conv.metadata["via"], len(items))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok script 0"
    assert result.stderr == ""


_CANNED_SERVER = """
import http.server, json, threading

class Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        conv = {"id": "conv_1", "object": "conversation", "created_at": 1,
                "metadata": body.get("metadata", {"who": "parent"})}
        data = json.dumps(conv).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    do_GET = do_POST = _answer
    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
BASE_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
"""


def _run_with_canned_server(body: str) -> subprocess.CompletedProcess[str]:
    # A stdlib server, not the emulator: only the client under test may own an event loop thread,
    # so what happens at exit (or in a forked child) is the client's doing alone.
    script = _CANNED_SERVER + textwrap.dedent(body)
    env = {**os.environ, "PYTHONWARNINGS": "always"}
    return subprocess.run(  # noqa: S603 - our own interpreter running our own script
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_never_closed_client_exits_cleanly() -> None:
    """A client never closed is shut down at interpreter exit: no hang, traceback or warning."""
    result = _run_with_canned_server(
        """
        import faulthandler
        from conversations_sdk import Client

        faulthandler.dump_traceback_later(30, exit=True)  # a hang at exit fails, never blocks CI
        client = Client(api_key="sk-test-exit", base_url=BASE_URL, max_retries=0)
        client.conversations.create()
        print("ok")  # deliberately no close(): exit with the loop thread and session open
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert result.stderr == ""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is POSIX only")
def test_fork_child_gets_a_working_client() -> None:
    """After os.fork() the child gets a working client and exits normally; the parent's still works."""
    result = _run_with_canned_server(
        """
        import faulthandler, os, sys, warnings
        from conversations_sdk import Client

        client = Client(api_key="sk-test-fork", base_url=BASE_URL, max_retries=0)
        conv = client.conversations.create(metadata={"who": "parent"})
        with warnings.catch_warnings():
            # 3.12+ warns that fork() in a threaded process may deadlock the child: that is
            # exactly what this test proves does not happen here.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            faulthandler.dump_traceback_later(20, exit=True)  # a hang fails, never blocks CI
            got = client.conversations.retrieve(conv.id)
            child = client.conversations.create(metadata={"who": "child"})
            assert got.metadata == {"who": "parent"} and child.metadata == {"who": "child"}
            # A normal exit: the finalizer closes the child's loop and session only, and waits
            # for nothing of the parent's (LoopThread.stop in a child: test_loop_thread.py).
            sys.exit(0)
        _, status = os.waitpid(pid, 0)
        print("child", os.waitstatus_to_exitcode(status))
        print("parent", client.conversations.retrieve(conv.id).metadata["who"])
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["child", "0", "parent", "parent"]
    assert result.stderr == ""
