"""minimize, Adam and the plateau schedule against known minima, dense grids and hand-computed steps."""

import doctest
import warnings

import numpy as np
import pytest

import dstft_np
from dstft_np import optim
from dstft_np.optim import Adam, FitInterrupted, ReduceOnPlateau, minimize

from .inputs import assert_accepts_layouts, assert_same_results, expect


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


class Function:
    """An objective for minimize from f(params) -> value and grad(params) -> dict; counts its calls."""

    def __init__(self, f, grad):
        self.f, self.grad, self.calls = f, grad, 0

    def value(self, params):
        self.calls += 1
        return self.f(params)

    def value_and_grad(self, params):
        self.calls += 1
        return self.f(params), self.grad(params)


def bounded_quadratic(target):
    """½ Σ a_i (x_i - c_i)² + ½ ‖B - C‖², minimised over x_2 <= 4 while c_2 = 5: x* = (3, -2, 4), B* = C."""
    curvature, centre = np.array([1.0, 10.0, 0.1]), np.array([3.0, -2.0, 5.0])
    return Function(
        lambda p: float(0.5 * np.sum(curvature * (p["x"] - centre) ** 2) + 0.5 * np.sum((p["B"] - target) ** 2)),
        lambda p: {"x": curvature * (p["x"] - centre), "B": p["B"] - target})


def test_lbfgsb_reaches_the_argmin_of_a_bounded_quadratic_and_says_so(rng):
    target = rng.standard_normal((2, 3))
    start = {"x": np.zeros(3), "B": np.zeros((2, 3))}
    objective = bounded_quadratic(target)
    history = minimize(objective, start, {"x": (-10.0, [10.0, 10.0, 4.0]), "B": (-10.0, 10.0)}, tol=1e-6)
    assert history.status == "converged" and history.method == "l-bfgs-b", history.message
    np.testing.assert_allclose(history.params["x"], [3.0, -2.0, 4.0], rtol=0, atol=1e-5, err_msg="x*")
    np.testing.assert_allclose(history.params["B"], target, rtol=0, atol=1e-5, err_msg="B*")
    assert history.params["x"][2] == 4.0, "the active bound must hold exactly"
    assert history.n_evaluations == objective.calls < 50
    assert history.loss[history.best] == history.loss.min() and history.path == {}, "no scalar parameters"
    np.testing.assert_array_equal(start["x"], np.zeros(3))


def double_well(log_width=0.15):
    """f(θ) = -exp(-(ln θ - ln 30)²/2w²) - 2 exp(-(ln θ - ln 300)²/2w²): local minimum at 30, global at 300."""
    def f(p):
        u = np.log(p["theta"])
        return float(-np.exp(-0.5 * ((u - np.log(30.0)) / log_width) ** 2)
                     - 2.0 * np.exp(-0.5 * ((u - np.log(300.0)) / log_width) ** 2))

    def grad(p):
        u = np.log(p["theta"])
        d = (np.exp(-0.5 * ((u - np.log(30.0)) / log_width) ** 2) * (u - np.log(30.0))
             + 2.0 * np.exp(-0.5 * ((u - np.log(300.0)) / log_width) ** 2) * (u - np.log(300.0)))
        return {"theta": np.asarray(d / log_width**2 / p["theta"])}

    return Function(f, grad)


def test_the_scan_finds_the_global_minimum_that_a_local_start_misses():
    """Started in the local basin at θ = 30: the scan moves to the global one; without it L-BFGS-B stays."""
    objective = double_well()
    grid = np.arange(10.0, 1000.0, 0.01)
    best = grid[np.argmin([objective.f({"theta": g}) for g in grid])]
    bounds = {"theta": (10.0, 1000.0)}
    scanned = minimize(objective, {"theta": np.array(31.0)}, bounds, scan="theta", typical_step={"theta": 5.0})
    assert scanned.status == "converged", scanned.message
    np.testing.assert_allclose(float(scanned.params["theta"]), best, rtol=0, atol=0.02)
    assert scanned.scan.name == "theta" and scanned.scan.grid.size == 1 + int(np.ceil(3 * np.log2(100))) + 1
    np.testing.assert_array_equal(scanned.loss[:scanned.scan.grid.size][np.argsort(scanned.path["theta"][
        :scanned.scan.grid.size])], scanned.scan.loss, err_msg="the scan's losses are its first evaluations")
    assert scanned.path["theta"][0] == 31.0, "the start is evaluation 0"
    local = minimize(objective, {"theta": np.array(31.0)}, bounds, typical_step={"theta": 5.0})
    assert abs(float(local.params["theta"]) - 30.0) < 0.1, "the test needs a start that traps a local search"


