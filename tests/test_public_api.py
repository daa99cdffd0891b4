"""The public surface: every public module's ``__all__`` is complete and sorted, and every public
class says it lives on a public path (so reprs, pickles and docs never show a private module)."""

from __future__ import annotations

import importlib
import pickle
import types
from typing import Any

import pytest

import conversations_sdk

PUBLIC_MODULES = [
    "conversations_sdk",
    "conversations_sdk.emulator",
    "conversations_sdk.models",
    "conversations_sdk.testing",
]


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then everything else.
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_is_sorted_and_unique(module_name: str) -> None:
    """``__all__`` lists each name once, in ruff's isort-style order."""
    names = importlib.import_module(module_name).__all__
    assert len(names) == len(set(names))
    assert names == sorted(names, key=_isort_key)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_exported_name_resolves(module_name: str) -> None:
    """Every name in ``__all__`` can be imported from the module."""
    module = importlib.import_module(module_name)
    for name in module.__all__:
        assert getattr(module, name) is not None, name


def test_root_all_matches_the_lazy_table() -> None:
    """The root package's lazy table and ``__all__`` name exactly the same things."""
    lazy: dict[str, str] = conversations_sdk._LAZY
    assert set(conversations_sdk.__all__) == set(lazy) | {"__version__"}
    assert sorted(dir(conversations_sdk)) == sorted(conversations_sdk.__all__)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_no_public_name_is_missing_from_all(module_name: str) -> None:
    """Classes and functions a public module defines without a leading underscore are exported."""
    module = importlib.import_module(module_name)
    if module_name == "conversations_sdk":
        return  # lazy: nothing is defined until asked for (covered by the test above)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and isinstance(value, (type, types.FunctionType))
        and value.__module__.startswith(module_name)
    }
    assert public <= set(module.__all__)


def _exported_classes() -> list[tuple[str, type[Any]]]:
    found = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            value = getattr(module, name)
            # A parametrised alias (``Callable[[X], Y]``) passes isinstance(..., type) on 3.10.
            if isinstance(value, type) and not isinstance(value, types.GenericAlias):
                found.append((f"{module_name}.{name}", value))
    return found


@pytest.mark.parametrize(("path", "cls"), _exported_classes(), ids=lambda v: str(v))
def test_public_classes_name_a_public_module(path: str, cls: type[Any]) -> None:
    """Each exported class's ``__module__`` is public and really exposes it under its name."""
    assert not any(part.startswith("_") for part in cls.__module__.split(".")), path
    assert getattr(importlib.import_module(cls.__module__), cls.__qualname__) is cls


def test_not_given_survives_pickling_as_the_same_object() -> None:
    """``NOT_GIVEN`` unpickles to itself (identity checks in the SDK rely on it)."""
    clone = pickle.loads(pickle.dumps(conversations_sdk.NOT_GIVEN))  # noqa: S301 - our own bytes
    assert clone is conversations_sdk.NOT_GIVEN
