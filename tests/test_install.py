"""The README's set-up, run in a fresh virtual environment, leaves a package that imports from any folder.

The failure this guards against: ``pip install . && dstft-np demo`` made
Numba cache the kernels in site-packages/dstft_np/__pycache__; the editable
install of the second command uninstalled the package but not that folder,
and Python then imported the left-over folder as an empty namespace package
(``dstft-np --help`` failed with "cannot import name '__version__'"), in
every folder but the checkout. Each pip install takes a few seconds (the
dependencies come from the machine's wheels), so the test is marked slow;
CI runs it.
"""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

ROOT = pathlib.Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def readme_setup_commands():
    """The two set-up commands of the README: install + demo, then the editable install + tests."""
    commands = re.findall(r"^    (python -m pip install .*)$", README, flags=re.MULTILINE)
    assert len(commands) == 2, commands
    return commands


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh venv, a copy of the checkout's installable files, and an environment that uses them."""
    base = tmp_path_factory.mktemp("install")
    source = base / "dstft_np-src"
    source.mkdir()
    shutil.copytree(ROOT / "dstft_np", source / "dstft_np", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "venv", str(base / "venv")], check=True, timeout=300)
    scripts = base / "venv" / ("Scripts" if os.name == "nt" else "bin")
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "NUMBA_CACHE_DIR", "VIRTUAL_ENV", "PYTHONHOME")}
    # the user's cache folder, where Numba's user-wide cache lives, is one of this test's
    env.update(PATH=f"{scripts}{os.pathsep}{env['PATH']}", XDG_CACHE_HOME=str(base / "cache"),
               MPLBACKEND="Agg")
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return {"source": source, "env": env, "elsewhere": elsewhere, "cache": base / "cache",
            "python": scripts / "python"}


def run(command, cwd, env):
    result = subprocess.run(command, shell=True, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, f"{command!r} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return result


def installed_folder(venv):
    """site-packages/dstft_np of the venv (absent after an editable install)."""
    purelib = run(f'"{venv["python"]}" -c "import sysconfig; print(sysconfig.get_path(\'purelib\'))"',
                  venv["elsewhere"], venv["env"]).stdout.strip()
    return os.path.join(purelib, "dstft_np")


def assert_works_elsewhere(venv, expected_file):
    """dstft-np and import dstft_np work from a folder that is not the checkout."""
    from dstft_np import __version__

    result = run("dstft-np --help", venv["elsewhere"], venv["env"])
    assert "usage: dstft-np" in result.stdout
    result = run('python -c "import dstft_np; print(dstft_np.__version__, dstft_np.__file__)"',
                 venv["elsewhere"], venv["env"])
    version, path = result.stdout.split()
    assert version == __version__
    assert os.path.samefile(path, expected_file), f"dstft_np imported from {path}"


def test_readme_setup_in_a_fresh_venv_leaves_a_working_install_in_every_folder(venv):
    install_and_demo, install_for_tests = readme_setup_commands()
    assert install_and_demo == "python -m pip install . && dstft-np demo"
    # the second command as written, less the frameworks of the adapter tests and the test run itself
    editable = install_for_tests.split(" && ")[0].replace("[test,torch,jax,dask]", "[test]")
    assert editable == 'python -m pip install -e ".[test]"'

    run(install_and_demo, venv["source"], venv["env"])
    site_folder = installed_folder(venv)
    assert (venv["source"] / "dstft_demo.png").is_file()
    left_by_numba = [name for name in os.listdir(site_folder) if re.search(r"\.nb[ic]$", name)] + [
        name for name in os.listdir(os.path.join(site_folder, "__pycache__")) if re.search(r"\.nb[ic]$", name)]
    assert left_by_numba == [], "Numba cached kernels inside the installed package"
    assert list((venv["cache"] / "numba").rglob("*.nbi")), "the kernels are cached in the user's cache folder"
    assert_works_elsewhere(venv, os.path.join(site_folder, "__init__.py"))

    run(editable, venv["source"], venv["env"])
    assert not os.path.exists(site_folder), f"the uninstall left {os.listdir(site_folder)} behind"
    assert_works_elsewhere(venv, venv["source"] / "dstft_np" / "__init__.py")

    # installing again over the editable install, and running the demo from there, leaves it working too
    run(install_and_demo, venv["source"], venv["env"])
    assert_works_elsewhere(venv, os.path.join(site_folder, "__init__.py"))
