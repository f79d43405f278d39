"""Losses and regularisers: values against the plain sums of tests/naive.py, gradients by central differences.

Finite differences: step ε = 1e-5 on O(1) inputs in float64, so truncation
(ε² ≈ 1e-10) and rounding (1e-16/ε ≈ 1e-11) stay well below the tolerance
rtol = 1e-6.
"""

import doctest
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dstft_np import losses

from . import naive
from .gradcheck import assert_gradient
from .grids import SETTINGS
from .inputs import assert_accepts_layouts, assert_same_results, expect, with_value
from .tolerance import assert_close

STEP = 1e-5
RTOL = 1e-6
SHAPE = (2, 9, 7)   # a batch of two (F, T) spectrograms


def spectrogram_losses():
    """(label, function of Y, plain-sum reference) for every loss and option."""
    cases = []
    for per_frame in (False, True):
        cases.append((f"shannon per_frame={per_frame}",
                      lambda Y, pf=per_frame: losses.shannon_entropy(Y, per_frame=pf),
                      lambda Y, pf=per_frame: naive.shannon_entropy(Y, pf)))
        cases.append((f"kurtosis per_frame={per_frame}",
                      lambda Y, pf=per_frame: losses.kurtosis(Y, per_frame=pf),
                      lambda Y, pf=per_frame: naive.negative_kurtosis(Y, pf)))
        for alpha in (0.5, 2.0, 3.0):
            cases.append((f"renyi alpha={alpha} per_frame={per_frame}",
                          lambda Y, a=alpha, pf=per_frame: losses.renyi_entropy(Y, a, per_frame=pf),
                          lambda Y, a=alpha, pf=per_frame: naive.renyi_entropy(Y, a, pf)))
    cases.append(("frame_entropy", losses.frame_entropy, lambda Y: naive.shannon_entropy(Y, per_frame=True)))
    cases.append(("bin_entropy", losses.bin_entropy, naive.bin_entropy))
    return cases


LOSS_CASES = spectrogram_losses()
LOSS_IDS = [label for label, _, _ in LOSS_CASES]


@pytest.mark.parametrize("label, loss, reference", LOSS_CASES, ids=LOSS_IDS)
def test_loss_value_matches_plain_sums(rng, label, loss, reference):
    Y = rng.uniform(0.05, 2.0, SHAPE)
    value, _ = loss(Y)
    np.testing.assert_allclose(value, reference(Y), rtol=1e-12, atol=0, err_msg=label)


@pytest.mark.parametrize("label, loss, reference", LOSS_CASES, ids=LOSS_IDS)
def test_loss_gradient_matches_central_differences(rng, label, loss, reference):
    Y = rng.uniform(0.05, 2.0, SHAPE)
    _, dL_dY = loss(Y)
    coordinates = rng.choice(Y.size, 12, replace=False)
    assert_gradient(lambda y: loss(y)[0], Y, dL_dY, rng, step=STEP, rtol=RTOL,
                    coordinates=coordinates, what=label)


@pytest.mark.parametrize("label, loss, reference", LOSS_CASES, ids=LOSS_IDS)
def test_zero_entries_and_silent_frames_give_finite_values(rng, label, loss, reference):
    """0·log 0 = 0: zero cells add nothing; an all-zero frame or spectrogram is not NaN."""
    Y = rng.uniform(0.05, 2.0, SHAPE)
    Y[0, 3, :] = 0.0        # a zero bin in every frame
    Y[1, :, 2] = 0.0        # a silent frame
    value, dL_dY = loss(Y)
    assert np.all(np.isfinite(dL_dY)), label
    np.testing.assert_allclose(value, reference(Y), rtol=1e-12, atol=0, err_msg=label)
    silent_value, silent_grad = loss(np.zeros(SHAPE))
    assert silent_value == 0.0 and not np.any(silent_grad), label


@pytest.mark.parametrize("per_frame", [False, True])
def test_entropy_is_lowest_for_a_single_peak(per_frame):
    """A spike has H = 0; the uniform spectrogram has H = log(number of cells)."""
    spike = np.zeros((8, 4))
    if per_frame:
        spike[3, :] = 1.0
    else:
        spike[3, 2] = 1.0
    uniform = np.ones((8, 4))
    assert losses.shannon_entropy(spike, per_frame=per_frame)[0] == 0.0
    cells = 8 if per_frame else 32
    np.testing.assert_allclose(losses.shannon_entropy(uniform, per_frame=per_frame)[0], np.log(cells),
                               rtol=1e-14, atol=0)
    assert losses.kurtosis(spike, per_frame=per_frame)[0] < losses.kurtosis(uniform, per_frame=per_frame)[0]


