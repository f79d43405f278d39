"""Time-varying windows and learnable hops lower the entropy on signals built for them.

References: the best single window found by grid search in the same test
(fan_flutter, DESIGN.md §3b), the per-frame solution for per-cell windows,
the initial constant hop for learnable hops, and a direct count of the
samples that no window reaches. The full-size fan_flutter per-cell fit is in
validation/fan_flutter_maps.py (too slow for a unit test); here per-cell
windows run on a 1000-sample excerpt.
"""

import numpy as np
import pytest

import dstft_np
from dstft_np import losses

from .signals import fan_flutter, grid_optimum, piecewise_tones, uncovered_samples

N_FFT, HOP = 1000, 50


def entropy(model, x):
    return losses.shannon_entropy(model.spectrogram(x))[0]


@pytest.mark.slow
def test_per_frame_windows_beat_the_best_single_window_and_stay_smooth(data_dir):
    """Full fan_flutter, N = 1000, hop 50: 60 evaluations of the entropy from the grid optimum, with and without smoothing."""
    x = fan_flutter(data_dir)
    theta_single, entropy_single = grid_optimum(x, HOP, N_FFT)
    fitted = {}
    for smoothness in (0.0, 100.0):
        model = dstft_np.DSTFT(N_FFT, HOP, theta_single, win_mode="time", n_samples=x.size)
        model.fit(x, "entropy", smoothness=smoothness, max_evaluations=60)
        fitted[smoothness] = (entropy(model, x), np.diff(model.win_length))
    for smoothness, (value, _) in fitted.items():
        assert value < entropy_single - 0.1, (
            f"per-frame θ (smoothness {smoothness}) reached H = {value:.4f}; best single θ = {theta_single} "
            f"has H = {entropy_single:.4f}")
    rough_steps, smooth_steps = fitted[0.0][1], fitted[100.0][1]
    assert np.max(np.abs(smooth_steps)) <= 0.1 * N_FFT, "θ_n jumps by more than 10% of n_fft between frames"
    assert np.sqrt(np.mean(smooth_steps**2)) < 0.1 * np.sqrt(np.mean(rough_steps**2)), (
        "the smoothness term must make θ_n much smoother than the unregularised fit")


@pytest.mark.slow
def test_per_cell_windows_lower_the_per_frame_entropy_further(data_dir):
    """fan_flutter[6000:7000]: per-cell θ started from the fitted per-frame θ_n keeps descending."""
    x = fan_flutter(data_dir)[6000:7000]
    frame = dstft_np.DSTFT(N_FFT, HOP, 280.5, win_mode="time", n_samples=x.size)
    frame.fit(x, "entropy", smoothness=100.0, max_evaluations=60)
    cell = dstft_np.DSTFT(N_FFT, HOP, 280.5, win_mode="time-frequency", n_samples=x.size)
    cell.win_length = np.broadcast_to(frame.win_length, cell.win_length.shape)
    np.testing.assert_allclose(entropy(cell, x), entropy(frame, x), rtol=1e-12, atol=0,
                               err_msg="per-cell θ constant along frequency is the per-frame transform")
    # 8 steps after the start and the scan of 19 constant maps (value only), which keeps the better start
    # the entropy of |S| as measured below (per cell the default scaling is "density")
    cell.fit(x, "entropy", scaling="magnitude", smoothness=100.0, max_evaluations=28)
    assert entropy(cell, x) < entropy(frame, x) - 0.1
    assert np.ptp(cell.win_length, axis=0).max() > 1.0, "θ must now vary along frequency"


@pytest.mark.slow
def test_learnable_hops_lower_the_loss_while_the_coverage_term_keeps_every_sample_covered():
    """Six tones in consecutive segments (fs 1 kHz, 6636 samples), N = 1500, θ frozen at 600.

    From the constant hop 200 (T = 34 frames, fixed), per-frame hops lower the
    entropy while every sample stays inside a window. Without the coverage
    term the same fit buys its lower entropy by pushing frames off the signal.
    """
    x = piecewise_tones(seed=0)
    theta = 600.0
    results = {}
    for coverage in (None, 0.0):       # None: the model's default weight
        model = dstft_np.DSTFT(1500, 200, theta, hop_mode="time", n_samples=x.size,
                               bounds={"win_length": (theta, theta), "hop_length": (10.0, 1500.0)})
        initial = model.positions()
        # hop_smoothness 0: what the coverage term alone does (docs/experiments.md §4)
        history = model.fit(x, "entropy", method="adam", max_evaluations=151, coverage=coverage,
                            hop_smoothness=0.0, lr={"win_length": 1.0, "hops": 2.0})
        results[coverage] = (history, model.positions())
    np.testing.assert_array_equal(initial, 200.0 * np.arange(34))

    history, positions = results[None]
    assert history.loss[-1] < history.loss[0] - 0.01, f"loss {history.loss[0]:.4f} -> {history.loss[-1]:.4f}"
    assert not np.allclose(np.diff(positions), 200.0, atol=5.0), "the hops must have moved"
    assert uncovered_samples(positions, theta, x.size, fraction=1.0) == 0
    assert uncovered_samples(positions, theta, x.size, fraction=0.5) <= 0.01 * x.size
    assert positions[-1] <= x.size + 1.0

    history, positions = results[0.0]
    assert positions[-1] > 1.5 * x.size, "without coverage, frames leave the signal"
    assert uncovered_samples(positions, theta, x.size, fraction=0.5) > 0.1 * x.size
