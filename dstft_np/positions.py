"""Frame positions t_n from hops, and the chain rule back to the hops.

t_n = t_0 + Σ_{i<n} d_i (docs/derivation.md §6), so ∂L/∂d_i = Σ_{n>i} ∂L/∂t_n: a
reversed cumulative sum. The default grid is t_n = n·hop with
T = 1 + K // hop frames (torch.stft(center=True) and librosa); for one
constant hop d, ∂L/∂d = Σ_n n ∂L/∂t_n.
"""

import numpy as np

from ._validation import check_hop, check_integer, check_memory, check_real, check_scalar

__all__ = ["frame_positions", "frame_positions_vjp", "positions_from_hops", "positions_from_hops_vjp"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


def frame_positions(n_samples, hop_length):
    """The default grid t_n = n·hop, n = 0..T-1, with T = 1 + floor(K / hop).

    Parameters
    ----------
    n_samples : int
        K, the signal length, >= 1.
    hop_length : float
        d, the hop in samples, > 0.

    Returns
    -------
    positions : np.ndarray [shape=(T,)], float64

    Examples
    --------
    >>> frame_positions(1000, 256)
    array([  0., 256., 512., 768.])
    """
    n_samples = check_integer(n_samples, "n_samples", minimum=1)
    hop = check_hop(hop_length)
    n_frames = 1 + n_samples // hop  # a float: inf for hops that underflow the division
    check_memory(n_frames * 8, f"the positions of 1 + n_samples // hop_length = {n_frames:.4g} frames")
    return np.arange(int(n_frames)) * hop


def _check_grad_positions(grad_positions):
    """∂L/∂t_n as float64 of shape (..., T), T >= 1."""
    grad = check_real(grad_positions, "grad_positions")
    if grad.ndim == 0:
        raise ValueError("grad_positions must have shape (..., T), got a 0-d array")
    if grad.shape[-1] == 0:
        raise ValueError(f"grad_positions must hold at least one frame (T >= 1), got shape {grad.shape}")
    return grad


def frame_positions_vjp(grad_positions):
    """∂L/∂d = Σ_n n ∂L/∂t_n, the VJP of the grid t_n = n·d with respect to its one hop d.

    Parameters
    ----------
    grad_positions : array_like [shape=(..., T)], float
        ∂L/∂t_n.

    Returns
    -------
    grad_hop : np.ndarray [shape=(...)], float64

    Examples
    --------
    >>> frame_positions_vjp([1.0, 2.0, 3.0, 4.0])   # 0·1 + 1·2 + 2·3 + 3·4
    array(20.)
    """
    grad = _check_grad_positions(grad_positions)
    return np.asarray(grad @ np.arange(grad.shape[-1], dtype=np.float64))


def positions_from_hops(hops, t0=0.0):
    """t_n = t_0 + Σ_{i<n} d_i.

    Parameters
    ----------
    hops : array_like [shape=(..., T-1)], float
        d_i > 0, the distance from frame i to frame i + 1, in samples.
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
    hops = check_real(hops, "hops")
    if hops.ndim == 0:
        raise ValueError("hops must have shape (..., T-1), got a 0-d array")
    if np.any(hops <= 0):
        raise ValueError(f"hops must be > 0, got {float(hops[hops <= 0].flat[0])!r}")
    t0 = check_scalar(t0, "t0")
    starts = np.zeros(hops.shape[:-1] + (1,))
    return t0 + np.concatenate([starts, np.cumsum(hops, axis=-1)], axis=-1)


def positions_from_hops_vjp(grad_positions):
    """∂L/∂d_i = Σ_{n>i} ∂L/∂t_n, the VJP of ``positions_from_hops``.

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
    grad = _check_grad_positions(grad_positions)
    tail = grad[..., :0:-1]
    return np.cumsum(tail, axis=-1)[..., ::-1]
