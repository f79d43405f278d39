"""Benchmarks of dstft_np next to a reference, measured in one process on the same data.

Run from the project root::

    python -m validation.bench                      # the cases and the scaling, ~6 min on 2 cores
    python -m validation.bench --no-scaling --repeat 3
    python -m validation.bench --only forward,per-cell --json /tmp/bench.json
    python -m validation.bench --only map-fit       # the whole-fan_7.wav map fit (minutes; not in the default run)
    python -m validation.bench --only batch         # 100 recordings, --jobs 2 against 1, Dask (minutes; idem)

A case and its reference are called in turn (f0, f1, f0, f1, ...) ``--repeat``
times after one warm-up call each (the warm-up compiles or loads the Numba
cache and plans the FFTs), so that both see the same machine load. Each
row gives the ratio of the median wall times (the target is judged on
it), of the fastest calls, and of the median CPU times of the process (all
threads): on a shared machine the last two are the cross-checks. References:

- the forward transform with a constant window: the batched rfft of the
  same windowed frames alone (``scipy.fft.rfft``, every core; the frames
  gathered outside the timing), scipy.signal.ShortTimeFFT (same signal,
  frame grid and phase convention: the outputs are compared too) and, when
  torch is installed, torch.stft on the frames of center=True with
  pad_mode="constant";
- our own forward for the value and gradient of a loss, measured through
  ``Objective.value_and_grad``, the call a fit makes at every step;
- float64 for float32, and for what float32 can gain at most, the rfft
  (and irfft) of one task's frames in float64, in the CPU cache as the
  transforms run them;
- for per-cell window lengths, ``yardstick_forward`` and ``yardstick_vjp``:
  plain Numba loops that evaluate every term (m, n, k) afresh (the
  window's cos and sin, the Fourier factor from a table of 2π i/N), in
  parallel over the frames;
- fresh interpreters (subprocesses) for import time, time to first result
  and the memory of a whole fit.

Memory is the peak above the level before the call, from the resident set
high-water mark (``/proc/self/clear_refs``, Linux) and from tracemalloc
(NumPy allocations); the larger of the two is reported. A whole fit is
measured by the high-water mark of its own interpreter.

The tables go to stdout and, with the machine description, to the JSON file
given by ``--json`` (default validation/out/bench.json).
"""

import argparse
import gc
import json
import math
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from typing import NamedTuple

import numba
import numpy as np
import scipy.fft
import scipy.signal

import dstft_np
import dstft_np.batch
from dstft_np import losses
from dstft_np import _engine
from dstft_np.objective import Objective

__all__ = [
    "Timing",
    "timings",
    "peak_extra_bytes",
    "fresh_interpreter_seconds",
    "yardstick_forward",
    "yardstick_vjp",
    "route_through_y",
    "write_recordings",
    "case_batch",
    "run_cases",
    "run_scaling",
    "fitted_exponents",
    "main",
]

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA_DIR = ROOT.parent / "shared" / "data"
DEFAULT_JSON = ROOT / "validation" / "out" / "bench.json"
MiB = 2.0**20


# --------------------------------------------------------------------------- measuring


class Timing(NamedTuple):
    """Seconds per call: median and fastest wall time, median CPU time of the process (every thread)."""

    wall: float
    fastest: float
    cpu: float


def timings(funcs, repeat):
    """A Timing of each function, calling them in turn `repeat` times after one warm-up call each.

    Taking turns (f0, f1, f0, f1, ...) lets every function see the same
    load on a shared machine, which keeps their ratio meaningful when the
    absolute times are not.
    """
    for func in funcs:
        func()
    wall = [[] for _ in funcs]
    cpu = [[] for _ in funcs]
    for _ in range(repeat):
        for func, wall_times, cpu_times in zip(funcs, wall, cpu):
            start_cpu, start = time.process_time(), time.perf_counter()
            func()
            wall_times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - start_cpu)
    return [Timing(statistics.median(w), min(w), statistics.median(c)) for w, c in zip(wall, cpu)]


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


