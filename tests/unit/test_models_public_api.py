"""The public surface of ``conversations_sdk.models``: complete, sorted, public paths, picklable."""

from __future__ import annotations

import importlib
import pickle
import types

import attrs

from conversations_sdk import models
from conversations_sdk._converter import CONVERTER, structure_response

SUBMODULES = ["content", "conversation", "inputs", "items", "tools"]


def test_all_is_sorted_and_unique() -> None:
    """``models.__all__`` is sorted and lists every name once."""
    assert models.__all__ == sorted(set(models.__all__))


def test_all_is_complete() -> None:
    """Every public name of every model module is re-exported, and every export resolves."""
    exported = set(models.__all__)
    for name in SUBMODULES:
        module = importlib.import_module(f"conversations_sdk.models.{name}")
        assert set(module.__all__) <= exported, name
    public = {
        n
        for n, v in vars(models).items()
        if not n.startswith("_") and not isinstance(v, types.ModuleType)
    }
    assert public == exported
    for name in models.__all__:
        assert getattr(models, name) is not None


def test_public_classes_live_on_public_paths() -> None:
    """Every exported class names a public module, so reprs, pickles and docs never show ``_base``."""
    for name in models.__all__:
        value = getattr(models, name)
        if isinstance(value, type):
            assert not any(part.startswith("_") for part in value.__module__.split(".")), name
            assert getattr(importlib.import_module(value.__module__), name) is value


def test_every_model_class_is_a_frozen_attrs_class() -> None:
    """Every exported class is a frozen, keyword-only attrs class (ValidationIssue: a NamedTuple)."""
    classes = [getattr(models, n) for n in models.__all__ if isinstance(getattr(models, n), type)]
    classes.remove(models.ValidationIssue)
    assert issubclass(models.ValidationIssue, tuple)
    assert len(classes) >= 160
    for cls in classes:
        assert attrs.has(cls), cls
        assert all(a.kw_only for a in attrs.fields(cls) if a.init), cls


def test_structured_models_pickle_with_their_wire_details() -> None:
    """A structured model pickles and still unstructures to the same body (explicit nulls too)."""
    body = {"type": "local_shell_call_output", "id": "l1", "output": "", "status": None, "x": 1}
    item = structure_response(body, models.ConversationItem)
    clone = pickle.loads(pickle.dumps(item))  # noqa: S301 - our own bytes, just made
    assert clone == item
    assert CONVERTER.unstructure(clone) == body
    unknown = structure_response({"type": "new"}, models.ConversationItem)
    assert pickle.loads(pickle.dumps(unknown)) == unknown  # noqa: S301 - our own bytes


def test_request_id_is_hidden_state_not_a_field() -> None:
    """``request_id`` is readable on every model but is never compared, shown or sent."""
    a = models.InputTextContent(text="hi")
    b = models.InputTextContent(text="hi")
    object.__setattr__(a, "_request_id", "req_1")  # what the client does after a response
    assert (a.request_id, b.request_id) == ("req_1", None)
    assert a == b
    assert "req_1" not in repr(a)
    assert CONVERTER.unstructure(a) == {"type": "input_text", "text": "hi"}
    assert hash(a) == hash(b)  # simple models hash; ``extra`` is left out of the hash
