"""What the validation scripts share: paths, command line, signals, timing, reports and figures.

Every script in validation/ runs from the project root as
``python validation/<name>.py [--out DIR] [--quick]`` and writes
``<name>.md`` and ``<name>.png`` into --out (default validation/out/, which
git ignores). ``main(argv)`` returns the key numbers as a dict, so that
tests/test_experiments.py can run each script in-process and check that the
report states them.

The signals with known optima are those of the unit tests (tests/signals.py);
the two-class task of the joint-training scripts is defined here once, for
the numpy and the torch versions alike.
"""

import argparse
import pathlib
import sys
import time
from typing import NamedTuple

import numpy as np

PROJECT_ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))   # this checkout's dstft_np and tests/, not installed copies

import dstft_np  # noqa: E402
from dstft_np import losses  # noqa: E402
from dstft_np.signals import (  # noqa: E402,F401  (re-exported for the scripts)
    SEGMENT_FREQUENCIES,
    SEGMENT_LENGTHS,
    chirp_and_tone,
    piecewise_tones,
)
from tests.signals import fan_flutter, grid_search, uncovered_samples  # noqa: E402,F401

__all__ = [
    "PROJECT_ROOT",
    "DATA_DIR",
    "OUT_DIR",
    "argument_parser",
    "data_file",
    "timed",
    "entropy",
    "fan_7_excerpt",
    "near_bounds",
    "TwoToneTask",
    "Report",
    "new_figure",
    "save_figure",
    "finish",
    "TrainingRun",
    "report_joint_training",
    "chirp_and_tone",
    "fan_flutter",
    "piecewise_tones",
    "grid_search",
    "uncovered_samples",
    "SEGMENT_LENGTHS",
    "SEGMENT_FREQUENCIES",
]

DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"
OUT_DIR = PROJECT_ROOT / "validation" / "out"


# ---------------------------------------------------------------- command line


def argument_parser(doc, name, *, data=False):
    """--out and --quick (and --data when the script reads ../shared/data), with an example in --help."""
    parser = argparse.ArgumentParser(
        prog=f"python validation/{name}.py",
        description=doc.split("\n\n")[0],
        epilog=f"example: python validation/{name}.py --out validation/out/",
    )
    parser.add_argument("--out", type=pathlib.Path, default=OUT_DIR,
                        help="output directory (default: validation/out/)")
    parser.add_argument("--quick", action="store_true",
                        help="coarse grids and few steps: a smoke test of a few seconds, not a result")
    if data:
        parser.add_argument("--data", type=pathlib.Path, default=DATA_DIR,
                            help="folder holding the paper's signals (default: ../shared/data)")
    return parser


def data_file(folder, name):
    """folder/name, or exit with a one-line error naming it."""
    path = pathlib.Path(folder) / name
    if not path.is_file():
        raise SystemExit(f"error: {path} not found (pass --data FOLDER)")
    return path


def timed(function, *args, **kwargs):
    """(function(*args, **kwargs), wall-clock seconds)."""
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - began


# ---------------------------------------------------------------- signals and losses


def entropy(model, x, *, per_frame=False):
    """Shannon entropy of the model's |S|^p, in nats (global, or averaged over frames)."""
    return losses.shannon_entropy(model.spectrogram(x), per_frame=per_frame)[0]


def near_bounds(model):
    """Fraction of a fitted θ map within 1 % of the range [low, high] from one of its bounds."""
    low, high = model.bounds["win_length"]
    margin = 0.01 * (high - low)
    return float(np.mean((model.win_length <= low + margin) | (model.win_length >= high - margin)))


def fan_7_excerpt(data_dir, start_seconds, seconds):
    """fan_7.wav (32 kHz, int16 scaled to [-1, 1)) from start_seconds, `seconds` long, and the rate."""
    x, rate = dstft_np.io.load(data_file(data_dir, "fan_7.wav"))
    first = int(round(start_seconds * rate))
    return x[first:first + int(round(seconds * rate))], rate


class TwoToneTask:
    """Two classes that only a long window tells apart: two close tones (1) or one tone (0).

    Class 1: a·(sin(2π(f - δ/2)k + φ1) + sin(2π(f + δ/2)k + φ2)); class 0:
    a·√2·sin(2πfk + φ1) (the same power); a ~ U(0.5, 1.5), f = f0 + U(-2, 2)/N,
    random phases, white noise of standard deviation `noise`. The tones are
    δ = separation_bins/N apart: a window shorter than about 2/δ samples
    merges them into one peak, so the features below are nearly the same for
    both classes, while a window of a few hundred samples resolves them.

    Features: the frame average of |S| over the `band` of bins around f0,
    divided by its mean over the band (so the level a carries no
    information), minus 1.
    """

    n_samples = 2048
    n_fft = 512
    hop_length = 64
    f0 = 0.1
    separation_bins = 4.0
    noise = 2.0
    half_band = 16

    def __init__(self):
        centre = int(round(self.f0 * self.n_fft))
        self.band = slice(centre - self.half_band, centre + self.half_band + 1)
        self.positions = dstft_np.frame_positions(self.n_samples, self.hop_length)

    def draw(self, n_examples, rng):
        """x [shape=(n_examples, K)], float64, and labels y [shape=(n_examples,)] in {0, 1}."""
        k = np.arange(self.n_samples)
        y = rng.integers(0, 2, n_examples)
        f = self.f0 + rng.uniform(-2.0, 2.0, (n_examples, 1)) / self.n_fft
        half = 0.5 * self.separation_bins / self.n_fft
        amplitude = rng.uniform(0.5, 1.5, (n_examples, 1))
        phase = rng.uniform(0.0, 2 * np.pi, (n_examples, 2))
        two = np.sin(2 * np.pi * (f - half) * k + phase[:, :1]) + np.sin(2 * np.pi * (f + half) * k + phase[:, 1:])
        one = np.sqrt(2.0) * np.sin(2 * np.pi * f * k + phase[:, :1])
        x = amplitude * np.where(y[:, None] == 1, two, one)
        return x + self.noise * rng.standard_normal(x.shape), y

    def describe(self):
        return (f"K = {self.n_samples} samples, N = {self.n_fft}, hop {self.hop_length} "
                f"(T = {self.positions.size}), f0 = {self.f0} cycles/sample ± 2 bins, tones "
                f"{self.separation_bins:g} bins apart (δ = {self.separation_bins / self.n_fft:.4f}), "
                f"noise σ = {self.noise}, features: the {self.band.stop - self.band.start} bins "
                f"{self.band.start}..{self.band.stop - 1}")


