"""Convention presets against the libraries they name, phase included (DESIGN.md §2).

References: scipy.signal.ShortTimeFFT (always), torch.stft (skipped when torch
is absent), librosa.stft (skipped when librosa is absent: it is not a
dependency and CI does not install it). Because librosa is usually absent,
its documented framing is also re-implemented here in plain numpy — pad N/2
zeros on both sides, frame t covers padded samples [t·hop, t·hop + N), the
periodic window of length W is zero-padded to N with (N − W) // 2 zeros on
the left, one rfft per frame — and the preset is compared with that.

Tolerance: 1e-10 relative to max |S| (float64; the observed error is ~1e-15).
"""

import numpy as np
import pytest
import scipy.signal

import dstft_np
from dstft_np.conventions import preset

from .test_transform import assert_close_to

# (K, n_fft, hop, win_length): W = N and W < N, hop 1 and hop = N, odd and even K
CASES = [
    (1001, 128, 40, 128),
    (1001, 128, 40, 96),
    (1000, 128, 33, 50),
    (257, 64, 1, 64),
    (300, 64, 64, 2),
    (64, 64, 7, 30),
]
WINDOWS = ("hann", "blackman")
RTOL = 1e-10


def librosa_framing(x, n_fft, hop, win_length, window):
    """librosa.stft(center=True, pad_mode="constant") from its documented framing, one frame at a time."""
    taper = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    taper[left:left + win_length] = scipy.signal.get_window(window, win_length, fftbins=True)
    padded = np.concatenate([np.zeros(n_fft // 2), x, np.zeros(n_fft // 2)])
    n_frames = 1 + (padded.size - n_fft) // hop
    columns = [np.fft.rfft(padded[t * hop:t * hop + n_fft] * taper) for t in range(n_frames)]
    return np.stack(columns, axis=-1)


def short_time_fft(x, n_fft, hop, win_length, window):
    """scipy.signal.ShortTimeFFT with the periodic window, fs = 1, mfft = N."""
    taper = scipy.signal.get_window(window, win_length, fftbins=True)
    return scipy.signal.ShortTimeFFT(taper, hop, fs=1.0, mfft=n_fft).stft(x)


def torch_stft(x, n_fft, hop, win_length, window):
    """torch.stft(center=True, pad_mode="constant") with torch's periodic window."""
    torch = pytest.importorskip("torch", reason="torch is not installed (optional extra [torch])")
    return torch.stft(
        torch.from_numpy(x), n_fft, hop, win_length=win_length,
        window=getattr(torch, f"{window}_window")(win_length, dtype=torch.float64),
        center=True, pad_mode="constant", return_complex=True,
    ).numpy()


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("n_samples, n_fft, hop, win", CASES)
@pytest.mark.parametrize("convention, reference", [
    ("scipy", short_time_fft), ("torch", torch_stft), ("librosa", librosa_framing)])
def test_preset_matches_its_library(rng, convention, reference, n_samples, n_fft, hop, win, window):
    x = rng.standard_normal(n_samples)
    expected = reference(x, n_fft, hop, win, window)
    S = dstft_np.stft(x, **preset(convention, n_samples, n_fft, hop, win, window=window))
    assert S.shape == expected.shape
    assert_close_to(S, expected, RTOL, f"{convention}, K={n_samples}, N={n_fft}, hop={hop}, W={win}, {window}")


@pytest.mark.parametrize("n_samples, n_fft, hop, win", CASES)
def test_librosa_preset_matches_librosa_stft(rng, n_samples, n_fft, hop, win):
    librosa = pytest.importorskip("librosa", reason="librosa is not installed (not a dependency)")
    x = rng.standard_normal(n_samples)
    reference = librosa.stft(x, n_fft=n_fft, hop_length=hop, win_length=win, window="hann",
                             center=True, pad_mode="constant", dtype=np.complex128)
    S = dstft_np.stft(x, **preset("librosa", n_samples, n_fft, hop, win))
    assert_close_to(S, reference, RTOL, f"librosa, K={n_samples}, N={n_fft}, hop={hop}, W={win}")


def test_preset_keeps_batch_axes_and_default_win_length(rng):
    """x (2, 3, K): every signal is transformed as torch would transform it alone."""
    x = rng.standard_normal((2, 3, 500))
    kwargs = preset("librosa", 500, 64, 16)
    assert kwargs["win_length"] == 64.0
    S = dstft_np.stft(x, **kwargs)
    assert S.shape == (2, 3, 33, 1 + 500 // 16)
    for b in range(2):
        for c in range(3):
            assert_close_to(S[b, c], librosa_framing(x[b, c], 64, 16, 64, "hann"), RTOL, f"signal ({b}, {c})")


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(convention="tensorflow"), ValueError, r"convention must be one of 'torch', 'librosa', 'scipy'"),
    (dict(window="gaussian"), ValueError, r"window must be one of 'hann', 'blackman'"),
    (dict(win_length=31), ValueError, r"win_length must be an even integer in \[2, n_fft=64\]"),
    (dict(win_length=66), ValueError, r"win_length must be an even integer in \[2, n_fft=64\]"),
    (dict(win_length=40.0), ValueError, r"win_length must be an even integer"),
    (dict(hop_length=0), ValueError, r"hop_length must be an integer >= 1, got 0"),
    (dict(hop_length=2.5), ValueError, r"hop_length must be an integer >= 1, got 2.5"),
    (dict(n_samples=0), ValueError, r"n_samples must be an integer >= 1, got 0"),
    (dict(n_fft=63), ValueError, r"n_fft must be an even integer >= 2, got 63"),
    (dict(convention="scipy", n_samples=31), ValueError, r"n_samples must be >= .* = 32 for convention 'scipy'"),
])
def test_preset_rejects_bad_arguments(kwargs, error, match):
    arguments = dict(convention="torch", n_samples=1000, n_fft=64, hop_length=16, win_length=None)
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        preset(**arguments)
