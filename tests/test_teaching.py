"""The teaching material: the tutorial notebook runs, the figures exist, the derivation's check prints what it shows.

- docs/tutorial.ipynb runs top to bottom through nbclient (the optional
  test extra; skipped, naming it, when nbclient or ipykernel is missing)
  and is stored without outputs.
- Every figure that README.md, docs/*.md and the notebook reference exists
  in docs/figures/, is a PNG of at most 200 kB, and every PNG there is
  referenced; validation/teaching_figures.py --quick writes each of them and
  finds the two minima of the entropy the docs quote.
- The python block of docs/derivation.md §7 prints its text block.
"""

import contextlib
import io
import pathlib
import re

import pytest

from .markdown import assert_same_output, code_blocks, follows

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
FIGURES = DOCS / "figures"
NOTEBOOK = DOCS / "tutorial.ipynb"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: Largest figure file, so that the docs stay light to clone and to load.
MAX_FIGURE_BYTES = 200 * 1024
_FIGURE_REF = re.compile(r"figures/([\w.-]+\.png)")


def referenced_figures():
    """{figure file name: [pages that reference it]} over README.md, docs/*.md and docs/*.ipynb."""
    found = {}
    for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md")), *sorted(DOCS.glob("*.ipynb"))]:
        for name in _FIGURE_REF.findall(page.read_text(encoding="utf-8")):
            found.setdefault(name, []).append(page.name)
    return found


def test_every_referenced_figure_exists_and_is_a_small_png():
    found = referenced_figures()
    assert {"windows.png", "partials.png", "entropy_theta.png", "fd_check.png", "per_frame.png",
            "forward_backward.png", "memory.png", "uncertainty.png", "readme.png"} <= set(found)
    for name, pages in found.items():
        path = FIGURES / name
        assert path.is_file(), f"{', '.join(pages)} reference docs/figures/{name}, which does not exist"
        assert path.read_bytes()[:8] == PNG_MAGIC, f"docs/figures/{name} is not a PNG"
        assert path.stat().st_size <= MAX_FIGURE_BYTES, (
            f"docs/figures/{name} is {path.stat().st_size / 1024:.0f} kB, above {MAX_FIGURE_BYTES // 1024} kB")
    orphans = {path.name for path in FIGURES.glob("*.png")} - set(found)
    assert not orphans, f"figures no page references: {sorted(orphans)}"


@pytest.mark.slow
def test_figure_script_quick_mode_writes_every_figure_and_finds_both_minima(tmp_path):
    pytest.importorskip("matplotlib")
    from validation import teaching_figures

    numbers = teaching_figures.main(["--quick", "--out", str(tmp_path)])
    assert {path.name for path in numbers["paths"]} == {path.name for path in FIGURES.glob("*.png")}
    for path in numbers["paths"]:
        assert path.read_bytes()[:8] == PNG_MAGIC
    # the minima and the barrier of H(θ) on the usage.md §1.1 signal, N = 256, hop 32, as measured on a
    # grid of step 0.5 (θ = 149.5, 192.5; maximum 166.5) and quoted in derivation.md's motivation
    assert numbers["local_theta"] == pytest.approx(149.7, abs=0.5)
    assert numbers["best_theta"] == pytest.approx(192.6, abs=0.5)
    assert numbers["barrier_theta"] == pytest.approx(166.7, abs=1.0)
    assert numbers["local_H"] == pytest.approx(8.11869, abs=2e-5)
    assert numbers["best_H"] < numbers["local_H"] < numbers["barrier_H"]
    assert numbers["p2_argmin"] == 256.0            # p = 2 runs to the bound θ = N
    assert numbers["paths_end"][60.0] == pytest.approx(numbers["local_theta"], abs=0.5)
    assert numbers["paths_end"][250.0] == pytest.approx(numbers["best_theta"], abs=0.5)
    assert numbers["partials_err_win"] < 1e-7 and numbers["partials_err_pos"] < 1e-7


def test_derivation_check_block_prints_what_the_page_shows():
    text = (DOCS / "derivation.md").read_text(encoding="utf-8")
    blocks = code_blocks(text)
    pairs = [(block, after) for block, after in zip(blocks, blocks[1:])
             if block.language == "python" and after.language == "text" and follows(text, block, after)]
    assert pairs, "derivation.md §7 should hold a python block followed by its output"
    for block, output in pairs:
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            exec(compile(block.code, f"derivation.md:{block.line}", "exec"), {"__name__": "__derivation__"})
        assert_same_output(stdout.getvalue(), output.code, f"the python block at derivation.md:{block.line}")


def test_notebook_is_stored_without_outputs():
    nbformat = pytest.importorskip("nbformat", reason="nbformat comes with the test extra's nbclient")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code_cells) >= 15
    for cell in code_cells:
        assert not cell.outputs and cell.execution_count is None, "store docs/tutorial.ipynb cleared"


@pytest.mark.slow
def test_notebook_runs_top_to_bottom():
    nbformat = pytest.importorskip("nbformat", reason="install the test extra: pip install -e '.[test]'")
    nbclient = pytest.importorskip("nbclient", reason="install the test extra: pip install -e '.[test]'")
    pytest.importorskip("ipykernel", reason="install the test extra: pip install -e '.[test]'")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # the kernel inherits PYTHONPATH and runs in docs/, as a reader's Jupyter would
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(DOCS)}}).execute()
    printed = "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                      for output in cell.outputs)
    # the exercises' answers, computed by the notebook (derivation.md quotes the same numbers)
    assert "ratio [5.7 5.7 5.7 5.7 5.7]" in printed
    assert re.search(r"θ = 149\.7\d, H = 8\.1186", printed), printed[-400:]
