"""DSTFT: the whole chain loss ∘ |S|^p ∘ stft ∘ hops by central differences, and fitting behaviour.

Known optima (../shared/data/README.md) are in tests/test_model_known_optima.py.
"""

import functools
import itertools
import re
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
    "bin-entropy": "bin-entropy",
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


@pytest.mark.parametrize("win_mode, norm, p", [("frequency", "area", 1.0), ("time-frequency", "area", 2.0),
                                                ("frequency", None, 0.5), ("time", "area", 1.0)])
def test_chain_gradient_of_the_density_scaling(rng, win_mode, norm, p):
    """The loss of Y·(θ/N)^(±p/2): the chain through the level of each cell as well as through S."""
    x = rng.standard_normal((2, N_SAMPLES))
    model = random_model(rng, win_mode, "constant", norm=norm, p=p)
    check_chain(model, x, rng, f"density, {win_mode}/{norm}/p={p}", loss="frame-entropy", scaling="density")


@pytest.mark.parametrize("norm, sign", [("area", 1), (None, -1)])
def test_density_scaling_is_the_loss_of_the_rescaled_spectrogram(rng, norm, sign):
    """Written out here: each cell of |S|^p times (θ_m/N)^(p/2) ("area") or (N/θ_m)^(p/2) (None)."""
    x = rng.standard_normal(N_SAMPLES)
    model = random_model(rng, "frequency", "fixed", norm=norm, p=1.5)
    rescaled = model.spectrogram(x) * (model.win_length / N_FFT) ** (sign * 1.5 / 2)
    value, _ = model.value_and_grad(x, "kurtosis", scaling="density", smoothness=0.0)
    assert value == pytest.approx(losses.kurtosis(rescaled)[0], rel=1e-12)
    assert value != pytest.approx(model.value_and_grad(x, "kurtosis", scaling="magnitude", smoothness=0.0)[0],
                                  rel=1e-4)   # θ from 30 to 60: a 0.06 % change


@pytest.mark.parametrize("norm", ["area", None])
def test_density_scaling_gives_white_noise_one_level_whatever_the_window_length(rng, norm):
    """The claim behind the scaling: E|S|² ∝ Σ_u ω(u)², so (θ/N)^(±1)·|S|² has the same mean for every θ.

    White noise of 2¹⁶ samples, N = 512: the mean over 64 × 257 cells has a
    relative spread of about 1 %; the levels at θ = 32 and 512 differ by a
    factor 16 (norm "area") before rescaling, and by less than 5 % after.
    """
    x = rng.standard_normal(2 ** 16)
    levels = {}
    for theta in (32.0, 128.0, 512.0):
        model = dstft_np.DSTFT(512, 1024, theta, norm=norm, p=2.0, n_samples=x.size)
        power = model.spectrogram(x)[8:-8]   # away from DC and Nyquist, where real noise has twice the power
        levels[theta] = power.mean() * (theta / 512) ** (1 if norm == "area" else -1)
    assert max(levels.values()) / min(levels.values()) < 1.05, levels


