"""Frame positions t_n from hops, and the chain rule back to the hops.

t_n = t_0 + Σ_{i<n} h_i (DESIGN.md §3), so ∂L/∂h_i = Σ_{n>i} ∂L/∂t_n: a
reversed cumulative sum. The default grid is t_n = n·hop with
T = 1 + K // hop frames (torch.stft(center=True) and librosa).
"""

import numbers

import numpy as np

from ._validation import check_finite

__all__ = ["frame_positions", "positions_from_hops", "positions_from_hops_vjp"]


def _check_hop(hop_length, name="hop_length"):
    if isinstance(hop_length, bool) or not isinstance(hop_length, numbers.Real):
        raise TypeError(f"{name} must be a positive real number, got {hop_length!r}")
    if not (np.isfinite(hop_length) and hop_length > 0):
        raise ValueError(f"{name} must be a positive finite number of samples, got {hop_length!r}")
    return float(hop_length)


def frame_positions(n_samples, hop_length):
    """The default grid t_n = n·hop, n = 0..T-1, with T = 1 + floor(K / hop).

    Parameters
    ----------
    n_samples : int
        K, the signal length, >= 1.
    hop_length : float
        h, the hop in samples, > 0.

    Returns
    -------
    positions : np.ndarray [shape=(T,)], float64

    Examples
    --------
    >>> frame_positions(1000, 256)
    array([  0., 256., 512., 768.])
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}")
    hop = _check_hop(hop_length)
    n_frames = 1 + int(n_samples // hop)
    return np.arange(n_frames) * hop


def positions_from_hops(hops, t0=0.0):
    """t_n = t_0 + Σ_{i<n} h_i.

    Parameters
    ----------
    hops : array_like [shape=(..., T-1)], float
        h_i > 0, the distance from frame i to frame i + 1, in samples.
    t0 : float
        Position of the first frame.

    Returns
    -------
    positions : np.ndarray [shape=(..., T)], float64

    Examples
    --------
    >>> positions_from_hops([10.0, 12.5, 20.0], t0=5.0)
    array([ 5. , 15. , 27.5, 47.5])
    """
    hops = np.asarray(hops)
    if hops.dtype.kind not in "biuf":
        raise TypeError(f"hops must be a real numeric array, got dtype {hops.dtype}")
    hops = hops.astype(np.float64, copy=False)
    if hops.ndim == 0:
        raise ValueError("hops must have shape (..., T-1), got a 0-d array")
    check_finite(hops, "hops")
    if np.any(hops <= 0):
        raise ValueError(f"hops must be > 0, got {float(hops[hops <= 0].flat[0])!r}")
    t0 = float(t0)
    if not np.isfinite(t0):
        raise ValueError(f"t0 must be finite, got {t0!r}")
    starts = np.zeros(hops.shape[:-1] + (1,))
    return t0 + np.concatenate([starts, np.cumsum(hops, axis=-1)], axis=-1)


def positions_from_hops_vjp(grad_positions):
    """∂L/∂h_i = Σ_{n>i} ∂L/∂t_n, the VJP of ``positions_from_hops``.

    Parameters
    ----------
    grad_positions : array_like [shape=(..., T)], float
        ∂L/∂t_n.

    Returns
    -------
    grad_hops : np.ndarray [shape=(..., T-1)], float64
        (∂L/∂t_0 is ``grad_positions.sum(-1)``.)

    Examples
    --------
    >>> positions_from_hops_vjp([1.0, 2.0, 3.0, 4.0])
    array([9., 7., 4.])
    """
    grad = np.asarray(grad_positions, dtype=np.float64)
    if grad.ndim == 0:
        raise ValueError("grad_positions must have shape (..., T), got a 0-d array")
    check_finite(grad, "grad_positions")
    tail = grad[..., :0:-1]
    return np.cumsum(tail, axis=-1)[..., ::-1]
