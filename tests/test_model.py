"""DSTFT: the whole chain loss ∘ |S|^p ∘ stft ∘ hops by central differences, and fitting behaviour.

Known optima (../shared/data/README.md) are in tests/test_known_optima.py.
"""

import functools
import itertools
import warnings

import numpy as np
import pytest

import dstft_np
from dstft_np import losses

from .gradcheck import assert_gradient

WIN_MODES = ("constant", "time", "frequency", "time-frequency")
HOP_MODES = ("fixed", "constant", "time")
N_FFT, HOP, N_SAMPLES = 64, 24, 300
# Central differences of width 1e-4 samples on θ and h of tens of samples:
# truncation ~1e-8·f''' and rounding ~1e-16·|L|/1e-4 are both far below 1e-5
# relative. θ, h are drawn non-integer so that no window edge sits on a sample.
STEP, RTOL = 1e-4, 1e-5


def random_model(rng, win_mode, hop_mode, **options):
    """A model at a random point: non-integer θ in [30, 60], hops in [20, 28]."""
    model = dstft_np.DSTFT(N_FFT, HOP, 40.0, win_mode=win_mode, hop_mode=hop_mode, n_samples=N_SAMPLES,
                           **options)
    model.win_length = rng.uniform(30.0, 60.0, model.win_length.shape)
    if hop_mode == "constant":
        model.hop_length = rng.uniform(20.0, 28.0)
    elif hop_mode == "time":
        model.hops = rng.uniform(20.0, 28.0, model.hops.shape)
    return model


def check_chain(model, x, rng, what, **objective):
    """Central differences of model.value_and_grad along random directions and per parameter."""
    start = model.parameters()
    names = sorted(start)
    sizes = [start[name].size for name in names]

    def unflatten(z):
        parts = np.split(z, np.cumsum(sizes)[:-1])
        return {name: part.reshape(start[name].shape) for name, part in zip(names, parts)}

    def objective_at(z):
        model.set_parameters(unflatten(z))
        return model.value_and_grad(x, **objective)[0]

    model.set_parameters(start)
    _, grads = model.value_and_grad(x, **objective)
    for name in names:
        assert grads[name].shape == start[name].shape, f"{what}: grad {name} shape"
    z0 = np.concatenate([start[name].ravel() for name in names])
    g0 = np.concatenate([grads[name].ravel() for name in names])
    # every scalar of small arrays, 6 entries of each large one
    coordinates, offset = [], 0
    for size in sizes:
        picked = range(size) if size <= 6 else rng.choice(size, 6, replace=False)
        coordinates.extend(offset + i for i in picked)
        offset += size
    assert_gradient(objective_at, z0, g0, rng, step=STEP, rtol=RTOL, coordinates=coordinates, what=what)
    model.set_parameters(start)


@pytest.mark.parametrize("win_mode, hop_mode", list(itertools.product(WIN_MODES, HOP_MODES)))
def test_chain_gradient_in_every_mode(rng, win_mode, hop_mode):
    """Entropy + smoothness (+ coverage, active: some gaps are open at this point)."""
    x = rng.standard_normal(N_SAMPLES)
    model = random_model(rng, win_mode, hop_mode)
    if hop_mode != "fixed":
        value_with, _ = model.value_and_grad(x, coverage=1.0)
        value_without, _ = model.value_and_grad(x, coverage=0.0)
        assert value_with > value_without, "the test point must have coverage gaps"
    check_chain(model, x, rng, f"{win_mode}/{hop_mode}", loss="entropy", smoothness=0.5, coverage=2.0)


LOSS_OPTIONS = {
    "entropy per frame": functools.partial(losses.shannon_entropy, per_frame=True),
    "renyi 3": "renyi",
    "renyi 0.5": functools.partial(losses.renyi_entropy, alpha=0.5),
    "kurtosis": "kurtosis",
}


