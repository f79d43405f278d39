"""Cell kernels: θ varies along frequency, sums over (m, n, k) done directly.

``cell_transform`` (one window term) and ``cell_partials`` (S, ∂S/∂θ and
∂S/∂t_n in one pass) take O(F·T·N) time and O(F·T) memory; ``cell_vjp``
contracts the partials with a cotangent, O(F·T). For each frame the bins
are the inner loop (vectorised by LLVM) and the samples the outer one, in
blocks of bins of similar θ (``_CELL_BLOCK``); cosine-sum windows are
advanced by rotations, other windows evaluated afresh at every sample
(``_cell_direct``). Outputs are frame-major, (B, L, F) for the L frames of
a task, as the frame kernels' spectra.
"""

import math

import numpy as np

from .._jit import njit
from .._options import D_WIN, NEG_D_OFFSET, VALUE
from .window_terms import (
    _COSINE_SUM_TUPLES,
    _IS_COSINE_SUM,
    _combine,
    _norm_factor,
    _support,
    _term_weights,
    base_terms,
    cosine_sum_terms,
)

__all__ = ["cell_transform", "cell_partials", "cell_vjp"]

#: LLVM may fuse a multiply and an add into one instruction (one rounding
#: instead of two) in the inner loops: 15 % less time, no less accuracy.
_FMA = {"contract"}

#: ``cosine_sum_terms`` compiled with the inner loops' flags, so that it fuses with them.
_terms_fma = njit(cache=True, fastmath=_FMA)(cosine_sum_terms)


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
    """Scratch of one block of bins: (half, inv_theta, zr, zi, rr, ri, er, ei, qc, qs) and the sums (6, block)."""
    return ((np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK),
             np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK),
             np.empty(_CELL_BLOCK), np.empty(_CELL_BLOCK)),
            np.empty((6, _CELL_BLOCK)))


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


@njit(cache=True, fastmath=_FMA)
def _rotated(c, s, e_re, e_im, r_re, r_im, q_c, q_s):
    """z e^{j2π/θ} and e e^{-j2π m/N} for z = c + j s, e = e_re + j e_im: one sample on."""
    return c * r_re - s * r_im, c * r_im + s * r_re, e_re * q_c + e_im * q_s, e_im * q_c - e_re * q_s


@njit(cache=True, fastmath=_FMA)
def _term_step(coefficients, weights, c, s, e_re, e_im, acc_re, acc_im, xk, u, half, inv_theta, r_re, r_im, q_c, q_s):
    """One sample of ``_term_sums`` for one bin: the state (z, e, sum) after it."""
    alpha, beta, gamma = weights
    h, dh = _terms_fma(coefficients, c, s)
    # the operations of _partial_step: with w = ω the sum is bit for bit its S
    inside = xk if abs(u) <= half else 0.0
    w = alpha * h + (beta * u * inv_theta + gamma) * dh
    return (_rotated(c, s, e_re, e_im, r_re, r_im, q_c, q_s)
            + (acc_re + w * (inside * e_re), acc_im + w * (inside * e_im)))


@njit(cache=True, fastmath=_FMA)
def _partial_step(coefficients, c, s, e_re, e_im, sums, xk, u, half, r_re, r_im, q_c, q_s):
    """One sample of ``_partial_sums`` for one bin: the state (z, e) and the six sums after it."""
    h, dh = _terms_fma(coefficients, c, s)
    inside = xk if abs(u) <= half else 0.0
    xr = inside * e_re
    xi = inside * e_im
    udh = u * dh
    return (_rotated(c, s, e_re, e_im, r_re, r_im, q_c, q_s),
            (sums[0] + h * xr, sums[1] + h * xi, sums[2] + udh * xr, sums[3] + udh * xi, sums[4] + dh * xr,
             sums[5] + dh * xi))


#: Samples per pass over a block's bins: each bin's state is loaded and stored once per pair of samples.
_SAMPLES_PER_PASS = 2


