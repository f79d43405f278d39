"""Bad input to stft_jvp: a clear error naming the argument, and no RuntimeWarning before it."""

import warnings

import numpy as np
import pytest

import dstft_np

from .inputs import N_FFT, N_FRAMES, POSITIONS, THETA, expect, signal, with_value


def call_jvp(tangent_win=1.0, tangent_pos=None, win_length=THETA, positions=POSITIONS, **options):
    tangent_pos = np.zeros(np.shape(positions)) if tangent_pos is None else tangent_pos
    return dstft_np.stft_jvp(signal(), win_length, positions, tangent_win, tangent_pos,
                             **{"n_fft": N_FFT, **options})


JVP_CASES = [
    ("tangent_win-nan", lambda: call_jvp(np.nan), ValueError, r"tangent_win must be finite"),
    ("tangent_pos-inf", lambda: call_jvp(tangent_pos=with_value(np.zeros(N_FRAMES), 1, np.inf)), ValueError,
     r"tangent_pos must be finite"),
    ("tangent_win-complex", lambda: call_jvp(1j), TypeError, r"tangent_win must be real, got complex"),
    ("tangent_win-string", lambda: call_jvp("1"), TypeError, r"tangent_win must be a real numeric array"),
    ("tangent_win-None", lambda: call_jvp(None), TypeError, r"tangent_win must be a real numeric array"),
    ("tangent_win-shape", lambda: call_jvp(np.ones(N_FRAMES)), ValueError,
     r"tangent_win must have the shape of win_length, \(\), got \(26,\)"),
    ("tangent_pos-shape", lambda: call_jvp(tangent_pos=np.zeros(N_FRAMES - 1)), ValueError,
     r"tangent_pos must have the shape of positions, \(26,\), got \(25,\)"),
    ("theta-above-n_fft", lambda: call_jvp(win_length=17.0), ValueError, r"win_length must be in \(0, n_fft=16\]"),
    ("n_fft-odd", lambda: call_jvp(n_fft=15), ValueError, r"n_fft must be an even integer >= 2, got 15"),
    ("phase-unknown", lambda: call_jvp(phase="x"), ValueError, r"phase must be one of 'absolute', 'center', 'start'"),
    ("overflow", lambda: call_jvp(1e308, np.full(N_FRAMES, 1e308)), ValueError,
     r"dS overflowed complex128 although every input is finite.*Scale the tangents"),
]


@pytest.mark.parametrize("case, call, error, match", JVP_CASES, ids=[c[0] for c in JVP_CASES])
def test_jvp_rejects(case, call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # the overflow case raises its ValueError, no RuntimeWarning first
        expect(error, match, call)
