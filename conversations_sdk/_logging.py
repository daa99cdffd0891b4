"""The ``conversations_sdk`` logger, switched on by ``OPENAI_LOG=debug|info`` like the official SDK.

Records name the method, path, status, elapsed time, attempt and request id. They never carry
headers, bodies or the API key, at any level.
"""

from __future__ import annotations

import logging
import os

__all__ = ["logger", "setup_logging"]

logger = logging.getLogger("conversations_sdk")

_configured = False


def setup_logging() -> None:
    """Apply ``OPENAI_LOG`` once per process: attach a stderr handler at the requested level.

    Without the variable nothing is configured, so applications keep full control through the
    standard ``logging`` configuration.
    """
    global _configured
    if _configured:
        return
    _configured = True
    level = {"debug": logging.DEBUG, "info": logging.INFO}.get(
        os.environ.get("OPENAI_LOG", "").strip().lower()
    )
    if level is None:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(asctime)s - %(name)s:%(lineno)d - %(levelname)s] %(message)s",
            "%Y-%m-%d %H:%M:%S",
        )
    )
    logger.addHandler(handler)
    logger.setLevel(level)
