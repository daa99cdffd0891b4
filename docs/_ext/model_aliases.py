"""The ``model-aliases`` directive: document the unions and literal aliases of the models package.

``conversations_sdk.models`` exports type aliases (``ConversationItem``, ``InputItem``,
``MessageRole``, ...) next to its classes. Their docstrings live in the generated submodules, where
autodoc cannot see them from the package, and their values are too long to print. This directive
lists each one, computed at build time from ``__all__``, so the reference never drifts from the
code: a union links to its member classes, a literal shows its values.
"""

from __future__ import annotations

import importlib
import inspect
import typing
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles


def _describe(module: str, value: Any) -> str | None:
    args = typing.get_args(value)
    if typing.get_origin(value) is typing.Literal:
        shown = ", ".join(f"``{arg!r}``" for arg in args)
        return f"One of {shown}. Fields typed with it also accept any other string."
    if args and all(inspect.isclass(arg) for arg in args):
        members = ", ".join(f":class:`~{module}.{arg.__name__}`" for arg in args)
        return f"Any of: {members}."
    return None


class ModelAliases(SphinxDirective):
    """``.. model-aliases:: conversations_sdk.models`` (in RST): one ``py:data`` per exported alias."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        module_name = self.arguments[0]
        module = importlib.import_module(module_name)
        lines: list[str] = []
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isclass(value):
                continue
            text = _describe(module_name, value)
            if text is None:
                continue
            lines += [f".. py:data:: {name}", f"   :module: {module_name}", "", f"   {text}", ""]
        container = nodes.container()
        nested_parse_with_titles(self.state, StringList(lines, source=module_name), container)
        return container.children


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive."""
    app.add_directive("model-aliases", ModelAliases)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
