"""``import`` streams its file: the importing process's peak memory does not grow with the file.

The import runs as its own process against an emulator in this one, and reports its peak
resident set size as the kernel counts it (``VmHWM`` in ``/proc/self/status``), so nothing but
the command itself is measured. (Not ``ru_maxrss``: it also counts the parent's pages the child
held between fork and exec, so it grows with this process, emulator data included.) Run this
file as a script to print the figures for other sizes:

    python tests/cli/test_cli_memory.py 16 64 134                    # sizes in MB
    python tests/cli/test_cli_memory.py --item-bytes 300 8 32        # many small items
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import attrs
import pytest

from conversations_sdk.emulator import ThreadedEmulator

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads the peak memory from /proc (Linux)"
)


def write_big_export(path: Path, megabytes: float, item_bytes: int = 4000) -> int:
    """Write an export of about ``megabytes`` MB (user and assistant messages); return its items.

    Items are about ``item_bytes`` long: 4 KB by default (realistic messages, few requests).
    """
    text = "memory " * max(1, (item_bytes - 150) // 7)
    target = int(megabytes * 1_000_000)
    header = {"id": "conv_big", "object": "conversation", "created_at": 1, "metadata": {}}
    count = 0
    with path.open("w", encoding="utf-8") as file:
        written = file.write(json.dumps(header) + "\n")
        while written < target:
            role = "user" if count % 2 == 0 else "assistant"
            kind = "input_text" if role == "user" else "output_text"
            part: dict[str, Any] = {"type": kind, "text": f"{count} {text}"}
            if role == "assistant":
                part.update(annotations=[], logprobs=[])
            item = {
                "id": f"msg_{count}",
                "type": "message",
                "status": "completed",
                "role": role,
                "content": [part],
            }
            written += file.write(json.dumps(item) + "\n")
            count += 1
    return count


@attrs.frozen
class Measured:
    """One import run: exit status, peak RSS of the importing process, wall time."""

    status: int
    peak_mib: float
    seconds: float
    stderr: str


# Runs the command's own main() and, on the way out, writes its peak RSS (KiB) on stderr.
_REPORT_PEAK = """
import re, sys
from conversations_sdk.cli._cli import main
status = main(sys.argv[1:])
status_text = open("/proc/self/status").read()
sys.stderr.write("PEAK " + re.search(r"VmHWM:\\s+(\\d+)", status_text).group(1) + "\\n")
sys.exit(status)
"""


def measure_import(path: Path, base_url: str, api_key: str) -> Measured:
    """Run ``conversations-sdk import PATH`` in a child process and read its peak memory."""
    env = {**os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": api_key}
    command = [sys.executable, "-c", _REPORT_PEAK, "import", str(path)]
    started = time.perf_counter()
    # cwd: `python -c` puts the working folder first on sys.path; the package under test must
    # come from the environment (PYTHONPATH or the installed wheel), not from wherever we stand.
    done = subprocess.run(  # noqa: S603 - our own code, fixed argv
        command,
        capture_output=True,
        text=True,
        env=env,
        cwd=path.parent,
        timeout=600,
        check=False,
    )
    seconds = time.perf_counter() - started
    found = re.search(r"^PEAK (\d+)$", done.stderr, re.MULTILINE)
    peak = int(found.group(1)) / 1024 if found else float("nan")
    stderr = re.sub(r"^PEAK \d+\n", "", done.stderr, flags=re.MULTILINE)
    return Measured(done.returncode, peak, seconds, stderr)


@pytest.mark.slow
def test_import_peak_memory_does_not_grow_with_file_size(tmp_path: Path) -> None:
    """Importing a file 8x larger costs the importing process less than 8 MiB more at its peak."""
    key = "sk-mem-" + secrets.token_hex(8)
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    write_big_export(small, 2)
    count = write_big_export(large, 16)
    with ThreadedEmulator(api_key=key) as emulator:
        first = measure_import(small, emulator.base_url, key)
        second = measure_import(large, emulator.base_url, key)
    assert (first.status, second.status) == (0, 0), (first.stderr, second.stderr)
    print(
        f"\nimport peak RSS: 2 MB file {first.peak_mib:.1f} MiB, "
        f"16 MB file ({count:,} items) {second.peak_mib:.1f} MiB ({second.seconds:.1f} s)"
    )
    # Before streaming: 50.3 MiB and 89.5 MiB (the whole file, parsed, held before sending).
    assert second.peak_mib - first.peak_mib < 8


def main(sizes: list[float], item_bytes: int = 4000) -> None:
    """Print the peak memory of importing files of each size (MB)."""
    key = "sk-mem-" + secrets.token_hex(8)
    with TemporaryDirectory() as folder, ThreadedEmulator(api_key=key) as emulator:
        for size in sizes:
            path = Path(folder) / f"export-{size}.jsonl"
            count = write_big_export(path, size, item_bytes)
            measured = measure_import(path, emulator.base_url, key)
            megabytes = path.stat().st_size / 1_000_000
            path.unlink()
            print(
                f"{megabytes:7.1f} MB, {count:7,} items: peak RSS {measured.peak_mib:7.1f} MiB, "
                f"{measured.seconds:6.1f} s, exit {measured.status}",
                flush=True,
            )
            if measured.status:
                print(measured.stderr, file=sys.stderr)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    item_size = 4000
    if arguments[:1] == ["--item-bytes"]:
        item_size, arguments = int(arguments[1]), arguments[2:]
    main([float(arg) for arg in arguments] or [16, 64], item_size)
