"""Fit window lengths to many recordings: on every core, or on a Dask cluster, with nothing lost.

``fit_many`` runs ``fit_file`` on each input (a path or an array) and
returns one row per file, or per channel when a file's channels are kept
(each channel then gets its own fit). The rows go to a results table as the
files finish, one write and one fsync per file, so that an interrupted batch
keeps every finished row and ``resume=True`` adds only what is missing.
``dstft-np optimize`` with several FILEs, a directory or a glob is this
function (docs/usage.md §6.1).

Where the fits run:

- ``jobs=1``: in this process, one after the other;
- ``jobs=N`` (default: the number of cores): a pool of N worker processes
  (spawned, so that no thread pool, BLAS or Numba state is inherited), each
  transforming on its share of the cores' threads (one thread when N is
  the number of cores: the transforms' tasks then run in the worker's own
  thread, without a thread pool) and with as many BLAS threads. Each
  worker loads or compiles the Numba kernels once, in its initializer, by
  a small fit of the same kind, then freezes what it has loaded out of the
  garbage collector's sight (its exit took 0.3-0.5 s otherwise, which the
  batch waited for); at most 2·N files are in flight, so a worker
  that dies (killed, out of memory) costs only the files it held, which are
  tried once more in a new pool, then get an error row;
- ``client=`` a ``distributed.Client`` (the optional extra ``[dask]``):
  one task per file on the cluster's workers, which must be able to read
  the paths (a shared file system) and import dstft_np; a worker that dies
  has its tasks rerun by Dask (and ``retries`` more times on an error).

A file that cannot be read, or whose fit fails, gets a row with status
"error" and the message in one line; the batch goes on. Rows hold the
settings and the learned parameters in samples (and seconds with a sample
rate); the arrays of maps (θ per frame, bin or cell; hops per frame) go to
one .npz file per row in ``out_dir``, which the row names.

The settings of a fit are the options of ``dstft-np optimize``, by the same
names (``FitOptions``); lengths are samples or durations (``"25ms"``,
``"0.025s"``), turned into samples per file at its sample rate, and error
messages name them as the command line spells them (``--win-length``).
"""

import contextlib
import csv
import dataclasses
import glob
import hashlib
import io as text_io
import json
import math
import os
import pathlib
import sys
import time
import warnings
from typing import NamedTuple, Optional

import numpy as np

from . import io, plot
from ._engine import set_thread_count
from ._options import FIT_METHODS, HOP_MODES, LOSSES, SCALINGS, WIN_MODES, WINDOWS, option_code
from ._validation import check_integer, check_positive, check_sample_rate, check_scalar, is_integer
from .model import DSTFT, seconds_to_samples
from .objective import DEFAULT_HOP_SMOOTHNESS, DEFAULT_LOSS, DEFAULT_SCALING, DEFAULT_SMOOTHNESS

__all__ = [
    "fit_many",
    "fit_file",
    "read_table",
    "expand_inputs",
    "FitOptions",
    "Length",
    "parse_length",
    "Excerpt",
    "read_excerpt",
    "FrameSettings",
    "frame_settings",
    "check_fit_bounds",
    "fit_arguments",
    "one_line",
    "COLUMNS",
    "MAX_ATTEMPTS",
    "DEFAULT_N_FFT",
]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


#: n_fft when neither n_fft nor win_length is given (θ is then n_fft/2).
DEFAULT_N_FFT = 1024

#: The columns of a results table, in order.
COLUMNS = (
    "file", "channel", "sample_rate", "start", "n_samples",                       # the input
    "n_fft", "hop_length_initial", "win_length_initial", "window", "win_mode",    # the settings
    "hop_mode", "loss", "scaling", "method", "max_evaluations", "smoothness", "lr",
    "win_length", "win_length_min", "win_length_max", "win_length_seconds",      # what was learned
    "hop_length", "hop_length_seconds", "maps",
    "loss_before", "loss_after", "n_evaluations", "fit_status", "seconds",        # how it went
    "status", "message",
)

#: Columns read back as numbers (the rest stay text; an empty cell is None).
_FLOAT_COLUMNS = {"sample_rate", "hop_length_initial", "win_length_initial", "smoothness", "lr", "win_length",
                  "win_length_min", "win_length_max", "win_length_seconds", "hop_length", "hop_length_seconds",
                  "loss_before", "loss_after", "seconds"}
_INT_COLUMNS = {"start", "n_samples", "n_fft", "max_evaluations", "n_evaluations"}

#: Attempts of a file whose worker process died while fitting it, before it gets an error row.
MAX_ATTEMPTS = 2


