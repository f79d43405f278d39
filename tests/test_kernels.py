"""dstft_np/_kernels: the fast paths against the plain references.

- Rotation recurrences (cosine-sum windows, Fourier factors of the per-cell
  kernels) against tests/naive.py at a realistic n_fft (1024), where their
  rounding error, at most about (N + 1)·ε per run, would show first.
- The frame path split into chunks on a thread pool (and on one thread, in
  the calling thread), against naive.py and stft_partials frame by frame
  (each frame is independent).
- The VJP for every window, norm and θ shape, by the dot-product identity
  against stft_partials (which test_transform_derivatives checks by finite
  differences), and float32 against float64.

(A fit's fused value and gradient: tests/test_engine.py.)
"""

import itertools

import numpy as np
import pytest

import dstft_np
from dstft_np import _engine
from dstft_np._options import NORMS, WINDOWS

from . import naive
from .grids import theta_cases
from .tolerance import assert_close, tolerance

RTOL = tolerance("reference")


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
        assert_close(S, reference, RTOL, f"{label} θ, {window}, N={n_fft}")


@pytest.mark.parametrize("thread_count", [None, 1], indirect=True)
def test_frame_path_in_several_chunks_matches_naive(rng, thread_count):
    """T = 1201 frames of N = 256: more frames than one task holds (2**17 samples); the tasks on the thread
    pool, and in the calling thread (one thread)."""
    n_fft, n_samples = 256, 1200
    positions = np.arange(n_samples + 1) + 0.375
    n_chunk = _engine.TASK_SAMPLES // n_fft
    assert positions.size > 2 * n_chunk
    x = rng.standard_normal(n_samples)
    theta = rng.uniform(20.0, n_fft, (1, positions.size))
    picked = np.array([0, n_chunk - 1, n_chunk, 2 * n_chunk - 1, 2 * n_chunk, positions.size - 1])
    S = dstft_np.stft(x, theta, positions, n_fft=n_fft, phase="start")
    reference = naive.stft(x, theta[:, picked], positions[picked], n_fft, phase="start")
    assert_close(S[:, picked], reference, RTOL, "frames at chunk borders")

    G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    grad_win, grad_pos = dstft_np.stft_vjp(x, theta, positions, G, n_fft=n_fft, phase="start")
    _, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta[:, picked], positions[picked], n_fft=n_fft,
                                                 phase="start")
    np.testing.assert_allclose(grad_win[0, picked], np.sum(np.real(np.conj(G[:, picked]) * dS_dwin), axis=0),
                               rtol=RTOL, atol=0, err_msg="grad_win at chunk borders")
    np.testing.assert_allclose(grad_pos[picked], np.sum(np.real(np.conj(G[:, picked]) * dS_dpos), axis=0),
                               rtol=RTOL, atol=0, err_msg="grad_pos at chunk borders")


@pytest.mark.slow
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
    assert_close(S[:, picked], reference, RTOL, "frames whose window edge rounds onto a sample")
    G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    grad_win, _ = dstft_np.stft_vjp(x, np.full((1, positions.size), theta), positions, G, n_fft=n_fft)
    _, dS_dwin, _ = dstft_np.stft_partials(x, theta, positions[picked], n_fft=n_fft)
    np.testing.assert_allclose(grad_win[0, picked], np.sum(np.real(np.conj(G[:, picked]) * dS_dwin), axis=0),
                               rtol=RTOL, atol=0, err_msg="grad_win where the window edge rounds onto a sample")


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
        assert_close(S32, S64, tolerance("derivative", np.float32), f"S, {label} θ, {window}")
        G = rng.standard_normal(S64.shape) + 1j * rng.standard_normal(S64.shape)
        grads64 = dstft_np.stft_vjp(x, theta, positions, G, **kwargs)
        grads32 = dstft_np.stft_vjp(x.astype(np.float32), theta, positions, G.astype(np.complex64), **kwargs)
        for g32, g64, name in zip(grads32, grads64, ("grad_win", "grad_pos")):
            assert_close(g32, g64, tolerance("derivative", np.float32), f"{name}, {label} θ, {window}")