@pytest.mark.parametrize("p", [0.5, 1.0, 2.0, 3.0])
def test_magnitude_vjp_matches_central_differences(rng, p):
    """G = ∂L/∂Re S + j ∂L/∂Im S for L = Σ w·|S|^p, by differences in Re and in Im."""
    S = rng.standard_normal((5, 4)) + 1j * rng.standard_normal((5, 4))
    weights = rng.standard_normal((5, 4))
    G = losses.magnitude_vjp(S, weights, p)
    re_im = np.stack([S.real, S.imag])

    def loss(z):
        return float(np.sum(weights * losses.magnitude(z[0] + 1j * z[1], p)))

    grad = np.stack([G.real, G.imag])
    assert_gradient(loss, re_im, grad, rng, step=STEP, rtol=RTOL, what=f"|S|^{p}")


@pytest.mark.parametrize("p", [0.5, 1.0, 2.0])
def test_magnitude_vjp_at_zero_is_zero_not_nan(p):
    S = np.array([[0j, 1e-300 + 0j, 3 + 4j]])
    G = losses.magnitude_vjp(S, np.ones(S.shape), p)
    assert np.all(np.isfinite(G))
    assert G[0, 0] == 0
    np.testing.assert_allclose(G[0, 2], p * 5.0 ** (p - 1) * (0.6 + 0.8j), rtol=1e-14, atol=0)


@pytest.mark.parametrize("shape", [(), (7,), (6, 1), (6, 7)])
def test_smoothness_value_and_gradient(rng, shape):
    theta = rng.uniform(50.0, 250.0, shape)
    value, grad = losses.smoothness(theta, scale=256.0)
    assert grad.shape == shape
    np.testing.assert_allclose(value, naive.smoothness(theta, 256.0), rtol=1e-12, atol=1e-300,
                               err_msg=f"shape {shape}")
    if theta.size > 1:
        assert_gradient(lambda w: losses.smoothness(w, scale=256.0)[0], theta, grad, rng,
                        step=1e-3, rtol=RTOL, what=f"smoothness {shape}")


def test_smoothness_is_zero_on_a_constant_map():
    value, grad = losses.smoothness(np.full((4, 5), 123.4))
    assert value == 0.0 and not np.any(grad)


COVERAGE_THETAS = {
    "scalar": lambda rng, T: 41.3,
    "per-frame": lambda rng, T: rng.uniform(20.0, 60.0, T),
    "per-bin": lambda rng, T: rng.uniform(20.0, 60.0, (5, 1)),
    "per-cell": lambda rng, T: rng.uniform(20.0, 60.0, (5, T)),
}


@pytest.mark.parametrize("theta_case", list(COVERAGE_THETAS))
def test_coverage_value_and_gradients(rng, theta_case):
    """Gaps of a few samples between some windows and at both ends; differences of width 1e-3."""
    positions = np.cumsum(rng.uniform(8.0, 30.0, 10)) + 3.7
    n_samples = int(positions[-1]) + 15
    theta = COVERAGE_THETAS[theta_case](rng, positions.size)
    value, grad_pos, grad_win = losses.coverage(positions, theta, n_samples, reach=0.5, scale=64.0)
    rows = np.broadcast_to(np.atleast_2d(theta), (np.atleast_2d(theta).shape[0], positions.size))
    reference = naive.coverage(positions, rows, n_samples, 0.5, 64.0)
    assert reference > 0, "the test point must have gaps"
    np.testing.assert_allclose(value, reference, rtol=1e-12, atol=0, err_msg=theta_case)
    assert grad_win.shape == np.shape(theta)

    def of_positions(t):
        return losses.coverage(t, theta, n_samples, reach=0.5, scale=64.0)[0]

    def of_theta(w):
        return losses.coverage(positions, w, n_samples, reach=0.5, scale=64.0)[0]

    assert_gradient(of_positions, positions, grad_pos, rng, step=1e-4, rtol=RTOL, what=f"{theta_case} positions")
    assert_gradient(of_theta, np.asarray(theta, dtype=float), grad_win, rng, step=1e-4, rtol=RTOL,
                    what=f"{theta_case} win_length")


