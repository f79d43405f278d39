"""Figures: axes labels and limits, drawn data, artist counts, PNG output, headless use.

References: the data each figure must show, recomputed here from its
definition (dB of |S|/max|S|, θ in ms, t_n ± θ/2 spans), and the pixel size
a figure of known inches and dpi must have.
"""

import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import dstft_np  # noqa: E402
from dstft_np import plot  # noqa: E402

from .inputs import WINDOW_CHOICES, expect, with_value  # noqa: E402

N_FFT = 128
N_BINS = N_FFT // 2 + 1
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_show_and_close(monkeypatch):
    """plt.show must never be called; every figure is closed after the test."""
    def forbidden(*args, **kwargs):
        raise AssertionError("dstft_np.plot called plt.show()")

    monkeypatch.setattr(plt, "show", forbidden)
    yield
    plt.close("all")


@pytest.fixture
def example(rng):
    n_samples, hop = 2000, 100
    x = rng.standard_normal(n_samples)
    positions = dstft_np.frame_positions(n_samples, hop) + 0.5
    return x, positions, dstft_np.stft(x, 90.0, positions, n_fft=N_FFT)


def test_spectrogram_in_seconds_and_hz(example):
    x, positions, S = example
    sample_rate = 8000.0
    ax = plot.spectrogram(S, positions, sample_rate=sample_rate, db_range=60.0)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time (s)", "frequency (Hz)")
    hop, bin_hz = 100.0, sample_rate / N_FFT
    np.testing.assert_allclose(ax.get_xlim(), [(positions[0] - hop / 2) / sample_rate,
                                               (positions[-1] + hop / 2) / sample_rate], rtol=1e-12)
    np.testing.assert_allclose(ax.get_ylim(), [-bin_hz / 2, sample_rate / 2 + bin_hz / 2], rtol=1e-12)
    (mesh,) = ax.collections
    expected = np.maximum(20 * np.log10(np.abs(S) / np.abs(S).max()), -60.0)
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(S.shape), expected, rtol=0, atol=1e-9)
    assert mesh.get_clim() == (-60.0, 0.0)
    figure_axes = ax.figure.axes
    assert len(figure_axes) == 2 and figure_axes[1].get_ylabel() == "dB (re max)"


def test_spectrogram_in_samples_bins_and_frames(example):
    _, positions, S = example
    ax = plot.spectrogram(S, positions, colorbar=False)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time (samples)", "frequency (bin)")
    np.testing.assert_allclose(ax.get_ylim(), [-0.5, N_BINS - 0.5])
    assert len(ax.figure.axes) == 1
    ax = plot.spectrogram(np.abs(S))
    assert ax.get_xlabel() == "frame"
    np.testing.assert_allclose(ax.get_xlim(), [-0.5, S.shape[1] - 0.5])


def test_drawing_into_a_given_axes(example):
    _, positions, S = example
    fig, axes = plt.subplots(1, 3)
    returned = [plot.spectrogram(S, positions, ax=axes[0], colorbar=False),
                plot.win_length_map(np.linspace(30, 120, positions.size), positions, ax=axes[1]),
                plot.windows(example[0], 90.0, positions, n_fft=N_FFT, ax=axes[2])]
    assert returned == list(axes) and len(fig.axes) == 3


def test_win_length_map_per_frame_curve_in_ms(example):
    _, positions, _ = example
    theta = np.linspace(30.0, 120.0, positions.size)
    ax = plot.win_length_map(theta[None, :], positions, sample_rate=2000)
    (line,) = ax.lines
    np.testing.assert_allclose(line.get_xdata(), positions / 2000)
    np.testing.assert_allclose(line.get_ydata(), theta / 2000 * 1000)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time (s)", "window length (ms)")
    ax = plot.win_length_map(45.0, positions)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.full(positions.size, 45.0))
    assert ax.get_ylabel() == "window length (samples)"


def test_win_length_map_per_bin_curve_and_per_cell_image(rng, example):
    _, positions, _ = example
    per_bin = rng.uniform(20, N_FFT, (N_BINS, 1))
    ax = plot.win_length_map(per_bin, sample_rate=1000)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), np.arange(N_BINS) * 1000 / N_FFT)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), per_bin[:, 0])
    assert ax.get_xlabel() == "frequency (Hz)"
    per_cell = rng.uniform(20, N_FFT, (N_BINS, positions.size))
    ax = plot.win_length_map(per_cell, positions)
    assert not ax.lines and len(ax.collections) == 1
    np.testing.assert_allclose(np.asarray(ax.collections[0].get_array()).reshape(per_cell.shape), per_cell)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time (samples)", "frequency (bin)")
    assert ax.figure.axes[1].get_ylabel() == "window length (samples)"


