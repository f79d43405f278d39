"""Every Examples section in the package's docstrings runs and prints what it shows.

The adapter modules are checked only when their framework is installed.
"""

import doctest
import importlib
import pkgutil

import pytest

import dstft_np

OPTIONAL = {"dstft_np.torch": "torch", "dstft_np.jax": "jax"}
MODULES = sorted(
    info.name for info in pkgutil.walk_packages(dstft_np.__path__, "dstft_np.")
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    if name in OPTIONAL:
        pytest.importorskip(OPTIONAL[name], reason=f"{OPTIONAL[name]} is not installed")
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    if result.attempted == 0:
        pytest.skip(f"{name} has no docstring examples")
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
