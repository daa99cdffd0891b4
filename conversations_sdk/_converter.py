"""The one cattrs converter: every JSON body goes through it on its way in or out.

``make_converter()`` builds a :class:`cattrs.Converter` and registers all hooks; ``CONVERTER`` is the
instance the resources use (never cattrs' global converter, which other libraries may configure).
It owns these wire rules and nothing else (no I/O, no HTTP):

* **unknown tags** — a tagged union dispatches on ``type``; an absent or new tag becomes the union's
  ``Unknown*`` member holding the untouched payload (never an error, never a known class);
* **unknown fields** — keys a model does not declare go to its ``extra`` mapping and come back out;
* **unknown enum values** — enum fields are typed ``Literal[...] | str``, so any string is accepted;
* **exact round trip** — an optional field sent as ``null`` is remembered, so it is sent back as
  ``null`` while an absent one stays absent; numbers keep their JSON type (``1`` stays ``1``);
* **request bodies** — :func:`unstructure_body` drops ``NOT_GIVEN`` keys and keeps ``None`` as
  ``null``, so ``update(metadata=None)`` sends ``{"metadata": null}``.

The converter's hooks are strict about JSON types (a string where an integer belongs is an error,
not coerced; an integral float such as ``1.0`` is an integer, as in JSON Schema, and stays a float).
:func:`structure_response` uses them as they are with ``strict=True``, turning any failure into
:class:`ResponseValidationError` whose message lists each bad field by path
(``$.data[3].content[0].text``). By default it reads a JSON object body leniently instead
(``_Tolerant``): what does not fit is kept as sent, never coerced, and listed in the result's
``validation_issues``; the generated unstructure functions send such objects back exactly as read.

Each model is structured by a function generated for it on first use (``_FastPaths``): straight-line
code for well-formed bodies, which hands over to the detailed field-by-field hooks on any doubt, so
results and error messages are the detailed hooks' own. ``bench/structure_page.py`` measures it.
"""

from __future__ import annotations

import collections.abc
import threading
import types
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, overload

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    BaseValidationError,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)

from ._errors import ResponseValidationError
from ._logging import logger
from ._params import NotGiven
from .models._base import ValidationIssue, _Model, _Tolerance, _Unknown

__all__ = [
    "CONVERTER",
    "NO_CONTENT",
    "make_converter",
    "structure_no_content",
    "structure_response",
    "unstructure_body",
]

_T = TypeVar("_T")
_StructureHook = Callable[[Any, Any], Any]
_UnstructureHook = Callable[[Any], Any]
_NoneType = type(None)
_SEQUENCES = (list, collections.abc.Sequence)
_MAPPINGS = (dict, collections.abc.Mapping)
# JSON scalars: their Python values are already what the wire needs, so unstructuring skips them.
_SCALARS = (str, int, float, bool)


class _Converter(cattrs.Converter):
    """A cattrs converter that also carries its tolerant reader (see :class:`_Tolerant`)."""

    __slots__ = ("tolerant",)
    tolerant: _Tolerant


def make_converter() -> cattrs.Converter:
    """Build a converter with every hook this SDK needs.

    Returns:
        A new :class:`cattrs.Converter`; tests build their own, the SDK uses :data:`CONVERTER`.
    """
    converter = _Converter(detailed_validation=True)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook_func(lambda cl: cl is Any, _passthrough)
    converter.register_structure_hook_factory(_is_literal, _literal_hook)
    converter.register_structure_hook_factory(_is_mapping, _mapping_hook)
    converter.register_structure_hook_factory(_is_sequence, _sequence_hook)
    converter.register_structure_hook_factory(_is_union, _union_hook)
    converter.register_structure_hook_factory(_is_unknown, _unknown_structure_hook)
    fast = _FastPaths(converter)
    converter.register_structure_hook_factory(_is_model, fast.structure_hook)
    converter.register_unstructure_hook_factory(_is_unknown, lambda _: _unstructure_unknown)
    converter.register_unstructure_hook_factory(_is_model, fast.unstructure_hook)
    converter.tolerant = _Tolerant(converter, fast)
    return converter


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


# -- the fast path ------------------------------------------------------------------------------
# The hooks above check field by field, through a hook call per value and a frozen-class
# ``object.__setattr__`` per attribute: ~5x ``json.loads`` for a 100-item page. Nearly every body
# is well formed, so each model also gets one generated, straight-line function (on first use,
# like cattrs' own generated hooks) that reads its known keys, checks their JSON types with
# ``type(x) is ...`` and builds the object. It accepts only what the detailed hooks accept, and
# only values those hooks return unchanged (or, for nested models and lists, what they would
# build); on the slightest doubt it raises, and the model's hook runs the detailed path instead,
# so every error message, and every odd-but-valid body, is the detailed path's own.


