"""One window length θ: a fine grid search of the entropy against gradient descent from several starts.

Two signals whose optimum is known (../shared/data/README.md), Hann windows,
norm "area", frames at t_n = n·hop, Shannon entropy of |S| (p = 1):

- chirp + tone (25000 samples, fs 10 kHz), N = 1000, hop 100: θ* ≈ 496
  (the paper: about 498);
- fan_flutter.mat x[4000:10000], N = 1000, hop 50: θ* ≈ 242.5 (the paper,
  with valid frames only: about 236).

For each: the entropy on a coarse grid, then a fine grid around its best;
then ``DSTFT.fit`` (projected Adam, default step N/50, reduce on plateau)
from several starting θ. Writes single_window.md and single_window.png.
Per-frame and per-cell θ maps of fan_flutter are validation/fan_flutter_maps.py.

    python validation/single_window.py --out validation/out/
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from validation import common  # noqa: E402

import dstft_np  # noqa: E402

NAME = "single_window"
N_FFT = 1000


def cases(args):
    """(label, signal, hop, known θ*, the paper's θ*)."""
    found = [("chirp + tone", common.chirp_and_tone(seed=0), 100, 496.0, 498.0)]
    found.append(("fan_flutter x[4000:10000]", common.fan_flutter(args.data)[4000:10000], 50, 242.5, 236.0))
    return found


def descend(x, hop, start, steps):
    """DSTFT.fit of one θ from `start`: final θ, final entropy, θ per step, seconds."""
    model = dstft_np.DSTFT(N_FFT, hop, start)
    path = []
    history, seconds = common.timed(model.fit, x, steps=steps,
                                    callback=lambda step, value, params: path.append(float(params["win_length"])))
    return float(model.win_length), float(history.loss[-1]), np.array(path), seconds


def main(argv=None):
    args = common.argument_parser(__doc__, NAME, data=True).parse_args(argv)
    common.data_file(args.data, "fan_flutter.mat")
    args.out.mkdir(parents=True, exist_ok=True)
    coarse_step, fine_step = (100.0, 25.0) if args.quick else (10.0, 0.1)
    starts = (100.0, 1000.0) if args.quick else (100.0, 250.0, 750.0, 1000.0)
    steps = 10 if args.quick else 300

    report = common.Report("One window length: grid search against gradient descent")
    report.text(
        f"Shannon entropy of |S| (p = 1), Hann, norm \"area\", N = {N_FFT}, frames t_n = n·hop, "
        f"T = 1 + K // hop. Grid: {coarse_step:g} from 100 to N, then ±{coarse_step:g} around the "
        f"coarse best by {fine_step:g}. Gradient descent: `DSTFT.fit`, {steps} Adam steps, lr N/50 = "
        f"{N_FFT / 50:g} samples, halved after 10 steps without improvement."
        + (" **Quick mode: coarse grid and few steps, not a result.**" if args.quick else ""))
    results = {}
    fig, axes = common.new_figure(2, 2, figsize=(11, 7))
    for row, (label, x, hop, known, paper) in enumerate(cases(args)):
        grid, grid_seconds = common.timed(common.grid_search, x, hop, N_FFT, low=100.0,
                                          coarse_step=coarse_step, fine_step=fine_step)
        n_evaluations = grid.coarse.shape[1] + grid.fine.shape[1]
        rows = [("grid", "–", f"{grid.theta:.1f}", f"{grid.value:.6f}", "0", n_evaluations, f"{grid_seconds:.1f}")]
        descents = []
        for start in starts:
            theta, value, path, seconds = descend(x, hop, start, steps)
            descents.append((start, theta, value))
            rows.append(("Adam", f"{start:g}", f"{theta:.1f}", f"{value:.6f}", f"{value - grid.value:.1e}",
                         steps + 1, f"{seconds:.1f}"))
            axes[row, 1].plot(path, label=f"from {start:g}")
        report.text(f"## {label} (K = {x.size}, hop {hop})",
                    f"Known optimum θ* ≈ {known:g} (README of the data; the paper reports about {paper:g}). "
                    f"Grid optimum here: **θ* = {grid.theta:.1f}**, H = {grid.value:.6f} nats.")
        report.table(["method", "start θ", "θ found", "entropy H", "H − H(grid θ*)", "evaluations", "time (s)"],
                     rows)
        results[label] = {"grid_theta": grid.theta, "grid_entropy": grid.value, "known": known,
                          "descents": descents}

        ax = axes[row, 0]
        ax.plot(grid.coarse[0], grid.coarse[1], ".-", color="0.5", label="coarse grid")
        ax.plot(grid.fine[0], grid.fine[1], "-", color="k", label="fine grid")
        ax.axvline(known, color="tab:green", ls=":", label=f"known θ* ≈ {known:g}")
        ax.plot([d[1] for d in descents], [d[2] for d in descents], "rx", label="Adam end points")
        ax.set(title=f"{label}: H(θ)", xlabel="θ (samples)", ylabel="entropy (nats)")
        ax.legend(fontsize=8)
        axes[row, 1].axhline(grid.theta, color="k", ls="--", lw=0.8)
        axes[row, 1].set(title=f"{label}: θ during Adam", xlabel="step", ylabel="θ (samples)")
        axes[row, 1].legend(fontsize=8)
    report.text("Per-frame and per-cell window lengths on fan_flutter: "
                "[fan_flutter_maps.md](fan_flutter_maps.md) (`python validation/fan_flutter_maps.py`).")
    common.finish(report, fig, args.out, NAME, argv,
                  "Left: the entropy against θ (coarse and fine grids) with the end points of gradient "
                  "descent. Right: θ along each descent; dashed: the grid optimum.")
    return results


if __name__ == "__main__":
    main()
