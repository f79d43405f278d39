"""Figures: the spectrogram in dB, the learned window-length map, the windows over the signal, a tracked frequency.

Every function draws into `ax` (a new figure from ``matplotlib.pyplot``
when None) and returns that Axes; ``ax.figure`` is the Figure. Nothing
calls ``plt.show()``: call it yourself, or ``ax.figure.savefig(path)``.
matplotlib is imported when a function is called, never when dstft_np is,
and no backend is chosen here (headless runs pick Agg by themselves, or set
``MPLBACKEND=Agg``).

Axes are in seconds and Hz when `sample_rate` is given, in samples and
bins otherwise (frames when positions are not given).
"""

import numbers

import numpy as np

from ._options import WINDOWS, option_code
from ._validation import (check_complex, check_n_fft, check_positions, check_positive, check_real,
                          check_sample_rate, check_signal, check_win_length)
from .windows import window as window_values

__all__ = ["spectrogram", "win_length_map", "windows", "frequency_track"]


def _new_axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(layout="constrained")[1]


def _edges(centres):
    """Cell edges halfway between increasing centres, the outer ones mirrored (one centre: ±1/2)."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate([[2 * centres[0] - middle[0]], middle, [2 * centres[-1] - middle[-1]]])


def _time_axis(positions, n_frames, sample_rate):
    """Frame centres on the time axis and its label: seconds, samples or frame indices."""
    if positions is None:
        return np.arange(n_frames, dtype=float), "frame"
    positions = check_positions(positions)
    if positions.shape != (n_frames,):
        raise ValueError(f"positions must have shape (T,) = ({n_frames},), got {positions.shape}")
    if n_frames > 1 and not np.all(np.diff(positions) > 0):
        raise ValueError("positions must be strictly increasing to be drawn on a time axis")
    if sample_rate is None:
        return positions, "time (samples)"
    return positions / sample_rate, "time (s)"


def _frequency_axis(n_bins, sample_rate):
    """Bin centres m (or m·fs/N in Hz) and the label."""
    bins = np.arange(n_bins, dtype=float)
    if sample_rate is None:
        return bins, "frequency (bin)"
    return bins * sample_rate / (2 * (n_bins - 1)), "frequency (Hz)"


def _optional_rate(sample_rate):
    return None if sample_rate is None else check_sample_rate(sample_rate)


def spectrogram(S, positions=None, *, sample_rate=None, db_range=80.0, ax=None, cmap="magma",
                colorbar=True):
    """Draw 20 log10(|S| / max|S|) in dB, clipped below at -db_range.

    Parameters
    ----------
    S : array_like [shape=(F, T)]
        A complex spectrogram (or any real magnitude); F = N/2 + 1.
    positions : array_like [shape=(T,)], optional
        t_n in samples, strictly increasing (the cells follow them, so a
        learned hop shows). Without them the time axis counts frames.
    sample_rate : float, optional
        Hz: time in seconds and frequency in Hz instead of samples and bins.
    db_range : float
        Dynamic range shown below the maximum, in dB (> 0).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    cmap : str
    colorbar : bool
        Add a colour bar labelled in dB.

    Returns
    -------
    ax : matplotlib.axes.Axes
        Holding one QuadMesh; x limits span the frame cells, y limits the
        bins from 0 to the Nyquist frequency (half a bin beyond each end).

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> x = np.sin(0.3 * np.arange(4000))
    >>> t = dstft_np.frame_positions(4000, 128)
    >>> ax = dstft_np.plot.spectrogram(dstft_np.stft(x, 300.0, t, n_fft=512), t, sample_rate=8000)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('time (s)', 'frequency (Hz)')
    """
    S = check_complex(S, "S")
    if S.ndim != 2 or S.shape[0] < 2:
        raise ValueError(f"S must be a numeric (F, T) array with F >= 2 (one item of a batch), "
                         f"got shape {S.shape}")
    db_range = check_positive(db_range, "db_range")
    sample_rate = _optional_rate(sample_rate)
    times, time_label = _time_axis(positions, S.shape[1], sample_rate)
    freqs, freq_label = _frequency_axis(S.shape[0], sample_rate)
    magnitude = np.abs(S).astype(np.float64)
    peak = magnitude.max()
    floor = 10.0 ** (-db_range / 20.0)
    db = 20.0 * np.log10(np.maximum(magnitude / peak if peak > 0 else magnitude, floor))
    ax = _new_axes(ax)
    mesh = ax.pcolormesh(_edges(times), _edges(freqs), db, cmap=cmap, vmin=-db_range, vmax=0.0)
    ax.set_xlabel(time_label)
    ax.set_ylabel(freq_label)
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label="dB (re max)")
    return ax


def win_length_map(win_length, positions=None, *, sample_rate=None, ax=None, cmap="viridis",
                   colorbar=True):
    """Draw the window lengths θ: a curve when one value per frame or per bin, an image per cell.

    Parameters
    ----------
    win_length : array_like
        θ in samples: a scalar, (T,) or (1, T) per frame (a curve over
        time), (F, 1) per bin (a curve over frequency), or (F, T) per cell
        (an image with a colour bar).
    positions : array_like [shape=(T,)], optional
        t_n in samples, strictly increasing; frames are counted without them.
    sample_rate : float, optional
        Hz: θ in milliseconds, time in seconds and frequency in Hz.
    ax : matplotlib.axes.Axes, optional
    cmap : str
        Colour map of the per-cell image.
    colorbar : bool
        Add a colour bar to the per-cell image.

    Returns
    -------
    ax : matplotlib.axes.Axes
        One Line2D (curves) or one QuadMesh (per cell).

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> ax = dstft_np.plot.win_length_map(np.linspace(100, 400, 20), sample_rate=1000)
    >>> ax.get_ylabel(), len(ax.lines)
    ('window length (ms)', 1)
    """
    theta = check_win_length(win_length, np.inf)
    if theta.size == 0:
        raise ValueError(f"win_length must hold at least one value, got shape {theta.shape}")
    if theta.ndim > 2:
        raise ValueError(f"win_length must be a scalar, (T,), (1, T), (F, 1) or (F, T) (one item of a "
                         f"batch), got shape {theta.shape}")
    sample_rate = _optional_rate(sample_rate)
    if sample_rate is None:
        values, value_label = theta, "window length (samples)"
    else:
        values, value_label = theta * (1000.0 / sample_rate), "window length (ms)"
    ax = _new_axes(ax)
    if theta.ndim == 2 and theta.shape[0] > 1 and theta.shape[1] > 1:
        times, time_label = _time_axis(positions, theta.shape[1], sample_rate)
        freqs, freq_label = _frequency_axis(theta.shape[0], sample_rate)
        mesh = ax.pcolormesh(_edges(times), _edges(freqs), values, cmap=cmap)
        ax.set_xlabel(time_label)
        ax.set_ylabel(freq_label)
        if colorbar:
            ax.figure.colorbar(mesh, ax=ax, label=value_label)
        return ax
    if theta.ndim == 2 and theta.shape[0] > 1:  # (F, 1): one value per bin
        freqs, freq_label = _frequency_axis(theta.shape[0], sample_rate)
        ax.plot(freqs, values[:, 0])
        ax.set_xlabel(freq_label)
    else:
        n_frames = np.size(positions) if theta.size == 1 and positions is not None else theta.size
        times, time_label = _time_axis(positions, n_frames, sample_rate)
        ax.plot(times, np.broadcast_to(values.ravel(), times.shape), marker="." if n_frames < 50 else None)
        ax.set_xlabel(time_label)
    ax.set_ylabel(value_label)
    return ax


def windows(x, win_length, positions, *, n_fft, window="hann", sample_rate=None, every=1, ax=None):
    """Draw the signal with each frame's window over it: its shape and its support shaded.

    Frame n's window ω(k - t_n; θ_n) is scaled to the signal's peak and
    drawn over the span t_n ± θ_n/2, which is shaded.

    Parameters
    ----------
    x : array_like [shape=(K,)], real
    win_length : array_like
        θ per frame: a scalar, (T,) or (1, T).
    positions : array_like [shape=(T,)]
        t_n in samples.
    n_fft : int
        N (θ <= N).
    window : {"hann", "blackman", "gaussian"}
    sample_rate : float, optional
        Hz: time in seconds.
    every : int
        Draw every `every`-th frame only (long signals).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    ax : matplotlib.axes.Axes
        The signal as the first Line2D, then one Line2D and one shaded
        span (a Rectangle patch) per drawn frame; x limits cover the signal and
        every drawn window.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> x = np.sin(0.05 * np.arange(1000))
    >>> t = dstft_np.frame_positions(1000, 250)
    >>> ax = dstft_np.plot.windows(x, 300.0, t, n_fft=512)
    >>> len(ax.lines), len(ax.patches)
    (6, 5)
    """
    x = check_signal(x)
    if x.ndim != 1:
        raise ValueError(f"x must be a real (K,) signal (one item of a batch), got shape {x.shape}")
    n_fft = check_n_fft(n_fft)
    option_code("window", window, WINDOWS)
    positions = check_positions(positions)
    theta = check_win_length(win_length, n_fft)
    if positions.ndim != 1:
        raise ValueError(f"positions must have shape (T,), got {positions.shape}")
    if theta.size not in (1, positions.size) or theta.ndim > 2 or (theta.ndim == 2 and theta.shape[0] != 1):
        raise ValueError(f"win_length must be a scalar, (T,) or (1, T) with T = {positions.size} "
                         f"(one value per frame), got shape {theta.shape}")
    if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
        raise ValueError(f"every must be a positive integer, got {every!r}")
    sample_rate = _optional_rate(sample_rate)
    scale = 1.0 if sample_rate is None else 1.0 / sample_rate
    theta = np.broadcast_to(theta.ravel(), positions.shape)
    peak = float(np.max(np.abs(x))) or 1.0
    ax = _new_axes(ax)
    ax.plot(np.arange(x.size) * scale, x, color="0.3", linewidth=0.8)
    lowest, highest = 0.0, x.size - 1.0
    for t, length in zip(positions[::every], theta[::every]):
        u = np.linspace(-0.5 * length, 0.5 * length, 101)
        shape = window_values(u, length, n_fft=n_fft, window=window)
        (line,) = ax.plot((t + u) * scale, peak * shape / shape.max(), linewidth=1.0)
        ax.axvspan((t - 0.5 * length) * scale, (t + 0.5 * length) * scale, color=line.get_color(),
                   alpha=0.12, linewidth=0)
        lowest, highest = min(lowest, t - 0.5 * length), max(highest, t + 0.5 * length)
    ax.set_xlim(lowest * scale, highest * scale)
    ax.set_xlabel("time (samples)" if sample_rate is None else "time (s)")
    ax.set_ylabel("amplitude")
    return ax


def frequency_track(frequency, positions=None, *, sample_rate=None, n_fft=None, ax=None, **line):
    """Draw a frequency per frame (``dstft_np.tracking.ridge``) over time, e.g. over ``spectrogram``.

    Parameters
    ----------
    frequency : array_like [shape=(T,)], real
        f_n in Hz with a sample rate, in cycles/sample without.
    positions : array_like [shape=(T,)], optional
        t_n in samples, strictly increasing; frames are counted without them.
    sample_rate : float, optional
        Hz: time in seconds, frequency in Hz (as ``spectrogram`` draws them).
    n_fft : int, optional
        Without a sample rate: draw f_n·N, in bins, on the axis of a
        ``spectrogram`` of that N. Without either: cycles/sample.
    ax : matplotlib.axes.Axes, optional
        Where to draw (the spectrogram's axes to overlay); a new figure when None.
    **line
        Passed to ``ax.plot`` (color, linestyle, label, ...).

    Returns
    -------
    ax : matplotlib.axes.Axes
        With one more Line2D.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> t = dstft_np.frame_positions(4000, 400)
    >>> ax = dstft_np.plot.frequency_track(np.full(t.size, 0.1), t, n_fft=256, color="w")
    >>> ax.get_ylabel(), ax.lines[0].get_ydata()[:2]
    ('frequency (bin)', array([25.6, 25.6]))
    """
    frequency = check_real(frequency, "frequency")
    if frequency.ndim != 1 or frequency.size == 0:
        raise ValueError(f"frequency must have shape (T,) with T >= 1 (one item of a batch), got {frequency.shape}")
    sample_rate = _optional_rate(sample_rate)
    times, time_label = _time_axis(positions, frequency.size, sample_rate)
    if sample_rate is not None:
        values, label = frequency, "frequency (Hz)"
    elif n_fft is not None:
        values, label = frequency * check_n_fft(n_fft), "frequency (bin)"
    else:
        values, label = frequency, "frequency (cycles/sample)"
    ax = _new_axes(ax)
    ax.plot(times, values, **line)
    ax.set_xlabel(time_label)
    ax.set_ylabel(label)
    return ax
