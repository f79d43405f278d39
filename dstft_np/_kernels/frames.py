"""Frame kernels: θ constant along frequency, one rfft per frame.

``fill_frames`` writes the windowed, folded frames that one rfft per frame
turns into S (or into a partial derivative); ``frames_vjp`` takes the irfft
of the cotangent and forms the dot products of the VJP, including the phase
term; ``rotate_bins`` applies the residual phase e^{±j2π m r_n/N} to the
spectra (docs/derivation.md §5).
"""

import math

import numpy as np

from .._jit import njit
from .._options import D_WIN, NEG_D_OFFSET
from .window_terms import _base_run, _combine, _norm_factor, _support, _term_weights

__all__ = ["fill_frames", "frames_vjp", "rotate_bins"]


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
        last_count = -1
        for i in range(out.shape[1]):
            n = first + i
            out[b, i, :] = 0.0
            t = positions[b, n]
            theta = win_length[b, n]
            k_lo, j0, j1 = _support(t, theta, n_samples)
            if j1 <= j0:
                continue
            offset = k_lo - t
            # the count too: t ± θ/2 rounds onto a sample in some frames and not in others
            count = math.floor(t + 0.5 * theta) - k_lo + 1
            if theta != last_theta or offset != last_offset or count != last_count:
                _base_run(code, offset, theta, count, h, dh)
                alpha, beta, gamma = _term_weights(which, area, theta, n_fft)
                beta /= theta
                for j in range(count):
                    w[j] = alpha * h[j] + (beta * (offset + j) + gamma) * dh[j]
                last_theta = theta
                last_offset = offset
                last_count = count
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
