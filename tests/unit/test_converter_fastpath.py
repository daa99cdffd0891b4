"""The converter's fast path gives the very objects and errors the detailed hooks give, for any body.

``make_converter()`` structures models through generated straight-line functions and falls back to
the detailed, field-by-field hooks on any doubt. These tests compare it with a converter that has
the fast path switched off (the detailed hooks registered over it), on the payload corpus, on
schema-generated instances and on thousands of broken variants of the corpus.
"""

from __future__ import annotations

import copy
import json
import pathlib
import threading
from collections.abc import Iterator
from typing import Any

import attrs
import cattrs
import pytest
from hypothesis import HealthCheck, given, settings

from conversations_sdk import ResponseValidationError
from conversations_sdk import models as m
from conversations_sdk._converter import (
    _FastPaths,
    _is_model,
    _model_structure_hook,
    _shadow_class,
    make_converter,
    structure_response,
)
from conversations_sdk.models._base import _Model
from tests._support.spec_instances import RENAMES, instances_of, is_object_schema, operation_closure

PAYLOADS = pathlib.Path(__file__).resolve().parents[1] / "payloads"
FAST = make_converter()


def _detailed_converter() -> cattrs.Converter:
    converter = make_converter()
    # Registered last, so it wins: every model through the detailed hook, never generated code.
    converter.register_structure_hook_factory(_is_model, _model_structure_hook)
    return converter


DETAILED = _detailed_converter()
# What each corpus folder is structured as.
TARGETS: dict[str, Any] = {
    "items": m.ConversationItem,
    "content": m.MessageContent,
    "inputs": m.InputItem,
}
RESPONSES = {
    "conversation": m.Conversation,
    "conversation_deleted": m.ConversationDeletedResource,
    "conversation_null_metadata": m.Conversation,
    "error": m.ErrorResponse,
    "item_list": m.ConversationItemList,
}


def _corpus() -> list[Any]:
    cases = []
    for path in sorted(PAYLOADS.glob("*/*.json")):
        folder = path.parent.name
        target = RESPONSES[path.stem] if folder == "responses" else TARGETS[folder]
        cases.append(pytest.param(path, target, id=f"{folder}/{path.stem}"))
    return cases


CORPUS = _corpus()


def _snapshot(obj: Any) -> Any:
    """Everything that makes two structured values the same: classes, every slot, JSON types."""
    if attrs.has(type(obj)):
        slots = [(a.name, _snapshot(getattr(obj, a.name))) for a in attrs.fields(type(obj))]
        return (type(obj), slots)
    if isinstance(obj, list):
        return [_snapshot(v) for v in obj]
    if isinstance(obj, dict):
        return [(k, _snapshot(v)) for k, v in obj.items()]
    return (type(obj), obj)


def _outcome(body: Any, cl: Any, converter: cattrs.Converter) -> Any:
    try:
        return ("ok", _snapshot(structure_response(body, cl, converter=converter)))
    except ResponseValidationError as exc:
        return ("error", str(exc), type(exc.__cause__))


def test_reference_converter_has_no_fast_path() -> None:
    """The reference converter really uses the detailed hooks, and the SDK's the generated ones."""
    detailed = DETAILED.get_structure_hook(m.Message)
    fast = FAST.get_structure_hook(m.Message)
    assert detailed.__qualname__.startswith("_model_structure_hook.")
    assert fast.__qualname__.startswith("_FastPaths.structure_hook.")


@pytest.mark.parametrize(("path", "target"), CORPUS)
def test_corpus_takes_the_fast_path_and_matches(path: pathlib.Path, target: Any) -> None:
    """Every corpus body is built by generated code alone, into the detailed path's very object."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    expected = DETAILED.structure(payload, target)
    generated = _FastPaths(DETAILED).function(type(expected))
    assert _snapshot(generated(payload)) == _snapshot(expected)  # raised here if it gave up
    assert _snapshot(FAST.structure(payload, target)) == _snapshot(expected)


SETTINGS = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.parametrize("schema_name", [n for n in operation_closure() if is_object_schema(n)])
def test_schema_instances_take_the_fast_path_and_match(schema_name: str) -> None:
    """Schema-valid instances (extra keys included) are built by generated code, as the detailed path would."""
    cls = getattr(m, RENAMES.get(schema_name, schema_name))
    generated = _FastPaths(DETAILED).function(cls)

    @SETTINGS
    @given(payload=instances_of(schema_name))
    def check(payload: Any) -> None:
        assert _snapshot(generated(payload)) == _snapshot(DETAILED.structure(payload, cls))

    check()


# -- broken bodies ---------------------------------------------------------------------------------

_WRONG = [None, 0, 1.5, True, "s", [], {}]
_ABSENT = object()


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every key and list element inside a JSON value."""
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in items:
        yield (*path, key)
        yield from _places(child, (*path, key))


def _mutated(payload: Any, path: tuple[Any, ...], new: Any) -> Any:
    body = copy.deepcopy(payload)
    parent = body
    for key in path[:-1]:
        parent = parent[key]
    if new is _ABSENT:
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return body


