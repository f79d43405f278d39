"""dstft_np.io.load on files written in the test with scipy and numpy.

References: the arrays written (and, for integer PCM, their values divided
by the full scale of the format), and the reading the data README
documents for the paper's file.
"""

import warnings

import numpy as np
import pytest
import scipy.io
import scipy.io.wavfile

from dstft_np import io
from dstft_np.io import load

from .inputs import expect, with_value

RATE = 16000


def pcm_extremes(dtype, rng, n_samples=300):
    """Random integer PCM that includes both ends of the type's range."""
    info = np.iinfo(dtype)
    values = rng.integers(info.min, info.max, n_samples, endpoint=True, dtype=dtype)
    values[:2] = info.min, info.max
    return values


@pytest.mark.parametrize("dtype, offset, full_scale", [(np.int16, 0, 2**15), (np.int32, 0, 2**31),
                                                        (np.uint8, 128, 128)])
def test_integer_wav_is_scaled_to_unit_range(tmp_path, rng, dtype, offset, full_scale):
    pcm = pcm_extremes(dtype, rng)
    path = tmp_path / "pcm.wav"
    scipy.io.wavfile.write(path, RATE, pcm)
    x, rate = load(path)
    assert rate == RATE and x.dtype == np.float64 and x.shape == pcm.shape
    np.testing.assert_allclose(x, (pcm.astype(np.float64) - offset) / full_scale, rtol=0, atol=0,
                               err_msg=str(np.dtype(dtype)))
    assert x.min() == -1.0 and x.max() == 1.0 - 1.0 / full_scale


def test_float32_wav_is_kept(tmp_path, rng):
    data = rng.uniform(-2.0, 2.0, 500).astype(np.float32)  # float wav need not stay in [-1, 1]
    path = tmp_path / "float.wav"
    scipy.io.wavfile.write(path, 44100, data)
    x, rate = load(path)
    assert x.dtype == np.float32 and rate == 44100
    np.testing.assert_array_equal(x, data)


def test_stereo_wav_channels(tmp_path, rng):
    pcm = np.stack([pcm_extremes(np.int16, rng), pcm_extremes(np.int16, rng)], axis=1)  # (K, 2)
    path = tmp_path / "stereo.wav"
    scipy.io.wavfile.write(path, RATE, pcm)
    expected = pcm.T / 2.0**15
    x, _ = load(path)
    assert x.shape == (2, pcm.shape[0])  # every channel by default, channels first
    np.testing.assert_array_equal(x, expected)
    np.testing.assert_array_equal(load(path, channel=1).x, expected[1])
    np.testing.assert_allclose(load(path, channel="mean").x, expected.mean(axis=0), rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match=r"channel must be an integer in \[0, 2\) or 'mean'.*got 2"):
        load(path, channel=2)
    with pytest.raises(ValueError, match=r"channel must be an integer in \[0, 2\).*got 'left'"):
        load(path, channel="left")


def test_mono_signal_accepts_channel_zero_only(tmp_path, rng):
    path = tmp_path / "mono.npy"
    np.save(path, rng.standard_normal(50))
    assert load(path, channel=0).x.shape == (50,)
    with pytest.raises(ValueError, match=r"channel must be an integer in \[0, 1\)"):
        load(path, channel=1)


def test_npy_keeps_values_dtype_and_given_rate(tmp_path, rng):
    data = rng.standard_normal(400)
    np.save(tmp_path / "a.npy", data)
    x, rate = load(tmp_path / "a.npy")
    assert rate is None
    np.testing.assert_array_equal(x, data)
    x, rate = load(str(tmp_path / "a.npy"), sample_rate=250.0)
    assert rate == 250.0
    np.save(tmp_path / "b.npy", data.astype(np.float32)[:, None])  # a column (K, 1)
    x, _ = load(tmp_path / "b.npy")
    assert x.dtype == np.float32 and x.shape == (400,)
    np.save(tmp_path / "c.npy", np.stack([data, -data, 2 * data], axis=1))  # (K, 3): time along the longer axis
    x, _ = load(tmp_path / "c.npy")
    np.testing.assert_array_equal(x, np.stack([data, -data, 2 * data]))
    np.save(tmp_path / "d.npy", np.arange(10, dtype=np.int16))  # integers are values, not PCM
    np.testing.assert_array_equal(load(tmp_path / "d.npy").x, np.arange(10.0))