@njit(cache=True, fastmath=_FMA)
def _term_sums(coefficients, weights, x, t, k_first, k_last, n_active, state, sums):
    """sums[0] + j sums[1] = Σ_k (α h + (β v + γ) h') x[k] e, the pattern (α, β, γ) = weights, per bin of a block.

    Two samples per pass over the bins (a sample past k_last counts as 0).
    """
    half, inv_theta, zr, zi, rr, ri, er, ei, qc, qs = state
    sums[:2, :n_active] = 0.0
    for k in range(k_first, k_last + 1, _SAMPLES_PER_PASS):
        x0, u0 = x[k], k - t
        x1, u1 = (x[k + 1] if k + 1 <= k_last else 0.0), k + 1 - t
        for i in range(n_active):
            step = (half[i], inv_theta[i], rr[i], ri[i], qc[i], qs[i])
            after = _term_step(coefficients, weights, zr[i], zi[i], er[i], ei[i], sums[0, i], sums[1, i], x0, u0,
                               *step)
            zr[i], zi[i], er[i], ei[i], sums[0, i], sums[1, i] = _term_step(coefficients, weights, *after, x1, u1,
                                                                             *step)


@njit(cache=True, fastmath=_FMA)
def _partial_sums(coefficients, x, t, k_first, k_last, n_active, state, sums):
    """(Σ_k h x e, Σ_k u h' x e, Σ_k h' x e) per bin of a block, as (re, im) rows of sums (u = k - t).

    Two samples per pass over the bins, as ``_term_sums``.
    """
    half, inv_theta, zr, zi, rr, ri, er, ei, qc, qs = state
    sums[:, :n_active] = 0.0
    for k in range(k_first, k_last + 1, _SAMPLES_PER_PASS):
        x0, u0 = x[k], k - t
        x1, u1 = (x[k + 1] if k + 1 <= k_last else 0.0), k + 1 - t
        for i in range(n_active):
            step = (half[i], rr[i], ri[i], qc[i], qs[i])
            rotation, acc = _partial_step(coefficients, zr[i], zi[i], er[i], ei[i],
                                          (sums[0, i], sums[1, i], sums[2, i], sums[3, i], sums[4, i], sums[5, i]),
                                          x0, u0, *step)
            rotation, acc = _partial_step(coefficients, *rotation, acc, x1, u1, *step)
            zr[i], zi[i], er[i], ei[i] = rotation
            sums[0, i], sums[1, i], sums[2, i], sums[3, i], sums[4, i], sums[5, i] = acc


@njit(cache=True, nogil=True)
def cell_transform(x, positions, win_length, shift, residual, which, code, area, cos_table, sin_table,
                   first, out):
    """out[b, n - first, m] = Σ_k w(k - t_n; θ[b, m, n]) x[b, k] e^{-j2π m (k - s_n - r_n)/N}; w = ω, ∂ω/∂θ or -∂ω/∂u.

    For the L frames first <= n < first + L. win_length (B, F, T) float64;
    residual (B, T) float64; cos_table, sin_table (N,) hold cos and sin of
    2π i/N; out (B, L, F) complex.
    """
    n_batch, n_samples = x.shape
    n_bins = win_length.shape[1]
    n_fft = cos_table.shape[0]
    coefficients = _COSINE_SUM_TUPLES[code]
    # the terms' pattern at θ = N = 1; the factor c or c/θ of each bin is applied at the end
    weights = _term_weights(which, area, 1.0, 1.0)
    state, sums = _cell_state()
    for b in range(n_batch):
        for i_frame in range(out.shape[1]):
            n = first + i_frame
            t = positions[b, n]
            theta = win_length[b, :, n]
            if not _IS_COSINE_SUM[code]:
                for m in range(n_bins):
                    out[b, i_frame, m] = _cell_direct(code, area, x[b], t, theta[m], m, shift[b, n],
                                                      residual[b, n], cos_table, sin_table)[which]
                continue
            order = np.argsort(-theta)
            for i0 in range(0, n_bins, _CELL_BLOCK):
                bins, k_first, k_last = _cell_block_setup(t, theta, order, i0, shift[b, n], residual[b, n],
                                                          n_samples, cos_table, sin_table, state)
                _term_sums(coefficients, weights, x[b], t, k_first, k_last, bins.shape[0], state, sums)
                for i in range(bins.shape[0]):
                    m = bins[i]
                    c = _norm_factor(area, theta[m], n_fft)
                    scale = c if which == VALUE else c / theta[m]
                    out[b, i_frame, m] = complex(scale * sums[0, i], scale * sums[1, i])


