"""The command line ``dstft-np`` (also ``python -m dstft_np``).

    dstft-np demo                      fit a built-in chirp + tone, print a table, write a figure
    dstft-np optimize FILE [options]   fit window lengths (and hops) to a signal file
    dstft-np spectrogram FILE          draw a fixed-parameter spectrogram
    dstft-np track FILE --band LOW-HIGH  track a ridge's frequency per frame, write it as CSV
    dstft-np check MODULE:FUNCTION     check another implementation against the golden cases

Results for people go to stdout; progress and diagnostics go to stderr and
``--quiet`` silences them (warnings stay). Every failure is one line
``dstft-np: error: ...`` on stderr with exit status 2 for a command line that
argparse rejects and 1 for everything else (missing or unreadable file,
unknown variable, option values the library refuses); never a traceback.
matplotlib is imported only when a figure is written.

Lengths (``--win-length``, ``--hop``) are samples, or seconds with a unit:
``400``, ``400.5``, ``0.025s``, ``25ms`` (a duration needs the sample rate
of a wav file or ``--sample-rate``).

Adding a subcommand is one function: decorate it with ``@subcommand(name,
summary, example)``; it declares its arguments on the parser it is given and
returns the function that runs the command, ``run(args, log) -> exit
status`` (``check`` below is one). A benchmark command would be::

    @subcommand("bench", "time the transforms against scipy and NumPy references",
                "dstft-np bench --repeat 3")
    def _bench(parser):
        parser.add_argument("options", nargs=argparse.REMAINDER, help="options of validation/bench.py")

        def run(args, log):
            from validation import bench   # a source checkout only: validation/ is not installed
            return bench.main(args.options)

        return run
"""

import argparse
import json
import math
import os
import pathlib
import sys
import textwrap
import time
import warnings
from typing import NamedTuple

import numpy as np

from . import __version__, io, losses, tracking
from ._options import HOP_MODES, LOSSES, WIN_MODES, WINDOWS
from .model import DSTFT, seconds_to_samples
from .positions import frame_positions
from .signals import chirp_and_tone
from .transform import stft

__all__ = ["main", "build_parser", "subcommand", "Length", "FIGURE_WIDTH", "ROW_HEIGHT"]

PROG = "dstft-np"

#: Figure geometry in inches: every figure is FIGURE_WIDTH wide and
#: ROW_HEIGHT per row of panels, so its size in pixels is that times --dpi.
FIGURE_WIDTH, ROW_HEIGHT = 10.0, 3.0

_SUBCOMMANDS = []


