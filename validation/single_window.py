"""One window length θ: the grid optimum against four optimisers, each from five starts, on three signals.

Signals whose optimum is known (../shared/data/README.md, docs/experiments.md
§3), Hann windows, norm "area", frames at t_n = n·hop, Shannon entropy of |S|
(p = 1):

- chirp + tone (25000 samples, fs 10 kHz), N = 1000, hop 100: θ* ≈ 496
  (the paper: about 498);
- fan_flutter.mat x[4000:10000], N = 1000, hop 50: θ* ≈ 242.5 (the paper,
  with valid frames only: about 236);
- fan_7.wav 11–16 s (160000 samples at 32 kHz), N = 2048, hop 256: θ* ≈ 347.

For each: the entropy on a grid over the whole range [N/64, N] (its local
minima counted), then a fine grid around the best; then, from θ0 in
{N/40, N/10, N/4, N/2, 0.9 N}:

- ``DSTFT.fit`` as it is by default: a scan of 3 points per octave, then
  L-BFGS-B between the best point's neighbours;
- L-BFGS-B alone from θ0 (``optim.minimize`` without the scan);
- projected Adam, the default before: 100 updates, lr N/50, halved after 10
  without improvement (``fit(method="adam")``); its last iterate is reported
  beside the best one it evaluated, which fit now returns;
- scipy's TNC (truncated Newton with bounds) from θ0, on the same value and
  gradient: another bounded gradient method, for comparison.

Writes single_window.md and single_window.png (each signal's landscape with
the paths); ``--landscape PNG`` also draws the fan_flutter landscape with the
paths of the default fit and of Adam from θ0 = N/10 (docs/fit_landscape.png).

    python validation/single_window.py --out validation/out/ --landscape docs/fit_landscape.png
"""

import pathlib
import statistics
import sys
import time
from typing import NamedTuple

import numpy as np
import scipy.optimize

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from validation import common  # noqa: E402

import dstft_np  # noqa: E402
from dstft_np.objective import Objective  # noqa: E402
from dstft_np.optim import minimize  # noqa: E402

NAME = "single_window"
START_FRACTIONS = (1 / 40, 1 / 10, 1 / 4, 1 / 2, 0.9)
METHODS = ("fit (scan + L-BFGS-B)", "L-BFGS-B alone", "Adam, 100 steps", "TNC")
SHOWN_START = 1 / 10   # the start the figures draw


def cases(args):
    """(label, signal, n_fft, hop, known θ*, the paper's θ* or None)."""
    found = [("chirp + tone", common.chirp_and_tone(seed=0), 1000, 100, 496.0, 498.0),
             ("fan_flutter x[4000:10000]", common.fan_flutter(args.data)[4000:10000], 1000, 50, 242.5, 236.0)]
    if not args.quick:
        x, _ = common.fan_7_excerpt(args.data, 11.0, 5.0)
        found.append(("fan_7.wav 11–16 s", x, 2048, 256, 347.0, None))
    return found


class Counted:
    """An Objective that records every θ it is evaluated at and the loss there."""

    def __init__(self, objective):
        self.objective = objective
        self.thetas, self.values = [], []

    def value_and_grad(self, theta):
        value, grads = self.objective.value_and_grad({"win_length": np.array(float(theta[0]))})
        self.thetas.append(float(theta[0]))
        self.values.append(value)
        return value, np.atleast_1d(grads["win_length"])


class Outcome(NamedTuple):
    """One optimiser run from one start."""

    theta: float            # the θ returned (the lowest loss evaluated)
    value: float            # its loss
    thetas: np.ndarray      # θ at every evaluation
    values: np.ndarray      # the loss there
    seconds: float
    note: str


