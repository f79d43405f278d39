"""dstft_np.torch against torch.autograd.gradcheck, finite differences and the numpy core.

Skipped as a whole when torch is absent (it is the optional extra [torch];
CI installs it). gradcheck perturbs the inputs by eps = 1e-6 in
float64 (every element, or in fast_mode one random direction) and compares
with the backward pass (and, with check_forward_ad, the forward-mode jvp) at
its default atol = 1e-5, rtol = 1e-3; for a complex output it checks the
real and imaginary parts separately, which is what pins the complex
cotangent convention. Test points use non-integer θ and t_n so
no window edge crosses a sample within ±eps.
"""

import numpy as np
import pytest

import dstft_np
from dstft_np._options import PHASES

from .gradcheck import central_difference
from .tolerance import FD_STEP, tolerance

torch = pytest.importorskip("torch", reason="torch is not installed (optional extra [torch])")
dtorch = pytest.importorskip("dstft_np.torch")

N_FFT = 16
N_BINS = N_FFT // 2 + 1
POSITIONS = np.array([-3.3, 4.6, 30.7, 61.2, 90.1, 118.6])


def theta_cases(rng):
    """θ as a scalar, per frame (T,) and (1, T), per bin (F, 1) and per cell (F, T)."""
    n_frames = POSITIONS.size
    return {
        "scalar": np.array(13.7),
        "per-frame (T,)": rng.uniform(5, N_FFT - 0.5, n_frames),
        "per-frame (1, T)": rng.uniform(5, N_FFT - 0.5, (1, n_frames)),
        "per-bin": rng.uniform(5, N_FFT - 0.5, (N_BINS, 1)),
        "per-cell": rng.uniform(5, N_FFT - 0.5, (N_BINS, n_frames)),
    }


@pytest.mark.parametrize("phase, window", [(phase, "hann") for phase in PHASES] + [("start", "blackman")])
def test_gradcheck_for_every_theta_shape(rng, phase, window):
    """Exact Jacobians for the scalar θ; random projections (fast_mode) for the larger shapes."""
    x = torch.from_numpy(rng.standard_normal(120))
    positions = torch.tensor(POSITIONS, requires_grad=True)
    for label, theta in theta_cases(rng).items():
        theta = torch.tensor(theta, requires_grad=True)

        def transform(theta, positions):
            return dtorch.stft(x, theta, positions, n_fft=N_FFT, window=window, phase=phase)

        assert torch.autograd.gradcheck(transform, (theta, positions), check_forward_ad=True,
                                        fast_mode=theta.ndim > 0), label


def test_gradcheck_with_a_batch_of_signals(rng):
    x = torch.from_numpy(rng.standard_normal((2, 3, 120)))
    theta = torch.tensor(rng.uniform(5, N_FFT - 0.5, (3, N_BINS, POSITIONS.size)), requires_grad=True)
    positions = torch.tensor(POSITIONS, requires_grad=True)
    assert torch.autograd.gradcheck(lambda w, p: dtorch.stft(x, w, p, n_fft=N_FFT, phase="start"),
                                    (theta, positions), check_forward_ad=True, fast_mode=True)


def test_backward_of_a_power_loss_matches_finite_differences(rng):
    """L = Σ w·|S|², w fixed weights: torch's gradient against central differences of the numpy loss."""
    x = rng.standard_normal(120)
    weights = rng.uniform(0, 1, (N_BINS, POSITIONS.size))
    theta0 = rng.uniform(5, N_FFT - 0.5, (1, POSITIONS.size))

    def numpy_loss(theta, positions):
        S = dstft_np.stft(x, theta, positions, n_fft=N_FFT, phase="center")
        return np.sum(weights * np.abs(S) ** 2)

    theta = torch.tensor(theta0, requires_grad=True)
    positions = torch.tensor(POSITIONS, requires_grad=True)
    S = dtorch.stft(torch.from_numpy(x), theta, positions, n_fft=N_FFT, phase="center")
    torch.sum(torch.from_numpy(weights) * (S.real ** 2 + S.imag ** 2)).backward()

    v_theta, v_pos = rng.standard_normal(theta0.shape), rng.standard_normal(POSITIONS.shape)
    fd = central_difference(numpy_loss, (theta0, POSITIONS), (v_theta, v_pos), FD_STEP)
    directional = np.sum(theta.grad.numpy() * v_theta) + np.sum(positions.grad.numpy() * v_pos)
    np.testing.assert_allclose(directional, fd, rtol=tolerance("finite-difference"),
                               err_msg="torch backward along (v_θ, v_t)")


def test_forward_matches_the_numpy_transform_in_float32_and_float64(rng):
    x = rng.standard_normal(120)
    for dtype, complex_dtype in ((torch.float32, torch.complex64), (torch.float64, torch.complex128)):
        S = dtorch.stft(torch.from_numpy(x).to(dtype), 13.7, POSITIONS, n_fft=N_FFT)
        assert S.dtype == complex_dtype
        reference = dstft_np.stft(x.astype(np.float32 if dtype == torch.float32 else np.float64),
                                  13.7, POSITIONS, n_fft=N_FFT)
        np.testing.assert_array_equal(S.numpy(), reference)


