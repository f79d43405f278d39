"""The conformance kit: its golden files, its checker and its command line.

The golden values are checked against references outside dstft_np (the
double loop of tests/naive.py, central differences of it, the adjoint
identity, torch.stft when installed); the checker is checked on the reference
(it must pass) and on deliberately wrong implementations
(tests/wrong_implementations.py; each must fail, naming the cases, locating
the worst value and, for a known difference, naming it).
"""

import argparse
import importlib.util
import itertools
import json
import pathlib
import subprocess
import sys
import types

import numpy as np
import pytest

import dstft_np
from dstft_np import conformance
from dstft_np._options import NORMS, PHASES, WINDOWS

from . import naive
from . import wrong_implementations as wrong
from .inputs import expect
from .markdown import code_blocks
from .gradcheck import central_difference
from .tolerance import assert_close, tolerance

ROOT = pathlib.Path(__file__).resolve().parents[1]
CASES = conformance.load_cases()
CASE_IDS = [case.name for case in CASES]
#: validation/make_golden.py's edge cases: every window × norm × phase, θ scalar and per frame.
EDGE_CASES_PER_WINDOW = len(NORMS) * len(PHASES) * 2
N_EDGE_CASES = len(WINDOWS) * EDGE_CASES_PER_WINDOW
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


# --- the golden files ------------------------------------------------------------------------

def test_golden_files_hold_the_documented_keys_dtypes_and_shapes():
    assert len(CASES) == len(list(conformance.GOLDEN_DIR.glob("*.npz"))) >= 80
    for case in CASES:
        with np.load(conformance.GOLDEN_DIR / f"{case.name}.npz") as data:
            keys = set(data.files)
        required = {"x", "win_length", "positions", "n_fft", "window", "norm", "phase",
                    "description", "families", "S", "dS_dwin", "dS_dpos", "grad_S", "grad_win",
                    "grad_pos"}
        assert required <= keys, case.name
        assert keys - required <= {"hops", "t0", "grad_hops", "torch_call"}, case.name
        n_fft = case.options["n_fft"]
        assert n_fft % 2 == 0 and case.options["window"] in WINDOWS
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
            WINDOWS, ("area", "none"), PHASES,
            ("scalar", "per-frame", "per-bin", "per-cell")):
        assert f"{window}-{norm}-{phase}-{shape}" in names
    matrix = conformance.load_cases("hann-area-absolute-*")
    shapes = {case.name: case.win_length.shape for case in matrix}
    F, T = 9, matrix[0].positions.size
    assert shapes == {"hann-area-absolute-scalar": (), "hann-area-absolute-per-frame": (1, T),
                      "hann-area-absolute-per-bin": (F, 1), "hann-area-absolute-per-cell": (F, T)}
    t, K = matrix[0].positions, matrix[0].x.shape[-1]
    half = 8  # N/2, the largest θ/2
    assert np.any(t + half < 0) and np.any(t - half > K - 1), "frames entirely beyond both ends"
    assert np.any((t - half < 0) & (t + half > 0)), "a frame over the start"
    assert np.any((t - half < K - 1) & (t + half > K - 1)), "a frame over the end"
    assert np.any(t != np.round(t)), "non-integer positions"
    assert {len(batch_shape(c)) for c in CASES} >= {0, 1, 2}, "batch axes"
    assert any(c.win_length.ndim == 3 for c in CASES), "θ with its own batch axis"


def expected_families(case):
    """A case's families from their definitions (dstft_np.conformance.FAMILIES), computed here."""
    N = case.options["n_fft"]
    S = case.expected["S"]
    F, T = S.shape[-2:]
    theta = np.broadcast_to(case.win_length, S.shape)
    t = np.broadcast_to(case.positions, S.shape[:-2] + (T,))
    fractional = np.broadcast_to((t % 1 != 0)[..., None, :], S.shape)
    families = set()
    if np.max(theta) <= N - 2:
        families.add("interior")
    if np.any((theta > N - 2) & fractional):
        families.add("edge")
    grid = case.win_length.shape[-2:] if case.win_length.ndim >= 2 else (1, 1)
    families.add({(1, 1): "scalar", (1, T): "per-frame", (F, 1): "per-bin", (F, T): "per-cell"}[grid])
    if S.ndim > 2:
        families.add("batch")
    if "hops" in case.extras:
        families.add("hops")
    if "torch_call" in case.extras:
        families.add("torch")
    return families


def support_cut(case):
    """Cells where a frame of the N samples floor(t_n) - N/2 ... floor(t_n) + N/2 - 1 misses a
    sample of x that |u| <= θ/2 keeps: k = floor(t_n) + N/2 inside the signal, θ/2 > k - t_n."""
    N = case.options["n_fft"]
    S = case.expected["S"]
    theta = np.broadcast_to(case.win_length, S.shape)
    t = np.broadcast_to(case.positions, S.shape[:-2] + S.shape[-1:])[..., None, :]
    k = np.floor(t) + N // 2
    return np.broadcast_to((theta / 2 > k - t) & (k >= 0) & (k < case.x.shape[-1]), S.shape)