class _GiveUp(Exception):
    """Raised by generated code: this body is not one the fast path is sure about."""


_ABSENT = object()


class _FastPaths:
    """The generated functions of one converter, and the hooks that use them.

    Generated code lives in one namespace per converter and refers to other generated functions
    by name, so recursive models (``CompoundFilter``) need no special case.
    """

    def __init__(self, converter: cattrs.Converter) -> None:
        self._converter = converter
        self._lock = threading.RLock()
        # (model class or union of models, tagged) -> function name
        self._names: dict[tuple[Any, bool], str] = {}
        self._stubs: dict[str, Callable[[Any], Any]] = {}  # names not compiled yet
        self._union_tables: dict[Any, str] = {}  # union of models -> name of its tag table
        self._unstructure_hooks = _HookTable(converter)
        # Tag tables of union dispatchers still holding a stub: name -> (table, tag) to update.
        self._tables: dict[str, list[tuple[dict[str, Any], str]]] = {}
        self._ns: dict[str, Any] = {
            "_GiveUp": _GiveUp,
            "_ABSENT": _ABSENT,
            "_new": object.__new__,
            "_setattr": object.__setattr__,
            "_hooks": self._unstructure_hooks,
            "_lenient": lambda o: _unstructure_lenient(converter, o),
        }

    # -- hooks ----------------------------------------------------------------------------------

    def structure_hook(self, cl: type[_Model]) -> _StructureHook:
        slow = _model_structure_hook(cl, self._converter)
        fast: Callable[[Any], Any] | None = None

        def structure_model(value: Any, _: Any) -> Any:
            nonlocal fast
            if fast is None:
                fast = self.function(cl)  # not in the factory: models refer to themselves
            try:
                return fast(value)
            except Exception:  # any doubt: the detailed path decides, and explains
                return slow(value, cl)

        return structure_model

    def unstructure_hook(self, cl: type[_Model]) -> _UnstructureHook:
        with self._lock:  # names and constants are numbered: one generator at a time
            return self._unstructure_function(cl)

    def _unstructure_function(self, cl: type[_Model]) -> _UnstructureHook:
        fields = _spec_fields(cl)
        lines = [
            f"def _u{len(self._ns)}(o):  # {cl.__name__}",
            "    if o._tolerance is not None:",  # read leniently: values may be kept as sent
            "        return _lenient(o)",
        ]
        if any(a.default is None for a in fields):
            lines.append("    nulls = o._explicit_nulls")
        # Leading required fields go in one dict display; keys keep the spec's order.
        lead = 0
        while lead < len(fields) and fields[lead].default is not None:
            lead += 1
        entries = []
        for a in fields[:lead]:  # required: sent even when None (a nullable field)
            value = self._unstructure_expr(a.type, f"o.{a.name}")
            if value != f"o.{a.name}":
                value = f"None if o.{a.name} is None else {value}"
            entries.append(f"{a.name!r}: {value}")
        lines.append(f"    out = {{{', '.join(entries)}}}")
        for a in fields[lead:]:
            key = repr(a.name)
            value = self._unstructure_expr(a.type, "x")
            lines.append(f"    x = o.{a.name}")
            if a.default is not None:
                expr = "x" if value == "x" else f"None if x is None else {value}"
                lines.append(f"    out[{key}] = {expr}")
            else:  # optional: sent when set, or when it arrived as an explicit null
                lines += [
                    "    if x is not None:",
                    f"        out[{key}] = {value}",
                    f"    elif {key} in nulls:",
                    f"        out[{key}] = None",
                ]
        lines += ["    if o.extra:", "        out.update(o.extra)", "    return out"]
        return self._exec(lines)  # type: ignore[no-any-return]

    def _unstructure_expr(self, cl: Any, x: str) -> str:
        """The cheapest correct expression unstructuring the (non-None) value ``x``."""
        if _is_scalar(cl) or _is_mapping(cl) or cl is Any:
            return x  # JSON values already
        hooks = "_hooks"
        if _is_sequence(cl):
            args = get_args(cl)
            if args and _is_scalar(args[0]):
                return f"list({x})"
            return f"[{hooks}[i.__class__](i) for i in {x}] if {x} else []"
        # Models, unions of models and unions with arrays: dispatch on the runtime class, as
        # ``converter.unstructure`` does.
        return f"{hooks}[{x}.__class__]({x})"

    # -- generation -----------------------------------------------------------------------------

    def function(self, cl: Any) -> Callable[[Any], Any]:
        """The generated function for a model class (or a union of models), compiled now."""
        with self._lock:  # names and constants are numbered: one generator at a time
            return self._compile(cl, self._ref(cl))

    def _ref(self, cl: Any, tagged: bool = False) -> str:
        """The name generated code calls ``cl``'s function by.

        ``tagged``: the variant for callers that dispatched on ``type`` already, so the model need
        not check its own tag again. Until first called, the name holds a stub that compiles the
        real function and puts it in its place: a page of messages compiles a few functions, not
        the ~150 the item union reaches.
        """
        name = self._names.get((cl, tagged))
        if name is None:
            name = self._names[cl, tagged] = f"_f{len(self._names)}"

            def compile_on_first_call(value: Any) -> Any:
                return self._compile(cl, name, tagged)(value)

            self._ns[name] = compile_on_first_call
            self._stubs[name] = compile_on_first_call
        return name

    def _compile(self, cl: Any, name: str, tagged: bool = False) -> Callable[[Any], Any]:
        with self._lock:
            if name in self._stubs:
                if _is_model(cl):
                    lines = self._model_lines(cl, name, tagged)
                else:
                    lines = self._union_lines(cl, name)
                function = self._exec(lines)
                del self._stubs[name]
                for table, tag in self._tables.pop(name, ()):
                    table[tag] = function
            return self._ns[name]  # type: ignore[no-any-return]

    def _const(self, value: Any) -> str:
        name = f"_c{len(self._ns)}"
        self._ns[name] = value
        return name

    def _exec(self, lines: list[str]) -> Any:
        name = lines[0][4 : lines[0].index("(")]
        code = "\n".join(lines)
        exec(compile(code, f"<conversations_sdk fast path {name}>", "exec"), self._ns)  # noqa: S102 - our own generated code, as cattrs does
        return self._ns[name]

    def _union_lines(self, cl: Any, name: str) -> list[str]:
        # The detailed union hook's dispatch, for the cases it sends straight to one model;
        # everything else (null, unknown or absent tags, shared tags, non-objects) goes to it.
        slow = f"{self._const(self._converter.get_structure_hook(cl))}(v, {self._const(cl)})"
        models = [m for m in get_args(cl) if _is_model(m)]
        table = self._tag_table(cl)
        if table is None:
            return [
                f"def {name}(v):",
                "    if type(v) is dict:",
                f"        return {self._ref(models[0])}(v)",
                f"    return {slow}",
            ]
        return [
            f"def {name}(v):",
            "    if type(v) is dict:",
            "        t = v.get('type')",
            "        if type(t) is str:",
            f"            f = {table}.get(t)",
            "            if f is not None:",
            "                return f(v)",
            f"    return {slow}",
        ]

    def _tag_table(self, cl: Any) -> str | None:
        """Name of the union's ``type`` -> function table (None: one model takes every object).

        Only tags that name exactly one class are in it, as the detailed union hook decides.
        """
        members = get_args(cl)
        models = [m for m in members if _is_model(m)]
        if len(models) == 1 and not any(_is_unknown(m) for m in members):
            return None
        name = self._union_tables.get(cl)
        if name is not None:
            return name
        candidates: dict[str, list[type[_Model]]] = {}
        for model in models:
            for tag in _tag_values(model)[0]:
                candidates.setdefault(tag, []).append(model)
        table: dict[str, Any] = {}
        for tag, group in candidates.items():
            if len(group) == 1:
                ref = self._ref(group[0], tagged=True)
                table[tag] = self._ns[ref]
                if ref in self._stubs:
                    self._tables.setdefault(ref, []).append((table, tag))
        name = self._union_tables[cl] = self._const(table)
        return name

    def _model_lines(self, cl: type[_Model], name: str, tagged: bool) -> list[str]:
        fields = _spec_fields(cl)
        required = [(i, a) for i, a in enumerate(fields) if a.default is not None]
        optional = [(i, a) for i, a in enumerate(fields) if a.default is None]
        lines = [
            f"def {name}(v):  # {cl.__name__}",
            "    if type(v) is not dict:",
            "        raise _GiveUp",
        ]
        for index, a in required:  # present, and valid (None only if nullable)
            if tagged and a.name == "type":  # the caller found it in this class's tag table
                lines.append(f"    a{index} = v['type']")
                continue
            lines.append(f"    x = v[{a.name!r}]")
            lines += self._value_lines(a.type, f"a{index}", "    ")
        # All required keys are there: if nothing else is, no optional field and no unknown one is
        # (the common case, which then skips every lookup below).
        lines += [
            f"    if len(v) == {len(required)}:",
            "        nulls = None",
            "        extra = {}",
        ]
        lines += [f"        a{index} = None" for index, _ in optional]
        lines += ["    else:", f"        n = {len(required)}", "        nulls = None"]
        for index, a in optional:  # absent, an explicit null (remembered), or valid
            key, target = repr(a.name), f"a{index}"
            lines += [
                f"        x = v.get({key}, _ABSENT)",
                "        if x is _ABSENT:",
                f"            {target} = None",
                "        elif x is None:",
                "            n += 1",
                f"            {target} = None",
                f"            nulls = [{key}] if nulls is None else [*nulls, {key}]",
                "        else:",
                "            n += 1",
            ]
            lines += self._value_lines(a.type, target, "            ")
        known = self._const(frozenset(a.name for a in fields))
        lines += [
            "        if len(v) == n:",
            "            extra = {}",
            "        else:  # keys this SDK does not know, in the body's order",
            f"            extra = {{k: x for k, x in v.items() if k not in {known}}}",
        ]
        return lines + self._build_lines(cl, fields)

    def _build_lines(self, cl: type[_Model], fields: list[attrs.Attribute[Any]]) -> list[str]:
        values = {a.name: f"a{i}" for i, a in enumerate(fields)}
        nulls = f"{self._const(frozenset())} if nulls is None else frozenset(nulls)"
        shadow = _shadow_class(cl)
        if shadow is None:
            kwargs = ", ".join(f"{a.alias}={values[a.name]}" for a in fields)
            return [
                f"    o = {self._const(cl)}({kwargs}, extra=extra)",
                "    if nulls is not None:",
                "        _setattr(o, '_explicit_nulls', frozenset(nulls))",
                "    return o",
            ]
        # Same slots, same values as attrs' __init__ would set, minus its per-attribute
        # object.__setattr__ (see _shadow_class).
        lines = [f"    o = _new({self._const(shadow)})"]
        for a in attrs.fields(cl):
            if a.name in values:
                value = values[a.name]
            elif a.name == "extra":
                value = "extra"
            elif a.name == "_explicit_nulls":
                value = nulls
            else:
                value = "None" if a.default is None else self._const(a.default)
            lines.append(f"    o.{a.name} = {value}")
        return [*lines, f"    o.__class__ = {self._const(cl)}", "    return o"]

    def _value_lines(self, cl: Any, target: str, indent: str) -> list[str]:
        """Check ``x`` (present, and not an optional field's null) and set ``target`` from it."""
        give_up = f"{indent}    raise _GiveUp"
        check = self._check(cl, "x")
        if check == "True":
            return [f"{indent}{target} = x"]
        if check is not None:
            return [f"{indent}if not ({check}):", give_up, f"{indent}{target} = x"]
        members = get_args(cl) if _is_union(cl) else (cl,)
        rest = [m for m in members if m is not _NoneType]
        nullable = len(rest) < len(members)
        if any(_is_model(m) for m in rest) and (len(rest) > 1 or not nullable):
            return [f"{indent}{target} = {self._ref(cl)}(x)"]  # a model, or a tagged union
        if len(rest) == 1 and (_is_sequence(rest[0]) or _is_model(rest[0])):
            inner = rest[0]
            if not nullable:  # a list (a plain model was handled above)
                return self._list_lines(inner, target, indent)
            head = [f"{indent}if x is None:", f"{indent}    {target} = None", f"{indent}else:"]
            if _is_model(inner):
                return [*head, f"{indent}    {target} = {self._ref(inner)}(x)"]
            return head + self._list_lines(inner, target, indent + "    ")
        hook = self._converter.get_structure_hook(cl)  # anything rarer: the detailed hook itself
        return [f"{indent}{target} = {self._const(hook)}(x, {self._const(cl)})"]

    def _list_lines(self, cl: Any, target: str, indent: str) -> list[str]:
        args = get_args(cl)
        item = args[0] if args else Any
        lines = [f"{indent}if type(x) is not list:", f"{indent}    raise _GiveUp"]
        check = self._check(item, "i")
        if check == "True":
            return [*lines, f"{indent}{target} = list(x)"]
        if check is not None:
            return [
                *lines,
                f"{indent}for i in x:",
                f"{indent}    if not ({check}):",
                f"{indent}        raise _GiveUp",
                f"{indent}{target} = list(x)",
            ]
        members = get_args(item) if _is_union(item) else (item,)
        if not any(_is_model(m) for m in members):
            hook = self._const(self._converter.get_structure_hook(item))
            call = f"{hook}({{}}, {self._const(item)})"
        elif _is_union(item) and all(_is_model(m) or _is_unknown(m) for m in members):
            # Items, content parts, annotations: the union's dispatch inlined, one call less per
            # element; an element that is not a tagged object makes this raise (detailed path).
            table = self._tag_table(item) or "{}"
            call = f"{table}.get({{0}}.get('type'), {self._ref(item)})({{0}})"
        else:
            call = f"{self._ref(item)}({{}})"
        # Empty and one-element lists are most lists (annotations, logprobs, content): no loop.
        return [
            *lines,
            f"{indent}if not x:",
            f"{indent}    {target} = []",
            f"{indent}elif len(x) == 1:",
            f"{indent}    {target} = [{call.format('x[0]')}]",
            f"{indent}else:",
            f"{indent}    {target} = [{call.format('i')} for i in x]",
        ]

    def _check(self, cl: Any, x: str) -> str | None:
        """An expression true only for values the detailed hook would return unchanged."""
        if cl is Any:
            return "True"
        if not _is_union(cl):
            return None if cl is _NoneType else self._member_check(cl, x, False)
        members = get_args(cl)
        checks = [self._member_check(m, x, str in members) for m in members]
        if any(c is None for c in checks):
            return None
        return " or ".join(c for c in checks if c) or "False"

    def _member_check(self, cl: Any, x: str, any_string: bool) -> str | None:
        if cl is _NoneType:
            return f"{x} is None"
        if cl is str:
            return f"type({x}) is str"
        if _is_literal(cl):
            if any_string:
                return ""  # the union's ``str`` accepts it already
            allowed = frozenset(v for v in get_args(cl) if isinstance(v, str))
            return f"(type({x}) is str and {x} in {self._const(allowed)})"
        if cl is bool:
            return f"type({x}) is bool"
        if cl is int:
            return f"type({x}) is int"
        if cl is float:  # an integral number stays an int
            return f"type({x}) is float or type({x}) is int"
        if _is_mapping(cl):  # free-form JSON objects are kept as received
            return f"type({x}) is dict"
        return None


