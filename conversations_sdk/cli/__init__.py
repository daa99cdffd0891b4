"""The ``conversations-sdk`` command line (the console script runs :func:`main`).

Not a library API: import the SDK from ``conversations_sdk``. One job per module:

* ``_cli.py`` — the parser, ``main``, ``--version`` and ``completion`` (a shell script generated
  from the parser itself);
* ``_commands.py`` — the table of API commands (create, get, ..., export, import, fork): one row
  per command naming its help, its argument builder and its handler, plus the exit statuses;
* ``_cli_transfer.py`` — export, import and fork: JSON Lines records, resumable batches;
* ``_cli_progress.py`` — the progress line on stderr.

``serve`` lives with the emulator (``conversations_sdk/emulator/_serve.py``); the parser adds it.
"""

from __future__ import annotations

from ._cli import build_parser, completion_script, main

__all__ = ["build_parser", "completion_script", "main"]
