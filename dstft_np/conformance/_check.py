"""Run another implementation on the golden cases and compare, case by case."""

import numbers
from typing import NamedTuple

import numpy as np

from ._golden import load_cases

__all__ = ["CaseResult", "Report", "check"]

#: Default tolerances: a float64 implementation agrees to ~1e-13 of the peak.
DEFAULT_RTOL = 1e-7
DEFAULT_ATOL = 1e-12


class CaseResult(NamedTuple):
    """The comparison of one quantity of one golden case.

    ``passed`` is ``max_error <= tolerance`` with ``tolerance = atol + rtol ·
    scale``; ``message`` says why a check failed without a number (a wrong
    shape, non-finite values, an exception raised by the implementation).
    """

    case: str            #: golden case name
    quantity: str        #: "S", "partials:S", "dS_dwin", "dS_dpos", "grad_win" or "grad_pos"
    max_error: float     #: max |actual - expected| (nan when not comparable)
    scale: float         #: max |expected|
    tolerance: float     #: atol + rtol · scale
    passed: bool
    message: str = ""

    def __str__(self):
        status = "ok  " if self.passed else "FAIL"
        if self.message:
            detail = self.message
        else:
            detail = (f"max |error| {self.max_error:.3e} "
                      f"{'<=' if self.passed else '>'} tolerance {self.tolerance:.3e} "
                      f"(max |expected| {self.scale:.3e})")
        return f"{status} {self.case:<34} {self.quantity:<10} {detail}"


class Report:
    """Per-case results of ``check``.

    Attributes
    ----------
    results : list of CaseResult
        One row per (case, quantity) in the order they were run.
    rtol, atol : float
        The tolerances used.
    ok : bool
        True when every check passed.
    failures : list of CaseResult
        The rows that failed.
    failed_cases : list of str
        Names of the cases with at least one failed row, in order.

    ``str(report)`` is the summary line followed by every failed row;
    ``report.format(all_rows=True)`` lists every row.
    """

    def __init__(self, results, rtol, atol):
        self.results = list(results)
        self.rtol = rtol
        self.atol = atol

    @property
    def ok(self):
        return all(r.passed for r in self.results)

    @property
    def failures(self):
        return [r for r in self.results if not r.passed]

    @property
    def cases(self):
        return list(dict.fromkeys(r.case for r in self.results))

    @property
    def failed_cases(self):
        return list(dict.fromkeys(r.case for r in self.failures))

    def summary(self):
        """One line: OK or FAILED, with counts and tolerances."""
        n_rows, n_cases = len(self.results), len(self.cases)
        tols = f"rtol={self.rtol:g}, atol={self.atol:g}"
        if self.ok:
            return f"conformance OK: {n_rows} checks passed on {n_cases} golden cases ({tols})"
        return (f"conformance FAILED: {len(self.failures)} of {n_rows} checks failed on "
                f"{len(self.failed_cases)} of {n_cases} golden cases ({tols}); "
                f"first failing case: {self.failures[0].case} ({self.failures[0].quantity})")

    def format(self, all_rows=False, max_rows=None):
        """The summary line, then the failed rows (every row with all_rows=True), at most max_rows."""
        rows = self.results if all_rows else self.failures
        lines = [self.summary()] + [f"  {row}" for row in rows[:max_rows]]
        if max_rows is not None and len(rows) > max_rows:
            lines.append(f"  ... and {len(rows) - max_rows} more (--all lists every check)")
        return "\n".join(lines)

    def to_dict(self):
        """A JSON-serialisable form: summary, tolerances and every row."""
        return {
            "ok": self.ok,
            "summary": self.summary(),
            "rtol": self.rtol,
            "atol": self.atol,
            "results": [row._asdict() for row in self.results],
        }

    def __str__(self):
        return self.format()

    def __repr__(self):
        return f"<Report {self.summary()}>"


def _incomparable(actual, expected):
    """Why `actual` cannot be compared with `expected`, or "" when it can."""
    if actual.shape != expected.shape:
        return f"shape {actual.shape}, expected {expected.shape}"
    if actual.dtype.kind not in "biufc":
        return f"dtype {actual.dtype} is not numeric"
    if expected.dtype.kind != "c" and actual.dtype.kind == "c" and np.any(actual.imag):
        return "complex values where a real gradient is expected"
    if not np.all(np.isfinite(actual)):
        return "result holds NaN or inf"
    return ""


def _compare(case, quantity, actual, expected, rtol, atol, problem=""):
    """One CaseResult: `actual` against `expected`, or a failure with `problem` as its message."""
    scale = float(np.max(np.abs(expected), initial=0.0))
    tolerance = atol + rtol * scale
    if not problem:
        try:
            actual = np.asarray(actual)
        except Exception as exc:  # e.g. a torch tensor that still requires grad
            problem = f"np.asarray cannot convert the result: {type(exc).__name__}: {exc}"
        else:
            problem = _incomparable(actual, expected)
    if problem:
        return CaseResult(case, quantity, np.nan, scale, tolerance, False, problem)
    error = float(np.max(np.abs(actual - expected), initial=0.0))
    return CaseResult(case, quantity, error, scale, tolerance, error <= tolerance)


def _run(case, quantities, fn, *extra, rtol, atol):
    """Call fn on copies of the case's inputs (and `extra`) and compare each output."""
    try:
        outputs = fn(case.x.copy(), case.win_length.copy(), case.positions.copy(),
                     *(arg.copy() for arg in extra), **case.options)
        if len(quantities) > 1:
            outputs = tuple(outputs)
            if len(outputs) != len(quantities):
                raise ValueError(f"returned {len(outputs)} values, expected {len(quantities)}")
        else:
            outputs = (outputs,)
    except Exception as exc:  # the report must name the case, whatever the implementation raises
        message = f"raised {type(exc).__name__}: {exc}".splitlines()[0]
        return [_compare(case.name, quantity, None, case.expected[key], rtol, atol, message)
                for quantity, key in quantities]
    return [_compare(case.name, quantity, actual, case.expected[key], rtol, atol)
            for (quantity, key), actual in zip(quantities, outputs)]


