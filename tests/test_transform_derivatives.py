"""stft_partials and stft_vjp: the partials against central finite differences, the VJP against the partials.

Finite differences: step FD_STEP = 1e-5 samples in θ and t_n, float64, to
tolerance("finite-difference") = 1e-6, norm-wise (max |fd - exact| <= 1e-6 ·
max |exact|); tests/tolerance.py states the basis. Test points avoid the
window edges crossing a sample within ±FD_STEP (non-integer θ), where the
Gaussian window jumps and Hann/Blackman are only C¹.

VJP: the identity <G, J v> = <Jᴴ G, v> (real inner products, J v from the
partials) to tolerance("adjoint") = 1e-10.
"""

import itertools

import numpy as np
import pytest

import dstft_np
from dstft_np._options import NORMS, PHASES, WINDOWS

from .gradcheck import stft_difference
from .grids import N_BINS, N_FFT, POSITIONS, theta_shapes
from .tolerance import FD_STEP, assert_close, tolerance


def jvp_from_partials(dS_dwin, dS_dpos, v_theta, v_pos):
    """J v = ∂S/∂θ · v_θ (broadcast to (..., F, T)) + ∂S/∂t_n · v_t[..., None, :]."""
    return dS_dwin * v_theta + dS_dpos * np.asarray(v_pos)[..., None, :]


@pytest.mark.parametrize("phase, norm, window", list(itertools.product(PHASES, NORMS, WINDOWS)))
def test_partials_match_central_differences(rng, phase, norm, window):
    x = rng.standard_normal(301)
    kwargs = dict(n_fft=N_FFT, window=window, norm=norm, phase=phase)
    for label, theta in theta_shapes(rng, POSITIONS.size).items():
        S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta, POSITIONS, **kwargs)
        ones_theta, ones_pos = np.ones(np.shape(theta)), np.ones(POSITIONS.shape)
        # every element at once: S[m, n] depends on θ[m, n] and t_n only
        if label in ("scalar", "per-cell"):
            fd_win = stft_difference(x, theta, POSITIONS, ones_theta, 0 * ones_pos, FD_STEP, **kwargs)
            assert_close(fd_win, dS_dwin, tolerance("finite-difference"), f"∂S/∂θ, {label} θ")
        fd_pos = stft_difference(x, theta, POSITIONS, 0 * ones_theta, ones_pos, FD_STEP, **kwargs)
        assert_close(fd_pos, dS_dpos, tolerance("finite-difference"), f"∂S/∂t, {label} θ")
        # seeded random directions in both arguments together
        v_theta, v_pos = rng.standard_normal(np.shape(theta)), rng.standard_normal(POSITIONS.shape)
        fd = stft_difference(x, theta, POSITIONS, v_theta, v_pos, FD_STEP, **kwargs)
        exact = jvp_from_partials(dS_dwin, dS_dpos, v_theta, v_pos)
        assert_close(fd, exact, tolerance("finite-difference"), f"random direction, {label} θ")


@pytest.mark.parametrize("theta", [8.3, 12.7, N_FFT - 0.4, N_FFT - 1e-3])
@pytest.mark.parametrize("phase", PHASES)
def test_partials_at_small_and_nearly_full_window_lengths(rng, theta, phase):
    """θ ≈ 8 samples and θ just below n_fft (the support reaches N + 1 samples)."""
    x = rng.standard_normal(200)
    positions = np.array([-5.5, 0.25, 3.0, 99.9, 196.6, 204.1])
    kwargs = dict(n_fft=N_FFT, phase=phase)
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta, positions, **kwargs)
    fd_win = stft_difference(x, theta, positions, 1.0, np.zeros(positions.size), FD_STEP, **kwargs)
    fd_pos = stft_difference(x, theta, positions, 0.0, np.ones(positions.size), FD_STEP, **kwargs)
    assert_close(fd_win, dS_dwin, tolerance("finite-difference"), "")
    assert_close(fd_pos, dS_dpos, tolerance("finite-difference"), "")


