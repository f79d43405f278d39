"""Numba kernels: loops only, no validation, outputs preallocated by the caller.

Notation (docs/derivation.md §0): batch b, frame n, bin m, sample k, window length θ,
position t_n, n_fft N, u = k - t_n, v = u/θ. Every kernel reaches the window
through the pair (h(v), h'(v)) of ``_window_terms`` (``base_terms``), combined into
ω, ∂ω/∂θ or -∂ω/∂u with the weights of ``_term_weights`` (which = VALUE,
D_WIN or NEG_D_OFFSET).

Phase. φ_n(k) = (k - s_n) - r_n with an integer shift s_n (``shift``) and a
residual r_n (``residual``). The frame kernels see only s_n: they fold sample
k into buffer slot (k - s_n) mod N, and the caller turns the residual into
e^{±j2π m r_n/N} with ``rotate_bins``. The cell kernels take r_n themselves.

Rotations instead of cos/sin. For a cosine-sum window, h and h' at
v_j = v_0 + j/θ need only cos(2πv_j) and sin(2πv_j) (``cosine_sum_terms``),
and z_j = e^{j2πv_j} obeys z_{j+1} = z_j e^{j2π/θ}: one complex product per
sample instead of a cos and a sin. The cell kernels advance the Fourier
factor e^{-j2π m φ_n(k)/N} the same way. The products carry a relative
rounding error that grows at most linearly in the number of steps, a run
of at most N + 1 samples (docs/derivation.md §1); tests compare against the
direct formulas (tests/naive.py) at 1e-10.

Two families:

- frame kernels (θ constant along frequency): ``fill_frames`` writes the
  windowed, folded frames that one rfft per frame turns into S (or into a
  partial derivative); ``frames_vjp`` takes the irfft of the cotangent and
  forms the dot products of the VJP, including the phase term.
- cell kernels (θ varies along frequency): ``cell_transform`` and
  ``cell_vjp`` sum over (m, n, k) directly, O(F·T·N) time and O(F·T) memory.
  For each frame the bins are the inner loop (vectorised by LLVM) and the
  samples the outer one, in blocks of bins of similar θ (``_CELL_BLOCK``).

Besides: the transposes ``overlap_add``, ``cell_adjoint`` and ``add_frames``
(``inverse``), and ``magnitude_cotangent``, the chain from Y = |S|^p to the
cotangent G (``losses``).
"""

import math

import numpy as np

from . import _window_terms
from ._jit import njit, prange
from ._options import D_WIN, NEG_D_OFFSET, VALUE, WINDOWS

__all__ = [
    "base_terms",
    "window_term",
    "fill_window",
    "fill_frames",
    "frames_vjp",
    "rotate_bins",
    "cell_transform",
    "cell_vjp",
    "overlap_add",
    "cell_adjoint",
    "add_frames",
    "magnitude_cotangent",
]

_cosine_sum_terms = njit(cache=True)(_window_terms.cosine_sum_terms)
_gaussian_terms = njit(cache=True)(_window_terms.gaussian_terms)

#: (a_0, a_1, a_2) of each window in WINDOWS order (zeros for the other families).
_COSINE_SUM = np.array([_window_terms.COSINE_SUM.get(name, (0.0, 0.0, 0.0)) for name in WINDOWS])
_IS_COSINE_SUM = np.array([name in _window_terms.COSINE_SUM for name in WINDOWS])


@njit(cache=True)
def base_terms(code, v):
    """(h(v), h'(v)) of the window with kernel code `code` (its index in WINDOWS)."""
    if _IS_COSINE_SUM[code]:
        a = _COSINE_SUM[code]
        angle = 2.0 * math.pi * v
        return _cosine_sum_terms((a[0], a[1], a[2]), math.cos(angle), math.sin(angle))
    return _gaussian_terms(v)


@njit(cache=True)
def _norm_factor(area, theta, n_fft):
    """c(θ) = N/θ for norm="area", 1 for None."""
    return n_fft / theta if area else 1.0


