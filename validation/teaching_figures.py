"""The figures of docs/derivation.md, docs/tutorial.ipynb and README.md, drawn by dstft_np's own functions.

One script writes every figure, deterministically (fixed signal and seed,
fixed fits: the PNGs are byte-identical on a rerun, except memory.png, which
plots a measurement whose smallest point moves by about 10 kB), into
docs/figures/ by default:

- uncertainty.png     spectrograms at a short, the learned and a long θ (motivation)
- entropy_theta.png   H(θ) for p = 1 with closed-form tangents, fit paths from
                      several starts, and p = 2 running to its bound
- windows.png         ω, ∂ω/∂θ and -∂ω/∂u against u, norm "area" and None,
                      with the truncated Gaussian's edge jump
- partials.png        one spectrogram column with ∂|S|/∂θ and ∂|S|/∂t_n,
                      closed form against central differences
- fd_check.png        finite-difference error against the step, log axes
- per_frame.png       the per-frame θ map under its spectrogram, and learned hops
- forward_backward.png the chain x → S → Y → P → H and back (G, ∂L/∂Y, g_n)
- memory.png          measured memory against F·T: closed form against a dense
                      (F, T, N) autodiff (torch autograd when installed)
- readme.png          before/after spectrogram with the learned θ map

The signal is that of docs/usage.md §1.1 (3 s at 1 kHz: a 100 Hz tone and
a chirp swinging between 100 and 400 Hz, noise σ = 0.1, seed 0), N = 256,
hop 32. ``--quick`` draws every figure on coarse grids and small sizes, into
--out (a smoke test, not the published figures). Prints the numbers the
docs quote.

    python validation/teaching_figures.py            # writes docs/figures/*.png
    python validation/teaching_figures.py --quick --out /tmp/figures
"""

import pathlib
import subprocess
import sys
import tracemalloc

import numpy as np
import scipy.optimize

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from validation import common  # noqa: E402

import dstft_np  # noqa: E402
from dstft_np import losses  # noqa: E402

NAME = "teaching_figures"
FIGURES = common.PROJECT_ROOT / "docs" / "figures"
N_FFT = 256
HOP = 32
FS = 1000


def usage_signal():
    """The signal of docs/usage.md §1.1: 3 s at 1 kHz, tone + swinging chirp + noise (seed 0)."""
    k = np.arange(3 * FS)
    chirp_hz = 250 + 150 * np.sin(np.pi * k / FS)
    return (np.sin(2 * np.pi * 100 * k / FS) + np.sin(2 * np.pi * np.cumsum(chirp_hz) / FS)
            + 0.1 * np.random.default_rng(0).standard_normal(k.size))


def entropy_and_grad(x, theta, positions, n_fft, p=1.0):
    """H(θ) of Y = |S|^p and dH/dθ, through the public closed-form chain (docs/derivation.md §5, §8.1)."""
    S = dstft_np.stft(x, theta, positions, n_fft=n_fft)
    H, dH_dY = losses.shannon_entropy(losses.magnitude(S, p))
    G = losses.magnitude_vjp(S, dH_dY, p)
    grad_win, _ = dstft_np.stft_vjp(x, theta, positions, G, n_fft=n_fft)
    return H, float(grad_win)


def lbfgs_path(x, start, positions, n_fft, bounds):
    """θ after each L-BFGS-B iteration from `start` (scipy on the closed-form gradient).

    The first step of L-BFGS-B is the gradient itself, about 1e-4 samples
    here: with scipy's default tolerances it stops there, so both are tightened.
    """
    path = [start]
    scipy.optimize.minimize(lambda th: entropy_and_grad(x, th[0], positions, n_fft), [start], jac=True,
                            method="L-BFGS-B", bounds=[bounds], options={"ftol": 1e-15, "gtol": 1e-10},
                            callback=lambda th: path.append(float(np.ravel(th)[0])))
    return np.array(path)


def save(fig, out, name):
    """PNG without a timestamp or version in its metadata (the same bytes on every run)."""
    import matplotlib.pyplot as plt

    path = pathlib.Path(out) / f"{name}.png"
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} kB)")
    return path


# ---------------------------------------------------------------- motivation