def test_windows_over_the_signal(rng):
    n_samples = 1000
    x = rng.standard_normal(n_samples)
    positions = np.array([-20.0, 150.3, 400.0, 610.7, 900.0, 1040.0])
    theta = np.array([80.0, 120.5, 128.0, 60.0, 100.0, 128.0])
    ax = plot.windows(x, theta, positions, n_fft=N_FFT, window="blackman")
    assert len(ax.lines) == 1 + positions.size and len(ax.patches) == positions.size
    np.testing.assert_allclose(ax.lines[0].get_ydata(), x)
    for line, span, t, length in zip(ax.lines[1:], ax.patches, positions, theta):
        np.testing.assert_allclose([line.get_xdata()[0], line.get_xdata()[-1]], [t - length / 2, t + length / 2])
        np.testing.assert_allclose(np.max(line.get_ydata()), np.max(np.abs(x)), rtol=1e-12)
        # axvspan: a rectangle in data coordinates along x
        np.testing.assert_allclose([span.get_x(), span.get_width()], [t - length / 2, length], rtol=1e-12)
    np.testing.assert_allclose(ax.get_xlim(), [-20.0 - 40.0, 1040.0 + 64.0])
    ax = plot.windows(x, 100.0, positions, n_fft=N_FFT, every=4, sample_rate=100.0)
    assert len(ax.lines) == 1 + 2 and ax.get_xlabel() == "time (s)"
    # every=4 draws frames 0 and 4
    np.testing.assert_allclose(ax.lines[2].get_xdata()[[0, -1]], [(900.0 - 50) / 100, (900.0 + 50) / 100])


def test_png_has_the_expected_pixel_size(tmp_path, example):
    x, positions, S = example
    for name, draw in (("spectrogram", lambda ax: plot.spectrogram(S, positions, ax=ax)),
                       ("map", lambda ax: plot.win_length_map(np.linspace(30, 90, positions.size),
                                                              positions, ax=ax)),
                       ("windows", lambda ax: plot.windows(x, 90.0, positions, n_fft=N_FFT, ax=ax))):
        fig, ax = plt.subplots(figsize=(4.0, 3.0))
        draw(ax)
        path = tmp_path / f"{name}.png"
        fig.savefig(path, dpi=50)
        assert path.stat().st_size > 0
        image = matplotlib.image.imread(path)
        assert image.shape[:2] == (150, 200), name
        assert np.ptp(image[..., :3]) > 0.5, f"{name}: the image is blank"


def test_bad_input_is_rejected(example):
    x, positions, S = example
    with pytest.raises(ValueError, match=r"S must be a numeric \(F, T\) array"):
        plot.spectrogram(S[None], positions)
    with pytest.raises(ValueError, match=r"positions must have shape \(T,\) = \(21,\)"):
        plot.spectrogram(S, positions[:-1])
    with pytest.raises(ValueError, match="positions must be strictly increasing"):
        plot.spectrogram(S, positions[::-1])
    with pytest.raises(ValueError, match="db_range must be a positive finite number, got 0.0"):
        plot.spectrogram(S, db_range=0)
    with pytest.raises(ValueError, match="sample_rate must be a finite number of Hz > 0"):
        plot.spectrogram(S, sample_rate=-1.0)
    with pytest.raises(ValueError, match=r"win_length must be a scalar, \(T,\)"):
        plot.win_length_map(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"win_length must be > 0, got -1\.0"):
        plot.win_length_map(np.array([3.0, -1.0]))
    with pytest.raises(ValueError, match=r"win_length must be a scalar, \(T,\) or \(1, T\) with T = 21"):
        plot.windows(x, np.full((N_BINS, positions.size), 50.0), positions, n_fft=N_FFT)
    with pytest.raises(ValueError, match=r"win_length must be in \(0, n_fft=128\]"):
        plot.windows(x, 200.0, positions, n_fft=N_FFT)
    with pytest.raises(ValueError, match=r"x must be a real \(K,\) signal"):
        plot.windows(x[None], 50.0, positions, n_fft=N_FFT)
    with pytest.raises(ValueError, match="every must be an integer >= 1"):
        plot.windows(x, 50.0, positions, n_fft=N_FFT, every=0)
    with pytest.raises(ValueError, match="window must be one of"):
        plot.windows(x, 50.0, positions, n_fft=N_FFT, window="kaiser")