def subcommand(name, summary, example):
    """Register a subcommand: the decorated function gets its parser and returns run(args, log)."""
    def register(declare):
        _SUBCOMMANDS.append((name, summary, example, declare))
        return declare
    return register


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: no usage block, a pointer to --help instead."""

    def error(self, message):
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


class _Log:
    """Progress and diagnostics on stderr, unless --quiet."""

    def __init__(self, quiet):
        self.quiet = quiet

    def __call__(self, message):
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- option types


class Length(NamedTuple):
    """A length from the command line: samples, or seconds when written with a unit."""

    value: float
    unit: str      # "samples" or "seconds"
    text: str      # as typed, for messages

    def samples(self, sample_rate, option):
        """The length in samples; a duration needs the sample rate."""
        if self.unit == "samples":
            return self.value
        if sample_rate is None:
            raise ValueError(f"{option} {self.text} is a duration, but the signal has no sample rate: "
                             f"pass --sample-rate HZ or give {option} in samples")
        return seconds_to_samples(self.value, sample_rate, option)


def _length(text):
    """argparse type of --win-length and --hop: '400' samples, '0.025s' or '25ms'."""
    lowered = text.strip().lower()
    for suffix, scale in (("ms", 1e-3), ("s", 1.0), ("", None)):
        if lowered.endswith(suffix):
            number = lowered[: len(lowered) - len(suffix)] if suffix else lowered
            break
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a length: write samples (400) or a duration (0.025s, 25ms)") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"a length must be > 0, got {text!r}")
    if scale is None:
        return Length(value, "samples", text)
    return Length(value * scale, "seconds", text)


def _number(kind, low, low_open, high=math.inf):
    """argparse type: int or float in (low, high] or [low, high] (high = inf: unbounded above)."""
    if math.isinf(high):
        allowed = f"{'>' if low_open else '>='} {low:g}"
    else:
        allowed = f"in {'(' if low_open else '['}{low:g}, {high:g}]"

    def convert(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") \
                from None
        if not math.isfinite(value) or value < low or (low_open and value == low) or value > high:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}")
        return value
    return convert


#: Largest --dpi: a figure FIGURE_WIDTH = 10 in wide is then 10000 px wide, ~40 MB per panel row;
#: beyond it matplotlib runs out of memory (or past its 2^16-pixel limit) after the work is done.
MAX_DPI = 1000

_positive_int, _count = _number(int, 0, True), _number(int, 0, False)
_positive_float, _non_negative = _number(float, 0.0, True), _number(float, 0.0, False)
_dpi = _number(int, 0, True, high=MAX_DPI)


def _channel(text):
    """argparse type of --channel: a 0-based index or 'mean'."""
    if text == "mean":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a channel index (0, 1, ...) or 'mean', got {text!r}") \
            from None


def _variable(text):
    """argparse type of --variable: a name, or a 0-based column index (csv)."""
    return int(text) if text.isdigit() else text


# ---------------------------------------------------------------- shared pieces


def _add_input_options(parser):
    parser.add_argument("file", metavar="FILE", help=f"signal file: {', '.join(io.SUFFIXES)}")
    parser.add_argument("--variable", type=_variable, metavar="NAME",
                        help="array of a .mat/.npz file or column of a .csv file (default: the only signal)")
    parser.add_argument("--channel", type=_channel, metavar="C",
                        help="keep channel C (0-based) or 'mean'; default: all channels, sharing one "
                             "set of parameters")
    parser.add_argument("--sample-rate", type=_positive_float, metavar="HZ",
                        help="sample rate of a file that carries none (npy, npz, mat, csv)")


def _add_transform_options(parser, steps_default=None):
    parser.add_argument("--n-fft", type=_positive_int, default=1024, metavar="N",
                        help="FFT size N in samples, even (default 1024)")
    parser.add_argument("--hop", type=_length, metavar="LENGTH",
                        help="hop: samples, or a duration like 0.01s or 10ms (default N/4)")
    parser.add_argument("--win-length", type=_length, metavar="LENGTH",
                        help="window length θ (the initial one when fitting): samples, or a duration "
                             "like 0.05s (default N/2; at most N)")
    parser.add_argument("--window", choices=WINDOWS, default="hann", help="base window (default hann)")


def _add_figure_options(parser, name, default=None):
    parser.add_argument(f"--{name}", metavar="OUT.png", default=default, type=pathlib.Path,
                        help=f"write the figure here (default {default})" if default else "write a figure here")
    parser.add_argument("--dpi", type=_dpi, default=100,
                        help=f"figure resolution: {FIGURE_WIDTH:g} in wide, {ROW_HEIGHT:g} in per row "
                             f"of panels (default 100, at most {MAX_DPI})")


def _check_writable(path, figure=False):
    """Fail before computing, not after: the folder must exist, a figure's format must be known."""
    if path is None:
        return
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: no such directory {path.parent}")
    if figure:
        from matplotlib.backend_bases import FigureCanvasBase

        formats = FigureCanvasBase.get_supported_filetypes()
        if path.suffix[1:].lower() not in formats:
            raise ValueError(f"cannot write a figure to {path}: the suffix must be one of "
                             f"{', '.join('.' + name for name in sorted(formats))}")


def _read(args, log):
    try:
        x, sample_rate = io.load(args.file, variable=args.variable, channel=args.channel,
                                 sample_rate=args.sample_rate)
    except ValueError as error:  # io speaks of its keyword; here it is an option
        raise ValueError(str(error).replace("with variable=NAME", "with --variable NAME")) from None
    n_channels = 1 if x.ndim == 1 else x.shape[0]
    rate = "no sample rate" if sample_rate is None else f"{sample_rate:g} Hz"
    log(f"read {args.file}: {n_channels} channel{'s' * (n_channels > 1)} × {x.shape[-1]} samples, {rate}")
    return x, sample_rate