def test_mat_with_one_signal_and_with_several(tmp_path, rng):
    signal = rng.standard_normal(300)
    path = tmp_path / "one.mat"
    scipy.io.savemat(path, {"x": signal[None, :], "fs": 100.0, "label": "fan"})  # scalars are not signals
    x, rate = load(path, sample_rate=100)
    assert rate == 100 and x.shape == (300,)
    np.testing.assert_array_equal(x, signal)
    path = tmp_path / "several.mat"
    scipy.io.savemat(path, {"a": signal, "b": 2 * signal, "n": 3})
    with pytest.raises(ValueError, match=r"holds several signals: 'a' \(1, 300\), 'b' \(1, 300\); "
                                         r"choose one with variable=NAME"):
        load(path)
    np.testing.assert_array_equal(load(path, variable="b").x, 2 * signal)
    with pytest.raises(ValueError, match=r"variable 'c' is not in .*several\.mat; it holds: 'a' \(1, 300\), "
                                         r"'b' \(1, 300\), 'n' \(1, 1\)"):
        load(path, variable="c")
    with pytest.raises(ValueError, match=r"variable 'n' in .* is not a signal.*shape \(1, 1\)"):
        load(path, variable="n")
    scipy.io.savemat(tmp_path / "none.mat", {"n": 3})
    with pytest.raises(ValueError, match=r"holds no 1-D or 2-D real numeric array \(it holds: 'n' \(1, 1\)\)"):
        load(tmp_path / "none.mat")


def test_npz_variables(tmp_path, rng):
    signal = rng.standard_normal(100)
    np.savez(tmp_path / "a.npz", sig=signal, weights=np.ones(3) * 0.5, step=np.float64(2))
    with pytest.raises(ValueError, match="holds several signals: 'sig' .*'weights'"):
        load(tmp_path / "a.npz")
    np.testing.assert_array_equal(load(tmp_path / "a.npz", variable="sig").x, signal)


def test_paper_mat_file_reads_as_its_readme_says(data_dir):
    path = data_dir / "fan_flutter.mat"
    with pytest.raises(ValueError, match="holds several signals"):
        load(path)
    x, rate = load(path, variable="x")
    np.testing.assert_array_equal(x, scipy.io.loadmat(path)["x"][0])
    assert x.shape == (20000,) and rate is None


def test_csv_columns(tmp_path, rng):
    values = rng.standard_normal((50, 2))
    single = tmp_path / "single.csv"
    np.savetxt(single, values[:, 0], fmt="%.17g")
    np.testing.assert_array_equal(load(single).x, values[:, 0])
    path = tmp_path / "two.csv"
    np.savetxt(path, values, delimiter=",", header="time,pressure", comments="", fmt="%.17g")
    with pytest.raises(ValueError, match=r"holds several signals: 'time' \(50,\), 'pressure' \(50,\)"):
        load(path)
    np.testing.assert_array_equal(load(path, variable="pressure").x, values[:, 1])
    np.testing.assert_array_equal(load(path, variable=0).x, values[:, 0])
    with pytest.raises(ValueError, match=r"column 2 does not exist: .* has 2 columns"):
        load(path, variable=2)
    semicolons = tmp_path / "semi.csv"
    np.savetxt(semicolons, values, delimiter=";", fmt="%.17g")
    np.testing.assert_array_equal(load(semicolons, variable=1).x, values[:, 1])


