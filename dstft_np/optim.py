"""Optimisers and the loops that run them: L-BFGS-B with a global scan, and projected Adam.

``minimize`` fits a dict of named float64 arrays (``{"win_length": θ,
"hops": h}``, the parameters of ``dstft_np.DSTFT``) to an objective, any
object with ``value(params)`` and ``value_and_grad(params)`` (such as
``dstft_np.objective.Objective``); nothing here knows about transforms.
``Adam`` and ``ReduceOnPlateau`` are also usable on their own, for
stochastic or joint training.
"""

import dataclasses
import sys
import time
from typing import NamedTuple, Optional

import numpy as np

from ._options import FIT_METHODS, document_choices, option_code
from ._validation import all_finite, check_integer, check_pair, check_positive, check_real, check_scalar, is_flag

__all__ = ["Adam", "ReduceOnPlateau", "minimize", "FitHistory", "Scan", "FitInterrupted", "STATUSES"]

#: How a fit can end (``FitHistory.status``).
STATUSES = ("converged", "step limit", "stopped", "not finite")


#: Points per octave of the global scan: neighbours 26 % apart.
_SCAN_PER_OCTAVE = 3


class Scan(NamedTuple):
    """The global stage of a fit: the loss on a log-spaced grid of one scalar parameter."""

    name: str               # the parameter scanned, e.g. "win_length"
    grid: np.ndarray        # (n,) its values, increasing (the start among them)
    loss: np.ndarray        # (n,) the objective there


@dataclasses.dataclass
class FitHistory:
    """What a fit did, how it ended, and the parameters it returned.

    Attributes
    ----------
    loss : np.ndarray [shape=(n_evaluations,)]
        The objective at every evaluation, in order: the start first, then
        the scan's points and every evaluation of the optimiser (line
        searches included).
    path : dict of str -> np.ndarray [shape=(n_evaluations,)]
        The value of each scalar parameter (one window length, one hop) at
        every evaluation: ``path["win_length"][i]`` goes with ``loss[i]``.
        Arrays are not recorded.
    scan : Scan or None
        The global stage's grid and losses, when it ran (method
        "l-bfgs-b"). For a map the grid values fill the whole map, and its
        evaluations follow the start's (``loss[1:1 + grid.size]``); for
        one window length the start is on the grid.
    params : dict of str -> np.ndarray
        The parameters of the lowest loss evaluated, ``loss[best]``.
    best : int
        The evaluation they come from.
    status : {"converged", "step limit", "stopped", "not finite"}
        "converged": the stopping rule held; "step limit": max_evaluations
        ran out first (Adam always ends so); "stopped": the callback
        returned True; "not finite": the loss or its gradient was NaN or
        inf at the next evaluation.
    message : str
        The same for people, with the numbers.
    method : str
        "l-bfgs-b" or "adam".
    seconds : float
        Wall time of the fit.
    """

    loss: np.ndarray
    path: dict
    scan: Optional[Scan]
    params: dict
    best: int
    status: str
    message: str
    method: str
    seconds: float

    @property
    def n_evaluations(self):
        """Number of evaluations of the objective (``loss.size``)."""
        return self.loss.size


class FitInterrupted(KeyboardInterrupt):
    """KeyboardInterrupt raised from a fit; ``history`` holds the fit up to the interruption."""

    def __init__(self, history):
        super().__init__(history.message)
        self.history = history


