"""Closed-form derivatives against central finite differences, and the VJP against the partials.

Finite differences: step STEP = 1e-5 samples in θ and t_n, float64. The
central difference has a truncation error O(STEP²·S''') and a rounding error
O(eps·|S|/STEP) ≈ 1e-11·|S|, both far below the tolerance FD_RTOL = 1e-6
(norm-wise: max |fd - exact| <= FD_RTOL · max |exact|). Test points avoid
the window edges crossing a sample within ±STEP (non-integer θ), where the
Gaussian window jumps and Hann/Blackman are only C¹.

VJP: the identity <G, J v> = <Jᴴ G, v> (real inner products, J v from the
partials) to VJP_RTOL = 1e-10.
"""

import itertools

import numpy as np
import pytest

import dstft_np

from .test_transform import N_BINS, N_FFT, NORMS, PHASES, POSITIONS, WINDOWS, theta_shapes

STEP = 1e-5
FD_RTOL = 1e-6
VJP_RTOL = 1e-10


def norm_error(actual, reference):
    return np.max(np.abs(actual - reference)) / np.max(np.abs(reference))


def directional_fd(x, theta, positions, v_theta, v_pos, **kwargs):
    """(S(θ + h v_θ, t + h v_t) - S(θ - h v_θ, t - h v_t)) / 2h."""
    plus = dstft_np.stft(x, theta + STEP * v_theta, positions + STEP * v_pos, **kwargs)
    minus = dstft_np.stft(x, theta - STEP * v_theta, positions - STEP * v_pos, **kwargs)
    return (plus - minus) / (2 * STEP)


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
            fd_win = directional_fd(x, theta, POSITIONS, ones_theta, 0 * ones_pos, **kwargs)
            assert norm_error(fd_win, dS_dwin) <= FD_RTOL, f"∂S/∂θ, {label} θ"
        fd_pos = directional_fd(x, theta, POSITIONS, 0 * ones_theta, ones_pos, **kwargs)
        assert norm_error(fd_pos, dS_dpos) <= FD_RTOL, f"∂S/∂t, {label} θ"
        # seeded random directions in both arguments together
        v_theta, v_pos = rng.standard_normal(np.shape(theta)), rng.standard_normal(POSITIONS.shape)
        fd = directional_fd(x, theta, POSITIONS, v_theta, v_pos, **kwargs)
        exact = jvp_from_partials(dS_dwin, dS_dpos, v_theta, v_pos)
        assert norm_error(fd, exact) <= FD_RTOL, f"random direction, {label} θ"


@pytest.mark.parametrize("theta", [8.3, 12.7, N_FFT - 0.4, N_FFT - 1e-3])
@pytest.mark.parametrize("phase", PHASES)
def test_partials_at_small_and_nearly_full_window_lengths(rng, theta, phase):
    """θ ≈ 8 samples and θ just below n_fft (the support reaches N + 1 samples)."""
    x = rng.standard_normal(200)
    positions = np.array([-5.5, 0.25, 3.0, 99.9, 196.6, 204.1])
    kwargs = dict(n_fft=N_FFT, phase=phase)
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta, positions, **kwargs)
    fd_win = directional_fd(x, theta, positions, 1.0, np.zeros(positions.size), **kwargs)
    fd_pos = directional_fd(x, theta, positions, 0.0, np.ones(positions.size), **kwargs)
    assert norm_error(fd_win, dS_dwin) <= FD_RTOL
    assert norm_error(fd_pos, dS_dpos) <= FD_RTOL


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
        np.testing.assert_allclose(rhs, lhs, rtol=VJP_RTOL, err_msg=f"{label} θ, {phase=}, {norm=}")


def test_vjp_with_batched_positions_reduces_to_their_shape(rng):
    """positions (3, T) against x (K,): grad_pos keeps (3, T); a scalar θ gets a scalar gradient."""
    x = rng.standard_normal(250)
    positions = np.stack([POSITIONS, POSITIONS + 2.5, POSITIONS - 11.1])
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, 30.5, positions, n_fft=N_FFT, phase="start")
    G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    grad_win, grad_pos = dstft_np.stft_vjp(x, 30.5, positions, G, n_fft=N_FFT, phase="start")
    assert grad_win.shape == () and grad_pos.shape == positions.shape
    np.testing.assert_allclose(grad_win, np.sum(np.real(np.conj(G) * dS_dwin)), rtol=VJP_RTOL)
    np.testing.assert_allclose(grad_pos, np.sum(np.real(np.conj(G) * dS_dpos), axis=-2), rtol=VJP_RTOL)


def test_vjp_float32_agrees_with_float64(rng):
    x = rng.standard_normal(300)
    for label, theta in theta_shapes(rng, POSITIONS.size).items():
        S = dstft_np.stft(x, theta, POSITIONS, n_fft=N_FFT)
        G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
        grads64 = dstft_np.stft_vjp(x, theta, POSITIONS, G, n_fft=N_FFT)
        grads32 = dstft_np.stft_vjp(x.astype(np.float32), theta, POSITIONS, G.astype(np.complex64), n_fft=N_FFT)
        for g32, g64, name in zip(grads32, grads64, ("grad_win", "grad_pos")):
            assert norm_error(g32, g64) <= 1e-4, f"{name}, {label} θ"


def test_window_derivatives_match_central_differences(rng):
    """∂ω/∂θ and ∂ω/∂u of dstft_np.window, inside the support, for every window and norm."""
    u = rng.uniform(-20, 20, 50)
    theta = 47.3
    for window, norm in itertools.product(WINDOWS, NORMS):
        kw = dict(n_fft=N_FFT, window=window, norm=norm)
        fd_theta = (dstft_np.window(u, theta + STEP, **kw) - dstft_np.window(u, theta - STEP, **kw)) / (2 * STEP)
        fd_u = (dstft_np.window(u + STEP, theta, **kw) - dstft_np.window(u - STEP, theta, **kw)) / (2 * STEP)
        d_theta = dstft_np.window(u, theta, derivative="win_length", **kw)
        d_u = dstft_np.window(u, theta, derivative="offset", **kw)
        np.testing.assert_allclose(d_theta, fd_theta, rtol=1e-6, atol=1e-9, err_msg=f"{window}, {norm}")
        np.testing.assert_allclose(d_u, fd_u, rtol=1e-6, atol=1e-9, err_msg=f"{window}, {norm}")


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
    """Linear map, so central differences with step 1 are exact up to rounding."""
    hops = rng.uniform(1, 50, 6)
    grad_pos = rng.standard_normal(7)
    grad_hops = dstft_np.positions_from_hops_vjp(grad_pos)
    fd = np.empty(6)
    for i in range(6):
        e = np.zeros(6)
        e[i] = 0.5
        plus = dstft_np.positions_from_hops(hops + e) @ grad_pos
        minus = dstft_np.positions_from_hops(hops - e) @ grad_pos
        fd[i] = plus - minus
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
    fd = (loss(hop + STEP) - loss(hop - STEP)) / (2 * STEP)
    np.testing.assert_allclose(np.sum(np.arange(n_frames) * grad_pos), fd, rtol=1e-6)
    np.testing.assert_allclose(dstft_np.frame_positions_vjp(grad_pos), fd, rtol=1e-6,
                               err_msg="frame_positions_vjp is that weighted sum")
    batched = dstft_np.frame_positions_vjp(np.stack([grad_pos, 2 * grad_pos]))
    np.testing.assert_allclose(batched, [fd, 2 * fd], rtol=1e-6, err_msg="one hop per leading batch entry")
