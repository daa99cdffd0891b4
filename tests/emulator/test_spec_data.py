"""The emulator's bundled spec.json is exactly the repository's YAML specs (Conversations + Responses)."""

from __future__ import annotations

import importlib.util
import json

from spec_validation import ROOT, load_full_spec


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
    from conversations_sdk.emulator._app import load_spec as emulator_spec

    assert emulator_spec()["paths"].keys() == load_full_spec()["paths"].keys()
