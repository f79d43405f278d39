"""Per-cell window lengths θ[m, n] on fan_flutter.mat: how much each objective widens the tones.

fan_flutter.mat (whole, N = 1000, hop 50, θ0 = 300) fitted per cell three
ways: the defaults (the frame-mean entropy of the "density" scaling
|S| (θ/N)^(1/2), smoothness 100, as per bin: docs/experiments.md §9), the
same with smoothness 1000, and the defaults of earlier versions (the
frame-mean entropy of |S|, smoothness 10000). For
each fit and for the best single θ (a grid search of the frame-mean entropy)
the report gives the share of cells within 1 % of the range from a bound,
the fit's measure (its loss without the smoothness) and how sharp the
tones stay: in each frame, the share of |S|² within ±2 bins of the frame's
largest bin among the ±40 bins around it, the median over the frames
where one tone holds still (samples 500–4500, the tone near bin 50, and
8000 on, near bin 355). docs/experiments.md §10 reads the table.

Run from the project root:

    python validation/per_cell_maps.py --out validation/out/     # about 8 minutes on 2 cores

Each evaluation costs O(F·T·N), about 0.2 s here.
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from validation import common  # noqa: E402
from validation.per_bin_maps import density_frame_entropy  # noqa: E402

import dstft_np  # noqa: E402
from dstft_np import losses  # noqa: E402

NAME = "per_cell_maps"
N_FFT, HOP, START = 1000, 50, 300.0
#: label -> DSTFT.fit's keyword arguments beside x (none: the defaults)
FITS = {"magnitude, smoothness 10000 (the earlier defaults)": {"scaling": "magnitude", "smoothness": 10000.0},
        "density, smoothness 100 (the defaults)": {},
        "density, smoothness 1000": {"smoothness": 1000.0}}
#: (first, last) sample of the frame centres over which one tone holds still
STEADY = {"early": (500, 4500), "late": (8000, None)}
#: bins either side of a frame's peak counted as the tone, and as its surroundings
TONE_BINS, AROUND_BINS = 2, 40


def tone_share(S, positions, span):
    """Median over the frames centred in span of |S|² within ±TONE_BINS of the frame's peak over ±AROUND_BINS."""
    first, last = span
    frames = np.flatnonzero((positions > first) & (positions < (np.inf if last is None else last)))
    power = np.abs(S[:, frames]) ** 2
    shares = []
    for column in power.T:
        peak = int(np.argmax(column))
        near = column[max(peak - TONE_BINS, 0):peak + TONE_BINS + 1].sum()
        shares.append(near / column[max(peak - AROUND_BINS, 0):peak + AROUND_BINS + 1].sum())
    return float(np.median(shares))


def measure(model, x, scaling):
    """The fit's loss without the smoothness: the frame-mean entropy of |S|, rescaled for "density"."""
    return density_frame_entropy(model, x) if scaling == "density" else losses.frame_entropy(model.spectrogram(x))[0]


def describe(model, x, S, scaling, positions):
    return {"S": S, "near": common.near_bounds(model), "measure": measure(model, x, scaling),
            **{span: tone_share(S, positions, STEADY[span]) for span in STEADY}}


def main(argv=None):
    args = common.argument_parser(__doc__, NAME, data=True).parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    x = common.fan_flutter(common.data_file(args.data, "fan_flutter.mat").parent)
    if args.quick:
        x = x[:10000]
    grid = common.grid_search(x, HOP, N_FFT, losses.frame_entropy, low=16.0, coarse_step=25.0,
                              fine_step=5.0 if args.quick else 1.0)
    single = dstft_np.DSTFT(N_FFT, HOP, float(grid.theta), n_samples=x.size)
    positions = single.positions(x.size)
    results = {f"best single θ = {grid.theta:g}": describe(single, x, single(x), None, positions)}
    for label, options in FITS.items():
        model = dstft_np.DSTFT(N_FFT, HOP, START, win_mode="time-frequency", n_samples=x.size)
        history, seconds = common.timed(model.fit, x, max_evaluations=5 if args.quick else None, **options)
        print(f"{label}: {history.status} after {history.n_evaluations} evaluations, {seconds:.0f} s", file=sys.stderr)
        results[label] = describe(model, x, model(x), options.get("scaling", "density"), positions)
        results[label].update(theta=model.win_length, history=history, seconds=seconds)

    report = common.Report("Per-cell window lengths on fan_flutter.mat: tone sharpness")
    report.text(f"`DSTFT({N_FFT}, {HOP}, {START:g}, win_mode=\"time-frequency\").fit(x, **options)`, K = {x.size}. "
                "\"measure\": the fit's loss without the smoothness (for the best single θ: the frame-mean "
                f"entropy of |S|, equal to that of the density scaling). \"tone share\": |S|² within ±{TONE_BINS} "
                f"bins of each frame's peak over ±{AROUND_BINS} bins, median over the frames of samples "
                f"{STEADY['early'][0]}–{STEADY['early'][1]} (early) and from {STEADY['late'][0]} on (late)."
                + (" **Quick mode: 10000 samples, 5 evaluations; not a result.**" if args.quick else ""))
    rows = []
    for label, found in results.items():
        history = found.get("history")
        rows.append((label, f"{found['near']:.1%}", f"{found['measure']:.5f}", f"{found['early']:.3f}",
                     f"{found['late']:.3f}",
                     "–" if history is None
                     else f"{history.n_evaluations} ({history.status}, {found['seconds']:.0f} s)"))
    report.table(["θ", "near a bound", "measure", "tone share, early", "tone share, late", "evaluations"], rows)
    fig, axes = common.new_figure(2, len(results), figsize=(4.5 * len(results), 7))
    for column, (label, found) in enumerate(results.items()):
        power_db = 20 * np.log10(np.abs(found["S"]) / np.abs(found["S"]).max() + 1e-6)
        axes[0, column].imshow(power_db, origin="lower", aspect="auto", vmin=-60, vmax=0, cmap="magma",
                               extent=(positions[0], positions[-1], 0, found["S"].shape[0]))
        axes[0, column].set(title=label, xlabel="sample", ylabel="bin")
        theta = found.get("theta", np.full(found["S"].shape, float(grid.theta)))
        image = axes[1, column].imshow(theta, origin="lower", aspect="auto", cmap="viridis",
                                       extent=(positions[0], positions[-1], 0, theta.shape[0]))
        axes[1, column].set(title="θ (samples)", xlabel="sample", ylabel="bin")
        fig.colorbar(image, ax=axes[1, column])
    common.finish(report, fig, args.out, NAME, argv,
                  "Top: |S| in dB (0 at each map's largest) for the best single θ and each per-cell fit; "
                  "bottom: the window lengths.")
    return {label: {key: found[key] for key in ("near", "measure", "early", "late")}
            for label, found in results.items()}


if __name__ == "__main__":
    main()
