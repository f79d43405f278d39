"""Benchmarks of dstft_np next to a reference, measured in one process on the same data.

Run from the project root::

    python -m validation.bench                      # all cases + scaling, ~3 min on 2 cores
    python -m validation.bench --no-scaling --repeat 3
    python -m validation.bench --only per-cell --json /tmp/bench.json

Every time is the median of ``--repeat`` calls after one warm-up call (the
warm-up compiles or loads the Numba cache and plans the FFTs). References:

- scipy.signal.ShortTimeFFT for the forward transform with a constant window
  (same signal, same frame grid, same phase convention: the outputs are
  compared too);
- our own forward for the value and gradient of the spectrogram entropy;
- for per-cell window lengths, ``materialised_cells``: a plain NumPy version
  that builds the (F, T, N) tensors the way the torch original does (window
  tensor × frames × Fourier coefficients, summed over samples; its backward
  through the same tensors), run at a size that fits in memory;
- fresh interpreters (subprocesses) for import time and time to first result;
- for the time a default ``DSTFT.fit`` takes to its optimum: one
  ``Objective.value_and_grad`` at the start of that fit.

Memory is the peak above the level before the call, from the resident set
high-water mark (``/proc/self/clear_refs``, Linux) and from tracemalloc
(NumPy allocations); the larger of the two is reported.

The table goes to stdout and, with the scaling measurements and the machine
description, to the JSON file given by ``--json`` (default
validation/out/bench.json).
"""

import argparse
import gc
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np
import scipy.fft
import scipy.signal

import dstft_np
from dstft_np import losses

__all__ = [
    "median_times",
    "median_time",
    "peak_extra_bytes",
    "fresh_interpreter_seconds",
    "entropy_cotangent",
    "materialised_cells",
    "run_cases",
    "run_scaling",
    "main",
]

ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_JSON = ROOT / "validation" / "out" / "bench.json"
MiB = 2.0**20


# --------------------------------------------------------------------------- measuring


def median_times(funcs, repeat):
    """Median wall time of each function, in seconds, calling them in turn `repeat` times.

    Each gets one warm-up call first (it compiles or loads the Numba cache
    and plans the FFTs). Taking turns (f0, f1, f0, f1, ...) lets every
    function see the same load on a shared machine, which keeps their
    ratio meaningful when the absolute times are not.
    """
    for func in funcs:
        func()
    times = [[] for _ in funcs]
    for _ in range(repeat):
        for func, record in zip(funcs, times):
            start = time.perf_counter()
            func()
            record.append(time.perf_counter() - start)
    return [statistics.median(record) for record in times]


def median_time(func, repeat):
    """Median wall time of `repeat` calls of func() after one warm-up call, in seconds."""
    return median_times([func], repeat)[0]


def _resident_bytes(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"{field} not in /proc/self/status")


def peak_extra_bytes(func):
    """Peak memory func() needs above what is allocated before the call, in bytes.

    The larger of the resident-set high-water mark (reset through
    /proc/self/clear_refs; counts Numba's allocations too) and tracemalloc's
    peak (NumPy and Python allocations only; the fallback off Linux).
    """
    gc.collect()
    rss_peak = 0
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        before = _resident_bytes("VmRSS")
        func()
        rss_peak = _resident_bytes("VmHWM") - before
    except OSError:
        pass
    gc.collect()
    tracemalloc.start()
    try:
        func()
        traced_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return max(rss_peak, traced_peak)


