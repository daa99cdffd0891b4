"""Resolve short cross-references (``:class:`AsyncClient```) to the SDK's public names.

Docstrings name classes as users import them (``AsyncClient``, ``Faults``, ``Message``), but
Sphinx looks a bare name up only in the module being documented. When a Python reference finds
nothing, this tries it under each public module, so docstrings stay readable and ``-n`` still
fails on names that really do not exist.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

PUBLIC_MODULES = ("conversations_sdk", "conversations_sdk.models", "conversations_sdk.emulator")


def _resolve(
    app: Sphinx, env: BuildEnvironment, node: Any, contnode: nodes.Element
) -> nodes.Element | None:
    if node.get("refdomain") != "py":
        return None
    target: str = node["reftarget"].lstrip(".~")
    domain = env.get_domain("py")
    objects = domain.objects  # type: ignore[attr-defined]
    candidates = [f"{module}.{target}" for module in PUBLIC_MODULES]
    # A bare attribute (``port``) written inside a class's docstring: try it on that class.
    owner = node.get("py:class")
    module = node.get("py:module")
    if owner and module:
        candidates.insert(0, f"{module}.{owner}.{target}")
    for candidate in candidates:
        if candidate in objects:
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], candidate, node, contnode
            )
    return None


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the fallback resolver."""
    app.connect("missing-reference", _resolve)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
