"""Losses on a spectrogram Y = |S|^p and regularisers on the parameters, with closed-form gradients.

Every spectrogram loss takes Y [shape=(..., F, T)], non-negative, and returns
``(value, dL_dY)``; every regulariser takes the parameters it penalises and
returns the value with its gradient(s) with respect to them. Leading batch
axes of Y are averaged over. The chain back to the complex cotangent of S
(docs/derivation.md §5) is ``magnitude_vjp``:

    Y = |S|^p,    G = ∂L/∂Re S + j ∂L/∂Im S = (∂L/∂Y) · p |S|^{p-2} S.

Conventions where the formulas are undefined (all documented per function):

- 0 · log 0 = 0, and an entry Y = 0 contributes 0 to the gradient of an
  entropy (its one-sided derivative is +∞ there; any finite value is lost in
  the chain to S anyway, see ``magnitude_vjp``).
- A group (spectrogram or frame) whose Y sums to 0 (silence) contributes a
  value of 0 and a zero gradient.
- At S = 0, G = 0 for every p (the true derivative for p > 1, a
  subgradient for p = 1, a convention for p < 1).
"""

import numpy as np

from . import _engine, _kernels
from ._options import LOSSES, document_choices, option_code
from ._validation import (check_complex, check_finite_output, check_flag, check_integer, check_positive,
                          check_real, check_spectrogram, check_win_length)

__all__ = [
    "magnitude",
    "magnitude_vjp",
    "shannon_entropy",
    "frame_entropy",
    "bin_entropy",
    "renyi_entropy",
    "kurtosis",
    "smoothness",
    "coverage",
    "get_loss",
]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


#: What to change when a loss gradient overflows: it scales like 1 / ΣY.
_LOSS_ADVICE = "The gradient scales like 1/ΣY: scale Y up (Y is below 1e-300 or so)"


def _group_axes(per_frame):
    """Axes one distribution spans: the bins of a frame, or the whole (F, T) spectrogram."""
    return (-2,) if check_flag(per_frame, "per_frame") else (-2, -1)


def _scaled(Y, axes):
    """Y / max Y over `axes` (0 in all-zero groups) and that max (keepdims): no sum can overflow."""
    peak = Y.max(axis=axes, keepdims=True)
    return np.divide(Y, peak, out=np.zeros_like(Y), where=peak > 0), peak


def _within_range(total):
    """Every sum ΣY below max/1024 and none of them in (0, 1/max): no 1/ΣY or Σ Y log Y overflows."""
    largest = np.finfo(np.float64).max
    return bool(np.all(total < largest / 1024) and not np.any((total > 0) & (total < 1.0 / largest)))


def _summed(Y, axes):
    """(Y, 1, ΣY), or (Y / max Y, max Y, Σ Y / max Y) per group when ΣY or 1/ΣY is near the float64 limits.

    Entropies are scale invariant and their gradients scale like 1/max Y, so
    the rescaled Y gives the value unchanged and the gradient once divided
    by the returned peak. The upper threshold max/1024 keeps Σ Y log Y
    (|log Y| <= 710 there) finite too. Only Y near 1e305 or below 1e-308
    pays the copy.
    """
    with np.errstate(over="ignore"):
        total = Y.sum(axis=axes, keepdims=True)
    if _within_range(total):
        return Y, 1.0, total
    Z, peak = _scaled(Y, axes)
    return Z, np.where(peak > 0, peak, 1.0), Z.sum(axis=axes, keepdims=True)


# ------------------------------------------------------- the forms a fit fuses with the transform


