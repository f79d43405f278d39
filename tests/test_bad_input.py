"""Bad input to every core public function: a clear error, never a Numba traceback or a silent NaN.

Each case pins the exception type and a message that names the argument
and its allowed range. Legal but unusual layouts (integer, strided,
Fortran-order, negative strides, read-only, big-endian) are accepted, left
bit-identical, and give the results of the plain contiguous float array.
"""

import tracemalloc

import numpy as np
import pytest

import dstft_np
from dstft_np._options import WINDOWS

#: How an option error lists the windows (option_code's message).
WINDOW_CHOICES = ", ".join(map(repr, WINDOWS))

N_FFT = 16
N_BINS = N_FFT // 2 + 1
THETA = 12.5
POSITIONS = np.array([10.0, 40.5, 70.25])
N_FRAMES = POSITIONS.size
TRANSFORMS = ("stft", "stft_partials", "stft_vjp")


@pytest.fixture
def signal(rng):
    return rng.standard_normal(100)


@pytest.fixture
def memory_limit():
    """Restore the process-wide memory limit whatever the test sets."""
    previous = dstft_np.get_memory_limit()
    yield
    dstft_np.set_memory_limit(previous)


def call_transform(name, x, win_length=THETA, positions=POSITIONS, *, grad_S=None, n_fft=N_FFT,
                   **options):
    """stft, stft_partials or stft_vjp; the VJP gets a ones cotangent of the default S shape."""
    func = getattr(dstft_np, name)
    if name != "stft_vjp":
        return func(x, win_length, positions, n_fft=n_fft, **options)
    if grad_S is None:
        grad_S = np.ones((N_BINS, N_FRAMES), dtype=complex)
    return func(x, win_length, positions, grad_S, n_fft=n_fft, **options)


def with_value(arr, index, value):
    out = np.array(arr, dtype=float)
    out[index] = value
    return out


