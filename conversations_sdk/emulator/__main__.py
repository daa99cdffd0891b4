"""``python -m conversations_sdk.emulator``: serve the local Conversations API emulator."""

from __future__ import annotations

import sys

from ._serve import main

if __name__ == "__main__":
    sys.exit(main())
