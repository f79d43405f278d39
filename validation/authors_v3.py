"""The authors' current DSTFT (github maxime-leiber/dstft, v3 at commit 05a3466) against dstft_np.

Runs their code (their package ``dstft`` must be importable, e.g. with
PYTHONPATH=/path/to/dstft/src, and torch installed) and measures each
statement docs/conventions.md makes about it: frame centres and count, the
phase factor (−1)^m, the normalisations, the shared fractional shift of
window_mode "constant" and "frequency"; then runs the conformance kit
through the adapter of docs/conventions.md (its ``v3_forward.py`` and
``v3_adapter.py`` blocks, executed as printed) on their code and on the
numpy stand-in of their definition (tests/wrong_implementations.py).

    PYTHONPATH=/path/to/dstft/src python validation/authors_v3.py --out validation/out/
"""

import pathlib
import sys
import types

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from validation import common  # noqa: E402

import dstft_np  # noqa: E402
from dstft_np.conformance import FAMILIES, STATUSES, check  # noqa: E402
from tests import wrong_implementations  # noqa: E402
from tests.markdown import code_blocks  # noqa: E402

NAME = "authors_v3"
DOCS = common.PROJECT_ROOT / "docs" / "conventions.md"
MODES = ("constant", "time", "frequency", "time-frequency")


def docs_module(name):
    """The ```python block of docs/conventions.md saved as `name`.py, run as the module `name`."""
    text = DOCS.read_text(encoding="utf-8")
    (code,) = [b.code for b in code_blocks(text) if b.language == "python" and b.code.startswith(f"# {name}.py")]
    module = sys.modules[name] = types.ModuleType(name)
    exec(compile(code, f"{DOCS}:{name}.py", "exec"), module.__dict__)
    return module