def one_line(error):
    """An exception's message on one line (its type's name when it has none)."""
    return " ".join(str(error).split()) or type(error).__name__


# ---------------------------------------------------------------- lengths


class Length(NamedTuple):
    """A length: samples, or seconds when written with a unit."""

    value: float
    unit: str      # "samples" or "seconds"
    text: str      # as typed, for messages

    def samples(self, sample_rate, option):
        """The length in samples; a duration needs the sample rate and must come to one sample or more."""
        if self.unit == "samples":
            return self.value
        if sample_rate is None:
            raise ValueError(f"{option} {self.text} is a duration, but the signal has no sample rate: "
                             f"pass --sample-rate HZ or give {option} in samples")
        samples = seconds_to_samples(self.value, sample_rate, option)
        if 0 < samples < 1:
            raise ValueError(f"{option} {self.text} is {samples:.3g} samples at {sample_rate:g} Hz, "
                             "less than one sample")
        return samples


def parse_length(text, allow_zero=False):
    """A Length from '400' (samples), '0.025s' or '25ms'; ValueError for anything else, <= 0 (< 0 with
    `allow_zero`) or below one sample without a unit."""
    lowered = text.strip().lower()
    for suffix, scale in (("ms", 1e-3), ("s", 1.0), ("", None)):
        if lowered.endswith(suffix):
            number = lowered[: len(lowered) - len(suffix)] if suffix else lowered
            break
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"{text!r} is not a length: write samples (400) or a duration (0.025s, 25ms)") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"a length must be {'>= 0' if allow_zero else '> 0'}, got {text!r}")
    if scale is not None:
        return Length(value * scale, "seconds", text)
    if 0 < value < 1:
        raise ValueError(
            f"{text!r} is less than one sample (a length without a unit counts samples); for a duration "
            f"write {value * 1000:g}ms or {value:g}s")
    return Length(value, "samples", text)


# ---------------------------------------------------------------- options


@dataclasses.dataclass(frozen=True)
class FitOptions:
    """The settings of the fits of a batch: the options of ``dstft-np optimize``, by their names.

    Build it with ``FitOptions.checked(**options)``; ``fit_many`` does.
    Lengths (hop, win_length, start, duration) are ``Length`` values.
    """

    variable: object = None
    channel: object = None
    sample_rate: Optional[float] = None
    start: Optional[Length] = None
    duration: Optional[Length] = None
    n_fft: Optional[int] = None
    hop: Optional[Length] = None
    win_length: Optional[Length] = None
    window: str = "hann"
    window_mode: str = "constant"
    hop_mode: str = "fixed"
    loss: Optional[str] = None
    scaling: Optional[str] = None
    method: str = "l-bfgs-b"
    steps: Optional[int] = None
    lr: Optional[float] = None
    smoothness: Optional[float] = None
    hop_smoothness: Optional[float] = None

    @classmethod
    def checked(cls, **options):
        """FitOptions from keyword options, each checked; lengths may be numbers of samples or text
        ('25ms'). ValueError / TypeError name the option."""
        fields = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(options) - fields)
        if unknown:
            raise TypeError(f"unknown option(s) {', '.join(unknown)}; the options are {', '.join(sorted(fields))}")
        checked = dict(options)
        for name, allowed in (("window", WINDOWS), ("window_mode", WIN_MODES), ("hop_mode", HOP_MODES),
                              ("method", FIT_METHODS)):
            if name in options:
                option_code(name, options[name], allowed)
        for name, allowed in (("loss", LOSSES), ("scaling", SCALINGS)):
            if options.get(name) is not None:
                option_code(name, options[name], allowed)
        for name in ("start", "duration", "hop", "win_length"):
            value = options.get(name)
            if value is None or isinstance(value, Length):
                continue
            text = value if isinstance(value, str) else repr(
                check_scalar(value, f"{name} (a number of samples, or a duration like '25ms')"))
            try:
                checked[name] = parse_length(text, allow_zero=name == "start")
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
        if options.get("n_fft") is not None:
            checked["n_fft"] = check_integer(options["n_fft"], "n_fft", minimum=2, even=True)
        if options.get("steps") is not None:
            checked["steps"] = check_integer(options["steps"], "steps", minimum=1)
        if options.get("channel") is not None:
            checked["channel"] = check_integer(options["channel"], "channel", names=("mean",),
                                               allowed=">= 0 or 'mean'")
        if options.get("sample_rate") is not None:
            checked["sample_rate"] = float(check_sample_rate(options["sample_rate"]))
        if options.get("lr") is not None:
            checked["lr"] = check_positive(options["lr"], "lr")
        for name in ("smoothness", "hop_smoothness"):
            if options.get(name) is not None:
                checked[name] = check_positive(options[name], name, allow_zero=True)
        variable = options.get("variable")
        if variable is not None and not isinstance(variable, str) and not is_integer(variable):
            raise TypeError(f"variable must be a name or a column index, got {variable!r}")
        return cls(**checked)

    @property
    def has_maps(self):
        """True when a fit learns arrays (θ per frame, bin or cell; hops per frame)."""
        return self.window_mode != "constant" or self.hop_mode == "time"


