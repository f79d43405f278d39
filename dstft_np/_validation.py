"""Input checks shared by every public function (the only place they live).

One rule for the exception: a TypeError when the argument has the wrong
type, a ValueError when it has the right type and a wrong value. A number
that is not an integer (10.5, and 10.0 too) where an integer is needed is
of the wrong type, as in numpy and scipy.fft (``np.zeros(10.5)``,
``scipy.fft.rfft(x, n=10.5)``) and Python's ``operator.index``. Both
errors of one argument carry the same message, which names the argument
and what it must be: "n_samples must be an integer >= 1, got 10.5".
"""

import numbers
import os
import sys
import warnings

import numpy as np

__all__ = [
    "all_finite",
    "check_signal",
    "check_n_fft",
    "check_win_length",
    "check_positions",
    "check_finite",
    "check_real",
    "check_complex",
    "check_scalar",
    "check_flag",
    "check_pair",
    "check_positive",
    "check_number",
    "is_integer",
    "is_flag",
    "check_integer",
    "check_hop",
    "check_framing",
    "check_finite_output",
    "check_memory",
    "check_sample_rate",
    "check_spectrogram",
    "set_memory_limit",
    "get_memory_limit",
    "warn",
]

_memory_limit = [4 * 2**30]


def set_memory_limit(n_bytes):
    """Set the largest working array (in bytes) a transform may allocate; default 4 GiB.

    Calls that would need more raise a ValueError before allocating anything.
    Returns the previous limit. A limit that is not a number is a TypeError,
    one that is not > 0 (or NaN) a ValueError.
    """
    check_number(n_bytes, "memory limit", "a positive number of bytes", lambda n: n > 0, finite=False)
    previous = _memory_limit[0]
    _memory_limit[0] = n_bytes
    return previous


def get_memory_limit():
    """The current limit set by ``set_memory_limit``, in bytes."""
    return _memory_limit[0]


def check_memory(n_bytes, what):
    """Raise a ValueError if an array of `n_bytes` would exceed the memory limit."""
    if n_bytes > _memory_limit[0]:
        raise ValueError(
            f"{what} would need {n_bytes / 2**20:.4g} MiB, above the memory limit of "
            f"{_memory_limit[0] / 2**20:.4g} MiB; use fewer frames or a smaller n_fft, or raise "
            f"the limit with dstft_np.set_memory_limit"
        )


def _as_real_array(value, name):
    """`value` as a real ndarray (integers and bools become float64); TypeError otherwise."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as error:  # ragged nested sequences, unconvertible objects
        raise TypeError(f"{name} must be a real numeric array, got {type(value).__name__}: {error}") from None
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return arr


def all_finite(arr):
    """True if `arr` holds no NaN or inf."""
    # A sum is finite only if every term is: one pass and no temporary array.
    # Only a non-finite sum (NaN, inf, or finite terms that overflow) needs
    # the element-wise look.
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(arr)):
            return True
    return bool(np.all(np.isfinite(arr)))


def check_finite(arr, name):
    """Raise a ValueError naming `name` if `arr` holds NaN or inf."""
    if not all_finite(arr):
        raise ValueError(f"{name} must be finite; it contains NaN or inf")


def check_real(value, name, *, finite=True):
    """`value` as a float64 array of any shape, finite unless finite=False; TypeError if not real numeric."""
    arr = _as_real_array(value, name).astype(np.float64, copy=False)
    if finite:
        check_finite(arr, name)
    return arr


def check_complex(value, name):
    """`value` as a finite complex64 (from float32/complex64) or complex128 array of any shape.

    Real and integer arrays are accepted (zero imaginary part); strings,
    objects and ragged sequences are a TypeError naming `name`.
    """
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be a numeric (complex) array, got {type(value).__name__}: {error}") from None
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"{name} must be a numeric (complex) array, got dtype {arr.dtype}")
    single = arr.dtype in (np.float32, np.complex64)
    arr = arr.astype(np.complex64 if single else np.complex128, copy=False)
    check_finite(arr, name)
    return arr


def check_scalar(value, name):
    """`value` as a finite Python float; TypeError unless it is one real number (not a bool)."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 0 or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(arr)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return value


def is_flag(value):
    """True for True and False (Python's or numpy's bools)."""
    return isinstance(value, (bool, np.bool_))


def check_flag(value, name):
    """`value` as a Python bool; TypeError for anything but True, False (or numpy's bools)."""
    if not is_flag(value):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_pair(value, name, items=("low", "high")):
    """`value` as a 2-tuple; TypeError unless it is a sequence of exactly two items (named `items`)."""
    try:
        first, second = value
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair ({', '.join(items)}), got {value!r}") from None
    return first, second


def check_positive(value, name, *, allow_zero=False):
    """`value` as a finite Python float > 0 (>= 0 with allow_zero); TypeError unless one real number."""
    value = check_scalar(value, name)
    if value < 0 or (value == 0 and not allow_zero):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a {kind} finite number, got {value!r}")
    return value


def check_number(value, name, allowed, accept, *, finite=True):
    """`value` as a Python float with accept(value) true; both errors say "{name} must be {allowed}".

    TypeError unless one real number (not a bool); ValueError if it is NaN
    or infinite (unless finite=False) or accept(value) is false.
    """
    message = f"{name} must be {allowed}, got {value!r}"
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(message) from None
    if arr.ndim != 0 or arr.dtype.kind not in "iuf":
        raise TypeError(message)
    number = float(arr)
    if np.isnan(number) or (finite and not np.isfinite(number)) or not accept(number):
        raise ValueError(message)
    return number