def _check_tolerance(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"{name} must be a real number >= 0, got {value!r}")
    return float(value)


def check(stft_fn, partials_fn=None, vjp_fn=None, *, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL,
          cases=None):
    """Run another implementation on the golden cases and report, case by case.

    Parameters
    ----------
    stft_fn : callable
        ``stft_fn(x, win_length, positions, *, n_fft, window, norm, phase) -> S``,
        the calling contract of ``dstft_np.stft`` (see Notes).
    partials_fn : callable, optional
        ``partials_fn(x, win_length, positions, *, n_fft, window, norm, phase)
        -> (S, dS_dwin, dS_dpos)``, the contract of ``dstft_np.stft_partials``.
        Not checked when None.
    vjp_fn : callable, optional
        ``vjp_fn(x, win_length, positions, grad_S, *, n_fft, window, norm, phase)
        -> (grad_win, grad_pos)``, the contract of ``dstft_np.stft_vjp``.
        Not checked when None.
    rtol, atol : float
        A quantity passes when max |actual - expected| <= atol + rtol ·
        max |expected| over the whole case (a norm-wise, not element-wise,
        relative error). The defaults suit float64; a float32 implementation
        needs about rtol=1e-4.
    cases : str or list of str, optional
        Shell-style patterns selecting cases by name (e.g. ``"torch-*"`` for
        an implementation of the torch.stft convention only); all by default.

    Returns
    -------
    Report
        ``report.ok``, ``report.results`` (one CaseResult per case and
        quantity), ``report.failures``; ``print(report)`` shows the summary
        and every failed row with its case name.

    Raises
    ------
    TypeError
        If stft_fn, partials_fn or vjp_fn is not callable.
    ValueError
        Negative tolerances, or `cases` matching no golden case.

    Notes
    -----
    The calling contract. For every case the checker calls, with keyword
    arguments exactly as shown::

        S = stft_fn(x, win_length, positions,
                    n_fft=N, window=window, norm=norm, phase=phase)
        S, dS_dwin, dS_dpos = partials_fn(x, win_length, positions, n_fft=N, ...)
        grad_win, grad_pos = vjp_fn(x, win_length, positions, grad_S, n_fft=N, ...)

    - x: np.ndarray float64 of shape (..., K); samples outside [0, K) are zero.
    - win_length: np.ndarray float64 θ, 0 < θ <= N, of a shape that
      broadcasts to (..., F, T) with F = N/2 + 1: 0-d (scalar), (1, T) per
      frame, (F, 1) per bin, (F, T) per cell, with optional batch axes.
    - positions: np.ndarray float64 t_n (window centres, in samples) of shape
      (..., T); non-integer, and some beyond either end of the signal.
    - grad_S: np.ndarray complex128 of the shape of S, G = ∂L/∂Re S + j ∂L/∂Im S.
    - n_fft: int N (even); window: "hann", "blackman" or "gaussian";
      norm: "area" or None; phase: "absolute", "center" or "start".
    - S = Σ_k ω(k - t_n; θ[..., m, n]) x[..., k] e^{-j2π m φ_n(k)/N}, shape
      (..., F, T), the batch shape being the broadcast of those of x,
      positions and win_length.
    - dS_dwin[..., m, n] = ∂S[..., m, n]/∂θ[..., m, n] and
      dS_dpos[..., m, n] = ∂S[..., m, n]/∂t_n, with θ and t_n broadcast to
      the shape of S (each cell of S depends on its own θ cell and its own
      t_n only), shape (..., F, T).
    - grad_win = ∂L/∂θ and grad_pos = ∂L/∂t_n for a real L whose cotangent is
      grad_S, in the shapes of win_length and positions as passed (summed
      over the axes along which they were broadcast).

    Results may be anything ``np.asarray`` accepts (a CPU torch tensor that
    does not require grad, a JAX array, a list). A call that raises fails
    every quantity it should have produced, with the exception in the
    message; it does not stop the run. The golden arrays are copied before
    each call, so an implementation that writes to its inputs cannot change
    later cases. See docs/conventions.md for the torch adapter.

    Examples
    --------
    >>> import dstft_np
    >>> report = check(dstft_np.stft, dstft_np.stft_partials, dstft_np.stft_vjp,
    ...                cases="hann-area-*")
    >>> report.ok
    True
    """
    for name, fn in (("stft_fn", stft_fn), ("partials_fn", partials_fn), ("vjp_fn", vjp_fn)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{name} must be callable or None, got {fn!r}")
    if stft_fn is None:
        raise TypeError("stft_fn must be callable, got None")
    rtol = _check_tolerance(rtol, "rtol")
    atol = _check_tolerance(atol, "atol")

    results = []
    for case in load_cases(cases):
        results += _run(case, [("S", "S")], stft_fn, rtol=rtol, atol=atol)
        if partials_fn is not None:
            results += _run(case, [("partials:S", "S"), ("dS_dwin", "dS_dwin"),
                                   ("dS_dpos", "dS_dpos")], partials_fn, rtol=rtol, atol=atol)
        if vjp_fn is not None:
            results += _run(case, [("grad_win", "grad_win"), ("grad_pos", "grad_pos")], vjp_fn,
                            case.grad_S, rtol=rtol, atol=atol)
    return Report(results, rtol, atol)
