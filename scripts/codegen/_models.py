"""The model generator: ``conversations_sdk/models/*.py`` made from the spec, as text.

The spec (``spec/conversations.openapi.yaml``, with ``_beyond_spec``'s additions) is the one source
of truth for the models: this walks every schema the eight Conversations operations can return or
accept and renders one attrs class per object schema, one ``Literal`` alias per enum and one union
alias per named ``oneOf``. It must not write files (``scripts/generate_models.py`` does) nor share
state with the request TypedDicts' generator (``_params``).

Rules (the project style guide's rules for models):

* classes are ``@attrs.frozen(kw_only=True)`` subclasses of ``_Model`` (which carries ``extra``);
* required fields have no default, optional ones are ``T | None = None``;
* a required single-value ``type`` is the discriminator: ``type: Literal["x"] = "x"``;
* enum fields other than discriminators also accept ``str``, so a new value never raises;
* tagged unions of two or more classes get an ``Unknown*`` member as the fallback for new tags;
* arrays are ``Sequence[...]`` (covariant, so typed input lists are easy to build).
"""

from __future__ import annotations

import keyword
import re
import textwrap
from typing import Any

from ._beyond_spec import extend_spec
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
    closure,
    kind_of,
    load,
    members,
    object_parts,
    ref_name,
)

OUT = ROOT / "conversations_sdk" / "models"

# Schemas rendered as a plain mapping instead of a class: they are free-form JSON objects.
MAPPINGS = {
    "EmptyModelParam": "Mapping[str, Any]",
    "Metadata": "Mapping[str, str] | None",
    "VectorStoreFileAttributes": "Mapping[str, str | float | bool] | None",
}
# Named unions that hold items or content parts, with the fallback for tags not known yet.
ITEM_UNIONS = {"ConversationItem", "Item", "InputItem"}
# Modules in import order: a module may only import from the ones before it.
MODULES = ["content", "tools", "items", "conversation", "inputs"]
# Field annotations the spec leaves as "any JSON" but documents precisely.
FIELD_OVERRIDES = {("ConversationResource", "metadata"): "Mapping[str, str] | None"}
# Names the models' base class already uses (see conversations_sdk/models/_base.py).
RESERVED = {"extra", "request_id"}
# Class summaries where the spec has none.
CLASS_DOCS = {
    "Conversation": "A conversation: its ID, metadata and creation time.",
    "ConversationDeletedResource": "The receipt of a deleted conversation.",
}
# Inline unions worth a public name, keyed by (owner schema, property).
INLINE_UNIONS: dict[tuple[str, str | None], str] = {("Message", "content"): "MessageContent"}
# Fields the spec requires but the official SDK (openai 3.57) types as optional, because the real
# API leaves them out: ours are optional too, so reading such an answer is not a deviation.
# Kept in step by scripts/compare_openai_optional.py (and tests/unit/test_openai_optional.py).
OPTIONAL_AS_IN_OPENAI: set[tuple[str, str]] = {
    ("CodeInterpreterToolCall", "code"),
    ("CodeInterpreterToolCall", "outputs"),
    ("ComputerScreenshotContent", "file_id"),
    ("ComputerScreenshotContent", "image_url"),
    ("DoubleClickAction", "keys"),
    ("FunctionShellAction", "max_output_length"),
    ("FunctionShellAction", "timeout_ms"),
    ("FunctionShellCall", "environment"),
    ("FunctionShellCallOutput", "max_output_length"),
    ("FunctionTool", "parameters"),
    ("FunctionTool", "strict"),
    ("ImageGenToolCall", "result"),
    ("OutputTextContent", "logprobs"),
    ("ToolSearchCall", "call_id"),
    ("ToolSearchOutput", "call_id"),
}
# Fields openai makes optional that stay required here, each with its reason.
KEPT_REQUIRED: dict[tuple[str, str], str] = {}


