"""The axes of S: the frequency of each bin m and the time of each frame n.

Bin m of an N-point transform is the frequency m/N cycles per sample,
m·fs/N Hz at a sample rate fs; frame n is centred at t_n samples, t_n/fs
seconds (docs/derivation.md §0). These are the labels of the (F, T) axes
of ``stft``'s output, like librosa's ``fft_frequencies`` and
``frames_to_time`` or numpy's ``rfftfreq``.
"""

import numpy as np

from ._validation import check_n_fft, check_real, check_sample_rate

__all__ = ["frequencies", "frame_times"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


def frequencies(n_fft, sample_rate=None):
    """The frequency of each of the F = N/2 + 1 bins: m/N cycles per sample, or m·fs/N Hz.

    Parameters
    ----------
    n_fft : int
        N, even.
    sample_rate : float, optional
        fs in Hz, > 0. Without it the frequencies are in cycles per sample
        (0 to 0.5).

    Returns
    -------
    frequencies : np.ndarray [shape=(F,)], float64
        Hz with a sample rate, cycles per sample without;
        ``numpy.fft.rfftfreq(n_fft, 1 / sample_rate)``.

    Raises
    ------
    TypeError
        A non-integer n_fft.
    ValueError
        An odd n_fft or one below 2; a sample rate that is not a finite
        number > 0.

    Examples
    --------
    >>> import dstft_np
    >>> dstft_np.frequencies(8)
    array([0.   , 0.125, 0.25 , 0.375, 0.5  ])
    >>> dstft_np.frequencies(8, sample_rate=16000)
    array([   0., 2000., 4000., 6000., 8000.])
    """
    n_fft = check_n_fft(n_fft)
    cycles = np.arange(n_fft // 2 + 1) / n_fft
    return cycles if sample_rate is None else cycles * check_sample_rate(sample_rate)


def frame_times(positions, sample_rate=None):
    """The time of each frame: its centre t_n in samples, or t_n / fs in seconds.

    Parameters
    ----------
    positions : array_like [shape=(..., T)], float
        t_n in samples, as given to ``stft`` (e.g. ``frame_positions(K, hop)``).
    sample_rate : float, optional
        fs in Hz, > 0. Without it the times stay in samples.

    Returns
    -------
    times : np.ndarray [shape=np.shape(positions)], float64
        Seconds with a sample rate, samples without.

    Raises
    ------
    TypeError
        Complex or non-numeric positions.
    ValueError
        NaN or inf in positions; a sample rate that is not a finite number
        > 0.

    Examples
    --------
    >>> import dstft_np
    >>> t = dstft_np.frame_positions(48000, hop_length=12000)
    >>> dstft_np.frame_times(t, sample_rate=16000)
    array([0.  , 0.75, 1.5 , 2.25, 3.  ])
    """
    t = check_real(positions, "positions")
    return t if sample_rate is None else t / check_sample_rate(sample_rate)