def test_a_map_is_scanned_as_constant_maps_then_refined_entry_by_entry():
    """Each entry of a map in its own double well, started in the local basin at 30: the constant scan
    moves every entry to the global basin at 300 first; a start below every constant is kept."""
    well = double_well()

    def f(p):
        return sum(well.f({"theta": value}) for value in p["theta"])

    def grad(p):
        return {"theta": np.array([float(well.grad({"theta": value})["theta"]) for value in p["theta"]])}

    objective = Function(f, grad)
    bounds = {"theta": (10.0, 1000.0)}
    start = {"theta": np.array([31.0, 29.0, 32.0])}
    scanned = minimize(objective, start, bounds, scan="theta", typical_step={"theta": 5.0})
    n_grid = scanned.scan.grid.size
    assert n_grid == 1 + int(np.ceil(3 * np.log2(100))) and scanned.status == "converged", scanned.message
    np.testing.assert_allclose(scanned.scan.loss, [f({"theta": np.full(3, g)}) for g in scanned.scan.grid],
                               rtol=1e-15, err_msg="the scan fills the whole map with each grid value")
    np.testing.assert_array_equal(scanned.loss[1:1 + n_grid], scanned.scan.loss,
                                  err_msg="the scan's evaluations follow the start's")
    np.testing.assert_allclose(scanned.params["theta"], 300.0, rtol=0, atol=0.05)
    local = minimize(objective, start, bounds, typical_step={"theta": 5.0})
    np.testing.assert_allclose(local.params["theta"], 30.0, rtol=0, atol=0.1,
                               err_msg="the test needs a start that traps a local search")
    assert scanned.loss[1 + n_grid] == scanned.scan.loss.min(), "refined from the best constant map"
    at_best = {"theta": np.full(3, 300.0)}   # lower than every grid value (316 is the nearest)
    kept = minimize(objective, at_best, bounds, scan="theta", typical_step={"theta": 5.0})
    assert kept.loss[0] < kept.scan.loss.min() and kept.loss[1 + n_grid] == kept.loss[0], "refined from the start"


def test_status_stopped_not_finite_and_step_limit():
    objective = double_well()
    bounds = {"theta": (10.0, 1000.0)}
    start = {"theta": np.array(200.0)}
    stopped = minimize(objective, start, bounds, callback=lambda step, value, params: step == 2)
    assert stopped.status == "stopped" and stopped.n_evaluations == 3
    limited = minimize(objective, start, bounds, max_evaluations=4, typical_step={"theta": 1.0})
    assert limited.status == "step limit" and limited.n_evaluations == 4
    assert limited.loss[limited.best] == limited.loss.min() < limited.loss[0]

    calls = []

    def fragile(p):
        calls.append(None)
        return np.nan if len(calls) == 3 else objective.f(p)

    broken = minimize(Function(fragile, objective.grad), start, bounds, typical_step={"theta": 20.0})
    assert broken.status == "not finite" and broken.n_evaluations == 2
    assert "not finite at evaluation 2" in broken.message
    assert float(broken.params["theta"]) == broken.path["theta"][broken.best]


def test_keyboard_interrupt_carries_the_history():
    objective = double_well()

    def interrupt(step, value, params):
        if step == 5:
            raise KeyboardInterrupt

    with pytest.raises(FitInterrupted) as raised:
        minimize(objective, {"theta": np.array(200.0)}, {"theta": (10.0, 1000.0)}, scan="theta", callback=interrupt)
    history = raised.value.history
    assert isinstance(raised.value, KeyboardInterrupt)
    assert history.status == "stopped" and history.n_evaluations == 6
    assert float(history.params["theta"]) == history.path["theta"][int(np.argmin(history.loss))]


