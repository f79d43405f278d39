"""The command line ``dstft-np`` (also ``python -m dstft_np``).

    dstft-np demo                      fit a built-in chirp + tone, print a table, write a figure
    dstft-np optimize FILE [options]   fit window lengths (and hops) to a signal file, or to many files
                                       (a table of results, on every core or a Dask cluster: dstft_np.batch)
    dstft-np spectrogram FILE          draw a fixed-parameter spectrogram
    dstft-np track FILE --band LOW-HIGH  track a ridge's frequency per frame, write it as CSV
    dstft-np check MODULE:FUNCTION     check another implementation against the golden cases

This module parses, dispatches, prints and writes: the figures come from
``dstft_np.plot`` (``fit_report``, ``demo_report``, ``spectrogram_report``)
and the record of a fit from ``dstft_np.model.fit_report``. Results for
people go to stdout; progress (with an ETA while fitting) and diagnostics go
to stderr, and ``--quiet`` silences them (warnings stay). matplotlib is
imported only when a figure is written.

Exit status, the same for every command: 0 done; 1 an error, told in one
line ``dstft-np: error: ...`` on stderr (a missing or unreadable file, a
value the library refuses), or a conformance check that failed (its report
on stdout); 2 a command line that argparse rejects, in the same one-line
form; 130 interrupted (Ctrl-C) — an interrupted fit first writes the best
parameters it evaluated to the outputs asked for. Never a traceback.

Lengths (``--win-length``, ``--hop``, ``--start``, ``--duration``) are
samples, or seconds with a unit: ``400``, ``400.5``, ``0.025s``, ``25ms`` (a
duration needs the sample rate of a wav file or ``--sample-rate``). A length
without a unit below one sample is refused: ``0.05`` is not 50 ms.

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
import dataclasses
import json
import math
import os
import pathlib
import sys
import textwrap
import warnings

import numpy as np

from . import __version__, io, losses, plot, tracking
from ._options import FIT_METHODS, HOP_MODES, LOSSES, SCALINGS, WIN_MODES, WINDOWS
from .axes import frame_times
from .batch import (DEFAULT_N_FFT, FitOptions, Length, check_fit_bounds, fit_arguments, fit_many, frame_settings,
                    one_line, parse_length, read_excerpt)
from .model import DSTFT, fit_report
from .objective import DEFAULT_HOP_SMOOTHNESS, DEFAULT_SMOOTHNESS
from .optim import FitInterrupted
from .positions import frame_positions
from .signals import chirp_and_tone
from .transform import stft

__all__ = ["main", "build_parser", "subcommand", "Length", "INLINE_LIMIT"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


PROG = "dstft-np"

#: Arrays with more entries than this are not written into --json: it gives their shape, range and
#: their key in the --out-npz file instead (a per-cell θ map of a long recording has millions).
INLINE_LIMIT = 4096

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


def _parse_length(text, allow_zero):
    try:
        return parse_length(text, allow_zero)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _length(text):
    """argparse type of --win-length, --hop, --duration: '400' samples, '0.025s' or '25ms'; > 0."""
    return _parse_length(text, allow_zero=False)


def _offset(text):
    """argparse type of --start: like a length, and 0 is allowed."""
    return _parse_length(text, allow_zero=True)


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


#: Largest --dpi: a figure 10 in wide is then 10000 px wide, ~40 MB per panel row;
#: beyond it matplotlib runs out of memory (or past its 2^16-pixel limit) after the work is done.
MAX_DPI = 1000

_positive_int = _number(int, 0, True)
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


# ---------------------------------------------------------------- input


def _add_input_options(parser, many=False):
    if many:
        parser.add_argument("file", metavar="FILE", nargs="+",
                            help=f"signal file ({', '.join(io.SUFFIXES)}); several, a directory (every signal file "
                                 "below it) or a glob ('data/**/*.wav') fit each file and write a --table")
    else:
        parser.add_argument("file", metavar="FILE", help=f"signal file: {', '.join(io.SUFFIXES)}")
    parser.add_argument("--variable", type=_variable, metavar="NAME",
                        help="array of a .mat/.npz file or column of a .csv file (default: the only signal)")
    parser.add_argument("--channel", type=_channel, metavar="C",
                        help="keep channel C (0-based) or 'mean'; default: all channels, sharing one "
                             "set of parameters (with several files: one fit and row per channel)")
    parser.add_argument("--sample-rate", type=_positive_float, metavar="HZ",
                        help="sample rate of a file that carries none (npy, npz, mat, csv)")
    parser.add_argument("--start", type=_offset, metavar="LENGTH",
                        help="use the signal from here on: samples, or a time like 11s (default 0)")
    parser.add_argument("--duration", type=_length, metavar="LENGTH",
                        help="use this much of the signal: samples, or a duration like 5s (default: to the end)")


def _read(args, log, file=None):
    """The signal of `file` (default args.file) cut to --start/--duration, told on stderr."""
    file = args.file if file is None else file
    signal = read_excerpt(file, args)
    log(f"read {signal.describe(file)}")
    return signal


# ---------------------------------------------------------------- transform settings


def _add_transform_options(parser):
    parser.add_argument("--n-fft", type=_positive_int, metavar="N",
                        help="FFT size N in samples, even (default: the next power of two >= --win-length, "
                             f"or {DEFAULT_N_FFT} without it)")
    parser.add_argument("--hop", type=_length, metavar="LENGTH",
                        help="hop: samples, or a duration like 0.01s or 10ms (default N/4)")
    parser.add_argument("--win-length", type=_length, metavar="LENGTH",
                        help="window length θ (the initial one when fitting): samples, or a duration "
                             "like 0.05s or 50ms (default N/2; at most N)")
    parser.add_argument("--window", choices=WINDOWS, default="hann", help="base window (default hann)")


# ---------------------------------------------------------------- outputs


def _add_figure_options(parser, name, default=None):
    parser.add_argument(f"--{name}", metavar="OUT.png", default=default, type=pathlib.Path,
                        help=f"write the figure here (default {default})" if default else "write a figure here")
    parser.add_argument("--dpi", type=_dpi, default=100,
                        help=f"figure resolution: {plot.FIGURE_WIDTH:g} in wide, {plot.ROW_HEIGHT:g} in per row "
                             f"of panels (default 100, at most {MAX_DPI})")


def _add_npz_option(parser, what):
    parser.add_argument("--out-npz", type=pathlib.Path, metavar="OUT.npz",
                        help=f"save {what} as numpy arrays (np.load(OUT.npz))")


def _check_writable(path, figure=False):
    """Fail before computing, not after: the folder must exist, a figure's format must be known."""
    if path is None:
        return
    if path.is_dir():
        raise IsADirectoryError(f"cannot write {path}: it is a directory")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: no such directory {path.parent}")
    if figure:
        from matplotlib.backend_bases import FigureCanvasBase

        formats = FigureCanvasBase.get_supported_filetypes()
        if path.suffix[1:].lower() not in formats:
            raise ValueError(f"cannot write a figure to {path}: the suffix must be one of "
                             f"{', '.join('.' + name for name in sorted(formats))}")


