"""Base windows h(v) on [-1/2, 1/2] and their derivatives h'(v).

The window of length θ centred at 0 is built from a base window h
(DESIGN.md §2)::

    ω(u; θ) = c(θ) · h(u / θ)   for |u| <= θ/2, else 0
    c(θ) = N / θ  (norm="area")  or  1  (norm=None)

Every derivative the library computes reaches the window only through
``base`` and ``base_deriv`` below, so adding a window means adding its h and
h' here and its name to ``_options.WINDOWS``.

Smoothness at the edges v = ±1/2 matters for the derivatives:

- ``"hann"``: h(v) = cos²(πv) = 0.5 + 0.5 cos(2πv). h(±1/2) = 0 and
  h'(±1/2) = 0: C¹ on the real line, so the closed-form derivatives are exact.
  At θ = N, integer t_n and norm="area" it is the periodic Hann window of
  length N (``scipy.signal.windows.hann(N, sym=False)``).
- ``"blackman"``: h(v) = 0.42 + 0.5 cos(2πv) + 0.08 cos(4πv). h(±1/2) = 0 and
  h'(±1/2) = 0: C¹, exact derivatives; at θ = N it is
  ``scipy.signal.windows.blackman(N, sym=False)``.
- ``"gaussian"``: h(v) = exp(-v² / (2 s²)) with s = ``GAUSSIAN_STD`` = 1/8,
  i.e. a standard deviation of θ/8 samples, truncated at |v| = 1/2 where
  h = exp(-8) ≈ 3.4e-4. Not continuous at the edges: when θ or t_n moves a
  sample across an edge, S jumps by c·h(1/2)·x[k]·e^{...}. The closed-form
  derivatives leave this edge term out (it is a sum of Dirac impulses in θ
  and t_n); between those crossings they are exact.
"""

import math

import numpy as np
from numba import njit

from ._options import NORMS, WINDOWS, option_code
from ._validation import check_n_fft, check_real, check_scalar

__all__ = ["GAUSSIAN_STD", "base", "base_deriv", "window_term", "window"]

#: Relative standard deviation s of the truncated Gaussian: σ = s·θ samples.
GAUSSIAN_STD = 0.125

_HANN, _BLACKMAN, _GAUSSIAN = range(len(WINDOWS))


@njit(cache=True)
def hann(v):
    """h(v) = 0.5 + 0.5 cos(2πv)."""
    return 0.5 + 0.5 * math.cos(2.0 * math.pi * v)


@njit(cache=True)
def hann_deriv(v):
    """h'(v) = -π sin(2πv)."""
    return -math.pi * math.sin(2.0 * math.pi * v)


@njit(cache=True)
def blackman(v):
    """h(v) = 0.42 + 0.5 cos(2πv) + 0.08 cos(4πv)."""
    return 0.42 + 0.5 * math.cos(2.0 * math.pi * v) + 0.08 * math.cos(4.0 * math.pi * v)


@njit(cache=True)
def blackman_deriv(v):
    """h'(v) = -π sin(2πv) - 0.32π sin(4πv)."""
    return -math.pi * math.sin(2.0 * math.pi * v) - 0.32 * math.pi * math.sin(4.0 * math.pi * v)


@njit(cache=True)
def gaussian(v):
    """h(v) = exp(-v² / (2 s²))."""
    z = v / GAUSSIAN_STD
    return math.exp(-0.5 * z * z)


@njit(cache=True)
def gaussian_deriv(v):
    """h'(v) = -v / s² · h(v)."""
    return -v / (GAUSSIAN_STD * GAUSSIAN_STD) * gaussian(v)


@njit(cache=True)
def base(code, v):
    """h(v) of the window with kernel code `code` (index in WINDOWS)."""
    if code == _HANN:
        return hann(v)
    if code == _BLACKMAN:
        return blackman(v)
    return gaussian(v)


