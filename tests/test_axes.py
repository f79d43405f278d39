"""The axis helpers against numpy and plain arithmetic: bin frequencies and frame times."""

import numpy as np
import pytest

import dstft_np


@pytest.mark.parametrize("n_fft", [2, 8, 1000, 1024])
def test_frequencies_are_numpy_rfftfreq(n_fft):
    np.testing.assert_allclose(dstft_np.frequencies(n_fft), np.fft.rfftfreq(n_fft), rtol=1e-15, atol=0)
    np.testing.assert_allclose(dstft_np.frequencies(n_fft, sample_rate=32000), np.fft.rfftfreq(n_fft, 1 / 32000),
                               rtol=1e-15, atol=0)


def test_frequencies_label_the_bins_of_stft():
    """A tone at bin 12's frequency peaks in bin 12 of S."""
    fs, n_fft = 8000, 256
    k = np.arange(4000)
    hz = dstft_np.frequencies(n_fft, fs)
    S = dstft_np.stft(np.cos(2 * np.pi * hz[12] * k / fs), 256.0, hop_length=128, n_fft=n_fft)
    assert S.shape[0] == hz.size
    assert np.all(np.argmax(np.abs(S[:, 2:-2]), axis=0) == 12)


def test_frame_times_divide_the_positions_by_the_rate():
    t = np.array([[0.0, 256.0, 512.5], [10.0, 20.0, 30.0]])
    np.testing.assert_array_equal(dstft_np.frame_times(t), t)
    np.testing.assert_allclose(dstft_np.frame_times(t, 16000), t / 16000, rtol=1e-15)
    np.testing.assert_allclose(dstft_np.frame_times(dstft_np.frame_positions(48000, 12000), sample_rate=16000.0),
                               [0.0, 0.75, 1.5, 2.25, 3.0], rtol=1e-15)


@pytest.mark.parametrize("call, error, match", [
    (lambda: dstft_np.frequencies(7), ValueError, "n_fft must be an even integer >= 2, got 7"),
    (lambda: dstft_np.frequencies(8.0), TypeError, "n_fft must be an even integer >= 2"),
    (lambda: dstft_np.frequencies(8, sample_rate=0), ValueError, "sample_rate must be a finite number of Hz > 0"),
    (lambda: dstft_np.frame_times([0.0, np.nan]), ValueError, "positions must be finite"),
    (lambda: dstft_np.frame_times(["a"]), TypeError, "positions must be a real numeric array"),
    (lambda: dstft_np.frame_times([0.0], sample_rate=-1), ValueError, "sample_rate must be a finite number"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
