"""Run another implementation on the golden cases and compare, case by case."""

from typing import NamedTuple

import numpy as np

from .._engine import sum_to_shape
from .._options import NORMS, PHASES, WINDOWS, document_choices, option_code
from .._validation import check_number
from ._diagnose import CELL_KEYS, Diagnosis
from ._golden import FAMILIES, load_cases

__all__ = ["CaseResult", "Report", "check", "PROFILES", "STATUSES"]

#: Tolerance profiles (rtol, atol). float64: an implementation in double precision agrees to
#: ~1e-13 of the scale. float32: dstft_np itself run in float32 on every golden case stays
#: within 8.2e-6 of the scale (tests/test_conformance.py measures it), 12 times below rtol.
PROFILES = {"float64": (1e-7, 1e-12), "float32": (1e-4, 1e-6)}

#: The status of a row: it agreed, it did not, or the implementation does not do that case.
PASSED, FAILED, UNSUPPORTED = STATUSES = ("passed", "failed", "unsupported")

#: What ``supported=`` may restrict, with the allowed values of each.
SUPPORTABLE = {"window": WINDOWS, "norm": NORMS, "phase": PHASES}


class CaseResult(NamedTuple):
    """The comparison of one quantity of one golden case.

    ``status`` is "passed" when ``max_error <= tolerance`` with
    ``tolerance = atol + rtol · scale``, "unsupported" when the
    implementation raised NotImplementedError or the case lies outside the
    declared ``supported`` options, and "failed" otherwise; ``message``
    says why a check failed or was skipped without a number (a wrong shape,
    non-finite values, an exception). A failed numeric row locates its
    worst value (``worst``, see ``Diagnosis.locate``), counts the values
    beyond the tolerance (``n_failing`` of ``n_values``) and, in
    ``diagnosis``, names the known definitional difference it matches.
    """

    case: str            #: golden case name
    quantity: str        #: "S", "partials:S", "dS_dwin", "dS_dpos", "grad_win" or "grad_pos"
    status: str          #: "passed", "failed" or "unsupported"
    max_error: float     #: max |actual - expected| (nan when not comparable)
    scale: float         #: what rtol multiplies (see ``check``)
    tolerance: float     #: atol + rtol · scale
    message: str = ""
    n_failing: int = 0   #: values whose error exceeds the tolerance
    n_values: int = 0    #: values compared
    worst: dict = None   #: where the largest error is (failed numeric rows)
    diagnosis: str = ""  #: the known difference the failure matches, if any
    families: tuple = ()  #: the case's families

    @property
    def passed(self):
        return self.status == PASSED

    def __str__(self):
        status = {PASSED: "ok  ", FAILED: "FAIL", UNSUPPORTED: "n/a "}[self.status]
        if self.message:
            detail = self.message
        else:
            detail = (f"max |error| {self.max_error:.3e} "
                      f"{'<=' if self.passed else '>'} tolerance {self.tolerance:.3e} "
                      f"(scale {self.scale:.3e})")
        if self.worst is not None:
            detail += (f"; {self.n_failing} of {self.n_values} values fail; "
                       f"{Diagnosis.describe(self.worst)}")
        line = f"{status} {self.case:<34} {self.quantity:<10} {detail}"
        return line + (f"\n       {self.diagnosis}" if self.diagnosis else "")

    def to_dict(self):
        """The row as JSON-serialisable values (a complex number as [real, imag], NaN as None)."""
        row = self._asdict()
        row["families"] = list(self.families)
        if np.isnan(self.max_error):
            row["max_error"] = None
        if self.worst is not None:
            row["worst"] = {key: [value.real, value.imag] if isinstance(value, complex)
                            else list(value) if isinstance(value, tuple) else value
                            for key, value in self.worst.items()}
        return row