class _HookTable(dict[type, _UnstructureHook]):
    """Runtime class -> the converter's unstructure hook, looked up on first sight.

    ``converter.unstructure(v)`` does the same lookup through a method call and cattrs' dispatch.
    """

    def __init__(self, converter: cattrs.Converter) -> None:
        super().__init__()
        self._converter = converter

    def __missing__(self, cl: type) -> _UnstructureHook:
        hook: _UnstructureHook = self._converter.get_unstructure_hook(cl)
        self[cl] = hook
        return hook


def _shadow_class(cl: type[_Model]) -> type | None:
    """A subclass of ``cl`` with plain slot assignment, or None where that trick is not sound.

    attrs' frozen ``__init__`` sets each slot through ``object.__setattr__`` (~150 ns each). The
    generated code instead fills an instance of this subclass with ordinary attribute stores and
    then makes it a ``cl``: same slots, same values, same class as ``cl(...)`` would give. That
    holds only for a slotted class whose ``__init__`` does nothing else (no validators,
    converters or post-init hooks), so anything else is built through ``cl(...)``.
    """
    if "__slots__" not in cl.__dict__ or hasattr(cl, "__attrs_post_init__"):
        return None
    if hasattr(cl, "__attrs_pre_init__"):
        return None
    for a in attrs.fields(cl):
        if a.validator is not None or a.converter is not None:
            return None
        if isinstance(a.default, attrs.Factory) and a.name != "extra":  # type: ignore[arg-type]
            return None
    # Both hooks must be object's own, or CPython keeps the slow generic-slot path for stores.
    namespace: dict[str, Any] = {
        "__slots__": (),
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
    }
    shadow = type(f"_Building{cl.__name__}", (cl,), namespace)
    probe: Any = object.__new__(shadow)
    try:
        probe.__class__ = cl  # CPython allows it for the same slot layout
    except TypeError:
        return None
    return shadow


