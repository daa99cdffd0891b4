"""docs/notebook.ipynb runs headless in a real Jupyter kernel: the blocking client's main user.

Skipped unless the ``notebook`` dependency group (nbclient, nbformat, ipykernel) is installed; the
``notebook`` nox session always installs it and runs the notebook too.
"""

from __future__ import annotations

import pathlib
import warnings
from typing import Any

import pytest

NOTEBOOK = pathlib.Path(__file__).resolve().parents[2] / "docs" / "notebook.ipynb"


def _outputs(nb: Any, kind: str) -> list[str]:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if kind == "stderr" and out.get("name") == "stderr":
                found.append(out["text"])
            elif kind in out.get("data", {}):
                found.append(out["data"][kind])
    return found


@pytest.mark.slow
def test_notebook_runs_in_a_kernel(tmp_path: pathlib.Path) -> None:
    """Every cell runs without error inside ipykernel's running loop, and shows rich HTML."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    with warnings.catch_warnings():
        # jupyter_client/jupyter_core deprecations are theirs, not this project's.
        warnings.simplefilter("ignore", DeprecationWarning)
        client.execute()  # raises CellExecutionError on the first failing cell

    assert _outputs(nb, "stderr") == []
    html = "".join(_outputs(nb, "text/html"))
    assert "conversations-sdk-conversation" in html
    assert "conversations-sdk-transcript" in html
    assert "get_weather" in html
    # The message's <script> is shown as text, never as markup.
    assert "&lt;script&gt;" in html
    assert "<script" not in html