def test_partials_of_frames_beyond_the_signal_are_zero(rng):
    """Frames that reach no sample: S and both partials are exactly zero."""
    x = rng.standard_normal(100)
    positions = np.array([-N_FFT, -40.5, 140.5, 1e9])
    for theta in (60.0, rng.uniform(8, 60, (N_BINS, positions.size))):
        outputs = dstft_np.stft_partials(x, theta, positions, n_fft=N_FFT, phase="center")
        for name, value in zip(("S", "dS_dwin", "dS_dpos"), outputs):
            np.testing.assert_array_equal(value, 0.0, err_msg=name)


@pytest.mark.parametrize("phase, norm", list(itertools.product(PHASES, NORMS)))
def test_vjp_dot_product_identity(rng, phase, norm):
    """<G, J v> = <Jᴴ G, v> for every θ shape, with batch axes on x and on θ."""
    kwargs = dict(n_fft=N_FFT, norm=norm, phase=phase)
    x = rng.standard_normal((2, 301))
    positions = POSITIONS + rng.uniform(-0.5, 0.5, POSITIONS.size)
    cases = dict(theta_shapes(rng, POSITIONS.size))
    cases["batched per-cell"] = rng.uniform(5, N_FFT, (2, N_BINS, POSITIONS.size))
    cases["(F, T) equal along frequency"] = np.repeat(cases["per-frame"], N_BINS, axis=0)
    for label, theta in cases.items():
        S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta, positions, **kwargs)
        G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
        grad_win, grad_pos = dstft_np.stft_vjp(x, theta, positions, G, **kwargs)
        assert grad_win.shape == np.shape(theta), label
        assert grad_pos.shape == positions.shape, label
        v_theta, v_pos = rng.standard_normal(np.shape(theta)), rng.standard_normal(positions.shape)
        lhs = np.sum(np.real(np.conj(G) * jvp_from_partials(dS_dwin, dS_dpos, v_theta, v_pos)))
        rhs = np.sum(grad_win * v_theta) + np.sum(grad_pos * v_pos)
        np.testing.assert_allclose(rhs, lhs, rtol=tolerance("adjoint"), err_msg=f"{label} θ, {phase=}, {norm=}")


def test_vjp_with_batched_positions_reduces_to_their_shape(rng):
    """positions (3, T) against x (K,): grad_pos keeps (3, T); a scalar θ gets a scalar gradient."""
    x = rng.standard_normal(250)
    positions = np.stack([POSITIONS, POSITIONS + 2.5, POSITIONS - 11.1])
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, 30.5, positions, n_fft=N_FFT, phase="start")
    G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    grad_win, grad_pos = dstft_np.stft_vjp(x, 30.5, positions, G, n_fft=N_FFT, phase="start")
    assert grad_win.shape == () and grad_pos.shape == positions.shape
    np.testing.assert_allclose(grad_win, np.sum(np.real(np.conj(G) * dS_dwin)), rtol=tolerance("adjoint"))
    np.testing.assert_allclose(grad_pos, np.sum(np.real(np.conj(G) * dS_dpos), axis=-2), rtol=tolerance("adjoint"))


def test_vjp_float32_agrees_with_float64(rng):
    x = rng.standard_normal(300)
    for label, theta in theta_shapes(rng, POSITIONS.size).items():
        S = dstft_np.stft(x, theta, POSITIONS, n_fft=N_FFT)
        G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
        grads64 = dstft_np.stft_vjp(x, theta, POSITIONS, G, n_fft=N_FFT)
        grads32 = dstft_np.stft_vjp(x.astype(np.float32), theta, POSITIONS, G.astype(np.complex64), n_fft=N_FFT)
        for g32, g64, name in zip(grads32, grads64, ("grad_win", "grad_pos")):
            assert_close(g32, g64, tolerance("derivative", np.float32), f"{name}, {label} θ")