class Report:
    """Per-case results of ``check``.

    Attributes
    ----------
    results : list of CaseResult
        One row per (case, quantity) in the order they were run.
    rtol, atol : float
        The tolerances used.
    ok : bool
        True when no check failed and at least one passed.
    failures, unsupported : list of CaseResult
        The rows that failed; the rows the implementation does not support.
    counts : dict
        The number of rows per status.
    failed_cases : list of str
        Names of the cases with at least one failed row, in order.

    ``str(report)`` is the summary line, the counts per family when a check
    failed or was unsupported, then every failed row;
    ``report.format(all_rows=True)`` lists every row.
    """

    def __init__(self, results, rtol, atol):
        self.results = list(results)
        self.rtol = rtol
        self.atol = atol

    def _rows(self, status):
        return [row for row in self.results if row.status == status]

    @property
    def counts(self):
        return {status: len(self._rows(status)) for status in STATUSES}

    @property
    def ok(self):
        counts = self.counts
        return counts[FAILED] == 0 and counts[PASSED] > 0

    @property
    def failures(self):
        return self._rows(FAILED)

    @property
    def unsupported(self):
        return self._rows(UNSUPPORTED)

    @property
    def cases(self):
        return list(dict.fromkeys(r.case for r in self.results))

    @property
    def failed_cases(self):
        return list(dict.fromkeys(r.case for r in self.failures))

    def by_family(self):
        """{family: {status: number of rows}} for every family with a row, in FAMILIES order."""
        table = {}
        for family in FAMILIES:
            rows = [row for row in self.results if family in row.families]
            if rows:
                table[family] = {status: sum(row.status == status for row in rows)
                                 for status in STATUSES}
        return table

    def summary(self):
        """One line: OK or FAILED, the counts of passed, failed and unsupported checks, tolerances."""
        counts = self.counts
        verdict = "OK" if self.ok else "FAILED"
        line = (f"conformance {verdict}: {len(self.results)} checks on {len(self.cases)} golden cases: "
                f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[UNSUPPORTED]} unsupported "
                f"(rtol={self.rtol:g}, atol={self.atol:g})")
        if self.failures:
            line += f"; first failing case: {self.failures[0].case} ({self.failures[0].quantity})"
        elif not self.ok:
            line += "; nothing was checked"
        return line

    def format(self, all_rows=False, max_rows=None):
        """The summary, the counts per family (unless all passed), then the failed rows.

        With all_rows=True every row is listed; at most max_rows rows.
        """
        rows = self.results if all_rows else self.failures
        lines = [self.summary()]
        if self.counts[PASSED] < len(self.results):
            lines.append("  by family (passed/failed/unsupported): " + ", ".join(
                f"{family} {c[PASSED]}/{c[FAILED]}/{c[UNSUPPORTED]}"
                for family, c in self.by_family().items()))
        lines += [f"  {row}" for row in rows[:max_rows]]
        if max_rows is not None and len(rows) > max_rows:
            lines.append(f"  ... and {len(rows) - max_rows} more (--all lists every check)")
        return "\n".join(lines)

    def to_dict(self):
        """A JSON-serialisable form: verdict, summary, tolerances, counts (overall, per family), rows."""
        return {
            "ok": self.ok,
            "summary": self.summary(),
            "rtol": self.rtol,
            "atol": self.atol,
            "counts": self.counts,
            "families": self.by_family(),
            "results": [row.to_dict() for row in self.results],
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


def _scales(case):
    """What rtol multiplies, per quantity.

    S and its partials: max |expected|. A gradient entry is a sum of terms
    Re(conj(G) ∂S/∂θ) (∂L/∂θ) or Re(conj(G) ∂S/∂t_n) (∂L/∂t_n) over the
    cells it gathers; rounding errors grow with the sum of their magnitudes,
    not with the (possibly cancelled) sum, so the scale is the largest such
    sum of |terms|.
    """
    expected, G = case.expected, np.conj(case.grad_S)
    scales = {quantity: float(np.max(np.abs(expected[key]), initial=0.0))
              for quantity, key in CELL_KEYS.items()}
    terms_win = sum_to_shape(np.abs(np.real(G * expected["dS_dwin"])), case.win_length.shape)
    terms_pos = sum_to_shape(np.abs(np.real(G * expected["dS_dpos"])).sum(axis=-2),
                              case.positions.shape)
    scales["grad_win"] = float(np.max(terms_win, initial=0.0))
    scales["grad_pos"] = float(np.max(terms_pos, initial=0.0))
    return scales


class _Comparison:
    """Compares one case's outputs, quantity by quantity, at the given tolerances."""

    def __init__(self, case, rtol, atol):
        self.case, self.rtol, self.atol = case, rtol, atol
        self.scales = _scales(case)
        self.diagnosis = None

    def row(self, quantity, status, scale, message="", **numbers):
        tolerance = self.atol + self.rtol * scale
        fields = dict(max_error=np.nan, n_failing=0, n_values=0, worst=None, diagnosis="")
        fields.update(numbers)
        return CaseResult(self.case.name, quantity, status, scale=scale, tolerance=tolerance,
                          message=message, families=self.case.families, **fields)

    def skipped(self, quantities, status, message):
        return [self.row(quantity, status, self.scales[quantity], message) for quantity in quantities]

    def compare(self, quantity, actual):
        expected = self.case.expected[CELL_KEYS.get(quantity, quantity)]
        scale = self.scales[quantity]
        try:
            actual = np.asarray(actual)
        except Exception as exc:  # e.g. a torch tensor that still requires grad
            return self.row(quantity, FAILED, scale, "np.asarray cannot convert the result: "
                                                     f"{type(exc).__name__}: {exc}")
        problem = _incomparable(actual, expected)
        if problem:
            return self.row(quantity, FAILED, scale, problem)
        error = np.abs(actual - expected)
        max_error = float(np.max(error, initial=0.0))
        tolerance = self.atol + self.rtol * scale
        if max_error <= tolerance:
            return self.row(quantity, PASSED, scale, max_error=max_error, n_values=error.size)
        if self.diagnosis is None:
            self.diagnosis = Diagnosis(self.case)
        return self.row(quantity, FAILED, scale, max_error=max_error, n_values=error.size,
                        n_failing=int(np.sum(error > tolerance)),
                        worst=self.diagnosis.locate(quantity, actual, error),
                        diagnosis=self.diagnosis.explain(quantity, actual, tolerance))


def _run(comparison, quantities, fn, *extra):
    """Call fn on copies of the case's inputs (and `extra`) and compare each output."""
    case = comparison.case
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
        status = UNSUPPORTED if isinstance(exc, NotImplementedError) else FAILED
        return comparison.skipped(quantities, status, message)
    return [comparison.compare(quantity, actual) for quantity, actual in zip(quantities, outputs)]


def _check_tolerance(value, name):
    # an infinite tolerance would pass every implementation: a check that cannot fail
    return check_number(value, name, "a finite real number >= 0", lambda tolerance: tolerance >= 0)


def _tolerances(profile, rtol, atol):
    if not isinstance(profile, str) or profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(map(repr, PROFILES))}; got {profile!r}")
    default_rtol, default_atol = PROFILES[profile]
    return (_check_tolerance(default_rtol if rtol is None else rtol, "rtol"),
            _check_tolerance(default_atol if atol is None else atol, "atol"))


