"""Figures: the spectrogram in dB, the learned window-length map, the windows over the signal, the loss
against θ, a tracked frequency; and the report figures of the command line (a fit, the demo, a spectrogram).

Panel functions (``spectrogram``, ``win_length_map``, ``windows``,
``loss_landscape``, ``frequency_track``) draw into `ax` (a new figure from ``matplotlib.pyplot``
when None) and return that Axes; ``ax.figure`` is the Figure. Report
functions (``fit_report``, ``demo_report``, ``spectrogram_report``,
``track_report``) return a
``matplotlib.figure.Figure`` of FIGURE_WIDTH × ROW_HEIGHT inches per row of
panels, made without pyplot (no GUI, no backend needed): save it with
``figure.savefig(path)``. Nothing calls ``plt.show()``. matplotlib is
imported when a function is called, never when dstft_np is, and no backend
is chosen here (headless runs pick Agg by themselves, or set
``MPLBACKEND=Agg``).

Axes are in seconds and Hz when `sample_rate` is given, in samples and
bins otherwise (frames when positions are not given).
"""


import numpy as np

from . import losses
from ._options import WINDOWS, document_choices, option_code
from ._validation import (check_complex, check_integer, check_n_fft, check_positions, check_positive, check_real,
                          check_sample_rate, check_signal, check_win_length)
from .model import DSTFT
from .positions import frame_positions
from .windows import window as window_values

__all__ = ["spectrogram", "win_length_map", "windows", "loss_landscape", "frequency_track", "fit_report",
           "demo_report", "spectrogram_report", "track_report", "length_label", "FIGURE_WIDTH", "ROW_HEIGHT"]

#: Size of the report figures in inches: FIGURE_WIDTH wide, ROW_HEIGHT per row of panels (times the
#: dpi for pixels).
FIGURE_WIDTH, ROW_HEIGHT = 10.0, 3.0


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


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
    from matplotlib.ticker import MaxNLocator

    # at most 6 time ticks: the default locator put 8 five-digit sample indices on a half-width panel
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
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


@document_choices
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
    window : {WINDOWS}
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
    every = check_integer(every, "every", minimum=1)
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


def _number(value, digits=5):
    """`value` with `digits` significant digits and no exponent: 100000, 301.25, 0.03125."""
    return np.format_float_positional(float(value), precision=digits, unique=True, fractional=False, trim="-")


def length_label(samples, sample_rate=None, *, short=False):
    """Text for a length in samples, or for a map of them, with milliseconds when the rate is known.

    Parameters
    ----------
    samples : float or array_like
    sample_rate : float, optional
        Hz.
    short : bool
        Leave out the unit "samples" and the median, for titles and table cells.

    Returns
    -------
    str
        "301.25 samples (9.4141 ms)", "1 sample", "100000 samples"; a map:
        "120–2048, median 800 samples (3.75–64, median 25 ms)"; short:
        "301.25 (9.4141 ms)", "120–2048 (3.75–64 ms)".

    Examples
    --------
    >>> length_label(1600, 32000), length_label(1), length_label([100, 300, 200], short=True)
    ('1600 samples (50 ms)', '1 sample', '100–300')
    """
    values = np.atleast_1d(np.asarray(samples, dtype=np.float64))

    def span(scale):
        if np.all(values == values.flat[0]):
            return _number(values.flat[0] * scale)
        text = f"{_number(values.min() * scale)}–{_number(values.max() * scale)}"
        return text if short else f"{text}, median {_number(np.median(values) * scale)}"

    text = span(1.0)
    if not short:
        text += " sample" if text == "1" else " samples"
    if sample_rate is not None:
        text += f" ({span(1000.0 / sample_rate)} ms)"
    return text