@pytest.mark.parametrize("p, loss_name", list(itertools.product([0.5, 1.0, 2.0], LOSS_OPTIONS)))
def test_chain_gradient_for_every_loss_and_power(rng, p, loss_name):
    x = rng.standard_normal(N_SAMPLES)
    model = random_model(rng, "time-frequency", "time", p=p)
    check_chain(model, x, rng, f"{loss_name}, p={p}", loss=LOSS_OPTIONS[loss_name])


@pytest.mark.parametrize("phase, norm, window", [("center", None, "blackman"), ("start", "area", "hann")])
def test_chain_gradient_with_other_conventions(rng, phase, norm, window):
    x = rng.standard_normal((2, N_SAMPLES))   # a batch of two signals: the loss averages them
    model = random_model(rng, "time", "time", phase=phase, norm=norm, window=window)
    check_chain(model, x, rng, f"{phase}/{norm}/{window}")


def test_call_and_spectrogram_match_the_core_transform(rng):
    x = rng.standard_normal(N_SAMPLES)
    model = random_model(rng, "frequency", "time", p=2.0)
    positions = dstft_np.positions_from_hops(model.hops)
    S = dstft_np.stft(x, model.win_length[:, None], positions, n_fft=N_FFT)
    np.testing.assert_allclose(model(x), S, rtol=0, atol=1e-12 * np.abs(S).max())
    np.testing.assert_allclose(model.spectrogram(x), np.abs(S) ** 2, rtol=1e-12, atol=0)


def test_float32_signal_gives_the_float64_objective_and_gradients(rng):
    """float32 keeps the transform in complex64; the losses and gradients agree to float32 resolution."""
    x = rng.standard_normal(N_SAMPLES)
    model = random_model(rng, "time", "time")
    value64, grads64 = model.value_and_grad(x)
    value32, grads32 = model.value_and_grad(x.astype(np.float32))
    assert model(x.astype(np.float32)).dtype == np.complex64
    np.testing.assert_allclose(value32, value64, rtol=1e-5, atol=0)
    for name in grads64:
        np.testing.assert_allclose(grads32[name], grads64[name], rtol=0,
                                   atol=1e-3 * np.abs(grads64[name]).max(), err_msg=name)


