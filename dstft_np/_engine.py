"""The engine: plans, and the transform, its partials, VJP and adjoint that take one (internal).

Three layers: ``_kernels`` holds the Numba loops; this module lays the
arrays out for them, runs the FFTs and the thread pool; the public
functions (``transform``, ``forward_mode``, ``inverse``, ``losses``, and
the model) validate their arguments once, build a plan here and call the
engine. Symbols as in docs/derivation.md §0: x[k] (k < K), bin m < F =
N/2 + 1, frame n < T, window length θ, position t_n; B is the batch shape
flattened into one axis.

Plans
-----
A ``Signal`` is what a plan keeps of x, validated once:

    x            (..., K) float32 or float64, C-contiguous, finite; None for a
                 plan without samples (the adjoint and the inverse)
    batch_shape  x's batch axes (...)
    n_samples    K
    dtype        float32 or float64, the precision of the kernels' frames
    n_fft, code, area, phase
                 N and the kernels' option codes (``_options.transform_codes``)

A ``Plan`` adds θ and t_n, broadcast with x's batch and flattened into the
kernels' layout:

    x            (B, K), the signal's x without a copy when its batch shape is
                 the plan's; None without samples
    positions    (B, T) float64, clipped to [-N, K + N] (farther frames see no
                 sample; clipping keeps the kernels' integer arithmetic in range)
    win_length   (B, T), or (B, F, T) when ``per_cell`` (θ varies along frequency)
    shift        (B, T) int64, the integer part s_n of the phase reference
    residual     (B, T) float64 r_n, or None when every r_n = 0
    batch_shape  the broadcast batch shape of x, θ and t_n; B = its product
    n_samples, dtype, n_fft, code, area, phase    as in the Signal

Building one:

    prepare(x, win_length, positions, hop_length, *, n_fft, window, norm, phase)
        validates everything; what the public transforms call. Exactly one
        of positions and hop_length (t_n = n·hop, T = 1 + K // hop).
    prepare_signal(x, *, n_fft, window, norm, phase, n_samples=None) -> Signal
        validates x (of K = n_samples samples when given) and the options:
        once per fit.
    signal_shape(batch_shape, n_samples, dtype, *, n_fft, window, norm, phase) -> Signal
        a Signal without samples.
    prepare_frames(signal, win_length, positions, hop_length) -> Plan
        validates θ and t_n (or the hop) against a Signal.
    set_frames(signal, win_length, positions) -> Plan
        checks nothing but the memory limit: for a fit's steps. win_length
        float64 in (0, N], of any shape ``stft`` accepts ((), (T,) = (1, T),
        (F, 1), (F, T), with leading batch axes that broadcast against x's);
        positions float64 (..., T). Costs O(B·T), O(B·F·T) for a θ with a
        frequency axis; x is not copied.
    frame_centres(positions, hop_length, n_samples, n_fft)
        the t_n of either argument, checked (and the warning for a scalar
        position on a long signal); positions_shape(positions, plan) is the
        shape a gradient of t_n has for the caller, (T,) for a hop.

Every builder takes ``keep_cells``: False (default) lets an (F, T) θ whose
rows are equal take the frame path (one FFT per frame); ``vjp`` needs
True, since the gradient of such a θ still differs from bin to bin. A plan
built with True serves the forward calls as well.

Calls on a plan, results in the kernels' layout (batch flattened):

    transform(plan, which)   (B, F, T) complex64/128: Σ_k w(k - t_n) x[k] e^{-j2π m φ_n(k)/N}
                             for w = ω, ∂ω/∂θ, -∂ω/∂u (which = VALUE, D_WIN, NEG_D_OFFSET)
    partials(plan)           S, ∂S/∂θ, ∂S/∂t_n, each (B, F, T)
    vjp(plan, G)             G (..., F, T) → grad_win (B, 1, T), or (B, F, T) per cell,
                             and grad_pos (B, T), float64
    reduce_to(grad, plan, shape)
                             a gradient of the kernels' layout summed over the axes that
                             broadcasting added to an argument of `shape`
    adjoint(plan, G)         S*(G), (B, K) float64
    overlap_add(plan, S)     numerator and window weight Σ_n ω² of the weighted overlap-add, (B, K)
    cell_diagonal(plan)      diag(S*S), (B, K)
    unbatch(arr, plan)       (B, ...) → (*batch_shape, ...)
    with_signal(plan, x)     the plan with x (B, K) in place of its samples

and the loss chain, on arrays of any shape: ``raised_magnitude`` (Y = |S|^p)
and ``raised_magnitude_vjp`` (G from ∂L/∂Y), the unchecked twins of
``losses.magnitude`` and ``losses.magnitude_vjp``.

A fit's step, with x validated once:

    signal = prepare_signal(x, n_fft=n_fft, window=window, norm=norm, phase=phase)
    ...
    plan = set_frames(signal, theta, positions, keep_cells=True)
    S = unbatch(transform(plan, VALUE), plan)                 # (..., F, T)
    value, dL_dY = loss(raised_magnitude(S, p))
    G = raised_magnitude_vjp(S, dL_dY, p)
    grad_win, grad_pos = vjp(plan, G)
    grad_win = reduce_to(grad_win, plan, theta.shape)
    grad_pos = reduce_to(grad_pos, plan, positions.shape)
"""

import itertools
import math
import os
import threading
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple, Optional

