"""Numerical edge cases of stft, stft_partials and stft_vjp: one frame, frames far outside the signal,
θ at both ends of (0, N], silence and constant signals, and a signal of 10^7 samples (memory stays
O(F·T + K)).

References: the double loop of tests/naive.py, the window formula evaluated
here, central or one-sided finite differences (step and tolerance stated),
and the analytic sum Σ_u ω(u) = N/2 of the area-normalised Hann window at
integer θ and t_n.
"""

import itertools
import tracemalloc

import numpy as np
import pytest

import dstft_np

from . import naive
from .gradcheck import backward_difference
from .tolerance import assert_close

N_FFT = 32
N_BINS = N_FFT // 2 + 1
PHASES = ("absolute", "center", "start")
DTYPES = (np.float32, np.float64)


def vjp_reference(G, dS_dwin, dS_dpos):
    """Re(conj(G) ∂S/∂θ) per cell and Σ_m Re(conj(G) ∂S/∂t_n) per frame."""
    return np.real(np.conj(G) * dS_dwin), np.sum(np.real(np.conj(G) * dS_dpos), axis=-2)


# --- a single frame ---

@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("positions", [17.3, np.array([17.3]), np.array([[17.3], [0.0]])],
                         ids=["0d", "(1,)", "(2, 1)"])
def test_single_frame(rng, phase, positions):
    """T = 1 in every form positions can take; S against the naive loop, VJP against the partials."""
    x = rng.standard_normal(40)
    theta = rng.uniform(3.0, N_FFT, (N_BINS, 1))
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta, positions, n_fft=N_FFT, phase=phase)
    batch = np.shape(positions)[:-1]
    assert S.shape == batch + (N_BINS, 1)
    flat = np.reshape(positions, (-1, 1))
    for b, t in enumerate(flat):
        reference = naive.stft(x, theta, t, N_FFT, phase=phase)
        assert_close(S.reshape(-1, N_BINS, 1)[b], reference, 1e-12, f"frame at {t}, {phase=}")
    G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    grad_win, grad_pos = dstft_np.stft_vjp(x, theta, positions, G, n_fft=N_FFT, phase=phase)
    assert grad_win.shape == theta.shape and grad_pos.shape == np.shape(positions)
    want_win, want_pos = vjp_reference(G, dS_dwin, dS_dpos)
    assert_close(grad_win, want_win.reshape((-1,) + theta.shape).sum(axis=0), 1e-12, "grad_win")
    assert_close(grad_pos, want_pos.reshape(np.shape(positions)), 1e-12, "grad_pos")


def test_one_sample_signal(rng):
    """K = 1: S[m, n] = ω(0 - t_n) x[0] e^{-j2π m φ_n(0)/N}, the naive loop over one sample."""
    x = np.array([2.5])
    positions = np.array([-3.7, 0.0, 0.4, 9.0])
    for phase in PHASES:
        S = dstft_np.stft(x, 12.0, positions, n_fft=N_FFT, phase=phase)
        assert_close(S, naive.stft(x, 12.0, positions, N_FFT, phase=phase), 1e-13, f"K = 1, {phase=}")


# --- frames far outside the signal ---

FAR = np.array([-1e300, -1e12, -N_FFT - 0.5, 1e12, 1e300])


@pytest.mark.parametrize("phase, dtype, per_cell", list(itertools.product(PHASES, DTYPES, (False, True))))
def test_far_frames_are_zero_with_zero_gradients(rng, phase, dtype, per_cell):
    """|t_n| up to 1e300: zeros, no overflow, and the frames inside are untouched."""
    n_samples = 50
    x = rng.standard_normal(n_samples).astype(dtype)
    # and one just out of reach: t_n - θ/2 > K - 1 for every θ <= N
    positions = np.concatenate([FAR, [10.5, 30.0], [n_samples - 1 + N_FFT / 2 + 0.01]])
    far = np.ones(positions.size, bool)
    far[len(FAR):len(FAR) + 2] = False
    theta = rng.uniform(4.0, N_FFT, (N_BINS, positions.size)) if per_cell else float(N_FFT)
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta, positions, n_fft=N_FFT, phase=phase)
    for name, value in (("S", S), ("dS_dwin", dS_dwin), ("dS_dpos", dS_dpos)):
        assert np.all(value[:, far] == 0), f"{name} of frames reaching no sample"
    reference = naive.stft(x, theta, positions, N_FFT, phase=phase)
    assert_close(S[:, ~far], reference[:, ~far], 50 * np.finfo(dtype).eps * N_FFT, "frames inside")
    G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    grad_win, grad_pos = dstft_np.stft_vjp(x, theta, positions, G, n_fft=N_FFT, phase=phase)
    assert np.all(grad_pos[far] == 0), "∂L/∂t_n of far frames"
    if per_cell:
        assert np.all(grad_win[:, far] == 0), "∂L/∂θ of far frames"
    assert np.all(np.isfinite(grad_win)) and np.all(np.isfinite(grad_pos))


