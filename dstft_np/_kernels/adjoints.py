"""Adjoint and inverse kernels: the transposes of the frame and cell kernels.

Used by ``inverse`` (istft, stft_adjoint) only, never on the fitting path:
they evaluate ω with ``window_term`` at every sample instead of advancing
it by rotations.
"""

import math

from .._jit import njit, prange
from .._options import VALUE
from .window_terms import _support, window_term

__all__ = ["overlap_add", "cell_adjoint", "add_frames"]


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
