"""Known optima (../shared/data/README.md): the default fit lands on the grid optimum from any start.

For each signal the test computes the optimum itself, once per module, by a
grid search of the Shannon entropy of |S| (tests/signals.py: a coarse grid
of step 25 from 100 to N, then step 0.5 around the best coarse point), with
the transform and the loss called directly, not through the fit. From each
start in {N/40, N/10, N/4, N/2, 0.9 N} the default ``DSTFT.fit`` must end
within 0.5 sample of it, at a loss no higher than the grid's, in at most 40
evaluations. The grid optimum is also checked against the value the data
README reports. Run with ``-s`` to see the numbers.
"""

import numpy as np
import pytest
import scipy.io.wavfile

import dstft_np
from dstft_np import losses

from .signals import chirp_and_tone, fan_flutter, grid_search

#: Starts as fractions of n_fft (issue 12: none of them may fool the fit).
START_FRACTIONS = (1 / 40, 1 / 10, 1 / 4, 1 / 2, 0.9)
MAX_EVALUATIONS = 40


def fan7_excerpt(data_dir):
    """fan_7.wav from 11 s to 16 s (samples 352000:512000 at 32 kHz) as float64."""
    rate, samples = scipy.io.wavfile.read(data_dir / "fan_7.wav")
    assert rate == 32000
    return samples[352000:512000].astype(np.float64)


@pytest.fixture(scope="module")
def chirp_case():
    x = chirp_and_tone(seed=0)
    return x, 1000, 100, grid_search(x, 100, 1000)


@pytest.fixture(scope="module")
def fan_flutter_case(data_dir):
    x = fan_flutter(data_dir)[4000:10000]
    return x, 1000, 50, grid_search(x, 50, 1000)


@pytest.fixture(scope="module")
def fan7_case(data_dir):
    x = fan7_excerpt(data_dir)
    return x, 2048, 256, grid_search(x, 256, 2048)


def check_every_start_lands_on_the_grid_optimum(case, what):
    x, n_fft, hop_length, grid = case
    for fraction in START_FRACTIONS:
        start = fraction * n_fft
        model = dstft_np.DSTFT(n_fft, hop_length, start)
        history = model.fit(x)
        fitted = float(model.win_length)
        print(f"{what}: grid θ* = {grid.theta} (H {grid.value:.7f}); from {start:g} -> {fitted:.3f} "
              f"(H {history.loss[history.best]:.7f}, {history.n_evaluations} evaluations, "
              f"{history.seconds:.2f} s, {history.status})")
        assert history.status == "converged", f"{what} from {start}: {history.message}"
        assert history.n_evaluations <= MAX_EVALUATIONS, f"{what} from {start}: {history.n_evaluations} evaluations"
        np.testing.assert_allclose(fitted, grid.theta, rtol=0, atol=0.5, err_msg=f"{what}: fit from θ = {start}")
        assert history.loss[history.best] <= grid.value, f"{what} from {start}: above the grid's best loss"
        assert history.loss[history.best] <= history.loss[0], f"{what} from {start}: above the start"


@pytest.mark.slow
def test_chirp_and_tone_optimum(chirp_case):
    """README: θ* ≈ 496 (495–496 across noise draws) with N = 1000, hop 100."""
    assert abs(chirp_case[3].theta - 496.0) <= 2.0, f"grid optimum {chirp_case[3].theta} far from the README's"
    check_every_start_lands_on_the_grid_optimum(chirp_case, "chirp+tone")


@pytest.mark.slow
def test_fan_flutter_excerpt_optimum(fan_flutter_case):
    """README: θ* ≈ 242.5 on fan_flutter.mat x[4000:10000] with N = 1000, hop 50."""
    assert abs(fan_flutter_case[3].theta - 242.5) <= 2.0, f"grid optimum {fan_flutter_case[3].theta}"
    check_every_start_lands_on_the_grid_optimum(fan_flutter_case, "fan_flutter[4000:10000]")


