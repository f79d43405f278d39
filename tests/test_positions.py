"""The frame positions: frame_positions, positions_from_hops and their VJPs."""

import numpy as np
import pytest

import dstft_np

from .inputs import assert_accepts_layouts, assert_same_results


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
