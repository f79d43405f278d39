"""Cell kernels: θ varies along frequency, sums over (m, n, k) done directly.

``cell_transform`` and ``cell_vjp`` take O(F·T·N) time and O(F·T) memory.
For each frame the bins are the inner loop (vectorised by LLVM) and the
samples the outer one, in blocks of bins of similar θ (``_CELL_BLOCK``);
cosine-sum windows are advanced by rotations, other windows evaluated
afresh at every sample (``_cell_direct``).
"""

import math

import numpy as np

from .._jit import njit
from .._options import D_WIN, NEG_D_OFFSET, VALUE
from .window_terms import (
    _COSINE_SUM,
    _IS_COSINE_SUM,
    _combine,
    _cosine_sum_terms,
    _norm_factor,
    _support,
    _term_weights,
    base_terms,
)

__all__ = ["cell_transform", "cell_vjp"]


@njit(cache=True)
def _cell_direct(code, area, x, t, theta, m, shift, residual, cos_table, sin_table):
    """(S, ∂S/∂θ, -Σ_k ω' x e) of one cell, with h and h' evaluated afresh at every sample.

    The cell kernels' path for windows that are not cosine sums; e =
    e^{-j2π m (k - s - r)/N}, x the signal of one batch item.
    """
    n_fft = cos_table.shape[0]
    k_lo, j0, j1 = _support(t, theta, x.shape[0])
    sum_h = 0j
    sum_vdh = 0j
    sum_dh = 0j
    slot = (m * ((k_lo + j0 - shift) % n_fft)) % n_fft
    for j in range(j0, j1):
        v = (k_lo + j - t) / theta
        h, dh = base_terms(code, v)
        xe = x[k_lo + j] * complex(cos_table[slot], -sin_table[slot])
        sum_h += h * xe
        sum_vdh += v * dh * xe
        sum_dh += dh * xe
        slot += m
        if slot >= n_fft:
            slot -= n_fft
    angle = 2.0 * math.pi * m * residual / n_fft
    rotation = complex(math.cos(angle), math.sin(angle))
    return (_combine(VALUE, area, theta, n_fft, sum_h, sum_vdh, sum_dh) * rotation,
            _combine(D_WIN, area, theta, n_fft, sum_h, sum_vdh, sum_dh) * rotation,
            _combine(NEG_D_OFFSET, area, theta, n_fft, sum_h, sum_vdh, sum_dh) * rotation)


#: Bins per block of the cell kernels. A frame's bins are taken in order of
#: decreasing θ; the supports are nested (all centred on t_n), so a block
#: runs over the samples of its first, longest window only.
_CELL_BLOCK = 64


@njit(cache=True)
def _cell_state():
    """Scratch arrays of one block of bins: (half, inv_theta, zr, zi, rr, ri, er, ei, qc, qs)."""
    return (np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK),
            np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK),
            np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK))


@njit(cache=True)
def _cell_block_setup(t, theta, order, i0, shift, residual, n_samples, cos_table, sin_table, state):
    """State of the bins order[i0:i0 + _CELL_BLOCK] (θ decreasing) of one frame.

    Returns (bins, k_first, k_last): the block's bins and its sample range.

    For bin m = bins[i]: half = θ/2, inv_theta = 1/θ; z = e^{j2π (k - t)/θ}
    and its step (rr, ri) = e^{j2π/θ}; e = e^{-j2π m (k - s - r)/N} and its
    step (qc, -qs) = e^{-j2π m/N}; z and e at k = k_first. k_last < k_first
    when the longest support misses [0, K).
    """
    half, inv_theta, zr, zi, rr, ri, er, ei, qc, qs = state
    bins = order[i0:i0 + _CELL_BLOCK]
    n_fft = cos_table.shape[0]
    k_lo, j0, j1 = _support(t, theta[bins[0]], n_samples)
    k_first = k_lo + j0
    k_last = k_lo + j1 - 1
    base = (k_first - shift) % n_fft
    for i in range(bins.shape[0]):
        m = bins[i]
        theta_m = theta[m]
        half[i] = 0.5 * theta_m
        inv_theta[i] = 1.0 / theta_m
        angle = 2.0 * math.pi * (k_first - t) / theta_m
        zr[i] = math.cos(angle)
        zi[i] = math.sin(angle)
        rr[i] = math.cos(2.0 * math.pi / theta_m)
        ri[i] = math.sin(2.0 * math.pi / theta_m)
        # e^{-j2π m (k_first - s)/N} from the table, times e^{+j2π m r/N}
        index = (m * base) % n_fft
        c, s = cos_table[index], -sin_table[index]
        if residual != 0.0:
            turn = 2.0 * math.pi * m * residual / n_fft
            c, s = c * math.cos(turn) - s * math.sin(turn), c * math.sin(turn) + s * math.cos(turn)
        er[i] = c
        ei[i] = s
        qc[i] = cos_table[m]
        qs[i] = sin_table[m]
    return bins, k_first, k_last


