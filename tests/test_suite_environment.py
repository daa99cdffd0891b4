"""The test suite itself: it neither hangs nor depends on how signals were set up (issue 14, Also).

CI runners and jobs started with ``&`` from a script may start the suite with SIGINT ignored; a
test that interrupts itself then waited for ever. ``tests/conftest.py`` gives every test Python's
default SIGINT handler, and ``pytest-timeout`` (configured in pyproject.toml) bounds every test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    sys.platform == "win32",
    reason="an ignored SIGINT is inherited by child processes on POSIX only",
)

# Tests that interrupt themselves with SIGINT and wait for the KeyboardInterrupt.
SELF_INTERRUPTING = [
    "tests/blocking/test_machinery.py::test_keyboard_interrupt_cancels_the_inflight_call",
    "tests/blocking/test_client.py::test_keyboard_interrupt_drops_the_inflight_request",
]

# Starts pytest with SIGINT ignored, as `cmd &` in a script does. pytest's faulthandler plugin
# happens to reinstall Python's handler, and `coverage run` (how CI runs the suite) does not:
# the plugin is disabled here so the run sees what CI sees.
_IGNORING = """
import signal, sys
import pytest
signal.signal(signal.SIGINT, signal.SIG_IGN)
sys.exit(pytest.main(sys.argv[1:]))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def test_every_test_has_a_time_limit(pytestconfig: pytest.Config) -> None:
    """The configured limit applies to every test of this run (and uses the portable method)."""
    assert float(pytestconfig.getini("timeout")) > 0
    assert pytestconfig.getini("timeout_method") == "thread"


# The two subprocess runs below prove how the suite behaves in CI's environment: once per CI
# (newest Python) is enough.
@pytest.mark.slow
def test_self_interrupting_tests_pass_with_sigint_ignored() -> None:
    """Before: with SIGINT ignored (`trap '' INT; coverage run -m pytest ...`) these tests hung
    until killed. Now they pass, because each test starts with Python's default handler."""
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - our own interpreter and suite
        [
            sys.executable,
            "-c",
            _IGNORING,
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:faulthandler",
            "--timeout=60",
            *SELF_INTERRUPTING,
        ],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(SELF_INTERRUPTING)} passed" in result.stdout
    assert time.monotonic() - started < 150


@pytest.mark.slow
def test_a_test_that_hangs_is_stopped(tmp_path: Path) -> None:
    """With the project's pytest settings, a test that never returns ends the run with every
    thread's stack instead of hanging CI (the limit is lowered to 2 s for this check)."""
    (tmp_path / "test_hangs.py").write_text(
        textwrap.dedent(
            """
            import threading

            def test_hangs():
                threading.Event().wait()
            """
        ),
        encoding="utf-8",
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [
            sys.executable,
            "-c",
            _IGNORING,
            "-c",
            str(ROOT / "pyproject.toml"),
            "--rootdir",
            str(tmp_path),
            "-p",
            "no:cacheprovider",
            "-o",
            "timeout=2",
            str(tmp_path / "test_hangs.py"),
        ],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Timeout" in output
    assert "test_hangs" in output  # the stack shows where it hung


def test_the_handler_is_python_default_inside_tests() -> None:
    """Whatever the suite was started with, a test sees Python's own SIGINT handler."""
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
