"""The allowed values of every string option, written once.

Kernels receive the integer code of an option (its index in the tuple), so
that one compiled function serves every combination of window, phase and
norm.
"""

__all__ = [
    "WINDOWS",
    "PHASES",
    "NORMS",
    "LOSSES",
    "WIN_MODES",
    "HOP_MODES",
    "CONVENTIONS",
    "CONVENTION_WINDOWS",
    "PAD_MODES",
    "option_code",
    "transform_codes",
]

#: Base windows h(v) on [-1/2, 1/2]; the order is the kernel code.
WINDOWS = ("hann", "blackman", "gaussian")

#: Phase reference φ_n(k) of the DFT: k, k - t_n, k - (t_n - N/2).
PHASES = ("absolute", "center", "start")

#: Window normalisation c(θ): N/θ ("area") or 1 (None).
NORMS = ("area", None)

#: Spectrogram losses by name (``dstft_np.losses``): Shannon entropy, Rényi
#: entropy, negative kurtosis.
LOSSES = ("entropy", "renyi", "kurtosis")

#: How θ varies in ``DSTFT``: one value, per frame, per bin, per cell.
WIN_MODES = ("constant", "time", "frequency", "time-frequency")

#: How the hop is set in ``DSTFT``: fixed, one learnable value, learnable per frame.
HOP_MODES = ("fixed", "constant", "time")

#: Libraries whose STFT ``dstft_np.conventions.preset`` reproduces.
CONVENTIONS = ("torch", "librosa", "scipy")

#: Windows a preset accepts: those with h(±1/2) = 0, so that the θ + 1 samples
#: under ω(·; θ) carry exactly the θ values of a periodic window of length θ.
CONVENTION_WINDOWS = ("hann", "blackman")

#: How a preset extends the signal by N/2 samples on each side (numpy.pad modes):
#: zeros, or the mirror image without repeating the end sample.
PAD_MODES = ("constant", "reflect")


def option_code(name, value, allowed):
    """Return the index of `value` in `allowed`, or raise a ValueError listing them."""
    for code, candidate in enumerate(allowed):
        if value is candidate or (isinstance(value, str) and value == candidate):
            return code
    raise ValueError(
        f"{name} must be one of {', '.join(repr(a) for a in allowed)}; got {value!r}"
    )


def transform_codes(window, norm, phase):
    """Check the three options every transform takes; return (window code, norm == "area", phase code)."""
    return (option_code("window", window, WINDOWS), option_code("norm", norm, NORMS) == 0,
            option_code("phase", phase, PHASES))
