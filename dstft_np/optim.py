"""Adam with bias correction and projection onto bounds, and a reduce-on-plateau schedule.

Both work on a dict of named float64 arrays (``{"win_length": θ, "hops": h}``),
the parameters of ``dstft_np.DSTFT``, but nothing here knows about
transforms: any dict of arrays with gradients of the same shapes will do.
"""

import numpy as np

from ._validation import check_integer, check_pair, check_positive, check_real, check_scalar

__all__ = ["Adam", "ReduceOnPlateau"]


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
