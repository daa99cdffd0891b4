"""Generate ``conversations_sdk/models/`` (attrs models) and ``conversations_sdk/types/`` (TypedDicts).

The spec (``spec/conversations.openapi.yaml``) is the one source of truth for both: the generators
in ``scripts/codegen/`` walk every schema the eight Conversations operations can return or accept.
Run this after updating the spec, then review the diff::

    python scripts/generate_models.py && ruff format conversations_sdk/models conversations_sdk/types

This file only writes what the generators render; it also names, for the tests and
``scripts/compare_openai_optional.py``, what they read of the generators (``render_all``,
``render_params``, ``generator``, the optional-as-in-openai decisions, the models beyond the spec).
"""

from __future__ import annotations

import sys
from pathlib import Path

# The generators live beside this file; it is also loaded by path (tests), not only run.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from codegen._beyond_spec import EXTRA_PROPERTIES, EXTRA_SCHEMAS  # noqa: E402
from codegen._models import (  # noqa: E402
    KEPT_REQUIRED,
    OPTIONAL_AS_IN_OPENAI,
    OUT,
    generator,
    render_all,
)
from codegen._params import PARAMS_OUT, render_params  # noqa: E402
from codegen._spec import ROOT  # noqa: E402

__all__ = [
    "EXTRA_PROPERTIES",
    "EXTRA_SCHEMAS",
    "KEPT_REQUIRED",
    "OPTIONAL_AS_IN_OPENAI",
    "generator",
    "main",
    "render_all",
    "render_params",
]


def main() -> int:
    """Write the model and params files (unformatted: ``ruff format`` them next)."""
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
