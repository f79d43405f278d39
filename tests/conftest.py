import pathlib

import numpy as np
import pytest

DATA_DIR = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def rng():
    """Seeded generator: every random test draw is reproducible."""
    return np.random.default_rng(20250625)


@pytest.fixture
def data_dir():
    """../shared/data, or skip when the paper's signals are not beside the project."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"paper data not found at {DATA_DIR}")
    return DATA_DIR
