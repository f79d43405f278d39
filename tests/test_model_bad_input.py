"""Bad input to DSTFT: a clear error naming the argument, the parameters unchanged by a failed call."""

import numpy as np
import pytest

import dstft_np

from .inputs import (WINDOW_CHOICES, assert_same_results, assert_untouched, expect, layouts, peak_bytes, snapshot,
                     with_value)


def model(**options):
    return dstft_np.DSTFT(**{"n_fft": 64, "hop_length": 16, "win_length": 40.0, **options})


def learnable(**options):
    return model(win_mode="time", hop_mode="time", n_samples=300, **options)


MODEL_CASES = [
    ("n_fft-odd", lambda: model(n_fft=63), ValueError, r"n_fft must be an even integer >= 2, got 63"),
    ("n_fft-zero", lambda: model(n_fft=0), ValueError, r"n_fft must be an even integer >= 2, got 0"),
    ("n_fft-string", lambda: model(n_fft="64"), TypeError, r"n_fft must be an even integer >= 2, got '64'"),
    ("hop-zero", lambda: model(hop_length=0), ValueError, r"hop_length must be a positive finite number of samples"),
    ("hop-negative", lambda: model(hop_length=-1), ValueError, r"hop_length must be a positive finite number"),
    ("hop-nan", lambda: model(hop_length=np.nan), ValueError, r"hop_length must be finite"),
    ("hop-string", lambda: model(hop_length="16"), TypeError, r"hop_length must be a real number"),
    # 3e302 frames: was numpy's "Maximum allowed dimension exceeded"
    ("hop-tiny", lambda: model(hop_length=1e-300, n_samples=300), ValueError,
     r"the positions of 1 \+ n_samples // hop_length = 3e\+302 frames would need .* above the memory limit"),
    ("theta-zero", lambda: model(win_length=0.0), ValueError, r"win_length must be in \(0, n_fft=64\], got 0\.0"),
    ("theta-above-n_fft", lambda: model(win_length=65.0), ValueError, r"win_length must be in \(0, n_fft=64\]"),
    ("theta-below-bound", lambda: model(win_length=1.5), ValueError,
     r"win_length must be in \[2\.0, 64\.0\] \(bounds\['win_length'\]\), got 1\.5"),
    ("theta-nan", lambda: model(win_length=np.nan), ValueError, r"win_length must be finite"),
    ("theta-complex", lambda: model(win_length=40 + 1j), TypeError, r"win_length must be real, got complex"),
    # "40" was accepted as 40.0, None as NaN
    ("theta-string", lambda: model(win_length="40"), TypeError, r"win_length must be a real numeric array"),
    ("theta-None", lambda: model(win_length=None), TypeError, r"win_length must be a real numeric array"),
    ("theta-shape", lambda: learnable(win_length=np.full(5, 40.0)), ValueError,
     r"win_length must be a scalar or have shape \(19,\) for this model, got \(5,\)"),
    ("win_mode", lambda: model(win_mode="cells"), ValueError,
     r"win_mode must be one of 'constant', 'time', 'frequency', 'time-frequency'; got 'cells'"),
    ("hop_mode", lambda: model(hop_mode="free"), ValueError,
     r"hop_mode must be one of 'fixed', 'constant', 'time'; got 'free'"),
    ("window", lambda: model(window="hamming"), ValueError, rf"window must be one of {WINDOW_CHOICES}"),
    ("norm", lambda: model(norm="peak"), ValueError, r"norm must be one of 'area', None"),
    ("phase", lambda: model(phase="centre"), ValueError, r"phase must be one of 'absolute', 'center', 'start'"),
    ("p-zero", lambda: model(p=0), ValueError, r"p must be a positive finite number"),
    ("n_samples-missing", lambda: model(win_mode="time"), ValueError,
     r"n_samples \(the signal length K\) is required with win_mode='time'"),
    ("n_samples-zero", lambda: model(n_samples=0), ValueError, r"n_samples must be an integer >= 1, got 0"),
    ("n_samples-float", lambda: model(n_samples=300.0), TypeError, r"n_samples must be an integer >= 1"),
    ("sample_rate-zero", lambda: model(sample_rate=0), ValueError, r"sample_rate must be a finite number of Hz > 0"),
    ("bounds-not-dict", lambda: model(bounds=[1, 2]), TypeError, r"bounds must be a dict with keys 'win_length'"),
    ("bounds-key", lambda: model(bounds={"theta": (1, 2)}), ValueError, r"bounds keys must be 'win_length'"),
    ("bounds-not-pair", lambda: model(bounds={"win_length": 10}), TypeError,
     r"bounds\['win_length'\] must be a pair \(low, high\), got 10"),
    ("bounds-triple", lambda: model(bounds={"win_length": (1, 2, 3)}), TypeError,
     r"bounds\['win_length'\] must be a pair"),
    ("bounds-string", lambda: model(bounds={"win_length": ("a", 64)}), TypeError,
     r"bounds\['win_length'\] must be a real number, got 'a'"),
    ("bounds-nan", lambda: model(bounds={"win_length": (np.nan, 64)}), ValueError,
     r"bounds\['win_length'\] must be finite"),
    ("bounds-above-n_fft", lambda: model(bounds={"win_length": (10.0, 100.0)}), ValueError,
     r"bounds\['win_length'\] must satisfy 0 < low <= high <= n_fft=64"),
    ("bounds-hop-inf", lambda: model(bounds={"hop_length": (1, np.inf)}), ValueError,
     r"bounds\['hop_length'\] must be finite"),
    ("bounds-hop-excludes-hop", lambda: model(hop_mode="constant", n_samples=300, bounds={"hop_length": (1, 8)}),
     ValueError, r"hop_length must be in \[1\.0, 8\.0\] \(bounds\['hop_length'\]\), got 16\.0"),
    ("from_seconds-rate", lambda: dstft_np.DSTFT.from_seconds(64, 0.001, 0.002, sample_rate=0), ValueError,
     r"sample_rate must be a finite number of Hz > 0"),
    ("from_seconds-hop-string", lambda: dstft_np.DSTFT.from_seconds(64, "a", 0.002, sample_rate=8000), TypeError,
     r"hop_length must be a real number of seconds"),
    ("from_seconds-too-long", lambda: dstft_np.DSTFT.from_seconds(64, 0.001, 0.02, sample_rate=8000), ValueError,
     r"win_length must be in \(0, n_fft=64\], got 160\.0"),
    ("from_seconds-bounds-not-pair",
     lambda: dstft_np.DSTFT.from_seconds(64, 0.001, 0.002, sample_rate=8000, bounds={"win_length": 0.008}),
     TypeError, r"bounds\['win_length'\] must be a pair \(low, high\)"),
    ("set-hops-nan", lambda: setattr(learnable(), "hops", np.full(18, np.nan)), ValueError, r"hops must be finite"),
    ("set-hops-string", lambda: setattr(learnable(), "hops", "a"), TypeError, r"hops must be a real numeric array"),
    ("set-hops-complex", lambda: setattr(learnable(), "hops", 16 + 1j), TypeError, r"hops must be real"),
    ("set-hops-zero", lambda: setattr(learnable(), "hops", 0.0), ValueError,
     r"hops must be in \[1\.0, 64\.0\] \(bounds\['hop_length'\]\), got 0\.0"),
    ("set-hop-length-time-mode", lambda: setattr(learnable(), "hop_length", 8.0), AttributeError,
     r"hop_mode='time' has one hop per frame: set model\.hops"),
    ("set_parameters-not-dict", lambda: learnable().set_parameters([1]), TypeError, r"params must be a dict"),
    ("set_parameters-unknown", lambda: learnable().set_parameters({"foo": 1}), ValueError,
     r"unknown parameter 'foo'; this model learns \['hops', 'win_length'\]"),
    ("positions-n_samples", lambda: model().positions(), ValueError, r"n_samples is required"),
]