def figure_uncertainty(x, out, quick):
    """Spectrograms at θ = 32, the learned θ* (N = 1024) and θ = 1000: the trade-off."""
    n_fft = 1024
    t = dstft_np.frame_positions(x.size, HOP)
    grid = np.linspace(40.0, n_fft, 8 if quick else 40)
    values = [entropy_and_grad(x, g, t, n_fft)[0] for g in grid]
    best = lbfgs_path(x, grid[int(np.argmin(values))], t, n_fft, (8.0, float(n_fft)))[-1]
    thetas = [32.0, best, 1000.0]
    fig, axes = common.new_figure(1, 3, figsize=(10, 3.0))
    for ax, theta in zip(axes[0], thetas):
        S = dstft_np.stft(x, theta, t, n_fft=n_fft)
        H = losses.shannon_entropy(losses.magnitude(S))[0]
        dstft_np.plot.spectrogram(S, t, sample_rate=FS, db_range=60, ax=ax, colorbar=False)
        ax.set_title(f"θ = {theta:.0f} samples ({theta:.0f} ms): H = {H:.3f}", fontsize=10)
    axes[0, 0].set_xlabel("time (s)\nshort: sharp in time, smeared in frequency")
    axes[0, 1].set_xlabel("time (s)\nlearned: the lowest entropy")
    axes[0, 2].set_xlabel("time (s)\nlong: sharp tone, smeared chirp")
    print(f"uncertainty: N = {n_fft}, learned θ* = {best:.2f}")
    return save(fig, out, "uncertainty"), {"uncertainty_theta": best}


def figure_entropy_theta(x, out, quick):
    """H(θ), p = 1, with tangents from the closed-form gradient, fit paths, and p = 2 to the bound."""
    t = dstft_np.frame_positions(x.size, HOP)
    grid = np.arange(40.0, N_FFT + 0.1, 8.0 if quick else 1.0)
    H1 = np.array([entropy_and_grad(x, g, t, N_FFT)[0] for g in grid])
    H2 = np.array([entropy_and_grad(x, g, t, N_FFT, p=2.0)[0] for g in grid])
    bounds = (4.0, float(N_FFT))
    local = scipy.optimize.minimize_scalar(lambda th: entropy_and_grad(x, th, t, N_FFT)[0],
                                           bounds=(140.0, 160.0), method="bounded", options={"xatol": 1e-3})
    best = scipy.optimize.minimize_scalar(lambda th: entropy_and_grad(x, th, t, N_FFT)[0],
                                          bounds=(180.0, 205.0), method="bounded", options={"xatol": 1e-3})
    barrier = scipy.optimize.minimize_scalar(lambda th: -entropy_and_grad(x, th, t, N_FFT)[0],
                                             bounds=(155.0, 180.0), method="bounded", options={"xatol": 1e-3})
    starts = (60.0, 120.0, 175.0, 250.0)
    paths = {start: lbfgs_path(x, start, t, N_FFT, bounds) for start in starts}

    fig, axes = common.new_figure(1, 3, figsize=(12, 3.8))
    ax = axes[0, 0]
    shown = (grid >= 120) & (grid <= 240)
    ax.plot(grid[shown], H1[shown], color="k", linewidth=1.2)
    for theta0 in (135.0, 158.0, 178.0, 220.0):
        H0, slope = entropy_and_grad(x, theta0, t, N_FFT)
        span = np.array([-8.0, 8.0])
        ax.plot(theta0 + span, H0 + slope * span, color="tab:red", linewidth=2)
        ax.plot(theta0, H0, "o", color="tab:red", markersize=4)
    ax.plot([], [], color="tab:red", linewidth=2, label="tangent: slope ∂H/∂θ (closed form)")
    for theta_mark, value, label, marker in ((local.x, local.fun, "local min", "v"),
                                             (best.x, best.fun, "global min", "v"),
                                             (barrier.x, -barrier.fun, "barrier", "^")):
        ax.plot(theta_mark, value, marker, color="tab:blue", markersize=7)
        ax.annotate(f"{label}\nθ = {theta_mark:.1f}", (theta_mark, value), textcoords="offset points",
                    xytext=(0, -28 if marker == "v" else 10), ha="center", fontsize=8)
    ax.set(xlabel="window length θ (samples)", ylabel="entropy H (nats)", title="p = 1: two minima",
           ylim=(H1[shown].min() - 0.002, H1[shown].max() + 0.001), xlim=(120, 240))
    ax.legend(loc="upper left", fontsize=8)

    ax = axes[0, 1]
    for start, path in paths.items():
        ax.plot(np.arange(path.size), path, marker=".", label=f"start {start:.0f} → {path[-1]:.1f}")
    ax.axhline(local.x, color="0.6", linestyle=":", linewidth=1)
    ax.axhline(best.x, color="0.6", linestyle=":", linewidth=1)
    ax.set(xlabel="L-BFGS-B iteration", ylabel="θ (samples)", title="fits from four starts")
    ax.legend(fontsize=8)

    ax = axes[0, 2]
    ax.plot(grid, H1 - H1[-1], label="p = 1 (|S|)")
    ax.plot(grid, H2 - H2[-1], label="p = 2 (|S|²)")
    ax.axhline(0, color="0.7", linewidth=0.5)
    ax.set(xlabel="window length θ (samples)", ylabel="H(θ) − H(N) (nats)",
           title="p = 2 runs to the bound θ = N = 256")
    ax.legend(fontsize=8)
    numbers = {"local_theta": local.x, "local_H": local.fun, "best_theta": best.x, "best_H": best.fun,
               "barrier_theta": barrier.x, "barrier_H": -barrier.fun,
               "p2_argmin": float(grid[np.argmin(H2)]), "paths_end": {s: p[-1] for s, p in paths.items()}}
    print("entropy_theta: " + ", ".join(f"{k} {v}" for k, v in numbers.items()))
    return save(fig, out, "entropy_theta"), numbers