# (id, keyword overrides given the valid signal x, exception, message pattern)
TRANSFORM_CASES = [
    ("x-nan", lambda x: {"x": with_value(x, 3, np.nan)}, ValueError, r"x must be finite"),
    ("x-inf", lambda x: {"x": with_value(x, -1, -np.inf)}, ValueError, r"x must be finite"),
    ("theta-nan", lambda x: {"win_length": np.nan}, ValueError, r"win_length must be finite"),
    ("theta-inf", lambda x: {"win_length": np.inf}, ValueError, r"win_length must be finite"),
    ("positions-nan", lambda x: {"positions": with_value(POSITIONS, 1, np.nan)}, ValueError,
     r"positions must be finite"),
    ("positions-inf", lambda x: {"positions": with_value(POSITIONS, 0, np.inf)}, ValueError,
     r"positions must be finite"),
    ("theta-zero", lambda x: {"win_length": 0.0}, ValueError,
     r"win_length must be in \(0, n_fft=16\], got 0\.0"),
    ("theta-negative", lambda x: {"win_length": -3.0}, ValueError,
     r"win_length must be in \(0, n_fft=16\], got -3\.0"),
    ("theta-above-n_fft", lambda x: {"win_length": N_FFT + 0.5}, ValueError,
     r"win_length must be in \(0, n_fft=16\], got 16\.5"),
    ("theta-one-bad-cell", lambda x: {"win_length": with_value(np.full((N_BINS, N_FRAMES), 8.0), (4, 2), 17.0)},
     ValueError, r"win_length must be in \(0, n_fft=16\], got 17\.0"),
    ("n_fft-odd", lambda x: {"n_fft": 15}, ValueError, r"n_fft must be an even integer >= 2, got 15"),
    ("n_fft-zero", lambda x: {"n_fft": 0}, ValueError, r"n_fft must be an even integer >= 2, got 0"),
    ("n_fft-negative", lambda x: {"n_fft": -16}, ValueError, r"n_fft must be an even integer >= 2, got -16"),
    ("n_fft-float", lambda x: {"n_fft": 16.0}, TypeError, r"n_fft must be an even integer >= 2, got 16\.0"),
    ("n_fft-string", lambda x: {"n_fft": "16"}, TypeError, r"n_fft must be an even integer >= 2, got '16'"),
    ("n_fft-bool", lambda x: {"n_fft": True}, TypeError, r"n_fft must be an even integer >= 2, got True"),
    ("n_fft-none", lambda x: {"n_fft": None}, TypeError, r"n_fft must be an even integer >= 2, got None"),
    ("x-empty", lambda x: {"x": np.zeros(0)}, ValueError,
     r"x must hold at least one sample along its last axis, got shape \(0,\)"),
    ("x-empty-batch-of-empty", lambda x: {"x": np.zeros((3, 0))}, ValueError,
     r"x must hold at least one sample along its last axis, got shape \(3, 0\)"),
    ("x-0d", lambda x: {"x": np.float64(1.5)}, ValueError,
     r"x must have at least one dimension \(\.\.\., K\), got a 0-d array"),
    ("positions-empty", lambda x: {"positions": np.zeros(0)}, ValueError,
     r"positions must hold at least one frame along its last axis, got shape \(0,\)"),
    ("batch-mismatch", lambda x: {"x": np.stack([x, x]), "positions": np.stack([POSITIONS] * 3)}, ValueError,
     r"batch axes do not broadcast: x \(2,\), positions \(3,\)"),
    ("theta-bins-mismatch", lambda x: {"win_length": np.full((N_BINS + 1, N_FRAMES), 8.0)}, ValueError,
     r"win_length of shape \(10, 3\) does not broadcast to \(\.\.\., F, T\) = \(\.\.\., 9, 3\)"),
    ("theta-frames-mismatch", lambda x: {"win_length": np.full((1, N_FRAMES + 1), 8.0)}, ValueError,
     r"win_length of shape \(1, 4\) does not broadcast"),
    ("theta-batch-mismatch", lambda x: {"win_length": np.full((5, N_BINS, N_FRAMES), 8.0),
                                        "positions": np.stack([POSITIONS] * 2)}, ValueError,
     r"batch axes do not broadcast: x \(\), positions \(2,\), win_length \(5,\)"),
    ("x-complex", lambda x: {"x": x + 1j}, TypeError, r"x must be real, got complex dtype complex128"),
    ("theta-complex", lambda x: {"win_length": 8.0 + 0j}, TypeError, r"win_length must be real, got complex"),
    ("positions-complex", lambda x: {"positions": POSITIONS.astype(complex)}, TypeError,
     r"positions must be real, got complex"),
    ("x-strings", lambda x: {"x": np.array(["a", "b"])}, TypeError, r"x must be a real numeric array, got dtype <U1"),
    ("x-object", lambda x: {"x": np.array([1.0, None])}, TypeError, r"x must be a real numeric array, got dtype object"),
    ("x-ragged", lambda x: {"x": [[1.0, 2.0], [3.0]]}, TypeError, r"x must be a real numeric array, got list"),
    ("window-unknown", lambda x: {"window": "hamming"}, ValueError,
     rf"window must be one of {WINDOW_CHOICES}; got 'hamming'"),
    ("norm-unknown", lambda x: {"norm": "peak"}, ValueError, r"norm must be one of 'area', None; got 'peak'"),
    ("phase-unknown", lambda x: {"phase": "centre"}, ValueError,
     r"phase must be one of 'absolute', 'center', 'start'; got 'centre'"),
    # finite inputs whose result does not fit the float type: an error, not inf or NaN
    ("x-overflows", lambda x: {"x": np.full(100, 1e308)}, ValueError,
     r"overflowed .* although every input is finite"),
    ("x-float32-overflows", lambda x: {"x": np.full(100, 1e38, dtype=np.float32)}, ValueError,
     r"overflowed .* although every input is finite"),
]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize("name", TRANSFORMS)
@pytest.mark.parametrize("case, overrides, error, match", TRANSFORM_CASES, ids=[c[0] for c in TRANSFORM_CASES])
def test_transform_rejects(signal, name, case, overrides, error, match):
    if (case, name) == ("x-float32-overflows", "stft_vjp"):
        pytest.skip("the VJP's float64 gradients hold this result: see the test below")
    with pytest.raises(error, match=match):
        call_transform(name, **{"x": signal, **overrides(signal)})


