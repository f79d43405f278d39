"""Regenerate the golden cases of dstft_np.conformance.

Run from the project root::

    python validation/make_golden.py            # rewrites dstft_np/conformance/golden/
    python validation/make_golden.py --out DIR  # writes the same files to DIR instead

Every case draws its numbers from ``default_rng(crc32(name))``, so the files
are the same on every run (the zip entries carry a fixed date, so the bytes
are too, given the same numpy). The expected values are what this checkout of
dstft_np computes. The ``torch-*`` cases follow the torch.stft convention
(integer even θ = W <= N, norm=None, phase="start", t_n = n·hop, Hann); their
expected values also come from dstft_np (DESIGN.md §2: the two are equal) and,
when torch is importable, are cross-checked against torch.stft here.
"""

import argparse
import itertools
import pathlib
import sys
import zipfile
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy

import numpy as np  # noqa: E402

import dstft_np  # noqa: E402
from dstft_np._options import NORMS, PHASES, WINDOWS  # noqa: E402
from dstft_np.conformance._golden import FAMILIES, GOLDEN_DIR, NORM_NONE  # noqa: E402

N_FFT = 16
N_BINS = N_FFT // 2 + 1
N_SAMPLES = 50
# non-integer positions; the first and the last frames reach no sample, the
# second and the next to last overlap an end of the signal
POSITIONS = np.array([-13.6, -4.3, 0.6, 7.25, 19.5, 31.8, 47.1, 61.9])
N_FRAMES = POSITIONS.size
#: Every window of an "interior" case fits inside each N-sample frame around t_n.
INTERIOR_MAX = N_FFT - 2
# positions of the edge cases: every frame overlaps the signal and the fractional
# parts spread over (0, 1), so that N - 2·frac(t_n) (where an N-sample frame
# starting at floor(t_n) - N/2 loses a sample of the window) ranges over [14.1, 15.9]
EDGE_POSITIONS = np.array([-2.7, 4.35, 11.5, 18.95, 25.05, 32.6, 39.85, 46.3])
#: No window edge t_n ± θ/2 comes closer than this to a sample of the signal.
EDGE_MARGIN = 1e-3
THETA_SHAPES = {"scalar": (), "per-frame": (1, N_FRAMES), "per-bin": (N_BINS, 1),
                "per-cell": (N_BINS, N_FRAMES)}


def edge_distance(win_length, positions, n_samples, n_fft):
    """Smallest distance between a window edge t_n ± θ/2 and a sample k in [0, K)."""
    n_bins = n_fft // 2 + 1
    theta = np.asarray(win_length)
    theta = theta.reshape((1,) * max(0, 2 - theta.ndim) + theta.shape)
    batch = np.broadcast_shapes(theta.shape[:-2], positions.shape[:-1])
    theta = np.broadcast_to(theta, batch + (n_bins, positions.shape[-1]))
    t = np.broadcast_to(positions, batch + positions.shape[-1:])[..., None, :]
    edges = np.concatenate([t - theta / 2, t + theta / 2])
    nearest = np.rint(edges)
    inside = (nearest >= 0) & (nearest < n_samples)
    return float(np.min(np.abs(edges - nearest)[inside], initial=np.inf))


def draw_theta(rng, shape, low=3.0, high=INTERIOR_MAX, full=True):
    """θ uniform in [low, high); with full=True an array θ holds θ = high in its first cell."""
    if shape == ():
        return np.array(rng.uniform(low, high))
    theta = rng.uniform(low, high, shape)
    if full:
        theta.flat[0] = high
    return theta


def draw(rng, make_theta, positions, n_samples, n_fft=N_FFT, attempts=100):
    """θ from make_theta(rng), redrawn until no window edge is within EDGE_MARGIN of a sample."""
    for _ in range(attempts):
        theta = make_theta(rng)
        if edge_distance(theta, positions, n_samples, n_fft) >= EDGE_MARGIN:
            return theta
    raise RuntimeError(f"no θ in {attempts} draws keeps the window edges {EDGE_MARGIN} away "
                       "from every sample; an even integer θ at an integer position never can")


