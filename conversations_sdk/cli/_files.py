"""The files the API commands read and write, and how each failure is reported.

Owns: opening an input (``-`` is stdin) with a usage error naming it when that fails; an items
file (JSON Lines or a JSON array) read and checked whole before anything is sent
(:func:`read_items`); a re-readable copy of a pipe for the two passes of an import
(:func:`rewindable`); and the output of ``export -o``, complete under its final name or absent
(:class:`AtomicOutput`).

No request and nothing printed: the commands (``_*_commands.py``) use these before and while
they run.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator, Mapping
from typing import IO, Any, cast

import attrs

from ._jsonl import JSONLinesError, iter_json_lines, loads
from ._run import UsageError
from ._shapes import item_problem

__all__ = [
    "AtomicOutput",
    "ItemsFile",
    "cannot_read",
    "display_name",
    "open_input",
    "read_items",
    "rewindable",
]


def display_name(path: str) -> str:
    """The name of an input in messages: ``stdin`` for ``-``."""
    return "stdin" if path == "-" else path


def cannot_read(name: str, exc: OSError) -> UsageError:
    """The usage error for an input that could not be opened or read."""
    return UsageError(f"cannot read {name}: {exc.strerror or exc}")


@contextlib.contextmanager
def open_input(path: str) -> Iterator[IO[bytes]]:
    """Open a file (``-``: stdin) for reading bytes; a failure is a usage error naming it."""
    if path == "-":
        yield sys.stdin.buffer
        return
    try:
        file = open(path, "rb")  # noqa: SIM115 - closed below, after the with body ran
    except OSError as exc:
        raise cannot_read(path, exc) from exc
    with file:
        yield file


def rewindable(stream: IO[bytes]) -> IO[bytes]:
    """Return ``stream`` if it can seek, else a private temporary copy of it (for stdin, pipes).

    The copy is an unnamed file (mode 0600, removed when closed), so reading a file twice never
    needs the whole of it in memory.
    """
    try:
        if stream.seekable():
            return stream
    except (OSError, ValueError):
        pass
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    try:
        shutil.copyfileobj(stream, spool, 1 << 20)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


@attrs.frozen
class ItemsFile:
    """An items file, read and checked whole before anything is sent.

    Attributes:
        name: The file's name for messages (``stdin`` for ``-``).
        items: The items, in order.
        places: Where each item is in the file (``items.jsonl:3``, ``items.json item 3``).
        digest: SHA-256 of the file's bytes.
    """

    name: str
    items: list[Mapping[str, Any]]
    places: list[str]
    digest: str

    def locate(self, index: int) -> str:
        """Say where the item at ``index`` (0-based) is in the file."""
        return self.places[index] if 0 <= index < len(self.places) else f"item {index + 1}"


def read_items(path: str) -> ItemsFile:
    """Read input items from a JSON array or JSON Lines file (``-`` for stdin), checking each.

    Raises:
        UsageError: The file cannot be read, is not UTF-8, not JSON, or an item is malformed;
            the message names the file and the line (or the byte offset).
    """
    name = display_name(path)
    with open_input(path) as stream:
        try:
            data = stream.read()
        except OSError as exc:
            raise cannot_read(name, exc) from exc
    digest = hashlib.sha256(data).hexdigest()
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    if data[bom:].lstrip(b" \t\r\n").startswith(b"["):
        try:
            text = data[bom:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"{name}: not UTF-8 at byte offset {bom + exc.start}; nothing was sent"
            ) from None
        try:
            values = loads(text, line_in_message=True)
        except ValueError as exc:
            raise UsageError(f"{name}: {exc}") from None
        if not isinstance(values, list):
            raise UsageError(f"{name}: expected a JSON array or JSON Lines of items")
        places = [f"{name} item {n}" for n in range(1, len(values) + 1)]
    else:
        try:
            numbered = list(iter_json_lines(io.BytesIO(data), name))
        except JSONLinesError as exc:
            raise UsageError(str(exc)) from None
        values = [value for _, value in numbered]
        places = [f"{name}:{number}" for number, _ in numbered]
    if not values:
        raise UsageError(f"{name}: no items")
    for place, value in zip(places, values, strict=True):
        problem = item_problem(value)
        if problem:
            raise UsageError(f"{place}: {problem}; nothing was sent")
    return ItemsFile(name, cast("list[Mapping[str, Any]]", values), places, digest)


class AtomicOutput:
    """The file of ``export -o``: complete under its final name, or absent; never a partial file.

    Nothing touches the disk until the first record arrives. Then a temporary file is created
    beside the target with :func:`tempfile.mkstemp`: a random name, ``O_EXCL`` (an existing file
    or a planted symlink makes it fail instead of being followed or truncated), ``O_NOFOLLOW``
    where the system has it, mode 0600. On success it is flushed to disk and renamed over the
    target in one step (``os.replace``, which replaces a symlink at the target, never its target);
    on any failure it is removed.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self._folder = os.path.dirname(os.path.abspath(target))
        self._temp: str | None = None
        self._file: IO[str] | None = None

    def check(self) -> None:
        """Refuse, before any request, a target that could never be written."""
        if not os.path.isdir(self._folder):
            raise UsageError(f"cannot write {self.target}: no such folder {self._folder}")
        try:
            mode = os.stat(self.target).st_mode  # through a symlink: what would be replaced
        except OSError:  # absent, or a dangling link: the export creates it
            mode = stat.S_IFREG
        if not stat.S_ISREG(mode):
            # A folder, a device (/dev/stdout), a FIFO: renaming over it would destroy it.
            raise UsageError(
                f"cannot write {self.target}: not a regular file "
                "(leave out -o to write to standard output)"
            )
        if not os.access(self._folder, os.W_OK | os.X_OK):
            raise UsageError(f"cannot write {self.target}: permission denied on {self._folder}")

    def write(self, text: str) -> None:
        """Write ``text``, creating the temporary file on the first call."""
        self._opened().write(text)

    def _opened(self) -> IO[str]:
        if self._file is None:
            base = os.path.basename(self.target)
            fd, self._temp = tempfile.mkstemp(prefix=f".{base}.", suffix=".part", dir=self._folder)
            self._file = open(fd, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        return self._file

    def commit(self) -> None:
        """Make the complete file visible under the target's name."""
        file, temp = self._opened(), self._temp
        file.flush()
        os.fsync(file.fileno())  # the data is on disk before the name points at it
        file.close()
        os.replace(str(temp), self.target)
        self._temp = None
        with contextlib.suppress(OSError):  # not every system can fsync a folder (Windows)
            folder = os.open(self._folder, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)

    def discard(self) -> None:
        """Remove the temporary file, if one was created."""
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
        if self._temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._temp)
            self._temp = None