def loss_landscape(win_lengths, values, *, path=None, path_values=None, sample_rate=None, ax=None,
                   ylabel="loss"):
    """Draw a loss against a single window length θ, and the path a fit took over it.

    Parameters
    ----------
    win_lengths : array_like [shape=(G,)]
        θ in samples at which the loss was evaluated (a scan), increasing.
    values : array_like [shape=(G,)]
        The loss there.
    path : array_like [shape=(E,)], optional
        θ at each evaluation of a fit, in order.
    path_values : array_like [shape=(E,)], optional
        The loss at each of them (required with `path`).
    sample_rate : float, optional
        Hz: θ in milliseconds.
    ax : matplotlib.axes.Axes, optional
    ylabel : str

    Returns
    -------
    ax : matplotlib.axes.Axes
        The scan as the first Line2D (log θ axis); with a path, a second
        Line2D through the evaluations, the start marked "o" and the lowest
        evaluation "*". The loss axis has no offset text (it would collide
        with a title): its ticks carry the full values.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> theta = np.geomspace(16, 1024, 20)
    >>> ax = dstft_np.plot.loss_landscape(theta, (np.log(theta) - 5) ** 2, path=[100, 200, 150],
    ...                                   path_values=[0.15, 0.09, 0.0])
    >>> len(ax.lines), ax.get_xscale()
    (4, 'log')
    """
    theta = check_win_length(win_lengths, np.inf, "win_lengths")
    values = check_signal(values, "values").astype(np.float64)
    if theta.ndim != 1 or values.shape != theta.shape:
        raise ValueError(f"win_lengths and values must be two (G,) arrays of one length, got shapes "
                         f"{theta.shape} and {values.shape}")
    sample_rate = _optional_rate(sample_rate)
    scale, unit = _length_unit(sample_rate)
    ax = _new_axes(ax)
    ax.plot(theta * scale, values, color="0.35", linewidth=1.2, label="scan")
    if path is not None:
        path = check_win_length(path, np.inf, "path").ravel()
        if path_values is None or np.shape(path_values) != path.shape:
            raise ValueError(f"path_values must hold one loss per entry of path, shape {path.shape}")
        path_values = check_signal(path_values, "path_values").astype(np.float64)
        ax.plot(path * scale, path_values, color="tab:blue", marker=".", markersize=4, linewidth=0.8,
                alpha=0.8, label=f"fit ({path.size} evaluations)")
        ax.plot(path[0] * scale, path_values[0], "o", color="tab:orange", label="start")
        best = int(np.argmin(path_values))
        ax.plot(path[best] * scale, path_values[best], "*", color="tab:red", markersize=12,
                label=f"lowest: θ {_number(path[best] * scale)} {unit}")
        ax.legend(fontsize=8)
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(f"window length θ ({unit})")
    ax.set_ylabel(ylabel)
    ax.ticklabel_format(axis="y", useOffset=False)
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



def _new_figure(rows, dpi):
    """A constrained-layout Figure FIGURE_WIDTH wide and ROW_HEIGHT per row of panels, and its axes.

    `rows` gives the rows of panels as (number of rows, panels per row) blocks;
    each block is a subfigure, so that colour bars in one block do not
    squeeze the panels of another. Returns the figure and a list of (rows,
    columns) arrays of Axes, one per block.
    """
    from matplotlib.figure import Figure  # no pyplot: no backend, no GUI, works headless

    heights = [n_rows for n_rows, _ in rows]
    figure = Figure(figsize=(FIGURE_WIDTH, ROW_HEIGHT * sum(heights)), dpi=dpi, layout="constrained")
    blocks = figure.subfigures(len(rows), 1, height_ratios=heights, squeeze=False)[:, 0]
    return figure, [block.subplots(n_rows, n_columns, squeeze=False)
                    for block, (n_rows, n_columns) in zip(blocks, rows)]


def _draw_channels(axes, S, positions, sample_rate, title, **options):
    """Spectrogram of channel c of S (..., F, T) into axes[c], titled; `options` go to ``spectrogram``."""
    channels = S.reshape((-1,) + S.shape[-2:])
    for channel, (ax, S_c) in enumerate(zip(axes, channels)):
        spectrogram(S_c, positions, sample_rate=sample_rate, ax=ax, **options)
        ax.set_title(f"channel {channel}: {title}" if channels.shape[0] > 1 else title, fontsize=9)


def spectrogram_report(S, positions, *, sample_rate=None, title="", db_range=80.0, dpi=100):
    """The figure of ``dstft-np spectrogram``: one row per channel of S, in dB.

    Parameters
    ----------
    S : array_like [shape=(F, T) or (C, F, T)], complex
    positions : array_like [shape=(T,)]
        t_n in samples.
    sample_rate : float, optional
    title : str
        Names the parameters; prefixed by "channel c:" when there are several.
    db_range : float
        As in ``spectrogram``.
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
        FIGURE_WIDTH × C·ROW_HEIGHT inches.
    """
    S = check_complex(S, "S")
    n_channels = int(np.prod(S.shape[:-2], dtype=np.int64))
    figure, (axes,) = _new_figure([(n_channels, 1)], dpi)
    _draw_channels(axes[:, 0], S, positions, sample_rate, title, db_range=db_range)
    return figure