def test_minimize_rejects_bad_arguments():
    objective, start, bounds = double_well(), {"theta": np.array(200.0)}, {"theta": (10.0, 1000.0)}
    cases = [
        (dict(method="newton"), ValueError, "method must be one of 'l-bfgs-b', 'adam'; got 'newton'"),
        (dict(method="adam", scan="theta"), ValueError, "scan applies to method='l-bfgs-b' only"),
        (dict(lr=0.1), ValueError, "lr apply to method='adam' only"),
        (dict(scan="phi"), ValueError, r"scan must name a parameter of \['theta'\], got 'phi'"),
        (dict(tol=-1.0), ValueError, "tol must be a positive finite number"),
        (dict(max_evaluations=0), ValueError, "max_evaluations must be an integer >= 1, got 0"),
        (dict(typical_step={"phi": 1.0}), ValueError, r"typical_step must give a value for each of \['theta'\]"),
        (dict(callback="x"), TypeError, "callback must be callable or None"),
    ]
    for options, error, match in cases:
        with pytest.raises(error, match=match):
            minimize(objective, start, bounds, **options)
    with pytest.raises(ValueError, match=r"bounds must give \(low, high\) for each of \['theta'\]"):
        minimize(objective, start, {"phi": (0.0, 1.0)})
    assert objective.calls == 0, "arguments are checked before the first evaluation"


def test_adam_is_exported():
    assert dstft_np.Adam is Adam


def test_docstring_examples_run():
    failures, attempted = doctest.testmod(optim, globs={})
    assert attempted > 0 and failures == 0


# ---------------------------------------------------------------- bad input

def adam(**options):
    return Adam({"x": np.zeros(2)}, **options)


OPTIMIZER_CASES = [
    ("params-not-dict", lambda: Adam([0.0, 1.0]), TypeError, r"params must be a non-empty dict"),
    ("params-empty", lambda: Adam({}), TypeError, r"params must be a non-empty dict"),
    ("params-nan", lambda: Adam({"x": [np.nan]}), ValueError, r"params\['x'\] must be finite"),
    ("params-complex", lambda: Adam({"x": [1j]}), TypeError, r"params\['x'\] must be real, got complex"),
    ("params-strings", lambda: Adam({"x": ["a"]}), TypeError, r"params\['x'\] must be a real numeric array"),
    ("params-string-number", lambda: Adam({"x": "1.5"}), TypeError, r"params\['x'\] must be a real numeric array"),
    ("params-None", lambda: Adam({"x": None}), TypeError, r"params\['x'\] must be a real numeric array"),
    ("lr-zero", lambda: adam(lr=0), ValueError, r"lr must be a positive finite number, got 0\.0"),
    ("lr-nan", lambda: adam(lr=np.nan), ValueError, r"lr must be finite"),
    ("lr-string", lambda: adam(lr="0.1"), TypeError, r"lr must be a real number, got '0\.1'"),
    ("lr-dict-keys", lambda: adam(lr={"y": 1.0}), ValueError, r"lr must give a value for each of \['x'\]"),
    ("betas-one", lambda: adam(betas=(0.9, 1.0)), ValueError, r"betas must be in \[0, 1\)"),
    ("betas-scalar", lambda: adam(betas=0.9), TypeError, r"betas must be a pair \(beta1, beta2\), got 0\.9"),
    ("betas-triple", lambda: adam(betas=(0.9, 0.9, 0.9)), TypeError, r"betas must be a pair \(beta1, beta2\)"),
    ("betas-nan", lambda: adam(betas=(np.nan, 0.9)), ValueError, r"betas must be finite"),
    ("betas-string", lambda: adam(betas=("a", 0.9)), TypeError, r"betas must be a real number, got 'a'"),
    ("eps-zero", lambda: adam(eps=0), ValueError, r"eps must be a positive finite number"),
    ("bounds-unknown", lambda: adam(bounds={"y": (0, 1)}), ValueError, r"bounds given for unknown parameters"),
    ("bounds-reversed", lambda: adam(bounds={"x": (1, 0)}), ValueError, r"bounds\['x'\] must satisfy low <= high"),
    ("bounds-nan", lambda: adam(bounds={"x": (np.nan, 1)}), ValueError, r"bounds\['x'\] low must be finite"),
    ("bounds-not-pair", lambda: adam(bounds={"x": 1.0}), TypeError, r"bounds\['x'\] must be a pair \(low, high\)"),
    ("bounds-string", lambda: adam(bounds={"x": ("a", 1)}), TypeError,
     r"bounds\['x'\] low must be a real numeric array"),
    ("bounds-complex", lambda: adam(bounds={"x": (1j, 2)}), TypeError, r"bounds\['x'\] low must be real"),
    ("bounds-shape", lambda: adam(bounds={"x": (np.zeros(3), 1)}), ValueError,
     r"bounds\['x'\] low of shape \(3,\) does not broadcast to the parameter's shape \(2,\)"),
    ("grads-not-dict", lambda: adam().step([0.0, 0.0]), TypeError, r"grads must be a dict"),
    ("grads-keys", lambda: adam().step({"y": [0.0, 0.0]}), ValueError, r"grads must have the keys \['x'\]"),
    ("grads-nan", lambda: adam().step({"x": [np.nan, 0.0]}), ValueError, r"grads\['x'\] must be finite"),
    ("grads-complex", lambda: adam().step({"x": [1j, 0.0]}), TypeError, r"grads\['x'\] must be real"),
    ("grads-strings", lambda: adam().step({"x": ["a", "b"]}), TypeError, r"grads\['x'\] must be a real numeric"),
    ("grads-None", lambda: adam().step({"x": None}), TypeError, r"grads\['x'\] must be a real numeric array"),
    ("grads-shape", lambda: adam().step({"x": np.zeros(3)}), ValueError, r"grads\['x'\] must have shape \(2,\)"),
    # g² overflows: v = inf and the step was silently 0
    ("grads-square-overflows", lambda: adam().step({"x": [1e200, 1.0]}), ValueError,
     r"grads\['x'\] must be at most 1\.34e\+154 in magnitude .*got 1e\+200"),
    ("plateau-not-adam", lambda: ReduceOnPlateau(None), TypeError, r"optimizer must be an Adam, got NoneType"),
    ("plateau-factor", lambda: ReduceOnPlateau(adam(), factor=1.0), ValueError, r"factor must be in \(0, 1\)"),
    ("plateau-factor-nan", lambda: ReduceOnPlateau(adam(), factor=np.nan), ValueError, r"factor must be finite"),
    ("plateau-patience", lambda: ReduceOnPlateau(adam(), patience=-1), ValueError,
     r"patience must be an integer >= 0, got -1"),
    ("plateau-min_lr", lambda: ReduceOnPlateau(adam(), min_lr=-1), ValueError,
     r"min_lr must be a non-negative finite number"),
    ("plateau-threshold", lambda: ReduceOnPlateau(adam(), threshold=np.nan), ValueError, r"threshold must be finite"),
    # a NaN loss made `best` NaN: every later step counted as a plateau
    ("plateau-step-nan", lambda: ReduceOnPlateau(adam()).step(np.nan), ValueError, r"value must be finite"),
    ("plateau-step-string", lambda: ReduceOnPlateau(adam()).step("a"), TypeError, r"value must be a real number"),
]


