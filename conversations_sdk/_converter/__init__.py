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
results and error messages are the detailed hooks' own. ``bench/structure_page.py`` measures it;
:func:`fast_path_stats` counts its give-ups.

The package, one job per module:

* ``__init__.py`` — :func:`make_converter`, :data:`CONVERTER` and the SDK's entry points
  (:func:`structure_response`, :func:`unstructure_body`, ``NO_CONTENT``);
* ``_hooks.py`` — shared predicates and the detailed, error-reporting hooks (strict JSON types);
* ``_fast.py`` — the generated fast path (source in :mod:`linecache`, give-ups counted);
* ``_tolerant.py`` — the tolerant reader (deviations kept as sent and recorded).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, overload

import cattrs
from cattrs.errors import BaseValidationError

from .._errors import ResponseValidationError
from .._params import NotGiven
from ..models._base import ValidationIssue
from ._fast import _FastPaths, _shadow_class
from ._hooks import (
    _is_literal,
    _is_mapping,
    _is_model,
    _is_sequence,
    _is_union,
    _is_unknown,
    _literal_hook,
    _mapping_hook,
    _model_structure_hook,
    _passthrough,
    _sequence_hook,
    _structure_bool,
    _structure_float,
    _structure_int,
    _structure_str,
    _union_hook,
    _unknown_structure_hook,
    _unstructure_unknown,
)
from ._tolerant import _set_issues, _Tolerant

__all__ = [
    "CONVERTER",
    "NO_CONTENT",
    "fast_path_stats",
    "make_converter",
    "structure_no_content",
    "structure_response",
    "unstructure_body",
]

_T = TypeVar("_T")
# Imported from here by the fast-path tests, which compare generated code to the detailed hooks.
_FOR_TESTS = (_model_structure_hook, _shadow_class)


class _Converter(cattrs.Converter):
    """A cattrs converter that also carries its tolerant reader (see :class:`_Tolerant`)."""

    __slots__ = ("fast", "tolerant")
    fast: _FastPaths
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
    converter.fast = fast
    return converter


def fast_path_stats(
    converter: cattrs.Converter | None = None, *, reset: bool = False
) -> dict[tuple[str, str], int]:
    """How often the generated fast path gave up, by (model or union, reason). Private API.

    A give-up is not an error: the detailed path (or the tolerant reader) then reads the body.
    But a well-formed body never causes one, so tests assert a clean corpus leaves this empty and
    ``bench/structure_page.py`` prints it. One deviation counts once per enclosing model that
    tried the fast path (a bad content part in an item of a page: the page, the item, the part).
    Input unions whose classes share a tag (``message``) try each in turn: the refused tries count.

    Args:
        converter: A converter from :func:`make_converter`; :data:`CONVERTER` by default.
        reset: Clear the counts after reading them.

    Returns:
        A copy of the counts: ``{("Message", "content[]: not a list"): 1, ...}``.
    """
    fast: _FastPaths = getattr(converter or CONVERTER, "fast")  # noqa: B009 - set by make_converter
    return fast.stats(reset=reset)


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
