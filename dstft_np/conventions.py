"""Presets that make ``dstft_np.stft`` reproduce torch.stft, librosa.stft and scipy's ShortTimeFFT.

The three libraries agree on the window (a periodic window of length W,
zero-padded to n_fft and centred, used as given) but not on where frames
sit, how many there are, where the phase is measured from, or what lies
beyond the ends of the signal. A preset translates a signal and integer
(n_fft, hop_length, win_length) into the arguments of ``dstft_np.stft``
that give the same complex matrix, phase included (docs/conventions.md has
the full table):

=======  ===============================  =============================  ========  =========
preset   reproduces                       frames t_n (in x's samples)    phase     pad_mode
=======  ===============================  =============================  ========  =========
torch    torch.stft(center=True)          n·hop, n = 0 .. K // hop       "start"   "reflect"
librosa  librosa.stft(center=True)        n·hop, n = 0 .. K // hop       "start"   "constant"
scipy    ShortTimeFFT(win, hop, fs=1,     p·hop, p = p_min .. p_max − 1  "center"  "constant"
         mfft=N).stft
=======  ===============================  =============================  ========  =========

θ = W and norm=None in every case; pad_mode is each library's default
(torch and librosa take "constant" and "reflect"). torch and librosa take
a frame of N samples starting at t_n − N/2 and measure the phase from its
start, φ_n(k) = k − (t_n − N/2); scipy measures it from the window centre,
φ_n(k) = k − t_n.
"""

from typing import Callable, NamedTuple

import numpy as np

from ._options import CONVENTION_WINDOWS, CONVENTIONS, PAD_MODES, document_choices, option_code
from ._validation import check_integer, check_n_fft, check_signal
from .positions import frame_positions
from .windows import window as window_values

__all__ = ["preset", "DEFAULT_PAD_MODES"]



def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


@document_choices
def preset(convention, x, n_fft, hop_length, win_length=None, *, window="hann", pad_mode=None):
    """Arguments of ``dstft_np.stft`` (signal included) that reproduce another library's STFT.

    ``dstft_np.stft(**preset(convention, x, ...))`` equals, to rounding, the
    STFT the named library computes for the same signal and integer
    parameters, edge frames and phase included (see the table in the module
    docstring and docs/conventions.md). The returned θ and t_n are ordinary
    starting values: they can be learned from there.

    Parameters
    ----------
    convention : {CONVENTIONS}
        The library to match.
    x : array_like [shape=(..., K)], real
        The signal (float32 stays float32); K >= 1 (scipy: K >= W - W // 2,
        as ShortTimeFFT requires).
    n_fft : int
        N, even, >= 2.
    hop_length : int
        Hop in samples, >= 1.
    win_length : int, optional
        W, even, 2 <= W <= n_fft; defaults to n_fft (as all three libraries do).
    window : {CONVENTION_WINDOWS}
        The base window; the matched call uses the periodic window of
        length W of that name (``torch.hann_window(W)``,
        ``scipy.signal.get_window(window, W, fftbins=True)``).
    pad_mode : {PAD_MODES}, optional
        What lies beyond the ends of x in the library's call (its
        ``pad_mode`` with ``center=True``). Default: the library's own,
        "reflect" for torch, "constant" for librosa and scipy (scipy offers
        only "constant", i.e. zeros).

    Returns
    -------
    kwargs : dict
        ``x``, ``win_length`` (float θ = W), ``positions`` (np.ndarray
        [shape=(T,)], float64, t_n in samples of the returned x),
        ``n_fft``, ``window``, ``norm`` (None) and ``phase`` ("start" for
        torch and librosa, "center" for scipy). With pad_mode="constant"
        the returned x is the signal as given (dstft_np treats samples
        outside [0, K) as zeros) and t_n = n·hop. With "reflect" it is the
        signal extended by its mirror image, N/2 samples on each side
        (``numpy.pad(x, N/2, mode="reflect")`` along the last axis, what
        torch and librosa transform), and t_n = n·hop + N/2 in it.

    Raises
    ------
    ValueError
        An unknown convention, window or pad_mode, an out-of-range
        parameter, or an odd win_length.
    TypeError
        A non-numeric or complex x; an n_fft, hop_length or win_length that
        is not an integer (4.0 is not).

    Notes
    -----
    All three libraries multiply by the window as given, so norm=None
    (c(θ) = 1): ω(u; W) = h(u / W) at u = i − W/2, i = 0..W−1, is the
    periodic window w[i]. An odd W cannot be matched: the libraries then
    centre the window half a sample off the frame's reference point, which
    shifts the phase of bin m by e^{±jπm/N}, a factor no choice of t_n and φ
    reproduces.

    With pad_mode="reflect" the transform is that of the padded signal: its
    partial derivatives and VJP with respect to θ and t_n are those of the
    padded signal, and a frame moved (or a window widened) towards an end
    reads the mirrored samples, then zeros beyond the N/2 padded ones. A
    position learned there is converted back to the samples of the given
    signal by subtracting N/2. torch refuses K <= N/2 for "reflect";
    numpy.pad (and librosa) reflect again.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> from dstft_np.conventions import preset
    >>> x = np.ones(1000)
    >>> kwargs = preset("torch", x, n_fft=256, hop_length=64, win_length=200)
    >>> kwargs["phase"], kwargs["norm"], kwargs["x"].shape, kwargs["positions"][:3]
    ('start', None, (1256,), array([128., 192., 256.]))
    >>> S = dstft_np.stft(**kwargs)    # torch.stft(x, 256, 64, 200, window, return_complex=True)
    >>> S.shape
    (129, 16)
    >>> preset("librosa", x, n_fft=256, hop_length=64)["positions"][:3]
    array([  0.,  64., 128.])
    """
    option_code("convention", convention, CONVENTIONS)
    library = _CONVENTIONS[convention]
    option_code("window", window, CONVENTION_WINDOWS)
    pad_mode = library.default_pad_mode if pad_mode is None else pad_mode
    option_code(f"pad_mode for convention {convention!r}", pad_mode, library.pad_modes)
    x = check_signal(x)
    n_samples = x.shape[-1]
    n_fft = check_n_fft(n_fft)
    hop_length = check_integer(hop_length, "hop_length", minimum=1)
    win_length = check_integer(n_fft if win_length is None else win_length, "win_length", minimum=2,
                               maximum=n_fft, even=True,
                               allowed=f"in [2, n_fft={n_fft}] for convention {convention!r}")
    positions = library.positions(n_samples, n_fft, hop_length, win_length, window)
    if pad_mode == "reflect":
        half = n_fft // 2
        x = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(half, half)], mode="reflect")
        positions = positions + half
    return dict(x=x, win_length=float(win_length), positions=positions, n_fft=n_fft,
                window=window, norm=None, phase=library.phase)


