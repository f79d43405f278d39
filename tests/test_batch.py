"""Many recordings (dstft_np.batch, ``dstft-np optimize`` with several inputs): each row is the fit of its file or
channel, errors get rows and the batch goes on, an interrupted batch resumes with every file exactly once, worker
processes share a fresh Numba cache, and a Dask cluster gives the serial results bit for bit, even when a worker
dies."""

import os
import pathlib
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest
import scipy.io.wavfile

import dstft_np
from dstft_np import batch, cli

ROOT = pathlib.Path(__file__).resolve().parents[1]
RATE = 8000
#: The settings of every batch here: N 256, hop 64 samples, θ0 16 ms = 128 samples at 8 kHz.
OPTIONS = {"n_fft": 256, "hop": 64, "win_length": "16ms"}
CLI_OPTIONS = ["--n-fft", "256", "--hop", "64", "--win-length", "16ms"]
#: Columns that differ between two runs of the same fits.
TIMED = {"seconds"}


def tone(rng, n_samples, cycles_per_sample):
    k = np.arange(n_samples)
    return 0.5 * np.sin(2 * np.pi * cycles_per_sample * k + 2 * np.sin(2 * np.pi * k / n_samples)) \
        + 0.05 * rng.standard_normal(n_samples)


def write_wav(path, x):
    scipy.io.wavfile.write(path, RATE, np.round(np.asarray(x).T * 32000).astype(np.int16))
    return str(path)


@pytest.fixture
def folder(tmp_path, rng):
    """Six mono recordings of 0.5 s at 8 kHz with different tones."""
    folder = tmp_path / "recordings"
    folder.mkdir()
    for i in range(6):
        write_wav(folder / f"rec{i}.wav", tone(rng, 4000, 0.02 + 0.03 * i))
    return folder


def reference(x):
    """The fit a row must hold: DSTFT.fit with the batch's settings, in this process; and its warnings."""
    model = dstft_np.DSTFT(256, 64.0, 128.0, sample_rate=RATE)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(x)
    return model, history, "; ".join(str(warning.message) for warning in caught) or None


def without_time(rows):
    return [{key: value for key, value in row.items() if key not in TIMED} for row in rows]


def test_each_row_is_the_fit_of_its_file_or_channel_and_bad_files_get_error_rows(tmp_path, rng):
    mono = write_wav(tmp_path / "mono.wav", tone(rng, 4000, 0.05))
    stereo = write_wav(tmp_path / "stereo.wav", np.stack([tone(rng, 4000, 0.1), tone(rng, 4000, 0.2)]))
    (tmp_path / "bad.wav").write_text("not a wav file")
    array = tone(rng, 3000, 0.15)
    inputs = [mono, stereo, str(tmp_path / "bad.wav"), str(tmp_path / "missing.wav"), array]
    rows = batch.fit_many(inputs, jobs=1, table=tmp_path / "results.csv", sample_rate=None, **OPTIONS)

    assert [(row["file"], row["channel"], row["status"]) for row in rows] == [
        (mono, None, "ok"), (stereo, 0, "ok"), (stereo, 1, "ok"), (str(tmp_path / "bad.wav"), None, "error"),
        (str(tmp_path / "missing.wav"), None, "error"), ("array[4]", None, "error")]
    assert "could not read" in rows[3]["message"] and "no such file" in rows[4]["message"]
    # the array has no sample rate, so 16ms cannot be turned into samples: the message says so
    assert "--win-length 16ms is a duration, but the signal has no sample rate" in rows[5]["message"]
    signals = [dstft_np.io.load(mono)[0], *dstft_np.io.load(stereo)[0]]
    for row, x in zip(rows[:3], signals):
        model, history, warned = reference(x)
        assert row["message"] == warned   # a fit at a bound says so in its row
        assert row["win_length"] == float(model.win_length) == row["win_length_min"] == row["win_length_max"]
        assert row["win_length_seconds"] == float(model.win_length) / RATE
        assert (row["loss_before"], row["loss_after"]) == (history.loss[0], history.loss[history.best])
        assert (row["n_evaluations"], row["fit_status"]) == (history.n_evaluations, history.status)
        assert (row["n_fft"], row["hop_length"], row["win_length_initial"], row["sample_rate"]) == (256, 64, 128, RATE)
    # the table holds the same rows, numbers to the last bit (CSV keeps repr's digits)
    assert batch.read_table(tmp_path / "results.csv") == rows
    # JSON lines when the name says so
    jsonl = batch.fit_many(inputs[:2], jobs=1, table=tmp_path / "results.jsonl", **OPTIONS)
    assert without_time(batch.read_table(tmp_path / "results.jsonl")) == without_time(jsonl) == without_time(rows[:3])