def test_default_grid_follows_the_signal_length_when_not_fixed(rng):
    model = dstft_np.DSTFT(N_FFT, 16, 50.5)
    for n_samples in (100, 257):
        S = model(rng.standard_normal(n_samples))
        assert S.shape == (N_FFT // 2 + 1, 1 + n_samples // 16)


def test_fit_lowers_the_loss_and_sets_the_parameters(rng):
    k = np.arange(2000)
    x = np.sin(0.2 * k) + 0.1 * rng.standard_normal(k.size)
    model = dstft_np.DSTFT(N_FFT, 16, 20.5, win_mode="time", n_samples=k.size)
    seen = []
    history = model.fit(x, steps=15, lr=2.0, callback=lambda step, value, params: seen.append(value))
    assert history.message == "completed"
    assert history.loss.shape == (16,) and history.lr["win_length"].shape == (15,)
    np.testing.assert_allclose(seen, history.loss, rtol=0, atol=0)
    assert history.loss[-1] < history.loss[0] - 0.05, "a pure tone wants longer windows"
    np.testing.assert_array_equal(model.win_length, history.params["win_length"])
    np.testing.assert_allclose(model.value_and_grad(x)[0], history.loss[-1], rtol=1e-12, atol=0)


def test_callback_can_stop_the_fit(rng):
    model = dstft_np.DSTFT(N_FFT, 16, 40.5)
    history = model.fit(rng.standard_normal(500), steps=50, callback=lambda step, value, params: step == 3)
    assert history.message == "stopped by callback at step 3" and history.loss.size == 4


# ---------------------------------------------------------------- NaN safety


@pytest.mark.parametrize("win_mode, hop_mode", [("constant", "fixed"), ("time-frequency", "time"),
                                                ("frequency", "constant")])
@pytest.mark.parametrize("signal", ["silence", "constant", "noise"])
def test_fit_stays_finite_on_degenerate_signals_and_at_bounds(rng, win_mode, hop_mode, signal):
    """Silence (S = 0, ΣY = 0), a constant (energy in bin 0), noise started at θ = n_fft and pushed past it."""
    x = {"silence": np.zeros(N_SAMPLES), "constant": np.full(N_SAMPLES, 3.0),
         "noise": rng.standard_normal(N_SAMPLES)}[signal]
    model = dstft_np.DSTFT(N_FFT, 16, float(N_FFT), win_mode=win_mode, hop_mode=hop_mode, n_samples=N_SAMPLES,
                           bounds={"win_length": (8.0, N_FFT), "hop_length": (8.0, 32.0)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no RuntimeWarning from 0/0 or log 0
        history = model.fit(x, steps=20, lr=50.0, smoothness=0.1)
    assert history.message == "completed"
    assert np.all(np.isfinite(history.loss))
    for name, value in model.parameters().items():
        assert np.all(np.isfinite(value)), name
    assert np.all((model.win_length >= 8.0) & (model.win_length <= N_FFT))
    if hop_mode == "time":
        assert np.all((model.hops >= 8.0) & (model.hops <= 32.0))


def test_non_finite_loss_stops_the_fit_and_keeps_the_last_good_parameters(rng):
    """A loss that turns NaN at its 6th evaluation: fit warns and keeps the parameters of step 4."""
    x = np.sin(0.9 * np.arange(N_SAMPLES)) + rng.standard_normal(N_SAMPLES)
    model = dstft_np.DSTFT(N_FFT, 16, 40.5)
    calls, trajectory = [], []

    def fragile(Y):
        calls.append(None)
        value, grad = losses.shannon_entropy(Y)
        return (np.nan if len(calls) == 6 else value), grad

    def record(step, value, params):
        trajectory.append(params["win_length"].copy())

    with pytest.warns(RuntimeWarning, match="stopped at step 5: the loss or its gradient is not finite"):
        history = model.fit(x, loss=fragile, steps=50, lr=3.0, callback=record)
    assert history.message == "stopped at step 5: the loss or its gradient is not finite; kept the parameters of step 4"
    assert history.loss.size == 5 and np.isfinite(history.loss).all()
    assert len({float(t) for t in trajectory}) == 5, "θ moves at every step, so the check below can fail"
    np.testing.assert_array_equal(model.win_length, trajectory[-1])


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="win_mode must be one of 'constant', 'time'"):
        dstft_np.DSTFT(N_FFT, HOP, 40.0, win_mode="cells")
    with pytest.raises(ValueError, match="n_samples .* is required with win_mode='time'"):
        dstft_np.DSTFT(N_FFT, HOP, 40.0, win_mode="time")
    with pytest.raises(ValueError, match=r"win_length must be in \[2.0, 64.0\]"):
        dstft_np.DSTFT(N_FFT, HOP, 1.5)
    with pytest.raises(ValueError, match=r"win_length must be in \(0, n_fft=64\]"):
        dstft_np.DSTFT(N_FFT, HOP, 65.0)
    with pytest.raises(ValueError, match=r"win_length must be a scalar or have shape \(13,\)"):
        dstft_np.DSTFT(N_FFT, HOP, np.ones(5) * 40, win_mode="time", n_samples=N_SAMPLES)
    with pytest.raises(ValueError, match="bounds\\['win_length'\\] must satisfy 0 < low <= high <= n_fft=64"):
        dstft_np.DSTFT(N_FFT, HOP, 40.0, bounds={"win_length": (10.0, 100.0)})
    model = dstft_np.DSTFT(N_FFT, HOP, 40.0, hop_mode="time", n_samples=N_SAMPLES)
    with pytest.raises(ValueError, match="x must have n_samples=300 samples"):
        model(np.zeros(301))
    with pytest.raises(AttributeError, match="read model.hops"):
        model.hop_length
    with pytest.raises(ValueError, match="smoothness must be a non-negative finite number"):
        model.value_and_grad(np.zeros(N_SAMPLES), smoothness=-1.0)
    with pytest.raises(ValueError, match="loss must be one of 'entropy', 'renyi', 'kurtosis'"):
        model.fit(np.zeros(N_SAMPLES), loss="l2")