def track_report(S, positions, frequency, *, sample_rate=None, orders=(1,), title="", db_range=60.0, dpi=100):
    """The figure of ``dstft-np track``: per channel, |S| in dB with the tracked f_n and its harmonics i·f_n.

    Parameters
    ----------
    S : array_like [shape=(F, T) or (C, F, T)], complex
    positions : array_like [shape=(T,)]
        t_n in samples.
    frequency : array_like [shape=(T,) or (C, T)], real
        The track of each channel (``dstft_np.tracking.ridge``): Hz with a
        sample rate, cycles/sample without.
    sample_rate : float, optional
    orders : sequence of int
        The track is drawn solid at the first order's multiple and dotted
        at the others'.
    title : str
        As in ``spectrogram_report``.
    db_range : float
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
        FIGURE_WIDTH × C·ROW_HEIGHT inches; the frequency axis ends a
        quarter above the highest harmonic drawn (at most at Nyquist).
    """
    S = check_complex(S, "S")
    tracks = check_real(frequency, "frequency").reshape(-1, S.shape[-1])
    n_fft = 2 * (S.shape[-2] - 1)
    figure, (axes,) = _new_figure([(tracks.shape[0], 1)], dpi)
    _draw_channels(axes[:, 0], S, positions, sample_rate, title, db_range=db_range)
    nyquist = 0.5 * (n_fft if sample_rate is None else sample_rate)
    scale = n_fft if sample_rate is None else 1.0    # the spectrogram's axis: bins, or Hz
    for ax, track in zip(axes[:, 0], tracks):
        for order in orders:
            first = order == orders[0]
            frequency_track(order * track, positions, sample_rate=sample_rate, n_fft=n_fft, ax=ax, color="c",
                            linewidth=1.0 if first else 0.8, linestyle="-" if first else ":")
        ax.set_ylim(0, min(1.25 * max(orders) * float(track.max()) * scale, nyquist) or nyquist)
    return figure


def _entropy(model, x):
    """Shannon entropy of the model's |S|^p (averaged over channels), the papers' measure of concentration."""
    return losses.shannon_entropy(model.spectrogram(x))[0]


def _scan(model, x, loss, n_points=41):
    """θ log-spaced across the model's bounds and the loss there (the other parameters as they are)."""
    loss_fn = loss if callable(loss) else losses.get_loss(loss)
    learned = model.parameters()
    grid = np.geomspace(*model.bounds["win_length"], n_points)
    try:
        values = []
        for theta in grid:
            model.win_length = theta
            values.append(loss_fn(model.spectrogram(x))[0])
    finally:
        model.set_parameters(learned)
    return grid, np.array(values)


def _check_model(model, name, win_mode=None):
    if not isinstance(model, DSTFT):
        raise TypeError(f"{name} must be a dstft_np.DSTFT, got {type(model).__name__}")
    if win_mode is not None and model.win_mode != win_mode:
        raise ValueError(f"{name} must have win_mode={win_mode!r}, got {model.win_mode!r}")


