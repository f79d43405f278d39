"""Frequency tracking: the frequency of one spectral ridge per frame, hard and differentiable.

Estimating the instantaneous frequency of a machine's rotation harmonic from
a spectrogram (speed without a tachometer) is the everyday form of the
paper's second downstream task. With Y = |S|^p of shape (..., F, T),
N = 2(F - 1), and bin m at frequency m·fs/N (m/N cycles/sample without a
sample rate):

- ``ridge`` picks, per frame, the bin of largest evidence inside a band,
  optionally along a path that pays for frequency jumps and with the
  evidence of the harmonics i·f added, and refines it between bins with a
  parabola through log Y.
- ``soft_frequency`` is a differentiable estimate, the soft-argmax of log Y
  over the band at a temperature ν, with its closed-form gradient.
- ``tracking_loss`` turns ``soft_frequency`` into a supervised loss (the
  mean squared error to a reference track) that ``DSTFT.fit`` minimises
  over the window lengths and hops.

docs/experiments.md §7 measures them on a sinusoidal sweep.
"""

import math

import numpy as np

from ._validation import (check_finite_output, check_integer, check_n_fft, check_pair, check_positive, check_real,
                          check_sample_rate, check_scalar, check_spectrogram)

__all__ = ["ridge", "soft_frequency", "tracking_loss", "band_bins", "TEMPERATURE"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__

#: ν, the temperature of the soft estimate. On the sweep of docs/experiments.md §7, as a tracker its error is
#: lowest at 0.2 for θ = 200 and at 0.3 for θ = N = 256; as the training loss, 0.3 gives the better per-frame θ.
TEMPERATURE = 0.3

#: Floor of Y under a logarithm: log 0 would be -inf, this is about -708.
_TINY = np.finfo(np.float64).tiny


def _band_bins(band, n_bins, sample_rate):
    """The bins m inside band = (low, high), checked: 0 <= low < high <= the Nyquist frequency, >= 1 bin."""
    nyquist, unit = (0.5, "cycles/sample") if sample_rate is None else (sample_rate / 2, "Hz")
    low, high = (check_scalar(edge, "band") for edge in check_pair(band, "band"))
    if not 0 <= low < high <= nyquist:
        raise ValueError(f"band must satisfy 0 <= low < high <= {nyquist:g} {unit} (the Nyquist frequency), "
                         f"got ({low:g}, {high:g})")
    bin_width = _bin_to_frequency(n_bins, sample_rate)
    # edges within rounding error of a bin include it (band 0-100 Hz at 12.5 Hz per bin ends at bin 8)
    first, last = math.ceil(low / bin_width - 1e-9), math.floor(high / bin_width + 1e-9)
    if first > last:
        raise ValueError(f"band ({low:g}, {high:g}) {unit} holds no bin: bins are {bin_width:g} {unit} apart; "
                         f"widen the band or raise n_fft")
    return np.arange(first, last + 1)


def _check_orders(orders, first_bin, n_bins):
    """orders as a sorted tuple of distinct integers >= 1, each with a harmonic below Nyquist."""
    if isinstance(orders, (str, bytes)) or not hasattr(orders, "__iter__"):
        raise TypeError(f"orders must be a sequence of integers >= 1, got {orders!r}")
    orders = tuple(sorted({check_integer(order, "orders", minimum=1) for order in orders}))
    if not orders:
        raise ValueError("orders must hold at least one integer >= 1, got an empty sequence")
    above = [order for order in orders if order * first_bin > n_bins - 1]
    if above:
        raise ValueError(f"orders {above} put every harmonic of the band above the Nyquist frequency "
                         f"(bin {n_bins - 1}): lower the band or drop them")
    return orders


def band_bins(band, *, n_fft, sample_rate=None, orders=(1,)):
    """The bins m whose frequency lies in the band: the candidates ``ridge`` chooses the fundamental from.

    Parameters
    ----------
    band : (float, float)
        (low, high) in Hz with a sample rate, cycles/sample without;
        0 <= low < high <= the Nyquist frequency.
    n_fft : int
        N: F = N/2 + 1 bins, bin m at m·fs/N Hz (m/N cycles/sample).
    sample_rate : float, optional
        fs in Hz.
    orders : sequence of int >= 1
        Harmonic orders, checked as ``ridge`` checks them.

    Returns
    -------
    bins : np.ndarray [shape=(M,)], int
        Consecutive bin indices, M >= 1; ``ridge`` also reads the bins
        i·m of every order i.

    Raises
    ------
    ValueError, TypeError
        As ``ridge``: a band outside [0, fs/2], empty or between two bins;
        bad orders; bad n_fft or sample rate.

    Examples
    --------
    >>> from dstft_np.tracking import band_bins
    >>> band_bins((20, 70), n_fft=8192, sample_rate=32000)      # 3.9 Hz per bin
    array([ 6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17])
    """
    n_bins = check_n_fft(n_fft) // 2 + 1
    sample_rate = None if sample_rate is None else check_sample_rate(sample_rate)
    bins = _band_bins(band, n_bins, sample_rate)
    _check_orders(orders, bins[0], n_bins)
    return bins


def _inputs(Y, band, sample_rate):
    """Checked Y (..., F, T) float64, the sample rate (or None) and the band's bins."""
    Y = check_spectrogram(Y)
    if Y.shape[-2] < 3:
        raise ValueError(f"Y must have at least 3 bins along axis -2 (n_fft >= 4), got shape {Y.shape}")
    sample_rate = None if sample_rate is None else check_sample_rate(sample_rate)
    return Y, sample_rate, _band_bins(band, Y.shape[-2], sample_rate)


def _bin_to_frequency(n_bins, sample_rate):
    """Frequency of one bin: fs/N Hz, or 1/N cycles/sample."""
    return (1.0 if sample_rate is None else sample_rate) / (2 * (n_bins - 1))


def ridge(Y, band, *, sample_rate=None, orders=(1,), jump_penalty=0.0):
    """The frequency of the strongest ridge inside a band, per frame, refined between bins.

    Parameters
    ----------
    Y : array_like [shape=(..., F, T)], real, >= 0
        A spectrogram |S|^p (p = 1 is assumed by the weights of the
        harmonics, below), F >= 3.
    band : (float, float)
        (low, high) of the fundamental f, in Hz with a sample rate, in
        cycles/sample without; 0 <= low < high <= the Nyquist frequency,
        holding at least one bin.
    sample_rate : float, optional
        fs in Hz.
    orders : sequence of int >= 1
        Harmonic support: the evidence of bin m in frame n is
        Σ_i Y[i·m, n] over these orders i (bins above Nyquist count 0).
        (1,) (default) tracks the band's own peak.
    jump_penalty : float >= 0
        Continuity. 0 (default): each frame's best bin on its own.
        λ_j > 0: the path m_0..m_{T-1} through the band's bins that
        maximises Σ_n log(evidence of m_n in frame n) - λ_j Σ_n |m_n - m_{n-1}|,
        found by dynamic programming (Viterbi): a jump of b bins between two
        frames is taken only where the evidence there is more than e^{λ_j b}
        times larger.

    Returns
    -------
    frequency : np.ndarray [shape=(..., T)], float64
        Hz with a sample rate, cycles/sample without, at the frame positions
        t_n of the transform that made Y.

    Raises
    ------
    ValueError
        Y with fewer than 3 bins, negative or non-finite; a band outside
        [0, fs/2], empty (low >= high) or between two bins; an order < 1 or
        whose harmonics all lie above Nyquist; jump_penalty < 0.
    TypeError
        Y not real numeric; band not a pair of numbers; orders not a
        sequence of integers.

    Notes
    -----
    Refinement: for each order i, the local maximum of Y reached by
    climbing from bin i·m inside i times the band (a continuous path may
    lag the peak, and the harmonic of a fundamental off m by b bins is off
    i·m by i·b), at bin m*, is refined by the vertex of the parabola through
    log Y at m* - 1, m*, m* + 1:

        f_i = (m* + (y₋ - y₊) / (2 (y₋ - 2y₀ + y₊))) / i bins,   y₋, y₀, y₊ = log Y[m* - 1], log Y[m*], log Y[m* + 1]

    with the vertex's offset clipped to [-1/2, 1/2] (0 where the three
    points are not concave). The orders are combined by inverse-variance
    weights (i · Y[m*])² (the error of f_i scales like 1/(i |S|) in white
    noise). On log Y the vertex is that of a Gaussian peak, and a Hann peak
    is close to one: for a steady tone its bias is below 0.016 bin at θ = N
    (0.053 bin by a parabola through Y itself), docs/experiments.md §7.
    log Y is also p-invariant: the vertex is the same for |S| and |S|².

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> x = np.sin(2 * np.pi * 123.4 * np.arange(8000) / 8000)
    >>> t = dstft_np.frame_positions(8000, 512)
    >>> Y = np.abs(dstft_np.stft(x, 512.0, t, n_fft=512))
    >>> f = dstft_np.tracking.ridge(Y, (100, 150), sample_rate=8000)
    >>> f.shape, round(float(f[8]), 2)           # bins are 15.625 Hz apart: 0.009 bin off
    ((16,), 123.27)
    """
    Y, sample_rate, bins = _inputs(Y, band, sample_rate)
    n_bins = Y.shape[-2]
    orders = _check_orders(orders, bins[0], n_bins)
    jump_penalty = check_positive(jump_penalty, "jump_penalty", allow_zero=True)
    evidence = sum(_harmonic_rows(Y, bins, order) for order in orders)      # (..., M, T)
    if jump_penalty:
        chosen = _best_path(np.log(np.maximum(evidence, _TINY)), jump_penalty)
    else:
        chosen = np.argmax(evidence, axis=-2)
    return _refine(Y, bins, bins[chosen], orders) * _bin_to_frequency(n_bins, sample_rate)


def _harmonic_rows(Y, bins, order):
    """Y[..., order·m, :] for the bins m; rows above the last bin are 0."""
    rows = order * bins
    inside = rows < Y.shape[-2]
    out = np.zeros(Y.shape[:-2] + (bins.size, Y.shape[-1]))
    out[..., inside, :] = Y[..., rows[inside], :]
    return out


def _best_path(score, jump_penalty):
    """argmax over paths j_0..j_{T-1} of Σ_n score[j_n, n] - λ_j Σ_n |j_n - j_{n-1}|; score (..., M, T) → (..., T).

    Viterbi with the L1 distance transform: the best predecessor of every j
    is max_i (V[i] - λ_j |i - j|), one running maximum from each side, O(M)
    per frame instead of O(M²).
    """
    n_states, n_frames = score.shape[-2:]
    index = np.arange(n_states)
    slope = jump_penalty * index
    value = score[..., 0]
    came_from = np.empty(score.shape[:-2] + (n_frames, n_states), dtype=np.intp)

    def running_best(v):
        """max_{i <= j} v[i] and the last i attaining it."""
        best = np.maximum.accumulate(v, axis=-1)
        return best, np.maximum.accumulate(np.where(v == best, index, 0), axis=-1)

    for n in range(1, n_frames):
        from_below, below = running_best(value + slope)                  # i <= j: V[i] + λ_j i - λ_j j
        from_above, above = running_best((value - slope)[..., ::-1])     # i >= j, walked from the top
        from_below = from_below - slope
        from_above = from_above[..., ::-1] + slope
        above = n_states - 1 - above[..., ::-1]
        take_below = from_below >= from_above
        came_from[..., n, :] = np.where(take_below, below, above)
        value = np.where(take_below, from_below, from_above) + score[..., n]

    path = np.empty(score.shape[:-2] + (n_frames,), dtype=np.intp)
    path[..., -1] = np.argmax(value, axis=-1)
    for n in range(n_frames - 1, 0, -1):
        path[..., n - 1] = np.take_along_axis(came_from[..., n, :], path[..., n, None], axis=-1)[..., 0]
    return path


def _refine(Y, bins, peak, orders):
    """Sub-bin frequency in bins (..., T) around the chosen bins `peak` of the band `bins`, combined over the orders."""
    n_bins = Y.shape[-2]

    def at(j):
        return np.take_along_axis(Y, j[..., None, :], axis=-2)[..., 0, :]

    weighted, weights = np.zeros(peak.shape), np.zeros(peak.shape)
    for order in orders:
        valid = order * peak < n_bins
        j = np.minimum(order * peak, n_bins - 1)
        lowest, highest = order * bins[0], min(order * bins[-1], n_bins - 1)    # the band of this harmonic
        # climb to the local maximum: the harmonic i·f is off i·peak by i times the fundamental's offset,
        # and a continuous path may lag the peak by a bin or more
        while True:
            here = at(j)
            left = np.where(j > lowest, at(np.maximum(j - 1, lowest)), -np.inf)
            right = np.where(j < highest, at(np.minimum(j + 1, highest)), -np.inf)
            step = np.where((right > here) & (right >= left), 1, np.where(left > here, -1, 0))
            if not step.any():
                break
            j = j + step
        centre = np.clip(j, 1, n_bins - 2)
        a, b, c = (np.log(np.maximum(at(centre + shift), _TINY)) for shift in (-1, 0, 1))
        curvature = a - 2 * b + c
        concave = (curvature < 0) & (centre == j)
        offset = np.divide(0.5 * (a - c), curvature, out=np.zeros(j.shape), where=concave)
        weight = valid * (order * at(j)) ** 2
        weighted += weight * (j + np.clip(offset, -0.5, 0.5)) / order
        weights += weight
    return np.divide(weighted, weights, out=peak.astype(np.float64), where=weights > 0)


def soft_frequency(Y, band, *, temperature=TEMPERATURE, sample_rate=None):
    """A differentiable frequency per frame: the soft-argmax of log Y over a band, and its gradient.

    Parameters
    ----------
    Y : array_like [shape=(..., F, T)], real, >= 0
        A spectrogram |S|^p, F >= 3.
    band : (float, float)
        (low, high) in Hz with a sample rate, cycles/sample without; as in
        ``ridge``.
    temperature : float > 0
        ν: the weights are softmax(log Y / ν) = Y^{1/ν} / Σ Y^{1/ν} over the
        band. ν = 1 gives the spectral centroid of the band; ν → 0 the
        argmax bin. The default, ``TEMPERATURE`` = 0.3, is chosen by the
        measurement in docs/experiments.md §7.
    sample_rate : float, optional
        fs in Hz.

    Returns
    -------
    frequency : np.ndarray [shape=(..., T)], float64
        f̂_n, Hz or cycles/sample.
    dfreq_dY : np.ndarray [shape=(..., F, T)], float64
        ∂f̂_n/∂Y[m, n] (each f̂_n depends on frame n only, so this holds
        the whole Jacobian); 0 outside the band.

    Raises
    ------
    ValueError, TypeError
        As ``ridge``; temperature <= 0.

    Notes
    -----
    Over the band's bins m, with their frequencies f_m:

        P_m = Y_m^{1/ν} / Σ_i Y_i^{1/ν},   f̂ = Σ_m P_m f_m
        ∂f̂/∂Y_m = P_m (f_m - f̂) / (ν Y_m)

    computed on Y / max Y of each frame's band (f̂ is scale invariant, so
    nothing overflows). Y_m = 0 gets a gradient of 0 (the limit for ν < 1,
    a convention for ν >= 1); a frame whose band is all zero gets the mean
    of the band's frequencies and a zero gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from dstft_np.tracking import soft_frequency
    >>> Y = np.zeros((5, 1)); Y[1:4, 0] = [1.0, 2.0, 1.0]    # bins 0..4 of n_fft 8
    >>> f, dfreq_dY = soft_frequency(Y, (0.1, 0.5), temperature=1.0)
    >>> f                                                    # bin 2 of 8: 2/8 cycles/sample
    array([0.25])
    >>> dfreq_dY[:, 0]
    array([ 0.     , -0.03125,  0.     ,  0.03125,  0.     ])
    """
    Y, sample_rate, bins = _inputs(Y, band, sample_rate)
    temperature = check_positive(temperature, "temperature")
    scale = _bin_to_frequency(Y.shape[-2], sample_rate)
    frequency, dfreq_dY = _soft_bins(Y, bins, 1.0 / temperature)
    return frequency * scale, dfreq_dY * scale


def _soft_bins(Y, bins, exponent):
    """``soft_frequency`` in bins, without the checks: (f̂ (..., T), ∂f̂/∂Y (..., F, T))."""
    Z = Y[..., bins, :]
    peak = Z.max(axis=-2, keepdims=True)
    live = peak > 0
    Z = np.divide(Z, peak, out=np.ones_like(Z), where=live)    # a silent frame: uniform weights
    Z_power_1 = np.power(Z, exponent - 1.0, out=np.zeros_like(Z), where=Z > 0)
    weights = Z_power_1 * Z
    P = weights / weights.sum(axis=-2, keepdims=True)          # the peak has weight 1: no 0/0
    frequency = np.einsum("...mt,m->...t", P, bins.astype(np.float64))
    # P_m (f_m - f̂)/(ν Y_m) with P_m/Y_m = Z_m^{1/ν-1} / (Σ Z^{1/ν} · peak)
    with np.errstate(over="ignore"):
        band_grad = np.divide(exponent * Z_power_1 * (bins[:, None] - frequency[..., None, :]),
                              weights.sum(axis=-2, keepdims=True) * peak,
                              out=np.zeros_like(Z), where=np.broadcast_to(live, Z.shape))
    check_finite_output(band_grad, "dfreq_dY", "The gradient scales like 1/max Y: scale Y up")
    dfreq_dY = np.zeros(Y.shape)
    dfreq_dY[..., bins, :] = band_grad
    return frequency, dfreq_dY


def tracking_loss(reference, band, *, n_fft, temperature=TEMPERATURE, sample_rate=None):
    """A supervised loss Y -> (value, dL_dY): the mean squared error of ``soft_frequency`` to a reference track.

    Parameters
    ----------
    reference : array_like [shape=(..., T)], real
        The true frequency at each frame (Hz with a sample rate,
        cycles/sample without); it broadcasts to the frames (..., T) of Y.
    band : (float, float)
        Band of the soft estimate, as in ``soft_frequency``; it must hold
        the reference and as little else as possible.
    n_fft : int
        N of the transform that makes Y (F = N/2 + 1 bins).
    temperature : float > 0
        ν of ``soft_frequency``.
    sample_rate : float, optional
        fs in Hz.

    Returns
    -------
    loss : callable
        loss(Y) -> (value, dL_dY) for Y [shape=(..., F, T)], the form
        ``DSTFT.fit`` and ``DSTFT.value_and_grad`` accept.

    Raises
    ------
    ValueError, TypeError
        Bad reference (non-finite, not real), band, n_fft, temperature or
        sample rate, here; Y whose F is not N/2 + 1 or whose frames do not
        broadcast with the reference, when the loss is called.

    Notes
    -----
    With one bin fs/N wide (1/N cycles/sample without a sample rate) and
    f̂_n = soft_frequency(Y)_n, averaged over the frames and leading axes:

        L = mean_n ((f̂_n - f_n) N/fs)²,   ∂L/∂Y[m, n] = 2 (f̂_n - f_n) (N/fs)² · ∂f̂_n/∂Y[m, n] / (number of terms)

    in bins², so that its size does not depend on the sample rate. The
    reference is tied to the frame index: when ``DSTFT.fit`` learns the
    hops, frames move over the signal while their reference values stay,
    so the hop gradient is exact only where the reference is constant over
    that motion (a steady tone); otherwise hold the hop fixed.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> rate, k = 2000.0, np.arange(4000)
    >>> x = np.sin(2 * np.pi * 250.0 * k / rate)
    >>> model = dstft_np.DSTFT(256, 16, 64.0, sample_rate=rate)
    >>> loss = dstft_np.tracking.tracking_loss(np.full(251, 250.0), (150, 350), n_fft=256, sample_rate=rate)
    >>> value, grads = model.value_and_grad(x, loss)
    >>> round(value, 4), float(grads["win_length"]) < 0       # longer windows track this tone better
    (0.0009, True)
    """
    reference = check_real(reference, "reference")
    if reference.ndim == 0:
        raise ValueError("reference must have one value per frame, shape (..., T), got a scalar")
    bins = band_bins(band, n_fft=n_fft, sample_rate=sample_rate)
    n_bins = n_fft // 2 + 1
    exponent = 1.0 / check_positive(temperature, "temperature")
    bin_width = _bin_to_frequency(n_bins, sample_rate)
    target = reference / bin_width

    def loss(Y):
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim < 2 or Y.shape[-2] != n_bins:
            raise ValueError(f"Y must have shape (..., F={n_bins}, T) for n_fft={n_fft}, got {Y.shape}")
        frames = Y.shape[:-2] + Y.shape[-1:]
        try:
            wanted = np.broadcast_to(target, frames)
        except ValueError:
            raise ValueError(f"reference of shape {target.shape} does not broadcast to the frames (..., T) "
                             f"of Y, {frames}") from None
        frequency, dfreq_dY = _soft_bins(Y, bins, exponent)
        error = frequency - wanted
        return float(np.mean(error**2)), dfreq_dY * (2.0 * error / error.size)[..., None, :]

    return loss