@njit(cache=True)
def _advance(i, zr, zi, rr, ri, er, ei, qc, qs):
    """One sample on for bin i of a block: z ← z e^{j2π/θ}, e ← e e^{-j2π m/N}."""
    zr[i], zi[i] = zr[i] * rr[i] - zi[i] * ri[i], zr[i] * ri[i] + zi[i] * rr[i]
    er[i], ei[i] = er[i] * qc[i] + ei[i] * qs[i], ei[i] * qc[i] - er[i] * qs[i]


@njit(cache=True, nogil=True)
def cell_transform(x, positions, win_length, shift, residual, which, code, area, cos_table, sin_table,
                   first, last, out):
    """out[b, m, n] = Σ_k w(k - t_n; θ[b, m, n]) x[b, k] e^{-j2π m (k - s_n - r_n)/N}; w = ω, ∂ω/∂θ or -∂ω/∂u.

    For the frames first <= n < last. win_length (B, F, T) float64;
    residual (B, T) float64; cos_table, sin_table (N,) hold cos and sin of
    2π i/N; out (B, F, T) complex.
    """
    n_batch, n_samples = x.shape
    n_bins = win_length.shape[1]
    n_fft = cos_table.shape[0]
    cosine = _IS_COSINE_SUM[code]
    coefficients = _COSINE_SUM[code]
    # the terms' pattern at θ = N = 1; the factor c or c/θ of each bin is applied at the end
    alpha, beta, gamma = _term_weights(which, area, 1.0, 1.0)
    state = _cell_state()
    half, inv_theta, zr, zi, rr, ri, er, ei, qc, qs = state
    acc_r, acc_i = np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK)
    for b in range(n_batch):
        for n in range(first, last):
            t = positions[b, n]
            theta = win_length[b, :, n]
            if not cosine:
                for m in range(n_bins):
                    out[b, m, n] = _cell_direct(code, area, x[b], t, theta[m], m, shift[b, n],
                                                residual[b, n], cos_table, sin_table)[which]
                continue
            order = np.argsort(-theta)
            for i0 in range(0, n_bins, _CELL_BLOCK):
                bins, k_first, k_last = _cell_block_setup(t, theta, order, i0, shift[b, n], residual[b, n],
                                                          n_samples, cos_table, sin_table, state)
                acc_r[:] = 0.0
                acc_i[:] = 0.0
                for k in range(k_first, k_last + 1):
                    xk = x[b, k]
                    u = k - t
                    for i in range(bins.shape[0]):
                        h, dh = _cosine_sum_terms(coefficients, zr[i], zi[i])
                        wx = (alpha * h + (beta * u * inv_theta[i] + gamma) * dh) * xk
                        if abs(u) > half[i]:
                            wx = 0.0
                        acc_r[i] += wx * er[i]
                        acc_i[i] += wx * ei[i]
                        _advance(i, zr, zi, rr, ri, er, ei, qc, qs)
                for i in range(bins.shape[0]):
                    m = bins[i]
                    c = _norm_factor(area, theta[m], n_fft)
                    scale = c if which == VALUE else c / theta[m]
                    out[b, m, n] = complex(scale * acc_r[i], scale * acc_i[i])