# ---------------------------------------------------------------- one signal


class Excerpt(NamedTuple):
    """A signal as read, cut to start/duration."""

    x: np.ndarray                 # (K,) or (C, K)
    sample_rate: Optional[float]
    start: int                    # first sample of the excerpt in the file
    n_file_samples: int           # samples in the file

    @property
    def n_channels(self):
        return 1 if self.x.ndim == 1 else self.x.shape[0]

    def title(self, file):
        """The file's name, and the excerpt in seconds (samples without a rate) when there is one."""
        name = pathlib.Path(file).name
        if self.x.shape[-1] == self.n_file_samples:
            return name
        start, stop = self.start, self.start + self.x.shape[-1]
        if self.sample_rate is None:
            return f"{name}, samples {start}–{stop}"
        return f"{name}, {start / self.sample_rate:g}–{stop / self.sample_rate:g} s"

    def describe(self, file):
        channels = f"{self.n_channels} channel{'s' * (self.n_channels > 1)}"
        rate = ", no sample rate" if self.sample_rate is None else f", {self.sample_rate:g} Hz"
        n_samples = self.x.shape[-1]
        if n_samples == self.n_file_samples:
            return f"{file} ({channels} × {n_samples} samples{rate})"
        span = f"samples {self.start}–{self.start + n_samples}"
        if self.sample_rate is not None:
            span += f" ({self.start / self.sample_rate:g}–{(self.start + n_samples) / self.sample_rate:g} s)"
        return f"{file} ({channels} × {n_samples} samples{rate}; {span} of {self.n_file_samples})"


def read_excerpt(file, options, signal=None):
    """The signal of `file` (or the array `signal`, named `file`) cut to options.start / options.duration.

    `options` has the attributes variable, channel, sample_rate, start and
    duration (a FitOptions, or the command line's arguments).
    """
    if signal is None:
        try:
            x, sample_rate = io.load(file, variable=options.variable, channel=options.channel,
                                     sample_rate=options.sample_rate)
        except ValueError as error:  # io speaks of its keywords; here they are options
            raise ValueError(str(error).replace("with variable=NAME", "with --variable NAME")
                             .replace("channel must be", "--channel must be")) from None
    else:
        x, sample_rate = np.asarray(signal), options.sample_rate
        if options.channel is not None and x.ndim > 1:
            x = x.mean(axis=0) if options.channel == "mean" else x[options.channel]
    n_file = x.shape[-1]
    start = 0 if options.start is None else round(options.start.samples(sample_rate, "--start"))
    if start >= n_file:
        raise ValueError(f"--start {options.start.text} is at or after the end of {file}, which holds "
                         f"{plot.length_label(n_file, sample_rate)}")
    stop = n_file if options.duration is None else \
        min(n_file, start + max(1, round(options.duration.samples(sample_rate, "--duration"))))
    return Excerpt(x[..., start:stop], sample_rate, start, n_file)


class FrameSettings(NamedTuple):
    """n_fft, hop and window length in samples, and where n_fft came from."""

    n_fft: int
    hop: float
    win_length: float
    n_fft_source: str   # "" (given), "default", or why it was chosen

    def describe(self):
        return f"n_fft {self.n_fft}" + (f" ({self.n_fft_source})" if self.n_fft_source else "")


def _power_of_two(length):
    """The smallest power of two >= length, at least 2 (an even n_fft)."""
    return max(2, 1 << math.ceil(math.log2(length)))


