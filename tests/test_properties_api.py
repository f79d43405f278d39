"""Properties of istft, the spectrogram losses and stft_jvp over random inputs (hypothesis).

Same settings and tolerance basis as tests/test_properties.py (derandomized,
``allowance`` = 4 (N + 1 + log2 N) eps per output value). References are
computed here: the signal the round trip started from, the loss of the
unscaled spectrogram, Σ Y ∂L/∂Y summed in the test, linear combinations.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import dstft_np
from dstft_np import losses
from dstft_np._options import NORMS, PHASES, WINDOWS

from .test_properties import SETTINGS, allowance, assert_close, cases, describe, options


# ---------------------------------------------------------------- istft ∘ stft = identity

@st.composite
def covered_calls(draw):
    """x, per-frame θ in [N/2, N] and positions at most N/4 apart from before 0 to past K - 1.

    Every sample then lies within N/8 of a frame centre, strictly inside a
    window of half-length >= N/4 where h(u/θ) >= h(1/4) > 0.3 for every base
    window: covered, with a weight bounded away from 0.
    """
    n_fft = draw(st.sampled_from([8, 16, 32]))
    n_samples = draw(st.integers(1, 3 * n_fft))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    steps = rng.uniform(0.5, n_fft / 4, 4 * n_samples + 8)
    positions = rng.uniform(-n_fft / 4, 0.0) + np.concatenate([[0.0], np.cumsum(steps)])
    positions = positions[: 1 + np.searchsorted(positions, n_samples - 1)]
    theta_shape = draw(st.sampled_from(["scalar", "frame-1d", "frame"]))
    theta = rng.uniform(n_fft / 2, n_fft, {"scalar": (), "frame-1d": positions.shape,
                                           "frame": (1, positions.size)}[theta_shape])
    return {
        "x": rng.standard_normal(n_samples).astype(draw(st.sampled_from([np.float32, np.float64]))),
        "win_length": float(theta) if theta_shape == "scalar" else theta,
        "positions": positions,
        "n_fft": n_fft,
        "window": draw(st.sampled_from(WINDOWS)),
        "norm": draw(st.sampled_from(NORMS)),
        "phase": draw(st.sampled_from(PHASES)),
    }


@SETTINGS
@given(case=covered_calls())
def test_istft_inverts_stft_on_covered_samples(case):
    """x̂ = istft(stft(x)) = x. x̂[k] = Σ ω y / Σ ω² divides by a weight >= (c h(1/4))²: 100 × the
    per-value allowance covers the irfft and the division."""
    x = case["x"]
    S = dstft_np.stft(x, case["win_length"], case["positions"], **options(case))
    x_hat = dstft_np.istft(S, case["win_length"], case["positions"], length=x.shape[-1], **options(case))
    assert x_hat.dtype == x.dtype and x_hat.shape == x.shape
    assert_close(x_hat, x, 100 * allowance(x.dtype, case["n_fft"]), describe(case), scale=np.max(np.abs(x)))


# ---------------------------------------------------------------- losses: scale invariance

@st.composite
def spectrograms(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = draw(st.sampled_from([(), (2,)])) + (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    Y = rng.uniform(0.0, 1.0, shape) ** draw(st.sampled_from([1, 4]))   # some spectra peaky
    Y[rng.uniform(size=shape) < draw(st.sampled_from([0.0, 0.3]))] = 0.0      # exact zeros, silent frames
    return Y


LOSSES = {
    "shannon": losses.shannon_entropy,
    "renyi-0.5": lambda Y, per_frame: losses.renyi_entropy(Y, 0.5, per_frame=per_frame),
    "renyi-3": lambda Y, per_frame: losses.renyi_entropy(Y, 3.0, per_frame=per_frame),
    "kurtosis": losses.kurtosis,
}


@SETTINGS
@given(Y=spectrograms(), name=st.sampled_from(sorted(LOSSES)), per_frame=st.booleans(),
       log_scale=st.floats(-200, 200))
def test_losses_are_scale_invariant_and_their_gradients_orthogonal_to_Y(Y, name, per_frame, log_scale):
    """L(cY) = L(Y) and ∂L/∂Y(cY) = ∂L/∂Y(Y) / c for c = 10^±200, and in every group (a frame, or the
    whole spectrogram) Σ_i Y_i ∂L/∂Y_i = 0, Euler's identity for a function of degree 0.

    Each output is a sum of M = F·T terms; tolerance 8 M eps of the sum of |terms|. The entropy is
    computed as log s - Σ Y log Y / s and its gradient as (log s - H - log Y)/s (s = ΣY): parts of
    size |log c| + |log Y| + |log s| that cancel, so that size (over s for the gradient) enters the
    scale. For the Euler sum the terms Y_i ∂L/∂Y_i are themselves differences of parts that add up
    to about 4 |L| of the group (4κ for the kurtosis), which enters too.
    """
    loss = LOSSES[name]
    c = 10.0**log_scale
    value, grad = loss(Y, per_frame=per_frame)
    scaled_value, scaled_grad = loss(c * Y, per_frame=per_frame)
    eps, M = np.finfo(np.float64).eps, Y.shape[-1] * Y.shape[-2]
    what = f"{name}, per_frame={per_frame}, Y {Y.shape}, c = 1e{log_scale:.1f}"
    axes = (-2,) if per_frame else (-2, -1)
    sums = np.sum(Y, axis=axes)
    logs = 1.0 + abs(log_scale) * np.log(10) + np.max(np.abs(np.log(Y[Y > 0])), initial=0.0) \
        + np.max(np.abs(np.log(sums[sums > 0])), initial=0.0)
    smallest_sum = np.min(sums[sums > 0], initial=1.0)
    assert abs(scaled_value - value) <= 8 * M * eps * (abs(value) + logs), what
    assert_close(scaled_grad * c, grad, 8 * M * eps, f"∂L/∂Y scales like 1/c: {what}",
                 scale=np.max(np.abs(grad)) + logs / smallest_sum)
    euler = np.sum(Y * grad, axis=axes)
    n_groups = euler.size
    bound = 8 * M * eps * (np.sum(np.abs(Y * grad), axis=axes) + 4 * max(1.0, abs(value) * n_groups))
    assert np.all(np.abs(euler) <= bound), f"Σ Y ∂L/∂Y = {euler} per group: {what}"


# ---------------------------------------------------------------- stft_jvp: linear in the tangents

@SETTINGS
@given(case=cases(), weights=st.tuples(st.floats(-3, 3), st.floats(-3, 3)))
def test_jvp_is_linear_in_the_tangents(case, weights):
    """dS(a v + b w) = a dS(v) + b dS(w) for random tangents of θ's and t's shapes."""
    a, b = weights
    rng = case["rng"]
    theta_shape, pos_shape = np.shape(case["win_length"]), np.shape(case["positions"])
    v = (rng.standard_normal(theta_shape), rng.standard_normal(pos_shape))
    w = (rng.standard_normal(theta_shape), rng.standard_normal(pos_shape))

    def jvp(tangent):
        return dstft_np.stft_jvp(case["x"], case["win_length"], case["positions"], *tangent, **options(case))

    combined = jvp((a * v[0] + b * w[0], a * v[1] + b * w[1]))
    dv, dw = jvp(v), jvp(w)
    scale = abs(a) * np.max(np.abs(dv), initial=0) + abs(b) * np.max(np.abs(dw), initial=0)
    assert_close(combined, a * dv + b * dw, allowance(case["x"].dtype, case["n_fft"]), describe(case), scale=scale)