def test_call_and_spectrogram_match_the_core_transform(rng):
    x = rng.standard_normal(N_SAMPLES)
    model = random_model(rng, "frequency", "time", p=2.0)
    positions = dstft_np.positions_from_hops(model.hops)
    assert model.win_length.shape == (N_FFT // 2 + 1, 1), "per-bin θ in the shape stft takes"
    S = dstft_np.stft(x, model.win_length, positions, n_fft=N_FFT)
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


def chirp(n_samples):
    """A linear chirp from 0.05 to 0.35 cycles per sample plus a tone at 0.11: optima inside the bounds."""
    k = np.arange(n_samples)
    return np.sin(2 * np.pi * (0.05 + 0.3 * k / n_samples) * k) + 0.3 * np.sin(0.7 * k)


def test_fit_lowers_the_loss_and_sets_the_lowest_loss_parameters():
    """Per-frame θ with the default objective (frame-mean entropy + smoothness 10), N = 256."""
    x = chirp(2000)
    model = dstft_np.DSTFT(256, 32, 40.5, win_mode="time", n_samples=x.size)
    seen, visited = [], []

    def record(step, value, params):
        seen.append(value)
        visited.append(params["win_length"].copy())

    history = model.fit(x, callback=record)
    assert history.status == "converged" and history.method == "l-bfgs-b", history.message
    np.testing.assert_allclose(seen, history.loss, rtol=0, atol=0)
    assert history.n_evaluations == len(seen) and history.best == int(np.argmin(seen))
    assert history.loss[history.best] < history.loss[0] - 0.5, "the chirp wants longer windows than 40.5"
    assert np.all((model.win_length > 50.0) & (model.win_length < 250.0)), "a map inside the bounds"
    np.testing.assert_array_equal(model.win_length, visited[history.best])
    np.testing.assert_array_equal(model.win_length, history.params["win_length"])
    expected = losses.shannon_entropy(model.spectrogram(x), per_frame=True)[0] + 10.0 * losses.smoothness(
        model.win_length, scale=256)[0]
    np.testing.assert_allclose(model.value_and_grad(x)[0], expected, rtol=1e-12, atol=0,
                               err_msg="the default objective of a map")
    np.testing.assert_allclose(history.loss[history.best], expected, rtol=1e-12, atol=0)


def test_adam_returns_its_lowest_loss_iterate_not_its_last():
    """lr = 20 samples per step on N = 64 overshoots: the last iterate is not the best, and fit keeps the best.

    A chirp and a tone whose optimum (θ ≈ 61.6) lies inside the bounds. The
    trajectory is checked against Adam and ReduceOnPlateau driven by hand
    with value_and_grad.
    """
    x = chirp(N_SAMPLES)
    model = dstft_np.DSTFT(N_FFT, 16, 30.5)
    history = model.fit(x, method="adam", max_evaluations=25, lr=20.0)
    assert history.status == "step limit" and history.n_evaluations == 25 and history.method == "adam"

    reference = dstft_np.DSTFT(N_FFT, 16, 30.5)
    opt = dstft_np.Adam(reference.parameters(), lr=20.0, bounds={"win_length": reference.bounds["win_length"]})
    schedule = dstft_np.optim.ReduceOnPlateau(opt, factor=0.5, patience=10, min_lr=20.0 / 1000)
    values, thetas = [], []
    for _ in range(25):
        reference.set_parameters(opt.params)
        value, grads = reference.value_and_grad(x)
        values.append(value)
        thetas.append(float(opt.params["win_length"]))
        opt.step(grads)
        schedule.step(value)
    np.testing.assert_allclose(history.loss, values, rtol=1e-12, atol=0, err_msg="Adam's trajectory")
    np.testing.assert_allclose(history.path["win_length"], thetas, rtol=1e-12, atol=0)
    best = int(np.argmin(values))
    assert best != 24 and values[-1] > values[best], "the test needs a last iterate above the best"
    assert float(model.win_length) == thetas[best]


def test_callback_can_stop_the_fit(rng):
    model = dstft_np.DSTFT(N_FFT, 16, 40.5)
    history = model.fit(rng.standard_normal(500), callback=lambda step, value, params: step == 3)
    assert history.status == "stopped" and history.n_evaluations == 4
    assert history.message.startswith("stopped by the callback at evaluation 3")


def test_step_limit_is_reported_and_keeps_the_best(rng):
    model = dstft_np.DSTFT(N_FFT, 16, 40.5, win_mode="time", n_samples=500)
    history = model.fit(rng.standard_normal(500), max_evaluations=5)
    assert history.status == "step limit" and history.n_evaluations == 5, history.message
    assert "max_evaluations=5" in history.message
    np.testing.assert_array_equal(model.win_length, history.params["win_length"])


def test_interrupt_sets_the_lowest_loss_parameters_then_propagates(rng):
    """A KeyboardInterrupt at evaluation 7 (from the callback, as Ctrl-C would arrive mid-fit)."""
    x = rng.standard_normal(500)
    model = dstft_np.DSTFT(N_FFT, 16, 40.5, win_mode="time", n_samples=x.size)
    values, visited = [], []

    def interrupt_at_7(step, value, params):
        values.append(value)
        visited.append(params["win_length"].copy())
        if step == 7:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as raised:
        model.fit(x, callback=interrupt_at_7)
    assert len(values) == 8
    assert len({float(np.sum(v)) for v in visited}) > 1, "θ moves, so the check below can fail"
    np.testing.assert_array_equal(model.win_length, visited[int(np.argmin(values))])
    history = raised.value.history
    assert history.status == "stopped" and history.n_evaluations == 8
    np.testing.assert_array_equal(history.loss, values)


def test_progress_prints_an_eta_to_stderr(capsys):
    model = dstft_np.DSTFT(256, 32, 40.5)
    history = model.fit(chirp(2000), max_evaluations=60, progress=True)   # the first, then every 6th
    lines = capsys.readouterr().err.splitlines()
    shown = [int(line.split()[1].split("/")[0]) for line in lines]
    assert shown == [1] + list(range(6, history.n_evaluations + 1, 6)), lines
    assert re.fullmatch(r"evaluation 1/60  loss [\d.]+  win_length 40\.5  [\d.]+ s", lines[0]), lines[0]
    assert all(re.search(r", ETA [\d.]+ s$", line) for line in lines[1:]), lines


def test_silent_signal_warns_and_keeps_the_parameters():
    model = dstft_np.DSTFT(N_FFT, 16, 40.5, win_mode="time", n_samples=N_SAMPLES)
    start = model.win_length.copy()
    with pytest.warns(UserWarning, match=r"x is silent \(all zeros\)") as caught:
        history = model.fit(np.zeros(N_SAMPLES))
    assert caught[0].filename == __file__, "the warning points at the caller's line"
    assert history.status == "converged" and np.all(history.loss == 0)
    np.testing.assert_array_equal(model.win_length, start)


def test_bound_warnings_name_the_fix():
    """A stationary tone wants the longest window, clicks the shortest (N = 64, bounds [2, 64])."""
    k = np.arange(2000)
    tone = dstft_np.DSTFT(N_FFT, 16, 30.5)
    with pytest.warns(UserWarning, match=r"the fitted win_length 64 is at its upper bound 64: .* a larger n_fft"):
        tone.fit(np.sin(0.3 * k))
    assert float(tone.win_length) == N_FFT
    clicks = dstft_np.DSTFT(N_FFT, 16, 30.5)
    with pytest.warns(UserWarning, match=r"win_length 2 is at its lower bound 2: .* lower bounds\['win_length'\]"):
        clicks.fit((k % 97 == 0).astype(float))
    assert float(clicks.win_length) == 2.0
    frames = dstft_np.DSTFT(N_FFT, 16, 30.5, win_mode="time", n_samples=k.size)
    with pytest.warns(UserWarning, match=r"126 of the 126 fitted win_length values \(0 at the lower, 126 at the "
                                         r"upper bound\) end within 1 % of a bound: a larger n_fft"):
        frames.fit(np.sin(0.3 * k))
    entropy = dstft_np.DSTFT(N_FFT, 16, 30.5, win_mode="time", n_samples=k.size)
    with pytest.warns(UserWarning, match=r"end within 1 % of a bound: a larger n_fft \(now 64\) allows longer "
                                         r"windows; use loss='frame-entropy'"):
        entropy.fit(chirp(k.size), loss="entropy", smoothness=0.0)
    capped = dstft_np.DSTFT(N_FFT, 16, 30.5, win_mode="time", n_samples=k.size, bounds={"win_length": (2.0, 40.0)})
    with pytest.warns(UserWarning, match=r"\(0 at the lower, 126 at the upper bound\) end within 1 % of a bound: "
                                         r"raise bounds\['win_length'\] up to n_fft = 64$"):
        capped.fit(np.sin(0.3 * k))


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
        warnings.simplefilter("error", RuntimeWarning)   # no RuntimeWarning from 0/0 or log 0
        warnings.simplefilter("ignore", UserWarning)     # silence, bounds: tested above
        history = model.fit(x, method="adam", max_evaluations=21, lr=50.0, smoothness=0.1)
    assert history.status == "step limit"
    assert np.all(np.isfinite(history.loss))
    for name, value in model.parameters().items():
        assert np.all(np.isfinite(value)), name
    assert np.all((model.win_length >= 8.0) & (model.win_length <= N_FFT))
    if hop_mode == "time":
        assert np.all((model.hops >= 8.0) & (model.hops <= 32.0))


def test_non_finite_loss_stops_the_fit_and_keeps_the_best_parameters(rng):
    """A loss that turns NaN at its 6th call: fit warns, reports "not finite", keeps the best of the first 5."""
    x = np.sin(0.9 * np.arange(N_SAMPLES)) + rng.standard_normal(N_SAMPLES)
    model = dstft_np.DSTFT(N_FFT, 16, 40.5)
    calls, trajectory, values = [], [], []

    def fragile(Y):
        calls.append(None)
        value, grad = losses.shannon_entropy(Y)
        return (np.nan if len(calls) == 6 else value), grad

    def record(step, value, params):
        trajectory.append(params["win_length"].copy())
        values.append(value)

    with pytest.warns(RuntimeWarning, match="the loss or its gradient is not finite at evaluation 5"):
        history = model.fit(x, loss=fragile, callback=record)
    assert history.status == "not finite"
    assert history.loss.size == 5 and np.isfinite(history.loss).all()
    assert len({float(t) for t in trajectory}) == 5, "θ moves at every evaluation, so the check below can fail"
    np.testing.assert_array_equal(model.win_length, trajectory[int(np.argmin(values))])


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
    with pytest.raises(ValueError, match="loss must be one of 'entropy', 'frame-entropy', 'bin-entropy', 'renyi', 'kurtosis'"):
        model.fit(np.zeros(N_SAMPLES), loss="l2")
    with pytest.raises(ValueError, match="method must be one of 'l-bfgs-b', 'adam'; got 'bfgs'"):
        model.fit(np.zeros(N_SAMPLES), method="bfgs")
    with pytest.raises(ValueError, match="lr, patience apply to method='adam' only, not 'l-bfgs-b'"):
        model.fit(np.zeros(N_SAMPLES), lr=1.0, patience=3)
    with pytest.raises(ValueError, match="max_evaluations must be an integer >= 1, got 0"):
        model.fit(np.zeros(N_SAMPLES), max_evaluations=0)
    with pytest.raises(ValueError, match="tol must be a positive finite number"):
        model.fit(np.zeros(N_SAMPLES), tol=0.0)
