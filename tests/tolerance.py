"""How close is close enough: the one tolerance helper of the tests.

Every comparison of floating-point results goes through ``assert_close``:
a norm-wise relative error, max |actual - reference| <= rel · scale with
scale = max |reference| unless the caller gives a bound of its own (Σ|terms|
where a sum may cancel). An explicit atol near zero, never a bare
``np.allclose``: each tolerance has a stated basis.

The relative tolerance comes from one of two places:

- ``tolerance(quantity, dtype)``, for the comparisons many files make, each
  with its basis in ``TOLERANCES`` below;
- ``allowance(dtype, n_fft)``, the rounding bound of one transform output
  (the hypothesis properties, where N and the dtype are drawn);

or, for a comparison only one test makes, from a number stated next to it
with its reason (an exact path checked to 1e-12, a Riemann sum to 1e-5, ...).
"""

import numpy as np

#: Relative tolerances by (quantity, dtype name), with their basis.
TOLERANCES = {
    # S, its partials or its VJP against an independent float64 computation (the naive double
    # loop, scipy, partials contracted in the test): the rounding of a sum of about N terms and an
    # FFT of depth log2 N is ~N·eps ≈ 2e-13 at N = 1024; 1e-10 leaves a margin and still catches a
    # wrong term, which errs by O(1).
    ("reference", "float64"): 1e-10,
    # the same quantity computed from a float32 signal, against float64, at N <= 64: float32
    # rounding of N terms, N·eps32 ≈ 8e-6.
    ("reference", "float32"): 1e-5,
    # float32 derivatives (the partials and the JVP, differences of rounded terms; the VJP, sums of
    # them over the F bins of a frame) and float32 transforms at N = 512, against float64: N·eps32 ≈ 6e-5
    # at N = 512, and the derivatives lose a digit to cancellation at N = 64.
    ("derivative", "float32"): 1e-4,
    # the VJP against the partials, <G, J v> = <Jᴴ G, v>: two float64 contractions of the same
    # terms, rounding only.
    ("adjoint", "float64"): 1e-10,
    # central differences of S in θ and t_n with step FD_STEP: truncation O(FD_STEP² S''') and
    # rounding O(eps |S| / FD_STEP) ≈ 1e-11 |S|, both far below 1e-6. Test points keep every window
    # edge off the samples within ±FD_STEP (non-integer θ), where the Gaussian jumps and
    # Hann/Blackman are only C¹.
    ("finite-difference", "float64"): 1e-6,
}

#: The step (in samples) that goes with TOLERANCES["finite-difference", "float64"].
FD_STEP = 1e-5


def tolerance(quantity, dtype=np.float64):
    """The relative tolerance of TOLERANCES for `quantity` computed in `dtype`."""
    return TOLERANCES[quantity, np.dtype(dtype).name]


def allowance(dtype, n_fft):
    """Relative rounding allowance 4 (N + 1 + log2 N) eps of one transform output.

    Every output is a sum of at most N + 1 rounded products followed by an
    FFT of depth log2 N, so its rounding error is bounded by about
    (N + 1 + log2 N)·eps times the magnitude of the summands (Higham's γ_n);
    4 times that, with eps = np.finfo(dtype).eps.
    """
    return 4 * (n_fft + 1 + np.log2(n_fft)) * np.finfo(dtype).eps


def assert_close(actual, reference, rel, what, scale=None):
    """max |actual - reference| <= rel · scale, scale = max |reference| unless given."""
    scale = np.max(np.abs(reference), initial=0.0) if scale is None else scale
    np.testing.assert_allclose(actual, reference, rtol=0, atol=rel * scale, err_msg=what)