class _FrameSums:
    """A loss evaluated from per-frame sums: the form ``_engine.loss_value_and_grad`` runs inside its passes.

    The engine forms, frame by frame and while the frame is in the cache,
    Y = |S|^p, the per-entry term a = ``terms(Y)`` and the sums s = Σ_m Y
    and w = Σ_m Y·a over the bins (entries Y = 0 left out of w);
    ``finish`` turns the (..., T, 2) sums into the value and the gradient
    ∂L/∂Y = slope·a + offset with one slope and offset per frame ((..., T)
    each). Distributions are the frames (per_frame) or whole spectrograms,
    and the value is averaged over them and the batch, as the loss
    functions above do. ``finish`` returns None when a sum lies where the
    loss function would rescale Y (``_within_range``) or is not finite: the
    caller then takes the loss function's own route.
    """

    #: ∂L/∂Y at Y = 0 is 0 rather than slope·a + offset (the entropy's convention).
    zero_at_zero = False

    def __init__(self, per_frame):
        self.per_frame = per_frame

    def finish(self, sums):
        """(value, slope, offset (..., T)) from the per-frame sums (..., T, 2); None outside the formulas' range.

        The formulas of a subclass (``_formulas``) take the distributions'
        sums s > 0 and w; silent distributions (s = 0) count 0 and get a
        zero gradient; everything is averaged over the n distributions.
        """
        s, w = sums[..., 0], sums[..., 1]
        if not self.per_frame:
            with np.errstate(over="ignore", invalid="ignore"):   # an infinite sum is declined below
                s, w = s.sum(axis=-1, keepdims=True), w.sum(axis=-1, keepdims=True)
        if not (_within_range(s) and np.all(np.isfinite(w))):
            return None
        live = s > 0
        formulas = self._formulas(np.where(live, s, 1.0), np.where(live, w, 1.0), live)
        if formulas is None:
            return None
        value, slope, offset = (np.where(live, f, 0.0) for f in formulas)
        n = value.size
        per_frame = sums.shape[:-1]
        return (float(value.sum() / n), np.broadcast_to(slope / n, per_frame).copy(),
                np.broadcast_to(offset / n, per_frame).copy())


class _EntropySums(_FrameSums):
    """``shannon_entropy`` from sums: a = log Y, H = log s - w/s, slope = -1/s, offset = (log s - H)/s.

    (``shannon_entropy``'s Notes: ∂H/∂Y = -(log P + H)/s with log P = log Y - log s.)
    """

    zero_at_zero = True

    def terms(self, Y, out):
        with np.errstate(divide="ignore"):   # log 0 = -inf: those entries are left out of the sums
            return np.log(Y, out=out)

    @staticmethod
    def _formulas(s, w, live):
        log_s = np.log(s)
        H = log_s - w / s
        return H, -1.0 / s, (log_s - H) / s


class _RenyiSums(_FrameSums):
    """``renyi_entropy`` from sums: a = Y^{α-1}, w = Σ Y^α, H_α = (log w - α log s)/(1 - α).

    With A = w/s^α, ∂H_α/∂Y = α/((1-α) s) (P^{α-1}/A - 1) = slope·Y^{α-1} + offset,
    slope = α/((1-α) w), offset = -α/((1-α) s).
    """

    def __init__(self, alpha, per_frame):
        super().__init__(per_frame)
        self.alpha = alpha

    def terms(self, Y, out):
        if self.alpha == 2.0:
            out[...] = Y
        elif self.alpha == 3.0:
            np.multiply(Y, Y, out=out)
        else:
            out[...] = 0.0
            np.power(Y, self.alpha - 1.0, out=out, where=Y > 0)
        return out

    def _formulas(self, s, w, live):
        if np.any(live & ~(w > 0)):   # Σ Y^α underflowed: renyi_entropy works on P = Y/s instead
            return None
        alpha = self.alpha
        return ((np.log(w) - alpha * np.log(s)) / (1.0 - alpha), alpha / ((1.0 - alpha) * w),
                -alpha / ((1.0 - alpha) * s))


