"""Validation is one style: type checks live in dstft_np/_validation.py, one exception class per message.

- A source scan (ast, nothing imported) fails when a module other than
  ``_validation`` checks a number's type itself: ``import numbers``,
  ``isinstance``/``issubclass`` against int, float, bool, the real
  ``numbers`` ABCs or numpy's real scalar types, ``.is_integer()`` or
  ``operator.index``. The scan is shown to catch each form. (Telling a
  complex result from a real one when formatting it is no input check.)
- The same wrong argument gets the same exception from every public
  function taking it: a number that is not an integer is a TypeError
  (as ``np.zeros(10.5)`` and ``scipy.fft.rfft(x, n=10.5)``), an integer
  out of range a ValueError, with one message.
"""

import ast
import pathlib

import numpy as np
import pytest

import dstft_np
from dstft_np import conventions, losses
from dstft_np._validation import check_finite

from .inputs import peak_bytes

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: Names whose use in isinstance/issubclass is a number type check.
NUMBER_TYPES = {"int", "float", "bool", "Integral", "Real", "Number", "Rational",
                "integer", "floating", "number", "bool_", "signedinteger", "unsignedinteger",
                "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float16", "float32", "float64"}


def _names(node):
    """Every bare name and attribute name in an expression (int, numbers.Integral, np.bool_, ...)."""
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            yield child.id
        elif isinstance(child, ast.Attribute):
            yield child.attr


