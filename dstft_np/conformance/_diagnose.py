"""Locate the worst value of a failed comparison and name the known difference it matches.

A failed row says where its largest error is (batch index, bin m, frame n,
θ and t_n there, expected and got) and, when the pattern of failing values
matches one, which known definitional difference explains it. A known
difference is either

- an *alternative definition*: another phase reference, the extra factor
  (−1)^m of a phase measured N/2 samples away, the other normalisation, the
  complex conjugate, or frames whose fractional position is lost or shared;
  each gives other expected values (S and, where defined, its partials and
  gradients), and the row matches it when every value agrees with those
  within the row's tolerance; or
- a *support* that differs from |u| <= θ/2: a frame of the N samples
  floor(t_n) − N/2 … floor(t_n) + N/2 − 1 loses the window's sample at
  u = N/2 − frac(t_n), inside |u| < θ/2 exactly where θ > N − 2·frac(t_n);
  the row matches it when every failing cell lies there (after any one
  alternative definition).

docs/conventions.md lists the differences and where they were seen.
"""

import numpy as np

from .._engine import sum_to_shape
from .._options import PHASES
from ..transform import stft_partials

__all__ = ["CELL_KEYS", "Diagnosis"]

#: Quantities holding one value per cell of S, and the golden key they compare with.
CELL_KEYS = {"S": "S", "partials:S": "S", "dS_dwin": "dS_dwin", "dS_dpos": "dS_dpos"}

_PHASE_FORMULAS = {"absolute": "k", "center": "k − t_n", "start": "k − (t_n − N/2)"}


def _complex_text(value):
    value = complex(value)
    return f"{value.real:.6g}{value.imag:+.6g}j"


def _real_text(value):
    return f"{float(value):.6g}"