@pytest.mark.parametrize("case, call, error, match", MODEL_CASES, ids=[c[0] for c in MODEL_CASES])
def test_model_rejects(case, call, error, match):
    expect(error, match, call)


X = np.sin(0.3 * np.arange(300))

MODEL_CALL_CASES = [
    ("x-nan", lambda m: m(with_value(X, 5, np.nan)), ValueError, r"x must be finite"),
    ("x-complex", lambda m: m(X + 0j), TypeError, r"x must be real, got complex"),
    ("x-empty", lambda m: m(np.zeros(0)), ValueError, r"x must hold at least one sample"),
    ("x-0d", lambda m: m(1.0), ValueError, r"x must have at least one dimension"),
    ("x-strings", lambda m: m(["a"]), TypeError, r"x must be a real numeric array"),
    ("x-wrong-length", lambda m: m(X[:-1]), ValueError, r"x must have n_samples=300 samples along its last axis"),
    ("loss-unknown", lambda m: m.value_and_grad(X, loss="l2"), ValueError,
     r"loss must be one of 'entropy', 'frame-entropy', 'bin-entropy', 'renyi', 'kurtosis'; got 'l2'"),
    ("smoothness-negative", lambda m: m.value_and_grad(X, smoothness=-1.0), ValueError,
     r"smoothness must be a non-negative finite number"),
    ("coverage-nan", lambda m: m.value_and_grad(X, coverage=np.nan), ValueError, r"coverage must be finite"),
    # a custom loss returning the wrong things: named, not a numpy broadcasting error
    ("loss-returns-scalar", lambda m: m.value_and_grad(X, loss=lambda Y: 1.0), TypeError,
     r"the loss's result must be a pair \(value, dL_dY\), got 1\.0"),
    ("loss-returns-bad-shape", lambda m: m.value_and_grad(X, loss=lambda Y: (1.0, np.ones(3))), ValueError,
     r"the loss's dL_dY must have the shape of Y, \(33, 19\), got \(3,\)"),
    ("loss-returns-complex", lambda m: m.value_and_grad(X, loss=lambda Y: (1.0, np.ones(Y.shape) * 1j)), TypeError,
     r"the loss's dL_dY must be real, got complex"),
    ("loss-returns-string", lambda m: m.value_and_grad(X, loss=lambda Y: ("a", np.ones(Y.shape))), TypeError,
     r"the loss's value must be a real numeric array"),
    ("loss-returns-nan", lambda m: m.value_and_grad(X, loss=lambda Y: (np.nan, np.ones(Y.shape))),
     FloatingPointError, r"the loss or its gradient with respect to Y is not finite"),
    ("fit-max_evaluations-zero", lambda m: m.fit(X, max_evaluations=0), ValueError,
     r"max_evaluations must be an integer >= 1, got 0"),
    ("fit-max_evaluations-float", lambda m: m.fit(X, max_evaluations=2.0), TypeError,
     r"max_evaluations must be an integer >= 1, got 2\.0"),
    ("fit-method", lambda m: m.fit(X, method="sgd"), ValueError, r"method must be one of 'l-bfgs-b', 'adam'; got 'sgd'"),
    ("fit-tol", lambda m: m.fit(X, tol=-0.1), ValueError, r"tol must be a positive finite number"),
    ("fit-lr-without-adam", lambda m: m.fit(X, lr=1.0), ValueError, r"lr apply to method='adam' only"),
    ("fit-lr-zero", lambda m: m.fit(X, method="adam", lr=0), ValueError, r"lr must be a positive finite number"),
    ("fit-lr-nan", lambda m: m.fit(X, method="adam", lr=np.nan), ValueError, r"lr must be finite"),
    ("fit-lr-keys", lambda m: m.fit(X, method="adam", lr={"hop_length": 1.0}), ValueError,
     r"lr must give a value for each of \['hops', 'win_length'\]"),
    ("fit-factor", lambda m: m.fit(X, method="adam", factor=2), ValueError, r"factor must be in \(0, 1\)"),
    ("fit-patience", lambda m: m.fit(X, method="adam", patience=-1), ValueError,
     r"patience must be an integer >= 0"),
    ("fit-min_lr", lambda m: m.fit(X, method="adam", min_lr=-1), ValueError,
     r"min_lr must be a non-negative finite"),
    # these two failed only after the first evaluation, or not at all (progress=-1 printed every step)
    ("fit-callback", lambda m: m.fit(X, callback=3), TypeError, r"callback must be callable or None, got 3"),
    ("fit-progress-string", lambda m: m.fit(X, progress="x"), TypeError,
     r"progress must be an integer >= 0, got 'x'"),
    ("fit-progress-negative", lambda m: m.fit(X, progress=-1), ValueError,
     r"progress must be an integer >= 0, got -1"),
    ("to_fixed-x-nan", lambda m: m.to_fixed(with_value(X, 0, np.inf)), ValueError, r"x must be finite"),
]


