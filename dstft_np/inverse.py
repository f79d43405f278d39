"""The inverse transform: weighted overlap-add, or least squares by conjugate gradients.

Symbols as in docs/derivation.md §0: signal x[k] (k < K = ``length``), bin m < F =
N/2 + 1, frame n < T, window length θ, position t_n, n_fft N. The forward
map x ↦ S is linear in x; its adjoint (for the real inner product
⟨S, G⟩ = Re Σ conj(G) S) is

    S*(G)[k] = Σ_{m,n} ω(k - t_n; θ[m,n]) Re(conj(G[m,n]) e^{-j2π m φ_n(k)/N})

which is also ∂L/∂x for a loss L(S) with cotangent G.
"""

import warnings
from typing import NamedTuple

import numpy as np

from . import _engine
from ._options import VALUE
from ._validation import (check_complex, check_finite_output, check_flag, check_framing, check_hop,
                          check_integer, check_memory, check_number, check_positions)

__all__ = ["istft", "stft_adjoint", "InverseInfo"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


class InverseInfo(NamedTuple):
    """How ``istft`` reconstructed x, returned with ``return_info=True``.

    method : {"overlap-add", "cg"}
        Weighted overlap-add (θ constant along frequency) or conjugate
        gradients on the normal equations (θ varies along frequency).
    residual : float
        max over the batch of ‖S - stft(x̂)‖ / ‖S‖ (float64): near machine
        precision when S is the transform of a signal; when it is not (an
        edited spectrogram), the distance of S from the nearest one.
    iterations : int
        Conjugate-gradient iterations (0 for overlap-add).
    converged : bool
        Conjugate gradients met their stopping rule (``istft``'s `rtol`);
        always True for overlap-add.
    """

    method: str
    residual: float
    iterations: int
    converged: bool


def _check_length(length):
    return check_integer(length, "length", minimum=1, allowed="number of samples >= 1")


def _check_spectrum(S, name):
    """S as complex64/complex128 of at least two dimensions, finite."""
    S = check_complex(S, name)
    if S.ndim < 2:
        raise ValueError(f"{name} must have shape (..., F, T), got shape {S.shape}")
    return S


#: What to change when a reconstruction overflows although S is finite.
_INVERSE_ADVICE = ("Scale S down, or keep win_length away from 0 (the window weight Σ ω² grows like "
                   "(n_fft/θ)²)")


def _covered_length(positions):
    """istft's default length: the samples up to the last frame centre, ⌊max_n t_n⌋ + 1."""
    last = float(np.max(positions))
    if last < 0:
        raise ValueError(f"length has no default when every position is below 0 (the largest is {last:g}): "
                         "pass length, the number of samples to reconstruct")
    return int(np.floor(last)) + 1


def _plan_for(S, name, win_length, positions, hop_length, n_fft, length, window, norm, phase):
    """The transform plan, without samples, of a signal whose STFT has the shape of S.

    t_n = positions, or n·hop_length for the T frames of S; `length` None
    is ``_covered_length``. The plan's precision is the real one of S.
    Raises when S's shape is not (..., F, T) of that transform.
    """
    check_framing(positions, hop_length)
    positions = np.arange(S.shape[-1]) * check_hop(hop_length) if positions is None else check_positions(positions)
    length = _covered_length(positions) if length is None else _check_length(length)
    real_dtype = np.float32 if S.dtype == np.complex64 else np.float64
    signal = _engine.signal_shape(S.shape[:-2], length, real_dtype, n_fft=n_fft, window=window, norm=norm,
                                  phase=phase)
    plan = _engine.prepare_frames(signal, win_length, positions)
    expected = plan.output_shape
    if S.shape != expected:
        raise ValueError(
            f"{name} must have shape (..., F, T) = {expected} for n_fft={plan.n_fft} and "
            f"{plan.positions.shape[1]} positions (batch axes of positions and win_length included), "
            f"got {S.shape}"
        )
    n_batch, n_frames = plan.positions.shape
    check_memory(n_batch * length * 8 * 2, "the reconstruction and its window weight (batch, length)")
    if plan.per_cell:
        check_memory(n_batch * n_frames * (plan.n_fft + 1) * 8, "the adjoint's frame buffer (batch, T, n_fft + 1)")
    return plan


def _check_covered(weight, eps, batch_shape):
    """Raise a ValueError naming the first sample whose window weight Σ_n ω² is (numerically) zero."""
    uncovered = weight <= eps * weight.max(axis=-1, keepdims=True)
    if not np.any(uncovered):
        return
    b, k = (int(i) for i in np.argwhere(uncovered)[0])
    item = tuple(int(i) for i in np.unravel_index(b, batch_shape))
    where = f" of batch item {item}" if batch_shape else ""
    raise ValueError(
        f"sample {k}{where} is covered by no window: its window weight Σ ω(k - t_n)² = "
        f"{weight[b, k]:.3g} is at most eps = {eps:.2g} times the largest; move positions or "
        f"lengthen win_length so that every sample of [0, length={weight.shape[-1]}) lies inside "
        "some window, or shorten length"
    )


def _relative_norms(numerator, denominator):
    """max over the batch of ‖numerator_b‖ / ‖denominator_b‖ (0 where the denominator is 0)."""
    axes = tuple(range(1, numerator.ndim))
    num = np.sqrt(np.sum(np.abs(numerator) ** 2, axis=axes))
    den = np.sqrt(np.sum(np.abs(denominator) ** 2, axis=axes))
    return float(np.max(np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)))