def _through_sums(form, Y):
    """(value, ∂L/∂Y) of a ``_FrameSums`` loss on a checked Y, by the operations of a fit's fused passes.

    Y is rescaled per distribution where ``_summed`` says so, or by its
    largest entry when ``form.finish`` declines (Σ Y^α beyond float64): the
    losses are scale invariant and their gradients scale like 1/Y.
    """
    axes = _group_axes(form.per_frame)
    Z, peak, _ = _summed(Y, axes)
    terms, sums = _engine.frame_sums(form, Z)
    finished = form.finish(sums)
    if finished is None:
        Z, peak = _scaled(Y, axes)
        peak = np.where(peak > 0, peak, 1.0)
        terms, sums = _engine.frame_sums(form, Z)
        finished = form.finish(sums)
    value, slope, offset = finished
    with np.errstate(over="ignore", invalid="ignore"):  # a gradient beyond float64 is reported below
        dL_dY = np.swapaxes(slope[..., None] * terms + offset[..., None], -1, -2) / peak
    if form.zero_at_zero:
        dL_dY[Z == 0] = 0.0
    check_finite_output(dL_dY, "dL_dY", _LOSS_ADVICE)
    return value, dL_dY


def magnitude(S, p=1.0):
    """Y = |S|^p, the spectrogram the losses act on.

    Parameters
    ----------
    S : array_like [shape=(..., F, T)], complex
    p : float > 0
        1 for the magnitude (the papers' default), 2 for the power spectrogram.

    Returns
    -------
    Y : np.ndarray [shape=(..., F, T)], float (the real precision of S)

    Raises
    ------
    TypeError
        Non-numeric S; p not a real number.
    ValueError
        NaN or inf in S; p <= 0.

    Examples
    --------
    >>> import numpy as np
    >>> from dstft_np.losses import magnitude
    >>> magnitude(np.array([[3 + 4j, 0j]]), p=2)
    array([[25.,  0.]])
    """
    return _engine.raised_magnitude(check_complex(S, "S"), check_positive(p, "p"))


def magnitude_vjp(S, dL_dY, p=1.0):
    """The complex cotangent G of S from ∂L/∂Y, for Y = |S|^p.

    Parameters
    ----------
    S : array_like [shape=(..., F, T)], complex
    dL_dY : array_like [shape=(..., F, T)], real
    p : float > 0

    Returns
    -------
    G : np.ndarray [shape=(..., F, T)], complex
        G = ∂L/∂Re S + j ∂L/∂Im S, the ``grad_S`` of ``dstft_np.stft_vjp``.

    Raises
    ------
    TypeError
        Non-numeric S, complex or non-numeric dL_dY.
    ValueError
        dL_dY of another shape than S, NaN or inf in either, p <= 0, or a
        G that overflows although both are finite.

    Notes
    -----
    With |S| = sqrt(Re² + Im²), ∂|S|^p/∂Re S = p |S|^{p-2} Re S (same for
    Im), so

        G = (∂L/∂Y) · p |S|^{p-1} · S / |S|.

    It is computed in one pass (the kernel ``magnitude_cotangent``) as
    (∂L/∂Y) p |S|^{p-1} times the unit phasor S/|S|, which neither overflows
    nor divides by zero for small |S|. At S = 0 the result is
    G = 0: the derivative for p > 1, a subgradient of the cone |S| for
    p = 1, and a convention for p < 1 (where the derivative is infinite).

    Examples
    --------
    >>> import numpy as np
    >>> from dstft_np.losses import magnitude_vjp
    >>> magnitude_vjp(np.array([[3 + 4j, 0j]]), np.ones((1, 2)), p=1.0)
    array([[0.6+0.8j, 0. +0.j ]])
    """
    p = check_positive(p, "p")
    S = check_complex(S, "S")
    dL_dY = check_real(dL_dY, "dL_dY")
    if dL_dY.shape != S.shape:
        raise ValueError(f"dL_dY must have the shape of S, {S.shape}, got {dL_dY.shape}")
    return _engine.raised_magnitude_vjp(S, dL_dY, p)