def _fresh_interpreter(code, env=None):
    """Run `python -c code` from the project root with this checkout first on the path; its stdout."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True).stdout


def fresh_interpreter_seconds(code, env=None):
    """Wall time of one `python -c code` in a fresh interpreter run from the project root."""
    start = time.perf_counter()
    _fresh_interpreter(code, env)
    return time.perf_counter() - start


# --------------------------------------------------------------------------- references


@numba.njit(parallel=True, fastmath=True, cache=True)
def yardstick_forward(x, win_length, positions, n_fft, out):
    """out[m, n] = Σ_k ω(k - t_n; θ[m, n]) x[k] e^{-j2π m k/N}, every term evaluated afresh.

    Hann, norm="area", phase="absolute": the window from the cos of its
    argument, the Fourier factor from a table of cos and sin of 2π i/N at
    i = (m k) mod N; frames in parallel.
    """
    angle = 2.0 * np.pi * np.arange(n_fft) / n_fft
    cos_table, sin_table = np.cos(angle), np.sin(angle)
    n_bins, n_frames = win_length.shape
    for n in numba.prange(n_frames):
        t = positions[n]
        for m in range(n_bins):
            theta = win_length[m, n]
            first, last = max(0, math.ceil(t - 0.5 * theta)), min(x.size - 1, math.floor(t + 0.5 * theta))
            re = 0.0
            im = 0.0
            for k in range(first, last + 1):
                wx = x[k] * (n_fft / theta) * (0.5 + 0.5 * math.cos(2.0 * np.pi * (k - t) / theta))
                i = (m * k) % n_fft
                re += wx * cos_table[i]
                im -= wx * sin_table[i]
            out[m, n] = complex(re, im)


@numba.njit(parallel=True, fastmath=True, cache=True)
def yardstick_vjp(x, win_length, positions, grad_S, n_fft, grad_win, grad_pos):
    """∂L/∂θ[m, n] = Re(conj(G) ∂S/∂θ), ∂L/∂t_n = Σ_m Re(conj(G) ∂S/∂t_n), every term evaluated afresh.

    As ``yardstick_forward``: ∂ω/∂θ = -(c/θ)(h + v h') and ∂ω/∂u = c h'/θ
    from the cos and sin of the window's argument at each (m, n, k).
    """
    angle = 2.0 * np.pi * np.arange(n_fft) / n_fft
    cos_table, sin_table = np.cos(angle), np.sin(angle)
    n_bins, n_frames = win_length.shape
    for n in numba.prange(n_frames):
        t = positions[n]
        acc_pos = 0.0
        for m in range(n_bins):
            theta = win_length[m, n]
            c = n_fft / theta
            g_re, g_im = grad_S[m, n].real, grad_S[m, n].imag
            first, last = max(0, math.ceil(t - 0.5 * theta)), min(x.size - 1, math.floor(t + 0.5 * theta))
            acc_win = 0.0
            for k in range(first, last + 1):
                u = k - t
                v = u / theta
                h = 0.5 + 0.5 * math.cos(2.0 * np.pi * v)
                dh = -np.pi * math.sin(2.0 * np.pi * v)
                i = (m * k) % n_fft
                projected = (g_re * cos_table[i] - g_im * sin_table[i]) * x[k]
                acc_win -= c / theta * (h + v * dh) * projected
                acc_pos -= c / theta * dh * projected
            grad_win[m, n] = acc_win
        grad_pos[n] = acc_pos


def route_through_y(x, win_length, positions, loss, n_fft):
    """L(|S|) and its gradients by the public functions, forming S, Y, ∂L/∂Y and G: the unfused route."""
    S = dstft_np.stft(x, win_length, positions, n_fft=n_fft)
    value, dL_dY = loss(losses.magnitude(S))
    G = losses.magnitude_vjp(S, dL_dY)
    return (value, *dstft_np.stft_vjp(x, win_length, positions, G, n_fft=n_fft))


def _rel_error(actual, reference):
    return float(np.max(np.abs(actual - reference)) / np.max(np.abs(reference)))


# --------------------------------------------------------------------------- rows


def _row(case, ours, reference_name, reference, target, *, unit="s", note="", **extra):
    """One table row. ours, reference: Timing (or seconds, or MB with unit="MB");
    target: ("ratio", r), ("seconds", s) or ("MB", mb), judged on the median wall times."""
    ratios = {}
    if isinstance(ours, Timing) and isinstance(reference, Timing):
        ratios = dict(ratio=ours.wall / reference.wall, ratio_fastest=ours.fastest / reference.fastest,
                      ratio_cpu=ours.cpu / reference.cpu if reference.cpu > 0 else None)
    value = ours.wall if isinstance(ours, Timing) else ours
    kind, bound = target if target else (None, None)
    judged = {"ratio": ratios.get("ratio"), "seconds": value, "MB": value}.get(kind)
    met = None if judged is None else bool(judged <= bound)
    return dict(case=case, ours=value, unit=unit, reference_name=reference_name,
                reference=reference.wall if isinstance(reference, Timing) else reference,
                ratio=ratios.get("ratio"), ratio_fastest=ratios.get("ratio_fastest"), ratio_cpu=ratios.get("ratio_cpu"),
                target_kind=kind, target=bound, met=met, note=note, **extra)


def _signal(rng, n_samples):
    return rng.standard_normal(n_samples)


# --------------------------------------------------------------------------- cases


def _task_fft_floor(frames, repeat, inverse):
    """Row: the FFTs of one task's frames in float32 against float64, the frames in the CPU cache.

    What float32 can gain where the transforms run: each thread fills and
    transforms TASK_SAMPLES samples at a time, and they stay in the cache
    (the batched floor's float64 frames do not, which flatters float32).
    The forward's rfft, or the rfft and the VJP's irfft of a value and
    gradient, through the functions the transforms call.
    """
    n_fft = frames.shape[-1]
    task = frames[:max(1, _engine.TASK_SAMPLES // n_fft)]
    n_frames = task.shape[0]

    def transforms(dtype):
        real = task.astype(dtype)
        if dtype == np.float32:   # filled N times larger, as the transforms fill float32 frames
            real *= n_fft
        spectra = np.empty((n_frames, n_fft // 2 + 1), np.result_type(dtype, np.complex64))

        def call():
            _engine._rfft(real, spectra, scaled=dtype == np.float32)
            if inverse:
                _engine._irfft(spectra, n_fft)
        return call

    t64, t32 = timings([transforms(np.float64), transforms(np.float32)], 10 * repeat)
    what = "rfft and irfft" if inverse else "rfft"
    return _row(f"  the floor in cache, float32: {what} of one task's {n_frames} frames", t32, "float64", t64, None,
                note=f"what float32 can gain where the transforms run: the {what} of frames that stay in the CPU "
                     "cache, as each thread transforms them")


def case_forward(rng, repeat, n_samples=480_000, n_fft=1024, hop=256):
    """Constant θ = N: ours against the rfft floor, scipy ShortTimeFFT, torch.stft; float32 against float64."""
    x = _signal(rng, n_samples)
    window = scipy.signal.windows.hann(n_fft, sym=False)
    sft = scipy.signal.ShortTimeFFT(window, hop, fs=1.0, mfft=n_fft)
    p = np.arange(sft.p_min, sft.p_max(x.size))
    positions = p * float(hop)
    x32 = x.astype(np.float32)

    def ours():
        return dstft_np.stft(x, float(n_fft), positions, n_fft=n_fft, phase="center")

    def ours32():
        return dstft_np.stft(x32, float(n_fft), positions, n_fft=n_fft, phase="center")

    def scipy_stft():
        return sft.stft(x)

    padded = np.concatenate([np.zeros(n_fft), x, np.zeros(n_fft)])
    starts = n_fft + p * hop - n_fft // 2
    windowed_frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[starts] * window

    def floor():
        return scipy.fft.rfft(windowed_frames, axis=-1, workers=-1)

    windowed_frames32 = windowed_frames.astype(np.float32)

    def floor32():
        return scipy.fft.rfft(windowed_frames32, axis=-1, workers=-1)

    error = _rel_error(ours(), scipy_stft())
    error32 = _rel_error(ours32(), ours())
    t_ours, t_floor, t_scipy, t_ours32, t_floor32 = timings([ours, floor, scipy_stft, ours32, floor32], repeat)
    size = f"K={n_samples}, N={n_fft}, hop {hop}, T={p.size}"
    rows = [
        _row(f"forward, constant θ = N ({size})", t_ours, "batched rfft of the same frames", t_floor,
             ("ratio", 1.3), note="floor: scipy.fft.rfft(workers=-1) of the windowed frames, gathered outside "
                                  "the timing"),
        _row("  the same", t_ours, "scipy ShortTimeFFT", t_scipy, ("ratio", 0.25),
             note=f"max rel. difference to scipy {error:.1e}"),
        _row("  the same, float32 x", t_ours32, "float64 x", t_ours, ("ratio", 0.6),
             note=f"max |S32 - S64| / max |S64| = {error32:.1e} (float32 tolerance 1e-5, tests/tolerance.py)"),
        _row("  the floor, float32 frames", t_floor32, "float64 frames", t_floor, None,
             note="what float32 can gain: the rfft alone (scipy.fft, pocketfft), same frames"),
        _task_fft_floor(windowed_frames, repeat, inverse=False),
    ]
    try:
        import torch
    except ImportError:
        return rows + [_row("  torch.stft", None, None, None, None, note="skipped: torch is not installed")]
    # torch.stft(center=True, pad_mode="constant") is our transform at θ = W = N, norm=None, phase="start"
    # on the frames t_n = n·hop, n < 1 + K // hop (DESIGN.md §2)
    grid = dstft_np.frame_positions(n_samples, hop)
    x_torch, hann = torch.from_numpy(x), torch.hann_window(n_fft, periodic=True, dtype=torch.float64)

    def ours_on_torch_frames():
        return dstft_np.stft(x, float(n_fft), grid, n_fft=n_fft, norm=None, phase="start")

    def torch_stft():
        return torch.stft(x_torch, n_fft, hop_length=hop, window=hann, center=True, pad_mode="constant",
                          return_complex=True)

    error_torch = _rel_error(ours_on_torch_frames(), torch_stft().numpy())
    t_ours_torch, t_torch = timings([ours_on_torch_frames, torch_stft], repeat)
    return rows + [_row(f"  on torch.stft's frames (T={grid.size})", t_ours_torch,
                        f"torch.stft {torch.__version__}, {torch.get_num_threads()} threads", t_torch, None,
                        note=f"center=True, pad_mode=\"constant\"; max rel. difference {error_torch:.1e}")]


#: The losses of case_value_and_grad: (label, loss, θ per frame).
_LOSSES = (("entropy, constant θ", "entropy", False), ("entropy, per-frame θ", "entropy", True),
           ("frame-mean entropy, per-frame θ", "frame-entropy", True), ("Rényi (α = 3), constant θ", "renyi", False))


def _objective_call(x, theta, n_fft, hop, loss):
    """Objective.value_and_grad at θ, the call a fit makes at every step (its work arrays reused)."""
    per_frame = np.ndim(theta) > 0
    model = dstft_np.DSTFT(n_fft, hop, theta, win_mode="time" if per_frame else "constant",
                           n_samples=x.shape[-1] if per_frame else None)
    objective, params = Objective(model, x, loss), model.parameters()
    return lambda: objective.value_and_grad(params)


def case_value_and_grad(rng, repeat, n_samples=480_000, n_fft=1024, hop=256):
    """Value and gradient of spectrogram losses through Objective.value_and_grad, against our forward."""
    x = _signal(rng, n_samples)
    positions = dstft_np.frame_positions(n_samples, hop)
    theta_per_frame = rng.uniform(n_fft / 2, n_fft, positions.size)
    size = f"K={n_samples}, N={n_fft}, hop {hop}"
    rows = []
    for label, loss, per_frame in _LOSSES:
        theta = theta_per_frame if per_frame else 700.3
        stft_theta = theta[None, :] if per_frame else theta

        def forward():
            return dstft_np.stft(x, stft_theta, positions, n_fft=n_fft)

        t_grad, t_forward = timings([_objective_call(x, theta, n_fft, hop, loss), forward], repeat)
        rows.append(_row(f"value+grad, {label} ({size})", t_grad, "our forward", t_forward, ("ratio", 2.5),
                         note="Objective.value_and_grad (the loss's sums fused with the transform)"))
    # the unfused route (the public functions) and float32, for the first loss
    theta = 700.3

    def forward():
        return dstft_np.stft(x, theta, positions, n_fft=n_fft)

    def through_y():
        return route_through_y(x, theta, positions, losses.shannon_entropy, n_fft)

    t_route, t_forward = timings([through_y, forward], repeat)
    rows.append(_row("  entropy, constant θ, through Y", t_route, "our forward", t_forward, None,
                     note="stft, magnitude, shannon_entropy, magnitude_vjp, stft_vjp: S, Y, ∂L/∂Y, G formed"))
    for label, per_frame in (("constant θ", False), ("per-frame θ", True)):
        theta = theta_per_frame if per_frame else 700.3
        call64 = _objective_call(x, theta, n_fft, hop, "entropy")
        call32 = _objective_call(x.astype(np.float32), theta, n_fft, hop, "entropy")
        (value64, grads64), (value32, grads32) = call64(), call32()
        error = max(abs(value32 - value64) / abs(value64),
                    _rel_error(grads32["win_length"], grads64["win_length"]))
        t32, t64 = timings([call32, call64], repeat)
        rows.append(_row(f"  entropy, {label}, float32 x", t32, "float64 x", t64, ("ratio", 0.6),
                         note=f"value and ∂L/∂θ within {error:.1e} of float64 (float32 tolerance 1e-4, "
                              "tests/tolerance.py)"))
    return rows + [_task_fft_floor(np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop], repeat, inverse=True)]


def _per_cell_problem(rng, n_samples, n_fft, hop):
    x = _signal(rng, n_samples)
    positions = dstft_np.frame_positions(n_samples, hop)
    theta = rng.uniform(n_fft / 2, n_fft, (n_fft // 2 + 1, positions.size))
    G = rng.standard_normal(theta.shape) + 1j * rng.standard_normal(theta.shape)
    return x, theta, positions, G


def case_per_cell(rng, repeat):
    """Per-cell θ: the fit's value and gradient and stft + stft_vjp against the per-term yardstick; memory."""
    rows = []
    for n_samples, n_fft, hop, published in ((16_000, 1024, 256, "torch original: 6 s, 1.8 GB"),
                                             (20_000, 1000, 50, "torch original: 37 s, 9.7 GB")):
        x, theta, positions, G = _per_cell_problem(rng, n_samples, n_fft, hop)
        S = np.empty(theta.shape, dtype=complex)
        grad_win, grad_pos = np.empty(theta.shape), np.empty(positions.shape)
        model = dstft_np.DSTFT(n_fft, hop, theta, win_mode="time-frequency", n_samples=n_samples)
        params = model.parameters()
        objective = Objective(model, x)

        def yardstick():
            yardstick_forward(x, theta, positions, n_fft, S)
            yardstick_vjp(x, theta, positions, G, n_fft, grad_win, grad_pos)

        def fit_step():
            return objective.value_and_grad(params)

        def public_pair():
            dstft_np.stft(x, theta, positions, n_fft=n_fft)
            return dstft_np.stft_vjp(x, theta, positions, G, n_fft=n_fft)

        yardstick()
        error = max(_rel_error(dstft_np.stft(x, theta, positions, n_fft=n_fft), S),
                    *(_rel_error(a, b) for a, b in zip(public_pair(), (grad_win, grad_pos))))
        t_step, t_pair, t_yardstick = timings([fit_step, public_pair, yardstick], max(1, repeat // 2))
        size = f"K={n_samples}, N={n_fft}, hop {hop}, T={positions.size}"
        rows.append(_row(f"per-cell θ, a fit's value+grad ({size})", t_step, "per-term yardstick", t_yardstick,
                         ("ratio", 0.1), note=f"Objective.value_and_grad: frame-mean entropy + smoothness; θ ~ U(N/2, N); "
                                               f"{published}"))
        rows.append(_row("  stft + stft_vjp with a given G", t_pair, "per-term yardstick", t_yardstick,
                         ("ratio", 0.1), note=f"max rel. difference to the yardstick {error:.1e}"))
        for label, func in (("a fit's value+grad", lambda: Objective(model, x).value_and_grad(params)),
                            ("stft + stft_vjp", public_pair)):
            peak = peak_extra_bytes(func) / MiB
            rows.append(_row(f"  peak extra memory, {label}", peak, None, None, ("MB", 50.0), unit="MB",
                             note="RSS high-water / tracemalloc, larger of the two" +
                                  ("; a fresh Objective: its work arrays count" if "fit" in label else "")))
    return rows


_FIRST_RESULT = """
import numpy as np
import dstft_np
import dstft_np.batch
from dstft_np import losses
x = np.random.default_rng(0).standard_normal(4000)
t = dstft_np.frame_positions(x.size, 64)
theta = {theta}
S = dstft_np.stft(x, theta, t, n_fft=256)
dstft_np.stft_vjp(x, theta, t, S, n_fft=256)
"""


def case_startup(repeat):
    """Import time and time to first result in fresh interpreters (warm and empty Numba cache)."""
    t_import, t_numpy = timings([lambda: fresh_interpreter_seconds("import dstft_np"),
                                 lambda: fresh_interpreter_seconds("import numpy")], repeat)
    rows = [_row("python -c 'import dstft_np'", t_import.wall, "python -c 'import numpy'", t_numpy.wall,
                 ("seconds", 0.5), note="fresh interpreter, wall time incl. start-up")]
    for label, theta in (("constant θ", "200.3"), ("per-cell θ", "np.linspace(150.0, 250.0, 129)[:, None] + t / 1000")):
        code = _FIRST_RESULT.format(theta=theta)
        t_warm = timings([lambda: fresh_interpreter_seconds(code)], repeat)[0]
        with tempfile.TemporaryDirectory() as cache:
            t_cold = fresh_interpreter_seconds(code, env=dict(os.environ, NUMBA_CACHE_DIR=cache))
        rows.append(_row(f"first stft + stft_vjp, {label}, warm Numba cache", t_warm.wall,
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


def case_time_to_optimum(repeat, data_dir=DATA_DIR):
    """The default DSTFT.fit to its optimum: seconds, evaluations, and the time over one value_and_grad call."""
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
        t_fit, t_grad = timings([fit, value_and_grad], repeats)
        history = result["history"]
        found = (f"θ = {float(result['theta']):.2f}" if win_mode == "constant" else
                 f"θ_n {result['theta'].min():.0f}–{result['theta'].max():.0f}")
        rows.append(_row(name, t_fit, "one value_and_grad", t_grad, target and ("seconds", target),
                         note=f"{history.n_evaluations} evaluations ({history.scan.grid.size if history.scan else 0} "
                              f"of them the scan's, value only), {history.status}; {found}"))
    return rows


#: A whole-fan_7.wav per-cell fit in a fresh interpreter: prints its time, evaluations and peak RSS.
_MAP_FIT = """
import json, time
import numpy as np
import dstft_np
x = dstft_np.io.load({path!r})[0].ravel()
model = dstft_np.DSTFT(1024, 256, 512.0, win_mode="time-frequency", n_samples=x.size)
start = time.perf_counter()
history = model.fit(x, method={method!r}, max_evaluations={evaluations})
seconds = time.perf_counter() - start
peak = [int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")][0] / 1024
print(json.dumps(dict(seconds=seconds, peak_MB=peak, evaluations=history.n_evaluations, status=history.status,
                      cells=model.win_length.size, start=float(history.loss[0]), end=float(history.loss[history.best]))))
"""

#: The same interpreter up to the fit: modules and kernels loaded, x read, one small evaluation.
_MAP_FIT_BASELINE = """
import numpy as np
import dstft_np
from dstft_np.objective import Objective
x = dstft_np.io.load({path!r})[0].ravel()
model = dstft_np.DSTFT(1024, 256, 512.0, win_mode="time-frequency", n_samples=4000)
Objective(model, x[:4000]).value_and_grad(model.parameters())
import scipy.optimize
print([int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")][0] / 1024)
"""

#: scipy's L-BFGS-B alone on a quadratic of n variables within bounds, five iterations: its own peak RSS.
_LBFGSB_ALONE = """
import numpy as np
import scipy.optimize
import dstft_np, numba
n = {n}
f = lambda z: (float(np.dot(z - 0.3, z - 0.3)), 2 * (z - 0.3))
scipy.optimize.minimize(f, np.full(n, 0.5), jac=True, method="L-BFGS-B",
                        bounds=scipy.optimize.Bounds(np.zeros(n), np.ones(n)), options=dict(maxiter=5))
print([int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")][0] / 1024)
"""


def case_map_fit(repeat, data_dir=DATA_DIR, evaluations=100):
    """The whole-fan_7.wav per-cell fit (N 1024, hop 256, θ0 512): time and peak RSS, L-BFGS-B and Adam."""
    path = data_dir / "fan_7.wav"
    name = "whole fan_7.wav per-cell fit (N=1024, hop 256, F·T = 2.6 M θ)"
    if not path.is_file():
        return [_row(name, None, None, None, ("MB", 500.0), note=f"skipped: {path} not found")]
    baseline = float(_fresh_interpreter(_MAP_FIT_BASELINE.format(path=str(path))))
    rows = []
    for method in ("l-bfgs-b", "adam"):
        found = json.loads(_fresh_interpreter(_MAP_FIT.format(path=str(path), method=method,
                                                              evaluations=evaluations)))
        rows.append(_row(f"{name}, {method}, peak RSS", found["peak_MB"], "the interpreter before the fit",
                         baseline, ("MB", 500.0), unit="MB",
                         note=f"{found['evaluations']} evaluations in {found['seconds']:.0f} s "
                              f"({found['seconds'] / found['evaluations']:.2f} s each), {found['status']}; "
                              f"frame-mean entropy + smoothness {found['start']:.4f} → {found['end']:.4f}"))
    alone = float(_fresh_interpreter(_LBFGSB_ALONE.format(n=found["cells"])))
    rows.append(_row(f"  scipy's L-BFGS-B alone, {found['cells']} variables, peak RSS", alone,
                     "the interpreter before the fit", baseline, None, unit="MB",
                     note="a quadratic, 5 iterations: scipy builds a list of n (low, high) pairs and loops over it"))
    return rows


def write_recordings(folder, n_files=100, seconds=5.0, sample_rate=16000, seed=0):
    """n_files int16 wav files of `seconds` at `sample_rate`: a frequency-modulated tone (its frequency and
    modulation differ from file to file) in noise. Returns their paths."""
    import scipy.io.wavfile

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    k = np.arange(round(seconds * sample_rate))
    paths = []
    for i in range(n_files):
        f0, swing, rate = rng.uniform(200, 2000), rng.uniform(0, 200), rng.uniform(0.2, 2.0)
        phase = 2 * np.pi * np.cumsum(f0 + swing * np.sin(2 * np.pi * rate * k / sample_rate)) / sample_rate
        x = np.sin(phase) + 0.3 * rng.standard_normal(k.size)
        paths.append(folder / f"recording_{i:04d}.wav")
        scipy.io.wavfile.write(paths[-1], sample_rate, np.round(x / np.max(np.abs(x)) * 32000).astype(np.int16))
    return paths


def _cli_batch(inputs, table, jobs, *options):
    """Seconds (wall, and CPU of the child processes) of ``dstft-np optimize INPUTS --table --jobs`` in a
    fresh interpreter; the table's rows, every one checked ok."""
    import resource

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    inputs = [str(path) for path in inputs] if isinstance(inputs, list) else [str(inputs)]
    subprocess.run([sys.executable, "-m", "dstft_np", "optimize", *inputs, "--table", str(table), "--jobs",
                    str(jobs), "--quiet", *options], cwd=ROOT, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    rows = dstft_np.batch.read_table(table)
    failed = [row for row in rows if row["status"] != "ok"]
    if failed:
        raise RuntimeError(f"the batch failed on {len(failed)} files: {failed[0]['message']}")
    table.unlink()
    return Timing(wall, wall, cpu), rows


def case_batch(repeat, n_files=100):
    """Many files: --jobs 2 against --jobs 1 (constant θ), per-frame θ, and a Dask LocalCluster's cost per file."""
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        folder = tmp / "recordings"
        write_recordings(folder, n_files)
        table = tmp / "results.csv"
        _cli_batch(folder, table, 1, "--duration", "4096")   # the Numba cache, warm for both
        rounds = max(1, repeat // 7)
        one, two = [], []
        for _ in range(rounds):   # in turn, as timings() does
            one.append(_cli_batch(folder, table, 1)[0])
            two.append(_cli_batch(folder, table, 2)[0])
        t_one, t_two = (Timing(statistics.median(t.wall for t in ts), min(t.wall for t in ts),
                               statistics.median(t.cpu for t in ts)) for ts in (one, two))
        size = f"{n_files} files of 5 s at 16 kHz (N=1024, hop 256, θ0 512)"
        rows = [_row(f"batch, constant θ, --jobs 2 ({size})", t_two, "--jobs 1", t_one, ("ratio", 1 / 1.7),
                     note=f"throughput {t_one.wall / t_two.wall:.2f}× that of --jobs 1 (target ≥ 1.7); "
                          f"{n_files / t_two.wall:.2f} files/s, {n_files / t_two.wall / 2:.2f} per core; --jobs 1 "
                          f"{n_files / t_one.wall:.2f} files/s; fresh interpreters, start-up included")]
        files = sorted(folder.glob("*.wav"))
        n_maps = max(1, n_files // 5)   # a per-frame fit takes ~200 evaluations: a fifth of the files
        t_frames, frame_rows = _cli_batch(files[:n_maps], table, 2, "--window-mode", "time", "--out-dir",
                                          str(tmp / "maps"))
        evaluations = statistics.median(row["n_evaluations"] for row in frame_rows)
        rows.append(_row(f"  per-frame θ, --jobs 2, the first {n_maps} files", t_frames, "constant θ, --jobs 2, all",
                         t_two, None,
                         note=f"{n_maps / t_frames.wall:.3f} files/s, {n_maps / t_frames.wall / 2:.3f} per core; "
                              f"frame-mean entropy + smoothness 10, median {evaluations:.0f} evaluations a file; "
                              f"{cores} cores"))
        try:
            from distributed import LocalCluster
        except ImportError:
            return rows + [_row("  Dask LocalCluster", None, None, None, None,
                                note="skipped: dask[distributed] is not installed")]
        start = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
                cluster.get_client() as client:
            started = time.perf_counter() - start

            def on_dask():
                dstft_np.batch.fit_many(files, client=client)

            def serial():
                dstft_np.batch.fit_many(files, jobs=1)

            t_dask, t_serial = timings([on_dask, serial], rounds)   # the warm-up call loads the workers' kernels
        ideal = t_serial.wall / 2
        rows.append(_row("  Dask LocalCluster (2 worker processes), in-process fit_many", t_dask,
                         "fit_many(jobs=1) in this process", t_serial, None,
                         note=f"{t_dask.wall / n_files * 1e3:.1f} ms a file against {ideal / n_files * 1e3:.1f} ms "
                              f"(half the serial time): overhead {(t_dask.wall - ideal) / n_files * 1e3:+.1f} ms a "
                              f"file; the cluster took {started:.1f} s to start"))
    return rows


CASES = {
    "forward": case_forward,
    "value-and-grad": case_value_and_grad,
    "per-cell": case_per_cell,
    "startup": case_startup,
    "fit": case_time_to_optimum,
    "map-fit": case_map_fit,
    "batch": case_batch,
}

#: Cases that run only when asked for by --only (minutes of a whole fit; minutes of batches).
ON_REQUEST = {"map-fit", "batch"}


def run_cases(repeat, only=None, seed=0):
    """Run the cases whose keys `only` lists (every case but ON_REQUEST when None); returns the rows."""
    unknown = set(only or ()) - set(CASES)
    if unknown:
        raise ValueError(f"unknown case(s) {sorted(unknown)}; the cases are {', '.join(CASES)}")
    rows = []
    for key, case in CASES.items():
        if key not in (only or set(CASES) - ON_REQUEST):
            continue
        load_before = os.getloadavg()[0]
        if key in ("startup", "fit", "map-fit", "batch"):
            new_rows = case(repeat)
        else:
            new_rows = case(np.random.default_rng(seed), repeat)
        load = f"{load_before:.1f}→{os.getloadavg()[0]:.1f}"
        rows += [dict(row, load=load) for row in new_rows]
        print(f"  done: {key}", file=sys.stderr)
    return rows


# --------------------------------------------------------------------------- scaling


def run_scaling(repeat, seed=0):
    """Cost of the forward, a fit's value+grad (constant θ, and per cell) at three sizes of K, N and T each."""
    rng = np.random.default_rng(seed)
    results = []

    def measure(kind, vary, n_samples, n_fft, hop):
        x = _signal(rng, n_samples)
        positions = dstft_np.frame_positions(n_samples, hop)
        if kind == "forward, constant θ":
            func = lambda: dstft_np.stft(x, 0.75 * n_fft, positions, n_fft=n_fft)  # noqa: E731
        elif kind == "value+grad, constant θ":
            func = _objective_call(x, 0.75 * n_fft, n_fft, hop, "entropy")
        else:
            theta = rng.uniform(n_fft / 2, n_fft, (n_fft // 2 + 1, positions.size))
            model = dstft_np.DSTFT(n_fft, hop, theta, win_mode="time-frequency", n_samples=n_samples)
            objective, params = Objective(model, x), model.parameters()
            func = lambda: objective.value_and_grad(params)  # noqa: E731
        timing = timings([func], repeat)[0]
        results.append(dict(kind=kind, vary=vary, K=n_samples, N=n_fft, hop=hop, T=positions.size,
                            seconds=timing.wall, cpu=timing.cpu))

    grids = {
        "forward, constant θ": (480_000, 1024, 256),
        "value+grad, constant θ": (480_000, 1024, 256),
        "per-cell value+grad": (16_000, 1024, 256),
    }
    for kind, (n_samples, n_fft, hop) in grids.items():
        for factor in (0.25, 0.5, 1.0):
            measure(kind, "K", int(n_samples * factor), n_fft, hop)
        for n in (n_fft // 4, n_fft // 2, n_fft):
            measure(kind, "N", n_samples, n, hop)
        for h in (4 * hop, 2 * hop, hop):
            measure(kind, "T", n_samples, n_fft, h)
        print(f"  done: scaling of {kind}", file=sys.stderr)
    return results


def fitted_exponents(results, key="seconds"):
    """{(kind, varied): b} of time ∝ size^b, a least-squares line through log time (`key`: "seconds" or "cpu")
    against log size; the size is the varied quantity (K, N or T)."""
    exponents = {}
    for kind in dict.fromkeys(r["kind"] for r in results):
        for vary in ("K", "N", "T"):
            points = [(r[vary], r[key]) for r in results if r["kind"] == kind and r["vary"] == vary]
            if len(points) >= 2:
                sizes, seconds = np.log(np.array(points)).T
                exponents[kind, vary] = float(np.polyfit(sizes, seconds, 1)[0])
    return exponents


# --------------------------------------------------------------------------- report


def _format(value, unit):
    if value is None:
        return "—"
    if unit == "MB":
        return f"{value:.0f} MB" if value >= 10 else f"{value:.1f} MB"
    return f"{value * 1e3:.1f} ms" if value < 1 else f"{value:.2f} s"


def format_table(rows):
    """The rows as a Markdown table: case | ours | reference | ratio (median, fastest, CPU) | target | met | load | note.

    load: the 1-minute load average before → after the case (2 means both
    cores busy), to read the absolute times against.
    """
    lines = ["| case | ours | reference | ratio | fastest | CPU | target | met | load | note |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        reference = "—" if row["reference"] is None else (
            f"{_format(row['reference'], row['unit'])} ({row['reference_name']})")
        ratios = ["—" if row[key] is None else f"{row[key]:.3f}" for key in ("ratio", "ratio_fastest", "ratio_cpu")]
        kind, bound = row["target_kind"], row["target"]
        target = "" if kind is None else {"ratio": "ratio ≤ {}", "seconds": "≤ {} s", "MB": "≤ {} MB"}[kind].format(bound)
        met = {True: "yes", False: "**no**", None: ""}[row["met"]]
        lines.append(f"| {row['case']} | {_format(row['ours'], row['unit'])} | {reference} | {' | '.join(ratios)} | "
                     f"{target} | {met} | {row.get('load', '')} | {row['note']} |")
    return "\n".join(lines)


def format_scaling(results):
    """The scaling runs as a Markdown table, then each cost's fitted exponents."""
    lines = ["| cost | varied | K | N | hop | T | time | CPU |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['kind']} | {r['vary']} | {r['K']} | {r['N']} | {r['hop']} | {r['T']} | "
                     f"{_format(r['seconds'], 's')} | {_format(r['cpu'], 's')} |")
    wall, cpu = fitted_exponents(results), fitted_exponents(results, "cpu")
    lines += ["", "| cost | exponent in K (T ∝ K), wall / CPU | in N | in T (K fixed) |", "|---|---|---|---|"]
    for kind in dict.fromkeys(r["kind"] for r in results):
        lines.append(f"| {kind} | " + " | ".join(
            f"{wall.get((kind, vary), float('nan')):.2f} / {cpu.get((kind, vary), float('nan')):.2f}"
            for vary in ("K", "N", "T")) + " |")
    return "\n".join(lines)


def machine():
    """CPU model and core count (lscpu when available), Python and library versions."""
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
        description="Benchmarks of dstft_np next to the rfft floor, scipy, torch and a per-term Numba yardstick.",
        epilog="example: python -m validation.bench --repeat 7 --json validation/out/bench.json")
    parser.add_argument("--json", type=pathlib.Path, default=DEFAULT_JSON, help="where to write the results")
    parser.add_argument("--repeat", type=int, default=7, help="timed calls per measurement (median)")
    parser.add_argument("--only", type=lambda text: text.split(","), metavar="CASE[,CASE...]",
                        help="run only these cases: " + ", ".join(CASES)
                        + f" ({', '.join(sorted(ON_REQUEST))} runs only when asked for)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the K, N, T scaling runs")
    args = parser.parse_args(argv)

    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores; numpy {info['numpy']}, scipy {info['scipy']}, "
          f"numba {info['numba']}; load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    rows = run_cases(args.repeat, args.only)
    print(format_table(rows))
    scaling = [] if args.no_scaling or args.only else run_scaling(args.repeat)
    if scaling:
        print()
        print(format_scaling(scaling))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(dict(machine=info, command=" ".join(sys.argv), repeat=args.repeat,
                                         cases=rows, scaling=scaling,
                                         exponents={key: {f"{kind}, {vary}": b for (kind, vary), b
                                                          in fitted_exponents(scaling, key).items()}
                                                    for key in ("seconds", "cpu")}), indent=2))
    print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
