"""The base windows' definitions: cosine sums of any length, and the kernels' table of them.

Reference: h(v) = Σ_i a_i cos(2πiv) and h'(v) = -2π Σ_i i a_i sin(2πiv)
evaluated term by term with numpy's cos and sin (the code under test
advances e^{j2πiv} by complex products instead).
"""

import itertools

import numpy as np
import pytest

import dstft_np
from dstft_np import windows
from dstft_np._kernels import window_terms
from dstft_np._options import NORMS, WINDOWS

from .gradcheck import central_difference
from .inputs import WINDOW_CHOICES, assert_same_results, assert_untouched, layouts, snapshot
from .tolerance import FD_STEP, tolerance

V = np.linspace(-0.5, 0.5, 201)
N_FFT = 16


def reference_terms(a, v):
    i = np.arange(len(a))[:, None]
    a = np.asarray(a)[:, None]
    return np.sum(a * np.cos(2 * np.pi * i * v), axis=0), -2 * np.pi * np.sum(i * a * np.sin(2 * np.pi * i * v), axis=0)


@pytest.mark.parametrize("n_terms", [2, 3, 4, 6])
def test_cosine_sum_terms_take_any_number_of_coefficients(rng, n_terms):
    a = tuple(rng.uniform(-1, 1, n_terms))
    h, dh = reference_terms(a, V)
    plain = np.array([windows.cosine_sum_terms(a, np.cos(2 * np.pi * v), np.sin(2 * np.pi * v)) for v in V])
    # the kernels' compiled twin, with a row of coefficients as the kernels pass it
    compiled = np.array([window_terms._cosine_sum_terms(np.array(a), np.cos(2 * np.pi * v), np.sin(2 * np.pi * v))
                         for v in V])
    for got, name in ((plain, "plain"), (compiled, "compiled")):
        np.testing.assert_allclose(got[:, 0], h, rtol=0, atol=1e-14 * n_terms, err_msg=f"h, {name}, a={a}")
        np.testing.assert_allclose(got[:, 1], dh, rtol=0, atol=1e-13 * n_terms**2, err_msg=f"h', {name}, a={a}")


def test_trailing_zero_coefficients_change_nothing():
    for v in V:
        c, s = np.cos(2 * np.pi * v), np.sin(2 * np.pi * v)
        assert windows.cosine_sum_terms((0.5, 0.5), c, s) == windows.cosine_sum_terms((0.5, 0.5, 0.0, 0.0), c, s)


def test_kernel_table_holds_every_cosine_sum_padded_with_zeros():
    table = window_terms._COSINE_SUM
    assert table.shape == (len(WINDOWS), max(len(a) for a in window_terms.COSINE_SUM.values()))
    for code, name in enumerate(WINDOWS):
        a = window_terms.COSINE_SUM.get(name, ())
        np.testing.assert_array_equal(table[code], a + (0.0,) * (table.shape[1] - len(a)), err_msg=name)
        assert window_terms._IS_COSINE_SUM[code] == (name in window_terms.COSINE_SUM)


@pytest.mark.parametrize("window", sorted(window_terms.COSINE_SUM))
def test_window_of_every_cosine_sum_is_its_coefficient_sum(window):
    """window() (through the compiled table) against the sum of the registered coefficients at θ = N = 64."""
    u = np.arange(-32, 33)
    expected, _ = reference_terms(window_terms.COSINE_SUM[window], u / 64)
    np.testing.assert_allclose(windows.window(u, 64.0, n_fft=64, window=window), expected, rtol=0, atol=1e-14)


# ---------------------------------------------------------------- bad input

