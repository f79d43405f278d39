"""Learnable hops on piecewise tones: per-frame hops (and window lengths) with the coverage regulariser.

The signal of the paper's hop experiment: fs = 1 kHz, six consecutive
segments of 1484, 1153, 635, 361, 1796 and 1207 samples holding pure tones
at 50, 228, 65, 171, 30 and 144 Hz, plus white noise of standard deviation
0.2 (6636 samples). N = 1500, Hann, norm "area", Y = |S|, Shannon entropy.
The frame count is fixed by the initial grid t_n = 200·n (T = 34), and the
first frame stays at t_0 = 0.

Three fits from that grid, each ``DSTFT(hop_mode="time").fit``:

- hops only, θ held at 600, coverage weight 10 (the model's default);
- hops and per-frame θ_n together (θ in [100, N]), coverage weight 100 and
  a light smoothness term on θ_n;
- hops only without the coverage term: the control that shows what it is
  for (frames leave the signal to lower the entropy).

Writes learnable_hops.md and learnable_hops.png.

    python validation/learnable_hops.py --out validation/out/
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from validation import common  # noqa: E402

import dstft_np  # noqa: E402
from dstft_np import losses  # noqa: E402

NAME = "learnable_hops"
RATE, N_FFT, HOP, THETA = 1000.0, 1500, 200.0, 600.0
SHORT = 400.0   # θ_n below this counts as a short window in the report
FITS = {   # name: (win_mode, θ bounds, coverage weight, smoothness weight, lr)
    "hops, θ = 600": ("constant", (THETA, THETA), 10.0, 0.0, {"win_length": 1.0, "hops": 2.0}),
    "hops + θ_n": ("time", (100.0, float(N_FFT)), 100.0, 1.0, {"win_length": 10.0, "hops": 2.0}),
    "hops, no coverage term": ("constant", (THETA, THETA), 0.0, 0.0, {"win_length": 1.0, "hops": 2.0}),
}


def model_for(win_mode, theta_bounds, n_samples):
    return dstft_np.DSTFT(N_FFT, HOP, THETA, win_mode=win_mode, hop_mode="time", n_samples=n_samples,
                          bounds={"win_length": theta_bounds, "hop_length": (10.0, float(N_FFT))})


def describe(model, x, boundaries):
    """Entropy, coverage penalty and where the windows sit, for the model's current parameters."""
    positions = model.positions()
    theta = np.broadcast_to(model.win_length, positions.shape)
    crossing = (positions[:, None] - theta[:, None] / 4 < boundaries) & (positions[:, None] + theta[:, None] / 4
                                                                           > boundaries)
    return {
        "entropy": common.entropy(model, x),
        "coverage": losses.coverage(positions, theta, x.size, scale=N_FFT)[0],
        "uncovered": common.uncovered_samples(positions, theta, x.size, fraction=1.0),
        "uncovered_half": common.uncovered_samples(positions, theta, x.size, fraction=0.5),
        "off_signal": int(np.sum((positions < 0) | (positions > x.size))),
        "straddling": int(np.sum(np.any(crossing, axis=1))),
        "last_position": float(positions[-1]),
    }