def _frame_settings(args, sample_rate):
    """n_fft, hop and window length in samples from the options (defaults N/4, N/2)."""
    n_fft = args.n_fft
    hop = n_fft / 4 if args.hop is None else args.hop.samples(sample_rate, "--hop")
    win_length = n_fft / 2 if args.win_length is None else args.win_length.samples(sample_rate, "--win-length")
    if n_fft % 2:
        raise ValueError(f"--n-fft must be even, got {n_fft}")
    if win_length > n_fft:
        raise ValueError(f"--win-length {win_length:g} samples is longer than --n-fft {n_fft}: pass "
                         f"--n-fft {2 * math.ceil(win_length / 2)} or more")
    return n_fft, float(hop), float(win_length)


def _duration(samples, sample_rate, short=False):
    """'301.3 samples (18.83 ms)', or 'lo–hi, median m samples (...)' for a map.

    short: '301.3 (18.83 ms)' and 'lo–hi (lo–hi ms)', for table cells under a unit header.
    """
    values = np.atleast_1d(np.asarray(samples, dtype=np.float64))

    def span(scale, digits):
        def fmt(v):
            return f"{v * scale:.{digits}g}"
        if np.all(values == values.flat[0]):
            return fmt(values.flat[0])
        text = f"{fmt(values.min())}–{fmt(values.max())}"
        return text if short else f"{text}, median {fmt(np.median(values))}"

    text = span(1.0, 5) + ("" if short else " samples")
    if sample_rate is not None:
        text += f" ({span(1000.0 / sample_rate, 4)} ms)"
    return text


def _new_figure(n_rows, n_columns, dpi):
    from matplotlib.figure import Figure  # no pyplot: no backend, no GUI, works headless

    figure = Figure(figsize=(FIGURE_WIDTH, ROW_HEIGHT * n_rows), dpi=dpi, layout="constrained")
    return figure, figure.subplots(n_rows, n_columns, squeeze=False)


def _save(figure, path, log):
    figure.savefig(path, dpi=figure.dpi)
    width, height = figure.canvas.get_width_height()
    log(f"figure {width}×{height} px")
    print(f"figure: {path}")


def _channels(S):
    """(C, F, T) view of one or several spectrograms."""
    return S.reshape((-1,) + S.shape[-2:])


def _draw_spectrograms(axes, S, positions, sample_rate, title, **options):
    """One channel per row of `axes`; `title` names the parameters; `options` go to plot.spectrogram."""
    from . import plot

    channels = _channels(S)
    for channel, (ax, S_c) in enumerate(zip(axes, channels)):
        plot.spectrogram(S_c, positions, sample_rate=sample_rate, ax=ax, **options)
        ax.set_title(f"channel {channel}: {title}" if channels.shape[0] > 1 else title, fontsize=9)


# ---------------------------------------------------------------- demo


#: The demo's settings. The per-frame fit takes small steps (N/200) and a
#: smoothness weight that keeps θ_n following the chirp rate; with larger
#: steps and less smoothing single frames run to the lower bound.
_DEMO = {"sample_rate": 10_000.0, "n_fft": 1000, "hop_length": 100.0, "win_length": 200.0,
         "frame_lr": 5.0, "smoothness": 10.0}


@subcommand("demo", "fit window lengths to a built-in chirp + tone and draw the result",
            "dstft-np demo --out demo.png")
def _demo(parser):
    parser.add_argument("--steps", type=_count, default=60,
                        help="Adam steps of each of the two fits (default 60)")
    _add_figure_options(parser, "out", default="dstft_demo.png")
    parser.description = textwrap.fill(
        "The signal of the paper's first experiment: a sinusoidally modulated chirp plus a tone (25000 "
        "samples at 10 kHz, n_fft 1000, hop 100). Fits first one window length from θ = "
        f"{_DEMO['win_length']:g} samples, then a window length per frame (smoothness "
        f"{_DEMO['smoothness']:g}), minimising the Shannon entropy of |S|; prints both and writes the "
        "spectrograms and the θ map to a PNG (2 rows of panels).")
    return _run_demo