def _save_figure(figure, path, log):
    figure.savefig(path, dpi=figure.dpi)
    width, height = figure.canvas.get_width_height()
    log(f"figure {width}×{height} px")
    print(f"figure: {path}")


def _flatten_arrays(value, key=""):
    """{dotted key: array} of every numpy array in nested dicts (the arrays an .npz file holds)."""
    if isinstance(value, dict):
        return {name: array for item_key, item in value.items()
                for name, array in _flatten_arrays(item, f"{key}.{item_key}" if key else item_key).items()}
    return {key: value} if isinstance(value, np.ndarray) else {}


def _json_ready(value, npz, key=""):
    """`value` for json.dumps: numpy values as Python numbers and lists, but arrays of more than
    INLINE_LIMIT entries as their shape, range and key in the .npz file `npz` (None: not saved)."""
    if isinstance(value, dict):
        return {name: _json_ready(item, npz, f"{key}.{name}" if key else name) for name, item in value.items()}
    if not isinstance(value, (np.ndarray, np.generic)):
        return value
    if value.size <= INLINE_LIMIT:
        return value.tolist()
    return {"npz": None if npz is None else str(npz), "key": key, "shape": list(value.shape),
            "min": float(value.min()), "median": float(np.median(value)), "max": float(value.max())}


