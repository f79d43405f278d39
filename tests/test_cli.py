"""The command line end to end: ``python -m dstft_np`` in a subprocess on files written here.

Each subprocess pays the import and the loading of the compiled kernels
(about a second), so the signals are small, the fits a few steps, and the
many bad-option cases run in-process through ``cli.main`` after a few
subprocess runs have shown that errors leave the process the same way.
Outputs are checked for content: JSON values against a direct call of the
library with the settings the JSON reports, PNG sizes against the geometry
``--help`` documents (10 in wide, 3 in per row of panels, times --dpi).
"""

import json
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest
import scipy.io
import scipy.io.wavfile

import dstft_np
from dstft_np import cli, losses

from .figures import assert_figure

ROOT = pathlib.Path(__file__).resolve().parents[1]


def run_cli(*args, cwd):
    """Run ``python -m dstft_np ARGS`` with this checkout's package; returns the CompletedProcess."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "dstft_np", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def assert_one_line_error(result, *fragments):
    assert result.returncode != 0, f"expected a failure, got 0; stdout: {result.stdout}"
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dstft-np: error: "), f"stderr: {result.stderr!r}"
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"


def two_tones(n_samples, sample_rate, frequencies, rng):
    k = np.arange(n_samples)
    return np.stack([0.5 * np.sin(2 * np.pi * f * k / sample_rate) + 0.05 * rng.standard_normal(n_samples)
                     for f in frequencies])


# ---------------------------------------------------------------- successful runs


@pytest.mark.slow
def test_optimize_stereo_wav_writes_json_consistent_with_the_library_and_a_figure(tmp_path, rng):
    """int16 stereo wav at 8 kHz, hop and window given in seconds, one θ shared by both channels."""
    rate = 8000
    pcm = np.round(two_tones(3000, rate, (440.0, 1250.0), rng).T * 32767).astype(np.int16)   # (K, 2)
    scipy.io.wavfile.write(tmp_path / "stereo.wav", rate, pcm)
    result = run_cli("optimize", "stereo.wav", "--n-fft", 256, "--hop", "8ms", "--win-length", "0.01s",
                     "--steps", 40, "--json", "fit.json", "--plot", "fit.png", "--dpi", 30, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "evaluation 1/40 " in result.stderr, "progress goes to stderr"
    assert re.search(r"evaluation \d+/40  loss [\d.]+  win_length [\d.]+  [\d.]+ s, ETA [\d.]+ s", result.stderr), \
        result.stderr
    assert "evaluation 1/" not in result.stdout and "window length  80 samples (10 ms) -> " in result.stdout

    report = json.loads((tmp_path / "fit.json").read_text())
    assert set(report) == {"input", "settings", "fit", "seconds", "parameters", "history", "rounded"}
    settings, fit = report["settings"], report["fit"]
    assert report["input"]["n_channels"] == 2 and report["input"]["sample_rate"] == rate
    assert report["input"]["start"] == 0 and report["input"]["n_samples"] == 3000
    assert settings["hop_length"] == 64.0 and settings["win_length"] == 80.0, "8 ms and 10 ms at 8 kHz"
    assert fit == {"loss": "entropy", "scaling": "magnitude", "method": "l-bfgs-b", "max_evaluations": 40,
                   "lr": None, "smoothness": 0.0}

    x = pcm.T / 32768.0
    model = dstft_np.DSTFT(**settings)
    history = model.fit(x, **fit)
    learned = report["parameters"]
    theta = learned["win_length"]
    assert 256 / 64 <= theta <= 256, "within the default bounds [N/64, N]"
    np.testing.assert_allclose(theta, float(model.win_length), rtol=1e-9, atol=0,
                               err_msg="the CLI's θ differs from DSTFT(**settings).fit(x, **fit)")
    np.testing.assert_allclose(report["history"]["loss"], history.loss, rtol=1e-9, atol=0)
    assert report["history"]["status"] == "converged" and report["history"]["best"] == history.best
    assert min(report["history"]["loss"]) < report["history"]["loss"][0]
    np.testing.assert_allclose(report["history"]["path"]["win_length"], history.path["win_length"], rtol=1e-12)
    np.testing.assert_allclose(learned["win_length_seconds"], theta / rate, rtol=1e-12, atol=0)
    np.testing.assert_allclose(learned["positions"], 64.0 * np.arange(1 + 3000 // 64), rtol=0, atol=0)
    rounded = report["rounded"]
    assert rounded["win_length"] == int(np.floor(theta + 0.5)) and rounded["hop_length"] == 64
    S = dstft_np.stft(x, theta, model.positions(), n_fft=256)
    np.testing.assert_allclose(rounded["loss"], losses.shannon_entropy(np.abs(S))[0], rtol=1e-10, atol=0,
                               err_msg="loss at the learned θ, from the core transform")
    S = dstft_np.stft(x, float(rounded["win_length"]), model.positions(), n_fft=256)
    np.testing.assert_allclose(rounded["rounded_loss"], losses.shannon_entropy(np.abs(S))[0], rtol=1e-10, atol=0,
                               err_msg="loss at the rounded θ, from the core transform")
    # two channel rows of (initial, learned) spectrograms + the row of the loss against θ and per evaluation
    assert_figure(tmp_path / "fit.png", rows=3, dpi=30)


@pytest.mark.slow
def test_optimize_npy_per_frame_window_and_learnable_hop_quietly(tmp_path, rng):
    # chirps sweeping 0.05 → 0.45 cycles/sample every 300 samples: their best window (~51 samples) lies
    # inside the bounds, so the fit converges without a bound warning (a steady tone runs to n_fft)
    k = np.arange(1200)
    x = np.sin(2 * np.pi * np.cumsum(0.05 + 0.4 * (k % 300) / 300))
    np.save(tmp_path / "mono.npy", x)
    result = run_cli("optimize", "mono.npy", "--n-fft", 64, "--hop", 16, "--win-length", 40,
                     "--window-mode", "time", "--hop-mode", "constant", "--loss", "entropy", "--smoothness", 1,
                     "--steps", 30, "--quiet", "--json", "fit.json", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    report = json.loads((tmp_path / "fit.json").read_text())
    learned = report["parameters"]
    assert len(learned["win_length"]) == 1 + 1200 // 16, "one θ per frame, T fixed by the initial hop"
    assert report["input"]["sample_rate"] is None and "win_length_seconds" not in learned
    model = dstft_np.DSTFT(**report["settings"])
    model.fit(x, **report["fit"])
    np.testing.assert_allclose(learned["win_length"], model.win_length, rtol=1e-9, atol=0)
    np.testing.assert_allclose(learned["hop_length"], model.hop_length, rtol=1e-9, atol=0)
    assert 1.0 <= learned["hop_length"] <= 64.0 and learned["hop_length"] != 16.0, "the hop moved, within bounds"
    assert np.all((np.array(learned["win_length"]) >= 2.0) & (np.array(learned["win_length"]) <= 64.0))
    assert len(report["rounded"]["win_length"]) == len(learned["win_length"])


@pytest.mark.slow
def test_spectrogram_of_a_mat_variable_with_a_sample_rate(tmp_path, rng):
    scipy.io.savemat(tmp_path / "two.mat", {"x": two_tones(2000, 4000.0, (300.0, 900.0), rng),
                                            "y": rng.standard_normal(500)})
    result = run_cli("spectrogram", "two.mat", "--variable", "x", "--sample-rate", 4000, "--n-fft", 128,
                     "--hop", "10ms", "--win-length", 100, "--out", "spec.png", "--dpi", 20, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 × 65 bins × 51 frames" in result.stdout, "two channels, hop 40 samples: T = 1 + 2000 // 40"
    assert_figure(tmp_path / "spec.png", rows=2, dpi=20)


@pytest.mark.slow
def test_demo_prints_the_table_and_writes_the_figure(tmp_path):
    result = run_cli("demo", "--steps", 3, "--out", "demo.png", "--dpi", 20, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    single = next(line for line in lines if line.startswith("single θ"))
    assert single.split()[2:5] == ["200", "(20", "ms)"], f"initial θ of the single fit: {single}"
    assert any(line.startswith("θ per frame") for line in lines)
    assert "fitting single θ..." in result.stderr and "3 evaluations in" in result.stderr
    assert_figure(tmp_path / "demo.png", rows=2, dpi=20)


def test_missing_file_is_one_line(tmp_path):
    assert_one_line_error(run_cli("optimize", "absent.wav", cwd=tmp_path), "no such file", "absent.wav")


@pytest.mark.slow
def test_unreadable_format_is_one_line(tmp_path):
    (tmp_path / "noise.wav").write_bytes(b"not a wave file at all")
    assert_one_line_error(run_cli("spectrogram", "noise.wav", cwd=tmp_path), "could not read", "noise.wav")


def test_wrong_variable_is_one_line_listing_the_choices(tmp_path, rng):
    scipy.io.savemat(tmp_path / "two.mat", {"x": rng.standard_normal(300), "y": rng.standard_normal(300)})
    assert_one_line_error(run_cli("optimize", "two.mat", "--variable", "z", cwd=tmp_path),
                          "'z' is not in", "'x'", "'y'")


def test_bad_option_value_is_one_line_with_status_2(tmp_path):
    result = run_cli("optimize", "any.wav", "--window-mode", "cells", cwd=tmp_path)
    assert_one_line_error(result, "--window-mode", "invalid choice: 'cells'")
    assert result.returncode == 2


@pytest.mark.parametrize("argv, fragments", [
    (["optimize", "x.npy", "--n-fft", "100", "--hop", "10ms"], ["--hop 10ms is a duration", "--sample-rate"]),
    (["optimize", "x.npy", "--n-fft", "101"], ["--n-fft must be even, got 101"]),
    (["optimize", "x.npy", "--n-fft", "1024", "--win-length", "2000"], ["longer than --n-fft 1024", "--n-fft 2048"]),
    (["optimize", "x.npy", "--n-fft", "1024", "--win-length", "3"],
     ["--win-length 3 samples is shorter than the fit allows with --n-fft 1024 (at least 16 samples)"]),
    (["optimize", "x.npy", "--channel", "1"], ["channel must be an integer in [0, 1)"]),
    (["optimize", "x.npy", "--json", "no/such/dir/fit.json"], ["no such directory"]),
    (["spectrogram", "x.npy", "--out", "spec.unknown"], ["spec.unknown: the suffix must be one of", ".png"]),
    (["optimize", "x.npy", "--plot", "fit.unknown"], ["fit.unknown: the suffix must be one of"]),
    (["optimize", "x.npy", "--variable", "x"], ["variable applies to .mat, .npz and .csv files"]),
    (["optimize", "two.mat"], ["holds several signals", "'a' (300, 1), 'b' (300, 1); choose one with --variable NAME"]),
    (["optimize", "x.txt"], ["unknown file type '.txt'", "supported: .wav"]),
    (["optimize", "x.npy", "--steps", "-1"], ["argument --steps: must be > 0, got '-1'"]),
    (["optimize", "x.npy", "--hop", "0s"], ["argument --hop: a length must be > 0, got '0s'"]),
    (["optimize", "x.npy", "--channel", "left"], ["argument --channel: expected a channel index"]),
    (["demo", "--out", "missing/demo.png"], ["no such directory"]),
    ([], ["the following arguments are required: COMMAND"]),
])
def test_bad_values_fail_in_one_line_before_any_fit(tmp_path, monkeypatch, capsys, argv, fragments):
    """In-process: the same main() the subprocess runs. The error is the last line of stderr (after
    "read FILE" when the failure needs the file) and nothing reaches stdout."""
    np.save(tmp_path / "x.npy", np.sin(0.1 * np.arange(3000)))
    (tmp_path / "x.txt").write_text("1 2 3\n")
    scipy.io.savemat(tmp_path / "two.mat", {"a": np.ones(300), "b": np.zeros(300)}, oned_as="column")
    monkeypatch.chdir(tmp_path)
    try:
        status = cli.main(argv)
    except SystemExit as stop:
        status = stop.code
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert status not in (0, None), captured.err
    assert lines[-1].startswith("dstft-np: error: ") and lines[:-1] in ([], ["read x.npy (1 channel × 3000 "
                                                                          "samples, no sample rate)"]), captured.err
    for fragment in fragments:
        assert fragment in lines[-1], f"{fragment!r} not in {lines[-1]!r}"
    assert captured.out == ""


def test_lengths_parse_samples_and_durations():
    assert cli._length("400.5") == cli.Length(400.5, "samples", "400.5")
    assert cli._length("25ms").unit == "seconds"
    np.testing.assert_allclose(cli._length("25ms").samples(16000, "--hop"), 400.0, rtol=0, atol=0)
    assert 17 * 1e-3 * 48000 > 816
    assert cli._length("17ms").samples(48000, "--win-length") == 816.0, "snapped onto the integer"
    for bad in ("abc", "-3", "0", "nan", "inf", "5 kHz"):
        with pytest.raises(Exception, match="not a length|must be > 0"):
            cli._length(bad)


def test_a_new_subcommand_is_one_decorated_function(monkeypatch, capsys):
    """How `check` and `bench` plug in: declare arguments, return run(args, log); errors stay one line."""
    monkeypatch.setattr(cli, "_SUBCOMMANDS", list(cli._SUBCOMMANDS))

    @cli.subcommand("echo", "print a length in samples", "dstft-np echo 25ms --rate 8000")
    def _echo(parser):
        parser.add_argument("length", type=cli._length)
        parser.add_argument("--rate", type=float)

        def run(args, log):
            log("echoing")
            print(args.length.samples(args.rate, "LENGTH"))
            return 0
        return run

    assert cli.main(["echo", "25ms", "--rate", "8000"]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("200.0\n", "echoing\n")
    assert cli.main(["echo", "25ms", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert captured.err == "dstft-np: error: LENGTH 25ms is a duration, but the signal has no sample rate: " \
                           "pass --sample-rate HZ or give LENGTH in samples\n"
    with pytest.raises(SystemExit) as stop:
        cli.main(["echo", "--help"])
    assert stop.value.code == 0 and "example:\n  dstft-np echo 25ms --rate 8000" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [[], ["demo"], ["optimize"], ["spectrogram"], ["check"]])
def test_every_help_shows_an_example(capsys, argv):
    with pytest.raises(SystemExit) as stop:
        cli.main(argv + ["--help"])
    text = capsys.readouterr().out
    assert stop.value.code == 0 and re.search(r"examples?:\n  dstft-np " + (argv[0] if argv else ""), text), text


def test_check_runs_the_conformance_kit_and_fails_like_every_command(capsys):
    """dstft-np check is conformance.add_arguments + conformance.execute: 0 all passed, 1 a failed check
    (report on stdout) or an error (one line "dstft-np: error: ...", as in every command), 2 argparse."""
    assert cli.main(["check", "dstft_np:stft", "--cases", "torch-*"]) == 0
    assert capsys.readouterr().out.startswith("conformance OK: 5 checks on 5 golden cases: 5 passed, 0 failed")
    assert cli.main(["check", "tests.wrong_implementations:phase_confused_stft", "--cases", "hann-*-per-bin"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("conformance FAILED") and captured.err == ""
    assert cli.main(["check", "dstft_np:no_such_function"]) == 1
    assert capsys.readouterr().err == "dstft-np: error: 'dstft_np' has no attribute 'no_such_function' " \
                                      "('dstft_np:no_such_function')\n"
    with pytest.raises(SystemExit):
        cli.main(["check", "--help"])
    assert "1 when a check failed, nothing\ncould be checked or on an error" in capsys.readouterr().out


# ---------------------------------------------------------------- excerpts, outputs, interruption


@pytest.fixture
def tone_file(tmp_path, rng, monkeypatch):
    """3000 samples at 1 kHz as .npy (no rate in the file), the working directory set to hold it."""
    x = two_tones(3000, 1000.0, (120.0, 310.0), rng)[0]
    np.save(tmp_path / "tone.npy", x)
    monkeypatch.chdir(tmp_path)
    return x


def test_start_and_duration_select_the_excerpt_that_the_npz_holds(tone_file, tmp_path, capsys):
    argv = ["spectrogram", "tone.npy", "--sample-rate", "1000", "--start", "0.5s", "--duration", "1200",
            "--win-length", "100ms", "--hop", "1", "--out", "s.png", "--out-npz", "s.npz", "--dpi", "20"]
    assert cli.main(argv) == 0
    captured = capsys.readouterr()
    assert "samples 500–1700 (0.5–1.7 s) of 3000" in captured.err
    assert "θ 100 samples (100 ms), hop 1 sample (1 ms), n_fft 128 (the next power of two >= --win-length 100 " \
           "samples)" in captured.out, captured.out
    saved = np.load(tmp_path / "s.npz")
    positions = np.arange(1 + 1200 // 1, dtype=float)
    np.testing.assert_allclose(saved["positions"], positions, rtol=0, atol=0)
    np.testing.assert_allclose(saved["S"], dstft_np.stft(tone_file[500:1700], 100.0, positions, n_fft=128),
                               rtol=1e-12, atol=1e-12)
    assert int(saved["n_fft"]) == 128 and float(saved["sample_rate"]) == 1000.0


def test_json_inlines_small_arrays_and_refers_large_ones_to_the_npz(tone_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "INLINE_LIMIT", 100)   # the per-frame θ (94 frames) inline, S and the positions not
    argv = ["optimize", "tone.npy", "--n-fft", "64", "--hop", "32", "--win-length", "40", "--window-mode", "time",
            "--hop-mode", "time", "--steps", "3", "-q", "--json", "fit.json", "--out-npz", "fit.npz"]
    assert cli.main(argv) == 0 and capsys.readouterr().err == ""
    report = json.loads((tmp_path / "fit.json").read_text())
    saved = np.load(tmp_path / "fit.npz")
    theta = np.array(report["parameters"]["win_length"])
    assert theta.shape == (94,) and set(saved.files) >= {"S", "parameters.win_length", "parameters.hops",
                                                           "parameters.positions", "history.loss"}
    np.testing.assert_allclose(saved["parameters.win_length"], theta, rtol=0, atol=0)
    hops = report["parameters"]["hops"]
    assert len(hops) == 93, "93 entries: inline"
    model = dstft_np.DSTFT(**report["settings"])
    model.set_parameters({"win_length": theta, "hops": np.array(hops)})
    np.testing.assert_allclose(saved["S"], model(tone_file), rtol=1e-12, atol=1e-12)


def test_a_large_map_goes_to_the_npz_by_reference(tone_file, tmp_path, capsys):
    """A per-cell θ of 129 bins × 188 frames: in the npz, and in the JSON only its shape, range and key."""
    argv = ["optimize", "tone.npy", "--n-fft", "256", "--hop", "16", "--win-length", "100",
            "--window-mode", "time-frequency", "--steps", "1", "-q", "--json", "fit.json", "--out-npz", "fit.npz"]
    assert cli.main(argv) == 0
    report = json.loads((tmp_path / "fit.json").read_text())
    theta = report["parameters"]["win_length"]
    assert 129 * 188 > cli.INLINE_LIMIT
    assert theta == {"npz": "fit.npz", "key": "parameters.win_length", "shape": [129, 188], "min": 100.0,
                     "median": 100.0, "max": 100.0}
    assert report["rounded"]["win_length"]["key"] == "rounded.win_length"
    saved = np.load(tmp_path / "fit.npz")
    np.testing.assert_allclose(saved["parameters.win_length"], np.full((129, 188), 100.0), rtol=0, atol=0)
    assert (tmp_path / "fit.json").stat().st_size < 20_000


def interrupt_after(evaluations, monkeypatch):
    """Make DSTFT.fit raise KeyboardInterrupt (as Ctrl-C would) after `evaluations` evaluations."""
    original = dstft_np.DSTFT.fit

    def fit(self, x, *args, callback=None, **kwargs):
        def interrupting(step, value, params):
            if callback is not None:
                callback(step, value, params)
            if step + 1 == evaluations:
                raise KeyboardInterrupt
        return original(self, x, *args, callback=interrupting, **kwargs)

    monkeypatch.setattr(dstft_np.DSTFT, "fit", fit)


def test_ctrl_c_during_a_fit_writes_the_best_parameters_so_far_and_exits_130(tone_file, tmp_path, capsys,
                                                                              monkeypatch):
    settings = dict(n_fft=128, hop_length=32.0, win_length=20.0, sample_rate=1000.0)
    thetas, values = [], []

    def record(step, value, params):
        thetas.append(float(params["win_length"]))
        values.append(value)

    dstft_np.DSTFT(**settings).fit(tone_file, method="adam", max_evaluations=6, lr=30.0, callback=record)
    assert len(values) == 6
    interrupt_after(6, monkeypatch)
    argv = ["optimize", "tone.npy", "--n-fft", "128", "--hop", "32", "--win-length", "20", "--sample-rate", "1000",
            "--method", "adam", "--lr", "30", "--steps", "1000", "--json", "fit.json", "--out-npz", "fit.npz",
            "--plot", "fit.png",
            "--dpi", "20"]
    assert cli.main(argv) == 130
    captured = capsys.readouterr()
    best = int(np.argmin(values))
    assert captured.err.splitlines()[-1] == (
        f"dstft-np: interrupted after 6 evaluations; wrote the best parameters so far (loss {values[best]:.6g}) "
        "to fit.json, fit.npz, fit.png")
    report = json.loads((tmp_path / "fit.json").read_text())
    np.testing.assert_allclose(report["history"]["loss"], values, rtol=1e-12, atol=0)
    np.testing.assert_allclose(report["parameters"]["win_length"], thetas[best], rtol=1e-12, atol=0)
    assert report["history"]["status"] == "stopped"
    assert report["history"]["message"].startswith("interrupted after 6 evaluations")
    assert_figure(tmp_path / "fit.png", rows=2, dpi=20)


@pytest.mark.slow
def test_sigint_stops_a_running_fit_in_a_real_process(tmp_path, rng):
    """The shell's Ctrl-C: SIGINT to `python -m dstft_np optimize` while it fits; status 130, JSON written."""
    import signal
    import time

    np.save(tmp_path / "tone.npy", two_tones(20000, 1000.0, (120.0,), rng)[0])
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    process = subprocess.Popen([sys.executable, "-m", "dstft_np", "optimize", "tone.npy", "--n-fft", "256",
                                "--hop", "64", "--win-length", "100", "--method", "adam", "--steps", "1000000",
                                "--json", "fit.json"],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in process.stderr:   # the first progress line comes after the first evaluation
            if line.lstrip().startswith("evaluation 1/"):
                break
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1].startswith("dstft-np: interrupted after "), stderr
    assert "Traceback" not in stderr and "json: fit.json" in stdout
    report = json.loads((tmp_path / "fit.json").read_text())
    assert report["history"]["message"].startswith("interrupted after")
    assert min(report["history"]["loss"]) <= report["history"]["loss"][0]


