"""The emulator's bundled spec.json is exactly the repository's YAML specs (Conversations + Responses)."""

from __future__ import annotations

import importlib.util
import json
from typing import Any, cast

import aiohttp

from tests._support.inspector import every_kind_of_item
from tests._support.spec_validation import ROOT, load_full_spec


def test_bundled_json_matches_the_yaml_spec() -> None:
    """spec.json equals the YAML spec and is what the build script renders (rerun it if not)."""
    module_spec = importlib.util.spec_from_file_location(
        "build_emulator_spec", ROOT / "scripts" / "build_emulator_spec.py"
    )
    assert module_spec is not None
    assert module_spec.loader is not None
    build = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(build)
    bundled = (ROOT / "conversations_sdk" / "emulator" / "spec.json").read_text(encoding="utf-8")
    assert json.loads(bundled) == load_full_spec()
    assert bundled == build.render(), "run: python scripts/build_emulator_spec.py"


def test_the_emulator_loads_its_bundled_spec() -> None:
    """The emulator reads the spec as package data, not from the repository."""
    from conversations_sdk.emulator._schema import load_spec as emulator_spec

    assert emulator_spec()["paths"].keys() == load_full_spec()["paths"].keys()


def _mutable_defaults(node: object) -> list[dict[str, Any]]:
    """Every schema of the document whose ``default`` is a list or an object."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if isinstance(node.get("default"), (list, dict)):
            found.append(node)
        for value in node.values():
            found += _mutable_defaults(value)
    elif isinstance(node, list):
        for value in node:
            found += _mutable_defaults(value)
    return found


async def test_every_emulator_shares_one_parsed_spec_and_none_changes_it() -> None:
    """The spec is parsed once per process (emulator starts stay fast), and serving conversations,
    items and responses leaves it exactly as the file says; a list default is handed out as a copy."""
    from conversations_sdk.emulator import Emulator
    from conversations_sdk.emulator._schema import _minimal, load_spec

    assert load_spec() is load_spec()
    async with Emulator() as emulator, aiohttp.ClientSession() as http:
        async with http.post(
            emulator.base_url + "/conversations", json={"items": every_kind_of_item()}
        ) as response:
            assert response.status == 200
            conversation = await response.json()
        turn = {
            "model": "gpt-test",
            "conversation": conversation["id"],
            "input": [{"role": "user", "content": "hi"}],
            "tools": [
                {"type": "function", "name": "f", "parameters": {"type": "object"}},
                {"type": "web_search", "filters": {"allowed_domains": None}},
            ],
        }
        for stream in (False, True):
            async with http.post(
                emulator.base_url + "/responses", json={**turn, "stream": stream}
            ) as response:
                assert response.status == 200, await response.text()
                await response.read()
    bundled = (ROOT / "conversations_sdk" / "emulator" / "spec.json").read_text(encoding="utf-8")
    assert load_spec() == json.loads(bundled)
    defaults = _mutable_defaults(load_spec())
    assert defaults  # the check below is not vacuous
    for schema in defaults:
        given = _minimal(cast(Any, None), schema, 0)
        assert given == schema["default"]
        assert given is not schema["default"]