def test_gradients_keep_the_parameters_dtype(rng):
    x = torch.from_numpy(rng.standard_normal(120))
    theta = torch.tensor(13.7, dtype=torch.float32, requires_grad=True)
    positions = torch.tensor(POSITIONS, dtype=torch.float32, requires_grad=True)
    S = dtorch.stft(x, theta, positions, n_fft=N_FFT)
    (S.real ** 2 + S.imag ** 2).sum().backward()
    assert theta.grad.dtype == torch.float32 and positions.grad.dtype == torch.float32
    assert theta.grad.shape == () and positions.grad.shape == positions.shape


def test_x_that_requires_grad_is_refused(rng):
    x = torch.tensor(rng.standard_normal(120), requires_grad=True)
    with pytest.raises(ValueError, match=r"x requires grad, but dstft_np.torch differentiates only"):
        dtorch.stft(x, 13.7, POSITIONS, n_fft=N_FFT)
    with torch.no_grad():
        dtorch.stft(x, 13.7, POSITIONS, n_fft=N_FFT)
    forward_ad = torch.autograd.forward_ad
    with forward_ad.dual_level():
        x_dual = forward_ad.make_dual(x.detach(), torch.ones_like(x))
        with pytest.raises(ValueError, match=r"no derivative with respect to x; give x no tangent"):
            dtorch.stft(x_dual, 13.7, POSITIONS, n_fft=N_FFT)


def test_module_is_the_transform_on_its_own_grid(rng):
    """STFT layer: S = stft(x, θ, n·h), and gradcheck through (θ, h) with t_n = n·h done by torch."""
    x = rng.standard_normal((2, 200))
    layer = dtorch.STFT(N_FFT, 12.5, 200, win_length=np.full(1 + 200 // 12, 11.3), phase="start")
    assert [name for name, _ in layer.named_parameters()] == ["win_length", "hop_length"]
    S = layer(torch.from_numpy(x))
    positions = 12.5 * np.arange(1 + 200 // 12)
    reference = dstft_np.stft(x, np.full(positions.size, 11.3), positions, n_fft=N_FFT, phase="start")
    np.testing.assert_allclose(S.detach().numpy(), reference, rtol=0, atol=1e-12)

    frame_index = torch.arange(positions.size, dtype=torch.float64)

    def through_hop(theta, hop):
        return dtorch.stft(torch.from_numpy(x), theta, frame_index * hop, n_fft=N_FFT, phase="start")

    assert torch.autograd.gradcheck(through_hop, (layer.win_length, layer.hop_length))


def test_module_hop_gradient_is_the_frame_weighted_sum(rng):
    """∂L/∂h = Σ_n n ∂L/∂t_n (DESIGN.md §3), with ∂L/∂t_n from dstft_np.stft_vjp."""
    x = rng.standard_normal(200)
    layer = dtorch.STFT(N_FFT, 17.3, 200, win_length=12.9, learn_win_length=False)
    S = layer(torch.from_numpy(x))
    (S.real ** 2 + S.imag ** 2).sum().backward()
    positions = 17.3 * np.arange(layer.n_frames)
    S_np = dstft_np.stft(x, 12.9, positions, n_fft=N_FFT)
    _, grad_pos = dstft_np.stft_vjp(x, 12.9, positions, 2 * S_np, n_fft=N_FFT)
    assert layer.win_length.grad is None
    np.testing.assert_allclose(layer.hop_length.grad.item(), np.sum(np.arange(layer.n_frames) * grad_pos),
                               rtol=1e-12)


@pytest.mark.slow
def test_module_learns_the_longest_window_for_a_stationary_tone():
    """A pure tone is most concentrated by the longest window: Adam drives θ from 16 to the bound N."""
    n_fft, n_samples = 64, 512
    tone = torch.from_numpy(np.sin(2 * np.pi * 0.1234 * np.arange(n_samples)))
    layer = dtorch.STFT(n_fft, 16.0, n_samples, win_length=16.0, learn_hop_length=False)
    optimiser = torch.optim.Adam(layer.parameters(), lr=2.0)

    def spread(S):
        power = S.real ** 2 + S.imag ** 2
        return -(power ** 2).sum() / power.sum() ** 2  # lower is more concentrated

    initial = spread(layer(tone)).item()
    for _ in range(40):
        optimiser.zero_grad()
        loss = spread(layer(tone))
        loss.backward()
        optimiser.step()
        layer.project_()
    assert layer.win_length.item() == n_fft
    assert spread(layer(tone)).item() < 0.6 * initial


def test_module_rejects_a_bad_lower_bound():
    with pytest.raises(ValueError, match=r"min_win_length must be in \(0, n_fft=16\], got 20"):
        dtorch.STFT(N_FFT, 4.0, 100, min_win_length=20)


def test_project_clamps_parameters_onto_their_bounds():
    layer = dtorch.STFT(N_FFT, 4.0, 100, win_length=np.full(26, 9.5), min_win_length=2.5)
    with torch.no_grad():
        layer.win_length[0] = -7.0
        layer.win_length[1] = 40.0
        layer.hop_length.fill_(0.25)
    layer.project_()
    expected = np.full(26, 9.5)
    expected[:2] = 2.5, N_FFT
    np.testing.assert_array_equal(layer.win_length.detach().numpy(), expected)
    assert layer.hop_length.item() == 1.0


def test_module_rejects_a_lower_bound_that_is_not_a_number():
    with pytest.raises(TypeError, match="min_win_length must be a real number, got '2'"):
        dtorch.STFT(N_FFT, 4.0, 100, min_win_length="2")
