"""The differentiable STFT: forward transform, its partial derivatives and its VJP.

Public functions validate and broadcast their arguments once into a plan
and call the engine (``_engine``), which runs the kernels. Symbols as in
docs/derivation.md §0: x[k] (k < K), bin m < F = N/2 + 1, frame n < T,
window length θ, position t_n, n_fft N.
"""

import numpy as np

from . import _engine
from ._options import TRANSFORM_PARAMETERS, VALUE
from ._validation import check_finite, check_finite_output

__all__ = ["stft", "stft_partials", "stft_vjp"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


def stft(x, win_length, positions=None, *, hop_length=None, n_fft, window="hann", norm="area",
         phase="absolute"):
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
        Complex or non-numeric x, win_length or positions; non-integer n_fft;
        both or neither of positions and hop_length.

    Warns
    -----
    UserWarning
        A scalar positions with more than 2·n_fft samples of x: one frame
        sees less than half of x, which is what a hop passed as positions
        (``stft(x, 512, 256, n_fft=1024)``) gives; the message suggests
        ``hop_length=``. Pass ``[t]`` for one deliberate frame.

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
    >>> bool(np.array_equal(dstft_np.stft(x, 300.5, hop_length=128, n_fft=512), S))
    True
    """
    plan = _engine.prepare(x, win_length, positions, hop_length, n_fft=n_fft, window=window, norm=norm,
                           phase=phase)
    return _engine.unbatch(_engine.transform(plan, VALUE, check="S"), plan)


def stft_partials(x, win_length, positions=None, *, hop_length=None, n_fft, window="hann", norm="area",
                  phase="absolute"):
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
    plan = _engine.prepare(x, win_length, positions, hop_length, n_fft=n_fft, window=window, norm=norm,
                           phase=phase)
    results = _engine.partials(plan)
    for name, value in zip(("S", "dS_dwin", "dS_dpos"), results):
        check_finite_output(value, name)
    return tuple(_engine.unbatch(value, plan) for value in results)


def _check_cotangent(grad_S, plan):
    shape = plan.output_shape
    grad_S = np.asarray(grad_S)
    if grad_S.dtype.kind not in "biufc":
        raise TypeError(f"grad_S must be a numeric (complex) array, got dtype {grad_S.dtype}")
    if grad_S.shape != shape:
        raise ValueError(f"grad_S must have the shape of S, {shape}, got {grad_S.shape}")
    check_finite(grad_S, "grad_S")
    return grad_S


def stft_vjp(x, win_length, positions=None, grad_S=None, *, hop_length=None, n_fft, window="hann",
             norm="area", phase="absolute"):
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
        With hop_length: shape (T,), the gradient with respect to the grid
        t_n = n·d; ∂L/∂d = Σ_n n · grad_pos[n].

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
    plan = _engine.prepare(x, win_length, positions, hop_length, n_fft=n_fft, window=window, norm=norm,
                           phase=phase, keep_cells=True)
    grad_win, grad_pos = _engine.vjp(plan, _check_cotangent(grad_S, plan))
    grad_win = _engine.reduce_to(grad_win, plan, np.shape(win_length))
    grad_pos = _engine.reduce_to(grad_pos, plan, _engine.positions_shape(positions, plan))
    check_finite_output(grad_win, "grad_win")
    check_finite_output(grad_pos, "grad_pos")
    return grad_win, grad_pos


for _func in (stft, stft_partials, stft_vjp):
    _func.__doc__ = _func.__doc__.replace("{params}", TRANSFORM_PARAMETERS)
del _func