def _forward(plan, x):
    return _engine.transform(_engine.with_signal(plan, x), VALUE)


def _overlap_add(S, plan):
    """x̂[k] = Σ_n ω_n(k - t_n) y_n[(k - s_n) mod N] / Σ_n ω_n(k - t_n)², y_n = irfft of frame n."""
    numerator, weight = _engine.overlap_add(plan, S)
    check_finite_output(weight, "the window weight Σ ω(k - t_n)²", _INVERSE_ADVICE)
    _check_covered(weight, np.finfo(plan.dtype).eps, plan.batch_shape)
    return numerator / weight


def _conjugate_gradients(S, plan, diagonal, rtol, max_iter):
    """CGLS with a Jacobi preconditioner: min_x ‖S - A x‖² for A = stft, one step size per batch item.

    Runs on z = D^{1/2} x with D = diag(A*A) (B, K), i.e. on the normal
    equations of A D^{-1/2}, until ‖D^{-1/2} A*(S - A x)‖ <= rtol ‖D^{-1/2} A* S‖.
    Returns (x (B, K) float64, iterations, that ratio, largest over the batch).
    """
    S = S.reshape((-1,) + S.shape[-2:]).astype(np.complex128, copy=False)
    scale = 1.0 / np.sqrt(diagonal)
    z = np.zeros(diagonal.shape)
    residual = S.copy()
    gradient = scale * _engine.adjoint(plan, residual)
    gamma = np.sum(gradient**2, axis=-1)
    initial = np.sqrt(gamma)
    direction = gradient.copy()
    iterations = 0
    while iterations < max_iter and np.any(np.sqrt(gamma) > rtol * initial):
        image = _forward(plan, scale * direction)
        curvature = np.sum(np.abs(image) ** 2, axis=(-2, -1))
        alpha = np.divide(gamma, curvature, out=np.zeros_like(gamma), where=curvature > 0)
        z += alpha[:, None] * direction
        residual -= alpha[:, None, None] * image
        gradient = scale * _engine.adjoint(plan, residual)
        gamma_new = np.sum(gradient**2, axis=-1)
        beta = np.divide(gamma_new, gamma, out=np.zeros_like(gamma), where=gamma > 0)
        direction = gradient + beta[:, None] * direction
        gamma = gamma_new
        iterations += 1
    ratio = np.divide(np.sqrt(gamma), initial, out=np.zeros_like(gamma), where=initial > 0)
    return scale * z, iterations, float(np.max(ratio))


