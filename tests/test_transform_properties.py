"""Properties of the transform over random shapes, dtypes, θ shapes and positions (hypothesis).

Each property is checked against something computed here, outside the code
under test: a linear combination, a shifted copy of the input, numpy's rfft
of a windowed slice, the partials contracted with a random direction, the
float64 result. Draws are derandomized (no example database), so CI sees
the same examples on every run; numpy data come from a seed that
hypothesis draws, so a failing example reproduces from its printout.

Tolerance basis: every output is a sum of at most N + 1 rounded products
followed by an FFT of depth log2 N, so its rounding error is bounded by
about (N + 1 + log2 N)·eps times the magnitude of the summands (Higham's
γ_n); ``allowance`` (tests/tolerance.py) takes 4 times that, with eps =
np.finfo(dtype).eps, and the magnitude of the summands is taken from the data
(max |reference|, or an explicit Σ|terms| bound where cancellation is possible).
The strategy ``cases`` of valid calls lives in tests/grids.py.
"""

import numpy as np
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import dstft_np
from dstft_np._options import CONVENTION_WINDOWS, NORMS, PHASES

from .grids import SETTINGS, cases, describe, options
from .tolerance import allowance, assert_close


def partials(case, x=None, positions=None):
    x = case["x"] if x is None else x
    positions = case["positions"] if positions is None else positions
    return dstft_np.stft_partials(x, case["win_length"], positions, **options(case))


