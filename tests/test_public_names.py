"""Every public module of dstft_np shows its public names only: dir() and tab completion list __all__.

Public modules are those whose dotted name has no component starting with
an underscore (dstft_np.plot, dstft_np.conformance, ...); the adapters to
torch and jax are checked where those frameworks are installed.
"""

import importlib
import pkgutil

import pytest

import dstft_np

#: Modules that run something on import rather than define names.
ENTRY_POINTS = {"dstft_np.__main__", "dstft_np.conformance.__main__"}
FRAMEWORKS = {"dstft_np.torch": "torch", "dstft_np.jax": "jax"}

PUBLIC_MODULES = ["dstft_np"] + sorted(
    info.name for info in pkgutil.walk_packages(dstft_np.__path__, "dstft_np.")
    if not any(part.startswith("_") for part in info.name.split(".")) and info.name not in ENTRY_POINTS)


def test_the_public_modules_are_found():
    assert {"dstft_np.plot", "dstft_np.losses", "dstft_np.io", "dstft_np.conformance", "dstft_np.cli",
            "dstft_np.torch"} <= set(PUBLIC_MODULES)
    assert not any("._" in name for name in PUBLIC_MODULES)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_dir_lists_the_public_names_and_each_exists(name):
    if name in FRAMEWORKS:
        pytest.importorskip(FRAMEWORKS[name])
    module = importlib.import_module(name)
    listed = dir(module)
    assert sorted(listed) == sorted(set(module.__all__) | ({"__version__"} if name == "dstft_np" else set()))
    assert [item for item in listed if item.startswith("_") and item != "__version__"] == [], listed
    for item in listed:
        assert hasattr(module, item), f"{name}.__all__ names {item!r}, which it does not define"
