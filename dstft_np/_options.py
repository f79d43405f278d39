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
    "FIT_METHODS",
    "SCALINGS",
    "WIN_MODES",
    "HOP_MODES",
    "CONVENTIONS",
    "CONVENTION_WINDOWS",
    "PAD_MODES",
    "VALUE",
    "D_WIN",
    "NEG_D_OFFSET",
    "option_code",
    "transform_codes",
    "choices",
    "document_choices",
    "TRANSFORM_PARAMETERS",
]

#: Base windows h(v) on [-1/2, 1/2]; the order is the kernel code.
WINDOWS = ("hann", "blackman", "gaussian")

#: Phase reference φ_n(k) of the DFT: k, k - t_n, k - (t_n - N/2).
PHASES = ("absolute", "center", "start")

#: Window normalisation c(θ): N/θ ("area") or 1 (None).
NORMS = ("area", None)

#: Spectrogram losses by name (``dstft_np.losses``): Shannon entropy of the
#: whole spectrogram, mean over frames of each frame's Shannon entropy, mean
#: over bins of each bin's Shannon entropy over time, Rényi entropy, negative
#: kurtosis.
LOSSES = ("entropy", "frame-entropy", "bin-entropy", "renyi", "kurtosis")

#: Optimisers of ``DSTFT.fit``: scipy's L-BFGS-B (full-batch, bounded), projected Adam.
FIT_METHODS = ("l-bfgs-b", "adam")

#: What a fit's loss sees (``objective.Objective``): Y = |S|^p as the
#: transform gives it, or each cell rescaled so that white noise has the same
#: expected level whatever its window length (docs/experiments.md §9).
SCALINGS = ("magnitude", "density")

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

#: What a kernel evaluates: ω, ∂ω/∂θ, or -∂ω/∂u (the sign of ∂S/∂t_n).
VALUE, D_WIN, NEG_D_OFFSET = 0, 1, 2


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


def choices(allowed):
    """The allowed values as numpydoc writes a choice: {"a", "b", None} for ("a", "b", None)."""
    return "{" + ", ".join("None" if value is None else f'"{value}"' for value in allowed) + "}"


#: The option tuples a docstring may name as "{WINDOWS}", "{NORMS}", ... (``document_choices``).
_DOCUMENTED = ("WINDOWS", "PHASES", "NORMS", "LOSSES", "FIT_METHODS", "SCALINGS", "WIN_MODES", "HOP_MODES",
               "CONVENTIONS", "CONVENTION_WINDOWS", "PAD_MODES")


def document_choices(documented):
    """Write the allowed values into a docstring: "{WINDOWS}" becomes choices(WINDOWS), and so on.

    A decorator for functions and classes: their lists of choices are the
    tuples above, never a copy. Returns `documented`.
    """
    if documented.__doc__:  # None under python -OO
        for name in _DOCUMENTED:
            documented.__doc__ = documented.__doc__.replace("{" + name + "}", choices(globals()[name]))
    return documented


#: The numpydoc of the arguments every transform takes, substituted for "{params}".
TRANSFORM_PARAMETERS = f"""x : array_like [shape=(..., K)], real
        The signal; float32 stays float32, other real types become float64.
        Zero outside 0 <= k < K.
    win_length : array_like, float
        θ, window lengths in samples, 0 < θ <= n_fft, broadcastable to
        (..., F, T): a scalar, (1, T) or (T,) per frame, (F, 1) per bin,
        (F, T) per cell, with optional leading batch axes.
    positions : array_like [shape=(..., T)], float, optional
        t_n, window centres in samples; any real value (frames that reach
        no sample are zero). Give positions or hop_length, not both. A
        scalar is one frame; with a signal longer than 2·n_fft that is
        warned about (UserWarning), since a hop passed here gives it.
    hop_length : float, optional, keyword-only
        d > 0, the librosa-style alternative to positions: the default grid
        t_n = n·d, n < T = 1 + K // d (``frame_positions``; torch.stft's and
        librosa's frames with center=True).
    n_fft : int
        N, even; F = N/2 + 1 one-sided bins.
    window : {choices(WINDOWS)}
        Base window h, see ``dstft_np.windows``.
    norm : {choices(NORMS)}
        c(θ) = N/θ ("area", the paper's) or 1.
    phase : {choices(PHASES)}
        Phase reference φ_n(k) = k, k - t_n or k - (t_n - N/2)."""