WINDOW_CASES = [
    ("u-nan", {"u": [0.0, np.nan]}, ValueError, r"u must be finite"),
    ("u-inf", {"u": [np.inf]}, ValueError, r"u must be finite"),
    ("u-complex", {"u": [1j]}, TypeError, r"u must be real, got complex"),
    ("u-strings", {"u": ["a"]}, TypeError, r"u must be a real numeric array"),
    ("theta-zero", {"win_length": 0.0}, ValueError, r"win_length must be in \(0, n_fft=16\], got 0\.0"),
    ("theta-negative", {"win_length": -1}, ValueError, r"win_length must be in \(0, n_fft=16\], got -1"),
    ("theta-above-n_fft", {"win_length": 16.01}, ValueError, r"win_length must be in \(0, n_fft=16\], got 16\.01"),
    ("theta-nan", {"win_length": np.nan}, ValueError, r"win_length must be finite"),
    ("theta-inf", {"win_length": np.inf}, ValueError, r"win_length must be finite"),
    ("theta-complex", {"win_length": 4 + 1j}, TypeError, r"win_length must be a real number"),
    ("theta-array", {"win_length": np.array([4.0, 5.0])}, TypeError, r"win_length must be a real number"),
    ("theta-string", {"win_length": "4"}, TypeError, r"win_length must be a real number"),
    ("n_fft-odd", {"n_fft": 17}, ValueError, r"n_fft must be an even integer >= 2, got 17"),
    ("n_fft-zero", {"n_fft": 0}, ValueError, r"n_fft must be an even integer >= 2, got 0"),
    ("n_fft-float", {"n_fft": 16.5}, TypeError, r"n_fft must be an even integer >= 2, got 16\.5"),
    ("window-unknown", {"window": "kaiser"}, ValueError, rf"window must be one of {WINDOW_CHOICES}"),
    ("norm-unknown", {"norm": "peak"}, ValueError, r"norm must be one of 'area', None"),
    ("derivative-unknown", {"derivative": "theta"}, ValueError,
     r"derivative must be one of None, 'win_length', 'offset'; got 'theta'"),
]


@pytest.mark.parametrize("case, overrides, error, match", WINDOW_CASES, ids=[c[0] for c in WINDOW_CASES])
def test_window_rejects(case, overrides, error, match):
    args = {"u": np.arange(-8.0, 9.0), "win_length": 10.0, "n_fft": N_FFT, **overrides}
    u = args.pop("u")
    win_length = args.pop("win_length")
    with pytest.raises(error, match=match):
        dstft_np.window(u, win_length, **args)


def test_window_accepts_any_layout_and_never_modifies_it(rng):
    u = rng.uniform(-9.0, 9.0, (3, 7))
    for derivative in (None, "win_length", "offset"):
        expected = dstft_np.window(u, 10.5, n_fft=N_FFT, derivative=derivative)
        for label, arr in layouts(u) + [("integer", np.arange(-8, 9))]:
            before = snapshot(arr)
            result = dstft_np.window(arr, 10.5, n_fft=N_FFT, derivative=derivative)
            assert_untouched(arr, before, f"u ({label})")
            reference = expected if label != "integer" else dstft_np.window(
                np.arange(-8.0, 9.0), 10.5, n_fft=N_FFT, derivative=derivative)
            assert_same_results(result, reference, f"window u {label}, {derivative=}")


def test_window_derivatives_match_central_differences(rng):
    """∂ω/∂θ and ∂ω/∂u of dstft_np.window, inside the support, for every window and norm."""
    u = rng.uniform(-20, 20, 50)
    theta = 47.3
    for window, norm in itertools.product(WINDOWS, NORMS):
        kw = dict(n_fft=64, window=window, norm=norm)
        fd_theta = central_difference(lambda w: dstft_np.window(u, w, **kw), theta, 1.0, FD_STEP)
        fd_u = central_difference(lambda v: dstft_np.window(v, theta, **kw), u, 1.0, FD_STEP)
        d_theta = dstft_np.window(u, theta, derivative="win_length", **kw)
        d_u = dstft_np.window(u, theta, derivative="offset", **kw)
        rtol = tolerance("finite-difference")
        np.testing.assert_allclose(d_theta, fd_theta, rtol=rtol, atol=1e-9, err_msg=f"{window}, {norm}")
        np.testing.assert_allclose(d_u, fd_u, rtol=rtol, atol=1e-9, err_msg=f"{window}, {norm}")
