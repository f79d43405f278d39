"""Read a signal from a file: wav, npy, npz, mat or csv.

``load`` returns the samples as an array of shape (K,) (one channel) or
(C, K) (C channels, the batch layout every transform accepts) together
with the sample rate when the file carries one.

scipy.io is imported when a file is read, not when dstft_np is imported.
"""

import csv
import os
import pathlib
import warnings
from typing import NamedTuple, Optional

import numpy as np

from ._validation import check_finite, check_integer, check_sample_rate, is_integer

__all__ = ["load", "Signal", "SUFFIXES"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


#: Full scale of integer PCM: x / scale lies in [-1, 1). uint8 is offset by 128 first.
_PCM_SCALE = {np.dtype(np.uint8): 128.0, np.dtype(np.int16): 2.0**15, np.dtype(np.int32): 2.0**31,
              np.dtype(np.int64): 2.0**63}


class Signal(NamedTuple):
    """What ``load`` returns; unpacks as ``x, sample_rate = load(path)``."""

    x: np.ndarray                  # (K,) or (C, K), float32 or float64
    sample_rate: Optional[float]   # Hz: from the wav header or the argument, else None


def _read_wav(path):
    """(C, K) or (K,) scaled to [-1, 1], and the rate of the wav header."""
    import scipy.io.wavfile

    rate, data = scipy.io.wavfile.read(path)
    if data.dtype in _PCM_SCALE:
        offset = 128.0 if data.dtype == np.uint8 else 0.0
        data = (data.astype(np.float64) - offset) / _PCM_SCALE[data.dtype]
    elif data.dtype.kind != "f":
        raise ValueError(f"unsupported wav sample type {data.dtype}")
    return data.T, rate


def _check_magic(path, magic, what):
    """np.load falls back to unpickling unknown bytes: say plainly that the header is missing."""
    with open(path, "rb") as stream:
        if stream.read(len(magic)) != magic:
            raise ValueError(f"the file does not start with the {what} header")


def _read_npy(path):
    _check_magic(path, b"\x93NUMPY", "NumPy .npy")
    return np.load(path, allow_pickle=False)


def _read_npz(path):
    _check_magic(path, b"PK", "zip (.npz)")
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _read_mat(path):
    import scipy.io

    try:
        contents = scipy.io.loadmat(path)
    except NotImplementedError as err:  # MATLAB v7.3 files are HDF5
        raise ValueError(f"{err} (save it with -v7 or read it with h5py)") from None
    return {name: value for name, value in contents.items() if not name.startswith("__")}


def _read_csv(path):
    """One entry per column, keyed by the header names (or "0", "1", ... without a header)."""
    with open(path, newline="") as stream:
        text = stream.read()
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:  # a single column has no delimiter to find
        dialect = csv.excel
    rows = [row for row in csv.reader(text.splitlines(), dialect) if any(cell.strip() for cell in row)]
    if not rows:
        raise ValueError("the file holds no rows")
    header = None
    try:
        [float(cell) for cell in rows[0]]
    except ValueError:
        header, rows = [cell.strip() for cell in rows[0]], rows[1:]
        if not rows:
            raise ValueError(f"no rows of numbers below the first line {text.splitlines()[0][:60]!r}")
    n_columns = len(header) if header else len(rows[0])
    values = np.empty((len(rows), n_columns))
    for i, row in enumerate(rows):
        if len(row) != n_columns:
            raise ValueError(f"row {i + 1 + bool(header)} has {len(row)} fields, expected {n_columns}")
        for j, cell in enumerate(row):
            try:
                values[i, j] = float(cell)
            except ValueError:
                raise ValueError(
                    f"row {i + 1 + bool(header)}, column {j + 1} is {cell!r}, not a number"
                ) from None
    names = header or [str(j) for j in range(n_columns)]
    return {name: values[:, j] for j, name in enumerate(names)}


_READERS = {".wav": _read_wav, ".npy": _read_npy, ".npz": _read_npz, ".mat": _read_mat, ".csv": _read_csv}

#: File types ``load`` reads, by suffix (case-insensitive).
SUFFIXES = tuple(_READERS)


def _is_signal(value):
    """A real numeric array of one or two non-singleton axes: something that can be a signal."""
    value = np.asarray(value)
    return value.dtype.kind in "biuf" and value.size > 1 and np.squeeze(value).ndim <= 2


def _describe(contents):
    return ", ".join(f"{name!r} {np.shape(value)}" for name, value in contents.items())


def _choose(contents, variable, path):
    """The array named `variable`, or the only signal-like one when `variable` is None."""
    if variable is None:
        candidates = {name: value for name, value in contents.items() if _is_signal(value)}
        if len(candidates) == 1:
            return next(iter(candidates.values()))
        if not candidates:
            raise ValueError(f"{path} holds no 1-D or 2-D real numeric array (it holds: "
                             f"{_describe(contents) or 'nothing'})")
        raise ValueError(f"{path} holds several signals: {_describe(candidates)}; choose one with "
                         "variable=NAME")
    if path.suffix.lower() == ".csv" and is_integer(variable):
        if not 0 <= variable < len(contents):
            raise ValueError(f"column {variable} does not exist: {path} has {len(contents)} columns "
                             f"({_describe(contents)})")
        variable = list(contents)[variable]
    if variable not in contents:
        raise ValueError(f"variable {variable!r} is not in {path}; it holds: {_describe(contents)}")
    if not _is_signal(contents[variable]):
        value = np.asarray(contents[variable])
        raise ValueError(f"variable {variable!r} in {path} is not a signal: a real numeric array of "
                         f"one or two axes with more than one element is needed, got dtype "
                         f"{value.dtype} and shape {value.shape}")
    return contents[variable]


def _as_channels(data, transposed):
    """(K,) or (C, K): singleton axes dropped; time along the longer axis unless `transposed` says."""
    data = np.squeeze(np.asarray(data))
    if data.ndim == 2 and not transposed and data.shape[0] > data.shape[1]:
        data = data.T
    return data


def _pick_channel(data, channel):
    n_channels = 1 if data.ndim == 1 else data.shape[0]
    if channel is None:
        return data
    channel = check_integer(channel, "channel", maximum=n_channels - 1, names=("mean",),
                            allowed=f"in [0, {n_channels}) or 'mean' for this {n_channels}-channel signal")
    if channel == "mean":
        return data if data.ndim == 1 else data.mean(axis=0)
    return data if data.ndim == 1 else data[channel]


def load(path, *, variable=None, channel=None, sample_rate=None):
    """Read a signal from a wav, npy, npz, mat or csv file.

    Parameters
    ----------
    path : str or os.PathLike
        The file; its suffix (case-insensitive) selects the reader.
    variable : str or int, optional
        Which array to read from a .mat or .npz file (its name) or which
        column of a .csv file (header name, or 0-based index). By default
        the only candidate: the one real numeric array with one or two
        non-singleton axes (the one column of a csv); several candidates are
        an error that lists them.
    channel : int or "mean", optional
        Keep one channel (result (K,)) or average them. By default every
        channel is kept: (C, K) for C > 1, (K,) for one.
    sample_rate : float, optional
        The rate in Hz of a file that carries none (npy, npz, mat, csv).
        A wav file carries its own; passing a different one is an error.

    Returns
    -------
    Signal
        ``x`` : np.ndarray [shape=(K,) or (C, K)]: integer wav PCM scaled to
        [-1, 1] (int16 / 2¹⁵, int32 / 2³¹, (uint8 - 128) / 128) as float64;
        float32 data stays float32; everything else becomes float64 without
        scaling. ``sample_rate`` : the rate in Hz, or None.

    Raises
    ------
    FileNotFoundError
        No file at `path`.
    IsADirectoryError
        `path` is a directory.
    TypeError
        `path` neither a str nor an os.PathLike; a channel that is neither
        an integer nor a string; a sample_rate that is not a number.
    ValueError
        An unknown suffix, content that cannot be read as its suffix says,
        a variable or channel that does not exist, several candidate
        variables and none chosen, NaN or inf in the data, a sample_rate
        that is not finite and > 0.

    Notes
    -----
    Channels: a wav's (K, C) data become (C, K). A 2-D array from npy, npz,
    mat or csv is taken with time along its longer axis, so (C, K) and
    (K, C) both give (C, K) when K > C; singleton axes are dropped
    (a MATLAB row (1, K) is (K,)).

    Examples
    --------
    >>> import numpy as np, scipy.io.wavfile, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tone.wav"
    >>> pcm = (0.5 * 32767 * np.sin(0.1 * np.arange(800))).astype(np.int16)
    >>> scipy.io.wavfile.write(path, 8000, np.stack([pcm, pcm], axis=1))
    >>> x, rate = load(path)
    >>> x.shape, rate
    ((2, 800), 8000)
    >>> load(path, channel=0).x.shape
    (800,)
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}: {path!r}")
    path = pathlib.Path(os.fspath(path))
    if sample_rate is not None:
        sample_rate = check_sample_rate(sample_rate)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory, not a signal file")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise ValueError(f"cannot read {path}: unknown file type {path.suffix or '(no suffix)'!r}; "
                         f"supported: {', '.join(SUFFIXES)}")
    if variable is not None and suffix not in (".mat", ".npz", ".csv"):
        raise ValueError(f"variable applies to .mat, .npz and .csv files, not to {suffix} ({path})")
    try:
        # a parser's warnings (scipy's "chunk not understood") are passed on only when the read succeeds:
        # before an error they would be noise
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if suffix == ".wav":
                data, file_rate = _read_wav(path)
            else:
                data, file_rate = _READERS[suffix](path), None
                if isinstance(data, dict):
                    data = _choose(data, variable, path)
    except Exception as err:  # whatever the parser trips on, the user hears which file and why
        if isinstance(err, ValueError) and str(path) in str(err):
            raise
        raise ValueError(f"could not read {path} as a {suffix} file: {err}") from None
    for warning in caught:
        warnings.warn(warning.message, warning.category, stacklevel=2)
    if not _is_signal(data):
        raise ValueError(f"{path} holds no signal: a real numeric array with one or two axes and "
                         f"more than one sample is needed, got dtype {np.asarray(data).dtype} and shape "
                         f"{np.shape(data)}")
    if file_rate is not None and sample_rate is not None and sample_rate != file_rate:
        raise ValueError(f"sample_rate={sample_rate!r} contradicts the rate of {file_rate} Hz in {path}")
    data = _pick_channel(_as_channels(data, transposed=suffix == ".wav"), channel)
    data = data.astype(np.float32 if data.dtype == np.float32 else np.float64, copy=False)
    check_finite(data, f"the signal in {path}")
    return Signal(x=data, sample_rate=file_rate if file_rate is not None else sample_rate)
