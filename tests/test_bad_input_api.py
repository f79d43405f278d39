"""Bad input to every public function beyond the core transforms: a clear error, never a silent NaN.

Covers istft, stft_adjoint, stft_jvp, the losses, Adam and ReduceOnPlateau,
DSTFT, io.load, the plots, conventions.preset and conformance.check. As in
tests/test_bad_input.py (whose helpers are reused) each case pins the
exception type and a message naming the argument and what it may be;
legal layouts (integer, strided, read-only, big-endian) are accepted, left
untouched, and give the results of the plain float64 array.
"""

import warnings

import numpy as np
import pytest

import dstft_np
from dstft_np import conventions, io, losses, plot
from dstft_np.inverse import stft_adjoint
from dstft_np._options import CONVENTION_WINDOWS
from dstft_np.optim import Adam, ReduceOnPlateau

from .test_bad_input import (WINDOW_CHOICES, assert_accepts_layouts, assert_same_results, assert_untouched,
                             layouts, memory_limit, peak_bytes, snapshot)  # noqa: F401 (memory_limit: a fixture)

N_FFT = 16
N_BINS = N_FFT // 2 + 1
N_SAMPLES = 100
THETA = 16.0
POSITIONS = np.arange(0.0, N_SAMPLES + 1, 4.0)   # hop 4, θ = N: every sample covered
N_FRAMES = POSITIONS.size


def signal():
    k = np.arange(N_SAMPLES)
    return np.sin(0.3 * k) + 0.5 * np.cos(0.05 * k**1.5)


@pytest.fixture(scope="module")
def spectrum():
    return dstft_np.stft(signal(), THETA, POSITIONS, n_fft=N_FFT)


def with_value(arr, index, value):
    out = np.array(arr, dtype=np.result_type(arr, type(value)))
    out[index] = value
    return out


def expect(error, match, func):
    with pytest.raises(error, match=match):
        func()


# ---------------------------------------------------------------- istft and stft_adjoint

def call_istft(S, win_length=THETA, positions=POSITIONS, **options):
    return dstft_np.istft(S, win_length, positions, **{"n_fft": N_FFT, "length": N_SAMPLES, **options})


def call_adjoint(S, win_length=THETA, positions=POSITIONS, **options):
    return stft_adjoint(S, win_length, positions, **{"n_fft": N_FFT, "length": N_SAMPLES, **options})


# (id, function of the valid S, exception, message); each runs through istft and stft_adjoint,
# whose spectrum argument is called S and grad_S
INVERSE_CASES = [
    ("S-nan", lambda S, f: f(with_value(S, (3, 2), np.nan)), ValueError, r"{S} must be finite"),
    ("S-inf-imaginary", lambda S, f: f(with_value(S, (0, 0), complex(0, np.inf))), ValueError,
     r"{S} must be finite"),
    ("S-strings", lambda S, f: f(np.full(S.shape, "a")), TypeError, r"{S} must be a numeric \(complex\) array"),
    ("S-objects", lambda S, f: f(S.astype(object)), TypeError, r"{S} must be a numeric \(complex\) array"),
    ("S-ragged", lambda S, f: f([[1.0, 2.0], [3.0]]), TypeError, r"{S} must be a numeric \(complex\) array"),
    ("S-0d", lambda S, f: f(np.complex128(1.0)), ValueError, r"{S} must have shape \(\.\.\., F, T\), got shape \(\)"),
    ("S-1d", lambda S, f: f(S[0]), ValueError, r"{S} must have shape \(\.\.\., F, T\), got shape \(26,\)"),
    ("S-no-frames", lambda S, f: f(S[:, :0]), ValueError, r"{S} must have shape \(\.\.\., F, T\) = \(9, 26\)"),
    ("S-wrong-bins", lambda S, f: f(S[1:]), ValueError, r"{S} must have shape \(\.\.\., F, T\) = \(9, 26\)"),
    ("theta-zero", lambda S, f: f(S, 0.0), ValueError, r"win_length must be in \(0, n_fft=16\], got 0\.0"),
    ("theta-above-n_fft", lambda S, f: f(S, 17.0), ValueError, r"win_length must be in \(0, n_fft=16\], got 17\.0"),
    ("theta-nan", lambda S, f: f(S, np.nan), ValueError, r"win_length must be finite"),
    ("theta-complex", lambda S, f: f(S, 16.0 + 0j), TypeError, r"win_length must be real, got complex"),
    ("theta-string", lambda S, f: f(S, "16"), TypeError, r"win_length must be a real numeric array"),
    ("theta-shape", lambda S, f: f(S, np.full((N_BINS + 1, N_FRAMES), THETA)), ValueError,
     r"win_length of shape \(10, 26\) does not broadcast"),
    ("positions-nan", lambda S, f: f(S, THETA, with_value(POSITIONS, 2, np.nan)), ValueError,
     r"positions must be finite"),
    ("positions-complex", lambda S, f: f(S, THETA, POSITIONS + 0j), TypeError, r"positions must be real"),
    ("positions-empty", lambda S, f: f(S[:, :0], THETA, POSITIONS[:0]), ValueError,
     r"positions must hold at least one frame"),
    ("batch-mismatch", lambda S, f: f(np.stack([S, S]), THETA, np.stack([POSITIONS] * 3)), ValueError,
     r"batch axes do not broadcast"),
    ("n_fft-odd", lambda S, f: f(S, n_fft=15), ValueError, r"n_fft must be an even integer >= 2, got 15"),
    ("n_fft-zero", lambda S, f: f(S, n_fft=0), ValueError, r"n_fft must be an even integer >= 2, got 0"),
    ("n_fft-float", lambda S, f: f(S, n_fft=16.0), TypeError, r"n_fft must be an even integer >= 2, got 16\.0"),
    ("length-zero", lambda S, f: f(S, length=0), ValueError, r"length must be an integer number of samples >= 1, got 0"),
    ("length-float", lambda S, f: f(S, length=100.0), TypeError, r"length must be an integer number of samples >= 1"),
    ("length-string", lambda S, f: f(S, length="100"), TypeError, r"length must be an integer number of samples >= 1"),
    ("window-unknown", lambda S, f: f(S, window="hamming"), ValueError,
     rf"window must be one of {WINDOW_CHOICES}; got 'hamming'"),
    ("norm-unknown", lambda S, f: f(S, norm="peak"), ValueError, r"norm must be one of 'area', None; got 'peak'"),
    ("phase-unknown", lambda S, f: f(S, phase="middle"), ValueError,
     r"phase must be one of 'absolute', 'center', 'start'; got 'middle'"),
]


@pytest.mark.parametrize("case, call, error, match", INVERSE_CASES, ids=[c[0] for c in INVERSE_CASES])
@pytest.mark.parametrize("func, name", [(call_istft, "S"), (call_adjoint, "grad_S")], ids=["istft", "stft_adjoint"])
def test_inverse_rejects(spectrum, func, name, case, call, error, match):
    expect(error, match.format(S=name), lambda: call(spectrum, func))


