"""The differentiable STFT: forward transform, its partial derivatives and its VJP.

Public functions validate and broadcast, move the batch into one leading
axis, and call the kernels of ``_kernels``. Symbols as in docs/derivation.md §0:
x[k] (k < K), bin m < F = N/2 + 1, frame n < T, window length θ, position
t_n, n_fft N.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from . import _kernels
from ._options import PHASES, transform_codes
from ._validation import (
    check_finite,
    check_finite_output,
    check_memory,
    check_n_fft,
    check_positions,
    check_signal,
    check_win_length,
)
from .windows import NEG_D_OFFSET, VALUE, D_WIN

__all__ = ["stft", "stft_partials", "stft_vjp"]

_ABSOLUTE, _CENTER, _START = range(len(PHASES))


class _Plan(NamedTuple):
    """Validated, broadcast inputs in the kernels' layout (B = flattened batch)."""

    x: np.ndarray            # (B, K) float32 or float64
    positions: np.ndarray    # (B, T) float64, clipped to where samples can be reached
    win_length: np.ndarray   # (B, T), or (B, F, T) when per_cell
    per_cell: bool           # θ varies along frequency
    shift: np.ndarray        # (B, T) int64, integer part s_n of the phase reference
    residual: np.ndarray     # (B, T) float64 r_n, or None when all r_n = 0
    batch_shape: tuple
    n_fft: int
    code: int                # window code
    area: bool               # norm == "area"
    phase: int               # phase code

    @property
    def n_bins(self):
        """F = N/2 + 1."""
        return self.n_fft // 2 + 1

    @property
    def output_shape(self):
        """(..., F, T): the shape of S (and of its cotangent) as the caller sees it."""
        return self.batch_shape + (self.n_bins, self.positions.shape[1])