@pytest.mark.parametrize("case, call, error, match", OPTIMIZER_CASES, ids=[c[0] for c in OPTIMIZER_CASES])
def test_optimizer_rejects(case, call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect(error, match, call)


def test_adam_accepts_any_layout_and_never_modifies_it(rng):
    x0, grad = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))

    def one_step(params, grads):
        opt = Adam({"x": params}, lr=0.1, bounds={"x": (-1.0, 1.0)})
        return opt.step({"x": grads})["x"].copy()

    expected = one_step(x0, grad)
    assert_accepts_layouts(lambda arr: one_step(arr, grad), x0, expected, "params")
    assert_accepts_layouts(lambda arr: one_step(x0, arr), grad, expected, "grads")
    assert_same_results(one_step(np.arange(6).reshape(2, 3), grad),
                        one_step(np.arange(6.0).reshape(2, 3), grad), "integer params")


# ---------------------------------------------------------------- edge case: zero gradients

def test_adam_with_zero_gradients_stays_put_then_takes_the_bias_corrected_step():
    """g = 0: m = v = 0, the update 0 / (0 + ε) = 0 exactly (no 0/0). Then g at step 3:
    m̂ = (1 - β1) g / (1 - β1³), v̂ = (1 - β2) g² / (1 - β2³), step = lr m̂ / (sqrt(v̂) + ε)."""
    start = np.array([1.5, -2.0, 0.0])
    opt = Adam({"x": start}, lr=0.1)
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.testing.assert_array_equal(opt.step({"x": np.zeros(3)})["x"], start)
    g = np.array([0.5, -3.0, 0.0])
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    m_hat = (1 - beta1) * g / (1 - beta1**3)
    v_hat = (1 - beta2) * g**2 / (1 - beta2**3)
    expected = start - 0.1 * m_hat / (np.sqrt(v_hat) + eps)
    np.testing.assert_allclose(opt.step({"x": g})["x"], expected, rtol=1e-15, atol=0,
                               err_msg="first non-zero step after zero gradients")
