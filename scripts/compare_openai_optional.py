"""List, model by model, the fields the official SDK types as optional although the spec requires them.

The official ``openai`` SDK (3.57) reads responses without validating them and types a few fields
as optional that the published spec marks required (``output_text.logprobs``, for one): the real
API leaves them out. Our models follow it there (``scripts/generate_models.py``,
``OPTIONAL_AS_IN_OPENAI``), or keep the field required for a reason written down in
``KEPT_REQUIRED``. ``tests/unit/test_openai_optional.py`` fails when the two disagree.

The walk pairs our classes with theirs from the four roots the Conversations API returns
(conversation, deletion receipt, item list, item): same field name, then same ``type`` tag inside
unions, so classes are matched by shape rather than by name. Facts are read from the installed
types with ``typing``/pydantic introspection; nothing of theirs is copied.

Run it (needs ``openai==3.57.*``, a dev dependency)::

    python scripts/compare_openai_optional.py          # a table: model, field, our status
    python scripts/compare_openai_optional.py --python # the set, as the generator holds it
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import attrs  # noqa: E402

from conversations_sdk import models  # noqa: E402
from conversations_sdk.models._base import _Model  # noqa: E402

#: (our class, field) -> (their class, field): openai optional, spec required.
Difference = tuple[str, str]


def _strip(tp: Any) -> Any:
    """Drop ``Annotated`` wrappers, and ``None`` from unions."""
    while get_origin(tp) is typing.Annotated:
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        members = [m for m in get_args(tp) if m is not type(None)]
        if len(members) == 1:
            return _strip(members[0])
        return Union[tuple(members)]  # noqa: UP007 - built from a runtime tuple
    return tp


def _members(tp: Any) -> list[Any]:
    tp = _strip(tp)
    if get_origin(tp) in (Union, types.UnionType):
        return [_strip(m) for m in get_args(tp)]
    return [tp]


def _sequence_item(tp: Any) -> Any | None:
    tp = _strip(tp)
    if get_origin(tp) in (list, Sequence, typing.List):  # noqa: UP006 - theirs use typing.List
        args = get_args(tp)
        return args[0] if args else None
    return None


def _tag(cls: type) -> str | None:
    """The class's ``type`` literal (ours or theirs), if it has exactly one."""
    hints = _hints(cls)
    tp = hints.get("type")
    if tp is None:
        return None
    tp = _strip(tp)
    values = [v for m in _members(tp) if get_origin(m) is Literal for v in get_args(m)]
    return values[0] if len(values) == 1 else None


def _hints(cls: type) -> dict[str, Any]:
    if _is_ours(cls):
        attrs.resolve_types(cls)
        return {a.name: a.type for a in attrs.fields(cls)}
    fields = getattr(cls, "model_fields", {})
    return {name: field.annotation for name, field in fields.items()}


def _is_ours(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, _Model)


def _is_theirs(cls: Any) -> bool:
    return isinstance(cls, type) and hasattr(cls, "model_fields")


def pairs(ours: Any, theirs: Any) -> Iterator[tuple[type, type]]:
    """Every (our class, their class) pair reachable from two matching types."""
    seen: set[tuple[type, type]] = set()
    stack = [(ours, theirs)]
    while stack:
        a, b = stack.pop()
        item_a, item_b = _sequence_item(a), _sequence_item(b)
        if item_a is not None and item_b is not None:
            stack.append((item_a, item_b))
            continue
        classes_a = [m for m in _members(a) if _is_ours(m)]
        classes_b = [m for m in _members(b) if _is_theirs(m)]
        if len(classes_a) == 1 and len(classes_b) == 1:
            matched = [(classes_a[0], classes_b[0])]
        else:
            by_tag = {_tag(m): m for m in classes_b}
            matched = [(m, by_tag[_tag(m)]) for m in classes_a if _tag(m) in by_tag]
        for pair in matched:
            if pair in seen:
                continue
            seen.add(pair)
            yield pair
            hints_a, hints_b = _hints(pair[0]), _hints(pair[1])
            for name in hints_a.keys() & hints_b.keys():
                stack.append((hints_a[name], hints_b[name]))


def spec_required() -> dict[str, set[str]]:
    """Our class name -> the fields the spec requires (from the generator's reading of it)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import generate_models

    gen = generate_models.generator()
    return {
        name: {f["name"] for f in cls["fields"] if f["spec_required"]}
        for name, cls in gen.classes.items()
    }


def differences() -> dict[Difference, str]:
    """(our class, field) -> their ``Class.field``, for each field they make optional and the spec
    requires."""
    from openai.types import conversations as theirs

    roots = [
        (models.Conversation, theirs.Conversation),
        (models.ConversationDeletedResource, theirs.ConversationDeletedResource),
        (models.ConversationItemList, theirs.ConversationItemList),
        (models.ConversationItem, theirs.ConversationItem),
    ]
    required = spec_required()
    found: dict[Difference, str] = {}
    for root_ours, root_theirs in roots:
        for ours, their_cls in pairs(root_ours, root_theirs):
            fields = their_cls.model_fields
            for name in sorted(required.get(ours.__name__, set())):
                field = fields.get(name)
                if field is not None and not field.is_required():
                    found[ours.__name__, name] = f"{their_cls.__name__}.{name}"
    return dict(sorted(found.items()))


def our_status(cls_name: str, field: str) -> str:
    cls = getattr(models, cls_name)
    attribute = attrs.fields_dict(cls)[field]
    return "optional" if attribute.default is None else "required"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="store_true", help="print the set for the generator")
    args = parser.parse_args(argv)
    found = differences()
    if args.python:
        print("OPTIONAL_AS_IN_OPENAI = {")
        for cls, field in found:
            print(f"    ({cls!r}, {field!r}),")
        print("}")
        return 0
    print("| model | field | openai 3.57 | ours |")
    print("|---|---|---|---|")
    for (cls, field), their in found.items():
        print(f"| `{cls}` | `{field}` | `{their}`: optional | {our_status(cls, field)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
