"""DSTFT: a differentiable STFT whose window lengths and hops are fitted to a signal.

The model holds the learnable parameters as plain float64 arrays and chains
the closed-form pieces of the package (docs/derivation.md §5, §6, §8):

    hops d ──positions_from_hops──▶ t_n ──┐
                                          ├─stft──▶ S ──|·|^p──▶ Y ──loss──▶ L
    window lengths θ ─────────────────────┘

and back: ∂L/∂Y (the loss) → G = ∂L/∂Y · p|S|^{p-2} S (``losses.magnitude_vjp``)
→ ∂L/∂θ, ∂L/∂t_n (``stft_vjp``) → ∂L/∂d (``positions_from_hops_vjp``, or
Σ_n n ∂L/∂t_n for one constant hop). Regularisers add their own gradients.
"""

import dataclasses
import sys
import warnings
from typing import NamedTuple, Optional

import numpy as np

from . import _engine, losses
from ._options import HOP_MODES, WIN_MODES, option_code, transform_codes
from ._validation import (
    all_finite,
    check_integer,
    check_n_fft,
    check_pair,
    check_hop,
    check_positive,
    check_real,
    check_sample_rate,
    check_scalar,
    check_signal,
    check_win_length,
)
from .optim import Adam, ReduceOnPlateau
from .positions import frame_positions, positions_from_hops, positions_from_hops_vjp
from .transform import stft, stft_vjp

