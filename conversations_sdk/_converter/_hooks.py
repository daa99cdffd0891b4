"""Shared predicates and the detailed hooks: the converter's field-by-field, error-reporting path.

Every hook here checks one JSON value against one type and either returns it (built, or unchanged)
or raises with a message and a cattrs note naming the field or index, so
:func:`cattrs.transform_error` can turn a failure into ``$.data[3].content[0].text: ...`` lines.
They are strict about JSON types: a string where an integer belongs is an error, never coerced.
The generated fast path (``_fast.py``) accepts only what these accept, and hands anything else
back to them; the tolerant reader (``_tolerant.py``) calls them for values it need not rebuild.
No I/O, no generated code.
"""

from __future__ import annotations

import collections.abc
import types
from collections.abc import Callable
from typing import Any, Literal, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)

from ..models._base import _Model, _Unknown

_StructureHook = Callable[[Any, Any], Any]
_UnstructureHook = Callable[[Any], Any]
_NoneType = type(None)
_SEQUENCES = (list, collections.abc.Sequence)
_MAPPINGS = (dict, collections.abc.Mapping)
# JSON scalars: their Python values are already what the wire needs, so unstructuring skips them.
_SCALARS = (str, int, float, bool)

# -- predicates -------------------------------------------------------------------------------


def _is_model(cl: Any) -> bool:
    return isinstance(cl, type) and issubclass(cl, _Model)


def _is_unknown(cl: Any) -> bool:
    return isinstance(cl, type) and issubclass(cl, _Unknown)


def _is_union(cl: Any) -> bool:
    return get_origin(cl) in (Union, types.UnionType)


def _is_literal(cl: Any) -> bool:
    return get_origin(cl) is Literal


def _is_sequence(cl: Any) -> bool:
    return get_origin(cl) in _SEQUENCES


def _is_mapping(cl: Any) -> bool:
    return cl in _MAPPINGS or get_origin(cl) in _MAPPINGS


# -- scalars ----------------------------------------------------------------------------------
# Strict on purpose: cattrs' defaults would turn 1 into "1" or "1" into 1, and the round trip
# (and the caller's trust in the types) would silently break.


def _structure_str(value: Any, _: Any) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {_json_type(value)}")


