"""The request params generator: ``conversations_sdk/types/`` (TypedDicts) made from the spec, as text.

Every request body shape becomes a TypedDict, so ``items.create(cid, items=[{...}])`` is checked by
mypy and pyright. It reads the spec as published (never the models beyond it: a request carries only
what the spec accepts) and shares only ``_spec`` and ``_source`` with the model generator, so the
two can change independently. It must not write files (``scripts/generate_models.py`` does).

Rules:

* one ``TypedDict`` (``total=False``) per object schema, named ``<Schema>Param`` (the name kept
  when it already ends in ``Param``); required keys are ``Required[...]``;
* enums are closed ``Literal``s: a request is checked strictly, even though responses accept
  values added later;
* unions are plain unions of TypedDicts; each member's ``type`` key is a ``Literal``, so mypy and
  pyright pick the member of a dict literal by its ``type`` (the easy message has an optional one);
* arrays are ``Iterable[...]`` (any list, tuple or generator), free-form objects ``Mapping``s.
"""

from __future__ import annotations

import keyword
import re
import textwrap
from typing import Any

from ._source import (
    GENERATED_HEADER,
    dependency_order,
    first_paragraph,
    indent_doc,
    literal,
    quote_doc,
    split_union,
)
from ._spec import (
    INLINE_NAMES,
    PRIMITIVES,
    RENAMES,
    ROOT,
    kind_of,
    load,
    members,
    object_parts,
    ref_name,
)

PARAMS_OUT = ROOT / "conversations_sdk" / "types"
PARAMS_ROOTS = ["InputItem", "CreateConversationBody", "UpdateConversationBody"]
# Names the official SDK (openai 3.57) uses for the same shapes, so imports port with a rename only.
PARAMS_OPENAI_ALIASES = {
    "ResponseInputItemParam": "InputItemParam",
    "ResponseInputMessageContentListParam": "InputMessageContentListParam",
    "ResponseInputTextParam": "InputTextContentParam",
    "ResponseInputImageParam": "InputImageContentParamAutoParam",
    "ResponseInputFileParam": "InputFileContentParam",
    "ConversationCreateParams": "CreateConversationBodyParam",
    "ConversationUpdateParams": "UpdateConversationBodyParam",
}
# Unions named where the spec inlines them (owner schema, property) -> name.
PARAMS_INLINE_UNIONS: dict[tuple[str, str | None], str] = {
    ("EasyInputMessage", "content"): "EasyInputMessageContentParam"
}


