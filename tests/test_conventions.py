"""Convention presets against the libraries they name, phase and padding included (DESIGN.md §2).

References: scipy.signal.ShortTimeFFT (always), torch.stft with its defaults
and with pad_mode="constant" (skipped when torch is absent), librosa.stft
(skipped when librosa is absent: it is not a dependency and CI does not
install it). Because librosa is usually absent, its framing (librosa 0.11.0,
librosa/core/spectrum.py `stft`, center=True) is also rendered here in plain
numpy — numpy.pad N/2 samples on both sides with pad_mode ("constant": zeros,
librosa's default since 0.9; "reflect": the mirror image), frame t covers
padded samples [t·hop, t·hop + N), the periodic window of length W is
zero-padded to N with (N − W) // 2 zeros on the left, one rfft per frame —
and the preset is compared with that.

Tolerance: 1e-10 relative to max |S| (float64; the observed error is ~1e-15).
"""

import numpy as np
import pytest
import scipy.signal

import dstft_np
from dstft_np._options import CONVENTION_WINDOWS
from dstft_np import conventions
from dstft_np.conventions import preset

from .inputs import expect
from .gradcheck import central_difference
from .tolerance import assert_close, tolerance

# (K, n_fft, hop, win_length): W = N and W < N, hop 1 and hop = N, odd and even K
CASES = [
    (1001, 128, 40, 128),
    (1001, 128, 40, 96),
    (1000, 128, 33, 50),
    (257, 64, 1, 64),
    (300, 64, 64, 2),
    (64, 64, 7, 30),
]
WINDOWS = CONVENTION_WINDOWS
RTOL = tolerance("reference")