def test_maps_go_to_one_npz_per_row_that_the_row_names(tmp_path, rng):
    x = tone(rng, 4000, 0.05)
    path = write_wav(tmp_path / "mono.wav", x)
    with pytest.raises(ValueError, match="pass out_dir"):
        batch.fit_many([path], jobs=1, window_mode="time", **OPTIONS)
    [row] = batch.fit_many([path], jobs=1, window_mode="time", out_dir=tmp_path / "maps", **OPTIONS)
    model = dstft_np.DSTFT(256, 64.0, 128.0, win_mode="time", n_samples=4000)
    history = model.fit(dstft_np.io.load(path)[0])
    with np.load(row["maps"]) as maps:
        np.testing.assert_array_equal(maps["win_length"], model.win_length)
        np.testing.assert_array_equal(maps["positions"], 64.0 * np.arange(4000 // 64 + 1))
        np.testing.assert_array_equal(maps["loss"], history.loss)
    assert (row["win_length_min"], row["win_length"], row["win_length_max"]) == (
        model.win_length.min(), np.median(model.win_length), model.win_length.max())


def test_the_command_counts_errors_shows_progress_and_refuses_to_overwrite_a_table(folder, tmp_path, capsys):
    (folder / "broken.wav").write_bytes(b"RIFF")
    table = tmp_path / "results.csv"
    status = cli.main(["optimize", str(folder), "--table", str(table), "--jobs", "1", *CLI_OPTIONS])
    captured = capsys.readouterr()
    assert status == 1
    assert f"[1/7] error: {folder / 'broken.wav'}: could not read" in captured.err
    assert "[7/7]" in captured.err and "ETA 0 s, 1 error" in captured.err
    assert captured.err.strip().splitlines()[-1] == (
        f'dstft-np: error: 1 of 7 rows failed (status "error" in {table})')
    assert captured.out == f"table: {table} (7 rows of 7 files: 6 ok, 1 failed)\n"
    rows = batch.read_table(table)
    assert sorted(row["file"] for row in rows) == sorted(str(path) for path in folder.iterdir())
    # a second run without --resume would add rows twice: refused before any fit
    assert cli.main(["optimize", str(folder), "--table", str(table), "--quiet"]) == 1
    assert "exists: pass --resume" in capsys.readouterr().err
    assert cli.main(["optimize", str(folder), "--table", str(table), "--resume", "--quiet"]) == 1
    assert len(batch.read_table(table)) == 7   # nothing left to do, nothing added


def test_resume_drops_a_row_cut_short_and_fits_what_the_table_lacks(folder, tmp_path):
    table = tmp_path / "results.csv"
    files = sorted(str(path) for path in folder.iterdir())
    first = batch.fit_many(files[:3], jobs=1, table=table, **OPTIONS)
    with open(table, "a") as stream:   # what a kill in the middle of a write leaves
        stream.write(files[3] + ",,8000,0,40")
    rows = batch.fit_many(files, jobs=1, table=table, resume=True, **OPTIONS)
    assert [row["file"] for row in rows] == files
    assert rows[:3] == first
    assert batch.read_table(table)[:3] == first and len(batch.read_table(table)) == 6


def run_cli_batch(folder, table, jobs, env=None, wait=True):
    command = [sys.executable, "-m", "dstft_np", "optimize", str(folder), "--table", str(table), "--jobs", str(jobs),
               *CLI_OPTIONS]
    env = dict(os.environ if env is None else env, PYTHONPATH=str(ROOT))
    if wait:
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


@pytest.mark.slow   # spawns processes or a cluster: seconds each
@pytest.mark.parametrize("how, jobs", [("SIGKILL", 1), ("SIGINT", 2)])
def test_an_interrupted_batch_resumes_with_every_file_exactly_once(tmp_path, rng, how, jobs):
    folder = tmp_path / "recordings"
    folder.mkdir()
    for i in range(10):   # 3 s each: long enough to stop the batch in the middle
        write_wav(folder / f"rec{i}.wav", tone(rng, 24000, 0.02 + 0.02 * i))
    table = tmp_path / "results.csv"
    process = run_cli_batch(folder, table, jobs, wait=False)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if table.exists() and len(table.read_text().splitlines()) >= 3:   # the header and two rows
                break
            time.sleep(0.05)
        assert process.poll() is None, "the batch ended before it could be interrupted"
        if how == "SIGKILL":
            os.killpg(process.pid, signal.SIGKILL)   # the command and its workers, with no chance to clean up
        else:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if how == "SIGINT":
        assert process.returncode == 130, process.stderr.read()
    kept = batch.read_table(table)
    assert 2 <= len(kept) < 10
    result = subprocess.run([sys.executable, "-m", "dstft_np", "optimize", str(folder), "--table", str(table),
                             "--resume", "--jobs", str(jobs), "--quiet", *CLI_OPTIONS], cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = batch.read_table(table)
    assert sorted(row["file"] for row in rows) == sorted(str(path) for path in folder.iterdir())
    assert rows[:len(kept)] == kept and all(row["status"] == "ok" for row in rows)


def dispatcher_stats():
    """Code run in a fresh interpreter: a batch in-process, then the Numba cache hits and misses of every kernel."""
    return """
import sys, json
import numba.core.registry
from dstft_np import batch
rows = batch.fit_many(sys.argv[1:], jobs=1, n_fft=256, hop=64, win_length="16ms")
hits = misses = 0
for module in [m for name, m in list(sys.modules.items()) if name.startswith("dstft_np")]:
    for value in vars(module).values():
        stats = getattr(value, "stats", None)
        if isinstance(value, numba.core.registry.CPUDispatcher) and stats is not None:
            hits += sum(stats.cache_hits.values())
            misses += sum(stats.cache_misses.values())
print(json.dumps({"hits": hits, "misses": misses, "rows": rows}))
"""


@pytest.mark.slow
def test_workers_compile_concurrently_into_a_fresh_numba_cache_and_a_later_run_loads_it(folder, tmp_path):
    """Two worker processes start on an empty NUMBA_CACHE_DIR at once: both compile and write the same kernels.
    The batch must succeed, and a later process must load every kernel from that cache (no compilation) and get
    the same numbers."""
    import json

    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    table = tmp_path / "pool.csv"
    result = run_cli_batch(folder, table, 2, env=env)
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "numba").rglob("*.nbi")), "nothing was cached"
    pool_rows = sorted(batch.read_table(table), key=lambda row: row["file"])
    files = [row["file"] for row in pool_rows]
    later = subprocess.run([sys.executable, "-c", dispatcher_stats(), *files], cwd=ROOT,
                           env=dict(env, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=300)
    assert later.returncode == 0, later.stderr
    found = json.loads(later.stdout)
    assert found["misses"] == 0 and found["hits"] > 0, found
    assert without_time(found["rows"]) == without_time(pool_rows)


def dask_cluster():
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed (extra [dask])")
    return distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")


@pytest.mark.slow   # spawns processes or a cluster: seconds each
def test_dask_cluster_gives_the_serial_results_bit_for_bit(folder):
    files = sorted(str(path) for path in folder.iterdir())
    serial = batch.fit_many(files, jobs=1, **OPTIONS)
    with dask_cluster() as cluster, cluster.get_client() as client:
        on_dask = batch.fit_many(files, client=client, **OPTIONS)
    assert without_time(on_dask) == without_time(serial)
    assert all(row["status"] == "ok" for row in on_dask)


@pytest.mark.slow   # spawns processes or a cluster: seconds each
def test_a_worker_killed_mid_batch_costs_no_row(tmp_path, rng):
    folder = tmp_path / "recordings"
    folder.mkdir()
    files = [write_wav(folder / f"rec{i}.wav", tone(rng, 16000, 0.02 + 0.02 * i)) for i in range(8)]
    killed = []
    with dask_cluster() as cluster, cluster.get_client() as client:
        def kill_one_worker(rows):
            if not killed:   # after the first file: both workers hold a fit
                pid = next(iter(client.run(os.getpid).values()))
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        rows = batch.fit_many(files, client=client, table=tmp_path / "results.csv", progress=kill_one_worker,
                              **OPTIONS)
        assert killed[0] not in client.run(os.getpid).values()   # the nanny started a new one
    assert sorted(row["file"] for row in batch.read_table(tmp_path / "results.csv")) == files
    assert [row["file"] for row in rows] == files and all(row["status"] == "ok" for row in rows)


#: Put on PYTHONPATH, this makes every new interpreter (the pool's spawned workers) die on reading a file whose name
#: holds "poison", as a worker killed for its memory would.
POISON = """
import os
import dstft_np.io

_load = dstft_np.io.load


def load(path, **options):
    if "poison" in str(path):
        os._exit(9)
    return _load(path, **options)


dstft_np.io.load = load
"""


@pytest.mark.slow   # spawns processes or a cluster: seconds each
def test_a_file_that_kills_its_worker_gets_an_error_row_and_the_others_their_fits(folder, tmp_path, monkeypatch):
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(POISON)
    files = sorted(str(path) for path in folder.iterdir())
    serial = batch.fit_many(files, jobs=1, **OPTIONS)
    poison = write_wav(folder / "poison.wav", np.zeros(4000))
    monkeypatch.setenv("PYTHONPATH", f"{hooks}{os.pathsep}{ROOT}")
    rows = batch.fit_many(files[:3] + [poison] + files[3:], jobs=2, table=tmp_path / "results.csv", **OPTIONS)
    assert [row["file"] for row in rows] == files[:3] + [poison] + files[3:]
    assert rows[3]["status"] == "error"
    assert rows[3]["message"] == f"the worker process died while fitting it ({batch.MAX_ATTEMPTS} times)"
    assert without_time(rows[:3] + rows[4:]) == without_time(serial)
    assert len(batch.read_table(tmp_path / "results.csv")) == len(files) + 1


@pytest.mark.parametrize("options, error, message", [
    ({"jobs": 0}, ValueError, "jobs must be an integer >= 1, got 0"),
    ({"jobs": 1.5}, TypeError, "jobs must be an integer >= 1, got 1.5"),
    ({"win_length": True}, TypeError, "win_length (a number of samples, or a duration like '25ms') must be a real"),
    ({"hop": "10 bars"}, ValueError, "hop: '10 bars' is not a length: write samples (400) or a duration"),
    ({"win_length": 0.5}, ValueError, "win_length: '0.5' is less than one sample"),
    ({"n_fft": 101}, ValueError, "n_fft must be an even integer >= 2, got 101"),
    ({"window_mode": "cells"}, ValueError, "window_mode must be one of 'constant', 'time'"),
    ({"channel": -1}, ValueError, "channel must be an integer >= 0 or 'mean', got -1"),
    ({"smoothness": -1}, ValueError, "smoothness must be a non-negative finite number, got -1"),
    ({"win_size": 400}, TypeError, "unknown option(s) win_size; the options are channel, duration"),
    ({"window_mode": "time"}, ValueError, "learns arrays: pass out_dir (--out-dir DIR)"),
])
def test_bad_options_fail_before_any_file_is_read(folder, tmp_path, options, error, message):
    with pytest.raises(error) as raised:
        batch.fit_many([folder], table=tmp_path / "results.csv", **options)
    assert message in str(raised.value)
    assert not (tmp_path / "results.csv").exists()


def test_inputs_that_name_no_file_fail_before_any_fit(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no signal file"):
        batch.fit_many([tmp_path / "empty"])
    with pytest.raises(ValueError, match=r"no file matches '.*\*\.wav'"):
        batch.fit_many([str(tmp_path / "*.wav")])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a path or a real array"):
        batch.fit_many([np.array(["a", "b"])])
