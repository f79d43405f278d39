"""PyTorch adapter: the differentiable STFT as a torch layer (optional extra ``[torch]``).

``import dstft_np.torch`` imports torch; ``import dstft_np`` never does.
The forward pass runs ``dstft_np.stft`` on detached numpy copies, the
backward pass ``dstft_np.stft_vjp`` and forward-mode AD ``dstft_np.stft_jvp``,
so window lengths θ and positions t_n (or a hop) are ordinary tensors that
any torch optimiser can train, next to a network.

Complex cotangents. For a real loss L and the complex output S, torch hands
``backward`` the tensor ∂L/∂Re S + j ∂L/∂Im S (its "conjugate Wirtinger"
convention, 2 ∂L/∂S*) — exactly the G of docs/derivation.md §5, so it is passed to
``stft_vjp`` unchanged. tests/test_torch_adapter.py checks this against
``torch.autograd.gradcheck`` and finite differences.

The signal x is data: there is no closed-form derivative with respect to it
here, and a call with an x that requires grad is refused.
"""

import numpy as np
import torch  # the real torch: absolute import, this module is dstft_np.torch

from ._options import transform_codes
from ._validation import check_n_fft, check_scalar
from .forward_mode import stft_jvp
from .positions import frame_positions
from .transform import stft as numpy_stft
from .transform import stft_vjp

