"""torch and jax are optional extras: importing dstft_np must not import them (brief, DESIGN.md §4)."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_importing_the_package_imports_neither_torch_nor_jax():
    code = ("import sys, dstft_np, dstft_np.conventions, dstft_np.forward_mode; "
            "print(sorted(name for name in ('torch', 'jax') if name in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_import_loads_no_numba_and_no_scipy():
    """Numba and SciPy are imported at the first transform, not by `import dstft_np`."""
    code = "import sys, dstft_np; print(sorted(m for m in ('numba', 'scipy') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
