"""Bad input to stft, stft_partials and stft_vjp: a clear error, never a Numba traceback or a silent NaN.

Each case pins the exception type and a message that names the argument
and its allowed range. Legal but unusual layouts (integer, strided,
Fortran-order, negative strides, read-only, big-endian) are accepted, left
bit-identical, and give the results of the plain contiguous float array.
"""

import numpy as np
import pytest

import dstft_np

from .inputs import WINDOW_CHOICES, assert_same_results, assert_untouched, layouts, snapshot, with_value

N_FFT = 16
N_BINS = N_FFT // 2 + 1
THETA = 12.5
POSITIONS = np.array([10.0, 40.5, 70.25])
N_FRAMES = POSITIONS.size
TRANSFORMS = ("stft", "stft_partials", "stft_vjp")


@pytest.fixture
def signal(rng):
    return rng.standard_normal(100)


def call_transform(name, x, win_length=THETA, positions=POSITIONS, *, grad_S=None, n_fft=N_FFT,
                   **options):
    """stft, stft_partials or stft_vjp; the VJP gets a ones cotangent of the default S shape."""
    func = getattr(dstft_np, name)
    if name != "stft_vjp":
        return func(x, win_length, positions, n_fft=n_fft, **options)
    if grad_S is None:
        grad_S = np.ones((N_BINS, N_FRAMES), dtype=complex)
    return func(x, win_length, positions, grad_S, n_fft=n_fft, **options)


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

