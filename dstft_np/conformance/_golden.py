"""Golden cases: the .npz files of ``golden/`` and their in-memory form.

Each file ``golden/<name>.npz`` is one case; its keys are listed in
``INPUT_KEYS``, ``EXPECTED_KEYS`` and ``EXTRA_KEYS`` below and documented in
the package docstring. Files are read when ``load_cases`` is called, never
at import.
"""

import fnmatch
import pathlib
from dataclasses import dataclass, field

import numpy as np

__all__ = ["GOLDEN_DIR", "INPUT_KEYS", "EXPECTED_KEYS", "EXTRA_KEYS", "FAMILIES", "GoldenCase",
           "case_names", "load_cases"]

#: Folder of the golden .npz files (installed with the package).
GOLDEN_DIR = pathlib.Path(__file__).resolve().parent / "golden"

#: Keys every case holds: the arguments of the call, the cotangent of the VJP, what it covers.
INPUT_KEYS = ("x", "win_length", "positions", "n_fft", "window", "norm", "phase", "grad_S",
              "description", "families")

#: Keys holding the expected results (float64 / complex128).
EXPECTED_KEYS = ("S", "dS_dwin", "dS_dpos", "grad_win", "grad_pos")

#: Keys only some cases hold: hop cases (hops, t0, grad_hops), torch cases (torch_call).
EXTRA_KEYS = ("hops", "t0", "grad_hops", "torch_call")

#: The families a case can belong to (a case belongs to several), with their definitions.
FAMILIES = {
    "interior": "θ <= N - 2 in every cell: each window lies inside any N-sample frame around t_n "
                "(from floor(t_n) - N/2, round(t_n) - N/2, ...), so implementations that agree on "
                "the definition of S agree here",
    "edge": "θ > N - 2 in some cell of a frame with non-integer t_n: where definitions of the "
            "support differ (a frame of N samples from floor(t_n) - N/2 loses the sample at "
            "u = N/2 - frac(t_n), inside |u| < θ/2 when θ > N - 2·frac(t_n))",
    "scalar": "one θ for the whole transform (0-d, or with batch axes only)",
    "per-frame": "θ of shape (1, T): one value per frame",
    "per-bin": "θ of shape (F, 1): one value per frequency bin",
    "per-cell": "θ of shape (F, T): one value per cell",
    "batch": "leading batch axes on x, positions or θ; gradients summed over broadcast axes",
    "hops": "positions built by positions_from_hops (hops and grad_hops in the file)",
    "torch": "θ = W integer, norm=None, phase='start', t_n = n·hop: the values of "
             "torch.stft(center=True, pad_mode='constant')",
}

#: How ``norm=None`` is spelled in a file (a 0-d string array cannot hold None).
NORM_NONE = "none"


@dataclass(frozen=True)
class GoldenCase:
    """One golden case: the inputs of a call and the results dstft_np gives for them.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"hann-area-absolute-per-cell"``.
    description : str
        One line saying what the case covers.
    x : np.ndarray [shape=(..., K)], float64
    win_length : np.ndarray, float64
        θ in the shape the caller passes (0-d for a scalar, (1, T), (F, 1),
        (F, T), possibly with batch axes).
    positions : np.ndarray [shape=(..., T)], float64
    grad_S : np.ndarray [shape=(..., F, T)], complex128
        The cotangent G = ∂L/∂Re S + j ∂L/∂Im S passed to the VJP.
    options : dict
        ``n_fft`` (int), ``window`` (str), ``norm`` ("area" or None) and
        ``phase`` (str): the keyword arguments of every call.
    expected : dict of np.ndarray
        ``S``, ``dS_dwin``, ``dS_dpos`` (shape (..., F, T), complex128),
        ``grad_win`` (shape of win_length), ``grad_pos`` (shape of positions).
    extras : dict
        ``hops``, ``t0``, ``grad_hops`` for cases built by
        ``positions_from_hops``; ``torch_call`` for the torch.stft-convention cases.
    families : tuple of str
        The families (keys of ``FAMILIES``) the case belongs to.
    """

    name: str
    description: str
    x: np.ndarray
    win_length: np.ndarray
    positions: np.ndarray
    grad_S: np.ndarray
    options: dict
    expected: dict
    extras: dict = field(default_factory=dict)
    families: tuple = ()


def case_names():
    """The names of all stored golden cases, sorted."""
    return sorted(path.stem for path in GOLDEN_DIR.glob("*.npz"))


def _as_list(value):
    return [value] if isinstance(value, str) else list(value)


def _select(names, patterns):
    if patterns is None:
        return names
    patterns = _as_list(patterns)
    chosen = [name for name in names if any(fnmatch.fnmatchcase(name, p) for p in patterns)]
    if not chosen:
        raise ValueError(
            f"cases {patterns!r} match no golden case; the cases are: {', '.join(names)}"
        )
    return chosen


def _check_families(families):
    families = _as_list(families)
    unknown = [family for family in families if family not in FAMILIES]
    if unknown or not families:
        raise ValueError(f"families must be names among {', '.join(map(repr, FAMILIES))}; "
                         f"got {families!r}")
    return families


def _read(path):
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    missing = [key for key in INPUT_KEYS + EXPECTED_KEYS if key not in arrays]
    if missing:
        raise ValueError(f"golden file {path} lacks the keys {missing}")
    norm = str(arrays["norm"])
    return GoldenCase(
        name=path.stem,
        description=str(arrays["description"]),
        x=arrays["x"],
        win_length=arrays["win_length"],
        positions=arrays["positions"],
        grad_S=arrays["grad_S"],
        options={
            "n_fft": int(arrays["n_fft"]),
            "window": str(arrays["window"]),
            "norm": None if norm == NORM_NONE else norm,
            "phase": str(arrays["phase"]),
        },
        expected={key: arrays[key] for key in EXPECTED_KEYS},
        extras={key: arrays[key] for key in EXTRA_KEYS if key in arrays},
        families=tuple(str(family) for family in arrays["families"]),
    )


def load_cases(cases=None, families=None):
    """Read golden cases from disk.

    Parameters
    ----------
    cases : str or list of str, optional
        Shell-style patterns (``fnmatch``) on case names, e.g.
        ``"torch-*"``, ``"*-start-*"`` or ``["hann-*", "batch-*"]``; all
        cases when None.
    families : str or list of str, optional
        Keep the cases that belong to at least one of these families (keys
        of ``FAMILIES``: "interior", "edge", "scalar", "per-frame",
        "per-bin", "per-cell", "batch", "hops", "torch"); all when None.
        Combined with `cases`, a case must satisfy both.

    Returns
    -------
    list of GoldenCase
        Sorted by name; fresh arrays on every call.

    Raises
    ------
    ValueError
        If a family is unknown, or the selection holds no case.

    Examples
    --------
    >>> case = load_cases("hann-area-absolute-scalar")[0]
    >>> case.options["n_fft"], case.expected["S"].shape
    (16, (9, 8))
    """
    wanted = None if families is None else set(_check_families(families))
    chosen = [_read(GOLDEN_DIR / f"{name}.npz") for name in _select(case_names(), cases)]
    if wanted is not None:
        chosen = [case for case in chosen if wanted.intersection(case.families)]
        if not chosen:
            raise ValueError(f"no golden case matches cases={cases!r} in families {sorted(wanted)}")
    return chosen
