"""Forward-mode derivative of the STFT: the Jacobian–vector product.

Each S[m, n] depends on θ[m, n] and t_n alone (docs/derivation.md §4), so the
Jacobian is the pair of (F, T) arrays ``stft_partials`` returns, and a
tangent (v_θ, v_t) maps to

    dS[m, n] = ∂S[m,n]/∂θ[m,n] · v_θ[m, n] + ∂S[m,n]/∂t_n · v_t[n]

with v_θ broadcast like θ. This is the transpose of ``stft_vjp``:
Σ Re(conj(G) · dS) = Σ grad_win · v_θ + Σ grad_pos · v_t for every G.
"""

import numpy as np

from . import _engine
from ._options import TRANSFORM_PARAMETERS
from ._validation import check_finite_output, check_real

__all__ = ["stft_jvp"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


def _check_tangent(tangent, shape, name, primal_name):
    """The tangent as float64, finite, of exactly the primal's `shape`."""
    arr = check_real(tangent, name)
    if arr.shape != shape:
        raise ValueError(f"{name} must have the shape of {primal_name}, {shape}, got {arr.shape}")
    return arr


def stft_jvp(x, win_length, positions=None, tangent_win=None, tangent_pos=None, *, hop_length=None, n_fft,
             window="hann", norm="area", phase="absolute"):
    """Jacobian–vector product: the change dS of S along a direction (v_θ, v_t).

    dS[..., m, n] = ∂S/∂θ[..., m, n] · v_θ[..., m, n] + ∂S/∂t_n · v_t[..., n],
    built from ``stft_partials`` (the same closed-form partials as
    ``stft_vjp``).

    Parameters
    ----------
    {params}
    tangent_win : array_like, float
        v_θ, of the shape of win_length (it broadcasts the same way).
    tangent_pos : array_like, float
        v_t, of the shape of positions; (T,) with hop_length.

    Returns
    -------
    dS : np.ndarray [shape=(..., F, T)], complex64 or complex128
        Of the shape and dtype of ``stft(x, win_length, positions, ...)``.

    Raises
    ------
    ValueError
        A tangent whose shape differs from its primal's, or that holds NaN
        or inf; a dS that overflows although every input is finite; and
        everything ``stft`` rejects.
    TypeError
        A complex or non-numeric tangent.

    Notes
    -----
    Costs one ``stft_partials`` call (three transforms). It is the transpose
    of ``stft_vjp``: for every cotangent G,
    Σ Re(conj(G) · dS) = Σ grad_win · v_θ + Σ grad_pos · v_t.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> x = np.random.default_rng(0).standard_normal(2000)
    >>> t = dstft_np.frame_positions(2000, 250)
    >>> dS = dstft_np.stft_jvp(x, 200.0, t, 1.0, np.zeros(t.shape), n_fft=256)  # ∂S/∂θ
    >>> dS.shape
    (129, 9)
    """
    v_win = _check_tangent(tangent_win, np.shape(win_length), "tangent_win", "win_length")
    plan = _engine.prepare(x, win_length, positions, hop_length, n_fft=n_fft, window=window, norm=norm,
                           phase=phase)
    v_pos = _check_tangent(tangent_pos, _engine.positions_shape(positions, plan), "tangent_pos", "positions")
    _, dS_dwin, dS_dpos = (_engine.unbatch(value, plan) for value in _engine.partials(plan))
    # In place, so that float32 input keeps complex64: v_θ broadcasts against
    # (..., F, T) exactly as θ did, and v_t gains the bin axis.
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, as a ValueError
        dS_dwin *= v_win
        dS_dpos *= np.atleast_1d(v_pos)[..., None, :]
        dS_dwin += dS_dpos
    check_finite_output(dS_dwin, "dS", "Scale the tangents (or x) down, or pass float64 data")
    return dS_dwin


stft_jvp.__doc__ = stft_jvp.__doc__.replace("{params}", TRANSFORM_PARAMETERS)