def number_type_checks(source):
    """(line, what) of each number type check written in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import) and any(alias.name == "numbers" for alias in node.names):
            found.append((node.lineno, "import numbers"))
        elif isinstance(node, ast.ImportFrom) and node.module == "numbers" and node.level == 0:
            found.append((node.lineno, "from numbers import"))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in ("isinstance", "issubclass") and len(node.args) == 2:
                types = sorted(set(_names(node.args[1])) & NUMBER_TYPES)
                if types:
                    found.append((node.lineno, f"{name}(..., {'/'.join(types)})"))
            elif isinstance(func, ast.Attribute) and (func.attr == "is_integer" or (
                    func.attr == "index" and "operator" in set(_names(func)))):
                found.append((node.lineno, f"{name}()"))
    return found


def test_the_scan_catches_every_form():
    source = "\n".join([
        "import numbers",
        "from numbers import Integral",
        "isinstance(n, numbers.Integral)",
        "isinstance(n, bool) or not isinstance(n, (int, np.integer))",
        "isinstance(flag, (bool, np.bool_))",
        "float(n).is_integer()",
        "operator.index(n)",
        "isinstance(params, dict)",          # not a number: allowed
        "check_integer(n, 'n')",              # through _validation: allowed
        "is_integer(n)",                      # _validation's predicate: allowed
        "isinstance(value, complex)",         # formatting a result: allowed
    ])
    assert sorted({line for line, _ in number_type_checks(source)}) == [1, 2, 3, 4, 5, 6, 7]


def test_only_validation_checks_number_types():
    found = [f"{path.relative_to(ROOT)}:{line}: {what}"
             for path in sorted((ROOT / "dstft_np").rglob("*.py")) if path.name != "_validation.py"
             for line, what in number_type_checks(path.read_text(encoding="utf-8"))]
    assert not found, "number type checks outside dstft_np/_validation.py:\n" + "\n".join(found)


#: Every public function that takes an integer number of samples n_samples.
N_SAMPLES_TAKERS = [
    pytest.param(lambda n: dstft_np.frame_positions(n, 4.0), id="frame_positions"),
    pytest.param(lambda n: dstft_np.DSTFT(64, 16, 32.0, win_mode="time", n_samples=n), id="DSTFT"),
    pytest.param(lambda n: losses.coverage([0.0, 4.0], 8.0, n), id="losses.coverage"),
]


@pytest.mark.parametrize("call", N_SAMPLES_TAKERS)
@pytest.mark.parametrize("bad, error", [(10.5, TypeError), (10.0, TypeError), (True, TypeError),
                                        ("10", TypeError), (0, ValueError), (np.int64(-3), ValueError)])
def test_n_samples_is_one_error_everywhere(call, bad, error):
    shown = {10.5: "10.5", 10.0: "10.0", True: "True", "10": "'10'", 0: "0"}.get(bad, "-3")
    with pytest.raises(error) as caught:
        call(bad)
    assert str(caught.value) == f"n_samples must be an integer >= 1, got {shown}"


@pytest.mark.parametrize("bad, error", [(2.5, TypeError), (4.0, TypeError), (0, ValueError)])
def test_integer_hop_of_a_preset(bad, error):
    with pytest.raises(error, match=rf"^hop_length must be an integer >= 1, got {bad}$"):
        conventions.preset("torch", np.ones(100), 16, bad)


@pytest.mark.parametrize("bad, error", [(1.5, TypeError), ("left", ValueError), (2, ValueError), (-1, ValueError)])
def test_channel_is_an_integer_or_mean(tmp_path, bad, error):
    path = tmp_path / "stereo.npy"
    np.save(path, np.ones((2, 50)))
    with pytest.raises(error, match=r"^channel must be an integer in \[0, 2\) or 'mean' for this 2-channel signal"):
        dstft_np.io.load(path, channel=bad)
    assert dstft_np.io.load(path, channel=1).x.shape == (50,)


@pytest.mark.parametrize("bad, error", [(np.nan, ValueError), ("fast", TypeError), (0.0, ValueError),
                                        (-1.0, ValueError), (np.ones(2), TypeError)])
def test_sample_rate_type_and_value(bad, error):
    with pytest.raises(error, match=r"sample_rate must be a finite number of Hz > 0"):
        dstft_np.frequencies(16, sample_rate=bad)
    assert dstft_np.frequencies(4, sample_rate=8)[-1] == 4.0


def test_fit_report_initial_wrong_type_and_wrong_keys():
    pytest.importorskip("matplotlib")
    from dstft_np import plot

    model = dstft_np.DSTFT(64, 16, 32.0)
    x = np.ones(200)
    with pytest.raises(TypeError, match=r"initial must be a dict with the keys \['win_length'\].*got list"):
        plot.fit_report(x, model, [32.0], history=None)
    with pytest.raises(ValueError, match=r"initial must be a dict .* got the keys \['hops'\]"):
        plot.fit_report(x, model, {"hops": 1.0}, history=None)


# ---------------------------------------------------------------- the memory limit: a clear error before anything large is allocated

MEMORY_CASES = [
    # (id, call, bytes the call would need at least)
    ("stft-frames", lambda: dstft_np.stft(np.ones(100), 8.0, np.arange(20000.0), n_fft=4096),
     20000 * 4096 * 8),
    ("stft_partials-per-bin", lambda: dstft_np.stft_partials(np.ones(100), np.linspace(2.0, 8.0, 2049)[:, None],
                                                              np.arange(20000.0), n_fft=4096),
     2049 * 20000 * 16),
    ("stft_vjp-frames", lambda: dstft_np.stft_vjp(np.ones(100), 8.0, np.arange(20000.0),
                                                   np.zeros((2049, 1)), n_fft=4096), 20000 * 4096 * 8),
    ("stft-batch-copy-of-x", lambda: dstft_np.stft(np.ones(100000), 8.0, np.zeros((2000, 1)), n_fft=16),
     2000 * 100000 * 8),
    ("frame_positions", lambda: dstft_np.frame_positions(10**9, 1), 10**9 * 8),
    ("frame_positions-tiny-hop", lambda: dstft_np.frame_positions(1000, 1e-300), 10**300),
]


@pytest.mark.parametrize("case, func, needed", MEMORY_CASES, ids=[c[0] for c in MEMORY_CASES])
def test_memory_limit_raises_before_allocating(memory_limit, case, func, needed):
    limit = 10 * 2**20
    dstft_np.set_memory_limit(limit)
    assert needed > 10 * limit

    def expect_error():
        with pytest.raises(ValueError, match=r"would need .* MiB, above the memory limit of 10 MiB"):
            func()

    peak = peak_bytes(expect_error)
    assert peak < limit / 4, f"{case}: {peak} bytes allocated before the error"


def test_memory_limit_is_settable_and_restorable(memory_limit):
    original = dstft_np.get_memory_limit()
    assert dstft_np.set_memory_limit(2**20) == original
    assert dstft_np.get_memory_limit() == 2**20
    with pytest.raises(ValueError, match=r"above the memory limit of 1 MiB"):
        dstft_np.stft(np.ones(100), 8.0, np.arange(1000.0), n_fft=512)
    assert dstft_np.set_memory_limit(original) == 2**20
    assert dstft_np.stft(np.ones(100), 8.0, np.arange(1000.0), n_fft=512).shape == (257, 1000)


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError), (np.nan, ValueError),
                                        ("1 GiB", TypeError), (True, TypeError), (None, TypeError)])
def test_set_memory_limit_rejects(memory_limit, bad, error):
    with pytest.raises(error, match=r"memory limit must be a positive number of bytes"):
        dstft_np.set_memory_limit(bad)


def test_finite_check_handles_overflowing_sums():
    """Finite values whose sum overflows pass; a NaN or an inf anywhere is caught."""
    check_finite(np.array([1e308, 1e308, -1e308]), "x")
    check_finite(np.array([1e308 + 1e308j, 1e308 + 0j]), "x")
    for bad in (np.array([1.0, np.nan]), np.array([np.inf, -np.inf]), np.array([0j, complex(0, np.inf)])):
        with pytest.raises(ValueError, match="x must be finite; it contains NaN or inf"):
            check_finite(bad, "x")