# --- θ at both ends of (0, N] ---

def one_sample_window(u, theta, derivative=None):
    """ω(u; θ) = (N/θ) cos²(πu/θ) and its θ- and u-derivatives, written out for one sample."""
    c = N_FFT / theta
    value = c * np.cos(np.pi * u / theta) ** 2
    d_du = -c * np.pi / theta * np.sin(2 * np.pi * u / theta)
    if derivative == "win_length":
        return -(value + u * d_du) / theta
    if derivative == "offset":
        return d_du
    return value


@pytest.mark.parametrize("phase", PHASES)
def test_tiny_window_covers_zero_or_one_sample(rng, phase):
    """θ = 0.5: the support |k - t_n| <= 0.25 holds one sample (or none at t_n = k + 1/2).

    S[m, n] = ω(k - t_n) x[k] e^{-j2π m φ_n(k)/N}, the partials likewise with
    ∂ω/∂θ and -∂ω/∂u (plus j2π m/N · S for "center"/"start").
    """
    x = rng.standard_normal(20)
    theta = 0.5
    # offsets from sample 7: centre, inside, exactly on the edge (h(1/2) = 0), outside, halfway
    positions = 7.0 + np.array([0.0, 0.2, -0.1, 0.25, 0.3, 0.5])
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta, positions, n_fft=N_FFT, phase=phase)
    m = np.arange(N_BINS)[:, None]
    u = 7.0 - positions
    inside = np.abs(u) <= theta / 2
    phi = naive.phase_reference(7.0, positions, N_FFT, phase)
    carrier = np.exp(-2j * np.pi * m * phi / N_FFT) * x[7] * inside
    rate = 0.0 if phase == "absolute" else 2j * np.pi * m / N_FFT
    expected_S = one_sample_window(u, theta) * carrier
    expected = {
        "S": expected_S,
        "dS_dwin": one_sample_window(u, theta, "win_length") * carrier,
        "dS_dpos": -one_sample_window(u, theta, "offset") * carrier + rate * expected_S,
    }
    for name, value in zip(("S", "dS_dwin", "dS_dpos"), (S, dS_dwin, dS_dpos)):
        assert_close(value, expected[name], 1e-12, f"{name}, θ = 0.5, {phase=}")
    assert np.all(S[:, ~inside] == 0)


def test_full_length_window_derivative_matches_one_sided_differences(rng):
    """θ = N is the upper bound: ∂S/∂θ against (3f(N) - 4f(N - δ) + f(N - 2δ)) / 2δ.

    δ = 1e-4 keeps every sample on the same side of the window edges
    (positions are 0.3 away from an integer); the truncation error is
    O(δ²)·|f'''|, so 1e-6 of max |∂S/∂θ| is ample.
    """
    x = rng.standard_normal(120)
    positions = np.array([0.3, 40.3, 77.7, 119.3])
    step = 1e-4
    for phase in PHASES:
        def f(theta):
            return dstft_np.stft(x, theta, positions, n_fft=N_FFT, phase=phase)

        _, dS_dwin, _ = dstft_np.stft_partials(x, float(N_FFT), positions, n_fft=N_FFT, phase=phase)
        one_sided = backward_difference(f, N_FFT, step)
        assert_close(dS_dwin, one_sided, 1e-6, f"θ = N, {phase=}")


# --- silence and constant signals ---

@pytest.mark.parametrize("phase, dtype, per_cell", list(itertools.product(PHASES, DTYPES, (False, True))))
def test_silence_gives_exact_zeros(rng, phase, dtype, per_cell):
    x = np.zeros(64, dtype=dtype)
    positions = np.array([-5.5, 0.0, 31.7, 64.0])
    theta = rng.uniform(0.5, N_FFT, (N_BINS, 4)) if per_cell else 20.0
    for name, value in zip(("S", "dS_dwin", "dS_dpos"),
                           dstft_np.stft_partials(x, theta, positions, n_fft=N_FFT, phase=phase)):
        assert np.all(value == 0), f"{name} of silence"
    G = rng.standard_normal((N_BINS, 4)) + 1j * rng.standard_normal((N_BINS, 4))
    for name, value in zip(("grad_win", "grad_pos"),
                           dstft_np.stft_vjp(x, theta, positions, G, n_fft=N_FFT, phase=phase)):
        assert np.all(value == 0), f"{name} of silence"