def shannon_entropy(Y, *, per_frame=False):
    """Shannon entropy of the normalised spectrogram P = Y / ΣY (lower = more concentrated).

    Parameters
    ----------
    Y : array_like [shape=(..., F, T)], real, >= 0
    per_frame : bool
        False (default, the papers'): one distribution over the whole (F, T)
        spectrogram. True: one distribution per frame (over the F bins), and
        the entropies of the T frames are averaged.

    Returns
    -------
    value : float
        H in nats, averaged over the leading batch axes (and over frames if
        per_frame).
    dL_dY : np.ndarray [shape=Y.shape], float64

    Raises
    ------
    ValueError
        Y with fewer than two axes, negative or non-finite entries; a
        gradient that overflows (ΣY below about 1e-300).
    TypeError
        Y not real numeric (complex, strings, objects, ragged); per_frame
        not a bool.

    Notes
    -----
    For one distribution with sum s = Σ_i Y_i and P_i = Y_i / s:

        H = -Σ_i P_i log P_i
        ∂H/∂Y_i = -(log P_i + H) / s

    then divided by the number of distributions averaged. Entries Y_i = 0
    contribute 0 to H (0 log 0 = 0) and get a gradient of 0; a distribution
    with s = 0 (silence) has H = 0 and a zero gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from dstft_np.losses import shannon_entropy
    >>> value, dL_dY = shannon_entropy(np.ones((4, 2)))   # uniform over 8 cells
    >>> bool(np.isclose(value, np.log(8)))
    True
    >>> float(abs(dL_dY).max())   # the uniform distribution is stationary
    0.0
    """
    return _through_sums(_EntropySums(check_flag(per_frame, "per_frame")), check_spectrogram(Y))


def frame_entropy(Y):
    """Mean over frames of each frame's Shannon entropy: ``shannon_entropy(Y, per_frame=True)``.

    Each frame is one distribution over its F bins, so a frame's weight in
    the loss does not depend on its energy. This is the loss for θ maps
    (per frame, bin or cell): the entropy of the whole spectrogram also
    falls when a frame's share of ΣY grows, which its θ controls, and drives
    the map to the bounds (docs/experiments.md §3).

    Parameters
    ----------
    Y : array_like [shape=(..., F, T)], real, >= 0

    Returns
    -------
    value : float
        (1/T) Σ_n H_n in nats, averaged over the leading batch axes.
    dL_dY : np.ndarray [shape=Y.shape], float64

    Raises
    ------
    ValueError, TypeError
        As ``shannon_entropy``.

    Examples
    --------
    >>> import numpy as np
    >>> from dstft_np.losses import frame_entropy
    >>> Y = np.array([[1.0, 5.0], [1.0, 0.0]])     # frame 0 uniform over 2 bins, frame 1 one bin
    >>> bool(np.isclose(frame_entropy(Y)[0], np.log(2) / 2))
    True
    """
    return shannon_entropy(Y, per_frame=True)


def bin_entropy(Y):
    """Mean over bins of each bin's Shannon entropy over time: the loss for per-bin window lengths.

    Each row Y[m, :] is one distribution over the T frames, so a bin's
    weight in the loss does not depend on its level. This is the default
    loss of ``DSTFT(win_mode="frequency")``: θ_m sets how row m is smeared
    along time, and with the "area" norm a longer window also lowers the
    level of a row that holds only noise, which the frame-mean entropy
    rewards by sending such bins to the upper bound (docs/experiments.md §8).

    Parameters
    ----------
    Y : array_like [shape=(..., F, T)], real, >= 0

    Returns
    -------
    value : float
        (1/F) Σ_m H_m in nats, H_m the entropy of P_m,n = Y_m,n / Σ_n Y_m,n,
        averaged over the leading batch axes.
    dL_dY : np.ndarray [shape=Y.shape], float64

    Raises
    ------
    ValueError, TypeError
        As ``shannon_entropy``.

    Notes
    -----
    ``frame_entropy`` of the transposed Y: for row m with s_m = Σ_n Y_m,n,

        ∂H_m/∂Y_m,n = -(log P_m,n + H_m) / s_m

    divided by F; silent rows count 0 with a zero gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from dstft_np.losses import bin_entropy
    >>> Y = np.array([[1.0, 1.0], [2.0, 0.0]])     # bin 0 uniform over 2 frames, bin 1 in one frame
    >>> bool(np.isclose(bin_entropy(Y)[0], np.log(2) / 2))
    True
    """
    value, dL_dY = shannon_entropy(np.swapaxes(check_spectrogram(Y), -1, -2), per_frame=True)
    return value, np.swapaxes(dL_dY, -1, -2)


