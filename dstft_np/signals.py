"""Built-in signals with known structure: the demo's and the paper's experiments'.

Both come from the papers' experiments (docs/experiments.md), so that a user can
run the library (``dstft-np demo``) and the validation scripts without
any file.
"""

import numpy as np

__all__ = ["chirp_and_tone", "piecewise_tones", "SEGMENT_LENGTHS", "SEGMENT_FREQUENCIES"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


def chirp_and_tone(seed=0):
    """A sinusoidally swept chirp plus a steady tone, in noise: 25000 samples at 10 kHz.

    t = 0, 1e-4, ..., 2.5 s; f = 100 sin(2πt) + 100 + 50 t;
    x = sin(cumsum(f)/200) + sin(cumsum(500)/200) + 0.1·noise. With
    N = 1000, hop 100 and the Shannon entropy of |S|, the best single
    window length is θ* ≈ 496 samples (495–496 across noise draws).

    Parameters
    ----------
    seed : int
        Seed of the standard normal noise.

    Returns
    -------
    x : np.ndarray [shape=(25000,)], float64

    Examples
    --------
    >>> chirp_and_tone().shape
    (25000,)
    """
    t = np.arange(0, 2.5, 1e-4)
    frequency = 100 * np.sin(2 * np.pi * t) + 100 + 50 * t
    noise = np.random.default_rng(seed).standard_normal(t.size)
    return np.sin(np.cumsum(frequency) / 200) + np.sin(np.cumsum(500 * np.ones(t.size)) / 200) + 0.1 * noise


#: Segment lengths (samples) and frequencies (Hz) of the learnable-hop experiment.
SEGMENT_LENGTHS = (1484, 1153, 635, 361, 1796, 1207)
SEGMENT_FREQUENCIES = (50.0, 228.0, 65.0, 171.0, 30.0, 144.0)


def piecewise_tones(seed=0, noise=0.2, fs=1000.0):
    """Consecutive pure tones (SEGMENT_LENGTHS samples at SEGMENT_FREQUENCIES Hz) plus white noise.

    Parameters
    ----------
    seed : int
        Seed of the noise.
    noise : float
        Standard deviation of the noise.
    fs : float
        Sample rate in Hz.

    Returns
    -------
    x : np.ndarray [shape=(6636,)], float64

    Examples
    --------
    >>> piecewise_tones().shape
    (6636,)
    """
    segments = [np.sin(2 * np.pi * f * np.arange(n) / fs) for n, f in zip(SEGMENT_LENGTHS, SEGMENT_FREQUENCIES)]
    x = np.concatenate(segments)
    return x + noise * np.random.default_rng(seed).standard_normal(x.size)