# ---------------------------------------------------------------- the window and the partials


def figure_windows(out, quick):
    """ω, ∂ω/∂θ, -∂ω/∂u against u for Hann at three θ, and the Gaussian, norm "area" and None."""
    n_fft = 128
    u = np.linspace(-70, 70, 561 if quick else 2801)
    terms = ((None, "ω(u; θ)", 1.0), ("win_length", "∂ω/∂θ", 1.0), ("offset", "−∂ω/∂u", -1.0))
    fig, axes = common.new_figure(2, 4, figsize=(14, 5.6))
    for row, norm in enumerate(("area", None)):
        for col, (derivative, label, sign) in enumerate(terms):
            ax = axes[row, col]
            for theta in (32.0, 64.0, 128.0):
                ax.plot(u, sign * dstft_np.window(u, theta, n_fft=n_fft, norm=norm, derivative=derivative),
                        label=f"Hann, θ = {theta:.0f}")
            gauss = sign * dstft_np.window(u, 100.0, n_fft=n_fft, window="gaussian", norm=norm,
                                           derivative=derivative)
            ax.plot(u, gauss, color="k", linestyle="--", linewidth=1, label="Gaussian, θ = 100")
            ax.axhline(0, color="0.7", linewidth=0.5)
            ax.set_title(f"{label}, norm={norm!r}", fontsize=10)
            if row == 1:
                ax.set_xlabel("offset u = k − t_n (samples)")
        # the truncated Gaussian stops at c·e^{-8}, invisible at the scale above: its edge, zoomed
        ax = axes[row, 3]
        near = np.linspace(46.0, 54.0, 801)
        ax.plot(near, 1e4 * dstft_np.window(near, 100.0, n_fft=n_fft, window="gaussian", norm=norm),
                color="k", linestyle="--", linewidth=1)
        edge = dstft_np.window(np.array([50.0]), 100.0, n_fft=n_fft, window="gaussian", norm=norm)[0]
        ax.plot([50, 50], [0, 1e4 * edge], color="tab:red", linewidth=2, label=f"jump c·e⁻⁸ = {edge:.1e}")
        ax.set(xlim=(46, 54), ylim=(0, 4e4 * edge), ylabel="10⁴ · ω")
        ax.set_title(f"Gaussian edge, zoomed, norm={norm!r}", fontsize=10)
        ax.legend(fontsize=8, loc="upper right")
        if row == 1:
            ax.set_xlabel("offset u (samples), θ = 100")
    axes[0, 1].legend(fontsize=7, loc="lower left")
    return save(fig, out, "windows"), {}


