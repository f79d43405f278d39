"""Bad input to istft and stft_adjoint: a clear error, never a silent NaN.

As everywhere (tests/inputs.py holds the shared helpers) each case pins the
exception type and a message naming the argument and what it may be;
legal layouts (integer, strided, read-only, big-endian) are accepted, left
untouched, and give the results of the plain float64 array.
"""

import numpy as np
import pytest

import dstft_np
from dstft_np.inverse import stft_adjoint

from .inputs import (N_BINS, N_FFT, N_FRAMES, N_SAMPLES, POSITIONS, THETA, WINDOW_CHOICES, assert_accepts_layouts,
                     assert_same_results, expect, peak_bytes, signal, with_value)


@pytest.fixture(scope="module")
def spectrum():
    return dstft_np.stft(signal(), THETA, POSITIONS, n_fft=N_FFT)


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
