"""Window terms: the base windows h(v) on [-1/2, 1/2], h'(v), and ω, ∂ω/∂θ, -∂ω/∂u from them.

The definitions every window value and derivative goes through.
``cosine_sum_terms`` and ``gaussian_terms`` are plain Python (``windows``
re-exports them, and documents the windows); this module compiles them for
the other kernels. ``base_terms`` picks the pair (h, h') of a window by its
kernel code, ``_term_weights`` and ``window_term`` combine it into ω,
∂ω/∂θ or -∂ω/∂u (docs/derivation.md §1), ``_base_run`` evaluates it along a
run of samples by rotations, ``_support`` gives the samples under a window.
"""

import math

import numpy as np

from .._jit import njit
from .._options import NEG_D_OFFSET, VALUE, WINDOWS

__all__ = [
    "GAUSSIAN_STD",
    "COSINE_SUM",
    "FAMILIES",
    "cosine_sum_terms",
    "gaussian_terms",
    "base_terms",
    "window_term",
    "fill_window",
]

#: Relative standard deviation s of the truncated Gaussian: σ = s·θ samples.
GAUSSIAN_STD = 0.125

#: Cosine-sum windows h(v) = Σ_i a_i cos(2πiv) by name: their (a_0, a_1, ...), two or more.
COSINE_SUM = {
    "hann": (0.5, 0.5),
    "blackman": (0.42, 0.5, 0.08),
}

#: The family of every base window, by name (its keys are ``_options.WINDOWS``):
#: "cosine sum" (h, h' from the window's row of COSINE_SUM by ``cosine_sum_terms``)
#: or "gaussian" (``gaussian_terms``). ``base_terms`` has one branch per family.
FAMILIES = {**dict.fromkeys(COSINE_SUM, "cosine sum"), "gaussian": "gaussian"}


def cosine_sum_terms(a, c, s):
    """h(v) and h'(v) of the cosine-sum window a = (a_0, a_1, ...), from c = cos(2πv) and s = sin(2πv).

    h(v) = Σ_i a_i cos(2πiv) and h'(v) = -2π Σ_i i a_i sin(2πiv), for any
    number of coefficients (two or more; zeros at the end change nothing).
    cos(4πv) = c² - s², sin(4πv) = 2cs, and each further term takes one
    complex product, cos(2πiv) + j sin(2πiv) = (c + js)^i. Taking (c, s)
    rather than v lets the kernels advance e^{j2πv} by a rotation along a
    run of samples instead of calling cos and sin for each; both routes go
    through this one definition.
    """
    h = a[0] + a[1] * c
    dh = a[1] * s
    if len(a) > 2:
        # a_2's terms as (4 a_2 c) s: the rounding the golden data were computed with
        ci, si = c * c - s * s, 2.0 * c * s
        h += a[2] * ci
        dh += 4.0 * a[2] * c * s
        for i in range(3, len(a)):
            ci, si = ci * c - si * s, ci * s + si * c
            h += a[i] * ci
            dh += i * a[i] * si
    return h, -2.0 * math.pi * dh


def gaussian_terms(v):
    """h(v) = exp(-v² / (2 s²)) and h'(v) = -v / s² · h(v), s = GAUSSIAN_STD."""
    z = v / GAUSSIAN_STD
    h = math.exp(-0.5 * z * z)
    return h, -z / GAUSSIAN_STD * h


_cosine_sum_terms = njit(cache=True)(cosine_sum_terms)
_gaussian_terms = njit(cache=True)(gaussian_terms)

#: Coefficients of each window in WINDOWS order, padded with zeros to the longest
#: (all zeros for the other families); the kernels take a row.
_N_TERMS = max(len(a) for a in COSINE_SUM.values())
_COSINE_SUM = np.array([COSINE_SUM.get(name, ()) + (0.0,) * (_N_TERMS - len(COSINE_SUM.get(name, ())))
                        for name in WINDOWS])
_IS_COSINE_SUM = np.array([FAMILIES[name] == "cosine sum" for name in WINDOWS])
#: The rows of _COSINE_SUM as tuples, for the inner loops: a tuple's length is known when
#: the kernel compiles, so cosine_sum_terms unrolls (with an array row it ran 8x slower).
_COSINE_SUM_TUPLES = tuple(tuple(float(a) for a in row) for row in _COSINE_SUM)


@njit(cache=True)
def base_terms(code, v):
    """(h(v), h'(v)) of the window with kernel code `code` (its index in WINDOWS)."""
    if _IS_COSINE_SUM[code]:
        angle = 2.0 * math.pi * v
        return _cosine_sum_terms(_COSINE_SUM[code], math.cos(angle), math.sin(angle))
    return _gaussian_terms(v)


@njit(cache=True)
def _norm_factor(area, theta, n_fft):
    """c(θ) = N/θ for norm="area", 1 for None."""
    return n_fft / theta if area else 1.0


