"""Regenerate the emulator's copy of the API contract from the YAML spec.

The emulator ships the spec as JSON package data because PyYAML is not a runtime dependency: one
document, the Conversations extract with the paths and components of the Responses extract added
(the two extracts share many schemas, which must be identical). Run
``python scripts/build_emulator_spec.py`` after changing either file in ``spec/``;
``tests/emulator/test_spec_data.py`` fails while they disagree.
"""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Any

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "spec" / "conversations.openapi.yaml"
RESPONSES = ROOT / "spec" / "responses.openapi.yaml"
TARGET = ROOT / "conversations_sdk" / "emulator" / "spec.json"


def merge(conversations: dict[str, Any], responses: dict[str, Any]) -> dict[str, Any]:
    """Return the Conversations document with the Responses paths and components added.

    Raises:
        ValueError: A path or component is in both documents with different content.
    """
    merged = {**conversations, "paths": dict(conversations["paths"])}
    merged["components"] = {k: dict(v) for k, v in conversations["components"].items()}
    sections: list[tuple[dict[str, Any], dict[str, Any], str]] = [
        (merged["paths"], responses["paths"], "paths")
    ]
    for kind, entries in responses.get("components", {}).items():
        sections.append((merged["components"].setdefault(kind, {}), entries, kind))
    for target, entries, where in sections:
        for name, value in entries.items():
            if name in target and target[name] != value:
                raise ValueError(f"{where}/{name} differs between the two spec extracts")
            target[name] = value
    return merged


def render(source: pathlib.Path = SOURCE, responses: pathlib.Path = RESPONSES) -> str:
    """Return the JSON text the emulator ships for the YAML specs at ``source`` and ``responses``."""
    document: Any = merge(
        yaml.safe_load(source.read_text(encoding="utf-8")),
        yaml.safe_load(responses.read_text(encoding="utf-8")),
    )
    # Compact and key-order-preserving: the JSON is the YAML, nothing dropped or reordered.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def main() -> int:
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
