"""Numba kernels: loops only, no validation, outputs preallocated by the caller.

Notation (DESIGN.md §2): batch b, frame n, bin m, sample k, window length θ,
position t_n, n_fft N, u = k - t_n. Window terms come from
``windows.window_term`` (which = VALUE, D_WIN or NEG_D_OFFSET).

The DFT phase of frame n is written φ_n(k) = (k - s_n) - r_n with an integer
shift s_n (``shift``) and a residual r_n folded in by the caller as
e^{+j2π m r_n / N}; the kernels therefore see only the integer part, which
makes the FFT paths fold sample k into buffer slot (k - s_n) mod N.

Two families:

- frame kernels (θ constant along frequency): ``fill_frames`` writes the
  windowed, folded frames that one rfft per frame turns into S (or into a
  partial derivative); ``frames_vjp`` takes the irfft of the cotangent and
  forms the two dot products of the VJP.
- cell kernels (θ varies along frequency): ``cell_transform`` and
  ``cell_vjp`` sum over (m, n, k) directly, O(F·T·N) time and O(F·T) memory.
"""

import math

import numpy as np
from numba import njit, prange

from .windows import D_WIN, NEG_D_OFFSET, window_term

__all__ = ["fill_frames", "frames_vjp", "cell_transform", "cell_vjp"]


@njit(cache=True)
def _support(t, theta, n_samples):
    """First sample of the support |k - t| <= θ/2 and the range [j0, j1) of it inside [0, K)."""
    k_lo = math.ceil(t - 0.5 * theta)
    k_hi = math.floor(t + 0.5 * theta)
    j0 = max(0, -k_lo)
    j1 = min(k_hi, n_samples - 1) - k_lo + 1
    return k_lo, j0, j1


@njit(cache=True)
def fill_frames(x, positions, win_length, shift, which, code, area, out):
    """out[b, n, (k - s_n) mod N] += w(k - t_n; θ_n) x[b, k]; w = ω, ∂ω/∂θ or -∂ω/∂u.

    x (B, K); positions, win_length (B, T) float64; shift (B, T) int64;
    out (B, T, N) zero-filled, same float type as x.
    """
    n_batch, n_samples = x.shape
    n_frames = positions.shape[1]
    n_fft = out.shape[2]
    w = np.empty(n_fft + 1)
    for b in range(n_batch):
        # consecutive frames with equal θ and equal offset k_lo - t_n share
        # their window values: evaluate once (the usual case of a constant hop).
        last_theta = -1.0
        last_offset = math.nan
        for n in range(n_frames):
            t = positions[b, n]
            theta = win_length[b, n]
            k_lo, j0, j1 = _support(t, theta, n_samples)
            if j1 <= j0:
                continue
            offset = k_lo - t
            if theta != last_theta or offset != last_offset:
                for j in range(math.floor(t + 0.5 * theta) - k_lo + 1):
                    w[j] = window_term(which, code, area, offset + j, theta, n_fft)
                last_theta = theta
                last_offset = offset
            slot = (k_lo + j0 - shift[b, n]) % n_fft
            for j in range(j0, j1):
                out[b, n, slot] += w[j] * x[b, k_lo + j]
                slot += 1
                if slot == n_fft:
                    slot = 0


@njit(cache=True)
def frames_vjp(x, positions, win_length, shift, code, area, g, grad_win, grad_pos):
    """∂L/∂θ_n = Σ_k ∂ω/∂θ x[k] g_n[k],  ∂L/∂t_n = -Σ_k ∂ω/∂u x[k] g_n[k] (without the phase term).

    g (B, T, N): g_n at buffer slot (k - s_n) mod N, the real part of the
    one-sided inverse DFT of the cotangent; grad_win, grad_pos (B, T) float64.
    """
    n_batch, n_samples = x.shape
    n_frames = positions.shape[1]
    n_fft = g.shape[2]
    w_win = np.empty(n_fft + 1)
    w_pos = np.empty(n_fft + 1)
    for b in range(n_batch):
        last_theta = -1.0
        last_offset = math.nan
        for n in range(n_frames):
            t = positions[b, n]
            theta = win_length[b, n]
            k_lo, j0, j1 = _support(t, theta, n_samples)
            acc_win = 0.0
            acc_pos = 0.0
            if j1 > j0:
                offset = k_lo - t
                if theta != last_theta or offset != last_offset:
                    for j in range(math.floor(t + 0.5 * theta) - k_lo + 1):
                        u = offset + j
                        w_win[j] = window_term(D_WIN, code, area, u, theta, n_fft)
                        w_pos[j] = window_term(NEG_D_OFFSET, code, area, u, theta, n_fft)
                    last_theta = theta
                    last_offset = offset
                slot = (k_lo + j0 - shift[b, n]) % n_fft
                for j in range(j0, j1):
                    gx = g[b, n, slot] * x[b, k_lo + j]
                    acc_win += w_win[j] * gx
                    acc_pos += w_pos[j] * gx
                    slot += 1
                    if slot == n_fft:
                        slot = 0
            grad_win[b, n] = acc_win
            grad_pos[b, n] = acc_pos