@njit(cache=True)
def base_deriv(code, v):
    """h'(v) of the window with kernel code `code`."""
    if code == _HANN:
        return hann_deriv(v)
    if code == _BLACKMAN:
        return blackman_deriv(v)
    return gaussian_deriv(v)


#: What ``window_term`` returns: ω, ∂ω/∂θ, or -∂ω/∂u (the sign of ∂S/∂t_n).
VALUE, D_WIN, NEG_D_OFFSET = 0, 1, 2


@njit(cache=True)
def window_term(which, code, area, u, theta, n_fft):
    """ω(u; θ), ∂ω/∂θ = -(1/θ)[(1-δ)ω + u ω'(u)], or -ω'(u) with ω'(u) = c h'(u/θ)/θ.

    `which` is VALUE, D_WIN or NEG_D_OFFSET; `area` selects c = N/θ (δ = 0)
    over c = 1 (δ = 1). The caller keeps |u| <= θ/2.
    """
    v = u / theta
    c = n_fft / theta if area else 1.0
    if which == VALUE:
        return c * base(code, v)
    dw_du = c * base_deriv(code, v) / theta
    if which == NEG_D_OFFSET:
        return -dw_du
    if area:
        return -(c * base(code, v) + u * dw_du) / theta
    return -u * dw_du / theta


@njit(cache=True)
def _fill_window(which, code, area, u, theta, n_fft, out):
    """out[i] = window_term(which, ..., u[i], ...) inside the support, 0 outside."""
    for i in range(u.shape[0]):
        if abs(u[i]) <= 0.5 * theta:
            out[i] = window_term(which, code, area, u[i], theta, n_fft)
        else:
            out[i] = 0.0


_DERIVATIVES = (None, "win_length", "offset")


def window(u, win_length, *, n_fft, window="hann", norm="area", derivative=None):
    """Evaluate ω(u; θ) = c(θ) h(u/θ), or one of its derivatives (plain NumPy in, out).

    Parameters
    ----------
    u : array_like [shape=(...)], float
        Offsets k - t_n from the window centre, in samples.
    win_length : float
        θ, the window length in samples, 0 < θ <= n_fft.
    n_fft : int
        N; enters only through c(θ) = N/θ for norm="area".
    window : {"hann", "blackman", "gaussian"}
    norm : {"area", None}
    derivative : {None, "win_length", "offset"}
        None for ω, "win_length" for ∂ω/∂θ, "offset" for ∂ω/∂u.

    Returns
    -------
    w : np.ndarray [shape=(...)], float64
        The requested values; zero where |u| > θ/2.

    Raises
    ------
    ValueError
        Non-finite u or win_length, win_length outside (0, n_fft], n_fft
        not an even integer >= 2, an unknown option.
    TypeError
        Complex or non-numeric u, a win_length that is not one real number,
        a non-integer n_fft.

    Examples
    --------
    >>> import numpy as np, scipy.signal
    >>> n = np.arange(8)
    >>> w = window(n - 4, 8.0, n_fft=8)
    >>> bool(np.allclose(w, scipy.signal.windows.hann(8, sym=False)))
    True
    """
    code = option_code("window", window, WINDOWS)
    area = option_code("norm", norm, NORMS) == 0
    which = option_code("derivative", derivative, _DERIVATIVES)
    n_fft = check_n_fft(n_fft)
    theta = check_scalar(win_length, "win_length")
    if not 0.0 < theta <= n_fft:
        raise ValueError(f"win_length must be in (0, n_fft={n_fft}], got {win_length!r}")
    u = check_real(u, "u")
    out = np.empty(u.size)
    _fill_window(which, code, area, np.ascontiguousarray(u.ravel()), theta, n_fft, out)
    # the kernel returns -∂ω/∂u (what ∂S/∂t_n needs); the public function returns ∂ω/∂u
    return (-out if which == NEG_D_OFFSET else out).reshape(u.shape)
