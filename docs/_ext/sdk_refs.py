"""Resolve short cross-references (``:class:`AsyncClient```) to the SDK's public names.

Docstrings name classes as users import them (``AsyncClient``, ``Faults``, ``Message``), but
Sphinx looks a bare name up only in the module being documented. When a Python reference finds
nothing, this tries it under each public module, so docstrings stay readable and ``-n`` still
fails on names that really do not exist.

It also keeps builtin names builtin: a parameter typed ``object`` would otherwise be linked, by
Sphinx's fuzzy search, to one of the models' ``object`` fields.
"""

from __future__ import annotations

import builtins
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform

_BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("_"))

PUBLIC_MODULES = (
    "conversations_sdk",
    "conversations_sdk.models",
    "conversations_sdk.types",
    "conversations_sdk.emulator",
)


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


class _BuiltinsStayBuiltin(SphinxPostTransform):
    """Make references to builtin names exact, so they never match a same-named attribute."""

    default_priority = 5  # before Sphinx's ReferencesResolver (10)

    def run(self, **kwargs: Any) -> None:
        for node in self.document.findall(addnodes.pending_xref):
            if node.get("refdomain") == "py" and node.get("reftarget") in _BUILTIN_NAMES:
                # The domain checks the attribute's presence, not its value.
                node.attributes.pop("refspecific", None)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the fallback resolver and the builtin-name transform."""
    app.connect("missing-reference", _resolve)
    app.add_post_transform(_BuiltinsStayBuiltin)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
