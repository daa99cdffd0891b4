"""The benchmark's child processes: the canned server, one runner, one timed import, and the machine.

Owns how a child is started (pinned to its core with ``taskset`` where two cores exist, run from
the source tree) and what it answers, plus the facts about the machine a result records (package
versions, load average). It must not decide what to run or how often (``_driver`` does), nor
aggregate or print figures.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import time
from typing import Any, NamedTuple

#: The source tree: every child runs from here, so it imports this checkout's code.
ROOT = pathlib.Path(__file__).resolve().parent.parent


class Pinning(NamedTuple):
    """Command prefixes for the server and the clients, and a note of what they do."""

    server: list[str]
    client: list[str]
    note: str


def pinning(enabled: bool) -> Pinning:
    """``taskset`` prefixes putting the server and the clients on different cores, if possible."""
    if not enabled:
        return Pinning([], [], "off (--no-pin)")
    taskset = shutil.which("taskset")
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if taskset is None or len(cpus) < 2:
        return Pinning([], [], "off (needs taskset and 2 cores)")
    return Pinning(
        [taskset, "-c", str(cpus[0])],
        [taskset, "-c", str(cpus[1])],
        f"server on CPU {cpus[0]}, clients on CPU {cpus[1]}",
    )


class Server:
    """The canned server as a child process, for use in ``with``."""

    def __init__(self, prefix: list[str], python: str, preload: list[int]) -> None:
        self._cmd = [
            *prefix,
            python,
            "-m",
            "bench.server",
            "--watch-stdin",
            "--preload",
            ",".join(str(n) for n in preload),
        ]
        self.base_url = ""

    def __enter__(self) -> Server:
        self._proc = subprocess.Popen(
            self._cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.startswith("READY "):
            self._proc.kill()
            raise RuntimeError(f"canned server did not start: {line!r}")
        self.base_url = f"http://127.0.0.1:{int(line.split()[1])}/v1"
        return self

    def __exit__(self, *_: object) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            if stream is not None:
                stream.close()


def run_once(
    prefix: list[str],
    python: str,
    impl: str,
    scenario: str,
    base_url: str,
    params: dict[str, int],
    timeout: float,
) -> dict[str, Any]:
    """One fresh runner process; its parsed JSON answer."""
    cmd = [
        *prefix,
        python,
        "-m",
        "bench.runner",
        impl,
        scenario,
        "--base-url",
        base_url,
        "--params",
        json.dumps(params),
    ]
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = proc.stdout.strip().splitlines()
    try:
        answer: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = proc.stderr.strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: {' | '.join(tail)}"}
    return answer


def time_import(prefix: list[str], python: str, statement: str) -> float:
    """Wall seconds of a fresh interpreter running ``statement`` (startup included)."""
    cmd = [*prefix, python, "-c", statement]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def package_versions(python: str) -> dict[str, str]:
    """The versions of the measured packages installed for ``python`` (absent ones left out)."""
    code = (
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        "for name in ('conversations-sdk', 'aiohttp', 'attrs', 'cattrs', 'anyio', 'openai', 'httpx2', 'pydantic'):\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, check=False)
    try:
        versions: dict[str, str] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {}
    return versions


def load_average() -> float:
    """The 1-minute load average (NaN where the platform has none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return float("nan")
