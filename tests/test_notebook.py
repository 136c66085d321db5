"""docs/tutorial.ipynb runs top to bottom and its reports render as HTML tables."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).parent.parent / "docs" / "tutorial.ipynb"


@pytest.fixture
def python3_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A ``python3`` kernel spec for *this* interpreter, first on the Jupyter path.

    A fresh virtual environment may have no kernel spec, and a user-wide one
    may point at another Python without locosuppress; a private spec in a
    temporary prefix that runs ``sys.executable`` avoids both.
    """
    from ipykernel.kernelspec import install

    prefix = tmp_path / "jupyter-prefix"
    install(kernel_name="python3", prefix=str(prefix))
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebook's sample folder goes here
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return "python3"


@pytest.mark.slow
class TestTutorial:
    """The tutorial notebook never rots."""

    def test_runs_top_to_bottom_with_html_reports(
        self, python3_kernel: str, tmp_path: Path
    ) -> None:
        """Every cell runs; cells tagged ``report`` show an HTML report, ``plot`` an image."""
        pytest.importorskip("matplotlib")
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        client = nbclient.NotebookClient(
            notebook,
            kernel_name=python3_kernel,
            timeout=120,
            resources={"metadata": {"path": str(tmp_path)}},
        )
        client.execute()
        tagged = {"report": 0, "plot": 0}
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert [] == errors, cell.source
            tags = cell.metadata.get("tags", [])
            data = [o.get("data", {}) for o in cell.outputs]
            if "report" in tags:
                tagged["report"] += 1
                html = "".join(d.get("text/html", "") for d in data)
                assert "<table class='locosuppress-report'>" in html, cell.source
            if "plot" in tags:
                tagged["plot"] += 1
                assert any("image/png" in d for d in data), cell.source
        assert {"report": 3, "plot": 1} == tagged

    def test_is_stored_without_outputs(self) -> None:
        """The stored notebook has no outputs (no sample data, paths or images in git)."""
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert [] == [c.source for c in code if c.outputs or c.execution_count]
        assert "python3" == notebook.metadata.kernelspec.name
