"""The fast paths of the kernels against the plain references.

- Rotation recurrences (cosine-sum windows, Fourier factors of the per-cell
  kernels) against tests/naive.py at a realistic n_fft (1024), where their
  rounding error, at most about (N + 1)·ε per run, would show first.
- The frame path split into chunks on a thread pool, against naive.py and
  stft_partials frame by frame (each frame is independent).
- The VJP for every window, norm and θ shape, by the dot-product identity
  against stft_partials (which test_derivatives checks by finite
  differences), and float32 against float64.
- A fit's fused value and gradient (the loss's per-frame sums inside the
  transform's passes) against the route through Y: stft, the loss
  function, magnitude_vjp, stft_vjp; its fallback where the sums leave
  their range; its work arrays reused between evaluations.
- Importing the package imports no Numba; the finiteness check's one-pass
  sum does not mistake an overflowing sum of finite values for inf.
"""

import itertools
import subprocess
import sys
import pathlib

import numpy as np
import pytest

import dstft_np
from dstft_np import _engine, losses
from dstft_np.objective import Objective
from dstft_np._validation import check_finite

from . import naive
from .test_transform import NORMS, WINDOWS, assert_close_to

ROOT = pathlib.Path(__file__).resolve().parents[1]
RTOL = 1e-10


@pytest.mark.parametrize("window", WINDOWS)
def test_large_n_fft_matches_naive(rng, window):
    """N = 1024: per-cell θ from 8 samples to N, and per-frame θ; non-integer positions, phase "center"."""
    n_fft = 1024
    n_bins = n_fft // 2 + 1
    x = rng.standard_normal(1500)
    positions = np.array([-300.25, 10.5, 700.0, 1222.75])
    for label, theta in (("per-cell", rng.uniform(8.0, n_fft, (n_bins, positions.size))),
                         ("per-frame", rng.uniform(8.0, n_fft, (1, positions.size)))):
        S = dstft_np.stft(x, theta, positions, n_fft=n_fft, window=window, phase="center")
        reference = naive.stft(x, theta, positions, n_fft, window, phase="center")
        assert_close_to(S, reference, RTOL, f"{label} θ, {window}, N={n_fft}")


def test_frame_path_in_several_chunks_matches_naive(rng):
    """T = 1201 frames of N = 256: more frames than one task holds (2**17 samples)."""
    n_fft, n_samples = 256, 1200
    positions = np.arange(n_samples + 1) + 0.375
    n_chunk = _engine.TASK_SAMPLES // n_fft
    assert positions.size > 2 * n_chunk
    x = rng.standard_normal(n_samples)
    theta = rng.uniform(20.0, n_fft, (1, positions.size))
    picked = np.array([0, n_chunk - 1, n_chunk, 2 * n_chunk - 1, 2 * n_chunk, positions.size - 1])
    S = dstft_np.stft(x, theta, positions, n_fft=n_fft, phase="start")
    reference = naive.stft(x, theta[:, picked], positions[picked], n_fft, phase="start")
    assert_close_to(S[:, picked], reference, RTOL, "frames at chunk borders")

    G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    grad_win, grad_pos = dstft_np.stft_vjp(x, theta, positions, G, n_fft=n_fft, phase="start")
    _, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta[:, picked], positions[picked], n_fft=n_fft,
                                                 phase="start")
    np.testing.assert_allclose(grad_win[0, picked], np.sum(np.real(np.conj(G[:, picked]) * dS_dwin), axis=0),
                               rtol=RTOL, atol=0, err_msg="grad_win at chunk borders")
    np.testing.assert_allclose(grad_pos[picked], np.sum(np.real(np.conj(G[:, picked]) * dS_dpos), axis=0),
                               rtol=RTOL, atol=0, err_msg="grad_pos at chunk borders")



def test_window_edge_rounding_onto_a_sample_in_some_frames(rng):
    """θ one ulp below 500 at integer t_n: t_n + θ/2 rounds up to a sample for large t_n only.

    Frames that share θ and k_lo - t_n share their window values; the run
    of samples under the window is then one sample longer in some of them.
    """
    n_fft, n_samples, hop = 1000, 25000, 100
    theta = np.nextafter(500.0, 0.0)
    positions = np.arange(0.0, n_samples + 1, hop)
    counts = np.floor(positions + theta / 2) - np.ceil(positions - theta / 2) + 1
    assert np.unique(counts).size > 1, "the case must mix sample counts"
    x = rng.standard_normal(n_samples)
    picked = np.flatnonzero(np.diff(counts)) + np.array([[0], [1]])   # the frames on both sides of each change
    picked = np.unique(np.concatenate([picked.ravel(), [positions.size - 1]]))
    S = dstft_np.stft(x, theta, positions, n_fft=n_fft)
    reference = naive.stft(x, theta, positions[picked], n_fft)
    assert_close_to(S[:, picked], reference, RTOL, "frames whose window edge rounds onto a sample")
    G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    grad_win, _ = dstft_np.stft_vjp(x, np.full((1, positions.size), theta), positions, G, n_fft=n_fft)
    _, dS_dwin, _ = dstft_np.stft_partials(x, theta, positions[picked], n_fft=n_fft)
    np.testing.assert_allclose(grad_win[0, picked], np.sum(np.real(np.conj(G[:, picked]) * dS_dwin), axis=0),
                               rtol=RTOL, atol=0, err_msg="grad_win where the window edge rounds onto a sample")

