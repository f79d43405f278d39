"""The conformance kit: its golden files, its checker and its command line.

The golden values are checked against references outside dstft_np (the
double loop of tests/naive.py, central differences of it, the adjoint
identity, torch.stft when installed); the checker is checked on the reference
(it must pass) and on three deliberately wrong implementations
(tests/wrong_implementations.py; each must fail, naming the cases).
"""

import argparse
import itertools
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import dstft_np
from dstft_np import conformance

from . import naive
from . import wrong_implementations as wrong

ROOT = pathlib.Path(__file__).resolve().parents[1]
CASES = conformance.load_cases()
CASE_IDS = [case.name for case in CASES]
QUANTITIES = ("S", "partials:S", "dS_dwin", "dS_dpos", "grad_win", "grad_pos")
REFERENCE = (dstft_np.stft, dstft_np.stft_partials, dstft_np.stft_vjp)


def batch_shape(case):
    theta = case.win_length
    theta_batch = theta.shape[:-2] if theta.ndim > 2 else ()
    return np.broadcast_shapes(case.x.shape[:-1], case.positions.shape[:-1], theta_batch)


def per_signal(case):
    """(x, θ, positions) of each batch element, each of the shapes naive.stft takes."""
    n_bins = case.options["n_fft"] // 2 + 1
    shape = batch_shape(case)
    n_frames = case.positions.shape[-1]
    x = np.broadcast_to(case.x, shape + case.x.shape[-1:])
    positions = np.broadcast_to(case.positions, shape + (n_frames,))
    theta = np.broadcast_to(case.win_length, shape + (n_bins, n_frames))
    for index in np.ndindex(*shape):
        yield index, x[index], theta[index], positions[index]


def naive_stft(case, d_theta=0.0, d_pos=0.0):
    """The double loop over every batch element, θ and t_n shifted by d_theta and d_pos."""
    S = np.empty(case.expected["S"].shape, dtype=complex)
    opts = case.options
    for index, x, theta, positions in per_signal(case):
        S[index] = naive.stft(x, theta + d_theta, positions + d_pos, opts["n_fft"], opts["window"],
                              opts["norm"], opts["phase"])
    return S


def assert_close_to(actual, reference, rtol, what):
    """max |actual - reference| <= rtol · max |reference|."""
    np.testing.assert_allclose(actual, reference, rtol=0, atol=rtol * np.max(np.abs(reference)),
                               err_msg=what)


# --- the golden files ------------------------------------------------------------------------

