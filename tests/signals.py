"""Test signals with known structure, and a grid search of the single best window length."""

import numpy as np
import scipy.io

import dstft_np
from dstft_np import losses


def chirp_and_tone(seed=0):
    """The synthetic signal of ../shared/data/README.md: 25000 samples at fs = 10 kHz, θ* ≈ 496."""
    t = np.arange(0, 2.5, 1e-4)
    frequency = 100 * np.sin(2 * np.pi * t) + 100 + 50 * t
    noise = np.random.default_rng(seed).standard_normal(t.size)
    return np.sin(np.cumsum(frequency) / 200) + np.sin(np.cumsum(500 * np.ones(t.size)) / 200) + 0.1 * noise


def fan_flutter(data_dir):
    """fan_flutter.mat's x, 20000 samples (float64)."""
    return scipy.io.loadmat(data_dir / "fan_flutter.mat")["x"][0]


SEGMENT_LENGTHS = (1484, 1153, 635, 361, 1796, 1207)
SEGMENT_FREQUENCIES = (50.0, 228.0, 65.0, 171.0, 30.0, 144.0)


def piecewise_tones(seed=0, noise=0.2, fs=1000.0):
    """Consecutive segments of pure tones (SEGMENT_LENGTHS samples at SEGMENT_FREQUENCIES Hz) plus noise."""
    segments = [np.sin(2 * np.pi * f * np.arange(n) / fs) for n, f in zip(SEGMENT_LENGTHS, SEGMENT_FREQUENCIES)]
    x = np.concatenate(segments)
    return x + noise * np.random.default_rng(seed).standard_normal(x.size)


def grid_optimum(x, hop_length, n_fft, loss=losses.shannon_entropy):
    """argmin over one θ of loss(|S|): coarse grid 100..N by 25, then ±25 around its best by 0.5.

    Returns (θ*, loss at θ*).
    """
    model = dstft_np.DSTFT(n_fft, hop_length, float(n_fft))

    def value(theta):
        model.win_length = theta
        return loss(model.spectrogram(x))[0]

    coarse = np.arange(100.0, n_fft + 1, 25.0)
    best = coarse[np.argmin([value(theta) for theta in coarse])]
    fine = np.arange(max(best - 25.0, 2.0), min(best + 25.0, n_fft) + 1e-9, 0.5)
    values = [value(theta) for theta in fine]
    return float(fine[np.argmin(values)]), float(np.min(values))
