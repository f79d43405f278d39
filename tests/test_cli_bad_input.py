"""Bad option values for every command of ``dstft-np``: non-zero exit, one line on stderr, no traceback.

Most cases run in-process through ``cli.main`` (the function the console
script calls), which costs no interpreter start; two run as real
subprocesses to show the same line and status reach the shell. Each case
fails before any fit or figure: nothing is written to stdout.
"""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import scipy.io

from dstft_np import cli
from dstft_np._options import WINDOWS

ROOT = pathlib.Path(__file__).resolve().parents[1]

PREFIX = "dstft-np: error: "


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    np.save(tmp_path / "x.npy", np.sin(0.1 * np.arange(3000)))
    np.save(tmp_path / "stereo.npy", np.stack([np.sin(0.1 * np.arange(3000))] * 2))
    np.save(tmp_path / "nan.npy", np.r_[np.sin(0.1 * np.arange(3000)), np.nan])
    np.save(tmp_path / "complex.npy", np.ones(300) + 1j)
    (tmp_path / "junk.npy").write_bytes(b"hello")
    (tmp_path / "junk.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    (tmp_path / "folder.npy").mkdir()
    scipy.io.savemat(tmp_path / "two.mat", {"a": np.ones(300), "b": np.zeros(300)})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_main(argv, capsys):
    """(status, stderr lines, stdout) of cli.main(argv); argparse's rejections exit with status 2."""
    try:
        status = cli.main(argv)
    except SystemExit as stop:
        status = stop.code
    captured = capsys.readouterr()
    return status, captured.err.strip().splitlines(), captured.out


# options shared by optimize and spectrogram: (id, argv after "COMMAND FILE", status, fragment)
TRANSFORM_OPTION_CASES = [
    ("n-fft-negative", ["--n-fft", "-16"], 2, "argument --n-fft: must be > 0, got '-16'"),
    ("n-fft-zero", ["--n-fft", "0"], 2, "argument --n-fft: must be > 0, got '0'"),
    ("n-fft-odd", ["--n-fft", "15"], 1, "--n-fft must be even, got 15"),
    ("n-fft-float", ["--n-fft", "16.5"], 2, "argument --n-fft: '16.5' is not an integer"),
    ("n-fft-word", ["--n-fft", "big"], 2, "argument --n-fft: 'big' is not an integer"),
    ("hop-zero", ["--hop", "0"], 2, "argument --hop: a length must be > 0, got '0'"),
    ("hop-negative", ["--hop", "-3"], 2, "argument --hop: a length must be > 0, got '-3'"),
    ("hop-nan", ["--hop", "nan"], 2, "argument --hop: a length must be > 0, got 'nan'"),
    ("hop-word", ["--hop", "fast"], 2, "argument --hop: 'fast' is not a length"),
    ("hop-duration-without-rate", ["--hop", "10ms"], 1, "--hop 10ms is a duration, but the signal has no sample rate"),
    # 3e303 frames: was numpy's "Maximum allowed size exceeded" (optimize), then "frames would need ... MiB"
    ("hop-tiny", ["--hop", "1e-300"], 2, "argument --hop: '1e-300' is less than one sample"),
    ("win-length-above-n-fft", ["--n-fft", "1024", "--win-length", "2000"], 1,
     "--win-length 2000 samples is longer than --n-fft 1024: pass --n-fft 2048 or leave --n-fft out"),
    # was taken silently by spectrogram ("θ 0.05 samples")
    ("win-length-below-one-sample", ["--win-length", "0.05"], 2,
     "argument --win-length: '0.05' is less than one sample (a length without a unit counts samples); for a "
     "duration write 50ms or 0.05s"),
    ("hop-below-one-sample", ["--hop", "0.5"], 2, "argument --hop: '0.5' is less than one sample"),
    ("duration-below-one-sample", ["--sample-rate", "1000", "--win-length", "0.1ms"], 1,
     "--win-length 0.1ms is 0.1 samples at 1000 Hz, less than one sample"),
    ("start-below-one-sample", ["--start", "0.3"], 2, "argument --start: '0.3' is less than one sample"),
    ("start-negative", ["--start", "-1"], 2, "argument --start: a length must be >= 0, got '-1'"),
    ("start-after-the-end", ["--start", "3000"], 1,
     "--start 3000 is at or after the end of x.npy, which holds 3000 samples"),
    ("start-duration-without-rate", ["--start", "1s"], 1, "--start 1s is a duration, but the signal has no sample rate"),
    ("duration-zero", ["--duration", "0"], 2, "argument --duration: a length must be > 0, got '0'"),
    ("win-length-zero", ["--win-length", "0"], 2, "argument --win-length: a length must be > 0, got '0'"),
    ("win-length-negative", ["--win-length", "-5"], 2, "argument --win-length: a length must be > 0"),
    ("win-length-inf", ["--win-length", "inf"], 2, "argument --win-length: a length must be > 0, got 'inf'"),
    ("window-unknown", ["--window", "hamming"], 2,
     f"argument --window: invalid choice: 'hamming' (choose from {', '.join(map(repr, WINDOWS))})"),
    ("sample-rate-zero", ["--sample-rate", "0"], 2, "argument --sample-rate: must be > 0, got '0'"),
    ("sample-rate-nan", ["--sample-rate", "nan"], 2, "argument --sample-rate: must be > 0, got 'nan'"),
    ("channel-missing", ["--channel", "1"], 1,
     "channel must be an integer in [0, 1) or 'mean' for this 1-channel signal, got 1"),
    ("channel-negative", ["--channel", "-1"], 1, "channel must be an integer in [0, 1)"),
    ("channel-word", ["--channel", "left"], 2, "argument --channel: expected a channel index (0, 1, ...) or 'mean'"),
    ("variable-for-npy", ["--variable", "a"], 1, "variable applies to .mat, .npz and .csv files, not to .npy"),
    ("dpi-zero", ["--dpi", "0"], 2, "argument --dpi: must be in (0, 1000], got '0'"),
    # 10^6 px wide: was std::bad_alloc from the renderer after the whole computation
    ("dpi-huge", ["--dpi", "100000"], 2, "argument --dpi: must be in (0, 1000], got '100000'"),
]

FILE_CASES = [
    ("missing", "absent.npy", [], "no such file: absent.npy"),
    ("folder", "folder.npy", [], "folder.npy is a directory, not a signal file"),
    ("unknown-type", "notes.txt", [], "unknown file type '.txt'"),
    ("unreadable-npy", "junk.npy", [], "could not read junk.npy as a .npy file: the file does not start with"),
    # scipy warned "Chunk (non-data) not understood" on a second line before the error
    ("unreadable-wav", "junk.wav", [], "could not read junk.wav as a .wav file"),
    ("nan-samples", "nan.npy", [], "the signal in nan.npy must be finite"),
    ("complex-samples", "complex.npy", [], "holds no signal: a real numeric array"),
    ("several-variables", "two.mat", [], "holds several signals: 'a' (1, 300), 'b' (1, 300); choose one with "
                                         "--variable NAME"),
    ("wrong-variable", "two.mat", ["--variable", "zz"], "variable 'zz' is not in two.mat; it holds: 'a'"),
    ("wrong-channel", "stereo.npy", ["--channel", "2"], "channel must be an integer in [0, 2) or 'mean' for this "
                                                        "2-channel signal, got 2"),
]


def assert_one_line(status, lines, out, expected_status, fragment):
    assert status == expected_status, lines
    assert len(lines) == 1 and lines[0].startswith(PREFIX), lines
    assert "Traceback" not in lines[0]
    assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"
    assert out == ""


@pytest.mark.parametrize("command", ["optimize", "spectrogram"])
@pytest.mark.parametrize("case, options, status, fragment", TRANSFORM_OPTION_CASES,
                         ids=[c[0] for c in TRANSFORM_OPTION_CASES])
def test_transform_options_fail_in_one_line(workdir, capsys, command, case, options, status, fragment):
    assert_one_line(*run_main([command, "x.npy", "--quiet", *options], capsys), status, fragment)


@pytest.mark.parametrize("command", ["optimize", "spectrogram"])
@pytest.mark.parametrize("case, name, options, fragment", FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_file_problems_fail_in_one_line(workdir, capsys, command, case, name, options, fragment):
    (workdir / "notes.txt").write_text("1 2 3\n")
    assert_one_line(*run_main([command, name, "--quiet", *options], capsys), 1, fragment)


OPTIMIZE_CASES = [
    ("window-mode-unknown", ["--window-mode", "cells"], 2, "argument --window-mode: invalid choice: 'cells' "
                                                           "(choose from 'constant', 'time', 'frequency', "
                                                           "'time-frequency')"),
    ("hop-mode-unknown", ["--hop-mode", "free"], 2, "argument --hop-mode: invalid choice: 'free' (choose from "
                                                    "'fixed', 'constant', 'time')"),
    ("loss-unknown", ["--loss", "l2"], 2, "argument --loss: invalid choice: 'l2' (choose from 'entropy', "
                                          "'frame-entropy', 'bin-entropy', 'renyi', 'kurtosis')"),
    ("method-unknown", ["--method", "sgd"], 2, "argument --method: invalid choice: 'sgd' (choose from "
                                               "'l-bfgs-b', 'adam')"),
    ("lr-without-adam", ["--lr", "2"], 1, "lr apply to method='adam' only, not 'l-bfgs-b'"),
    ("steps-zero", ["--steps", "0"], 2, "argument --steps: must be > 0, got '0'"),
    ("steps-float", ["--steps", "1.5"], 2, "argument --steps: '1.5' is not an integer"),
    ("lr-zero", ["--lr", "0"], 2, "argument --lr: must be > 0, got '0'"),
    ("lr-negative", ["--lr", "-1"], 2, "argument --lr: must be > 0, got '-1'"),
    ("lr-nan", ["--lr", "nan"], 2, "argument --lr: must be > 0, got 'nan'"),
    ("lr-inf", ["--lr", "inf"], 2, "argument --lr: must be > 0, got 'inf'"),
    ("smoothness-negative", ["--smoothness", "-1"], 2, "argument --smoothness: must be >= 0, got '-1'"),
    ("json-folder-missing", ["--json", "nodir/fit.json"], 1, "cannot write nodir/fit.json: no such directory nodir"),
    ("plot-folder-missing", ["--plot", "nodir/fit.png"], 1, "cannot write nodir/fit.png: no such directory nodir"),
    ("plot-format-unknown", ["--plot", "fit.xyz"], 1, "cannot write a figure to fit.xyz: the suffix must be one of"),
    # were "win_length must be in [16.0, 1024.0] (bounds['win_length'])" and "hops must be in [1.0, 1024.0]"
    ("win-length-below-bound", ["--n-fft", "1024", "--win-length", "3"], 1,
     "--win-length 3 samples is shorter than the fit allows with --n-fft 1024 (at least 16 samples): pass a "
     "longer --win-length or a smaller --n-fft"),
    ("n-fft-two", ["--n-fft", "2"], 1, "--win-length (by default --n-fft/2) 1 sample is shorter than the "
                                       "fit allows with --n-fft 2 (at least 2 samples): pass --n-fft 4 or more"),
    ("hop-above-bound", ["--hop-mode", "time", "--hop", "2000"], 1,
     "--hop 2000 samples is longer than --n-fft 1024, the longest hop the fit allows with --hop-mode time"),
    ("npz-folder-missing", ["--out-npz", "nodir/fit.npz"], 1, "cannot write nodir/fit.npz: no such directory nodir"),
    ("json-is-a-folder", ["--json", "."], 1, "cannot write .: it is a directory"),
]


@pytest.mark.parametrize("case, options, status, fragment", OPTIMIZE_CASES, ids=[c[0] for c in OPTIMIZE_CASES])
def test_optimize_options_fail_in_one_line(workdir, capsys, case, options, status, fragment):
    assert_one_line(*run_main(["optimize", "x.npy", "--quiet", *options], capsys), status, fragment)


OTHER_COMMAND_CASES = [
    ("spectrogram-db-range-zero", ["spectrogram", "x.npy", "--db-range", "0"], 2,
     "argument --db-range: must be > 0, got '0'"),
    ("spectrogram-out-folder-missing", ["spectrogram", "x.npy", "--out", "nodir/s.png"], 1,
     "cannot write nodir/s.png: no such directory nodir"),
    ("demo-steps-zero", ["demo", "--steps", "0"], 2, "argument --steps: must be > 0, got '0'"),
    ("demo-out-folder-missing", ["demo", "--out", "nodir/demo.png"], 1, "no such directory nodir"),
    # demo ran both fits before the renderer refused the suffix (a six-line error)
    ("demo-out-format-unknown", ["demo", "--out", "demo.xyz"], 1, "cannot write a figure to demo.xyz"),
    ("demo-dpi-huge", ["demo", "--dpi", "5000"], 2, "argument --dpi: must be in (0, 1000], got '5000'"),
    ("no-command", [], 2, "the following arguments are required: COMMAND"),
    ("unknown-command", ["transform"], 2, "argument COMMAND: invalid choice: 'transform'"),
    ("check-no-function", ["check"], 2, "the following arguments are required: MODULE:FUNCTION"),
    ("check-rtol-word", ["check", "dstft_np:stft", "--rtol", "tight"], 2, "argument --rtol: invalid float value"),
]


@pytest.mark.parametrize("case, argv, status, fragment", OTHER_COMMAND_CASES, ids=[c[0] for c in OTHER_COMMAND_CASES])
def test_other_commands_fail_in_one_line(workdir, capsys, case, argv, status, fragment):
    assert_one_line(*run_main(argv, capsys), status, fragment)


# the conformance kit's errors, in the form and with the status of every other command's
CHECK_CASES = [
    (["check", "nocolon"], "expected MODULE:FUNCTION, e.g. mypkg.stft:stft, got 'nocolon'"),
    (["check", "no_such_module:stft"], "cannot import module 'no_such_module'"),
    (["check", "dstft_np:__version__"], "'dstft_np:__version__' is not callable"),
    (["check", "dstft_np:stft", "--partials", "nocolon"], "expected MODULE:FUNCTION"),
    (["check", "dstft_np:stft", "--rtol", "-1"], "rtol must be a finite real number >= 0, got -1.0"),
    (["check", "dstft_np:stft", "--atol", "inf"], "atol must be a finite real number >= 0, got inf"),
    (["check", "dstft_np:stft", "--cases", "nomatch*"], "cases ['nomatch*'] match no golden case"),
    # was checked after the whole run: report on stdout, then "[Errno 2] ..." with the status of a failed check
    (["check", "dstft_np:stft", "--json", "nodir/report.json"],
     "cannot write --json nodir/report.json: no such directory nodir"),
]


@pytest.mark.parametrize("argv, fragment", CHECK_CASES, ids=[" ".join(c[0][1:]) for c in CHECK_CASES])
def test_check_fails_in_one_line(workdir, capsys, argv, fragment):
    assert_one_line(*run_main(argv, capsys), 1, fragment)


@pytest.mark.slow
def test_errors_leave_the_process_as_one_line_and_status(workdir):
    """The console entry point passes main's status to the shell: two cases in a real interpreter."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    for argv, status, fragment in (
            (["optimize", "x.npy", "--steps", "1", "--hop-mode", "sometimes"], 2, "argument --hop-mode: invalid"),
            (["spectrogram", "junk.wav", "--n-fft", "64"], 1, "could not read junk.wav as a .wav file")):
        result = subprocess.run([sys.executable, "-m", "dstft_np", *argv], cwd=workdir, env=env,
                                capture_output=True, text=True, timeout=300)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == status and result.stdout == "", result
        assert len(lines) == 1 and lines[0].startswith(PREFIX) and fragment in lines[0], result.stderr