def frame_settings(options, sample_rate):
    """n_fft, hop and θ in samples from the options: n_fft holds θ, θ defaults to N/2 and the hop to N/4."""
    win_length = None if options.win_length is None else options.win_length.samples(sample_rate, "--win-length")
    if options.n_fft is not None:
        n_fft, source = options.n_fft, ""
        if n_fft % 2:
            raise ValueError(f"--n-fft must be even, got {n_fft}")
        if win_length is not None and win_length > n_fft:
            raise ValueError(f"--win-length {plot.length_label(win_length)} is longer than --n-fft {n_fft}: "
                             f"pass --n-fft {_power_of_two(win_length)} or leave --n-fft out")
    elif win_length is None:
        n_fft, source = DEFAULT_N_FFT, "default"
    else:
        n_fft = _power_of_two(win_length)
        source = f"the next power of two >= --win-length {plot.length_label(win_length)}"
    hop = n_fft / 4 if options.hop is None else options.hop.samples(sample_rate, "--hop")
    return FrameSettings(n_fft, float(hop), float(n_fft / 2 if win_length is None else win_length), source)


def check_fit_bounds(frames, options):
    """The initial θ and a learnable hop within the bounds the fit keeps them in, said with option names."""
    (win_low, win_high), (hop_low, hop_high) = DSTFT.default_bounds(frames.n_fft).values()
    if not win_low <= frames.win_length <= win_high:   # above only if n_fft is smaller: refused before
        if options.win_length is None:
            given, advice = "--win-length (by default --n-fft/2)", f"pass --n-fft {_power_of_two(2 * win_low)} or more"
        else:
            given, advice = "--win-length", "pass a longer --win-length" + (
                " or a smaller --n-fft" if options.n_fft else "")
        raise ValueError(f"{given} {plot.length_label(frames.win_length)} is shorter than the fit allows with "
                         f"--n-fft {frames.n_fft} (at least {plot.length_label(win_low)}): {advice}")
    if options.hop_mode != "fixed" and not hop_low <= frames.hop <= hop_high:
        raise ValueError(f"--hop {plot.length_label(frames.hop)} is longer than --n-fft {frames.n_fft}, the "
                         f"longest hop the fit allows with --hop-mode {options.hop_mode}: pass a shorter --hop or "
                         "a larger --n-fft")


def _objective_of(options):
    """The loss and scaling a fit of these options minimises, their defaults resolved by window mode."""
    return {"loss": options.loss or DEFAULT_LOSS[options.window_mode],
            "scaling": options.scaling or DEFAULT_SCALING[options.window_mode]}


def fit_arguments(options, frames, n_samples, sample_rate):
    """(the DSTFT's arguments, DSTFT.fit's) for a signal of n_samples samples."""
    model = {"n_fft": frames.n_fft, "hop_length": frames.hop, "win_length": frames.win_length,
             "window": options.window, "win_mode": options.window_mode, "hop_mode": options.hop_mode,
             "n_samples": n_samples, "sample_rate": sample_rate}
    fit = {**_objective_of(options), "method": options.method, "max_evaluations": options.steps, "lr": options.lr,
           "smoothness": DEFAULT_SMOOTHNESS[options.window_mode] if options.smoothness is None
           else options.smoothness}
    if options.hop_mode == "time":
        fit["hop_smoothness"] = DEFAULT_HOP_SMOOTHNESS if options.hop_smoothness is None else options.hop_smoothness
    return model, fit


# ---------------------------------------------------------------- one file


def _empty_row(file, channel):
    row = dict.fromkeys(COLUMNS)
    row.update(file=file, channel=channel)
    return row


def _error_row(file, channel, error, started):
    row = _empty_row(file, channel)
    row.update(status="error", message=one_line(error), seconds=time.perf_counter() - started)
    return row


def _fit_channel(x, excerpt, options, row, started):
    """Fill `row` with the fit of the one-channel signal x; returns the arrays for the .npz file."""
    sample_rate = excerpt.sample_rate
    frames = frame_settings(options, sample_rate)
    check_fit_bounds(frames, options)
    model_settings, settings = fit_arguments(options, frames, x.shape[-1], sample_rate)
    model = DSTFT(**model_settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x, **settings)
    win_length = model.win_length
    if model.hop_mode == "time":
        hop = float(np.median(model.hops))
    else:
        hop = float(model.hop_length)
    row.update(sample_rate=sample_rate, start=excerpt.start, n_samples=x.shape[-1], n_fft=frames.n_fft,
               hop_length_initial=frames.hop, win_length_initial=frames.win_length, window=options.window,
               win_mode=options.window_mode, hop_mode=options.hop_mode, loss=settings["loss"],
               scaling=settings["scaling"], method=options.method, max_evaluations=options.steps,
               smoothness=settings["smoothness"],
               lr=options.lr, win_length=float(np.median(win_length)), win_length_min=float(win_length.min()),
               win_length_max=float(win_length.max()), hop_length=hop,
               loss_before=float(history.loss[0]), loss_after=float(history.loss[history.best]),
               n_evaluations=history.n_evaluations, fit_status=history.status, status="ok",
               message="; ".join(one_line(warning.message) for warning in caught) or None)
    if sample_rate is not None:
        row.update(win_length_seconds=row["win_length"] / sample_rate, hop_length_seconds=hop / sample_rate)
    arrays = {"win_length": win_length, "positions": model.positions(x.shape[-1]), "loss": history.loss}
    arrays["hops" if model.hop_mode == "time" else "hop_length"] = (model.hops if model.hop_mode == "time"
                                                                    else np.asarray(hop))
    row["seconds"] = time.perf_counter() - started
    return arrays