def test_vjp_of_float32_signal_near_its_maximum_is_finite_in_float64():
    """x = 1e38 in float32: S overflows complex64 (an error above), but the gradients are float64
    and fit; they equal those of the same signal given as float64 (to float32 precision)."""
    x = np.full(100, 1e38, dtype=np.float32)
    grad_S = np.ones((N_BINS, N_FRAMES), dtype=complex)
    grads32 = dstft_np.stft_vjp(x, THETA, POSITIONS, grad_S, n_fft=N_FFT)
    grads64 = dstft_np.stft_vjp(x.astype(np.float64), THETA, POSITIONS, grad_S, n_fft=N_FFT)
    for g32, g64, name in zip(grads32, grads64, ("grad_win", "grad_pos")):
        assert g32.dtype == np.float64 and np.all(np.isfinite(g32)), name
        np.testing.assert_allclose(g32, g64, rtol=1e-5, atol=1e-5 * np.max(np.abs(g64)), err_msg=name)


@pytest.mark.parametrize("name", ("stft_partials", "stft_vjp"))
def test_tiny_win_length_overflowing_the_derivative_is_an_error(signal, name):
    """∂ω/∂θ = -c(θ)/θ at u = 0 with c = N/θ: θ = 1e-200 puts N/θ² beyond float64."""
    with pytest.raises(ValueError, match=r"(dS_dwin|grad_win) overflowed .*keep win_length away from 0"):
        call_transform(name, signal, 1e-200, [10.0, 40.0, 70.0])
    # the transform itself, c(θ) x = 1.6e201 x, is still finite and exact
    S = dstft_np.stft(signal, 1e-200, [10.0, 40.0, 70.0], n_fft=N_FFT)
    expected = (N_FFT / 1e-200) * signal[[10, 40, 70]]
    np.testing.assert_allclose(S[0], expected, rtol=1e-14, atol=0, err_msg="DC of a 1-sample window")


COTANGENT_CASES = [
    ("wrong-frames", np.ones((N_BINS, N_FRAMES - 1)), ValueError,
     r"grad_S must have the shape of S, \(9, 3\), got \(9, 2\)"),
    ("transposed", np.ones((N_FRAMES, N_BINS)), ValueError, r"grad_S must have the shape of S, \(9, 3\), got \(3, 9\)"),
    ("extra-batch-axis", np.ones((2, N_BINS, N_FRAMES)), ValueError,
     r"grad_S must have the shape of S, \(9, 3\), got \(2, 9, 3\)"),
    ("0d", np.complex128(1.0), ValueError, r"grad_S must have the shape of S, \(9, 3\), got \(\)"),
    ("nan", with_value(np.ones((N_BINS, N_FRAMES)), (2, 1), np.nan), ValueError, r"grad_S must be finite"),
    ("inf-imaginary", np.full((N_BINS, N_FRAMES), complex(0, np.inf)), ValueError, r"grad_S must be finite"),
    ("strings", np.full((N_BINS, N_FRAMES), "a"), TypeError, r"grad_S must be a numeric \(complex\) array"),
]


@pytest.mark.parametrize("case, grad_S, error, match", COTANGENT_CASES, ids=[c[0] for c in COTANGENT_CASES])
def test_vjp_rejects_bad_cotangent(signal, case, grad_S, error, match):
    with pytest.raises(error, match=match):
        call_transform("stft_vjp", signal, grad_S=grad_S)


# --- legal layouts: accepted, never modified, same numbers as the contiguous float array ---

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


def transform_arguments(rng):
    """Valid float64 batch arguments of every kind: x (2, K), per-cell θ (F, T), positions (2, T)."""
    return {
        "x": rng.standard_normal((2, 60)),
        "win_length": rng.uniform(4.0, N_FFT, (N_BINS, N_FRAMES)),
        "positions": np.stack([POSITIONS * 0.5, POSITIONS * 0.5 + 3.3]),
        "grad_S": rng.standard_normal((2, N_BINS, N_FRAMES)) + 1j * rng.standard_normal((2, N_BINS, N_FRAMES)),
    }


def run_transform(name, args, phase="center"):
    if name == "stft_vjp":
        return call_transform(name, args["x"], args["win_length"], args["positions"], grad_S=args["grad_S"],
                              phase=phase)
    return call_transform(name, args["x"], args["win_length"], args["positions"], phase=phase)


@pytest.mark.parametrize("name, argument", [
    (name, argument) for name in TRANSFORMS for argument in ("x", "win_length", "positions", "grad_S")
    if argument != "grad_S" or name == "stft_vjp"
])
def test_transform_accepts_any_layout_and_never_modifies_it(rng, name, argument):
    args = transform_arguments(rng)
    expected = run_transform(name, args)
    for label, arr in layouts(args[argument]):
        before = snapshot(arr)
        result = run_transform(name, {**args, argument: arr})
        assert_untouched(arr, before, f"{argument} ({label})")
        assert_same_results(result, expected, f"{name}: {argument} {label}")