def theta_cases(rng, n_bins, n_frames, n_fft):
    return {
        "scalar": 0.6 * n_fft + 0.3,
        "per-frame": rng.uniform(8.0, n_fft, (1, n_frames)),
        "per-cell": rng.uniform(8.0, n_fft, (n_bins, n_frames)),
    }


@pytest.mark.parametrize("window, norm", list(itertools.product(WINDOWS, NORMS)))
def test_vjp_dot_product_identity_every_window(rng, window, norm):
    """<G, J v> = <Jᴴ G, v> with J from stft_partials, N = 512, phases "absolute" and "center"."""
    n_fft = 512
    n_bins = n_fft // 2 + 1
    x = rng.standard_normal(2000)
    positions = np.array([-100.5, 3.25, 640.0, 1300.6, 1999.5])
    for phase, (label, theta) in itertools.product(("absolute", "center"),
                                                   theta_cases(rng, n_bins, positions.size, n_fft).items()):
        kwargs = dict(n_fft=n_fft, window=window, norm=norm, phase=phase)
        _, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta, positions, **kwargs)
        G = rng.standard_normal(dS_dwin.shape) + 1j * rng.standard_normal(dS_dwin.shape)
        grad_win, grad_pos = dstft_np.stft_vjp(x, theta, positions, G, **kwargs)
        v_theta, v_pos = rng.standard_normal(np.shape(theta)), rng.standard_normal(positions.shape)
        lhs = np.sum(np.real(np.conj(G) * (dS_dwin * v_theta + dS_dpos * v_pos)))
        rhs = np.sum(grad_win * v_theta) + np.sum(grad_pos * v_pos)
        np.testing.assert_allclose(rhs, lhs, rtol=RTOL, err_msg=f"{label} θ, {window=}, {norm=}, {phase=}")


@pytest.mark.parametrize("window", WINDOWS)
def test_float32_fast_paths_agree_with_float64(rng, window):
    n_fft = 512
    n_bins = n_fft // 2 + 1
    x = rng.standard_normal(2000)
    positions = np.array([3.25, 640.0, 1300.6])
    for label, theta in theta_cases(rng, n_bins, positions.size, n_fft).items():
        kwargs = dict(n_fft=n_fft, window=window, phase="center")
        S64 = dstft_np.stft(x, theta, positions, **kwargs)
        S32 = dstft_np.stft(x.astype(np.float32), theta, positions, **kwargs)
        assert S32.dtype == np.complex64
        assert_close_to(S32, S64, 1e-4, f"S, {label} θ, {window}")
        G = rng.standard_normal(S64.shape) + 1j * rng.standard_normal(S64.shape)
        grads64 = dstft_np.stft_vjp(x, theta, positions, G, **kwargs)
        grads32 = dstft_np.stft_vjp(x.astype(np.float32), theta, positions, G.astype(np.complex64), **kwargs)
        for g32, g64, name in zip(grads32, grads64, ("grad_win", "grad_pos")):
            assert_close_to(g32, g64, 1e-4, f"{name}, {label} θ, {window}")


def test_import_loads_no_numba_and_no_scipy():
    """Numba and SciPy are imported at the first transform, not by `import dstft_np`."""
    code = "import sys, dstft_np; print(sorted(m for m in ('numba', 'scipy') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_finite_check_handles_overflowing_sums():
    """Finite values whose sum overflows pass; a NaN or an inf anywhere is caught."""
    check_finite(np.array([1e308, 1e308, -1e308]), "x")
    check_finite(np.array([1e308 + 1e308j, 1e308 + 0j]), "x")
    for bad in (np.array([1.0, np.nan]), np.array([np.inf, -np.inf]), np.array([0j, complex(0, np.inf)])):
        with pytest.raises(ValueError, match="x must be finite; it contains NaN or inf"):
            check_finite(bad, "x")