def _run_demo(args, log):
    _check_writable(args.out, figure=True)
    rate, n_fft, hop = _DEMO["sample_rate"], _DEMO["n_fft"], _DEMO["hop_length"]
    x = chirp_and_tone()
    single = DSTFT(n_fft, hop, _DEMO["win_length"], sample_rate=rate)
    rows = []

    def fit(model, what):
        log(f"fitting {what} ({args.steps} steps)...")
        began = time.perf_counter()
        initial = model.win_length.copy()
        per_frame = model.win_mode == "time"
        history = model.fit(x, steps=args.steps, lr=_DEMO["frame_lr"] if per_frame else None,
                            smoothness=_DEMO["smoothness"] if per_frame else 0.0)
        entropy = losses.shannon_entropy(model.spectrogram(x))[0]
        log(f"  {history.message} in {time.perf_counter() - began:.2f} s")
        rows.append((what, _duration(initial, rate, short=True), _duration(model.win_length, rate, short=True),
                     f"{history.loss[0]:.4f}", f"{entropy:.4f}"))
        return initial

    single_initial = fit(single, "single θ")
    per_frame = DSTFT(n_fft, hop, single.win_length, win_mode="time", n_samples=x.size, sample_rate=rate)
    fit(per_frame, "θ per frame")
    rounded = single.to_fixed(x)

    print(f"{PROG} demo: chirp + tone, {x.size} samples at {rate:g} Hz; n_fft {n_fft}, hop {hop:g} samples; "
          "loss: Shannon entropy of |S|")
    print(f"(the per-frame fit starts from the single optimum and adds smoothness {_DEMO['smoothness']:g} "
          "× mean (Δθ/N)²; the entropy column leaves it out)")
    header = ("fit", "θ before: samples (ms)", "θ after", "entropy before", "after")
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(f"rounded to whole samples: θ = {rounded.win_length}, entropy {rounded.loss_change:+.2e}")

    log("drawing...")
    figure, axes = _new_figure(2, 2, args.dpi)
    positions = frame_positions(x.size, hop)
    for ax, (model, win_length, title) in zip(axes.flat, (
            (single, single_initial, "initial θ"), (single, single.win_length, "learned θ"),
            (per_frame, per_frame.win_length, "θ per frame"))):
        S = stft(x, win_length, positions, n_fft=n_fft)
        _draw_spectrograms([ax], S, positions, rate, f"{title}: {_duration(win_length, rate, short=True)}")
    from . import plot

    plot.win_length_map(per_frame.win_length, positions, sample_rate=rate, ax=axes[1, 1])
    axes[1, 1].axhline(float(single.win_length) * 1000 / rate, color="0.4", linestyle="--",
                       label="single θ")
    axes[1, 1].legend(fontsize=8)
    axes[1, 1].set_title("learned θ per frame", fontsize=9)
    _save(figure, args.out, log)
    return 0


# ---------------------------------------------------------------- optimize


@subcommand("optimize", "fit window lengths (and hops) that minimise a spectrogram loss",
            "dstft-np optimize recording.wav --win-length 0.05s --window-mode time --smoothness 10 "
            "--json fit.json --plot fit.png")
def _optimize(parser):
    _add_input_options(parser)
    _add_transform_options(parser)
    parser.add_argument("--window-mode", choices=WIN_MODES, default="constant",
                        help="what θ varies with: one value, per frame, per bin, per cell (default constant)")
    parser.add_argument("--hop-mode", choices=HOP_MODES, default="fixed",
                        help="fixed hop, one learnable hop, or one per frame (default fixed)")
    parser.add_argument("--loss", choices=LOSSES, default="entropy",
                        help="spectrogram loss on |S| (default entropy)")
    parser.add_argument("--steps", type=_count, default=100, help="Adam steps (default 100)")
    parser.add_argument("--lr", type=_positive_float,
                        help="Adam step size in samples (default n_fft/50 for θ, hop/50 for hops)")
    parser.add_argument("--smoothness", type=_non_negative, default=0.0,
                        help="weight of the smoothness penalty mean (Δθ/N)² on θ maps (default 0; "
                             "try 10 with --window-mode time)")
    parser.add_argument("--json", type=pathlib.Path, metavar="OUT.json",
                        help="write the settings, learned parameters and loss history as JSON")
    _add_figure_options(parser, "plot")
    return _run_optimize