class _Stop(Exception):
    """Ends a fit from inside an evaluation, with its status and message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class _Run:
    """Evaluates the objective for a driver: records every evaluation, keeps the best, enforces the budget.

    Calls the callback and prints progress after each evaluation; raises
    _Stop when the budget is spent, the callback asks, or a value is not
    finite.
    """

    def __init__(self, objective, start, max_evaluations, callback, progress):
        self.objective = objective
        self.max_evaluations = max_evaluations
        self.callback = callback
        self.every = max(1, max_evaluations // 10) if progress is True else int(progress)
        self.scalars = [name for name, value in start.items() if value.ndim == 0]
        self.loss = []
        self.path = {name: [] for name in self.scalars}
        self.best = None
        self.best_params = {name: value.copy() for name, value in start.items()}
        self.began = self.first = time.perf_counter()

    def evaluate(self, params, need_grad=True):
        step = len(self.loss)
        last = step == self.max_evaluations - 1   # no step follows it: its gradient would go unused
        if step >= self.max_evaluations:
            raise self._step_limit()
        if need_grad and not last:
            value, grads = self.objective.value_and_grad(params)
            finite = grads is not None and np.isfinite(value) and all(all_finite(g) for g in grads.values())
        else:
            value, grads = self.objective.value(params), None
            finite = bool(np.isfinite(value))
        if not finite:
            raise _Stop("not finite", f"the loss or its gradient is not finite at evaluation {step}")
        self.loss.append(value)
        for name in self.scalars:
            self.path[name].append(float(params[name]))
        if self.best is None or value < self.loss[self.best]:
            self.best = step
            self.best_params = {name: np.array(v, dtype=np.float64) for name, v in params.items()}
        if step == 0:   # the first evaluation also loads (or compiles) the kernels: the ETA starts after it
            self.first = time.perf_counter()
        if self.every and (step == 0 or (step + 1) % self.every == 0):
            self._print_progress(step, value, params)
        if self.callback is not None and self.callback(step, value, params):
            raise _Stop("stopped", f"stopped by the callback at evaluation {step}")
        if last:
            raise self._step_limit()
        return value, grads

    def _step_limit(self):
        return _Stop("step limit", f"used all max_evaluations={self.max_evaluations} evaluations")

    def _print_progress(self, step, value, params):
        """"evaluation i/max  loss L  <scalar parameters>  t s, ETA e s": e against max_evaluations, an upper bound."""
        now = time.perf_counter()
        eta = "" if step == 0 else f", ETA {(now - self.first) / step * (self.max_evaluations - step - 1):.1f} s"
        shown = "".join(f"  {name} {float(params[name]):.6g}" for name in self.scalars)
        print(f"evaluation {step + 1}/{self.max_evaluations}  loss {value:.8g}{shown}  {now - self.began:.1f} s{eta}",
              file=sys.stderr, flush=True)

    def history(self, status, message, method, scan):
        if self.best is None:
            message += "; no finite evaluation: the parameters are the start"
        else:
            message += f"; kept evaluation {self.best} (the lowest loss, {self.loss[self.best]:.8g})"
        return FitHistory(loss=np.array(self.loss), path={name: np.array(v) for name, v in self.path.items()},
                          scan=scan, params=self.best_params, best=-1 if self.best is None else self.best,
                          status=status, message=message, method=method, seconds=time.perf_counter() - self.began)


def _scan(run, params, name, bounds):
    """The objective on a log-spaced grid of parameters[name] across its bounds, after the start.

    A scalar: the start joins the grid, and the fit refines from the best
    point between its grid neighbours. An array (a map): every entry takes
    each grid value in turn (a constant map), and the fit refines from the
    best of these and the start, within the full bounds. Returns the Scan,
    the parameters to refine from and their bounds.
    """
    low, high = (float(edge) for edge in bounds[name])
    count = max(3, int(np.ceil(_SCAN_PER_OCTAVE * np.log2(high / low))) + 1)
    grid = np.geomspace(low, high, count)
    shape = params[name].shape
    if shape:
        start_value = run.evaluate(params, need_grad=False)[0]   # evaluation 0 of the fit
        values = np.array([run.evaluate(dict(params, **{name: np.full(shape, value)}), need_grad=False)[0]
                           for value in grid])
        best = int(np.argmin(values))
        found = Scan(name, grid, values)
        if start_value <= values[best]:
            return found, params, bounds
        return found, dict(params, **{name: np.full(shape, grid[best])}), bounds
    start = float(params[name])
    grid = np.sort(np.append(grid[~np.isclose(grid, start, rtol=1e-9, atol=0)], start))
    values = np.empty(grid.size)
    # the start first: it is evaluation 0 of the fit, whatever the grid
    order = np.concatenate([np.flatnonzero(grid == start), np.flatnonzero(grid != start)])
    for i in order:
        values[i] = run.evaluate(dict(params, **{name: np.array(grid[i])}), need_grad=False)[0]
    best = int(np.argmin(values))
    bracket = (grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)])
    return Scan(name, grid, values), dict(params, **{name: np.array(grid[best])}), dict(bounds, **{name: bracket})


class _Bracketed(Exception):
    """The minimum of a one-variable fit lies in an interval narrower than tol."""


def _bracketed_message(bracket, tol):
    return (f"converged: the gradient's sign brackets the minimum in [{bracket[0]:.8g}, {bracket[1]:.8g}], "
            f"narrower than tol = {tol:g}")


def _lbfgsb(run, params, bounds, typical_step, tol):
    """Minimise with scipy's L-BFGS-B until an iteration moves every parameter by less than tol.

    With one variable, also until the signs of the gradients evaluated
    bracket the minimum in an interval narrower than tol. Each parameter is
    divided by its typical step and the objective by its largest scaled
    gradient at the start, so that L-BFGS-B's first step (the scaled
    gradient itself) moves the most-pushed parameter by its typical step.
    Returns (status, message).
    """
    import scipy.optimize   # not at import time: `import dstft_np` stays light

    names = list(params)
    shapes = [params[name].shape for name in names]
    splits = np.cumsum([params[name].size for name in names])[:-1]
    scale = np.concatenate([np.full(params[name].size, float(typical_step[name])) for name in names])
    low, high = (np.concatenate([np.broadcast_to(bounds[name][side], params[name].shape).ravel() for name in names])
                 for side in (0, 1))

    def unpack(z):
        values = np.clip(z * scale, low, high)   # undo the rounding of z = θ / scale
        return {name: part.reshape(shape) for name, part, shape in zip(names, np.split(values, splits), shapes)}

    def pack(grads):
        return np.concatenate([np.ravel(grads[name]) for name in names]) * scale

    # With one variable every gradient's sign tells on which side of it the minimum lies: the
    # bracket [lower, upper] narrows at each evaluation, and a bracket narrower than tol ends the fit
    # however L-BFGS-B's line searches wander at rounding level.
    bracket = [float(low[0]), float(high[0])] if low.size == 1 else None

    def evaluate(z):
        value, grads = run.evaluate(unpack(z))
        gradient = pack(grads)
        if bracket is not None:
            at = float(np.clip(z[0] * scale[0], low[0], high[0]))
            if gradient[0] >= 0:
                bracket[1] = min(bracket[1], at)
            if gradient[0] <= 0:
                bracket[0] = max(bracket[0], at)
            if bracket[1] - bracket[0] < tol:
                raise _Bracketed
        return value, gradient

    z0 = np.concatenate([params[name].ravel() for name in names]) / scale
    try:
        value0, gradient0 = evaluate(z0)
    except _Bracketed:
        return "converged", _bracketed_message(bracket, tol)
    largest = float(np.max(np.abs(gradient0)))
    unit = 1.0 / largest if largest > 0 else 1.0
    last = {"z": z0.copy(), "result": (unit * value0, unit * gradient0)}

    def fun(z):
        if not np.array_equal(z, last["z"]):   # scipy asks for the start again
            value, gradient = evaluate(z)
            last["z"], last["result"] = z.copy(), (unit * value, unit * gradient)
        return last["result"]

    previous = {"x": z0 * scale, "iterations": 0}
    settled = []

    def on_iteration(intermediate_result):
        # not after the first iteration: a plain gradient step whose line search may have had to
        # shrink it to nothing (a stiff parameter beside a soft one); L-BFGS-B's later steps use the
        # curvature it has seen
        current = intermediate_result.x * scale
        previous["iterations"] += 1
        if previous["iterations"] > 1 and float(np.max(np.abs(current - previous["x"]))) < tol:
            settled.append(True)
            raise StopIteration
        previous["x"] = current

    try:
        # bounds as two arrays: a list of (low, high) pairs costs ~100 bytes per parameter
        result = scipy.optimize.minimize(fun, z0, jac=True, method="L-BFGS-B",
                                         bounds=scipy.optimize.Bounds(low / scale, high / scale), callback=on_iteration,
                                         options=dict(maxfun=10 * run.max_evaluations,
                                                      maxiter=10 * run.max_evaluations, ftol=0.0, gtol=0.0))
    except _Bracketed:
        return "converged", _bracketed_message(bracket, tol)
    if settled:
        return "converged", f"converged: no parameter moved by tol = {tol:g} or more in the last iteration"
    if result.status == 0:
        return "converged", "converged: the projected gradient is zero"
    # the line search found no lower loss along the quasi-Newton direction: rounding level
    return "converged", f"converged: L-BFGS-B's line search found no lower loss ({result.message})"


def _adam(run, params, bounds, lr, factor, patience, min_lr):
    """Projected Adam with reduce-on-plateau, one update per evaluation until the budget runs out."""
    opt = Adam(params, lr=lr, bounds=bounds)
    schedule = ReduceOnPlateau(opt, factor=factor, patience=patience,
                               min_lr={name: rate / 1000 for name, rate in opt.lr.items()} if min_lr is None
                               else min_lr)
    while True:   # until the budget runs out (the run raises _Stop)
        value, grads = run.evaluate(opt.params)
        opt.step(grads)
        schedule.step(value)


@document_choices
def minimize(objective, params, bounds, *, method="l-bfgs-b", scan=None, typical_step=None, tol=0.01,
             max_evaluations=100, callback=None, progress=False, lr=None, factor=None, patience=None,
             min_lr=None):
    """Minimise objective(params) over box bounds; return the lowest-loss parameters evaluated and how it went.

    Parameters
    ----------
    objective : object
        With ``value_and_grad(params) -> (value, grads)`` (grads a dict of
        arrays shaped like params, or None when not finite) and
        ``value(params) -> value``, such as ``dstft_np.objective.Objective``.
    params : dict of str -> np.ndarray, float64
        The start (not modified).
    bounds : dict of str -> (low, high)
        Finite box bounds of every parameter, scalars or arrays
        broadcastable to it; the start must lie within them.
    method : {FIT_METHODS}
        "l-bfgs-b" (default): scipy.optimize's L-BFGS-B with the bounds,
        for smooth full-batch objectives; stops after an iteration that
        moved every parameter by less than `tol` or, with one scalar
        parameter, when the signs of the gradients evaluated bracket the
        minimum within `tol`. "adam": projected
        ``Adam`` with ``ReduceOnPlateau`` for max_evaluations - 1 updates.
    scan : str, optional
        The name of a parameter to scan first (method "l-bfgs-b"): the
        objective's value on a log-spaced grid across its bounds, 3 points
        per octave. A scalar: with the start among them; L-BFGS-B then
        refines from the best point within its two neighbours, so no start
        can trap it in a local minimum that the grid resolves. An array:
        filled with each grid value in turn, after the start; L-BFGS-B
        refines from the best of them and the start, within the bounds.
    typical_step : dict of str -> float, optional
        A sensible first step per parameter, in its units: L-BFGS-B's
        first step moves the most-pushed parameter by it, and it is Adam's
        default lr. Default: 1 for each.
    tol : float > 0
        The stopping rule of L-BFGS-B, in the parameters' units.
    max_evaluations : int >= 1
        The most evaluations of the objective (the scan's included).
    callback : callable, optional
        callback(step, value, params) after each evaluation (step counts
        from 0; params must not be modified); returning True stops the fit.
    progress : bool or int
        Print the evaluation, the loss, the scalar parameters, the time so
        far and an ETA (against max_evaluations: an upper bound) to stderr
        at the first evaluation and every `progress` evaluations (True:
        every max_evaluations // 10).
    lr, factor, patience, min_lr
        Adam's step size (float or dict; default typical_step), and the
        reduce-on-plateau schedule (defaults 0.5, 10, lr/1000); method
        "adam" only.

    Returns
    -------
    FitHistory

    Raises
    ------
    FitInterrupted
        On KeyboardInterrupt during the fit, with the history so far
        (``error.history.params`` are the lowest-loss parameters evaluated).
    TypeError, ValueError
        Bad arguments; Adam's options with method "l-bfgs-b".

    Examples
    --------
    >>> import numpy as np
    >>> from dstft_np.optim import minimize
    >>> class Parabola:
    ...     def value(self, params):
    ...         return float((params["x"] - 3.0) ** 2)
    ...     def value_and_grad(self, params):
    ...         return self.value(params), {"x": 2 * (params["x"] - 3.0)}
    >>> history = minimize(Parabola(), {"x": np.array(0.0)}, {"x": (-10.0, 10.0)}, tol=1e-6)
    >>> history.status, round(float(history.params["x"]), 6)
    ('converged', 3.0)
    """
    option_code("method", method, FIT_METHODS)
    if not isinstance(params, dict) or not params:
        raise TypeError(f"params must be a non-empty dict of name -> array, got {type(params).__name__}")
    start = {name: check_real(value, f"params[{name!r}]").copy() for name, value in params.items()}
    if not isinstance(bounds, dict) or set(bounds) != set(start):
        raise ValueError(f"bounds must give (low, high) for each of {sorted(start)}, got {bounds!r}")
    bounds = {name: tuple(check_real(edge, f"bounds[{name!r}]")
                          for edge in check_pair(bounds[name], f"bounds[{name!r}]")) for name in start}
    typical_step = {name: 1.0 for name in start} if typical_step is None else _per_parameter(
        typical_step, list(start), "typical_step")
    tol = check_positive(tol, "tol")
    max_evaluations = check_integer(max_evaluations, "max_evaluations", minimum=1)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {callback!r}")
    if not is_flag(progress):
        check_integer(progress, "progress")  # True, False, or print every `progress` >= 0 evaluations
    adam_options = {"lr": lr, "factor": factor, "patience": patience, "min_lr": min_lr}
    if method == "adam":
        driver_options = dict(lr=typical_step if lr is None else lr, factor=0.5 if factor is None else factor,
                              patience=10 if patience is None else patience, min_lr=min_lr)
        if scan is not None:
            raise ValueError(f"scan applies to method='l-bfgs-b' only, not {method!r}")
    else:
        given = [name for name, value in adam_options.items() if value is not None]
        if given:
            raise ValueError(f"{', '.join(given)} apply to method='adam' only, not {method!r}")
        if scan is not None and scan not in start:
            raise ValueError(f"scan must name a parameter of {sorted(start)}, got {scan!r}")

    run = _Run(objective, start, max_evaluations, callback, progress)
    found = None
    try:
        if method == "adam":
            _adam(run, start, bounds, **driver_options)   # runs until the budget is spent: a _Stop
        else:
            local_start, local_bounds, local_step = start, bounds, typical_step
            if scan is not None and bounds[scan][0] < bounds[scan][1]:
                found, local_start, local_bounds = _scan(run, start, scan, bounds)
                if start[scan].ndim == 0:   # refined within the bracket
                    low, high = local_bounds[scan]
                    local_step = dict(typical_step, **{scan: (high - low) / 4})
            status, message = _lbfgsb(run, local_start, local_bounds, local_step, tol)
    except _Stop as stop:
        status, message = stop.status, str(stop)
    except KeyboardInterrupt:
        raise FitInterrupted(run.history("stopped", f"interrupted after {len(run.loss)} evaluations", method,
                                         found)) from None
    return run.history(status, message, method, found)


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


def _per_parameter(value, names, name, allow_zero=False):
    """A positive (or non-negative) number for each parameter: `value` itself, or value[name] from a dict."""
    if isinstance(value, dict):
        if set(value) != set(names):
            raise ValueError(f"{name} must give a value for each of {sorted(names)}, got {sorted(value)}")
        return {key: check_positive(value[key], f"{name}[{key!r}]", allow_zero=allow_zero) for key in names}
    return {key: check_positive(value, name, allow_zero=allow_zero) for key in names}


#: Largest gradient entry whose square (Adam's second moment) fits float64.
_LARGEST_GRADIENT = float(np.sqrt(np.finfo(np.float64).max))


class Adam:
    """Adam (Kingma & Ba 2015) with bias correction, projected onto box bounds after each step.

    Parameters
    ----------
    params : dict of str -> array_like, real
        Initial values; copied to float64 (the caller's arrays are never modified).
    lr : float or dict of str -> float
        Step size α, in the units of each parameter (Adam's steps are about α
        long whatever the scale of the gradient), one for all or one per name.
    betas : (float, float)
        β1, β2 in [0, 1): decay rates of the first and second moment estimates.
    eps : float
        ε added to sqrt(v̂) in the denominator.
    bounds : dict of str -> (low, high), optional
        Box constraints, each bound a scalar or an array broadcastable to the
        parameter; None for no bound on that side. Initial values are
        projected too.

    Attributes
    ----------
    params : dict of str -> np.ndarray, float64
        The current values (updated in place by ``step``).
    lr : dict of str -> float
        The current step sizes (``ReduceOnPlateau`` lowers them).
    n_steps : int
        Number of steps taken.

    Raises
    ------
    ValueError
        Non-finite parameters, lr <= 0, betas outside [0, 1), eps <= 0,
        low > high, bounds for unknown names or not broadcastable to their
        parameter; in ``step``: gradients of another shape, non-finite, or
        above sqrt(float64 max) ≈ 1.3e154 (their square would overflow).
    TypeError
        params not a non-empty dict; complex, string or object values in
        params, grads, bounds or betas; a bound or betas that is not a pair.

    Notes
    -----
    For each parameter, with gradient g at step t = 1, 2, ...:

        m ← β1 m + (1 - β1) g,        v ← β2 v + (1 - β2) g²
        m̂ = m / (1 - β1^t),           v̂ = v / (1 - β2^t)
        x ← clip(x - α m̂ / (sqrt(v̂) + ε), low, high)

    The bias correction makes the first step exactly α·g/(|g| + ε) long.

    Examples
    --------
    >>> import numpy as np
    >>> from dstft_np import Adam
    >>> opt = Adam({"x": np.array([0.0, 0.0])}, lr=0.1, bounds={"x": (None, 1.0)})
    >>> for _ in range(500):                  # minimise (x0 - 3)² + (x1 + 2)² with x <= 1
    ...     x = opt.params["x"]
    ...     _ = opt.step({"x": 2 * (x - [3.0, -2.0])})
    >>> np.round(opt.params["x"], 2)
    array([ 1., -2.])
    """

    def __init__(self, params, lr=1e-2, *, betas=(0.9, 0.999), eps=1e-8, bounds=None):
        if not isinstance(params, dict) or not params:
            raise TypeError(f"params must be a non-empty dict of name -> array, got {type(params).__name__}")
        # check_real may return the caller's own float64 array: copy, since step() updates in place
        self.params = {name: check_real(value, f"params[{name!r}]").copy() for name, value in params.items()}
        self.lr = _per_parameter(lr, list(self.params), "lr")
        beta1, beta2 = (check_scalar(beta, "betas") for beta in check_pair(betas, "betas", items=("beta1", "beta2")))
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValueError(f"betas must be in [0, 1), got {betas!r}")
        self.betas = (float(beta1), float(beta2))
        self.eps = check_positive(eps, "eps")
        self.bounds = self._check_bounds(bounds or {})
        self.n_steps = 0
        self._m = {name: np.zeros_like(x) for name, x in self.params.items()}
        self._v = {name: np.zeros_like(x) for name, x in self.params.items()}
        self._project()

    def _check_bounds(self, bounds):
        unknown = set(bounds) - set(self.params)
        if unknown:
            raise ValueError(f"bounds given for unknown parameters {sorted(unknown)}; "
                             f"parameters are {sorted(self.params)}")
        checked = {}
        for name, pair in bounds.items():
            shape = self.params[name].shape
            sides = []
            for side, value, default in zip(("low", "high"), check_pair(pair, f"bounds[{name!r}]"),
                                            (-np.inf, np.inf)):
                arr = default if value is None else check_real(value, f"bounds[{name!r}] {side}")
                try:
                    sides.append(np.broadcast_to(arr, shape))
                except ValueError:
                    raise ValueError(f"bounds[{name!r}] {side} of shape {np.shape(arr)} does not broadcast "
                                     f"to the parameter's shape {shape}") from None
            low, high = sides
            if np.any(low > high):
                raise ValueError(f"bounds[{name!r}] must satisfy low <= high, got ({low.min()}, {high.max()})")
            checked[name] = (low, high)
        return checked

    def _project(self):
        for name, (low, high) in self.bounds.items():
            np.clip(self.params[name], low, high, out=self.params[name])

    def step(self, grads):
        """Take one projected Adam step.

        Parameters
        ----------
        grads : dict of str -> array_like
            ∂L/∂x for every parameter, of the parameter's shape, finite.

        Returns
        -------
        params : dict of str -> np.ndarray
            ``self.params``, updated.
        """
        if not isinstance(grads, dict):
            raise TypeError(f"grads must be a dict of name -> array, got {type(grads).__name__}")
        if set(grads) != set(self.params):
            raise ValueError(f"grads must have the keys {sorted(self.params)}, got {sorted(grads)}")
        checked = {}
        for name, x in self.params.items():
            g = check_real(grads[name], f"grads[{name!r}]")
            if g.shape != x.shape:
                raise ValueError(f"grads[{name!r}] must have shape {x.shape}, got {g.shape}")
            if np.any(np.abs(g) > _LARGEST_GRADIENT):
                raise ValueError(
                    f"grads[{name!r}] must be at most {_LARGEST_GRADIENT:.3g} in magnitude (its square "
                    f"is Adam's second moment), got {float(np.max(np.abs(g))):.3g}; scale the loss down"
                )
            checked[name] = g
        self.n_steps += 1
        beta1, beta2 = self.betas
        first_unbias = 1.0 - beta1**self.n_steps
        second_unbias = 1.0 - beta2**self.n_steps
        for name, g in checked.items():
            m, v = self._m[name], self._v[name]
            m *= beta1
            m += (1.0 - beta1) * g
            v *= beta2
            v += (1.0 - beta2) * g**2
            self.params[name] -= self.lr[name] * (m / first_unbias) / (np.sqrt(v / second_unbias) + self.eps)
        self._project()
        return self.params


class ReduceOnPlateau:
    """Multiply the step sizes of an ``Adam`` by `factor` when the loss stops improving.

    Parameters
    ----------
    optimizer : Adam
    factor : float in (0, 1)
        Multiplier applied to every lr on a plateau.
    patience : int >= 0
        Number of steps without improvement tolerated before reducing.
    min_lr : float or dict of str -> float
        Floor of each lr (0 for none).
    threshold : float >= 0
        Relative improvement that counts: value < best - threshold·|best|.
        The default 0 counts any decrease; a loss with a large constant part
        (an entropy of ~10 nats varying by 1e-5 near its optimum) needs it.

    Examples
    --------
    >>> import numpy as np
    >>> from dstft_np.optim import Adam, ReduceOnPlateau
    >>> opt = Adam({"x": np.zeros(1)}, lr=1.0)
    >>> schedule = ReduceOnPlateau(opt, factor=0.5, patience=2)
    >>> [schedule.step(1.0) for _ in range(4)], opt.lr
    ([False, False, False, True], {'x': 0.5})
    """

    def __init__(self, optimizer, *, factor=0.5, patience=10, min_lr=0.0, threshold=0.0):
        if not isinstance(optimizer, Adam):
            raise TypeError(f"optimizer must be an Adam, got {type(optimizer).__name__}")
        if not check_positive(factor, "factor") < 1:
            raise ValueError(f"factor must be in (0, 1), got {factor!r}")
        self.optimizer = optimizer
        self.factor = float(factor)
        self.patience = check_integer(patience, "patience")
        self.threshold = check_positive(threshold, "threshold", allow_zero=True)
        names = list(optimizer.params)
        self.min_lr = _per_parameter(min_lr, names, "min_lr", allow_zero=True)
        self.best = np.inf
        self.bad_steps = 0

    def step(self, value):
        """Record the loss of the current step; return True if the step sizes were reduced."""
        value = check_scalar(value, "value")
        if self.best == np.inf or value < self.best - self.threshold * abs(self.best):
            self.best = value
            self.bad_steps = 0
            return False
        self.bad_steps += 1
        if self.bad_steps <= self.patience:
            return False
        self.bad_steps = 0
        lr = self.optimizer.lr
        for name in lr:
            lr[name] = max(lr[name] * self.factor, self.min_lr[name])
        return True