# ---------------------------------------------------------------- reports and figures


def _cell(value):
    return f"{value:.5g}" if isinstance(value, float) else str(value)


class Report:
    """A short markdown report, written in one go by ``write``."""

    def __init__(self, title):
        self.lines = [f"# {title}", ""]

    def text(self, *paragraphs):
        for paragraph in paragraphs:
            self.lines += [paragraph, ""]

    def table(self, headers, rows):
        """Rows of values; floats printed with 5 significant digits unless already strings."""
        self.lines.append("| " + " | ".join(headers) + " |")
        self.lines.append("|" + "---|" * len(headers))
        for row in rows:
            self.lines.append("| " + " | ".join(_cell(value) for value in row) + " |")
        self.lines.append("")

    def figure(self, path, caption):
        self.lines += [f"![{pathlib.Path(path).stem}]({pathlib.Path(path).name})", "", caption, ""]

    def command(self, name, argv):
        """The command that wrote the report, from the project root."""
        argv = [str(arg) for arg in (argv if argv is not None else sys.argv[1:])]
        self.lines += ["Command (from the project root):", "",
                       f"    python validation/{name}.py {' '.join(argv)}".rstrip(), ""]

    def write(self, path):
        pathlib.Path(path).write_text("\n".join(self.lines) + "\n", encoding="utf-8")
        return path


def new_figure(nrows, ncols=1, *, figsize):
    """A matplotlib Figure and its axes, drawn off-screen (Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", squeeze=False)


def save_figure(fig, path):
    import matplotlib.pyplot as plt

    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def finish(report, fig, out, name, argv, caption):
    """Save the figure, add it (with its caption) and the command to the report, write both; the paths."""
    png = save_figure(fig, pathlib.Path(out) / f"{name}.png")
    report.figure(png, caption)
    report.command(name, argv)
    path = report.write(pathlib.Path(out) / f"{name}.md")
    print(f"wrote {path} and {png}")
    return path, png


# ---------------------------------------------------------------- joint training (numpy and torch)


class TrainingRun(NamedTuple):
    """One training run of a joint-training script."""

    accuracy: float         # on the test set
    theta: float            # θ at the end
    path: np.ndarray        # (steps, 2): θ and the training loss before each step
    seconds: float


def report_joint_training(report, axes, fixed, learned, theta0):
    """Table and trajectory of θ fixed against θ learned; θ and the loss per step drawn into two axes.

    Returns the key numbers: fixed_accuracy, learned_accuracy, learned_theta, theta_path.
    """
    report.table(["θ", "final training loss", "test accuracy", "time (s)"], [
        (f"fixed at {theta0:g}", f"{fixed.path[-1, 1]:.4f}", f"{fixed.accuracy:.3f}", f"{fixed.seconds:.1f}"),
        (f"learned from {theta0:g} → {learned.theta:.1f}", f"{learned.path[-1, 1]:.4f}",
         f"{learned.accuracy:.3f}", f"{learned.seconds:.1f}"),
    ])
    steps = len(learned.path)
    marks = sorted({0, steps // 10, steps // 4, steps // 2, steps - 1})
    report.text("θ along training (step: θ): "
                + ", ".join(f"{i}: {learned.path[i, 0]:.1f}" for i in marks) + ".")
    axes[0].plot(learned.path[:, 0])
    axes[0].set(xlabel="step", ylabel="θ (samples)", title="θ while training")
    axes[1].plot(fixed.path[:, 1], label=f"θ fixed at {theta0:g}")
    axes[1].plot(learned.path[:, 1], label="θ learned")
    axes[1].set(xlabel="step", ylabel="training loss", title="training loss", yscale="log")
    axes[1].legend()
    print(f"test accuracy: θ fixed {fixed.accuracy:.3f}, learned {learned.accuracy:.3f} "
          f"(θ = {learned.theta:.1f})", file=sys.stderr)
    return {"fixed_accuracy": fixed.accuracy, "learned_accuracy": learned.accuracy,
            "learned_theta": learned.theta, "theta_path": learned.path[:, 0]}
