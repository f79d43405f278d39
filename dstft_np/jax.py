"""JAX adapter: the differentiable STFT as a ``jax.custom_vjp`` function (optional extra ``[jax]``).

``import dstft_np.jax`` imports jax; ``import dstft_np`` never does. The
forward pass calls ``dstft_np.stft`` and the backward pass
``dstft_np.stft_vjp`` through ``jax.pure_callback``, so the function works
under ``jax.jit``, ``jax.grad`` and ``jax.vmap`` (one host call per mapped
element) on the CPU. Use float64 (``jax.config.update("jax_enable_x64",
True)``) for results that match dstft_np to rounding.

Complex cotangents. For a real loss L and complex output S, JAX's VJP
receives the cotangent ∂L/∂Re S − j ∂L/∂Im S (``jax.grad`` of |z|² is
2 conj(z)), the conjugate of the G = ∂L/∂Re S + j ∂L/∂Im S of docs/derivation.md §5;
the backward pass therefore hands ``stft_vjp`` conj(cotangent).
tests/test_jax_adapter.py checks this with ``jax.test_util.check_grads``.

The signal x is data: its cotangent is NaN (no closed-form derivative with
respect to x is provided), so a gradient that would flow into x shows up
instead of silently being zero. Differentiate win_length and positions only.
"""

import functools

import jax  # the real jax: absolute import, this module is dstft_np.jax
import jax.numpy as jnp
import numpy as np

from ._options import transform_codes
from ._validation import check_n_fft
from .transform import stft as numpy_stft
from .transform import stft_vjp

__all__ = ["stft"]


def __dir__():  # dir(module) and tab completion show the public names only
    return __all__


def _output_shape(x_shape, win_shape, pos_shape, n_fft):
    """(..., F, T) of S, from the argument shapes alone (pure_callback needs it before the call)."""
    pos_shape = pos_shape or (1,)
    win_batch = win_shape[:-2] if len(win_shape) > 2 else ()
    batch = np.broadcast_shapes(x_shape[:-1], pos_shape[:-1], win_batch)
    return batch + (n_fft // 2 + 1, pos_shape[-1])


def _complex_dtype(x):
    return jnp.complex64 if x.dtype == jnp.float32 else jnp.result_type(x.dtype, jnp.complex64)


def _forward(x, win_length, positions, n_fft, window, norm, phase):
    shape = _output_shape(x.shape, win_length.shape, positions.shape, n_fft)
    dtype = _complex_dtype(x)

    def host(x, win_length, positions):
        S = numpy_stft(np.asarray(x), np.asarray(win_length), np.asarray(positions), n_fft=n_fft,
                       window=window, norm=norm, phase=phase)
        return S.astype(dtype)

    return jax.pure_callback(host, jax.ShapeDtypeStruct(shape, dtype), x, win_length, positions,
                             vmap_method="sequential")


@functools.partial(jax.custom_vjp, nondiff_argnums=(3, 4, 5, 6))
def _stft(x, win_length, positions, n_fft, window, norm, phase):
    return _forward(x, win_length, positions, n_fft, window, norm, phase)


def _stft_fwd(x, win_length, positions, n_fft, window, norm, phase):
    return _forward(x, win_length, positions, n_fft, window, norm, phase), (x, win_length, positions)


def _stft_bwd(n_fft, window, norm, phase, residuals, cotangent):
    x, win_length, positions = residuals
    G = jnp.conj(cotangent)  # JAX's cotangent is ∂L/∂Re S − j ∂L/∂Im S

    def host(x, win_length, positions, G):
        grad_win, grad_pos = stft_vjp(np.asarray(x), np.asarray(win_length), np.asarray(positions),
                                      np.asarray(G), n_fft=n_fft, window=window, norm=norm,
                                      phase=phase)
        return grad_win.astype(win_length.dtype), grad_pos.astype(positions.dtype)

    result_shapes = (jax.ShapeDtypeStruct(win_length.shape, win_length.dtype),
                     jax.ShapeDtypeStruct(positions.shape, positions.dtype))
    grad_win, grad_pos = jax.pure_callback(host, result_shapes, x, win_length, positions, G,
                                           vmap_method="sequential")
    return jnp.full_like(x, jnp.nan), grad_win, grad_pos


_stft.defvjp(_stft_fwd, _stft_bwd)


def stft(x, win_length, positions, *, n_fft, window="hann", norm="area", phase="absolute"):
    """``dstft_np.stft`` for JAX arrays, differentiable in win_length and positions.

    Parameters
    ----------
    x : jax.Array [shape=(..., K)], float32 or float64
        The signal; data only (its cotangent is NaN).
    win_length : jax.Array or float
        θ in samples, 0 < θ <= n_fft, broadcastable to (..., F, T) as in
        ``dstft_np.stft``.
    positions : jax.Array or array_like [shape=(..., T)]
        t_n in samples.
    n_fft, window, norm, phase
        As in ``dstft_np.stft`` (static: changing them retraces).

    Returns
    -------
    S : jax.Array [shape=(..., F, T)], complex64 or complex128

    Raises
    ------
    ValueError
        An odd n_fft or unknown option (at trace time); the values that
        ``dstft_np.stft`` rejects raise when the callback runs.

    Examples
    --------
    >>> import jax, jax.numpy as jnp, dstft_np.jax as djax
    >>> x = jnp.sin(0.3 * jnp.arange(1000.0))
    >>> loss = lambda theta: jnp.sum(jnp.abs(djax.stft(x, theta, jnp.arange(0.0, 1000.0, 100.0), n_fft=256)))
    >>> jax.grad(loss)(200.5).shape
    ()
    """
    n_fft = check_n_fft(n_fft)
    transform_codes(window, norm, phase)
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    real = jnp.result_type(float)
    win_length = jnp.asarray(win_length, dtype=real)
    positions = jnp.asarray(positions, dtype=real)
    return _stft(x, win_length, positions, n_fft, window, norm, phase)