class Diagnosis:
    """Everything a golden case needs to explain its failed rows, computed once per case.

    Parameters
    ----------
    case : GoldenCase
    """

    def __init__(self, case):
        self.case = case
        n_fft = case.options["n_fft"]
        expected = case.expected
        self.shape = expected["S"].shape
        self.theta = np.broadcast_to(case.win_length, self.shape)
        self.t = np.broadcast_to(case.positions, self.shape[:-2] + case.positions.shape[-1:])
        self.t_cells = np.broadcast_to(self.t[..., None, :], self.shape)
        self.m = np.arange(self.shape[-2])[:, None]
        self.n_fft = n_fft
        self._alternatives = None

    # --- where -------------------------------------------------------------------------------

    def locate(self, quantity, actual, error):
        """The position of the largest error: index, m, n, θ and t_n there, expected and got.

        Parameters
        ----------
        quantity : str
            The row's quantity (a key of CELL_KEYS, "grad_win" or "grad_pos").
        actual, error : np.ndarray
            The implementation's values and |actual − expected|, of the expected shape.

        Returns
        -------
        dict
            ``index`` (the full index into the quantity) and, as they apply,
            ``batch``, ``m``, ``n``, ``theta``, ``t_n``; ``expected`` and ``got``.
        """
        index = np.unravel_index(int(np.argmax(error)), error.shape) if error.ndim else ()
        index = tuple(int(i) for i in index)
        expected = self.case.expected[CELL_KEYS.get(quantity, quantity)]
        where = {"index": index}
        if quantity in CELL_KEYS:
            where.update(batch=index[:-2], m=index[-2], n=index[-1], theta=float(self.theta[index]),
                         t_n=float(self.t_cells[index]))
        elif quantity == "grad_win":
            theta = self.case.win_length
            if theta.ndim >= 2:
                where.update(batch=index[:-2], m=index[-2] if theta.shape[-2] > 1 else None,
                             n=index[-1] if theta.shape[-1] > 1 else None)
            where["theta"] = float(theta[index])
        else:
            where.update(batch=index[:-1], n=index[-1], t_n=float(self.case.positions[index]))
        where.update(expected=expected[index].item(), got=np.asarray(actual)[index].item())
        return where

    @staticmethod
    def describe(where):
        """One line for a location given by ``locate``."""
        parts = []
        if where.get("batch"):
            parts.append(f"batch {where['batch']}")
        parts += [f"{key}={where[key]}" for key in ("m", "n") if where.get(key) is not None]
        if not parts:
            parts.append(f"index {where['index']}")
        values = [f"{symbol}={where[key]:.6g}" for key, symbol in (("theta", "θ"), ("t_n", "t_n"))
                  if key in where]
        number = _complex_text if isinstance(where["expected"], complex) else _real_text
        return (f"worst at {', '.join(parts)} ({', '.join(values)}): "
                f"expected {number(where['expected'])}, got {number(where['got'])}")

    # --- why ---------------------------------------------------------------------------------

    def explain(self, quantity, actual, tolerance):
        """Name the known difference the row's failure matches, or "" when none does."""
        actual = np.asarray(actual)
        candidates = [("", self.case.expected[CELL_KEYS.get(quantity, quantity)])]
        candidates += self.alternatives(quantity)
        for label, reference in candidates[1:]:
            if np.max(np.abs(actual - reference), initial=0.0) <= tolerance:
                return f"matches {label}"
        cut = self._cut(quantity)
        for label, reference in candidates:
            failing = np.abs(actual - reference) > tolerance
            if failing.any() and not np.any(failing & ~cut):
                also = f", after {label}" if label else ""
                return (f"matches a support cut to the N samples floor(t_n) − N/2 … floor(t_n) + N/2 − 1"
                        f"{also}: all {int(failing.sum())} failing values come from cells with "
                        f"θ > N − 2·frac(t_n) ({int(cut.sum())} of {cut.size} values do), where that "
                        f"frame loses the signal's sample at u = N/2 − frac(t_n)")
        return ""

    def _cut(self, quantity):
        """Where a frame of N samples from floor(t_n) − N/2 misses a sample of x under the window.

        The sample missed is k = floor(t_n) + N/2, at u = N/2 − frac(t_n): inside
        |u| < θ/2 when θ > N − 2·frac(t_n), and only a sample of the signal
        (0 <= k < K) changes S.
        """
        missed = np.floor(self.t_cells) + self.n_fft // 2
        cut = ((self.theta > self.n_fft - 2 * (self.t_cells - np.floor(self.t_cells)))
               & (missed >= 0) & (missed < self.case.x.shape[-1]))
        if quantity == "grad_win":
            return sum_to_shape(cut.astype(int), self.case.win_length.shape) > 0
        if quantity == "grad_pos":
            return sum_to_shape(cut.any(axis=-2).astype(int), self.case.positions.shape) > 0
        return cut

    def alternatives(self, quantity):
        """(label, values) of every alternative definition that gives `quantity`."""
        if self._alternatives is None:
            self._alternatives = self._rephased() + self._renormalised() + self._conjugated() \
                + self._moved()
        return [(label, values[quantity]) for label, values in self._alternatives if quantity in values]

    def _values(self, S, dS_dwin=None, dS_dpos=None):
        """The quantities an alternative (S, ∂S/∂θ, ∂S/∂t_n) gives, gradients included."""
        values = {"S": S, "partials:S": S}
        if dS_dwin is None:
            return values
        G = np.conj(self.case.grad_S)
        values.update(dS_dwin=dS_dwin, dS_dpos=dS_dpos,
                      grad_win=sum_to_shape(np.real(G * dS_dwin), self.case.win_length.shape),
                      grad_pos=sum_to_shape(np.real(G * dS_dpos).sum(axis=-2),
                                             self.case.positions.shape))
        return values

    def _shifted_reference(self, shift, rate):
        """S, ∂S/∂θ, ∂S/∂t_n with the phase reference moved by `shift` samples (d shift/dt_n = rate)."""
        expected = self.case.expected
        turn = 2j * np.pi * self.m / self.n_fft
        factor = np.exp(turn * shift)
        return self._values(factor * expected["S"], factor * expected["dS_dwin"],
                            factor * (expected["dS_dpos"] + turn * rate * expected["S"]))

    def _rephased(self):
        """The other phase references, and the factor (−1)^m of a reference N/2 samples away."""
        asked = self.case.options["phase"]
        offsets = {"absolute": (0.0, 0.0), "center": (self.t_cells, 1.0),
                   "start": (self.t_cells - self.n_fft / 2, 1.0)}
        alternatives = []
        for phase in PHASES:
            if phase != asked:
                shift = offsets[phase][0] - offsets[asked][0]
                rate = offsets[phase][1] - offsets[asked][1]
                alternatives.append((f"phase={phase!r} (φ_n(k) = {_PHASE_FORMULAS[phase]}) where "
                                     f"phase={asked!r} (φ_n(k) = {_PHASE_FORMULAS[asked]}) is asked",
                                     self._shifted_reference(shift, rate)))
        alternatives.append(("S·(−1)^m: a phase reference N/2 samples away from the one asked "
                             "(φ_n(k) + N/2)", self._shifted_reference(self.n_fft / 2, 0.0)))
        return alternatives

    def _renormalised(self):
        """The other normalisation: c(θ) = 1 where N/θ is asked, or the reverse."""
        expected, theta, n_fft = self.case.expected, self.theta, self.n_fft
        S, dS_dwin, dS_dpos = expected["S"], expected["dS_dwin"], expected["dS_dpos"]
        if self.case.options["norm"] == "area":  # S_none = (θ/N) S_area
            values = self._values(theta / n_fft * S, theta / n_fft * dS_dwin + S / n_fft,
                                  theta / n_fft * dS_dpos)
            return [("norm=None (c(θ) = 1) where norm='area' (c(θ) = N/θ) is asked", values)]
        values = self._values(n_fft / theta * S, n_fft / theta * dS_dwin - n_fft / theta**2 * S,
                              n_fft / theta * dS_dpos)
        return [("norm='area' (c(θ) = N/θ) where norm=None (c(θ) = 1) is asked", values)]

    def _conjugated(self):
        expected = self.case.expected
        values = self._values(*(np.conj(expected[key]) for key in ("S", "dS_dwin", "dS_dpos")))
        return [("the complex conjugate (e^{+j2π m φ_n(k)/N} in the DFT)", values)]

    def _moved(self):
        """Every window at floor(t_n) + frac(t_0), or at round(t_n); the phase still measured at t_n.

        With floor(t_n) + frac(t_0), every frame moves with t_0 and with no
        other t_n, so ∂L/∂t_0 gathers the whole transform: the Jacobian is
        not diagonal, and grad_pos is built from its two parts.
        """
        case, t, n_fft = self.case, self.t, self.n_fft
        turn = 2j * np.pi * self.m / n_fft
        rate = 0.0 if case.options["phase"] == "absolute" else 1.0
        first = t[..., :1] - np.floor(t[..., :1])
        alternatives = []
        for label, moved, with_first in (
                ("frames at floor(t_n) + frac(t_0): every frame reuses the fractional shift of "
                 "frame 0", np.floor(t) + first, True),
                ("frames at round(t_n): fractional positions rounded to whole samples",
                 np.round(t), False)):
            S, dS_dwin, dS_dpos = stft_partials(case.x, case.win_length, moved, **case.options)
            factor = np.exp(turn * rate * (t - moved)[..., None, :])
            # ∂S/∂t_n through the phase factor, and ∂S_n/∂t_0 through the window position
            direct = turn * rate * factor * S
            through_first = factor * (dS_dpos - turn * rate * S)
            diagonal = direct.copy()
            if with_first:
                diagonal[..., 0] += through_first[..., 0]
            values = self._values(factor * S, factor * dS_dwin, diagonal)
            if with_first:
                G = np.conj(case.grad_S)
                grad_pos = np.real(G * direct).sum(axis=-2)
                grad_pos[..., 0] += np.real(G * through_first).sum(axis=(-2, -1))
                values["grad_pos"] = sum_to_shape(grad_pos, case.positions.shape)
            alternatives.append((label, values))
        return alternatives