@njit(cache=True)
def _term_weights(which, area, theta, n_fft):
    """(α, β, γ) such that the term `which` is α h + β v h' + γ h' at v = u/θ.

    ω = c h;  ∂ω/∂θ = -(1/θ)[(1-δ)ω + u ω'] = -(c/θ)[(1-δ) h + v h'];
    -∂ω/∂u = -ω' = -(c/θ) h'. c = N/θ and δ = 0 for norm="area", c = 1 and
    δ = 1 for None.
    """
    c = _norm_factor(area, theta, n_fft)
    if which == VALUE:
        return c, 0.0, 0.0
    if which == NEG_D_OFFSET:
        return 0.0, 0.0, -c / theta
    return (-c / theta if area else 0.0), -c / theta, 0.0


@njit(cache=True)
def _combine(which, area, theta, n_fft, sum_h, sum_vdh, sum_dh):
    """α Σ h·y + β Σ v h'·y + γ Σ h'·y: the term `which` summed against y from three window sums."""
    alpha, beta, gamma = _term_weights(which, area, theta, n_fft)
    return alpha * sum_h + beta * sum_vdh + gamma * sum_dh


@njit(cache=True)
def window_term(which, code, area, u, theta, n_fft):
    """ω(u; θ), ∂ω/∂θ = -(1/θ)[(1-δ)ω + u ω'(u)], or -ω'(u) with ω'(u) = c h'(u/θ)/θ.

    `which` is VALUE, D_WIN or NEG_D_OFFSET; `area` selects c = N/θ (δ = 0)
    over c = 1 (δ = 1). The caller keeps |u| <= θ/2.
    """
    v = u / theta
    h, dh = base_terms(code, v)
    alpha, beta, gamma = _term_weights(which, area, theta, n_fft)
    return alpha * h + (beta * v + gamma) * dh


@njit(cache=True)
def fill_window(which, code, area, u, theta, n_fft, out):
    """out[i] = window_term(which, ..., u[i], ...) inside the support, 0 outside."""
    for i in range(u.shape[0]):
        if abs(u[i]) <= 0.5 * theta:
            out[i] = window_term(which, code, area, u[i], theta, n_fft)
        else:
            out[i] = 0.0


@njit(cache=True)
def _support(t, theta, n_samples):
    """First sample of the support |k - t| <= θ/2 and the range [j0, j1) of it inside [0, K)."""
    k_lo = math.ceil(t - 0.5 * theta)
    k_hi = math.floor(t + 0.5 * theta)
    j0 = max(0, -k_lo)
    j1 = min(k_hi, n_samples - 1) - k_lo + 1
    return k_lo, j0, j1


#: Independent rotations interleaved along a run (v_j, v_{j+L}, ...): their products overlap in the pipeline.
_LANES = 4


@njit(cache=True)
def _base_run(code, u0, theta, count, h, dh):
    """h[j], dh[j] = h(v_j), h'(v_j) for v_j = (u0 + j)/θ, j < count; cosine sums by rotating e^{j2πv_j}.

    Lane q takes the samples j = q, q + L, q + 2L, ... with the step
    e^{j2πL/θ}, L = _LANES.
    """
    if not _IS_COSINE_SUM[code]:
        for j in range(count):
            h[j], dh[j] = base_terms(code, (u0 + j) / theta)
        return
    a = _COSINE_SUM[code]
    coefficients = (a[0], a[1], a[2])
    c = np.empty(_LANES)
    s = np.empty(_LANES)
    for q in range(_LANES):
        c[q] = math.cos(2.0 * math.pi * (u0 + q) / theta)
        s[q] = math.sin(2.0 * math.pi * (u0 + q) / theta)
    step_c = math.cos(2.0 * math.pi * _LANES / theta)
    step_s = math.sin(2.0 * math.pi * _LANES / theta)
    for first in range(0, count, _LANES):
        for q in range(min(_LANES, count - first)):
            h[first + q], dh[first + q] = _cosine_sum_terms(coefficients, c[q], s[q])
            c[q], s[q] = c[q] * step_c - s[q] * step_s, c[q] * step_s + s[q] * step_c