def fit_file(source, options):
    """Fit one input; a list of (row, arrays) with one item per row (per channel when channels are kept).

    Parameters
    ----------
    source : str, os.PathLike or (str, np.ndarray)
        A signal file, or an array with the name its rows get.
    options : FitOptions

    Returns
    -------
    list of (dict, dict or None)
        Each row (keys COLUMNS) with the learned arrays (θ, positions,
        the hop or hops, the loss per evaluation), or None for an error
        row. Never raises for a bad file or a failed fit: the row says
        "error" and why. KeyboardInterrupt passes.
    """
    started = time.perf_counter()
    name, signal = (source if isinstance(source, tuple) else (str(source), None))
    try:
        excerpt = read_excerpt(name, options, signal)
    except Exception as error:  # whatever a file does, the batch goes on
        return [(_error_row(name, options.channel, error, started), None)]
    if excerpt.x.ndim == 1:
        channels = [(options.channel, excerpt.x)]
    else:
        channels = list(enumerate(excerpt.x))
    results = []
    for channel, x in channels:
        row = _empty_row(name, channel)
        try:
            arrays = _fit_channel(x, excerpt, options, row, started)
        except Exception as error:   # not KeyboardInterrupt (FitInterrupted): Ctrl-C stops the batch
            row, arrays = _error_row(name, channel, error, started), None
        results.append((row, arrays))
        started = time.perf_counter()
    return results


# ---------------------------------------------------------------- inputs


def _is_pattern(text):
    return any(character in text for character in "*?[")


def expand_inputs(inputs):
    """[(name, source)] of paths and arrays: a directory is every signal file below it (io.SUFFIXES,
    sorted), a glob pattern every file it matches; other paths stay as given (a missing one gets its
    error row later). Repeated names count once."""
    if isinstance(inputs, (str, os.PathLike, np.ndarray)):
        inputs = [inputs]
    found = {}
    for index, item in enumerate(inputs):
        if isinstance(item, (str, os.PathLike)):
            path = pathlib.Path(item)
            if path.is_dir():
                files = sorted(str(file) for file in path.rglob("*")
                               if file.is_file() and file.suffix.lower() in io.SUFFIXES)
                if not files:
                    raise ValueError(f"{path} holds no signal file ({', '.join(io.SUFFIXES)})")
            elif not path.exists() and _is_pattern(str(item)):
                files = sorted(file for file in glob.glob(str(item), recursive=True) if os.path.isfile(file))
                if not files:
                    raise ValueError(f"no file matches {str(item)!r}")
            else:
                files = [str(item)]
            found.update((file, file) for file in files)
        else:
            array = np.asarray(item)
            if array.dtype.kind not in "biuf":
                raise TypeError(f"inputs[{index}] must be a path or a real array, got {type(item).__name__}")
            found[f"array[{index}]"] = (f"array[{index}]", array)
    return list(found.items())


# ---------------------------------------------------------------- the table


def _cell(value):
    return "" if value is None else value


def _parse_cell(column, text):
    if text == "" or text is None:
        return None
    if column in _FLOAT_COLUMNS:
        return float(text)
    if column in _INT_COLUMNS:
        return int(text)
    if column == "channel" and text.isdigit():
        return int(text)
    return text


def read_table(path):
    """The rows of a results table (CSV, or JSON lines when the name ends .jsonl) as dicts.

    CSV cells come back as numbers where the column holds numbers and None
    where they are empty. A last line cut short by an interruption is left
    out.
    """
    path = pathlib.Path(path)
    text = path.read_text(encoding="utf-8")
    if not text.endswith("\n"):   # the write of the last row was cut short
        text = text[: text.rfind("\n") + 1]
    if path.suffix.lower() == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    reader = csv.DictReader(text_io.StringIO(text, newline=""))
    if reader.fieldnames is not None and tuple(reader.fieldnames) != COLUMNS:
        raise ValueError(f"{path} is not a results table of this version: its columns are {reader.fieldnames}")
    return [{column: _parse_cell(column, row[column]) for column in COLUMNS} for row in reader]


