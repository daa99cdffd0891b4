"""Sphinx configuration: MyST Markdown pages, furo theme, API reference from docstrings."""

from __future__ import annotations

import sys
from importlib.metadata import version as _version
from pathlib import Path

# Local extensions of this documentation (docs/_ext).
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "conversations-sdk"
author = "conversations-sdk developers"
copyright = "2026, conversations-sdk developers"  # Sphinx reads this name (shadows a builtin)
release = _version("conversations-sdk")
version = ".".join(release.split(".")[:2])

extensions = [
    # myst_nb is myst_parser plus notebooks: docs/notebook.ipynb renders with its stored outputs.
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "sdk_refs",  # short names in docstrings (`AsyncClient`) resolve to the public modules
    "bench_table",  # performance.md renders _static/bench.json, the benchmark's own output
    "model_aliases",  # api.md lists the models' unions and literals, computed from __all__
]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb", ".rst": "restructuredtext"}
# docs/notebook.ipynb is stored without outputs: it runs at build time (against the in-process
# emulator, on loopback), so the site shows what this version really displays. A notebook stored
# with outputs is shown as it is. A failing cell fails the build.
nb_execution_mode = "auto"
nb_execution_raise_on_error = True
nb_execution_timeout = 120
exclude_patterns = ["_build", "README.md", "_ext"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# The request TypedDicts list their keys under "Keys:", rendered like parameters (not attributes).
napoleon_custom_sections = [("Keys", "params_style")]

# No intersphinx: CI has no network but the package registries. Names from other projects
# therefore cannot resolve; nitpicky mode ignores them instead of failing the build.
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(aiohttp|anyio|attrs|cattrs|typing|collections|types|builtins|enum|datetime|os|random)\..*",
    ),
    # Private modules, bases and helpers that signatures mention but the reference does not document.
    (r"py:.*", r"conversations_sdk\.(\w+\.)*_\w+(\..*)?"),
    (r"py:.*", r"_\w+"),
    (
        r"py:.*",
        r"(Timeout|PageFetcher|FaultMode|FaultWhen|Include|ApiKey|RequestHeaders|LiveResponse|Request|Requester|Runner)",
    ),
    (
        r"py:.*",
        r"(Any|Mapping|Sequence|Iterable|Iterator|AsyncIterator|AsyncIterable|Callable|Awaitable|Literal|TypeVar|Self|ParamSpec|Generator|AsyncGenerator|Coroutine|T|P|R|_T)",
    ),
]

html_theme = "furo"
html_title = "conversations-sdk"
