"""Test signals with known structure, and a grid search of the single best window length."""

from typing import NamedTuple

import numpy as np
import scipy.io

import dstft_np
from dstft_np import losses
from dstft_np.signals import chirp_and_tone, piecewise_tones  # noqa: F401  (re-exported for the tests)


def fan_flutter(data_dir):
    """fan_flutter.mat's x, 20000 samples (float64)."""
    return scipy.io.loadmat(data_dir / "fan_flutter.mat")["x"][0]


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
