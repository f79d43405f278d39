"""Deliberately wrong DSTFTs, each with one classic mistake, for tests/test_conformance.py.

They wrap dstft_np so that everything except the mistake is right; the
conformance checker must catch each one and name the cases. The last one is
not a mistake but another definition: the authors' v3 convention. Importable by
``python -m dstft_np.conformance tests.wrong_implementations:...`` from the
project root.
"""

import numpy as np

import dstft_np

from . import naive

__all__ = ["flipped_partials", "flipped_vjp", "undivided_partials", "undivided_vjp",
           "phase_confused_stft", "phase_confused_partials", "phase_confused_vjp",
           "floor_support_stft", "v3_convention_stft", "v3_convention_vjp"]


# (a) ∂S/∂t_n with the wrong sign: -∂ω/∂u mistaken for +∂ω/∂u (and the phase term negated too)
def flipped_partials(x, win_length, positions, **options):
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, win_length, positions, **options)
    return S, dS_dwin, -dS_dpos


def flipped_vjp(x, win_length, positions, grad_S, **options):
    grad_win, grad_pos = dstft_np.stft_vjp(x, win_length, positions, grad_S, **options)
    return grad_win, -grad_pos


# (b) ∂ω/∂θ without its factor 1/θ, i.e. θ times the right value
def undivided_partials(x, win_length, positions, **options):
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, win_length, positions, **options)
    return S, np.asarray(win_length) * dS_dwin, dS_dpos


def undivided_vjp(x, win_length, positions, grad_S, **options):
    # θ is constant along every axis the gradient is summed over, so it factors out
    grad_win, grad_pos = dstft_np.stft_vjp(x, win_length, positions, grad_S, **options)
    return np.asarray(win_length) * grad_win, grad_pos


# (c) phase="absolute" (φ_n(k) = k) computed as "start" (φ_n(k) = k - t_n + N/2)
def _confused(options):
    if options["phase"] == "absolute":
        return dict(options, phase="start")
    return options


def phase_confused_stft(x, win_length, positions, **options):
    return dstft_np.stft(x, win_length, positions, **_confused(options))


def phase_confused_partials(x, win_length, positions, **options):
    return dstft_np.stft_partials(x, win_length, positions, **_confused(options))


def phase_confused_vjp(x, win_length, positions, grad_S, **options):
    return dstft_np.stft_vjp(x, win_length, positions, grad_S, **_confused(options))


# (d) each frame cut to the N samples floor(t_n) - N/2 ... floor(t_n) + N/2 - 1: the sample
# k = floor(t_n) + N/2, at u = N/2 - frac(t_n), is lost although |u| < θ/2 when θ > N - 2·frac(t_n)
def floor_support_stft(x, win_length, positions, *, n_fft, window, norm, phase):
    S = dstft_np.stft(x, win_length, positions, n_fft=n_fft, window=window, norm=norm, phase=phase)
    t = np.broadcast_to(positions, S.shape[:-2] + np.shape(positions)[-1:])[..., None, :]
    lost = np.floor(t) + n_fft // 2                                    # (..., 1, T)
    n_samples = np.shape(x)[-1]
    inside = (lost >= 0) & (lost < n_samples)
    samples = np.take_along_axis(
        np.broadcast_to(x, S.shape[:-2] + (n_samples,)),
        np.clip(lost[..., 0, :], 0, n_samples - 1).astype(int), axis=-1)[..., None, :]
    theta = np.broadcast_to(win_length, S.shape)
    m = np.arange(S.shape[-2])[:, None]
    phi = naive.phase_reference(lost, t, n_fft, phase)
    term = naive.window_values(lost - t, theta, n_fft, window, norm) * samples \
        * np.exp(-2j * np.pi * m * phi / n_fft)
    return S - np.where(inside, term, 0.0)


# (e) the authors' v3 definition (github maxime-leiber/dstft 05a3466), written from its
# description in docs/conventions.md, not from its code: Hann only, x (..., K) taken as
# [batch, time], θ 0-d, (1, T), (F, 1) or (F, T), t (T,), frame n made of the N samples
# k = floor(t_n) - N/2 + j, j = 0..N-1, window 0.5 - 0.5 cos(2π(u + θ/2)/θ) on -θ/2 <= u < θ/2
# (times N/θ for normalization="paper"), DFT over j times e^{-j2π m floor(t_n)/N}:
# S = (-1)^m Σ_k ω(k - t_n) x[k] e^{-j2π m k/N}. A stand-in for v3_forward.py of the docs.
def _v3_terms(x, theta, t, n_fft, normalization):
    """The summands of S, ∂S/∂θ and ∂S/∂t_n over the N samples of each frame: (B, F, T, N) each."""
    if normalization not in (None, "paper"):
        raise ValueError(normalization)
    x = np.reshape(x, (-1, np.shape(x)[-1]))
    theta, t = np.asarray(theta).reshape(np.shape(theta) or (1, 1))[..., None], np.asarray(t)
    k = np.floor(t)[:, None] - n_fft // 2 + np.arange(n_fft)          # (T, N)
    u = k - t[:, None]
    inside = (u >= -theta / 2) & (u < theta / 2)                       # (F|1, T, N)
    scale = n_fft / theta if normalization == "paper" else np.ones_like(theta)
    hann = np.cos(np.pi * u / theta) ** 2
    slope = np.pi / theta * np.sin(2 * np.pi * u / theta)              # -∂/∂u of cos²(πu/θ)
    window = np.where(inside, scale * hann, 0.0)
    d_theta = np.where(inside, scale * slope * u / theta
                       - (scale / theta if normalization == "paper" else 0.0) * hann, 0.0)
    d_pos = np.where(inside, scale * slope, 0.0)
    valid = (k >= 0) & (k < x.shape[-1])
    frames = np.where(valid, x[:, np.clip(k, 0, x.shape[-1] - 1).astype(int)], 0.0)[:, None]
    m = np.arange(n_fft // 2 + 1)[:, None, None]
    dft = np.exp(-2j * np.pi * m * (k + n_fft // 2) / n_fft)          # (F, T, N)
    return [w * frames * dft for w in (window, d_theta, d_pos)]


def v3_convention_stft(x, theta, t, *, n_fft, normalization):
    return _v3_terms(x, theta, t, n_fft, normalization)[0].sum(axis=-1)


def v3_convention_vjp(x, theta, t, grad_S, *, n_fft, normalization):
    _, d_theta, d_pos = (a.sum(axis=-1) for a in _v3_terms(x, theta, t, n_fft, normalization))
    G = np.conj(np.asarray(grad_S).reshape(d_theta.shape))
    grad_win = np.real(G * d_theta).sum(axis=0)
    for axis, size in enumerate(np.shape(theta) or (1, 1)):
        if size == 1:
            grad_win = grad_win.sum(axis=axis, keepdims=True)
    return grad_win.reshape(np.shape(theta)), np.real(G * d_pos).sum(axis=(0, 1))