def _check_supported(supported):
    """`supported` as {option: set of allowed values}; the options it leaves out allow everything."""
    if supported is None:
        return {}
    if not hasattr(supported, "items"):
        raise TypeError(f"supported must be a mapping such as {{'window': ['hann']}}, got {supported!r}")
    allowed = {}
    for option, values in supported.items():
        if option not in SUPPORTABLE:
            raise ValueError(f"supported keys must be among {', '.join(map(repr, SUPPORTABLE))}; "
                             f"got {option!r}")
        values = [values] if values is None or isinstance(values, str) else list(values)
        for value in values:
            option_code(f"supported[{option!r}] values", value, SUPPORTABLE[option])
        allowed[option] = values
    return allowed


def _outside(case, supported):
    """Why `case` is outside the declared support, or ""."""
    for option, values in supported.items():
        if case.options[option] not in values:
            return (f"{option}={case.options[option]!r} is not among the supported "
                    f"{option}s {', '.join(map(repr, values))}")
    return ""


@document_choices
def check(stft_fn, partials_fn=None, vjp_fn=None, *, rtol=None, atol=None, profile="float64",
          cases=None, families=None, supported=None):
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
    rtol, atol : float, optional
        A quantity passes when max |actual - expected| <= atol + rtol ·
        scale over the whole case (a norm-wise, not element-wise, relative
        error). The scale is max |expected| for S, dS_dwin and dS_dpos; for
        grad_win and grad_pos, whose entries are sums over cells, it is the
        largest sum of the magnitudes of the terms (rounding errors grow
        with those, not with a sum that cancels). Default: the profile's.
    profile : {"float64", "float32"}
        Default tolerances: rtol=1e-7, atol=1e-12 for a double-precision
        implementation; rtol=1e-4, atol=1e-6 for one that computes in float32.
    cases : str or list of str, optional
        Shell-style patterns selecting cases by name (e.g. ``"torch-*"`` for
        an implementation of the torch.stft convention only); all by default.
    families : str or list of str, optional
        Keep the cases of these families (``FAMILIES`` in
        ``dstft_np.conformance``: "interior", "edge", "scalar", "per-frame",
        "per-bin", "per-cell", "batch", "hops", "torch"); with `cases`, a
        case must satisfy both.
    supported : dict, optional
        The options the implementation supports, e.g. ``{"window":
        ["hann"], "norm": [None]}`` (keys "window", "norm", "phase"; an
        omitted key supports every value). Cases outside are reported as
        "unsupported" without calling the implementation.

    Returns
    -------
    Report
        ``report.ok`` (nothing failed, something passed), ``report.results``
        (one CaseResult per case and quantity), ``report.failures``,
        ``report.counts``, ``report.by_family()``, ``report.to_dict()``;
        ``print(report)`` shows the summary and every failed row with its
        case name, its worst value and the known difference it matches.

    Raises
    ------
    TypeError
        If stft_fn, partials_fn or vjp_fn is not callable, `supported`
        is not a mapping, or a tolerance is not a real number.
    ValueError
        Negative, NaN or infinite tolerances, an unknown profile, family or
        supported option, or a selection that holds no golden case.

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
    - n_fft: int N (even); window: one of {WINDOWS};
      norm: one of {NORMS}; phase: one of {PHASES}.
    - S = Σ_k ω(k - t_n; θ[..., m, n]) x[..., k] e^{-j2π m φ_n(k)/N}, shape
      (..., F, T), the batch shape being the broadcast of those of x,
      positions and win_length; ω(u; θ) = c(θ) h(u/θ) on the closed
      support |u| <= θ/2.
    - dS_dwin[..., m, n] = ∂S[..., m, n]/∂θ[..., m, n] and
      dS_dpos[..., m, n] = ∂S[..., m, n]/∂t_n, with θ and t_n broadcast to
      the shape of S (each cell of S depends on its own θ cell and its own
      t_n only), shape (..., F, T).
    - grad_win = ∂L/∂θ and grad_pos = ∂L/∂t_n for a real L whose cotangent is
      grad_S, in the shapes of win_length and positions as passed (summed
      over the axes along which they were broadcast).

    Results may be anything ``np.asarray`` accepts (a CPU torch tensor that
    does not require grad, a JAX array, a list). A call that raises
    NotImplementedError makes the quantities it should have produced
    "unsupported"; any other exception fails them, with the exception in
    the message; neither stops the run. The golden arrays are copied before
    each call, so an implementation that writes to its inputs cannot change
    later cases. See docs/conventions.md for the torch adapter and the
    known differences a failed row can name.

    Examples
    --------
    >>> import dstft_np
    >>> report = check(dstft_np.stft, dstft_np.stft_partials, dstft_np.stft_vjp,
    ...                cases="hann-area-*")
    >>> report.ok, report.counts
    (True, {'passed': 72, 'failed': 0, 'unsupported': 0})
    """
    for name, fn in (("stft_fn", stft_fn), ("partials_fn", partials_fn), ("vjp_fn", vjp_fn)):
        if fn is not None and not callable(fn):
            raise TypeError(f"{name} must be callable or None, got {fn!r}")
    if stft_fn is None:
        raise TypeError("stft_fn must be callable, got None")
    rtol, atol = _tolerances(profile, rtol, atol)
    supported = _check_supported(supported)
    calls = [(["S"], stft_fn, False)]
    if partials_fn is not None:
        calls.append((["partials:S", "dS_dwin", "dS_dpos"], partials_fn, False))
    if vjp_fn is not None:
        calls.append((["grad_win", "grad_pos"], vjp_fn, True))

    results = []
    for case in load_cases(cases, families):
        comparison = _Comparison(case, rtol, atol)
        outside = _outside(case, supported)
        for quantities, fn, with_cotangent in calls:
            if outside:
                results += comparison.skipped(quantities, UNSUPPORTED, outside)
            else:
                results += _run(comparison, quantities, fn, *([case.grad_S] if with_cotangent else []))
    return Report(results, rtol, atol)