def _write_outputs(args, record, arrays):
    """--out-npz (every array of the record, plus `arrays`) then --json (small arrays inline)."""
    if args.out_npz is not None:
        np.savez_compressed(args.out_npz, **arrays, **_flatten_arrays(record))
        print(f"npz: {args.out_npz}")
    if args.json is not None:
        args.json.write_text(json.dumps(_json_ready(record, args.out_npz), indent=1) + "\n")
        print(f"json: {args.json}")


# ---------------------------------------------------------------- demo


#: The demo's settings; both fits use DSTFT.fit's defaults.
_DEMO = {"sample_rate": 10_000.0, "n_fft": 1000, "hop_length": 100.0, "win_length": 200.0}


@subcommand("demo", "fit window lengths to a built-in chirp + tone and draw the result",
            "dstft-np demo --out demo.png")
def _demo(parser):
    parser.add_argument("--steps", type=_positive_int,
                        help="most loss evaluations of each of the two fits (default: the fit's, 100 and 500; "
                             "they stop earlier when converged)")
    _add_figure_options(parser, "out", default="dstft_demo.png")
    parser.description = textwrap.fill(
        "The signal of the paper's first experiment: a sinusoidally modulated chirp plus a tone (25000 "
        "samples at 10 kHz, n_fft 1000, hop 100). Fits first one window length from θ = "
        f"{_DEMO['win_length']:g} samples (Shannon entropy of |S|), then a window length per frame (mean "
        f"over frames of each frame's entropy, smoothness {DEFAULT_SMOOTHNESS['time']:g}); prints both and "
        "writes the spectrograms, the entropy against θ with the fit's path and the θ map to a PNG (2 rows "
        "of panels) in the current folder unless --out says where.")
    return _run_demo


def _run_demo(args, log):
    _check_writable(args.out, figure=True)
    rate, n_fft, hop = _DEMO["sample_rate"], _DEMO["n_fft"], _DEMO["hop_length"]
    x = chirp_and_tone()
    single = DSTFT(n_fft, hop, _DEMO["win_length"], sample_rate=rate)
    rows = []

    def fit(model, what):
        log(f"fitting {what}...")
        initial = model.win_length.copy()
        entropy_before = losses.shannon_entropy(model.spectrogram(x))[0]
        history = model.fit(x, max_evaluations=args.steps, progress=not args.quiet)
        entropy = losses.shannon_entropy(model.spectrogram(x))[0]   # the whole spectrogram's, without smoothness
        log(f"  {history.message}: {history.n_evaluations} evaluations in {history.seconds:.2f} s")
        rows.append((what, plot.length_label(initial, rate, short=True),
                     plot.length_label(model.win_length, rate, short=True),
                     f"{entropy_before:.4f}", f"{entropy:.4f}"))
        return initial, history

    single_initial, single_history = fit(single, "single θ")
    per_frame = DSTFT(n_fft, hop, single.win_length, win_mode="time", n_samples=x.size, sample_rate=rate)
    fit(per_frame, "θ per frame")
    rounded = single.to_fixed(x)

    print(f"{PROG} demo: chirp + tone, {x.size} samples at {rate:g} Hz; n_fft {n_fft}, "
          f"hop {plot.length_label(hop)}; loss: Shannon entropy of |S|")
    print(f"(the per-frame fit starts from the single optimum and minimises the frame-mean entropy plus "
          f"{DEFAULT_SMOOTHNESS['time']:g} × mean (Δθ/N)²; the entropy columns are the whole spectrogram's)")
    header = ("fit", "θ before: samples (ms)", "θ after", "entropy before", "after")
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(f"rounded to whole samples: θ = {rounded.win_length}, entropy {rounded.loss_change:+.2e}")

    log("drawing (41 transforms for the entropy against θ)...")
    figure = plot.demo_report(x, single, float(single_initial), per_frame, path=single_history.path["win_length"],
                              history=single_history, dpi=args.dpi)
    _save_figure(figure, args.out, log)
    return 0


# ---------------------------------------------------------------- optimize