def run(method, model, x, start):
    """One optimiser from θ0 = start."""
    model.win_length = start
    began = time.perf_counter()
    note = ""
    if method == "fit (scan + L-BFGS-B)":
        history = model.fit(x)
    elif method == "Adam, 100 steps":
        history = model.fit(x, method="adam", max_evaluations=101)
        note = (f"last iterate {history.path['win_length'][-1]:.1f}, "
                f"H {history.loss[-1] - history.loss[history.best]:.1e} above its best")
    elif method == "L-BFGS-B alone":
        history = minimize(Objective(model, x), model.parameters(), {"win_length": model.bounds["win_length"]},
                           typical_step={"win_length": model.n_fft / 50}, max_evaluations=100)
    else:
        counted = Counted(Objective(model, x))
        scipy.optimize.minimize(counted.value_and_grad, [start], jac=True, method="TNC",
                                bounds=[model.bounds["win_length"]], options=dict(xtol=0.01, maxfun=100))
        thetas, values = np.array(counted.thetas), np.array(counted.values)
        best = int(np.argmin(values))
        return Outcome(thetas[best], values[best], thetas, values, time.perf_counter() - began, note)
    seconds = time.perf_counter() - began
    thetas = history.path["win_length"]
    return Outcome(thetas[history.best], history.loss[history.best], thetas, history.loss, seconds, note)


def landscape(x, n_fft, hop, step):
    """The entropy on θ = N/64, N/64 + step, ..., N: (θ, H) and the number of strict local minima."""
    model = dstft_np.DSTFT(n_fft, hop, float(n_fft))
    thetas = np.arange(n_fft / 64, n_fft + 1e-9, step)
    values = []
    for theta in thetas:
        model.win_length = theta
        values.append(common.entropy(model, x))
    values = np.array(values)
    minima = int(np.sum((values[1:-1] < values[:-2]) & (values[1:-1] < values[2:])))
    return thetas, values, minima


def draw_paths(ax, curve, outcomes, title):
    """The loss against θ, and the evaluations of the default fit and of Adam on it."""
    ax.plot(curve[0], curve[1], color="0.6", lw=1, label="grid")
    for (label, outcome, style) in zip(("default fit: scan, then L-BFGS-B", "projected Adam (before)"), outcomes,
                                       ("r.", "b+")):
        ax.plot(outcome.thetas, outcome.values, style, ms=4, label=f"{label}: {outcome.thetas.size} evaluations")
    ax.set(title=title, xlabel="θ (samples)", ylabel="entropy (nats)", xscale="log")
    ax.legend(fontsize=7)