@njit(cache=True, parallel=True)
def cell_transform(x, positions, win_length, shift, which, code, area, cos_table, sin_table, out):
    """out[b, m, n] = Σ_k w(k - t_n; θ[b, m, n]) x[b, k] e^{-j2π m (k - s_n)/N}; w = ω, ∂ω/∂θ or -∂ω/∂u.

    win_length (B, F, T) float64; cos_table, sin_table (N,) hold cos and sin
    of 2π i/N; out (B, F, T) complex.
    """
    n_batch, n_samples = x.shape
    n_bins, n_frames = win_length.shape[1], win_length.shape[2]
    n_fft = cos_table.shape[0]
    for bn in prange(n_batch * n_frames):
        b = bn // n_frames
        n = bn % n_frames
        t = positions[b, n]
        for m in range(n_bins):
            theta = win_length[b, m, n]
            k_lo, j0, j1 = _support(t, theta, n_samples)
            re = 0.0
            im = 0.0
            if j1 > j0:
                offset = k_lo - t
                slot = (m * ((k_lo + j0 - shift[b, n]) % n_fft)) % n_fft
                for j in range(j0, j1):
                    wx = window_term(which, code, area, offset + j, theta, n_fft) * x[b, k_lo + j]
                    re += wx * cos_table[slot]
                    im -= wx * sin_table[slot]
                    slot += m
                    if slot >= n_fft:
                        slot -= n_fft
            out[b, m, n] = complex(re, im)


@njit(cache=True, parallel=True)
def cell_vjp(x, positions, win_length, shift, code, area, cos_table, sin_table, g_re, g_im,
             grad_win, grad_pos):
    """∂L/∂θ[m,n] = Re(conj(G) ∂S/∂θ[m,n]),  ∂L/∂t_n = Σ_m Re(conj(G) ∂S/∂t_n) (without the phase term).

    g_re, g_im (B, F, T): the cotangent with the residual phase already
    folded in; grad_win (B, F, T), grad_pos (B, T) float64.
    """
    n_batch, n_samples = x.shape
    n_bins, n_frames = win_length.shape[1], win_length.shape[2]
    n_fft = cos_table.shape[0]
    for bn in prange(n_batch * n_frames):
        b = bn // n_frames
        n = bn % n_frames
        t = positions[b, n]
        acc_pos = 0.0
        for m in range(n_bins):
            theta = win_length[b, m, n]
            k_lo, j0, j1 = _support(t, theta, n_samples)
            acc_win = 0.0
            if j1 > j0:
                gr = g_re[b, m, n]
                gi = g_im[b, m, n]
                offset = k_lo - t
                slot = (m * ((k_lo + j0 - shift[b, n]) % n_fft)) % n_fft
                for j in range(j0, j1):
                    u = offset + j
                    # Re(conj(G) e^{-j2π m (k - s)/N}) x[k]
                    gx = (gr * cos_table[slot] - gi * sin_table[slot]) * x[b, k_lo + j]
                    acc_win += window_term(D_WIN, code, area, u, theta, n_fft) * gx
                    acc_pos += window_term(NEG_D_OFFSET, code, area, u, theta, n_fft) * gx
                    slot += m
                    if slot >= n_fft:
                        slot -= n_fft
            grad_win[b, m, n] = acc_win
        grad_pos[b, n] = acc_pos


# --- adjoint and inverse (transposes of the kernels above) -----------------------------------
# Self-contained additions: they reuse ``_support`` and ``window_term`` and
# leave the kernels above untouched.

from .windows import VALUE  # noqa: E402  (kept beside the kernels that use it)

__all__ += ["overlap_add", "cell_adjoint", "add_frames"]


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
