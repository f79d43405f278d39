"""The base windows h(v) on [-1/2, 1/2] and their derivatives h'(v), as plain Python.

The definitions every window value and derivative goes through: ``_kernels``
compiles them, ``windows`` documents them and evaluates ω on arrays. They
import nothing of dstft_np, so that both can import them without a cycle.
"""

import math

__all__ = ["GAUSSIAN_STD", "COSINE_SUM", "cosine_sum_terms", "gaussian_terms"]

#: Relative standard deviation s of the truncated Gaussian: σ = s·θ samples.
GAUSSIAN_STD = 0.125

#: Cosine-sum windows h(v) = a_0 + a_1 cos(2πv) + a_2 cos(4πv): their (a_0, a_1, a_2).
COSINE_SUM = {
    "hann": (0.5, 0.5, 0.0),
    "blackman": (0.42, 0.5, 0.08),
}


def cosine_sum_terms(a, c, s):
    """h(v) and h'(v) of the cosine-sum window a = (a_0, a_1, a_2), from c = cos(2πv) and s = sin(2πv).

    h(v) = a_0 + a_1 cos(2πv) + a_2 cos(4πv) and
    h'(v) = -2π [a_1 sin(2πv) + 2 a_2 sin(4πv)], with cos(4πv) = c² - s²
    and sin(4πv) = 2cs. Taking (c, s) rather than v lets the kernels advance
    e^{j2πv} by a rotation along a run of samples instead of calling cos and
    sin for each; both routes go through this one definition.
    """
    h = a[0] + a[1] * c + a[2] * (c * c - s * s)
    dh = -2.0 * math.pi * (a[1] * s + 4.0 * a[2] * c * s)
    return h, dh


def gaussian_terms(v):
    """h(v) = exp(-v² / (2 s²)) and h'(v) = -v / s² · h(v), s = GAUSSIAN_STD."""
    z = v / GAUSSIAN_STD
    h = math.exp(-0.5 * z * z)
    return h, -z / GAUSSIAN_STD * h