def one_column(x, theta, position, phase):
    """S, ∂S/∂θ, ∂S/∂t_n of one frame, and their central differences with step 1e-4."""
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta, [position], n_fft=N_FFT, phase=phase)
    step = 1e-4
    fd_win = (dstft_np.stft(x, theta + step, [position], n_fft=N_FFT, phase=phase)
              - dstft_np.stft(x, theta - step, [position], n_fft=N_FFT, phase=phase)) / (2 * step)
    fd_pos = (dstft_np.stft(x, theta, [position + step], n_fft=N_FFT, phase=phase)
              - dstft_np.stft(x, theta, [position - step], n_fft=N_FFT, phase=phase)) / (2 * step)
    return S[:, 0], dS_dwin[:, 0], dS_dpos[:, 0], fd_win[:, 0], fd_pos[:, 0]


def figure_partials(x, out, quick):
    """|S| of one frame, ∂|S|/∂θ and ∂|S|/∂t_n = Re(conj(S) ∂S/∂·)/|S|, closed form and differences."""
    theta, position = 120.3, 1500.4
    S, dS_dwin, dS_dpos, fd_win, fd_pos = one_column(x, theta, position, "center")
    bins = np.arange(S.size) * FS / N_FFT
    mag = np.abs(S)

    def d_mag(dS):
        return np.real(np.conj(S) * dS) / mag

    fig, axes = common.new_figure(3, 1, figsize=(8, 6.4))
    axes[0, 0].plot(bins, mag, color="k")
    axes[0, 0].set(ylabel="|S[m, n]|", title=f"frame at t_n = {position} samples, θ = {theta}, "
                                             f"N = {N_FFT}, phase \"center\"")
    every = 2 if quick else 1
    for ax, dS, fd, label in ((axes[1, 0], dS_dwin, fd_win, "∂|S|/∂θ"),
                              (axes[2, 0], dS_dpos, fd_pos, "∂|S|/∂t_n")):
        ax.plot(bins, d_mag(dS), color="tab:blue", label="closed form (stft_partials)")
        ax.plot(bins[::every], d_mag(fd)[::every], ".", color="tab:orange", markersize=4,
                label="central difference, step 1e-4")
        ax.axhline(0, color="0.7", linewidth=0.5)
        ax.set(ylabel=label)
        ax.legend(fontsize=8, loc="upper right")
    axes[2, 0].set_xlabel("frequency (Hz)")
    errors = {"partials_err_win": float(np.max(np.abs(dS_dwin - fd_win)) / np.max(np.abs(dS_dwin))),
              "partials_err_pos": float(np.max(np.abs(dS_dpos - fd_pos)) / np.max(np.abs(dS_dpos)))}
    print("partials: " + ", ".join(f"{k} {v:.2e}" for k, v in errors.items()))
    return save(fig, out, "partials"), errors


def figure_fd_check(x, out, quick):
    """max|closed form − central difference| / max|closed form| against the step, for θ and t_n."""
    theta, positions = 120.3, np.array([1000.4, 1500.7])
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta, positions, n_fft=N_FFT, phase="center")
    steps = np.logspace(-9, 1, 11 if quick else 41)
    err_win, err_pos = [], []
    for step in steps:
        fd_win = (dstft_np.stft(x, theta + step, positions, n_fft=N_FFT, phase="center")
                  - dstft_np.stft(x, theta - step, positions, n_fft=N_FFT, phase="center")) / (2 * step)
        fd_pos = (dstft_np.stft(x, theta, positions + step, n_fft=N_FFT, phase="center")
                  - dstft_np.stft(x, theta, positions - step, n_fft=N_FFT, phase="center")) / (2 * step)
        err_win.append(np.max(np.abs(fd_win - dS_dwin)) / np.max(np.abs(dS_dwin)))
        err_pos.append(np.max(np.abs(fd_pos - dS_dpos)) / np.max(np.abs(dS_dpos)))
    err_win, err_pos = np.array(err_win), np.array(err_pos)
    eps = np.finfo(np.float64).eps
    fig, axes = common.new_figure(1, 1, figsize=(7, 4.4))
    ax = axes[0, 0]
    ax.loglog(steps, err_win, "o-", markersize=3, label="∂S/∂θ")
    ax.loglog(steps, err_pos, "s-", markersize=3, label="∂S/∂t_n (phase \"center\")")
    ax.loglog(steps, 10 * eps / steps, ":", color="0.4", label="rounding ∝ ε/Δ")
    ax.loglog(steps, err_win[np.argmin(np.abs(steps - 1e-1))] * (steps / 1e-1) ** 2, "--", color="0.4",
              label="truncation ∝ Δ²")
    ax.set(xlabel="step Δ (samples)", ylabel="relative error", ylim=(1e-12, 10),
           title="central difference (f(·+Δ) − f(·−Δ))/2Δ against the closed form")
    ax.legend(fontsize=8)
    best = {"fd_best_step_win": float(steps[np.argmin(err_win)]), "fd_best_err_win": float(err_win.min()),
            "fd_best_step_pos": float(steps[np.argmin(err_pos)]), "fd_best_err_pos": float(err_pos.min())}
    print("fd_check: " + ", ".join(f"{k} {v:.2e}" for k, v in best.items()))
    return save(fig, out, "fd_check"), best