@subcommand("optimize", "fit window lengths (and hops) that minimise a spectrogram loss",
            "dstft-np optimize recording.wav --win-length 50ms --start 11s --duration 5s --window-mode time "
            "--smoothness 10 --json fit.json --out-npz fit.npz --plot fit.png")
def _optimize(parser):
    _add_input_options(parser, many=True)
    _add_transform_options(parser)
    parser.add_argument("--window-mode", choices=WIN_MODES, default="constant",
                        help="what θ varies with: one value, per frame, per bin, per cell (default constant)")
    parser.add_argument("--hop-mode", choices=HOP_MODES, default="fixed",
                        help="fixed hop, one learnable hop, or one per frame (default fixed)")
    parser.add_argument("--loss", choices=LOSSES,
                        help="spectrogram loss on |S| (default entropy with --window-mode constant, "
                             "frame-entropy for the maps)")
    parser.add_argument("--scaling", choices=SCALINGS,
                        help="what the loss sees: |S| as transformed (magnitude), or each cell rescaled so that "
                             "white noise has the same level whatever the window length (density; the default "
                             "per bin and per cell, magnitude otherwise)")
    parser.add_argument("--method", choices=FIT_METHODS, default="l-bfgs-b",
                        help="optimiser (default l-bfgs-b; adam for comparison)")
    parser.add_argument("--steps", type=_positive_int,
                        help="most loss evaluations (default 100 for one window length, 500 for maps; "
                             "l-bfgs-b stops earlier when converged)")
    parser.add_argument("--lr", type=_positive_float,
                        help="Adam step size in samples, with --method adam (default n_fft/50 for θ, hop/50 "
                             "for hops)")
    parser.add_argument("--smoothness", type=_non_negative,
                        help="weight of the smoothness penalty mean (Δθ/N)² on θ maps (default 0 for one "
                             "window length, 10 per frame, 100 per bin and per cell)")
    parser.add_argument("--hop-smoothness", type=_non_negative,
                        help="weight of the smoothness penalty mean (Δ log d)² on the hops d of --hop-mode time "
                             f"(default {DEFAULT_HOP_SMOOTHNESS:g})")
    parser.add_argument("--json", type=pathlib.Path, metavar="OUT.json",
                        help=f"write the settings, the learned parameters (arrays of more than {INLINE_LIMIT} "
                             "entries by reference to --out-npz), the loss history and the rounded parameters")
    _add_npz_option(parser, "the learned parameters, positions, loss history and S at the learned parameters")
    _add_figure_options(parser, "plot")
    many = parser.add_argument_group(
        "many files", textwrap.fill("several FILEs, a directory or a glob: one fit per file (and channel), run in "
                                    "parallel, one row each in --table as the files finish (docs/usage.md §6.1)"))
    many.add_argument("--table", type=pathlib.Path, metavar="OUT.csv",
                      help="the results table: CSV, or JSON lines when the name ends .jsonl")
    many.add_argument("--out-dir", type=pathlib.Path, metavar="DIR",
                      help="one .npz per row with the learned arrays (needed for maps: --window-mode other than "
                           "constant, --hop-mode time)")
    many.add_argument("--jobs", type=_positive_int, metavar="N",
                      help=f"worker processes (default: the number of cores, {os.cpu_count()} here)")
    many.add_argument("--resume", action="store_true", help="skip the files --table already holds rows of")
    many.add_argument("--scheduler", metavar="ADDRESS",
                      help="run on this Dask cluster (tcp://host:8786) instead; needs the extra dstft_np[dask] "
                           "and the files readable by its workers")
    parser.epilog = parser.epilog.replace("example:", "examples:") + ("\n  dstft-np optimize recordings/ --table results.csv --win-length 50ms --jobs 2"
                      "\n  dstft-np optimize 'data/**/*.wav' --table results.csv --resume")
    return _run_optimize


#: Options of a single file's fit that a batch does not take: its results go to the table.
_SINGLE_FILE_OUTPUTS = ("json", "out_npz", "plot")
#: Options of a batch: any of them makes one FILE a batch of one.
_BATCH_OPTIONS = ("table", "out_dir", "jobs", "scheduler")