ISTFT_OPTION_CASES = [
    ({"rtol": 0.0}, ValueError, r"rtol must be in \(0, 1\), got 0\.0"),
    ({"rtol": np.nan}, ValueError, r"rtol must be in \(0, 1\), got nan"),
    ({"rtol": "1e-3"}, TypeError, r"rtol must be in \(0, 1\), got '1e-3'"),
    ({"max_iter": 0}, ValueError, r"max_iter must be an integer >= 1, got 0"),
    ({"max_iter": 5.0}, TypeError, r"max_iter must be an integer >= 1, got 5\.0"),
    ({"return_info": "yes"}, TypeError, r"return_info must be True or False, got 'yes'"),
]


@pytest.mark.parametrize("options, error, match", ISTFT_OPTION_CASES)
def test_istft_rejects_bad_options(spectrum, options, error, match):
    expect(error, match, lambda: call_istft(spectrum, **options))


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_inverse_overflow_is_an_error_not_inf(spectrum):
    """Finite S of about 1e308: the inverse FFT of the frames exceeds float64 (x̂ was returned as inf)."""
    expect(ValueError, r"x overflowed float64 although every input is finite.*Scale S down",
           lambda: call_istft(spectrum * 1e307))
    expect(ValueError, r"grad_x overflowed float64 although every input is finite.*Scale grad_S down",
           lambda: call_adjoint(spectrum * 1e307))
    # θ = 1e-200: ω = N/θ at u = 0, so Σ ω² overflows (the message spoke of a weight of inf "at most eps")
    expect(ValueError, r"the window weight Σ ω\(k - t_n\)² overflowed float64",
           lambda: call_istft(np.ones((N_BINS, N_SAMPLES)), 1e-200, np.arange(float(N_SAMPLES))))


def test_inverse_accepts_real_integer_and_any_layout_and_never_modifies_it(spectrum):
    """A real S is S + 0j; integer S is its float copy; strided, read-only, big-endian S: same x."""
    for func in (call_istft, call_adjoint):
        real = np.ascontiguousarray(spectrum.real)
        assert_same_results(func(real), func(real + 0j), f"{func.__name__}: real S")
        integer = np.round(real * 10).astype(np.int64)
        assert_same_results(func(integer), func(integer.astype(float)), f"{func.__name__}: integer S")
        assert_accepts_layouts(func, spectrum, func(spectrum), f"{func.__name__}: S")


def test_inverse_memory_limit_raises_before_allocating(memory_limit):
    """istft of T = 20000 frames of n_fft = 4096: the irfft buffer alone is 625 MiB.

    Before the error only the finiteness mask of S (one byte per entry, an
    eighth of S itself) may be allocated.
    """
    S = np.zeros((2049, 20000), dtype=np.complex64)
    dstft_np.set_memory_limit(10 * 2**20)
    positions = np.arange(20000.0)
    for name, func in (("istft", dstft_np.istft), ("stft_adjoint", stft_adjoint)):
        def expect_error():
            with pytest.raises(ValueError, match=r"would need .* MiB, above the memory limit of 10 MiB"):
                func(S, 8.0, positions, n_fft=4096, length=100)

        peak = peak_bytes(expect_error)
        assert peak < S.size + 2.5 * 2**20, f"{name}: {peak} bytes allocated before the error"


# ---------------------------------------------------------------- stft_jvp

def call_jvp(tangent_win=1.0, tangent_pos=None, win_length=THETA, positions=POSITIONS, **options):
    tangent_pos = np.zeros(np.shape(positions)) if tangent_pos is None else tangent_pos
    return dstft_np.stft_jvp(signal(), win_length, positions, tangent_win, tangent_pos,
                             **{"n_fft": N_FFT, **options})


JVP_CASES = [
    ("tangent_win-nan", lambda: call_jvp(np.nan), ValueError, r"tangent_win must be finite"),
    ("tangent_pos-inf", lambda: call_jvp(tangent_pos=with_value(np.zeros(N_FRAMES), 1, np.inf)), ValueError,
     r"tangent_pos must be finite"),
    ("tangent_win-complex", lambda: call_jvp(1j), TypeError, r"tangent_win must be real, got complex"),
    ("tangent_win-string", lambda: call_jvp("1"), TypeError, r"tangent_win must be a real numeric array"),
    ("tangent_win-None", lambda: call_jvp(None), TypeError, r"tangent_win must be a real numeric array"),
    ("tangent_win-shape", lambda: call_jvp(np.ones(N_FRAMES)), ValueError,
     r"tangent_win must have the shape of win_length, \(\), got \(26,\)"),
    ("tangent_pos-shape", lambda: call_jvp(tangent_pos=np.zeros(N_FRAMES - 1)), ValueError,
     r"tangent_pos must have the shape of positions, \(26,\), got \(25,\)"),
    ("theta-above-n_fft", lambda: call_jvp(win_length=17.0), ValueError, r"win_length must be in \(0, n_fft=16\]"),
    ("n_fft-odd", lambda: call_jvp(n_fft=15), ValueError, r"n_fft must be an even integer >= 2, got 15"),
    ("phase-unknown", lambda: call_jvp(phase="x"), ValueError, r"phase must be one of 'absolute', 'center', 'start'"),
    ("overflow", lambda: call_jvp(1e308, np.full(N_FRAMES, 1e308)), ValueError,
     r"dS overflowed complex128 although every input is finite.*Scale the tangents"),
]