class _Table:
    """The results table, opened for appending: each file's rows in one write, then fsync."""

    def __init__(self, path, resume):
        self.path = pathlib.Path(path)
        self.jsonl = self.path.suffix.lower() == ".jsonl"
        self.rows = []
        if self.path.is_dir():
            raise IsADirectoryError(f"cannot write the table {self.path}: it is a directory")
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"cannot write the table {self.path}: no such directory {self.path.parent}")
        if self.path.exists() and self.path.stat().st_size:
            if not resume:
                raise FileExistsError(f"the table {self.path} exists: pass --resume (resume=True) to add the "
                                      "files it lacks, or remove it")
            self.rows = read_table(self.path)
            text = self.path.read_bytes()
            if not text.endswith(b"\n"):   # drop the cut-short last line before appending
                with open(self.path, "r+b") as stream:
                    stream.truncate(text.rfind(b"\n") + 1)
        self.stream = open(self.path, "a", encoding="utf-8", newline="")
        if not self.jsonl and self.stream.tell() == 0:
            self.append([dict(zip(COLUMNS, COLUMNS))])

    def done(self):
        """The file names the table holds rows of."""
        return {row["file"] for row in self.rows}

    def append(self, rows):
        if self.jsonl:
            text = "".join(json.dumps(row) + "\n" for row in rows)
        else:
            buffer = text_io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerows([[_cell(row[column]) for column in COLUMNS] for row in rows])
            text = buffer.getvalue()
        self.stream.write(text)
        self.stream.flush()
        os.fsync(self.stream.fileno())

    def close(self):
        self.stream.close()


def _same_file(path, other):
    try:
        return os.path.samefile(path, other)
    except OSError:   # a missing input: its row will say so
        return False


def _npz_name(file, channel):
    """A name for the maps of one row, unique per file path and channel."""
    stem = pathlib.Path(file).name.replace("[", "").replace("]", "")
    digest = hashlib.sha1(str(file).encode()).hexdigest()[:8]
    return f"{stem}-{digest}" + ("" if channel is None else f"-ch{channel}") + ".npz"


def _save_arrays(out_dir, row, arrays):
    """Write the row's arrays to out_dir (through a temporary file: a cut write leaves no half .npz)."""
    path = out_dir / _npz_name(row["file"], row["channel"])
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb") as stream:
        np.savez(stream, **arrays)
    os.replace(partial, path)
    row["maps"] = str(path)


# ---------------------------------------------------------------- progress


class _Progress:
    """Lines on stderr: files done of the total, the rate and an ETA; each error as it happens."""

    def __init__(self, total, quiet=False, stream=None, every=1.0):
        self.total, self.quiet, self.every = total, quiet, every
        self.stream = sys.stderr if stream is None else stream
        self.started = time.perf_counter()
        self.done = self.errors = 0
        self.last = -math.inf

    def __call__(self, rows):
        self.done += 1
        now = time.perf_counter()
        elapsed = now - self.started
        eta = elapsed / self.done * (self.total - self.done)
        failed = [row for row in rows if row["status"] == "error"]
        self.errors += len(failed)
        for row in failed:
            where = row["file"] + ("" if row["channel"] is None else f" (channel {row['channel']})")
            print(f"[{self.done}/{self.total}] error: {where}: {row['message']}", file=self.stream, flush=True)
        if not self.quiet and (now - self.last >= self.every or self.done == self.total):
            self.last = now
            print(f"[{self.done}/{self.total}] {self.done / elapsed:.3g} files/s, ETA {eta:.0f} s"
                  + (f", {self.errors} error{'s' * (self.errors > 1)}" if self.errors else ""),
                  file=self.stream, flush=True)


# ---------------------------------------------------------------- where the fits run