def relative(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def confirm_claims(torch, DSTFT, x):
    """Frame centres, T, phase factor and normalisations of v3, against dstft_np; rows of a table."""
    K, N, hop = x.shape[-1], 256, 64
    signal = torch.from_numpy(x[None])
    sign = (-1.0) ** np.arange(N // 2 + 1)[:, None]
    rows, frame_errors = [], {}
    for mode in MODES:
        for normalization, norm in ((None, None), ("paper", "area"), ("unit", None)):
            model = DSTFT(n_fft=N, hop_length=hop, win_length=200.5, window_mode=mode,
                          normalization=normalization)
            model.initialize(signal)
            with torch.no_grad():
                S = model(signal)[1].numpy()[0]
            t = model.frame_centers().numpy()
            theta = np.broadcast_to(model.win_length.detach().numpy(), (N // 2 + 1, t.size))
            ours, at_floor = (dstft_np.stft(x, theta, centres, n_fft=N, norm=norm) * sign
                              for centres in (t, np.floor(t)))
            if normalization == "unit":  # the window's sum over the N samples of each frame
                k = np.floor(t)[:, None] + np.arange(N) - N // 2
                u = k - t[:, None]
                window = np.where(np.abs(u) < theta[:1].T / 2, np.cos(np.pi * u / theta[:1].T) ** 2, 0)
                ours, at_floor = ours / window.sum(axis=1), at_floor / window.sum(axis=1)
            rows.append((mode, str(normalization), f"{model.hop_length.item():.8f}", t.size, 1 + K // model.hop_length.item(),
                         relative(t, model.hop_length.item() * np.arange(t.size)),
                         relative(S, ours), relative(S, at_floor)))
            if normalization is None:
                frame_errors[mode] = np.max(np.abs(S - ours), axis=0) / np.max(np.abs(ours))
    return rows, frame_errors


def stand_in_agreement(forward, rng):
    """Largest relative difference between their code and the numpy stand-in of their definition.

    θ in [N - 2, N] (per frame and per cell) at the fractional positions of the kit's edge cases,
    where the support decides: S and both gradients, both normalisations.
    """
    N, x = 16, rng.standard_normal((2, 50))
    t = np.array([-2.7, 4.35, 11.5, 18.95, 25.05, 32.6, 39.85, 46.3])
    worst = 0.0
    for shape in ((1, t.size), (N // 2 + 1, t.size)):
        for normalization in (None, "paper"):
            theta = rng.uniform(N - 2, N, shape)
            grad_S = rng.standard_normal((2, N // 2 + 1, t.size)) * (1 + 1j)
            options = dict(n_fft=N, normalization=normalization)
            pairs = [(wrong_implementations.v3_convention_stft(x, theta, t, **options),
                      forward.v3_stft(x, theta, t, **options))]
            pairs += zip(wrong_implementations.v3_convention_vjp(x, theta, t, grad_S, **options),
                         forward.v3_vjp(x, theta, t, grad_S, **options))
            worst = max([worst] + [relative(ours, theirs) for ours, theirs in pairs])
    return worst


def kit_by_family(stft, vjp):
    report = check(stft, vjp_fn=vjp)
    return report, [report.by_family().get(family, dict.fromkeys(STATUSES, 0)) for family in FAMILIES]


def main(argv=None):
    args = common.argument_parser(__doc__, NAME).parse_args(argv)
    try:
        import torch
        from dstft import DSTFT
    except ImportError as error:
        raise SystemExit(f"error: the authors' package and torch must be importable ({error}); "
                         "e.g. PYTHONPATH=/path/to/dstft/src")
    x = np.random.default_rng(0).standard_normal(640)
    claims, frame_errors = confirm_claims(torch, DSTFT, x)

    forward = docs_module("v3_forward")   # imported by v3_adapter
    adapter = docs_module("v3_adapter")
    agreement = stand_in_agreement(forward, np.random.default_rng(1))
    theirs, theirs_rows = kit_by_family(adapter.stft, adapter.stft_vjp)
    stand_in = types.SimpleNamespace(v3_stft=wrong_implementations.v3_convention_stft,
                                     v3_vjp=wrong_implementations.v3_convention_vjp)
    sys.modules["v3_forward"] = stand_in
    definition = docs_module("v3_adapter")
    standin, standin_rows = kit_by_family(definition.stft, definition.stft_vjp)

    report = common.Report("The authors' DSTFT v3 (maxime-leiber/dstft 05a3466) against dstft_np")
    report.text("Frames, phase and normalisation: their `DSTFT(n_fft=256, hop_length=64, win_length=200.5)` "
                "on 640 samples of white noise, float64, against dstft_np at their frame centres t_n "
                "(phase factor (−1)^m; 'unit' divided by the window's sum over the frame) and at floor(t_n).")
    report.table(["window_mode", "normalization", "hop", "T", "1 + K // hop", "t_n vs n·hop",
                  "S vs (−1)^m S(t_n)", "S vs (−1)^m S(floor t_n)"], claims)
    report.text(f"The numpy stand-in of their definition (tests/wrong_implementations.py) against their "
                f"code, θ in [N − 2, N] at fractional t_n, S and both gradients: {agreement:.2g} "
                "(max |difference| / max |theirs|).")
    report.text("The kit through the adapter of docs/conventions.md, by family "
                "(passed/failed/unsupported):")
    report.table(["implementation"] + list(FAMILIES), [
        (label, *(f"{c['passed']}/{c['failed']}/{c['unsupported']}" for c in rows))
        for label, rows in (("their code", theirs_rows), ("their definition (stand-in)", standin_rows))])
    report.text(theirs.summary(), standin.summary())

    fig, axes = common.new_figure(1, 1, figsize=(8, 3))
    for mode, style in zip(MODES, ("o--", "s-", "x:", "^-")):
        axes[0, 0].semilogy(np.maximum(frame_errors[mode], 1e-17), style, markersize=8, label=mode)
    axes[0, 0].set(xlabel="frame n", ylabel="max |S − (−1)^m S(t_n)| / max |S|",
                   title="their S against dstft_np at t_n = n·63.99999789, per window_mode")
    axes[0, 0].legend()
    common.finish(report, fig, args.out, NAME, argv,
                  "Per frame, their transform against dstft_np at the frame centres t_n: "
                  "window_mode 'constant' and 'frequency' place frame n at floor(t_n) + frac(t_0) = 64n − 1.")
    return {"claims": claims, "stand_in_agreement": agreement, "theirs": theirs.counts, "stand_in": standin.counts,
            "theirs_by_family": dict(zip(FAMILIES, theirs_rows)),
            "stand_in_by_family": dict(zip(FAMILIES, standin_rows))}


if __name__ == "__main__":
    main()
