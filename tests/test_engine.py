"""The engine's fit-step contract: a Signal validated once, then plans per θ and t_n without checks.

The public stft and stft_vjp are the reference (test_transform and
test_derivatives check them against naive.py and finite differences): the
per-step path must give the same numbers for every θ layout, never copy x,
and build a plan without samples for the adjoint.
"""

import numpy as np
import pytest

import dstft_np
from dstft_np import _engine
from dstft_np._options import VALUE

N_FFT = 64
N_BINS = N_FFT // 2 + 1
RTOL = 1e-12


def theta_layouts(rng, n_frames):
    """θ in every layout a fit stores: (), (T,), (F, 1), (F, T), and (F, T) with equal rows."""
    return {
        "scalar": np.float64(40.3),
        "per-frame": rng.uniform(10.0, N_FFT, n_frames),
        "per-bin": rng.uniform(10.0, N_FFT, (N_BINS, 1)),
        "per-cell": rng.uniform(10.0, N_FFT, (N_BINS, n_frames)),
        "per-cell, equal rows": np.tile(rng.uniform(10.0, N_FFT, n_frames), (N_BINS, 1)),
    }


@pytest.mark.parametrize("phase", ["absolute", "center", "start"])
@pytest.mark.parametrize("batch", [(), (2,)], ids=["one signal", "batch of 2"])
def test_step_path_matches_the_public_transform_and_vjp(rng, phase, batch):
    x = rng.standard_normal(batch + (300,))
    signal = _engine.prepare_signal(x, n_fft=N_FFT, window="hann", norm="area", phase=phase)
    for step in range(2):  # the same Signal serves every step
        positions = np.arange(0.0, 300.0, 37.0) + rng.uniform(-3, 3)
        for label, theta in theta_layouts(rng, positions.size).items():
            plan = _engine.set_frames(signal, theta, positions, keep_cells=True)
            S = _engine.unbatch(_engine.transform(plan, VALUE), plan)
            expected = dstft_np.stft(x, theta, positions, n_fft=N_FFT, phase=phase)
            np.testing.assert_allclose(S, expected, rtol=RTOL, atol=1e-12 * np.abs(expected).max(),
                                       err_msg=f"S, {label}, step {step}")
            G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
            grad_win, grad_pos = _engine.vjp(plan, G)
            grad_win = _engine.reduce_to(grad_win, plan, np.shape(theta))
            grad_pos = _engine.reduce_to(grad_pos, plan, positions.shape)
            expected_win, expected_pos = dstft_np.stft_vjp(x, theta, positions, G, n_fft=N_FFT, phase=phase)
            assert grad_win.shape == np.shape(theta) and grad_pos.shape == positions.shape, label
            np.testing.assert_allclose(grad_win, expected_win, rtol=RTOL, atol=1e-12 * np.abs(expected_win).max(),
                                       err_msg=f"grad_win, {label}, step {step}")
            np.testing.assert_allclose(grad_pos, expected_pos, rtol=RTOL, atol=1e-12 * np.abs(expected_pos).max(),
                                       err_msg=f"grad_pos, {label}, step {step}")


def test_per_cell_equal_rows_take_the_frame_path_unless_cells_are_kept(rng):
    x = rng.standard_normal(200)
    signal = _engine.prepare_signal(x, n_fft=N_FFT, window="hann", norm="area", phase="absolute")
    positions = np.arange(0.0, 200.0, 25.0)
    theta = np.tile(rng.uniform(10.0, N_FFT, positions.size), (N_BINS, 1))
    assert not _engine.set_frames(signal, theta, positions).per_cell
    assert _engine.set_frames(signal, theta, positions, keep_cells=True).per_cell


def test_signal_is_validated_once_and_never_copied_per_step(rng):
    x = rng.standard_normal((2, 250))[:, ::2]   # not contiguous: made contiguous once
    signal = _engine.prepare_signal(x, n_fft=N_FFT, window="hann", norm="area", phase="absolute")
    assert signal.x.flags.c_contiguous and np.array_equal(signal.x, x)
    for theta in (30.0, rng.uniform(10.0, N_FFT, (N_BINS, 1))):
        plan = _engine.set_frames(signal, np.asarray(theta), np.arange(0.0, 125.0, 20.0))
        assert np.shares_memory(plan.x, signal.x), "set_frames copied x"
    with pytest.raises(ValueError, match="x must be finite"):
        _engine.prepare_signal(np.array([1.0, np.nan]), n_fft=N_FFT, window="hann", norm="area",
                               phase="absolute")


def test_plan_without_samples_gives_the_adjoint(rng):
    """⟨stft(x), G⟩ = ⟨x, S*(G)⟩ with S* from a plan that never saw a signal."""
    x = rng.standard_normal((2, 180))
    positions = np.arange(-10.0, 190.0, 21.5)
    theta = rng.uniform(10.0, N_FFT, (N_BINS, positions.size))
    signal = _engine.signal_shape((2,), 180, np.float64, n_fft=N_FFT, window="blackman", norm=None,
                                  phase="center")
    for label, win in (("per cell", theta), ("per frame", theta[:1])):
        plan = _engine.prepare_frames(signal, win, positions)
        assert plan.x is None
        S = dstft_np.stft(x, win, positions, n_fft=N_FFT, window="blackman", norm=None, phase="center")
        G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
        lhs = np.real(np.vdot(G, S))
        rhs = np.sum(x * _engine.unbatch(_engine.adjoint(plan, G), plan))
        np.testing.assert_allclose(rhs, lhs, rtol=1e-11, err_msg=label)