def _jsonable(value):
    """Python floats/ints/lists from numpy values; None stays None."""
    if value is None:
        return None
    return np.asarray(value).tolist()


def _run_optimize(args, log):
    _check_writable(args.json)
    _check_writable(args.plot, figure=True)
    x, sample_rate = _read(args, log)
    n_fft, hop, win_length = _frame_settings(args, sample_rate)
    settings = {"n_fft": n_fft, "hop_length": hop, "win_length": win_length, "window": args.window,
                "win_mode": args.window_mode, "hop_mode": args.hop_mode, "n_samples": x.shape[-1],
                "sample_rate": sample_rate}
    fit_settings = {"loss": args.loss, "steps": args.steps, "lr": args.lr, "smoothness": args.smoothness}
    model = DSTFT(**settings)
    initial = model.parameters()
    log(f"fitting {model!r} with {fit_settings}")
    began = time.perf_counter()
    history = model.fit(x, **fit_settings, progress=not args.quiet)
    seconds = time.perf_counter() - began
    log(f"{history.message}: {history.loss.size - 1} steps in {seconds:.2f} s")
    rounded = model.to_fixed(x, loss=args.loss, smoothness=args.smoothness)

    learned = model.parameters()
    in_seconds = (lambda v: None) if sample_rate is None else (lambda v: _jsonable(np.asarray(v) / sample_rate))
    result = {"win_length": _jsonable(learned["win_length"]),
              "win_length_seconds": in_seconds(learned["win_length"])}
    if model.hop_mode == "time":
        result.update(hops=_jsonable(model.hops), hops_seconds=in_seconds(model.hops))
    else:
        result.update(hop_length=model.hop_length, hop_length_seconds=in_seconds(model.hop_length))
    result["positions"] = _jsonable(model.positions())

    n_channels = 1 if x.ndim == 1 else x.shape[0]
    source = f"{args.file} ({n_channels} channel{'s' * (n_channels > 1)} × {x.shape[-1]} samples" + (
        f", {sample_rate:g} Hz)" if sample_rate is not None else ")")
    hop_text = (_duration(model.hops, sample_rate) + " (per frame)" if model.hop_mode == "time"
                else _duration(model.hop_length, sample_rate))
    print(f"input          {source}")
    print(f"settings       n_fft {n_fft}, window {args.window}, window-mode {args.window_mode}, "
          f"hop-mode {args.hop_mode}, loss {args.loss}, {args.steps} steps")
    print(f"window length  {_duration(initial['win_length'], sample_rate)} -> "
          f"{_duration(learned['win_length'], sample_rate)}")
    print(f"hop            {_duration(hop, sample_rate)} -> {hop_text}" if model.hop_mode != "fixed"
          else f"hop            {hop_text}")
    print(f"loss           {history.loss[0]:.6g} -> {history.loss[-1]:.6g} ({history.message})")
    print(f"rounded        win_length {_jsonable(rounded.win_length)}, hop {_jsonable(rounded.hop_length)}: "
          f"loss {rounded.loss_change:+.3g}" if model.win_mode == "constant" and model.hop_mode != "time"
          else f"rounded        to whole samples entry by entry: loss {rounded.loss_change:+.3g}")

    if args.json is not None:
        report = {
            "input": {"file": str(args.file), "variable": args.variable, "channel": args.channel,
                      "n_channels": n_channels, "n_samples": x.shape[-1], "sample_rate": sample_rate},
            "settings": settings,
            "fit": fit_settings,
            "result": result,
            "loss": {"history": _jsonable(history.loss), "initial": float(history.loss[0]),
                     "final": float(history.loss[-1]), "message": history.message, "seconds": seconds},
            "rounded": {"win_length": _jsonable(rounded.win_length), "hop_length": _jsonable(rounded.hop_length),
                        "loss": rounded.loss, "rounded_loss": rounded.rounded_loss,
                        "loss_change": rounded.loss_change},
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"json: {args.json}")

    if args.plot is not None:
        log("drawing...")
        _plot_fit(args, log, x, sample_rate, model, initial, history)
    return 0