@pytest.mark.parametrize("name", TRANSFORMS)
def test_transform_accepts_integer_and_bool_arrays(rng, name):
    """Integers become float64: the results are those of the float64 copy."""
    args = transform_arguments(rng)
    integer = {
        "x": rng.integers(-50, 50, (2, 60)),
        "win_length": rng.integers(1, N_FFT + 1, (N_BINS, N_FRAMES)),
        "positions": rng.integers(-5, 70, (2, N_FRAMES)),
    }
    for argument, arr in integer.items():
        before = snapshot(arr)
        result = run_transform(name, {**args, argument: arr})
        assert_untouched(arr, before, argument)
        assert_same_results(result, run_transform(name, {**args, argument: arr.astype(float)}), f"int {argument}")
    mask = rng.integers(0, 2, 60).astype(bool)
    assert_same_results(run_transform(name, {**args, "x": mask}), run_transform(name, {**args, "x": mask * 1.0}),
                        "bool x")


@pytest.mark.parametrize("name", TRANSFORMS)
def test_float32_big_endian_stays_single_precision(rng, name):
    x = rng.standard_normal(60).astype(np.float32)
    result = call_transform(name, x.astype(">f4"), positions=POSITIONS * 0.5)
    assert_same_results(result, call_transform(name, x, positions=POSITIONS * 0.5), "big-endian float32 x")


def test_real_cotangent_is_a_complex_one_with_zero_imaginary_part(rng):
    args = transform_arguments(rng)
    real = args["grad_S"].real.copy()
    assert_same_results(run_transform("stft_vjp", {**args, "grad_S": real}),
                        run_transform("stft_vjp", {**args, "grad_S": real + 0j}), "real grad_S")


# --- the memory limit: a clear error before anything large is allocated ---

def peak_bytes(func):
    """Peak traced allocation while `func` runs (numpy registers its buffers with tracemalloc)."""
    tracemalloc.start()
    try:
        func()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


MEMORY_CASES = [
    # (id, call, bytes the call would need at least)
    ("stft-frames", lambda: dstft_np.stft(np.ones(100), 8.0, np.arange(20000.0), n_fft=4096),
     20000 * 4096 * 8),
    ("stft_partials-per-bin", lambda: dstft_np.stft_partials(np.ones(100), np.linspace(2.0, 8.0, 2049)[:, None],
                                                              np.arange(20000.0), n_fft=4096),
     2049 * 20000 * 16),
    ("stft_vjp-frames", lambda: dstft_np.stft_vjp(np.ones(100), 8.0, np.arange(20000.0),
                                                   np.zeros((2049, 1)), n_fft=4096), 20000 * 4096 * 8),
    ("stft-batch-copy-of-x", lambda: dstft_np.stft(np.ones(100000), 8.0, np.zeros((2000, 1)), n_fft=N_FFT),
     2000 * 100000 * 8),
    ("frame_positions", lambda: dstft_np.frame_positions(10**9, 1), 10**9 * 8),
    ("frame_positions-tiny-hop", lambda: dstft_np.frame_positions(1000, 1e-300), 10**300),
]


@pytest.mark.parametrize("case, func, needed", MEMORY_CASES, ids=[c[0] for c in MEMORY_CASES])
def test_memory_limit_raises_before_allocating(memory_limit, case, func, needed):
    limit = 10 * 2**20
    dstft_np.set_memory_limit(limit)
    assert needed > 10 * limit

    def expect_error():
        with pytest.raises(ValueError, match=r"would need .* MiB, above the memory limit of 10 MiB"):
            func()

    peak = peak_bytes(expect_error)
    assert peak < limit / 4, f"{case}: {peak} bytes allocated before the error"


def test_memory_limit_is_settable_and_restorable(memory_limit):
    original = dstft_np.get_memory_limit()
    assert dstft_np.set_memory_limit(2**20) == original
    assert dstft_np.get_memory_limit() == 2**20
    with pytest.raises(ValueError, match=r"above the memory limit of 1 MiB"):
        dstft_np.stft(np.ones(100), 8.0, np.arange(1000.0), n_fft=512)
    assert dstft_np.set_memory_limit(original) == 2**20
    assert dstft_np.stft(np.ones(100), 8.0, np.arange(1000.0), n_fft=512).shape == (257, 1000)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), (np.nan, ValueError),
                                        ("1 GiB", TypeError), (True, TypeError), (None, TypeError)])
