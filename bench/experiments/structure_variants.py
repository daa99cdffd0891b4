"""How cheap can bytes → models be in pure Python? Reproduces the structuring table of the README.

Not an implementation: straight-line structuring functions hand-specialised to the four item
kinds of the benchmark page, to measure what a generated fast path could reach against today's
converter, with frozen model classes and with mutable slotted copies of them. A real fast path
must be generated per class and fall back to the detailed converter for anything it does not
expect (here: an unknown or optional key, a ``null``, a wrong type, a non-empty annotation
list); this one raises ``_Slow`` for those, and the benchmark page never triggers it.

Run ``python -m bench.experiments.structure_variants``; figures are thread CPU time, minimum
over interleaved rounds, so a loaded machine disturbs them little.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import attrs

from bench import _payloads


class _Slow(Exception):
    """The optimistic path met something it does not handle: use the detailed converter."""


def _mutable_copy(cl: type[Any]) -> type[Any]:
    """The same fields as ``cl`` on a mutable slotted attrs class (what dropping frozen gives)."""
    these: dict[str, Any] = {}
    for field in attrs.fields(cl):
        if field.name == "_explicit_nulls":
            these[field.name] = attrs.field(init=False, default=frozenset(), eq=False)
        elif field.default is attrs.NOTHING:
            these[field.name] = attrs.field()
        elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            these[field.name] = attrs.field(factory=field.default.factory)
        else:
            these[field.name] = attrs.field(default=field.default)
    return attrs.define(kw_only=True, slots=True, these=these)(type(cl.__name__, (), {}))


def _generated(cl: type[Any], checks: dict[str, str], env: dict[str, Any]) -> Callable[[Any], Any]:
    """One straight-line structuring function: a lookup and a check per field, then ``cl(...)``."""
    names = list(checks)
    lines = [
        "def structure(v):",
        f"    if type(v) is not dict or len(v) != {len(names)}: raise Slow",
        "    get = v.get",
        *(f"    x_{n} = get({n!r}, MISSING)" for n in names),
        "    if " + " or ".join(f"x_{n} is MISSING" for n in names) + ": raise Slow",
        *(f"    {checks[n].format(x=f'x_{n}')}" for n in names if checks[n]),
        "    return cl(" + ", ".join(f"{n}=x_{n}" for n in names) + ")",
    ]
    namespace = {"cl": cl, "Slow": _Slow, "MISSING": object(), **env}
    exec("\n".join(lines), namespace)  # noqa: S102 - our own template, no outside input
    fn: Callable[[Any], Any] = namespace["structure"]
    return fn


def _page_structurer(classes: dict[str, type[Any]]) -> Callable[[Any], Any]:
    text = "if type({x}) is not str: raise Slow"
    empty = "if {x}: raise Slow"  # a non-empty list would need its own element structuring
    content = {
        "input_text": _generated(classes["InputTextContent"], {"type": "", "text": text}, {}),
        "output_text": _generated(
            classes["OutputTextContent"],
            {"type": "", "text": text, "annotations": empty, "logprobs": empty},
            {},
        ),
    }

    def content_list(values: Any) -> list[Any]:
        if type(values) is not list:
            raise _Slow
        return [content[c["type"]](c) for c in values]

    items = {
        "message": _generated(
            classes["Message"],
            {"type": "", "id": text, "status": text, "role": text, "content": "{x} = cl_({x})"},
            {"cl_": content_list},
        ),
        "function_call": _generated(
            classes["FunctionToolCallResource"],
            {
                "type": "",
                "id": text,
                "call_id": text,
                "name": text,
                "arguments": text,
                "status": text,
            },
            {},
        ),
        "function_call_output": _generated(
            classes["FunctionToolCallOutputResource"],
            {"type": "", "id": text, "call_id": text, "output": text, "status": text},
            {},
        ),
    }
    page_cl = classes["ConversationItemList"]

    def structure_page(data: Any) -> Any:
        return page_cl(
            object=data["object"],
            data=[items[item["type"]](item) for item in data["data"]],
            has_more=data["has_more"],
            first_id=data["first_id"],
            last_id=data["last_id"],
        )

    return structure_page


def main() -> None:
    """Print µs/page for json.loads, today's converter and the two prototype variants."""
    from conversations_sdk._converter import structure_response
    from conversations_sdk.models import (
        ConversationItemList,
        FunctionToolCallOutputResource,
        FunctionToolCallResource,
        InputTextContent,
        Message,
        OutputTextContent,
    )

    frozen = {
        cl.__name__: cl
        for cl in (
            ConversationItemList,
            FunctionToolCallOutputResource,
            FunctionToolCallResource,
            InputTextContent,
            Message,
            OutputTextContent,
        )
    }
    mutable = {name: _mutable_copy(cl) for name, cl in frozen.items()}
    body = _payloads.page_bytes(100)
    fast_frozen = _page_structurer(frozen)
    reference = structure_response(json.loads(body), ConversationItemList, request_id=None)
    if fast_frozen(json.loads(body)) != reference:
        raise SystemExit("the prototype does not build what the converter builds")

    variants: dict[str, Callable[[Any], Any]] = {
        "json.loads alone": lambda data: data,
        "structure_response today": lambda data: structure_response(
            data, ConversationItemList, request_id=None
        ),
        "generated, frozen classes": fast_frozen,
        "generated, mutable slotted classes": _page_structurer(mutable),
    }
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(60):
        for name, fn in variants.items():
            start = time.thread_time()
            for _ in range(20):
                fn(json.loads(body))
            best[name] = min(best[name], (time.thread_time() - start) / 20 * 1e6)
    floor = best["json.loads alone"]
    for name, micros in best.items():
        print(f"{micros:7.0f} µs/page  {micros / floor:4.1f}x json.loads  {name}")


if __name__ == "__main__":
    main()
