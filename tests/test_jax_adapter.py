"""dstft_np.jax against jax.test_util.check_grads, the numpy core and its VJP.

Skipped as a whole when jax is absent (it is the optional extra [jax]; CI
installs it). Runs in float64 (jax_enable_x64, restored afterwards).
check_grads(order=1, modes=["rev"]) compares the custom VJP with central
differences of the forward pass (eps = 1e-4 for float64 by its default) at
its float64 tolerance; for a complex output this pins the complex cotangent
convention. Test points use non-integer θ and t_n, away from window edges
crossing a sample within ±eps.
"""

import numpy as np
import pytest

import dstft_np
from dstft_np._options import PHASES

jax = pytest.importorskip("jax", reason="jax is not installed (optional extra [jax])")
jnp = pytest.importorskip("jax.numpy")
check_grads = pytest.importorskip("jax.test_util").check_grads
djax = pytest.importorskip("dstft_np.jax")

N_FFT = 16
N_BINS = N_FFT // 2 + 1
POSITIONS = np.array([-3.3, 4.6, 30.7, 61.2, 90.1, 118.6])


@pytest.fixture(autouse=True, scope="module")
def float64():
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", previous)


def theta_cases(rng):
    n_frames = POSITIONS.size
    return {
        "scalar": 13.7,
        "per-frame (T,)": rng.uniform(5, N_FFT - 0.5, n_frames),
        "per-bin": rng.uniform(5, N_FFT - 0.5, (N_BINS, 1)),
        "per-cell": rng.uniform(5, N_FFT - 0.5, (N_BINS, n_frames)),
        "batched per-cell": rng.uniform(5, N_FFT - 0.5, (2, N_BINS, n_frames)),
    }


@pytest.mark.slow
@pytest.mark.parametrize("phase", PHASES)
def test_check_grads_for_every_theta_shape(rng, phase):
    x = jnp.asarray(rng.standard_normal(120))
    for label, theta in theta_cases(rng).items():
        def transform(theta, positions):
            return djax.stft(x, theta, positions, n_fft=N_FFT, phase=phase)

        try:
            check_grads(transform, (jnp.asarray(theta), jnp.asarray(POSITIONS)), order=1, modes=["rev"])
        except AssertionError as error:
            raise AssertionError(f"{label} θ, {phase=}: {error}") from None


def test_gradient_of_a_power_loss_is_stft_vjp_of_2S(rng):
    """jax.grad of Σ|S|² equals stft_vjp with G = 2S (DESIGN.md §3), to rounding."""
    x = rng.standard_normal(120)
    theta = rng.uniform(5, N_FFT - 0.5, (N_BINS, POSITIONS.size))

    def loss(theta, positions):
        S = djax.stft(jnp.asarray(x), theta, positions, n_fft=N_FFT, phase="center")
        return jnp.sum(jnp.abs(S) ** 2)

    grad_win, grad_pos = jax.grad(loss, argnums=(0, 1))(jnp.asarray(theta), jnp.asarray(POSITIONS))
    S = dstft_np.stft(x, theta, POSITIONS, n_fft=N_FFT, phase="center")
    expected_win, expected_pos = dstft_np.stft_vjp(x, theta, POSITIONS, 2 * S, n_fft=N_FFT, phase="center")
    np.testing.assert_allclose(grad_win, expected_win, rtol=1e-12, atol=1e-12 * np.abs(expected_win).max())
    np.testing.assert_allclose(grad_pos, expected_pos, rtol=1e-12, atol=1e-12 * np.abs(expected_pos).max())


def test_jit_and_vmap_give_the_numpy_values(rng):
    x = rng.standard_normal(120)
    thetas = np.array([9.5, 12.25, 15.0])
    batched = jax.jit(jax.vmap(lambda theta: djax.stft(jnp.asarray(x), theta, POSITIONS, n_fft=N_FFT)))
    S = np.asarray(batched(jnp.asarray(thetas)))
    assert S.dtype == np.complex128 and S.shape == (3, N_BINS, POSITIONS.size)
    for i, theta in enumerate(thetas):
        np.testing.assert_array_equal(S[i], dstft_np.stft(x, theta, POSITIONS, n_fft=N_FFT))


def test_cotangent_of_x_is_nan(rng):
    """No derivative with respect to x is provided: asking for one gives NaN, never a silent zero."""
    x = jnp.asarray(rng.standard_normal(120))
    grad_x = jax.grad(lambda x: jnp.sum(jnp.abs(djax.stft(x, 13.7, POSITIONS, n_fft=N_FFT))))(x)
    assert grad_x.shape == x.shape and bool(jnp.all(jnp.isnan(grad_x)))


def test_options_are_checked_when_traced(rng):
    x = jnp.asarray(rng.standard_normal(120))
    with pytest.raises(ValueError, match=r"n_fft must be an even integer >= 2, got 15"):
        djax.stft(x, 13.7, POSITIONS, n_fft=15)
    with pytest.raises(ValueError, match=r"phase must be one of 'absolute', 'center', 'start'"):
        djax.stft(x, 13.7, POSITIONS, n_fft=N_FFT, phase="begin")