def renyi_entropy(Y, alpha=3.0, *, per_frame=False):
    """Rényi entropy of order α of P = Y / ΣY (lower = more concentrated).

    Parameters
    ----------
    Y : array_like [shape=(..., F, T)], real, >= 0
    alpha : float
        α > 0, α != 1 (α → 1 is the Shannon entropy). α = 3 is the usual
        choice for time-frequency distributions.
    per_frame : bool
        As in ``shannon_entropy``.

    Returns
    -------
    value : float
        H_α in nats, averaged like ``shannon_entropy``.
    dL_dY : np.ndarray [shape=Y.shape], float64

    Raises
    ------
    ValueError
        α <= 0, α = 1 or non-finite; Y as in ``shannon_entropy``.

    Notes
    -----
    For one distribution with s = Σ_i Y_i, P_i = Y_i / s and A = Σ_i P_i^α:

        H_α = log(A) / (1 - α)
        ∂H_α/∂Y_i = α / ((1 - α) s) · (P_i^{α-1} / A - 1)

    P_i^{α-1} is taken as 0 where P_i = 0 (exact for α > 1, a convention for
    α < 1 where the derivative is infinite); a distribution with s = 0 has
    H_α = 0 and a zero gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from dstft_np.losses import renyi_entropy
    >>> value, _ = renyi_entropy(np.ones((4, 2)), alpha=2.0)
    >>> bool(np.isclose(value, np.log(8)))
    True
    """
    alpha = check_positive(alpha, "alpha")
    if alpha == 1:
        raise ValueError("alpha must be != 1 (the limit α → 1 is shannon_entropy), got 1.0")
    return _through_sums(_RenyiSums(alpha, check_flag(per_frame, "per_frame")), check_spectrogram(Y))


def kurtosis(Y, *, per_frame=True):
    """Negative kurtosis of the spectrogram, a concentration loss (lower = more concentrated).

    Parameters
    ----------
    Y : array_like [shape=(..., F, T)], real, >= 0
    per_frame : bool
        True (default): the kurtosis of each frame over its F bins, averaged
        over the T frames. False: one kurtosis over the F·T cells.

    Returns
    -------
    value : float
        -κ averaged over the groups (and leading batch axes); κ >= 1, and
        κ = M when one cell of a group of M holds all the energy.
    dL_dY : np.ndarray [shape=Y.shape], float64

    Raises
    ------
    ValueError, TypeError
        As ``shannon_entropy``.

    Notes
    -----
    For a group of M cells with a = Σ_i Y_i^4 and b = Σ_i Y_i^2:

        κ = M a / b²                       (the fourth moment over the squared second)
        L = -κ
        ∂L/∂Y_i = -4 M Y_i (Y_i² b - a) / b³

    averaged over the groups. κ is scale invariant, so it is computed on
    Y / max(Y) of each group (no overflow for large Y); a group with b = 0
    (silence) contributes 0 and a zero gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from dstft_np.losses import kurtosis
    >>> Y = np.zeros((5, 1)); Y[2, 0] = 3.0    # all the energy in one of 5 bins
    >>> kurtosis(Y)[0]
    -5.0
    """
    Y = check_spectrogram(Y)
    axes = _group_axes(per_frame)
    Z, peak = _scaled(Y, axes)
    group_size = np.prod([Y.shape[a] for a in axes])
    a = np.sum(Z**4, axis=axes, keepdims=True)
    b = np.sum(Z**2, axis=axes, keepdims=True)
    live = b > 0
    kappa = np.divide(group_size * a, b**2, out=np.zeros_like(a), where=live)
    n_groups = kappa.size
    # ∂κ/∂Y = (1/peak) ∂κ/∂Z: the gradient through peak vanishes (Σ_i Y_i ∂κ/∂Y_i = 0)
    dkappa_dZ = np.divide(4 * group_size * Z * (Z**2 * b - a), b**3, out=np.zeros_like(Z),
                          where=np.broadcast_to(live, Z.shape))
    with np.errstate(over="ignore"):  # a gradient beyond float64 is reported below
        dL_dY = -np.divide(dkappa_dZ / n_groups, peak, out=np.zeros_like(Z),
                           where=np.broadcast_to(peak > 0, Z.shape))
    check_finite_output(dL_dY, "dL_dY", "The gradient scales like 1/max Y: scale Y up")
    return float(-kappa.sum() / n_groups), dL_dY