def test_coverage_penalises_frames_off_the_signal(rng):
    """Frame centres before 0 and after K: the overrun terms, by value and central differences."""
    positions = np.array([-6.3, 20.2, 45.9, 80.7])
    theta = np.array([80.5, 70.1, 75.3, 90.2])          # wide enough that no sample is left uncovered
    value, grad_pos, grad_win = losses.coverage(positions, theta, 70, scale=10.0)
    np.testing.assert_allclose(value, (6.3**2 + 10.7**2) / 100, rtol=1e-12, atol=0)
    np.testing.assert_allclose(value, naive.coverage(positions, theta[None], 70, 0.5, 10.0), rtol=1e-12, atol=0)
    assert not np.any(grad_win), "windows do not change an overrun"
    assert_gradient(lambda t: losses.coverage(t, theta, 70, scale=10.0)[0], positions, grad_pos, rng,
                    step=1e-4, rtol=RTOL, what="overrun positions")


def test_coverage_is_zero_when_windows_overlap_and_reach_the_ends():
    positions = np.arange(0.0, 1001.0, 100.0)
    # reach 1/2 of θ = 400 covers ±100 around each centre: exactly touching, still zero
    for theta, reach in ((400.0, 0.5), (800.0, 0.5), (200.0, 1.0)):
        assert losses.coverage(positions, theta, 1001, reach=reach)[0] == 0.0
    value, grad_pos, grad_win = losses.coverage(positions, 150.0, 1001)   # gaps of 25 samples
    np.testing.assert_allclose(value, 10 * 25.0**2, rtol=1e-14, atol=0)
    assert grad_win < 0, "longer windows must close the gaps"


def test_coverage_penalises_a_signal_end_left_uncovered():
    """Windows that overlap each other but stop 50 samples before the last sample."""
    value, grad_pos, _ = losses.coverage([0.0, 100.0, 200.0], 400.0, 351)
    np.testing.assert_allclose(value, 50.0**2, rtol=1e-14, atol=0)
    assert grad_pos[-1] < 0 and not np.any(grad_pos[:-1])


def test_get_loss_names_and_unknown_name():
    assert losses.get_loss("entropy") is losses.shannon_entropy
    assert losses.get_loss("frame-entropy") is losses.frame_entropy
    assert losses.get_loss("bin-entropy") is losses.bin_entropy
    assert losses.get_loss("renyi") is losses.renyi_entropy
    assert losses.get_loss("kurtosis") is losses.kurtosis
    with pytest.raises(ValueError, match="loss must be one of 'entropy', 'frame-entropy', 'bin-entropy', 'renyi', 'kurtosis'"):
        losses.get_loss("variance")


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="Y must be >= 0"):
        losses.shannon_entropy(-np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"Y must have shape \(\.\.\., F, T\)"):
        losses.kurtosis(np.ones(5))
    with pytest.raises(ValueError, match="Y must be finite"):
        losses.shannon_entropy(np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="alpha must be != 1"):
        losses.renyi_entropy(np.ones((2, 2)), alpha=1.0)
    with pytest.raises(ValueError, match="p must be a positive finite number"):
        losses.magnitude(np.ones((2, 2)), p=0)
    with pytest.raises(ValueError, match=r"reach must be in \(0, 1\]"):
        losses.coverage([0.0, 1.0], 2.0, 3, reach=1.5)
    with pytest.raises(ValueError, match="win_length must have at most two axes"):
        losses.smoothness(np.ones((2, 2, 2)))


def test_docstring_examples_run():
    failures, attempted = doctest.testmod(losses, globs={})
    assert attempted > 0 and failures == 0


# ---------------------------------------------------------------- bad input

SPECTROGRAM_LOSSES = ("shannon_entropy", "renyi_entropy", "kurtosis")

BAD_Y_CASES = [
    ("nan", with_value(np.ones((3, 4)), (1, 1), np.nan), ValueError, r"Y must be finite"),
    ("inf", np.full((3, 4), np.inf), ValueError, r"Y must be finite"),
    ("negative", with_value(np.ones((3, 4)), (0, 2), -0.5), ValueError, r"Y must be >= 0 .*got -0\.5"),
    ("complex", np.ones((3, 4)) + 0j, TypeError, r"Y must be real, got complex"),
    ("strings", np.full((3, 4), "a"), TypeError, r"Y must be a real numeric array, got dtype <U1"),
    ("objects", np.full((3, 4), None), TypeError, r"Y must be a real numeric array, got dtype object"),
    ("ragged", [[1.0], [1.0, 2.0]], TypeError, r"Y must be a real numeric array, got list"),
    ("0d", 1.0, ValueError, r"Y must have shape \(\.\.\., F, T\) with F, T >= 1, got \(\)"),
    ("1d", np.ones(5), ValueError, r"Y must have shape \(\.\.\., F, T\) with F, T >= 1, got \(5,\)"),
    ("empty", np.zeros((0, 5)), ValueError, r"Y must have shape \(\.\.\., F, T\) with F, T >= 1, got \(0, 5\)"),
    # subnormal Y: the gradient ~ 1/ΣY exceeds float64; an error, not inf
    ("gradient-overflows", np.array([[1e-320, 5e-321], [0.0, 2e-321]]), ValueError,
     r"dL_dY overflowed float64 although every input is finite.*scale Y up"),
]


