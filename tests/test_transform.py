"""The forward transform against independent references (DESIGN.md §2).

References: the plain double loop of tests/naive.py, scipy.signal.ShortTimeFFT,
torch.stft (skipped when torch is absent), and float64 for float32.
"""

import itertools

import numpy as np
import pytest
import scipy.signal

import dstft_np
from dstft_np._options import NORMS, PHASES, WINDOWS

from . import naive
from .gradcheck import central_difference
from .grids import N_BINS, N_FFT, POSITIONS, theta_shapes
from .tolerance import FD_STEP, assert_close, tolerance


@pytest.mark.parametrize("phase, norm, window", list(itertools.product(PHASES, NORMS, WINDOWS)))
def test_matches_naive_double_loop(rng, phase, norm, window):
    x = rng.standard_normal(301)
    for label, theta in theta_shapes(rng, POSITIONS.size).items():
        S = dstft_np.stft(x, theta, POSITIONS, n_fft=N_FFT, window=window, norm=norm, phase=phase)
        reference = naive.stft(x, theta, POSITIONS, N_FFT, window, norm, phase)
        assert S.shape == (N_BINS, POSITIONS.size)
        assert_close(S, reference, tolerance("reference"), f"{label} θ, {phase=}, {norm=}, {window=}")


@pytest.mark.parametrize("n_samples, hop", [(255, 1), (256, 64), (257, N_FFT), (50, 7)])
def test_matches_naive_on_default_grids(rng, n_samples, hop):
    """Odd and even lengths, hop 1 and hop = n_fft, θ = N (integer window edges)."""
    x = rng.standard_normal(n_samples)
    positions = dstft_np.frame_positions(n_samples, hop)
    assert positions.size == 1 + n_samples // hop
    for theta in (float(N_FFT), 31.0):
        S = dstft_np.stft(x, theta, positions, n_fft=N_FFT, phase="center")
        reference = naive.stft(x, theta, positions, N_FFT, phase="center")
        assert_close(S, reference, tolerance("reference"), f"K={n_samples}, hop={hop}, θ={theta}")


def test_batch_axes_broadcast_like_numpy(rng):
    """x (2, 1, K), positions (3, T), θ per cell (F, T): S has batch shape (2, 3)."""
    x = rng.standard_normal((2, 1, 200))
    positions = np.stack([POSITIONS[:5] + shift for shift in (0.0, 3.3, -7.1)])
    theta = rng.uniform(8, N_FFT, (N_BINS, 5))
    for theta_case in (theta, theta[:1], 22.5):
        S = dstft_np.stft(x, theta_case, positions, n_fft=N_FFT, phase="start")
        assert S.shape == (2, 3, N_BINS, 5)
        for b, c in itertools.product(range(2), range(3)):
            reference = naive.stft(x[b, 0], theta_case, positions[c], N_FFT, phase="start")
            assert_close(S[b, c], reference, tolerance("reference"), f"batch ({b}, {c})")


def test_per_cell_theta_constant_along_frequency_equals_per_frame(rng):
    """An (F, T) θ with equal rows takes the FFT path; the values cannot change."""
    x = rng.standard_normal(300)
    per_frame = rng.uniform(8, N_FFT, (1, POSITIONS.size))
    S_frame = dstft_np.stft(x, per_frame, POSITIONS, n_fft=N_FFT)
    S_cell = dstft_np.stft(x, np.repeat(per_frame, N_BINS, axis=0), POSITIONS, n_fft=N_FFT)
    reference = naive.stft(x, per_frame, POSITIONS, N_FFT)
    assert_close(S_frame, reference, tolerance("reference"), "per-frame θ")
    assert_close(S_cell, reference, tolerance("reference"), "per-cell θ with equal rows")


def test_scipy_short_time_fft_parity(rng):
    """θ = N, t_n = p·hop, norm="area", phase="center" is scipy's ShortTimeFFT."""
    n_fft, hop = 128, 32
    x = rng.standard_normal(1000)
    sft = scipy.signal.ShortTimeFFT(scipy.signal.windows.hann(n_fft, sym=False), hop, fs=1.0, mfft=n_fft)
    reference = sft.stft(x)
    p = np.arange(sft.p_min, sft.p_max(x.size))
    S = dstft_np.stft(x, n_fft, p * hop, n_fft=n_fft, norm="area", phase="center")
    assert reference.shape == S.shape
    assert_close(S, reference, tolerance("reference"), "scipy.signal.ShortTimeFFT")


def test_torch_stft_parity(rng):
    """Integer even θ = W <= N, norm=None, phase="start" is torch.stft(center=True, constant pad)."""
    torch = pytest.importorskip("torch", reason="torch is not installed")
    n_fft, hop = 128, 40
    x = rng.standard_normal(1001)
    for win in (n_fft, 96, 50):
        reference = torch.stft(
            torch.from_numpy(x), n_fft, hop, win_length=win,
            window=torch.hann_window(win, dtype=torch.float64), center=True,
            pad_mode="constant", return_complex=True,
        ).numpy()
        positions = dstft_np.frame_positions(x.size, hop)
        S = dstft_np.stft(x, float(win), positions, n_fft=n_fft, norm=None, phase="start")
        assert_close(S, reference, tolerance("reference"), f"torch.stft win_length={win}")


