"""Built-in signals with known structure: the demo's and the paper's experiments'.

Both come from the papers' experiments (docs/experiments.md), so that a user can
run the library (``dstft-np demo``) and the validation scripts without
any file.
"""

import numpy as np

__all__ = ["chirp_and_tone", "piecewise_tones", "SEGMENT_LENGTHS", "SEGMENT_FREQUENCIES", "SWEEP_RATE",
           "sweep_frequency", "frequency_sweep"]


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


#: Sample rate (Hz) of ``frequency_sweep``.
SWEEP_RATE = 2000.0


def sweep_frequency(seconds):
    """f(t) = 200 + 100 sin(2π·0.5 t) Hz, the instantaneous frequency of ``frequency_sweep``.

    Examples
    --------
    >>> sweep_frequency([0.0, 0.5, 1.5])
    array([200., 300., 100.])
    """
    return 200.0 + 100.0 * np.sin(np.pi * np.asarray(seconds, dtype=np.float64))


def frequency_sweep(seed=0, noise=0.3):
    """A tone swept sinusoidally between 100 and 300 Hz, in white noise: 2 s at 2 kHz (the tracking experiment).

    x[k] = sin(2π ∫_0^t f) + noise·n[k] with t = k/fs and f = ``sweep_frequency``:
    ∫_0^t f = 200 t + (100/π)(1 - cos πt). The frequency changes fastest
    (314 Hz/s) at t = 0, 1 and 2 s and stands still at its extremes
    (t = 0.5 and 1.5 s), so the best window length changes along the signal.

    Parameters
    ----------
    seed : int
        Seed of the standard normal noise n.
    noise : float
        Its standard deviation (the tone's amplitude is 1).

    Returns
    -------
    x : np.ndarray [shape=(4000,)], float64

    Examples
    --------
    >>> frequency_sweep().shape
    (4000,)
    """
    t = np.arange(int(2 * SWEEP_RATE)) / SWEEP_RATE
    x = np.sin(2 * np.pi * (200.0 * t + (100.0 / np.pi) * (1.0 - np.cos(np.pi * t))))
    return x + noise * np.random.default_rng(seed).standard_normal(t.size)
