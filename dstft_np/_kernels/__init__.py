"""Numba kernels: loops only, no validation, outputs preallocated by the caller.

Notation (docs/derivation.md §0): batch b, frame n, bin m, sample k, window length θ,
position t_n, n_fft N, u = k - t_n, v = u/θ. Every kernel reaches the window
through the pair (h(v), h'(v)) of ``window_terms.base_terms``, combined into
ω, ∂ω/∂θ or -∂ω/∂u with the weights of ``_term_weights`` (which = VALUE,
D_WIN or NEG_D_OFFSET).

Phase. φ_n(k) = (k - s_n) - r_n with an integer shift s_n (``shift``) and a
residual r_n (``residual``). The frame kernels see only s_n: they fold sample
k into buffer slot (k - s_n) mod N, and the caller turns the residual into
e^{±j2π m r_n/N} with ``rotate_bins``. The cell kernels take r_n themselves.

Rotations instead of cos/sin. For a cosine-sum window, h and h' at
v_j = v_0 + j/θ need only cos(2πv_j) and sin(2πv_j) (``cosine_sum_terms``),
and z_j = e^{j2πv_j} obeys z_{j+1} = z_j e^{j2π/θ}: one complex product per
sample instead of a cos and a sin. The cell kernels advance the Fourier
factor e^{-j2π m φ_n(k)/N} the same way. The products carry a relative
rounding error that grows at most linearly in the number of steps, a run
of at most N + 1 samples (docs/derivation.md §1); tests compare against the
direct formulas (tests/naive.py) at 1e-10.

The package is split by family; every kernel is reachable from here:

- ``window_terms``: the base windows h(v), h'(v) (``cosine_sum_terms``,
  ``gaussian_terms``, ``base_terms``) and the window terms ω, ∂ω/∂θ,
  -∂ω/∂u (``window_term``, ``fill_window``) the other kernels build on.
- ``frames`` (θ constant along frequency): ``fill_frames`` writes the
  windowed, folded frames that one rfft per frame turns into S (or into a
  partial derivative); ``cotangent_frames`` lays the cotangent out as the
  spectra of one irfft per frame, and ``frames_vjp`` forms the dot
  products of the VJP from that irfft, including the phase term;
  ``rotate_bins`` applies the residual phase.
- ``cells`` (θ varies along frequency): ``cell_transform`` and
  ``cell_partials`` sum over (m, n, k) directly, O(F·T·N) time and O(F·T)
  memory; ``cell_partials`` forms S, ∂S/∂θ and ∂S/∂t_n in one pass, and
  ``cell_vjp`` contracts them with a cotangent. For each frame the bins
  are the inner loop (vectorised by LLVM) and the samples the outer one, in
  blocks of bins of similar θ.
- ``adjoints``: the transposes ``overlap_add``, ``cell_adjoint`` and
  ``add_frames`` (``inverse``).
- ``loss_chain``: ``magnitude_cotangent``, the chain from Y = |S|^p to the
  cotangent G (``losses``), and the kernels of a fit's fused value and
  gradient (``_engine.loss_value_and_grad``): ``raised_magnitudes``,
  ``magnitude_partials``, ``frame_sums``, ``magnitude_cotangent_frames``,
  ``cell_loss_vjp``; and ``squared_differences``, the smoothness of a θ map.

The family modules import ``window_terms`` and nothing else of the package
(besides ``_jit`` and ``_options``), so there is no cycle. Numba caches each kernel under the file that defines
it and does not notice edits to the files it calls; the tests key their
cache folder by a hash of the package's sources for that reason
(tests/conftest.py).
"""

from .adjoints import add_frames, cell_adjoint, overlap_add
from .cells import cell_partials, cell_transform, cell_vjp
from .frames import cotangent_frames, fill_frames, frames_vjp, rotate_bins
from .loss_chain import (cell_loss_vjp, frame_sums, magnitude_cotangent, magnitude_cotangent_frames,
                         magnitude_partials, raised_magnitudes, squared_differences)
from .window_terms import base_terms, fill_window, window_term

__all__ = [
    "base_terms",
    "window_term",
    "fill_window",
    "fill_frames",
    "cotangent_frames",
    "frames_vjp",
    "rotate_bins",
    "cell_transform",
    "cell_partials",
    "cell_vjp",
    "overlap_add",
    "cell_adjoint",
    "add_frames",
    "magnitude_cotangent",
    "raised_magnitudes",
    "magnitude_partials",
    "frame_sums",
    "magnitude_cotangent_frames",
    "cell_loss_vjp",
    "squared_differences",
]
