"""Central finite differences against closed-form gradients (JAX ``check_grads`` style).

A function f of a flat float64 vector is differentiated along seeded random
directions v and along chosen coordinates e_i:

    D_v f ≈ (f(x + εv) - f(x - εv)) / (2ε),  truncation O(ε² f'''), rounding O(eps·|f|/ε)

and compared with ⟨∇f, v⟩. The error is measured relative to
|⟨∇f, v⟩| + ‖∇f‖·‖v‖/√n (the typical size of a random directional
derivative), so a direction nearly orthogonal to ∇f does not make the test flaky.
"""

import numpy as np


def central_difference(f, x, direction, step):
    return (f(x + step * direction) - f(x - step * direction)) / (2.0 * step)


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