def fit_report(x, model, initial, history, *, loss="entropy", path=None, scan=None, title=None, dpi=100):
    """The figure of a fit (``dstft-np optimize --plot``): what changed, by how much, and how the fit got there.

    One row per channel: the spectrogram at the initial and at the learned
    parameters, each titled with θ and the Shannon entropy of |S|^p. A last
    row: θ (for one window length, the loss against θ with the fit's path
    over it; for a map, the learned map with the initial θ dashed), the
    learned hops when the hop is learnable (the hop per evaluation, or the
    hops over time), and the loss per evaluation. The title gives the
    entropy before and after.

    Parameters
    ----------
    x : array_like [shape=(K,) or (C, K)], real
        The signal that was fitted.
    model : DSTFT
        Holding the learned parameters (left as they are on return).
    initial : dict
        ``model.parameters()`` before the fit.
    history : FitHistory
        Its ``loss`` (one value per evaluation) and ``status``.
    loss : str or callable
        The fit's loss, for the scan and the axis label.
    path : dict of str -> array_like [shape=(E,)], optional
        The scalar parameters ("win_length", "hop_length") at each of the E
        evaluations of ``history.loss``; draws the fit's path over the loss.
    scan : (array_like, array_like), optional
        θ and the loss there across the bounds; computed (41 transforms at
        log-spaced θ) when None and θ is a single value.
    title : str, optional
        Put before the entropies in the figure's title (e.g. the file name).
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
        FIGURE_WIDTH × (C + 1)·ROW_HEIGHT inches.
    """
    _check_model(model, "model")
    message = f"initial must be a dict with the keys {sorted(model.parameters())} (model.parameters() before the fit)"
    if not isinstance(initial, dict):
        raise TypeError(f"{message}, got {type(initial).__name__}")
    if set(initial) != set(model.parameters()):
        raise ValueError(f"{message}, got the keys {sorted(initial)}")
    x = check_signal(x)
    learned = model.parameters()
    rate = model.sample_rate
    n_channels = 1 if x.ndim == 1 else int(np.prod(x.shape[:-1]))
    figure, (spectrograms, (panels,)) = _new_figure([(n_channels, 2), (1, 3 if model.hop_mode != "fixed" else 2)],
                                                    dpi)
    entropies = {}
    try:
        for column, (params, what) in enumerate(((initial, "initial"), (learned, "learned"))):
            model.set_parameters(params)
            entropies[what] = _entropy(model, x)
            _draw_channels(spectrograms[:, column], model(x), model.positions(x.shape[-1]), rate,
                           f"{what}: θ {length_label(params['win_length'], rate, short=True)}, "
                           f"entropy {entropies[what]:.4f}")
    finally:
        model.set_parameters(learned)
    loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", "loss")
    path = {} if path is None else path
    values = np.asarray(history.loss, dtype=np.float64)

    if model.win_mode == "constant":
        grid_theta, grid_loss = _scan(model, x, loss) if scan is None else scan
        theta_path = path.get("win_length")
        loss_landscape(grid_theta, grid_loss, sample_rate=rate, ax=panels[0], ylabel=f"loss ({loss_name})",
                       path=theta_path, path_values=None if theta_path is None else values[:len(theta_path)])
        panels[0].set_title(f"loss against θ: {length_label(initial['win_length'], rate, short=True)} → "
                            f"{length_label(learned['win_length'], rate, short=True)}", fontsize=9)
    else:
        _draw_theta_map(panels[0], model, initial, x.shape[-1])
    if model.hop_mode != "fixed":
        _draw_hops(panels[1], model, initial, path, x.shape[-1])

    _draw_loss_per_evaluation(panels[-1], values, history, loss_name, map_scan=model.win_mode != "constant")
    change = entropies["learned"] - entropies["initial"]
    figure.suptitle(f"{title + ': ' if title else ''}entropy of |S| {entropies['initial']:.4f} → "
                    f"{entropies['learned']:.4f} ({change:+.4f})", fontsize=11)
    return figure


def _draw_loss_per_evaluation(ax, values, history, loss_name, map_scan):
    """The loss of every evaluation, the scan's in grey, with the y-range of the refinement only.

    The scan's far points and the line searches' probes can lie orders of
    magnitude above the path to the optimum; drawn to scale they would
    flatten it. The axis spans the lowest loss up to the loss where the
    refinement starts (the best scan point, or the start), and points above
    are clipped, as the title says.
    """
    # the scan's evaluations: the start and the grid (a map's start is not on the grid)
    n_scan = 0 if history.scan is None else history.scan.grid.size + map_scan
    steps = np.arange(values.size)
    if n_scan:
        ax.plot(steps[:n_scan], values[:n_scan], color="0.6", linestyle="none", marker=".", label="scan")
    refined = values[n_scan:] if values.size > n_scan else values
    ax.plot(steps[n_scan:], values[n_scan:], marker="." if values.size <= 60 else None, label="refinement")
    ax.plot(steps, np.minimum.accumulate(values), color="0.2", linewidth=0.8, linestyle=":", label="lowest so far")
    low, high = float(np.min(values)), float(refined[0])
    clipped = bool(np.any(values > high))
    if high > low:
        margin = 0.08 * (high - low)
        ax.set_ylim(low - margin, high + margin)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("evaluation")
    ax.set_ylabel(f"loss ({loss_name})")
    ax.ticklabel_format(axis="y", useOffset=False)
    ax.legend(fontsize=7)
    ax.set_title(f"loss per evaluation ({history.status})" + ("\nhigher points clipped" if clipped else ""),
                 fontsize=9)


def _length_unit(sample_rate):
    """The factor from samples to the unit lengths are drawn in, and its name: ms with a rate, else samples."""
    return (1.0, "samples") if sample_rate is None else (1000.0 / sample_rate, "ms")


def _draw_theta_map(ax, model, initial, n_samples):
    """The learned θ of a map: a curve over time or frequency with the initial θ dashed, or an image per cell."""
    win_length_map(model.win_length, model.positions(n_samples), sample_rate=model.sample_rate, ax=ax)
    if model.win_mode != "time-frequency":
        line = ax.lines[0]
        line.set_label("learned")
        ax.plot(line.get_xdata(), initial["win_length"].ravel() * _length_unit(model.sample_rate)[0],
                color="0.4", linestyle="--", label="initial")
        ax.legend(fontsize=8)
    ax.set_title(f"learned θ per {dict(time='frame', frequency='bin').get(model.win_mode, 'cell')}", fontsize=9)


