"""The loss chain: from S to Y = |S|^p, the sums a spectrogram loss needs, and back to the VJP's inputs.

``magnitude_cotangent`` is the chain of ``losses.magnitude_vjp``: from
∂L/∂Y to the cotangent G of S. The other kernels run the fused value and
gradient of a fit (``_engine.loss_value_and_grad``) on one task's frames,
while they are in the cache: ``raised_magnitudes`` (Y), ``magnitude_partials``
(|S| and its partials, per cell), ``frame_sums`` (Σ Y and Σ Y·a per frame,
a the loss's per-entry term), and back with ∂L/∂Y = slope·a + offset per
frame: ``magnitude_cotangent_frames`` (the irfft input of the frame path)
and ``cell_loss_vjp`` (the gradients of the cell path).

The fast loops work in the precision of S (float32 SIMD lanes are twice as
many) and assume Re² + Im² within (tiny/ε, max·ε) of that precision
(``_safe_squares``), where one square root serves; a frame with an entry
outside (a huge, tiny or zero |S|) is done again through ``math.hypot`` and
``_cotangent`` in float64, which keep the phase and never divide by zero.
The fast loop and that redo are separate functions: in one function LLVM
vectorised neither for complex64.
"""

import math

import numpy as np

from .._jit import njit

__all__ = ["magnitude_cotangent", "raised_magnitudes", "magnitude_partials", "frame_sums",
           "magnitude_cotangent_frames", "cell_loss_vjp", "squared_differences"]

#: Squared magnitudes that ``_cotangent`` takes by one square root (float64).
_SAFE_LOW, _SAFE_HIGH = 1e-300, 1e300


@njit(cache=True)
def _safe_squares(values):
    """(tiny/ε, max·ε) of the precision of `values`: Re² + Im² inside is normal and finite, its root exact."""
    info = np.finfo(values.dtype)
    return info.tiny / info.eps, info.max * info.eps


@njit(cache=True)
def _cotangent(re, im, dL_dY, p):
    """G = ∂L/∂Y · p |S|^{p-1} · S/|S| for S = re + j im, 0 at S = 0, without overflow for tiny or huge |S|."""
    squared = re * re + im * im
    if _SAFE_LOW < squared < _SAFE_HIGH:
        mag = math.sqrt(squared)
        scale = dL_dY / mag if p == 1.0 else dL_dY * p * mag ** (p - 2.0)
        return complex(re * scale, im * scale)
    mag = math.hypot(re, im)
    if mag > 0.0:
        return complex(re / mag, im / mag) * (dL_dY * p * mag ** (p - 1.0))
    return 0j


@njit(cache=True, nogil=True)
def magnitude_cotangent(S, dL_dY, p, out):
    """out = ∂L/∂Y · p |S|^{p-1} · S/|S|, 0 where |S| = 0: the chain from Y = |S|^p to G (1-D views)."""
    for i in range(S.shape[0]):
        out[i] = _cotangent(S[i].real, S[i].imag, dL_dY[i], p)


@njit(cache=True)
def _raise(mag, p):
    """|S|^p."""
    if p == 1.0:
        return mag
    return mag * mag if p == 2.0 else mag**p


@njit(cache=True)
def _raised_row(spectrum, p, row):
    """row = |spectrum|^p by one square root each, in the precision of S; True if an entry needs ``_exact_raised_row``."""
    low, high = _safe_squares(spectrum)
    extreme = False
    for m in range(spectrum.shape[0]):
        re, im = spectrum[m].real, spectrum[m].imag
        squared = re * re + im * im
        extreme |= not (low < squared < high)
        row[m] = _raise(np.sqrt(squared), p)
    return extreme


@njit(cache=True)
def _exact_raised_row(spectrum, p, row):
    """row = |spectrum|^p, |S| = hypot(Re S, Im S) in float64 where the fast loop's square is unsafe."""
    low, high = _safe_squares(spectrum)
    for m in range(spectrum.shape[0]):
        re, im = spectrum[m].real, spectrum[m].imag
        if not (low < re * re + im * im < high):
            row[m] = _raise(math.hypot(np.float64(re), np.float64(im)), p)