class Generator:
    """Reads schemas into model classes and aliases (``classes``, ``aliases``) and renders them."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.schemas: dict[str, Any] = spec["components"]["schemas"]
        self.classes: dict[str, dict[str, Any]] = {}  # python name -> {schema, fields, doc, module}
        self.aliases: dict[str, dict[str, Any]] = {}  # python name -> {expr, deps, doc, module}
        self.current_module = ""

    # -- naming -------------------------------------------------------------------------------

    def pyname(self, schema_name: str) -> str:
        return RENAMES.get(schema_name, schema_name)

    # -- types --------------------------------------------------------------------------------

    def named(self, schema_name: str, deps: set[str]) -> str:
        """Annotation for a reference to a component schema, generating it on first use."""
        if schema_name in MAPPINGS:
            return MAPPINGS[schema_name]
        py = self.pyname(schema_name)
        schema = self.schemas[schema_name]
        kind = kind_of(schema)
        if kind in ("object", "allof"):
            self.ensure_class(schema_name, schema)
            deps.add(py)
            return py
        if kind == "enum":
            self.ensure_alias(py, literal(schema), schema.get("description"), set())
            deps.add(py)
            return f"{py} | str"  # a value added to the enum later must not raise
        if kind == "union":
            union_members = members(schema)
            # A named union of one schema and null (Metadata-like) is not worth an alias.
            if (
                any(m.get("type") == "null" for m in union_members)
                and py == "WebSearchApproximateLocation"
            ):
                inner = next(m for m in union_members if m.get("type") != "null")
                self.ensure_class(py, inner, name=py)
                deps.add(py)
                return f"{py} | None"
            alias_deps: set[str] = set()
            expr = self.union(union_members, schema_name, None, alias_deps, union_name=py)
            self.ensure_alias(py, expr, schema.get("description"), alias_deps)
            deps.add(py)
            return py
        if kind == "array":
            return f"Sequence[{self.annotation(schema['items'], schema_name, None, deps)}]"
        return self.annotation(schema, schema_name, None, deps)

    def annotation(
        self, schema: dict[str, Any], owner: str, prop: str | None, deps: set[str]
    ) -> str:
        if "$ref" in schema:
            return self.named(ref_name(schema), deps)
        if "$recursiveRef" in schema:
            deps.add(self.pyname(owner))
            return self.pyname(owner)
        kind = kind_of(schema)
        if kind == "union":
            union_members = members(schema)
            alias = INLINE_UNIONS.get((owner, prop))
            if alias is None:
                return self.union(union_members, owner, prop, deps)
            if alias not in self.aliases:
                alias_deps: set[str] = set()
                expr = self.union(union_members, owner, prop, alias_deps)
                self.ensure_alias(alias, expr, schema.get("description"), alias_deps)
            deps.add(alias)
            return alias
        if kind == "enum":
            return literal(schema) + " | str"
        if kind == "array":
            return f"Sequence[{self.annotation(schema['items'], owner, prop, deps)}]"
        if kind == "object":
            name = INLINE_NAMES[(owner, prop)]
            self.ensure_class(name, schema, name=name)
            deps.add(name)
            return name
        if kind == "mapping":
            addl = schema.get("additionalProperties")
            if isinstance(addl, dict) and addl:
                return f"Mapping[str, {self.annotation(addl, owner, prop, deps)}]"
            return "Mapping[str, Any]"
        if kind == "primitive":
            return PRIMITIVES[schema["type"]]
        return "Any"

    def union(
        self,
        union_members: list[dict[str, Any]],
        owner: str,
        prop: str | None,
        deps: set[str],
        union_name: str | None = None,
    ) -> str:
        parts: list[str] = []
        nullable = False
        classes = 0
        for member in union_members:
            if member.get("type") == "null" and "$ref" not in member:
                nullable = True
                continue
            part = self.annotation(member, owner, prop, deps)
            for piece in split_union(part):
                if piece == "None":
                    nullable = True
                elif piece not in parts:
                    parts.append(piece)
                    classes += piece in self.classes
        if classes >= 2:
            fallback = self.fallback(parts, union_name)
            deps.add(fallback)
            parts.append(fallback)
        if nullable:
            parts.append("None")
        return " | ".join(parts)

    def fallback(self, parts: list[str], union_name: str | None) -> str:
        if union_name in ITEM_UNIONS:
            return "UnknownItem"
        if any(p in self.classes and "Content" in p for p in parts):
            return "UnknownContent"
        return "UnknownObject"

    # -- declarations -------------------------------------------------------------------------

    def ensure_alias(self, name: str, expr: str, doc: str | None, deps: set[str]) -> None:
        if name not in self.aliases:
            self.aliases[name] = {
                "expr": expr,
                "deps": deps,
                "doc": first_paragraph(doc),
                "module": self.current_module,
            }

    def ensure_class(
        self, schema_name: str, schema: dict[str, Any], name: str | None = None
    ) -> None:
        py = name or self.pyname(schema_name)
        if py in self.classes:
            return
        entry: dict[str, Any] = {"module": self.current_module, "fields": [], "deps": set()}
        self.classes[py] = entry  # registered first: recursive schemas refer to themselves
        props, required, doc = object_parts(self.schemas, schema)
        entry["doc"] = (
            CLASS_DOCS.get(py)
            or first_paragraph(doc)
            or f"The ``{schema_name}`` object of the spec."
        )
        for key, prop in props.items():
            if not key.isidentifier() or keyword.iskeyword(key) or key in RESERVED:
                raise SystemExit(f"{schema_name}.{key} is not usable as an attribute name")
            field_deps: set[str] = set()
            spec_required = key in required
            is_required = spec_required and (py, key) not in OPTIONAL_AS_IN_OPENAI
            enum = prop.get("enum")
            default: str | None
            if key in ("type", "object") and enum and is_required:
                # The discriminator: known values only, defaulted so building input stays short.
                ann = literal(prop)
                default = repr(prop.get("default", enum[0]))
            else:
                ann = FIELD_OVERRIDES.get((schema_name, key)) or self.annotation(
                    prop, schema_name if name is None else name, key, field_deps
                )
                if key == "type" and "Literal[" in ann:
                    # An optional discriminator is still a tag: known values only.
                    ann = " | ".join(p for p in split_union(ann) if p != "str")
                if not is_required and not ann.endswith("None") and ann != "Any":
                    ann += " | None"
                default = None if is_required else "None"
                if is_required and enum and len(enum) == 1:
                    default = repr(enum[0])  # a constant such as mode="explicit", role="assistant"
            entry["deps"] |= field_deps
            entry["fields"].append(
                {
                    "name": key,
                    "ann": ann,
                    "default": default,
                    "doc": first_paragraph(prop.get("description")),
                    "spec_required": spec_required,
                }
            )

    # -- output -------------------------------------------------------------------------------

    def render(self, module: str, module_doc: str) -> str:
        classes = {n: c for n, c in self.classes.items() if c["module"] == module}
        aliases = {n: a for n, a in self.aliases.items() if a["module"] == module}
        needed: set[str] = set()
        for c in classes.values():
            needed |= c["deps"]
        for a in aliases.values():
            needed |= a["deps"]
        imports: dict[str, list[str]] = {}
        for dep in sorted(needed):
            if dep in ("UnknownItem", "UnknownContent", "UnknownObject"):
                imports.setdefault("._base", []).append(dep)
                continue
            owner = (self.classes.get(dep) or self.aliases[dep])["module"]
            if owner == module:
                continue
            if MODULES.index(owner) > MODULES.index(module):
                raise SystemExit(f"{module} would import {dep} from the later module {owner}")
            imports.setdefault(f".{owner}", []).append(dep)
        imports.setdefault("._base", []).append("_Model")
        body_text = "\n".join(
            [self.render_class(n, c) for n, c in classes.items()]
            + [
                self.render_alias(n, aliases[n])
                for n in dependency_order({n: a["deps"] for n, a in aliases.items()})
            ]
        )
        typing_names = [
            n for n in ("Any", "ClassVar", "Literal") if re.search(rf"\b{n}\b", body_text)
        ]
        abc_names = [n for n in ("Mapping", "Sequence") if re.search(rf"\b{n}\[", body_text)]
        lines = [
            *GENERATED_HEADER,
            f'"""{module_doc}"""',
            "",
            "from __future__ import annotations",
            "",
        ]
        if abc_names:
            lines.append(f"from collections.abc import {', '.join(abc_names)}")
        if typing_names:
            lines.append(f"from typing import {', '.join(typing_names)}")
        lines += ["", "import attrs", ""]
        for mod in sorted(imports):
            lines.append(f"from {mod} import {', '.join(sorted(set(imports[mod])))}")
        exported = sorted(list(classes) + list(aliases))
        lines += ["", "__all__ = [" + ", ".join(repr(n) for n in exported) + "]", "", ""]
        return "\n".join(lines) + body_text

    def render_package(self) -> str:
        lines = [
            *GENERATED_HEADER,
            '"""Typed models of every object the Conversations API returns or accepts.',
            "",
            "Import models from here (``from conversations_sdk.models import Message``). Every class is a",
            "frozen attrs class named after its spec schema; unknown item, content and nested types arrive",
            "as :class:`UnknownItem`, :class:`UnknownContent` and :class:`UnknownObject`, and fields the SDK",
            "does not know yet are kept in each model's ``extra`` mapping.",
            '"""',
            "",
            "from ._base import UnknownContent, UnknownItem, UnknownObject, ValidationIssue",
        ]
        names = ["UnknownContent", "UnknownItem", "UnknownObject", "ValidationIssue"]
        for module in sorted(MODULES):  # import order is isort's, not the dependency order
            exported = sorted(
                [n for n, c in self.classes.items() if c["module"] == module]
                + [n for n, a in self.aliases.items() if a["module"] == module]
            )
            names += exported
            lines.append(f"from .{module} import {', '.join(exported)}")
        lines += ["", "__all__ = [" + ", ".join(repr(n) for n in sorted(names)) + "]", ""]
        return "\n".join(lines)

    def render_alias(self, name: str, alias: dict[str, Any]) -> str:
        doc = alias["doc"] or f"The ``{name}`` union of the spec."
        return f"{name} = {alias['expr']}\n{quote_doc(doc)}\n\n"

    def render_class(self, name: str, cls: dict[str, Any]) -> str:
        out = ["@attrs.frozen(kw_only=True)", f"class {name}(_Model):"]
        doc = [cls["doc"], "", "Attributes:"]
        for f in cls["fields"]:
            text = f["doc"] or f"The ``{f['name']}`` field."
            wrapped = textwrap.wrap(f"{f['name']}: {text}", 92, subsequent_indent="    ")
            doc += ["    " + line for line in wrapped]
        doc.append("    extra: Fields not known to this SDK version, kept as received.")
        out.append(indent_doc(doc))
        out.append("")
        for f in cls["fields"]:
            line = f"    {f['name']}: {f['ann']}"
            if f["default"] is not None:
                line += f" = {f['default']}"
            out.append(line)
        out += render_kind(cls)
        return "\n".join(out) + "\n\n\n"