@njit(cache=True, nogil=True)
def fill_frames(x, positions, win_length, shift, which, code, area, first, out):
    """out[b, n - first, (k - s_n) mod N] = Σ w(k - t_n; θ_n) x[b, k]; w = ω, ∂ω/∂θ or -∂ω/∂u.

    x (B, K); positions, win_length (B, T) float64; shift (B, T) int64;
    out (B, L, N) of the float type of x for the frames first .. first+L-1,
    every element written (zeros where no sample lands).
    """
    n_batch, n_samples = x.shape
    n_fft = out.shape[2]
    h = np.empty(n_fft + 1)
    dh = np.empty(n_fft + 1)
    w = np.empty(n_fft + 1)
    for b in range(n_batch):
        # consecutive frames with equal θ and equal offset k_lo - t_n share
        # their window values: evaluate once (the usual case of a constant hop).
        last_theta = -1.0
        last_offset = math.nan
        for i in range(out.shape[1]):
            n = first + i
            out[b, i, :] = 0.0
            t = positions[b, n]
            theta = win_length[b, n]
            k_lo, j0, j1 = _support(t, theta, n_samples)
            if j1 <= j0:
                continue
            offset = k_lo - t
            if theta != last_theta or offset != last_offset:
                count = math.floor(t + 0.5 * theta) - k_lo + 1
                _base_run(code, offset, theta, count, h, dh)
                alpha, beta, gamma = _term_weights(which, area, theta, n_fft)
                beta /= theta
                for j in range(count):
                    w[j] = alpha * h[j] + (beta * (offset + j) + gamma) * dh[j]
                last_theta = theta
                last_offset = offset
            # samples j0.. go to slots slot0.. and wrap to slot 0 (at most N + 1 samples)
            slot0 = (k_lo + j0 - shift[b, n]) % n_fft
            split = min(j1, j0 + n_fft - slot0)
            for j in range(j0, split):
                out[b, i, slot0 + j - j0] += w[j] * x[b, k_lo + j]
            for j in range(split, j1):
                out[b, i, j - split] += w[j] * x[b, k_lo + j]


@njit(cache=True)
def _one_sided(g, edges, b, i, n, channel, slot):
    """Re Σ_{m <= N/2} X_m e^{j2π m slot/N} from g[b, i] = irfft(X, norm="forward") and edges[b, n].

    irfft counts the bins 0 < m < N/2 twice and bins 0 and N/2 once;
    edges hold (Re X_0, Re X_{N/2}).
    """
    nyquist = edges[b, n, channel, 1] if slot % 2 == 0 else -edges[b, n, channel, 1]
    return 0.5 * (g[b, i, channel, slot] + edges[b, n, channel, 0] + nyquist)


