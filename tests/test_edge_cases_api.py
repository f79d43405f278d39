"""Numerical edge cases beyond the core transforms: fits that hit their bounds, silence and constants
through the losses, the model and istft, one frame, frames far outside the signal, zero gradients.

References: one-sided and central differences (steps and tolerances
stated), the original signal of a round trip, closed forms computed here
(log M for a uniform distribution, the bias-corrected Adam step), and the
library's own transform called directly where the model is the subject.
"""

import itertools
import math
import warnings

import numpy as np
import pytest

import dstft_np
from dstft_np import losses
from dstft_np.inverse import stft_adjoint
from dstft_np.optim import Adam

from .gradcheck import assert_gradient

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
    one_sided = (3 * objective(N_FFT) - 4 * objective(N_FFT - step) + objective(N_FFT - 2 * step)) / (2 * step)
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

@pytest.mark.parametrize("per_frame", (False, True))
@pytest.mark.parametrize("name", ("shannon_entropy", "renyi_entropy", "kurtosis"))
def test_losses_of_all_zero_spectrograms_are_zero_with_zero_gradient(name, per_frame):
    """The documented convention for silence: value 0, gradient 0, no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = getattr(losses, name)(np.zeros((2, 5, 4)), per_frame=per_frame)
    assert value == 0.0 and grad.shape == (2, 5, 4) and np.all(grad == 0)


@pytest.mark.parametrize("per_frame", (False, True))
def test_losses_of_a_constant_spectrogram_are_their_closed_forms(per_frame):
    """Y = 3 everywhere on (F, T) = (5, 4): H = H_α = log M (M cells per group), κ = 1, gradients 0."""
    Y = np.full((5, 4), 3.0)
    group = 5 if per_frame else 20
    for name, expected in (("shannon_entropy", math.log(group)), ("renyi_entropy", math.log(group)),
                           ("kurtosis", -1.0)):
        value, grad = getattr(losses, name)(Y, per_frame=per_frame)
        assert value == pytest.approx(expected, rel=1e-15, abs=0), name
        np.testing.assert_allclose(grad, 0.0, rtol=0, atol=1e-15, err_msg=f"{name}: uniform is stationary")


@pytest.mark.parametrize("per_frame", (False, True))
@pytest.mark.parametrize("name", ("shannon_entropy", "renyi_entropy", "kurtosis"))
def test_losses_of_spectrograms_near_the_float64_maximum(name, per_frame):
    """Y up to 1e308, where ΣY and Σ Y log Y overflow: the value of Y / 1e300 (scale invariance), to
    1e-14, and finite gradients (was: ΣY = inf, P = 0 and H = 0 for the entropies)."""
    Y = np.array([[1e308, 5e307, 2e306], [1e307, 0.0, 3e307]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, grad = getattr(losses, name)(Y, per_frame=per_frame)
    reference, _ = getattr(losses, name)(Y / 1e300, per_frame=per_frame)
    assert value == pytest.approx(reference, rel=1e-14, abs=1e-14) and abs(value) > 0.01
    assert np.all(np.isfinite(grad))


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


@pytest.mark.parametrize("per_cell", (False, True))
def test_istft_of_silence_is_silence_and_of_a_constant_the_constant(rng, per_cell):
    positions = np.arange(-8.0, 110.0, 8.0)
    theta = rng.uniform(40.0, 64.0, (33, positions.size)) if per_cell else 48.0
    zeros = dstft_np.istft(np.zeros((33, positions.size), complex), theta, positions, n_fft=64, length=100)
    assert np.all(zeros == 0), "silence"
    constant = np.full(100, -1.25)
    S = dstft_np.stft(constant, theta, positions, n_fft=64, phase="center")
    x, info = dstft_np.istft(S, theta, positions, n_fft=64, length=100, phase="center", return_info=True)
    np.testing.assert_allclose(x, constant, rtol=0, atol=1e-9, err_msg=f"constant, {info}")


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
            return model.value_and_grad(x)[0]

        grad = model.value_and_grad(x)[1]["win_length"]
        assert_gradient(objective, start.ravel(), grad.ravel(), rng, step=1e-4, rtol=1e-5,
                        coordinates=range(min(start.size, 4)), what=f"one frame, {win_mode}")
        model.win_length = start


@pytest.mark.parametrize("phase", ("absolute", "center", "start"))
def test_istft_of_a_single_frame_recovers_the_samples_it_covers(rng, phase):
    """One frame at t = 7.3, θ = 16 = N: samples 0..15 lie strictly inside |k - t| < 8."""
    x = rng.standard_normal(15)
    S = dstft_np.stft(x, 16.0, [7.3], n_fft=16, phase=phase)
    np.testing.assert_allclose(dstft_np.istft(S, 16.0, [7.3], n_fft=16, length=15, phase=phase), x,
                               rtol=0, atol=1e-12, err_msg=f"single frame, {phase=}")
    # sample 15 is still inside (|15 - 7.3| = 7.7 < 8), sample 16 is not
    x16 = dstft_np.istft(S, 16.0, [7.3], n_fft=16, length=16, phase=phase)
    np.testing.assert_allclose(x16, np.append(x, 0.0), rtol=0, atol=1e-12, err_msg="x is zero at k = 15")
    with pytest.raises(ValueError, match=r"sample 16 is covered by no window"):
        dstft_np.istft(S, 16.0, [7.3], n_fft=16, length=17, phase=phase)


# ---------------------------------------------------------------- frames far outside the signal

@pytest.mark.parametrize("phase", ("absolute", "center", "start"))
def test_istft_ignores_far_frames_and_names_an_uncovered_sample(rng, phase):
    """Frames at ±1e300 and ±1e12 add nothing: same x̂ and same adjoint as without them. With only
    far frames, sample 0 is the first uncovered one."""
    x = rng.standard_normal(100)
    inside = np.arange(0.0, 101.0, 8.0) + 0.4
    far = np.array([-1e300, -1e12, 1e12, 1e300])
    positions = np.concatenate([far[:2], inside, far[2:]])
    S = dstft_np.stft(x, 32.0, positions, n_fft=32, phase=phase)
    assert np.all(S[:, :2] == 0) and np.all(S[:, -2:] == 0)
    np.testing.assert_allclose(dstft_np.istft(S, 32.0, positions, n_fft=32, length=100, phase=phase), x,
                               rtol=0, atol=1e-12, err_msg="far frames present")
    G = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    np.testing.assert_allclose(stft_adjoint(G, 32.0, positions, n_fft=32, length=100, phase=phase),
                               stft_adjoint(G[:, 2:-2], 32.0, inside, n_fft=32, length=100, phase=phase),
                               rtol=0, atol=1e-12, err_msg="adjoint: far frames contribute nothing")
    with pytest.raises(ValueError, match=r"sample 0 is covered by no window: its window weight .* = 0"):
        dstft_np.istft(np.zeros((17, 4), complex), 32.0, far, n_fft=32, length=100, phase=phase)


# ---------------------------------------------------------------- Adam with zero gradients

def test_adam_with_zero_gradients_stays_put_then_takes_the_bias_corrected_step():
    """g = 0: m = v = 0, the update 0 / (0 + ε) = 0 exactly (no 0/0). Then g at step 3:
    m̂ = (1 - β1) g / (1 - β1³), v̂ = (1 - β2) g² / (1 - β2³), step = lr m̂ / (sqrt(v̂) + ε)."""
    start = np.array([1.5, -2.0, 0.0])
    opt = Adam({"x": start}, lr=0.1)
    for _ in range(2):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            np.testing.assert_array_equal(opt.step({"x": np.zeros(3)})["x"], start)
    g = np.array([0.5, -3.0, 0.0])
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    m_hat = (1 - beta1) * g / (1 - beta1**3)
    v_hat = (1 - beta2) * g**2 / (1 - beta2**3)
    expected = start - 0.1 * m_hat / (np.sqrt(v_hat) + eps)
    np.testing.assert_allclose(opt.step({"x": g})["x"], expected, rtol=1e-15, atol=0,
                               err_msg="first non-zero step after zero gradients")


@pytest.mark.parametrize("method", ["l-bfgs-b", "adam"])
def test_fit_of_silence_with_zero_gradients_keeps_the_parameters(method):
    model = dstft_np.DSTFT(N_FFT, HOP, 40.5, win_mode="time", n_samples=N_SAMPLES)
    start = model.win_length.copy()
    with pytest.warns(UserWarning, match="x is silent"):
        history = model.fit(np.zeros(N_SAMPLES), method=method, max_evaluations=6)
    assert history.status == ("converged" if method == "l-bfgs-b" else "step limit"), history.message
    assert np.all(history.loss == 0)
    np.testing.assert_array_equal(model.win_length, start)
