"""Run the emulator as a real subprocess (``python -m conversations_sdk.emulator``) for CLI tests."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Mapping, Sequence

URL = re.compile(r"^(http://\S+/v1)$")


class ServedEmulator:
    """A subprocess emulator: its base URL, and the process to stop or kill."""

    def __init__(
        self,
        args: Sequence[str],
        command: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        cmd = list(command or [sys.executable, "-m", "conversations_sdk.emulator"])
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [*cmd, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        assert self.process.stdout is not None
        banner: list[str] = []
        for line in self.process.stdout:
            banner.append(line)
            match = URL.match(line.strip())
            if match:
                self.base_url = match.group(1)
                self.banner = "".join(banner)
                return
        self.process.wait()
        assert self.process.stderr is not None
        raise RuntimeError(
            f"emulator exited {self.process.returncode}: {self.process.stderr.read()}"
        )

    def stop(self) -> int:
        """Terminate politely (SIGTERM) and return the exit status."""
        self.process.terminate()
        return self._reap()

    def kill(self) -> int:
        """SIGKILL: no cleanup, no flush, no goodbye. Return the exit status."""
        self.process.kill()
        return self._reap()

    def _reap(self) -> int:
        status = self.process.wait(timeout=30)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        return status