def test_csv_with_a_non_number_names_the_cell(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,oops\n")
    with pytest.raises(ValueError, match=r"could not read .*bad\.csv as a \.csv file: row 3, column 2 is 'oops'"):
        load(path, variable="a")
    path.write_text("1,2\n3\n")
    with pytest.raises(ValueError, match="row 2 has 1 fields, expected 2"):
        load(path, variable=0)


def test_missing_file_and_unknown_type(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no such file: .*absent\.wav"):
        load(tmp_path / "absent.wav")
    (tmp_path / "signal.flac").write_bytes(b"fLaC")
    with pytest.raises(ValueError, match=r"unknown file type '\.flac'; supported: \.wav, \.npy, \.npz, \.mat, \.csv"):
        load(tmp_path / "signal.flac")


@pytest.mark.parametrize("suffix", [".wav", ".npy", ".npz", ".mat", ".csv"])
def test_unreadable_content(tmp_path, suffix):
    path = tmp_path / f"garbage{suffix}"
    path.write_bytes(b"this is not a signal file, only some text\n" * 3)
    with pytest.raises(ValueError, match=rf"could not read .*garbage\{suffix} as a \{suffix} file"):
        load(path)


def test_other_errors(tmp_path, rng):
    wav = tmp_path / "a.wav"
    scipy.io.wavfile.write(wav, RATE, pcm_extremes(np.int16, rng))
    with pytest.raises(ValueError, match=r"sample_rate=8000 contradicts the rate of 16000 Hz"):
        load(wav, sample_rate=8000)
    assert load(wav, sample_rate=RATE).sample_rate == RATE
    with pytest.raises(ValueError, match=r"variable applies to \.mat, \.npz and \.csv files, not to \.wav"):
        load(wav, variable="x")
    with pytest.raises(ValueError, match="sample_rate must be a finite number of Hz > 0, got 0"):
        load(wav, sample_rate=0)
    data = rng.standard_normal(20)
    data[5] = np.nan
    np.save(tmp_path / "nan.npy", data)
    with pytest.raises(ValueError, match=r"the signal in .*nan\.npy must be finite"):
        load(tmp_path / "nan.npy")
    np.save(tmp_path / "cube.npy", np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r"holds no signal: .*shape \(2, 3, 4\)"):
        load(tmp_path / "cube.npy")
    np.save(tmp_path / "complex.npy", np.ones(8, dtype=complex))
    with pytest.raises(ValueError, match="holds no signal"):
        load(tmp_path / "complex.npy")


# ---------------------------------------------------------------- bad input

@pytest.fixture
def files(tmp_path):
    good = np.sin(0.1 * np.arange(300))
    np.save(tmp_path / "x.npy", good)
    np.save(tmp_path / "nan.npy", with_value(good, 7, np.nan))
    np.save(tmp_path / "complex.npy", good + 1j)
    np.save(tmp_path / "strings.npy", np.array(["a", "b"]))
    np.save(tmp_path / "one.npy", np.ones(1))
    np.save(tmp_path / "empty.npy", np.ones(0))
    np.save(tmp_path / "cube.npy", np.ones((2, 3, 4)))
    np.save(tmp_path / "objects.npy", np.array([1, None], dtype=object), allow_pickle=True)
    np.savez(tmp_path / "two.npz", a=good, b=good)
    (tmp_path / "junk.npy").write_bytes(b"hello")
    (tmp_path / "junk.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    (tmp_path / "junk.mat").write_bytes(b"garbage")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("a,b\n")
    (tmp_path / "folder.npy").mkdir()
    (tmp_path / "x.txt").write_text("1 2 3\n")
    return tmp_path


IO_CASES = [
    ("missing", "absent.npy", {}, FileNotFoundError, r"no such file: .*absent\.npy"),
    ("folder", "folder.npy", {}, IsADirectoryError, r"folder\.npy is a directory, not a signal file"),
    ("unknown-suffix", "x.txt", {}, ValueError, r"unknown file type '\.txt'; supported: \.wav, \.npy"),
    ("nan", "nan.npy", {}, ValueError, r"the signal in .*nan\.npy must be finite"),
    ("complex", "complex.npy", {}, ValueError, r"holds no signal: .*got dtype complex128 and shape \(300,\)"),
    ("strings", "strings.npy", {}, ValueError, r"holds no signal: .*got dtype <U1"),
    ("one-sample", "one.npy", {}, ValueError, r"holds no signal: .*shape \(1,\)"),
    ("empty", "empty.npy", {}, ValueError, r"holds no signal: .*shape \(0,\)"),
    ("three-axes", "cube.npy", {}, ValueError, r"holds no signal: .*shape \(2, 3, 4\)"),
    ("pickled-objects", "objects.npy", {}, ValueError, r"could not read .*objects\.npy as a \.npy file"),
    ("junk-npy", "junk.npy", {}, ValueError, r"does not start with the NumPy \.npy header"),
    ("junk-wav", "junk.wav", {}, ValueError, r"could not read .*junk\.wav as a \.wav file"),
    ("junk-mat", "junk.mat", {}, ValueError, r"could not read .*junk\.mat as a \.mat file"),
    ("empty-csv", "empty.csv", {}, ValueError, r"the file holds no rows"),
    ("header-only-csv", "header.csv", {}, ValueError, r"no rows of numbers below the first line 'a,b'"),
    ("several-signals", "two.npz", {}, ValueError, r"holds several signals: 'a' \(300,\), 'b' \(300,\)"),
    ("wrong-variable", "two.npz", {"variable": "c"}, ValueError, r"variable 'c' is not in .*'a' \(300,\)"),
    ("variable-for-npy", "x.npy", {"variable": "a"}, ValueError, r"variable applies to \.mat, \.npz and \.csv"),
    ("wrong-channel", "x.npy", {"channel": 1}, ValueError,
     r"channel must be an integer in \[0, 1\) or 'mean' for this 1-channel signal, got 1"),
    ("negative-channel", "x.npy", {"channel": -1}, ValueError, r"channel must be an integer in \[0, 1\)"),
    ("channel-name", "x.npy", {"channel": "left"}, ValueError, r"channel must be an integer .* got 'left'"),
    ("sample-rate-zero", "x.npy", {"sample_rate": 0}, ValueError, r"sample_rate must be a finite number of Hz > 0"),
    ("sample-rate-string", "x.npy", {"sample_rate": "8000"}, TypeError, r"sample_rate must be a finite number"),
]


@pytest.mark.parametrize("case, name, options, error, match", IO_CASES, ids=[c[0] for c in IO_CASES])
def test_load_rejects(files, case, name, options, error, match):
    with warnings.catch_warnings():
        # a reader's warnings before a failure are dropped: the error is the whole story
        warnings.simplefilter("error")
        expect(error, match, lambda: io.load(files / name, **options))


@pytest.mark.parametrize("path", [None, 3, ["x.npy"]])
def test_load_rejects_a_path_that_is_no_path(path):
    expect(TypeError, r"path must be a str or os\.PathLike, got", lambda: io.load(path))