def test_golden_files_hold_the_documented_keys_dtypes_and_shapes():
    assert len(CASES) == len(list(conformance.GOLDEN_DIR.glob("*.npz"))) >= 80
    for case in CASES:
        with np.load(conformance.GOLDEN_DIR / f"{case.name}.npz") as data:
            keys = set(data.files)
        required = {"x", "win_length", "positions", "n_fft", "window", "norm", "phase",
                    "description", "S", "dS_dwin", "dS_dpos", "grad_S", "grad_win", "grad_pos"}
        assert required <= keys, case.name
        assert keys - required <= {"hops", "t0", "grad_hops", "torch_call"}, case.name
        n_fft = case.options["n_fft"]
        assert n_fft % 2 == 0 and case.options["window"] in ("hann", "blackman", "gaussian")
        assert case.options["norm"] in ("area", None) and case.options["phase"] in (
            "absolute", "center", "start")
        S_shape = batch_shape(case) + (n_fft // 2 + 1, case.positions.shape[-1])
        for key in ("S", "dS_dwin", "dS_dpos", "grad_S"):
            array = case.grad_S if key == "grad_S" else case.expected[key]
            assert array.shape == S_shape and array.dtype == np.complex128, (case.name, key)
        assert case.expected["grad_win"].shape == case.win_length.shape, case.name
        assert case.expected["grad_pos"].shape == case.positions.shape, case.name
        for array in (case.x, case.win_length, case.positions, case.expected["grad_win"],
                      case.expected["grad_pos"]):
            assert array.dtype == np.float64, case.name
        assert np.all(case.win_length > 0) and np.all(case.win_length <= n_fft), case.name


def test_golden_cases_cover_every_option_theta_shape_and_edge():
    names = set(CASE_IDS)
    for window, norm, phase, shape in itertools.product(
            ("hann", "blackman", "gaussian"), ("area", "none"), ("absolute", "center", "start"),
            ("scalar", "per-frame", "per-bin", "per-cell")):
        assert f"{window}-{norm}-{phase}-{shape}" in names
    matrix = conformance.load_cases("hann-area-absolute-*")
    shapes = {case.name: case.win_length.shape for case in matrix}
    F, T = 9, matrix[0].positions.size
    assert shapes == {"hann-area-absolute-scalar": (), "hann-area-absolute-per-frame": (1, T),
                      "hann-area-absolute-per-bin": (F, 1), "hann-area-absolute-per-cell": (F, T)}
    t, K = matrix[0].positions, matrix[0].x.shape[-1]
    half = 8  # the largest θ/2
    assert np.any(t + half < 0) and np.any(t - half > K - 1), "frames entirely beyond both ends"
    assert np.any((t - half < 0) & (t + half > 0)), "a frame over the start"
    assert np.any((t - half < K - 1) & (t + half > K - 1)), "a frame over the end"
    assert np.any(t != np.round(t)), "non-integer positions"
    assert {len(batch_shape(c)) for c in CASES} >= {0, 1, 2}, "batch axes"
    assert any(c.win_length.ndim == 3 for c in CASES), "θ with its own batch axis"


def test_hop_cases_are_built_by_the_hop_chain():
    hop_cases = [case for case in CASES if "hops" in case.extras]
    assert {case.name for case in hop_cases} >= {
        "hops-hann-area-absolute-varying", "hops-blackman-area-center-constant",
        "hops-gaussian-area-start-default-grid", "hops-hann-none-center-batch"}
    for case in hop_cases:
        hops, t0 = case.extras["hops"], float(case.extras["t0"])
        grad_pos, grad_hops = case.expected["grad_pos"], case.extras["grad_hops"]
        for index in np.ndindex(*hops.shape[:-1]):
            h, g = hops[index], grad_pos[index]
            t = [t0 + sum(h[:n]) for n in range(h.size + 1)]
            np.testing.assert_allclose(case.positions[index], t, rtol=0, atol=1e-12,
                                       err_msg=case.name)
            chain = [sum(g[i + 1:]) for i in range(h.size)]  # ∂L/∂h_i = Σ_{n>i} ∂L/∂t_n
            np.testing.assert_allclose(grad_hops[index], chain, rtol=1e-12, atol=1e-12,
                                       err_msg=case.name)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_golden_S_matches_the_naive_double_loop(case):
    assert_close_to(case.expected["S"], naive_stft(case), 1e-10, case.name)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_golden_partials_match_central_differences_of_the_naive_loop(case):
    """Step h in every θ cell (resp. every t_n) at once: each S cell has its own θ and t_n.

    No window edge lies within 1e-3 of a sample, so no step crosses a jump:
    error ~ h² + eps/h with h = 1e-5. The torch cases put samples on the Hann
    edges, where ω is C¹ but ω'' jumps, so their error is ~ h: h = 1e-7 there.
    """
    step = 1e-7 if "torch_call" in case.extras else 1e-5
    d_win = (naive_stft(case, d_theta=step) - naive_stft(case, d_theta=-step)) / (2 * step)
    d_pos = (naive_stft(case, d_pos=step) - naive_stft(case, d_pos=-step)) / (2 * step)
    assert_close_to(case.expected["dS_dwin"], d_win, 1e-6, f"{case.name} dS_dwin")
    assert_close_to(case.expected["dS_dpos"], d_pos, 1e-6, f"{case.name} dS_dpos")


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_golden_vjp_is_the_adjoint_of_the_golden_partials(case, rng):
    """⟨grad_win, v⟩ = Σ Re(conj(G) ∂S/∂θ · v) for random v of θ's shape (broadcast); same for t."""
    G = case.grad_S
    for _ in range(3):
        v_win = rng.standard_normal(case.win_length.shape)
        v_pos = rng.standard_normal(case.positions.shape)
        lhs_win = np.sum(case.expected["grad_win"] * v_win)
        rhs_win = np.sum(np.real(np.conj(G) * case.expected["dS_dwin"]) * v_win)
        lhs_pos = np.sum(case.expected["grad_pos"] * v_pos)
        rhs_pos = np.sum(np.real(np.conj(G) * case.expected["dS_dpos"]) * v_pos[..., None, :])
        scale_win = np.sum(np.abs(G * case.expected["dS_dwin"]))
        scale_pos = np.sum(np.abs(G * case.expected["dS_dpos"]))
        assert abs(lhs_win - rhs_win) <= 1e-12 * scale_win, f"{case.name} grad_win"
        assert abs(lhs_pos - rhs_pos) <= 1e-12 * scale_pos, f"{case.name} grad_pos"


def test_torch_cases_follow_the_torch_stft_convention():
    torch_cases = conformance.load_cases("torch-*")
    assert len(torch_cases) >= 4
    for case in torch_cases:
        W, N = float(case.win_length), case.options["n_fft"]
        assert W == int(W) and int(W) % 2 == 0 and W <= N, case.name
        assert case.options == {"n_fft": N, "window": "hann", "norm": None, "phase": "start"}
        hop = case.positions[1] - case.positions[0]
        K = case.x.shape[-1]
        np.testing.assert_array_equal(case.positions, hop * np.arange(1 + K // hop),
                                      err_msg=case.name)
        assert f"hop_length={int(hop)}" in str(case.extras["torch_call"])


def test_torch_cases_equal_torch_stft():
    torch = pytest.importorskip("torch", reason="torch is not installed")
    for case in conformance.load_cases("torch-*"):
        W, N = int(case.win_length), case.options["n_fft"]
        hop = int(case.positions[1] - case.positions[0])
        reference = torch.stft(torch.from_numpy(case.x), N, hop, win_length=W,
                               window=torch.hann_window(W, dtype=torch.float64), center=True,
                               pad_mode="constant", return_complex=True).numpy()
        assert_close_to(case.expected["S"], reference, 1e-12, case.name)


# --- the checker ------------------------------------------------------------------------------

def test_reference_passes_its_own_checker():
    report = conformance.check(*REFERENCE)
    assert report.ok, str(report)
    assert len(report.results) == len(QUANTITIES) * len(CASES)
    assert {row.quantity for row in report.results} == set(QUANTITIES)
    assert all(row.max_error <= 1e-10 * row.scale + 1e-15 for row in report.results)
    assert str(report).startswith(f"conformance OK: {len(report.results)} checks passed on "
                                  f"{len(CASES)} golden cases")


def failed_quantities(report):
    return {row.quantity for row in report.failures}


def test_flipped_sign_of_dS_dpos_fails_on_every_case_naming_it():
    report = conformance.check(dstft_np.stft, wrong.flipped_partials, wrong.flipped_vjp)
    assert not report.ok
    assert failed_quantities(report) == {"dS_dpos", "grad_pos"}
    assert set(report.failed_cases) == set(CASE_IDS)
    lines = str(report).splitlines()
    for name in ("hann-area-absolute-scalar", "torch-hann-none-start-n16-w10-hop5",
                 "batch-gaussian-area-start-x-per-cell"):
        assert any(line.split()[:3] == ["FAIL", name, "dS_dpos"] for line in lines), name


def test_dropped_inverse_theta_factor_of_dS_dwin_fails_on_every_case_naming_it():
    report = conformance.check(dstft_np.stft, wrong.undivided_partials, wrong.undivided_vjp)
    assert failed_quantities(report) == {"dS_dwin", "grad_win"}
    assert set(report.failed_cases) == set(CASE_IDS)
    assert "gaussian-none-center-per-cell" in str(report)


def test_absolute_phase_confused_with_start_fails_exactly_the_absolute_cases():
    report = conformance.check(wrong.phase_confused_stft, wrong.phase_confused_partials,
                               wrong.phase_confused_vjp)
    absolute = {case.name for case in CASES if case.options["phase"] == "absolute"}
    assert len(absolute) >= 24
    assert set(report.failed_cases) == absolute
    assert {"S", "partials:S"} <= failed_quantities(report)
    text = str(report)
    assert all(name in text for name in absolute)
    first = report.failures[0]
    assert first.case in absolute and report.summary().endswith(
        f"first failing case: {first.case} ({first.quantity})")


def test_exceptions_and_wrong_shapes_are_reported_per_case():
    def no_cells(x, win_length, positions, **options):
        if np.ndim(win_length) >= 2 and np.shape(win_length)[-2] > 1:
            raise NotImplementedError("θ varying along frequency")
        return dstft_np.stft(x, win_length, positions, **options)

    def transposed(x, win_length, positions, **options):
        return np.swapaxes(dstft_np.stft(x, win_length, positions, **options), -1, -2)

    report = conformance.check(no_cells, cases="hann-area-*")
    failed = {row.case: row.message for row in report.failures}
    assert set(failed) == {"hann-area-absolute-per-bin", "hann-area-absolute-per-cell",
                           "hann-area-center-per-bin", "hann-area-center-per-cell",
                           "hann-area-start-per-bin", "hann-area-start-per-cell"}
    assert all(m == "raised NotImplementedError: θ varying along frequency" for m in failed.values())
    report = conformance.check(transposed, cases="hann-area-center-scalar")
    assert report.failures[0].message == "shape (8, 9), expected (9, 8)"

    def nan_S(x, win_length, positions, **options):
        return np.full_like(dstft_np.stft(x, win_length, positions, **options), np.nan)

    def complex_grads(*args, **options):
        grad_win, grad_pos = dstft_np.stft_vjp(*args, **options)
        return grad_win + 1j, grad_pos

    def one_output(*args, **options):
        return dstft_np.stft_partials(*args, **options)[0]

    report = conformance.check(nan_S, one_output, complex_grads, cases="hann-area-center-scalar")
    assert [(row.quantity, row.message) for row in report.failures] == [
        ("S", "result holds NaN or inf"),
        ("partials:S", "raised ValueError: returned 9 values, expected 3"),
        ("dS_dwin", "raised ValueError: returned 9 values, expected 3"),
        ("dS_dpos", "raised ValueError: returned 9 values, expected 3"),
        ("grad_win", "complex values where a real gradient is expected")]


def test_tolerance_is_relative_to_the_largest_expected_value():
    """One element off by 1e-6 · max |S|: fails at rtol=1e-7, passes at rtol=1e-5."""
    def nudged(x, win_length, positions, **options):
        S = dstft_np.stft(x, win_length, positions, **options)
        S.flat[0] += 1e-6 * np.max(np.abs(S))
        return S

    strict = conformance.check(nudged, cases="blackman-*", rtol=1e-7)
    loose = conformance.check(nudged, cases="blackman-*", rtol=1e-5)
    assert len(strict.failures) == len(strict.results) == 24 and loose.ok
    for row in strict.failures:
        np.testing.assert_allclose(row.max_error, 1e-6 * row.scale, rtol=1e-6, err_msg=row.case)


def test_check_rejects_bad_arguments():
    with pytest.raises(TypeError, match="stft_fn must be callable"):
        conformance.check(None)
    with pytest.raises(TypeError, match="vjp_fn must be callable or None, got 3"):
        conformance.check(dstft_np.stft, vjp_fn=3)
    with pytest.raises(ValueError, match=r"rtol must be a real number >= 0, got -1"):
        conformance.check(dstft_np.stft, rtol=-1)
    with pytest.raises(ValueError, match=r"cases \['nope-\*'\] match no golden case"):
        conformance.check(dstft_np.stft, cases="nope-*")


def test_importing_dstft_np_neither_imports_the_kit_nor_reads_a_golden_file():
    code = ("import sys, numpy\n"
            "def refuse(*args, **kwargs): raise AssertionError('np.load at import')\n"
            "numpy.load = refuse\n"
            "import dstft_np\n"
            "print('dstft_np.conformance' in sys.modules)\n"
            "print(dstft_np.conformance.check.__name__)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout == "False\ncheck\n", done.stderr


# --- the command line -------------------------------------------------------------------------

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "dstft_np.conformance", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_command_line_passes_the_reference_with_partials_and_vjp(tmp_path):
    out = tmp_path / "report.json"
    done = run_cli("dstft_np:stft", "--partials", "dstft_np:stft_partials",
                   "--vjp", "dstft_np:stft_vjp", "--json", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"conformance OK: {len(QUANTITIES) * len(CASES)} checks passed")
    saved = json.loads(out.read_text())
    assert saved["ok"] is True and len(saved["results"]) == len(QUANTITIES) * len(CASES)


def test_command_line_fails_a_wrong_implementation_and_names_the_case():
    done = run_cli("tests.wrong_implementations:phase_confused_stft", "--cases", "hann-*-per-bin")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith("conformance FAILED: 2 of 6 checks failed on 2 of 6 golden cases")
    assert "FAIL hann-area-absolute-per-bin" in done.stdout
    assert "FAIL hann-none-absolute-per-bin" in done.stdout
    assert "hann-area-center-per-bin" not in done.stdout


def test_command_line_rejects_a_bad_spec_with_one_line_on_stderr():
    done = run_cli("dstft_np:no_such_function")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("error: 'dstft_np' has no attribute 'no_such_function' "
                           "('dstft_np:no_such_function')\n")


def test_main_and_run_work_in_process(capsys):
    assert conformance.main(["dstft_np:stft", "--cases", "torch-*", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("conformance OK: 5 checks passed on 5 golden cases")
    assert len(lines) == 6 and all(line.lstrip().startswith("ok") for line in lines[1:])
    assert conformance.main(["nomodule_xyz:stft"]) == 2
    assert "cannot import module 'nomodule_xyz'" in capsys.readouterr().err


def test_command_line_lists_at_most_forty_failed_checks_unless_all(capsys):
    args = ["dstft_np:stft", "--partials", "tests.wrong_implementations:flipped_partials"]
    assert conformance.main(args) == 1
    lines = capsys.readouterr().out.splitlines()
    n_failed = len(CASES)  # dS_dpos of every case
    assert lines[0].startswith(f"conformance FAILED: {n_failed} of {4 * len(CASES)} checks failed")
    assert len(lines) == 1 + 40 + 1
    assert lines[-1] == f"  ... and {n_failed - 40} more (--all lists every check)"
    assert conformance.main(args + ["--all"]) == 1
    assert len(capsys.readouterr().out.splitlines()) == 1 + 4 * len(CASES)


def test_add_arguments_and_run_wire_a_check_subcommand(capsys):
    """How dstft_np.cli wires `dstft-np check`: add_arguments on a subparser, run as its handler."""
    parser = argparse.ArgumentParser(prog="dstft-np")
    subcommands = parser.add_subparsers(dest="command", required=True)
    check = subcommands.add_parser("check")
    conformance.add_arguments(check)
    check.set_defaults(handler=conformance.run)
    args = parser.parse_args(["check", "dstft_np:stft", "--cases", "torch-*", "--json", "-"])
    assert args.handler(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and len(report["results"]) == 5
    assert {row["case"] for row in report["results"]} == {
        case.name for case in CASES if case.name.startswith("torch-")}
    assert "dstft-np check mypkg.stft:stft" in check.format_help()
    args = parser.parse_args(["check", "dstft_np:stft", "--rtol", "-1"])
    assert args.handler(args) == 2
    assert capsys.readouterr().err == "error: rtol must be a real number >= 0, got -1.0\n"
