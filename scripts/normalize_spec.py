"""Generate the validation copy of the spec that the contract tests serve with Prism.

The repository keeps OpenAI's published spec verbatim in ``spec/conversations.openapi.yaml``; it is
never edited. This script derives a copy for *request validation* from it, written to a build folder
(``build/contract/`` by default, git-ignored) and regenerated on every contract run, so the copy can
never drift from the verbatim file or be edited by hand.

Why a copy is needed: several unions in the published spec are ``oneOf`` whose branches overlap. A
user message with ``input_text`` parts, for example, matches both ``EasyInputMessage`` and
``InputMessage`` (neither requires ``type``), so a strict JSON Schema validator such as Prism's
rejects it with "must match exactly one schema in oneOf" although the real API accepts it.

The main transformation: every ``oneOf`` whose branches are not *provably disjoint* becomes
``anyOf``, and is marked ``x-normalized-from: oneOf``. Two branches are provably disjoint when,
after resolving ``$ref`` and merging ``allOf``:

- their JSON ``type`` sets do not intersect (``string`` vs ``array``; ``integer`` counts as a
  ``number``), or
- one of them *requires* a property that both restrict to constants (``const`` / ``enum``, through
  ``anyOf``/``oneOf`` of such) and the two sets do not intersect (``type: message`` vs
  ``type: reasoning``): a document matching the requiring branch has the property, and its value
  cannot satisfy both.

For a union whose branches are pairwise disjoint, ``oneOf`` and ``anyOf`` accept exactly the same
documents, so they are left as published (``ConversationItem``, content unions of responses, …).
Only the overlapping ones are loosened, which is what the real API does.

One more rewrite, which changes nothing a document must satisfy: ``CompoundFilter`` recurses with
``$recursiveAnchor``/``$recursiveRef: "#"`` (JSON Schema 2019-09). OpenAPI 3.1's dialect is 2020-12,
which dropped both, and Prism knows neither: its validator lets anything through and its faker
emits the schema node itself as data. Inside the component that declares ``$recursiveAnchor``,
``$recursiveRef: "#"`` means that very component, so it becomes ``$ref`` to it (marked
``x-normalized-from: $recursiveRef``) and the anchor is dropped. This runs first, so the union
check sees the real branches.

Everything else, ``discriminator`` objects included, is copied unchanged.

Usage::

    python scripts/normalize_spec.py [--src spec/conversations.openapi.yaml] [--out PATH]

The list of converted unions is printed (JSON pointers), one a line.
"""

from __future__ import annotations

import argparse
import copy
import pathlib
import sys
from collections.abc import Iterator
from typing import Any

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_SRC = ROOT / "spec" / "conversations.openapi.yaml"
DEFAULT_OUT = ROOT / "build" / "contract" / "conversations.openapi.yaml"

Schema = dict[str, Any]
# None means "unknown": anything could be there, so nothing can be proved from it.
Consts = frozenset[Any] | None


class _Facts:
    """What one union branch pins down: its possible JSON types, required keys and constants."""

    def __init__(self, types: frozenset[str] | None, required: set[str], consts: dict[str, Consts]):
        self.types = types
        self.required = required
        self.consts = consts