def test_importing_the_package_imports_no_matplotlib():
    code = "import sys, dstft_np; print(sorted(m for m in ('matplotlib', 'scipy.io') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------- report figures


def drawn_texts(figure):
    """The texts a reader sees: titles, axis labels, offset texts, legends, and the tick labels in view."""
    texts = [figure._suptitle] if figure._suptitle is not None else []
    for ax in figure.get_axes():
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, ax.xaxis.get_offset_text(), ax.yaxis.get_offset_text()]
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            texts += [tick.label1 for tick, location in zip(axis.get_major_ticks(), axis.get_majorticklocs())
                      if low <= location <= high and tick.label1.get_visible()]
    return [text for text in texts if text.get_visible() and text.get_text().strip()]


def overlapping_texts(figure):
    """Pairs of drawn texts of `figure` whose boxes on the canvas overlap."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in drawn_texts(figure)]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]


def entropy_of(x, win_length, positions, n_fft):
    return dstft_np.losses.shannon_entropy(np.abs(dstft_np.stft(x, win_length, positions, n_fft=n_fft)))[0]


@pytest.fixture
def chirp():
    k = np.arange(3000)
    return np.sin(2 * np.pi * (0.02 + 0.1 * k / k.size) * k) + 0.3 * np.sin(2 * np.pi * 0.3 * k)


@pytest.mark.slow
@pytest.mark.parametrize("win_mode, hop_mode", [("constant", "fixed"), ("time", "fixed"), ("frequency", "fixed"),
                                                ("time-frequency", "fixed"), ("constant", "constant"),
                                                ("time", "time")])
def test_fit_report_shows_the_entropy_before_and_after_and_every_learned_parameter(chirp, win_mode, hop_mode):
    model = dstft_np.DSTFT(N_FFT, 32, 90.0, win_mode=win_mode, hop_mode=hop_mode, n_samples=chirp.size,
                           sample_rate=1000)
    initial = model.parameters()
    path = {}

    def record(step, value, params):
        for name, array in params.items():
            if np.ndim(array) == 0:
                path.setdefault(name, []).append(float(array))

    history = model.fit(chirp, max_evaluations=5, callback=record)
    figure = plot.fit_report(chirp, model, initial, history, path=path, title="chirp", dpi=40)

    positions = model.positions()
    before = entropy_of(chirp, 90.0, np.arange(positions.size) * 32.0, N_FFT)
    after = entropy_of(chirp, model.win_length, positions, N_FFT)
    assert figure._suptitle.get_text() == f"chirp: entropy of |S| {before:.4f} → {after:.4f} ({after - before:+.4f})"
    axes = [ax for ax in figure.get_axes() if ax.get_label() != "<colorbar>"]
    assert len(axes) == 2 + (3 if hop_mode != "fixed" else 2)
    assert axes[0].get_title().endswith(f"entropy {before:.4f}") and axes[1].get_title().endswith(f"entropy {after:.4f}")
    theta_ax, *middle, loss_ax = axes[2:]
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), history.loss, rtol=0, atol=0)
    if win_mode == "constant":   # the loss against θ (ms at 1000 Hz), and the fit's path over it
        scan, fit_path = theta_ax.lines[:2]
        assert theta_ax.get_xscale() == "log" and len(scan.get_xdata()) == 41
        np.testing.assert_allclose(fit_path.get_xdata(), path["win_length"], rtol=1e-12, atol=0)
        np.testing.assert_allclose(fit_path.get_ydata(), history.loss, rtol=0, atol=0)
        theta = scan.get_xdata()[7]
        value = dstft_np.losses.shannon_entropy(np.abs(dstft_np.stft(chirp, theta, positions, n_fft=N_FFT)))[0]
        np.testing.assert_allclose(scan.get_ydata()[7], value, rtol=1e-12, atol=0)
    elif win_mode in ("time", "frequency"):   # learned curve and the initial θ dashed
        np.testing.assert_allclose(theta_ax.lines[0].get_ydata(), model.win_length.ravel(), rtol=1e-12, atol=0)
        np.testing.assert_allclose(theta_ax.lines[1].get_ydata(), 90.0, rtol=1e-12, atol=0)
    if hop_mode == "constant":
        np.testing.assert_allclose(middle[0].lines[0].get_ydata(), path["hop_length"], rtol=1e-12, atol=0)
    elif hop_mode == "time":
        np.testing.assert_allclose(middle[0].lines[0].get_ydata(), model.hops, rtol=1e-12, atol=0)
        np.testing.assert_allclose(middle[0].lines[1].get_ydata(), 32.0, rtol=0, atol=0)
    assert overlapping_texts(figure) == []
    assert figure.get_size_inches().tolist() == [plot.FIGURE_WIDTH, 2 * plot.ROW_HEIGHT]


def test_demo_report_compares_three_spectrograms_without_overlapping_text(chirp):
    single = dstft_np.DSTFT(N_FFT, 32, 40.0, sample_rate=1000)
    history = single.fit(chirp, max_evaluations=3)
    per_frame = dstft_np.DSTFT(N_FFT, 32, single.win_length, win_mode="time", n_samples=chirp.size,
                               sample_rate=1000)
    per_frame.fit(chirp, max_evaluations=3)
    figure = plot.demo_report(chirp, single, 40.0, per_frame, dpi=40)
    positions = np.arange(1 + chirp.size // 32) * 32.0
    titles = [ax.get_title() for ax in figure.get_axes()[:3]]
    for title, win in zip(titles, (40.0, single.win_length, per_frame.win_length)):
        assert title.endswith(f"entropy {entropy_of(chirp, win, positions, N_FFT):.4f}"), title
    assert history.loss.size and overlapping_texts(figure) == []


def test_loss_axes_carry_no_offset_text_that_could_hit_a_title():
    """Losses like 9.8951..9.8955 made matplotlib write '+9.895' above the axis, into the panel title."""
    theta = np.geomspace(10, 1000, 30)
    ax = plot.loss_landscape(theta, 9.895 + 1e-4 * np.cos(np.log(theta)), path=[100, 200], path_values=[9.8951, 9.895])
    ax.set_title("loss against θ")
    ax.figure.canvas.draw()
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert overlapping_texts(ax.figure) == []


@pytest.mark.parametrize("samples, rate, short, text", [
    (1, None, False, "1 sample"), (1e5, None, False, "100000 samples"), (1600, 32000, False, "1600 samples (50 ms)"),
    (301.25, None, True, "301.25"), ([100.0, 300.0, 200.0], 1000, False, "100–300, median 200 samples (100–300, median 200 ms)"),
    ([100.0, 300.0], 1000, True, "100–300 (100–300 ms)"), (123456.7, None, False, "123460 samples")])
def test_length_label_writes_numbers_plainly(samples, rate, short, text):
    assert plot.length_label(samples, rate, short=short) == text


# ---------------------------------------------------------------- bad input (nothing is drawn before an error)

@pytest.fixture
def figure_axes():
    from matplotlib.figure import Figure

    return Figure().subplots()


PLOT_S = np.ones((9, 6)) + 0.5j   # F = 9: n_fft = 16
PLOT_POSITIONS = np.arange(6) * 8.0

PLOT_CASES = [
    ("spectrogram-nan", lambda ax: plot.spectrogram(with_value(PLOT_S, (2, 2), np.nan), ax=ax), ValueError,
     r"S must be finite"),
    ("spectrogram-inf", lambda ax: plot.spectrogram(with_value(PLOT_S, (0, 0), np.inf), ax=ax), ValueError,
     r"S must be finite"),
    ("spectrogram-strings", lambda ax: plot.spectrogram(np.full((3, 3), "a"), ax=ax), TypeError,
     r"S must be a numeric \(complex\) array"),
    ("spectrogram-batch", lambda ax: plot.spectrogram(PLOT_S[None], ax=ax), ValueError,
     r"S must be a numeric \(F, T\) array with F >= 2 \(one item of a batch\), got shape \(1, 9, 6\)"),
    ("spectrogram-positions-nan", lambda ax: plot.spectrogram(PLOT_S, with_value(PLOT_POSITIONS, 1, np.nan), ax=ax),
     ValueError, r"positions must be finite"),
    ("spectrogram-positions-shape", lambda ax: plot.spectrogram(PLOT_S, PLOT_POSITIONS[:-1], ax=ax), ValueError,
     r"positions must have shape \(T,\) = \(6,\), got \(5,\)"),
    ("spectrogram-positions-decreasing", lambda ax: plot.spectrogram(PLOT_S, PLOT_POSITIONS[::-1], ax=ax),
     ValueError, r"positions must be strictly increasing"),
    ("spectrogram-db_range-None", lambda ax: plot.spectrogram(PLOT_S, db_range=None, ax=ax), TypeError,
     r"db_range must be a real number, got None"),
    ("spectrogram-db_range-negative", lambda ax: plot.spectrogram(PLOT_S, db_range=-3, ax=ax), ValueError,
     r"db_range must be a positive finite number"),
    ("spectrogram-sample_rate", lambda ax: plot.spectrogram(PLOT_S, sample_rate=np.nan, ax=ax), ValueError,
     r"sample_rate must be a finite number of Hz > 0"),
    ("map-nan", lambda ax: plot.win_length_map([np.nan, 1.0], ax=ax), ValueError, r"win_length must be finite"),
    ("map-negative", lambda ax: plot.win_length_map([3.0, -1.0], ax=ax), ValueError,
     r"win_length must be > 0, got -1\.0"),
    ("map-strings", lambda ax: plot.win_length_map(["a"], ax=ax), TypeError, r"win_length must be a real numeric"),
    ("map-empty", lambda ax: plot.win_length_map(np.zeros(0), ax=ax), ValueError,
     r"win_length must hold at least one value, got shape \(0,\)"),
    ("map-3d", lambda ax: plot.win_length_map(np.ones((2, 3, 4)), ax=ax), ValueError,
     r"win_length must be a scalar, \(T,\), \(1, T\), \(F, 1\) or \(F, T\)"),
    ("map-positions-shape", lambda ax: plot.win_length_map(np.ones(6), PLOT_POSITIONS[:-1], ax=ax), ValueError,
     r"positions must have shape \(T,\) = \(6,\)"),
    ("windows-x-nan", lambda ax: plot.windows(with_value(np.ones(50), 3, np.nan), 8.0, PLOT_POSITIONS, n_fft=16,
                                              ax=ax), ValueError, r"x must be finite"),
    ("windows-x-complex", lambda ax: plot.windows(np.ones(50) + 0j, 8.0, PLOT_POSITIONS, n_fft=16, ax=ax),
     TypeError, r"x must be real, got complex"),
    ("windows-x-batch", lambda ax: plot.windows(np.ones((2, 50)), 8.0, PLOT_POSITIONS, n_fft=16, ax=ax),
     ValueError, r"x must be a real \(K,\) signal \(one item of a batch\), got shape \(2, 50\)"),
    ("windows-x-empty", lambda ax: plot.windows(np.ones(0), 8.0, PLOT_POSITIONS, n_fft=16, ax=ax), ValueError,
     r"x must hold at least one sample"),
    ("windows-theta-above-n_fft", lambda ax: plot.windows(np.ones(50), 17.0, PLOT_POSITIONS, n_fft=16, ax=ax),
     ValueError, r"win_length must be in \(0, n_fft=16\], got 17\.0"),
    ("windows-n_fft-odd", lambda ax: plot.windows(np.ones(50), 8.0, PLOT_POSITIONS, n_fft=15, ax=ax), ValueError,
     r"n_fft must be an even integer >= 2, got 15"),
    ("windows-every", lambda ax: plot.windows(np.ones(50), 8.0, PLOT_POSITIONS, n_fft=16, every=0, ax=ax),
     ValueError, r"every must be an integer >= 1, got 0"),
    ("windows-window", lambda ax: plot.windows(np.ones(50), 8.0, PLOT_POSITIONS, n_fft=16, window="x", ax=ax),
     ValueError, rf"window must be one of {WINDOW_CHOICES}"),
]


@pytest.mark.parametrize("case, call, error, match", PLOT_CASES, ids=[c[0] for c in PLOT_CASES])
def test_plots_reject(figure_axes, case, call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expect(error, match, lambda: call(figure_axes))
    assert not figure_axes.collections and not figure_axes.lines, "nothing drawn before the error"