@pytest.mark.parametrize("phase, dtype", list(itertools.product(PHASES, DTYPES)))
def test_constant_signal_has_dc_n_fft_over_two_and_finite_gradients(rng, phase, dtype):
    """x = 3: at integer θ and t_n inside, Σ_u (N/θ) cos²(πu/θ) = N/2 exactly, so S[0, n] = 3N/2."""
    x = np.full(200, 3.0, dtype=dtype)
    positions = np.array([50.0, 100.0, 150.0, 0.0, 199.0, 120.5])
    thetas = np.array([[2.0, 7.0, 32.0, 10.0, 10.0, 10.0]])
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, thetas, positions, n_fft=N_FFT, phase=phase)
    np.testing.assert_allclose(S[0, :3], 1.5 * N_FFT, rtol=20 * np.finfo(dtype).eps, atol=0,
                               err_msg=f"DC of a constant, {phase=}")
    assert_close(S, naive.stft(x, thetas, positions, N_FFT, phase=phase), 50 * np.finfo(dtype).eps * N_FFT,
                    f"constant signal, {phase=}")
    G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    grads = dstft_np.stft_vjp(x, thetas, positions, G, n_fft=N_FFT, phase=phase)
    for name, value in zip(("dS_dwin", "dS_dpos", "grad_win", "grad_pos"), (dS_dwin, dS_dpos) + grads):
        assert np.all(np.isfinite(value)), name


# --- a very long signal: memory O(F·T + K) ---

def traced_peak(func):
    """Peak bytes allocated (numpy buffers are reported to tracemalloc) while `func` runs."""
    tracemalloc.start()
    try:
        result = func()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


@pytest.mark.parametrize("dtype", DTYPES)
def test_ten_million_samples_with_a_large_hop_stay_within_linear_memory(rng, dtype):
    """K = 10^7, hop = 10^5, N = 1024: T = 101 frames.

    Analytic sizes: x (K·itemsize), one output (F·T complex), the frame
    buffer (T·N real). Bound: peak < 3 × (x + outputs + frame buffer),
    counting the three outputs of stft_partials. The call may not copy x
    (a contiguous float input is used in place): peak < x bytes / 2 + 3 ×
    (outputs + frame buffer) + K bytes for the finiteness mask.
    """
    n_samples, hop, n_fft = 10**7, 10**5, 1024
    x = rng.standard_normal(n_samples).astype(dtype)
    positions = dstft_np.frame_positions(n_samples, hop)
    n_frames, n_bins = positions.size, n_fft // 2 + 1
    itemsize = x.itemsize
    output = n_bins * n_frames * 2 * itemsize
    frames = n_frames * n_fft * itemsize
    per_bin = np.linspace(64.0, n_fft, n_bins)[:, None]
    calls = {
        "stft": (lambda: dstft_np.stft(x, 1000.5, positions, n_fft=n_fft), 1),
        "stft_partials": (lambda: dstft_np.stft_partials(x, 1000.5, positions, n_fft=n_fft), 3),
        "stft per-bin θ": (lambda: dstft_np.stft(x, per_bin, positions, n_fft=n_fft), 1),
        "stft_vjp": (lambda: dstft_np.stft_vjp(x, 1000.5, positions, np.ones((n_bins, n_frames)), n_fft=n_fft), 1),
    }
    for name, (call, n_outputs) in calls.items():
        result, peak = traced_peak(call)
        analytic = x.nbytes + n_outputs * output + frames
        assert peak < 3 * analytic, f"{name}: peak {peak} B, analytic {analytic} B"
        no_copy = x.nbytes / 2 + 3 * (n_outputs * output + frames) + n_samples
        assert peak < no_copy, f"{name}: peak {peak} B suggests a copy of x ({x.nbytes} B)"
        first = result[0] if isinstance(result, tuple) else result
        assert np.all(np.isfinite(first))
    # the frames at t = K - hop (inside) and t = K (half outside): against the window formula
    S = dstft_np.stft(x, 1000.5, positions[-2:], n_fft=n_fft, phase="center")
    for n, t in enumerate(positions[-2:]):
        k = np.arange(int(t) - 501, min(int(t) + 502, n_samples))
        reference = np.sum(naive.window_values(k - t, 1000.5, n_fft) * x[k].astype(float)
                           * np.exp(-2j * np.pi * np.arange(n_bins)[:, None] * (k - t) / n_fft), axis=1)
        assert_close(S[:, n], reference, 200 * np.finfo(dtype).eps * n_fft, f"frame at t = {t}")