@pytest.mark.parametrize("case, call, error, match", MODEL_CALL_CASES, ids=[c[0] for c in MODEL_CALL_CASES])
def test_model_methods_reject(case, call, error, match):
    m = learnable()
    before = m.parameters()
    expect(error, match, lambda: call(m))
    for name, value in m.parameters().items():
        np.testing.assert_array_equal(value, before[name], err_msg=f"{name} changed by a failed call")


def test_model_accepts_integer_and_read_only_signals_and_never_modifies_them(rng):
    m = model(n_samples=300, hop_mode="constant")
    integer = rng.integers(-100, 100, 300)
    read_only = integer.astype(float)
    read_only.flags.writeable = False
    for label, arr in (("integer", integer), ("read-only", read_only), ("strided", layouts(read_only)[0][1])):
        before = snapshot(arr)
        value, grads = m.value_and_grad(arr)
        assert_untouched(arr, before, f"x ({label})")
        expected_value, expected_grads = m.value_and_grad(integer.astype(float))
        assert value == pytest.approx(expected_value, rel=1e-14, abs=0)
        for name in grads:
            assert_same_results(grads[name], expected_grads[name], f"{name}: x {label}")


def test_model_memory_limit_raises_before_allocating(memory_limit):
    """A 10^6-sample signal at hop 1 and n_fft 64: 10^6 frames of 64 samples (1.5 GiB of buffers).

    Before the error: the positions (8 bytes per frame, as many as x) and the
    finiteness mask of x, well under 2.5 times x.
    """
    m = model(hop_length=1)
    x = np.zeros(10**6)
    dstft_np.set_memory_limit(10 * 2**20)

    def expect_error():
        with pytest.raises(ValueError, match=r"would need .* MiB, above the memory limit of 10 MiB"):
            m.value_and_grad(x)

    peak = peak_bytes(expect_error)
    assert peak < 2.5 * x.nbytes, f"{peak} bytes allocated before the error"