def _is_batch(args):
    files = args.file
    return (len(files) > 1 or pathlib.Path(files[0]).is_dir() or args.resume
            or any(getattr(args, name) is not None for name in _BATCH_OPTIONS)
            or (not os.path.exists(files[0]) and any(character in files[0] for character in "*?[")))


def _run_optimize(args, log):
    if _is_batch(args):
        return _run_batch(args, log)
    args.file = args.file[0]
    for path in (args.json, args.out_npz):
        _check_writable(path)
    _check_writable(args.plot, figure=True)
    signal = _read(args, log)
    x, sample_rate = signal.x, signal.sample_rate
    frames = frame_settings(args, sample_rate)
    check_fit_bounds(frames, args)
    settings, fit_settings = fit_arguments(args, frames, x.shape[-1], sample_rate)
    model = DSTFT(**settings)
    initial = model.parameters()
    log(f"fitting {model!r} with {fit_settings}, {frames.describe()}")
    try:
        history = model.fit(x, **fit_settings, progress=not args.quiet)
        interrupted = False
    except FitInterrupted as error:   # Ctrl-C: the model holds the lowest-loss parameters evaluated
        history, interrupted = error.history, True
    seconds = history.seconds
    log(f"{history.message}: {history.n_evaluations} evaluations in {seconds:.2f} s")
    rounded = model.to_fixed(x, loss=fit_settings["loss"], scaling=fit_settings["scaling"],
                             smoothness=fit_settings["smoothness"],
                             hop_smoothness=fit_settings.get("hop_smoothness"))

    learned = model.parameters()
    hop_text = (plot.length_label(model.hops, sample_rate) + " (per frame)" if model.hop_mode == "time"
                else plot.length_label(model.hop_length, sample_rate))
    print(f"input          {signal.describe(args.file)}")
    print(f"settings       {frames.describe()}, window {args.window}, window-mode {args.window_mode}, "
          f"hop-mode {args.hop_mode}, loss {fit_settings['loss']}"
          f"{' (density scaling)' if fit_settings['scaling'] == 'density' else ''}, "
          f"{args.method}")
    print(f"window length  {plot.length_label(initial['win_length'], sample_rate)} -> "
          f"{plot.length_label(learned['win_length'], sample_rate)}")
    print(f"hop            {plot.length_label(frames.hop, sample_rate)} -> {hop_text}" if model.hop_mode != "fixed"
          else f"hop            {hop_text}")
    print(f"loss           {history.loss[0]:.6g} -> {rounded.loss:.6g} ({history.status}, "
          f"{history.n_evaluations} evaluations)")
    print(f"rounded        win_length {rounded.win_length}, hop {rounded.hop_length}: loss {rounded.loss_change:+.3g}"
          if model.win_mode == "constant" and model.hop_mode != "time"
          else f"rounded        to whole samples entry by entry: loss {rounded.loss_change:+.3g}")

    record = {"input": {"file": str(args.file), "variable": args.variable, "channel": args.channel,
                        "n_channels": signal.n_channels, "start": signal.start, "n_samples": x.shape[-1],
                        "n_file_samples": signal.n_file_samples, "sample_rate": sample_rate},
              "settings": settings, "fit": fit_settings, "seconds": seconds,
              **fit_report(model, history, rounded, n_samples=x.shape[-1])}
    _write_outputs(args, record, {"S": model(x)} if args.out_npz is not None else {})
    if args.plot is not None:
        log("drawing...")
        scan = None if history.scan is None else (history.scan.grid, history.scan.loss)
        _save_figure(plot.fit_report(x, model, initial, history, loss=fit_settings["loss"], path=history.path,
                                     scan=scan, title=signal.title(args.file), dpi=args.dpi), args.plot, log)
    if interrupted:
        written = [str(path) for path in (args.json, args.out_npz, args.plot) if path is not None]
        print(f"{PROG}: interrupted after {history.n_evaluations} evaluations; "
              + (f"wrote the best parameters so far (loss {rounded.loss:.6g}) to {', '.join(written)}"
                 if written else "no output was asked for"), file=sys.stderr)
        return 130
    return 0


