"""Regenerate the emulator's copy of the API contract from the YAML spec.

The emulator ships the spec as JSON package data because PyYAML is not a runtime dependency.
Run ``python scripts/build_emulator_spec.py`` after changing ``spec/conversations.openapi.yaml``;
``tests/emulator/test_spec_data.py`` fails while the two disagree.
"""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Any

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOURCE = ROOT / "spec" / "conversations.openapi.yaml"
TARGET = ROOT / "conversations_sdk" / "emulator" / "spec.json"


def render(source: pathlib.Path = SOURCE) -> str:
    """Return the JSON text the emulator ships for the YAML spec at ``source``."""
    document: Any = yaml.safe_load(source.read_text(encoding="utf-8"))
    # Compact and key-order-preserving: the JSON is the YAML, nothing dropped or reordered.
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def main() -> int:
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