def istft(S, win_length, positions=None, *, hop_length=None, n_fft, length=None, window="hann", norm="area",
          phase="absolute", rtol=1e-12, max_iter=500, return_info=False):
    """Inverse STFT: the signal x of `length` samples whose transform is (closest to) S.

    Parameters
    ----------
    S : array_like [shape=(..., F, T)], complex
        A spectrogram with the conventions of ``stft``; complex64 gives a
        float32 signal, anything else float64.
    win_length : array_like, float
        θ as passed to ``stft``, broadcastable to (..., F, T).
    positions : array_like [shape=(..., T)], float, optional
        t_n as passed to ``stft``; any real values. Give positions or
        hop_length, not both.
    hop_length : float, optional, keyword-only
        d > 0: t_n = n·d for the T frames of S (``stft``'s hop_length).
    n_fft : int
        N, even; F = N/2 + 1.
    length : int, optional
        K, the number of samples to reconstruct (normally the length of the
        signal given to ``stft``; the forward treats x as zero beyond it).
        Default: the samples up to the last frame centre,
        K = ⌊max_n t_n⌋ + 1; see Notes.
    window, norm, phase
        As for ``stft``.
    rtol : float
        Conjugate gradients stop once ‖D^{-1/2} S*(S - stft(x̂))‖ <=
        rtol ‖D^{-1/2} S*(S)‖, D = diag(S*S) (θ varying along frequency only).
    max_iter : int
        Largest number of conjugate-gradient iterations.
    return_info : bool
        Also return an ``InverseInfo`` with the residual.

    Returns
    -------
    x : np.ndarray [shape=(..., K)], float32 or float64
    info : InverseInfo
        Only with ``return_info=True``.

    Raises
    ------
    ValueError
        A sample of [0, length) that no window covers (the message names
        the first), S of the wrong shape, non-finite values, bad options, a
        window weight or an x that overflows although S is finite.
    TypeError
        Non-numeric S, win_length or positions; both or neither of
        positions and hop_length; a length, n_fft or max_iter that is not
        an integer, an rtol that is not a number.

    Warns
    -----
    RuntimeWarning
        Conjugate gradients did not reach `rtol` within `max_iter` steps.

    Notes
    -----
    The default length. S does not record K: the default framing
    T = 1 + K // d gives the same T for every K in [(T-1)·d, T·d) (integer
    d), so the default reconstructs the samples through the last frame
    centre, (T-1)·d + 1 of them, and x[k] is recovered there wherever a
    window covers k (one sample more than K when K = (T-1)·d: it comes out
    0, as x is zero beyond K). Pass ``length=K`` for the samples after the
    last centre, and always when θ varies along frequency: the least
    squares below then fit S with the whole signal.

    θ constant along frequency (scalar, per frame, or (F, T) with equal
    rows): weighted overlap-add, exact for S = stft(x). Each frame's
    one-sided spectrum is rotated back by e^{-j2π m r_n/N} (the residual
    r_n of a non-integer position under phase "center"/"start"), inverted by
    one irfft to y_n, whose slot (k - s_n) mod N holds ω_n(k - t_n) x[k];
    then

        x̂[k] = Σ_n ω_n(k - t_n) y_n[(k - s_n) mod N] / Σ_n ω_n(k - t_n)²,

    the least-squares fit to the frames. When S is not a transform of any
    signal this is the Griffin–Lim estimate; ``info.residual`` says how far
    S is from one.

    Limitation: a support |k - t_n| <= θ/2 of N + 1 samples (θ = N with
    t_n - N/2 an integer) folds its two end samples into one buffer slot.
    For Hann and Blackman the window is zero there and nothing is lost; for
    the truncated Gaussian (non-zero edges) those two samples are left out
    of frame n, and a sample that only such an edge reaches counts as
    uncovered.

    A sample counts as uncovered when Σ_n ω_n(k - t_n)² <= eps × its
    largest value over the signal (eps of the working precision): its
    reconstruction would divide rounding errors by a vanishing weight.

    θ varying along frequency: no frame-wise inverse exists; x̂ minimises
    ‖S - stft(x)‖² by conjugate gradients on the normal equations
    S*(stft(x)) = S*(S) (CGLS in float64, preconditioned by the diagonal
    D[k] = Σ_{m,n} ω(k - t_n; θ[m,n])² of S*S), with the adjoint S* of the
    module docstring (``stft_adjoint``). Cost per iteration: one forward
    and one adjoint, O(F·T·N) each; a few tens of iterations when the
    windows overlap evenly.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> x = np.random.default_rng(0).standard_normal(1000)
    >>> t = dstft_np.frame_positions(1000, 64) + 0.3
    >>> S = dstft_np.stft(x, 200.0, t, n_fft=256, phase="center")
    >>> y = dstft_np.istft(S, 200.0, t, n_fft=256, length=1000, phase="center")
    >>> bool(np.max(np.abs(y - x)) < 1e-10)
    True
    >>> S = dstft_np.stft(x, 200.0, hop_length=64, n_fft=256)
    >>> y = dstft_np.istft(S, 200.0, hop_length=64, n_fft=256)   # through t_15 = 960
    >>> y.shape, bool(np.max(np.abs(y - x[:961])) < 1e-10)
    ((961,), True)
    """
    rtol = check_number(rtol, "rtol", "in (0, 1)", lambda r: 0 < r < 1)
    max_iter = check_integer(max_iter, "max_iter", minimum=1)
    return_info = check_flag(return_info, "return_info")
    S = _check_spectrum(S, "S")
    plan = _plan_for(S, "S", win_length, positions, hop_length, n_fft, length, window, norm, phase)
    # conjugate gradients and the reported residuals run in float64 whatever the precision of S
    plan64 = plan._replace(dtype=np.dtype(np.float64))
    if plan.per_cell:
        diagonal = _engine.cell_diagonal(plan64)
        check_finite_output(diagonal, "the window weight Σ_m,n ω(k - t_n; θ[m,n])²", _INVERSE_ADVICE)
        _check_covered(diagonal, np.finfo(np.float64).eps, plan.batch_shape)
        x, iterations, normal_residual = _conjugate_gradients(S, plan64, diagonal, rtol, max_iter)
        if normal_residual > rtol:
            warnings.warn(
                f"istft: conjugate gradients stopped after {iterations} iterations at a relative "
                f"normal residual of {normal_residual:.3g} > rtol={rtol:g}; raise max_iter or "
                "check that the windows cover the signal evenly",
                RuntimeWarning, stacklevel=2,
            )
    else:
        x = _overlap_add(S, plan)
        iterations, normal_residual = 0, 0.0
    x = _engine.unbatch(x.astype(plan.dtype, copy=False), plan)
    check_finite_output(x, "x", _INVERSE_ADVICE)
    if not return_info:
        return x
    S = S.reshape((-1,) + S.shape[-2:])
    misfit = S - _forward(plan64, x.reshape(-1, plan.n_samples))
    info = InverseInfo(
        method="cg" if plan.per_cell else "overlap-add",
        residual=_relative_norms(misfit, S),
        iterations=iterations,
        converged=normal_residual <= rtol,
    )
    return x, info


