"""Frame kernels: θ constant along frequency, one rfft per frame.

``fill_frames`` writes the windowed, folded frames that one rfft per frame
turns into S (or into a partial derivative); ``cotangent_frames`` lays a
cotangent out as the spectra whose irfft ``frames_vjp`` needs, and
``frames_vjp`` forms the dot products of the VJP from that irfft, including
the phase term; ``rotate_bins`` applies the residual phase e^{±j2π m r_n/N}
to spectra (docs/derivation.md §4, §5).
"""

import math

import numpy as np

from .._jit import njit
from .._options import D_WIN, NEG_D_OFFSET
from .window_terms import _base_run, _combine, _norm_factor, _support, _term_weights

__all__ = ["fill_frames", "cotangent_frames", "frames_vjp", "rotate_bins"]

#: The VJP's dot products may be summed in any order (LLVM vectorises them) and use FMA.
_SUMS = {"reassoc", "contract"}


@njit(cache=True, fastmath={"reassoc"})
def _scale_into(dst, d0, w, w0, x, x0, count):
    """dst[d0 + q] = w[w0 + q] x[x0 + q] for q < count; returns Σ |w x| (float64, any order).

    The guard tells LLVM that the offsets are non-negative, so that it
    drops numba's handling of negative indices and vectorises the loop
    (views of the runs were typed non-contiguous and gathered).
    """
    total = 0.0
    if d0 < 0 or w0 < 0 or x0 < 0:
        return total
    for q in range(count):
        value = w[w0 + q] * x[x0 + q]
        dst[d0 + q] = value
        total += abs(np.float64(value))
    return total


@njit(cache=True)
def _fold(w, x, k_lo, j0, j1, slot0, frame):
    """frame[(slot0 + j - j0) mod N] = Σ w[j] x[k_lo + j] over j0 <= j < j1 (at most N + 1 samples).

    Each of the first min(j1 - j0, N) samples has a slot of its own and is
    written directly; the slots no sample reaches are zeroed; an (N + 1)-th
    sample is added onto the slot of the first. Returns Σ_j |w[j] x[k_lo + j]|,
    which bounds |rfft(frame)| at every bin.
    """
    n_fft = frame.shape[0]
    count = min(j1 - j0, n_fft)
    head = min(count, n_fft - slot0)
    total = _scale_into(frame, slot0, w, j0, x, k_lo + j0, head)
    total += _scale_into(frame, 0, w, j0 + head, x, k_lo + j0 + head, count - head)
    end = slot0 + count
    if end <= n_fft:
        frame[end:] = 0.0
        frame[:slot0] = 0.0
    else:
        frame[end - n_fft:slot0] = 0.0
    if j1 - j0 > n_fft:
        last = w[j0 + n_fft] * x[k_lo + j0 + n_fft]
        frame[slot0] += last
        total += abs(np.float64(last))
    return total


@njit(cache=True, nogil=True)
def fill_frames(x, positions, win_length, shift, which, code, area, scale, first, out):
    """out[b, n - first, (k - s_n) mod N] = scale · Σ w(k - t_n; θ_n) x[b, k]; w = ω, ∂ω/∂θ or -∂ω/∂u.

    x (B, K); positions, win_length (B, T) float64; shift (B, T) int64;
    out (B, L, N) of the float type of x for the frames first .. first+L-1,
    every element written (zeros where no sample lands); scale a float64
    folded into the window values (the caller's FFT normalisation, 1 for
    none). Returns the largest Σ |scale w x| of the frames, a bound on the
    frames' |rfft| (NaN if some value is): the overflow check of the caller.
    """
    n_batch, n_samples = x.shape
    n_fft = out.shape[2]
    h = np.empty(n_fft + 1)
    dh = np.empty(n_fft + 1)
    w = np.empty(n_fft + 1)
    largest = 0.0
    for b in range(n_batch):
        # consecutive frames with equal θ and equal offset k_lo - t_n share
        # their window values: evaluate once (the usual case of a constant hop).
        last_theta = -1.0
        last_offset = math.nan
        last_count = -1
        for i in range(out.shape[1]):
            n = first + i
            t = positions[b, n]
            theta = win_length[b, n]
            k_lo, j0, j1 = _support(t, theta, n_samples)
            if j1 <= j0:
                out[b, i, :] = 0.0
                continue
            offset = k_lo - t
            # the count too: t ± θ/2 rounds onto a sample in some frames and not in others
            count = math.floor(t + 0.5 * theta) - k_lo + 1
            if theta != last_theta or offset != last_offset or count != last_count:
                _base_run(code, offset, theta, count, h, dh)
                alpha, beta, gamma = _term_weights(which, area, theta, n_fft)
                alpha *= scale
                beta = beta * scale / theta
                gamma *= scale
                for j in range(count):
                    w[j] = alpha * h[j] + (beta * (offset + j) + gamma) * dh[j]
                last_theta = theta
                last_offset = offset
                last_count = count
            total = _fold(w, x[b], k_lo, j0, j1, (k_lo + j0 - shift[b, n]) % n_fft, out[b, i])
            if not total <= largest:   # NaN included
                largest = total
    return largest