@njit(cache=True, nogil=True)
def cell_partials(x, positions, win_length, shift, residual, code, area, with_phase, cos_table, sin_table,
                  first, S, dS_dwin, dS_dpos):
    """S, ∂S/∂θ and ∂S/∂t_n of every cell of the L frames first <= n < first + L, in one pass over (m, n, k).

    S[b, n - first, m] as ``cell_transform`` with w = ω; dS_dwin with
    w = ∂ω/∂θ; dS_dpos with w = -∂ω/∂u, plus j2π m/N · S when with_phase
    (phases "center" and "start"). S, dS_dwin, dS_dpos (B, L, F) complex.
    """
    n_batch, n_samples = x.shape
    n_bins = win_length.shape[1]
    n_fft = cos_table.shape[0]
    coefficients = _COSINE_SUM_TUPLES[code]
    state, sums = _cell_state()
    for b in range(n_batch):
        for i_frame in range(S.shape[1]):
            n = first + i_frame
            t = positions[b, n]
            theta = win_length[b, :, n]
            if not _IS_COSINE_SUM[code]:
                for m in range(n_bins):
                    value, d_win, d_pos = _cell_direct(code, area, x[b], t, theta[m], m, shift[b, n],
                                                       residual[b, n], cos_table, sin_table)
                    S[b, i_frame, m] = value
                    dS_dwin[b, i_frame, m] = d_win
                    if with_phase:
                        d_pos += 1j * (2.0 * math.pi * m / n_fft) * value
                    dS_dpos[b, i_frame, m] = d_pos
                continue
            order = np.argsort(-theta)
            for i0 in range(0, n_bins, _CELL_BLOCK):
                bins, k_first, k_last = _cell_block_setup(t, theta, order, i0, shift[b, n], residual[b, n],
                                                          n_samples, cos_table, sin_table, state)
                _partial_sums(coefficients, x[b], t, k_first, k_last, bins.shape[0], state, sums)
                for i in range(bins.shape[0]):
                    m = bins[i]
                    sum_h = complex(sums[0, i], sums[1, i])
                    sum_vdh = complex(sums[2, i], sums[3, i]) / theta[m]
                    sum_dh = complex(sums[4, i], sums[5, i])
                    value = _combine(VALUE, area, theta[m], n_fft, sum_h, sum_vdh, sum_dh)
                    S[b, i_frame, m] = value
                    dS_dwin[b, i_frame, m] = _combine(D_WIN, area, theta[m], n_fft, sum_h, sum_vdh, sum_dh)
                    d_pos = _combine(NEG_D_OFFSET, area, theta[m], n_fft, sum_h, sum_vdh, sum_dh)
                    if with_phase:
                        d_pos += 1j * (2.0 * math.pi * m / n_fft) * value
                    dS_dpos[b, i_frame, m] = d_pos


@njit(cache=True, nogil=True)
def cell_vjp(G, dS_dwin, dS_dpos, first, grad_win, grad_pos):
    """grad_win[b, m, n] = Re(conj(G[b, m, n]) ∂S/∂θ),  grad_pos[b, n] = Σ_m Re(conj(G[b, m, n]) ∂S/∂t_n).

    For the L frames first <= n < first + L: dS_dwin, dS_dpos (B, L, F) as
    ``cell_partials`` writes them; G (B, F, T) complex; grad_win (B, F, T),
    grad_pos (B, T) float64.
    """
    for b in range(dS_dwin.shape[0]):
        for i_frame in range(dS_dwin.shape[1]):
            n = first + i_frame
            acc_pos = 0.0
            for m in range(dS_dwin.shape[2]):
                g = G[b, m, n]
                grad_win[b, m, n] = g.real * dS_dwin[b, i_frame, m].real + g.imag * dS_dwin[b, i_frame, m].imag
                acc_pos += g.real * dS_dpos[b, i_frame, m].real + g.imag * dS_dpos[b, i_frame, m].imag
            grad_pos[b, n] = acc_pos
