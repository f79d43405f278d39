"""Deliberately wrong DSTFTs, each with one classic mistake, for tests/test_conformance.py.

They wrap dstft_np so that everything except the mistake is right; the
conformance checker must catch each one and name the cases. Importable by
``python -m dstft_np.conformance tests.wrong_implementations:...`` from the
project root.
"""

import numpy as np

import dstft_np

__all__ = ["flipped_partials", "flipped_vjp", "undivided_partials", "undivided_vjp",
           "phase_confused_stft", "phase_confused_partials", "phase_confused_vjp"]


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