def _draw_hops(ax, model, initial, path, n_samples):
    """The learned hop: per evaluation (one hop) or over time (one per frame), the initial one dashed."""
    rate = model.sample_rate
    scale, unit = _length_unit(rate)
    if model.hop_mode == "constant":
        hops = np.asarray(path.get("hop_length", [initial["hop_length"], model.hop_length]), dtype=np.float64)
        ax.plot(np.arange(hops.size), hops * scale, marker="." if hops.size <= 60 else None)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("evaluation")
        ax.set_title(f"hop: {length_label(initial['hop_length'], rate, short=True)} → "
                     f"{length_label(model.hop_length, rate, short=True)}", fontsize=9)
    else:
        positions = model.positions(n_samples)
        middles = 0.5 * (positions[1:] + positions[:-1])
        ax.plot(middles / (rate or 1.0), model.hops * scale, label="learned")
        ax.plot(middles / (rate or 1.0), initial["hops"] * scale, color="0.4", linestyle="--", label="initial")
        ax.legend(fontsize=8)
        ax.set_xlabel("time (s)" if rate else "time (samples)")
        ax.set_title(f"learned hops: {length_label(model.hops, rate, short=True)}", fontsize=9)
    ax.set_ylabel(f"hop ({unit})")
    ax.ticklabel_format(axis="y", useOffset=False)


def demo_report(x, single, single_initial, per_frame, *, path=None, history=None, dpi=100):
    """The figure of ``dstft-np demo``: one window length against a window length per frame.

    Parameters
    ----------
    x : array_like [shape=(K,)], real
    single : DSTFT
        win_mode "constant", holding the learned θ.
    single_initial : float
        Its θ before the fit, in samples.
    per_frame : DSTFT
        win_mode "time", holding the learned θ_n.
    path : array_like [shape=(E,)], optional
        θ at each evaluation of the single fit.
    history : FitHistory, optional
        The single fit's (its loss per evaluation goes with `path`).
    dpi : int

    Returns
    -------
    matplotlib.figure.Figure
        FIGURE_WIDTH × 2·ROW_HEIGHT inches: the spectrograms at the initial
        θ, the learned θ and the learned θ_n, titled with their entropy;
        below, the loss against θ with the single fit's path, and θ_n over
        time against the single θ.
    """
    _check_model(single, "single", "constant")
    _check_model(per_frame, "per_frame", "time")
    x = check_signal(x)
    rate = single.sample_rate
    figure, ((top,), (bottom,)) = _new_figure([(1, 3), (1, 2)], dpi)
    learned = single.parameters()
    positions = frame_positions(x.shape[-1], single.hop_length)
    rows = []
    for model, what, win_length in ((single, "initial θ", single_initial),
                                    (single, "learned θ", learned["win_length"]),
                                    (per_frame, "θ per frame", per_frame.win_length)):
        model_params = model.parameters()
        model.win_length = win_length
        rows.append((what, win_length, _entropy(model, x), model(x)))
        model.set_parameters(model_params)
    for ax, (what, win_length, entropy, S) in zip(top, rows):
        spectrogram(S, positions, sample_rate=rate, ax=ax, colorbar=False)
        # three lines: a map's span in samples and in ms is too long for one line beside the panel's title
        ax.set_title(f"{what}\n{length_label(win_length, rate, short=True)}\nentropy {entropy:.4f}", fontsize=9)
    landscape_ax, map_ax = bottom
    loss_landscape(*_scan(single, x, "entropy"), sample_rate=rate, ax=landscape_ax,
                   ylabel="entropy of |S|", path=path,
                   path_values=None if path is None else np.asarray(history.loss)[:len(path)])
    landscape_ax.set_title("one θ: the entropy against θ and the fit's path", fontsize=9)
    win_length_map(per_frame.win_length, positions, sample_rate=rate, ax=map_ax)
    map_ax.axhline(float(single.win_length) * _length_unit(rate)[0], color="0.4", linestyle="--", label="single θ")
    map_ax.legend(fontsize=8)
    map_ax.set_title("learned θ per frame", fontsize=9)
    figure.suptitle("entropy of |S|: " + " → ".join(f"{entropy:.4f} ({what})" for what, _, entropy, _ in rows),
                    fontsize=11)
    return figure
