"""The generated fast path: one straight-line structuring function per model, compiled on first use.

The detailed hooks (``_hooks.py``) check field by field, through a hook call per value and a
frozen-class ``object.__setattr__`` per attribute: ~5x ``json.loads`` for a 100-item page. Nearly
every body is well formed, so each model also gets one generated function (like cattrs' own
generated hooks) that reads its known keys, checks their JSON types with ``type(x) is ...`` and
builds the object. It accepts only what the detailed hooks accept, and only values those hooks
return unchanged (or, for nested models and lists, what they would build); on the slightest doubt
it gives up, and the detailed path runs instead, so every error message, and every odd-but-valid
body, is the detailed path's own.

Generated source is registered in :mod:`linecache` under a pseudo-filename
(``<conversations_sdk fast path: Message (_f3)>``), so tracebacks, ``pdb`` and ``inspect`` show it.
Every give-up is counted by model and reason (:meth:`_FastPaths.stats`, read through
``conversations_sdk._converter.fast_path_stats``): a clean body never gives up, so a count on
clean traffic is a fast-path bug worth a look, never silent.
"""

from __future__ import annotations

import itertools
import linecache
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any, get_args

import attrs
import cattrs

from ..models._base import _Model
from ._hooks import (
    _is_literal,
    _is_mapping,
    _is_model,
    _is_scalar,
    _is_sequence,
    _is_union,
    _is_unknown,
    _model_structure_hook,
    _NoneType,
    _spec_fields,
    _StructureHook,
    _tag_values,
    _UnstructureHook,
)
from ._tolerant import _unstructure_lenient


class _GiveUp(Exception):
    """Raised by generated code: this body is not one the fast path is sure about.

    Its one argument says why (``"Message.content: not an array"``): a constant of the generated
    code, never a value from the body, so the counts can be printed and logged.
    """


_ABSENT = object()
# Numbers each converter's generated code, so two converters never share a pseudo-filename.
_serial = itertools.count(1)


def _reason(exc: Exception) -> str:
    """Why generated code gave up, without any value from the body."""
    if isinstance(exc, _GiveUp) and exc.args:
        return str(exc.args[0])
    if type(exc) is KeyError and exc.args and isinstance(exc.args[0], str):
        return f"missing {exc.args[0]!r}"  # a required key (a name from the spec)
    return type(exc).__name__  # e.g. a detailed hook's TypeError: its message may quote values


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
        self._serial = next(_serial)
        self._give_ups: Counter[tuple[str, str]] = Counter()
        self._labels: dict[Any, str] = {}  # model or union -> its name in the counts
        self._stats_lock = threading.Lock()
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
            except Exception as exc:  # any doubt: the detailed path decides, and explains
                self.gave_up(cl, exc)
                return slow(value, cl)

        return structure_model

    # -- give-ups -------------------------------------------------------------------------------

    def gave_up(self, cl: Any, exc: Exception) -> None:
        """Count one give-up of ``cl``'s generated function (only on that rare path)."""
        label = self._labels.get(cl)
        if label is None:
            label = self._labels[cl] = cl.__name__ if isinstance(cl, type) else _union_label(cl)
        key = (label, _reason(exc))
        with self._stats_lock:
            self._give_ups[key] += 1

    def stats(self, *, reset: bool = False) -> dict[tuple[str, str], int]:
        """A copy of the give-up counts by (model, reason); see ``fast_path_stats``."""
        with self._stats_lock:
            counts = dict(self._give_ups)
            if reset:
                self._give_ups.clear()
        return counts

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
        first = lines[0]
        name = first[4 : first.index("(")]
        label = first.partition("  # ")[2] or name
        code = "\n".join(lines) + "\n"
        # A pseudo-filename registered in linecache, as cattrs does for its generated hooks:
        # tracebacks, pdb and inspect.getsource then show the generated lines. An entry without
        # an mtime is kept by linecache.checkcache.
        filename = f"<conversations_sdk fast path #{self._serial}: {label} ({name})>"
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        exec(compile(code, filename, "exec"), self._ns)  # noqa: S102 - our own generated code, as cattrs does
        return self._ns[name]

    def _union_lines(self, cl: Any, name: str) -> list[str]:
        # The detailed union hook's dispatch, for the cases it sends straight to one model;
        # everything else (null, unknown or absent tags, shared tags, non-objects) goes to it.
        slow = f"{self._const(self._converter.get_structure_hook(cl))}(v, {self._const(cl)})"
        models = [m for m in get_args(cl) if _is_model(m)]
        label = _union_label(cl)
        table = self._tag_table(cl)
        if table is None:
            return [
                f"def {name}(v):  # {label}",
                "    if type(v) is dict:",
                f"        return {self._ref(models[0])}(v)",
                f"    return {slow}",
            ]
        return [
            f"def {name}(v):  # {label}",
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
            f"        raise _GiveUp({cl.__name__ + ': not an object'!r})",
        ]
        for index, a in required:  # present, and valid (None only if nullable)
            if tagged and a.name == "type":  # the caller found it in this class's tag table
                lines.append(f"    a{index} = v['type']")
                continue
            lines.append(f"    x = v[{a.name!r}]")
            lines += self._value_lines(a.type, f"a{index}", "    ", f"{cl.__name__}.{a.name}")
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
            lines += self._value_lines(a.type, target, "            ", f"{cl.__name__}.{a.name}")
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

    def _value_lines(self, cl: Any, target: str, indent: str, where: str) -> list[str]:
        """Check ``x`` (present, and not an optional field's null) and set ``target`` from it.

        ``where`` (``Model.field``) names the field in the give-up's reason.
        """
        give_up = f"{indent}    raise _GiveUp({where + ': unexpected value'!r})"
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
                return self._list_lines(inner, target, indent, where)
            head = [f"{indent}if x is None:", f"{indent}    {target} = None", f"{indent}else:"]
            if _is_model(inner):
                return [*head, f"{indent}    {target} = {self._ref(inner)}(x)"]
            return head + self._list_lines(inner, target, indent + "    ", where)
        hook = self._converter.get_structure_hook(cl)  # anything rarer: the detailed hook itself
        return [f"{indent}{target} = {self._const(hook)}(x, {self._const(cl)})"]

    def _list_lines(self, cl: Any, target: str, indent: str, where: str) -> list[str]:
        args = get_args(cl)
        item = args[0] if args else Any
        not_list = repr(where + ": not an array")
        lines = [f"{indent}if type(x) is not list:", f"{indent}    raise _GiveUp({not_list})"]
        check = self._check(item, "i")
        if check == "True":
            return [*lines, f"{indent}{target} = list(x)"]
        if check is not None:
            return [
                *lines,
                f"{indent}for i in x:",
                f"{indent}    if not ({check}):",
                f"{indent}        raise _GiveUp({where + '[]: unexpected element'!r})",
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


def _union_label(cl: Any) -> str:
    """A short name for a union in pseudo-filenames and counts: its first members, then a count."""
    names = [getattr(m, "__name__", repr(m)) for m in get_args(cl)]
    if len(names) > 3:
        return " | ".join(names[:3]) + f" | ... ({len(names)} types)"
    return " | ".join(names)


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
