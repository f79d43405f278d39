"""Per-frame window lengths θ_n on a real fan recording (fan_7.wav, 32 kHz): 5 s of run-downs and run-ups.

The excerpt 11.0 s to 16.0 s of fan_7.wav (160000 samples) holds a fast
run-down of the fan (its rotation harmonics near 57 and 113 Hz fall to
nearly 0 Hz), a run-up, another run-down and the start of a run-up: steady
tones next to fast frequency changes, where the best window length changes
over time. It lies inside the 11–26 s span the paper's authors worked on in
their own notebook (at 2 kHz); here the native 32 kHz rate is kept.

N = 2048 (bins 15.6 Hz apart), hop 256 (8 ms), T = 626 frames, Hann, norm
"area", p = 1. Two losses, each fitted the same way:

- the Shannon entropy of the whole spectrogram (the papers' loss);
- the mean over frames of each frame's entropy. With per-frame θ the global
  entropy also rewards moving energy between frames (a frame's share of ΣY
  changes with its θ); the frame mean judges each frame's concentration only.

For each loss: the best single θ by a grid search, then per-frame θ_n fitted
by ``DSTFT.fit`` from θ = 1600 samples (50 ms) with the smoothness
regulariser: the frame-mean entropy with the defaults of a map (λ = 10), the
global entropy with λ = 100. Writes fan7_per_frame.md and fan7_per_frame.png.

    python validation/fan7_per_frame.py --out validation/out/
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from validation import common  # noqa: E402

import dstft_np  # noqa: E402
from dstft_np import losses  # noqa: E402

NAME = "fan7_per_frame"
START_SECONDS, SECONDS = 11.0, 5.0
N_FFT, HOP, START = 2048, 256, 1600.0
LOSSES = {
    "global entropy": ("entropy", 100.0),
    "frame-mean entropy": ("frame-entropy", 10.0),
}   # loss, smoothness weight of the per-frame fit (the frame-mean entropy's: the default of a map)


def main(argv=None):
    args = common.argument_parser(__doc__, NAME, data=True).parse_args(argv)
    seconds = 1.0 if args.quick else SECONDS
    x, rate = common.fan_7_excerpt(args.data, START_SECONDS, seconds)
    args.out.mkdir(parents=True, exist_ok=True)
    coarse_step, fine_step = (512.0, 256.0) if args.quick else (64.0, 1.0)
    max_evaluations = 5 if args.quick else 500

    rows, results, fits = [], {}, {}
    for name, (loss, smoothness) in LOSSES.items():
        grid, grid_seconds = common.timed(common.grid_search, x, HOP, N_FFT, losses.get_loss(loss), low=64.0,
                                          coarse_step=coarse_step, fine_step=fine_step)
        single = dstft_np.DSTFT(N_FFT, HOP, grid.theta, n_samples=x.size)
        frame = dstft_np.DSTFT(N_FFT, HOP, START, win_mode="time", n_samples=x.size)
        history = frame.fit(x, loss, smoothness=smoothness, max_evaluations=max_evaluations)
        fit_seconds = history.seconds
        fits[name] = (grid.theta, frame)
        theta_n = frame.win_length
        scores = {model: (common.entropy(model, x), common.entropy(model, x, per_frame=True))
                  for model in (single, frame)}
        rows.append((name, f"single θ* = {grid.theta:.0f}", "–", f"{scores[single][0]:.4f}",
                     f"{scores[single][1]:.4f}", f"{grid.value:.4f}", "–", "–", f"{grid_seconds:.1f}"))
        near = common.near_bounds(frame)
        rows.append((name, "per-frame θ_n", f"{smoothness:g}", f"{scores[frame][0]:.4f}", f"{scores[frame][1]:.4f}",
                     f"{history.loss[history.best]:.4f}", f"{near:.1%}",
                     f"{history.n_evaluations} ({history.status})", f"{fit_seconds:.1f}"))
        results[name] = {"single_theta": grid.theta, "single_loss": grid.value,
                         "frame_loss": history.loss[history.best], "frame_entropy": scores[frame][0],
                         "frame_mean_entropy": scores[frame][1], "theta_n": theta_n, "near_bounds": near}
        print(f"{name}: single θ* = {grid.theta}, per-frame objective {history.loss[history.best]:.4f}",
              file=sys.stderr)

    report = common.Report("fan_7.wav: per-frame window lengths")
    report.text(
        f"Excerpt {START_SECONDS:g}–{START_SECONDS + seconds:g} s of fan_7.wav (K = {x.size} samples at "
        f"{rate:g} Hz, read with `dstft_np.io.load`: int16 / 2¹⁵). N = {N_FFT} ({rate / N_FFT:.1f} Hz "
        f"per bin), hop {HOP} ({1000 * HOP / rate:g} ms), T = {1 + x.size // HOP} frames, Hann, norm "
        f"\"area\", Y = |S|. Best single θ: grid from 64 to N by {coarse_step:g}, then ±{coarse_step:g} "
        f"by {fine_step:g}. Per-frame θ_n: `DSTFT(win_mode=\"time\").fit` from θ = {START:g} (L-BFGS-B, "
        f"at most {max_evaluations} evaluations), bounds [N/64, N] = [{N_FFT / 64:g}, {N_FFT}]. *Near a "
        "bound*: frames within 1 % of the range from a bound."
        + (" **Quick mode: 1 s, coarse grid, few steps; not a result.**" if args.quick else ""),
        "Both entropies are reported for every θ; the objective adds the smoothness term "
        "λ·mean((Δθ_n/N)²) to the loss that was fitted.")
    report.table(["loss fitted", "windows", "smoothness λ", "global entropy", "frame-mean entropy",
                  "objective", "near a bound", "evaluations", "time (s)"], rows)
    for name, result in results.items():
        theta_n = result["theta_n"]
        low, median, high = np.percentile(theta_n, [10, 50, 90])
        report.text(f"{name}: θ_n from {theta_n.min():.0f} to {theta_n.max():.0f} samples "
                    f"(10/50/90 %: {low:.0f} / {median:.0f} / {high:.0f}); "
                    f"{np.mean(theta_n <= N_FFT / 64 + 1):.0%} of the frames at the lower bound, "
                    f"{np.mean(theta_n >= N_FFT - 1):.0%} at N.")

    fig, axes = common.new_figure(3, figsize=(10, 10))
    single_theta, frame_model = fits["frame-mean entropy"]
    positions = frame_model.positions()
    plain = dstft_np.stft(x, single_theta, positions, n_fft=N_FFT)
    for ax, S, title in ((axes[0, 0], plain, f"best single θ = {single_theta:.0f} (frame-mean entropy)"),
                         (axes[1, 0], frame_model(x), "per-frame θ_n (frame-mean entropy)")):
        dstft_np.plot.spectrogram(S, positions, sample_rate=rate, db_range=60, ax=ax)
        ax.set(ylim=(0, 1000), title=title)
    for name, (theta, model) in fits.items():
        dstft_np.plot.win_length_map(model.win_length, positions, sample_rate=rate, ax=axes[2, 0])
        axes[2, 0].lines[-1].set_label(f"θ_n, {name}")
        axes[2, 0].axhline(1000 * theta / rate, ls="--", color=axes[2, 0].lines[-1].get_color(),
                           label=f"single θ*, {name}")
    axes[2, 0].legend(fontsize=8)
    common.finish(report, fig, args.out, NAME, argv,
                  f"Time from the start of the excerpt ({START_SECONDS:g} s into the file). Top: |S| in dB "
                  "(0–1 kHz) with the best single window; middle: with the per-frame windows fitted to the "
                  "frame-mean entropy; bottom: θ_n in ms for both losses, dashed the best single θ of each.")
    return results


if __name__ == "__main__":
    main()
