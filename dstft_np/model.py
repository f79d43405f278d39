"""DSTFT: a differentiable STFT whose window lengths and hops are fitted to a signal.

The model holds the learnable parameters (plain float64 arrays, in the
shapes ``stft`` takes), their bounds and the options; nothing else. A fit
builds an ``objective.Objective`` over the signal, checked once, and hands
it to ``optim.minimize``, whose loops call it once per step:

    hops d ──positions──▶ t_n ──┐
                                ├─stft──▶ S ──|·|^p──▶ Y ──loss──▶ L
    window lengths θ ───────────┘

(docs/derivation.md §8 for the chain rule back).
"""

import dataclasses
import warnings
from typing import NamedTuple, Optional

import numpy as np

from . import losses
from ._options import HOP_MODES, WIN_MODES, document_choices, option_code, transform_codes
from ._validation import (
    check_hop,
    check_integer,
    check_n_fft,
    check_pair,
    check_positive,
    check_real,
    check_sample_rate,
    check_scalar,
    check_signal,
    check_win_length,
)
from .objective import Objective
from .optim import FitInterrupted, minimize
from .positions import frame_positions, positions_from_hops
from .transform import stft

__all__ = ["DSTFT", "RoundedParameters", "fit_report", "seconds_to_samples"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


class RoundedParameters(NamedTuple):
    """What ``DSTFT.to_fixed`` returns: integer parameters and what rounding costs.

    Attributes
    ----------
    model : DSTFT
        A copy of the model holding the rounded parameters (same modes,
        options and sample rate; bounds widened where needed to hold them).
    win_length : int or np.ndarray of int
        θ rounded to whole samples: an int for win_mode "constant", else an
        array of the shape of ``DSTFT.win_length``.
    hop_length : int or np.ndarray [shape=(T-1,)] of int
        The hop in whole samples; the T-1 hops for hop_mode "time".
    loss : float
        The objective at the learned parameters.
    rounded_loss : float
        The objective at the rounded parameters.
    loss_change : float
        rounded_loss - loss (> 0 when rounding costs).
    sample_rate : float or None
        Hz, as on the model: ``model.win_length_seconds`` and friends report
        the rounded values in seconds.
    """

    model: "DSTFT"
    win_length: object
    hop_length: object
    loss: float
    rounded_loss: float
    loss_change: float
    sample_rate: Optional[float]


def seconds_to_samples(seconds, sample_rate, name="length"):
    """seconds · sample_rate as float64, snapped to the nearest integer when within rounding error of it.

    Without the snap, 0.064 s at 16 kHz would be 1024.0000000000001
    samples, just over an n_fft of 1024.
    """
    try:
        value = np.asarray(seconds, dtype=np.float64) * float(sample_rate)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number of seconds, got {seconds!r}") from None
    nearest = np.round(value)
    snapped = np.where(np.abs(value - nearest) <= 1e-9 * np.maximum(1.0, np.abs(value)), nearest, value)
    return float(snapped) if snapped.ndim == 0 else snapped


def _round_samples(value, at_least=1.0):
    """Nearest whole number of samples (halves up), at least `at_least`."""
    return np.maximum(np.floor(np.asarray(value, dtype=np.float64) + 0.5), at_least)


@document_choices
class DSTFT:
    """Differentiable STFT with learnable window lengths θ and hops, fitted to a signal by ``fit``.

    Parameters
    ----------
    n_fft : int
        N, even; F = N/2 + 1 bins.
    hop_length : float
        h > 0 in samples: the hop of the default grid t_n = n·h (hop_mode
        "fixed"), or the initial hop of a learnable one.
    win_length : float or array_like
        Initial θ in samples, within ``bounds["win_length"]``: a scalar
        (filled into every entry), or an array of the mode's shape (below).
    window : {WINDOWS}
    win_mode : {WIN_MODES}
        Shape of the learnable θ: () one value, (T,) per frame, (F, 1) per
        bin, (F, T) per cell: shapes that ``stft``, ``plot.win_length_map``
        and ``dstft_np.torch`` take as they are.
    hop_mode : {HOP_MODES}
        "fixed": t_n = n·d, d not learned. "constant": t_n = n·d with one
        learnable d. "time": t_n = Σ_{i<n} d_i with T - 1 learnable hops
        ``model.hops``. The first frame stays at t_0 = 0.
    n_samples : int, optional
        K, the length of the signals the model will see. Required when the
        frame count has to be known at construction (win_mode "time" or
        "time-frequency", or a learnable hop); it then fixes
        T = 1 + K // hop_length, which stays fixed while the hops are fitted,
        and every x must have K samples. Without it, T = 1 + K // hop_length
        follows each signal.
    bounds : dict, optional
        {"win_length": (low, high), "hop_length": (low, high)}; the hop
        bounds apply to ``hop_length`` and to every entry of ``hops``.
        Defaults: θ in [max(2, N/64), N], hop in [1, N]. Fits stay within
        them.
    p : float > 0
        The losses act on Y = |S|^p; 1 (magnitude) is the papers' choice.
    norm : {NORMS}
    phase : {PHASES}
        As in ``dstft_np.stft``.
    sample_rate : float, optional
        Hz. Only for reporting: every length above stays in samples, and
        ``win_length_seconds``, ``hop_length_seconds`` and ``hops_seconds``
        give the parameters in seconds. ``DSTFT.from_seconds`` builds a model
        from lengths in seconds.

    Attributes
    ----------
    win_length : np.ndarray, float64
        θ, shape () / (T,) / (F, 1) / (F, T) by win_mode; settable.
    hop_length : float
        The hop (hop_mode "fixed" or "constant"); settable.
    hops : np.ndarray [shape=(T-1,)], float64
        The hops (hop_mode "time"); settable.
    n_frames : int or None
        T when fixed at construction.
    sample_rate : float or None
        Hz, when given.
    win_length_seconds, hop_length_seconds, hops_seconds : np.ndarray or float
        θ / sample_rate, h / sample_rate (AttributeError without a sample rate).

    Raises
    ------
    ValueError
        Unknown modes, n_samples missing when needed, initial values outside
        the bounds, bounds outside (0, n_fft] for θ or <= 0 for the hop,
        NaN or inf values, a frame count above the memory limit.
    TypeError
        Non-numeric values (strings, complex), bounds that are not a dict
        of (low, high) pairs.

    Notes
    -----
    The objective L = loss(|S|^p) + λ_s R_smooth(θ) + λ_c C_coverage(t, θ)
    is ``dstft_np.objective.Objective``; R_smooth and C_coverage are
    ``losses.smoothness`` and ``losses.coverage`` with scale = n_fft. The
    coverage term applies only when the hop is learnable.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> k = np.arange(4000)
    >>> x = np.sin(2 * np.pi * 0.05 * k) + np.sin(2 * np.pi * (0.1 + 0.2 * k / 4000) * k)
    >>> model = dstft_np.DSTFT(n_fft=512, hop_length=64, win_length=200.0)
    >>> history = model.fit(x)
    >>> history.status, round(float(model.win_length)), model.win_length.shape
    ('converged', 284, ())
    """

    def __init__(self, n_fft, hop_length, win_length, *, window="hann", win_mode="constant",
                 hop_mode="fixed", n_samples=None, bounds=None, p=1.0, norm="area",
                 phase="absolute", sample_rate=None):
        self.n_fft = check_n_fft(n_fft)
        self.sample_rate = None if sample_rate is None else float(check_sample_rate(sample_rate))
        self.n_bins = self.n_fft // 2 + 1
        option_code("win_mode", win_mode, WIN_MODES)
        option_code("hop_mode", hop_mode, HOP_MODES)
        self.win_mode, self.hop_mode = win_mode, hop_mode
        transform_codes(window, norm, phase)
        self.window, self.norm, self.phase = window, norm, phase
        self.p = check_positive(p, "p")
        hop = check_hop(hop_length)
        self._initial_hop = hop  # fixes T; copies of the model (to_fixed) need it to keep the frame count

        if n_samples is not None:
            n_samples = check_integer(n_samples, "n_samples", minimum=1)
        if n_samples is None and (win_mode in ("time", "time-frequency") or hop_mode != "fixed"):
            raise ValueError(
                f"n_samples (the signal length K) is required with win_mode={win_mode!r} and "
                f"hop_mode={hop_mode!r}: it fixes the frame count T = 1 + K // hop_length"
            )
        self.n_samples = n_samples
        # through frame_positions: T = 1 + K // hop, with its memory check for tiny hops
        self.n_frames = None if n_samples is None else frame_positions(n_samples, hop).size
        self.bounds = self._check_bounds(bounds or {})

        self._params = {}
        self.win_length = win_length
        if hop_mode == "time":
            self.hops = np.full(self.n_frames - 1, hop)
        else:
            self.hop_length = hop

    # ------------------------------------------------------------------ parameters

    def _check_bounds(self, bounds):
        if not isinstance(bounds, dict):
            raise TypeError(f"bounds must be a dict with keys 'win_length' and/or 'hop_length', got {bounds!r}")
        unknown = set(bounds) - {"win_length", "hop_length"}
        if unknown:
            raise ValueError(f"bounds keys must be 'win_length' and/or 'hop_length', got {sorted(unknown)}")
        defaults = self.default_bounds(self.n_fft)
        edges = {}
        for name, default in defaults.items():
            label = f"bounds[{name!r}]"
            edges[name] = [check_scalar(edge, label) for edge in check_pair(bounds.get(name, default), label)]
        (win_low, win_high), (hop_low, hop_high) = edges["win_length"], edges["hop_length"]
        if not 0 < win_low <= win_high <= self.n_fft:
            raise ValueError(f"bounds['win_length'] must satisfy 0 < low <= high <= n_fft={self.n_fft}, "
                             f"got ({win_low!r}, {win_high!r})")
        if not 0 < hop_low <= hop_high < np.inf:
            raise ValueError(f"bounds['hop_length'] must satisfy 0 < low <= high < inf, got ({hop_low!r}, {hop_high!r})")
        return {"win_length": (float(win_low), float(win_high)), "hop_length": (float(hop_low), float(hop_high))}

    @staticmethod
    def default_bounds(n_fft):
        """The bounds a model of this n_fft has unless told otherwise.

        Returns
        -------
        dict
            {"win_length": (max(2, n_fft/64), n_fft), "hop_length": (1, n_fft)},
            in samples.
        """
        n_fft = check_n_fft(n_fft)
        return {"win_length": (max(2.0, n_fft / 64), float(n_fft)), "hop_length": (1.0, float(n_fft))}

    def _win_shape(self):
        return {"constant": (), "time": (self.n_frames,), "frequency": (self.n_bins, 1),
                "time-frequency": (self.n_bins, self.n_frames)}[self.win_mode]

    def _check_within(self, value, name, bound_name, shape):
        arr = check_win_length(value, self.n_fft) if name == "win_length" else check_real(value, name)
        if arr.ndim and arr.shape != shape:
            raise ValueError(f"{name} must be a scalar or have shape {shape} for this model, got {arr.shape}")
        low, high = self.bounds[bound_name]
        if np.any(arr < low) or np.any(arr > high):
            bad = arr[(arr < low) | (arr > high)].flat[0]
            raise ValueError(f"{name} must be in [{low}, {high}] (bounds[{bound_name!r}]), got {float(bad)!r}")
        return np.array(np.broadcast_to(arr, shape))

    @property
    def win_length(self):
        return self._params["win_length"]

    @win_length.setter
    def win_length(self, value):
        self._params["win_length"] = self._check_within(value, "win_length", "win_length", self._win_shape())

    @property
    def hop_length(self):
        if self.hop_mode == "time":
            raise AttributeError("hop_mode='time' has one hop per frame: read model.hops")
        return self._hop_length if self.hop_mode == "fixed" else float(self._params["hop_length"])

    @hop_length.setter
    def hop_length(self, value):
        if self.hop_mode == "time":
            raise AttributeError("hop_mode='time' has one hop per frame: set model.hops")
        if self.hop_mode == "fixed":
            self._hop_length = check_hop(value)
        else:
            self._params["hop_length"] = self._check_within(value, "hop_length", "hop_length", ())

    @property
    def hops(self):
        if self.hop_mode != "time":
            raise AttributeError(f"hop_mode={self.hop_mode!r} has one hop: read model.hop_length")
        return self._params["hops"]

    @hops.setter
    def hops(self, value):
        if self.hop_mode != "time":
            raise AttributeError(f"hop_mode={self.hop_mode!r} has one hop: set model.hop_length")
        self._params["hops"] = self._check_within(value, "hops", "hop_length", (self.n_frames - 1,))

    @classmethod
    def from_seconds(cls, n_fft, hop_length, win_length, *, sample_rate, bounds=None, **options):
        """A model whose hop, initial window length and bounds are given in seconds.

        Parameters
        ----------
        n_fft : int
            N in samples (the FFT size), even.
        hop_length : float
            Seconds.
        win_length : float or array_like
            Seconds; θ = win_length · sample_rate samples, within (0, N].
        sample_rate : float
            Hz, > 0; kept on the model for reporting.
        bounds : dict, optional
            As in ``DSTFT``, in seconds.
        **options
            Every other argument of ``DSTFT`` (``n_samples`` stays a count
            of samples).

        Returns
        -------
        DSTFT

        Examples
        --------
        >>> import dstft_np
        >>> model = dstft_np.DSTFT.from_seconds(1024, 0.008, 0.05, sample_rate=16000)
        >>> float(model.win_length), model.hop_length, float(model.win_length_seconds)
        (800.0, 128.0, 0.05)
        """
        rate = float(check_sample_rate(sample_rate))
        if bounds is not None:
            if not isinstance(bounds, dict):
                raise TypeError(f"bounds must be a dict of (low, high) pairs in seconds, got {bounds!r}")
            bounds = {name: tuple(float(seconds_to_samples(edge, rate, f"bounds[{name!r}]"))
                                  for edge in check_pair(pair, f"bounds[{name!r}]"))
                      for name, pair in bounds.items()}
        return cls(n_fft, seconds_to_samples(hop_length, rate, "hop_length"),
                   seconds_to_samples(win_length, rate, "win_length"), bounds=bounds, sample_rate=rate,
                   **options)

    def _seconds(self, samples, name):
        if self.sample_rate is None:
            raise AttributeError(f"{name} needs the sample rate: build the model with sample_rate=... "
                                 "or DSTFT.from_seconds")
        return samples / self.sample_rate

    @property
    def win_length_seconds(self):
        """θ / sample_rate, in seconds, shaped like ``win_length``."""
        return self._seconds(self.win_length, "win_length_seconds")

    @property
    def hop_length_seconds(self):
        """The hop in seconds (hop_mode "fixed" or "constant")."""
        return self._seconds(self.hop_length, "hop_length_seconds")

    @property
    def hops_seconds(self):
        """The T-1 hops in seconds (hop_mode "time")."""
        return self._seconds(self.hops, "hops_seconds")

    def parameters(self):
        """The learnable arrays by name ("win_length", and "hop_length" or "hops"), as copies."""
        return {name: value.copy() for name, value in self._params.items()}

    def set_parameters(self, params):
        """Set learnable arrays from a dict like the one ``parameters`` returns (checked)."""
        if not isinstance(params, dict):
            raise TypeError(f"params must be a dict of name -> array, got {type(params).__name__}")
        for name, value in params.items():
            if name not in self._params:
                raise ValueError(f"unknown parameter {name!r}; this model learns {sorted(self._params)}")
            setattr(self, name, value)

    def positions(self, n_samples=None):
        """t_n of the current parameters, shape (T,), in samples.

        n_samples is needed only when T is not fixed at construction.
        """
        if self.hop_mode == "time":
            return positions_from_hops(self.hops)
        if self.n_frames is None:
            if n_samples is None:
                raise ValueError("n_samples is required: the frame count follows the signal length")
            return frame_positions(n_samples, self.hop_length)
        return np.arange(self.n_frames) * self.hop_length

    # ------------------------------------------------------------------ transform

    def __call__(self, x):
        """S = stft(x) with the current parameters, shape (..., F, T), complex.

        Parameters
        ----------
        x : array_like [shape=(..., K)], real
        """
        x = check_signal(x, n_samples=self.n_samples)
        return stft(x, self.win_length, self.positions(x.shape[-1]), n_fft=self.n_fft, window=self.window,
                    norm=self.norm, phase=self.phase)

    def spectrogram(self, x):
        """Y = |S|^p, shape (..., F, T), real."""
        return losses.magnitude(self(x), self.p)

    # ------------------------------------------------------------------ objective

    @document_choices
    def value_and_grad(self, x, loss=None, *, scaling=None, smoothness=None, coverage=None, hop_smoothness=None):
        """The objective at the current parameters and its gradient per learnable array.

        Parameters
        ----------
        x : array_like [shape=(..., K)], real
        loss : {LOSSES} or callable, optional
            A name from ``dstft_np.losses`` (default options) or any function
            Y -> (value, dL_dY) such as
            ``functools.partial(dstft_np.losses.renyi_entropy, alpha=2)``.
            Default: "entropy" (of the whole spectrogram) for win_mode
            "constant", "frame-entropy" for the maps.
        scaling : {SCALINGS}, optional
            What the loss sees: Y = |S|^p ("magnitude") or each cell
            rescaled by its θ so that white noise has one level whatever the
            window length ("density": Y (θ/N)^(p/2) with norm "area");
            default "density" for win_mode "frequency" and "time-frequency",
            else "magnitude" (``objective.Objective``; docs/experiments.md
            §9, §10).
        smoothness : float >= 0, optional
            λ_s, weight of ``losses.smoothness(θ, scale=n_fft)``; default 0
            for win_mode "constant", 10 per frame, 100 per bin and per
            cell.
        coverage : float >= 0, optional
            λ_c, weight of ``losses.coverage(t, θ, K, scale=n_fft)``;
            default 10 with a learnable hop (gaps of a few percent of n_fft
            then cost more than the entropy they save), and the term is
            never applied with hop_mode "fixed".
        hop_smoothness : float >= 0, optional
            λ_h, weight of ``losses.smoothness(log d)`` on the hops of
            hop_mode "time" (default 30: it keeps them from bunching at
            their lower bound); not applied with the other hop modes.

        Returns
        -------
        value : float
        grads : dict of str -> np.ndarray
            ∂L/∂θ ("win_length", the shape of ``win_length``) and ∂L/∂d
            ("hop_length", shape (), or "hops", shape (T-1,)).

        Raises
        ------
        FloatingPointError
            If the loss or its gradient with respect to Y is not finite.
        TypeError, ValueError
            A loss that does not return (real number, real array of Y's
            shape); bad x or weights.

        Notes
        -----
        One forward transform and one VJP (docs/derivation.md §3):
        G = ∂L/∂Y · p |S|^{p-2} S, ∂L/∂θ = Re(conj(G) ∂S/∂θ),
        ∂L/∂t_n = Σ_m Re(conj(G) ∂S/∂t_n), then ∂L/∂d = Σ_n n ∂L/∂t_n
        (constant hop) or ∂L/∂d_i = Σ_{n>i} ∂L/∂t_n (per-frame hops).
        ``dstft_np.objective.Objective`` is the same function of the
        parameters, for many evaluations on one signal.
        """
        value, grads = Objective(self, x, loss, scaling=scaling, smoothness=smoothness, coverage=coverage,
                                 hop_smoothness=hop_smoothness).value_and_grad(self._params)
        if grads is None:
            raise FloatingPointError("the loss or its gradient with respect to Y is not finite")
        return value, grads

    def to_fixed(self, x, loss=None, *, scaling=None, smoothness=None, coverage=None, hop_smoothness=None):
        """Round the parameters to whole samples, as a fixed-parameter STFT needs them, and price it.

        Parameters
        ----------
        x : array_like [shape=(..., K)], real
            The signal the loss is measured on (normally the one fitted).
        loss, scaling, smoothness, coverage, hop_smoothness
            The objective, as in ``value_and_grad`` (same defaults as
            ``fit``).

        Returns
        -------
        RoundedParameters
            The integer window length(s) and hop(s), a copy of the model
            holding them, and the objective before and after rounding.

        Notes
        -----
        θ and a constant hop are rounded to the nearest integer (halves up,
        at least 1). With hop_mode "time" the positions t_n are rounded and
        the hops are their differences, so rounding errors do not add up
        along the signal. Maps (win_mode other than "constant") are rounded
        entry by entry: only win_mode "constant" with a fixed or constant
        hop is an ordinary STFT (scipy, torch, librosa) with
        ``win_length`` and ``hop_length`` integers.

        Examples
        --------
        >>> import numpy as np, dstft_np
        >>> x = np.sin(0.3 * np.arange(2000))
        >>> model = dstft_np.DSTFT(256, 64.4, 150.6)
        >>> rounded = model.to_fixed(x)
        >>> rounded.win_length, rounded.hop_length, rounded.model.hop_length
        (151, 64, 64.0)
        """
        objective = Objective(self, x, loss, scaling=scaling, smoothness=smoothness, coverage=coverage,
                              hop_smoothness=hop_smoothness)
        win_length = _round_samples(self.win_length)
        if self.hop_mode == "time":
            hop_length = np.maximum(np.diff(_round_samples(positions_from_hops(self.hops), -np.inf)), 1.0)
        else:
            hop_length = _round_samples(self.hop_length)
        widen = {"win_length": win_length, "hop_length": hop_length}
        bounds = {name: (min(low, float(np.min(widen[name]))), max(high, float(np.max(widen[name]))))
                  for name, (low, high) in self.bounds.items()}
        rounded = DSTFT(self.n_fft, self._initial_hop, win_length, window=self.window,
                        win_mode=self.win_mode, hop_mode=self.hop_mode, n_samples=self.n_samples,
                        bounds=bounds, p=self.p, norm=self.norm, phase=self.phase,
                        sample_rate=self.sample_rate)
        if self.hop_mode == "time":
            rounded.hops = hop_length
        else:
            rounded.hop_length = hop_length
        before, after = objective.value(self._params), objective.value(rounded._params)
        if not (np.isfinite(before) and np.isfinite(after)):
            raise FloatingPointError("the loss is not finite at the learned or the rounded parameters")
        as_int = (lambda a: int(a)) if self.win_mode == "constant" else (lambda a: a.astype(np.int64))
        hop_int = hop_length.astype(np.int64) if self.hop_mode == "time" else int(hop_length)
        return RoundedParameters(model=rounded, win_length=as_int(win_length), hop_length=hop_int,
                                 loss=before, rounded_loss=after, loss_change=after - before,
                                 sample_rate=self.sample_rate)

    # ------------------------------------------------------------------ fitting

    @document_choices
    def fit(self, x, loss=None, *, method="l-bfgs-b", max_evaluations=None, tol=0.01, scaling=None,
            smoothness=None, coverage=None, hop_smoothness=None, lr=None, factor=None, patience=None, min_lr=None, callback=None,
            progress=False):
        """Fit the learnable parameters to x: the lowest objective found, set on the model.

        Parameters
        ----------
        x : array_like [shape=(..., K)], real
            Checked once; leading batch axes share the parameters.
        loss, scaling, smoothness, coverage, hop_smoothness
            The objective, as in ``value_and_grad``. Defaults by win_mode:
            one window length minimises the entropy of the whole
            spectrogram (the papers'); maps the frame-mean entropy
            ("frame-entropy"), per bin and per cell of the "density"
            scaling, with smoothness 10 per frame, 100 per bin and per cell
            (docs/experiments.md §3, §8, §9, §10); per-frame hops get
            hop_smoothness 30.
        method : {FIT_METHODS}
            "l-bfgs-b" (default): scipy's L-BFGS-B within the bounds, for
            the full signal. A global scan comes first: the loss at 3
            window lengths per octave across the bounds (and at the start),
            then L-BFGS-B from the best one, between its neighbours with
            win_mode "constant", so the start cannot trap the fit in a
            local minimum. A map is scanned as a constant map and refined
            from the best constant (or from the start, when that is
            lower): it starts no worse than the best single window. "adam": projected Adam with a reduce-on-plateau
            schedule, max_evaluations - 1 updates, no scan; for stochastic
            and joint training.
        max_evaluations : int >= 1, optional
            The most evaluations of the objective (scan included; each is
            one forward transform, plus one VJP unless it is a scan point).
            Default: 100 for win_mode "constant" (a fit uses about 30),
            500 for maps; 100 for "adam".
        tol : float > 0
            L-BFGS-B stops after an iteration that moved every parameter by
            less than `tol` samples.
        lr, factor, patience, min_lr : optional
            Adam only: the step size in samples per step, one for all
            parameters or {"win_length": ..., "hop_length" or "hops": ...}
            (default n_fft/50 for θ, (mean) hop/50 for the hops); the
            schedule multiplies it by `factor` (0.5) after `patience` (10)
            steps without a lower loss, down to `min_lr` (lr/1000).
        callback : callable, optional
            callback(step, value, params) after each evaluation, step
            counting from 0; params is the dict of arrays evaluated (do not
            modify it). Returning True stops the fit (status "stopped").
        progress : bool or int
            Print the evaluation count, the loss, scalar parameters, the
            time so far and an ETA (against max_evaluations, an upper bound)
            to stderr at the first evaluation and every `progress`
            evaluations (True: every max_evaluations // 10).

        Returns
        -------
        FitHistory
            Every evaluation's loss (and the path of scalar parameters, the
            scan's grid), the parameters returned, ``status`` ("converged",
            "step limit", "stopped", "not finite") and ``message``. The
            parameters are those of the lowest loss evaluated, so the fit
            never ends above its start; they are also set on the model.

        Raises
        ------
        KeyboardInterrupt
            Re-raised (as ``optim.FitInterrupted``, with ``.history``)
            after the lowest-loss parameters evaluated so far are set on
            the model.
        TypeError, ValueError
            As ``value_and_grad``; method unknown, max_evaluations or
            progress not an integer >= 1 (>= 0), tol <= 0, callback not
            callable, Adam's options with "l-bfgs-b", lr <= 0, factor
            outside (0, 1), patience < 0, min_lr < 0.

        Warns
        -----
        UserWarning
            When x is silent (all zeros: every loss is 0); when a fit that
            converged leaves a scalar parameter at a bound, or more than 2 %
            of a map's entries within 1 % of the range from a bound. The
            message names the fix.
        RuntimeWarning
            When the loss or its gradient is not finite: the fit stops there.

        Examples
        --------
        >>> import numpy as np, dstft_np
        >>> x = dstft_np.signals.chirp_and_tone()
        >>> model = dstft_np.DSTFT(n_fft=1000, hop_length=100, win_length=25.0)
        >>> history = model.fit(x)
        >>> round(float(model.win_length)), history.status, history.n_evaluations <= 40
        (496, 'converged', True)
        """
        objective = Objective(self, x, loss, scaling=scaling, smoothness=smoothness, coverage=coverage,
                              hop_smoothness=hop_smoothness)
        scalar_only = self.win_mode == "constant" and self.hop_mode != "time"
        if max_evaluations is None:
            max_evaluations = 100 if scalar_only or method == "adam" else 500
        typical_step = {"win_length": self.n_fft / 50}
        if self.hop_mode == "constant":
            typical_step["hop_length"] = self.hop_length / 50
        elif self.hop_mode == "time":
            typical_step["hops"] = float(np.mean(self.hops)) / 50
        bounds = {name: self.bounds["win_length" if name == "win_length" else "hop_length"] for name in self._params}
        try:
            history = minimize(objective, self._params, bounds, method=method,
                               scan="win_length" if method == "l-bfgs-b" else None,
                               typical_step=typical_step, tol=tol, max_evaluations=max_evaluations,
                               callback=callback, progress=progress, lr=lr, factor=factor, patience=patience,
                               min_lr=min_lr)
        except FitInterrupted as interrupt:
            self._params = {name: value.copy() for name, value in interrupt.history.params.items()}
            raise
        self._params = {name: value.copy() for name, value in history.params.items()}
        if history.status == "not finite":
            warnings.warn(f"DSTFT.fit stopped: {history.message}", RuntimeWarning, stacklevel=2)
        if not np.any(objective.x):
            warnings.warn("x is silent (all zeros): every loss is 0 whatever the window, so the parameters "
                          "stay where they started", UserWarning, stacklevel=2)
        elif history.status == "converged":
            for advice in self._bound_advice(objective):
                warnings.warn(advice, UserWarning, stacklevel=2)
        return history

    def _bound_advice(self, objective):
        """One message per learnable array that ended at (a scalar) or near (> 2 % of a map) its bounds."""
        messages = []
        for name, value in self._params.items():
            low, high = self.bounds["win_length" if name == "win_length" else "hop_length"]
            if low == high:   # held fixed
                continue
            margin = 0 if value.ndim == 0 else 0.01 * (high - low)
            near_low, near_high = int(np.sum(value <= low + margin)), int(np.sum(value >= high - margin))
            if near_low + near_high <= (0 if value.ndim == 0 else 0.02 * value.size):
                continue
            fixes = []
            if name != "win_length" and value.ndim and near_low:
                fixes.append(f"frames bunch: raise hop_smoothness (now {objective.hop_smoothness:g}) or the lower "
                             "bound in bounds['hop_length']")
            elif name != "win_length":
                fixes.append("widen bounds['hop_length']")
            if name == "win_length" and near_high:
                fixes.append(f"a larger n_fft (now {self.n_fft}) allows longer windows" if high == self.n_fft
                             else f"raise bounds['win_length'] up to n_fft = {self.n_fft}")
            if name == "win_length" and near_low:
                fixes.append(f"raise smoothness (now {objective.smoothness:g})" if value.ndim
                             else "lower bounds['win_length']")
            if name == "win_length" and value.ndim and objective.loss == "entropy":
                fixes.append("use loss='frame-entropy' (the entropy of the whole spectrogram rewards moving energy "
                             "between frames)")
            if name == "win_length" and self.win_mode in ("frequency", "time-frequency") and \
                    objective.scaling == "magnitude":
                fixes.append("use scaling='density' (a measure across bins rewards lowering the level of bins "
                             "that hold only noise, which a longer window does under the 'area' norm)")
            if value.ndim == 0:
                side, edge = ("upper", high) if near_high else ("lower", low)
                messages.append(f"the fitted {name} {float(value):g} is at its {side} bound {edge:g}: the loss "
                                f"still falls beyond it; {'; '.join(fixes)}")
            else:
                messages.append(f"{near_low + near_high} of the {value.size} fitted {name} values ({near_low} at "
                                f"the lower, {near_high} at the upper bound) end within 1 % of a bound: "
                                f"{'; '.join(fixes)}")
        return messages

    def __repr__(self):
        rate = "" if self.sample_rate is None else f", sample_rate={self.sample_rate:g}"
        return (f"DSTFT(n_fft={self.n_fft}, win_mode={self.win_mode!r}, hop_mode={self.hop_mode!r}, "
                f"window={self.window!r}, p={self.p}, n_frames={self.n_frames}{rate})")


def fit_report(model, history, rounded=None, *, n_samples=None):
    """What a fit produced, as plain values and numpy arrays: the record ``dstft-np optimize`` writes.

    Parameters
    ----------
    model : DSTFT
        The model holding the fitted parameters.
    history : FitHistory
        What ``model.fit`` returned.
    rounded : RoundedParameters, optional
        What ``model.to_fixed`` returned.
    n_samples : int, optional
        K, for the positions of a model whose frame count follows the signal.

    Returns
    -------
    dict
        "parameters": θ ("win_length", in the model's shape), the hop
        ("hop_length") or hops ("hops"), the positions t_n, all in samples,
        and with a sample rate the scalar ones in seconds too
        ("win_length_seconds", "hop_length_seconds"); maps stay in samples
        (divide by "sample_rate"). "history": every field of `history` but
        the parameters (the scan as a dict). "rounded" (when given): the integer parameters, the
        loss before and after rounding and the change. Arrays stay numpy
        arrays, so that a writer can inline the small ones in JSON and save
        the large ones in an .npz file.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> x = np.sin(0.3 * np.arange(2000))
    >>> model = dstft_np.DSTFT(256, 64, 150.0, sample_rate=8000)
    >>> history = model.fit(x, max_evaluations=3)
    >>> report = dstft_np.model.fit_report(model, history, n_samples=x.size)
    >>> sorted(report["parameters"]), report["history"]["loss"].shape
    (['hop_length', 'hop_length_seconds', 'positions', 'sample_rate', 'win_length', 'win_length_seconds'], (3,))
    """
    parameters = model.parameters()
    if model.hop_mode == "fixed":
        parameters["hop_length"] = np.asarray(model.hop_length)
    parameters["positions"] = model.positions(n_samples)
    parameters["sample_rate"] = model.sample_rate
    if model.sample_rate is not None:
        for name in ("win_length", "hop_length"):
            if name in parameters and np.ndim(parameters[name]) == 0:
                parameters[f"{name}_seconds"] = parameters[name] / model.sample_rate
    report = {"parameters": parameters,
              "history": {field.name: getattr(history, field.name) for field in dataclasses.fields(history)
                          if field.name != "params"}}
    if history.scan is not None:   # plain values, like the rest
        report["history"]["scan"] = history.scan._asdict()
    if rounded is not None:
        report["rounded"] = {name: getattr(rounded, name) for name in
                             ("win_length", "hop_length", "loss", "rounded_loss", "loss_change")}
    return report