def _run_batch(args, log):
    """Many files: fit_many on a process pool or a Dask cluster, rows to --table, progress on stderr."""
    for name in _SINGLE_FILE_OUTPUTS:
        if getattr(args, name) is not None:
            option = "--" + name.replace("_", "-")
            raise ValueError(f"{option} writes the results of one FILE; with several the rows go to --table "
                             "and the learned arrays to --out-dir")
    if args.table is None and len(args.file) == 1 and pathlib.Path(args.file[0]).is_dir():
        raise IsADirectoryError(f"{args.file[0]} is a directory, not a signal file; to fit every signal file below "
                                "it, pass --table results.csv (or .jsonl)")
    if args.table is None:
        raise ValueError("several FILEs (a directory, a glob) write one row each to a table: pass --table "
                         "results.csv (or .jsonl)")
    options = {field.name: getattr(args, field.name) for field in dataclasses.fields(FitOptions)}
    client = None
    if args.scheduler is not None:
        try:
            from distributed import Client
        except ImportError:
            raise ValueError("--scheduler needs Dask's distributed scheduler: pip install \"dstft_np[dask]\"") \
                from None
        client = Client(args.scheduler)
        log(f"connected to the Dask scheduler at {args.scheduler}: "
            f"{len(client.scheduler_info()['workers'])} workers")
    jobs = args.jobs or os.cpu_count()
    where = "the Dask cluster" if client is not None else f"{jobs} process{'es' * (jobs > 1)}"
    log(f"fitting on {where}; rows to {args.table}")
    try:
        rows = fit_many(args.file, jobs=args.jobs, client=client, table=args.table, out_dir=args.out_dir,
                        resume=args.resume, progress=not args.quiet, **options)
    finally:
        if client is not None:
            client.close()
    errors = sum(row["status"] == "error" for row in rows)
    files = len({row["file"] for row in rows})
    print(f"table: {args.table} ({len(rows)} rows of {files} files: {len(rows) - errors} ok, {errors} failed)")
    if errors:
        print(f"{PROG}: error: {errors} of {len(rows)} rows failed (status \"error\" in {args.table})",
              file=sys.stderr)
        return 1
    return 0


# ---------------------------------------------------------------- spectrogram


@subcommand("spectrogram", "draw a fixed-parameter spectrogram in dB",
            "dstft-np spectrogram recording.wav --win-length 25ms --hop 10ms --out spec.png")
def _spectrogram(parser):
    _add_input_options(parser)
    _add_transform_options(parser)
    parser.add_argument("--db-range", type=_positive_float, default=80.0, metavar="DB",
                        help="dynamic range below the maximum (default 80 dB)")
    _add_figure_options(parser, "out", default="spectrogram.png")
    _add_npz_option(parser, "S, the positions and the window length")
    parser.description = textwrap.fill("20 log10 |S| with one window length and hop (one row per channel); axes in "
                                       "seconds and Hz when the sample rate is known, in samples and bins "
                                       "otherwise.")
    return _run_spectrogram


def _run_spectrogram(args, log):
    _check_writable(args.out, figure=True)
    _check_writable(args.out_npz)
    signal = _read(args, log)
    x, sample_rate = signal.x, signal.sample_rate
    frames = frame_settings(args, sample_rate)
    positions = frame_positions(x.shape[-1], frames.hop)
    S = stft(x, frames.win_length, positions, n_fft=frames.n_fft, window=args.window)
    log(f"{S.shape[-2]} bins × {S.shape[-1]} frames")
    n_channels = signal.n_channels
    title = f"θ {plot.length_label(frames.win_length, sample_rate)}, hop {plot.length_label(frames.hop, sample_rate)}"
    print(f"spectrogram    {n_channels} × {S.shape[-2]} bins × {S.shape[-1]} frames; {title}, {frames.describe()}")
    if args.out_npz is not None:
        np.savez_compressed(args.out_npz, S=S, positions=positions, win_length=frames.win_length,
                            n_fft=frames.n_fft, **({} if sample_rate is None else {"sample_rate": sample_rate}))
        print(f"npz: {args.out_npz}")
    _save_figure(plot.spectrogram_report(S, positions, sample_rate=sample_rate,
                                         title=f"{signal.title(args.file)}: {title}, n_fft {frames.n_fft}",
                                         db_range=args.db_range, dpi=args.dpi), args.out, log)
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
            "--jump-penalty 1 --csv track.csv --plot track.png")
