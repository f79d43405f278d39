"""istft and the adjoint of the transform.

References: the original signal of a round trip, the explicit matrix of the
transform built column by column from tests/naive.py (its conjugate
transpose is the adjoint), the coverage Σ_n ω² computed from the window
formula in tests/naive.py, and the optimality condition of least squares.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dstft_np
from dstft_np.inverse import stft_adjoint

from dstft_np._options import NORMS, PHASES, WINDOWS

from . import naive
from .grids import SETTINGS, describe, options
from .tolerance import allowance, assert_close

N_FFT = 64
N_BINS = N_FFT // 2 + 1
# float64 round trips: rfft/irfft and the division by Σω² lose a few ulps of max|x|
ATOL64 = 1e-10
# float32: the spectrum itself carries a relative error of ~1e-7 (resolution 1e-6)
ATOL32 = 1e-5


def jittered_positions(rng, n_samples, hop):
    """t_n = n·hop plus a non-integer offset in (-hop/4, hop/4) per frame."""
    grid = dstft_np.frame_positions(n_samples, hop)
    return grid + rng.uniform(-hop / 4, hop / 4, grid.size)


@pytest.mark.parametrize("phase, norm", list(itertools.product(PHASES, NORMS)))
def test_overlap_add_round_trip_per_frame_theta(rng, phase, norm):
    """Per-frame θ and non-integer positions: x is recovered to ATOL64 everywhere."""
    n_samples, hop = 403, 16
    x = rng.standard_normal(n_samples)
    positions = jittered_positions(rng, n_samples, hop)
    for label, theta in (("per-frame", rng.uniform(40.0, N_FFT, (1, positions.size))),
                         ("scalar", 51.7), ("(T,)", rng.uniform(40.0, N_FFT, positions.size))):
        S = dstft_np.stft(x, theta, positions, n_fft=N_FFT, norm=norm, phase=phase)
        y, info = dstft_np.istft(S, theta, positions, n_fft=N_FFT, length=n_samples, norm=norm,
                                 phase=phase, return_info=True)
        assert y.dtype == np.float64 and y.shape == x.shape
        np.testing.assert_allclose(y, x, rtol=0, atol=ATOL64, err_msg=f"{label} θ, {phase=}, {norm=}")
        assert info.method == "overlap-add" and info.iterations == 0 and info.converged
        assert info.residual < 1e-13, f"{label} θ: S is a transform, its misfit must vanish"


@pytest.mark.parametrize("window", WINDOWS)
def test_overlap_add_round_trip_every_window_at_full_length(rng, window):
    """θ = N at integer positions: supports of N + 1 samples whose ends share a buffer slot.

    For the truncated Gaussian the ends are non-zero (c·e^{-8}); they must
    be left out rather than reconstructed from the folded sum.
    """
    n_samples, hop = 300, 8
    x = rng.standard_normal(n_samples)
    positions = dstft_np.frame_positions(n_samples, hop)
    S = dstft_np.stft(x, float(N_FFT), positions, n_fft=N_FFT, window=window, phase="center")
    y = dstft_np.istft(S, float(N_FFT), positions, n_fft=N_FFT, length=n_samples, window=window,
                       phase="center")
    np.testing.assert_allclose(y, x, rtol=0, atol=ATOL64, err_msg=f"{window=}, θ = N")


def test_frames_outside_the_signal_and_uneven_hops(rng):
    """Frames that reach no sample, frames straddling both ends, hops from 1 to N."""
    n_samples = 257
    x = rng.standard_normal(n_samples)
    hops = np.concatenate([[-100.0], rng.uniform(1.0, 30.0, 16), [N_FFT / 2 - 0.5], [200.0]])
    positions = np.cumsum(hops) - 20.3
    assert positions[0] < -N_FFT and positions[-1] > n_samples + N_FFT
    theta = np.full((1, positions.size), float(N_FFT))
    S = dstft_np.stft(x, theta, positions, n_fft=N_FFT, window="blackman", phase="start")
    # the last frame lies beyond K + N and reaches nothing: coverage ends at the second-last window
    n_covered = int(np.floor(positions[-2] + N_FFT / 2))
    y = dstft_np.istft(S, theta, positions, n_fft=N_FFT, length=min(n_covered, n_samples),
                       window="blackman", phase="start")
    np.testing.assert_allclose(y, x[:y.size], rtol=0, atol=ATOL64)


def test_round_trip_with_batch_axes(rng):
    """x (2, 1, K) against positions (3, T): S and the reconstruction have batch shape (2, 3)."""
    n_samples = 350
    x = rng.standard_normal((2, 1, n_samples))
    positions = np.stack([jittered_positions(rng, n_samples, 24) for _ in range(3)])
    theta = rng.uniform(48.0, N_FFT, (1, positions.shape[-1]))
    S = dstft_np.stft(x, theta, positions, n_fft=N_FFT, phase="center")
    y = dstft_np.istft(S, theta, positions, n_fft=N_FFT, length=n_samples, phase="center")
    assert y.shape == (2, 3, n_samples)
    np.testing.assert_allclose(y, np.broadcast_to(x, y.shape), rtol=0, atol=ATOL64)


def test_float32_round_trip(rng):
    """complex64 in, float32 out, within a float32 tolerance of the float64 signal."""
    n_samples = 300
    x = rng.standard_normal(n_samples).astype(np.float32)
    positions = jittered_positions(rng, n_samples, 16)
    for label, theta in (("per-frame", rng.uniform(40.0, N_FFT, (1, positions.size))),
                         ("per-cell", rng.uniform(40.0, N_FFT, (N_BINS, positions.size)))):
        S = dstft_np.stft(x, theta, positions, n_fft=N_FFT, phase="start")
        assert S.dtype == np.complex64
        y = dstft_np.istft(S, theta, positions, n_fft=N_FFT, length=n_samples, phase="start")
        assert y.dtype == np.float32, label
        np.testing.assert_allclose(y, x, rtol=0, atol=ATOL32, err_msg=f"float32, {label} θ")


def test_per_cell_theta_with_equal_rows_takes_overlap_add(rng):
    n_samples = 200
    x = rng.standard_normal(n_samples)
    positions = jittered_positions(rng, n_samples, 16)
    theta = np.repeat(rng.uniform(40.0, N_FFT, (1, positions.size)), N_BINS, axis=0)
    S = dstft_np.stft(x, theta, positions, n_fft=N_FFT)
    y, info = dstft_np.istft(S, theta, positions, n_fft=N_FFT, length=n_samples, return_info=True)
    assert info.method == "overlap-add"
    np.testing.assert_allclose(y, x, rtol=0, atol=ATOL64)


def first_uncovered_sample(theta_per_frame, positions, n_samples):
    """The first k with Σ_n ω(k - t_n)² <= eps · max (the documented rule), from tests/naive.py.

    (cos²(π/2) is 3.7e-33, not 0, in floating point: a window edge that
    falls on a sample counts as uncovered through the eps rule.)
    """
    k = np.arange(n_samples)
    weight = sum(naive.window_values(k - t, theta, N_FFT) ** 2
                 for theta, t in zip(theta_per_frame, positions))
    return int(np.flatnonzero(weight <= np.finfo(float).eps * weight.max())[0])


def test_uncovered_sample_is_an_error_naming_it(rng):
    """A gap between windows (and samples past the last one) raise instead of returning NaN."""
    n_samples = 400
    x = rng.standard_normal(n_samples)
    positions = np.array([0.0, 30.0, 60.0, 160.0, 200.0, 240.0])  # gap between 60 and 160
    theta = np.full(positions.size, 60.0)
    gap = first_uncovered_sample(theta, positions, n_samples)
    assert 60 < gap < 160
    S = dstft_np.stft(x, theta, positions, n_fft=N_FFT)
    with pytest.raises(ValueError, match=f"sample {gap} is covered by no window"):
        dstft_np.istft(S, theta, positions, n_fft=N_FFT, length=n_samples)
    per_cell = rng.uniform(30.0, 60.0, (N_BINS, positions.size))
    per_cell[0] = 60.0  # the widest window of each frame sets the coverage
    S = dstft_np.stft(x, per_cell, positions, n_fft=N_FFT)
    with pytest.raises(ValueError, match=f"sample {gap} is covered by no window"):
        dstft_np.istft(S, per_cell, positions, n_fft=N_FFT, length=n_samples)
    # covered up to 240 + 30 = 270: a longer output is an error at the first sample past it
    covered = positions[3:]
    S = dstft_np.stft(x[:250], 60.0, covered, n_fft=N_FFT)
    end = first_uncovered_sample(np.full(3, 60.0), covered, n_samples)
    with pytest.raises(ValueError, match=f"sample {end} is covered"):
        dstft_np.istft(S, 60.0, covered, n_fft=N_FFT, length=n_samples)


def test_uncovered_sample_in_a_batch_names_the_item(rng):
    x = rng.standard_normal((2, 200))
    positions = np.array([[0.0, 50.0, 100.0, 150.0, 200.0], [0.0, 50.0, 150.0, 170.0, 200.0]])
    S = dstft_np.stft(x, 64.0, positions, n_fft=N_FFT)
    gap = first_uncovered_sample(np.full(5, 64.0), positions[1], 200)
    with pytest.raises(ValueError, match=rf"sample {gap} of batch item \(1,\) is covered"):
        dstft_np.istft(S, 64.0, positions, n_fft=N_FFT, length=200)


@pytest.mark.parametrize("phase", PHASES)
def test_conjugate_gradients_on_per_cell_theta(rng, phase):
    """θ varying along frequency: CG recovers x; the reported residual is the true misfit."""
    n_samples = 300
    x = rng.standard_normal(n_samples)
    positions = jittered_positions(rng, n_samples, 16)
    theta = rng.uniform(30.0, N_FFT, (N_BINS, positions.size))
    S = dstft_np.stft(x, theta, positions, n_fft=N_FFT, phase=phase)
    y, info = dstft_np.istft(S, theta, positions, n_fft=N_FFT, length=n_samples, phase=phase,
                             return_info=True)
    assert info.method == "cg" and info.converged and 0 < info.iterations < 200
    # at rtol = 1e-12 the error in x stays within ~1e3 × rtol (the conditioning of S*S)
    np.testing.assert_allclose(y, x, rtol=0, atol=1e-9, err_msg=f"CG, {phase=}")
    misfit = np.linalg.norm(S - naive.stft(y, theta, positions, N_FFT, phase=phase))
    # the fast and naive transforms of y differ by ~1e-15 relative: that bounds the agreement
    np.testing.assert_allclose(info.residual, misfit / np.linalg.norm(S), rtol=0, atol=1e-14)
    assert info.residual < 1e-11


def test_conjugate_gradients_fit_an_inconsistent_spectrogram(rng):
    """For S not a transform, x̂ satisfies the normal equations S*(S - stft(x̂)) = 0."""
    n_samples = 256
    positions = jittered_positions(rng, n_samples, 16)
    theta = rng.uniform(30.0, N_FFT, (N_BINS, positions.size))
    S = rng.standard_normal((N_BINS, positions.size)) + 1j * rng.standard_normal((N_BINS, positions.size))
    y, info = dstft_np.istft(S, theta, positions, n_fft=N_FFT, length=n_samples, return_info=True)
    assert info.converged and 0.1 < info.residual < 1.0
    gradient = stft_adjoint(S - dstft_np.stft(y, theta, positions, n_fft=N_FFT), theta, positions,
                            n_fft=N_FFT, length=n_samples)
    scale = np.linalg.norm(stft_adjoint(S, theta, positions, n_fft=N_FFT, length=n_samples))
    assert np.linalg.norm(gradient) <= 1e-9 * scale


def test_conjugate_gradients_warn_when_stopped_early(rng):
    n_samples = 200
    x = rng.standard_normal(n_samples)
    positions = jittered_positions(rng, n_samples, 16)
    theta = rng.uniform(30.0, N_FFT, (N_BINS, positions.size))
    S = dstft_np.stft(x, theta, positions, n_fft=N_FFT)
    with pytest.warns(RuntimeWarning, match="conjugate gradients stopped after 2 iterations"):
        y, info = dstft_np.istft(S, theta, positions, n_fft=N_FFT, length=n_samples, max_iter=2,
                                 return_info=True)
    assert info.iterations == 2 and not info.converged
    assert info.residual > 1e-6 and np.max(np.abs(y - x)) > 1e-6


def explicit_matrix(theta, positions, n_samples, phase):
    """A[(m, n), k] = S[m, n] of the unit impulse at k, from tests/naive.py."""
    columns = [naive.stft(np.eye(n_samples)[k], theta, positions, N_FFT, phase=phase).ravel()
               for k in range(n_samples)]
    return np.stack(columns, axis=1)


@pytest.mark.slow
@pytest.mark.parametrize("phase", PHASES)
def test_adjoint_is_the_conjugate_transpose_of_the_naive_matrix(rng, phase):
    """S*(G) = Re(Aᴴ g) with A built column by column by the naive transform."""
    n_samples = 90
    positions = np.array([-10.4, 3.0, 20.5, 44.25, 70.0, 95.7])
    G = rng.standard_normal((N_BINS, positions.size)) + 1j * rng.standard_normal((N_BINS, positions.size))
    for label, theta in (("scalar", 37.3), ("per-frame", rng.uniform(10, N_FFT, (1, positions.size))),
                         ("per-cell", rng.uniform(10, N_FFT, (N_BINS, positions.size)))):
        A = explicit_matrix(theta, positions, n_samples, phase)
        expected = np.real(A.conj().T @ G.ravel())
        actual = stft_adjoint(G, theta, positions, n_fft=N_FFT, length=n_samples, phase=phase)
        np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-10 * np.max(np.abs(expected)),
                                   err_msg=f"{label} θ, {phase=}")


@pytest.mark.parametrize("window", WINDOWS)
def test_adjoint_dot_product_identity(rng, window):
    """⟨stft(x), G⟩ = ⟨x, S*(G)⟩ with ⟨A, B⟩ = Re Σ conj(B) A, batch axes included."""
    n_samples = 500
    x = rng.standard_normal((2, n_samples))
    positions = jittered_positions(rng, n_samples, 40)
    shape = (2, N_BINS, positions.size)
    G = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    for label, theta in (("scalar", float(N_FFT)), ("per-frame", rng.uniform(5, N_FFT, (1, positions.size))),
                         ("per-cell", rng.uniform(5, N_FFT, (N_BINS, positions.size)))):
        for phase in PHASES:
            S = dstft_np.stft(x, theta, positions, n_fft=N_FFT, window=window, phase=phase)
            adjoint = stft_adjoint(G, theta, positions, n_fft=N_FFT, length=n_samples, window=window,
                                   phase=phase)
            lhs = np.real(np.sum(np.conj(G) * S, axis=(-2, -1)))
            rhs = np.sum(x * adjoint, axis=-1)
            scale = np.linalg.norm(S) * np.linalg.norm(G)
            np.testing.assert_allclose(lhs, rhs, rtol=0, atol=1e-13 * scale,
                                       err_msg=f"{label} θ, {window=}, {phase=}")


def test_bad_input_is_rejected(rng):
    positions = dstft_np.frame_positions(100, 25)
    S = dstft_np.stft(rng.standard_normal(100), 64.0, positions, n_fft=N_FFT)
    with pytest.raises(ValueError, match=r"S must have shape \(\.\.\., F, T\) = \(33, 5\)"):
        dstft_np.istft(S[:-1], 64.0, positions, n_fft=N_FFT, length=100)
    with pytest.raises(ValueError, match=r"S must have shape \(\.\.\., F, T\) = \(33, 4\)"):
        dstft_np.istft(S, 64.0, positions[:-1], n_fft=N_FFT, length=100)
    with pytest.raises(ValueError, match=r"S must have shape \(\.\.\., F, T\) = \(2, 33, 5\)"):
        dstft_np.istft(S, 64.0, np.stack([positions, positions]), n_fft=N_FFT, length=100)
    with pytest.raises(ValueError, match=r"S must have shape \(\.\.\., F, T\), got shape \(5,\)"):
        dstft_np.istft(S[0], 64.0, positions, n_fft=N_FFT, length=100)
    with pytest.raises(TypeError, match="S must be a numeric"):
        dstft_np.istft(S.astype(object), 64.0, positions, n_fft=N_FFT, length=100)
    bad = S.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="S must be finite"):
        dstft_np.istft(bad, 64.0, positions, n_fft=N_FFT, length=100)
    for length, error in ((0, ValueError), (-3, ValueError), (10.5, TypeError), (True, TypeError)):
        with pytest.raises(error, match="length must be an integer number of samples >= 1"):
            dstft_np.istft(S, 64.0, positions, n_fft=N_FFT, length=length)
    with pytest.raises(ValueError, match=r"win_length must be in \(0, n_fft=64\]"):
        dstft_np.istft(S, 65.0, positions, n_fft=N_FFT, length=100)
    with pytest.raises(ValueError, match="phase must be one of"):
        dstft_np.istft(S, 64.0, positions, n_fft=N_FFT, length=100, phase="middle")
    with pytest.raises(ValueError, match=r"rtol must be in \(0, 1\)"):
        dstft_np.istft(S, 64.0, positions, n_fft=N_FFT, length=100, rtol=0.0)
    with pytest.raises(ValueError, match="max_iter must be an integer >= 1"):
        dstft_np.istft(S, 64.0, positions, n_fft=N_FFT, length=100, max_iter=0)
    with pytest.raises(ValueError, match=r"grad_S must have shape"):
        stft_adjoint(S[:, :-1], 64.0, positions, n_fft=N_FFT, length=100)


def test_inputs_are_not_modified(rng):
    positions = jittered_positions(rng, 200, 16)
    theta = rng.uniform(30.0, N_FFT, (N_BINS, positions.size))
    S = dstft_np.stft(rng.standard_normal(200), theta, positions, n_fft=N_FFT, phase="center")
    copies = [a.copy() for a in (S, theta, positions)]
    dstft_np.istft(S, theta, positions, n_fft=N_FFT, length=200, phase="center")
    dstft_np.istft(S, theta[:1], positions, n_fft=N_FFT, length=200, phase="center")
    for before, after in zip(copies, (S, theta, positions)):
        np.testing.assert_array_equal(before, after)


# ---------------------------------------------------------------- hop_length and the default length


@pytest.mark.parametrize("n_samples, hop", [(1000, 64), (1024, 64), (999, 37.5)])
def test_default_framing_round_trip_without_length(rng, n_samples, hop):
    """istft(stft(x, hop_length=h), hop_length=h) recovers x through the last frame centre, ⌊(T-1)·h⌋ + 1 samples."""
    x = rng.standard_normal(n_samples)
    n_frames = 1 + int(n_samples // hop)
    covered = int(np.floor((n_frames - 1) * hop)) + 1
    for theta in (150.0, rng.uniform(120, 200, n_frames)):
        S = dstft_np.stft(x, theta, hop_length=hop, n_fft=256, phase="start")
        y = dstft_np.istft(S, theta, hop_length=hop, n_fft=256, phase="start")
        assert y.shape == (covered,)
        np.testing.assert_allclose(y[:n_samples], x[:covered], rtol=0, atol=ATOL64)
        # x is zero beyond K: a sample past it (K a multiple of the hop) comes back zero
        np.testing.assert_allclose(y[n_samples:], 0.0, rtol=0, atol=ATOL64)
        full = dstft_np.istft(S, theta, hop_length=hop, n_fft=256, length=n_samples, phase="start")
        np.testing.assert_allclose(full, x, rtol=0, atol=ATOL64)


def test_default_length_follows_the_last_position(rng):
    x = rng.standard_normal(200)
    positions = np.array([[10.5, 70.2, 130.9], [0.0, 60.0, 121.0]])   # batch: the largest counts
    S = dstft_np.stft(x, 120.0, positions, n_fft=128)
    y = dstft_np.istft(S, 120.0, positions, n_fft=128)
    assert y.shape == (2, 131)
    np.testing.assert_allclose(y, np.broadcast_to(x[:131], (2, 131)), rtol=0, atol=ATOL64)
    with pytest.raises(ValueError, match=r"length has no default when every position is below 0 "
                                         r"\(the largest is -5\): pass length"):
        dstft_np.istft(S[0, :, :2], 120.0, [-40.0, -5.0], n_fft=128)


def test_inverse_hop_length_errors(rng):
    S = dstft_np.stft(rng.standard_normal(100), 40.0, hop_length=20, n_fft=64)
    for func in (dstft_np.istft, stft_adjoint):
        with pytest.raises(TypeError, match="either positions .* or hop_length .*, got both"):
            func(S, 40.0, np.arange(6) * 20.0, hop_length=20, n_fft=64, length=100)
        with pytest.raises(TypeError, match="got neither"):
            func(S, 40.0, n_fft=64, length=100)
        with pytest.raises(ValueError, match="hop_length must be a positive finite number of samples, got -1"):
            func(S, 40.0, hop_length=-1, n_fft=64, length=100)


def test_adjoint_with_hop_length(rng):
    """⟨stft(x), G⟩ = ⟨x, S*(G)⟩ on the grid of hop_length."""
    x, hop = rng.standard_normal(300), 30.5
    S = dstft_np.stft(x, 60.0, hop_length=hop, n_fft=N_FFT, phase="center")
    G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    adjoint = stft_adjoint(G, 60.0, hop_length=hop, n_fft=N_FFT, length=300, phase="center")
    np.testing.assert_allclose(x @ adjoint, np.real(np.vdot(G, S)), rtol=1e-12)


# ---------------------------------------------------------------- property (hypothesis): istft ∘ stft = identity

@st.composite
def covered_calls(draw):
    """x, per-frame θ in [N/2, N] and positions at most N/4 apart from before 0 to past K - 1.

    Every sample then lies within N/8 of a frame centre, strictly inside a
    window of half-length >= N/4 where h(u/θ) >= h(1/4) > 0.3 for every base
    window: covered, with a weight bounded away from 0.
    """
    n_fft = draw(st.sampled_from([8, 16, 32]))
    n_samples = draw(st.integers(1, 3 * n_fft))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    steps = rng.uniform(0.5, n_fft / 4, 4 * n_samples + 8)
    positions = rng.uniform(-n_fft / 4, 0.0) + np.concatenate([[0.0], np.cumsum(steps)])
    positions = positions[: 1 + np.searchsorted(positions, n_samples - 1)]
    theta_shape = draw(st.sampled_from(["scalar", "frame-1d", "frame"]))
    theta = rng.uniform(n_fft / 2, n_fft, {"scalar": (), "frame-1d": positions.shape,
                                           "frame": (1, positions.size)}[theta_shape])
    return {
        "x": rng.standard_normal(n_samples).astype(draw(st.sampled_from([np.float32, np.float64]))),
        "win_length": float(theta) if theta_shape == "scalar" else theta,
        "positions": positions,
        "n_fft": n_fft,
        "window": draw(st.sampled_from(WINDOWS)),
        "norm": draw(st.sampled_from(NORMS)),
        "phase": draw(st.sampled_from(PHASES)),
    }


@SETTINGS
@given(case=covered_calls())
def test_istft_inverts_stft_on_covered_samples(case):
    """x̂ = istft(stft(x)) = x. x̂[k] = Σ ω y / Σ ω² divides by a weight >= (c h(1/4))²: 100 × the
    per-value allowance covers the irfft and the division."""
    x = case["x"]
    S = dstft_np.stft(x, case["win_length"], case["positions"], **options(case))
    x_hat = dstft_np.istft(S, case["win_length"], case["positions"], length=x.shape[-1], **options(case))
    assert x_hat.dtype == x.dtype and x_hat.shape == x.shape
    assert_close(x_hat, x, 100 * allowance(x.dtype, case["n_fft"]), describe(case), scale=np.max(np.abs(x)))


# ---------------------------------------------------------------- edge cases: silence, a constant, one frame, frames far outside the signal

@pytest.mark.parametrize("per_cell", (False, True))
def test_istft_of_silence_is_silence_and_of_a_constant_the_constant(rng, per_cell):
    positions = np.arange(-8.0, 110.0, 8.0)
    theta = rng.uniform(40.0, 64.0, (33, positions.size)) if per_cell else 48.0
    zeros = dstft_np.istft(np.zeros((33, positions.size), complex), theta, positions, n_fft=64, length=100)
    assert np.all(zeros == 0), "silence"
    constant = np.full(100, -1.25)
    S = dstft_np.stft(constant, theta, positions, n_fft=64, phase="center")
    x, info = dstft_np.istft(S, theta, positions, n_fft=64, length=100, phase="center", return_info=True)
    np.testing.assert_allclose(x, constant, rtol=0, atol=1e-9, err_msg=f"constant, {info}")


@pytest.mark.parametrize("phase", ("absolute", "center", "start"))
def test_istft_of_a_single_frame_recovers_the_samples_it_covers(rng, phase):
    """One frame at t = 7.3, θ = 16 = N: samples 0..15 lie strictly inside |k - t| < 8."""
    x = rng.standard_normal(15)
    S = dstft_np.stft(x, 16.0, [7.3], n_fft=16, phase=phase)
    np.testing.assert_allclose(dstft_np.istft(S, 16.0, [7.3], n_fft=16, length=15, phase=phase), x,
                               rtol=0, atol=1e-12, err_msg=f"single frame, {phase=}")
    # sample 15 is still inside (|15 - 7.3| = 7.7 < 8), sample 16 is not
    x16 = dstft_np.istft(S, 16.0, [7.3], n_fft=16, length=16, phase=phase)
    np.testing.assert_allclose(x16, np.append(x, 0.0), rtol=0, atol=1e-12, err_msg="x is zero at k = 15")
    with pytest.raises(ValueError, match=r"sample 16 is covered by no window"):
        dstft_np.istft(S, 16.0, [7.3], n_fft=16, length=17, phase=phase)


@pytest.mark.parametrize("phase", ("absolute", "center", "start"))
def test_istft_ignores_far_frames_and_names_an_uncovered_sample(rng, phase):
    """Frames at ±1e300 and ±1e12 add nothing: same x̂ and same adjoint as without them. With only
    far frames, sample 0 is the first uncovered one."""
    x = rng.standard_normal(100)
    inside = np.arange(0.0, 101.0, 8.0) + 0.4
    far = np.array([-1e300, -1e12, 1e12, 1e300])
    positions = np.concatenate([far[:2], inside, far[2:]])
    S = dstft_np.stft(x, 32.0, positions, n_fft=32, phase=phase)
    assert np.all(S[:, :2] == 0) and np.all(S[:, -2:] == 0)
    np.testing.assert_allclose(dstft_np.istft(S, 32.0, positions, n_fft=32, length=100, phase=phase), x,
                               rtol=0, atol=1e-12, err_msg="far frames present")
    G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    np.testing.assert_allclose(stft_adjoint(G, 32.0, positions, n_fft=32, length=100, phase=phase),
                               stft_adjoint(G[:, 2:-2], 32.0, inside, n_fft=32, length=100, phase=phase),
                               rtol=0, atol=1e-12, err_msg="adjoint: far frames contribute nothing")
    with pytest.raises(ValueError, match=r"sample 0 is covered by no window: its window weight .* = 0"):
        dstft_np.istft(np.zeros((17, 4), complex), 32.0, far, n_fft=32, length=100, phase=phase)