def _prepare(x, win_length, positions, n_fft, window, norm, phase, *, keep_cells=False):
    """Validate and broadcast the arguments shared by stft, stft_partials and stft_vjp.

    With keep_cells=False a θ that is (F, T)-shaped but constant along
    frequency takes the frame path (same values, one FFT per frame).
    """
    code, area, phase_code = transform_codes(window, norm, phase)
    n_fft = check_n_fft(n_fft)
    x = check_signal(x)
    positions = check_positions(positions)
    theta = check_win_length(win_length, n_fft)
    n_bins = n_fft // 2 + 1
    n_samples = x.shape[-1]
    n_frames = positions.shape[-1]

    theta = theta.reshape((1,) * (2 - theta.ndim) + theta.shape)
    if theta.shape[-2] not in (1, n_bins) or theta.shape[-1] not in (1, n_frames):
        raise ValueError(
            f"win_length of shape {np.shape(win_length)} does not broadcast to (..., F, T) = "
            f"(..., {n_bins}, {n_frames}); use a scalar, (1, T), (F, 1) or (F, T)"
        )
    try:
        batch_shape = np.broadcast_shapes(x.shape[:-1], positions.shape[:-1], theta.shape[:-2])
    except ValueError:
        raise ValueError(
            f"batch axes do not broadcast: x {x.shape[:-1]}, positions {positions.shape[:-1]}, "
            f"win_length {theta.shape[:-2]}"
        ) from None
    n_batch = int(np.prod(batch_shape, dtype=np.int64))

    per_cell = theta.shape[-2] == n_bins and n_bins > 1
    if per_cell and not keep_cells and np.all(theta == theta[..., :1, :]):
        theta = theta[..., :1, :]
        per_cell = False
    if not per_cell:
        check_memory(n_batch * n_frames * n_fft * x.itemsize * 3, "the frame buffer (batch, T, n_fft)")
        theta = np.broadcast_to(theta[..., 0, :], batch_shape + (n_frames,))
    else:
        theta = np.broadcast_to(theta, batch_shape + (n_bins, n_frames))
    check_memory(n_batch * n_bins * n_frames * 2 * x.itemsize * 3, "the output (batch, F, T)")
    if x.shape[:-1] != batch_shape:
        check_memory(n_batch * n_samples * x.itemsize, "x copied along the batch axes (batch, K)")

    positions = np.broadcast_to(positions, batch_shape + (n_frames,)).reshape(n_batch, n_frames)
    # Frames further out than N samples see no sample at all: clipping them
    # changes nothing but keeps the kernels' integer arithmetic in range.
    reachable = np.clip(positions, -n_fft, n_samples + n_fft)
    if phase_code == _ABSOLUTE:
        shift = np.zeros(positions.shape, dtype=np.int64)
        residual = None
    else:
        nearest = np.rint(reachable)
        shift = nearest.astype(np.int64) - (n_fft // 2 if phase_code == _START else 0)
        residual = positions - np.rint(positions)
        if not np.any(residual):
            residual = None
    return _Plan(
        x=np.ascontiguousarray(np.broadcast_to(x, batch_shape + (n_samples,)).reshape(n_batch, n_samples)),
        positions=np.ascontiguousarray(reachable),
        win_length=np.ascontiguousarray(theta.reshape((n_batch,) + theta.shape[len(batch_shape):])),
        per_cell=per_cell,
        shift=shift,
        residual=residual,
        batch_shape=batch_shape,
        n_fft=n_fft,
        code=code,
        area=area,
        phase=phase_code,
    )


def _complex_dtype(plan):
    return np.result_type(plan.x.dtype, np.complex64)


def _residuals(plan):
    """r_n of shape (B, T) for the kernels (zeros when every r_n = 0)."""
    return plan.residual if plan.residual is not None else np.zeros(plan.positions.shape)


#: Samples (B · frames · N) of the frame buffer of one task: it stays in the CPU cache
#: between the kernel that fills it and the FFT that reads it.
_TASK_SAMPLES = 2**17

#: The thread pool of the frame path, created at first use (and dropped in forked children).
_pool = []
os.register_at_fork(after_in_child=_pool.clear)

#: numpy.fft takes out= from NumPy 2.0 on.
_FFT_HAS_OUT = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def _for_each_chunk(func, n_frames, size):
    """func(first, last) for consecutive chunks of `size` frames, spread over the CPU cores.

    The kernels (nogil) and numpy.fft release the GIL, so the chunks run in
    parallel on one thread pool: the only parallelism of the transforms.
    """
    chunks = [(first, min(first + size, n_frames)) for first in range(0, n_frames, size)]
    if len(chunks) == 1:
        func(*chunks[0])
        return
    if not _pool:
        _pool.append(ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="dstft_np"))
    for _ in _pool[0].map(lambda chunk: func(*chunk), chunks):
        pass