@pytest.mark.parametrize("window", WINDOWS)
def test_window_at_full_length_is_the_periodic_scipy_window(window):
    n = np.arange(N_FFT)
    values = dstft_np.window(n - N_FFT // 2, N_FFT, n_fft=N_FFT, window=window)
    if window == "gaussian":
        expected = scipy.signal.windows.gaussian(N_FFT + 1, std=N_FFT / 8)[:-1]
    else:
        expected = getattr(scipy.signal.windows, window)(N_FFT, sym=False)
    np.testing.assert_allclose(values, expected, rtol=1e-13, atol=1e-15)


def test_area_norm_keeps_window_sum_near_half_n_fft():
    """c(θ) = N/θ: Σ_u ω(u) = N/2 for Hann at integer θ, and within a Riemann-sum error otherwise."""
    u = np.arange(-256, 257)
    for theta, rtol in ((16.0, 1e-12), (512.0, 1e-12), (100.3, 1e-5), (255.5, 1e-5)):
        total = dstft_np.window(u, theta, n_fft=512).sum()
        np.testing.assert_allclose(total, 256.0, rtol=rtol, err_msg=f"θ={theta}")


def test_float32_agrees_with_float64(rng):
    x = rng.standard_normal(400)
    for label, theta in theta_shapes(rng, POSITIONS.size).items():
        for phase in PHASES:
            S64 = dstft_np.stft(x, theta, POSITIONS, n_fft=N_FFT, phase=phase)
            S32 = dstft_np.stft(x.astype(np.float32), theta, POSITIONS, n_fft=N_FFT, phase=phase)
            assert S32.dtype == np.complex64 and S64.dtype == np.complex128
            assert_close(S32, S64, tolerance("reference", np.float32), f"float32, {label} θ, {phase=}")


@pytest.mark.parametrize("n_fft", [64, 100, 1000], ids=lambda n: f"n_fft={n}")
def test_float32_agrees_with_float64_for_any_n_fft(rng, n_fft):
    """float32 frames go through the FFT N times larger with norm="forward": exact for N a power of two,
    one rounding more otherwise; the float32 tolerance of N terms either way."""
    x = rng.standard_normal(3 * n_fft)
    positions = np.arange(0.0, 3 * n_fft, n_fft / 4) + 0.3
    for theta in (0.83 * n_fft, float(n_fft), rng.uniform(n_fft / 4, n_fft, positions.size)):
        S64 = dstft_np.stft(x, theta, positions, n_fft=n_fft, phase="center")
        S32 = dstft_np.stft(x.astype(np.float32), theta, positions, n_fft=n_fft, phase="center")
        assert_close(S32, S64, tolerance("reference", np.float32) * n_fft / N_FFT, f"{n_fft=}, θ {np.shape(theta)}")


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")   # the scaled attempt, redone unscaled
def test_float32_near_its_maximum_is_transformed_unscaled(rng):
    """A float32 spike of 1e37: N times the frame (the scaled FFT's input) would overflow, S itself does not."""
    x = np.zeros(4 * N_FFT, dtype=np.float32)
    x[250] = 1e37   # the centre of the frame at t = 250: ω = 1 there
    S32 = dstft_np.stft(x, float(N_FFT), POSITIONS, n_fft=N_FFT)
    S64 = dstft_np.stft(x.astype(np.float64), float(N_FFT), POSITIONS, n_fft=N_FFT)
    assert np.abs(S64).max() < np.finfo(np.float32).max < N_FFT * np.abs(S64).max()
    assert np.all(np.isfinite(S32))
    assert_close(S32, S64, tolerance("reference", np.float32), "spike of 1e37")


def test_integer_signal_is_converted_to_float64(rng):
    x = rng.integers(-100, 100, 300)
    S = dstft_np.stft(x, 33.3, POSITIONS, n_fft=N_FFT)
    assert S.dtype == np.complex128
    assert_close(S, naive.stft(x, 33.3, POSITIONS, N_FFT), tolerance("reference"), "int64 signal")


# ---------------------------------------------------------------- hop_length, the librosa-style framing


@pytest.mark.parametrize("n_samples, hop", [(1000, 32), (1000, 37.5), (64, 64), (50, 7)])
def test_hop_length_is_the_default_grid(rng, n_samples, hop):
    """hop_length=h frames at t_n = n·h, n < 1 + K // h: naive loop on that grid, written here."""
    x = rng.standard_normal(n_samples)
    grid = hop * np.arange(1 + int(n_samples // hop))
    for label, theta in theta_shapes(rng, grid.size).items():
        S = dstft_np.stft(x, theta, hop_length=hop, n_fft=N_FFT, phase="center")
        assert_close(S, naive.stft(x, theta, grid, N_FFT, phase="center"), tolerance("reference"),
                     f"{label} θ, hop {hop}")


def test_hop_length_matches_scipy_short_time_fft(rng):
    """θ = N, phase "center": scipy's frames p = 0..K // hop are ours with hop_length."""
    n_fft, hop = 128, 32
    x = rng.standard_normal(1000)
    sft = scipy.signal.ShortTimeFFT(scipy.signal.windows.hann(n_fft, sym=False), hop, fs=1.0, mfft=n_fft)
    reference = sft.stft(x)[:, -sft.p_min:][:, :1 + x.size // hop]
    S = dstft_np.stft(x, n_fft, hop_length=hop, n_fft=n_fft, phase="center")
    assert_close(S, reference, tolerance("reference"), "scipy.signal.ShortTimeFFT, hop_length")


def test_hop_length_in_partials_and_vjp(rng):
    """Same numbers as the explicit grid; grad_pos has the grid's shape (T,), and Σ_n n·grad_pos is ∂L/∂h."""
    x, hop = rng.standard_normal(400), 25.5
    grid = hop * np.arange(1 + int(400 // hop))
    theta = rng.uniform(10, N_FFT, (N_BINS, grid.size))
    for got, expected in zip(dstft_np.stft_partials(x, theta, hop_length=hop, n_fft=N_FFT, phase="start"),
                             dstft_np.stft_partials(x, theta, grid, n_fft=N_FFT, phase="start")):
        assert_close(got, expected, 1e-12, "stft_partials with hop_length")
    G = rng.standard_normal((N_BINS, grid.size)) + 1j * rng.standard_normal((N_BINS, grid.size))
    grad_win, grad_pos = dstft_np.stft_vjp(x, theta, grad_S=G, hop_length=hop, n_fft=N_FFT, phase="start")
    expected_win, expected_pos = dstft_np.stft_vjp(x, theta, grid, G, n_fft=N_FFT, phase="start")
    assert grad_pos.shape == grid.shape
    np.testing.assert_allclose(grad_win, expected_win, rtol=1e-12, atol=0)
    np.testing.assert_allclose(grad_pos, expected_pos, rtol=1e-12, atol=0)

    # L(h) = Re Σ conj(G) S on the grid of hop h, by central differences; θ = 30.3 keeps every window
    # edge 25.5 n ± 15.15 at least 0.15 from a sample, so no edge crosses one within the steps
    def loss(h):
        return np.real(np.vdot(G, dstft_np.stft(x, 30.3, h * np.arange(grid.size), n_fft=N_FFT, phase="start")))

    _, grad_pos = dstft_np.stft_vjp(x, 30.3, grad_S=G, hop_length=hop, n_fft=N_FFT, phase="start")
    # the step and tolerance of central differences of S (tests/tolerance.py): frame n moves by
    # n·step, so the truncation error O((n·step)² S''') reaches ~1e-7 here (it falls 100-fold per
    # 10-fold smaller step)
    fd = central_difference(loss, hop, 1.0, FD_STEP)
    np.testing.assert_allclose(np.arange(grid.size) @ grad_pos, fd, rtol=tolerance("finite-difference"),
                               err_msg="∂L/∂h")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"positions": [0.0, 32.0], "hop_length": 32}, TypeError, "either positions .* or hop_length .*, got both"),
    ({}, TypeError, "either positions .* or hop_length .*, got neither"),
    ({"hop_length": 0}, ValueError, "hop_length must be a positive finite number of samples, got 0"),
    ({"hop_length": "32"}, TypeError, "hop_length must be a real number"),
])
def test_positions_or_hop_length_exactly_one(rng, kwargs, error, match):
    x = rng.standard_normal(200)
    for func in (dstft_np.stft, dstft_np.stft_partials):
        with pytest.raises(error, match=match):
            func(x, 30.0, n_fft=N_FFT, **kwargs)
    with pytest.raises(error, match=match):
        dstft_np.stft_vjp(x, 30.0, grad_S=np.zeros((N_BINS, 7)), n_fft=N_FFT, **kwargs)


def test_scalar_position_on_a_long_signal_warns_with_the_hop_hint(rng):
    """stft(x, 512, 256, n_fft=1024): a hop where positions go gives one frame and a warning at the caller."""
    x = rng.standard_normal(48000)
    with pytest.warns(UserWarning, match=r"Did you mean hop_length=256\?") as record:
        S = dstft_np.stft(x, 512, 256, n_fft=1024)
    assert S.shape == (513, 1)
    assert [w.filename for w in record] == [__file__], "the warning should point at the caller's line"
    with pytest.warns(UserWarning, match=r"hop_length=256\.5\?"):
        dstft_np.stft_vjp(x, 512.0, 256.5, np.ones((513, 1)), n_fft=1024)


def test_one_deliberate_frame_does_not_warn(rng):
    """A 1-element positions, or a scalar on a signal within 2·n_fft samples, is no mistake."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S_list = dstft_np.stft(rng.standard_normal(48000), 512, [256.0], n_fft=1024)
        S_short = dstft_np.stft(rng.standard_normal(2048), 512, 256.0, n_fft=1024)
    assert S_list.shape == S_short.shape == (513, 1)