class ParamsGenerator:
    """Turns the request-side schemas of the spec into TypedDicts and union aliases."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.schemas: dict[str, Any] = spec["components"]["schemas"]
        self.names: dict[str, str] = {}  # schema name -> TypedDict or alias name
        self.classes: dict[str, dict[str, Any]] = {}  # name -> {doc, fields}
        self.aliases: dict[str, dict[str, Any]] = {}  # name -> {expr, doc, deps}

    def name_of(self, schema_name: str) -> str:
        if schema_name in self.names:
            return self.names[schema_name]
        py = RENAMES.get(schema_name, schema_name)
        name = py if py.endswith("Param") else f"{py}Param"
        # The spec has twins (``InputTextContent`` and ``InputTextContentParam``): a different
        # shape under the taken name gets a suffix instead of a clash.
        if name in self.schemas and name != schema_name:
            name = f"{py}ObjectParam"
        self.names[schema_name] = name
        return name

    def named(self, schema_name: str) -> str:
        if schema_name == "Metadata":
            return "Mapping[str, str] | None"
        if schema_name == "EmptyModelParam":
            return "Mapping[str, Any]"
        schema = self.schemas[schema_name]
        kind = kind_of(schema)
        if kind == "enum":
            return literal(schema)
        name = self.name_of(schema_name)
        if kind in ("object", "allof"):
            self.ensure_class(name, schema, schema_name)
            return name
        if (schema_name, None) in INLINE_NAMES:  # a named "object or null": the object is the name
            inner = next(m for m in members(schema) if m.get("type") != "null")
            self.ensure_class(name, inner, schema_name)
            return f"{name} | None"
        if name not in self.aliases:
            self.aliases[name] = {"expr": "", "doc": "", "deps": set()}  # recursion guard
            deps: set[str] = set()
            expr = self.annotation(schema, schema_name, None, deps)
            self.aliases[name] = {
                "expr": expr,
                "doc": first_paragraph(schema.get("description")),
                "deps": deps,
            }
        return name

    def annotation(
        self, schema: dict[str, Any], owner: str, prop: str | None, deps: set[str]
    ) -> str:
        if "$ref" in schema:
            name = self.named(ref_name(schema))
            deps.add(name)
            return name
        if "$recursiveRef" in schema:
            return self.name_of(owner)
        kind = kind_of(schema)
        if kind == "union":
            parts: list[str] = []
            for member in members(schema):
                for piece in split_union(self.annotation(member, owner, prop, deps)):
                    if piece not in parts:
                        parts.append(piece)
            if "None" in parts:  # null last, as people write it
                parts = [p for p in parts if p != "None"] + ["None"]
            expr = " | ".join(parts)
            alias = PARAMS_INLINE_UNIONS.get((owner, prop))
            if alias is None:
                return expr
            self.aliases.setdefault(
                alias,
                {
                    "expr": expr,
                    "doc": first_paragraph(schema.get("description")),
                    "deps": set(deps),
                },
            )
            deps.add(alias)
            return alias
        if kind == "enum":
            return literal(schema)
        if kind == "array":
            return f"Iterable[{self.annotation(schema['items'], owner, prop, deps)}]"
        if kind == "object":
            base = INLINE_NAMES[(owner, prop)]
            name = base if base.endswith("Param") else f"{base}Param"
            self.ensure_class(name, schema, name)
            return name
        if kind == "mapping":
            addl = schema.get("additionalProperties")
            if isinstance(addl, dict) and addl:
                return f"Mapping[str, {self.annotation(addl, owner, prop, deps)}]"
            return "Mapping[str, Any]"
        if kind == "primitive":
            return PRIMITIVES[schema["type"]]
        return "Any"

    def ensure_class(self, name: str, schema: dict[str, Any], schema_name: str) -> None:
        if name in self.classes:
            return
        entry: dict[str, Any] = {"fields": [], "doc": ""}
        self.classes[name] = entry  # registered first: recursive schemas refer to themselves
        props, required, doc = object_parts(self.schemas, schema)
        entry["doc"] = (
            first_paragraph(doc) or f"The ``{schema_name}`` object of the spec, as a dict."
        )
        owner = schema_name if schema_name in self.schemas else name
        for key, prop in props.items():
            if not key.isidentifier() or keyword.iskeyword(key):
                raise SystemExit(f"{schema_name}.{key} needs the functional TypedDict syntax")
            ann = self.annotation(prop, owner, key, set())
            if key in required:
                ann = f"Required[{ann}]"
            entry["fields"].append(
                {"name": key, "ann": ann, "doc": first_paragraph(prop.get("description"))}
            )
        for key in required:
            # A spec slip (MCPApprovalResponse.request_id): allowed, not required.
            if key not in props:
                entry["fields"].append(
                    {
                        "name": key,
                        "ann": "Any",
                        "doc": "Listed as required by the spec, which gives it no schema; "
                        "the official SDK never sends it.",
                    }
                )

    def merge_twins(self) -> None:
        """Use one TypedDict for the spec's response/request twins of the same shape.

        The spec describes some shapes twice (``InputTextContent`` and ``InputTextContentParam``,
        ``PromptCacheBreakpointConfig`` and ``PromptCacheBreakpointParam``, ...), the request one
        sometimes allowing ``null`` where the other does not. Two TypedDicts would be incompatible
        with each other (TypedDict values are invariant), so a dict built as one could not be passed
        where the other is expected: each shape whose keys match a request-side (``...Param``)
        schema and whose every value type is accepted by it is replaced by that schema.
        """
        same: dict[str, str] = {}

        def fix(text: str) -> str:
            for old, new in same.items():
                text = re.sub(rf"\b{old}\b", new, text)
            return text

        def fields(name: str) -> dict[str, tuple[bool, set[str]]]:
            out = {}
            for f in self.classes[name]["fields"]:
                ann = fix(f["ann"])
                required = ann.startswith("Required[")
                if required:
                    ann = ann[len("Required[") : -1]
                out[f["name"]] = (required, set(split_union(ann)))
            return out

        request = {n for s, n in self.names.items() if s.endswith("Param") and n in self.classes}
        changed = True
        while changed:
            changed = False
            for name in [n for n in self.classes if n not in request and n not in same]:
                mine = fields(name)
                for target in sorted(request):
                    theirs = fields(target)
                    if mine.keys() == theirs.keys() and all(
                        (mine[k][0] or not theirs[k][0]) and mine[k][1] <= theirs[k][1]
                        for k in mine
                    ):
                        same[name] = target
                        changed = True
                        break
        for old in same:
            self.classes.pop(old)
        for cls in self.classes.values():
            for f in cls["fields"]:
                f["ann"] = fix(f["ann"])
        for alias in self.aliases.values():
            alias["expr"] = " | ".join(dict.fromkeys(split_union(fix(alias["expr"]))))
            alias["deps"] = {fix(d) for d in alias["deps"]}
        # Unions that became the same as another one (ToolCallCaller and ToolCallCallerParam).
        for name in [n for n in self.aliases if n.endswith("ObjectParam")]:
            twin = name.removesuffix("ObjectParam") + "Param"
            if twin in self.aliases and self.aliases[twin]["expr"] == self.aliases[name]["expr"]:
                del self.aliases[name]
                same[name] = twin
                for cls in self.classes.values():
                    for f in cls["fields"]:
                        f["ann"] = fix(f["ann"])

    def render_class(self, name: str, cls: dict[str, Any]) -> str:
        # Key docs go in the class docstring, as for the models (spec prose under each key would
        # be parsed by Sphinx as a docstring of its own).
        doc = [cls["doc"], "", "Keys:"]
        for f in cls["fields"]:
            text = f["doc"] or f"The ``{f['name']}`` key."
            doc += [
                "    " + line
                for line in textwrap.wrap(f"{f['name']}: {text}", 92, subsequent_indent="    ")
            ]
        out = [f"class {name}(TypedDict, total=False):", indent_doc(doc), ""]
        out += [f"    {f['name']}: {f['ann']}" for f in cls["fields"]]
        return "\n".join(out).rstrip() + "\n\n\n"

    def render(self) -> str:
        body = [self.render_class(n, c) for n, c in self.classes.items()]
        for name in dependency_order({n: a["deps"] for n, a in self.aliases.items()}):
            alias = self.aliases[name]
            doc = alias["doc"] or f"The ``{name}`` union of the spec, as dicts."
            body.append(f"{name}: TypeAlias = {alias['expr']}\n{quote_doc(doc)}\n\n")
        for openai_name, target in sorted(PARAMS_OPENAI_ALIASES.items()):
            body.append(
                f"{openai_name}: TypeAlias = {target}\n"
                f'"""The official SDK\'s name for :data:`{target}`."""\n\n'
            )
        text = "".join(body)
        exported = sorted([*self.classes, *self.aliases, *PARAMS_OPENAI_ALIASES])
        header = [
            *GENERATED_HEADER,
            '"""Request parameters as ``TypedDict`` classes: every body shape the API accepts, as dicts.',
            "",
            "``items.create(cid, items=[{...}])`` is checked by mypy and pyright against these: a",
            "misspelled key, a wrong ``type``/``role``/``status`` value or a missing required key is an",
            "error in your editor, before anything runs. At runtime they are ordinary dicts.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "import sys",
            "from collections.abc import Iterable, Mapping",
            "from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypedDict",
            "",
            "if sys.version_info >= (3, 11):",
            "    from typing import Required",
            "elif TYPE_CHECKING:  # checkers know typing_extensions from typeshed: no runtime dependency",
            "    from typing_extensions import Required",
            "else:  # Python 3.10 at run time, where typing has no Required",
            "",
            "    class Required:",
            '        """Runtime stand-in for ``typing.Required`` (3.11+) so ``get_type_hints`` works."""',
            "",
            "        def __class_getitem__(cls, item: Any) -> Any:",
            "            return item",
            "",
            "",
            "__all__ = [" + ", ".join(repr(n) for n in exported) + "]",
            "",
            "",
        ]
        return "\n".join(header) + text


def render_params() -> dict[str, str]:
    """The files of ``conversations_sdk/types/``, by file name (before ``ruff format``)."""
    gen = ParamsGenerator(load())
    for root in PARAMS_ROOTS:
        gen.named(root)
    gen.merge_twins()
    module = gen.render()
    exported = sorted([*gen.classes, *gen.aliases, *PARAMS_OPENAI_ALIASES])
    package = "\n".join(
        [
            *GENERATED_HEADER,
            '"""Typed request parameters (``TypedDict`` classes), for building requests from plain dicts.',
            "",
            "``from conversations_sdk.types import InputItemParam``: the union ``items=`` accepts.",
            '"""',
            "",
            "from .params import (",
            *[f"    {n}," for n in sorted(exported, key=str.lower)],  # isort's order
            ")",
            "",
            "__all__ = [" + ", ".join(repr(n) for n in exported) + "]",
            "",
        ]
    )
    return {"params.py": module, "__init__.py": package}
