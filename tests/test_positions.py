"""The frame positions: frame_positions, positions_from_hops and their VJPs."""

import numpy as np
import pytest

import dstft_np

from .gradcheck import central_difference
from .grids import N_FFT
from .inputs import assert_accepts_layouts, assert_same_results
from .tolerance import FD_STEP, tolerance


# ---------------------------------------------------------------- bad input

FRAME_POSITION_CASES = [
    ("n_samples-zero", (0, 4), ValueError, r"n_samples must be an integer >= 1, got 0"),
    ("n_samples-negative", (-10, 4), ValueError, r"n_samples must be an integer >= 1, got -10"),
    ("n_samples-float", (100.0, 4), TypeError, r"n_samples must be an integer >= 1, got 100\.0"),
    ("n_samples-fraction", (10.5, 4), TypeError, r"n_samples must be an integer >= 1, got 10\.5"),
    ("n_samples-bool", (True, 4), TypeError, r"n_samples must be an integer >= 1, got True"),
    ("hop-zero", (100, 0), ValueError, r"hop_length must be a positive finite number of samples, got 0"),
    ("hop-negative", (100, -2.5), ValueError, r"hop_length must be a positive finite number of samples, got -2\.5"),
    ("hop-nan", (100, np.nan), ValueError, r"hop_length must be finite"),
    ("hop-inf", (100, np.inf), ValueError, r"hop_length must be finite"),
    ("hop-complex", (100, 4j), TypeError, r"hop_length must be a real number"),
    ("hop-string", (100, "4"), TypeError, r"hop_length must be a real number"),
    ("hop-bool", (100, True), TypeError, r"hop_length must be a real number"),
    ("hop-array", (100, np.array([4, 5])), TypeError, r"hop_length must be a real number"),
]


@pytest.mark.parametrize("case, args, error, match", FRAME_POSITION_CASES, ids=[c[0] for c in FRAME_POSITION_CASES])
def test_frame_positions_rejects(case, args, error, match):
    with pytest.raises(error, match=match):
        dstft_np.frame_positions(*args)


HOPS_CASES = [
    ("hops-nan", ([4.0, np.nan], 0.0), ValueError, r"hops must be finite"),
    ("hops-inf", ([np.inf], 0.0), ValueError, r"hops must be finite"),
    ("hops-zero", ([4.0, 0.0], 0.0), ValueError, r"hops must be > 0, got 0\.0"),
    ("hops-negative", ([-1.5], 0.0), ValueError, r"hops must be > 0, got -1\.5"),
    ("hops-0d", (4.0, 0.0), ValueError, r"hops must have shape \(\.\.\., T-1\), got a 0-d array"),
    ("hops-complex", ([4.0 + 1j], 0.0), TypeError, r"hops must be real, got complex"),
    ("hops-strings", (["4"], 0.0), TypeError, r"hops must be a real numeric array"),
    ("t0-nan", ([4.0], np.nan), ValueError, r"t0 must be finite"),
    ("t0-inf", ([4.0], -np.inf), ValueError, r"t0 must be finite"),
    ("t0-complex", ([4.0], 1j), TypeError, r"t0 must be a real number"),
    ("t0-string", ([4.0], "0"), TypeError, r"t0 must be a real number"),
    ("t0-array", ([4.0], np.array([0.0, 1.0])), TypeError, r"t0 must be a real number"),
]


@pytest.mark.parametrize("case, args, error, match", HOPS_CASES, ids=[c[0] for c in HOPS_CASES])
def test_positions_from_hops_rejects(case, args, error, match):
    with pytest.raises(error, match=match):
        dstft_np.positions_from_hops(*args)


