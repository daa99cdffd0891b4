"""The model modules are exactly what scripts/generate_models.py makes of the committed spec."""

from __future__ import annotations

import ast
import importlib.util
import pathlib
from types import ModuleType

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODELS = ROOT / "conversations_sdk" / "models"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_models", ROOT / "scripts" / "generate_models.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shape(source: str) -> str:
    # Compare syntax trees, not text: ruff format reflows the generated code.
    return ast.dump(ast.parse(source))


GENERATED = _generator().render_all()


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_model_module_matches_the_spec(name: str) -> None:
    """A model file differs from the generator's output only in formatting (no hand edits, no stale spec)."""
    committed = (MODELS / name).read_text(encoding="utf-8")
    assert _shape(committed) == _shape(GENERATED[name]), (
        f"conversations_sdk/models/{name} is stale: run scripts/generate_models.py and ruff format"
    )


PARAMS = ROOT / "conversations_sdk" / "types"
GENERATED_PARAMS = _generator().render_params()


@pytest.mark.parametrize("name", sorted(GENERATED_PARAMS))
def test_params_module_matches_the_spec(name: str) -> None:
    """The request TypedDicts are exactly what the generator makes of the committed spec."""
    committed = (PARAMS / name).read_text(encoding="utf-8")
    assert _shape(committed) == _shape(GENERATED_PARAMS[name]), (
        f"conversations_sdk/types/{name} is stale: run scripts/generate_models.py and ruff format"
    )