def smoothness(win_length, *, scale=1.0):
    """Squared-difference regulariser of a θ map: mean (Δθ / scale)² along each of its axes.

    Parameters
    ----------
    win_length : array_like [shape=(), (T,), (F,) or (F, T)], float
        The θ map; with two axes, axis 0 is frequency and axis 1 is time.
        Axes of length 1 contribute nothing.
    scale : float > 0
        Unit of the differences (``DSTFT`` passes n_fft, so that R does not
        depend on the size of the transform).

    Returns
    -------
    value : float
    grad_win : np.ndarray [shape=np.shape(win_length)], float64

    Notes
    -----
    With D_a the |D_a| differences Δ_a θ_j = θ_{j+1} - θ_j along axis a:

        R = Σ_a (1/|D_a|) Σ_j (Δ_a θ_j / scale)²
        ∂R/∂θ_j = Σ_a 2 (Δ_a θ_{j-1} - Δ_a θ_j) / (|D_a| scale²)

    (a missing neighbour's difference counts as 0).

    Examples
    --------
    >>> from dstft_np.losses import smoothness
    >>> value, grad = smoothness([100.0, 110.0, 100.0], scale=10.0)
    >>> value, grad
    (1.0, array([-0.1,  0.2, -0.1]))
    """
    scale = check_positive(scale, "scale")
    theta = check_real(win_length, "win_length")
    if theta.ndim > 2:
        raise ValueError(f"win_length must have at most two axes (F, T), got shape {theta.shape}")
    return _engine.smoothness_penalty(theta, scale)


