"""Time-varying window lengths on fan_flutter.mat: best single θ, per-frame θ_n, per-cell θ[m, n].

Reproduces the paper's time-varying window-length experiment on the full
signal (20000 samples, N = 1000, hop 50, Shannon entropy of |S|):

1. a grid search of one window length (coarse step 25, then 0.5),
2. per-frame θ_n fitted from that optimum with the smoothness regulariser,
3. per-cell θ[m, n] fitted from the per-frame solution,

and writes ``fan_flutter_maps.md`` (entropies, timings, θ statistics) and
``fan_flutter_maps.png`` (the θ maps over the spectrogram) into --out.

Run from the project root:

    python validation/fan_flutter_maps.py --out validation/out/

The per-cell fit costs O(F·T·N) per evaluation (about a second here);
--cell-evaluations sets how many at most. ``--loss frame-entropy
--smoothness 10`` fits the defaults of ``DSTFT.fit`` for maps instead of the
paper's loss.
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from validation import common  # noqa: E402

import dstft_np  # noqa: E402

NAME = "fan_flutter_maps"
N_FFT, HOP = 1000, 50


def parse_args(argv=None):
    parser = common.argument_parser(__doc__, NAME, data=True)
    parser.add_argument("--frame-evaluations", type=int, default=500,
                        help="most evaluations of the per-frame fit (L-BFGS-B)")
    parser.add_argument("--cell-evaluations", type=int, default=30,
                        help="most evaluations of the per-cell fit (L-BFGS-B)")
    parser.add_argument("--smoothness", type=float, default=100.0, help="weight of the smoothness regulariser")
    parser.add_argument("--loss", choices=("entropy", "frame-entropy"), default="entropy",
                        help="the loss fitted and reported: the entropy of the whole spectrogram (the paper's, "
                             "default) or the mean of each frame's (the default of DSTFT.fit for maps)")
    args = parser.parse_args(argv)
    if args.quick:   # a 2000-sample excerpt, a coarse grid and a few steps
        args.frame_evaluations, args.cell_evaluations = min(args.frame_evaluations, 5), min(args.cell_evaluations, 2)
    return args


def plot(x, single_theta, frame_model, cell_model):
    seconds = frame_model.positions()
    frequencies = np.arange(N_FFT // 2 + 1)
    fig, axes = common.new_figure(3, figsize=(9, 10))
    axes = axes[:, 0]
    spectrogram = frame_model.spectrogram(x)
    axes[0].pcolormesh(seconds, frequencies, 20 * np.log10(spectrogram + 1e-12 * spectrogram.max()),
                       shading="nearest", cmap="magma")
    axes[0].set(title="|S| in dB with per-frame windows θ_n", ylabel="bin m")
    axes[1].plot(seconds, frame_model.win_length, label="per-frame θ_n")
    axes[1].axhline(single_theta, color="k", ls="--", label=f"best single θ = {single_theta}")
    axes[1].set(ylabel="θ (samples)", xlim=(seconds[0], seconds[-1]), ylim=(0, N_FFT))
    axes[1].legend(loc="upper right")
    image = axes[2].pcolormesh(seconds, frequencies, cell_model.win_length, shading="nearest", cmap="viridis",
                               vmin=0, vmax=N_FFT)
    axes[2].set(title="per-cell θ[m, n]", xlabel="frame position t_n (samples)", ylabel="bin m")
    fig.colorbar(image, ax=axes[2], label="θ (samples)")
    return fig


def main(argv=None):
    args = parse_args(argv)
    x = common.fan_flutter(common.data_file(args.data, "fan_flutter.mat").parent)
    if args.quick:
        x = x[6000:8000]
    args.out.mkdir(parents=True, exist_ok=True)

    per_frame = args.loss == "frame-entropy"
    grid, grid_seconds = common.timed(common.grid_search, x, HOP, N_FFT, dstft_np.losses.get_loss(args.loss),
                                      coarse_step=100.0 if args.quick else 25.0, fine_step=25.0 if args.quick else 0.5)
    single_theta, single_entropy = grid.theta, grid.value
    print(f"single θ* = {single_theta}, H = {single_entropy:.5f} ({grid_seconds:.1f} s)", file=sys.stderr)

    frame = dstft_np.DSTFT(N_FFT, HOP, single_theta, win_mode="time", n_samples=x.size)
    frame_history, frame_seconds = common.timed(frame.fit, x, args.loss, smoothness=args.smoothness,
                                                max_evaluations=args.frame_evaluations)
    frame_entropy = common.entropy(frame, x, per_frame=per_frame)
    print(f"per-frame H = {frame_entropy:.5f} ({frame_seconds:.1f} s)", file=sys.stderr)

    cell = dstft_np.DSTFT(N_FFT, HOP, single_theta, win_mode="time-frequency", n_samples=x.size)
    cell.win_length = np.broadcast_to(frame.win_length, cell.win_length.shape)
    cell_history, cell_seconds = common.timed(cell.fit, x, args.loss, smoothness=args.smoothness,
                                              max_evaluations=args.cell_evaluations,
                                              progress=max(1, args.cell_evaluations // 5))
    cell_entropy = common.entropy(cell, x, per_frame=per_frame)
    print(f"per-cell H = {cell_entropy:.5f} ({cell_seconds:.1f} s)", file=sys.stderr)

    steps = np.diff(frame.win_length)
    report = common.Report("fan_flutter.mat: time-varying window lengths")
    report.text(
        f"Signal: fan_flutter.mat x{'[6000:8000]' if args.quick else ''} (K = {x.size}), N = {N_FFT}, hop {HOP}, "
        f"T = {frame.n_frames}, {'mean over frames of each frame' if per_frame else 'the whole spectrogram'}'s "
        f"Shannon entropy of |S| (p = 1, `loss={args.loss!r}`), Hann, norm \"area\". Smoothness weight "
        f"{args.smoothness} (``losses.smoothness`` with scale = N); `DSTFT.fit` (L-BFGS-B) with at most "
        f"{args.frame_evaluations} per-frame and {args.cell_evaluations} per-cell evaluations "
        f"({frame_history.n_evaluations} and {cell_history.n_evaluations} used: {frame_history.status}, "
        f"{cell_history.status})."
        + (" **Quick mode: an excerpt, a coarse grid and a few steps; not a result.**" if args.quick else ""))
    report.table(["windows", "entropy H", "objective", "time (s)", "near a bound", "notes"], [
        ("best single θ (grid)", f"{single_entropy:.5f}", "–", f"{grid_seconds:.1f}", "–", f"θ* = {single_theta}"),
        ("per-frame θ_n", f"{frame_entropy:.5f}", f"{frame_history.loss[frame_history.best]:.5f}",
         f"{frame_seconds:.1f}", f"{common.near_bounds(frame):.1%}",
         f"θ_n in [{frame.win_length.min():.1f}, {frame.win_length.max():.1f}], "
         f"max \\|Δθ_n\\| = {np.abs(steps).max():.1f}, rms Δθ_n = {np.sqrt(np.mean(steps**2)):.1f}"),
        ("per-cell θ[m, n]", f"{cell_entropy:.5f}", f"{cell_history.loss[cell_history.best]:.5f}",
         f"{cell_seconds:.1f}", f"{common.near_bounds(cell):.1%}",
         f"θ in [{cell.win_length.min():.1f}, {cell.win_length.max():.1f}]"),
    ])
    report.text(f"Per-frame windows lower H by {single_entropy - frame_entropy:.4f} nats from the best single "
                f"window; per-cell windows by a further {frame_entropy - cell_entropy:.4f}.")
    common.finish(report, plot(x, single_theta, frame, cell), args.out, NAME, argv,
                  "Top: |S| in dB with the per-frame windows; middle: θ_n and the best single θ; "
                  "bottom: the per-cell θ[m, n].")
    return {"single_theta": single_theta, "single_entropy": single_entropy, "frame_entropy": frame_entropy,
            "cell_entropy": cell_entropy}


if __name__ == "__main__":
    main()
