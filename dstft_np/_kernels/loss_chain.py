"""The loss chain: from Y = |S|^p and ∂L/∂Y to the cotangent G of S (``losses``)."""

import math

from .._jit import njit

__all__ = ["magnitude_cotangent"]


@njit(cache=True, nogil=True)
def magnitude_cotangent(S, dL_dY, p, out):
    """out = ∂L/∂Y · p |S|^{p-1} · S/|S|, 0 where |S| = 0: the chain from Y = |S|^p to G (1-D views).

    Where Re² + Im² could overflow or underflow (|S| outside (1e-150, 1e150))
    |S| comes from hypot and the unit phasor from division, so that tiny or
    huge |S| keep their phase; elsewhere one reciprocal square root serves.
    """
    for i in range(S.shape[0]):
        re = S[i].real
        im = S[i].imag
        squared = re * re + im * im
        if 1e-300 < squared < 1e300:
            mag = math.sqrt(squared)
            scale = dL_dY[i] / mag if p == 1.0 else dL_dY[i] * p * mag ** (p - 2.0)
            out[i] = complex(re * scale, im * scale)
        else:
            mag = math.hypot(re, im)
            if mag > 0.0:
                out[i] = complex(re / mag, im / mag) * (dL_dY[i] * p * mag ** (p - 1.0))
            else:
                out[i] = 0.0