def test_every_case_belongs_to_the_families_its_arrays_define():
    for case in CASES:
        assert set(case.families) == expected_families(case), case.name
    counts = {family: sum(family in case.families for case in CASES) for family in conformance.FAMILIES}
    assert counts["interior"] >= 80 and counts["edge"] == N_EDGE_CASES, counts
    assert all(counts.values()), counts
    assert {case.name for case in CASES if "edge" in case.families} == {
        f"edge-{w}-{n}-{p}-{shape}" for w, n, p, shape in itertools.product(
            WINDOWS, ("area", "none"), PHASES,
            ("scalar", "per-frame"))}


def test_interior_windows_fit_every_frame_of_N_samples_and_edge_cases_straddle_the_cut():
    """Interior: [t_n - θ/2, t_n + θ/2] lies inside [c - N/2, c + N/2 - 1] for c = floor(t_n) and
    c = ceil(t_n). Edge: some cells lose a sample to a floor(t_n) frame and some do not."""
    for case in CASES:
        N = case.options["n_fft"]
        theta = np.broadcast_to(case.win_length, case.expected["S"].shape)
        t = np.broadcast_to(case.positions, theta.shape[:-2] + theta.shape[-1:])[..., None, :]
        if "interior" in case.families:
            for centre in (np.floor(t), np.ceil(t)):
                assert np.all(t - theta / 2 > centre - N / 2 - 1), case.name
                assert np.all(t + theta / 2 < centre + N / 2), case.name
            assert not support_cut(case).any(), case.name
        if "edge" in case.families:
            cut = support_cut(case)
            assert 0 < cut.sum() < cut.size, case.name


def test_families_select_cases_alone_or_with_patterns():
    edge = conformance.load_cases(families="edge")
    assert len(edge) == N_EDGE_CASES and all(case.name.startswith("edge-") for case in edge)
    union = {case.name for case in conformance.load_cases(families=["torch", "hops"])}
    assert union == {case.name for case in CASES if {"torch", "hops"} & set(case.families)}
    both = conformance.load_cases(cases="*-hann-*", families="edge")
    assert {case.name for case in both} == {case.name for case in edge if "-hann-" in case.name}
    report = conformance.check(dstft_np.stft, families="per-bin", cases="hann-*")
    assert report.cases == ["hann-area-absolute-per-bin", "hann-area-center-per-bin",
                            "hann-area-start-per-bin", "hann-none-absolute-per-bin",
                            "hann-none-center-per-bin", "hann-none-start-per-bin"]
    with pytest.raises(ValueError, match="families must be names among 'interior', 'edge'"):
        conformance.load_cases(families="inside")
    with pytest.raises(ValueError, match=r"no golden case matches cases='torch-\*' in families \['edge'\]"):
        conformance.check(dstft_np.stft, cases="torch-*", families="edge")