#: Independent recurrences of ``_phasors``: element m follows from element m - _LANES.
_LANES = 8


@njit(cache=True)
def _phasors(angle, out):
    """out[m] = e^{j·angle·m}: _LANES values from cos and sin, the others by rotating the one _LANES back.

    Lanes keep the products independent (they overlap in the pipeline) and
    the chains short: M/_LANES rotations, each adding at most an ε or two
    of relative error.
    """
    for m in range(min(_LANES, out.shape[0])):
        out[m] = complex(math.cos(angle * m), math.sin(angle * m))
    step = complex(math.cos(angle * _LANES), math.sin(angle * _LANES))
    for m in range(_LANES, out.shape[0]):
        out[m] = out[m - _LANES] * step


@njit(cache=True, nogil=True)
def cotangent_frames(G, residual, with_phase, first, out):
    """The spectra whose irfft gives 2 g_n: out[b, n - first, 0, m] = c_m G̃[b, m, n], G̃ = G e^{-j2π m r_n/N}.

    With with_phase, out[b, n - first, 1, m] = c_m (-j2π m/N) G̃[b, m, n]
    (the phase channel). c_m = 2 for m = 0 and m = N/2, 1 between:
    irfft(·, norm="forward") counts the bins 0 < m < N/2 twice and the two
    end bins once, so with c_m every bin counts twice (docs/derivation.md §5).
    G (B, F, T) complex; residual (B, T) float64; out (B, L, C, F) complex.
    """
    n_batch, n_bins = G.shape[0], G.shape[1]
    n_fft = 2 * (n_bins - 1)
    rotation = np.empty(n_bins, dtype=np.complex128)
    rate = -2.0 * math.pi / n_fft * np.arange(n_bins)
    for b in range(n_batch):
        for i in range(out.shape[1]):
            n = first + i
            spectrum = out[b, i, 0]
            if residual[b, n] != 0.0:
                _phasors(-2.0 * math.pi * residual[b, n] / n_fft, rotation)
                for m in range(n_bins):
                    spectrum[m] = G[b, m, n] * rotation[m]
            else:
                for m in range(n_bins):
                    spectrum[m] = G[b, m, n]
            spectrum[0] *= 2.0
            spectrum[n_bins - 1] *= 2.0
            if with_phase:
                phase = out[b, i, 1]
                for m in range(n_bins):
                    phase[m] = complex(-rate[m] * spectrum[m].imag, rate[m] * spectrum[m].real)


@njit(cache=True, fastmath=_SUMS)
def _run_sums(h, dh, offset, x, k_lo, j_start, j_end, g, phase, slot_start, with_phase):
    """(Σ h x g, Σ u h' x g, Σ h' x g, Σ h x g^φ) over j_start <= j < j_end, u = offset + j, slot = slot_start + j - j_start.

    Offsets guarded non-negative as in ``_scale_into``.
    """
    acc_h = 0.0
    acc_udh = 0.0
    acc_dh = 0.0
    acc_phase = 0.0
    x0 = k_lo + j_start
    if j_start < 0 or x0 < 0 or slot_start < 0:
        return acc_h, acc_udh, acc_dh, acc_phase
    for q in range(j_end - j_start):
        xk = np.float64(x[x0 + q])   # float64 for float32 data too: x g may exceed float32
        gx = np.float64(g[slot_start + q]) * xk
        acc_h += h[j_start + q] * gx
        acc_udh += (offset + j_start + q) * dh[j_start + q] * gx
        acc_dh += dh[j_start + q] * gx
        if with_phase:
            acc_phase += h[j_start + q] * phase[slot_start + q] * xk
    return acc_h, acc_udh, acc_dh, acc_phase