@pytest.mark.parametrize(("path", "target"), CORPUS)
def test_broken_variants_get_the_detailed_paths_outcome(path: pathlib.Path, target: Any) -> None:
    """Each field, at any depth, removed or given each wrong JSON type: same object or same error."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    variants = [{**payload, "brand_new_field": {"x": 1}}] if isinstance(payload, dict) else []
    for place in _places(payload):
        variants += [_mutated(payload, place, new) for new in [*_WRONG, _ABSENT]]
    assert variants
    for body in variants:
        assert _outcome(body, target, FAST) == _outcome(body, target, DETAILED), body


MESSAGE: dict[str, Any] = {
    "type": "message",
    "id": "msg_1",
    "status": "completed",
    "role": "assistant",
    "content": [{"type": "output_text", "text": "hi", "annotations": [], "logprobs": []}],
}


def _page(data: list[Any]) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": False, "first_id": "a", "last_id": "b"}


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(_page([MESSAGE] * 50 + [{**MESSAGE, "id": 7}] + [MESSAGE] * 49), id="one-bad"),
        pytest.param(_page([{**MESSAGE, "id": i} for i in range(30)]), id="all-bad"),
        pytest.param(_page([MESSAGE, {"type": "new_item"}, {"no": "type"}, 5]), id="unknown-and-5"),
        pytest.param(
            _page([{**MESSAGE, "phase": None, "content": [{"type": "x"}]}]), id="null+unknown"
        ),
        pytest.param(_page([{**MESSAGE, "type": ["message"]}]), id="unhashable-tag"),
        pytest.param(
            _page([{**MESSAGE, "content": [{**MESSAGE["content"][0], "type": {}}]}]), id="dict-tag"
        ),
    ],
)
def test_pages_get_the_detailed_paths_outcome(page: dict[str, Any]) -> None:
    """Pages mixing good, broken and unknown items: the same objects or the same error message."""
    assert _outcome(page, m.ConversationItemList, FAST) == _outcome(
        page, m.ConversationItemList, DETAILED
    )


# -- how objects are built ------------------------------------------------------------------------


def test_generated_objects_are_ordinary_frozen_models() -> None:
    """An object built by generated code is its class, frozen, hashable and equal to a hand-built one."""
    message = FAST.structure({**MESSAGE, "phase": None, "priority": 1}, m.Message)
    by_hand = m.Message(
        id="msg_1",
        status="completed",
        role="assistant",
        content=[m.OutputTextContent(text="hi", annotations=[], logprobs=[])],
        extra={"priority": 1},
    )
    assert type(message) is m.Message
    assert message == by_hand
    assert message._explicit_nulls == frozenset({"phase"})
    assert message.request_id is None
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        message.id = "other"  # type: ignore[misc]
    text = FAST.structure({"type": "input_text", "text": "hi"}, m.InputTextContent)
    assert hash(text) == hash(m.InputTextContent(text="hi"))


@attrs.frozen(kw_only=True)
class _Checked(_Model):
    count: int = attrs.field(validator=attrs.validators.ge(0))


def test_models_with_validators_are_built_through_their_init() -> None:
    """A model whose __init__ does more than set slots is built by calling it (validators run)."""
    assert _shadow_class(_Checked) is None
    assert _shadow_class(m.Message) is not None
    converter = make_converter()
    assert converter.structure({"count": 2, "x": None}, _Checked) == _Checked(
        count=2, extra={"x": None}
    )
    with pytest.raises(ResponseValidationError, match="count"):
        structure_response({"count": -1}, _Checked, converter=converter, strict=True)
    with pytest.raises(ResponseValidationError, match="count"):  # its __init__ refuses either way
        structure_response({"count": -1}, _Checked, converter=converter)


def test_first_use_from_many_threads() -> None:
    """Threads structuring on a fresh converter at once all get the detailed path's objects."""
    page = json.loads((PAYLOADS / "responses" / "item_list.json").read_text(encoding="utf-8"))
    expected = _snapshot(DETAILED.structure(page, m.ConversationItemList))
    converter = make_converter()
    barrier = threading.Barrier(8)
    results: list[Any] = []

    def work() -> None:
        barrier.wait()
        results.append(_snapshot(converter.structure(page, m.ConversationItemList)))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [expected] * 8


def test_unstructure_accepts_tuples_and_keeps_required_nulls() -> None:
    """Hand-built models unstructure to the spec's JSON (tuples become lists, required None is sent)."""
    message = m.Message(
        id="m", status="completed", role="user", content=(m.InputTextContent(text="hi"),)
    )
    assert FAST.unstructure(message) == {
        "type": "message",
        "id": "m",
        "status": "completed",
        "role": "user",
        "content": [{"type": "input_text", "text": "hi"}],
    }
    none_content: Any = None
    assert FAST.unstructure(attrs.evolve(message, content=none_content))["content"] is None
