"""Test signals with known structure, and a grid search of the single best window length."""

from typing import NamedTuple

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


def uncovered_samples(positions, win_length, n_samples, fraction):
    """Samples k with |k - t_n| >= fraction · θ_n / 2 for every frame n (fraction 1: outside every window)."""
    k = np.arange(n_samples)[:, None]
    return int(np.sum(np.all(np.abs(k - positions[None, :]) >= fraction * np.asarray(win_length) / 2, axis=1)))


class GridSearch(NamedTuple):
    """What ``grid_search`` found: θ*, its loss, and both grids with their loss values."""

    theta: float
    value: float
    coarse: np.ndarray          # (2, n_coarse): θ, loss
    fine: np.ndarray            # (2, n_fine): θ, loss


def grid_search(x, hop_length, n_fft, loss=losses.shannon_entropy, *, low=100.0, coarse_step=25.0,
                fine_step=0.5):
    """argmin over one θ of loss(|S|): a coarse grid low..N, then ±coarse_step around its best by fine_step."""
    model = dstft_np.DSTFT(n_fft, hop_length, float(n_fft))

    def curve(thetas):
        values = []
        for theta in thetas:
            model.win_length = theta
            values.append(loss(model.spectrogram(x))[0])
        return np.array([thetas, values])

    coarse = curve(np.arange(low, n_fft + 1e-9, coarse_step))
    best = coarse[0, np.argmin(coarse[1])]
    fine = curve(np.arange(max(best - coarse_step, 2.0), min(best + coarse_step, n_fft) + 1e-9, fine_step))
    at = np.argmin(fine[1])
    return GridSearch(float(fine[0, at]), float(fine[1, at]), coarse, fine)


def grid_optimum(x, hop_length, n_fft, loss=losses.shannon_entropy):
    """argmin over one θ of loss(|S|): coarse grid 100..N by 25, then ±25 around its best by 0.5.

    Returns (θ*, loss at θ*).
    """
    found = grid_search(x, hop_length, n_fft, loss)
    return found.theta, found.value