import numpy as np

from . import _kernels
from ._options import D_WIN, NEG_D_OFFSET, PHASES, VALUE, transform_codes
from ._validation import (
    check_finite_output,
    check_framing,
    check_memory,
    check_n_fft,
    check_positions,
    check_signal,
    check_win_length,
    warn,
)
from .positions import frame_positions

__all__ = [
    "set_thread_count",
    "Signal",
    "Plan",
    "prepare",
    "prepare_signal",
    "signal_shape",
    "frame_centres",
    "positions_shape",
    "prepare_frames",
    "set_frames",
    "with_signal",
    "transform",
    "partials",
    "vjp",
    "reduce_to",
    "sum_to_shape",
    "adjoint",
    "overlap_add",
    "cell_diagonal",
    "unbatch",
    "raised_magnitude",
    "raised_magnitude_vjp",
    "frame_sums",
    "Workspace",
    "loss_value_and_grad",
    "TASK_SAMPLES",
]

_ABSOLUTE, _CENTER, _START = range(len(PHASES))


class Signal(NamedTuple):
    """x validated once, with the options every plan of it shares (see the module docstring)."""

    x: Optional[np.ndarray]  # (..., K) float32 or float64, or None
    batch_shape: tuple
    n_samples: int
    dtype: np.dtype
    n_fft: int
    code: int                # window code
    area: bool               # norm == "area"
    phase: int               # phase code


class Plan(NamedTuple):
    """Validated, broadcast inputs in the kernels' layout (see the module docstring)."""

    x: Optional[np.ndarray]  # (B, K) float32 or float64, or None
    positions: np.ndarray    # (B, T) float64, clipped to where samples can be reached
    win_length: np.ndarray   # (B, T), or (B, F, T) when per_cell
    per_cell: bool           # θ varies along frequency
    shift: np.ndarray        # (B, T) int64, integer part s_n of the phase reference
    residual: np.ndarray     # (B, T) float64 r_n, or None when all r_n = 0
    batch_shape: tuple
    n_samples: int
    dtype: np.dtype
    n_fft: int
    code: int
    area: bool
    phase: int

    @property
    def n_bins(self):
        """F = N/2 + 1."""
        return self.n_fft // 2 + 1

    @property
    def output_shape(self):
        """(..., F, T): the shape of S (and of its cotangent) as the caller sees it."""
        return self.batch_shape + (self.n_bins, self.positions.shape[1])


# ---------------------------------------------------------------------------------- plans


def prepare_signal(x, *, n_fft, window, norm, phase, n_samples=None):
    """The Signal of x: options, n_fft and x checked (K = n_samples when given), x made contiguous once."""
    code, area, phase_code = transform_codes(window, norm, phase)
    n_fft = check_n_fft(n_fft)
    x = np.ascontiguousarray(check_signal(x, n_samples=n_samples))
    return Signal(x=x, batch_shape=x.shape[:-1], n_samples=x.shape[-1], dtype=x.dtype, n_fft=n_fft,
                  code=code, area=area, phase=phase_code)


def signal_shape(batch_shape, n_samples, dtype, *, n_fft, window, norm, phase):
    """A Signal of `batch_shape` + (n_samples,) without samples; options and n_fft checked."""
    code, area, phase_code = transform_codes(window, norm, phase)
    return Signal(x=None, batch_shape=tuple(batch_shape), n_samples=n_samples, dtype=np.dtype(dtype),
                  n_fft=check_n_fft(n_fft), code=code, area=area, phase=phase_code)


def frame_centres(positions, hop_length, n_samples, n_fft):
    """t_n (float64, (..., T)), checked, or the default grid t_n = n·hop, T = 1 + K // hop.

    Exactly one of positions and hop_length. A scalar position with a
    signal of more than 2·N samples is legal (one frame) but warned about:
    it is what ``stft(x, win, 256, ...)``, a hop where positions go, gives.
    """
    check_framing(positions, hop_length)
    if hop_length is not None:
        return frame_positions(n_samples, hop_length)
    t = check_positions(positions)
    if np.ndim(positions) == 0 and n_samples > 2 * n_fft:
        warn(f"positions={t[0]:g} is one frame, centred at sample {t[0]:g}, but x has {n_samples} "
             f"samples, more than 2·n_fft = {2 * n_fft}: most of x lies outside that window. Did you "
             f"mean hop_length={t[0]:g}? (positions=[{t[0]:g}] asks for one frame without this warning)")
    return t


def positions_shape(positions, plan):
    """The shape of t_n as the caller gave it: np.shape(positions), or (T,) when a hop made them."""
    return np.shape(positions) if positions is not None else plan.positions.shape[1:]


def prepare_frames(signal, win_length, positions, hop_length=None, *, keep_cells=False):
    """Check θ and t_n (or the hop that makes them, see ``frame_centres``) against `signal`; the plan."""
    positions = frame_centres(positions, hop_length, signal.n_samples, signal.n_fft)
    theta = check_win_length(win_length, signal.n_fft)
    n_bins = signal.n_fft // 2 + 1
    n_frames = positions.shape[-1]
    grid = theta.reshape((1,) * (2 - theta.ndim) + theta.shape)
    if grid.shape[-2] not in (1, n_bins) or grid.shape[-1] not in (1, n_frames):
        raise ValueError(
            f"win_length of shape {np.shape(win_length)} does not broadcast to (..., F, T) = "
            f"(..., {n_bins}, {n_frames}); use a scalar, (1, T), (F, 1) or (F, T)"
        )
    try:
        np.broadcast_shapes(signal.batch_shape, positions.shape[:-1], grid.shape[:-2])
    except ValueError:
        raise ValueError(
            f"batch axes do not broadcast: x {signal.batch_shape}, positions {positions.shape[:-1]}, "
            f"win_length {grid.shape[:-2]}"
        ) from None
    return set_frames(signal, theta, positions, keep_cells=keep_cells)


