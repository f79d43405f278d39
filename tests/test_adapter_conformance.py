"""The torch and JAX adapters against the conformance kit's golden cases (issue 9).

Each adapter is wrapped into the checker's numpy calling contract (see
dstft_np.conformance.check): forward values, and the VJP through the
framework's own reverse mode — torch.autograd.grad with grad_outputs = G
(torch's cotangent is ∂L/∂Re S + j ∂L/∂Im S, our G) and jax.vjp with
conj(G) (JAX's cotangent is ∂L/∂Re S − j ∂L/∂Im S). Skipped when the
framework is absent.
"""

import numpy as np
import pytest

from dstft_np import conformance


@pytest.mark.slow
def test_torch_adapter_passes_the_conformance_kit():
    torch = pytest.importorskip("torch", reason="torch is not installed (optional extra [torch])")
    dtorch = pytest.importorskip("dstft_np.torch")

    def stft_fn(x, win_length, positions, **options):
        return dtorch.stft(torch.from_numpy(x), torch.from_numpy(win_length),
                           torch.from_numpy(positions), **options).numpy()

    def vjp_fn(x, win_length, positions, grad_S, **options):
        theta = torch.tensor(win_length, requires_grad=True)
        t = torch.tensor(positions, requires_grad=True)
        S = dtorch.stft(torch.from_numpy(x), theta, t, **options)
        grad_win, grad_pos = torch.autograd.grad(S, (theta, t), grad_outputs=torch.from_numpy(grad_S))
        return grad_win.numpy(), grad_pos.numpy()

    report = conformance.check(stft_fn, vjp_fn=vjp_fn)
    assert report.ok, str(report)


@pytest.mark.slow
def test_jax_adapter_passes_the_conformance_kit():
    jax = pytest.importorskip("jax", reason="jax is not installed (optional extra [jax])")
    jnp = pytest.importorskip("jax.numpy")
    djax = pytest.importorskip("dstft_np.jax")
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        def stft_fn(x, win_length, positions, **options):
            return np.asarray(djax.stft(jnp.asarray(x), jnp.asarray(win_length), jnp.asarray(positions), **options))

        def vjp_fn(x, win_length, positions, grad_S, **options):
            def forward(theta, t):
                return djax.stft(jnp.asarray(x), theta, t, **options)

            _, pullback = jax.vjp(forward, jnp.asarray(win_length), jnp.asarray(positions))
            grad_win, grad_pos = pullback(jnp.conj(jnp.asarray(grad_S)))
            return np.asarray(grad_win), np.asarray(grad_pos)

        report = conformance.check(stft_fn, vjp_fn=vjp_fn)
    finally:
        jax.config.update("jax_enable_x64", previous)
    assert report.ok, str(report)
