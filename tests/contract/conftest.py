"""Prism mock servers for the contract tests: OpenAI's spec, served by a program we did not write.

The ``contract`` nox session installs Prism from ``contract/package-lock.json``, generates the
validation copy of the spec (``scripts/normalize_spec.py``) and sets ``CONVERSATIONS_SDK_CONTRACT=1``.
Without that variable these tests are skipped with a reason pointing at the session, so the
per-Python ``tests`` sessions do not start Node four times; with it, a missing Prism is an error,
never a skip.

Two servers run for the whole session, both on 127.0.0.1 with a port the OS picks (``-p 0``; Prism
prints the real one): a static one, answering with the spec's examples, and a dynamic one (``-d``),
answering with random schema-valid bodies. Both run with ``--errors`` and reject any request that
breaks the spec with a 422 naming the violated field.
"""

from __future__ import annotations

import collections
import contextlib
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
import yaml

from tests._support.contract import (
    DYNAMIC_STATS,
    ROOT,
    Operation,
    PrismServer,
    RecordingProxy,
    spec_operations,
)

PRISM_BIN = ROOT / "contract" / "node_modules" / ".bin" / "prism"
NORMALIZER = ROOT / "scripts" / "normalize_spec.py"
DEFAULT_SPEC = ROOT / "build" / "contract" / "conversations.openapi.yaml"
ENABLE_VAR = "CONVERSATIONS_SDK_CONTRACT"
SPEC_VAR = "CONVERSATIONS_SDK_CONTRACT_SPEC"
# Prism parses and dereferences the whole spec before listening: about a second here, far more on a
# loaded CI machine. Generous, because it only bounds a failure.
STARTUP_TIMEOUT_S = 120.0
_LISTENING = re.compile(r"Prism is listening on (http://127\.0\.0\.1:\d+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _contract_enabled() -> bool:
    return os.environ.get(ENABLE_VAR) == "1"


@pytest.fixture(scope="session", autouse=True)
def _only_in_contract_session() -> None:
    """Skip (with the reason shown by ``-ra``) outside the ``contract`` nox session."""
    if not _contract_enabled():
        pytest.skip(f"contract tests need Prism: run `nox -s contract` (or set {ENABLE_VAR}=1)")


@pytest.fixture(scope="session")
def contract_spec() -> pathlib.Path:
    """The generated validation copy of the spec (regenerated here unless the session passed one)."""
    given = os.environ.get(SPEC_VAR)
    if given:
        return pathlib.Path(given)
    subprocess.run(  # noqa: S603 - fixed argv: our own script, run by our interpreter
        [sys.executable, str(NORMALIZER), "--out", str(DEFAULT_SPEC)],
        check=True,
        capture_output=True,
    )
    return DEFAULT_SPEC


def _drain(
    process: subprocess.Popen[str],
    log: collections.deque[str],
    ready: threading.Event,
    found: list[str],
) -> None:
    """Read Prism's output until it exits, so its pipe never fills and blocks the server."""
    assert process.stdout is not None
    for raw in process.stdout:
        line = _ANSI.sub("", raw.rstrip("\n"))
        log.append(line)
        if not found:
            match = _LISTENING.search(line)
            if match:
                found.append(match.group(1))
                ready.set()
    ready.set()  # EOF: the process died; the waiter checks `found`.


def _launch(
    spec: pathlib.Path, *, dynamic: bool
) -> tuple[subprocess.Popen[str], threading.Event, list[str], collections.deque[str]]:
    if not PRISM_BIN.exists():
        pytest.fail(
            f"Prism is not installed at {PRISM_BIN}: run `npm ci --prefix contract` "
            "(the `contract` nox session does), which needs Node.js and npm",
            pytrace=False,
        )
    argv = [
        str(PRISM_BIN),
        "mock",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--errors",
        # Info level prints the "listening on" line we wait for. --multiprocess moves log handling
        # out of the server process: about twice the dynamic throughput on this 2-core machine.
        "--verboseLevel",
        "info",
        "--multiprocess",
    ]
    if dynamic:
        argv.append("--dynamic")
    argv.append(str(spec))
    process = subprocess.Popen(  # noqa: S603 - fixed argv built above, no shell
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=ROOT / "contract",
        env={**os.environ, "NO_COLOR": "1"},
        # Its own process group: --multiprocess forks a server child, and stopping the group
        # stops both, whatever happens to the parent.
        start_new_session=True,
    )
    log: collections.deque[str] = collections.deque(maxlen=500)
    ready = threading.Event()
    found: list[str] = []
    threading.Thread(
        target=_drain,
        args=(process, log, ready, found),
        daemon=True,
        name=f"prism-{'dynamic' if dynamic else 'static'}-log",
    ).start()
    return process, ready, found, log


def _signal_group(process: subprocess.Popen[str], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)  # the group we created with start_new_session


def _stop(process: subprocess.Popen[str]) -> None:
    """Stop Prism and its forked server child (SIGTERM to the group, SIGKILL if it lingers)."""
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()


@pytest.fixture(scope="session")
def _prism_pair(contract_spec: pathlib.Path) -> Iterator[tuple[PrismServer, PrismServer]]:
    """Start the static and the dynamic Prism together (startup overlaps), stop both at the end."""
    launched = [_launch(contract_spec, dynamic=False), _launch(contract_spec, dynamic=True)]
    servers: list[PrismServer] = []
    try:
        for (process, ready, found, log), dynamic in zip(launched, (False, True), strict=True):
            if not ready.wait(STARTUP_TIMEOUT_S) or not found:
                tail = "\n".join(list(log)[-40:])
                pytest.fail(
                    f"Prism ({'dynamic' if dynamic else 'static'}) did not start listening "
                    f"(exit code {process.poll()}); its output:\n{tail}",
                    pytrace=False,
                )
            servers.append(
                PrismServer(base_url=found[0], dynamic=dynamic, process=process, log=log)
            )
        yield servers[0], servers[1]
    finally:
        for process, *_ in launched:
            _stop(process)


@pytest.fixture(scope="session")
def prism_static(_prism_pair: tuple[PrismServer, PrismServer]) -> PrismServer:
    """Prism answering with the spec's examples; rejects requests that break the spec (422)."""
    return _prism_pair[0]


@pytest.fixture(scope="session")
def prism_dynamic(_prism_pair: tuple[PrismServer, PrismServer]) -> PrismServer:
    """Prism answering with random schema-valid bodies (``-d``); rejects invalid requests (422)."""
    return _prism_pair[1]


@pytest.fixture(scope="session")
def contract_operations(contract_spec: pathlib.Path) -> list[Operation]:
    """The spec's operations (method, path pattern, query parameters), from the copy Prism serves."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return spec_operations(yaml.load(contract_spec.read_text("utf-8"), Loader=loader))  # noqa: S506 - a safe loader


# Requests each proxy saw, for the closing summary (the figure the contract session reports).
_CHECKED: dict[str, RecordingProxy] = {}


def _proxy(server: PrismServer, operations: list[Operation], name: str) -> Iterator[RecordingProxy]:
    proxy = RecordingProxy(server.base_url, operations)
    proxy.start()
    _CHECKED[name] = proxy
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture(scope="session")
def static_proxy(
    prism_static: PrismServer, contract_operations: list[Operation]
) -> Iterator[RecordingProxy]:
    """A recording proxy in front of the static Prism: the SDK's base URL in static tests."""
    yield from _proxy(prism_static, contract_operations, "static")


@pytest.fixture(scope="session")
def dynamic_proxy(
    prism_dynamic: PrismServer, contract_operations: list[Operation]
) -> Iterator[RecordingProxy]:
    """A recording proxy in front of the dynamic Prism: the SDK's base URL in dynamic tests."""
    yield from _proxy(prism_dynamic, contract_operations, "dynamic")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print how many requests went through Prism, per server."""
    if _CHECKED:
        counts = ", ".join(f"{name} {proxy.total}" for name, proxy in sorted(_CHECKED.items()))
        terminalreporter.write_line(f"contract: requests checked by Prism: {counts}")
    for operation_id, (checked, discarded, cross) in sorted(DYNAMIC_STATS.items()):
        terminalreporter.write_line(
            f"contract: dynamic {operation_id}: {checked} responses parsed and round-tripped "
            f"({cross} also validated by tests/_support/spec_validation.py), {discarded} discarded "
            "(Prism could not generate a valid body)"
        )
