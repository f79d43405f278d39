"""Presets that make ``dstft_np.stft`` reproduce torch.stft, librosa.stft and scipy's ShortTimeFFT.

The three libraries agree on the window (a periodic window of length W,
zero-padded to n_fft and centred, used as given) but not on where frames
sit, how many there are, or where the phase is measured from. A preset
translates integer (n_fft, hop_length, win_length) into the arguments of
``dstft_np.stft`` that give the same complex matrix, phase included
(docs/conventions.md has the full table):

=======  ================================  ==============================  ========  ====
preset   reproduces                        frames t_n                      phase     norm
=======  ================================  ==============================  ========  ====
torch    torch.stft(center=True,           n·hop, n = 0 .. K // hop        "start"   None
         pad_mode="constant")
librosa  librosa.stft(center=True,         n·hop, n = 0 .. K // hop        "start"   None
         pad_mode="constant")
scipy    ShortTimeFFT(win, hop, fs=1,      p·hop, p = p_min .. p_max − 1   "center"  None
         mfft=N).stft
=======  ================================  ==============================  ========  ====

θ = W in every case. torch and librosa take a frame of N samples starting
at t_n − N/2 and measure the phase from its start, φ_n(k) = k − (t_n − N/2);
scipy measures it from the window centre, φ_n(k) = k − t_n.
"""

import numbers

import numpy as np

from ._options import CONVENTION_WINDOWS, CONVENTIONS, option_code
from ._validation import check_n_fft
from .positions import frame_positions
from .windows import window as window_values

__all__ = ["preset"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return int(value)


def preset(convention, n_samples, n_fft, hop_length, win_length=None, *, window="hann"):
    """Arguments of ``dstft_np.stft`` that reproduce another library's STFT.

    ``dstft_np.stft(x, **preset(...))`` equals, to rounding, the STFT the
    named library computes for the same integer parameters (see the table in
    the module docstring and docs/conventions.md). The returned θ and t_n
    are ordinary starting values: they can be learned from there.

    Parameters
    ----------
    convention : {"torch", "librosa", "scipy"}
        The library to match.
    n_samples : int
        K, the signal length, >= 1 (scipy: >= W - W // 2, as ShortTimeFFT requires).
    n_fft : int
        N, even, >= 2.
    hop_length : int
        Hop in samples, >= 1.
    win_length : int, optional
        W, even, 2 <= W <= n_fft; defaults to n_fft (as all three libraries do).
    window : {"hann", "blackman"}
        The base window; the matched call uses the periodic window of
        length W of that name (``torch.hann_window(W)``,
        ``scipy.signal.get_window(window, W, fftbins=True)``).

    Returns
    -------
    kwargs : dict
        ``win_length`` (float θ = W), ``positions`` (np.ndarray [shape=(T,)],
        float64, t_n in samples), ``n_fft``, ``window``, ``norm`` (None) and
        ``phase`` ("start" for torch and librosa, "center" for scipy).

    Raises
    ------
    ValueError
        An unknown convention or window, a non-integer or out-of-range
        parameter, or an odd win_length.

    Notes
    -----
    All three libraries multiply by the window as given, so norm=None
    (c(θ) = 1): ω(u; W) = h(u / W) at u = i − W/2, i = 0..W−1, is the
    periodic window w[i]. An odd W cannot be matched: the libraries then
    centre the window half a sample off the frame's reference point, which
    shifts the phase of bin m by e^{±jπm/N}, a factor no choice of t_n and φ
    reproduces.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> from dstft_np.conventions import preset
    >>> kwargs = preset("torch", n_samples=1000, n_fft=256, hop_length=64, win_length=200)
    >>> kwargs["phase"], kwargs["norm"], kwargs["positions"][:3]
    ('start', None, array([  0.,  64., 128.]))
    >>> S = dstft_np.stft(np.ones(1000), **kwargs)
    >>> S.shape
    (129, 16)
    """
    option_code("convention", convention, CONVENTIONS)
    option_code("window", window, CONVENTION_WINDOWS)
    n_samples = _positive_int(n_samples, "n_samples")
    n_fft = check_n_fft(n_fft)
    hop_length = _positive_int(hop_length, "hop_length")
    win_length = n_fft if win_length is None else win_length
    if (isinstance(win_length, bool) or not isinstance(win_length, numbers.Integral)
            or not 2 <= win_length <= n_fft or win_length % 2):
        raise ValueError(
            f"win_length must be an even integer in [2, n_fft={n_fft}] for convention "
            f"{convention!r}, got {win_length!r}"
        )
    win_length = int(win_length)
    if convention == "scipy":
        positions = _short_time_fft_positions(n_samples, n_fft, hop_length, win_length, window)
        phase = "center"
    else:
        positions = frame_positions(n_samples, hop_length)
        phase = "start"
    return dict(win_length=float(win_length), positions=positions, n_fft=n_fft,
                window=window, norm=None, phase=phase)


def _short_time_fft_positions(n_samples, n_fft, hop_length, win_length, window):
    """p·hop for p = p_min .. p_max(K) − 1, the slices ShortTimeFFT.stft returns.

    scipy decides which slices still touch the signal from the window's
    values (leading and trailing zeros do not count), so the range is asked
    of ShortTimeFFT itself, built on the window this preset represents.
    """
    import scipy.signal  # imported here: it adds about a second to ``import dstft_np``

    half = win_length - win_length // 2
    if n_samples < half:
        raise ValueError(
            f"n_samples must be >= win_length - win_length // 2 = {half} for convention 'scipy' "
            f"(ShortTimeFFT needs half a window of signal), got {n_samples}"
        )
    u = np.arange(win_length) - win_length // 2
    taper = window_values(u, win_length, n_fft=n_fft, window=window, norm=None)
    stft = scipy.signal.ShortTimeFFT(taper, hop_length, fs=1.0, mfft=n_fft)
    return np.arange(stft.p_min, stft.p_max(n_samples)) * float(hop_length)