def _centred_positions(n_samples, n_fft, hop_length, win_length, window):
    """n·hop for n = 0 .. K // hop: the frames of torch.stft and librosa.stft with center=True."""
    return frame_positions(n_samples, hop_length)


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
            f"x must hold at least win_length - win_length // 2 = {half} samples for convention "
            f"'scipy' (ShortTimeFFT needs half a window of signal), got {n_samples}"
        )
    u = np.arange(win_length) - win_length // 2
    taper = window_values(u, win_length, n_fft=n_fft, window=window, norm=None)
    stft = scipy.signal.ShortTimeFFT(taper, hop_length, fs=1.0, mfft=n_fft)
    return np.arange(stft.p_min, stft.p_max(n_samples)) * float(hop_length)


class _Convention(NamedTuple):
    """What a preset needs to know of a library's STFT."""

    #: t_n of its frames, in samples of the unpadded signal: f(K, N, hop, W, window).
    positions: Callable
    #: The phase reference it measures from ("start" or "center").
    phase: str
    #: The pad_mode it uses by default, and the ones a preset of it accepts.
    default_pad_mode: str
    pad_modes: tuple


#: The libraries a preset reproduces, by name; its keys are ``_options.CONVENTIONS``.
#: Default pad modes: torch.stft 2.x reflects, librosa >= 0.9 and scipy's ShortTimeFFT pad with zeros.
_CONVENTIONS = {
    "torch": _Convention(_centred_positions, "start", "reflect", PAD_MODES),
    "librosa": _Convention(_centred_positions, "start", "constant", PAD_MODES),
    "scipy": _Convention(_short_time_fft_positions, "center", "constant", ("constant",)),
}

#: The pad_mode each library uses by default.
DEFAULT_PAD_MODES = {name: library.default_pad_mode for name, library in _CONVENTIONS.items()}