__all__ = ["STFTFunction", "stft", "STFT"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


def _to_numpy(tensor):
    """A detached CPU numpy view (or copy) of a tensor; torch's lazy conj/neg bits resolved."""
    return tensor.detach().resolve_conj().resolve_neg().cpu().numpy()


def _like(array, tensor):
    """`array` as a tensor of `tensor`'s dtype and device."""
    return torch.as_tensor(array, dtype=tensor.dtype, device=tensor.device)


class STFTFunction(torch.autograd.Function):
    """S = dstft_np.stft(x, θ, t) with backward ``stft_vjp`` and forward-mode ``stft_jvp``.

    ``STFTFunction.apply(x, win_length, positions, n_fft, window, norm, phase)``
    with x, win_length and positions tensors and the options as in
    ``dstft_np.stft``; prefer the checked wrapper ``dstft_np.torch.stft``.
    Returns S as a complex tensor [shape=(..., F, T)] on x's device.
    """

    @staticmethod
    def forward(ctx, x, win_length, positions, n_fft, window, norm, phase):
        ctx.options = dict(n_fft=n_fft, window=window, norm=norm, phase=phase)
        ctx.save_for_backward(x, win_length, positions)
        ctx.save_for_forward(x, win_length, positions)
        S = numpy_stft(_to_numpy(x), _to_numpy(win_length), _to_numpy(positions), **ctx.options)
        return torch.from_numpy(S).to(x.device)

    @staticmethod
    def backward(ctx, grad_S):
        x, win_length, positions = ctx.saved_tensors
        needs_win, needs_pos = ctx.needs_input_grad[1:3]
        grad_win = grad_pos = None
        if needs_win or needs_pos:
            grads = stft_vjp(_to_numpy(x), _to_numpy(win_length), _to_numpy(positions),
                             _to_numpy(grad_S), **ctx.options)
            grad_win = _like(grads[0], win_length) if needs_win else None
            grad_pos = _like(grads[1], positions) if needs_pos else None
        return None, grad_win, grad_pos, None, None, None, None

    @staticmethod
    def jvp(ctx, x_tangent, win_tangent, pos_tangent, *_):
        # torch passes zeros for inputs without a tangent; only a real one is refused
        if x_tangent is not None and bool(torch.any(x_tangent != 0)):
            raise ValueError("dstft_np.torch has no derivative with respect to x; give x no tangent")
        x, win_length, positions = ctx.saved_tensors
        win_tangent = torch.zeros_like(win_length) if win_tangent is None else win_tangent
        pos_tangent = torch.zeros_like(positions) if pos_tangent is None else pos_tangent
        dS = stft_jvp(_to_numpy(x), _to_numpy(win_length), _to_numpy(positions),
                      _to_numpy(win_tangent), _to_numpy(pos_tangent), **ctx.options)
        return torch.from_numpy(dS).to(x.device)


def stft(x, win_length, positions, *, n_fft, window="hann", norm="area", phase="absolute"):
    """``dstft_np.stft`` for torch tensors, differentiable in win_length and positions.

    Parameters
    ----------
    x : torch.Tensor [shape=(..., K)], float32 or float64
        The signal; data only (it must not require grad).
    win_length : torch.Tensor or float
        θ in samples, 0 < θ <= n_fft, broadcastable to (..., F, T) as in
        ``dstft_np.stft``. Numbers become float64 tensors.
    positions : torch.Tensor or array_like [shape=(..., T)]
        t_n in samples.
    n_fft, window, norm, phase
        As in ``dstft_np.stft``.

    Returns
    -------
    S : torch.Tensor [shape=(..., F, T)], complex64 or complex128

    Raises
    ------
    ValueError
        x requires grad (no derivative with respect to x is provided), and
        everything ``dstft_np.stft`` rejects.

    Examples
    --------
    >>> import torch, dstft_np.torch as dtorch
    >>> x = torch.randn(1000, dtype=torch.float64)
    >>> theta = torch.tensor(200.5, dtype=torch.float64, requires_grad=True)
    >>> S = dtorch.stft(x, theta, torch.arange(0.0, 1000.0, 100.0, dtype=torch.float64), n_fft=256)
    >>> S.abs().sum().backward()
    >>> theta.grad.shape
    torch.Size([])
    """
    x = torch.as_tensor(x)
    if x.requires_grad and torch.is_grad_enabled():
        raise ValueError(
            "x requires grad, but dstft_np.torch differentiates only win_length and positions; "
            "pass x.detach()"
        )
    if not torch.is_tensor(win_length):
        win_length = torch.as_tensor(win_length, dtype=torch.float64)
    if not torch.is_tensor(positions):
        positions = torch.as_tensor(positions, dtype=torch.float64)
    return STFTFunction.apply(x, win_length, positions, n_fft, window, norm, phase)


class STFT(torch.nn.Module):
    """A differentiable STFT layer whose window length and hop are ``nn.Parameter``s.

    Frames sit at t_n = n·h, n = 0..T−1, with T = 1 + K // h fixed when the
    layer is built (K = n_samples, h the initial hop); the learned hop then
    moves every frame, and ∂L/∂h = Σ_n n ∂L/∂t_n follows from torch's own
    autograd of t_n = n·h.

    Parameters
    ----------
    n_fft : int
        N, even.
    hop_length : float
        Initial hop h in samples, > 0.
    n_samples : int
        K, the signal length that fixes the frame count T.
    win_length : float or array_like, optional
        Initial θ (default n_fft). Its shape is the parameter's: a scalar,
        (T,) or (1, T) per frame, (F, 1) per bin, (F, T) per cell.
    window, norm, phase
        As in ``dstft_np.stft``.
    learn_win_length, learn_hop_length : bool
        Whether each is trained (requires_grad) or held fixed.
    min_win_length : float
        θ is clamped into [min_win_length, n_fft] in the forward pass, so an
        optimiser step past a bound cannot make the transform invalid. The
        clamp has no gradient beyond the bound, so a parameter that left
        the bounds would stay stuck there: call ``project_()`` after each
        optimiser step (the projection ``dstft_np.Adam`` applies).

    Examples
    --------
    >>> import torch, dstft_np.torch as dtorch
    >>> layer = dtorch.STFT(n_fft=256, hop_length=64.0, n_samples=1000, win_length=180.0)
    >>> S = layer(torch.randn(4, 1000, dtype=torch.float64))
    >>> S.shape, [name for name, _ in layer.named_parameters()]
    (torch.Size([4, 129, 16]), ['win_length', 'hop_length'])
    """

    def __init__(self, n_fft, hop_length, n_samples, win_length=None, *, window="hann", norm="area",
                 phase="absolute", learn_win_length=True, learn_hop_length=True, min_win_length=1.0):
        super().__init__()
        self.n_fft = check_n_fft(n_fft)
        transform_codes(window, norm, phase)
        min_win_length = check_scalar(min_win_length, "min_win_length")
        if not 0 < min_win_length <= self.n_fft:
            raise ValueError(f"min_win_length must be in (0, n_fft={self.n_fft}], got {min_win_length!r}")
        self.window, self.norm, self.phase = window, norm, phase
        self.min_win_length = min_win_length
        self.n_frames = frame_positions(n_samples, hop_length).size
        initial = np.asarray(self.n_fft if win_length is None else win_length, dtype=np.float64)
        self.win_length = torch.nn.Parameter(torch.from_numpy(initial.copy()),
                                             requires_grad=learn_win_length)
        self.hop_length = torch.nn.Parameter(torch.tensor(float(hop_length), dtype=torch.float64),
                                             requires_grad=learn_hop_length)
        self.register_buffer("frame_index", torch.arange(self.n_frames, dtype=torch.float64))

    @property
    def positions(self):
        """t_n = n·h, a tensor [shape=(T,)] differentiable in the hop."""
        return self.frame_index * self.hop_length

    def forward(self, x):
        """S [shape=(..., F, T)] of x [shape=(..., K)]."""
        theta = torch.clamp(self.win_length, self.min_win_length, self.n_fft)
        return stft(x, theta, self.positions, n_fft=self.n_fft, window=self.window, norm=self.norm,
                    phase=self.phase)

    @torch.no_grad()
    def project_(self):
        """Clamp the parameters in place: θ onto [min_win_length, n_fft], the hop onto h >= 1 sample."""
        self.win_length.clamp_(self.min_win_length, self.n_fft)
        self.hop_length.clamp_(min=1.0)
        return self

    def extra_repr(self):
        return (f"n_fft={self.n_fft}, n_frames={self.n_frames}, window={self.window!r}, "
                f"norm={self.norm!r}, phase={self.phase!r}")
