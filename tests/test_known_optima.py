"""Known optima of one window length (../shared/data/README.md): grid search and gradient descent agree.

For each signal the test computes the optimum itself by a grid search of
the Shannon entropy of |S| (coarse grid of step 25, then step 0.5 around the
best coarse point) and checks that ``DSTFT.fit`` from two different starting
window lengths lands within 2 samples of it. The grid optimum is also
checked against the value the data README reports. Run with ``-s`` to see
the numbers.
"""

import time

import numpy as np

import dstft_np

from .signals import chirp_and_tone, fan_flutter, grid_optimum

N_FFT = 1000


def check_descent_reaches_grid_optimum(x, hop_length, starts, expected, what):
    grid_theta, _ = grid_optimum(x, hop_length, N_FFT)
    assert abs(grid_theta - expected) <= 2.0, f"{what}: grid optimum {grid_theta} far from the README's {expected}"
    for start in starts:
        model = dstft_np.DSTFT(N_FFT, hop_length, start)
        began = time.perf_counter()
        history = model.fit(x, steps=100)
        seconds = time.perf_counter() - began
        fitted = float(model.win_length)
        print(f"{what}: grid θ* = {grid_theta}, GD from {start} -> {fitted:.2f} "
              f"({history.loss.size - 1} steps, {seconds:.2f} s)")
        assert history.message == "completed"
        np.testing.assert_allclose(fitted, grid_theta, rtol=0, atol=2.0,
                                   err_msg=f"{what}: gradient descent from θ = {start}")


def test_chirp_and_tone_optimum():
    """README: θ* ≈ 496 (495–496 across noise draws) with N = 1000, hop 100."""
    check_descent_reaches_grid_optimum(chirp_and_tone(seed=0), 100, (300.0, 800.0), 496.0, "chirp+tone")


def test_fan_flutter_excerpt_optimum(data_dir):
    """README: θ* ≈ 242.5 on fan_flutter.mat x[4000:10000] with N = 1000, hop 50."""
    x = fan_flutter(data_dir)[4000:10000]
    check_descent_reaches_grid_optimum(x, 50, (150.0, 600.0), 242.5, "fan_flutter[4000:10000]")


def test_power_spectrogram_optimum_runs_to_the_upper_bound(data_dir):
    """README: with p = 2 the optimum is θ = N, an active bound that the projection must hold."""
    x = fan_flutter(data_dir)[4000:10000]
    model = dstft_np.DSTFT(N_FFT, 50, 600.0, p=2.0)
    model.fit(x, steps=60)
    assert float(model.win_length) == N_FFT