def _warm_up(options):
    """Load (or compile) the Numba kernels a fit of these options needs: a small fit of the same kind."""
    x = np.random.default_rng(0).standard_normal(2048)
    model = DSTFT(64, 16.0, 32.0, window=options.window, win_mode=options.window_mode,
                  hop_mode=options.hop_mode, n_samples=x.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(x, **_objective_of(options), method=options.method, max_evaluations=3)


def _start_worker(options, n_threads):
    """A pool worker's initializer: Ctrl-C is the parent's to handle; its share of the cores; the kernels
    loaded once; what is loaded by then kept out of the garbage collector's sight."""
    import gc
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_thread_count(n_threads)
    try:
        _warm_up(options)
    except Exception:  # a failed warm-up only costs the first fit its compilation
        pass
    # Numba's and LLVM's objects made the interpreter's collections at exit take 0.3-0.5 s, which the
    # batch waited for at its end; frozen objects are never collected (docs/performance.md, "Many recordings")
    gc.freeze()


def _run_serial(sources, options, deliver):
    for index, source in sources:
        deliver(index, fit_file(source, options))


#: The variables that size the BLAS/OpenMP thread pools numpy and scipy load (read once, at import).
_NATIVE_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def _native_threads_of_children(n_threads):
    """Processes started inside get `n_threads` BLAS/OpenMP threads, unless the user chose a number.

    Each worker otherwise loads a BLAS with one thread per core that spins
    between calls: measured on 2 cores, 40 constant-θ fits in one process
    take 178 ms of CPU a file with OpenBLAS's default threads and 110 ms
    with one, so two workers with the default contend for the cores (docs/performance.md,
    "Many recordings").
    """
    chosen = {name: os.environ.get(name) for name in _NATIVE_THREAD_VARIABLES}
    os.environ.update({name: str(n_threads) for name, value in chosen.items() if value is None})
    try:
        yield
    finally:
        for name, value in chosen.items():
            if value is None:
                os.environ.pop(name, None)


def _run_pool(sources, options, deliver, jobs):
    """At most 2·jobs files in flight on a spawned process pool (one running and one waiting per worker,
    so that no worker waits for this process to hand it the next file).

    When a worker dies the pool breaks and every file in flight fails with
    it; those files are tried again, each alone in a new pool, so that the
    one that kills its worker (MAX_ATTEMPTS times) gets the error row and
    the others their fits.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    n_threads = max(1, (os.cpu_count() or 1) // jobs)
    queue = list(reversed(sources))   # popped from the end: input order
    context = multiprocessing.get_context("spawn")
    with _native_threads_of_children(n_threads):
        attempts = {}
        while queue:
            pool = ProcessPoolExecutor(max_workers=min(jobs, len(queue)), mp_context=context,
                                       initializer=_start_worker, initargs=(options, n_threads))
            in_flight, broken = {}, False
            try:
                while (queue or in_flight) and not broken:
                    while queue and len(in_flight) < 2 * jobs and not (in_flight and queue[-1][0] in attempts):
                        index, source = queue.pop()
                        in_flight[pool.submit(fit_file, source, options)] = (index, source)
                        if index in attempts:   # a suspect runs alone
                            break
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        try:
                            results = future.result()
                        except BrokenProcessPool:
                            broken = True
                            continue
                        deliver(in_flight.pop(future)[0], results)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown(wait=not broken, cancel_futures=True)
            for index, source in in_flight.values():   # the files the dead worker's pool held
                attempts[index] = attempts.get(index, 0) + 1
                if attempts[index] < MAX_ATTEMPTS:
                    queue.append((index, source))
                    continue
                name = source[0] if isinstance(source, tuple) else str(source)
                error = RuntimeError(f"the worker process died while fitting it ({MAX_ATTEMPTS} times)")
                deliver(index, [(_error_row(name, options.channel, error, time.perf_counter()), None)])


def _run_dask(sources, options, deliver, client, retries):
    """One task per file on the client's cluster; rows as the tasks finish."""
    try:
        from distributed import as_completed
    except ImportError:
        raise ImportError("client= needs Dask's distributed scheduler: pip install \"dstft_np[dask]\"") from None
    client.run(_warm_up, options)
    futures = {client.submit(fit_file, source, options, pure=False, retries=retries): (index, source)
               for index, source in sources}
    try:
        for future in as_completed(futures):
            index, source = futures[future]
            try:
                results = future.result()
            except Exception as error:   # the task failed on every try (KilledWorker: its workers died)
                name = source[0] if isinstance(source, tuple) else str(source)
                results = [(_error_row(name, options.channel, error, time.perf_counter()), None)]
            deliver(index, results)
    except BaseException:
        client.cancel(list(futures))
        raise


# ---------------------------------------------------------------- the batch


def fit_many(inputs, *, jobs=None, client=None, table=None, out_dir=None, resume=False, progress=False,
             retries=1, **options):
    """Fit window lengths (and hops) to many recordings; one row per file, or per channel.

    Parameters
    ----------
    inputs : sequence of str, os.PathLike or np.ndarray
        Signal files (io.SUFFIXES), directories (every signal file below
        them), glob patterns (``"data/**/*.wav"``), or arrays [shape=(K,)
        or (C, K)], named "array[i]" in the rows.
    jobs : int >= 1, optional
        Worker processes (default: the number of cores); 1 fits in this
        process.
    client : distributed.Client, optional
        Run on this Dask cluster instead (``jobs`` is then unused).
    table : str or os.PathLike, optional
        The results table: CSV, or JSON lines when the name ends .jsonl.
        Each file's rows are appended (and fsync'ed) when it finishes. An
        existing table is an error unless ``resume``.
    out_dir : str or os.PathLike, optional
        One .npz per row with the learned arrays (θ, positions, hop or
        hops, the loss per evaluation); the row's "maps" names it.
        Required when the fit learns maps (window_mode other than
        "constant", hop_mode "time"). Created when missing.
    resume : bool
        Skip the files the table already holds rows of.
    progress : bool or callable
        True: files done of the total, the rate and an ETA on stderr (at
        most once a second) and each error as it happens. A callable is
        called as progress(rows) after each file, with the file's rows.
    retries : int >= 0
        Dask only: reruns of a task that raised (a dead worker's tasks are
        rerun by Dask anyway).
    **options
        The fit's settings, as the options of ``dstft-np optimize``:
        n_fft, hop, win_length, window, window_mode, hop_mode, loss,
        method, steps, lr, smoothness, hop_smoothness, and for reading variable, channel,
        sample_rate, start, duration. Lengths are samples (400) or
        durations ("25ms", "0.025s").

    Returns
    -------
    list of dict
        The rows (keys COLUMNS) of the table in input order: with
        ``resume``, those it held first. "status" is "ok" or "error";
        "message" the error, or the fit's warnings, in one line.

    Raises
    ------
    TypeError, ValueError
        Bad options, a directory without signal files, a glob that
        matches nothing, maps without out_dir.
    FileExistsError
        The table exists and resume is False.
    KeyboardInterrupt
        Passed on; the table keeps every row written before.

    Examples
    --------
    >>> import numpy as np, dstft_np.batch
    >>> k = np.arange(4000)
    >>> signals = [np.sin(0.2 * k), np.sin(0.002 * k**1.5), np.full(10, np.nan)]
    >>> rows = dstft_np.batch.fit_many(signals, jobs=1, n_fft=256, hop=64)
    >>> [(row["file"], row["status"], row["fit_status"]) for row in rows]
    [('array[0]', 'ok', 'converged'), ('array[1]', 'ok', 'converged'), ('array[2]', 'error', None)]
    >>> rows[2]["message"]
    'x must be finite; it contains NaN or inf'
    """
    options = FitOptions.checked(**options)
    jobs = (os.cpu_count() or 1) if jobs is None else check_integer(jobs, "jobs", minimum=1)
    retries = check_integer(retries, "retries")
    sources = expand_inputs(inputs)
    if out_dir is None and options.has_maps:
        raise ValueError(f"window_mode {options.window_mode!r} with hop_mode {options.hop_mode!r} learns arrays: "
                         "pass out_dir (--out-dir DIR) for their .npz files")
    if out_dir is not None:
        out_dir = pathlib.Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
    sheet = None if table is None else _Table(table, resume)
    if sheet is not None:   # a table inside a folder of inputs is not one of them
        sources = [(name, source) for name, source in sources
                   if isinstance(source, tuple) or not _same_file(source, sheet.path)]
    order = {name: index for index, (name, _) in enumerate(sources)}
    earlier = [] if sheet is None else sheet.rows
    skip = set() if sheet is None else sheet.done()
    todo = [(order[name], source) for name, source in sources if name not in skip]
    report = _Progress(len(todo)) if progress is True else (progress or None)
    produced = {}

    def deliver(index, results):
        rows = []
        for row, arrays in results:
            if out_dir is not None and arrays is not None:
                _save_arrays(out_dir, row, arrays)
            rows.append(row)
        if sheet is not None:
            sheet.append(rows)
        produced[index] = rows
        if report is not None:
            report(rows)

    try:
        if client is not None:
            _run_dask(todo, options, deliver, client, retries)
        elif jobs == 1 or len(todo) <= 1:
            _run_serial(todo, options, deliver)
        else:
            _run_pool(todo, options, deliver, jobs)
    finally:
        if sheet is not None:
            sheet.close()
    new = [row for index in sorted(produced) for row in produced[index]]
    earlier.sort(key=lambda row: order.get(row["file"], len(order)))
    return earlier + new