def fresh_interpreter_seconds(code, env=None):
    """Wall time of one `python -c code` in a fresh interpreter run from the project root."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


# --------------------------------------------------------------------------- references


def entropy_cotangent(S):
    """Shannon entropy H of P = |S| / Σ|S| and its complex cotangent G = ∂H/∂Re S + j ∂H/∂Im S (dstft_np.losses)."""
    Y = losses.magnitude(S)
    value, dH_dY = losses.shannon_entropy(Y)
    return value, losses.magnitude_vjp(S, dH_dY)


def _hann(v):
    return 0.5 + 0.5 * np.cos(2 * np.pi * v)


def _hann_deriv(v):
    return -np.pi * np.sin(2 * np.pi * v)


def materialised_cells(x, win_length, positions, grad_S, n_fft):
    """Per-cell forward and VJP that materialise (F, T, N) tensors, as the torch original.

    Hann window, norm="area", phase="absolute". Frame n holds the N samples
    k = s_n + i, i < N, s_n = floor(t_n) - N/2. The forward multiplies a
    window tensor W[m, n, i] = ω(k - t_n; θ[m, n]) by the frames and by the
    Fourier coefficients e^{-j2π m i/N}, sums over i and applies the frame
    shift e^{-j2π m s_n/N}; the backward goes through the same tensors as
    reverse-mode autodiff would: ∂L/∂W = Re(conj(G) e^{-j2π m s_n/N} x e^{-j2π m i/N}),
    then ∂L/∂θ = Σ_i ∂L/∂W · ∂W/∂θ and ∂L/∂t_n = Σ_{m,i} ∂L/∂W · ∂W/∂t_n.
    Returns (S, grad_win, grad_pos).
    """
    n_bins = n_fft // 2 + 1
    start = np.floor(positions).astype(np.int64) - n_fft // 2
    k = start[:, None] + np.arange(n_fft)                                              # (T, N)
    frames = np.where((k >= 0) & (k < x.size), x[np.clip(k, 0, x.size - 1)], 0.0)
    u = (k - positions[:, None])[None]                                                 # (1, T, N)
    theta = win_length[:, :, None]                                                     # (F, T, 1)
    v = u / theta                                                                      # (F, T, N)
    inside = np.abs(v) <= 0.5
    scale = n_fft / theta
    W = np.where(inside, scale * _hann(v), 0.0)
    m = np.arange(n_bins)[:, None]
    coefficients = np.exp(-2j * np.pi / n_fft * m * np.arange(n_fft))[:, None, :]      # (F, 1, N)
    frame_shift = np.exp(-2j * np.pi / n_fft * m * (start % n_fft))                    # (F, T)
    S = (W * frames * coefficients).sum(axis=-1) * frame_shift
    grad_W = np.real((np.conj(grad_S) * frame_shift)[:, :, None] * frames * coefficients)
    dW_du = np.where(inside, scale * _hann_deriv(v) / theta, 0.0)
    dW_dwin = np.where(inside, -(W + u * dW_du) / theta, 0.0)
    grad_win = np.sum(grad_W * dW_dwin, axis=-1)
    grad_pos = -np.sum(grad_W * dW_du, axis=(0, 2))
    return S, grad_win, grad_pos


def _rel_error(actual, reference):
    return float(np.max(np.abs(actual - reference)) / np.max(np.abs(reference)))


# --------------------------------------------------------------------------- cases


def _row(case, ours, reference_name, reference, target, *, ratio=None, unit="s", note="", **extra):
    """One table row; `target` is (kind, bound): ("ratio", r) or ("seconds", s) or ("MB", mb)."""
    if ratio is None and reference is not None and reference > 0:
        ratio = ours / reference
    kind, bound = target if target else (None, None)
    value = {"ratio": ratio, "seconds": ours, "MB": extra.get("ours_peak_MB")}.get(kind)
    met = None if kind is None or value is None else bool(value <= bound)
    return dict(case=case, ours=ours, unit=unit, reference_name=reference_name, reference=reference,
                ratio=ratio, target_kind=kind, target=bound, met=met, note=note, **extra)


def _signal(rng, n_samples):
    return rng.standard_normal(n_samples)


def case_forward_constant(rng, repeat, n_samples=480_000, n_fft=1024, hop=256):
    """Constant θ = N, phase "center": ours vs scipy ShortTimeFFT, and the bare rfft of the frames."""
    x = _signal(rng, n_samples)
    window = scipy.signal.windows.hann(n_fft, sym=False)
    sft = scipy.signal.ShortTimeFFT(window, hop, fs=1.0, mfft=n_fft)
    p = np.arange(sft.p_min, sft.p_max(x.size))
    positions = p * float(hop)

    def ours():
        return dstft_np.stft(x, float(n_fft), positions, n_fft=n_fft, phase="center")

    def scipy_stft():
        return sft.stft(x)

    padded = np.concatenate([np.zeros(n_fft), x, np.zeros(n_fft)])
    starts = n_fft + p * hop - n_fft // 2
    windowed_frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[starts] * window

    def bare_rfft():
        return scipy.fft.rfft(windowed_frames, axis=-1, workers=-1)

    error = _rel_error(ours(), scipy_stft())
    t_ours, t_scipy, t_rfft = median_times([ours, scipy_stft, bare_rfft], repeat)
    size = f"K={n_samples}, N={n_fft}, hop {hop}, T={p.size}"
    return [
        _row(f"forward, constant θ ({size})", t_ours, "scipy ShortTimeFFT", t_scipy, ("ratio", 0.25),
             note=f"max rel. difference to scipy {error:.1e}"),
        _row("  (floor: batched rfft of the same frames alone)", t_rfft, "scipy ShortTimeFFT",
             t_scipy, None, note="frames gathered and windowed outside the timing"),
    ]


def case_entropy_gradient(rng, repeat, n_samples=480_000, n_fft=1024, hop=256):
    """Value and gradient of the entropy through stft_vjp vs our own forward: constant and per-frame θ."""
    x = _signal(rng, n_samples)
    positions = dstft_np.frame_positions(n_samples, hop)
    rows = []
    for label, theta in (("constant θ", 700.3),
                         ("per-frame θ", rng.uniform(n_fft / 2, n_fft, (1, positions.size)))):
        S = dstft_np.stft(x, theta, positions, n_fft=n_fft)
        G = entropy_cotangent(S)[1]

        def forward():
            return dstft_np.stft(x, theta, positions, n_fft=n_fft)

        def loss():
            return entropy_cotangent(S)

        def vjp():
            return dstft_np.stft_vjp(x, theta, positions, G, n_fft=n_fft)

        model = (dstft_np.DSTFT(n_fft, hop, theta) if np.ndim(theta) == 0 else
                 dstft_np.DSTFT(n_fft, hop, np.ravel(theta), win_mode="time", n_samples=n_samples))

        def value_and_grad():
            return model.value_and_grad(x, "entropy")

        t_forward, t_grad, t_loss, t_vjp = median_times([forward, value_and_grad, loss, vjp], repeat)
        rows.append(_row(f"entropy value+grad, {label} (K={n_samples}, N={n_fft}, hop {hop})",
                         t_grad, "our forward", t_forward, ("ratio", 3.0),
                         note="DSTFT.value_and_grad: stft, entropy, its cotangent, stft_vjp"))
        rows.append(_row("  of which the entropy and its cotangent G", t_loss, "our forward", t_forward, None,
                         note="dstft_np.losses: magnitude, shannon_entropy, magnitude_vjp"))
        rows.append(_row("  of which stft_vjp", t_vjp, "our forward", t_forward, None))
    return rows


def _per_cell_problem(rng, n_samples, n_fft, hop):
    x = _signal(rng, n_samples)
    positions = dstft_np.frame_positions(n_samples, hop)
    theta = rng.uniform(n_fft / 2, n_fft, (n_fft // 2 + 1, positions.size))
    G = rng.standard_normal(theta.shape) + 1j * rng.standard_normal(theta.shape)
    return x, theta, positions, G


def _per_cell_ours(x, theta, positions, G, n_fft):
    S = dstft_np.stft(x, theta, positions, n_fft=n_fft)
    grad_win, grad_pos = dstft_np.stft_vjp(x, theta, positions, G, n_fft=n_fft)
    return S, grad_win, grad_pos


def case_per_cell(rng, repeat, reference_budget_MB):
    """Per-cell θ forward + VJP: time and peak memory, against the materialising reference."""
    rows = []
    for n_samples, n_fft, hop, target, published in (
        (16_000, 1024, 256, 0.15, "torch original: 6 s, 1.8 GB"),
        (20_000, 1000, 50, 1.0, "torch original: 37 s, 9.7 GB"),
    ):
        x, theta, positions, G = _per_cell_problem(rng, n_samples, n_fft, hop)

        def ours():
            return _per_cell_ours(x, theta, positions, G, n_fft)

        t_ours = median_time(ours, repeat)
        peak = peak_extra_bytes(ours) / MiB
        size = f"K={n_samples}, N={n_fft}, hop {hop}, T={positions.size}"
        # measured: the reference peaks at about 57 bytes per (m, n, i) element
        reference_MB = 60 * theta.size * n_fft / MiB
        if reference_MB <= reference_budget_MB:
            def reference():
                return materialised_cells(x, theta, positions, G, n_fft)

            error = max(_rel_error(a, b) for a, b in zip(ours(), reference()))
            t_reference = median_time(reference, max(1, repeat // 4))
            reference_peak = peak_extra_bytes(reference) / MiB
            note = (f"θ ~ U(N/2, N); {published}; reference peak {reference_peak:.0f} MB, "
                    f"max rel. difference {error:.1e}")
            rows.append(_row(f"per-cell θ forward+VJP ({size})", t_ours, "NumPy (F,T,N) tensors",
                             t_reference, ("seconds", target), note=note, ours_peak_MB=peak,
                             reference_peak_MB=reference_peak))
        else:
            note = (f"θ ~ U(N/2, N); {published}; the NumPy reference would need "
                    f"~{reference_MB / 1024:.1f} GB (budget {reference_budget_MB / 1024:.1f} GB), not run")
            rows.append(_row(f"per-cell θ forward+VJP ({size})", t_ours, None, None,
                             ("seconds", target), note=note, ours_peak_MB=peak))
        rows.append(_row("  peak extra memory of the above", peak, None, None, ("MB", 50.0), unit="MB",
                         ours_peak_MB=peak, note="RSS high-water / tracemalloc, larger of the two"))
    return rows


_FIRST_RESULT = """
import numpy as np
import dstft_np
from dstft_np import losses
x = np.random.default_rng(0).standard_normal(4000)
t = dstft_np.frame_positions(x.size, 64)
theta = {theta}
S = dstft_np.stft(x, theta, t, n_fft=256)
dstft_np.stft_vjp(x, theta, t, S, n_fft=256)
"""


def case_startup(repeat):
    """Import time and time to first result in fresh interpreters (warm and empty Numba cache)."""
    t_import = median_time(lambda: fresh_interpreter_seconds("import dstft_np"), repeat)
    t_numpy = median_time(lambda: fresh_interpreter_seconds("import numpy"), repeat)
    rows = [_row("python -c 'import dstft_np'", t_import, "python -c 'import numpy'", t_numpy,
                 ("seconds", 0.5), note="fresh interpreter, wall time incl. start-up")]
    for label, theta in (("constant θ", "200.3"), ("per-cell θ", "np.linspace(150.0, 250.0, 129)[:, None] + t / 1000")):
        code = _FIRST_RESULT.format(theta=theta)
        t_warm = median_time(lambda: fresh_interpreter_seconds(code), repeat)
        with tempfile.TemporaryDirectory() as cache:
            t_cold = fresh_interpreter_seconds(code, env=dict(os.environ, NUMBA_CACHE_DIR=cache))
        rows.append(_row(f"first stft + stft_vjp, {label}, warm Numba cache", t_warm,
                         "same, empty Numba cache", t_cold, ("seconds", 2.0),
                         note="fresh interpreter: import, load (or compile) kernels, run on K=4000, N=256"))
    return rows


#: The fits of case_time_to_optimum: (label, file, excerpt in samples, n_fft, hop, θ0, win_mode, target in s).
_FITS = (
    ("one θ, fan_flutter x[4000:10000] (N=1000, hop 50, θ0 600)", "fan_flutter.mat", (4000, 10000),
     1000, 50, 600.0, "constant", 0.1),
    ("one θ, whole fan_7.wav (K=1294336, N=1024, hop 256, θ0 512: the CLI's defaults)", "fan_7.wav", None,
     1024, 256, 512.0, "constant", 3.0),
    ("per-frame θ, fan_7.wav 11–16 s (N=2048, hop 256, θ0 1600)", "fan_7.wav", (352000, 512000),
     2048, 256, 1600.0, "time", None),
)


def case_time_to_optimum(repeat, data_dir=ROOT.parent / "shared" / "data"):
    """The default DSTFT.fit to its optimum: seconds, evaluations, and the time over one value_and_grad call."""
    from dstft_np.objective import Objective

    rows = []
    for label, file, excerpt, n_fft, hop, start, win_mode, target in _FITS:
        path = data_dir / file
        name = f"fit to the optimum: {label}"
        if not path.is_file():
            rows.append(_row(name, None, None, None, target and ("seconds", target),
                             note=f"skipped: {path} not found"))
            continue
        x = dstft_np.io.load(path, variable="x" if path.suffix == ".mat" else None)[0]
        x = np.ravel(x) if excerpt is None else np.ravel(x)[excerpt[0]:excerpt[1]]
        n_samples = None if win_mode == "constant" else x.size
        result = {}

        def fit():
            model = dstft_np.DSTFT(n_fft, hop, start, win_mode=win_mode, n_samples=n_samples)
            result["history"] = model.fit(x)
            result["theta"] = model.win_length

        model = dstft_np.DSTFT(n_fft, hop, start, win_mode=win_mode, n_samples=n_samples)
        objective, params = Objective(model, x), model.parameters()

        def value_and_grad():
            return objective.value_and_grad(params)

        repeats = max(1, repeat // 2) if win_mode == "constant" else 1
        t_fit, t_grad = median_times([fit, value_and_grad], repeats)
        history = result["history"]
        found = (f"θ = {float(result['theta']):.2f}" if win_mode == "constant" else
                 f"θ_n {result['theta'].min():.0f}–{result['theta'].max():.0f}")
        rows.append(_row(name, t_fit, "one value_and_grad", t_grad, target and ("seconds", target),
                         note=f"{history.n_evaluations} evaluations ({history.scan.grid.size if history.scan else 0} "
                              f"of them the scan's, value only), {history.status}; {found}"))
    return rows


CASES = {
    "forward": case_forward_constant,
    "entropy": case_entropy_gradient,
    "per-cell": case_per_cell,
    "startup": case_startup,
    "fit": case_time_to_optimum,
}


def run_cases(repeat, only=None, reference_budget_MB=3000.0, seed=0):
    """Run every case whose key contains `only` (all when None); returns the rows."""
    rows = []
    for key, case in CASES.items():
        if only and only not in key:
            continue
        rng = np.random.default_rng(seed)
        load_before = os.getloadavg()[0]
        if key == "per-cell":
            new_rows = case(rng, repeat, reference_budget_MB)
        elif key in ("startup", "fit"):
            new_rows = case(repeat)
        else:
            new_rows = case(rng, repeat)
        load = f"{load_before:.1f}→{os.getloadavg()[0]:.1f}"
        rows += [dict(row, load=load) for row in new_rows]
        print(f"  done: {key}", file=sys.stderr)
    return rows


# --------------------------------------------------------------------------- scaling


def run_scaling(repeat, seed=0):
    """Cost of forward, entropy value+grad and per-cell forward+VJP at three sizes of K, N and T each."""
    rng = np.random.default_rng(seed)
    results = []

    def measure(kind, vary, n_samples, n_fft, hop):
        positions = dstft_np.frame_positions(n_samples, hop)
        x = _signal(rng, n_samples)
        if kind == "per-cell forward+VJP":
            _, theta, positions, G = _per_cell_problem(rng, n_samples, n_fft, hop)
            func = lambda: _per_cell_ours(x, theta, positions, G, n_fft)  # noqa: E731
        elif kind == "forward, constant θ":
            func = lambda: dstft_np.stft(x, 0.75 * n_fft, positions, n_fft=n_fft)  # noqa: E731
        else:
            def func():
                S = dstft_np.stft(x, 0.75 * n_fft, positions, n_fft=n_fft)
                return dstft_np.stft_vjp(x, 0.75 * n_fft, positions, entropy_cotangent(S)[1], n_fft=n_fft)
        seconds = median_time(func, repeat)
        results.append(dict(kind=kind, vary=vary, K=n_samples, N=n_fft, hop=hop, T=positions.size,
                            seconds=seconds))

    grids = {
        "forward, constant θ": (480_000, 1024, 256),
        "entropy value+grad, constant θ": (480_000, 1024, 256),
        "per-cell forward+VJP": (16_000, 1024, 256),
    }
    for kind, (n_samples, n_fft, hop) in grids.items():
        for factor in (0.25, 0.5, 1.0):
            k = int(n_samples * factor)
            measure(kind, "K (hop fixed, T ∝ K)", k, n_fft, hop)
        for n in (n_fft // 4, n_fft // 2, n_fft):
            measure(kind, "N (θ ∝ N, K and hop fixed)", n_samples, n, hop)
        for h in (4 * hop, 2 * hop, hop):
            measure(kind, "T (hop varied, K fixed)", n_samples, n_fft, h)
        print(f"  done: scaling of {kind}", file=sys.stderr)
    return results


# --------------------------------------------------------------------------- report


def _format(value, unit):
    if value is None:
        return "—"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value * 1e3:.1f} ms" if value < 1 else f"{value:.2f} s"


def format_table(rows):
    """The rows as a Markdown table: case | ours | reference | ratio | target | met | load | note.

    load: the 1-minute load average before → after the case (2 means both
    cores busy), to read the absolute times against.
    """
    lines = ["| case | ours | reference | ratio | target | met | load | note |",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        reference = "—" if row["reference"] is None else (
            f"{_format(row['reference'], row['unit'])} ({row['reference_name']})")
        ratio = "—" if row["ratio"] is None else f"{row['ratio']:.3f}"
        kind, bound = row["target_kind"], row["target"]
        target = {"ratio": f"ratio ≤ {bound}", "seconds": f"≤ {bound} s", "MB": f"≤ {bound} MB"}.get(kind, "")
        met = {True: "yes", False: "**no**", None: ""}[row["met"]]
        lines.append(f"| {row['case']} | {_format(row['ours'], row['unit'])} | {reference} | {ratio} | "
                     f"{target} | {met} | {row.get('load', '')} | {row['note']} |")
    return "\n".join(lines)


def format_scaling(results):
    lines = ["| cost | varied | K | N | hop | T | time |", "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['kind']} | {r['vary']} | {r['K']} | {r['N']} | {r['hop']} | {r['T']} | "
                     f"{_format(r['seconds'], 's')} |")
    return "\n".join(lines)


def machine():
    """CPU model and core count (lscpu when available), Python and library versions."""
    import numba

    model = platform.processor() or platform.machine()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(line.split(":", 1)[1].strip() for line in lscpu.splitlines()
                     if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        pass
    return dict(cpu=model, cores=os.cpu_count(), python=platform.python_version(),
                numpy=np.__version__, scipy=scipy.__version__, numba=numba.__version__,
                numba_threads=numba.config.NUMBA_NUM_THREADS)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m validation.bench",
        description="Benchmarks of dstft_np next to scipy and a materialising NumPy reference.",
        epilog="example: python -m validation.bench --repeat 5 --json validation/out/bench.json")
    parser.add_argument("--json", type=pathlib.Path, default=DEFAULT_JSON, help="where to write the results")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per measurement (median)")
    parser.add_argument("--only", help="run only the cases whose key contains this: "
                        + ", ".join(CASES))
    parser.add_argument("--no-scaling", action="store_true", help="skip the K, N, T scaling runs")
    parser.add_argument("--reference-budget-mb", type=float, default=3000.0,
                        help="largest memory the materialising reference may take (MB)")
    args = parser.parse_args(argv)

    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores; numpy {info['numpy']}, scipy {info['scipy']}, "
          f"numba {info['numba']}", file=sys.stderr)
    rows = run_cases(args.repeat, args.only, args.reference_budget_mb)
    print(format_table(rows))
    scaling = [] if args.no_scaling or args.only else run_scaling(max(1, args.repeat // 2 + 1))
    if scaling:
        print()
        print(format_scaling(scaling))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(dict(machine=info, command=" ".join(sys.argv), repeat=args.repeat,
                                         cases=rows, scaling=scaling), indent=2))
    print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