def route_through_y(x, theta, positions, loss, p, phase, n_fft):
    """L(|S|^p) and its gradients by the public functions, Y and G formed."""
    S = dstft_np.stft(x, theta, positions, n_fft=n_fft, phase=phase)
    Y = losses.magnitude(S, p)
    value, dL_dY = loss(Y)
    G = losses.magnitude_vjp(S, dL_dY, p)
    return (value, *dstft_np.stft_vjp(x, theta, positions, G, n_fft=n_fft, phase=phase))


def fused(x, theta, positions, loss, p, phase, n_fft, work=None):
    """L(|S|^p) and its gradients by _engine.loss_value_and_grad, the route of a fit."""
    signal = _engine.prepare_signal(x, n_fft=n_fft, window="hann", norm="area", phase=phase)
    plan = _engine.set_frames(signal, np.asarray(theta, dtype=float), positions, keep_cells=True)
    result = _engine.loss_value_and_grad(plan, loss.frame_sums, p, work)
    if result is None:
        return None
    value, grad_win, grad_pos = result
    return (value, _engine.reduce_to(grad_win, plan, np.shape(theta)),
            _engine.reduce_to(grad_pos, plan, positions.shape))


FUSED_LOSSES = {"entropy": losses.shannon_entropy, "frame-entropy": losses.frame_entropy,
                "renyi": losses.renyi_entropy}


@pytest.mark.parametrize("loss_name, p, phase", [(name, p, phase) for name in FUSED_LOSSES for p, phase in
                                                 ((1.0, "absolute"), (2.0, "center"), (1.5, "start"))])
def test_fused_value_and_gradient_match_the_route_through_y(rng, loss_name, p, phase):
    """Constant, per-frame and per-cell θ, non-integer positions reaching past both ends, N = 256."""
    n_fft = 256
    loss = FUSED_LOSSES[loss_name]
    x = rng.standard_normal(3000)
    positions = np.sort(rng.uniform(-60.0, 3060.0, 40))
    for label, theta in theta_cases(rng, n_fft // 2 + 1, positions.size, n_fft).items():
        what = f"{label} θ, {loss_name}, p={p}, {phase}"
        expected = route_through_y(x, theta, positions, loss, p, phase, n_fft)
        got = fused(x, theta, positions, loss, p, phase, n_fft)
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-12, atol=0, err_msg=what)
        assert_close_to(got[1], expected[1], 1e-10, f"grad_win, {what}")
        assert_close_to(got[2], expected[2], 1e-10, f"grad_pos, {what}")
        got32 = fused(x.astype(np.float32), theta, positions, loss, p, phase, n_fft)
        np.testing.assert_allclose(got32[0], expected[0], rtol=1e-5, atol=0, err_msg=f"float32, {what}")
        assert_close_to(got32[1], expected[1], 1e-4, f"float32 grad_win, {what}")
        assert_close_to(got32[2], expected[2], 1e-4, f"float32 grad_pos, {what}")


def test_fused_route_declines_where_the_loss_would_rescale(rng):
    """x = 1e305: ΣY beyond max/1024, so the fit takes the route through Y, whose losses rescale Y."""
    n_fft = 128
    x = 1e305 * rng.standard_normal(1000)
    positions = np.arange(0.0, 1001.0, 50.0)
    assert fused(x / 1e305, 100.3, positions, losses.shannon_entropy, 1.0, "absolute", n_fft) is not None
    assert fused(x, 100.3, positions, losses.shannon_entropy, 1.0, "absolute", n_fft) is None
    model = dstft_np.DSTFT(n_fft, 50, 100.3)
    value, grads = Objective(model, x).value_and_grad(model.parameters())
    expected = route_through_y(x, 100.3, positions, losses.shannon_entropy, 1.0, "absolute", n_fft)
    np.testing.assert_allclose(value, expected[0], rtol=1e-12)
    np.testing.assert_allclose(grads["win_length"], expected[1], rtol=1e-9)


def test_fused_work_arrays_hold_nothing_between_evaluations(rng):
    """One workspace for evaluations at two θ maps gives what fresh arrays give, per frame and per cell."""
    n_fft = 128
    x = rng.standard_normal(1500)
    positions = np.arange(0.0, 1501.0, 64.0)
    for shape in ((1, positions.size), (n_fft // 2 + 1, positions.size)):
        work = _engine.Workspace()
        for theta in (rng.uniform(20.0, n_fft, shape), rng.uniform(20.0, n_fft, shape)):
            reused = fused(x, theta, positions, losses.frame_entropy, 1.0, "center", n_fft, work)
            fresh = fused(x, theta, positions, losses.frame_entropy, 1.0, "center", n_fft)
            for a, b in zip(reused, fresh):
                np.testing.assert_array_equal(a, b, err_msg=f"θ of shape {shape}")
