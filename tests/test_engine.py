"""The engine's fit-step contract: a Signal validated once, then plans per θ and t_n without checks.

The public stft and stft_vjp are the reference (test_transform and
test_transform_derivatives check them against naive.py and finite
differences): the per-step path must give the same numbers for every θ
layout, never copy x, and build a plan without samples for the adjoint.

A fit's fused value and gradient (the loss's per-frame sums inside the
transform's passes) against the route through Y: stft, the loss function,
magnitude_vjp, stft_vjp; its fallback where the sums leave their range; its
work arrays reused between evaluations.
"""

import threading
import time

import numpy as np
import pytest

import dstft_np
from dstft_np import _engine, losses
from dstft_np._options import VALUE
from dstft_np.objective import Objective

from .grids import theta_cases
from .tolerance import assert_close, tolerance

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


# ---------------------------------------------------------------- the fused value and gradient of a fit

def route_through_y(x, theta, positions, loss, p, phase, n_fft):
    """L(|S|^p) and its gradients by the public functions, Y and G formed."""
    S = dstft_np.stft(x, theta, positions, n_fft=n_fft, phase=phase)
    Y = losses.magnitude(S, p)
    value, dL_dY = loss(Y)
    G = losses.magnitude_vjp(S, dL_dY, p)
    return (value, *dstft_np.stft_vjp(x, theta, positions, G, n_fft=n_fft, phase=phase))


def fused(x, theta, positions, loss, p, phase, n_fft, work=None):
    """L(|S|^p) and its gradients by _engine.loss_value_and_grad, the route of a fit."""
    signal = _engine.prepare_signal(x, n_fft=n_fft, window="hann", norm="area", phase=phase)
    plan = _engine.set_frames(signal, np.asarray(theta, dtype=float), positions, keep_cells=True)
    result = _engine.loss_value_and_grad(plan, loss.frame_sums, p, work)
    if result is None:
        return None
    value, grad_win, grad_pos = result
    return (value, _engine.reduce_to(grad_win, plan, np.shape(theta)),
            _engine.reduce_to(grad_pos, plan, positions.shape))


FUSED_LOSSES = {"entropy": losses.shannon_entropy, "frame-entropy": losses.frame_entropy,
                "renyi": losses.renyi_entropy}


@pytest.mark.parametrize("loss_name, p, phase", [(name, p, phase) for name in FUSED_LOSSES for p, phase in
                                                 ((1.0, "absolute"), (2.0, "center"), (1.5, "start"))])
def test_fused_value_and_gradient_match_the_route_through_y(rng, loss_name, p, phase):
    """Constant, per-frame and per-cell θ, non-integer positions reaching past both ends, N = 256."""
    n_fft = 256
    loss = FUSED_LOSSES[loss_name]
    x = rng.standard_normal(3000)
    positions = np.sort(rng.uniform(-60.0, 3060.0, 40))
    for label, theta in theta_cases(rng, n_fft // 2 + 1, positions.size, n_fft).items():
        what = f"{label} θ, {loss_name}, p={p}, {phase}"
        expected = route_through_y(x, theta, positions, loss, p, phase, n_fft)
        got = fused(x, theta, positions, loss, p, phase, n_fft)
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-12, atol=0, err_msg=what)
        assert_close(got[1], expected[1], tolerance("reference"), f"grad_win, {what}")
        assert_close(got[2], expected[2], tolerance("reference"), f"grad_pos, {what}")
        got32 = fused(x.astype(np.float32), theta, positions, loss, p, phase, n_fft)
        np.testing.assert_allclose(got32[0], expected[0], rtol=1e-5, atol=0, err_msg=f"float32, {what}")
        assert_close(got32[1], expected[1], tolerance("derivative", np.float32), f"float32 grad_win, {what}")
        assert_close(got32[2], expected[2], tolerance("derivative", np.float32), f"float32 grad_pos, {what}")


def test_fused_route_declines_where_the_loss_would_rescale(rng):
    """x = 1e305: ΣY beyond max/1024, so the fit takes the route through Y, whose losses rescale Y."""
    n_fft = 128
    x = 1e305 * rng.standard_normal(1000)
    positions = np.arange(0.0, 1001.0, 50.0)
    assert fused(x / 1e305, 100.3, positions, losses.shannon_entropy, 1.0, "absolute", n_fft) is not None
    assert fused(x, 100.3, positions, losses.shannon_entropy, 1.0, "absolute", n_fft) is None
    model = dstft_np.DSTFT(n_fft, 50, 100.3)
    value, grads = Objective(model, x).value_and_grad(model.parameters())
    expected = route_through_y(x, 100.3, positions, losses.shannon_entropy, 1.0, "absolute", n_fft)
    np.testing.assert_allclose(value, expected[0], rtol=1e-12)
    np.testing.assert_allclose(grads["win_length"], expected[1], rtol=1e-9)