def main(argv=None):
    parser = common.argument_parser(__doc__, NAME, data=True)
    parser.add_argument("--landscape", type=pathlib.Path,
                        help="also draw the fan_flutter landscape with the paths from N/10 here (PNG)")
    args = parser.parse_args(argv)
    common.data_file(args.data, "fan_flutter.mat")
    args.out.mkdir(parents=True, exist_ok=True)
    fractions = (1 / 40, 0.9) if args.quick else START_FRACTIONS
    grid_step, (coarse_step, fine_step) = (25.0, (100.0, 25.0)) if args.quick else (2.5, (25.0, 0.1))

    report = common.Report("One window length: the grid against four optimisers")
    report.text(
        f"Shannon entropy of |S| (p = 1), Hann, norm \"area\", frames t_n = n·hop, T = 1 + K // hop, bounds "
        f"[N/64, N]. Landscape: the entropy every {grid_step:g} samples over the bounds. Optimum: a grid "
        f"from 100 to N by {coarse_step:g}, then ±{coarse_step:g} around its best by {fine_step:g}. Starts "
        f"θ0 = {', '.join(f'{f:g}' for f in fractions)} × N. Methods: {'; '.join(METHODS)} (see the "
        "script's docstring). *Evaluations*: forward transforms (each with a VJP, except the scan's)."
        + (" **Quick mode: two signals, two starts, coarse grids; not a result.**" if args.quick else ""))
    results = {}
    fig, axes = common.new_figure(3, 2, figsize=(12, 11))
    for row, (label, x, n_fft, hop, known, paper) in enumerate(cases(args)):
        grid = common.grid_search(x, hop, n_fft, low=100.0, coarse_step=coarse_step, fine_step=fine_step)
        curve_thetas, curve_values, minima = landscape(x, n_fft, hop, grid_step if n_fft <= 1000 else 2 * grid_step)
        model = dstft_np.DSTFT(n_fft, hop, float(n_fft))
        rows, found = [], {}
        for method in METHODS:
            outcomes = [run(method, model, x, fraction * n_fft) for fraction in fractions]
            found[method] = outcomes
            errors = [abs(o.theta - grid.theta) for o in outcomes]
            counts = [o.thetas.size for o in outcomes]
            notes = "; ".join(f"from {f * n_fft:g}: {o.note}" for f, o in zip(fractions, outcomes) if o.note)
            rows.append((method, f"{np.median(errors):.2f} / {max(errors):.2f}",
                         f"{max(o.value for o in outcomes) - grid.value:.1e}", f"{min(counts)}–{max(counts)}",
                         f"{statistics.median(o.seconds for o in outcomes):.2f}", notes))
        results[label] = {"grid_theta": grid.theta, "grid_entropy": grid.value, "local_minima": minima,
                          "outcomes": found, "curve": (curve_thetas, curve_values)}
        report.text(f"## {label} (K = {x.size}, N = {n_fft}, hop {hop})",
                    f"Grid optimum **θ* = {grid.theta:.1f}**, H = {grid.value:.6f} nats (known ≈ {known:g}"
                    + (f"; the paper reports about {paper:g}" if paper else "") + f"). The landscape has "
                    f"{minima} local minim{'um' if minima == 1 else 'a'} on its grid.")
        report.table(["method", "\\|θ − θ*\\| median / max", "worst H − H(θ*)", "evaluations", "median time (s)",
                      "notes"], rows)
        shown = fractions.index(SHOWN_START) if SHOWN_START in fractions else 0
        draw_paths(axes[row, 0], results[label]["curve"], (found[METHODS[0]][shown], found[METHODS[2]][shown]),
                   f"{label}: from θ0 = {fractions[shown] * n_fft:g}")
        ax = axes[row, 1]
        for method, marker in zip(METHODS, ("r.-", "g.-", "b-", "m.-")):
            ax.plot(found[method][shown].thetas, marker, ms=3, lw=0.8, label=method)
        ax.axhline(grid.theta, color="k", ls="--", lw=0.8)
        ax.set(title=f"{label}: θ at each evaluation", xlabel="evaluation", ylabel="θ (samples)", yscale="log")
        ax.legend(fontsize=7)
    common.finish(report, fig, args.out, NAME, argv,
                  "Left: the entropy against θ (grey) with the θ evaluated by the default fit (red: the scan's "
                  "points, then L-BFGS-B's) and by Adam (blue), from θ0 = N/10. Right: θ at each evaluation "
                  "of every method from that start; dashed: the grid optimum.")
    if args.landscape is not None:
        draw_landscape(args.landscape, results["fan_flutter x[4000:10000]"], fractions)
    return results


def draw_landscape(path, found, fractions):
    """fan_flutter's landscape with the default fit's and Adam's evaluations from N/10, and a zoom on θ*."""
    shown = fractions.index(SHOWN_START) if SHOWN_START in fractions else 0
    fit, adam = found["outcomes"][METHODS[0]][shown], found["outcomes"][METHODS[2]][shown]
    fig, axes = common.new_figure(1, 2, figsize=(10, 3.6))
    draw_paths(axes[0, 0], found["curve"], (fit, adam),
               f"fan_flutter x[4000:10000], N 1000, hop 50: from θ0 = {fractions[shown] * 1000:g}")
    theta_star = found["grid_theta"]
    ax = axes[0, 1]
    near = np.abs(found["curve"][0] - theta_star) < 40
    ax.plot(found["curve"][0][near], found["curve"][1][near], color="0.6", lw=1)
    for outcome, style, label in ((fit, "r.", "default fit"), (adam, "b+", "Adam")):
        inside = np.abs(outcome.thetas - theta_star) < 40
        ax.plot(outcome.thetas[inside], outcome.values[inside], style, ms=5, label=label)
    ax.plot(adam.thetas[-1], adam.values[-1], "bs", mfc="none", ms=9,
            label=f"Adam's last iterate {adam.thetas[-1]:.1f}")
    ax.axvline(theta_star, color="k", ls="--", lw=0.8, label=f"grid θ* = {theta_star:.1f}")
    ax.set(title="within 40 samples of the optimum", xlabel="θ (samples)", ylabel="entropy (nats)")
    ax.legend(fontsize=7)
    common.save_figure(fig, path)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
