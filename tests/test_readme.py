"""README.md: its Python example runs as written, and its test command is the one CI runs."""

import contextlib
import io
import pathlib
import re

import numpy as np

from .markdown import python_blocks

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_readme_python_example_runs_and_reconstructs_the_signal():
    blocks = python_blocks(README)
    assert len(blocks) == 1, "the README holds one Python example"
    code = blocks[0]
    assert len(code.strip().splitlines()) <= 16, "keep the example short"
    namespace = {}
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, "README.md", "exec"), namespace)
    history, x, x_back = namespace["history"], namespace["x"], namespace["x_back"]
    assert history.loss[history.best] < history.loss[0], "the fit lowers the entropy"
    np.testing.assert_allclose(x_back, x, rtol=0, atol=1e-10, err_msg="istft(stft(x)) of the README example")
    assert "reconstruction error" in output.getvalue()


def test_readme_commands_are_the_ones_ci_runs():
    commands = re.findall(r"^    (python -m pip install .*)$", README, flags=re.MULTILINE)
    assert len(commands) == 2 and commands[0].endswith("&& dstft-np demo"), commands
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert commands[1] in ci_lines, ".ci/run must run the README's test command verbatim"
