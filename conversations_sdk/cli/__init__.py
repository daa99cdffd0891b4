"""The ``conversations-sdk`` command line (the console script runs :func:`main`).

Not a library API: import the SDK from ``conversations_sdk``. One job per module:

* ``_cli.py`` — the parser, ``main``, ``--version`` and ``completion`` (a shell script generated
  from the parser itself);
* ``_commands.py`` — the table of API commands (create, get, ..., export, import, fork): one row
  per command naming its help, its argument builder and its handler; the parsers built from it;
* ``_conversation_commands.py``, ``_item_commands.py``, ``_transfer_commands.py`` — the argument
  builders and handlers of the conversation, item and whole-conversation commands;
* ``_run.py`` — how a command runs: the client, JSON output, outcomes mapped to exit statuses;
* ``_arguments.py`` — argument types and the arguments several commands share;
* ``_files.py`` — input files (``-`` for stdin), items files, the atomic ``export -o`` file;
* ``_transfer.py`` — the transfer engine: the export format, resumable batches, fork's read;
* ``_shapes.py`` — models as JSON values, stored items turned into input items;
* ``_jsonl.py`` — JSON Lines records written and read, strict JSON parsing;
* ``_progress.py`` — the progress line on stderr.

``serve`` lives with the emulator (``conversations_sdk/emulator/_serve.py``); the parser adds it.
"""

from __future__ import annotations

from ._cli import build_parser, completion_script, main

__all__ = ["build_parser", "completion_script", "main"]
