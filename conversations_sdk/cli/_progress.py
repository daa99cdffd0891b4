"""A plain-text progress bar for the command line, drawn on stderr only when it is a terminal.

No dependency and no thread: the bar is redrawn from the caller's own loop, at most ten times a
second, so thousands of items cost a handful of writes. When stderr is piped (a log file, CI), the
bar stays silent and the output is exactly what the command prints, nothing else.
"""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["Progress"]

_WIDTH = 24
_REDRAW_SECONDS = 0.1


class Progress:
    """Count work done and, on a terminal, show it as ``label [#####.....] 1,240/5,000 24%``.

    Args:
        label: What is being counted (``"import"``).
        stream: Where to draw (stderr).
        total: How many units there are, when known in advance.
        enabled: Whether to draw at all; callers pass ``stream.isatty()`` unless told otherwise.
    """

    def __init__(self, label: str, stream: TextIO, *, total: int | None, enabled: bool) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._stream = stream
        self._enabled = enabled
        self._last_draw = 0.0
        self._drawn = False
        self._width = 0

    def advance(self, count: int) -> None:
        """Record ``count`` more units done and redraw if enough time has passed."""
        self.done += count
        now = time.monotonic()
        if self._enabled and now - self._last_draw >= _REDRAW_SECONDS:
            self._last_draw = now
            self._draw()

    def finish(self) -> None:
        """Draw the final state and end the line, so later messages start on a fresh one."""
        if self._enabled:
            self._draw()
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False

    def clear(self) -> None:
        """End the bar's line (if one was drawn) before an error or interruption message."""
        if self._enabled and self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False

    def _draw(self) -> None:
        if self.total:
            filled = min(_WIDTH, _WIDTH * self.done // self.total)
            bar = "#" * filled + "." * (_WIDTH - filled)
            percent = 100 * self.done // self.total
            text = f"{self.label} [{bar}] {self.done:,}/{self.total:,} {percent}%"
        else:
            text = f"{self.label}: {self.done:,} items"
        # Back to the line's start and pad over the previous text: plain characters only, no
        # terminal escape codes, so any terminal (or a log that claims to be one) shows it right.
        self._stream.write(f"\r{text.ljust(self._width)}")
        self._width = len(text)
        self._stream.flush()
        self._drawn = True