def random_cotangent(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


@SETTINGS
@given(case=cases(), weights=st.tuples(st.floats(-3, 3), st.floats(-3, 3)))
def test_linear_in_x(case, weights):
    """S, ∂S/∂θ and ∂S/∂t_n of a x1 + b x2 are a·(those of x1) + b·(those of x2)."""
    a, b = weights
    x1 = case["x"]
    x2 = case["rng"].standard_normal(x1.shape).astype(x1.dtype)
    combined = partials(case, x=(a * x1 + b * x2).astype(x1.dtype))
    for name, c, p1, p2 in zip(("S", "dS_dwin", "dS_dpos"), combined, partials(case, x1), partials(case, x2)):
        # the combination a x1 + b x2 is itself rounded once in x's dtype
        scale = abs(a) * np.max(np.abs(p1), initial=0) + abs(b) * np.max(np.abs(p2), initial=0)
        assert_close(c, a * p1 + b * p2, allowance(x1.dtype, case["n_fft"]), f"{name}: {describe(case)}",
                     scale=scale)


def shift_factor(phase, n_fft, shift):
    """S of (x shifted right by s, positions + s) over S: e^{-j2π m s/N} for "absolute", 1 otherwise.

    φ'(k + s) = k + s for "absolute"; (k + s) - (t_n + s) = k - t_n for
    "center"; the same plus N/2 for "start": only "absolute" keeps s.
    """
    m = np.arange(n_fft // 2 + 1)
    if phase == "absolute":
        return np.exp(-2j * np.pi * ((m * shift) % n_fft) / n_fft)[:, None]  # exact integer reduction
    return np.ones((m.size, 1))


@SETTINGS
@given(case=cases(), shift=st.integers(0, 70))
def test_integer_shift_of_x_and_positions_only_rotates_the_phase(case, shift):
    # positions on a grid of 2**-20 samples, so that t_n + shift is exact: a rounded t_n + shift would
    # move the window by up to eps·|t_n + shift|, which ∂S/∂θ of a window of a sample or less (θ^-2
    # steep) turns into errors above the rounding allowance of the transform itself
    case = dict(case, positions=np.round(case["positions"] * 2.0**20) / 2.0**20)
    x = case["x"]
    shifted_x = np.concatenate([np.zeros(x.shape[:-1] + (shift,), x.dtype), x], axis=-1)
    shifted_positions = case["positions"] + shift
    factor = shift_factor(case["phase"], case["n_fft"], shift)
    rel = allowance(x.dtype, case["n_fft"])
    original = partials(case)
    for name, moved, base in zip(("S", "dS_dwin", "dS_dpos"), partials(case, shifted_x, shifted_positions),
                                 original):
        assert_close(moved, factor * base, rel, f"{name}, shift {shift}: {describe(case)}")
    # the VJP of the cotangent rotated the same way is unchanged: Re(conj(fG) f ∂S) = Re(conj(G) ∂S)
    G = random_cotangent(case["rng"], original[0].shape)
    before = dstft_np.stft_vjp(x, case["win_length"], case["positions"], G, **options(case))
    after = dstft_np.stft_vjp(shifted_x, case["win_length"], shifted_positions, factor * G, **options(case))
    for name, moved, base in zip(("grad_win", "grad_pos"), after, before):
        assert np.shape(moved) == np.shape(base)
        assert_close(moved, base, rel * np.sqrt(original[0].size), f"{name}, shift {shift}: {describe(case)}")


@SETTINGS
@given(
    n_fft=st.sampled_from([2, 4, 8, 16, 32, 64]),
    n_samples=st.integers(1, 150),
    dtype=st.sampled_from([np.float32, np.float64]),
    window=st.sampled_from(CONVENTION_WINDOWS),  # h(±1/2) = 0
    norm=st.sampled_from(NORMS),
    phase=st.sampled_from(PHASES),
    seed=st.integers(0, 2**32 - 1),
)
def test_full_length_window_at_integer_positions_is_a_windowed_rfft(n_fft, n_samples, dtype, window, norm,
                                                                     phase, seed):
    """θ = N, integer t_n: rfft of x[t - N/2 : t + N/2] (zero-padded) times the periodic window.

    c(N) = 1 for both norms, and ω(u; N) at u = i - N/2, i < N, is
    scipy.signal.windows.<window>(N, sym=False)[i]; the sample at u = +N/2
    has weight h(1/2) = 0. The rfft's phase is that of "start"; "center"
    multiplies bin m by e^{jπm} = (-1)^m, "absolute" by e^{-j2π m (t - N/2)/N}.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n_samples).astype(dtype)
    positions = rng.integers(-n_fft, n_samples + n_fft, 6)
    S = dstft_np.stft(x, float(n_fft), positions.astype(float), n_fft=n_fft, window=window, norm=norm,
                      phase=phase)
    padded = np.concatenate([np.zeros(2 * n_fft), x.astype(np.float64), np.zeros(2 * n_fft)])
    taper = getattr(scipy.signal.windows, window)(n_fft, sym=False)
    m = np.arange(n_fft // 2 + 1)
    expected = np.empty((m.size, positions.size), dtype=complex)
    for n, t in enumerate(positions):
        start = t - n_fft // 2 + 2 * n_fft
        spectrum = np.fft.rfft(padded[start:start + n_fft] * taper)
        rotation = {"start": 1.0, "center": (-1.0) ** m,
                    "absolute": np.exp(-2j * np.pi * ((m * (t - n_fft // 2)) % n_fft) / n_fft)}[phase]
        expected[:, n] = spectrum * rotation
    assert S.dtype == np.result_type(dtype, np.complex64)
    assert_close(S, expected, allowance(dtype, n_fft),
                 f"θ = N = {n_fft}, K = {n_samples}, {dtype.__name__}, {window}/{norm}/{phase}")


def direction_like(rng, value):
    return rng.standard_normal(np.shape(value))


def as_cells(value):
    """θ-shaped or positions-shaped values lined up against (..., F, T)."""
    value = np.asarray(value)
    return value.reshape((1,) * max(0, 2 - value.ndim) + value.shape)


@SETTINGS
@given(case=cases())
def test_vjp_matches_the_partials(case):
    """⟨J v, G⟩ = ⟨v, Jᵀ G⟩ with J v = ∂S/∂θ·v_θ + ∂S/∂t·v_t, for v along θ and along t separately."""
    rng = case["rng"]
    S, dS_dwin, dS_dpos = partials(case)
    G = random_cotangent(rng, S.shape)
    grad_win, grad_pos = dstft_np.stft_vjp(case["x"], case["win_length"], case["positions"], G, **options(case))
    assert np.shape(grad_win) == np.shape(case["win_length"])
    assert np.shape(grad_pos) == np.shape(case["positions"])
    rel = allowance(case["x"].dtype, case["n_fft"])
    for name, grad, dS, value in (
        ("win_length", grad_win, dS_dwin, case["win_length"]),
        ("positions", grad_pos, dS_dpos, case["positions"]),
    ):
        for _ in range(2):
            v = direction_like(rng, value)
            v_cells = as_cells(v) if name == "win_length" else np.asarray(v)[..., None, :]
            jvp = np.sum(np.real(np.conj(G) * dS * v_cells))
            bound = np.sum(np.abs(G) * np.abs(dS) * np.abs(v_cells))  # Σ|terms|: no cancellation allowance
            assert_close(np.sum(v * grad), jvp, rel, f"⟨v, Jᵀ G⟩ along {name}: {describe(case)}",
                         scale=bound)


@SETTINGS
@given(case=cases())
def test_float32_agrees_with_float64(case):
    """The same values in float32 and float64: the difference is float32 rounding.

    Basis: allowance(float32, N) (float64's rounding is 2^29 times smaller);
    for the VJP, whose outputs sum over bins, the scale is Σ|G||∂S|.
    """
    x32 = case["x"].astype(np.float32)
    x64 = x32.astype(np.float64)
    rel = allowance(np.float32, case["n_fft"])
    results64 = partials(case, x=x64)
    for name, single, double in zip(("S", "dS_dwin", "dS_dpos"), partials(case, x=x32), results64):
        assert single.dtype == np.complex64 and double.dtype == np.complex128
        assert_close(single, double, rel, f"{name}: {describe(case)}")
    G = random_cotangent(case["rng"], results64[0].shape)
    args = (case["win_length"], case["positions"], G)
    for name, single, double, dS in zip(("grad_win", "grad_pos"), dstft_np.stft_vjp(x32, *args, **options(case)),
                                        dstft_np.stft_vjp(x64, *args, **options(case)), results64[1:]):
        assert_close(single, double, rel, f"{name}: {describe(case)}", scale=np.sum(np.abs(G) * np.abs(dS)))
