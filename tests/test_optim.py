"""Adam and the plateau schedule against known minima and hand-computed steps."""

import doctest

import numpy as np
import pytest

import dstft_np
from dstft_np import optim
from dstft_np.optim import Adam, ReduceOnPlateau


def test_adam_reaches_the_argmin_of_a_bounded_quadratic(rng):
    """f = ½ Σ a_i (x_i - c_i)² + ½ ‖B - C‖² with x_2 <= 4 while c_2 = 5: the bound is active.

    The minimiser is known in closed form: x* = (3, -2, 4), B* = C.
    """
    curvature = np.array([1.0, 10.0, 0.1])
    centre = np.array([3.0, -2.0, 5.0])
    target = rng.standard_normal((2, 3))
    opt = Adam({"x": np.zeros(3), "B": np.zeros((2, 3))}, lr={"x": 0.5, "B": 0.2},
               bounds={"x": (None, [10.0, 10.0, 4.0])})
    schedule = ReduceOnPlateau(opt, factor=0.5, patience=20, min_lr=1e-6, threshold=0.0)
    for _ in range(3000):
        x, B = opt.params["x"], opt.params["B"]
        value = 0.5 * np.sum(curvature * (x - centre) ** 2) + 0.5 * np.sum((B - target) ** 2)
        opt.step({"x": curvature * (x - centre), "B": B - target})
        schedule.step(value)
    np.testing.assert_allclose(opt.params["x"], [3.0, -2.0, 4.0], rtol=0, atol=1e-4,
                               err_msg="bounded quadratic argmin")
    np.testing.assert_allclose(opt.params["B"], target, rtol=0, atol=1e-4, err_msg="unbounded block")
    assert opt.params["x"][2] == 4.0, "the active bound must hold exactly"


def test_first_steps_follow_the_bias_corrected_formula():
    """Step 1 is α·g/(|g| + ε); step 2 uses m̂ = (β1(1-β1) g1 + (1-β1) g2)/(1-β1²), likewise v̂."""
    lr, beta1, beta2, eps = 0.3, 0.9, 0.999, 1e-8
    opt = Adam({"w": np.array([1.0, -2.0])}, lr=lr, betas=(beta1, beta2), eps=eps)
    g1 = np.array([0.02, -500.0])
    opt.step({"w": g1})
    np.testing.assert_allclose(opt.params["w"], [1.0 - lr, -2.0 + lr], rtol=1e-6, atol=0,
                               err_msg="first step is lr long whatever the gradient scale")
    g2 = np.array([0.01, 100.0])
    m_hat = ((1 - beta1) * beta1 * g1 + (1 - beta1) * g2) / (1 - beta1**2)
    v_hat = ((1 - beta2) * beta2 * g1**2 + (1 - beta2) * g2**2) / (1 - beta2**2)
    after_first = np.array([1.0, -2.0]) - lr * g1 / (np.abs(g1) + eps)
    expected = after_first - lr * m_hat / (np.sqrt(v_hat) + eps)
    opt.step({"w": g2})
    np.testing.assert_allclose(opt.params["w"], expected, rtol=1e-12, atol=0, err_msg="second step")


def test_initial_values_are_projected_and_inputs_not_modified():
    start = np.array([-5.0, 0.5, 7.0])
    opt = Adam({"x": start}, bounds={"x": (0.0, 1.0)})
    np.testing.assert_array_equal(opt.params["x"], [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(start, [-5.0, 0.5, 7.0])


def test_plateau_schedule_reduces_after_patience_and_stops_at_min_lr():
    opt = Adam({"x": np.zeros(1)}, lr=1.0)
    schedule = ReduceOnPlateau(opt, factor=0.1, patience=3, min_lr=0.005)
    values = [5.0, 4.0, 4.0, 4.0, 4.0, 4.0, 3.0] + [3.0] * 8
    reduced = [schedule.step(v) for v in values]
    # improvements at steps 0, 1 and 6; the 4th non-improving step after one of them reduces
    expected = [False, False, False, False, False, True, False, False, False, False, True,
                False, False, False, True]
    assert reduced == expected
    assert opt.lr["x"] == 0.005, "1 → 0.1 → 0.01 → floor 0.005"


def test_relative_threshold_ignores_tiny_improvements():
    opt = Adam({"x": np.zeros(1)}, lr=1.0)
    schedule = ReduceOnPlateau(opt, factor=0.5, patience=0, threshold=1e-3)
    assert schedule.step(100.0) is False
    assert schedule.step(99.95) is True      # better by 5e-4 relative: not an improvement
    assert schedule.step(99.0) is False


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        Adam({"x": np.zeros(2)}, lr=-1.0)
    with pytest.raises(ValueError, match=r"betas must be in \[0, 1\)"):
        Adam({"x": np.zeros(2)}, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="bounds given for unknown parameters"):
        Adam({"x": np.zeros(2)}, bounds={"y": (0, 1)})
    with pytest.raises(ValueError, match="must satisfy low <= high"):
        Adam({"x": np.zeros(2)}, bounds={"x": (1, 0)})
    with pytest.raises(ValueError, match=r"params\['x'\] must be finite"):
        Adam({"x": [np.nan]})
    opt = Adam({"x": np.zeros(2)})
    with pytest.raises(ValueError, match=r"grads\['x'\] must have shape \(2,\)"):
        opt.step({"x": np.zeros(3)})
    with pytest.raises(ValueError, match=r"grads\['x'\] must be finite"):
        opt.step({"x": [np.inf, 0.0]})
    with pytest.raises(ValueError, match=r"factor must be in \(0, 1\)"):
        ReduceOnPlateau(opt, factor=1.5)
    with pytest.raises(TypeError, match="patience must be an integer >= 0"):
        ReduceOnPlateau(opt, patience=2.5)


def test_adam_is_exported():
    assert dstft_np.Adam is Adam


def test_docstring_examples_run():
    failures, attempted = doctest.testmod(optim, globs={})
    assert attempted > 0 and failures == 0