def librosa_framing(x, n_fft, hop, win_length, window, pad_mode="constant"):
    """librosa.stft(center=True, pad_mode=pad_mode) from its framing, one frame at a time."""
    taper = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    taper[left:left + win_length] = scipy.signal.get_window(window, win_length, fftbins=True)
    padded = np.pad(x, n_fft // 2, mode=pad_mode)
    n_frames = 1 + (padded.size - n_fft) // hop
    columns = [np.fft.rfft(padded[t * hop:t * hop + n_fft] * taper) for t in range(n_frames)]
    return np.stack(columns, axis=-1)


def short_time_fft(x, n_fft, hop, win_length, window, pad_mode):
    """scipy.signal.ShortTimeFFT with the periodic window, fs = 1, mfft = N (zero padding)."""
    taper = scipy.signal.get_window(window, win_length, fftbins=True)
    return scipy.signal.ShortTimeFFT(taper, hop, fs=1.0, mfft=n_fft).stft(x)


def torch_stft(x, n_fft, hop, win_length, window, pad_mode):
    """torch.stft(center=True) with torch's periodic window; pad_mode None: torch's default."""
    torch = pytest.importorskip("torch", reason="torch is not installed (optional extra [torch])")
    padding = {} if pad_mode is None else {"pad_mode": pad_mode}
    return torch.stft(
        torch.from_numpy(x), n_fft, hop, win_length=win_length,
        window=getattr(torch, f"{window}_window")(win_length, dtype=torch.float64),
        return_complex=True, **padding,
    ).numpy()


def librosa_default(x, n_fft, hop, win_length, window, pad_mode):
    return librosa_framing(x, n_fft, hop, win_length, window, pad_mode or "constant")


# pad_mode None: the preset's and the library's defaults ("reflect" for torch)
LIBRARIES = [("scipy", None, short_time_fft), ("torch", None, torch_stft),
             ("torch", "constant", torch_stft), ("librosa", None, librosa_default),
             ("librosa", "reflect", librosa_default)]


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("n_samples, n_fft, hop, win", CASES)
@pytest.mark.parametrize("convention, pad_mode, reference", LIBRARIES)
def test_preset_matches_its_library(rng, convention, pad_mode, reference, n_samples, n_fft, hop, win,
                                    window):
    x = rng.standard_normal(n_samples)
    expected = reference(x, n_fft, hop, win, window, pad_mode)
    S = dstft_np.stft(**preset(convention, x, n_fft, hop, win, window=window, pad_mode=pad_mode))
    assert S.shape == expected.shape
    assert_close(S, expected, RTOL, f"{convention} {pad_mode}, K={n_samples}, N={n_fft}, hop={hop}, "
                                       f"W={win}, {window}")


@pytest.mark.parametrize("pad_mode", ["constant", "reflect"])
@pytest.mark.parametrize("n_samples, n_fft, hop, win", CASES)
def test_librosa_preset_matches_librosa_stft(rng, n_samples, n_fft, hop, win, pad_mode):
    librosa = pytest.importorskip("librosa", reason="librosa is not installed (not a dependency)")
    x = rng.standard_normal(n_samples)
    reference = librosa.stft(x, n_fft=n_fft, hop_length=hop, win_length=win, window="hann",
                             center=True, pad_mode=pad_mode, dtype=np.complex128)
    S = dstft_np.stft(**preset("librosa", x, n_fft, hop, win, pad_mode=pad_mode))
    assert_close(S, reference, RTOL, f"librosa {pad_mode}, K={n_samples}, N={n_fft}, hop={hop}, W={win}")


def test_reflect_preset_is_the_transform_of_the_mirrored_signal(rng):
    """x extended by x[N/2], ..., x[1] on the left and x[K-2], ..., x[K-1-N/2] on the right."""
    x = rng.standard_normal((2, 300))
    kwargs = preset("torch", x, 64, 16, 40)
    assert kwargs["x"].shape == (2, 364)
    np.testing.assert_array_equal(kwargs["x"][:, 32:-32], x)
    np.testing.assert_array_equal(kwargs["x"][:, :32], x[:, 32:0:-1])
    np.testing.assert_array_equal(kwargs["x"][:, -32:], x[:, -2:-34:-1])
    np.testing.assert_array_equal(kwargs["positions"], 32 + 16 * np.arange(1 + 300 // 16))
    zeros = preset("torch", x, 64, 16, 40, pad_mode="constant")
    np.testing.assert_array_equal(zeros["x"], x)
    np.testing.assert_array_equal(zeros["positions"], 16 * np.arange(1 + 300 // 16))
    S, S_zeros = dstft_np.stft(**kwargs), dstft_np.stft(**zeros)
    inside = slice(2, -2)  # frames whose window [t_n - 20, t_n + 20) lies inside the signal
    assert_close(S[..., inside], S_zeros[..., inside], 1e-13, "interior frames")
    assert np.max(np.abs(S[..., 0] - S_zeros[..., 0])) > 0.1 * np.max(np.abs(S_zeros[..., 0]))


def test_reflect_preset_derivatives_are_those_of_the_mirrored_signal(rng):
    """∂S/∂t_n at the first frames reads the mirrored samples: central differences agree."""
    x = rng.standard_normal(200)
    kwargs = preset("librosa", x, 32, 8, 24, pad_mode="reflect")
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(**kwargs)
    step = 1e-6
    moved = central_difference(lambda t: dstft_np.stft(**dict(kwargs, positions=t)), kwargs["positions"], 1.0, step)
    widened = central_difference(lambda w: dstft_np.stft(**dict(kwargs, win_length=w)), kwargs["win_length"], 1.0,
                                 step)
    assert_close(dS_dpos, moved, 1e-6, "dS_dpos")
    assert_close(dS_dwin, widened, 1e-6, "dS_dwin")
    zeros = dstft_np.stft_partials(**preset("librosa", x, 32, 8, 24))[2]
    assert not np.allclose(dS_dpos[:, 0], zeros[:, 0])


def test_preset_keeps_batch_axes_and_default_win_length(rng):
    """x (2, 3, K): every signal is transformed as librosa would transform it alone."""
    x = rng.standard_normal((2, 3, 500))
    for pad_mode in ("constant", "reflect"):
        kwargs = preset("librosa", x, 64, 16, pad_mode=pad_mode)
        assert kwargs["win_length"] == 64.0
        S = dstft_np.stft(**kwargs)
        assert S.shape == (2, 3, 33, 1 + 500 // 16)
        for b in range(2):
            for c in range(3):
                assert_close(S[b, c], librosa_framing(x[b, c], 64, 16, 64, "hann", pad_mode), RTOL,
                                f"signal ({b}, {c}), {pad_mode}")


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(convention="tensorflow"), ValueError, r"convention must be one of 'torch', 'librosa', 'scipy'"),
    (dict(window="gaussian"), ValueError, rf"window must be one of {', '.join(map(repr, WINDOWS))}; got"),
    (dict(win_length=31), ValueError, r"win_length must be an even integer in \[2, n_fft=64\]"),
    (dict(win_length=66), ValueError, r"win_length must be an even integer in \[2, n_fft=64\]"),
    (dict(win_length=40.0), TypeError, r"win_length must be an even integer in \[2, n_fft=64\] for convention"),
    (dict(hop_length=0), ValueError, r"hop_length must be an integer >= 1, got 0"),
    (dict(hop_length=2.5), TypeError, r"hop_length must be an integer >= 1, got 2\.5"),
    (dict(x=np.zeros(0)), ValueError, r"x must hold at least one sample along its last axis"),
    (dict(x=np.ones(8) * 1j), TypeError, r"x must be real"),
    (dict(n_fft=63), ValueError, r"n_fft must be an even integer >= 2, got 63"),
    (dict(convention="scipy", x=np.ones(31)), ValueError,
     r"x must hold at least win_length - win_length // 2 = 32 samples for convention 'scipy'"),
    (dict(pad_mode="edge"), ValueError,
     r"pad_mode for convention 'torch' must be one of 'constant', 'reflect'; got 'edge'"),
    (dict(convention="scipy", pad_mode="reflect"), ValueError,
     r"pad_mode for convention 'scipy' must be one of 'constant'; got 'reflect'"),
])
def test_preset_rejects_bad_arguments(kwargs, error, match):
    arguments = dict(convention="torch", x=np.ones(1000), n_fft=64, hop_length=16, win_length=None)
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        preset(**arguments)


# ---------------------------------------------------------------- bad input

PRESET_CASES = [
    ({"convention": "numpy"}, ValueError, r"convention must be one of 'torch', 'librosa', 'scipy'; got 'numpy'"),
    ({"x": np.zeros((3, 0))}, ValueError, r"x must hold at least one sample along its last axis"),
    ({"x": [1, "a"]}, TypeError, r"x must be"),
    ({"n_fft": 15}, ValueError, r"n_fft must be an even integer >= 2, got 15"),
    ({"n_fft": 16.0}, TypeError, r"n_fft must be an even integer >= 2, got 16\.0"),
    ({"hop_length": 0}, ValueError, r"hop_length must be an integer >= 1, got 0"),
    ({"hop_length": 4.0}, TypeError, r"hop_length must be an integer >= 1, got 4\.0"),
    ({"win_length": 7}, ValueError, r"win_length must be an even integer in \[2, n_fft=16\] for convention 'torch'"),
    ({"win_length": 18}, ValueError, r"win_length must be an even integer in \[2, n_fft=16\]"),
    ({"window": "gaussian"}, ValueError,
     rf"window must be one of {', '.join(map(repr, CONVENTION_WINDOWS))}; got 'gaussian'"),
    ({"convention": "scipy", "x": np.ones(3)}, ValueError,
     r"x must hold at least win_length - win_length // 2 = 8 samples for convention 'scipy'"),
    ({"pad_mode": "wrap"}, ValueError, r"pad_mode for convention 'torch' must be one of 'constant', 'reflect'"),
]


@pytest.mark.parametrize("options, error, match", PRESET_CASES)
def test_preset_rejects(options, error, match):
    args = {"convention": "torch", "x": np.ones(100), "n_fft": 16, "hop_length": 4, **options}
    window = args.pop("window", "hann")
    expect(error, match, lambda: conventions.preset(**args, window=window))