def main(argv=None):
    args = common.argument_parser(__doc__, NAME).parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    steps = 10 if args.quick else 300
    x = common.piecewise_tones(seed=0, noise=0.2, fs=RATE)
    boundaries = np.cumsum(common.SEGMENT_LENGTHS)[:-1]

    start = describe(model_for("constant", (THETA, THETA), x.size), x, boundaries)
    rows = [("initial grid (hop 200, θ = 600)", "–", f"{start['entropy']:.4f}", "–", f"{start['coverage']:.2e}",
             start["uncovered"], start["uncovered_half"], start["off_signal"], start["straddling"], "–")]
    results, models = {"initial": start}, {}
    for name, (win_mode, theta_bounds, coverage, smoothness, lr) in FITS.items():
        model = model_for(win_mode, theta_bounds, x.size)
        # hop_smoothness 0: this experiment shows what the coverage term alone does (docs/experiments.md §4)
        history, seconds = common.timed(model.fit, x, "entropy", method="adam", max_evaluations=steps + 1, lr=lr,
                                        coverage=coverage, smoothness=smoothness, hop_smoothness=0.0)
        found = describe(model, x, boundaries)
        found.update(loss_before=float(history.loss[0]), loss_after=float(history.loss[history.best]))
        results[name], models[name] = found, model
        rows.append((name, f"{found['loss_before']:.4f} → {found['loss_after']:.4f}", f"{found['entropy']:.4f}",
                     f"{coverage:g} / {smoothness:g}", f"{found['coverage']:.2e}", found["uncovered"],
                     found["uncovered_half"], found["off_signal"], found["straddling"], f"{seconds:.1f}"))
        print(f"{name}: objective {history.loss[0]:.4f} -> {history.loss[history.best]:.4f}", file=sys.stderr)

    report = common.Report("Learnable hops on piecewise tones")
    report.text(
        f"fs = {RATE:g} Hz, segments {', '.join(map(str, common.SEGMENT_LENGTHS))} samples at "
        f"{', '.join(f'{f:g}' for f in common.SEGMENT_FREQUENCIES)} Hz, noise σ = 0.2 (seed 0), K = {x.size}. "
        f"N = {N_FFT}, Hann, norm \"area\", Y = |S|, Shannon entropy; T = 1 + K // {HOP:g} = "
        f"{1 + x.size // int(HOP)} frames, t_0 = 0; hops in [10, N]. {steps} Adam steps per fit "
        "(lr 2 samples for the hops, 10 for θ_n), reduce on plateau."
        + (" **Quick mode: few steps; not a result.**" if args.quick else ""),
        "Objective = entropy + λ_c·coverage + λ_s·smoothness. Coverage penalty: `losses.coverage` "
        "(reach 0.5: the central half of each window must meet its neighbours', frame centres in [0, K]), "
        "scale N, evaluated with weight 1 in the table. *Uncovered*: samples outside every window "
        "(|k − t_n| ≥ θ_n/2 for all n), and outside every window's central half. *Straddling*: frames "
        "whose central half contains a segment boundary.")
    report.table(["fit", "objective before → after", "entropy", "λ_c / λ_s", "coverage penalty",
                  "uncovered", "uncovered (half)", "centres off [0, K]", "straddling", "time (s)"], rows)
    joint = models["hops + θ_n"]
    short = joint.win_length < SHORT
    distance = np.min(np.abs(joint.positions()[short, None] - boundaries), axis=1)
    report.text(f"Hops + θ_n: hops from {np.diff(joint.positions()).min():.0f} to "
                f"{np.diff(joint.positions()).max():.0f} samples, θ_n from {joint.win_length.min():.0f} to "
                f"{joint.win_length.max():.0f}. The {short.sum()} frames with θ_n < {SHORT:g} sit at t = "
                f"{', '.join(f'{t:.0f}' for t in joint.positions()[short])}, "
                f"{', '.join(f'{d:.0f}' for d in distance)} samples from the nearest segment boundary "
                f"({', '.join(map(str, boundaries))}). Without the coverage term the last frame ends at t = "
                f"{results['hops, no coverage term']['last_position']:.0f} (K = {x.size}).")

    fig, axes = common.new_figure(4, figsize=(11, 12))
    for ax, name in zip(axes[:2, 0], ("hops, θ = 600", "hops + θ_n")):
        model = models[name]
        theta = np.broadcast_to(model.win_length, model.positions().shape)
        dstft_np.plot.windows(x, theta, model.positions(), n_fft=N_FFT, sample_rate=RATE, ax=ax)
        ax.set_title(f"windows after the fit: {name}")
        for boundary in boundaries:
            ax.axvline(boundary / RATE, color="k", lw=1.5, ls="--")
    dstft_np.plot.spectrogram(joint(x), joint.positions(), sample_rate=RATE, db_range=60, ax=axes[2, 0])
    axes[2, 0].set(ylim=(0, 300), title="|S| with the fitted hops and θ_n")
    ax = axes[3, 0]
    ax.plot(np.full(1 + x.size // int(HOP) - 1, HOP), "k:", label="initial")
    for name, model in models.items():
        ax.plot(np.diff(model.positions()), ".-", label=name)
    ax.set(xlabel="frame n", ylabel="hop t_{n+1} − t_n (samples)", title="fitted hops")
    ax.legend(fontsize=8)
    common.finish(report, fig, args.out, NAME, argv,
                  "Rows 1–2: the signal with each frame's window (shaded: its support), dashed lines at the "
                  "segment boundaries, for the two fits with the coverage term. Row 3: |S| in dB of the joint "
                  "fit, cells at the fitted positions. Row 4: the hops of all three fits.")
    return results


if __name__ == "__main__":
    main()