# -- the tolerant reader ----------------------------------------------------------------------
# The real API does not always match its spec. By default a 2xx object body is read leniently:
# the fast path (and for each nested value, the strict hooks) first, so a well-formed body costs
# what it always did; where they refuse, the value is rebuilt here, one level at a time, keeping
# whatever does not fit exactly as sent and recording where, so nothing is lost or altered.


def _expected(cl: Any) -> str:
    """What the spec promises for ``cl``, in words (spec constants only, never body values)."""
    if cl is Any:
        return "any JSON value"
    if _is_union(cl):
        parts: list[str] = []
        for member in get_args(cl):
            text = _expected(member)
            if text not in parts:
                parts.append(text)
        return " or ".join(parts)
    if _is_literal(cl):
        return "one of " + ", ".join(repr(v) for v in get_args(cl))
    if _is_model(cl) or _is_unknown(cl) or _is_mapping(cl):
        return "an object"
    if _is_sequence(cl):
        return "an array"
    return {str: "a string", int: "an integer", float: "a number", bool: "a boolean"}.get(
        cl, "null" if cl is _NoneType else getattr(cl, "__name__", str(cl))
    )


def _got(cl: Any, value: Any) -> str:
    if isinstance(value, str) and any(_is_literal(m) for m in (cl, *get_args(cl))):
        return "an unknown string"  # a new constant: the value is not logged
    return _json_type(value)