def test_fused_work_arrays_hold_nothing_between_evaluations(rng):
    """One workspace for evaluations at two θ maps gives what fresh arrays give, per frame and per cell."""
    n_fft = 128
    x = rng.standard_normal(1500)
    positions = np.arange(0.0, 1501.0, 64.0)
    for shape in ((1, positions.size), (n_fft // 2 + 1, positions.size)):
        work = _engine.Workspace()
        for theta in (rng.uniform(20.0, n_fft, shape), rng.uniform(20.0, n_fft, shape)):
            reused = fused(x, theta, positions, losses.frame_entropy, 1.0, "center", n_fft, work)
            fresh = fused(x, theta, positions, losses.frame_entropy, 1.0, "center", n_fft)
            for a, b in zip(reused, fresh):
                np.testing.assert_array_equal(a, b, err_msg=f"θ of shape {shape}")


def test_fused_value_and_gradient_on_one_thread_equal_those_of_the_thread_pool(rng):
    """T = 1201 frames of N = 256, three tasks: run in the calling thread (one thread, a batch worker's
    setting) they give the thread pool's numbers exactly, every task writing its own frames."""
    n_fft = 256
    x = rng.standard_normal(1200)
    positions = np.arange(x.size + 1) + 0.375
    assert positions.size > 2 * (_engine.TASK_SAMPLES // n_fft)
    for shape in ((), (1, positions.size), (n_fft // 2 + 1, positions.size)):
        theta = rng.uniform(20.0, n_fft, shape)
        pooled = fused(x, theta, positions, losses.frame_entropy, 1.0, "center", n_fft)
        _engine.set_thread_count(1)
        try:
            alone = fused(x, theta, positions, losses.frame_entropy, 1.0, "center", n_fft)
        finally:
            _engine.set_thread_count(None)
        for a, b in zip(alone, pooled):
            np.testing.assert_array_equal(a, b, err_msg=f"θ of shape {shape}")


def test_objective_checks_nothing_per_evaluation(rng, monkeypatch):
    """The regularisers of an Objective run unchecked: its inputs were checked once when it was built."""
    n_samples = 300
    model = dstft_np.DSTFT(N_FFT, 24, 40.0, win_mode="time", hop_mode="time", n_samples=n_samples)
    model.win_length = rng.uniform(30.0, 60.0, model.win_length.shape)
    model.hops = rng.uniform(20.0, 28.0, model.hops.shape)
    x = rng.standard_normal(n_samples)
    objective = Objective(model, x, smoothness=3.0, coverage=5.0)
    params = model.parameters()
    expected_value, expected_grads = objective.value_and_grad(params)

    def forbidden(*args, **kwargs):
        raise AssertionError("an argument was checked again during an evaluation")

    for name in ("check_real", "check_positive", "check_integer", "check_win_length"):
        monkeypatch.setattr(losses, name, forbidden)
    value, grads = objective.value_and_grad(params)
    assert value == expected_value
    for name, grad in expected_grads.items():
        np.testing.assert_array_equal(grads[name], grad)
    with pytest.raises(AssertionError, match="checked again"):   # the public regularisers do check
        losses.smoothness(params["win_length"], scale=N_FFT)


@pytest.mark.parametrize("n_threads", [1, 2, 3])
def test_chunks_each_run_once_on_the_calling_thread_and_the_helpers(n_threads):
    """_for_each_chunk: every chunk of [0, T) exactly once, whatever the threads and the chunk count."""
    try:
        _engine.set_thread_count(n_threads)
        for n_frames, size in ((1, 4), (7, 1), (10, 3), (64, 5)):
            seen, lock, threads = [], threading.Lock(), set()

            def record(first, last):
                with lock:
                    seen.append((first, last))
                    threads.add(threading.get_ident())

            _engine._for_each_chunk(record, n_frames, size)
            expected = [(first, min(first + size, n_frames)) for first in range(0, n_frames, size)]
            assert sorted(seen) == expected, (n_frames, size)
            assert len(threads) <= n_threads
            if n_threads == 1:
                assert threads == {threading.get_ident()}
    finally:
        _engine.set_thread_count(None)


def test_a_failing_chunk_raises_after_every_started_chunk_finished():
    """An error in one chunk reaches the caller; no chunk still runs when it does; later chunks are skipped."""
    running, finished, lock = set(), [], threading.Lock()

    def chunk(first, last):
        with lock:
            running.add(first)
        time.sleep(0.002)
        with lock:
            running.discard(first)
            finished.append(first)
        if first == 2:
            raise RuntimeError("chunk 2 failed")

    try:
        _engine.set_thread_count(2)
        with pytest.raises(RuntimeError, match="chunk 2 failed"):
            _engine._for_each_chunk(chunk, 200, 1)
        assert not running
        assert 2 in finished and len(finished) < 200
    finally:
        _engine.set_thread_count(None)
