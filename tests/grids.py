"""Inputs several test files draw from: the transform's grid, θ of every shape, and hypothesis strategies.

Hypothesis draws are derandomized (no example database), so CI sees the
same examples on every run; numpy data come from a seed that hypothesis
draws, so a failing example reproduces from its printout.
"""

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from dstft_np._options import NORMS, PHASES, WINDOWS


N_FFT = 64
N_BINS = N_FFT // 2 + 1
# non-integer positions, both ends of the signal, and frames beyond them
POSITIONS = np.array([-40.0, -20.3, 0.0, 17.25, 100.5, 250.0, 290.7, 320.0, 400.2])


def theta_shapes(rng, n_frames, low=5.0, high=N_FFT):
    """θ as a scalar, per frame, per bin and per cell."""
    return {
        "scalar": 40.3,
        "per-frame": rng.uniform(low, high, (1, n_frames)),
        "per-bin": rng.uniform(low, high, (N_BINS, 1)),
        "per-cell": rng.uniform(low, high, (N_BINS, n_frames)),
    }


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# (x batch, positions batch): the broadcast batch is () , (2,), (3,), (2, 3) or (2,)
BATCHES = [((), ()), ((2,), ()), ((), (3,)), ((2, 1), (3,)), ((2,), (2,))]
THETA_SHAPES = ("scalar", "frame-1d", "frame", "bin", "cell", "batch-frame", "batch-cell")
POSITION_KINDS = ("real", "quarter", "integer")


def theta_of_shape(rng, kind, n_fft, n_frames, batch_shape):
    n_bins = n_fft // 2 + 1
    shape = {
        "scalar": (),
        "frame-1d": (n_frames,),
        "frame": (1, n_frames),
        "bin": (n_bins, 1),
        "cell": (n_bins, n_frames),
        "batch-frame": batch_shape[-1:] + (1, n_frames),
        "batch-cell": batch_shape[-1:] + (n_bins, n_frames),
    }[kind]
    theta = rng.uniform(0.5, n_fft, shape)
    return float(theta) if kind == "scalar" else theta


@st.composite
def cases(draw, batched=True):
    """A random valid call: x, win_length, positions, n_fft and options."""
    n_fft = draw(st.sampled_from([2, 4, 8, 16, 32]))
    n_samples = draw(st.integers(1, 3 * n_fft))
    n_frames = draw(st.integers(1, 5))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    x_batch, pos_batch = draw(st.sampled_from(BATCHES)) if batched else ((), ())
    batch_shape = np.broadcast_shapes(x_batch, pos_batch)
    theta_kind = draw(st.sampled_from(THETA_SHAPES))
    position_kind = draw(st.sampled_from(POSITION_KINDS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    # frames may reach no sample at all: positions run N + 2 beyond both ends
    positions = rng.uniform(-n_fft - 2, n_samples + n_fft + 2, pos_batch + (n_frames,))
    if position_kind == "quarter":
        positions = np.round(4 * positions) / 4  # half-integers: ties of the phase rounding
    elif position_kind == "integer":
        positions = np.round(positions)
    return {
        "x": rng.standard_normal(x_batch + (n_samples,)).astype(dtype),
        "win_length": theta_of_shape(rng, theta_kind, n_fft, n_frames, batch_shape),
        "positions": positions,
        "n_fft": n_fft,
        "window": draw(st.sampled_from(WINDOWS)),
        "norm": draw(st.sampled_from(NORMS)),
        "phase": draw(st.sampled_from(PHASES)),
        "rng": rng,
    }


def options(case):
    return {key: case[key] for key in ("n_fft", "window", "norm", "phase")}


def describe(case):
    return (f"n_fft={case['n_fft']}, x {case['x'].dtype}{case['x'].shape}, θ shape "
            f"{np.shape(case['win_length'])}, positions {np.shape(case['positions'])}, "
            f"{case['window']}/{case['norm']}/{case['phase']}")


def theta_cases(rng, n_bins, n_frames, n_fft):
    return {
        "scalar": 0.6 * n_fft + 0.3,
        "per-frame": rng.uniform(8.0, n_fft, (1, n_frames)),
        "per-cell": rng.uniform(8.0, n_fft, (n_bins, n_frames)),
    }
