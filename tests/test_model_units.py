"""Lengths in seconds (DSTFT.from_seconds, *_seconds properties) and rounding to whole samples (to_fixed).

References: the same model built in samples; the loss of the rounded
parameters computed from the core transform and the loss functions
directly; positions rounded by hand.
"""

import numpy as np
import pytest

import dstft_np
from dstft_np import losses

N_FFT, RATE = 128, 8000.0


def entropy_at(x, win_length, positions, n_fft=N_FFT):
    """Shannon entropy of |stft| straight from the core, without the model."""
    return losses.shannon_entropy(np.abs(dstft_np.stft(x, win_length, positions, n_fft=n_fft)))[0]


def test_from_seconds_is_the_model_in_samples(rng):
    x = rng.standard_normal(1000)
    in_seconds = dstft_np.DSTFT.from_seconds(N_FFT, 0.004, 0.01, sample_rate=RATE, win_mode="time",
                                             hop_mode="constant", n_samples=x.size,
                                             bounds={"win_length": (0.002, 0.016), "hop_length": (0.001, 0.008)})
    in_samples = dstft_np.DSTFT(N_FFT, 32.0, 80.0, win_mode="time", hop_mode="constant", n_samples=x.size,
                                bounds={"win_length": (16.0, 128.0), "hop_length": (8.0, 64.0)})
    assert in_seconds.bounds == in_samples.bounds and in_seconds.n_frames == in_samples.n_frames
    for name, value in in_samples.parameters().items():
        np.testing.assert_array_equal(in_seconds.parameters()[name], value, err_msg=name)
    np.testing.assert_array_equal(in_seconds(x), in_samples(x))
    np.testing.assert_allclose(in_seconds.win_length_seconds, np.full(in_samples.n_frames, 0.01), rtol=1e-15, atol=0)
    np.testing.assert_allclose(in_seconds.hop_length_seconds, 0.004, rtol=1e-15, atol=0)
    assert "sample_rate=8000" in repr(in_seconds)


def test_seconds_follow_the_learned_parameters(rng):
    model = dstft_np.DSTFT(N_FFT, 20.0, 50.0, hop_mode="time", n_samples=400, sample_rate=RATE)
    model.hops = rng.uniform(10.0, 30.0, model.hops.shape)
    np.testing.assert_allclose(model.hops_seconds, model.hops / RATE, rtol=1e-15, atol=0)
    with pytest.raises(AttributeError, match="hop_mode='time' has one hop per frame"):
        model.hop_length_seconds


def test_durations_that_are_whole_samples_land_on_them():
    """0.017 s · 48 kHz is 816.0000000000001 in floating point: without snapping it exceeds n_fft = 816."""
    assert 0.017 * 48000 > 816
    model = dstft_np.DSTFT.from_seconds(816, 0.0085, 0.017, sample_rate=48000)
    assert float(model.win_length) == 816.0 and model.hop_length == 408.0


def test_seconds_need_a_sample_rate():
    model = dstft_np.DSTFT(N_FFT, 32, 80.0)
    assert model.sample_rate is None
    with pytest.raises(AttributeError, match="win_length_seconds needs the sample rate"):
        model.win_length_seconds
    with pytest.raises(ValueError, match="sample_rate must be a finite number of Hz > 0, got 0"):
        dstft_np.DSTFT(N_FFT, 32, 80.0, sample_rate=0)
    with pytest.raises(TypeError, match="win_length must be a real number of seconds"):
        dstft_np.DSTFT.from_seconds(N_FFT, 0.004, "long", sample_rate=RATE)


def test_to_fixed_rounds_a_single_window_and_hop_and_prices_it(rng):
    x = np.sin(0.37 * np.arange(1500)) + 0.3 * rng.standard_normal(1500)
    model = dstft_np.DSTFT(N_FFT, 32.0, 70.0, hop_mode="constant", n_samples=x.size, sample_rate=RATE)
    model.set_parameters({"win_length": 70.6, "hop_length": 29.4})
    rounded = model.to_fixed(x, coverage=0.0)   # the entropy alone: the last frames leave the tail uncovered
    assert (rounded.win_length, rounded.hop_length) == (71, 29)
    assert isinstance(rounded.win_length, int) and isinstance(rounded.hop_length, int)
    positions = 29.0 * np.arange(1 + 1500 // 32)   # the frame count stays the model's
    np.testing.assert_array_equal(rounded.model.positions(), positions)
    np.testing.assert_allclose(rounded.loss, entropy_at(x, 70.6, 29.4 * np.arange(positions.size)),
                               rtol=1e-12, atol=0)
    np.testing.assert_allclose(rounded.rounded_loss, entropy_at(x, 71.0, positions), rtol=1e-12, atol=0)
    np.testing.assert_allclose(rounded.loss_change, rounded.rounded_loss - rounded.loss, rtol=0, atol=1e-15)
    assert rounded.loss_change != 0
    np.testing.assert_allclose(rounded.model.win_length_seconds, 71 / RATE, rtol=1e-15, atol=0)
    assert float(model.win_length) == 70.6, "the model keeps its learned parameters"


def test_to_fixed_rounds_positions_not_hops_and_maps_entry_by_entry(rng):
    x = rng.standard_normal(600)
    model = dstft_np.DSTFT(N_FFT, 20.0, 60.0, win_mode="time", hop_mode="time", n_samples=x.size)
    model.hops = np.full(model.hops.shape, 20.4)       # 0.4 per hop: rounded hops alone would drift
    model.win_length = rng.uniform(40.0, 100.0, model.win_length.shape)
    rounded = model.to_fixed(x, "entropy", smoothness=0.5, coverage=0.0)
    positions = np.floor(20.4 * np.arange(model.n_frames) + 0.5)
    np.testing.assert_array_equal(rounded.model.positions(), positions)
    np.testing.assert_array_equal(rounded.hop_length, np.diff(positions).astype(int))
    np.testing.assert_array_equal(rounded.win_length, np.floor(model.win_length + 0.5).astype(int))
    smooth = losses.smoothness(rounded.win_length.astype(float), scale=N_FFT)[0]
    # the default hop_smoothness 30 weighs mean (Δ log d)² of the rounded hops (20 and 21 samples)
    hop_smooth = losses.smoothness(np.log(np.diff(positions)), scale=1.0)[0]
    assert hop_smooth > 0
    np.testing.assert_allclose(rounded.rounded_loss, entropy_at(x, rounded.win_length[None, :].astype(float),
                                                                positions) + 0.5 * smooth + 30.0 * hop_smooth,
                               rtol=1e-12, atol=0)


def test_to_fixed_widens_bounds_that_exclude_the_rounded_value():
    x = np.sin(0.2 * np.arange(800))
    model = dstft_np.DSTFT(N_FFT, 16.0, 40.0, bounds={"win_length": (10.3, 40.2)})
    model.win_length = 10.3
    rounded = model.to_fixed(x)
    assert rounded.win_length == 10 and rounded.model.bounds["win_length"] == (10.0, 40.2)