@pytest.mark.parametrize("case, Y, error, match", BAD_Y_CASES, ids=[c[0] for c in BAD_Y_CASES])
@pytest.mark.parametrize("name", SPECTROGRAM_LOSSES)
def test_spectrogram_losses_reject(name, case, Y, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect(error, match, lambda: getattr(losses, name)(Y))


@pytest.mark.parametrize("name", SPECTROGRAM_LOSSES)
def test_per_frame_must_be_a_bool(name):
    expect(TypeError, r"per_frame must be True or False, got 'yes'",
           lambda: getattr(losses, name)(np.ones((3, 4)), per_frame="yes"))


OTHER_LOSS_CASES = [
    ("renyi-alpha-nan", lambda: losses.renyi_entropy(np.ones((2, 2)), alpha=np.nan), ValueError,
     r"alpha must be finite"),
    ("renyi-alpha-zero", lambda: losses.renyi_entropy(np.ones((2, 2)), alpha=0), ValueError,
     r"alpha must be a positive finite number, got 0\.0"),
    ("renyi-alpha-string", lambda: losses.renyi_entropy(np.ones((2, 2)), alpha="3"), TypeError,
     r"alpha must be a real number, got '3'"),
    ("magnitude-S-nan", lambda: losses.magnitude(np.full((2, 2), np.nan)), ValueError, r"S must be finite"),
    ("magnitude-S-strings", lambda: losses.magnitude(np.full((2, 2), "a")), TypeError,
     r"S must be a numeric \(complex\) array"),
    ("magnitude-p-complex", lambda: losses.magnitude(np.ones((2, 2)), p=1j), TypeError, r"p must be a real number"),
    ("magnitude-p-negative", lambda: losses.magnitude(np.ones((2, 2)), p=-1), ValueError,
     r"p must be a positive finite number"),
    ("magnitude_vjp-shape", lambda: losses.magnitude_vjp(np.ones((2, 3)), np.ones((3, 2))), ValueError,
     r"dL_dY must have the shape of S, \(2, 3\), got \(3, 2\)"),
    ("magnitude_vjp-dL-nan", lambda: losses.magnitude_vjp(np.ones((2, 2)), np.full((2, 2), np.nan)), ValueError,
     r"dL_dY must be finite"),
    ("magnitude_vjp-dL-complex", lambda: losses.magnitude_vjp(np.ones((2, 2)), np.ones((2, 2)) * 1j), TypeError,
     r"dL_dY must be real, got complex"),
    ("magnitude_vjp-dL-strings", lambda: losses.magnitude_vjp(np.ones((2, 2)), np.full((2, 2), "a")), TypeError,
     r"dL_dY must be a real numeric array"),
    ("magnitude_vjp-S-inf", lambda: losses.magnitude_vjp(np.full((2, 2), np.inf), np.ones((2, 2))), ValueError,
     r"S must be finite"),
    ("magnitude_vjp-overflow", lambda: losses.magnitude_vjp(np.full((1, 1), 1e200), np.ones((1, 1)), p=3),
     ValueError, r"G overflowed .* although every input is finite"),
    ("smoothness-nan", lambda: losses.smoothness([1.0, np.nan]), ValueError, r"win_length must be finite"),
    ("smoothness-complex", lambda: losses.smoothness([1.0, 1j]), TypeError, r"win_length must be real"),
    ("smoothness-3d", lambda: losses.smoothness(np.ones((2, 2, 2))), ValueError,
     r"win_length must have at most two axes"),
    ("smoothness-scale-zero", lambda: losses.smoothness([1.0, 2.0], scale=0), ValueError,
     r"scale must be a positive finite number"),
    ("coverage-positions-nan", lambda: losses.coverage([0.0, np.nan], 12.0, 20), ValueError,
     r"positions must be finite"),
    ("coverage-positions-complex", lambda: losses.coverage([0.0, 1j], 12.0, 20), TypeError,
     r"positions must be real, got complex"),
    ("coverage-positions-strings", lambda: losses.coverage(["a", "b"], 12.0, 20), TypeError,
     r"positions must be a real numeric array"),
    ("coverage-positions-2d", lambda: losses.coverage(np.zeros((2, 2)), 12.0, 20), ValueError,
     r"positions must have shape \(T,\) with T >= 1, got \(2, 2\)"),
    ("coverage-theta-negative", lambda: losses.coverage([0.0, 10.0], -12.0, 20), ValueError,
     r"win_length must be > 0, got -12\.0"),
    ("coverage-theta-string", lambda: losses.coverage([0.0, 10.0], "12", 20), TypeError,
     r"win_length must be a real numeric array"),
    ("coverage-theta-shape", lambda: losses.coverage([0.0, 10.0], np.ones(3), 20), ValueError,
     r"win_length of shape \(3,\) does not broadcast to \(R, T=2\)"),
    ("coverage-n_samples-zero", lambda: losses.coverage([0.0, 10.0], 12.0, 0), ValueError,
     r"n_samples must be an integer >= 1, got 0"),
    ("coverage-n_samples-float", lambda: losses.coverage([0.0, 10.0], 12.0, 20.0), TypeError,
     r"n_samples must be an integer >= 1, got 20\.0"),
    ("coverage-reach", lambda: losses.coverage([0.0, 10.0], 12.0, 20, reach=1.5), ValueError,
     r"reach must be in \(0, 1\]"),
    ("get_loss-unknown", lambda: losses.get_loss("l2"), ValueError,
     r"loss must be one of 'entropy', 'frame-entropy', 'bin-entropy', 'renyi', 'kurtosis'; got 'l2'"),
    ("get_loss-None", lambda: losses.get_loss(None), ValueError, r"loss must be one of .*; got None"),
]


@pytest.mark.parametrize("case, call, error, match", OTHER_LOSS_CASES, ids=[c[0] for c in OTHER_LOSS_CASES])
def test_other_losses_reject(case, call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect(error, match, call)


def test_losses_accept_any_layout_and_never_modify_it(rng):
    Y = rng.uniform(0.0, 2.0, (2, 5, 7))
    for name in SPECTROGRAM_LOSSES:
        def func(arr, loss=getattr(losses, name)):
            return tuple(np.asarray(result) for result in loss(arr))   # (value as a 0-d array, dL_dY)

        assert_accepts_layouts(func, Y, func(Y), f"{name}: Y")
        counts = rng.integers(0, 9, (5, 7))
        assert_same_results(func(counts), func(counts.astype(float)), f"{name}: integer Y")
    S = rng.standard_normal((5, 7)) + 1j * rng.standard_normal((5, 7))
    dL_dY = rng.standard_normal((5, 7))
    assert_accepts_layouts(lambda arr: losses.magnitude_vjp(arr, dL_dY, p=2.0), S,
                           losses.magnitude_vjp(S, dL_dY, p=2.0), "magnitude_vjp: S")


# ---------------------------------------------------------------- property (hypothesis): scale invariance

@st.composite
def spectrograms(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = draw(st.sampled_from([(), (2,)])) + (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    Y = rng.uniform(0.0, 1.0, shape) ** draw(st.sampled_from([1, 4]))   # some spectra peaky
    Y[rng.uniform(size=shape) < draw(st.sampled_from([0.0, 0.3]))] = 0.0      # exact zeros, silent frames
    return Y


LOSSES = {
    "shannon": losses.shannon_entropy,
    "renyi-0.5": lambda Y, per_frame: losses.renyi_entropy(Y, 0.5, per_frame=per_frame),
    "renyi-3": lambda Y, per_frame: losses.renyi_entropy(Y, 3.0, per_frame=per_frame),
    "kurtosis": losses.kurtosis,
}


@SETTINGS
@given(Y=spectrograms(), name=st.sampled_from(sorted(LOSSES)), per_frame=st.booleans(),
       log_scale=st.floats(-200, 200))
def test_losses_are_scale_invariant_and_their_gradients_orthogonal_to_Y(Y, name, per_frame, log_scale):
    """L(cY) = L(Y) and ∂L/∂Y(cY) = ∂L/∂Y(Y) / c for c = 10^±200, and in every group (a frame, or the
    whole spectrogram) Σ_i Y_i ∂L/∂Y_i = 0, Euler's identity for a function of degree 0.

    Each output is a sum of M = F·T terms; tolerance 8 M eps of the sum of |terms|. The entropy is
    computed as log s - Σ Y log Y / s and its gradient as (log s - H - log Y)/s (s = ΣY): parts of
    size |log c| + |log Y| + |log s| that cancel, so that size (over s for the gradient) enters the
    scale. For the Euler sum the terms Y_i ∂L/∂Y_i are themselves differences of parts that add up
    to about 4 |L| of the group (4κ for the kurtosis), which enters too.
    """
    loss = LOSSES[name]
    c = 10.0**log_scale
    value, grad = loss(Y, per_frame=per_frame)
    scaled_value, scaled_grad = loss(c * Y, per_frame=per_frame)
    eps, M = np.finfo(np.float64).eps, Y.shape[-1] * Y.shape[-2]
    what = f"{name}, per_frame={per_frame}, Y {Y.shape}, c = 1e{log_scale:.1f}"
    axes = (-2,) if per_frame else (-2, -1)
    sums = np.sum(Y, axis=axes)
    logs = 1.0 + abs(log_scale) * np.log(10) + np.max(np.abs(np.log(Y[Y > 0])), initial=0.0) \
        + np.max(np.abs(np.log(sums[sums > 0])), initial=0.0)
    smallest_sum = np.min(sums[sums > 0], initial=1.0)
    assert abs(scaled_value - value) <= 8 * M * eps * (abs(value) + logs), what
    assert_close(scaled_grad * c, grad, 8 * M * eps, f"∂L/∂Y scales like 1/c: {what}",
                 scale=np.max(np.abs(grad)) + logs / smallest_sum)
    euler = np.sum(Y * grad, axis=axes)
    n_groups = euler.size
    bound = 8 * M * eps * (np.sum(np.abs(Y * grad), axis=axes) + 4 * max(1.0, abs(value) * n_groups))
    assert np.all(np.abs(euler) <= bound), f"Σ Y ∂L/∂Y = {euler} per group: {what}"


# ---------------------------------------------------------------- edge cases: silence, constants, Y near the float64 maximum

@pytest.mark.parametrize("per_frame", (False, True))
@pytest.mark.parametrize("name", ("shannon_entropy", "renyi_entropy", "kurtosis"))
def test_losses_of_all_zero_spectrograms_are_zero_with_zero_gradient(name, per_frame):
    """The documented convention for silence: value 0, gradient 0, no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = getattr(losses, name)(np.zeros((2, 5, 4)), per_frame=per_frame)
    assert value == 0.0 and grad.shape == (2, 5, 4) and np.all(grad == 0)


@pytest.mark.parametrize("per_frame", (False, True))
def test_losses_of_a_constant_spectrogram_are_their_closed_forms(per_frame):
    """Y = 3 everywhere on (F, T) = (5, 4): H = H_α = log M (M cells per group), κ = 1, gradients 0."""
    Y = np.full((5, 4), 3.0)
    group = 5 if per_frame else 20
    for name, expected in (("shannon_entropy", math.log(group)), ("renyi_entropy", math.log(group)),
                           ("kurtosis", -1.0)):
        value, grad = getattr(losses, name)(Y, per_frame=per_frame)
        assert value == pytest.approx(expected, rel=1e-15, abs=0), name
        np.testing.assert_allclose(grad, 0.0, rtol=0, atol=1e-15, err_msg=f"{name}: uniform is stationary")


@pytest.mark.parametrize("per_frame", (False, True))
@pytest.mark.parametrize("name", ("shannon_entropy", "renyi_entropy", "kurtosis"))
def test_losses_of_spectrograms_near_the_float64_maximum(name, per_frame):
    """Y up to 1e308, where ΣY and Σ Y log Y overflow: the value of Y / 1e300 (scale invariance), to
    1e-14, and finite gradients (was: ΣY = inf, P = 0 and H = 0 for the entropies)."""
    Y = np.array([[1e308, 5e307, 2e306], [1e307, 0.0, 3e307]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = getattr(losses, name)(Y, per_frame=per_frame)
    reference, _ = getattr(losses, name)(Y / 1e300, per_frame=per_frame)
    assert value == pytest.approx(reference, rel=1e-14, abs=1e-14) and abs(value) > 0.01
    assert np.all(np.isfinite(grad))
