"""The client's layers import downwards only: ``_client`` -> ``_resources`` -> ``_requester``."""

from __future__ import annotations

import subprocess
import sys


def test_the_request_path_never_imports_the_user_facing_client() -> None:
    """The resources, pagination, streaming and the request engine load without ``_client``."""
    script = """
import sys
import conversations_sdk._requester
import conversations_sdk._resources.conversations
import conversations_sdk._resources.items
import conversations_sdk._pagination
import conversations_sdk._streaming
print("conversations_sdk._client" in sys.modules)
"""
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