def test_n_fft_is_the_next_power_of_two_that_holds_the_window_length(tone_file, capsys):
    for win_length, expected in (("100", "n_fft 128 (the next power of two >= --win-length 100 samples)"),
                                 ("128", "n_fft 128 (the next power of two >= --win-length 128 samples)"),
                                 ("0.2s", "n_fft 256 (the next power of two >= --win-length 200 samples)")):
        assert cli.main(["spectrogram", "tone.npy", "--sample-rate", "1000", "--win-length", win_length,
                         "--dpi", "10", "-q"]) == 0
        assert expected in capsys.readouterr().out
    assert cli.main(["spectrogram", "tone.npy", "--dpi", "10", "-q"]) == 0
    assert "θ 512 samples, hop 256 samples, n_fft 1024 (default)" in capsys.readouterr().out


@pytest.mark.slow
def test_the_time_frequency_json_of_a_40_s_recording_stays_small(data_dir, tmp_path, monkeypatch, capsys):
    """fan_7.wav, θ per cell: 1025 bins × 2529 frames. The JSON was 180 MB (the map three times over)."""
    (tmp_path / "fan_7.wav").symlink_to(data_dir / "fan_7.wav")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["optimize", "fan_7.wav", "--win-length", "50ms", "--window-mode", "time-frequency",
                     "--steps", "1", "-q", "--json", "fit.json", "--out-npz", "fit.npz"]) == 0
    size = (tmp_path / "fit.json").stat().st_size
    assert size < 1_000_000, f"{size} bytes"
    report = json.loads((tmp_path / "fit.json").read_text())
    assert report["parameters"]["win_length"]["shape"] == [1025, 1 + 1294336 // 512]
    assert np.load(tmp_path / "fit.npz")["parameters.win_length"].shape == (1025, 2529)
