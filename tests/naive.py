"""Slow, obviously correct versions of the transform, written from DESIGN.md §2 alone.

Nothing here imports dstft_np: these loops are the independent reference the
fast kernels are compared with.
"""

import numpy as np

GAUSSIAN_STD = 0.125  # DESIGN: truncated Gaussian with σ = θ/8


def base_window(v, window):
    """h(v) on [-1/2, 1/2]."""
    if window == "hann":
        return np.cos(np.pi * v) ** 2
    if window == "blackman":
        return 0.42 + 0.5 * np.cos(2 * np.pi * v) + 0.08 * np.cos(4 * np.pi * v)
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
