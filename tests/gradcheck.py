"""Finite differences against closed-form derivatives: the one finite-difference helper of the tests.

Every difference quotient in tests/ is one of these two, and its caller
states the step and the tolerance next to the call:

- ``central_difference``: D_v f ≈ (f(x + εv) - f(x - εv)) / (2ε), truncation
  O(ε² f'''), rounding O(eps·|f|/ε);
- ``backward_difference``: f'(x) ≈ (3f(x) - 4f(x - δ) + f(x - 2δ)) / (2δ),
  truncation O(δ² f'''), for a point on an upper bound (θ = N) where
  f(x + δ) is not defined.

``assert_gradient`` (JAX ``check_grads`` style) differentiates a function f
of a flat float64 vector along seeded random directions v and along chosen
coordinates e_i and compares with ⟨∇f, v⟩. The error is measured relative to
|⟨∇f, v⟩| + ‖∇f‖·‖v‖/√n (the typical size of a random directional
derivative), so a direction nearly orthogonal to ∇f does not make the test flaky.
"""

import numpy as np

import dstft_np


def central_difference(f, x, direction, step):
    """(f(x + step·direction) - f(x - step·direction)) / (2 step); f may return an array.

    x and direction may be tuples, one entry per argument of f: the arguments move together.
    """
    if isinstance(x, tuple):
        plus = f(*(a + step * d for a, d in zip(x, direction, strict=True)))
        minus = f(*(a - step * d for a, d in zip(x, direction, strict=True)))
    else:
        plus, minus = f(x + step * direction), f(x - step * direction)
    return (plus - minus) / (2.0 * step)


def backward_difference(f, x, step):
    """(3 f(x) - 4 f(x - step) + f(x - 2 step)) / (2 step): second order, f taken at x and below only."""
    return (3 * f(x) - 4 * f(x - step) + f(x - 2 * step)) / (2 * step)


def assert_gradient(f, x, grad, rng, *, step, rtol, n_directions=3, coordinates=None, what=""):
    """Assert ∇f(x) = `grad` along `n_directions` random directions and each index in `coordinates`.

    coordinates=None checks every coordinate; pass a list to check a subset.
    """
    x = np.asarray(x, dtype=np.float64)
    grad = np.asarray(grad, dtype=np.float64)
    assert grad.shape == x.shape, f"{what}: gradient shape {grad.shape} != parameter shape {x.shape}"
    directions = [rng.standard_normal(x.shape) for _ in range(n_directions)]
    indices = range(x.size) if coordinates is None else coordinates
    for i in indices:
        unit = np.zeros(x.size)
        unit[i] = 1.0
        directions.append(unit.reshape(x.shape))
    grad_norm = np.linalg.norm(grad)
    for k, v in enumerate(directions):
        numeric = central_difference(f, x, v, step)
        analytic = float(np.sum(grad * v))
        scale = abs(analytic) + grad_norm * np.linalg.norm(v) / np.sqrt(x.size)
        label = f"direction {k}" if k < n_directions else f"coordinate {list(indices)[k - n_directions]}"
        np.testing.assert_allclose(numeric, analytic, rtol=0, atol=rtol * scale,
                                   err_msg=f"{what}: {label}, step {step}")


def stft_difference(x, win_length, positions, tangent_win, tangent_pos, step, **options):
    """central_difference of dstft_np.stft along (tangent_win, tangent_pos): S's directional derivative."""
    return central_difference(lambda theta, t: dstft_np.stft(x, theta, t, **options), (win_length, positions),
                              (tangent_win, tangent_pos), step)