@njit(cache=True)
def _support_sums(h, dh, offset, x, k_lo, j0, j1, slot0, g, phase, with_phase):
    """``_run_sums`` over the support j0 <= j < j1, whose samples sit at slots (slot0 + j - j0) mod N of g."""
    head = j0 + min(j1 - j0, g.shape[0] - slot0)
    first = _run_sums(h, dh, offset, x, k_lo, j0, head, g, phase, slot0, with_phase)
    wrapped = _run_sums(h, dh, offset, x, k_lo, head, j1, g, phase, 0, with_phase)
    return (first[0] + wrapped[0], first[1] + wrapped[1], first[2] + wrapped[2], first[3] + wrapped[3])


@njit(cache=True, nogil=True)
def frames_vjp(x, positions, win_length, shift, code, area, first, g, grad_win, grad_pos):
    """∂L/∂θ_n = Σ_k ∂ω/∂θ x[k] g_n[k],  ∂L/∂t_n = -Σ_k ∂ω/∂u x[k] g_n[k] (+ Σ_k ω x[k] g^φ_n[k]).

    For the frames n = first .. first+L-1: g (B, L, C, N) holds 2 g_n at
    buffer slot (k - s_n) mod N, the irfft(norm="forward") of
    ``cotangent_frames``' spectra; channel 1 (when C = 2) 2 g^φ_n, the
    phase term of "center" and "start". grad_win, grad_pos (B, T) float64.
    """
    n_batch, n_samples = x.shape
    n_fft = g.shape[3]
    h = np.empty(n_fft + 1)
    dh = np.empty(n_fft + 1)
    for b in range(n_batch):
        last_theta = -1.0
        last_offset = math.nan
        last_count = -1
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
            count = math.floor(t + 0.5 * theta) - k_lo + 1   # as in fill_frames
            if theta != last_theta or offset != last_offset or count != last_count:
                _base_run(code, offset, theta, count, h, dh)
                last_theta = theta
                last_offset = offset
                last_count = count
            acc_h, acc_udh, acc_dh, acc_phase = _support_sums(
                h, dh, offset, x[b], k_lo, j0, j1, (k_lo + j0 - shift[b, n]) % n_fft, g[b, i, 0],
                g[b, i, -1], g.shape[2] == 2)
            # g holds 2 g_n: halve the sums
            sum_h, sum_vdh, sum_dh = 0.5 * acc_h, 0.5 * acc_udh / theta, 0.5 * acc_dh
            grad_win[b, n] = _combine(D_WIN, area, theta, n_fft, sum_h, sum_vdh, sum_dh)
            grad_pos[b, n] = (_combine(NEG_D_OFFSET, area, theta, n_fft, sum_h, sum_vdh, sum_dh)
                              + _norm_factor(area, theta, n_fft) * 0.5 * acc_phase)


@njit(cache=True, nogil=True)
def rotate_bins(spectra, residual, sign, first, last):
    """spectra[b, n, :, m] *= e^{sign·j2π m r[b, n]/N} in place for first <= n < last.

    spectra (B, T, C, F), N = 2(F - 1); the factors come from ``_phasors``.
    """
    n_batch, _, n_channels, n_bins = spectra.shape
    n_fft = 2 * (n_bins - 1)
    rotation = np.empty(n_bins, dtype=np.complex128)
    for b in range(n_batch):
        for n in range(first, last):
            _phasors(sign * 2.0 * math.pi * residual[b, n] / n_fft, rotation)
            for c in range(n_channels):
                spectrum = spectra[b, n, c]
                for m in range(n_bins):
                    spectrum[m] *= rotation[m]

