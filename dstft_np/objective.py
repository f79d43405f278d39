"""The objective of a fit: a function of the learnable parameters over one signal, checked once.

    L(θ, d) = loss(|S|^p) + λ_s R_smooth(θ) + λ_c C_coverage(t, θ) + λ_h R_smooth(log d)

with S = stft(x, θ, t(d)) and t(d) the frame positions of the hops
(docs/derivation.md §8). ``Objective`` checks x, the loss and the weights
when it is built (x once, into the engine's Signal); ``value`` and
``value_and_grad`` then take only the parameters, a dict like
``DSTFT.parameters()`` returns, check nothing and call the engine directly
(the regularisers too: ``_engine.smoothness_penalty`` and
``_engine.coverage_penalty`` are ``losses.smoothness`` and ``losses.coverage``
without their checks), so that an optimiser can call them once per step. The chain rule back from
L, one forward transform and one VJP per call:

    ∂L/∂Y (the loss) → G = ∂L/∂Y · p|S|^{p-2} S → ∂L/∂θ, ∂L/∂t_n (the VJP)
    → ∂L/∂d = Σ_n n ∂L/∂t_n (one hop, ``frame_positions_vjp``)
      or ∂L/∂d_i = Σ_{n>i} ∂L/∂t_n (a hop per frame, ``positions_from_hops_vjp``)

plus the gradients of the regularisers.
"""

import numpy as np

from . import _engine, losses
from ._options import SCALINGS, VALUE, document_choices, option_code
from ._validation import all_finite, check_pair, check_positive, check_real
from .positions import frame_positions_vjp, positions_from_hops_vjp