def _resolve(node: Any, doc: Schema, seen: frozenset[str] = frozenset()) -> Any:
    """Follow local ``$ref`` chains (``#/components/...``) to the schema they name."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
            return {}
        seen = seen | {ref}
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _types(node: Schema, doc: Schema) -> frozenset[str] | None:
    raw = node.get("type")
    if isinstance(raw, str):
        found: set[str] | None = {raw}
    elif isinstance(raw, list):
        found = set(raw)
    else:
        found = None
    for key in ("anyOf", "oneOf"):
        if found is None and isinstance(node.get(key), list):
            union: set[str] = set()
            for branch in node[key]:
                sub = _types(_resolve(branch, doc), doc)
                if sub is None:
                    return None
                union |= sub
            found = union
    if found is not None and "number" in found:
        # integer values are numbers too, so a number branch overlaps an integer one.
        found.add("integer")
    return frozenset(found) if found is not None else None


def _consts(node: Any, doc: Schema) -> Consts:
    """The finite set of values a property schema allows, or None when it is not finite/known."""
    node = _resolve(node, doc)
    if not isinstance(node, dict):
        return None
    if "const" in node:
        return frozenset([node["const"]])
    if isinstance(node.get("enum"), list):
        return frozenset(
            v for v in node["enum"] if isinstance(v, (str, int, float, bool)) or v is None
        )
    for key in ("anyOf", "oneOf"):
        if isinstance(node.get(key), list):
            union: set[Any] = set()
            for branch in node[key]:
                sub = _resolve(branch, doc)
                if isinstance(sub, dict) and sub.get("type") == "null" and len(sub) <= 2:
                    union.add(None)
                    continue
                values = _consts(sub, doc)
                if values is None:
                    return None
                union |= values
            return frozenset(union)
    return None


def _facts(node: Any, doc: Schema) -> _Facts:
    node = _resolve(node, doc)
    if not isinstance(node, dict):
        return _Facts(None, set(), {})
    types = _types(node, doc)
    required = {r for r in node.get("required", []) if isinstance(r, str)}
    props = node.get("properties", {})
    consts: dict[str, Consts] = {name: _consts(sub, doc) for name, sub in props.items()}
    for part in node.get("allOf", []):
        # allOf is an intersection: every part's constraints hold at once.
        sub = _facts(part, doc)
        if sub.types is not None:
            types = sub.types if types is None else types & sub.types
        required |= sub.required
        for name, values in sub.consts.items():
            mine = consts.get(name)
            if values is None:
                continue
            consts[name] = values if mine is None else mine & values
    return _Facts(types, required, consts)


def _disjoint(a: _Facts, b: _Facts) -> bool:
    """True when no JSON document can match both branches (by the two rules of the docstring)."""
    if a.types is not None and b.types is not None and not (a.types & b.types):
        return True
    for name in a.required | b.required:
        left, right = a.consts.get(name), b.consts.get(name)
        if left is not None and right is not None and not (left & right):
            return True
    return False


def _walk(node: Any, pointer: str) -> Iterator[tuple[str, Schema]]:
    if isinstance(node, dict):
        if isinstance(node.get("oneOf"), list):
            yield pointer, node
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{index}")


def _replace_recursive_refs(node: Any, target: str) -> Any:
    if isinstance(node, list):
        return [_replace_recursive_refs(value, target) for value in node]
    if not isinstance(node, dict):
        return node
    if node.get("$recursiveRef") == "#":
        rest = {k: v for k, v in node.items() if k != "$recursiveRef"}
        return {"$ref": target, "x-normalized-from": "$recursiveRef", **rest}
    return {k: _replace_recursive_refs(v, target) for k, v in node.items()}


def normalize(spec: Schema) -> tuple[Schema, list[str]]:
    """Return a normalised deep copy of ``spec`` and the JSON pointers of the unions converted.

    Args:
        spec: The parsed OpenAPI document (left untouched).

    Returns:
        The copy, with ``$recursiveRef`` resolved and every overlapping ``oneOf`` turned into
        ``anyOf``, and the sorted pointers of those unions.
    """
    out = copy.deepcopy(spec)
    schemas = out.get("components", {}).get("schemas", {})
    for name, schema in list(schemas.items()):
        if isinstance(schema, dict) and schema.get("$recursiveAnchor") is True:
            rewritten = _replace_recursive_refs(schema, f"#/components/schemas/{name}")
            rewritten.pop("$recursiveAnchor")
            schemas[name] = rewritten
    resolved = copy.deepcopy(out)
    converted: list[str] = []
    # Decide on the unmodified document, then edit: the decision never depends on the walk order.
    for pointer, node in list(_walk(out, "#")):
        facts = [_facts(branch, resolved) for branch in node["oneOf"]]
        overlapping = any(
            not _disjoint(facts[i], facts[j])
            for i in range(len(facts))
            for j in range(i + 1, len(facts))
        )
        if overlapping:
            converted.append(pointer)
    for pointer, node in list(_walk(out, "#")):
        if pointer in converted:
            node["anyOf"] = node.pop("oneOf")
            node["x-normalized-from"] = "oneOf"
    return out, sorted(converted)


def _header(src: pathlib.Path) -> str:
    """The verbatim file's provenance comments, under a 'generated' banner."""
    lines = [
        "# GENERATED by scripts/normalize_spec.py from spec/conversations.openapi.yaml: do not edit.",
        "# Overlapping oneOf unions were turned into anyOf (marked x-normalized-from: oneOf).",
    ]
    for line in src.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the validation copy and print the converted unions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--src", type=pathlib.Path, default=DEFAULT_SRC)
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    # libyaml's loader and dumper when PyYAML has them: same result, several times faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    spec = yaml.load(args.src.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe loader
    normalized, converted = normalize(spec)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.dump(normalized, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    args.out.write_text(_header(args.src) + body, encoding="utf-8")
    print(f"{args.out}: {len(converted)} oneOf union(s) turned into anyOf")
    for pointer in converted:
        print(f"  {pointer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
