"""Generate ``conversations_sdk/models/{content,tools,items,inputs}.py`` from the OpenAPI spec.

The spec (``spec/conversations.openapi.yaml``) is the one source of truth for the models: this script
walks every schema the eight Conversations operations can return or accept and writes one attrs
class per object schema, one ``Literal`` alias per enum and one union alias per named ``oneOf``.

Run it after updating the spec, then review the diff::

    python scripts/generate_models.py && ruff format conversations_sdk/models

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
import sys
import textwrap
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "conversations.openapi.yaml"
OUT = ROOT / "conversations_sdk" / "models"

# Spec schema name -> public Python name, where the spec name is not a valid or not the agreed one.
RENAMES = {
    "ConversationResource": "Conversation",
    "DeletedConversationResource": "ConversationDeletedResource",
    "MessagePhase-2": "MessagePhase",
}
# Schemas rendered as a plain mapping instead of a class: they are free-form JSON objects.
MAPPINGS = {
    "EmptyModelParam": "Mapping[str, Any]",
    "Metadata": "Mapping[str, str] | None",
    "VectorStoreFileAttributes": "Mapping[str, str | float | bool] | None",
}
# Names for inline object schemas, keyed by (owner schema, property).
INLINE_NAMES = {
    ("FileSearchToolCall", "results"): "FileSearchToolCallResult",
    ("WebSearchActionSearch", "sources"): "WebSearchActionSearchSource",
    ("ImageGenTool", "input_image_mask"): "ImageGenToolInputImageMask",
    ("WebSearchTool", "filters"): "WebSearchToolFilters",
    ("MCPTool", "require_approval"): "MCPToolApprovalFilter",
    ("WebSearchApproximateLocation", None): "WebSearchApproximateLocation",
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
INLINE_UNIONS = {("Message", "content"): "MessageContent"}
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


def load() -> dict[str, Any]:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def ref_name(obj: dict[str, Any]) -> str:
    return obj["$ref"].rsplit("/", 1)[-1]


def closure(schemas: dict[str, Any], roots: list[str]) -> list[str]:
    seen: list[str] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key == "$ref":
                    name = value.rsplit("/", 1)[-1]
                    if name not in seen:
                        seen.append(name)
                        walk(schemas[name])
                else:
                    walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    for root in roots:
        if root not in seen:
            seen.append(root)
            walk(schemas[root])
    return seen


def first_paragraph(text: str | None) -> str:
    if not text:
        return ""
    text = text.strip().split("\n\n")[0]
    text = " ".join(line.strip() for line in text.splitlines())
    text = re.sub(r"\s+", " ", text)
    return text.replace("\\", "\\\\").replace('"""', "'''")