def test_set_memory_limit_rejects(memory_limit, bad, error):
    with pytest.raises(error, match=r"memory limit must be a positive number of bytes"):
        dstft_np.set_memory_limit(bad)


# --- window ---

WINDOW_CASES = [
    ("u-nan", {"u": [0.0, np.nan]}, ValueError, r"u must be finite"),
    ("u-inf", {"u": [np.inf]}, ValueError, r"u must be finite"),
    ("u-complex", {"u": [1j]}, TypeError, r"u must be real, got complex"),
    ("u-strings", {"u": ["a"]}, TypeError, r"u must be a real numeric array"),
    ("theta-zero", {"win_length": 0.0}, ValueError, r"win_length must be in \(0, n_fft=16\], got 0\.0"),
    ("theta-negative", {"win_length": -1}, ValueError, r"win_length must be in \(0, n_fft=16\], got -1"),
    ("theta-above-n_fft", {"win_length": 16.01}, ValueError, r"win_length must be in \(0, n_fft=16\], got 16\.01"),
    ("theta-nan", {"win_length": np.nan}, ValueError, r"win_length must be finite"),
    ("theta-inf", {"win_length": np.inf}, ValueError, r"win_length must be finite"),
    ("theta-complex", {"win_length": 4 + 1j}, TypeError, r"win_length must be a real number"),
    ("theta-array", {"win_length": np.array([4.0, 5.0])}, TypeError, r"win_length must be a real number"),
    ("theta-string", {"win_length": "4"}, TypeError, r"win_length must be a real number"),
    ("n_fft-odd", {"n_fft": 17}, ValueError, r"n_fft must be an even integer >= 2, got 17"),
    ("n_fft-zero", {"n_fft": 0}, ValueError, r"n_fft must be an even integer >= 2, got 0"),
    ("n_fft-float", {"n_fft": 16.5}, TypeError, r"n_fft must be an even integer >= 2, got 16\.5"),
    ("window-unknown", {"window": "kaiser"}, ValueError, rf"window must be one of {WINDOW_CHOICES}"),
    ("norm-unknown", {"norm": "peak"}, ValueError, r"norm must be one of 'area', None"),
    ("derivative-unknown", {"derivative": "theta"}, ValueError,
     r"derivative must be one of None, 'win_length', 'offset'; got 'theta'"),
]


@pytest.mark.parametrize("case, overrides, error, match", WINDOW_CASES, ids=[c[0] for c in WINDOW_CASES])
def test_window_rejects(case, overrides, error, match):
    args = {"u": np.arange(-8.0, 9.0), "win_length": 10.0, "n_fft": N_FFT, **overrides}
    u = args.pop("u")
    win_length = args.pop("win_length")
    with pytest.raises(error, match=match):
        dstft_np.window(u, win_length, **args)


def test_window_accepts_any_layout_and_never_modifies_it(rng):
    u = rng.uniform(-9.0, 9.0, (3, 7))
    for derivative in (None, "win_length", "offset"):
        expected = dstft_np.window(u, 10.5, n_fft=N_FFT, derivative=derivative)
        for label, arr in layouts(u) + [("integer", np.arange(-8, 9))]:
            before = snapshot(arr)
            result = dstft_np.window(arr, 10.5, n_fft=N_FFT, derivative=derivative)
            assert_untouched(arr, before, f"u ({label})")
            reference = expected if label != "integer" else dstft_np.window(
                np.arange(-8.0, 9.0), 10.5, n_fft=N_FFT, derivative=derivative)
            assert_same_results(result, reference, f"window u {label}, {derivative=}")


# --- positions ---