@pytest.mark.slow
def test_fan7_excerpt_optimum(fan7_case):
    """fan_7.wav 11–16 s, N = 2048, hop 256 (docs/experiments.md §3: θ* = 347 on a grid of step 1)."""
    assert abs(fan7_case[3].theta - 347.0) <= 2.0, f"grid optimum {fan7_case[3].theta}"
    check_every_start_lands_on_the_grid_optimum(fan7_case, "fan_7.wav[11 s:16 s]")


@pytest.mark.slow
def test_a_fit_never_ends_above_its_start(data_dir):
    """Issue 12: fan_flutter.mat whole, N 1024, hop 100, θ0 = 300 used to end above its starting loss (Adam)."""
    x = fan_flutter(data_dir)
    model = dstft_np.DSTFT(1024, 100, 300.0)
    start_loss = losses.shannon_entropy(model.spectrogram(x))[0]
    history = model.fit(x)
    end_loss = losses.shannon_entropy(model.spectrogram(x))[0]
    assert history.loss[0] == start_loss
    assert end_loss == history.loss[history.best] <= start_loss


@pytest.mark.slow
def test_a_learnable_hop_fit_does_at_least_as_well_as_the_window_length_alone(data_dir):
    """fan_flutter.mat, N 512, from θ 300 and hop 100 (issue 12's command line case, with --hop-mode constant).

    The hop's coverage penalty is stiff: L-BFGS-B's first step overshoots and its line search shrinks
    it to nothing. That must not pass for convergence: the joint fit can keep the hop at 100, so it
    ends at most at the loss of the window length fitted alone there.
    """
    x = fan_flutter(data_dir)
    alone = dstft_np.DSTFT(512, 100, 300.0)
    alone_history = alone.fit(x)
    joint = dstft_np.DSTFT(512, 100, 300.0, hop_mode="constant", n_samples=x.size)
    joint_history = joint.fit(x)
    assert joint_history.status == "converged", joint_history.message
    assert joint_history.loss[joint_history.best] <= alone_history.loss[alone_history.best] + 1e-9
    assert abs(float(joint.win_length) - float(alone.win_length)) < 1.0


@pytest.mark.slow
def test_power_spectrogram_optimum_runs_to_the_upper_bound(data_dir):
    """README: with p = 2 the optimum is θ = N, an active bound: the fit ends there and says what to change."""
    x = fan_flutter(data_dir)[4000:10000]
    model = dstft_np.DSTFT(1000, 50, 600.0, p=2.0)
    with pytest.warns(UserWarning, match=r"at its upper bound 1000: .* a larger n_fft \(now 1000\)"):
        history = model.fit(x)
    assert float(model.win_length) == 1000 and history.status == "converged"


@pytest.mark.slow
def test_per_frame_map_on_real_audio_stays_inside_the_bounds_and_beats_the_best_single_window(data_dir):
    """Issue 12 item 4 on fan_7.wav 11–16 s (N 2048, hop 256, start 1600, win_mode "time", defaults).

    At most 2 % of the frames within 1 % of the range from a bound, and a
    frame-mean entropy of |S| below that of the best single θ found by a
    grid search of the same measure (step 64, then 4).
    """
    x = fan7_excerpt(data_dir)
    single = grid_search(x, 256, 2048, losses.frame_entropy, low=64.0, coarse_step=64.0, fine_step=4.0)
    model = dstft_np.DSTFT(2048, 256, 1600.0, win_mode="time", n_samples=x.size)
    history = model.fit(x)
    low, high = model.bounds["win_length"]
    margin = 0.01 * (high - low)
    near = np.mean((model.win_length <= low + margin) | (model.win_length >= high - margin))
    frame_mean = losses.frame_entropy(model.spectrogram(x))[0]
    print(f"per-frame fit: {history.n_evaluations} evaluations, {history.seconds:.1f} s, {history.status}; "
          f"{100 * near:.1f} % of frames near a bound; frame-mean entropy {frame_mean:.4f} against "
          f"{single.value:.4f} at the best single θ = {single.theta}")
    assert near <= 0.02
    assert frame_mean < single.value
