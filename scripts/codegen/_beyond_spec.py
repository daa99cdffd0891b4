"""Models beyond the spec: item types and fields the official SDK reads and the published spec lacks.

Written here as spec fragments (from the installed types of openai 3.57: facts, not code), merged
into the response side only by ``extend_spec``; every description says where it comes from, and
the docs list them (docs/models.md, "Beyond the published spec"). It must not change the spec file
nor anything the request TypedDicts are made from, and it refuses to run once the spec gains one of
these (drop the addition then).
"""

from __future__ import annotations

from typing import Any

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