__all__ = ["DSTFT", "FitHistory", "RoundedParameters", "fit_report", "seconds_to_samples"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


@dataclasses.dataclass
class FitHistory:
    """What ``DSTFT.fit`` did.

    Attributes
    ----------
    loss : np.ndarray [shape=(n_evaluations,)]
        The objective (loss + weighted regularisers) at the initial
        parameters and after each update; the last entry belongs to the
        final parameters.
    lr : dict of str -> np.ndarray [shape=(n_updates,)]
        The step size used by each update, per parameter.
    params : dict of str -> np.ndarray
        The final parameters (also set on the model).
    message : str
        How the fit ended: "completed", "stopped by callback at step i",
        or why it stopped early (non-finite loss).
    """

    loss: np.ndarray
    lr: dict
    params: dict
    message: str


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


def _round_samples(value, at_least=1.0):
    """Nearest whole number of samples (halves up), at least `at_least`."""
    return np.maximum(np.floor(np.asarray(value, dtype=np.float64) + 0.5), at_least)


class DSTFT:
    """Differentiable STFT with learnable window lengths θ and hops, fitted by Adam.

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
    window : {"hann", "blackman", "gaussian"}
    win_mode : {"constant", "time", "frequency", "time-frequency"}
        Shape of the learnable θ: () one value, (T,) per frame, (F,) per
        bin, (F, T) per cell.
    hop_mode : {"fixed", "constant", "time"}
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
        Defaults: θ in [max(2, N/64), N], hop in [1, N]. The optimiser
        projects onto them after every step.
    p : float > 0
        The losses act on Y = |S|^p; 1 (magnitude) is the papers' choice.
    norm : {"area", None}
    phase : {"absolute", "center", "start"}
        As in ``dstft_np.stft``.
    sample_rate : float, optional
        Hz. Only for reporting: every length above stays in samples, and
        ``win_length_seconds``, ``hop_length_seconds`` and ``hops_seconds``
        give the parameters in seconds. ``DSTFT.from_seconds`` builds a model
        from lengths in seconds.

    Attributes
    ----------
    win_length : np.ndarray, float64
        θ, shape () / (T,) / (F,) / (F, T) by win_mode; settable.
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
    The gradient of the objective L = loss(|S|^p) + λ_s R_smooth(θ) +
    λ_c C_coverage(t, θ) with respect to each learnable array is returned by
    ``value_and_grad``; R_smooth and C_coverage are ``losses.smoothness`` and
    ``losses.coverage`` with scale = n_fft. The coverage term applies only
    when the hop is learnable.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> k = np.arange(4000)
    >>> x = np.sin(2 * np.pi * 0.05 * k) + np.sin(2 * np.pi * (0.1 + 0.2 * k / 4000) * k)
    >>> model = dstft_np.DSTFT(n_fft=256, hop_length=64, win_length=200.0)
    >>> history = model.fit(x, steps=30, lr=10.0)
    >>> bool(history.loss[-1] < history.loss[0]), model.win_length.shape
    (True, ())
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
        return {"constant": (), "time": (self.n_frames,), "frequency": (self.n_bins,),
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
        return self._positions(self._params, n_samples)

    def _positions(self, params, n_samples):
        if self.hop_mode == "time":
            return positions_from_hops(params["hops"])
        hop = self._hop_length if self.hop_mode == "fixed" else float(params["hop_length"])
        if self.n_frames is None:
            if n_samples is None:
                raise ValueError("n_samples is required: the frame count follows the signal length")
            return frame_positions(n_samples, hop)
        return np.arange(self.n_frames) * hop

    def _stft_win(self, win_length):
        """θ in the broadcast form of ``stft``: (), (T,) → (1, T), (F,) → (F, 1), (F, T)."""
        return win_length[:, None] if self.win_mode == "frequency" else win_length

    # ------------------------------------------------------------------ transform

    def _check_x(self, x):
        x = check_signal(x)
        if self.n_samples is not None and x.shape[-1] != self.n_samples:
            raise ValueError(f"x must have n_samples={self.n_samples} samples along its last axis "
                             f"(fixed at construction), got {x.shape[-1]}")
        return x

    def _stft(self, x, params):
        positions = self._positions(params, x.shape[-1])
        win = self._stft_win(params["win_length"])
        S = stft(x, win, positions, n_fft=self.n_fft, window=self.window, norm=self.norm, phase=self.phase)
        return S, win, positions

    def __call__(self, x):
        """S = stft(x) with the current parameters, shape (..., F, T), complex.

        Parameters
        ----------
        x : array_like [shape=(..., K)], real
        """
        return self._stft(self._check_x(x), self._params)[0]

    def spectrogram(self, x):
        """Y = |S|^p, shape (..., F, T), real."""
        return losses.magnitude(self(x), self.p)

    # ------------------------------------------------------------------ objective

    def _loss_function(self, loss):
        if callable(loss):
            return loss
        return losses.get_loss(loss)

    def _objective(self, x, params, loss_fn, smoothness, coverage, need_grad=True):
        """Value and gradients of the objective; None when the loss or ∂L/∂Y is not finite."""
        S, win, positions = self._stft(x, params)
        Y = _engine.raised_magnitude(S, self.p)   # S is checked by stft
        value, dL_dY = _check_loss_result(loss_fn(Y), Y.shape)
        if not np.isfinite(value) or not all_finite(dL_dY):
            return None
        win_shape = params["win_length"].shape
        if need_grad:
            G = _engine.raised_magnitude_vjp(S, dL_dY, self.p)   # dL_dY is checked above
            grad_win, grad_pos = stft_vjp(x, win, positions, G, n_fft=self.n_fft, window=self.window,
                                          norm=self.norm, phase=self.phase)
            grad_win = grad_win.reshape(win_shape)
        if smoothness:
            smooth_value, smooth_grad = losses.smoothness(params["win_length"], scale=self.n_fft)
            value += smoothness * smooth_value
            if need_grad:
                grad_win += smoothness * smooth_grad
        if coverage and self.hop_mode != "fixed":
            cover_value, cover_pos, cover_win = losses.coverage(positions, win, x.shape[-1], scale=self.n_fft)
            value += coverage * cover_value
            if need_grad:
                grad_pos = grad_pos + coverage * cover_pos
                grad_win += coverage * cover_win.reshape(win_shape)
        if not need_grad:
            return float(value), {}
        grads = {"win_length": grad_win}
        if self.hop_mode == "constant":
            grads["hop_length"] = np.asarray(np.dot(np.arange(grad_pos.size), grad_pos))
        elif self.hop_mode == "time":
            grads["hops"] = positions_from_hops_vjp(grad_pos)
        return float(value), grads

    def _check_weights(self, smoothness, coverage):
        smoothness = check_positive(smoothness, "smoothness", allow_zero=True)
        if coverage is None:
            coverage = 10.0 if self.hop_mode != "fixed" else 0.0
        coverage = check_positive(coverage, "coverage", allow_zero=True)
        return smoothness, coverage

    def value_and_grad(self, x, loss="entropy", *, smoothness=0.0, coverage=None):
        """The objective at the current parameters and its gradient per learnable array.

        Parameters
        ----------
        x : array_like [shape=(..., K)], real
        loss : {"entropy", "renyi", "kurtosis"} or callable
            A name from ``dstft_np.losses`` (default options) or any function
            Y -> (value, dL_dY) such as
            ``functools.partial(dstft_np.losses.renyi_entropy, alpha=2)``.
        smoothness : float >= 0
            λ_s, weight of ``losses.smoothness(θ, scale=n_fft)``.
        coverage : float >= 0, optional
            λ_c, weight of ``losses.coverage(t, θ, K, scale=n_fft)``;
            default 10 with a learnable hop (gaps of a few percent of n_fft
            then cost more than the entropy they save), and the term is
            never applied with hop_mode "fixed".

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
        One forward transform and one VJP (docs/derivation.md §5): G = ∂L/∂Y · p |S|^{p-2} S,
        ∂L/∂θ = Re(conj(G) ∂S/∂θ), ∂L/∂t_n = Σ_m Re(conj(G) ∂S/∂t_n), then
        ∂L/∂d = Σ_n n ∂L/∂t_n (constant hop) or ∂L/∂d_i = Σ_{n>i} ∂L/∂t_n
        (per-frame hops).
        """
        x = self._check_x(x)
        smoothness, coverage = self._check_weights(smoothness, coverage)
        result = self._objective(x, self._params, self._loss_function(loss), smoothness, coverage)
        if result is None:
            raise FloatingPointError("the loss or its gradient with respect to Y is not finite")
        return result

    def to_fixed(self, x, loss="entropy", *, smoothness=0.0, coverage=None):
        """Round the parameters to whole samples, as a fixed-parameter STFT needs them, and price it.

        Parameters
        ----------
        x : array_like [shape=(..., K)], real
            The signal the loss is measured on (normally the one fitted).
        loss, smoothness, coverage
            The objective, as in ``value_and_grad``; by default the plain
            entropy, without regularisers.

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
        x = self._check_x(x)
        smoothness, coverage = self._check_weights(smoothness, coverage)
        loss_fn = self._loss_function(loss)
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
        before = self._objective(x, self._params, loss_fn, smoothness, coverage, need_grad=False)
        after = rounded._objective(x, rounded._params, loss_fn, smoothness, coverage, need_grad=False)
        if before is None or after is None:
            raise FloatingPointError("the loss is not finite at the learned or the rounded parameters")
        as_int = (lambda a: int(a)) if self.win_mode == "constant" else (lambda a: a.astype(np.int64))
        hop_int = hop_length.astype(np.int64) if self.hop_mode == "time" else int(hop_length)
        return RoundedParameters(model=rounded, win_length=as_int(win_length), hop_length=hop_int,
                                 loss=before[0], rounded_loss=after[0], loss_change=after[0] - before[0],
                                 sample_rate=self.sample_rate)

    # ------------------------------------------------------------------ fitting

    def fit(self, x, loss="entropy", *, steps=100, lr=None, smoothness=0.0, coverage=None,
            factor=0.5, patience=10, min_lr=None, callback=None, progress=False):
        """Minimise the objective over the learnable parameters with projected Adam.

        Parameters
        ----------
        x : array_like [shape=(..., K)], real
        loss, smoothness, coverage
            As in ``value_and_grad``.
        steps : int >= 0
            Number of Adam updates.
        lr : float or dict, optional
            Adam step size in samples per step, one for all parameters or
            {"win_length": ..., "hop_length" or "hops": ...}. Default:
            n_fft/50 for θ and (mean) hop/50 for the hops.
        factor, patience : float, int
            Reduce-on-plateau schedule: multiply lr by `factor` after
            `patience` steps without a lower loss.
        min_lr : float or dict, optional
            Floor of the schedule; default lr/1000.
        callback : callable, optional
            callback(step, value, params) after each evaluation; params is
            the dict of current arrays (do not modify it). Returning True
            stops the fit.
        progress : bool or int
            Print "step, loss, lr" to stderr every `progress` steps (True:
            every steps // 10).

        Returns
        -------
        FitHistory
            Losses per step, step sizes, final parameters, how it ended. The
            final parameters are also set on the model.

        Raises
        ------
        TypeError, ValueError
            As ``value_and_grad``; steps or progress not an integer >= 0,
            callback not callable, lr <= 0, factor outside (0, 1),
            patience < 0, min_lr < 0.

        Warns
        -----
        RuntimeWarning
            When the loss or its gradient becomes non-finite: the fit stops
            and keeps the last parameters at which the loss was finite.

        Notes
        -----
        Each step costs one forward transform and one VJP; the parameters
        are projected onto ``bounds`` after every update. The loss is not
        convex in θ (docs/derivation.md, motivation): start from a sensible window length.
        """
        x = self._check_x(x)
        smoothness, coverage = self._check_weights(smoothness, coverage)
        loss_fn = self._loss_function(loss)
        steps = check_integer(steps, "steps")
        if callback is not None and not callable(callback):
            raise TypeError(f"callback must be callable or None, got {callback!r}")
        if not isinstance(progress, (bool, np.bool_)):
            check_integer(progress, "progress")  # True, False, or print every `progress` >= 0 steps
        if lr is None:
            lr = {"win_length": self.n_fft / 50}
            if self.hop_mode == "constant":
                lr["hop_length"] = self.hop_length / 50
            elif self.hop_mode == "time":
                lr["hops"] = float(np.mean(self.hops)) / 50
        opt = Adam(self.parameters(), lr=lr, bounds={
            name: self.bounds["win_length" if name == "win_length" else "hop_length"] for name in self._params})
        if min_lr is None:
            min_lr = {name: value / 1000 for name, value in opt.lr.items()}
        schedule = ReduceOnPlateau(opt, factor=factor, patience=patience, min_lr=min_lr)
        every = max(1, steps // 10) if progress is True else int(progress)

        values, lr_used = [], {name: [] for name in opt.params}
        good = {name: value.copy() for name, value in opt.params.items()}
        message = "completed"
        for step in range(steps + 1):
            last = step == steps
            result = self._objective(x, opt.params, loss_fn, smoothness, coverage, need_grad=not last)
            if result is None or not all(all_finite(g) for g in result[1].values()):
                message = (f"stopped at step {step}: the loss or its gradient is not finite; "
                           f"kept the parameters of step {max(step - 1, 0)}")
                warnings.warn(f"DSTFT.fit {message}", RuntimeWarning, stacklevel=2)
                break
            value, grads = result
            values.append(value)
            good = {name: v.copy() for name, v in opt.params.items()}
            if every and (step % every == 0 or last):
                rates = ", ".join(f"lr[{name}]={rate:.3g}" for name, rate in opt.lr.items())
                print(f"step {step}/{steps}  loss {value:.6g}  {rates}", file=sys.stderr)
            if callback is not None and callback(step, value, opt.params):
                message = f"stopped by callback at step {step}"
                break
            if last:
                break
            for name, rate in opt.lr.items():
                lr_used[name].append(rate)
            opt.step(grads)
            schedule.step(value)
        self.set_parameters(good)
        return FitHistory(loss=np.array(values), lr={name: np.array(r) for name, r in lr_used.items()},
                          params=self.parameters(), message=message)

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
        the parameters. "rounded" (when given): the integer parameters, the
        loss before and after rounding and the change. Arrays stay numpy
        arrays, so that a writer can inline the small ones in JSON and save
        the large ones in an .npz file.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> x = np.sin(0.3 * np.arange(2000))
    >>> model = dstft_np.DSTFT(256, 64, 150.0, sample_rate=8000)
    >>> history = model.fit(x, steps=3)
    >>> report = dstft_np.model.fit_report(model, history, n_samples=x.size)
    >>> sorted(report["parameters"]), report["history"]["loss"].shape
    (['hop_length', 'hop_length_seconds', 'positions', 'sample_rate', 'win_length', 'win_length_seconds'], (4,))
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
    if rounded is not None:
        report["rounded"] = {name: getattr(rounded, name) for name in
                             ("win_length", "hop_length", "loss", "rounded_loss", "loss_change")}
    return report