def stft_adjoint(grad_S, win_length, positions=None, *, hop_length=None, n_fft, length, window="hann",
                 norm="area", phase="absolute"):
    """The adjoint of x ↦ stft(x): S*(G), which is also ∂L/∂x for a loss with cotangent G.

    S*(G)[k] = Σ_{m,n} ω(k - t_n; θ[m,n]) Re(conj(G[m,n]) e^{-j2π m φ_n(k)/N}),
    so that ⟨stft(x), G⟩ = ⟨x, S*(G)⟩ with ⟨A, B⟩ = Re Σ conj(B) A.

    Parameters
    ----------
    grad_S : array_like [shape=(..., F, T)], complex
        G, shaped like the output of ``stft``.
    win_length, positions, n_fft, window, norm, phase
        As for ``stft``.
    length : int
        K, the length of the signal x.
    hop_length : float, optional, keyword-only
        d > 0: t_n = n·d for the T frames of grad_S, instead of positions.

    Returns
    -------
    grad_x : np.ndarray [shape=(..., K)], float64

    Raises
    ------
    ValueError
        grad_S of the wrong shape or non-finite, bad options, or a grad_x
        that overflows although every input is finite.
    TypeError
        Non-numeric grad_S, win_length or positions; a length or n_fft that
        is not an integer.

    Notes
    -----
    θ constant along frequency: one irfft per frame gives
    g_n[i] = Re Σ_m conj(G[m,n]) e^{-j2π m i/N}, then the overlap-add
    Σ_n ω_n(k - t_n) g_n[(k - s_n) mod N]. θ varying along frequency: a sum
    over (m, n, k) in O(F·T·N) time, O(T·N) memory.

    Examples
    --------
    >>> import numpy as np, dstft_np
    >>> rng = np.random.default_rng(0)
    >>> x, G = rng.standard_normal(500), rng.standard_normal((65, 8)) + 0j
    >>> t = dstft_np.frame_positions(500, 64)
    >>> lhs = np.real(np.vdot(G, dstft_np.stft(x, 100.0, t, n_fft=128)))
    >>> rhs = x @ dstft_np.inverse.stft_adjoint(G, 100.0, t, n_fft=128, length=500)
    >>> bool(np.isclose(lhs, rhs))
    True
    """
    length = _check_length(length)
    G = _check_spectrum(grad_S, "grad_S")
    # planned (and checked against the memory limit) as the complex128 it is computed in, before
    # a complex64 G is converted
    plan = _plan_for(np.broadcast_to(np.complex128(0), G.shape), "grad_S", win_length, positions, hop_length,
                     n_fft, length, window, norm, phase)
    G = G.astype(np.complex128, copy=False)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, as a ValueError
        grad_x = _engine.unbatch(_engine.adjoint(plan, G), plan)
    check_finite_output(grad_x, "grad_x", "Scale grad_S down, or keep win_length away from 0 (the window "
                        "grows like n_fft/θ)")
    return grad_x