def load_make_golden():
    spec = importlib.util.spec_from_file_location("make_golden", ROOT / "validation" / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_make_golden_regenerates_the_shipped_files_byte_for_byte(tmp_path):
    """Two runs give identical bytes; each shipped file is what a run writes.

    A run's expected values are what this checkout computes: a change in the
    kernels' rounding may move them by ~1e-15 (then rerun make_golden.py).
    Every input (x, θ, positions, cotangent, options, families) must be
    bit-identical; a file whose arrays all are must be byte-identical.
    """
    make_golden = load_make_golden()
    first, second = tmp_path / "first", tmp_path / "second"
    make_golden.write_cases(first)
    make_golden.write_cases(second)
    names = sorted(path.name for path in first.glob("*.npz"))
    assert names == sorted(path.name for path in conformance.GOLDEN_DIR.glob("*.npz"))
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
        with np.load(first / name) as fresh, np.load(conformance.GOLDEN_DIR / name) as shipped:
            assert fresh.files == shipped.files, name
            same = all(np.array_equal(fresh[key], shipped[key]) for key in fresh.files)
            for key in fresh.files:
                if key in ("S", "dS_dwin", "dS_dpos", "grad_win", "grad_pos", "grad_hops"):
                    assert_close(fresh[key], shipped[key], 1e-12, f"{name} {key}")
                else:
                    np.testing.assert_array_equal(fresh[key], shipped[key], err_msg=f"{name} {key}")
        if same:
            assert (first / name).read_bytes() == (conformance.GOLDEN_DIR / name).read_bytes(), name


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
    assert_close(case.expected["S"], naive_stft(case), tolerance("reference"), case.name)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_golden_partials_match_central_differences_of_the_naive_loop(case):
    """Step h in every θ cell (resp. every t_n) at once: each S cell has its own θ and t_n.

    No window edge lies within 1e-3 of a sample, so no step crosses a jump:
    error ~ h² + eps/h with h = 1e-5. The torch cases put samples on the Hann
    edges, where ω is C¹ but ω'' jumps, so their error is ~ h: h = 1e-7 there.
    """
    step = 1e-7 if "torch_call" in case.extras else 1e-5
    d_win = central_difference(lambda d: naive_stft(case, d_theta=d), 0.0, 1.0, step)
    d_pos = central_difference(lambda d: naive_stft(case, d_pos=d), 0.0, 1.0, step)
    assert_close(case.expected["dS_dwin"], d_win, 1e-6, f"{case.name} dS_dwin")
    assert_close(case.expected["dS_dpos"], d_pos, 1e-6, f"{case.name} dS_dpos")


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
        assert_close(case.expected["S"], reference, 1e-12, case.name)


# --- the checker ------------------------------------------------------------------------------

def test_reference_passes_its_own_checker():
    report = conformance.check(*REFERENCE)
    assert report.ok, str(report)
    assert len(report.results) == len(QUANTITIES) * len(CASES)
    assert {row.quantity for row in report.results} == set(QUANTITIES)
    assert all(row.max_error <= 1e-10 * row.scale + 1e-15 for row in report.results)
    n = len(report.results)
    assert str(report) == (f"conformance OK: {n} checks on {len(CASES)} golden cases: {n} passed, "
                           "0 failed, 0 unsupported (rtol=1e-07, atol=1e-12)")


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
    # -∂S/∂t_n is no other definition: nothing may be named for it
    assert not any(row.diagnosis for row in report.failures if row.quantity == "dS_dpos")


def test_dropped_inverse_theta_factor_of_dS_dwin_fails_on_every_case_naming_it():
    report = conformance.check(dstft_np.stft, wrong.undivided_partials, wrong.undivided_vjp)
    assert failed_quantities(report) == {"dS_dwin", "grad_win"}
    assert set(report.failed_cases) == set(CASE_IDS)
    assert "gaussian-none-center-per-cell" in str(report)


def test_absolute_phase_confused_with_start_fails_exactly_the_absolute_cases_naming_the_phase():
    report = conformance.check(wrong.phase_confused_stft, wrong.phase_confused_partials,
                               wrong.phase_confused_vjp)
    absolute = {case.name for case in CASES if case.options["phase"] == "absolute"}
    assert len(absolute) >= 36
    assert set(report.failed_cases) == absolute
    assert {"S", "partials:S"} <= failed_quantities(report)
    text = str(report)
    assert all(name in text for name in absolute)
    first = report.failures[0]
    assert first.case in absolute and report.summary().endswith(
        f"first failing case: {first.case} ({first.quantity})")
    named = ("matches phase='start' (φ_n(k) = k − (t_n − N/2)) where phase='absolute' "
             "(φ_n(k) = k) is asked")
    assert {row.diagnosis for row in report.failures} == {named}
    assert f"\n       {named}\n" in text


def test_exceptions_and_wrong_shapes_are_reported_per_case():
    def transposed(x, win_length, positions, **options):
        return np.swapaxes(dstft_np.stft(x, win_length, positions, **options), -1, -2)

    def nan_S(x, win_length, positions, **options):
        return np.full_like(dstft_np.stft(x, win_length, positions, **options), np.nan)

    def complex_grads(*args, **options):
        grad_win, grad_pos = dstft_np.stft_vjp(*args, **options)
        return grad_win + 1j, grad_pos

    def one_output(*args, **options):
        return dstft_np.stft_partials(*args, **options)[0]

    def raises(x, win_length, positions, **options):
        raise RuntimeError("no\nsecond line")

    report = conformance.check(transposed, cases="hann-area-center-scalar")
    assert report.failures[0].message == "shape (8, 9), expected (9, 8)"
    report = conformance.check(nan_S, one_output, complex_grads, cases="hann-area-center-scalar")
    assert [(row.quantity, row.message) for row in report.failures] == [
        ("S", "result holds NaN or inf"),
        ("partials:S", "raised ValueError: returned 9 values, expected 3"),
        ("dS_dwin", "raised ValueError: returned 9 values, expected 3"),
        ("dS_dpos", "raised ValueError: returned 9 values, expected 3"),
        ("grad_win", "complex values where a real gradient is expected")]
    assert all(row.worst is None for row in report.failures)
    report = conformance.check(raises, cases="torch-*")
    assert {row.message for row in report.failures} == {"raised RuntimeError: no"}
    assert report.counts == {"passed": 0, "failed": 5, "unsupported": 0}


def test_not_implemented_makes_a_case_unsupported_counted_apart():
    def no_cells(x, win_length, positions, **options):
        if np.ndim(win_length) >= 2 and np.shape(win_length)[-2] > 1:
            raise NotImplementedError("θ varying along frequency")
        return dstft_np.stft(x, win_length, positions, **options)

    report = conformance.check(no_cells, cases="hann-area-*")
    assert report.ok and not report.failures
    unsupported = {row.case: row.message for row in report.unsupported}
    assert set(unsupported) == {"hann-area-absolute-per-bin", "hann-area-absolute-per-cell",
                                "hann-area-center-per-bin", "hann-area-center-per-cell",
                                "hann-area-start-per-bin", "hann-area-start-per-cell"}
    assert set(unsupported.values()) == {"raised NotImplementedError: θ varying along frequency"}
    assert report.summary() == ("conformance OK: 12 checks on 12 golden cases: 6 passed, 0 failed, "
                                "6 unsupported (rtol=1e-07, atol=1e-12)")
    assert report.by_family() == {"interior": {"passed": 6, "failed": 0, "unsupported": 6},
                                  "scalar": {"passed": 3, "failed": 0, "unsupported": 0},
                                  "per-frame": {"passed": 3, "failed": 0, "unsupported": 0},
                                  "per-bin": {"passed": 0, "failed": 0, "unsupported": 3},
                                  "per-cell": {"passed": 0, "failed": 0, "unsupported": 3}}
    lines = report.format(all_rows=True).splitlines()
    assert lines[1] == ("  by family (passed/failed/unsupported): interior 6/0/6, scalar 3/0/0, "
                        "per-frame 3/0/0, per-bin 0/0/3, per-cell 0/0/3")
    assert lines[2].split()[:3] == ["n/a", "hann-area-absolute-per-bin", "S"]


def test_declared_support_skips_the_other_cases_without_calling():
    calls = []

    def hann_only(x, win_length, positions, **options):
        calls.append(options["window"])
        return dstft_np.stft(x, win_length, positions, **options)

    report = conformance.check(hann_only, dstft_np.stft_partials,
                               supported={"window": ["hann"], "norm": None})
    assert set(calls) == {"hann"}
    supported = [case for case in CASES
                 if case.options["window"] == "hann" and case.options["norm"] is None]
    assert report.counts == {"passed": 4 * len(supported), "failed": 0,
                             "unsupported": 4 * (len(CASES) - len(supported))}
    assert len(calls) == len(supported)
    messages = {row.message for row in report.unsupported}
    assert messages == {f"window={window!r} is not among the supported windows 'hann'"
                        for window in WINDOWS if window != "hann"} | {"norm='area' is not among the supported norms None"}
    nothing = conformance.check(hann_only, supported={"phase": "center"}, cases="*-start-*")
    assert not nothing.ok and nothing.summary().endswith("; nothing was checked")
    with pytest.raises(ValueError, match=r"supported keys must be among 'window', 'norm', 'phase'"):
        conformance.check(hann_only, supported={"windows": ["hann"]})
    with pytest.raises(ValueError, match=r"supported\['window'\] values must be one of "
                                         rf"{', '.join(map(repr, WINDOWS))}; got 'hamming'"):
        conformance.check(hann_only, supported={"window": ["hann", "hamming"]})
    with pytest.raises(TypeError, match="supported must be a mapping"):
        conformance.check(hann_only, supported=["hann"])


def cells_of(case):
    """θ and t_n of every cell of S (θ and positions broadcast to its shape)."""
    shape = case.expected["S"].shape
    t = np.broadcast_to(case.positions, shape[:-2] + shape[-1:])
    return np.broadcast_to(case.win_length, shape), np.broadcast_to(t[..., None, :], shape)


@pytest.mark.parametrize("name, cell", [
    ("hann-none-center-per-cell", (4, 6)),
    ("batch-hann-area-center-x-positions-scalar", (1, 2, 3, 5)),
])
def test_a_failed_row_locates_its_worst_value(name, cell):
    """One cell off by 1e-3 · max |S|, three others by 1e-5: all four fail, the first is the worst."""
    case = conformance.load_cases(name)[0]
    others = [(0,) * (len(cell) - 2) + (0, 0), (0,) * (len(cell) - 2) + (8, 1),
              (0,) * (len(cell) - 2) + (2, 7)]

    def off(x, win_length, positions, **options):
        S = dstft_np.stft(x, win_length, positions, **options)
        scale = np.max(np.abs(S))
        S[cell] += 1e-3 * scale * (1 - 1j)
        for index in others:
            S[index] += 1e-5 * scale
        return S

    row = conformance.check(off, cases=name).failures[0]
    theta, t = cells_of(case)
    expected = case.expected["S"][cell]
    assert row.n_failing == 4 and row.n_values == case.expected["S"].size
    assert row.worst == {"index": cell, "batch": cell[:-2], "m": cell[-2], "n": cell[-1],
                         "theta": theta[cell], "t_n": t[cell], "expected": expected,
                         "got": expected + 1e-3 * row.scale * (1 - 1j)}
    where = f"batch {cell[:-2]}, " if len(cell) > 2 else ""
    assert (f"; 4 of {row.n_values} values fail; worst at {where}m={cell[-2]}, n={cell[-1]} "
            f"(θ={theta[cell]:.6g}, t_n={t[cell]:.6g}): expected ") in str(row)
    assert row.diagnosis == ""


def test_failed_gradient_rows_locate_their_worst_entry():
    case = conformance.load_cases("batch-blackman-none-absolute-theta-per-frame")[0]

    def off(x, win_length, positions, grad_S, **options):
        grad_win, grad_pos = dstft_np.stft_vjp(x, win_length, positions, grad_S, **options)
        grad_win[1, 0, 5] += 1.0
        grad_pos[0, 3] -= 1.0
        return grad_win, grad_pos

    grad_win, grad_pos = conformance.check(dstft_np.stft, vjp_fn=off, cases=case.name).failures
    assert grad_win.worst == {"index": (1, 0, 5), "batch": (1,), "m": None, "n": 5,
                              "theta": case.win_length[1, 0, 5],
                              "expected": case.expected["grad_win"][1, 0, 5],
                              "got": case.expected["grad_win"][1, 0, 5] + 1.0}
    assert grad_pos.worst == {"index": (0, 3), "batch": (0,), "n": 3, "t_n": case.positions[0, 3],
                              "expected": case.expected["grad_pos"][0, 3],
                              "got": case.expected["grad_pos"][0, 3] - 1.0}
    assert "worst at batch (1,), n=5 (θ=" in str(grad_win)


def test_a_support_cut_at_floor_t_n_is_named_and_fails_exactly_where_theta_exceeds_the_cut():
    """Frames of the N samples floor(t_n) - N/2 ... floor(t_n) + N/2 - 1: the interior family
    passes, every edge case fails, in exactly the cells where θ > N - 2·frac(t_n)."""
    report = conformance.check(wrong.floor_support_stft)
    by_case = {row.case: row for row in report.results}
    for case in CASES:
        row = by_case[case.name]
        cut = int(support_cut(case).sum())
        if "interior" in case.families or "torch" in case.families:
            assert row.passed, str(row)
            continue
        assert not row.passed and row.n_failing == cut, str(row)
        assert row.diagnosis == (
            "matches a support cut to the N samples floor(t_n) − N/2 … floor(t_n) + N/2 − 1: "
            f"all {cut} failing values come from cells with θ > N − 2·frac(t_n) ({cut} of "
            f"{row.n_values} values do), where that frame loses the signal's sample at "
            "u = N/2 − frac(t_n)")
        theta, t = cells_of(case)
        where = row.worst["index"]
        assert theta[where] > case.options["n_fft"] - 2 * (t[where] % 1)
    assert report.by_family()["edge"] == {"passed": 0, "failed": N_EDGE_CASES, "unsupported": 0}


def test_a_support_cut_is_named_after_a_phase_difference_too():
    """The cut and φ_n(k) + N/2 together (an implementation of v3 with no phase mapping)."""
    def cut_and_shifted(x, win_length, positions, **options):
        S = wrong.floor_support_stft(x, win_length, positions, **options)
        return S * (-1.0) ** np.arange(S.shape[-2])[:, None]

    # (−1)^m S_center = S_start: for "center" and "start" cases the other phase is named instead
    rows = conformance.check(cut_and_shifted, cases="edge-hann-*-absolute-*").failures
    assert len(rows) == 4
    for row in rows:
        assert row.diagnosis.startswith(
            "matches a support cut to the N samples floor(t_n) − N/2 … floor(t_n) + N/2 − 1, after "
            "S·(−1)^m: a phase reference N/2 samples away from the one asked (φ_n(k) + N/2): all "
        ), row.diagnosis
    interior = conformance.check(cut_and_shifted, cases="hann-*-absolute-*").failures
    assert {row.diagnosis for row in interior} == {
        "matches S·(−1)^m: a phase reference N/2 samples away from the one asked (φ_n(k) + N/2)"}


@pytest.mark.parametrize("quantity", ["partials:S", "dS_dwin", "dS_dpos", "grad_win", "grad_pos"])
def test_other_definitions_are_named_in_every_quantity(quantity):
    """norm, phase and conjugation swapped by the implementation; the derivatives follow."""
    variants = {
        "norm=None (c(θ) = 1) where norm='area' (c(θ) = N/θ) is asked":
            ("hann-area-start-per-cell", lambda options: dict(options, norm=None), False),
        "phase='center' (φ_n(k) = k − t_n) where phase='start' (φ_n(k) = k − (t_n − N/2)) is asked":
            ("batch-hann-none-start-x-per-bin", lambda options: dict(options, phase="center"), False),
        "the complex conjugate (e^{+j2π m φ_n(k)/N} in the DFT)":
            ("blackman-area-center-per-frame", lambda options: options, True),
    }
    for label, (name, change, conjugate) in variants.items():
        def partials(x, win_length, positions, **options):
            values = dstft_np.stft_partials(x, win_length, positions, **change(options))
            return tuple(np.conj(v) if conjugate else v for v in values)

        def vjp(x, win_length, positions, grad_S, **options):
            return dstft_np.stft_vjp(x, win_length, positions, np.conj(grad_S) if conjugate else grad_S,
                                     **change(options))

        report = conformance.check(dstft_np.stft, partials, vjp, cases=name)
        row = next(r for r in report.failures if r.quantity == quantity)
        assert row.diagnosis == f"matches {label}", (name, str(row))


def test_frames_sharing_frame_0_fractional_shift_are_named_with_their_gradients():
    """Every window at floor(t_n) + frac(t_0), the phase at t_n: written here by finite steps."""
    name = "hann-area-center-per-frame"
    case = conformance.load_cases(name)[0]
    N = case.options["n_fft"]
    m = np.arange(N // 2 + 1)[:, None]

    def shared(x, win_length, positions, **options):
        moved = np.floor(positions) + positions[..., :1] % 1
        S = dstft_np.stft(x, win_length, moved, **options)
        return S * np.exp(2j * np.pi * m * (positions - moved) / N)

    def vjp(x, win_length, positions, grad_S, **options):
        step = 1e-6
        loss = lambda w, t: np.sum(np.real(np.conj(grad_S) * shared(x, w, t, **options)))
        grad_win = np.array([central_difference(lambda w: loss(w, positions), win_length, e, step)
                             for e in np.eye(win_length.size)]).reshape(win_length.shape)
        grad_pos = np.array([central_difference(lambda t: loss(win_length, t), positions, e, step)
                             for e in np.eye(positions.size)])
        return grad_win, grad_pos

    report = conformance.check(shared, vjp_fn=vjp, cases=name, rtol=1e-6)
    label = "matches frames at floor(t_n) + frac(t_0): every frame reuses the fractional shift of frame 0"
    assert [(row.quantity, row.diagnosis) for row in report.failures] == [
        ("S", label), ("grad_win", label), ("grad_pos", label)]


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
        assert row.n_failing == 1 and row.worst["index"] == (0, 0)


def test_gradient_scale_is_the_largest_sum_of_magnitudes_of_its_terms():
    report = conformance.check(dstft_np.stft, vjp_fn=dstft_np.stft_vjp, cases="batch-*")
    for case in conformance.load_cases("batch-*"):
        rows = {row.quantity: row for row in report.results if row.case == case.name}
        S = case.expected["S"]
        terms_win = np.abs(np.real(np.conj(case.grad_S) * case.expected["dS_dwin"]))
        terms_pos = np.abs(np.real(np.conj(case.grad_S) * case.expected["dS_dpos"])).sum(axis=-2)
        # sum the terms an entry gathers: over the batch axes it lacks and the axes it broadcasts
        theta = np.broadcast_to(np.arange(case.win_length.size).reshape(case.win_length.shape), S.shape)
        t = np.broadcast_to(np.arange(case.positions.size).reshape(case.positions.shape),
                            S.shape[:-2] + S.shape[-1:])
        win = np.bincount(theta.ravel(), terms_win.ravel(), minlength=case.win_length.size)
        pos = np.bincount(t.ravel(), terms_pos.ravel(), minlength=case.positions.size)
        np.testing.assert_allclose(rows["grad_win"].scale, win.max(), rtol=1e-12, err_msg=case.name)
        np.testing.assert_allclose(rows["grad_pos"].scale, pos.max(), rtol=1e-12, err_msg=case.name)
        np.testing.assert_allclose(rows["S"].scale, np.max(np.abs(S)), rtol=0, err_msg=case.name)


def float32_reference(fn):
    """dstft_np's own transform computed in float32: a float32 implementation to check."""
    def computed_in_float32(*args, **options):
        args = [np.asarray(a, np.complex64 if np.iscomplexobj(a) else np.float32) for a in args]
        return fn(*args, **options)
    return computed_in_float32


@pytest.mark.slow
def test_float32_profile_passes_a_float32_implementation_that_float64_fails():
    functions = [float32_reference(fn) for fn in REFERENCE]
    single = conformance.check(*functions, profile="float32")
    assert single.ok, str(single)
    assert (single.rtol, single.atol) == conformance.PROFILES["float32"] == (1e-4, 1e-6)
    worst = max(row.max_error / row.scale for row in single.results)
    assert 1e-7 < worst < 1e-5, worst   # PROFILES documents 8.2e-6, 12 times below rtol
    double = conformance.check(*functions)
    assert double.counts["failed"] > len(CASES)
    assert conformance.check(*functions, profile="float32", rtol=1e-6).counts["failed"] > 0
    # a float32 tolerance still catches a wrong derivative and a support cut
    flipped = conformance.check(functions[0], float32_reference(wrong.flipped_partials), profile="float32")
    assert failed_quantities(flipped) == {"dS_dpos"}
    cut = conformance.check(float32_reference(wrong.floor_support_stft), profile="float32", families="edge")
    assert len(cut.failures) >= 30
    assert all(row.diagnosis.startswith("matches a support cut") for row in cut.failures)


def test_check_rejects_bad_arguments():
    with pytest.raises(TypeError, match="stft_fn must be callable"):
        conformance.check(None)
    with pytest.raises(TypeError, match="vjp_fn must be callable or None, got 3"):
        conformance.check(dstft_np.stft, vjp_fn=3)
    with pytest.raises(ValueError, match=r"rtol must be a finite real number >= 0, got -1"):
        conformance.check(dstft_np.stft, rtol=-1)
    with pytest.raises(ValueError, match=r"profile must be one of 'float64', 'float32'; got 'half'"):
        conformance.check(dstft_np.stft, profile="half")
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


# --- the authors' v3 convention through the adapter of docs/conventions.md -------------------

def docs_block(saved_as):
    """The ```python block of docs/conventions.md whose first line is ``# {saved_as}``."""
    text = (ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
    blocks = [b.code for b in code_blocks(text)
              if b.language == "python" and b.code.startswith(f"# {saved_as}")]
    assert len(blocks) == 1, saved_as
    return blocks[0]


@pytest.fixture
def v3_adapter(monkeypatch):
    """docs' v3_adapter.py, importing a numpy stand-in of the authors' v3 as v3_forward."""
    stand_in = types.ModuleType("v3_forward")
    stand_in.v3_stft, stand_in.v3_vjp = wrong.v3_convention_stft, wrong.v3_convention_vjp
    monkeypatch.setitem(sys.modules, "v3_forward", stand_in)
    adapter = types.ModuleType("v3_adapter")
    exec(compile(docs_block("v3_adapter.py"), "docs/conventions.md:v3_adapter.py", "exec"),
         adapter.__dict__)
    return adapter


def test_v3_adapter_of_the_docs_passes_the_interior_and_names_the_support_at_the_edge(v3_adapter):
    report = conformance.check(v3_adapter.stft, vjp_fn=v3_adapter.stft_vjp)
    families = report.by_family()
    assert families["interior"]["failed"] == 0 and families["interior"]["passed"] >= 80
    assert families["torch"] == {"passed": 15, "failed": 0, "unsupported": 0}
    # three checks per case (S, grad_win, grad_pos); v3 has the Hann window only
    hann_checks = 3 * EDGE_CASES_PER_WINDOW
    assert families["edge"] == {"passed": 0, "failed": hann_checks,
                                "unsupported": hann_checks * (len(WINDOWS) - 1)}
    assert {row.case for row in report.failures} == {
        case.name for case in CASES if "edge" in case.families and case.options["window"] == "hann"}
    assert all(row.diagnosis.startswith("matches a support cut to the N samples floor(t_n)")
               for row in report.failures)
    reasons = {row.message for row in report.unsupported}
    assert reasons == {f"raised NotImplementedError: window={window!r}: v3 has the Hann window only"
                       for window in WINDOWS if window != "hann"} | {
                       "raised NotImplementedError: batch axes on positions or θ: v3 takes x "
                       "[batch, time] only"}
    assert report.summary().startswith(
        f"conformance FAILED: {len(report.results)} checks on {len(CASES)} golden cases: "
        f"{report.counts['passed']} passed, {hann_checks} failed, {report.counts['unsupported']} unsupported")


def test_v3_stand_in_is_the_definition_restricted_to_the_floor_support(v3_adapter):
    """The stand-in through the adapter equals the floor-support transform on every Hann case."""
    for case in conformance.load_cases(cases="*hann-*"):
        if case.positions.ndim > 1 or case.win_length.ndim > 2:
            continue
        got = v3_adapter.stft(case.x, case.win_length, case.positions, **case.options)
        assert_close(got, wrong.floor_support_stft(case.x, case.win_length, case.positions,
                                                      **case.options), 1e-13, case.name)


# --- the command line -------------------------------------------------------------------------

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "dstft_np.conformance", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_command_line_passes_the_reference_with_partials_and_vjp(tmp_path):
    out = tmp_path / "report.json"
    done = run_cli("dstft_np:stft", "--partials", "dstft_np:stft_partials",
                   "--vjp", "dstft_np:stft_vjp", "--json", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    n = len(QUANTITIES) * len(CASES)
    assert done.stdout == (f"conformance OK: {n} checks on {len(CASES)} golden cases: {n} passed, "
                           "0 failed, 0 unsupported (rtol=1e-07, atol=1e-12)\n")
    saved = json.loads(out.read_text())
    assert saved["ok"] is True and len(saved["results"]) == n
    assert saved["counts"] == {"passed": n, "failed": 0, "unsupported": 0}


@pytest.mark.slow
def test_command_line_fails_a_wrong_implementation_and_names_the_case():
    done = run_cli("tests.wrong_implementations:phase_confused_stft", "--cases", "hann-*-per-bin")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith("conformance FAILED: 6 checks on 6 golden cases: 4 passed, 2 failed, "
                                  "0 unsupported (rtol=1e-07, atol=1e-12); first failing case: "
                                  "hann-area-absolute-per-bin (S)\n")
    assert "FAIL hann-area-absolute-per-bin" in done.stdout
    assert "FAIL hann-none-absolute-per-bin" in done.stdout
    assert "hann-area-center-per-bin" not in done.stdout


@pytest.mark.slow
def test_json_output_is_the_dict_check_returns(tmp_path):
    """--json - prints report.to_dict() of the same check, JSON-encoded; complex values as [re, im]."""
    args = ["tests.wrong_implementations:floor_support_stft", "--family", "edge", "--cases", "*-hann-*",
            "--supported", "norm=none", "--profile", "float32"]
    done = run_cli(*args, "--json", "-")
    assert done.returncode == 1, done.stderr
    printed = json.loads(done.stdout)
    report = conformance.check(wrong.floor_support_stft, families="edge", cases="*-hann-*",
                               supported={"norm": [None]}, profile="float32")
    assert printed == json.loads(json.dumps(report.to_dict()))
    assert printed["counts"] == {"passed": 0, "failed": 6, "unsupported": 6}
    assert (printed["rtol"], printed["atol"]) == (1e-4, 1e-6)
    row = next(r for r in printed["results"] if r["status"] == "failed")
    worst = report.failures[0].worst
    assert row["worst"]["expected"] == [worst["expected"].real, worst["expected"].imag]
    assert row["families"] == ["edge", "per-frame"] and row["diagnosis"].startswith("matches a support cut")


@pytest.mark.slow
def test_command_line_exit_status_is_documented_and_kept():
    """0: nothing failed and something passed; 1: a failure, or nothing checked; 2: bad arguments."""
    assert "exit status: 0 when no check failed and at least one passed" in run_cli("--help").stdout
    supported_only = run_cli("dstft_np:stft", "--cases", "hann-*", "--supported", "window=hann")
    assert supported_only.returncode == 0
    nothing = run_cli("dstft_np:stft", "--cases", "gaussian-*", "--supported", "window=hann,blackman")
    assert nothing.returncode == 1 and "nothing was checked" in nothing.stdout
    for bad in (["--supported", "windows=hann"], ["--family", "inside"], ["--profile", "half"]):
        done = run_cli("dstft_np:stft", *bad)
        assert done.returncode == 2 and done.stdout == "", bad
    assert "expected OPTION=VALUE[,VALUE...] with OPTION among window, norm, phase" in run_cli(
        "dstft_np:stft", "--supported", "windows=hann").stderr
    assert run_cli("dstft_np:stft", "--family", "inside").stderr == (
        "error: families must be names among 'interior', 'edge', 'scalar', 'per-frame', 'per-bin', "
        "'per-cell', 'batch', 'hops', 'torch'; got ['inside']\n")


def test_command_line_rejects_a_bad_spec_with_one_line_on_stderr():
    done = run_cli("dstft_np:no_such_function")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("error: 'dstft_np' has no attribute 'no_such_function' "
                           "('dstft_np:no_such_function')\n")


def test_main_and_run_work_in_process(capsys):
    assert conformance.main(["dstft_np:stft", "--cases", "torch-*", "--all"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("conformance OK: 5 checks on 5 golden cases: 5 passed, 0 failed, 0 unsupported "
                        "(rtol=1e-07, atol=1e-12)")
    assert len(lines) == 6 and all(line.lstrip().startswith("ok") for line in lines[1:])
    assert conformance.main(["nomodule_xyz:stft"]) == 2
    assert "cannot import module 'nomodule_xyz'" in capsys.readouterr().err


def test_command_line_lists_at_most_forty_failed_checks_unless_all(capsys):
    args = ["dstft_np:stft", "--partials", "tests.wrong_implementations:flipped_partials"]
    assert conformance.main(args) == 1
    lines = capsys.readouterr().out.splitlines()
    n_failed = len(CASES)  # dS_dpos of every case
    assert lines[0].startswith(f"conformance FAILED: {4 * len(CASES)} checks on {len(CASES)} golden "
                               f"cases: {3 * n_failed} passed, {n_failed} failed, 0 unsupported")
    assert lines[1].startswith("  by family (passed/failed/unsupported): interior ")
    assert len(lines) == 2 + 40 + 1
    assert lines[-1] == f"  ... and {n_failed - 40} more (--all lists every check)"
    assert conformance.main(args + ["--all"]) == 1
    assert len(capsys.readouterr().out.splitlines()) == 2 + 4 * len(CASES)


def test_add_arguments_and_run_wire_a_check_subcommand(capsys):
    """How dstft_np.cli wires `dstft-np check`: add_arguments on a subparser, run as its handler."""
    parser = argparse.ArgumentParser(prog="dstft-np")
    subcommands = parser.add_subparsers(dest="command", required=True)
    check = subcommands.add_parser("check")
    conformance.add_arguments(check)
    check.set_defaults(handler=conformance.run)
    args = parser.parse_args(["check", "dstft_np:stft", "--family", "torch", "--json", "-"])
    assert args.handler(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and len(report["results"]) == 5
    assert {row["case"] for row in report["results"]} == {
        case.name for case in CASES if case.name.startswith("torch-")}
    assert "dstft-np check mypkg.stft:stft" in check.format_help()
    args = parser.parse_args(["check", "dstft_np:stft", "--rtol", "-1"])
    assert args.handler(args) == 2
    assert capsys.readouterr().err == "error: rtol must be a finite real number >= 0, got -1.0\n"


def test_authors_v3_validation_script_states_what_docs_claim(tmp_path):
    """validation/authors_v3.py on the authors' code, when their package is importable."""
    pytest.importorskip("torch", reason="torch is not installed")
    if importlib.util.find_spec("dstft") is None:
        pytest.skip("the authors' package dstft is not importable (PYTHONPATH=/path/to/dstft/src)")
    from validation import authors_v3

    numbers = authors_v3.main(["--out", str(tmp_path)])
    assert numbers["stand_in_agreement"] < 1e-12
    theirs, definition = numbers["theirs_by_family"], numbers["stand_in_by_family"]
    assert definition["interior"]["failed"] == 0 and definition["edge"]["passed"] == 0
    assert theirs["per-cell"]["failed"] == 0 and theirs["per-bin"]["passed"] == 0
    text = (tmp_path / "authors_v3.md").read_text(encoding="utf-8")
    assert f"{numbers['stand_in_agreement']:.2g}" in text
    docs = (ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
    for family_counts in (theirs, definition):
        row = " | ".join(f"{c['passed']}/{c['failed']}/{c['unsupported']}" for c in family_counts.values())
        assert row in docs, row


# ---------------------------------------------------------------- bad input

CHECK_CASES = [
    ({"stft_fn": None}, TypeError, r"stft_fn must be callable, got None"),
    ({"stft_fn": 3}, TypeError, r"stft_fn must be callable or None, got 3"),
    ({"vjp_fn": "dstft_np:stft_vjp"}, TypeError, r"vjp_fn must be callable or None"),
    ({"rtol": -1.0}, ValueError, r"rtol must be a finite real number >= 0, got -1\.0"),
    # an infinite tolerance passes every implementation: a check that cannot fail
    ({"rtol": np.inf}, ValueError, r"rtol must be a finite real number >= 0, got inf"),
    ({"atol": "0"}, TypeError, r"atol must be a finite real number >= 0, got '0'"),
    ({"cases": "no-such-case-*"}, ValueError, r"match no golden case"),
    ({"families": ["interior", "outer"]}, ValueError, r"families must be names among 'interior', 'edge'"),
    ({"profile": "float16"}, ValueError, r"profile must be one of 'float64', 'float32'; got 'float16'"),
    ({"supported": {"phase": ["begin"]}}, ValueError,
     r"supported\['phase'\] values must be one of 'absolute', 'center', 'start'; got 'begin'"),
    ({"supported": "hann"}, TypeError, r"supported must be a mapping"),
]


@pytest.mark.parametrize("options, error, match", CHECK_CASES)
def test_conformance_check_rejects(options, error, match):
    args = {"stft_fn": dstft_np.stft, **options}
    expect(error, match, lambda: dstft_np.conformance.check(args.pop("stft_fn"), **args))