@njit(cache=True, nogil=True)
def raised_magnitudes(S, p, out):
    """out[b, i, m] = |S[b, i, m]|^p; S (B, L, F) complex, out (B, L, F) real.

    The magnitudes of every route (the loss functions' Y, a fit's fused
    passes, per cell too): the same values give the same bits.
    """
    for b in range(S.shape[0]):
        for i in range(S.shape[1]):
            if _raised_row(S[b, i], p, out[b, i]):
                _exact_raised_row(S[b, i], p, out[b, i])


@njit(cache=True, nogil=True)
def magnitude_partials(S, dS_dwin, dS_dpos, mag, dmag_dwin, dmag_dpos):
    """|S| (as ``raised_magnitudes``) and ∂|S|/∂ψ = Re(conj(S) ∂S/∂ψ)/|S| for ψ = θ, t_n (0 where S = 0); all (B, L, F)."""
    raised_magnitudes(S, 1.0, mag)
    for b in range(S.shape[0]):
        for i in range(S.shape[1]):
            for m in range(S.shape[2]):
                mag_m = np.float64(mag[b, i, m])
                if mag_m > 0.0:
                    unit_re, unit_im = S[b, i, m].real / mag_m, S[b, i, m].imag / mag_m
                    dmag_dwin[b, i, m] = unit_re * dS_dwin[b, i, m].real + unit_im * dS_dwin[b, i, m].imag
                    dmag_dpos[b, i, m] = unit_re * dS_dpos[b, i, m].real + unit_im * dS_dpos[b, i, m].imag
                else:
                    dmag_dwin[b, i, m] = 0.0
                    dmag_dpos[b, i, m] = 0.0


@njit(cache=True, fastmath={"reassoc"})
def _row_sums(y, a):
    """(Σ y, Σ y·a over y > 0) of one frame, in float64, in the order LLVM vectorises (the same for equal types)."""
    total = 0.0
    weighted = 0.0
    for m in range(y.shape[0]):
        value = np.float64(y[m])
        total += value
        weighted += value * a[m] if value > 0.0 else 0.0
    return total, weighted


@njit(cache=True, nogil=True)
def frame_sums(Y, a, first, out):
    """out[b, n, 0] = Σ_m Y[b, n - first, m], out[b, n, 1] = Σ_m Y·a (entries Y = 0 left out); out (B, T, 2).

    Y and a (B, L, F) real. Frames of C-contiguous arrays of one dtype are
    summed by the same machine code, so the same values give the same bits
    (a fit's passes and the loss functions both call it so).
    """
    for b in range(Y.shape[0]):
        for i in range(Y.shape[1]):
            out[b, first + i, 0], out[b, first + i, 1] = _row_sums(Y[b, i], a[b, i])


@njit(cache=True, error_model="numpy")   # 1/0 is inf, not an exception: such frames are redone
def _cotangent_row(spectrum, a_row, slope, offset, p, row):
    """row = (slope·a + offset) p |S|^{p-2} S by one square root each, in the precision of S and a.

    slope and offset come in that precision too. True if an entry's square
    is outside ``_safe_squares`` (the caller redoes the frame).
    """
    low, high = _safe_squares(spectrum)
    extreme = False
    for m in range(spectrum.shape[0]):
        re, im = spectrum[m].real, spectrum[m].imag
        squared = re * re + im * im
        extreme |= not (low < squared < high)
        dL_dY = slope * a_row[m] + offset
        if p == 1.0:
            scale = dL_dY / np.sqrt(squared)
        elif p == 2.0:
            scale = dL_dY + dL_dY
        else:
            scale = dL_dY * p * squared ** (0.5 * p - 1.0)
        row[m] = complex(re * scale, im * scale)
    return extreme


