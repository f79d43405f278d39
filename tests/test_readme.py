"""README.md: its Python example and its command-line examples run as written, and its test command is the one CI
runs."""

import contextlib
import io
import json
import pathlib
import re
import shlex

import numpy as np
import pytest

from dstft_np import cli

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


def readme_cli_examples():
    """The argument lists of the README's indented ``dstft-np COMMAND FILE ...`` examples (not the synopsis)."""
    text = README.replace("\\\n", " ")
    lines = re.findall(r"^    (dstft-np (?:optimize|spectrogram) recording\.wav .*)$", text, flags=re.MULTILINE)
    return [shlex.split(line)[1:] for line in lines]


@pytest.mark.slow
def test_readme_command_line_examples_run_as_written_on_a_32_khz_recording(data_dir, tmp_path, monkeypatch, capsys):
    """The README's examples on fan_7.wav (32 kHz, 40 s): 50 ms is 1600 samples, so n_fft is chosen as 2048."""
    examples = readme_cli_examples()
    assert [argv[0] for argv in examples] == ["optimize", "spectrogram"], examples
    (tmp_path / "recording.wav").symlink_to(data_dir / "fan_7.wav")
    monkeypatch.chdir(tmp_path)
    for argv in examples:
        assert cli.main(argv + ["--quiet"]) == 0, capsys.readouterr().err
        out = capsys.readouterr().out
        if argv[0] == "optimize":
            assert "n_fft 2048 (the next power of two >= --win-length 1600 samples)" in out
            assert "samples 352000–512000 (11–16 s) of 1294336" in out
        else:
            assert "n_fft 1024 (the next power of two >= --win-length 800 samples)" in out
    report = json.loads((tmp_path / "fit.json").read_text())
    assert report["settings"]["n_fft"] == 2048 and report["input"]["n_samples"] == 5 * 32000
    for name in ("fit.npz", "fit.png", "spec.png"):
        assert (tmp_path / name).stat().st_size > 0