def _structural(cl: Any) -> bool:
    """Whether ``cl`` is a nested structure (object or array), not a scalar."""
    members = get_args(cl) if _is_union(cl) else (cl,)
    members = tuple(m for m in members if m is not _NoneType)
    if any(m in _SCALARS or _is_literal(m) or m is Any for m in members):
        return False
    return bool(members)


def _prefixed(issues: Any, step: str) -> list[ValidationIssue]:
    return [ValidationIssue("$" + step + i.path[1:], i.expected, i.got) for i in issues]


_NO_ISSUES: tuple[ValidationIssue, ...] = ()


def _REPAIR(value: Any) -> Any:
    """A marker entry: no strict reader to try first (lists), repair directly."""
    raise NotImplementedError


_Result = tuple[Any, Any, bool]  # value, its issues (paths from the value), cannot-be-built


class _Reading:
    """One tolerant read: the (model, field, kind) deviations to log once per process."""

    __slots__ = ("field", "seen")

    def __init__(self, model: str) -> None:
        self.field = (model, "")
        self.seen: dict[tuple[str, str, str], str] = {}

    def issue(self, path: str, expected: str, got: str) -> ValidationIssue:
        self.seen.setdefault((*self.field, got), expected)
        return ValidationIssue(path, expected, got)


_warned: set[tuple[str, str, str]] = set()
_warned_lock = threading.Lock()