__all__ = ["Objective", "DEFAULT_LOSS", "DEFAULT_SCALING", "DEFAULT_SMOOTHNESS", "DEFAULT_COVERAGE",
           "DEFAULT_HOP_SMOOTHNESS"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__

#: The loss of each win_mode when none is given. One window length: the
#: papers' entropy of the whole spectrogram. Maps: the frame-mean entropy,
#: whose optimum keeps θ inside its bounds (docs/experiments.md §3), per bin
#: and per cell of the "density" scaling (``DEFAULT_SCALING``, §9, §10).
DEFAULT_LOSS = {"constant": "entropy", "time": "frame-entropy", "frequency": "frame-entropy",
                "time-frequency": "frame-entropy"}

#: What the loss of each win_mode sees when not given. Per bin and per cell
#: the "density" scaling: under the "area" norm a shorter window raises the
#: level of noise (as θ^(-p/2)), and a measure across bins rewards raising
#: the strong cells (those around a tone: wider tones) and lowering the
#: rest; rescaled, a window length changes only how its energy is spread
#: (docs/experiments.md §9, §10). Per frame one scale multiplies a whole
#: frame, which the entropies ignore, so Y is taken as it is.
DEFAULT_SCALING = {"constant": "magnitude", "time": "magnitude", "frequency": "density",
                   "time-frequency": "density"}

#: λ_s of each win_mode when none is given (docs/experiments.md §3, §8, §9,
#: §10). Per bin and per cell 100: with 10 the bins of a tone alternate
#: between short and long windows and more of them reach a bound; with 1000
#: a map flattens and gains less.
DEFAULT_SMOOTHNESS = {"constant": 0.0, "time": 10.0, "frequency": 100.0, "time-frequency": 100.0}

#: λ_c with a learnable hop when none is given: gaps of a few percent of
#: n_fft then cost more than the entropy they save (docs/experiments.md §4).
DEFAULT_COVERAGE = 10.0

#: λ_h with hop_mode "time" when none is given: the weight of the smoothness
#: of the log-hops, mean (Δ log d)². Without it the hops bunch at their lower
#: bound where the signal is cleanest (a frame mean or a whole-spectrogram
#: entropy counts a frame once however little time it spans);
#: docs/experiments.md §8.
DEFAULT_HOP_SMOOTHNESS = 30.0


#: The part of each window that counts as covering: ``losses.coverage``'s default, the central half.
_COVERAGE_REACH = losses.coverage.__kwdefaults__["reach"]


def _check_loss_result(result, shape):
    """(value, dL_dY) returned by a loss: a real number and a real array of Y's shape (NaN allowed here)."""
    value, dL_dY = check_pair(result, "the loss's result", items=("value", "dL_dY"))
    value = check_real(value, "the loss's value", finite=False)
    if value.ndim:
        raise TypeError(f"the loss's value must be one real number, got shape {value.shape}")
    dL_dY = check_real(dL_dY, "the loss's dL_dY", finite=False)
    if dL_dY.shape != shape:
        raise ValueError(f"the loss's dL_dY must have the shape of Y, {shape}, got {dL_dY.shape}")
    return float(value), dL_dY


@document_choices
class Objective:
    """The objective L of a ``DSTFT`` on one signal, as a function of the parameters.

    Parameters
    ----------
    model : DSTFT
        Gives the options (n_fft, window, norm, phase, p, modes, frame
        count); its parameters are not read.
    x : array_like [shape=(..., K)], real
        The signal; with ``model.n_samples`` set, K must equal it. Leading
        batch axes share the parameters and the loss averages over them.
    loss : {LOSSES} or callable, optional
        A name from ``dstft_np.losses`` (default options) or any function
        Y -> (value, dL_dY). Default ``DEFAULT_LOSS[model.win_mode]``:
        "entropy" for one window length, "frame-entropy" for maps.
    smoothness : float >= 0, optional
        λ_s, weight of ``losses.smoothness(θ, scale=n_fft)``. Default
        ``DEFAULT_SMOOTHNESS[model.win_mode]``: 0 for one window length, 10
        per frame, 100 per bin and per cell.
    coverage : float >= 0, optional
        λ_c, weight of ``losses.coverage(t, θ, K, scale=n_fft)``; default
        10 with a learnable hop; never applied with hop_mode "fixed".
    hop_smoothness : float >= 0, optional
        λ_h, weight of ``losses.smoothness(log d)`` on the hops d of
        hop_mode "time" (mean squared difference of neighbouring log-hops,
        scale free); default ``DEFAULT_HOP_SMOOTHNESS``, 30; never applied
        otherwise.
    scaling : {SCALINGS}, optional
        What the loss sees. "magnitude": Y = |S|^p. "density":
        Y = |S|^p (θ/N)^(p/2) with norm "area", |S|^p (N/θ)^(p/2) with
        norm None, each cell by its own θ: the power spectral density's
        scaling (a window of θ-independent energy), under which white
        noise has the same expected level whatever the window length.
        Default ``DEFAULT_SCALING[model.win_mode]``: "density" per bin and
        per cell, "magnitude" otherwise.

    Attributes
    ----------
    loss, scaling, smoothness, coverage, hop_smoothness
        As resolved from the arguments (loss: the name or the callable).
    n_samples : int
        K.

    Raises
    ------
    TypeError, ValueError
        Bad x (not real, not finite, wrong length), an unknown loss name or
        scaling, negative or non-finite weights.

    Notes
    -----
    ``value(params)`` and ``value_and_grad(params)`` take a dict like
    ``model.parameters()`` returns (float64 arrays of the model's shapes,
    within its bounds) and do not check it. ``value_and_grad`` returns
    ``(value, grads)`` with ``grads`` None when the loss or ∂L/∂Y is not
    finite; ``value`` may then be NaN or inf.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> from dstft_np.objective import Objective
    >>> x = np.sin(0.3 * np.arange(2000))
    >>> model = dstft_np.DSTFT(256, 64, 200.0)
    >>> objective = Objective(model, x)
    >>> value, grads = objective.value_and_grad({"win_length": np.array(180.0)})
    >>> objective.loss, grads["win_length"].shape
    ('entropy', ())
    """

    def __init__(self, model, x, loss=None, *, scaling=None, smoothness=None, coverage=None, hop_smoothness=None):
        self.model = model
        self._signal = _engine.prepare_signal(x, n_fft=model.n_fft, window=model.window, norm=model.norm,
                                              phase=model.phase, n_samples=model.n_samples)
        self.x = self._signal.x
        self.n_samples = self._signal.n_samples
        self.loss = DEFAULT_LOSS[model.win_mode] if loss is None else loss
        self._loss_fn = self.loss if callable(self.loss) else losses.get_loss(self.loss)
        # the loss functions of dstft_np.losses that have one carry the form a fit fuses with the
        # transform (per-frame sums); its work arrays serve every evaluation of this objective
        self._frame_sums = getattr(self._loss_fn, "frame_sums", None)
        self.scaling = DEFAULT_SCALING[model.win_mode] if scaling is None else scaling
        # Y·(θ/N)^e: white noise has E|S|² ∝ Σ_u ω(u)² ∝ c(θ)² θ,
        # i.e. ∝ 1/θ with c = N/θ and ∝ θ with c = 1 (docs/derivation.md §8.8)
        self._density_exponent = (None if option_code("scaling", self.scaling, SCALINGS) == 0
                                  else model.p / 2 * (1 if model.norm == "area" else -1))
        self._work = _engine.Workspace()
        self.smoothness = check_positive(DEFAULT_SMOOTHNESS[model.win_mode] if smoothness is None else smoothness,
                                         "smoothness", allow_zero=True)
        if model.hop_mode == "fixed":
            self.coverage = 0.0
            self._positions = model.positions(self.n_samples)
        else:
            self.coverage = check_positive(DEFAULT_COVERAGE if coverage is None else coverage, "coverage",
                                           allow_zero=True)
        self.hop_smoothness = 0.0 if model.hop_mode != "time" else check_positive(
            DEFAULT_HOP_SMOOTHNESS if hop_smoothness is None else hop_smoothness, "hop_smoothness", allow_zero=True)

    def positions(self, params):
        """t_n of the parameters, shape (T,)."""
        hop_mode = self.model.hop_mode
        if hop_mode == "time":   # positions_from_hops without its checks: the hops are the fit's own
            return np.concatenate([[0.0], np.cumsum(params["hops"])])
        if hop_mode == "constant":
            return np.arange(self.model.n_frames) * float(params["hop_length"])
        return self._positions

    def value(self, params):
        """L at the parameters (a float; NaN or inf when the loss is not finite)."""
        return self._evaluate(params, need_grad=False)[0]

    def value_and_grad(self, params):
        """L and ∂L/∂(each parameter), shaped like the parameters; grads None when not finite."""
        return self._evaluate(params, need_grad=True)

    def _spectrogram_loss(self, plan, theta, positions, need_grad):
        """(value, ∂/∂θ, ∂/∂t, finite) of the loss of Y, gradients shaped like theta and positions.

        Through the per-frame sums of the loss's form when it has one, Y is
        taken as it is and they are in range (``_engine.loss_value_and_grad``:
        no Y, ∂L/∂Y or G is formed), else through Y and the loss function.
        finite is False when the loss or ∂L/∂Y is not finite (the gradients
        are then None).
        """
        p = self.model.p
        fused, grad_level = None, None
        if self._frame_sums is not None and self._density_exponent is None:
            fused = _engine.loss_value_and_grad(plan, self._frame_sums, p, self._work, need_grad)
        if fused is not None:
            value, grad_win, grad_pos = fused
        else:
            S = _engine.unbatch(_engine.transform(plan, VALUE), plan)
            Y = _engine.raised_magnitude(S, p)
            if self._density_exponent is not None:
                level = (theta / self.model.n_fft) ** self._density_exponent
                Y *= level
            value, dL_dY = _check_loss_result(self._loss_fn(Y), Y.shape)
            if not (np.isfinite(value) and all_finite(dL_dY)):
                return value, None, None, False
            if not need_grad:
                return value, None, None, True
            if self._density_exponent is not None:
                # ∂Y'/∂θ = Y' e/θ for Y' = Y (θ/N)^e, and ∂L/∂Y = ∂L/∂Y' (θ/N)^e
                grad_level = _engine.sum_to_shape(dL_dY * Y * (self._density_exponent / theta), theta.shape)
                dL_dY = dL_dY * level
            grad_win, grad_pos = _engine.vjp(plan, _engine.raised_magnitude_vjp(S, dL_dY, p))
        if not need_grad:
            return value, None, None, True
        grad_win = _engine.reduce_to(grad_win, plan, theta.shape)
        if grad_level is not None:
            grad_win += grad_level
        return value, grad_win, _engine.reduce_to(grad_pos, plan, positions.shape), True

    def _evaluate(self, params, need_grad):
        theta = params["win_length"]
        positions = self.positions(params)
        # per cell only for the VJP: a forward with equal rows takes the frame path
        plan = _engine.set_frames(self._signal, theta, positions, keep_cells=need_grad)
        value, grad_win, grad_pos, finite = self._spectrogram_loss(plan, theta, positions, need_grad)
        if not finite:   # also an S that overflowed
            return value, None
        if self.smoothness:
            smooth_value, smooth_grad = _engine.smoothness_penalty(theta, self.model.n_fft)
            value += self.smoothness * smooth_value
            if need_grad:   # in place: grad_win is this evaluation's own array
                smooth_grad *= self.smoothness
                grad_win += smooth_grad
        if self.coverage:
            cover_value, cover_pos, cover_win = _engine.coverage_penalty(positions, theta, self.n_samples,
                                                                         _COVERAGE_REACH, self.model.n_fft)
            value += self.coverage * cover_value
            if need_grad:
                grad_pos = grad_pos + self.coverage * cover_pos
                grad_win = grad_win + self.coverage * cover_win
        if self.hop_smoothness:
            hops = params["hops"]
            hop_value, grad_log_hops = _engine.smoothness_penalty(np.log(hops), 1.0)
            value += self.hop_smoothness * hop_value
        if not need_grad:
            return value, None
        grads = {"win_length": grad_win}
        if self.model.hop_mode == "constant":
            grads["hop_length"] = frame_positions_vjp(grad_pos)
        elif self.model.hop_mode == "time":
            grads["hops"] = positions_from_hops_vjp(grad_pos)
            if self.hop_smoothness:   # ∂/∂d = ∂/∂(log d) / d
                grads["hops"] += self.hop_smoothness * grad_log_hops / hops
        return value, grads
