"""The tolerant reader: a response body that does not match the spec is read anyway, never lost.

The real API does not always match its spec. By default a 2xx object body is read leniently: the
fast path (and for each nested value, the strict hooks) first, so a well-formed body costs what it
always did; where they refuse, the value is rebuilt here, one level at a time, keeping whatever
does not fit exactly as sent and recording where (``validation_issues``), so nothing is lost or
altered. Each kind of deviation is logged once per process, without the value. Objects read this
way unstructure back to exactly the body they came from (:func:`_unstructure_lenient`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, get_args

import cattrs

from .._logging import logger
from ..models._base import ValidationIssue, _Model, _Tolerance, _Unknown
from ._hooks import (
    _SCALARS,
    _field_names,
    _is_literal,
    _is_mapping,
    _is_model,
    _is_scalar,
    _is_sequence,
    _is_union,
    _is_unknown,
    _json_type,
    _NoneType,
    _spec_fields,
    _StructureHook,
    _tag_values,
)

if TYPE_CHECKING:
    from ._fast import _FastPaths


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
        self._fast_entries: set[Any] = set()  # types whose entry is generated code
        # model -> [(name, type, required, null allowed)]
        self._plans: dict[type, list[tuple[str, Any, bool, bool]]] = {}
        self._tags: dict[Any, dict[str | None, list[type[_Model]]]] = {}

    def structure(self, body: dict[str, Any], cl: Any) -> Any:
        """Read ``body`` as ``cl``: the fast path, or a lenient rebuild that records issues."""
        entry = self._entry.get(cl) or self._make_entry(cl)
        if entry is not _REPAIR:
            try:
                return entry(body)
            except Exception as exc:  # the careful path below decides, and records why
                if cl in self._fast_entries:
                    self._fast.gave_up(cl, exc)
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
            self._fast_entries.add(cl)
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
            except Exception as exc:  # repaired below
                if cl in self._fast_entries:
                    self._fast.gave_up(cl, exc)
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
