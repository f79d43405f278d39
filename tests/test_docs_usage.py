"""docs/usage.md, the guided tour: it runs as written and prints what it shows.

How the page is read:

- ```python blocks run in order in one namespace, in a temporary working
  directory (the files they write land there). A block whose first line is
  ``# NAME.py`` is also saved as NAME.py there, so later blocks and
  commands can import it.
  A block that imports an optional extra (OPTIONAL) which is not installed
  is skipped.
- ```bash blocks hold ``dstft-np`` commands. Each is parsed by the real
  argument parser and run in-process with ``dstft_np.cli.main``, except the
  subcommands in NOT_RUN (the demo takes seconds; tests/test_cli.py runs it).
- A ```text block right after a python or bash block is what it printed.
  It is compared number by number: the words must be equal (whitespace
  aside) and each number within RTOL of the printed one; numbers below
  NOISE in magnitude (rounding errors, finite-difference residues) only
  have to stay below it.

``python -m tests.test_docs_usage`` (from the project root) runs the tour
and rewrites the ```text blocks with what it printed.
"""

import contextlib
import io
import os
import pathlib
import re
import shlex
import sys
import tempfile

import pytest

from dstft_np import cli

from .markdown import assert_same_output, code_blocks, follows

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "usage.md"

#: Optional extras (setup.cfg): a block importing one of them runs only where it is installed.
OPTIONAL = {"torch", "jax"}
#: Subcommands shown but not run here (the demo fits 25000 samples twice, ~8 s).
NOT_RUN = {"demo"}

_SAVED_AS = re.compile(r"# (\w+)\.py")


def commands(block):
    """The argument lists of the ``dstft-np`` commands of a bash block (continuation lines joined)."""
    lines = [line for line in block.code.replace("\\\n", " ").splitlines() if line.strip()]
    argvs = [shlex.split(line) for line in lines]
    for argv in argvs:
        assert argv[0] == "dstft-np", f"usage.md:{block.line}: a bash block holds dstft-np commands only"
    return [argv[1:] for argv in argvs]


def _run_commands(block):
    """Parse every command of the block; run those not in NOT_RUN. True when something ran."""
    ran = False
    for argv in commands(block):
        cli.build_parser().parse_args(argv)   # SystemExit (with argparse's message) for a stale option
        if argv[0] in NOT_RUN:
            continue
        with contextlib.redirect_stderr(io.StringIO()) as progress:
            status = cli.main(argv)
        assert status == 0, f"usage.md:{block.line}: dstft-np {shlex.join(argv)} exited with {status}: " \
                            f"{progress.getvalue()}"
        ran = True
    return ran


def run_tour(workdir):
    """Run the page in `workdir`; return its text and (block, its output block or None, stdout or None)."""
    text = PAGE.read_text(encoding="utf-8")
    blocks = code_blocks(text)
    namespace = {"__name__": "__usage__"}
    results = []
    for block, after in zip(blocks, blocks[1:] + [None]):
        if block.language not in ("python", "bash"):
            continue
        output = after if after is not None and after.language == "text" and follows(text, block, after) else None
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            if block.language == "python":
                saved_as = _SAVED_AS.fullmatch(block.code.splitlines()[0])
                if saved_as:
                    (workdir / f"{saved_as.group(1)}.py").write_text(block.code, encoding="utf-8")
                try:
                    exec(compile(block.code, f"{PAGE}:{block.line}", "exec"), namespace)
                    ran = True
                except ModuleNotFoundError as error:
                    if error.name not in OPTIONAL:
                        raise
                    ran = False
            else:
                ran = _run_commands(block)
        results.append((block, output, stdout.getvalue() if ran else None))
    return text, results


@contextlib.contextmanager
def _tour_environment(workdir):
    """cwd = workdir and importable from there; sys.path, sys.modules and figures restored afterwards."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    cwd, path, modules = os.getcwd(), list(sys.path), set(sys.modules)
    os.chdir(workdir)
    sys.path.insert(0, str(workdir))
    try:
        yield
    finally:
        os.chdir(cwd)
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            if getattr(sys.modules[name], "__file__", "") and str(workdir) in sys.modules[name].__file__:
                del sys.modules[name]
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")


@pytest.mark.slow
def test_usage_tour_runs_and_prints_what_the_page_shows(tmp_path):
    with _tour_environment(tmp_path):
        _, results = run_tour(tmp_path)
    compared = 0
    for block, output, stdout in results:
        if output is not None and stdout is not None:
            assert_same_output(stdout, output.code, f"the {block.language} block at usage.md:{block.line}")
            compared += 1
        elif output is None and stdout:
            raise AssertionError(f"usage.md:{block.line} prints but the page shows no ```text output under it")
    assert compared >= 30, f"only {compared} outputs compared: has the page lost its ```text blocks?"
    for name in ("tour.png", "tour.wav", "spectrogram.png", "fit.json", "fit.png"):
        assert (tmp_path / name).is_file(), f"the tour should have written {name}"


def test_number_comparison_tolerates_rounding_and_catches_changes():
    assert_same_output("H = 8.117135; err 3.1e-10", "H = 8.117134; err 1.2e-09", "a")
    for wrong in ("H = 8.2; err 1.2e-09", "H = 8.117134; err 2e-5", "G = 8.117134; err 1.2e-09",
                  "H = 8.117134; err 1.2e-09 extra 1"):
        try:
            assert_same_output(wrong, "H = 8.117134; err 1.2e-09", "a")
        except AssertionError:
            continue
        raise AssertionError(f"{wrong!r} passed as 'H = 8.117134; err 1.2e-09'")


def test_usage_bash_commands_parse():
    for block in code_blocks(PAGE.read_text(encoding="utf-8")):
        if block.language == "bash":
            for argv in commands(block):
                args = cli.build_parser().parse_args(argv)
                assert args.command == argv[0]


def _rewrite_outputs():
    """Run the tour and replace each ```text output block by what its block printed."""
    with tempfile.TemporaryDirectory() as workdir:
        with _tour_environment(pathlib.Path(workdir)):
            text, results = run_tour(pathlib.Path(workdir))
    for block, output, stdout in reversed(results):
        if output is not None and stdout is not None:
            fresh = f"```text\n{stdout}```" if stdout.endswith("\n") else f"```text\n{stdout}\n```"
            text = text[:output.start] + fresh + text[output.end:]
    PAGE.write_text(text, encoding="utf-8")
    print(f"rewrote the outputs of {PAGE}")


if __name__ == "__main__":
    _rewrite_outputs()