@njit(cache=True, nogil=True)
def cell_vjp(x, positions, win_length, shift, residual, code, area, with_phase, cos_table, sin_table,
             g_re, g_im, first, last, grad_win, grad_pos):
    """∂L/∂θ[m,n] = Re(conj(G) ∂S/∂θ[m,n]),  ∂L/∂t_n = Σ_m Re(conj(G) ∂S/∂t_n), first <= n < last.

    g_re, g_im (B, F, T): the cotangent G; with_phase adds the phase term
    Σ_m Re(conj(G) j2π m/N S) of phases "center" and "start", S accumulated
    in the same pass; grad_win (B, F, T), grad_pos (B, T) float64.
    """
    n_batch, n_samples = x.shape
    n_bins = win_length.shape[1]
    n_fft = cos_table.shape[0]
    cosine = _IS_COSINE_SUM[code]
    coefficients = _COSINE_SUM[code]
    state = _cell_state()
    half, inv_theta, zr, zi, rr, ri, er, ei, qc, qs = state
    gr, gi = np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK)
    acc_h, acc_vdh, acc_dh = np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK)
    acc_sr, acc_si = np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK)
    for b in range(n_batch):
        for n in range(first, last):
            t = positions[b, n]
            theta = win_length[b, :, n]
            acc_pos = 0.0
            if not cosine:
                for m in range(n_bins):
                    value, d_win, d_pos = _cell_direct(code, area, x[b], t, theta[m], m, shift[b, n],
                                                       residual[b, n], cos_table, sin_table)
                    conj_g = complex(g_re[b, m, n], -g_im[b, m, n])
                    grad_win[b, m, n] = (conj_g * d_win).real
                    acc_pos += (conj_g * d_pos).real
                    if with_phase:
                        acc_pos += (conj_g * 1j * (2.0 * math.pi * m / n_fft) * value).real
                grad_pos[b, n] = acc_pos
                continue
            order = np.argsort(-theta)
            for i0 in range(0, n_bins, _CELL_BLOCK):
                bins, k_first, k_last = _cell_block_setup(t, theta, order, i0, shift[b, n], residual[b, n],
                                                          n_samples, cos_table, sin_table, state)
                for i in range(bins.shape[0]):
                    gr[i] = g_re[b, bins[i], n]
                    gi[i] = g_im[b, bins[i], n]
                acc_h[:] = 0.0
                acc_vdh[:] = 0.0
                acc_dh[:] = 0.0
                acc_sr[:] = 0.0
                acc_si[:] = 0.0
                for k in range(k_first, k_last + 1):
                    xk = x[b, k]
                    u = k - t
                    for i in range(bins.shape[0]):
                        h, dh = _cosine_sum_terms(coefficients, zr[i], zi[i])
                        inside = xk if abs(u) <= half[i] else 0.0
                        # Re(conj(G) e^{-j2π m φ/N}) x[k]
                        gx = (gr[i] * er[i] + gi[i] * ei[i]) * inside
                        acc_h[i] += h * gx
                        acc_vdh[i] += u * inv_theta[i] * dh * gx
                        acc_dh[i] += dh * gx
                        if with_phase:
                            acc_sr[i] += h * inside * er[i]
                            acc_si[i] += h * inside * ei[i]
                        _advance(i, zr, zi, rr, ri, er, ei, qc, qs)
                for i in range(bins.shape[0]):
                    m = bins[i]
                    grad_win[b, m, n] = _combine(D_WIN, area, theta[m], n_fft, acc_h[i], acc_vdh[i], acc_dh[i])
                    acc_pos += _combine(NEG_D_OFFSET, area, theta[m], n_fft, acc_h[i], acc_vdh[i], acc_dh[i])
                    if with_phase:
                        # Re(conj(G) j2π m/N S) with S = c (acc_sr + j acc_si)
                        acc_pos += (_norm_factor(area, theta[m], n_fft) * (2.0 * math.pi * m / n_fft)
                                    * (gi[i] * acc_sr[i] - gr[i] * acc_si[i]))
            grad_pos[b, n] = acc_pos