GRAD_POSITION_CASES = [
    ("nan", [1.0, np.nan], ValueError, r"grad_positions must be finite"),
    ("inf", [np.inf, 1.0], ValueError, r"grad_positions must be finite"),
    ("0d", 1.0, ValueError, r"grad_positions must have shape \(\.\.\., T\), got a 0-d array"),
    ("no-frames", np.zeros((2, 0)), ValueError, r"grad_positions must hold at least one frame"),
    ("complex", [1.0 + 1j], TypeError, r"grad_positions must be real, got complex"),
    ("strings", ["a"], TypeError, r"grad_positions must be a real numeric array"),
]


@pytest.mark.parametrize("case, grad, error, match", GRAD_POSITION_CASES, ids=[c[0] for c in GRAD_POSITION_CASES])
@pytest.mark.parametrize("func", (dstft_np.positions_from_hops_vjp, dstft_np.frame_positions_vjp))
def test_hop_vjps_reject(case, grad, error, match, func):
    with pytest.raises(error, match=match):
        func(grad)


@pytest.mark.parametrize("func", (dstft_np.positions_from_hops, dstft_np.positions_from_hops_vjp,
                                  dstft_np.frame_positions_vjp))
def test_positions_accept_any_layout_and_never_modify_it(rng, func):
    values = rng.uniform(0.5, 10.0, (3, 6))
    assert_accepts_layouts(func, values, func(values), func.__name__)
    integer = rng.integers(1, 10, (3, 6))
    assert_same_results(func(integer), func(integer.astype(float)), f"{func.__name__}: integer")


# ---------------------------------------------------------------- values and derivatives

def test_positions_from_hops_is_a_cumulative_sum(rng):
    hops = rng.uniform(1, 50, (3, 7))
    positions = dstft_np.positions_from_hops(hops, t0=-4.5)
    expected = np.empty((3, 8))
    for b in range(3):
        expected[b, 0] = -4.5
        for n in range(1, 8):
            expected[b, n] = expected[b, n - 1] + hops[b, n - 1]
    np.testing.assert_allclose(positions, expected, rtol=1e-14)


def test_positions_from_hops_vjp_matches_finite_differences(rng):
    """Linear map, so central differences (step 0.5, width 1) are exact up to rounding."""
    hops = rng.uniform(1, 50, 6)
    grad_pos = rng.standard_normal(7)
    grad_hops = dstft_np.positions_from_hops_vjp(grad_pos)
    fd = [central_difference(lambda h: dstft_np.positions_from_hops(h) @ grad_pos, hops, unit, 0.5)
          for unit in np.eye(6)]
    np.testing.assert_allclose(grad_hops, fd, rtol=1e-12, atol=1e-12)


def test_constant_hop_gradient_is_frame_weighted_sum(rng):
    """t_n = n·h: ∂L/∂h = Σ_n n ∂L/∂t_n (DESIGN.md §3), by finite differences through the transform."""
    x = rng.standard_normal(400)
    n_frames = 9
    hop = 41.3

    def loss(h):
        S = dstft_np.stft(x, 50.5, np.arange(n_frames) * h, n_fft=N_FFT)
        return np.sum(np.abs(S) ** 2)

    S = dstft_np.stft(x, 50.5, np.arange(n_frames) * hop, n_fft=N_FFT)
    _, grad_pos = dstft_np.stft_vjp(x, 50.5, np.arange(n_frames) * hop, 2 * S, n_fft=N_FFT)
    fd = central_difference(loss, hop, 1.0, FD_STEP)
    rtol = tolerance("finite-difference")
    np.testing.assert_allclose(np.sum(np.arange(n_frames) * grad_pos), fd, rtol=rtol)
    np.testing.assert_allclose(dstft_np.frame_positions_vjp(grad_pos), fd, rtol=rtol,
                               err_msg="frame_positions_vjp is that weighted sum")
    batched = dstft_np.frame_positions_vjp(np.stack([grad_pos, 2 * grad_pos]))
    np.testing.assert_allclose(batched, [fd, 2 * fd], rtol=rtol, err_msg="one hop per leading batch entry")