@njit(cache=True, nogil=True)
def frames_vjp(x, positions, win_length, shift, code, area, first, g, edges, grad_win, grad_pos):
    """∂L/∂θ_n = Σ_k ∂ω/∂θ x[k] g_n[k],  ∂L/∂t_n = -Σ_k ∂ω/∂u x[k] g_n[k] (+ Σ_k ω x[k] g'_n[k]).

    For the frames n = first .. first+L-1: g (B, L, C, N) holds
    irfft(X, norm="forward") at buffer slot (k - s_n) mod N for X = G̃
    (channel 0) and, when C = 2, for X = -j2π m/N · G̃ (channel 1: the phase
    term of "center" and "start"), G̃ the cotangent with the residual phase
    folded in; edges (B, T, C, 2) hold Re X_0 and Re X_{N/2};
    grad_win, grad_pos (B, T) float64.
    """
    n_batch, n_samples = x.shape
    n_channels, n_fft = g.shape[2], g.shape[3]
    h = np.empty(n_fft + 1)
    dh = np.empty(n_fft + 1)
    for b in range(n_batch):
        last_theta = -1.0
        last_offset = math.nan
        for i in range(g.shape[1]):
            n = first + i
            t = positions[b, n]
            theta = win_length[b, n]
            k_lo, j0, j1 = _support(t, theta, n_samples)
            grad_win[b, n] = 0.0
            grad_pos[b, n] = 0.0
            if j1 <= j0:
                continue
            offset = k_lo - t
            if theta != last_theta or offset != last_offset:
                _base_run(code, offset, theta, math.floor(t + 0.5 * theta) - k_lo + 1, h, dh)
                last_theta = theta
                last_offset = offset
            acc_h = 0.0      # Σ h x g
            acc_vdh = 0.0    # Σ u h' x g  (u = θ v)
            acc_dh = 0.0     # Σ h' x g
            acc_phase = 0.0  # Σ h x g'
            slot = (k_lo + j0 - shift[b, n]) % n_fft
            for j in range(j0, j1):
                xk = x[b, k_lo + j]
                gx = _one_sided(g, edges, b, i, n, 0, slot) * xk
                acc_h += h[j] * gx
                acc_vdh += (offset + j) * dh[j] * gx
                acc_dh += dh[j] * gx
                if n_channels == 2:
                    acc_phase += h[j] * _one_sided(g, edges, b, i, n, 1, slot) * xk
                slot += 1
                if slot == n_fft:
                    slot = 0
            grad_win[b, n] = _combine(D_WIN, area, theta, n_fft, acc_h, acc_vdh / theta, acc_dh)
            grad_pos[b, n] = (_combine(NEG_D_OFFSET, area, theta, n_fft, acc_h, acc_vdh / theta, acc_dh)
                              + _norm_factor(area, theta, n_fft) * acc_phase)


@njit(cache=True, nogil=True)
def rotate_bins(spectra, residual, sign, first, last):
    """spectra[b, n, :, m] *= e^{sign·j2π m r[b, n]/N} in place for first <= n < last.

    spectra (B, T, C, F), N = 2(F - 1); the factor is advanced in m by one
    complex product per bin.
    """
    n_batch, _, n_channels, n_bins = spectra.shape
    n_fft = 2 * (n_bins - 1)
    for b in range(n_batch):
        for n in range(first, last):
            angle = sign * 2.0 * math.pi * residual[b, n] / n_fft
            step = complex(math.cos(angle), math.sin(angle))
            for c in range(n_channels):
                factor = complex(1.0, 0.0)
                for m in range(n_bins):
                    spectra[b, n, c, m] *= factor
                    factor *= step


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
    a = _COSINE_SUM[code]
    coefficients = (a[0], a[1], a[2])
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
    a = _COSINE_SUM[code]
    coefficients = (a[0], a[1], a[2])
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


# --- adjoint and inverse (transposes of the kernels above) -----------------------------------
# Used by ``inverse`` (istft, stft_adjoint) only, never on the fitting path: they evaluate ω
# with ``window_term`` at every sample instead of advancing it by rotations.


@njit(cache=True)
def overlap_add(positions, win_length, shift, code, area, frames, skip_aliased, out, weight):
    """out[b, k] += ω(k - t_n; θ_n) frames[b, n, (k - s_n) mod N],  weight[b, k] += ω(k - t_n; θ_n)².

    The transpose of ``fill_frames`` (which = VALUE). frames (B, T, N) float32
    or float64; out, weight (B, K) float64, zero-filled. With skip_aliased, a
    support of N + 1 samples that lies wholly in [0, K) adds neither of its
    two end samples: the forward folded both into one slot.
    """
    n_batch, n_frames, n_fft = frames.shape
    n_samples = out.shape[1]
    for b in range(n_batch):
        for n in range(n_frames):
            t = positions[b, n]
            theta = win_length[b, n]
            k_lo, j0, j1 = _support(t, theta, n_samples)
            if j1 <= j0:
                continue
            first, last = j0, j1
            if skip_aliased and j0 == 0 and j1 == n_fft + 1:
                first, last = 1, n_fft
            offset = k_lo - t
            slot = (k_lo + first - shift[b, n]) % n_fft
            for j in range(first, last):
                w = window_term(VALUE, code, area, offset + j, theta, n_fft)
                out[b, k_lo + j] += w * frames[b, n, slot]
                weight[b, k_lo + j] += w * w
                slot += 1
                if slot == n_fft:
                    slot = 0