def _plot_fit(args, log, x, sample_rate, model, initial, history):
    """Per channel: the spectrogram at the initial and at the learned parameters; then θ and the loss."""
    from . import plot

    n_channels = _channels(x[..., None, :]).shape[0]
    figure, axes = _new_figure(n_channels + 1, 2, args.dpi)
    learned = model.parameters()
    for column, (params, what) in enumerate(((initial, "initial"), (learned, "learned"))):
        model.set_parameters(params)
        title = f"{what} θ: {_duration(params['win_length'], sample_rate)}"
        _draw_spectrograms(axes[:n_channels, column], model(x), model.positions(), sample_rate, title)
    theta = learned["win_length"]
    plot.win_length_map(theta[:, None] if model.win_mode == "frequency" else theta, model.positions(),
                        sample_rate=sample_rate, ax=axes[-1, 0])
    axes[-1, 0].set_title("learned θ", fontsize=9)
    axes[-1, 1].plot(history.loss)
    axes[-1, 1].set_xlabel("step")
    axes[-1, 1].set_ylabel(f"loss ({args.loss})")
    axes[-1, 1].set_title(f"loss per step ({history.message})", fontsize=9)
    _save(figure, args.plot, log)


# ---------------------------------------------------------------- spectrogram


@subcommand("spectrogram", "draw a fixed-parameter spectrogram in dB",
            "dstft-np spectrogram recording.wav --win-length 25ms --hop 10ms --out spec.png")
def _spectrogram(parser):
    _add_input_options(parser)
    _add_transform_options(parser)
    parser.add_argument("--db-range", type=_positive_float, default=80.0, metavar="DB",
                        help="dynamic range below the maximum (default 80 dB)")
    _add_figure_options(parser, "out", default="spectrogram.png")
    parser.description = textwrap.fill("20 log10 |S| with one window length and hop (one row per channel); axes in "
                          "seconds and Hz when the sample rate is known, in samples and bins otherwise.")
    return _run_spectrogram


def _run_spectrogram(args, log):
    _check_writable(args.out, figure=True)
    x, sample_rate = _read(args, log)
    n_fft, hop, win_length = _frame_settings(args, sample_rate)
    positions = frame_positions(x.shape[-1], hop)
    S = stft(x, win_length, positions, n_fft=n_fft, window=args.window)
    log(f"{S.shape[-2]} bins × {S.shape[-1]} frames")
    n_channels = _channels(S).shape[0]
    figure, axes = _new_figure(n_channels, 1, args.dpi)
    title = f"θ {_duration(win_length, sample_rate)}, hop {_duration(hop, sample_rate)}, n_fft {n_fft}"
    _draw_spectrograms(axes[:, 0], S, positions, sample_rate, title, db_range=args.db_range)
    print(f"spectrogram    {n_channels} × {S.shape[-2]} bins × {S.shape[-1]} frames; {title}")
    _save(figure, args.out, log)
    return 0


# ---------------------------------------------------------------- track


def _band(text):
    """argparse type of --band: 'LOW-HIGH' in Hz, with an optional Hz or kHz unit (20-200Hz, 1-2.5kHz)."""
    lowered = text.strip().lower().replace(" ", "")
    scale = 1000.0 if lowered.endswith("khz") else 1.0
    edges = lowered.removesuffix("khz").removesuffix("hz").split("-")
    try:
        low, high = (float(edge) * scale for edge in edges)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW-HIGH in Hz like 20-200Hz, got {text!r}") from None
    return low, high