def _warn_once(seen: Mapping[tuple[str, str, str], str]) -> None:
    with _warned_lock:
        new = [(key, seen[key]) for key in seen if key not in _warned]
        _warned.update(key for key, _ in new)
    for (model, field, got), expected in new:
        # Never the value: it may be private. The object's validation_issues say where.
        logger.warning(
            "a body did not match the spec: %s%s is %s, expected %s; read anyway (kept as "
            "sent, None if missing; see validation_issues; logged once per process)",
            model,
            f".{field}" if field else "",
            got,
            expected,
        )


class _Tolerant:
    """The tolerant reader of one converter: never raises for a value inside an object body."""

    def __init__(self, converter: cattrs.Converter, fast: _FastPaths) -> None:
        self._converter = converter
        self._fast = fast
        self._entry: dict[Any, Callable[[Any], Any]] = {}
        # model -> [(name, type, required, null allowed)]
        self._plans: dict[type, list[tuple[str, Any, bool, bool]]] = {}
        self._tags: dict[Any, dict[str | None, list[type[_Model]]]] = {}

    def structure(self, body: dict[str, Any], cl: Any) -> Any:
        """Read ``body`` as ``cl``: the fast path, or a lenient rebuild that records issues."""
        entry = self._entry.get(cl) or self._make_entry(cl)
        if entry is not _REPAIR:
            try:
                return entry(body)
            except Exception:  # noqa: S110 - the careful path below decides, and records why
                pass
        reading = _Reading(getattr(cl, "__name__", "response"))
        value, issues, _ = self.repair(cl, body, reading)
        if issues:
            _set_issues(value, tuple(issues))
        if reading.seen:
            _warn_once(reading.seen)
        return value

    # -- one value ------------------------------------------------------------------------------

    def _make_entry(self, cl: Any) -> Callable[[Any], Any]:
        """The strict reader of ``cl`` tried first: the generated fast path for models and their
        unions (it gives up at once on anything odd, where the detailed hooks would build an
        error first), the strict hook for the rest; lists are repaired element by element."""
        entry: Callable[[Any], Any]
        if _is_sequence(cl):
            entry = _REPAIR
        elif _is_model(cl) or (_is_union(cl) and any(_is_model(m) for m in get_args(cl))):
            entry = self._fast.function(cl)
        else:
            hook = self._converter.get_structure_hook(cl)

            def entry(value: Any, hook: _StructureHook = hook, cl: Any = cl) -> Any:
                return hook(value, cl)

        self._entry[cl] = entry
        return entry

    def value(self, cl: Any, value: Any, reading: _Reading) -> _Result:
        """``value`` as ``cl``: the strict reader's result if it accepts it, else a repair."""
        entry = self._entry.get(cl) or self._make_entry(cl)
        if entry is not _REPAIR:
            try:
                return entry(value), _NO_ISSUES, False
            except Exception:  # noqa: S110 - repaired below
                pass
        return self.repair(cl, value, reading)

    def repair(self, cl: Any, value: Any, reading: _Reading) -> _Result:
        """Build what can be built of ``value``; keep the rest as sent, with its issues."""
        if cl is Any:
            return value, _NO_ISSUES, False
        if _is_model(cl) and type(value) is dict:
            return self.model(cl, value, reading)
        if _is_union(cl):
            return self.union(cl, value, reading)
        if _is_sequence(cl) and type(value) is list:
            args = get_args(cl)
            item_type = args[0] if args else Any
            items: list[Any] = []
            issues: list[ValidationIssue] = []
            for index, item in enumerate(value):
                built, found, _ = self.value(item_type, item, reading)
                items.append(built)
                if found:
                    issues += _prefixed(found, f"[{index}]")
            return items, issues, False
        issue = reading.issue("$", _expected(cl), _got(cl, value))
        return value, (issue,), _structural(cl)

    def union(self, cl: Any, value: Any, reading: _Reading) -> _Result:
        members = get_args(cl)
        fallback = next((m for m in members if _is_unknown(m)), None)
        if type(value) is dict:
            candidates = self._candidates(cl)
            if candidates:
                tag = value.get("type")
                group = candidates.get(tag) if tag is None or isinstance(tag, str) else None
                if group:
                    return self.member(group, value, fallback, reading)
                if fallback is not None:
                    return (
                        fallback(type=tag if isinstance(tag, str) else None, raw=value),
                        (),
                        False,
                    )
            if any(_is_mapping(m) for m in members):
                return value, _NO_ISSUES, False
        elif type(value) is list:
            sequence = next((m for m in members if _is_sequence(m)), None)
            if sequence is not None:
                return self.repair(sequence, value, reading)
        issue = reading.issue("$", _expected(cl), _got(cl, value))
        return value, (issue,), _structural(cl)

    def member(
        self, group: list[type[_Model]], value: dict[str, Any], fallback: Any, reading: _Reading
    ) -> _Result:
        """A union member by its tag; one that cannot be built at all becomes ``fallback``."""
        if len(group) > 1:  # shared tags (input unions): the class naming most keys, as strict
            group = sorted(group, key=lambda m: sum(k in _field_names(m) for k in value))
        model = group[-1]
        built, issues, broken = self.model(model, value, reading)
        if broken and fallback is not None:
            reason = "; ".join(f"{i.path}: expected {i.expected}, got {i.got}" for i in issues)
            tag = value.get("type")
            unknown = fallback(
                type=tag if isinstance(tag, str) else None,
                raw=value,
                reason=f"not a valid {model.__name__}: {reason}",
            )
            object.__setattr__(unknown, "_issues", tuple(issues))
            return unknown, issues, False
        return built, issues, False

    def _candidates(self, cl: Any) -> dict[str | None, list[type[_Model]]]:
        table = self._tags.get(cl)
        if table is None:
            table = {}
            for model in (m for m in get_args(cl) if _is_model(m)):
                values, optional = _tag_values(model)
                for tag in values:
                    table.setdefault(tag, []).append(model)
                if optional:
                    table.setdefault(None, []).append(model)
            self._tags[cl] = table
        return table

    # -- one object -----------------------------------------------------------------------------

    def _plan(self, cl: type[_Model]) -> list[tuple[str, Any, bool, bool]]:
        plan = self._plans.get(cl)
        if plan is None:
            plan = []
            for a in _spec_fields(cl):
                members = get_args(a.type) if _is_union(a.type) else (a.type,)
                nullable = _NoneType in members or a.type is Any
                plan.append((a.name, a.type, a.default is not None, nullable))
            self._plans[cl] = plan
        return plan

    def model(self, cl: type[_Model], value: dict[str, Any], reading: _Reading) -> _Result:
        """Build ``cl`` from an object body field by field; never raises for a field's value."""
        kwargs: dict[str, Any] = {}
        issues: list[ValidationIssue] = []
        nulls: list[str] = []
        absent: list[str] = []
        kept: list[str] = []
        broken = False
        outer = reading.field
        name = cl.__name__
        for key, type_, required, nullable in self._plan(cl):
            reading.field = (name, key)
            if key not in value:
                kwargs[key] = None
                if required:  # read as None, and left out again on the way back
                    absent.append(key)
                    issues.append(reading.issue(f"$.{key}", "present", "missing"))
                continue
            item = value[key]
            if item is None:
                kwargs[key] = None
                if not required:
                    nulls.append(key)
                elif not nullable:
                    issues.append(reading.issue(f"$.{key}", _expected(type_), "null"))
                continue
            built, found, bad = self.value(type_, item, reading)
            kwargs[key] = built
            if found:
                issues += _prefixed(found, f".{key}")
                if built is item and not _is_scalar(type_):
                    kept.append(key)  # not built: sent back exactly as received
                broken = broken or bad
        reading.field = outer
        names = self._known(cl)
        extra = {k: v for k, v in value.items() if k not in names}
        obj = cl(**kwargs, extra=extra)
        if nulls:
            object.__setattr__(obj, "_explicit_nulls", frozenset(nulls))
        if issues or absent:
            tolerance = _Tolerance(tuple(issues), frozenset(absent), frozenset(kept))
            object.__setattr__(obj, "_tolerance", tolerance)
        return obj, issues, broken

    def _known(self, cl: type[_Model]) -> frozenset[str]:
        return frozenset(name for name, *_ in self._plan(cl))


