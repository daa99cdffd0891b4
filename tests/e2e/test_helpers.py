"""The in-process one-liners and the opt-in pytest plugin, used the way the docs show."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from conversations_sdk import AsyncClient, AuthenticationError, Client
from conversations_sdk.emulator import Emulator, Faults, emulated_async_client, emulated_client


async def test_emulated_async_client_one_liner() -> None:
    """``async with emulated_async_client()`` gives a working client; both close together."""
    async with emulated_async_client() as client:
        conversation = await client.conversations.create(metadata={"k": "v"})
        assert (await client.conversations.retrieve(conversation.id)).metadata == {"k": "v"}
    assert client.is_closed


def test_emulated_client_one_liner() -> None:
    """``with emulated_client()`` gives a working blocking client; both close together."""
    with emulated_client() as client:
        conversation = client.conversations.create()
        assert client.conversations.retrieve(conversation.id).id == conversation.id
    assert client.is_closed


async def test_one_liner_keeps_data_in_a_file(tmp_path) -> None:
    """With ``db=``, what one emulated client wrote, the next one reads."""
    db = str(tmp_path / "notebook.db")
    async with emulated_async_client(db=db) as client:
        conversation = await client.conversations.create(metadata={"kept": "yes"})
    async with emulated_async_client(db=db) as client:
        assert (await client.conversations.retrieve(conversation.id)).metadata == {"kept": "yes"}


async def test_one_liner_accepts_faults_and_client_options() -> None:
    """Faults and client options pass through: one injected 503 is retried away."""
    from conversations_sdk import RetryPolicy

    faults = Faults(mode="503", max_faults=1, retry_after=0)
    async with emulated_async_client(faults=faults, retry=RetryPolicy.no_backoff()) as client:
        raw = await client.with_raw_response.conversations.create()
    assert raw.retries_taken == 1


async def test_wrong_key_is_an_authentication_error() -> None:
    """An emulator with a key refuses a client with another one: AuthenticationError, key unseen."""
    async with (
        Emulator(api_key="sk-right-key") as emulator,
        AsyncClient(api_key="sk-wrong-key", base_url=emulator.base_url) as client,
    ):
        with pytest.raises(AuthenticationError) as caught:
            await client.conversations.create()
    assert "sk-wrong-key" not in str(caught.value)
    assert "sk-right-key" not in str(caught.value)


@pytest.mark.slow
def test_pytest_plugin_fixtures_in_a_users_project(tmp_path) -> None:
    """A project opting in with pytest_plugins gets emulator, client and async_client fixtures."""
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n"
    )
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["conversations_sdk.testing"]\n')
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import pytest
            from conversations_sdk.emulator import Faults

            def test_blocking(client):
                assert client.conversations.create().id.startswith("conv_")

            @pytest.mark.asyncio
            async def test_async(async_client):
                assert (await async_client.conversations.create()).object == "conversation"

            def test_fresh_emulator_per_test(emulator, client):
                emulator.set_faults(Faults(mode="500", max_faults=1))
                client.conversations.create()
                assert emulator.faults_injected == 1
            """
        )
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter running pytest
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_client_class_is_the_public_one(client: Client) -> None:
    """The plugin's client fixture is the public blocking Client."""
    assert type(client) is Client
