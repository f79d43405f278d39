"""dstft_np — a differentiable short-time Fourier transform with closed-form gradients.

Notation shared by the code and docs/derivation.md (its §0 lists every symbol):

=========  =====================================================
x[k]       real signal, sample k = 0..K-1, zero outside [0, K)
N          n_fft (even); F = N/2 + 1 one-sided bins m = 0..F-1
t_n        position (centre) of frame n = 0..T-1, in samples, real
θ          window length in samples, 0 < θ <= N (``win_length``)
d          hop in samples (``hop_length``); t_n = t_0 + Σ_{i<n} d_i
ω(u; θ)    c(θ) h(u/θ) on |u| <= θ/2, c = N/θ (norm="area") or 1
S[m, n]    Σ_k ω(k - t_n; θ[m, n]) x[k] e^{-j2π m φ_n(k)/N}
=========  =====================================================

Every derivative is computed in closed form by Numba kernels
(``dstft_np._kernels``); nothing is compiled at import.
"""

from . import conventions, io, losses, plot, signals, tracking
from ._validation import get_memory_limit, set_memory_limit
from .axes import frame_times, frequencies
from .forward_mode import stft_jvp
from .inverse import istft
from .model import DSTFT
from .optim import Adam, FitHistory
from .positions import frame_positions, frame_positions_vjp, positions_from_hops, positions_from_hops_vjp
from .transform import stft, stft_partials, stft_vjp
from .windows import window

__all__ = [
    "stft",
    "stft_partials",
    "stft_vjp",
    "stft_jvp",
    "istft",
    "frame_positions",
    "frame_positions_vjp",
    "positions_from_hops",
    "positions_from_hops_vjp",
    "frequencies",
    "frame_times",
    "window",
    "set_memory_limit",
    "get_memory_limit",
    "conventions",
    "io",
    "plot",
    "signals",
    "losses",
    "tracking",
    "conformance",
    "Adam",
    "DSTFT",
    "FitHistory",
]

__version__ = "0.1.0"


def __dir__():  # dir(dstft_np) and tab completion show the public names only
    return __all__ + ["__version__"]


def __getattr__(name):
    # dstft_np.conformance is imported on first access: it costs nothing to
    # users who never check another implementation.
    if name == "conformance":
        import importlib

        return importlib.import_module(".conformance", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