def is_integer(value):
    """True for Python's and numpy's integers, False for bools and everything else."""
    return isinstance(value, numbers.Integral) and not is_flag(value)


def check_integer(value, name, *, minimum=0, maximum=None, even=False, allowed=None, names=()):
    """`value` as a Python int in [minimum, maximum], even if asked; bools are not integers here.

    TypeError unless an integer (10.5 and 10.0 are not), ValueError outside
    the range or odd when `even`. The message says "{name} must be an
    [even ]integer {allowed}", `allowed` defaulting to ">= minimum" or
    "in [minimum, maximum]". A string in `names` is returned as it is (a
    named choice besides the integers); any other string is a ValueError.
    """
    if allowed is None:
        allowed = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
    kind = "an even integer" if even else "an integer"
    if names and isinstance(value, str):
        if value in names:
            return value
        raise ValueError(f"{name} must be {kind} {allowed}, got {value!r}")
    if not is_integer(value):
        raise TypeError(f"{name} must be {kind} {allowed}, got {value!r}")
    number = int(value)
    if number < minimum or (maximum is not None and number > maximum) or (even and number % 2):
        raise ValueError(f"{name} must be {kind} {allowed}, got {number!r}")
    return number


def check_hop(hop_length, name="hop_length"):
    """A hop as a Python float: one finite real number of samples > 0."""
    hop = check_scalar(hop_length, name)
    if not hop > 0:
        raise ValueError(f"{name} must be a positive finite number of samples, got {hop_length!r}")
    return hop


def check_framing(positions, hop_length):
    """TypeError unless exactly one of positions and hop_length is given (not None)."""
    if (positions is None) == (hop_length is None):
        given = "both" if positions is not None else "neither"
        raise TypeError("give either positions (t_n, the window centres in samples) or hop_length "
                        f"(t_n = n·hop_length), got {given}")


#: Files under this folder are dstft_np's own frames, skipped when a warning names its caller.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn(message, category=UserWarning):
    """warnings.warn attributed to the first caller outside dstft_np (the user's line), at any depth."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


_TRANSFORM_ADVICE = ("Scale x (or grad_S) down, pass float64 data, or keep win_length away from 0 (the "
                     "window grows like n_fft/θ, its θ-derivative like n_fft/θ²)")


def check_finite_output(arr, name, advice=_TRANSFORM_ADVICE):
    """Raise a ValueError if a result computed from finite inputs overflowed to inf or NaN.

    `advice` says what to change; the default speaks of the transforms' inputs.
    """
    if not all_finite(arr):
        raise ValueError(
            f"{name} overflowed {arr.dtype} although every input is finite: the values exceed "
            f"{np.finfo(arr.dtype).max:.3g}. {advice}"
        )


def check_signal(x, name="x", *, n_samples=None):
    """x as float32 or float64 of shape (..., K) with K >= 1 and finite values.

    float32 stays float32; integers, bools and float16 become float64.
    The input is never modified (a view or a converted copy is returned).
    n_samples: the K that x must have (a model's, fixed at construction).
    """
    arr = _as_real_array(x, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension (..., K), got a 0-d array")
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} must hold at least one sample along its last axis, got shape {arr.shape}")
    if n_samples is not None and arr.shape[-1] != n_samples:
        raise ValueError(f"{name} must have n_samples={n_samples} samples along its last axis "
                         f"(fixed at construction), got {arr.shape[-1]}")
    # float32 in any byte order stays float32 (native), everything else becomes native float64
    single = arr.dtype.kind == "f" and arr.dtype.itemsize == 4
    arr = arr.astype(np.float32 if single else np.float64, copy=False)
    check_finite(arr, name)
    return arr


def check_n_fft(n_fft):
    """n_fft as a Python int: even and >= 2."""
    return check_integer(n_fft, "n_fft", minimum=2, even=True)


def check_win_length(win_length, n_fft, name="win_length"):
    """θ as float64, finite, in (0, n_fft] (n_fft = np.inf: any θ > 0)."""
    arr = _as_real_array(win_length, name).astype(np.float64, copy=False)
    check_finite(arr, name)
    if arr.size and not (np.all(arr > 0) and np.all(arr <= n_fft)):
        bad = arr[(arr <= 0) | (arr > n_fft)].flat[0]
        allowed = f"in (0, n_fft={n_fft}]" if np.isfinite(n_fft) else "> 0"
        raise ValueError(f"{name} must be {allowed}, got {float(bad)!r}")
    return arr


def check_positions(positions, name="positions"):
    """t_n as float64 of shape (..., T), T >= 1, finite (a scalar is one frame)."""
    arr = _as_real_array(positions, name).astype(np.float64, copy=False)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.shape[-1] == 0:
        raise ValueError(f"{name} must hold at least one frame along its last axis, got shape {arr.shape}")
    check_finite(arr, name)
    return arr


def check_sample_rate(sample_rate, name="sample_rate"):
    """The sample rate in Hz as given (int or float): a finite number > 0."""
    check_number(sample_rate, name, "a finite number of Hz > 0", lambda rate: rate > 0)
    return sample_rate


def check_spectrogram(Y):
    """Y as float64 with at least two axes (..., F, T), finite and >= 0."""
    Y = check_real(Y, "Y")
    if Y.ndim < 2 or Y.size == 0:
        raise ValueError(f"Y must have shape (..., F, T) with F, T >= 1, got {Y.shape}")
    if Y.min() < 0:
        raise ValueError(f"Y must be >= 0 (a spectrogram |S|^p), got {float(Y.min())!r}")
    return Y