# ---------------------------------------------------------------- fits


def fit_models(x, quick):
    """One θ, a per-frame θ map, and a per-frame θ map with learnable hops: each by the library's default fit."""
    constant = dstft_np.DSTFT(N_FFT, HOP, 100.0)
    constant.fit(x)
    theta0 = float(constant.win_length)
    per_frame = dstft_np.DSTFT(N_FFT, HOP, theta0, win_mode="time", n_samples=x.size)
    per_frame.fit(x)
    hops = dstft_np.DSTFT(N_FFT, 2 * HOP, theta0, win_mode="time", hop_mode="time", n_samples=x.size)
    hops.fit(x)
    return theta0, per_frame, hops


def figure_per_frame(x, per_frame, hops, out):
    """Spectrogram with the per-frame θ, its θ map below, and a fit with learnable hops."""
    fig, axes = common.new_figure(3, 1, figsize=(8, 7.2))
    t = per_frame.positions(x.size)
    dstft_np.plot.spectrogram(per_frame(x), t, sample_rate=FS, db_range=60, ax=axes[0, 0], colorbar=False)
    axes[0, 0].set_title("spectrogram with one learned θ_n per frame (hop 32)", fontsize=10)
    dstft_np.plot.win_length_map(per_frame.win_length, t, sample_rate=FS, ax=axes[1, 0])
    axes[0, 0].set_xlabel("")
    axes[1, 0].set_title("the learned θ_n: long where the chirp turns slowly (0.5 s, 1.5 s, 2.5 s), shorter on "
                         "its fast sweeps (1 s, 2 s)", fontsize=9)
    axes[1, 0].sharex(axes[0, 0])
    t_hops = hops.positions(x.size)
    ax = axes[2, 0]
    ax.plot(t_hops[1:] / FS, hops.hops, ".-", label="hop d_n (samples)")
    ax.plot(t_hops / FS, hops.win_length / 4, ".-", label="θ_n / 4 (samples)")
    ax.set(xlabel="time (s)", ylabel="samples", title="learnable hops (start 64) with a per-frame θ",
           xlim=axes[0, 0].get_xlim())
    ax.legend(fontsize=8)
    numbers = {"per_frame_min": float(per_frame.win_length.min()), "per_frame_max": float(per_frame.win_length.max()),
               "hops_min": float(hops.hops.min()), "hops_max": float(hops.hops.max())}
    print("per_frame: " + ", ".join(f"{k} {v:.1f}" for k, v in numbers.items()))
    return save(fig, out, "per_frame"), numbers


def figure_readme(x, theta_start, per_frame, out):
    """Before (one short θ) and after (the per-frame fit), with the θ map."""
    fig, axes = common.new_figure(3, 1, figsize=(8, 6.6))
    t = per_frame.positions(x.size)
    for ax, theta, title in ((axes[0, 0], theta_start, f"before: one window length θ = {theta_start:.0f} samples"),
                             (axes[1, 0], per_frame.win_length, "after: θ_n learned per frame")):
        S = dstft_np.stft(x, theta, t, n_fft=N_FFT)
        H = losses.shannon_entropy(losses.magnitude(S))[0]
        dstft_np.plot.spectrogram(S, t, sample_rate=FS, db_range=60, ax=ax, colorbar=False)
        ax.set_title(f"{title} (entropy {H:.3f})", fontsize=10)
        ax.set_xlabel("")
    dstft_np.plot.win_length_map(per_frame.win_length, t, sample_rate=FS, ax=axes[2, 0])
    axes[2, 0].set_title("the learned window lengths θ_n", fontsize=10)
    axes[2, 0].set_xlim(axes[0, 0].get_xlim())
    return save(fig, out, "readme"), {}


