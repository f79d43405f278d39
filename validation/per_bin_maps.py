"""Per-bin window lengths θ_m with the default arguments on real recordings (issue 12, item 4).

For fan_flutter.mat (whole, N = 1000, hop 50) and fan_7.wav 11–16 s
(N = 2048, hop 256), ``DSTFT(N, hop, θ0, win_mode="frequency").fit(x)``
with nothing else given: the frame-mean entropy of the "density" scaling
|S| (θ_m/N)^(1/2), smoothness 100 (docs/experiments.md §9). The report
gives the share of bins within 1 % of the range from a bound (at the lower
and at the upper one), the θ_m, and that measure against its value at the
best single θ, found by a grid search (with one θ the scaling multiplies
all of |S| by one number, so the grid searches the frame-mean entropy of
|S|). The figure draws each recording's mean |S| per bin over its θ_m.

Run from the project root:

    python validation/per_bin_maps.py --out validation/out/               # both (about 10 min at load 1)
    python validation/per_bin_maps.py --signal fan_flutter --out validation/out/

Each evaluation costs O(F·T·N): about 0.3 s for fan_flutter and 1–2 s for
the fan_7.wav excerpt on 2 cores.
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from validation import common  # noqa: E402

import dstft_np  # noqa: E402
from dstft_np import losses  # noqa: E402

NAME = "per_bin_maps"
#: signal name -> (N, hop, θ0, start in s, duration in s); fan_flutter is read whole.
SIGNALS = {"fan_flutter": (1000, 50, 300.0, None, None), "fan_7": (2048, 256, 1600.0, 11.0, 5.0)}


def parse_args(argv=None):
    parser = common.argument_parser(__doc__, NAME, data=True)
    parser.add_argument("--signal", choices=tuple(SIGNALS) + ("both",), default="both",
                        help="which recording (default both)")
    args = parser.parse_args(argv)
    args.signals = tuple(SIGNALS) if args.signal == "both" else (args.signal,)
    return args


def read(name, data_dir, quick):
    if name == "fan_flutter":
        x = common.fan_flutter(common.data_file(data_dir, "fan_flutter.mat").parent)
        return x[6000:8000] if quick else x
    _, _, _, start, seconds = SIGNALS[name]
    return common.fan_7_excerpt(data_dir, start, 0.1 if quick else seconds)[0]


def density_frame_entropy(model, x):
    """The default per-bin measure, written out: frame-mean entropy of |S| (θ_m/N)^(1/2) (p = 1, "area")."""
    return losses.frame_entropy(model.spectrogram(x) * np.sqrt(model.win_length / model.n_fft))[0]


def fit_one(name, x, quick):
    n_fft, hop, start_theta, _, _ = SIGNALS[name]
    grid, grid_seconds = common.timed(common.grid_search, x, hop, n_fft, losses.frame_entropy, low=32.0,
                                      coarse_step=n_fft / (8 if quick else 32), fine_step=n_fft / (64 if quick else 512))
    model = dstft_np.DSTFT(n_fft, hop, start_theta, win_mode="frequency", n_samples=x.size)
    fit_options = {"max_evaluations": 5} if quick else {}
    history, seconds = common.timed(model.fit, x, progress=0 if quick else 50, **fit_options)
    theta = model.win_length[:, 0]
    low, high = model.bounds["win_length"]
    margin = 0.01 * (high - low)
    print(f"{name}: {history.status} after {history.n_evaluations} evaluations, {seconds:.0f} s", file=sys.stderr)
    return {"model": model, "history": history, "seconds": seconds, "grid": grid, "grid_seconds": grid_seconds,
            "theta": theta, "near_low": float(np.mean(theta <= low + margin)),
            "near_high": float(np.mean(theta >= high - margin)),
            "measure": density_frame_entropy(model, x)}


def plot(signals, results):
    fig, axes = common.new_figure(2, len(signals), figsize=(6 * len(signals), 6))
    for column, name in enumerate(signals):
        found = results[name]
        model, x = found["model"], signals[name]
        bins = np.arange(model.n_fft // 2 + 1)
        axes[0, column].semilogy(bins, model.spectrogram(x).mean(axis=-1))
        axes[0, column].set(title=f"{name}: mean |S| per bin (learned θ_m)", ylabel="mean |S|")
        axes[1, column].plot(bins, found["theta"], ".", ms=3, label="θ_m")
        axes[1, column].axhline(found["grid"].theta, color="k", ls="--",
                                label=f"best single θ = {found['grid'].theta:g}")
        axes[1, column].set(yscale="log", ylim=model.bounds["win_length"], xlabel="bin m", ylabel="θ_m (samples)")
        axes[1, column].legend(loc="lower right")
    return fig


def main(argv=None):
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    signals = {name: read(name, args.data, args.quick) for name in args.signals}
    results = {name: fit_one(name, x, args.quick) for name, x in signals.items()}

    report = common.Report("Per-bin window lengths with the default arguments")
    report.text("`DSTFT(N, hop, θ0, win_mode=\"frequency\").fit(x)`, nothing else given: L-BFGS-B after a scan "
                "of constant maps, the frame-mean entropy of |S| (θ_m/N)^(1/2) (`scaling=\"density\"`) plus "
                "100 × mean (Δθ/N)². \"measure\" is that entropy without the smoothness; \"best single θ\" "
                "minimises it over one θ on a grid."
                + (" **Quick mode: excerpts, a coarse grid and 5 evaluations; not a result.**" if args.quick
                   else ""))
    rows = []
    for name, found in results.items():
        n_fft, hop, start_theta, _, _ = SIGNALS[name]
        history, grid, theta = found["history"], found["grid"], found["theta"]
        rows.append((f"{name} (K = {signals[name].size}, N = {n_fft}, hop {hop}, θ0 = {start_theta:g})",
                     f"{found['near_low']:.1%} / {found['near_high']:.1%}",
                     f"{theta.min():.1f} / {np.median(theta):.1f} / {theta.max():.1f}",
                     f"{found['measure']:.5f}", f"{grid.value:.5f} at θ = {grid.theta:g}",
                     f"{history.n_evaluations} ({history.status})", f"{found['seconds']:.0f}"))
    report.table(["signal", "near the lower / upper bound", "θ_m min / median / max", "measure",
                  "best single θ", "evaluations", "time (s)"], rows)
    common.finish(report, plot(signals, results), args.out, NAME, argv,
                  "Top: each recording's mean |S| per bin at the learned θ_m; bottom: θ_m and the best single θ.")
    return {name: {key: found[key] for key in ("near_low", "near_high", "measure", "theta")}
            | {"single": found["grid"].value} for name, found in results.items()}


if __name__ == "__main__":
    main()
