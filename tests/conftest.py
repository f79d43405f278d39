"""Fixtures shared by the whole suite, and the map of where each test lives.

One test file, or a group of files named after the module, per module of
dstft_np; a test of bad input, of an edge case or of a property lives with
the module it calls:

    transform           test_transform.py (S against naive.py, scipy, torch),
                        test_transform_derivatives.py, test_transform_properties.py,
                        test_transform_edge_cases.py, test_transform_bad_input.py
    windows             test_windows.py
    positions           test_positions.py
    inverse             test_inverse.py, test_inverse_bad_input.py
    forward_mode        test_forward_mode.py, test_forward_mode_bad_input.py
    losses              test_losses.py
    optim               test_optim.py
    model (DSTFT)       test_model.py, test_model_units.py, test_model_known_optima.py,
                        test_model_adaptive.py, test_model_edge_cases.py, test_model_bad_input.py,
                        test_model_maps.py
    batch               test_batch.py
    _engine, objective  test_engine.py
    _kernels            test_kernels.py
    _validation         test_validation.py (the memory limit too)
    _options            test_options.py
    axes                test_axes.py
    conventions         test_conventions.py
    io                  test_io.py
    plot                test_plot.py
    tracking, signals   test_tracking.py
    cli                 test_cli.py, test_cli_bad_input.py
    conformance         test_conformance.py
    torch, jax          test_torch_adapter.py, test_jax_adapter.py, test_adapter_conformance.py
    the package         test_architecture.py, test_public_names.py, test_optional_imports.py,
                        test_install.py
    README, docs        test_readme.py, test_docs_links.py, test_docs_usage.py, test_docstrings.py,
                        test_teaching.py
    validation/         test_experiments.py

Helpers, imported by the tests (no test module imports another): naive.py
(the plain loops), gradcheck.py (the one finite-difference helper),
tolerance.py (the one tolerance helper), grids.py (the transform's grid, θ of
every shape, hypothesis strategies), inputs.py (bad and unusual inputs),
signals.py, markdown.py, figures.py, wrong_implementations.py.
tests/test_architecture.py checks that every test file is in this map.

Fast lane: ``python -m pytest -m "not slow"`` leaves out the long
reproductions marked ``@pytest.mark.slow`` (script runs, fits to the
known optima of real recordings, command lines in a subprocess, the
notebook, a fresh install) and runs the rest in under a minute on two cores
with a warm Numba cache. ``python -m pytest`` runs everything.
"""

import hashlib
import os
import pathlib

# Numba's on-disk cache is keyed by the timestamp of the file that defines
# each kernel, not of the files it calls (dstft_np/_kernels/window_terms.py): an
# edited window would run stale machine code. Keying the cache directory by a hash
# of every package source makes each edit compile afresh. Set before numba
# is first imported; subprocesses started by tests inherit it.
_ROOT = pathlib.Path(__file__).resolve().parents[1]
_SOURCES = sorted((_ROOT / "dstft_np").rglob("*.py"))
_DIGEST = hashlib.sha1(b"".join(p.read_bytes() for p in _SOURCES)).hexdigest()[:16]
os.environ.setdefault("NUMBA_CACHE_DIR", str(_ROOT / ".pytest_cache" / "numba" / _DIGEST))

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dstft_np  # noqa: E402

DATA_DIR = _ROOT.parent / "shared" / "data"


@pytest.fixture
def rng():
    """Seeded generator: every random test draw is reproducible."""
    return np.random.default_rng(20250625)


@pytest.fixture(scope="session")
def data_dir():
    """../shared/data, or skip when the paper's signals are not beside the project."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"paper data not found at {DATA_DIR}")
    return DATA_DIR


@pytest.fixture
def memory_limit():
    """Restore the process-wide memory limit whatever the test sets."""
    previous = dstft_np.get_memory_limit()
    yield
    dstft_np.set_memory_limit(previous)


@pytest.fixture
def thread_count(request):
    """The transforms' threads set to the test's parameter (1: a batch worker's setting, the tasks run in the
    calling thread), then back to one per core."""
    from dstft_np import _engine

    _engine.set_thread_count(request.param)
    yield request.param
    _engine.set_thread_count(None)
