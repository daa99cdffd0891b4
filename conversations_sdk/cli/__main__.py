"""``python -m conversations_sdk.cli``: the ``conversations-sdk`` command without the script."""

from __future__ import annotations

import sys

from ._cli import main

sys.exit(main())