def _set_issues(obj: Any, issues: tuple[ValidationIssue, ...]) -> None:
    """Give the object a read returns every issue of its body (paths from ``$``, the body)."""
    if isinstance(obj, _Model):
        current = obj._tolerance
        if current is None:
            current = _Tolerance(issues)
        else:
            current = _Tolerance(issues, current.absent, current.kept)
        object.__setattr__(obj, "_tolerance", current)
    elif isinstance(obj, _Unknown):
        object.__setattr__(obj, "_issues", issues)


def _unstructure_lenient(converter: cattrs.Converter, obj: _Model) -> dict[str, Any]:
    """The wire form of an object the tolerant reader built: exactly the body it was read from."""
    tolerance = obj._tolerance
    assert tolerance is not None  # noqa: S101 - the generated caller checked it
    nulls = obj._explicit_nulls
    out: dict[str, Any] = {}
    for a in _spec_fields(type(obj)):
        name = a.name
        if name in tolerance.absent:
            continue
        value = getattr(obj, name)
        if value is None:
            if a.default is not None or name in nulls:
                out[name] = None
        elif name in tolerance.kept:
            out[name] = value
        else:
            out[name] = converter.unstructure(value)
    if obj.extra:
        out.update(obj.extra)
    return out


# -- the SDK's entry points ---------------------------------------------------------------------