def prepare(x, win_length, positions, hop_length=None, *, n_fft, window, norm, phase, keep_cells=False):
    """``prepare_frames(prepare_signal(x, ...), ...)``: everything a public transform checks."""
    signal = prepare_signal(x, n_fft=n_fft, window=window, norm=norm, phase=phase)
    return prepare_frames(signal, win_length, positions, hop_length, keep_cells=keep_cells)


def set_frames(signal, win_length, positions, *, keep_cells=False):
    """The plan of `signal` with θ and t_n, unchecked (see the module docstring); O(B·T) work."""
    n_fft, n_samples = signal.n_fft, signal.n_samples
    n_bins = n_fft // 2 + 1
    n_frames = positions.shape[-1]
    theta = win_length.reshape((1,) * (2 - win_length.ndim) + win_length.shape)
    batch_shape = np.broadcast_shapes(signal.batch_shape, positions.shape[:-1], theta.shape[:-2])
    n_batch = int(np.prod(batch_shape, dtype=np.int64))
    itemsize = signal.dtype.itemsize

    per_cell = theta.shape[-2] == n_bins and n_bins > 1
    if per_cell and not keep_cells and np.all(theta == theta[..., :1, :]):
        theta = theta[..., :1, :]
        per_cell = False
    if not per_cell:
        check_memory(n_batch * n_frames * n_fft * itemsize * 3, "the frame buffer (batch, T, n_fft)")
        theta = np.broadcast_to(theta[..., 0, :], batch_shape + (n_frames,))
    else:
        theta = np.broadcast_to(theta, batch_shape + (n_bins, n_frames))
    check_memory(n_batch * n_bins * n_frames * 2 * itemsize * 3, "the output (batch, F, T)")
    x = signal.x
    if x is not None:
        if signal.batch_shape != batch_shape:
            check_memory(n_batch * n_samples * itemsize, "x copied along the batch axes (batch, K)")
        x = np.ascontiguousarray(np.broadcast_to(x, batch_shape + (n_samples,)).reshape(n_batch, n_samples))

    positions = np.broadcast_to(positions, batch_shape + (n_frames,)).reshape(n_batch, n_frames)
    reachable = np.clip(positions, -n_fft, n_samples + n_fft)
    if signal.phase == _ABSOLUTE:
        shift = np.zeros(positions.shape, dtype=np.int64)
        residual = None
    else:
        nearest = np.rint(reachable)
        shift = nearest.astype(np.int64) - (n_fft // 2 if signal.phase == _START else 0)
        residual = positions - np.rint(positions)
        if not np.any(residual):
            residual = None
    return Plan(
        x=x,
        positions=np.ascontiguousarray(reachable),
        win_length=np.ascontiguousarray(theta.reshape((n_batch,) + theta.shape[len(batch_shape):])),
        per_cell=per_cell,
        shift=shift,
        residual=residual,
        batch_shape=batch_shape,
        n_samples=n_samples,
        dtype=signal.dtype,
        n_fft=n_fft,
        code=signal.code,
        area=signal.area,
        phase=signal.phase,
    )


def with_signal(plan, x):
    """`plan` with the samples x (B, K), cast to the plan's precision."""
    return plan._replace(x=np.ascontiguousarray(x, dtype=plan.dtype))


def unbatch(arr, plan):
    """(B, ...) → (*batch_shape, ...)."""
    return arr.reshape(plan.batch_shape + arr.shape[1:])


def sum_to_shape(grad, shape):
    """Sum `grad` over the axes that broadcasting added to an array of `shape`."""
    lead = grad.ndim - len(shape)
    if lead > 0:
        grad = grad.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def reduce_to(grad, plan, shape):
    """A gradient of the kernels' layout (B, ...) summed to the `shape` of the argument it belongs to."""
    return sum_to_shape(unbatch(grad, plan), shape or (1,)).reshape(shape)


# ------------------------------------------------------------------------- regularisers of the parameters


def smoothness_penalty(theta, scale):
    """(R, ∂R/∂θ) of ``losses.smoothness`` for a checked θ of at most two axes: one kernel pass per axis."""
    grid = theta.reshape((1,) * (2 - theta.ndim) + theta.shape)   # (), (T,) -> (1, 1), (1, T): rows of length 1 add 0
    grad = np.zeros(grid.shape)
    value = sum(_kernels.squared_differences(np.ascontiguousarray(grid, dtype=np.float64), axis, scale, grad)
                for axis in range(2) if grid.shape[axis] > 1)
    return float(value), grad.reshape(theta.shape)


def coverage_penalty(t, theta, n_samples, reach, scale):
    """(C, ∂C/∂t, ∂C/∂θ) of ``losses.coverage`` for checked positions (T,) and θ broadcastable to (R, T)."""
    rows = np.broadcast_to(theta, np.broadcast_shapes(np.atleast_2d(theta).shape, (1, t.size)))
    half = 0.5 * reach * rows                             # r_n, (R, T)
    gaps = np.maximum((t[1:] - half[:, 1:]) - (t[:-1] + half[:, :-1]), 0.0)
    start = np.maximum(t[0] - half[:, 0], 0.0)
    end = np.maximum((n_samples - 1) - (t[-1] + half[:, -1]), 0.0)
    before = max(-t[0], 0.0)
    after = max(t[-1] - n_samples, 0.0)
    n_rows = rows.shape[0]
    unit = 1.0 / (scale**2 * n_rows)
    value = unit * (np.sum(gaps**2) + np.sum(start**2) + np.sum(end**2) + n_rows * (before**2 + after**2))

    grad_t = np.zeros((n_rows, t.size))
    grad_half = np.zeros((n_rows, t.size))
    grad_t[:, 1:] += 2 * gaps
    grad_t[:, :-1] -= 2 * gaps
    grad_half[:, 1:] -= 2 * gaps
    grad_half[:, :-1] -= 2 * gaps
    grad_t[:, 0] += 2 * start
    grad_half[:, 0] -= 2 * start
    grad_t[:, -1] -= 2 * end
    grad_half[:, -1] -= 2 * end
    grad_t[:, 0] -= 2 * before
    grad_t[:, -1] += 2 * after
    grad_pos = unit * grad_t.sum(axis=0)
    grad_win = sum_to_shape(unit * 0.5 * reach * grad_half, theta.shape)
    return float(value), grad_pos, grad_win


# ------------------------------------------------------------------------- the frame path


def _complex_dtype(plan):
    return np.result_type(plan.dtype, np.complex64)


def _residuals(plan):
    """r_n of shape (B, T) for the kernels (zeros when every r_n = 0)."""
    return plan.residual if plan.residual is not None else np.zeros(plan.positions.shape)


#: Samples (B · frames · N) of the frame buffer of one task: it stays in the CPU cache
#: between the kernel that fills it and the FFT that reads it.
TASK_SAMPLES = 2**17

#: The helper threads of the transforms (the calling thread works too), created at first
#: use (and dropped in forked children).
_pool = []
os.register_at_fork(after_in_child=_pool.clear)

#: Threads that work on one transform, the caller's included; None: one per core
#: (``set_thread_count``).
_thread_count = [None]


def set_thread_count(n_threads):
    """Spread the frames of later transforms over `n_threads` threads (None: one per core).

    dstft_np.batch gives each of its worker processes its share of the
    cores: with one worker per core, more threads would only contend.
    """
    _thread_count[0] = n_threads
    if _pool:
        _pool.pop().shutdown(wait=False)


def _threads():
    """Threads per transform, the calling thread included (``set_thread_count``)."""
    return _thread_count[0] or os.cpu_count() or 1


#: numpy.fft takes out= from NumPy 2.0 on.
_FFT_HAS_OUT = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


#: Each thread's task scratch (``_scratch``), kept between tasks and calls.
_thread_scratch = threading.local()


def _scratch(name, shape, dtype):
    """An uninitialised work array of the calling thread, reused by its later tasks.

    A fresh task buffer of a MB or so came back from the allocator
    untouched, and its first touch cost page faults on every task (about
    40 µs per task of 2**17 samples); a thread keeps one buffer per name,
    grown when a larger one is asked for.
    """
    dtype = np.dtype(dtype)
    size = math.prod(shape) * dtype.itemsize
    buffers = _thread_scratch.__dict__
    buffer = buffers.get(name)
    if buffer is None or buffer.size < size:
        buffer = buffers[name] = np.empty(size, dtype=np.uint8)
    return buffer[:size].view(dtype).reshape(shape)


def _for_each_chunk(func, n_frames, size):
    """func(first, last) for consecutive chunks of `size` frames, spread over the CPU cores.

    The kernels (nogil) and the FFTs release the GIL, so the chunks run in
    parallel: the only parallelism of the transforms. The calling thread and
    ``_threads() - 1`` helpers of one pool each take the next chunk not yet
    taken until none is left: one hand-over per helper and call rather than
    one per chunk (a future per chunk cost about 16 µs of the GIL each, and
    the caller sat idle), and a thread slowed down by other work on the
    machine takes fewer chunks.
    """
    chunks = [(first, min(first + size, n_frames)) for first in range(0, n_frames, size)]
    n_helpers = min(_threads(), len(chunks)) - 1
    if n_helpers <= 0:
        for chunk in chunks:
            func(*chunk)
        return
    if not _pool:
        _pool.append(ThreadPoolExecutor(max_workers=_threads() - 1, thread_name_prefix="dstft_np"))
    taken = itertools.count()   # next() on it holds the GIL: each index goes to one thread
    failed = []

    def work():
        for index in taken:
            if index >= len(chunks) or failed:
                return
            try:
                func(*chunks[index])
            except BaseException:
                failed.append(True)   # the other threads stop at their next chunk
                raise

    helpers = [_pool[0].submit(work) for _ in range(n_helpers)]
    try:
        work()
    finally:
        # the chunks write into the caller's arrays: wait for every helper that started (one that has
        # not, the pool busy with another caller's chunks, is cancelled: nothing is left for it)
        started = [helper for helper in helpers if not helper.cancel()]
        futures.wait(started)
    for helper in started:
        helper.result()   # raises a helper's error


def _frame_chunk_size(plan):
    """Frames per task of the frame path: a buffer of TASK_SAMPLES samples.

    It stays in the CPU cache between the kernel that fills it and the FFT
    that reads it, and the allocator reuses it: no large scratch array
    (whose first touch costs page faults) and no pass over memory between
    filling the frames and transforming them.
    """
    return max(1, TASK_SAMPLES // (plan.positions.shape[0] * plan.n_fft))


def _cell_chunk_size(plan):
    """Frames per task of the cell path: about four tasks per core, for balance, and at most 32.

    A task's scratch (the partials of its frames) then stays small.
    """
    n_frames = plan.positions.shape[1]
    return max(1, min(32, -(-n_frames // (4 * (os.cpu_count() or 1)))))


def _transformed_frames(plan, which, first, out):
    """The rfft of the frames first .. first+L-1 of the term `which` into out (B, L, F), via the thread's
    scratch "frames" (B, L, N).

    Returns ``fill_frames``' bound on |out| (the caller's overflow check).
    float64: numpy.fft, straight into out. float32: numpy.fft with
    norm="forward" on frames filled N times larger. NumPy 2's rfft runs in
    single precision only when its normalisation factor is a float32, and
    norm="backward" passes the Python int 1, which selects the
    double-precision loop: float32 frames converted, the result cast back,
    4-7 times the time of the float32 loop. norm="forward" passes the
    float32 1/N, which undoes the N of the frames (exactly when N is a
    power of two; within a rounding otherwise). Frames so large that N
    times them might overflow where they do not are filled and transformed
    unscaled (scipy.fft, copied into out), as is float32 before NumPy 2.
    """
    frames = _scratch("frames", out.shape[:2] + (plan.n_fft,), plan.dtype)
    limit = 0.5 * np.finfo(plan.dtype).max   # half: room for the FFT's rounding
    scale = float(plan.n_fft) if plan.dtype == np.float32 and _FFT_HAS_OUT else 1.0
    bound = _kernels.fill_frames(plan.x, plan.positions, plan.win_length, plan.shift, which, plan.code,
                                 plan.area, scale, first, frames)
    if scale != 1.0 and not bound < limit:
        scale = 1.0
        bound = _kernels.fill_frames(plan.x, plan.positions, plan.win_length, plan.shift, which, plan.code,
                                     plan.area, scale, first, frames)
    _rfft(frames, out, scaled=scale != 1.0)
    return bound


def _rfft(frames, out, scaled):
    """rfft(frames) along the last axis into out; scaled: the frames are N times larger, norm="forward"
    undoes it (float32 only, see ``_transformed_frames``)."""
    # overflow is not warned about here: the public functions check their results (check_finite_output)
    with np.errstate(over="ignore", invalid="ignore"):
        if scaled:
            np.fft.rfft(frames, axis=-1, norm="forward", out=out)
        elif frames.dtype == np.float32:
            import scipy.fft   # not at import time: `import dstft_np` stays light

            out[...] = scipy.fft.rfft(frames, axis=-1)
        elif _FFT_HAS_OUT:
            np.fft.rfft(frames, axis=-1, out=out)
        else:
            out[...] = np.fft.rfft(frames, axis=-1)


def _irfft(spectra, n_fft):
    """irfft(spectra, n=n_fft, norm="forward") along the last axis: float64 into the thread's scratch "g",
    float32 a fresh array from scipy.fft.

    NumPy 2's float32 irfft with norm="forward" takes its double-precision
    loop (see ``_transformed_frames``), and copying scipy.fft's fresh result
    into a work array cost as much as the transform: the result is used as
    it is.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if spectra.dtype == np.complex64:
            import scipy.fft

            return scipy.fft.irfft(spectra, n=n_fft, axis=-1, norm="forward")
        if _FFT_HAS_OUT:
            out = _scratch("g", spectra.shape[:-1] + (n_fft,), np.float64)
            return np.fft.irfft(spectra, n=n_fft, axis=-1, norm="forward", out=out)
        return np.fft.irfft(spectra, n=n_fft, axis=-1, norm="forward")


def _twiddles(n_fft):
    """cos and sin of 2π i/N for i < N, the table the cell kernels index by (m·(k - s)) mod N."""
    angle = 2.0 * np.pi * np.arange(n_fft) / n_fft
    return np.cos(angle), np.sin(angle)


def _phase_rate(plan):
    """∂φ-term of ∂S/∂t_n: j2π m/N for "center" and "start", None for "absolute"; shape (F, 1)."""
    if plan.phase == _ABSOLUTE:
        return None
    m = np.arange(plan.n_bins)
    return (2j * np.pi / plan.n_fft * m)[:, None]


# ----------------------------------------------------------------------- forward and VJP


def transform(plan, which, check=None):
    """Σ_k w(k - t_n) x[k] e^{-j2π m φ_n(k)/N} for w = ω, ∂ω/∂θ or -∂ω/∂u: (B, F, T).

    check: a name such as "S" to raise ``check_finite_output``'s ValueError
    under if the result overflowed. The frame path looks at a task's
    spectra only when ``fill_frames``' bound (the largest Σ |w x| of a
    frame, |S| <= it at every bin) does not rule overflow out.
    """
    n_batch, n_frames = plan.positions.shape
    n_bins = plan.n_bins
    if plan.per_cell:
        out = np.empty((n_batch, n_frames, n_bins), dtype=_complex_dtype(plan))
        cos_table, sin_table = _twiddles(plan.n_fft)
        residual = _residuals(plan)
        _for_each_chunk(lambda first, last: _kernels.cell_transform(
            plan.x, plan.positions, plan.win_length, plan.shift, residual, which, plan.code, plan.area,
            cos_table, sin_table, first, out[:, first:last]), n_frames, _cell_chunk_size(plan))
        if check:
            check_finite_output(out, check)
        return np.swapaxes(out, -1, -2)
    spectra = np.empty((n_batch, n_frames, 1, n_bins), dtype=_complex_dtype(plan))

    def chunk(first, last):
        bound = _transformed_frames(plan, which, first, spectra[:, first:last, 0])
        if plan.residual is not None:
            _kernels.rotate_bins(spectra, plan.residual, 1.0, first, last)
        if check and not bound < 0.5 * np.finfo(plan.dtype).max:   # as in _transformed_frames
            check_finite_output(spectra[:, first:last], check)

    _for_each_chunk(chunk, n_frames, _frame_chunk_size(plan))
    return np.swapaxes(spectra[:, :, 0], -1, -2)


def _cell_partials(plan, first, last, S, dS_dwin, dS_dpos):
    """``cell_partials`` of the frames first..last-1 into S, dS_dwin, dS_dpos (B, last - first, F)."""
    cos_table, sin_table = _twiddles(plan.n_fft)
    _kernels.cell_partials(plan.x, plan.positions, plan.win_length, plan.shift, _residuals(plan), plan.code,
                           plan.area, plan.phase != _ABSOLUTE, cos_table, sin_table, first, S, dS_dwin, dS_dpos)


def partials(plan):
    """S, ∂S/∂θ and ∂S/∂t_n (the -∂ω/∂u transform plus the phase term j2π m/N · S), each (B, F, T)."""
    if plan.per_cell:
        n_batch, n_frames = plan.positions.shape
        results = [np.empty((n_batch, n_frames, plan.n_bins), dtype=_complex_dtype(plan)) for _ in range(3)]
        _for_each_chunk(lambda first, last: _cell_partials(plan, first, last, *(r[:, first:last] for r in results)),
                        n_frames, _cell_chunk_size(plan))
        return tuple(np.swapaxes(r, -1, -2) for r in results)
    S = transform(plan, VALUE)
    dS_dwin = transform(plan, D_WIN)
    dS_dpos = transform(plan, NEG_D_OFFSET)
    rate = _phase_rate(plan)
    if rate is not None:
        dS_dpos += rate * S
    return S, dS_dwin, dS_dpos


def vjp(plan, G):
    """∂L/∂θ (B, 1, T), or (B, F, T) per cell, and ∂L/∂t_n (B, T) from the cotangent G (..., F, T).

    ∂L/∂θ[m,n] = Re(conj(G[m,n]) ∂S[m,n]/∂θ[m,n]), ∂L/∂t_n = Σ_m Re(conj(G[m,n]) ∂S[m,n]/∂t_n)
    (docs/derivation.md §5): one irfft per frame when θ is constant along
    frequency, a streaming sum over (m, n, k) otherwise.
    """
    G = G.reshape((-1,) + G.shape[-2:]).astype(_complex_dtype(plan), copy=False)
    n_batch, n_frames = plan.positions.shape
    with_phase = plan.phase != _ABSOLUTE
    grad_pos = np.empty((n_batch, n_frames))
    if plan.per_cell:
        grad_win = np.empty(plan.win_length.shape)

        def chunk(first, last):
            S, dS_dwin, dS_dpos = (_scratch(name, (n_batch, last - first, plan.n_bins), G.dtype)
                                   for name in ("S", "dS_dwin", "dS_dpos"))
            _cell_partials(plan, first, last, S, dS_dwin, dS_dpos)
            _kernels.cell_vjp(G, dS_dwin, dS_dpos, first, grad_win, grad_pos)

        _for_each_chunk(chunk, n_frames, _cell_chunk_size(plan))
        return grad_win, grad_pos
    grad_win = np.empty((n_batch, 1, n_frames))
    residual = _residuals(plan)
    n_channels = 1 + with_phase

    def chunk(first, last):
        spectra = _scratch("cotangent", (n_batch, last - first, n_channels, G.shape[-2]), G.dtype)
        _kernels.cotangent_frames(G, residual, with_phase, first, spectra)
        g = _irfft(spectra, plan.n_fft)
        _kernels.frames_vjp(plan.x, plan.positions, plan.win_length, plan.shift, plan.code,
                            plan.area, first, g, grad_win[:, 0, :], grad_pos)

    _for_each_chunk(chunk, n_frames, _frame_chunk_size(plan))
    return grad_win, grad_pos


# ---------------------------------------------------------------------------- the adjoint


def _rotate_back(S, plan):
    """S · e^{-j2π m r_n / N} (B, F, T): removes the residual phase the forward added (a rotated copy)."""
    S = S.reshape((-1,) + S.shape[-2:])
    if plan.residual is None:
        return S
    frames = np.swapaxes(S, -1, -2)[:, :, None, :].copy()   # (B, T, 1, F), the layout rotate_bins takes
    _kernels.rotate_bins(frames, plan.residual, -1.0, 0, frames.shape[1])
    return np.swapaxes(frames[:, :, 0, :], -1, -2)


def _cell_overlap(plan, G, squared):
    """Σ_n of ``cell_adjoint``'s frames (B, K): S*(G), or diag(S*S) when squared (G unused)."""
    n_batch = plan.positions.shape[0]
    cos_table, sin_table = _twiddles(plan.n_fft)
    frames = np.zeros((n_batch, plan.positions.shape[1], plan.n_fft + 1))
    _kernels.cell_adjoint(plan.positions, plan.win_length, plan.shift, plan.code, plan.area,
                          cos_table, sin_table, np.ascontiguousarray(G.real),
                          np.ascontiguousarray(G.imag), squared, plan.n_samples, frames)
    out = np.zeros((n_batch, plan.n_samples))
    _kernels.add_frames(plan.positions, frames, out)
    return out


def adjoint(plan, G):
    """S*(G) of shape (B, K), float64, from G (..., F, T) complex (residual phase not yet removed)."""
    G = _rotate_back(G, plan)
    if plan.per_cell:
        return _cell_overlap(plan, G, squared=False)
    out = np.zeros((plan.positions.shape[0], plan.n_samples))
    # g_n[i] = Re Σ_m conj(G[m,n]) e^{-j2π m i/N}: an irfft of G·N/2 with
    # bins 0 and N/2 counted once (as in vjp)
    half = np.swapaxes(G, -1, -2) * (plan.n_fft / 2)
    half[..., 0] *= 2
    half[..., -1] *= 2
    g = np.fft.irfft(half, n=plan.n_fft, axis=-1)
    _kernels.overlap_add(plan.positions, plan.win_length, plan.shift, plan.code, plan.area, g,
                         False, out, np.zeros_like(out))
    return out


def cell_diagonal(plan):
    """diag(S*S)[k] = Σ_{m,n} ω(k - t_n; θ[m,n])² (B, K): zero exactly where no window reaches sample k."""
    unused = np.zeros((1, 1, 1), dtype=np.complex128)
    return _cell_overlap(plan, unused, squared=True)


def overlap_add(plan, S):
    """Σ_n ω_n(k - t_n) y_n[(k - s_n) mod N] and Σ_n ω_n(k - t_n)², each (B, K); y_n = irfft of frame n."""
    S = _rotate_back(S, plan)
    frames = np.fft.irfft(np.swapaxes(S, -1, -2), n=plan.n_fft, axis=-1)
    n_batch = frames.shape[0]
    numerator = np.zeros((n_batch, plan.n_samples))
    weight = np.zeros((n_batch, plan.n_samples))
    _kernels.overlap_add(plan.positions, plan.win_length, plan.shift, plan.code, plan.area,
                         np.ascontiguousarray(frames), True, numerator, weight)
    return numerator, weight


# ---------------------------------------------------------------------- the loss chain


class Workspace:
    """Work arrays that the evaluations of one fit reuse (the plan's shapes do not change between them).

    A fresh array of tens of MB costs page faults at its first touch, on
    every call; a workspace keeps one per name (any hashable, such as
    (name, first frame of a task)).
    """

    def __init__(self):
        self._arrays = {}

    def array(self, name, shape, dtype):
        """The array called `name`, uninitialised, reallocated when its shape or dtype changed."""
        found = self._arrays.get(name)
        if found is None or found.shape != shape or found.dtype != dtype:
            found = self._arrays[name] = np.empty(shape, dtype=dtype)
        return found


def loss_value_and_grad(plan, form, p, work=None, need_grad=True):
    """L(Y = |S|^p) and its gradients for a loss with per-frame sums (``losses._FrameSums``), in two passes.

    Pass 1, per task of frames: the transform (the frame path keeps U, S
    without its residual phase, since |U| = |S|; the cell path the partials
    of |S|, ``magnitude_partials``), then Y, the loss's terms a and the
    per-frame sums (``frame_sums``). ``form.finish`` turns the sums into the
    value and ∂L/∂Y = slope·a + offset. Pass 2, per task: the cotangent
    G = ∂L/∂Y p|S|^{p-1} S/|S| straight into the irfft input and the dot
    products of ``frames_vjp`` (frame path), or ∂L/∂Y p|S|^{p-1} ∂|S|/∂ψ
    (``cell_loss_vjp``). A loss of |S| does not see the phase of S, so the
    phase term of ∂S/∂t_n contributes nothing and G needs no rotation.

    Returns (value, grad_win (B, 1, T) or (B, F, T), grad_pos (B, T)), the
    gradients None without need_grad; None when ``form.finish`` declines
    (sums outside its range) or the result is not finite, so that the
    caller takes the route through Y.
    """
    work = work if work is not None else Workspace()
    n_batch, n_frames = plan.positions.shape
    real, complex_ = plan.dtype, _complex_dtype(plan)
    sums = work.array("sums", (n_batch, n_frames, 2), np.float64)

    def task_array(name, first, last, dtype):
        # one C-contiguous array per task: the kernels see the same layout as the loss functions give them
        return work.array((name, first), (n_batch, last - first, plan.n_bins), dtype)

    if plan.per_cell:
        def first_pass(first, last):
            partials = [_scratch(name, (n_batch, last - first, plan.n_bins), complex_)
                        for name in ("S", "dS_dwin", "dS_dpos")]
            _cell_partials(plan, first, last, *partials)
            mag, dmag_dwin, dmag_dpos = (task_array(name, first, last, real) for name in ("mag", "dmag_dwin",
                                                                                      "dmag_dpos"))
            _kernels.magnitude_partials(*partials, mag, dmag_dwin, dmag_dpos)
            Y = mag if p == 1.0 else mag**p
            _kernels.frame_sums(Y, form.terms(Y, task_array("terms", first, last, real)), first, sums)

        chunk_size = _cell_chunk_size(plan)
    else:
        def first_pass(first, last):
            spectra = task_array("spectra", first, last, complex_)
            _transformed_frames(plan, VALUE, first, spectra)
            Y = _scratch("Y", (n_batch, last - first, plan.n_bins), real)
            _kernels.raised_magnitudes(spectra, p, Y)
            _kernels.frame_sums(Y, form.terms(Y, task_array("terms", first, last, real)), first, sums)

        chunk_size = _frame_chunk_size(plan)
    _for_each_chunk(first_pass, n_frames, chunk_size)
    finished = form.finish(sums)
    if finished is None:
        return None
    value, slope, offset = finished
    if not need_grad:
        return value, None, None
    slope, offset = slope.astype(real), offset.astype(real)   # the kernels' fast loops work in S's precision
    grad_pos = np.empty((n_batch, n_frames))
    if plan.per_cell:
        grad_win = np.empty(plan.win_length.shape)
        _for_each_chunk(lambda first, last: _kernels.cell_loss_vjp(
            *(task_array(name, first, last, real) for name in ("mag", "dmag_dwin", "dmag_dpos", "terms")),
            slope, offset, p, first, grad_win, grad_pos), n_frames, chunk_size)
    else:
        grad_win = np.empty((n_batch, 1, n_frames))

        def second_pass(first, last):
            cotangent = _scratch("cotangent", (n_batch, last - first, 1, plan.n_bins), complex_)
            _kernels.magnitude_cotangent_frames(task_array("spectra", first, last, complex_),
                                                task_array("terms", first, last, real), slope, offset, p,
                                                first, cotangent)
            g = _irfft(cotangent, plan.n_fft)
            _kernels.frames_vjp(plan.x, plan.positions, plan.win_length, plan.shift, plan.code, plan.area,
                                first, g, grad_win[:, 0, :], grad_pos)

        _for_each_chunk(second_pass, n_frames, chunk_size)
    if not (np.all(np.isfinite(grad_win)) and np.all(np.isfinite(grad_pos))):
        return None
    return value, grad_win, grad_pos



def _as_frames(a):
    """`a` (..., F, T) as (B, T', F') frames for the loss kernels: the swap of its last two axes when that is
    frame-major memory (what stft returns), else `a` itself; batch axes flattened, contiguous."""
    frames = _frame_major(a)(a)
    frames = np.ascontiguousarray(frames.reshape((1,) * (2 - frames.ndim) + frames.shape))
    return frames.reshape((-1,) + frames.shape[-2:])


def raised_magnitude(S, p):
    """Y = |S|^p, |S| computed as in a fit's fused passes (``raised_magnitudes``), S of any shape."""
    swap = _frame_major(S)
    frames = _as_frames(S)
    Y = np.empty(frames.shape, dtype=np.finfo(S.dtype).dtype)
    _kernels.raised_magnitudes(frames, p, Y)
    return swap(Y.reshape(swap(S).shape))


def frame_sums(form, Y):
    """The terms a = form.terms(Y) and the per-frame sums (Σ Y, Σ Y·a) of Y (..., F, T), by a fit's kernels.

    Returns a (..., T, F) and the sums (..., T, 2), frames along the second last axis.
    """
    frames = np.ascontiguousarray(np.swapaxes(Y, -1, -2))
    batch = frames.reshape((-1,) + frames.shape[-2:])
    terms = form.terms(batch, np.empty_like(batch))
    sums = np.empty(batch.shape[:2] + (2,))
    _kernels.frame_sums(batch, terms, 0, sums)
    return terms.reshape(frames.shape), sums.reshape(frames.shape[:-1] + (2,))


def raised_magnitude_vjp(S, dL_dY, p):
    """G = (∂L/∂Y) p |S|^{p-1} S/|S| for Y = |S|^p (0 at S = 0), in one pass; raises if G overflows."""
    swap = _frame_major(S)
    S_w, dL_dY_w = (np.ascontiguousarray(swap(a)) for a in (S, dL_dY))
    G_w = np.empty(S_w.shape, dtype=np.result_type(S.dtype, dL_dY.dtype, np.complex64))
    _kernels.magnitude_cotangent(S_w.reshape(-1), dL_dY_w.reshape(-1), p, G_w.reshape(-1))
    check_finite_output(G_w, "G", "Scale dL_dY or S down (G grows like p |S|^(p-1) ∂L/∂Y)")
    return swap(G_w)


def _frame_major(S):
    """Swap of the last two axes if S is an (F, T) view of frame-major memory (what stft returns), else identity.

    Walking such arrays in memory order avoids copying them.
    """
    if S.ndim >= 2 and np.swapaxes(S, -1, -2).flags.c_contiguous:
        return lambda a: np.swapaxes(a, -1, -2)
    return lambda a: a
