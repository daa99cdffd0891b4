"""The command line: ``python -m conversations_sdk.emulator`` and ``conversations-sdk serve``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from conversations_sdk.cli import _cli
from conversations_sdk.emulator import _serve
from tests._support.serve_process import ServedEmulator


def _post(base_url: str, path: str, body: object, key: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(  # noqa: S310 - loopback URL we built
        base_url + path, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback URL we built
        return json.load(response)  # type: ignore[no-any-return]


def test_module_serves_and_prints_the_base_url(tmp_path) -> None:
    """``python -m conversations_sdk.emulator --port 0 --db F`` prints a /v1 URL that serves the API."""
    served = ServedEmulator(["--port", "0", "--db", str(tmp_path / "c.db"), "--api-key", "sk-test"])
    try:
        assert served.base_url.startswith("http://127.0.0.1:")
        assert "sk-test" not in served.banner
        assert (
            _post(served.base_url, "/conversations", {}, key="sk-test")["object"] == "conversation"
        )
    finally:
        assert served.stop() in (0, -signal.SIGTERM)


def test_console_script_runs_the_same_server() -> None:
    """``conversations-sdk serve`` (via the package's CLI module) serves the same API."""
    command = [
        sys.executable,
        "-c",
        "import sys; from conversations_sdk.cli._cli import main; sys.exit(main())",
        "serve",
    ]
    served = ServedEmulator(["--port", "0"], command=command)
    try:
        assert _post(served.base_url, "/conversations", {})["object"] == "conversation"
    finally:
        served.stop()


def test_serve_and_module_share_every_flag() -> None:
    """The serve subcommand and the module parser accept exactly the same options."""
    module_options = {a.dest for a in _serve.build_parser()._actions}
    serve_parser = _cli.build_parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    assert {a.dest for a in serve_parser._actions} == module_options


def test_fault_flags_build_the_faults() -> None:
    """Fault flags map one to one onto a Faults value."""
    args = _cli.build_parser().parse_args(
        [
            "serve",
            "--fault",
            "429",
            "--fault-when",
            "after",
            "--fault-rate",
            "0.25",
            "--fault-seed",
            "9",
            "--fault-methods",
            "post",
            "--fault-max",
            "3",
            "--fault-retry-after",
            "0",
        ]
    )
    faults = _serve.faults_from_args(args)
    assert faults is not None
    assert (
        faults.mode,
        faults.when,
        faults.fraction,
        faults.seed,
        faults.methods,
        faults.max_faults,
        faults.retry_after,
    ) == ("429", "after", 0.25, 9, frozenset({"POST"}), 3, 0.0)
    assert _serve.faults_from_args(_cli.build_parser().parse_args(["serve"])) is None


def test_non_loopback_bind_without_key_exits_with_an_error() -> None:
    """Binding 0.0.0.0 without --api-key stops before binding, with a message and status 2."""
    result = subprocess.run(
        [sys.executable, "-m", "conversations_sdk.emulator", "--host", "0.0.0.0", "--port", "0"],  # noqa: S104
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "api_key" in result.stderr


def test_cli_requires_a_command(capsys: pytest.CaptureFixture[str]) -> None:
    """``conversations-sdk`` without a subcommand is a usage error listing the commands."""
    with pytest.raises(SystemExit) as caught:
        _cli.main([])
    assert caught.value.code == 2
    assert "serve" in capsys.readouterr().err


def test_api_key_from_the_environment(tmp_path) -> None:
    """``CONVERSATIONS_EMULATOR_API_KEY`` sets the key without putting it on the command line."""
    import os

    env = {**os.environ, "CONVERSATIONS_EMULATOR_API_KEY": "sk-from-env"}
    served = ServedEmulator(["--port", "0"], env=env)
    try:
        with pytest.raises(urllib.error.HTTPError) as caught:
            _post(served.base_url, "/conversations", {})
        caught.value.close()
        assert caught.value.code == 401
        assert (
            _post(served.base_url, "/conversations", {}, key="sk-from-env")["object"]
            == "conversation"
        )
    finally:
        served.stop()


def test_port_in_use_is_a_clear_error() -> None:
    """Serving on a port that is taken exits 1 with a message, not a traceback."""
    served = ServedEmulator(["--port", "0"])
    try:
        port = served.base_url.rsplit(":", 1)[1].split("/")[0]
        result = subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "conversations_sdk.emulator", "--port", port],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        served.stop()
    assert result.returncode == 1
    assert "cannot serve" in result.stderr
    assert "Traceback" not in result.stderr


def test_unclosed_threaded_emulator_does_not_hang_interpreter_exit() -> None:
    """A ThreadedEmulator nobody closed is stopped at exit: the process ends, silently."""
    script = "from conversations_sdk.emulator import ThreadedEmulator\ne = ThreadedEmulator()\ne.start()\nprint('ok')\n"
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "ok", "")