# -- kind: the tag checkers narrow on --------------------------------------------------------------
# ``item.type == "message"`` cannot narrow a union that holds ``UnknownItem`` (its ``type`` is any
# string), in mypy or pyright. ``kind`` is the class's own tag, and ``None`` on the ``Unknown*``
# classes, so ``item.kind == "message"`` narrows in both without claiming anything untrue.


def render_kind(cls: dict[str, Any]) -> list[str]:
    """The ``kind`` lines of a model with a ``type`` tag: a ClassVar, or a property if it varies."""
    tag = next((f for f in cls["fields"] if f["name"] == "type"), None)
    literals = [p for p in split_union(tag["ann"]) if p.startswith("Literal[")] if tag else []
    if len(literals) != 1:
        return []
    tag_type = literals[0]
    doc = '"""This class\'s ``type`` tag (``None`` on unknown types): narrows a union in type checkers."""'
    if ", " not in tag_type:
        return [
            "",
            f"    kind: ClassVar[{tag_type}] = {tag_type[len('Literal[') : -1]}",
            f"    {doc}",
        ]
    return [
        "",
        "    @property",
        f"    def kind(self) -> {tag_type}:",
        f"        {doc}",
        "        return self.type",
    ]


def render_all() -> dict[str, str]:
    """Every generated file, by file name, as the generator writes it (before ``ruff format``)."""
    gen = generator()
    docs = {
        "content": "Content parts of messages and tool outputs: text, images, files, refusals, "
        "annotations and logprobs.",
        "tools": "Tool definitions, as carried by ``additional_tools`` and ``tool_search_output`` items.",
        "items": "Conversation items: every ``type`` the API can return, and the ``ConversationItem`` union.",
        "conversation": "The conversation object, its deletion receipt, the item list page and the "
        "error body.",
        "inputs": "Input shapes accepted by ``conversations.create`` and ``items.create`` "
        "(``InputItem``), and the two request bodies.",
    }
    files = {f"{module}.py": gen.render(module, docs[module]) for module in MODULES}
    files["__init__.py"] = gen.render_package()
    return files


def generator() -> Generator:
    """A generator that has read every schema the models are made of."""
    spec = extend_spec(load())
    gen = Generator(spec)
    schemas = gen.schemas
    content_roots: list[str] = []
    message = schemas["Message"]["properties"]["content"]["items"]["oneOf"]
    content_roots += [ref_name(m) for m in message]
    content_roots += ["InputContent", "OutputMessageContent", "FunctionAndCustomToolCallOutput"]
    groups = {
        "content": content_roots,
        "tools": ["Tool"],
        "items": ["ConversationItem"],
        "conversation": [
            "ConversationResource",
            "DeletedConversationResource",
            "ConversationItemList",
            "ErrorResponse",
        ],
        "inputs": ["InputItem", "CreateConversationBody", "UpdateConversationBody"],
    }
    for module in MODULES:
        gen.current_module = module
        for root in groups[module]:
            for name in closure(schemas, [root]):
                if name in MAPPINGS:
                    continue
                deps: set[str] = set()
                gen.named(name, deps)
        if module == "content":
            prop = schemas["Message"]["properties"]["content"]["items"]
            gen.annotation(prop, "Message", "content", set())
    return gen
