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