# ---------------------------------------------------------------- the chain, drawn


def figure_forward_backward(out):
    """Boxes and arrows: forward x → S → Y → P → H, backward ∂L/∂Y → G → g_n → ∂L/∂θ, ∂L/∂t_n."""
    fig, axes = common.new_figure(1, 1, figsize=(11, 3.6))
    ax = axes[0, 0]
    ax.set_axis_off()
    ax.set(xlim=(0, 11), ylim=(0, 3.6))

    def box(xpos, ypos, text, colour):
        ax.text(xpos, ypos, text, ha="center", va="center", fontsize=10, linespacing=1.5,
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": colour})

    def arrow(start, end, colour):
        ax.annotate("", end, start, arrowprops={"arrowstyle": "->", "color": colour, "linewidth": 1.5})

    forward = [(0.8, "$x[k]$\n$\\theta,\\ t_n$"), (3.0, "$S[m,n]$\nstft"), (5.3, "$Y=|S|^p$\nmagnitude"),
               (7.4, "$P=Y/\\Sigma Y$"), (9.7, "$H=-\\Sigma P\\log P$\nshannon_entropy")]
    for xpos, text in forward:
        box(xpos, 2.9, text, "tab:blue")
    for (x0, _), (x1, _) in zip(forward[:-1], forward[1:]):
        arrow((x0 + 0.6, 2.9), (x1 - 0.75, 2.9), "tab:blue")
    box(9.5, 1.2, "$\\partial L/\\partial Y=-(\\log P+H)/\\Sigma Y$\nshannon_entropy, §8.1", "tab:red")
    box(6.3, 1.2, "$G=\\partial L/\\partial\\,\\mathrm{Re}\\,S+j\\,\\partial L/\\partial\\,\\mathrm{Im}\\,S$\n"
                  "$=\\partial L/\\partial Y\\cdot p|S|^{p-2}S$\nmagnitude_vjp, §5", "tab:red")
    box(3.0, 1.2, "$g_n[k]=\\mathrm{Re}\\sum_m \\overline{G[m,n]}\\,e^{-j2\\pi m\\varphi_n(k)/N}$\n"
                  "one irfft per frame, §5", "tab:red")
    box(5.5, 0.2, "$\\partial L/\\partial\\theta_n=\\sum_k \\partial_\\theta\\omega\\; x[k]\\, g_n[k]$,   "
                  "$\\partial L/\\partial t_n=-\\sum_k \\partial_u\\omega\\; x[k]\\, g_n[k]$ (+ phase term)   "
                  "stft_vjp, §5", "tab:red")
    arrow((9.7, 2.45), (9.6, 1.65), "tab:red")
    arrow((8.55, 1.2), (7.3, 1.2), "tab:red")
    arrow((5.35, 1.2), (4.2, 1.2), "tab:red")
    arrow((3.0, 0.72), (3.0, 0.5), "tab:red")
    ax.text(0.05, 3.5, "forward", color="tab:blue", fontsize=11, fontweight="bold")
    ax.text(0.05, 2.0, "backward", color="tab:red", fontsize=11, fontweight="bold")
    return save(fig, out, "forward_backward"), {}


# ---------------------------------------------------------------- memory


_TORCH_PROBE = r"""
import sys, numpy as np, torch
K, N, T, seed = (int(a) for a in sys.argv[1:5])
rng = np.random.default_rng(seed)
x = torch.as_tensor(rng.standard_normal(K))
F = N // 2 + 1
t = torch.linspace(N / 2, K - N / 2, T, dtype=torch.float64)
theta = torch.as_tensor(rng.uniform(0.5 * N, N, (F, T)), dtype=torch.float64).requires_grad_()
saved = {}
def pack(tensor):
    saved[(tensor.untyped_storage().data_ptr())] = tensor.untyped_storage().nbytes()
    return tensor
with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
    k = torch.floor(t)[:, None] - N // 2 + torch.arange(N + 1)          # (T, N+1) samples near t_n
    u = k - t[:, None]
    v = u[None] / theta[:, :, None]                                    # (F, T, N+1)
    w = (N / theta)[:, :, None] * torch.cos(torch.pi * v) ** 2 * (v.abs() <= 0.5)
    frames = x[k.long().clamp(0, K - 1)] * ((k >= 0) & (k < K))
    m = torch.arange(F, dtype=torch.float64)[:, None, None]
    S = (w * frames * torch.exp(-2j * torch.pi * m * k / N)).sum(-1)
    Y = S.abs()
    P = Y / Y.sum()
    H = -(P * torch.log(P)).sum()
H.backward()
print(sum(saved.values()))
"""


def closed_form_peak(x, theta, positions):
    """Peak bytes traced (tracemalloc) by stft → entropy → magnitude_vjp → stft_vjp, per-cell θ.

    tracemalloc sees every numpy array; the kernels' own scratch (a few
    blocks of 64 bins) is allocated by Numba and not traced.
    """
    tracemalloc.start()
    S = dstft_np.stft(x, theta, positions, n_fft=N_FFT)
    _, dH_dY = losses.shannon_entropy(losses.magnitude(S))
    dstft_np.stft_vjp(x, theta, positions, losses.magnitude_vjp(S, dH_dY), n_fft=N_FFT)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def figure_memory(out, quick):
    """Peak memory of the closed-form gradient against a dense (F, T, N) autodiff, per-cell θ."""
    frame_counts = (8, 16) if quick else (8, 16, 32, 64, 128)
    rng = np.random.default_rng(1)
    rows = []
    try:
        import torch  # noqa: F401
        have_torch = not quick
    except ImportError:
        have_torch = False
    for n_frames in frame_counts:
        n_samples = n_frames * HOP + N_FFT
        x = rng.standard_normal(n_samples)
        positions = np.linspace(N_FFT / 2, n_samples - N_FFT / 2, n_frames)
        theta = rng.uniform(0.5 * N_FFT, N_FFT, (N_FFT // 2 + 1, n_frames))
        closed_form_peak(x, theta, positions)   # the first call of a size also builds thread-pool state
        closed = closed_form_peak(x, theta, positions)
        dense = None
        if have_torch:
            result = subprocess.run([sys.executable, "-c", _TORCH_PROBE, str(n_samples), str(N_FFT),
                                     str(n_frames), "1"], capture_output=True, text=True, check=True)
            dense = int(result.stdout.strip())
        rows.append((n_frames * (N_FFT // 2 + 1), closed, dense))
    cells = np.array([r[0] for r in rows])
    fig, axes = common.new_figure(1, 1, figsize=(7, 4.4))
    ax = axes[0, 0]
    ax.loglog(cells, [r[1] / 2**20 for r in rows], "o-", label="closed form: stft + stft_vjp (tracemalloc peak)")
    if have_torch:
        ax.loglog(cells, [r[2] / 2**20 for r in rows], "s-",
                  label="dense torch autograd: tensors saved for backward")
    ax.loglog(cells, cells * (N_FFT + 1) * 16 / 2**20, ":", color="0.4",
              label="one complex (F, T, N+1) array")
    ax.set(xlabel="F·T (cells of S), N = 256, per-cell θ", ylabel="memory (MiB)",
           title="memory of one gradient: O(F·T) against O(F·T·N)")
    ax.legend(fontsize=8)
    for cells_, closed, dense in rows:
        print(f"memory: F·T = {cells_}: closed form {closed / 2**20:.2f} MiB"
              + (f", torch saved {dense / 2**20:.1f} MiB, ratio {dense / closed:.0f}" if dense else ""))
    return save(fig, out, "memory"), {"memory_rows": rows}


def main(argv=None):
    parser = common.argument_parser(__doc__, NAME)
    parser.set_defaults(out=FIGURES)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    x = usage_signal()
    numbers = {}
    paths = []
    for path, found in (figure_uncertainty(x, args.out, args.quick),
                        figure_entropy_theta(x, args.out, args.quick),
                        figure_windows(args.out, args.quick),
                        figure_partials(x, args.out, args.quick),
                        figure_fd_check(x, args.out, args.quick)):
        paths.append(path)
        numbers.update(found)
    theta0, per_frame, hops = fit_models(x, args.quick)
    for path, found in (figure_per_frame(x, per_frame, hops, args.out),
                        figure_readme(x, 50.0, per_frame, args.out),
                        figure_forward_backward(args.out),
                        figure_memory(args.out, args.quick)):
        paths.append(path)
        numbers.update(found)
    numbers["fitted_theta"] = theta0
    return {"paths": paths, **numbers}


if __name__ == "__main__":
    main()
