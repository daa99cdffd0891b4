"""Fixtures for the emulator's own tests: a running emulator on 127.0.0.1 and a raw HTTP helper."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from conversations_sdk.emulator import Emulator
from tests._support.emulator_api import API


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """A fresh in-memory emulator on 127.0.0.1, free port."""
    async with Emulator() as emu:
        yield emu


@pytest.fixture
async def api(emulator: Emulator) -> AsyncIterator[API]:
    """A raw HTTP helper bound to the ``emulator`` fixture."""
    async with aiohttp.ClientSession() as session:
        yield API(session, emulator.base_url)