def coverage(positions, win_length, n_samples, *, reach=0.5, scale=1.0):
    """Penalty for gaps between windows: 0 while every sample of [0, K-1] is covered.

    Window n covers [t_n - r_n, t_n + r_n] with r_n = reach · θ_n / 2. The
    penalty is the squared hinge of each gap between consecutive windows, of
    the parts of the signal before the first and after the last window, and
    of frame centres outside [0, K] (the span of the default grid
    t_n = n·hop, T = 1 + K // hop).

    Parameters
    ----------
    positions : array_like [shape=(T,)], float
        t_n, in samples, in increasing order.
    win_length : array_like, float
        θ, broadcastable to (R, T): a scalar, (T,), (1, T), or one row of T
        lengths per frequency bin (F, T) or (F, 1). The penalty is averaged
        over the rows (each row of windows has to cover the signal).
    n_samples : int
        K, the signal length.
    reach : float in (0, 1]
        Fraction of each window that counts as covering. 0.5 (default): the
        central half, where a Hann window is at least half its peak.
    scale : float > 0
        Unit of the gaps (``DSTFT`` passes n_fft).

    Returns
    -------
    value : float
    grad_pos : np.ndarray [shape=(T,)], float64
    grad_win : np.ndarray [shape=np.shape(win_length)], float64

    Raises
    ------
    ValueError
        positions not of shape (T,), T >= 1; NaN or inf; win_length <= 0
        or not broadcastable to (R, T); n_samples < 1; reach outside (0, 1];
        scale <= 0.
    TypeError
        Non-real positions or win_length; n_samples not an integer.

    Notes
    -----
    With g_n = (t_{n+1} - r_{n+1}) - (t_n + r_n) for n < T-1, the start gap
    a = t_0 - r_0, the end gap e = (K - 1) - (t_{T-1} + r_{T-1}), the
    overruns b = -t_0 and o = t_{T-1} - K, and [z]_+ = max(z, 0), for each
    row:

        C = (Σ_n [g_n]_+² + [a]_+² + [e]_+² + [b]_+² + [o]_+²) / scale²
        ∂C/∂t_{n+1} += 2[g_n]_+ / scale²,   ∂C/∂t_n -= 2[g_n]_+ / scale²
        ∂C/∂r_{n+1} -= 2[g_n]_+ / scale²,   ∂C/∂r_n -= 2[g_n]_+ / scale²
        ∂C/∂t_0 += 2([a]_+ - [b]_+) / scale²,      ∂C/∂r_0 -= 2[a]_+ / scale²
        ∂C/∂t_{T-1} -= 2([e]_+ - [o]_+) / scale²,  ∂C/∂r_{T-1} -= 2[e]_+ / scale²
        ∂r_n/∂θ_n = reach / 2

    The squared hinge is C¹: the penalty and its gradient grow continuously
    from 0 as a gap opens. The overrun terms matter when the frame count is
    fixed and the hops are learned: frames pushed off the signal are silent,
    and a spectrogram with fewer non-empty frames has a lower entropy, a
    minimum that has nothing to do with the signal.

    Examples
    --------
    >>> from dstft_np.losses import coverage
    >>> value, grad_pos, grad_win = coverage([0.0, 100.0, 200.0], 200.0, 201)
    >>> value                                  # windows of reach 50 touch exactly
    0.0
    >>> value, grad_pos, grad_win = coverage([0.0, 110.0, 200.0], 200.0, 201)
    >>> value, grad_pos                        # one gap of 10 samples
    (100.0, array([-20.,  20.,   0.]))
    """
    scale = check_positive(scale, "scale")
    if not check_positive(reach, "reach") <= 1:
        raise ValueError(f"reach must be in (0, 1], got {reach!r}")
    n_samples = check_integer(n_samples, "n_samples", minimum=1)
    t = check_real(positions, "positions")
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"positions must have shape (T,) with T >= 1, got {t.shape}")
    theta = check_win_length(win_length, np.inf)
    try:
        rows = np.broadcast_to(theta, np.broadcast_shapes(np.atleast_2d(theta).shape, (1, t.size)))
    except ValueError:
        raise ValueError(f"win_length of shape {theta.shape} does not broadcast to (R, T={t.size})") from None
    if rows.ndim != 2:
        raise ValueError(f"win_length must have at most two axes (R, T), got shape {theta.shape}")
    return _engine.coverage_penalty(t, theta, n_samples, reach, scale)


# The loss functions a fit can fuse with the transform carry their form (the
# objective reads ``loss.frame_sums``); other losses, such as kurtosis and
# user functions, take the route through Y.
shannon_entropy.frame_sums = _EntropySums(per_frame=False)
frame_entropy.frame_sums = _EntropySums(per_frame=True)
renyi_entropy.frame_sums = _RenyiSums(renyi_entropy.__defaults__[0], per_frame=False)   # its default α

#: The spectrogram losses by name; its keys are ``_options.LOSSES``.
_LOSS_FUNCTIONS = {
    "entropy": shannon_entropy,
    "frame-entropy": frame_entropy,
    "bin-entropy": bin_entropy,
    "renyi": renyi_entropy,
    "kurtosis": kurtosis,
}


@document_choices
def get_loss(name):
    """The spectrogram loss function called `name`.

    Parameters
    ----------
    name : {LOSSES}
        The name ``DSTFT.fit`` and ``dstft-np optimize --loss`` take.

    Returns
    -------
    loss : callable
        ``loss(Y, ...) -> (value, dL_dY)``.

    Raises
    ------
    ValueError
        An unknown name (the message lists the known ones).

    Examples
    --------
    >>> from dstft_np.losses import get_loss, shannon_entropy
    >>> get_loss("entropy") is shannon_entropy
    True
    """
    option_code("loss", name, LOSSES)
    return _LOSS_FUNCTIONS[name]