def _structure_int(value: Any, _: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if type(value) is float and value.is_integer():
        # 1.0 is an integer to JSON Schema 2020-12 (so to the spec); kept a float so it goes
        # back out as sent.
        return value  # type: ignore[return-value]
    raise TypeError(f"expected an integer, got {_json_type(value)}")


def _structure_float(value: Any, _: Any) -> float:
    # An integral JSON number stays an int: ``float`` accepts ints, and 1 must not come back as 1.0.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise TypeError(f"expected a number, got {_json_type(value)}")


def _structure_bool(value: Any, _: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise TypeError(f"expected a boolean, got {_json_type(value)}")


def _passthrough(value: Any, _: Any) -> Any:
    return value


def _json_type(value: Any) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number"}
    names.update({list: "an array", dict: "an object", _NoneType: "null"})
    return names.get(type(value), type(value).__name__)


def _literal_hook(cl: Any) -> _StructureHook:
    allowed = frozenset(get_args(cl))

    def structure_literal(value: Any, _: Any) -> Any:
        if isinstance(value, str) and value in allowed:
            return value
        raise ValueError(f"expected one of {sorted(map(repr, allowed))}, got {value!r}")

    return structure_literal


def _add_note(exc: BaseException, note: str) -> None:
    # What BaseException.add_note does on 3.11+; cattrs.transform_error reads these notes for paths.
    notes = getattr(exc, "__notes__", None)
    if notes is None:
        exc.__notes__ = [note]  # type: ignore[attr-defined]
    else:
        notes.append(note)


# -- containers -------------------------------------------------------------------------------


def _mapping_hook(cl: Any) -> _StructureHook:
    # Free-form JSON objects (metadata, JSON schemas, attributes) are kept as received.
    def structure_mapping(value: Any, _: Any) -> Any:
        if isinstance(value, dict):
            return value
        raise TypeError(f"expected an object, got {_json_type(value)}")

    return structure_mapping


def _sequence_hook(cl: Any, converter: cattrs.Converter) -> _StructureHook:
    args = get_args(cl)
    item_type = args[0] if args else Any
    item_hook = converter.get_structure_hook(item_type)

    def structure_sequence(value: Any, _: Any) -> list[Any]:
        if not isinstance(value, list):
            raise TypeError(f"expected an array, got {_json_type(value)}")
        result = []
        errors: list[Exception] = []
        for index, item in enumerate(value):
            try:
                result.append(item_hook(item, item_type))
            except Exception as exc:
                _add_note(
                    exc,
                    IterableValidationNote(f"Structuring {cl} @ index {index}", index, item_type),
                )
                errors.append(exc)
        if errors:
            raise IterableValidationError(f"While structuring {cl!r}", errors, cl)
        return result

    return structure_sequence


# -- unions -----------------------------------------------------------------------------------


def _tag_values(cl: type[_Model]) -> tuple[tuple[str, ...], bool]:
    """The ``type`` values a class accepts, and whether ``type`` may be absent.

    A class without a ``type`` field accepts no tag and may lack one.
    """
    field = getattr(attrs.fields(attrs.resolve_types(cl)), "type", None)
    if field is None:
        return (), True
    values: list[str] = []
    for arg in (field.type, *get_args(field.type)):
        if get_origin(arg) is Literal:
            values += get_args(arg)
    return tuple(values), field.default is None


def _field_names(cl: type[_Model]) -> frozenset[str]:
    return frozenset(a.name for a in _spec_fields(cl))


def _required_count(cl: type[_Model]) -> int:
    return sum(a.default is not None for a in _spec_fields(cl))


def _union_hook(cl: Any, converter: cattrs.Converter) -> _StructureHook:
    """Dispatch on the JSON type of the value, then on ``type`` among model classes."""
    members = get_args(cl)
    nullable = _NoneType in members
    members = tuple(m for m in members if m is not _NoneType)
    models = [m for m in members if _is_model(m)]
    fallback = next((m for m in members if _is_unknown(m)), None)
    strings = [m for m in members if m is str or _is_literal(m)]
    sequences = [m for m in members if _is_sequence(m)]
    mappings = [m for m in members if _is_mapping(m)]
    numbers = {t: t for t in (bool, int, float) if t in members}

    if str in strings:
        str_hook: _StructureHook | None = _structure_str
    elif strings:
        literal = Literal[tuple(v for m in strings for v in get_args(m))]  # type: ignore[valid-type]
        str_hook = converter.get_structure_hook(literal)
    else:
        str_hook = None

    # Tag -> candidate classes; None holds the classes whose ``type`` may be left out.
    candidates: dict[str | None, list[type[_Model]]] = {}
    for model in models:
        values, optional = _tag_values(model)
        for tag in values:
            candidates.setdefault(tag, []).append(model)
        if optional:
            candidates.setdefault(None, []).append(model)
    model_hooks = {m: converter.get_structure_hook(m) for m in models}
    single = models[0] if len(models) == 1 and fallback is None else None
    seq_type = sequences[0] if sequences else None
    seq_hook = converter.get_structure_hook(seq_type) if seq_type is not None else None
    map_type = mappings[0] if mappings else None

    def structure_object(value: dict[str, Any]) -> Any:
        if single is not None:
            return model_hooks[single](value, single)
        tag = value.get("type")
        group = candidates.get(tag) if tag is None or isinstance(tag, str) else None
        if group is not None:
            if len(group) == 1:
                return model_hooks[group[0]](value, group[0])
            return structure_ambiguous(value, group)
        if fallback is not None:
            return fallback(type=tag if isinstance(tag, str) else None, raw=value)
        if map_type is not None:
            return value
        raise ValueError(f"unexpected object with type {tag!r} for {cl}")

    def structure_ambiguous(value: dict[str, Any], group: list[type[_Model]]) -> Any:
        # Only input unions share tags ("message" is EasyInputMessage, InputMessage and
        # OutputMessage): try the class that names most of the payload's keys first, then the one
        # with most required fields; the first that structures wins.
        def rank(model: type[_Model]) -> tuple[int, int]:
            names = _field_names(model)
            return (sum(key in names for key in value), _required_count(model))

        errors: list[Exception] = []
        for model in sorted(group, key=rank, reverse=True):
            try:
                return model_hooks[model](value, model)
            except (BaseValidationError, TypeError, ValueError, KeyError) as exc:
                errors.append(exc)
        raise errors[0]  # the best-ranked class's complaint is the most useful one

    def structure_union(value: Any, _: Any) -> Any:
        if value is None:
            if nullable:
                return None
        elif isinstance(value, dict):
            if models or fallback is not None or map_type is not None:
                return structure_object(value)
        elif isinstance(value, str):
            if str_hook is not None:
                return str_hook(value, str)
        elif isinstance(value, bool):
            if bool in numbers:
                return value
        elif isinstance(value, (int, float)):
            if int in numbers and (
                isinstance(value, int) or (type(value) is float and value.is_integer())
            ):
                return value
            if float in numbers:
                return value
        elif isinstance(value, list) and seq_hook is not None:
            return seq_hook(value, seq_type)
        raise TypeError(f"{_json_type(value)} is not valid for {cl}")

    return structure_union


# -- models -----------------------------------------------------------------------------------


# The base's own attributes: bookkeeping, never JSON keys.
_BASE_FIELDS = frozenset(a.name for a in attrs.fields(_Model))


def _spec_fields(cl: type[_Model]) -> list[attrs.Attribute[Any]]:
    """The model's own spec fields, in spec order (without ``extra`` and the null bookkeeping)."""
    attrs.resolve_types(cl)
    return [a for a in attrs.fields(cl) if a.name not in _BASE_FIELDS]


def _model_structure_hook(cl: type[_Model], converter: cattrs.Converter) -> _StructureHook:
    fields = _spec_fields(cl)
    # Optional spec fields default to None; required ones have no default, or a tag's literal.
    required = [a.name for a in fields if a.default is not None]
    required_set = frozenset(required)
    types_ = {a.name: a.type for a in fields}
    # JSON key -> (hook, type, required); a ``None`` hook means "plain string, kept as is".
    plan: dict[str, tuple[_StructureHook | None, Any, bool]] = {}

    def resolve() -> None:
        # Done on first use, not in the factory: models refer to themselves (CompoundFilter).
        for name, type_ in types_.items():
            hook = None if type_ is str else converter.get_structure_hook(type_)
            plan[name] = (hook, type_, name in required_set)

    def structure_model(value: Any, _: Any) -> _Model:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object for {cl.__name__}, got {_json_type(value)}")
        if not plan:
            resolve()
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] | None = None
        nulls: list[str] | None = None
        errors: list[Exception] | None = None
        for key, item in value.items():
            step = plan.get(key)
            if step is None:
                if extra is None:
                    extra = {}
                extra[key] = item
                continue
            hook, type_, is_required = step
            if hook is None and type(item) is str:
                kwargs[key] = item  # the most common case, without a call
                continue
            if item is None and not is_required:
                nulls = [key] if nulls is None else [*nulls, key]
                kwargs[key] = None
                continue
            try:
                kwargs[key] = (hook or _structure_str)(item, type_)
            except Exception as exc:
                _add_note(
                    exc, AttributeValidationNote(f"Structuring {cl.__name__}.{key}", key, type_)
                )
                errors = [exc] if errors is None else [*errors, exc]
        if not value.keys() >= required_set:
            for name in required:
                if name not in value:
                    missing = KeyError(name)
                    _add_note(
                        missing,
                        AttributeValidationNote(
                            f"Required {cl.__name__}.{name}", name, types_[name]
                        ),
                    )
                    errors = [missing] if errors is None else [*errors, missing]
        if errors:
            raise ClassValidationError(f"While structuring {cl.__name__}", errors, cl)
        if extra is not None:
            kwargs["extra"] = extra
        instance = cl(**kwargs)
        if nulls is not None:
            # The field is init=False and the class frozen: this is the one sanctioned write.
            object.__setattr__(instance, "_explicit_nulls", frozenset(nulls))
        return instance

    return structure_model


def _is_scalar(cl: Any) -> bool:
    if _is_union(cl):
        return all(_is_scalar(m) for m in get_args(cl))
    return cl in _SCALARS or cl is _NoneType or _is_literal(cl)


def _unknown_structure_hook(cl: type[_Unknown]) -> _StructureHook:
    def structure_unknown(value: Any, _: Any) -> _Unknown:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object for {cl.__name__}, got {_json_type(value)}")
        tag = value.get("type")
        return cl(type=tag if isinstance(tag, str) else None, raw=value)

    return structure_unknown


def _unstructure_unknown(obj: _Unknown) -> Any:
    return obj.raw