CONVERTER: cattrs.Converter = make_converter()
"""The converter the resources use."""


@overload
def structure_response(
    body: Any,
    cl: type[_T],
    *,
    request_id: str | None = None,
    converter: cattrs.Converter = ...,
    strict: bool = ...,
) -> _T: ...


@overload
def structure_response(
    body: Any,
    cl: object,
    *,
    request_id: str | None = None,
    converter: cattrs.Converter = ...,
    strict: bool = ...,
) -> Any: ...


def structure_response(
    body: Any,
    cl: Any,
    *,
    request_id: str | None = None,
    converter: cattrs.Converter = CONVERTER,
    strict: bool = False,
) -> Any:
    """Structure a decoded JSON response body into ``cl``.

    Args:
        body: The decoded JSON body.
        cl: The model class the spec promises for this response, or a union alias such as
            ``ConversationItem`` (then the result is typed ``Any``: annotate the variable).
        request_id: The response's ``x-request-id``, carried into the error.
        converter: The converter to use; the SDK's own by default.
        strict: Raise for any deviation from the spec. By default a JSON object body never
            raises because of a field's value: what does not fit is kept as sent and listed in
            the result's ``validation_issues`` (and logged once per kind, without values).

    Returns:
        The structured model.

    Raises:
        ResponseValidationError: The body is not a JSON object (or, with ``strict``, does not
            have the spec's shape); the message lists every bad field by JSON path, and the body
            is attached as ``.body``.
    """
    if not strict and type(body) is dict:
        tolerant: _Tolerant | None = getattr(converter, "tolerant", None)
        if tolerant is not None:
            try:
                return tolerant.structure(body, cl)
            except Exception:  # noqa: S110 - a model's own __init__ refused: the strict path explains
                pass
    try:
        return converter.structure(body, cl)
    except (BaseValidationError, TypeError, ValueError, KeyError) as exc:
        lines = cattrs.transform_error(exc, path="$", format_exception=_describe)
        if len(lines) > _MAX_ERROR_LINES:
            # A page of 100 broken items would otherwise make a message nobody can read.
            more = len(lines) - _MAX_ERROR_LINES
            lines = [*lines[:_MAX_ERROR_LINES], f"and {more} more"]
        name = getattr(cl, "__name__", repr(cl))
        raise ResponseValidationError(
            f"response body is not a valid {name}: " + "; ".join(lines),
            body=body,
            request_id=request_id,
        ) from exc


_MAX_ERROR_LINES = 10


class _NoContent:
    def __repr__(self) -> str:
        return "NO_CONTENT"


NO_CONTENT: Any = _NoContent()
"""What the client passes a structurer for a 204 answer without a body."""


def structure_no_content(body: dict[str, Any], cl: Any) -> Any:
    """The result of a 204 without a body, built from what the call knows (``body``).

    The result records the missing body in its ``validation_issues``, so it is never mistaken
    for an answer the server sent.
    """
    obj = structure_response(body, cl)
    issue = ValidationIssue("$", "a JSON object body", "no body (HTTP 204)")
    _set_issues(obj, (issue, *getattr(obj, "validation_issues", ())))
    return obj


def _describe(exc: BaseException, _: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    return str(exc)


def unstructure_body(
    fields: Mapping[str, Any], *, converter: cattrs.Converter = CONVERTER
) -> dict[str, Any]:
    """Build a JSON request body: ``NOT_GIVEN`` values are left out, ``None`` is sent as ``null``.

    Args:
        fields: Request fields by JSON key; values may be models, plain JSON, or ``NOT_GIVEN``.
        converter: The converter to use; the SDK's own by default.

    Returns:
        A JSON-ready dict with exactly the keys the caller passed.
    """
    return {
        key: converter.unstructure(value)
        for key, value in fields.items()
        if not isinstance(value, NotGiven)
    }