class Generator:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.schemas: dict[str, Any] = spec["components"]["schemas"]
        self.classes: dict[str, dict[str, Any]] = {}  # python name -> {schema, fields, doc, module}
        self.aliases: dict[str, dict[str, Any]] = {}  # python name -> {expr, deps, doc, module}
        self.module_of: dict[str, str] = {}
        self.current_module = ""

    # -- naming -------------------------------------------------------------------------------

    def pyname(self, schema_name: str) -> str:
        return RENAMES.get(schema_name, schema_name)

    def kind(self, schema: dict[str, Any]) -> str:
        if "allOf" in schema:
            return "allof"
        if "oneOf" in schema or "anyOf" in schema:
            return "union"
        if "enum" in schema:
            return "enum"
        if schema.get("type") == "array":
            return "array"
        if "properties" in schema:
            return "object"
        if schema.get("type") == "object":
            return "mapping"
        if "type" in schema:
            return "primitive"
        return "any"

    # -- types --------------------------------------------------------------------------------

    def named(self, schema_name: str, deps: set[str]) -> str:
        """Annotation for a reference to a component schema, generating it on first use."""
        if schema_name in MAPPINGS:
            return MAPPINGS[schema_name]
        py = self.pyname(schema_name)
        schema = self.schemas[schema_name]
        kind = self.kind(schema)
        if kind in ("object", "allof"):
            self.ensure_class(schema_name, schema)
            deps.add(py)
            return py
        if kind == "enum":
            self.ensure_alias(py, self.literal(schema), schema.get("description"), set())
            deps.add(py)
            return f"{py} | str"  # a value added to the enum later must not raise
        if kind == "union":
            members = schema.get("oneOf") or schema.get("anyOf")
            # A named union of one schema and null (Metadata-like) is not worth an alias.
            if (
                any(m.get("type") == "null" for m in members)
                and py == "WebSearchApproximateLocation"
            ):
                inner = next(m for m in members if m.get("type") != "null")
                self.ensure_class(py, inner, name=py)
                deps.add(py)
                return f"{py} | None"
            alias_deps: set[str] = set()
            expr = self.union(members, schema_name, None, alias_deps, union_name=py)
            self.ensure_alias(py, expr, schema.get("description"), alias_deps)
            deps.add(py)
            return py
        if kind == "array":
            return f"Sequence[{self.annotation(schema['items'], schema_name, None, deps)}]"
        return self.annotation(schema, schema_name, None, deps)

    def literal(self, schema: dict[str, Any]) -> str:
        return "Literal[" + ", ".join(repr(v) for v in schema["enum"]) + "]"

    def annotation(
        self, schema: dict[str, Any], owner: str, prop: str | None, deps: set[str]
    ) -> str:
        if "$ref" in schema:
            return self.named(ref_name(schema), deps)
        if "$recursiveRef" in schema:
            deps.add(self.pyname(owner))
            return self.pyname(owner)
        kind = self.kind(schema)
        if kind == "union":
            members = schema.get("oneOf") or schema.get("anyOf")
            alias = INLINE_UNIONS.get((owner, prop))
            if alias is None:
                return self.union(members, owner, prop, deps)
            if alias not in self.aliases:
                alias_deps: set[str] = set()
                expr = self.union(members, owner, prop, alias_deps)
                self.ensure_alias(alias, expr, schema.get("description"), alias_deps)
            deps.add(alias)
            return alias
        if kind == "enum":
            return self.literal(schema) + " | str"
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
            return {
                "string": "str",
                "integer": "int",
                "number": "float",
                "boolean": "bool",
                "null": "None",
            }[schema["type"]]
        return "Any"

    def union(
        self,
        members: list[dict[str, Any]],
        owner: str,
        prop: str | None,
        deps: set[str],
        union_name: str | None = None,
    ) -> str:
        parts: list[str] = []
        nullable = False
        classes = 0
        for member in members:
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
        if "allOf" in schema:
            props: dict[str, Any] = {}
            required: list[str] = []
            doc = schema.get("description")
            for part in schema["allOf"]:
                part_schema = self.schemas[ref_name(part)] if "$ref" in part else part
                doc = doc or part_schema.get("description")
                for key, value in part_schema.get("properties", {}).items():
                    props[key] = value  # later parts refine earlier ones (id, status)
                required += [r for r in part_schema.get("required", []) if r not in required]
        else:
            props = schema.get("properties", {})
            required = list(schema.get("required", []))
            doc = schema.get("description") or schema.get("title")
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
            if key in ("type", "object") and enum and is_required:
                # The discriminator: known values only, defaulted so building input stays short.
                ann = self.literal(prop)
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
            + [self.render_alias(n, a) for n, a in self.ordered_aliases(aliases)]
        )
        typing_names = [
            n for n in ("Any", "ClassVar", "Literal") if re.search(rf"\b{n}\b", body_text)
        ]
        abc_names = [n for n in ("Mapping", "Sequence") if re.search(rf"\b{n}\[", body_text)]
        lines = [
            "# Generated by scripts/generate_models.py from spec/conversations.openapi.yaml.",
            "# Do not edit by hand: change the generator (or the spec) and run it again.",
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
            "# Generated by scripts/generate_models.py from spec/conversations.openapi.yaml.",
            "# Do not edit by hand: change the generator (or the spec) and run it again.",
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

    def ordered_aliases(
        self, aliases: dict[str, dict[str, Any]]
    ) -> list[tuple[str, dict[str, Any]]]:
        done: list[str] = []

        def visit(name: str) -> None:
            if name in done:
                return
            for dep in sorted(aliases[name]["deps"]):
                if dep in aliases and dep != name:
                    visit(dep)
            done.append(name)

        for name in sorted(aliases):
            visit(name)
        return [(n, aliases[n]) for n in done]

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
    literal = literals[0]
    doc = '"""This class\'s ``type`` tag (``None`` on unknown types): narrows a union in type checkers."""'
    if ", " not in literal:
        return [
            "",
            f"    kind: ClassVar[{literal}] = {literal[len('Literal[') : -1]}",
            f"    {doc}",
        ]
    return [
        "",
        "    @property",
        f"    def kind(self) -> {literal}:",
        f"        {doc}",
        "        return self.type",
    ]


def split_union(expr: str) -> list[str]:
    """Split ``A | B[C | D] | E`` at top level only."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(expr):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif depth == 0 and expr.startswith(" | ", i):
            parts.append(expr[start:i])
            start = i + 3
    parts.append(expr[start:])
    return parts


def quote_doc(text: str) -> str:
    if text.endswith('"'):
        text += " "
    return '"""' + text + '"""'


def indent_doc(lines: list[str]) -> str:
    first = textwrap.wrap(lines[0], 92)
    body = first + lines[1:]
    text = "\n".join(("    " + line) if line else "" for line in body)
    return '    """' + text.lstrip() + '\n    """'


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


# =================================================================================================
# Models beyond the spec: item types and fields the official SDK (openai 3.57) reads and the
# published spec lacks. Written here as spec fragments (from the SDK's installed types: facts, not
# code), merged into the response side only; every description says where it comes from, and the
# docs list them (docs/models.md, "Beyond the published spec").
# =================================================================================================

BEYOND = "Beyond the published spec (shape from the official SDK, openai 3.57)."
EXTRA_SCHEMAS: dict[str, Any] = {
    "ConfigurationUpdateItem": {
        "type": "object",
        "description": f"A configuration update for the responses that follow: each setting stays "
        f"in effect until a later update replaces it. {BEYOND}",
        "properties": {
            "type": {"type": "string", "enum": ["configuration_update"]},
            "id": {"type": "string", "description": "The unique ID of the configuration update."},
            "reasoning": {
                "anyOf": [
                    {"$ref": "#/components/schemas/ConfigurationUpdateReasoning"},
                    {"type": "null"},
                ]
            },
            "text": {
                "anyOf": [
                    {"$ref": "#/components/schemas/ConfigurationUpdateText"},
                    {"type": "null"},
                ]
            },
        },
        "required": ["type", "id"],
    },
    "ConfigurationUpdateReasoning": {
        "type": "object",
        "description": f"The reasoning configuration a configuration update applies. {BEYOND}",
        "properties": {
            "effort": {
                "anyOf": [
                    {
                        "type": "string",
                        "enum": ["none", "minimal", "low", "medium", "high", "xhigh", "max"],
                    },
                    {"type": "null"},
                ],
                "description": "The reasoning effort of the responses that follow.",
            }
        },
    },
    "ConfigurationUpdateText": {
        "type": "object",
        "description": f"The text output configuration a configuration update applies. {BEYOND}",
        "properties": {
            "format": {
                "oneOf": [
                    {"$ref": "#/components/schemas/ResponseFormatText"},
                    {"$ref": "#/components/schemas/TextResponseFormatJsonSchema"},
                ]
            }
        },
        "required": ["format"],
    },
    # The two names and shapes of the Responses spec (spec/responses.openapi.yaml upstream).
    "ResponseFormatText": {
        "type": "object",
        "description": f"Plain text output. {BEYOND}",
        "properties": {"type": {"type": "string", "enum": ["text"]}},
        "required": ["type"],
    },
    "TextResponseFormatJsonSchema": {
        "type": "object",
        "description": f"Structured JSON output following a JSON Schema. {BEYOND}",
        "properties": {
            "type": {"type": "string", "enum": ["json_schema"]},
            "name": {"type": "string", "description": "The name of the response format."},
            "schema": {"type": "object", "description": "The JSON Schema of the output."},
            "description": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "strict": {"anyOf": [{"type": "boolean"}, {"type": "null"}]},
        },
        "required": ["type", "name", "schema"],
    },
    "ImageGenToolCallError": {
        "type": "object",
        "description": f"Why an image generation call failed. {BEYOND}",
        "properties": {
            "code": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "message": {"type": "string", "description": "A description of the error."},
            "param": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "type": {"type": "string", "description": "The error type."},
            "moderation_details": {
                "anyOf": [
                    {"$ref": "#/components/schemas/ImageGenToolCallModerationDetails"},
                    {"type": "null"},
                ]
            },
        },
        "required": ["message", "type"],
    },
    "ImageGenToolCallModerationDetails": {
        "type": "object",
        "description": f"Public details of a ``moderation_blocked`` error. {BEYOND}",
        "properties": {
            "categories": {"type": "array", "items": {"type": "string"}},
            "moderation_stage": {"type": "string", "enum": ["input", "output", "unknown"]},
        },
        "required": ["categories", "moderation_stage"],
    },
    "ImageGenToolCallSvgUsage": {
        "type": "object",
        "description": f"Token usage of an SVG image generation. {BEYOND}",
        "properties": {
            "input_tokens": {"type": "integer"},
            "model": {"type": "string"},
            "output_tokens": {"type": "integer"},
            "reasoning_tokens": {"type": "integer"},
            "total_tokens": {"type": "integer"},
        },
        "required": [
            "input_tokens",
            "model",
            "output_tokens",
            "reasoning_tokens",
            "total_tokens",
        ],
    },
}


def _optional(schema: dict[str, Any], doc: str) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}], "description": f"{doc} {BEYOND}"}


# Optional fields added to spec schemas: schema -> {property: schema}.
EXTRA_PROPERTIES: dict[str, dict[str, Any]] = {
    "ImageGenToolCall": {
        "action": _optional(
            {"type": "string", "enum": ["generate", "edit", "auto"]}, "The action used."
        ),
        "background": _optional(
            {"type": "string", "enum": ["transparent", "opaque", "auto"]}, "The background used."
        ),
        "error": _optional(
            {"$ref": "#/components/schemas/ImageGenToolCallError"}, "Why the call failed."
        ),
        "output_format": _optional(
            {"type": "string", "enum": ["png", "webp", "jpeg", "gif", "svg"]},
            "The output format used.",
        ),
        "quality": _optional(
            {"type": "string", "enum": ["low", "medium", "high", "xhigh", "max", "auto"]},
            "The quality of the generated image.",
        ),
        "revised_prompt": _optional(
            {"type": "string"}, "The prompt used, after any rewriting by the model."
        ),
        "size": _optional(
            {"type": "string"}, "The image size as ``WIDTHxHEIGHT``, e.g. ``1536x864``."
        ),
        "svg_usage": _optional(
            {"$ref": "#/components/schemas/ImageGenToolCallSvgUsage"}, "Token usage of an SVG."
        ),
    }
}
# Item types added to the spec's item unions (what the API returns).
EXTRA_ITEMS = {"ConversationItem": ["ConfigurationUpdateItem"]}


def extend_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with the models beyond it merged in (the spec file itself is never changed)."""
    schemas = spec["components"]["schemas"]
    for name, schema in EXTRA_SCHEMAS.items():
        if name in schemas:
            raise SystemExit(f"{name} is in the spec now: drop it from EXTRA_SCHEMAS")
        schemas[name] = schema
    for name, props in EXTRA_PROPERTIES.items():
        for key, prop in props.items():
            if key in schemas[name]["properties"]:
                raise SystemExit(f"{name}.{key} is in the spec now: drop it from EXTRA_PROPERTIES")
            schemas[name]["properties"][key] = prop
    for union, members in EXTRA_ITEMS.items():
        for member in members:
            schemas[union]["oneOf"].append({"$ref": f"#/components/schemas/{member}"})
    return spec


# =================================================================================================
# Request params: TypedDicts for every request body shape (conversations_sdk/types/).
#
# Self-contained on purpose: it shares only the helpers above (load, closure, first_paragraph, ...)
# with the model generator, so the two can change independently.
#
# Rules:
# * one ``TypedDict`` (``total=False``) per object schema, named ``<Schema>Param`` (the name kept
#   when it already ends in ``Param``); required keys are ``Required[...]``;
# * enums are closed ``Literal``s: a request is checked strictly, even though responses accept
#   values added later;
# * unions are plain unions of TypedDicts; each member's ``type`` key is a ``Literal``, so mypy and
#   pyright pick the member of a dict literal by its ``type`` (the easy message has an optional one);
# * arrays are ``Iterable[...]`` (any list, tuple or generator), free-form objects ``Mapping``s.
# =================================================================================================

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
PARAMS_INLINE_UNIONS = {("EasyInputMessage", "content"): "EasyInputMessageContentParam"}


class ParamsGenerator:
    """Turns the request-side schemas of the spec into TypedDicts and union aliases."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.schemas: dict[str, Any] = spec["components"]["schemas"]
        self.kinds = Generator(spec)  # only for .kind()
        self.names: dict[str, str] = {}  # schema name -> TypedDict or alias name
        self.classes: dict[str, dict[str, Any]] = {}  # name -> {doc, fields}
        self.aliases: dict[str, dict[str, Any]] = {}  # name -> {expr, doc, deps}
        self.shapes: dict[str, str] = {}  # name -> rendered body, to merge identical twins

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
        kind = self.kinds.kind(schema)
        if kind == "enum":
            return self.literal(schema)
        name = self.name_of(schema_name)
        if kind in ("object", "allof"):
            self.ensure_class(name, schema, schema_name)
            return name
        if (schema_name, None) in INLINE_NAMES:  # a named "object or null": the object is the name
            inner = next(m for m in schema["anyOf"] if m.get("type") != "null")
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

    def literal(self, schema: dict[str, Any]) -> str:
        return "Literal[" + ", ".join(repr(v) for v in schema["enum"]) + "]"

    def annotation(
        self, schema: dict[str, Any], owner: str, prop: str | None, deps: set[str]
    ) -> str:
        if "$ref" in schema:
            name = self.named(ref_name(schema))
            deps.add(name)
            return name
        if "$recursiveRef" in schema:
            return self.name_of(owner)
        kind = self.kinds.kind(schema)
        if kind == "union":
            members = schema.get("oneOf") or schema.get("anyOf")
            parts: list[str] = []
            for member in members:
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
            return self.literal(schema)
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
            return {
                "string": "str",
                "integer": "int",
                "number": "float",
                "boolean": "bool",
                "null": "None",
            }[schema["type"]]
        return "Any"

    def ensure_class(self, name: str, schema: dict[str, Any], schema_name: str) -> None:
        if name in self.classes:
            return
        entry: dict[str, Any] = {"fields": [], "doc": ""}
        self.classes[name] = entry  # registered first: recursive schemas refer to themselves
        if "allOf" in schema:
            props: dict[str, Any] = {}
            required: list[str] = []
            doc = schema.get("description")
            for part in schema["allOf"]:
                part_schema = self.schemas[ref_name(part)] if "$ref" in part else part
                doc = doc or part_schema.get("description")
                props.update(part_schema.get("properties", {}))
                required += [r for r in part_schema.get("required", []) if r not in required]
        else:
            props = schema.get("properties", {})
            required = list(schema.get("required", []))
            doc = schema.get("description") or schema.get("title")
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

    def ordered_aliases(self) -> list[str]:
        done: list[str] = []

        def visit(name: str) -> None:
            if name in done:
                return
            for dep in sorted(self.aliases[name]["deps"]):
                if dep in self.aliases and dep != name:
                    visit(dep)
            done.append(name)

        for name in sorted(self.aliases):
            visit(name)
        return done

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
        for name in self.ordered_aliases():
            alias = self.aliases[name]
            doc = alias["doc"] or f"The ``{name}`` union of the spec, as dicts."
            body.append(f"{name}: TypeAlias = {alias['expr']}\n{quote_doc(doc)}\n\n")
        for alias, target in sorted(PARAMS_OPENAI_ALIASES.items()):
            body.append(
                f"{alias}: TypeAlias = {target}\n"
                f'"""The official SDK\'s name for :data:`{target}`."""\n\n'
            )
        text = "".join(body)
        exported = sorted([*self.classes, *self.aliases, *PARAMS_OPENAI_ALIASES])
        header = [
            "# Generated by scripts/generate_models.py from spec/conversations.openapi.yaml.",
            "# Do not edit by hand: change the generator (or the spec) and run it again.",
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
            "# Generated by scripts/generate_models.py from spec/conversations.openapi.yaml.",
            "# Do not edit by hand: change the generator (or the spec) and run it again.",
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


def main() -> int:
    files = render_all()
    for name, text in files.items():
        (OUT / name).write_text(text, encoding="utf-8")
    print(
        f"wrote {len(files)} files to {OUT.relative_to(ROOT)}; now run: ruff format {OUT.relative_to(ROOT)}"
    )
    params = render_params()
    PARAMS_OUT.mkdir(exist_ok=True)
    for name, text in params.items():
        (PARAMS_OUT / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(params)} files to {PARAMS_OUT.relative_to(ROOT)}; ruff format them too")
    return 0


if __name__ == "__main__":
    sys.exit(main())