def option_cases(prefix, draws, positions, theta_range, where):
    """Every window × norm × phase × θ draw ({label: make_theta}), each on its own signal."""
    for window, norm, phase, (label, make_theta) in itertools.product(
            WINDOWS, NORMS, PHASES, draws.items()):
        name = f"{prefix}{window}-{norm or NORM_NONE}-{phase}-{label}"
        rng = case_rng(name)
        yield name, {
            "description": f"{label} θ in {theta_range}, window={window}, norm={norm}, phase={phase}; "
                           f"{where}",
            "x": rng.standard_normal(N_SAMPLES),
            "win_length": draw(rng, make_theta, positions, N_SAMPLES),
            "positions": positions.copy(),
            "options": dict(n_fft=N_FFT, window=window, norm=norm, phase=phase),
        }


def matrix_cases():
    """Every window × norm × phase × θ shape, on the positions above; θ <= N - 2."""
    draws = {label: (lambda r, shape=shape: draw_theta(r, shape)) for label, shape in THETA_SHAPES.items()}
    return option_cases("", draws, POSITIONS, "[3, N - 2]",
                        "non-integer positions, two frames beyond the ends")


def edge_cases():
    """Every window × norm × phase with θ in [N - 2, N] (scalar, per frame) at non-integer t_n."""
    draws = {"scalar": lambda r: draw_theta(r, (), low=N_FFT - 1.5, high=N_FFT - 0.5),
             "per-frame": lambda r: draw_theta(r, (1, N_FRAMES), low=N_FFT - 2, high=N_FFT)}
    return option_cases("edge-", draws, EDGE_POSITIONS, "[N - 2, N]",
                        "fractional parts of t_n spread over (0, 1)")


def batch_cases():
    shifted = POSITIONS + np.array([[0.0], [3.3], [-7.1]])
    specs = [
        ("x-positions-scalar", "x (2, 1, K), positions (3, T), scalar θ: S (2, 3, F, T)",
         (2, 1, N_SAMPLES), shifted, lambda r: draw_theta(r, ()), ("hann", "area", "center")),
        ("x-per-cell", "x (2, K), positions (T,), θ (2, F, T); grad_pos summed over the batch",
         (2, N_SAMPLES), POSITIONS, lambda r: draw_theta(r, (2, N_BINS, N_FRAMES)),
         ("gaussian", "area", "start")),
        ("theta-per-frame", "x (K,), positions (2, T), θ (2, 1, T)",
         (N_SAMPLES,), shifted[:2], lambda r: draw_theta(r, (2, 1, N_FRAMES)),
         ("blackman", None, "absolute")),
        ("x-per-bin", "x (3, K), positions (T,), θ (F, 1); gradients summed over the batch",
         (3, N_SAMPLES), POSITIONS, lambda r: draw_theta(r, (N_BINS, 1)), ("hann", None, "start")),
    ]
    for label, description, x_shape, positions, make_theta, (window, norm, phase) in specs:
        name = f"batch-{window}-{norm or NORM_NONE}-{phase}-{label}"
        rng = case_rng(name)
        yield name, {
            "description": description,
            "x": rng.standard_normal(x_shape),
            "win_length": draw(rng, make_theta, positions, N_SAMPLES),
            "positions": positions.copy(),
            "options": dict(n_fft=N_FFT, window=window, norm=norm, phase=phase),
        }