def _frame_chunk_size(plan):
    """Frames per task of the frame path: a buffer of _TASK_SAMPLES samples.

    It stays in the CPU cache between the kernel that fills it and the FFT
    that reads it, and the allocator reuses it: no large scratch array
    (whose first touch costs page faults) and no pass over memory between
    filling the frames and transforming them.
    """
    return max(1, _TASK_SAMPLES // (plan.positions.shape[0] * plan.n_fft))


def _cell_chunk_size(plan):
    """Frames per task of the cell path: about four tasks per core, for balance."""
    n_frames = plan.positions.shape[1]
    return max(1, -(-n_frames // (4 * (os.cpu_count() or 1))))


def _fft_into(fft, a, out, **kwargs):
    """out[...] = fft(a, axis=-1, **kwargs), without a temporary where NumPy allows.

    Overflow is not warned about here: the public functions check their
    results and raise a clear error instead (``check_finite_output``).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        if _FFT_HAS_OUT:
            fft(a, axis=-1, out=out, **kwargs)
        else:
            out[...] = fft(a, axis=-1, **kwargs)


def _transform(plan, which):
    """Σ_k w(k - t_n) x[k] e^{-j2π m φ_n(k)/N} for w = ω, ∂ω/∂θ or -∂ω/∂u: (B, F, T)."""
    n_batch, n_frames = plan.positions.shape
    n_bins = plan.n_bins
    if plan.per_cell:
        out = np.empty((n_batch, n_bins, n_frames), dtype=_complex_dtype(plan))
        cos_table, sin_table = _twiddles(plan.n_fft)
        residual = _residuals(plan)
        _for_each_chunk(lambda first, last: _kernels.cell_transform(
            plan.x, plan.positions, plan.win_length, plan.shift, residual, which, plan.code, plan.area,
            cos_table, sin_table, first, last, out), n_frames, _cell_chunk_size(plan))
        return out
    spectra = np.empty((n_batch, n_frames, 1, n_bins), dtype=_complex_dtype(plan))

    def chunk(first, last):
        frames = np.empty((n_batch, last - first, plan.n_fft), dtype=plan.x.dtype)
        _kernels.fill_frames(plan.x, plan.positions, plan.win_length, plan.shift, which,
                             plan.code, plan.area, first, frames)
        _fft_into(np.fft.rfft, frames, spectra[:, first:last, 0])
        if plan.residual is not None:
            _kernels.rotate_bins(spectra, plan.residual, 1.0, first, last)

    _for_each_chunk(chunk, n_frames, _frame_chunk_size(plan))
    return np.swapaxes(spectra[:, :, 0], -1, -2)


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


def _unbatch(arr, plan):
    return arr.reshape(plan.batch_shape + arr.shape[1:])


_DOC_PARAMETERS = """x : array_like [shape=(..., K)], real
        The signal; float32 stays float32, other real types become float64.
        Zero outside 0 <= k < K.
    win_length : array_like, float
        θ, window lengths in samples, 0 < θ <= n_fft, broadcastable to
        (..., F, T): a scalar, (1, T) or (T,) per frame, (F, 1) per bin,
        (F, T) per cell, with optional leading batch axes.
    positions : array_like [shape=(..., T)], float
        t_n, window centres in samples; any real value (frames that reach
        no sample are zero).
    n_fft : int
        N, even; F = N/2 + 1 one-sided bins.
    window : {"hann", "blackman", "gaussian"}
        Base window h, see ``dstft_np.windows``.
    norm : {"area", None}
        c(θ) = N/θ ("area", the paper's) or 1.
    phase : {"absolute", "center", "start"}
        Phase reference φ_n(k) = k, k - t_n or k - (t_n - N/2)."""


def stft(x, win_length, positions, *, n_fft, window="hann", norm="area", phase="absolute"):
    """Differentiable STFT with real-valued window lengths and positions.

    S[..., m, n] = Σ_k ω(k - t_n; θ[..., m, n]) x[..., k] e^{-j2π m φ_n(k)/N}

    Parameters
    ----------
    {params}

    Returns
    -------
    S : np.ndarray [shape=(..., F, T)], complex64 or complex128
        Matching the precision of x. The batch shape is the broadcast of
        those of x, positions and win_length.

    Raises
    ------
    ValueError
        Non-finite values, θ outside (0, n_fft], odd n_fft, shapes that do
        not broadcast, an unknown option, an output above the memory limit,
        or a result that overflows its float type (never a silent inf/NaN).
    TypeError
        Complex or non-numeric x, win_length or positions; non-integer n_fft.

    Notes
    -----
    When θ is constant along frequency each frame costs one rfft of length
    N; otherwise the sum runs over (m, n, k) in O(F·T·N) time and O(F·T)
    memory. At θ = N, t_n = n·hop, phase="center" it equals
    ``scipy.signal.ShortTimeFFT(hann(N, sym=False), hop, 1, mfft=N)``.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> x = np.sin(0.3 * np.arange(4000))
    >>> t = dstft_np.frame_positions(4000, hop_length=128)
    >>> S = dstft_np.stft(x, 300.5, t, n_fft=512)
    >>> S.shape
    (257, 32)
    """
    plan = _prepare(x, win_length, positions, n_fft, window, norm, phase)
    S = _unbatch(_transform(plan, VALUE), plan)
    check_finite_output(S, "S")
    return S


def stft_partials(x, win_length, positions, *, n_fft, window="hann", norm="area", phase="absolute"):
    """S with its closed-form partial derivatives ∂S/∂θ and ∂S/∂t_n.

    ∂S[m,n]/∂θ[m,n] = Σ_k ∂ω/∂θ(k - t_n) x[k] e^{-j2π m φ_n(k)/N},
    ∂ω/∂θ = -(1/θ)[(1 - δ) ω + u ω'(u)] (δ = 0 for "area", 1 for None);
    ∂S[m,n]/∂t_n = -Σ_k ω'(k - t_n) x[k] e^{-j2π m φ_n(k)/N} + j2π m/N S[m,n]
    (the last term for phase "center" and "start" only). Each S[m, n]
    depends on θ[m, n] and t_n alone, so these two arrays are the whole
    Jacobian.

    Parameters
    ----------
    {params}

    Returns
    -------
    S, dS_dwin, dS_dpos : np.ndarray [shape=(..., F, T)], complex

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> x = np.random.default_rng(0).standard_normal(2000)
    >>> S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, 200.0, [500.0, 1000.5], n_fft=256)
    >>> dS_dwin.shape
    (129, 2)
    """
    plan = _prepare(x, win_length, positions, n_fft, window, norm, phase)
    S = _transform(plan, VALUE)
    dS_dwin = _transform(plan, D_WIN)
    dS_dpos = _transform(plan, NEG_D_OFFSET)
    rate = _phase_rate(plan)
    if rate is not None:
        dS_dpos += rate * S
    for name, value in (("S", S), ("dS_dwin", dS_dwin), ("dS_dpos", dS_dpos)):
        check_finite_output(value, name)
    return _unbatch(S, plan), _unbatch(dS_dwin, plan), _unbatch(dS_dpos, plan)


def _sum_to_shape(grad, shape):
    """Sum `grad` over the axes that broadcasting added to an array of `shape`."""
    lead = grad.ndim - len(shape)
    if lead > 0:
        grad = grad.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, size in enumerate(shape) if size == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _check_cotangent(grad_S, plan):
    shape = plan.output_shape
    grad_S = np.asarray(grad_S)
    if grad_S.dtype.kind not in "biufc":
        raise TypeError(f"grad_S must be a numeric (complex) array, got dtype {grad_S.dtype}")
    if grad_S.shape != shape:
        raise ValueError(f"grad_S must have the shape of S, {shape}, got {grad_S.shape}")
    check_finite(grad_S, "grad_S")
    return grad_S.reshape((-1,) + shape[-2:])


def stft_vjp(x, win_length, positions, grad_S, *, n_fft, window="hann", norm="area",
             phase="absolute"):
    """Vector–Jacobian product: the gradients of a real loss L(S) with respect to θ and t_n.

    With the complex cotangent G = ∂L/∂Re S + j ∂L/∂Im S:
    ∂L/∂θ[m,n] = Re(conj(G[m,n]) ∂S[m,n]/∂θ[m,n]) and
    ∂L/∂t_n = Σ_m Re(conj(G[m,n]) ∂S[m,n]/∂t_n), summed over the axes along
    which win_length and positions were broadcast.

    Parameters
    ----------
    {params}
    grad_S : array_like [shape=(..., F, T)], complex
        G, of the shape stft returns.

    Returns
    -------
    grad_win : np.ndarray [shape=np.shape(win_length)], float64
    grad_pos : np.ndarray [shape=np.shape(positions)], float64

    Notes
    -----
    When θ is constant along frequency (scalar, per frame), the one-sided
    inverse DFT g_n[k] = Re Σ_m conj(G[m,n]) e^{-j2π m φ_n(k)/N} costs one
    irfft per frame and the gradients are two dot products per frame. When
    win_length has a frequency axis, the sum runs over (m, n, k) in
    O(F·T·N) time and O(F·T) memory. No (F, T, N) array is ever formed.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> x = np.random.default_rng(0).standard_normal(2000)
    >>> t = dstft_np.frame_positions(2000, 250)
    >>> S = dstft_np.stft(x, 200.0, t, n_fft=256)
    >>> grad_win, grad_pos = dstft_np.stft_vjp(x, 200.0, t, 2 * S, n_fft=256)  # L = Σ|S|²
    >>> grad_win.shape, grad_pos.shape
    ((), (9,))
    """
    win_shape = np.shape(win_length)
    pos_shape = np.shape(positions) or (1,)
    plan = _prepare(x, win_length, positions, n_fft, window, norm, phase, keep_cells=True)
    G = _check_cotangent(grad_S, plan).astype(_complex_dtype(plan), copy=False)
    n_batch, n_frames = plan.positions.shape
    with_phase = plan.phase != _ABSOLUTE
    grad_pos = np.empty((n_batch, n_frames))
    if plan.per_cell:
        grad_win = np.empty(plan.win_length.shape)
        cos_table, sin_table = _twiddles(plan.n_fft)
        residual = _residuals(plan)
        g_re, g_im = np.ascontiguousarray(G.real), np.ascontiguousarray(G.imag)
        _for_each_chunk(lambda first, last: _kernels.cell_vjp(
            plan.x, plan.positions, plan.win_length, plan.shift, residual, plan.code, plan.area, with_phase,
            cos_table, sin_table, g_re, g_im, first, last, grad_win, grad_pos), n_frames, _cell_chunk_size(plan))
    else:
        # X = G̃ (and -j2π m/N G̃ for the phase term), G̃ = G e^{-j2π m r_n/N}, bins last
        G_frames = np.swapaxes(G, -1, -2)[:, :, None, :]
        if with_phase or plan.residual is not None:
            spectra = np.empty((n_batch, n_frames, 1 + with_phase, G.shape[-2]), dtype=G.dtype)
            spectra[:, :, :1] = G_frames
            if with_phase:
                spectra[:, :, 1] = G_frames[:, :, 0] * _phase_rate(plan)[:, 0] * -1.0
            if plan.residual is not None:
                _kernels.rotate_bins(spectra, plan.residual, -1.0, 0, n_frames)
        else:
            spectra = G_frames
        edges = np.stack([spectra[..., 0].real, spectra[..., -1].real], axis=-1).astype(np.float64)
        grad_win = np.empty((n_batch, 1, n_frames))

        def chunk(first, last):
            # norm="forward": g[i] = X_0 + 2 Σ_{0<m<N/2} Re(X_m e^{j2π m i/N}) + X_{N/2} (-1)^i
            g = np.empty((n_batch, last - first, spectra.shape[2], plan.n_fft), dtype=plan.x.dtype)
            _fft_into(np.fft.irfft, spectra[:, first:last], g, n=plan.n_fft, norm="forward")
            _kernels.frames_vjp(plan.x, plan.positions, plan.win_length, plan.shift, plan.code,
                                plan.area, first, g, edges, grad_win[:, 0, :], grad_pos)

        _for_each_chunk(chunk, n_frames, _frame_chunk_size(plan))
    grad_win = _sum_to_shape(_unbatch(grad_win, plan), win_shape)
    grad_pos = _sum_to_shape(_unbatch(grad_pos, plan), pos_shape).reshape(np.shape(positions))
    check_finite_output(grad_win, "grad_win")
    check_finite_output(grad_pos, "grad_pos")
    return grad_win, grad_pos


for _func in (stft, stft_partials, stft_vjp):
    _func.__doc__ = _func.__doc__.replace("{params}", _DOC_PARAMETERS)
del _func
