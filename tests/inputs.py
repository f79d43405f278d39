"""Bad and unusual inputs: the helpers the *_bad_input tests and the layout tests share.

Legal but unusual layouts (integer, strided, Fortran-order, negative
strides, read-only, big-endian) must be accepted, left bit-identical, and
give the results of the plain contiguous float array; bad values must raise
the pinned exception with a message naming the argument.
"""

import tracemalloc

import numpy as np
import pytest

from dstft_np._options import WINDOWS


#: How an option error lists the windows (option_code's message).
WINDOW_CHOICES = ", ".join(map(repr, WINDOWS))


def layouts(arr):
    """(label, array) pairs holding the values of `arr` in unusual memory layouts."""
    arr = np.asarray(arr)
    strided = np.zeros(arr.shape[:-1] + (2 * arr.shape[-1],), dtype=arr.dtype)
    strided[..., ::2] = arr
    reversed_copy = np.ascontiguousarray(arr[..., ::-1])
    read_only = arr.copy()
    read_only.flags.writeable = False
    out = [
        ("strided", strided[..., ::2]),
        ("negative-strides", reversed_copy[..., ::-1]),
        ("read-only", read_only),
        ("big-endian", arr.astype(arr.dtype.newbyteorder(">" if arr.dtype.byteorder != ">" else "<"))),
        ("broadcast-view", np.broadcast_to(arr, arr.shape)),
    ]
    if arr.ndim >= 2:
        out.append(("fortran-order", np.asfortranarray(arr)))
    return out


def snapshot(arr):
    """Bytes and layout of an array, to show a call left it untouched."""
    return np.array(arr, copy=True), arr.strides, arr.flags.writeable


def assert_untouched(arr, before, what):
    values, strides, writeable = before
    np.testing.assert_array_equal(arr, values, err_msg=f"{what} was modified")
    assert arr.strides == strides and arr.flags.writeable == writeable, f"{what} layout changed"


def assert_same_results(actual, expected, what):
    """Same values through the same arithmetic, only the layout differs: equal to a few ulps."""
    actual = actual if isinstance(actual, tuple) else (actual,)
    expected = expected if isinstance(expected, tuple) else (expected,)
    for a, e in zip(actual, expected, strict=True):
        assert a.shape == e.shape and a.dtype == e.dtype, what
        eps = np.finfo(e.dtype).eps
        np.testing.assert_allclose(a, e, rtol=0, atol=4 * eps * max(np.max(np.abs(e)), 1.0), err_msg=what)


def assert_accepts_layouts(func, arr, expected, what):
    """func(a) for the values of `arr` in every layout: `a` left untouched, the results those of `expected`."""
    for label, a in layouts(arr):
        before = snapshot(a)
        result = func(a)
        assert_untouched(a, before, f"{what} ({label})")
        assert_same_results(result, expected, f"{what}: {label}")


def peak_bytes(func):
    """Peak traced allocation while `func` runs (numpy registers its buffers with tracemalloc)."""
    tracemalloc.start()
    try:
        func()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def with_value(arr, index, value):
    out = np.array(arr, dtype=np.result_type(arr, type(value)))
    out[index] = value
    return out


def expect(error, match, func):
    with pytest.raises(error, match=match):
        func()


# The small valid call of the istft, stft_adjoint and stft_jvp bad-input tests, whose messages quote
# its shapes: K = 100 samples, n_fft = 16 (F = 9), θ = N, T = 26 frames.
N_FFT = 16
N_BINS = N_FFT // 2 + 1
N_SAMPLES = 100
THETA = 16.0
POSITIONS = np.arange(0.0, N_SAMPLES + 1, 4.0)   # hop 4, θ = N: every sample covered
N_FRAMES = POSITIONS.size


def signal():
    k = np.arange(N_SAMPLES)
    return np.sin(0.3 * k) + 0.5 * np.cos(0.05 * k**1.5)