def hop_cases():
    specs = [
        ("varying", "positions_from_hops(hops, t0) with non-integer hops, per-frame θ",
         lambda r: r.uniform(4.0, 11.0, N_FRAMES - 1), -6.4, (1, N_FRAMES), ("hann", "area", "absolute"),
         True),
        ("constant", "a constant non-integer hop 6.75 from t0 = 0, scalar θ",
         lambda r: np.full(N_FRAMES - 1, 6.75), 0.0, (), ("blackman", "area", "center"), True),
        ("default-grid", "frame_positions(K, hop=7): t_n = 7n, T = 1 + K // 7, per-cell θ",
         lambda r: np.full(N_SAMPLES // 7, 7.0), 0.0, (N_BINS, 1 + N_SAMPLES // 7),
         ("gaussian", "area", "start"), False),
        ("batch", "hops (2, T-1): two hop sequences at once, scalar θ",
         lambda r: r.uniform(3.0, 9.0, (2, N_FRAMES - 1)), 2.5, (), ("hann", None, "center"), True),
    ]
    # t_n integer in default-grid: θ = N (even) would put its edges on samples
    for label, description, make_hops, t0, theta_shape, (window, norm, phase), full in specs:
        name = f"hops-{window}-{norm or NORM_NONE}-{phase}-{label}"
        rng = case_rng(name)
        hops = make_hops(rng)
        positions = dstft_np.positions_from_hops(hops, t0)
        if label == "default-grid":
            assert np.array_equal(positions, dstft_np.frame_positions(N_SAMPLES, 7))
        yield name, {
            "description": description,
            "x": rng.standard_normal(N_SAMPLES),
            "win_length": draw(rng, lambda r: draw_theta(r, theta_shape, full=full), positions,
                               N_SAMPLES),
            "positions": positions,
            "options": dict(n_fft=N_FFT, window=window, norm=norm, phase=phase),
            "hops": hops,
            "t0": np.array(t0),
        }


def torch_call(n_fft, hop, win):
    return (f"torch.stft(torch.from_numpy(x), n_fft={n_fft}, hop_length={hop}, win_length={win}, "
            f"window=torch.hann_window({win}, dtype=torch.float64), center=True, "
            f"pad_mode='constant', return_complex=True)")


def torch_cases():
    """θ = W, norm=None, phase="start", t_n = n·hop: torch.stft(center=True, pad_mode="constant")."""
    specs = [  # (n_fft, W, hop, x shape)
        (16, 16, 4, (37,)),
        (16, 10, 5, (40,)),
        (32, 20, 8, (101,)),
        (16, 12, 6, (2, 45)),
        (8, 6, 11, (50,)),  # hop > n_fft: gaps between frames
    ]
    for n_fft, win, hop, x_shape in specs:
        name = f"torch-hann-none-start-n{n_fft}-w{win}-hop{hop}" + ("-batch" if len(x_shape) > 1 else "")
        rng = case_rng(name)
        yield name, {
            "description": f"torch.stft convention: n_fft={n_fft}, win_length={win}, hop={hop}, "
                           f"x {x_shape}",
            "x": rng.standard_normal(x_shape),
            "win_length": np.array(float(win)),
            "positions": dstft_np.frame_positions(x_shape[-1], hop),
            "options": dict(n_fft=n_fft, window="hann", norm=None, phase="start"),
            "torch_call": np.array(torch_call(n_fft, hop, win)),
            "hop": hop,
        }


def case_rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def theta_family(theta, n_bins, n_frames):
    """"scalar", "per-frame", "per-bin" or "per-cell": how θ varies over the (F, T) grid."""
    grid = np.shape(theta)[-2:] if np.ndim(theta) >= 2 else (1, 1)
    varies = (grid[0] == n_bins > 1, grid[1] == n_frames > 1)
    return {(False, False): "scalar", (False, True): "per-frame", (True, False): "per-bin",
            (True, True): "per-cell"}[varies]


def families_of(arrays):
    """The families of a case, from its arrays (the definitions of ``FAMILIES``)."""
    theta, positions, n_fft = arrays["win_length"], arrays["positions"], int(arrays["n_fft"])
    families = []
    if np.all(theta <= n_fft - 2):
        families.append("interior")
    t = np.broadcast_to(positions, arrays["S"].shape[:-2] + positions.shape[-1:])[..., None, :]
    fractional = np.broadcast_to(t != np.floor(t), arrays["S"].shape)
    if np.any((np.broadcast_to(theta, arrays["S"].shape) > n_fft - 2) & fractional):
        families.append("edge")
    families.append(theta_family(theta, *arrays["S"].shape[-2:]))
    if arrays["S"].ndim > 2 or theta.ndim > 2:
        families.append("batch")
    families += [family for family, key in (("hops", "hops"), ("torch", "torch_call")) if key in arrays]
    assert set(families) <= set(FAMILIES), families
    return families


def expected_values(name, case):
    """Inputs, cotangent and the results of dstft_np for one case, as the arrays of its file."""
    x, theta, positions, options = case["x"], case["win_length"], case["positions"], case["options"]
    S, dS_dwin, dS_dpos = dstft_np.stft_partials(x, theta, positions, **options)
    assert np.array_equal(S, dstft_np.stft(x, theta, positions, **options)), name
    rng = case_rng(name + "/cotangent")
    grad_S = rng.standard_normal(S.shape) + 1j * rng.standard_normal(S.shape)
    grad_win, grad_pos = dstft_np.stft_vjp(x, theta, positions, grad_S, **options)
    arrays = {
        "x": x, "win_length": np.asarray(theta, dtype=np.float64), "positions": positions,
        "n_fft": np.array(options["n_fft"], dtype=np.int64), "window": np.array(options["window"]),
        "norm": np.array(options["norm"] or NORM_NONE), "phase": np.array(options["phase"]),
        "description": np.array(case["description"]),
        "S": S, "dS_dwin": dS_dwin, "dS_dpos": dS_dpos, "grad_S": grad_S,
        "grad_win": grad_win, "grad_pos": grad_pos,
    }
    if "hops" in case:
        arrays.update(hops=case["hops"], t0=case["t0"],
                      grad_hops=dstft_np.positions_from_hops_vjp(grad_pos))
    if "torch_call" in case:
        arrays["torch_call"] = case["torch_call"]
    arrays["families"] = np.array(families_of(arrays))
    return arrays


def write_npz(path, arrays):
    """np.savez_compressed with a fixed date on every entry, so equal arrays give equal bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key in sorted(arrays):
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w") as entry:
                np.lib.format.write_array(entry, np.asanyarray(arrays[key]), allow_pickle=False)


def cross_check_torch(cases):
    """Compare the torch-* cases with torch.stft when torch is importable; return a report line."""
    try:
        import torch
    except ImportError:
        return ("torch is not importable: the torch-* cases were NOT cross-checked against "
                "torch.stft (their values are dstft_np's; DESIGN.md §2 parity)")
    worst = 0.0
    for name, case, arrays in cases:
        x = torch.from_numpy(np.ascontiguousarray(arrays["x"]))
        win = int(arrays["win_length"])
        reference = torch.stft(x, int(arrays["n_fft"]), case["hop"], win_length=win,
                               window=torch.hann_window(win, dtype=torch.float64), center=True,
                               pad_mode="constant", return_complex=True).numpy()
        error = np.max(np.abs(reference - arrays["S"])) / np.max(np.abs(reference))
        if not error < 1e-12:
            raise SystemExit(f"{name}: dstft_np differs from torch.stft by {error:.2e} (relative)")
        worst = max(worst, error)
    return (f"torch {torch.__version__}: the {len(cases)} torch-* cases equal torch.stft to "
            f"{worst:.1e} (max error / max |S|)")


def write_cases(out_dir):
    """Write every case to out_dir (its old .npz files removed); return the torch cases written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("*.npz"):
        stale.unlink()
    torch_checked = []
    generators = (matrix_cases(), edge_cases(), batch_cases(), hop_cases(), torch_cases())
    for name, case in itertools.chain(*generators):
        arrays = expected_values(name, case)
        write_npz(out_dir / f"{name}.npz", arrays)
        if "torch_call" in case:
            torch_checked.append((name, case, arrays))
    return torch_checked


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=GOLDEN_DIR,
                        help="folder to write the .npz files to (default: the package's golden/)")
    out_dir = parser.parse_args(argv).out
    torch_checked = write_cases(out_dir)
    paths = list(out_dir.glob("*.npz"))
    print(f"wrote {len(paths)} golden cases ({sum(p.stat().st_size for p in paths) / 1024:.0f} KiB) "
          f"to {out_dir}")
    print(cross_check_torch(torch_checked))


if __name__ == "__main__":
    main()
