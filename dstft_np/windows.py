"""Base windows h(v) on [-1/2, 1/2] and their derivatives h'(v).

The window of length θ centred at 0 is built from a base window h
(docs/derivation.md §1)::

    ω(u; θ) = c(θ) · h(u / θ)   for |u| <= θ/2, else 0
    c(θ) = N / θ  (norm="area")  or  1  (norm=None)

Every value and derivative the library computes reaches the window only
through the pair (h, h'): ``cosine_sum_terms`` with a row of
``COSINE_SUM`` for the cosine-sum windows (any number of coefficients),
``gaussian_terms`` for the Gaussian. They are plain Python (importing
dstft_np imports no Numba), defined in ``_kernels.window_terms`` (which
compiles them) and re-exported here. ``VALUE``, ``D_WIN`` and
``NEG_D_OFFSET`` (from ``_options``) say which of ω, ∂ω/∂θ, -∂ω/∂u a
kernel evaluates.

Adding a cosine-sum window (Nuttall, Blackman–Harris, ...):

1. its coefficients (a_0, a_1, ...) in ``COSINE_SUM``
   (dstft_np/_kernels/window_terms.py);
2. its name at the end of ``WINDOWS`` (dstft_np/_options.py; the position
   is the kernel code), and in ``CONVENTION_WINDOWS`` too when
   h(±1/2) = Σ_i (-1)^i a_i = 0, so that presets accept it;
3. its entry in the list below, with its smoothness at the edges.

Nothing else in the code: the kernels, ``window``, the command line's
--window and every docstring's list of choices read the registry. The
tests follow by themselves (tests/naive.py sums the coefficients, the test
lists are ``WINDOWS``), and one of them compares ω at θ = N with
``scipy.signal.windows.<name>(N, sym=False)``, so the name should be
scipy's. Then regenerate the conformance golden data
(``python validation/make_golden.py``: the new window's cases are added,
every other file keeps its bytes) and update the docs: the window table
of docs/derivation.md §1 and the golden case counts docs/usage.md quotes.
The compiled kernels need no attention: their cache is keyed by a hash of
the kernel sources (``_jit``), so none runs with the old table.

A window of another family also needs its (h, h') function, its entry in
``FAMILIES`` and a branch in ``base_terms`` and ``_base_run``
(dstft_np/_kernels/window_terms.py), and its formula in
``tests/naive.py``; the cell kernels evaluate such a window afresh at every
sample (``_cell_direct``) instead of by rotation.

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

import numpy as np

from . import _kernels
from ._options import D_WIN, NEG_D_OFFSET, NORMS, VALUE, WINDOWS, document_choices, option_code
from ._validation import check_n_fft, check_real, check_scalar
from ._kernels.window_terms import COSINE_SUM, GAUSSIAN_STD, cosine_sum_terms, gaussian_terms

__all__ = [
    "GAUSSIAN_STD",
    "COSINE_SUM",
    "cosine_sum_terms",
    "gaussian_terms",
    "VALUE",
    "D_WIN",
    "NEG_D_OFFSET",
    "window",
]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


_DERIVATIVES = (None, "win_length", "offset")


@document_choices
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
    window : {WINDOWS}
    norm : {NORMS}
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
    _kernels.fill_window(which, code, area, np.ascontiguousarray(u.ravel()), theta, n_fft, out)
    # the kernel returns -∂ω/∂u (what ∂S/∂t_n needs); the public function returns ∂ω/∂u
    return (-out if which == NEG_D_OFFSET else out).reshape(u.shape)
