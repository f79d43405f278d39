"""stft_jvp against central differences and against stft_vjp (inner-product identity).

Finite differences: gradcheck.stft_difference, the directional central
difference of S (step FD_STEP = 1e-5 samples in θ and t_n, float64, to
tolerance("finite-difference") = 1e-6 norm-wise; tests/tolerance.py states
its error budget), along seeded random directions (v_θ, v_t) drawn together,
for every shape θ can take. Test points use non-integer θ and t_n so that
no window edge crosses a sample within ±FD_STEP.

Transpose: ⟨G, J v⟩ = Σ Re(conj(G) · stft_jvp(v)) must equal
⟨Jᴴ G, v⟩ = Σ grad_win · v_θ + Σ grad_pos · v_t from stft_vjp, to tolerance("adjoint") = 1e-10.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dstft_np
from dstft_np._options import NORMS, PHASES, WINDOWS

from .gradcheck import stft_difference
from .grids import N_BINS, N_FFT, POSITIONS, SETTINGS, cases, describe, options, theta_shapes
from .tolerance import FD_STEP, allowance, assert_close, tolerance


def all_theta_shapes(rng, n_frames):
    """Every way θ broadcasts: scalar, (1, T), (T,), (F, 1), (F, T) and a batched (3, F, T)."""
    cases = dict(theta_shapes(rng, n_frames))
    cases["per-frame (T,)"] = rng.uniform(5.0, N_FFT, n_frames)
    cases["batched per-cell"] = rng.uniform(5.0, N_FFT, (3, N_BINS, n_frames))
    return cases


@pytest.mark.parametrize("phase, norm, window", list(itertools.product(PHASES, NORMS, WINDOWS)))
def test_jvp_matches_central_differences(rng, phase, norm, window):
    x = rng.standard_normal(301)
    kwargs = dict(n_fft=N_FFT, window=window, norm=norm, phase=phase)
    for label, theta in all_theta_shapes(rng, POSITIONS.size).items():
        v_theta = rng.standard_normal(np.shape(theta))
        v_pos = rng.standard_normal(POSITIONS.shape)
        dS = dstft_np.stft_jvp(x, theta, POSITIONS, v_theta, v_pos, **kwargs)
        fd = stft_difference(x, theta, POSITIONS, v_theta, v_pos, FD_STEP, **kwargs)
        assert dS.shape == fd.shape, label
        assert_close(fd, dS, tolerance("finite-difference"), f"{label} θ, {phase=}, {norm=}, {window=}")


@pytest.mark.parametrize("phase, norm", list(itertools.product(PHASES, NORMS)))
def test_jvp_is_the_transpose_of_the_vjp(rng, phase, norm):
    """⟨G, J v⟩ = ⟨Jᴴ G, v⟩ for every θ shape, with batch axes on x and positions."""
    kwargs = dict(n_fft=N_FFT, norm=norm, phase=phase)
    x = rng.standard_normal((2, 1, 301))
    positions = np.stack([POSITIONS + rng.uniform(-0.5, 0.5, POSITIONS.size) for _ in range(3)])
    for label, theta in all_theta_shapes(rng, POSITIONS.size).items():
        v_theta = rng.standard_normal(np.shape(theta))
        v_pos = rng.standard_normal(positions.shape)
        dS = dstft_np.stft_jvp(x, theta, positions, v_theta, v_pos, **kwargs)
        G = rng.standard_normal(dS.shape) + 1j * rng.standard_normal(dS.shape)
        grad_win, grad_pos = dstft_np.stft_vjp(x, theta, positions, G, **kwargs)
        lhs = np.sum(np.real(np.conj(G) * dS))
        rhs = np.sum(grad_win * v_theta) + np.sum(grad_pos * v_pos)
        np.testing.assert_allclose(lhs, rhs, rtol=tolerance("adjoint"), err_msg=f"{label} θ, {phase=}, {norm=}")


def test_jvp_along_one_frame_is_that_frames_column(rng):
    """v_t = e_n moves frame n only: dS is zero outside column n and equals its finite difference there."""
    x = rng.standard_normal(301)
    v_pos = np.zeros(POSITIONS.size)
    v_pos[4] = 1.0
    dS = dstft_np.stft_jvp(x, 40.3, POSITIONS, 0.0, v_pos, n_fft=N_FFT, phase="center")
    np.testing.assert_array_equal(np.delete(dS, 4, axis=-1), 0.0, err_msg="frames other than n = 4")
    fd = stft_difference(x, 40.3, POSITIONS, 0.0, v_pos, FD_STEP, n_fft=N_FFT, phase="center")
    assert_close(fd[:, 4], dS[:, 4], tolerance("finite-difference"), "")


def test_jvp_keeps_float32(rng):
    x = rng.standard_normal(300)
    theta = rng.uniform(8, N_FFT, (N_BINS, POSITIONS.size))
    v_theta, v_pos = rng.standard_normal(theta.shape), rng.standard_normal(POSITIONS.shape)
    dS64 = dstft_np.stft_jvp(x, theta, POSITIONS, v_theta, v_pos, n_fft=N_FFT)
    dS32 = dstft_np.stft_jvp(x.astype(np.float32), theta, POSITIONS, v_theta, v_pos, n_fft=N_FFT)
    assert dS32.dtype == np.complex64 and dS64.dtype == np.complex128
    assert_close(dS32, dS64, tolerance("derivative", np.float32), "")


def test_jvp_does_not_mutate_its_inputs(rng):
    x = rng.standard_normal(200)
    theta, positions = rng.uniform(8, N_FFT, (1, 4)), np.array([10.5, 60.0, 110.2, 150.0])
    v_theta, v_pos = rng.standard_normal(theta.shape), rng.standard_normal(positions.shape)
    copies = [a.copy() for a in (x, theta, positions, v_theta, v_pos)]
    dstft_np.stft_jvp(x, theta, positions, v_theta, v_pos, n_fft=N_FFT)
    for original, copy in zip((x, theta, positions, v_theta, v_pos), copies):
        np.testing.assert_array_equal(original, copy)


@pytest.mark.parametrize("tangent_win, tangent_pos, error, match", [
    (np.ones((1, 3)), np.ones(4), ValueError, r"tangent_win must have the shape of win_length, \(1, 4\), got \(1, 3\)"),
    (np.ones((1, 4)), np.ones(5), ValueError, r"tangent_pos must have the shape of positions, \(4,\), got \(5,\)"),
    (np.full((1, 4), np.nan), np.ones(4), ValueError, r"tangent_win must be finite"),
    (np.ones((1, 4)), np.full(4, np.inf), ValueError, r"tangent_pos must be finite"),
    (np.ones((1, 4)) * 1j, np.ones(4), TypeError, r"tangent_win must be real"),
    (np.ones((1, 4)), np.array(["a"] * 4), TypeError, r"tangent_pos must be a real numeric array"),
])
def test_jvp_rejects_bad_tangents(rng, tangent_win, tangent_pos, error, match):
    x = rng.standard_normal(200)
    with pytest.raises(error, match=match):
        dstft_np.stft_jvp(x, np.full((1, 4), 30.5), np.arange(4) * 50.0, tangent_win, tangent_pos,
                          n_fft=N_FFT)


def test_jvp_with_hop_length_is_the_jvp_on_the_default_grid(rng):
    """hop_length=h: t_n = n·h, n < 1 + K // h, and tangent_pos of that grid's shape (T,)."""
    x, hop = rng.standard_normal(300), 45.5
    grid = hop * np.arange(1 + int(300 // hop))
    theta = rng.uniform(10, N_FFT, (1, grid.size))
    v_theta, v_pos = rng.standard_normal(theta.shape), rng.standard_normal(grid.shape)
    dS = dstft_np.stft_jvp(x, theta, tangent_win=v_theta, tangent_pos=v_pos, hop_length=hop, n_fft=N_FFT,
                           phase="center")
    fd = stft_difference(x, theta, grid, v_theta, v_pos, FD_STEP, n_fft=N_FFT, phase="center")
    assert_close(dS, fd, tolerance("finite-difference"), "")
    with pytest.raises(ValueError, match=r"tangent_pos must have the shape of positions, \(7,\), got \(6,\)"):
        dstft_np.stft_jvp(x, theta, tangent_win=v_theta, tangent_pos=v_pos[:-1], hop_length=hop, n_fft=N_FFT)


# ---------------------------------------------------------------- property (hypothesis): linear in the tangents

@SETTINGS
@given(case=cases(), weights=st.tuples(st.floats(-3, 3), st.floats(-3, 3)))
def test_jvp_is_linear_in_the_tangents(case, weights):
    """dS(a v + b w) = a dS(v) + b dS(w) for random tangents of θ's and t's shapes."""
    a, b = weights
    rng = case["rng"]
    theta_shape, pos_shape = np.shape(case["win_length"]), np.shape(case["positions"])
    v = (rng.standard_normal(theta_shape), rng.standard_normal(pos_shape))
    w = (rng.standard_normal(theta_shape), rng.standard_normal(pos_shape))

    def jvp(tangent):
        return dstft_np.stft_jvp(case["x"], case["win_length"], case["positions"], *tangent, **options(case))

    combined = jvp((a * v[0] + b * w[0], a * v[1] + b * w[1]))
    dv, dw = jvp(v), jvp(w)
    scale = abs(a) * np.max(np.abs(dv), initial=0) + abs(b) * np.max(np.abs(dw), initial=0)
    assert_close(combined, a * dv + b * dw, allowance(case["x"].dtype, case["n_fft"]), describe(case), scale=scale)