@njit(cache=True)
def _exact_cotangent_row(spectrum, a_row, slope, offset, p, row):
    """row = ``_cotangent`` of every entry, in float64."""
    for m in range(spectrum.shape[0]):
        row[m] = _cotangent(np.float64(spectrum[m].real), np.float64(spectrum[m].imag),
                            slope * a_row[m] + offset, p)


@njit(cache=True, nogil=True)
def magnitude_cotangent_frames(S, a, slope, offset, p, first, out):
    """out[b, i, 0, m] = c_m G[b, i, m] with ∂L/∂Y = slope[b, n]·a + offset[b, n], n = first + i.

    G = ∂L/∂Y · p |S|^{p-1} S/|S| (0 at S = 0), and c_m = 2 at m = 0 and
    m = N/2, 1 between: the layout ``frames_vjp`` takes (see
    ``cotangent_frames``). S, a (B, L, F); slope, offset (B, T); out (B, L, 1, F).
    slope and offset in the precision of S; fast loop and float64 redo as
    in ``raised_magnitudes``.
    """
    n_bins = S.shape[2]
    for b in range(S.shape[0]):
        for i in range(S.shape[1]):
            spectrum, a_row, row = S[b, i], a[b, i], out[b, i, 0]
            k, d = slope[b, first + i], offset[b, first + i]
            if _cotangent_row(spectrum, a_row, k, d, p, row):
                _exact_cotangent_row(spectrum, a_row, np.float64(k), np.float64(d), p, row)
            row[0] *= 2.0
            row[n_bins - 1] *= 2.0


@njit(cache=True, nogil=True)
def cell_loss_vjp(mag, dmag_dwin, dmag_dpos, a, slope, offset, p, first, grad_win, grad_pos):
    """grad_win[b, m, n] = ∂L/∂Y p |S|^{p-1} ∂|S|/∂θ,  grad_pos[b, n] = Σ_m ∂L/∂Y p |S|^{p-1} ∂|S|/∂t_n.

    ∂L/∂Y = slope[b, n]·a + offset[b, n], n = first + i; mag, dmag_dwin,
    dmag_dpos, a (B, L, F) from ``magnitude_partials``; entries with
    |S| = 0 contribute 0. grad_win (B, F, T), grad_pos (B, T) float64.
    """
    for b in range(mag.shape[0]):
        for i in range(mag.shape[1]):
            n = first + i
            k, d = slope[b, n], offset[b, n]
            acc_pos = 0.0
            for m in range(mag.shape[2]):
                mag_m = mag[b, i, m]
                chain = 0.0
                if mag_m > 0.0:
                    chain = (k * a[b, i, m] + d) * (1.0 if p == 1.0 else p * mag_m ** (p - 1.0))
                grad_win[b, m, n] = chain * dmag_dwin[b, i, m]
                acc_pos += chain * dmag_dpos[b, i, m]
            grad_pos[b, n] = acc_pos


@njit(cache=True, nogil=True, fastmath={"reassoc"})
def squared_differences(theta, axis, scale, grad):
    """Σ_j (Δθ_j / scale)² / |D| along `axis` of a 2-D θ, Δθ_j = θ_{j+1} - θ_j over the |D| differences;
    its gradient 2 (Δθ_{j-1} - Δθ_j) / (|D| scale²) added into grad (2-D, the shape of θ). One pass.
    """
    rows, cols = theta.shape
    count = (rows - 1) * cols if axis == 0 else rows * (cols - 1)
    unit = 1.0 / (count * scale * scale)
    total = 0.0
    if axis == 0:
        for i in range(rows - 1):
            for j in range(cols):
                diff = theta[i + 1, j] - theta[i, j]
                total += diff * diff
                grad[i + 1, j] += 2.0 * unit * diff
                grad[i, j] -= 2.0 * unit * diff
    else:
        for i in range(rows):
            for j in range(cols - 1):
                diff = theta[i, j + 1] - theta[i, j]
                total += diff * diff
                grad[i, j + 1] += 2.0 * unit * diff
                grad[i, j] -= 2.0 * unit * diff
    return total * unit
