"""Slow, obviously correct versions of the transform, written from DESIGN.md §2 alone.

These loops are the independent reference the fast kernels are compared
with. The one thing taken from dstft_np is data: the coefficients of the
cosine-sum windows (its registry ``COSINE_SUM``), so that every window
added there is covered here too. The sum h(v) = Σ_i a_i cos(2πiv) is
written out below, not taken from the kernels, and the coefficients
themselves are checked against scipy's windows of the same name
(tests/test_transform.py).
"""

import numpy as np

from dstft_np._kernels.window_terms import COSINE_SUM

GAUSSIAN_STD = 0.125  # DESIGN: truncated Gaussian with σ = θ/8


def base_window(v, window):
    """h(v) on [-1/2, 1/2]."""
    if window in COSINE_SUM:
        return sum(a * np.cos(2 * np.pi * i * v) for i, a in enumerate(COSINE_SUM[window]))
    if window == "gaussian":
        return np.exp(-0.5 * (v / GAUSSIAN_STD) ** 2)
    raise ValueError(window)


def window_values(u, theta, n_fft, window="hann", norm="area"):
    """ω(u; θ) = c(θ) h(u/θ) for |u| <= θ/2, else 0."""
    c = n_fft / theta if norm == "area" else 1.0
    u = np.asarray(u, dtype=float)
    return np.where(np.abs(u) <= theta / 2, c * base_window(u / theta, window), 0.0)


def phase_reference(k, t, n_fft, phase):
    """φ_n(k)."""
    if phase == "absolute":
        return k
    if phase == "center":
        return k - t
    if phase == "start":
        return k - (t - n_fft / 2)
    raise ValueError(phase)


def stft(x, win_length, positions, n_fft, window="hann", norm="area", phase="absolute"):
    """S[m, n] by a double loop over (m, n) and a sum over every sample k.

    x (K,), win_length broadcastable to (F, T), positions (T,).
    """
    x = np.asarray(x, dtype=float)
    positions = np.atleast_1d(np.asarray(positions, dtype=float))
    n_bins, n_frames = n_fft // 2 + 1, positions.size
    theta = np.broadcast_to(np.asarray(win_length, dtype=float), (n_bins, n_frames))
    k = np.arange(x.size)
    S = np.zeros((n_bins, n_frames), dtype=complex)
    for n in range(n_frames):
        t = positions[n]
        phi = phase_reference(k, t, n_fft, phase)
        for m in range(n_bins):
            w = window_values(k - t, theta[m, n], n_fft, window, norm)
            S[m, n] = np.sum(w * x * np.exp(-2j * np.pi * m * phi / n_fft))
    return S


def _distributions(Y, per_frame):
    """The (F, T) slices of Y (..., F, T), or the columns of each slice when per_frame."""
    Y = np.asarray(Y, dtype=float)
    for spectrogram in Y.reshape((-1,) + Y.shape[-2:]):
        if per_frame:
            for n in range(spectrogram.shape[1]):
                yield [float(v) for v in spectrogram[:, n]]
        else:
            yield [float(v) for v in spectrogram.ravel()]


def shannon_entropy(Y, per_frame=False):
    """Mean over distributions of -Σ P log P, P = Y / ΣY, with 0 log 0 = 0."""
    values = []
    for cells in _distributions(Y, per_frame):
        total = sum(cells)
        values.append(-sum(v / total * np.log(v / total) for v in cells if v > 0) if total > 0 else 0.0)
    return sum(values) / len(values)


def bin_entropy(Y):
    """Mean over the rows (bins) of every (F, T) slice of -Σ_n P log P, P = Y[m, :] / Σ_n Y[m, :]."""
    values = []
    for spectrogram in np.asarray(Y, dtype=float).reshape((-1,) + np.shape(Y)[-2:]):
        for row in spectrogram:
            total = float(sum(row))
            values.append(-sum(v / total * np.log(v / total) for v in row if v > 0) if total > 0 else 0.0)
    return sum(values) / len(values)


def renyi_entropy(Y, alpha, per_frame=False):
    """Mean over distributions of log(Σ P^α) / (1 - α)."""
    values = []
    for cells in _distributions(Y, per_frame):
        total = sum(cells)
        values.append(np.log(sum((v / total) ** alpha for v in cells)) / (1 - alpha) if total > 0 else 0.0)
    return sum(values) / len(values)


def negative_kurtosis(Y, per_frame=True):
    """Mean over distributions of -M Σ Y^4 / (Σ Y²)²."""
    values = []
    for cells in _distributions(Y, per_frame):
        second = sum(v**2 for v in cells)
        values.append(-len(cells) * sum(v**4 for v in cells) / second**2 if second > 0 else 0.0)
    return sum(values) / len(values)


def smoothness(theta, scale):
    """Σ over axes of the mean squared difference of neighbours, in units of `scale`."""
    theta = np.asarray(theta, dtype=float)
    value = 0.0
    for axis in range(theta.ndim):
        moved = np.moveaxis(theta, axis, 0)
        if moved.shape[0] < 2:
            continue
        squares = [((moved[i + 1] - moved[i]) / scale) ** 2 for i in range(moved.shape[0] - 1)]
        value += np.sum(squares) / (len(squares) * moved[0].size)
    return value


def coverage(positions, theta_rows, n_samples, reach, scale):
    """Mean over rows of the squared uncovered lengths (between windows, at both ends) and overruns."""
    total = 0.0
    for theta in theta_rows:
        reaches = [reach * w / 2 for w in theta]
        uncovered = [positions[0] - reaches[0], (n_samples - 1) - (positions[-1] + reaches[-1]),
                     -positions[0], positions[-1] - n_samples]
        for n in range(len(positions) - 1):
            uncovered.append((positions[n + 1] - reaches[n + 1]) - (positions[n] + reaches[n]))
        total += sum(max(u, 0.0) ** 2 for u in uncovered) / scale**2
    return total / len(theta_rows)
