"""Test helpers: ``MockTransport`` for fast unit tests, and a pytest plugin for the emulator.

``MockTransport`` answers each request from a function, in-process, with no server::

    from conversations_sdk import AsyncClient
    from conversations_sdk.testing import MockResponse, MockTransport


    def handler(request):
        return MockResponse(
            200, json={"id": "conv_1", "object": "conversation", "created_at": 1, "metadata": {}}
        )


    client = AsyncClient(api_key="sk-test", transport=MockTransport(handler))

Importing this module never imports pytest unless pytest is already running (so it suits
unittest and other runners too); under pytest it is also the plugin below.

The pytest plugin tests code that uses conversations-sdk offline, against the emulator. Opt in
from your top-level ``conftest.py``::

    pytest_plugins = ["conversations_sdk.testing"]

Fixtures (each test gets its own emulator, so tests never see each other's data):

``emulator``
    A running :class:`~conversations_sdk.emulator.ThreadedEmulator` on 127.0.0.1 and a free port,
    with an in-memory database. Use ``emulator.base_url`` for your own client (any API key is
    accepted), ``emulator.set_faults(Faults(...))`` to make it fail on purpose and
    ``emulator.script.add(...)`` to script the stand-in model's next replies.
``emulator_script``
    The replies the ``emulator`` fixture starts with (default: none). Override it in a test module
    or parametrize it to script ``POST /v1/responses``::

        @pytest.fixture
        def emulator_script():
            return [{"function_call": {"name": "get_weather", "arguments": {"city": "Paris"}}},
                    "It is sunny in Paris."]
``client``
    A blocking :class:`~conversations_sdk.Client` bound to ``emulator``, closed after the test.
``async_client``
    An :class:`~conversations_sdk.AsyncClient` bound to ``emulator``, closed after the test. It is
    an async fixture: it needs pytest-asyncio (used when installed) or anyio's pytest plugin.

Both clients retry with :meth:`RetryPolicy.no_backoff`, so a test of retries never sleeps, and
are strict (``strict=True``): the emulator answers exactly as the spec says, so any deviation is a
bug worth a failing test rather than a ``validation_issues`` entry.

When a test using these fixtures fails, its report gets a section with the address of the
emulator's read-only web inspector (``emulator.inspector_url``): the conversations and items the
code under test stored. The emulator stops with the test, so open it while the test is paused:
with ``pytest --pdb`` the address is printed again just before the debugger's prompt.
"""

from __future__ import annotations

import sys

from ._mock import MockHandler, MockRequest, MockResponse, MockTransport

__all__ = ["MockHandler", "MockRequest", "MockResponse", "MockTransport"]

# pytest is already imported whenever this module is loaded as a plugin (pytest_plugins, -p,
# a conftest import); anywhere else the fixtures are not needed and pytest stays unimported.
if "pytest" in sys.modules:
    from ._pytest_plugin import (
        async_client,
        client,
        emulator,
        emulator_script,
        pytest_exception_interact,
        pytest_runtest_makereport,
    )

    # The hooks are listed too: pytest finds them by name, and they are part of what it does.
    __all__ += [
        "async_client",
        "client",
        "emulator",
        "emulator_script",
        "pytest_exception_interact",
        "pytest_runtest_makereport",
    ]
