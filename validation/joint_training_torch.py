"""Joint training in torch: a small classifier and the window length θ through ``dstft_np.torch``.

The same task as validation/joint_training_numpy.py (``common.TwoToneTask``:
two tones 4 bins apart against one tone, in noise; a short window cannot
tell them apart), the same features (frame-averaged |S| on a band of bins,
divided by its band mean, minus 1) and the same network shape
(33 → 16 tanh → 1), but written in torch: the STFT is the layer
``dstft_np.torch.STFT`` whose ``win_length`` is an ``nn.Parameter``; torch's
autograd runs the network's backward pass and the layer's backward calls
``dstft_np.stft_vjp``. One ``torch.optim.Adam`` with two parameter groups
trains both. Compared with the same network (same initial weights, same
data) trained with θ fixed at its initial value, 32 samples.

Needs torch (the optional extra ``dstft_np[torch]``); without it the script
prints why and exits with status 0.

    python validation/joint_training_torch.py --out validation/out/
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from validation import common  # noqa: E402

NAME = "joint_training_torch"
THETA0, MIN_THETA = 32.0, 16.0
N_HIDDEN = 16
LR = {"network": 0.02, "win_length": 4.0}


def build(torch, task, learn_theta, seed):
    """The STFT layer (θ learnable or not) and the network, with seeded initial weights."""
    from dstft_np.torch import STFT

    layer = STFT(task.n_fft, task.hop_length, task.n_samples, win_length=THETA0, learn_win_length=learn_theta,
                 learn_hop_length=False, min_win_length=MIN_THETA)
    torch.manual_seed(seed)
    width = task.band.stop - task.band.start
    network = torch.nn.Sequential(torch.nn.Linear(width, N_HIDDEN), torch.nn.Tanh(),
                                  torch.nn.Linear(N_HIDDEN, 1)).double()
    return layer, network


def logits(task, layer, network, x):
    z = layer(x)[:, task.band, :].abs().mean(dim=-1)
    return network(z / z.mean(dim=-1, keepdim=True) - 1.0)[:, 0]


def train(torch, task, x, y, *, learn_theta, steps, seed):
    """Full-batch Adam; returns the layer, the network and the (θ, loss) per step."""
    layer, network = build(torch, task, learn_theta, seed)
    groups = [{"params": network.parameters(), "lr": LR["network"]}]
    if learn_theta:
        groups.append({"params": [layer.win_length], "lr": LR["win_length"]})
    opt = torch.optim.Adam(groups)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(logits(task, layer, network, x), y)
        loss.backward()
        trajectory.append((layer.win_length.item(), loss.item()))
        opt.step()
        layer.project_()   # onto θ in [min_win_length, N], as dstft_np.Adam does
    return layer, network, np.array(trajectory)


def main(argv=None):
    args = common.argument_parser(__doc__, NAME).parse_args(argv)
    try:
        import torch
    except ImportError:
        print(f"skipped: {NAME} needs torch (pip install 'dstft_np[torch]')")
        return None
    args.out.mkdir(parents=True, exist_ok=True)
    n_train, n_test, steps = (32, 32, 10) if args.quick else (200, 400, 300)
    task = common.TwoToneTask()
    rng = np.random.default_rng(0)
    x_train, y_train = (torch.from_numpy(a).double() for a in task.draw(n_train, rng))
    x_test, y_test = (torch.from_numpy(a).double() for a in task.draw(n_test, rng))

    runs = {}
    for learn_theta in (False, True):
        (layer, network, path), seconds = common.timed(train, torch, task, x_train, y_train,
                                                        learn_theta=learn_theta, steps=steps, seed=1)
        with torch.no_grad():
            correct = (logits(task, layer, network, x_test) > 0).double() == y_test
        runs[learn_theta] = common.TrainingRun(correct.double().mean().item(), layer.win_length.item(), path,
                                               seconds)

    report = common.Report("Joint training in torch: classifier and window length through dstft_np.torch")
    report.text(
        f"Task: {task.describe()}; {n_train} training and {n_test} test examples (seed 0). Network "
        f"(torch {torch.__version__}, float64): Linear({task.band.stop - task.band.start}, {N_HIDDEN}) → tanh → "
        f"Linear({N_HIDDEN}, 1), `BCEWithLogitsLoss`. The STFT: `dstft_np.torch.STFT(n_fft={task.n_fft}, "
        f"hop_length={task.hop_length}, n_samples={task.n_samples}, win_length={THETA0:g}, "
        f"min_win_length={MIN_THETA:g}, learn_hop_length=False)`. Full-batch `torch.optim.Adam`, {steps} "
        f"steps, lr {LR['network']} for the network and {LR['win_length']} samples for θ (projected onto "
        f"[{MIN_THETA:g}, N] after each step); the same initial network (torch.manual_seed(1)) in both runs."
        + (" **Quick mode: few examples and steps; not a result.**" if args.quick else ""))
    fig, axes = common.new_figure(1, 2, figsize=(10, 4))
    results = common.report_joint_training(report, axes[0], runs[False], runs[True], THETA0)
    common.finish(report, fig, args.out, NAME, argv,
                  "Left: θ during joint training. Right: training loss, θ fixed against θ learned.")
    return results


if __name__ == "__main__":
    main()