FRAME_POSITION_CASES = [
    ("n_samples-zero", (0, 4), ValueError, r"n_samples must be an integer >= 1, got 0"),
    ("n_samples-negative", (-10, 4), ValueError, r"n_samples must be an integer >= 1, got -10"),
    ("n_samples-float", (100.0, 4), TypeError, r"n_samples must be an integer >= 1, got 100\.0"),
    ("n_samples-fraction", (10.5, 4), TypeError, r"n_samples must be an integer >= 1, got 10\.5"),
    ("n_samples-bool", (True, 4), TypeError, r"n_samples must be an integer >= 1, got True"),
    ("hop-zero", (100, 0), ValueError, r"hop_length must be a positive finite number of samples, got 0"),
    ("hop-negative", (100, -2.5), ValueError, r"hop_length must be a positive finite number of samples, got -2\.5"),
    ("hop-nan", (100, np.nan), ValueError, r"hop_length must be finite"),
    ("hop-inf", (100, np.inf), ValueError, r"hop_length must be finite"),
    ("hop-complex", (100, 4j), TypeError, r"hop_length must be a real number"),
    ("hop-string", (100, "4"), TypeError, r"hop_length must be a real number"),
    ("hop-bool", (100, True), TypeError, r"hop_length must be a real number"),
    ("hop-array", (100, np.array([4, 5])), TypeError, r"hop_length must be a real number"),
]


@pytest.mark.parametrize("case, args, error, match", FRAME_POSITION_CASES, ids=[c[0] for c in FRAME_POSITION_CASES])
def test_frame_positions_rejects(case, args, error, match):
    with pytest.raises(error, match=match):
        dstft_np.frame_positions(*args)


HOPS_CASES = [
    ("hops-nan", ([4.0, np.nan], 0.0), ValueError, r"hops must be finite"),
    ("hops-inf", ([np.inf], 0.0), ValueError, r"hops must be finite"),
    ("hops-zero", ([4.0, 0.0], 0.0), ValueError, r"hops must be > 0, got 0\.0"),
    ("hops-negative", ([-1.5], 0.0), ValueError, r"hops must be > 0, got -1\.5"),
    ("hops-0d", (4.0, 0.0), ValueError, r"hops must have shape \(\.\.\., T-1\), got a 0-d array"),
    ("hops-complex", ([4.0 + 1j], 0.0), TypeError, r"hops must be real, got complex"),
    ("hops-strings", (["4"], 0.0), TypeError, r"hops must be a real numeric array"),
    ("t0-nan", ([4.0], np.nan), ValueError, r"t0 must be finite"),
    ("t0-inf", ([4.0], -np.inf), ValueError, r"t0 must be finite"),
    ("t0-complex", ([4.0], 1j), TypeError, r"t0 must be a real number"),
    ("t0-string", ([4.0], "0"), TypeError, r"t0 must be a real number"),
    ("t0-array", ([4.0], np.array([0.0, 1.0])), TypeError, r"t0 must be a real number"),
]


@pytest.mark.parametrize("case, args, error, match", HOPS_CASES, ids=[c[0] for c in HOPS_CASES])
def test_positions_from_hops_rejects(case, args, error, match):
    with pytest.raises(error, match=match):
        dstft_np.positions_from_hops(*args)


GRAD_POSITION_CASES = [
    ("nan", [1.0, np.nan], ValueError, r"grad_positions must be finite"),
    ("inf", [np.inf, 1.0], ValueError, r"grad_positions must be finite"),
    ("0d", 1.0, ValueError, r"grad_positions must have shape \(\.\.\., T\), got a 0-d array"),
    ("no-frames", np.zeros((2, 0)), ValueError, r"grad_positions must hold at least one frame"),
    ("complex", [1.0 + 1j], TypeError, r"grad_positions must be real, got complex"),
    ("strings", ["a"], TypeError, r"grad_positions must be a real numeric array"),
]


@pytest.mark.parametrize("case, grad, error, match", GRAD_POSITION_CASES, ids=[c[0] for c in GRAD_POSITION_CASES])
@pytest.mark.parametrize("func", (dstft_np.positions_from_hops_vjp, dstft_np.frame_positions_vjp))
def test_hop_vjps_reject(case, grad, error, match, func):
    with pytest.raises(error, match=match):
        func(grad)


@pytest.mark.parametrize("func", (dstft_np.positions_from_hops, dstft_np.positions_from_hops_vjp,
                                  dstft_np.frame_positions_vjp))
def test_positions_accept_any_layout_and_never_modify_it(rng, func):
    values = rng.uniform(0.5, 10.0, (3, 6))
    assert_accepts_layouts(func, values, func(values), func.__name__)
    integer = rng.integers(1, 10, (3, 6))
    assert_same_results(func(integer), func(integer.astype(float)), f"{func.__name__}: integer")