@njit(cache=True)
def _term_weights(which, area, theta, n_fft):
    """(α, β, γ) such that the term `which` is α h + β v h' + γ h' at v = u/θ.

    ω = c h;  ∂ω/∂θ = -(1/θ)[(1-δ)ω + u ω'] = -(c/θ)[(1-δ) h + v h'];
    -∂ω/∂u = -ω' = -(c/θ) h'. c = N/θ and δ = 0 for norm="area", c = 1 and
    δ = 1 for None.
    """
    c = _norm_factor(area, theta, n_fft)
    if which == VALUE:
        return c, 0.0, 0.0
    if which == NEG_D_OFFSET:
        return 0.0, 0.0, -c / theta
    return (-c / theta if area else 0.0), -c / theta, 0.0


@njit(cache=True)
def _combine(which, area, theta, n_fft, sum_h, sum_vdh, sum_dh):
    """α Σ h·y + β Σ v h'·y + γ Σ h'·y: the term `which` summed against y from three window sums."""
    alpha, beta, gamma = _term_weights(which, area, theta, n_fft)
    return alpha * sum_h + beta * sum_vdh + gamma * sum_dh


@njit(cache=True)
def window_term(which, code, area, u, theta, n_fft):
    """ω(u; θ), ∂ω/∂θ = -(1/θ)[(1-δ)ω + u ω'(u)], or -ω'(u) with ω'(u) = c h'(u/θ)/θ.

    `which` is VALUE, D_WIN or NEG_D_OFFSET; `area` selects c = N/θ (δ = 0)
    over c = 1 (δ = 1). The caller keeps |u| <= θ/2.
    """
    v = u / theta
    h, dh = base_terms(code, v)
    alpha, beta, gamma = _term_weights(which, area, theta, n_fft)
    return alpha * h + (beta * v + gamma) * dh


@njit(cache=True)
def fill_window(which, code, area, u, theta, n_fft, out):
    """out[i] = window_term(which, ..., u[i], ...) inside the support, 0 outside."""
    for i in range(u.shape[0]):
        if abs(u[i]) <= 0.5 * theta:
            out[i] = window_term(which, code, area, u[i], theta, n_fft)
        else:
            out[i] = 0.0


@njit(cache=True)
def _support(t, theta, n_samples):
    """First sample of the support |k - t| <= θ/2 and the range [j0, j1) of it inside [0, K)."""
    k_lo = math.ceil(t - 0.5 * theta)
    k_hi = math.floor(t + 0.5 * theta)
    j0 = max(0, -k_lo)
    j1 = min(k_hi, n_samples - 1) - k_lo + 1
    return k_lo, j0, j1


#: Samples per block of ``_base_run``: e^{j2πv_j} = e^{j2πv_q} · e^{j2πL r/θ} for j = L r + q.
_LANES = 16


@njit(cache=True)
def _base_run(code, u0, theta, count, h, dh):
    """h[j], dh[j] = h(v_j), h'(v_j) for v_j = (u0 + j)/θ, j < count; cosine sums by rotating e^{j2πv_j}.

    With j = L r + q (L = _LANES): z_j = e^{j2πv_j} = a_q b_r, a_q = e^{j2πv_q}
    rotated from a_0 by e^{j2π/θ}, b_r = e^{j2πL r/θ} advanced by one
    rotation per block. A block's L products are independent (LLVM
    vectorises them) and each z_j carries at most L + count/L rotations'
    rounding.
    """
    if not _IS_COSINE_SUM[code]:
        for j in range(count):
            h[j], dh[j] = base_terms(code, (u0 + j) / theta)
        return
    coefficients = _COSINE_SUM_TUPLES[code]
    # a_q = a_0 e^{j2πq/θ}: six calls of cos and sin per run, then rotations
    first_c = np.empty(_LANES)
    first_s = np.empty(_LANES)
    first_c[0] = math.cos(2.0 * math.pi * u0 / theta)
    first_s[0] = math.sin(2.0 * math.pi * u0 / theta)
    sample_c = math.cos(2.0 * math.pi / theta)
    sample_s = math.sin(2.0 * math.pi / theta)
    for q in range(1, _LANES):
        first_c[q] = first_c[q - 1] * sample_c - first_s[q - 1] * sample_s
        first_s[q] = first_c[q - 1] * sample_s + first_s[q - 1] * sample_c
    step_c = math.cos(2.0 * math.pi * _LANES / theta)
    step_s = math.sin(2.0 * math.pi * _LANES / theta)
    block_c, block_s = 1.0, 0.0
    full = count - count % _LANES
    for j0 in range(0, full, _LANES):
        for q in range(_LANES):
            c = first_c[q] * block_c - first_s[q] * block_s
            s = first_c[q] * block_s + first_s[q] * block_c
            h[j0 + q], dh[j0 + q] = _cosine_sum_terms(coefficients, c, s)
        block_c, block_s = block_c * step_c - block_s * step_s, block_c * step_s + block_s * step_c
    for q in range(count - full):
        c = first_c[q] * block_c - first_s[q] * block_s
        s = first_c[q] * block_s + first_s[q] * block_c
        h[full + q], dh[full + q] = _cosine_sum_terms(coefficients, c, s)
