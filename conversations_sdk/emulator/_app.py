"""The emulator's application: :func:`create_app` wires the layers into one aiohttp application.

Each request passes the middlewares of :mod:`._http` (request id, API-shaped errors, Host/Origin/
Content-Type checks, the bearer key, injected faults), then a route: the conversations and items
of :mod:`._routes` or the Responses endpoints of :mod:`._responses`. Routes read bodies through
:mod:`._body`, check prose limits with :mod:`._params`, store items normalised by :mod:`._items`
against the spec loaded by :mod:`._schema`, and persist with :mod:`._store`. Every failure a
caller can cause is a 4xx with the API's body ``{"error": {"message", "type", "param", "code"}}``;
a 5xx means an emulator bug (or an injected fault).

This module and every one it wires must not import the SDK's converter or models: the emulator
is a second opinion.
"""

from __future__ import annotations

from aiohttp import web

from ._faults import FaultInjector
from ._http import (
    _APP_KEY_STATE,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_READ_TIMEOUT,
    AppConfig,
    _errors_middleware,
    _guard_middleware,
    _State,
    check_request_origin,
)
from ._model import Script
from ._responses import register_responses
from ._routes import register_conversations
from ._schema import load_spec
from ._store import Store

# What the server (:mod:`._server`, :mod:`._serve`) builds an application with, wherever it lives.
__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_READ_TIMEOUT",
    "AppConfig",
    "busy_connections",
    "check_request_origin",
    "create_app",
    "load_spec",
    "mark_closing",
]


def create_app(
    store: Store, config: AppConfig, faults: FaultInjector, script: Script | None = None
) -> web.Application:
    """Build the aiohttp application serving the API under ``/v1``.

    Args:
        store: An opened store; the application does not open or close it.
        config: Authentication, Host restriction and body size limit.
        faults: The injector consulted on every request (reconfigurable while serving).
        script: The stand-in model's scripted replies for ``POST /v1/responses`` (none: the
            deterministic answer).

    Returns:
        The application; call :func:`mark_closing` before shutting it down to end stalls.
    """
    app = web.Application(
        middlewares=[_errors_middleware, _guard_middleware],
        client_max_size=config.max_body_bytes,
    )
    app[_APP_KEY_STATE] = state = _State(store, config, faults)
    register_conversations(app)
    register_responses(app, state, script or Script())
    return app


def busy_connections(app: web.Application) -> set[object]:
    """The connections whose request is in the application right now (see the server's cap)."""
    return app[_APP_KEY_STATE].busy


def mark_closing(app: web.Application) -> None:
    """Wake every stalled request so the server can shut down promptly."""
    app[_APP_KEY_STATE].closing.set()
