"""Numerical edge cases of DSTFT: fits that hit their bounds, silence and a constant, one frame,
a fit with zero gradients.

References: one-sided and central differences (steps and tolerances
stated), and the library's own transform and loss called directly where
the model is the subject.
"""

import itertools
import warnings

import numpy as np
import pytest

import dstft_np
from dstft_np import losses

from .gradcheck import assert_gradient, backward_difference

N_FFT, HOP, N_SAMPLES = 64, 16, 300
# a lower bound off the integers: at θ = 8.3 no window edge sits on a sample, so central
# differences of width 1e-4 do not straddle a kink of the objective
LOW = 8.3
BOUNDS = {"win_length": (LOW, float(N_FFT)), "hop_length": (8.0, 32.0)}


def chirp(n_samples=N_SAMPLES):
    k = np.arange(n_samples)
    return np.sin(2 * np.pi * (0.05 + 0.3 * k / n_samples) * k) + 0.3 * np.sin(0.7 * k)


# ---------------------------------------------------------------- θ at both bounds while fitting

@pytest.mark.parametrize("start, win_mode, hop_mode", [
    (start, *modes) for start, modes in itertools.product(
        (LOW, float(N_FFT)), [("constant", "fixed"), ("time-frequency", "time"), ("frequency", "constant")])])
def test_fit_started_at_a_bound_stays_finite_and_inside(start, win_mode, hop_mode):
    """lr = 50 samples per step pushes θ through both ends; projection keeps it in [8.3, 64], no NaN."""
    model = dstft_np.DSTFT(N_FFT, HOP, start, win_mode=win_mode, hop_mode=hop_mode, n_samples=N_SAMPLES,
                           bounds=BOUNDS)
    trajectory = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)   # no RuntimeWarning (0/0, log 0, overflow) on the way
        warnings.simplefilter("ignore", UserWarning)     # ending at a bound: tests/test_model.py
        history = model.fit(chirp(), method="adam", max_evaluations=16, lr=50.0, smoothness=0.1,
                            callback=lambda step, value, params: trajectory.append(
                                {name: value.copy() for name, value in params.items()}))
    assert history.status == "step limit" and np.all(np.isfinite(history.loss))
    for params in trajectory:
        theta = params["win_length"]
        assert np.all(np.isfinite(theta)) and np.all((theta >= LOW) & (theta <= N_FFT)), theta
        if hop_mode == "time":
            assert np.all((params["hops"] >= 8.0) & (params["hops"] <= 32.0))
    visited = np.concatenate([p["win_length"].ravel() for p in trajectory])
    assert np.any(visited == LOW) or np.any(visited == N_FFT), "the steps are large enough to reach a bound"


def test_gradient_at_the_upper_bound_matches_one_sided_differences():
    """θ = N: (3f(N) - 4f(N - δ) + f(N - 2δ)) / 2δ with δ = 1e-4; truncation O(δ²), far below 1e-6."""
    model = dstft_np.DSTFT(N_FFT, HOP, float(N_FFT), bounds=BOUNDS)
    x = chirp()

    def objective(theta):
        model.win_length = theta
        return model.value_and_grad(x)[0]

    model.win_length = float(N_FFT)
    grad = float(model.value_and_grad(x)[1]["win_length"])
    step = 1e-4
    one_sided = backward_difference(objective, N_FFT, step)
    np.testing.assert_allclose(grad, one_sided, rtol=1e-6, atol=1e-12, err_msg="∂L/∂θ at θ = n_fft")


def test_gradient_at_the_lower_bound_matches_central_differences(rng):
    """θ = 8.3 in every cell of a time-frequency map: central differences, step 1e-4, rtol 1e-5."""
    model = dstft_np.DSTFT(N_FFT, HOP, LOW, win_mode="time-frequency", n_samples=N_SAMPLES, bounds=BOUNDS)
    x = chirp()
    shape = model.win_length.shape

    def objective(theta):
        model.win_length = np.clip(theta.reshape(shape), LOW - 1e-3, N_FFT)
        return model.value_and_grad(x)[0]

    # the bound is only the optimiser's: the model accepts θ a little below it for the differences
    model.bounds["win_length"] = (LOW - 1e-3, float(N_FFT))
    model.win_length = LOW
    grad = model.value_and_grad(x)[1]["win_length"]
    assert_gradient(objective, np.full(grad.size, LOW), grad.ravel(), rng, step=1e-4, rtol=1e-5,
                    coordinates=rng.choice(grad.size, 6, replace=False), what="θ = lower bound")


# ---------------------------------------------------------------- silence and constants


@pytest.mark.parametrize("win_mode, hop_mode", [("constant", "fixed"), ("time-frequency", "time")])
def test_model_on_silence_and_a_constant(win_mode, hop_mode):
    """Silence: objective 0 (coverage off), every gradient exactly 0. A constant: the entropy of
    |stft(x)| computed directly, finite gradients."""
    model = dstft_np.DSTFT(N_FFT, HOP, 40.5, win_mode=win_mode, hop_mode=hop_mode, n_samples=N_SAMPLES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grads = model.value_and_grad(np.zeros(N_SAMPLES), "entropy", smoothness=0.0, coverage=0.0)
        assert value == 0.0 and all(np.all(g == 0) for g in grads.values()), grads
        constant = np.full(N_SAMPLES, 2.5)
        value, grads = model.value_and_grad(constant, "entropy", smoothness=0.0, coverage=0.0)
    S = dstft_np.stft(constant, model.win_length, model.positions(), n_fft=N_FFT)
    assert value == pytest.approx(losses.shannon_entropy(np.abs(S))[0], rel=1e-12, abs=0)
    assert all(np.all(np.isfinite(g)) for g in grads.values())


# ---------------------------------------------------------------- a single frame

def test_model_with_a_single_frame_matches_central_differences(rng):
    """hop > K: T = 1 + K // hop = 1 frame; the chain gradient of every θ mode against differences."""
    x = chirp(50)
    for win_mode in ("constant", "frequency"):
        model = dstft_np.DSTFT(N_FFT, 60.0, 47.3, win_mode=win_mode, n_samples=50)
        assert model.positions().shape == (1,)
        start = model.win_length.copy()

        def objective(theta):
            model.win_length = theta.reshape(start.shape)
            return model.value_and_grad(x, "frame-entropy")[0]

        # the frame-mean entropy: per bin the default bin-mean entropy of a single frame is 0 for every θ
        grad = model.value_and_grad(x, "frame-entropy")[1]["win_length"]
        assert_gradient(objective, start.ravel(), grad.ravel(), rng, step=1e-4, rtol=1e-5,
                        coordinates=range(min(start.size, 4)), what=f"one frame, {win_mode}")
        model.win_length = start


# ---------------------------------------------------------------- a fit with zero gradients


@pytest.mark.parametrize("method", ["l-bfgs-b", "adam"])
def test_fit_of_silence_with_zero_gradients_keeps_the_parameters(method):
    model = dstft_np.DSTFT(N_FFT, HOP, 40.5, win_mode="time", n_samples=N_SAMPLES)
    start = model.win_length.copy()
    with pytest.warns(UserWarning, match="x is silent"):
        # l-bfgs-b: the start, the scan of constant maps, then one evaluation with a zero gradient
        history = model.fit(np.zeros(N_SAMPLES), method=method, max_evaluations=30)
    assert history.status == ("converged" if method == "l-bfgs-b" else "step limit"), history.message
    assert np.all(history.loss == 0)
    np.testing.assert_array_equal(model.win_length, start)