def _track(parser):
    _add_input_options(parser)
    _add_transform_options(parser)
    parser.add_argument("--band", type=_band, required=True, metavar="LOW-HIGH",
                        help="band of the tracked (fundamental) frequency in Hz, e.g. 20-200Hz; needs the sample "
                             "rate of a wav file or --sample-rate")
    parser.add_argument("--orders", type=_orders, default=(1,), metavar="ORDERS",
                        help="harmonic orders i whose evidence is summed at i·f, e.g. 1,2,3 (default 1)")
    parser.add_argument("--jump-penalty", type=_non_negative, default=0.0, metavar="NATS",
                        help="continuity: a jump of b bins between frames needs e^(NATS·b) times more evidence "
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
    signal = _read(args, log)
    x, sample_rate = signal.x, signal.sample_rate
    if sample_rate is None:
        raise ValueError("--band is in Hz, but the signal has no sample rate: pass --sample-rate HZ")
    frames = frame_settings(args, sample_rate)
    model = DSTFT(frames.n_fft, frames.hop, frames.win_length, window=args.window, sample_rate=sample_rate)
    n_bins = frames.n_fft // 2 + 1
    bins = tracking.band_bins(args.band, n_fft=frames.n_fft, sample_rate=sample_rate, orders=args.orders)
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
    table = np.column_stack([frame_times(positions, sample_rate), channels.T])
    np.savetxt(args.csv, table, delimiter=",", header=",".join(["time_s"] + names), comments="", fmt="%.6g")

    theta = plot.length_label(model.win_length, sample_rate)
    print(f"input          {signal.describe(args.file)}")
    print(f"settings       {frames.describe()}, {sample_rate / frames.n_fft:.4g} Hz per bin, "
          f"hop {plot.length_label(frames.hop, sample_rate)}, window {args.window}")
    print(f"window length  {theta}" + (" (fitted)" if args.fit else ""))
    print(f"tracking       band {args.band[0]:g}–{args.band[1]:g} Hz, orders {','.join(map(str, args.orders))}, "
          f"jump penalty {args.jump_penalty:g}")
    for channel, track in enumerate(channels):
        name = f"channel {channel}" if channels.shape[0] > 1 else "track"
        low, median, high = np.percentile(track, [0, 50, 100])
        print(f"{name:<15}{track.size} frames: {low:.4g}–{high:.4g} Hz, median {median:.4g} Hz")
    print(f"csv: {args.csv}")
    if args.plot is not None:
        log("drawing...")
        title = f"{signal.title(args.file)}: θ {theta}, band {args.band[0]:g}–{args.band[1]:g} Hz"
        _save_figure(plot.track_report(S, positions, channels, sample_rate=sample_rate, orders=args.orders,
                                       title=title, dpi=args.dpi), args.plot, log)
    return 0


# ---------------------------------------------------------------- check


@subcommand("check", "run the conformance kit against another implementation",
            "dstft-np check mypackage.stft:stft")
def _check(parser):
    from . import conformance

    conformance.add_arguments(parser)   # its own description, options and examples
    # the kit's stand-alone exit status ends its epilog; here errors end as in every other command
    parser.epilog = parser.epilog.partition("exit status:")[0] + (
        "exit status: 0 when no check failed and at least one passed, 1 when a check failed, nothing\n"
        "could be checked or on an error (one line 'dstft-np: error: ...'), 2 when argparse rejects\n"
        "the command line.\n")
    return lambda args, log: conformance.execute(args)


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


def main(argv=None):
    """Run ``dstft-np`` with `argv` (default sys.argv[1:]); returns the exit status.

    argparse's own rejections (and --help, --version) raise SystemExit, as
    argparse does; the console script and ``python -m dstft_np`` pass the
    returned status to sys.exit.
    """
    args = build_parser().parse_args(argv)

    def show_warning(message, category, filename, lineno, file=None, line=None):
        print(f"{PROG}: warning: {one_line(message)}", file=sys.stderr)

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
            print(f"{PROG}: error: {one_line(error)}", file=sys.stderr)
            return 1