@njit(cache=True, parallel=True)
def cell_adjoint(positions, win_length, shift, code, area, cos_table, sin_table, g_re, g_im, squared,
                 n_samples, out):
    """out[b, n, k - ⌈t_n - N/2⌉] = Σ_m ω(k - t_n; θ[b,m,n]) Re(conj(G[b,m,n]) e^{-j2π m (k - s_n)/N}).

    Frame n's share of the adjoint S*(G) when θ varies along frequency
    (the transpose of ``cell_transform``, which = VALUE). g_re, g_im
    (B, F, T) with the residual phase already folded in; out (B, T, N + 1)
    float64, zero-filled; ``add_frames`` sums the frames into the signal.
    With squared, out gets Σ_m ω(k - t_n; θ[b,m,n])² instead (frame n's
    share of the diagonal of S*S; G is not read).
    """
    n_batch = positions.shape[0]
    n_bins, n_frames = win_length.shape[1], win_length.shape[2]
    n_fft = cos_table.shape[0]
    for bn in prange(n_batch * n_frames):
        b = bn // n_frames
        n = bn % n_frames
        t = positions[b, n]
        origin = math.ceil(t - 0.5 * n_fft)
        for m in range(n_bins):
            theta = win_length[b, m, n]
            k_lo, j0, j1 = _support(t, theta, n_samples)
            if j1 <= j0:
                continue
            offset = k_lo - t
            base_index = k_lo - origin
            if squared:
                for j in range(j0, j1):
                    w = window_term(VALUE, code, area, offset + j, theta, n_fft)
                    out[b, n, base_index + j] += w * w
                continue
            gr = g_re[b, m, n]
            gi = g_im[b, m, n]
            slot = (m * ((k_lo + j0 - shift[b, n]) % n_fft)) % n_fft
            for j in range(j0, j1):
                w = window_term(VALUE, code, area, offset + j, theta, n_fft)
                out[b, n, base_index + j] += w * (gr * cos_table[slot] - gi * sin_table[slot])
                slot += m
                if slot >= n_fft:
                    slot -= n_fft


@njit(cache=True)
def add_frames(positions, frames, out):
    """out[b, k] += frames[b, n, k - ⌈t_n - N/2⌉] for 0 <= k < K: overlap-add of ``cell_adjoint``'s frames.

    frames (B, T, N + 1); out (B, K) float64.
    """
    n_batch, n_frames, width = frames.shape
    half = 0.5 * (width - 1)
    n_samples = out.shape[1]
    for b in range(n_batch):
        for n in range(n_frames):
            origin = math.ceil(positions[b, n] - half)
            for j in range(max(0, -origin), min(width, n_samples - origin)):
                out[b, origin + j] += frames[b, n, j]


@njit(cache=True, nogil=True)
def magnitude_cotangent(S, dL_dY, p, out):
    """out = ∂L/∂Y · p |S|^{p-1} · S/|S|, 0 where |S| = 0: the chain from Y = |S|^p to G (1-D views).

    Where Re² + Im² could overflow or underflow (|S| outside (1e-150, 1e150))
    |S| comes from hypot and the unit phasor from division, so that tiny or
    huge |S| keep their phase; elsewhere one reciprocal square root serves.
    """
    for i in range(S.shape[0]):
        re = S[i].real
        im = S[i].imag
        squared = re * re + im * im
        if 1e-300 < squared < 1e300:
            mag = math.sqrt(squared)
            scale = dL_dY[i] / mag if p == 1.0 else dL_dY[i] * p * mag ** (p - 2.0)
            out[i] = complex(re * scale, im * scale)
        else:
            mag = math.hypot(re, im)
            if mag > 0.0:
                out[i] = complex(re / mag, im / mag) * (dL_dY[i] * p * mag ** (p - 1.0))
            else:
                out[i] = 0.0