@pytest.mark.parametrize("case, call, error, match", JVP_CASES, ids=[c[0] for c in JVP_CASES])
def test_jvp_rejects(case, call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # the overflow case raises its ValueError, no RuntimeWarning first
        expect(error, match, call)


# ---------------------------------------------------------------- losses

SPECTROGRAM_LOSSES = ("shannon_entropy", "renyi_entropy", "kurtosis")

LOSS_CASES = [
    ("nan", with_value(np.ones((3, 4)), (1, 1), np.nan), ValueError, r"Y must be finite"),
    ("inf", np.full((3, 4), np.inf), ValueError, r"Y must be finite"),
    ("negative", with_value(np.ones((3, 4)), (0, 2), -0.5), ValueError, r"Y must be >= 0 .*got -0\.5"),
    ("complex", np.ones((3, 4)) + 0j, TypeError, r"Y must be real, got complex"),
    ("strings", np.full((3, 4), "a"), TypeError, r"Y must be a real numeric array, got dtype <U1"),
    ("objects", np.full((3, 4), None), TypeError, r"Y must be a real numeric array, got dtype object"),
    ("ragged", [[1.0], [1.0, 2.0]], TypeError, r"Y must be a real numeric array, got list"),
    ("0d", 1.0, ValueError, r"Y must have shape \(\.\.\., F, T\) with F, T >= 1, got \(\)"),
    ("1d", np.ones(5), ValueError, r"Y must have shape \(\.\.\., F, T\) with F, T >= 1, got \(5,\)"),
    ("empty", np.zeros((0, 5)), ValueError, r"Y must have shape \(\.\.\., F, T\) with F, T >= 1, got \(0, 5\)"),
    # subnormal Y: the gradient ~ 1/ΣY exceeds float64; an error, not inf
    ("gradient-overflows", np.array([[1e-320, 5e-321], [0.0, 2e-321]]), ValueError,
     r"dL_dY overflowed float64 although every input is finite.*scale Y up"),
]


@pytest.mark.parametrize("case, Y, error, match", LOSS_CASES, ids=[c[0] for c in LOSS_CASES])
@pytest.mark.parametrize("name", SPECTROGRAM_LOSSES)
def test_spectrogram_losses_reject(name, case, Y, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect(error, match, lambda: getattr(losses, name)(Y))


@pytest.mark.parametrize("name", SPECTROGRAM_LOSSES)
def test_per_frame_must_be_a_bool(name):
    expect(TypeError, r"per_frame must be True or False, got 'yes'",
           lambda: getattr(losses, name)(np.ones((3, 4)), per_frame="yes"))


OTHER_LOSS_CASES = [
    ("renyi-alpha-nan", lambda: losses.renyi_entropy(np.ones((2, 2)), alpha=np.nan), ValueError,
     r"alpha must be finite"),
    ("renyi-alpha-zero", lambda: losses.renyi_entropy(np.ones((2, 2)), alpha=0), ValueError,
     r"alpha must be a positive finite number, got 0\.0"),
    ("renyi-alpha-string", lambda: losses.renyi_entropy(np.ones((2, 2)), alpha="3"), TypeError,
     r"alpha must be a real number, got '3'"),
    ("magnitude-S-nan", lambda: losses.magnitude(np.full((2, 2), np.nan)), ValueError, r"S must be finite"),
    ("magnitude-S-strings", lambda: losses.magnitude(np.full((2, 2), "a")), TypeError,
     r"S must be a numeric \(complex\) array"),
    ("magnitude-p-complex", lambda: losses.magnitude(np.ones((2, 2)), p=1j), TypeError, r"p must be a real number"),
    ("magnitude-p-negative", lambda: losses.magnitude(np.ones((2, 2)), p=-1), ValueError,
     r"p must be a positive finite number"),
    ("magnitude_vjp-shape", lambda: losses.magnitude_vjp(np.ones((2, 3)), np.ones((3, 2))), ValueError,
     r"dL_dY must have the shape of S, \(2, 3\), got \(3, 2\)"),
    ("magnitude_vjp-dL-nan", lambda: losses.magnitude_vjp(np.ones((2, 2)), np.full((2, 2), np.nan)), ValueError,
     r"dL_dY must be finite"),
    ("magnitude_vjp-dL-complex", lambda: losses.magnitude_vjp(np.ones((2, 2)), np.ones((2, 2)) * 1j), TypeError,
     r"dL_dY must be real, got complex"),
    ("magnitude_vjp-dL-strings", lambda: losses.magnitude_vjp(np.ones((2, 2)), np.full((2, 2), "a")), TypeError,
     r"dL_dY must be a real numeric array"),
    ("magnitude_vjp-S-inf", lambda: losses.magnitude_vjp(np.full((2, 2), np.inf), np.ones((2, 2))), ValueError,
     r"S must be finite"),
    ("magnitude_vjp-overflow", lambda: losses.magnitude_vjp(np.full((1, 1), 1e200), np.ones((1, 1)), p=3),
     ValueError, r"G overflowed .* although every input is finite"),
    ("smoothness-nan", lambda: losses.smoothness([1.0, np.nan]), ValueError, r"win_length must be finite"),
    ("smoothness-complex", lambda: losses.smoothness([1.0, 1j]), TypeError, r"win_length must be real"),
    ("smoothness-3d", lambda: losses.smoothness(np.ones((2, 2, 2))), ValueError,
     r"win_length must have at most two axes"),
    ("smoothness-scale-zero", lambda: losses.smoothness([1.0, 2.0], scale=0), ValueError,
     r"scale must be a positive finite number"),
    ("coverage-positions-nan", lambda: losses.coverage([0.0, np.nan], 12.0, 20), ValueError,
     r"positions must be finite"),
    ("coverage-positions-complex", lambda: losses.coverage([0.0, 1j], 12.0, 20), TypeError,
     r"positions must be real, got complex"),
    ("coverage-positions-strings", lambda: losses.coverage(["a", "b"], 12.0, 20), TypeError,
     r"positions must be a real numeric array"),
    ("coverage-positions-2d", lambda: losses.coverage(np.zeros((2, 2)), 12.0, 20), ValueError,
     r"positions must have shape \(T,\) with T >= 1, got \(2, 2\)"),
    ("coverage-theta-negative", lambda: losses.coverage([0.0, 10.0], -12.0, 20), ValueError,
     r"win_length must be > 0, got -12\.0"),
    ("coverage-theta-string", lambda: losses.coverage([0.0, 10.0], "12", 20), TypeError,
     r"win_length must be a real numeric array"),
    ("coverage-theta-shape", lambda: losses.coverage([0.0, 10.0], np.ones(3), 20), ValueError,
     r"win_length of shape \(3,\) does not broadcast to \(R, T=2\)"),
    ("coverage-n_samples-zero", lambda: losses.coverage([0.0, 10.0], 12.0, 0), ValueError,
     r"n_samples must be an integer >= 1, got 0"),
    ("coverage-n_samples-float", lambda: losses.coverage([0.0, 10.0], 12.0, 20.0), TypeError,
     r"n_samples must be an integer >= 1, got 20\.0"),
    ("coverage-reach", lambda: losses.coverage([0.0, 10.0], 12.0, 20, reach=1.5), ValueError,
     r"reach must be in \(0, 1\]"),
    ("get_loss-unknown", lambda: losses.get_loss("l2"), ValueError,
     r"loss must be one of 'entropy', 'frame-entropy', 'bin-entropy', 'renyi', 'kurtosis'; got 'l2'"),
    ("get_loss-None", lambda: losses.get_loss(None), ValueError, r"loss must be one of .*; got None"),
]


@pytest.mark.parametrize("case, call, error, match", OTHER_LOSS_CASES, ids=[c[0] for c in OTHER_LOSS_CASES])
def test_other_losses_reject(case, call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect(error, match, call)


def test_losses_accept_any_layout_and_never_modify_it(rng):
    Y = rng.uniform(0.0, 2.0, (2, 5, 7))
    for name in SPECTROGRAM_LOSSES:
        def func(arr, loss=getattr(losses, name)):
            return tuple(np.asarray(result) for result in loss(arr))   # (value as a 0-d array, dL_dY)

        assert_accepts_layouts(func, Y, func(Y), f"{name}: Y")
        counts = rng.integers(0, 9, (5, 7))
        assert_same_results(func(counts), func(counts.astype(float)), f"{name}: integer Y")
    S = rng.standard_normal((5, 7)) + 1j * rng.standard_normal((5, 7))
    dL_dY = rng.standard_normal((5, 7))
    assert_accepts_layouts(lambda arr: losses.magnitude_vjp(arr, dL_dY, p=2.0), S,
                           losses.magnitude_vjp(S, dL_dY, p=2.0), "magnitude_vjp: S")


# ---------------------------------------------------------------- Adam and ReduceOnPlateau

def adam(**options):
    return Adam({"x": np.zeros(2)}, **options)


OPTIMIZER_CASES = [
    ("params-not-dict", lambda: Adam([0.0, 1.0]), TypeError, r"params must be a non-empty dict"),
    ("params-empty", lambda: Adam({}), TypeError, r"params must be a non-empty dict"),
    ("params-nan", lambda: Adam({"x": [np.nan]}), ValueError, r"params\['x'\] must be finite"),
    ("params-complex", lambda: Adam({"x": [1j]}), TypeError, r"params\['x'\] must be real, got complex"),
    ("params-strings", lambda: Adam({"x": ["a"]}), TypeError, r"params\['x'\] must be a real numeric array"),
    ("params-string-number", lambda: Adam({"x": "1.5"}), TypeError, r"params\['x'\] must be a real numeric array"),
    ("params-None", lambda: Adam({"x": None}), TypeError, r"params\['x'\] must be a real numeric array"),
    ("lr-zero", lambda: adam(lr=0), ValueError, r"lr must be a positive finite number, got 0\.0"),
    ("lr-nan", lambda: adam(lr=np.nan), ValueError, r"lr must be finite"),
    ("lr-string", lambda: adam(lr="0.1"), TypeError, r"lr must be a real number, got '0\.1'"),
    ("lr-dict-keys", lambda: adam(lr={"y": 1.0}), ValueError, r"lr must give a value for each of \['x'\]"),
    ("betas-one", lambda: adam(betas=(0.9, 1.0)), ValueError, r"betas must be in \[0, 1\)"),
    ("betas-scalar", lambda: adam(betas=0.9), TypeError, r"betas must be a pair \(beta1, beta2\), got 0\.9"),
    ("betas-triple", lambda: adam(betas=(0.9, 0.9, 0.9)), TypeError, r"betas must be a pair \(beta1, beta2\)"),
    ("betas-nan", lambda: adam(betas=(np.nan, 0.9)), ValueError, r"betas must be finite"),
    ("betas-string", lambda: adam(betas=("a", 0.9)), TypeError, r"betas must be a real number, got 'a'"),
    ("eps-zero", lambda: adam(eps=0), ValueError, r"eps must be a positive finite number"),
    ("bounds-unknown", lambda: adam(bounds={"y": (0, 1)}), ValueError, r"bounds given for unknown parameters"),
    ("bounds-reversed", lambda: adam(bounds={"x": (1, 0)}), ValueError, r"bounds\['x'\] must satisfy low <= high"),
    ("bounds-nan", lambda: adam(bounds={"x": (np.nan, 1)}), ValueError, r"bounds\['x'\] low must be finite"),
    ("bounds-not-pair", lambda: adam(bounds={"x": 1.0}), TypeError, r"bounds\['x'\] must be a pair \(low, high\)"),
    ("bounds-string", lambda: adam(bounds={"x": ("a", 1)}), TypeError,
     r"bounds\['x'\] low must be a real numeric array"),
    ("bounds-complex", lambda: adam(bounds={"x": (1j, 2)}), TypeError, r"bounds\['x'\] low must be real"),
    ("bounds-shape", lambda: adam(bounds={"x": (np.zeros(3), 1)}), ValueError,
     r"bounds\['x'\] low of shape \(3,\) does not broadcast to the parameter's shape \(2,\)"),
    ("grads-not-dict", lambda: adam().step([0.0, 0.0]), TypeError, r"grads must be a dict"),
    ("grads-keys", lambda: adam().step({"y": [0.0, 0.0]}), ValueError, r"grads must have the keys \['x'\]"),
    ("grads-nan", lambda: adam().step({"x": [np.nan, 0.0]}), ValueError, r"grads\['x'\] must be finite"),
    ("grads-complex", lambda: adam().step({"x": [1j, 0.0]}), TypeError, r"grads\['x'\] must be real"),
    ("grads-strings", lambda: adam().step({"x": ["a", "b"]}), TypeError, r"grads\['x'\] must be a real numeric"),
    ("grads-None", lambda: adam().step({"x": None}), TypeError, r"grads\['x'\] must be a real numeric array"),
    ("grads-shape", lambda: adam().step({"x": np.zeros(3)}), ValueError, r"grads\['x'\] must have shape \(2,\)"),
    # g² overflows: v = inf and the step was silently 0
    ("grads-square-overflows", lambda: adam().step({"x": [1e200, 1.0]}), ValueError,
     r"grads\['x'\] must be at most 1\.34e\+154 in magnitude .*got 1e\+200"),
    ("plateau-not-adam", lambda: ReduceOnPlateau(None), TypeError, r"optimizer must be an Adam, got NoneType"),
    ("plateau-factor", lambda: ReduceOnPlateau(adam(), factor=1.0), ValueError, r"factor must be in \(0, 1\)"),
    ("plateau-factor-nan", lambda: ReduceOnPlateau(adam(), factor=np.nan), ValueError, r"factor must be finite"),
    ("plateau-patience", lambda: ReduceOnPlateau(adam(), patience=-1), ValueError,
     r"patience must be an integer >= 0, got -1"),
    ("plateau-min_lr", lambda: ReduceOnPlateau(adam(), min_lr=-1), ValueError,
     r"min_lr must be a non-negative finite number"),
    ("plateau-threshold", lambda: ReduceOnPlateau(adam(), threshold=np.nan), ValueError, r"threshold must be finite"),
    # a NaN loss made `best` NaN: every later step counted as a plateau
    ("plateau-step-nan", lambda: ReduceOnPlateau(adam()).step(np.nan), ValueError, r"value must be finite"),
    ("plateau-step-string", lambda: ReduceOnPlateau(adam()).step("a"), TypeError, r"value must be a real number"),
]


@pytest.mark.parametrize("case, call, error, match", OPTIMIZER_CASES, ids=[c[0] for c in OPTIMIZER_CASES])
def test_optimizer_rejects(case, call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect(error, match, call)


def test_adam_accepts_any_layout_and_never_modifies_it(rng):
    x0, grad = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))

    def one_step(params, grads):
        opt = Adam({"x": params}, lr=0.1, bounds={"x": (-1.0, 1.0)})
        return opt.step({"x": grads})["x"].copy()

    expected = one_step(x0, grad)
    assert_accepts_layouts(lambda arr: one_step(arr, grad), x0, expected, "params")
    assert_accepts_layouts(lambda arr: one_step(x0, arr), grad, expected, "grads")
    assert_same_results(one_step(np.arange(6).reshape(2, 3), grad),
                        one_step(np.arange(6.0).reshape(2, 3), grad), "integer params")


# ---------------------------------------------------------------- DSTFT

def model(**options):
    return dstft_np.DSTFT(**{"n_fft": 64, "hop_length": 16, "win_length": 40.0, **options})


def learnable(**options):
    return model(win_mode="time", hop_mode="time", n_samples=300, **options)


MODEL_CASES = [
    ("n_fft-odd", lambda: model(n_fft=63), ValueError, r"n_fft must be an even integer >= 2, got 63"),
    ("n_fft-zero", lambda: model(n_fft=0), ValueError, r"n_fft must be an even integer >= 2, got 0"),
    ("n_fft-string", lambda: model(n_fft="64"), TypeError, r"n_fft must be an even integer >= 2, got '64'"),
    ("hop-zero", lambda: model(hop_length=0), ValueError, r"hop_length must be a positive finite number of samples"),
    ("hop-negative", lambda: model(hop_length=-1), ValueError, r"hop_length must be a positive finite number"),
    ("hop-nan", lambda: model(hop_length=np.nan), ValueError, r"hop_length must be finite"),
    ("hop-string", lambda: model(hop_length="16"), TypeError, r"hop_length must be a real number"),
    # 3e302 frames: was numpy's "Maximum allowed dimension exceeded"
    ("hop-tiny", lambda: model(hop_length=1e-300, n_samples=300), ValueError,
     r"the positions of 1 \+ n_samples // hop_length = 3e\+302 frames would need .* above the memory limit"),
    ("theta-zero", lambda: model(win_length=0.0), ValueError, r"win_length must be in \(0, n_fft=64\], got 0\.0"),
    ("theta-above-n_fft", lambda: model(win_length=65.0), ValueError, r"win_length must be in \(0, n_fft=64\]"),
    ("theta-below-bound", lambda: model(win_length=1.5), ValueError,
     r"win_length must be in \[2\.0, 64\.0\] \(bounds\['win_length'\]\), got 1\.5"),
    ("theta-nan", lambda: model(win_length=np.nan), ValueError, r"win_length must be finite"),
    ("theta-complex", lambda: model(win_length=40 + 1j), TypeError, r"win_length must be real, got complex"),
    # "40" was accepted as 40.0, None as NaN
    ("theta-string", lambda: model(win_length="40"), TypeError, r"win_length must be a real numeric array"),
    ("theta-None", lambda: model(win_length=None), TypeError, r"win_length must be a real numeric array"),
    ("theta-shape", lambda: learnable(win_length=np.full(5, 40.0)), ValueError,
     r"win_length must be a scalar or have shape \(19,\) for this model, got \(5,\)"),
    ("win_mode", lambda: model(win_mode="cells"), ValueError,
     r"win_mode must be one of 'constant', 'time', 'frequency', 'time-frequency'; got 'cells'"),
    ("hop_mode", lambda: model(hop_mode="free"), ValueError,
     r"hop_mode must be one of 'fixed', 'constant', 'time'; got 'free'"),
    ("window", lambda: model(window="hamming"), ValueError, rf"window must be one of {WINDOW_CHOICES}"),
    ("norm", lambda: model(norm="peak"), ValueError, r"norm must be one of 'area', None"),
    ("phase", lambda: model(phase="centre"), ValueError, r"phase must be one of 'absolute', 'center', 'start'"),
    ("p-zero", lambda: model(p=0), ValueError, r"p must be a positive finite number"),
    ("n_samples-missing", lambda: model(win_mode="time"), ValueError,
     r"n_samples \(the signal length K\) is required with win_mode='time'"),
    ("n_samples-zero", lambda: model(n_samples=0), ValueError, r"n_samples must be an integer >= 1, got 0"),
    ("n_samples-float", lambda: model(n_samples=300.0), TypeError, r"n_samples must be an integer >= 1"),
    ("sample_rate-zero", lambda: model(sample_rate=0), ValueError, r"sample_rate must be a finite number of Hz > 0"),
    ("bounds-not-dict", lambda: model(bounds=[1, 2]), TypeError, r"bounds must be a dict with keys 'win_length'"),
    ("bounds-key", lambda: model(bounds={"theta": (1, 2)}), ValueError, r"bounds keys must be 'win_length'"),
    ("bounds-not-pair", lambda: model(bounds={"win_length": 10}), TypeError,
     r"bounds\['win_length'\] must be a pair \(low, high\), got 10"),
    ("bounds-triple", lambda: model(bounds={"win_length": (1, 2, 3)}), TypeError,
     r"bounds\['win_length'\] must be a pair"),
    ("bounds-string", lambda: model(bounds={"win_length": ("a", 64)}), TypeError,
     r"bounds\['win_length'\] must be a real number, got 'a'"),
    ("bounds-nan", lambda: model(bounds={"win_length": (np.nan, 64)}), ValueError,
     r"bounds\['win_length'\] must be finite"),
    ("bounds-above-n_fft", lambda: model(bounds={"win_length": (10.0, 100.0)}), ValueError,
     r"bounds\['win_length'\] must satisfy 0 < low <= high <= n_fft=64"),
    ("bounds-hop-inf", lambda: model(bounds={"hop_length": (1, np.inf)}), ValueError,
     r"bounds\['hop_length'\] must be finite"),
    ("bounds-hop-excludes-hop", lambda: model(hop_mode="constant", n_samples=300, bounds={"hop_length": (1, 8)}),
     ValueError, r"hop_length must be in \[1\.0, 8\.0\] \(bounds\['hop_length'\]\), got 16\.0"),
    ("from_seconds-rate", lambda: dstft_np.DSTFT.from_seconds(64, 0.001, 0.002, sample_rate=0), ValueError,
     r"sample_rate must be a finite number of Hz > 0"),
    ("from_seconds-hop-string", lambda: dstft_np.DSTFT.from_seconds(64, "a", 0.002, sample_rate=8000), TypeError,
     r"hop_length must be a real number of seconds"),
    ("from_seconds-too-long", lambda: dstft_np.DSTFT.from_seconds(64, 0.001, 0.02, sample_rate=8000), ValueError,
     r"win_length must be in \(0, n_fft=64\], got 160\.0"),
    ("from_seconds-bounds-not-pair",
     lambda: dstft_np.DSTFT.from_seconds(64, 0.001, 0.002, sample_rate=8000, bounds={"win_length": 0.008}),
     TypeError, r"bounds\['win_length'\] must be a pair \(low, high\)"),
    ("set-hops-nan", lambda: setattr(learnable(), "hops", np.full(18, np.nan)), ValueError, r"hops must be finite"),
    ("set-hops-string", lambda: setattr(learnable(), "hops", "a"), TypeError, r"hops must be a real numeric array"),
    ("set-hops-complex", lambda: setattr(learnable(), "hops", 16 + 1j), TypeError, r"hops must be real"),
    ("set-hops-zero", lambda: setattr(learnable(), "hops", 0.0), ValueError,
     r"hops must be in \[1\.0, 64\.0\] \(bounds\['hop_length'\]\), got 0\.0"),
    ("set-hop-length-time-mode", lambda: setattr(learnable(), "hop_length", 8.0), AttributeError,
     r"hop_mode='time' has one hop per frame: set model\.hops"),
    ("set_parameters-not-dict", lambda: learnable().set_parameters([1]), TypeError, r"params must be a dict"),
    ("set_parameters-unknown", lambda: learnable().set_parameters({"foo": 1}), ValueError,
     r"unknown parameter 'foo'; this model learns \['hops', 'win_length'\]"),
    ("positions-n_samples", lambda: model().positions(), ValueError, r"n_samples is required"),
]


@pytest.mark.parametrize("case, call, error, match", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_model_rejects(case, call, error, match):
    expect(error, match, call)


X = np.sin(0.3 * np.arange(300))

MODEL_CALL_CASES = [
    ("x-nan", lambda m: m(with_value(X, 5, np.nan)), ValueError, r"x must be finite"),
    ("x-complex", lambda m: m(X + 0j), TypeError, r"x must be real, got complex"),
    ("x-empty", lambda m: m(np.zeros(0)), ValueError, r"x must hold at least one sample"),
    ("x-0d", lambda m: m(1.0), ValueError, r"x must have at least one dimension"),
    ("x-strings", lambda m: m(["a"]), TypeError, r"x must be a real numeric array"),
    ("x-wrong-length", lambda m: m(X[:-1]), ValueError, r"x must have n_samples=300 samples along its last axis"),
    ("loss-unknown", lambda m: m.value_and_grad(X, loss="l2"), ValueError,
     r"loss must be one of 'entropy', 'frame-entropy', 'bin-entropy', 'renyi', 'kurtosis'; got 'l2'"),
    ("smoothness-negative", lambda m: m.value_and_grad(X, smoothness=-1.0), ValueError,
     r"smoothness must be a non-negative finite number"),
    ("coverage-nan", lambda m: m.value_and_grad(X, coverage=np.nan), ValueError, r"coverage must be finite"),
    # a custom loss returning the wrong things: named, not a numpy broadcasting error
    ("loss-returns-scalar", lambda m: m.value_and_grad(X, loss=lambda Y: 1.0), TypeError,
     r"the loss's result must be a pair \(value, dL_dY\), got 1\.0"),
    ("loss-returns-bad-shape", lambda m: m.value_and_grad(X, loss=lambda Y: (1.0, np.ones(3))), ValueError,
     r"the loss's dL_dY must have the shape of Y, \(33, 19\), got \(3,\)"),
    ("loss-returns-complex", lambda m: m.value_and_grad(X, loss=lambda Y: (1.0, np.ones(Y.shape) * 1j)), TypeError,
     r"the loss's dL_dY must be real, got complex"),
    ("loss-returns-string", lambda m: m.value_and_grad(X, loss=lambda Y: ("a", np.ones(Y.shape))), TypeError,
     r"the loss's value must be a real numeric array"),
    ("loss-returns-nan", lambda m: m.value_and_grad(X, loss=lambda Y: (np.nan, np.ones(Y.shape))),
     FloatingPointError, r"the loss or its gradient with respect to Y is not finite"),
    ("fit-max_evaluations-zero", lambda m: m.fit(X, max_evaluations=0), ValueError,
     r"max_evaluations must be an integer >= 1, got 0"),
    ("fit-max_evaluations-float", lambda m: m.fit(X, max_evaluations=2.0), TypeError,
     r"max_evaluations must be an integer >= 1, got 2\.0"),
    ("fit-method", lambda m: m.fit(X, method="sgd"), ValueError, r"method must be one of 'l-bfgs-b', 'adam'; got 'sgd'"),
    ("fit-tol", lambda m: m.fit(X, tol=-0.1), ValueError, r"tol must be a positive finite number"),
    ("fit-lr-without-adam", lambda m: m.fit(X, lr=1.0), ValueError, r"lr apply to method='adam' only"),
    ("fit-lr-zero", lambda m: m.fit(X, method="adam", lr=0), ValueError, r"lr must be a positive finite number"),
    ("fit-lr-nan", lambda m: m.fit(X, method="adam", lr=np.nan), ValueError, r"lr must be finite"),
    ("fit-lr-keys", lambda m: m.fit(X, method="adam", lr={"hop_length": 1.0}), ValueError,
     r"lr must give a value for each of \['hops', 'win_length'\]"),
    ("fit-factor", lambda m: m.fit(X, method="adam", factor=2), ValueError, r"factor must be in \(0, 1\)"),
    ("fit-patience", lambda m: m.fit(X, method="adam", patience=-1), ValueError,
     r"patience must be an integer >= 0"),
    ("fit-min_lr", lambda m: m.fit(X, method="adam", min_lr=-1), ValueError,
     r"min_lr must be a non-negative finite"),
    # these two failed only after the first evaluation, or not at all (progress=-1 printed every step)
    ("fit-callback", lambda m: m.fit(X, callback=3), TypeError, r"callback must be callable or None, got 3"),
    ("fit-progress-string", lambda m: m.fit(X, progress="x"), TypeError,
     r"progress must be an integer >= 0, got 'x'"),
    ("fit-progress-negative", lambda m: m.fit(X, progress=-1), ValueError,
     r"progress must be an integer >= 0, got -1"),
    ("to_fixed-x-nan", lambda m: m.to_fixed(with_value(X, 0, np.inf)), ValueError, r"x must be finite"),
]


@pytest.mark.parametrize("case, call, error, match", MODEL_CALL_CASES, ids=[c[0] for c in MODEL_CALL_CASES])
def test_model_methods_reject(case, call, error, match):
    m = learnable()
    before = m.parameters()
    expect(error, match, lambda: call(m))
    for name, value in m.parameters().items():
        np.testing.assert_array_equal(value, before[name], err_msg=f"{name} changed by a failed call")


def test_model_accepts_integer_and_read_only_signals_and_never_modifies_them(rng):
    m = model(n_samples=300, hop_mode="constant")
    integer = rng.integers(-100, 100, 300)
    read_only = integer.astype(float)
    read_only.flags.writeable = False
    for label, arr in (("integer", integer), ("read-only", read_only), ("strided", layouts(read_only)[0][1])):
        before = snapshot(arr)
        value, grads = m.value_and_grad(arr)
        assert_untouched(arr, before, f"x ({label})")
        expected_value, expected_grads = m.value_and_grad(integer.astype(float))
        assert value == pytest.approx(expected_value, rel=1e-14, abs=0)
        for name in grads:
            assert_same_results(grads[name], expected_grads[name], f"{name}: x {label}")


def test_model_memory_limit_raises_before_allocating(memory_limit):
    """A 10^6-sample signal at hop 1 and n_fft 64: 10^6 frames of 64 samples (1.5 GiB of buffers).

    Before the error: the positions (8 bytes per frame, as many as x) and the
    finiteness mask of x, well under 2.5 times x.
    """
    m = model(hop_length=1)
    x = np.zeros(10**6)
    dstft_np.set_memory_limit(10 * 2**20)

    def expect_error():
        with pytest.raises(ValueError, match=r"would need .* MiB, above the memory limit of 10 MiB"):
            m.value_and_grad(x)

    peak = peak_bytes(expect_error)
    assert peak < 2.5 * x.nbytes, f"{peak} bytes allocated before the error"


# ---------------------------------------------------------------- io.load

@pytest.fixture
def files(tmp_path):
    good = np.sin(0.1 * np.arange(300))
    np.save(tmp_path / "x.npy", good)
    np.save(tmp_path / "nan.npy", with_value(good, 7, np.nan))
    np.save(tmp_path / "complex.npy", good + 1j)
    np.save(tmp_path / "strings.npy", np.array(["a", "b"]))
    np.save(tmp_path / "one.npy", np.ones(1))
    np.save(tmp_path / "empty.npy", np.ones(0))
    np.save(tmp_path / "cube.npy", np.ones((2, 3, 4)))
    np.save(tmp_path / "objects.npy", np.array([1, None], dtype=object), allow_pickle=True)
    np.savez(tmp_path / "two.npz", a=good, b=good)
    (tmp_path / "junk.npy").write_bytes(b"hello")
    (tmp_path / "junk.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    (tmp_path / "junk.mat").write_bytes(b"garbage")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("a,b\n")
    (tmp_path / "folder.npy").mkdir()
    (tmp_path / "x.txt").write_text("1 2 3\n")
    return tmp_path


IO_CASES = [
    ("missing", "absent.npy", {}, FileNotFoundError, r"no such file: .*absent\.npy"),
    ("folder", "folder.npy", {}, IsADirectoryError, r"folder\.npy is a directory, not a signal file"),
    ("unknown-suffix", "x.txt", {}, ValueError, r"unknown file type '\.txt'; supported: \.wav, \.npy"),
    ("nan", "nan.npy", {}, ValueError, r"the signal in .*nan\.npy must be finite"),
    ("complex", "complex.npy", {}, ValueError, r"holds no signal: .*got dtype complex128 and shape \(300,\)"),
    ("strings", "strings.npy", {}, ValueError, r"holds no signal: .*got dtype <U1"),
    ("one-sample", "one.npy", {}, ValueError, r"holds no signal: .*shape \(1,\)"),
    ("empty", "empty.npy", {}, ValueError, r"holds no signal: .*shape \(0,\)"),
    ("three-axes", "cube.npy", {}, ValueError, r"holds no signal: .*shape \(2, 3, 4\)"),
    ("pickled-objects", "objects.npy", {}, ValueError, r"could not read .*objects\.npy as a \.npy file"),
    ("junk-npy", "junk.npy", {}, ValueError, r"does not start with the NumPy \.npy header"),
    ("junk-wav", "junk.wav", {}, ValueError, r"could not read .*junk\.wav as a \.wav file"),
    ("junk-mat", "junk.mat", {}, ValueError, r"could not read .*junk\.mat as a \.mat file"),
    ("empty-csv", "empty.csv", {}, ValueError, r"the file holds no rows"),
    ("header-only-csv", "header.csv", {}, ValueError, r"no rows of numbers below the first line 'a,b'"),
    ("several-signals", "two.npz", {}, ValueError, r"holds several signals: 'a' \(300,\), 'b' \(300,\)"),
    ("wrong-variable", "two.npz", {"variable": "c"}, ValueError, r"variable 'c' is not in .*'a' \(300,\)"),
    ("variable-for-npy", "x.npy", {"variable": "a"}, ValueError, r"variable applies to \.mat, \.npz and \.csv"),
    ("wrong-channel", "x.npy", {"channel": 1}, ValueError,
     r"channel must be an integer in \[0, 1\) or 'mean' for this 1-channel signal, got 1"),
    ("negative-channel", "x.npy", {"channel": -1}, ValueError, r"channel must be an integer in \[0, 1\)"),
    ("channel-name", "x.npy", {"channel": "left"}, ValueError, r"channel must be an integer .* got 'left'"),
    ("sample-rate-zero", "x.npy", {"sample_rate": 0}, ValueError, r"sample_rate must be a finite number of Hz > 0"),
    ("sample-rate-string", "x.npy", {"sample_rate": "8000"}, TypeError, r"sample_rate must be a finite number"),
]


@pytest.mark.parametrize("case, name, options, error, match", IO_CASES, ids=[c[0] for c in IO_CASES])
def test_load_rejects(files, case, name, options, error, match):
    with warnings.catch_warnings():
        # a reader's warnings before a failure are dropped: the error is the whole story
        warnings.simplefilter("error")
        expect(error, match, lambda: io.load(files / name, **options))


@pytest.mark.parametrize("path", [None, 3, ["x.npy"]])
def test_load_rejects_a_path_that_is_no_path(path):
    expect(TypeError, r"path must be a str or os\.PathLike, got", lambda: io.load(path))


# ---------------------------------------------------------------- plots

@pytest.fixture
def figure_axes():
    from matplotlib.figure import Figure

    return Figure().subplots()


PLOT_S = np.ones((N_BINS, 6)) + 0.5j
PLOT_POSITIONS = np.arange(6) * 8.0

PLOT_CASES = [
    ("spectrogram-nan", lambda ax: plot.spectrogram(with_value(PLOT_S, (2, 2), np.nan), ax=ax), ValueError,
     r"S must be finite"),
    ("spectrogram-inf", lambda ax: plot.spectrogram(with_value(PLOT_S, (0, 0), np.inf), ax=ax), ValueError,
     r"S must be finite"),
    ("spectrogram-strings", lambda ax: plot.spectrogram(np.full((3, 3), "a"), ax=ax), TypeError,
     r"S must be a numeric \(complex\) array"),
    ("spectrogram-batch", lambda ax: plot.spectrogram(PLOT_S[None], ax=ax), ValueError,
     r"S must be a numeric \(F, T\) array with F >= 2 \(one item of a batch\), got shape \(1, 9, 6\)"),
    ("spectrogram-positions-nan", lambda ax: plot.spectrogram(PLOT_S, with_value(PLOT_POSITIONS, 1, np.nan), ax=ax),
     ValueError, r"positions must be finite"),
    ("spectrogram-positions-shape", lambda ax: plot.spectrogram(PLOT_S, PLOT_POSITIONS[:-1], ax=ax), ValueError,
     r"positions must have shape \(T,\) = \(6,\), got \(5,\)"),
    ("spectrogram-positions-decreasing", lambda ax: plot.spectrogram(PLOT_S, PLOT_POSITIONS[::-1], ax=ax),
     ValueError, r"positions must be strictly increasing"),
    ("spectrogram-db_range-None", lambda ax: plot.spectrogram(PLOT_S, db_range=None, ax=ax), TypeError,
     r"db_range must be a real number, got None"),
    ("spectrogram-db_range-negative", lambda ax: plot.spectrogram(PLOT_S, db_range=-3, ax=ax), ValueError,
     r"db_range must be a positive finite number"),
    ("spectrogram-sample_rate", lambda ax: plot.spectrogram(PLOT_S, sample_rate=np.nan, ax=ax), ValueError,
     r"sample_rate must be a finite number of Hz > 0"),
    ("map-nan", lambda ax: plot.win_length_map([np.nan, 1.0], ax=ax), ValueError, r"win_length must be finite"),
    ("map-negative", lambda ax: plot.win_length_map([3.0, -1.0], ax=ax), ValueError,
     r"win_length must be > 0, got -1\.0"),
    ("map-strings", lambda ax: plot.win_length_map(["a"], ax=ax), TypeError, r"win_length must be a real numeric"),
    ("map-empty", lambda ax: plot.win_length_map(np.zeros(0), ax=ax), ValueError,
     r"win_length must hold at least one value, got shape \(0,\)"),
    ("map-3d", lambda ax: plot.win_length_map(np.ones((2, 3, 4)), ax=ax), ValueError,
     r"win_length must be a scalar, \(T,\), \(1, T\), \(F, 1\) or \(F, T\)"),
    ("map-positions-shape", lambda ax: plot.win_length_map(np.ones(6), PLOT_POSITIONS[:-1], ax=ax), ValueError,
     r"positions must have shape \(T,\) = \(6,\)"),
    ("windows-x-nan", lambda ax: plot.windows(with_value(np.ones(50), 3, np.nan), 8.0, PLOT_POSITIONS, n_fft=16,
                                              ax=ax), ValueError, r"x must be finite"),
    ("windows-x-complex", lambda ax: plot.windows(np.ones(50) + 0j, 8.0, PLOT_POSITIONS, n_fft=16, ax=ax),
     TypeError, r"x must be real, got complex"),
    ("windows-x-batch", lambda ax: plot.windows(np.ones((2, 50)), 8.0, PLOT_POSITIONS, n_fft=16, ax=ax),
     ValueError, r"x must be a real \(K,\) signal \(one item of a batch\), got shape \(2, 50\)"),
    ("windows-x-empty", lambda ax: plot.windows(np.ones(0), 8.0, PLOT_POSITIONS, n_fft=16, ax=ax), ValueError,
     r"x must hold at least one sample"),
    ("windows-theta-above-n_fft", lambda ax: plot.windows(np.ones(50), 17.0, PLOT_POSITIONS, n_fft=16, ax=ax),
     ValueError, r"win_length must be in \(0, n_fft=16\], got 17\.0"),
    ("windows-n_fft-odd", lambda ax: plot.windows(np.ones(50), 8.0, PLOT_POSITIONS, n_fft=15, ax=ax), ValueError,
     r"n_fft must be an even integer >= 2, got 15"),
    ("windows-every", lambda ax: plot.windows(np.ones(50), 8.0, PLOT_POSITIONS, n_fft=16, every=0, ax=ax),
     ValueError, r"every must be an integer >= 1, got 0"),
    ("windows-window", lambda ax: plot.windows(np.ones(50), 8.0, PLOT_POSITIONS, n_fft=16, window="x", ax=ax),
     ValueError, rf"window must be one of {WINDOW_CHOICES}"),
]


@pytest.mark.parametrize("case, call, error, match", PLOT_CASES, ids=[c[0] for c in PLOT_CASES])
def test_plots_reject(figure_axes, case, call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect(error, match, lambda: call(figure_axes))
    assert not figure_axes.collections and not figure_axes.lines, "nothing drawn before the error"


# ---------------------------------------------------------------- conventions.preset and conformance.check

PRESET_CASES = [
    ({"convention": "numpy"}, ValueError, r"convention must be one of 'torch', 'librosa', 'scipy'; got 'numpy'"),
    ({"x": np.zeros((3, 0))}, ValueError, r"x must hold at least one sample along its last axis"),
    ({"x": [1, "a"]}, TypeError, r"x must be"),
    ({"n_fft": 15}, ValueError, r"n_fft must be an even integer >= 2, got 15"),
    ({"n_fft": 16.0}, TypeError, r"n_fft must be an even integer >= 2, got 16\.0"),
    ({"hop_length": 0}, ValueError, r"hop_length must be an integer >= 1, got 0"),
    ({"hop_length": 4.0}, TypeError, r"hop_length must be an integer >= 1, got 4\.0"),
    ({"win_length": 7}, ValueError, r"win_length must be an even integer in \[2, n_fft=16\] for convention 'torch'"),
    ({"win_length": 18}, ValueError, r"win_length must be an even integer in \[2, n_fft=16\]"),
    ({"window": "gaussian"}, ValueError,
     rf"window must be one of {', '.join(map(repr, CONVENTION_WINDOWS))}; got 'gaussian'"),
    ({"convention": "scipy", "x": np.ones(3)}, ValueError,
     r"x must hold at least win_length - win_length // 2 = 8 samples for convention 'scipy'"),
    ({"pad_mode": "wrap"}, ValueError, r"pad_mode for convention 'torch' must be one of 'constant', 'reflect'"),
]


@pytest.mark.parametrize("options, error, match", PRESET_CASES)
def test_preset_rejects(options, error, match):
    args = {"convention": "torch", "x": np.ones(100), "n_fft": 16, "hop_length": 4, **options}
    window = args.pop("window", "hann")
    expect(error, match, lambda: conventions.preset(**args, window=window))


CHECK_CASES = [
    ({"stft_fn": None}, TypeError, r"stft_fn must be callable, got None"),
    ({"stft_fn": 3}, TypeError, r"stft_fn must be callable or None, got 3"),
    ({"vjp_fn": "dstft_np:stft_vjp"}, TypeError, r"vjp_fn must be callable or None"),
    ({"rtol": -1.0}, ValueError, r"rtol must be a finite real number >= 0, got -1\.0"),
    # an infinite tolerance passes every implementation: a check that cannot fail
    ({"rtol": np.inf}, ValueError, r"rtol must be a finite real number >= 0, got inf"),
    ({"atol": "0"}, TypeError, r"atol must be a finite real number >= 0, got '0'"),
    ({"cases": "no-such-case-*"}, ValueError, r"match no golden case"),
    ({"families": ["interior", "outer"]}, ValueError, r"families must be names among 'interior', 'edge'"),
    ({"profile": "float16"}, ValueError, r"profile must be one of 'float64', 'float32'; got 'float16'"),
    ({"supported": {"phase": ["begin"]}}, ValueError,
     r"supported\['phase'\] values must be one of 'absolute', 'center', 'start'; got 'begin'"),
    ({"supported": "hann"}, TypeError, r"supported must be a mapping"),
]


@pytest.mark.parametrize("options, error, match", CHECK_CASES)
def test_conformance_check_rejects(options, error, match):
    args = {"stft_fn": dstft_np.stft, **options}
    expect(error, match, lambda: dstft_np.conformance.check(args.pop("stft_fn"), **args))