def _orders(text):
    """argparse type of --orders: '1,2,3', integers >= 1."""
    try:
        orders = tuple(int(item) for item in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected integers >= 1 separated by commas like 1,2,3, got {text!r}") \
            from None
    if min(orders) < 1:
        raise argparse.ArgumentTypeError(f"orders must be integers >= 1, got {text!r}")
    return orders


@subcommand("track", "track the frequency of a ridge (a machine's harmonic) in a band, frame by frame",
            "dstft-np track recording.wav --band 20-70Hz --orders 1,2,3,4 --n-fft 8192 --hop 1024 "
            "--csv track.csv --plot track.png")
def _track(parser):
    _add_input_options(parser)
    _add_transform_options(parser)
    parser.add_argument("--band", type=_band, required=True, metavar="LOW-HIGH",
                        help="band of the tracked (fundamental) frequency in Hz, e.g. 20-200Hz; needs the sample "
                             "rate of a wav file or --sample-rate")
    parser.add_argument("--orders", type=_orders, default=(1,), metavar="K,K,...",
                        help="harmonic orders i whose evidence is summed at i·f, e.g. 1,2,3 (default 1)")
    parser.add_argument("--jump-penalty", type=_non_negative, default=0.0, metavar="NATS",
                        help="continuity: a jump of d bins between frames needs e^(NATS·d) times more evidence "
                             "(default 0: every frame on its own)")
    parser.add_argument("--fit", action="store_true",
                        help="fit one window length θ first, minimising the entropy of |S| over the bins the "
                             "tracker reads (from --win-length)")
    parser.add_argument("--csv", type=pathlib.Path, metavar="OUT.csv", default=pathlib.Path("track.csv"),
                        help="write time (s) and frequency (Hz) per frame here (default track.csv)")
    _add_figure_options(parser, "plot")
    parser.description = textwrap.fill(
        "Per frame, the peak of |S| inside --band (with --orders, of the sum of |S| at i·f), refined between "
        "bins by a parabola through log |S|; --jump-penalty links the frames by the best path (Viterbi). Writes "
        "the frame times and frequencies as CSV, prints a summary, and with --plot draws the spectrogram with "
        "the track (one row per channel).")
    return _run_track


def _band_entropy(rows):
    """The Shannon entropy of Y[..., rows, :] as a loss on the whole Y (0 gradient elsewhere)."""
    def loss(Y):
        value, grad_rows = losses.shannon_entropy(Y[..., rows, :])
        dL_dY = np.zeros(Y.shape)
        dL_dY[..., rows, :] = grad_rows
        return value, dL_dY
    return loss


def _run_track(args, log):
    _check_writable(args.csv)
    _check_writable(args.plot, figure=True)
    x, sample_rate = _read(args, log)
    if sample_rate is None:
        raise ValueError("--band is in Hz, but the signal has no sample rate: pass --sample-rate HZ")
    n_fft, hop, win_length = _frame_settings(args, sample_rate)
    model = DSTFT(n_fft, hop, win_length, window=args.window, sample_rate=sample_rate)
    n_bins = n_fft // 2 + 1
    bins = tracking._band_bins(args.band, n_bins, sample_rate)      # bad band or orders fail before any work
    tracking._check_orders(args.orders, bins[0], n_bins)
    if args.fit:
        rows = slice(bins[0], min(max(args.orders) * bins[-1] + 2, n_bins))   # every bin the tracker reads
        log(f"fitting θ to the entropy of |S| in bins {rows.start}..{rows.stop - 1}...")
        history = model.fit(x, _band_entropy(rows), progress=not args.quiet)
        log(f"  {history.message}")
    positions = model.positions(x.shape[-1])
    S = model(x)
    frequency = tracking.ridge(np.abs(S), args.band, sample_rate=sample_rate, orders=args.orders,
                               jump_penalty=args.jump_penalty)
    channels = frequency.reshape(-1, positions.size)

    names = ["frequency_hz"] if channels.shape[0] == 1 else [f"frequency_hz_{c}" for c in range(channels.shape[0])]
    table = np.column_stack([positions / sample_rate, channels.T])
    np.savetxt(args.csv, table, delimiter=",", header=",".join(["time_s"] + names), comments="", fmt="%.6g")

    n_channels = channels.shape[0]
    print(f"input          {args.file} ({n_channels} channel{'s' * (n_channels > 1)} × {x.shape[-1]} samples, "
          f"{sample_rate:g} Hz)")
    print(f"settings       n_fft {n_fft} ({sample_rate / n_fft:.4g} Hz per bin), hop {_duration(hop, sample_rate)}, "
          f"window {args.window}")
    print(f"window length  {_duration(model.win_length, sample_rate)}" + (" (fitted)" if args.fit else ""))
    print(f"tracking       band {args.band[0]:g}–{args.band[1]:g} Hz, orders {','.join(map(str, args.orders))}, "
          f"jump penalty {args.jump_penalty:g}")
    for channel, track in enumerate(channels):
        name = f"channel {channel}" if n_channels > 1 else "track"
        low, median, high = np.percentile(track, [0, 50, 100])
        print(f"{name:<15}{track.size} frames: {low:.4g}–{high:.4g} Hz, median {median:.4g} Hz")
    print(f"csv: {args.csv}")

    if args.plot is not None:
        log("drawing...")
        from . import plot

        figure, axes = _new_figure(n_channels, 1, args.dpi)
        title = f"θ {_duration(model.win_length, sample_rate)}, band {args.band[0]:g}–{args.band[1]:g} Hz"
        _draw_spectrograms(axes[:, 0], S, positions, sample_rate, title, db_range=60.0)
        for ax, track in zip(axes[:, 0], channels):
            for order in args.orders:
                plot.frequency_track(order * track, positions, sample_rate=sample_rate, ax=ax, color="c",
                                     linewidth=1.0 if order == args.orders[0] else 0.8,
                                     linestyle="-" if order == args.orders[0] else ":")
            ax.set_ylim(0, min(1.25 * max(args.orders) * args.band[1], sample_rate / 2))
        _save(figure, args.plot, log)
    return 0


# ---------------------------------------------------------------- check


@subcommand("check", "run the conformance kit against another implementation",
            "dstft-np check mypackage.stft:stft")
def _check(parser):
    from . import conformance

    conformance.add_arguments(parser)   # its own description, options and examples
    return lambda args, log: conformance.run(args)


# ---------------------------------------------------------------- entry point


def build_parser():
    """The argparse parser of ``dstft-np`` with every registered subcommand."""
    parser = _Parser(prog=PROG, description="A differentiable STFT whose window lengths and hops are fitted "
                                            "to a signal (dstft_np, numpy + numba).",
                     formatter_class=argparse.RawDescriptionHelpFormatter,
                     epilog="examples:\n" + "\n".join(f"  {example}" for _, _, example, _ in _SUBCOMMANDS)
                     + f"\n\nrun '{PROG} COMMAND --help' for the options of a command")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, summary, example, declare in _SUBCOMMANDS:
        sub = commands.add_parser(name, help=summary, description=summary,
                                  formatter_class=argparse.RawDescriptionHelpFormatter,
                                  epilog=f"example:\n  {example}")
        sub.add_argument("-q", "--quiet", action="store_true", help="no progress or diagnostics on stderr")
        sub.set_defaults(run=declare(sub))
    return parser


def _one_line(error):
    return " ".join(str(error).split()) or type(error).__name__


def main(argv=None):
    """Run ``dstft-np`` with `argv` (default sys.argv[1:]); returns the exit status.

    argparse's own rejections (and --help, --version) raise SystemExit, as
    argparse does; the console script and ``python -m dstft_np`` pass the
    returned status to sys.exit.
    """
    args = build_parser().parse_args(argv)

    def show_warning(message, category, filename, lineno, file=None, line=None):
        print(f"{PROG}: warning: {_one_line(message)}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show_warning
        try:
            return args.run(args, _Log(args.quiet))
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:  # stdout closed early (| head): nothing left to tell anyone
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # the exit flush must not fail
            return 1
        except (ValueError, TypeError, OSError, FloatingPointError, MemoryError) as error:
            print(f"{PROG}: error: {_one_line(error)}", file=sys.stderr)
            return 1
