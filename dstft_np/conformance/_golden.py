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

__all__ = ["GOLDEN_DIR", "INPUT_KEYS", "EXPECTED_KEYS", "EXTRA_KEYS", "GoldenCase", "case_names",
           "load_cases"]

#: Folder of the golden .npz files (installed with the package).
GOLDEN_DIR = pathlib.Path(__file__).resolve().parent / "golden"

#: Keys every case holds: the arguments of the call, and the cotangent of the VJP.
INPUT_KEYS = ("x", "win_length", "positions", "n_fft", "window", "norm", "phase", "grad_S",
              "description")

#: Keys holding the expected results (float64 / complex128).
EXPECTED_KEYS = ("S", "dS_dwin", "dS_dpos", "grad_win", "grad_pos")

#: Keys only some cases hold: hop cases (hops, t0, grad_hops), torch cases (torch_call).
EXTRA_KEYS = ("hops", "t0", "grad_hops", "torch_call")

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


def case_names():
    """The names of all stored golden cases, sorted."""
    return sorted(path.stem for path in GOLDEN_DIR.glob("*.npz"))


def _select(names, patterns):
    if patterns is None:
        return names
    if isinstance(patterns, str):
        patterns = [patterns]
    chosen = [name for name in names if any(fnmatch.fnmatchcase(name, p) for p in patterns)]
    if not chosen:
        raise ValueError(
            f"cases {list(patterns)!r} match no golden case; the cases are: {', '.join(names)}"
        )
    return chosen


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
    )


def load_cases(cases=None):
    """Read golden cases from disk.

    Parameters
    ----------
    cases : str or list of str, optional
        Shell-style patterns (``fnmatch``) on case names, e.g.
        ``"torch-*"``, ``"*-start-*"`` or ``["hann-*", "batch-*"]``; all
        cases when None.

    Returns
    -------
    list of GoldenCase
        Sorted by name; fresh arrays on every call.

    Raises
    ------
    ValueError
        If the patterns match no case.

    Examples
    --------
    >>> case = load_cases("hann-area-absolute-scalar")[0]
    >>> case.options["n_fft"], case.expected["S"].shape
    (16, (9, 8))
    """
    return [_read(GOLDEN_DIR / f"{name}.npz") for name in _select(case_names(), cases)]
