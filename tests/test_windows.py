"""The base windows' definitions: cosine sums of any length, and the kernels' table of them.

Reference: h(v) = Σ_i a_i cos(2πiv) and h'(v) = -2π Σ_i i a_i sin(2πiv)
evaluated term by term with numpy's cos and sin (the code under test
advances e^{j2πiv} by complex products instead).
"""

import numpy as np
import pytest

from dstft_np import windows
from dstft_np._kernels import window_terms
from dstft_np._options import WINDOWS

V = np.linspace(-0.5, 0.5, 201)


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
