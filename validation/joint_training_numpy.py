"""Joint training in numpy: a one-hidden-layer classifier and the window length θ, all gradients by hand.

The task (``common.TwoToneTask``): tell two tones 4 bins apart from one tone
of the same power, in strong noise, from the frame-averaged magnitude
spectrum around the tones. A short window merges the two tones into one
peak; a window of a few hundred samples resolves them. Training starts at
θ = 32 samples, far below that.

The model, with every derivative written out (no autodiff):

    S = stft(x, θ)  →  z_m = mean_n |S[m, n]| (m in the band)  →  φ = z / mean_m z − 1
      →  h = tanh(φ W1 + b1)  →  o = h·w2 + b2  →  L = mean binary cross-entropy(σ(o), y)

and back: ∂L/∂o = (σ(o) − y)/B, through the network to ∂L/∂φ, through the
normalisation to ∂L/∂z, to ∂L/∂Y = ∂L/∂z / T on the band (0 elsewhere),
``losses.magnitude_vjp`` to the cotangent G of S, and ``stft_vjp`` to ∂L/∂θ.
One Adam (``dstft_np.Adam``) updates the network and θ together.

Reported: the test accuracy with θ fixed at its initial value against θ
learned, θ's trajectory, and the accuracy with θ fixed at other values.
Writes joint_training_numpy.md and joint_training_numpy.png.

    python validation/joint_training_numpy.py --out validation/out/
"""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from validation import common  # noqa: E402

import dstft_np  # noqa: E402
from dstft_np import losses  # noqa: E402

NAME = "joint_training_numpy"
THETA0, THETA_BOUNDS = 32.0, (16.0, 512.0)
N_HIDDEN = 16
LR = {"network": 0.02, "win_length": 4.0}


class OneHiddenLayer:
    """o = tanh(a W1 + b1)·w2 + b2 for features a [shape=(B, D)], with the binary cross-entropy and its gradient."""

    names = ("W1", "b1", "w2", "b2")

    @staticmethod
    def init(n_inputs, n_hidden, rng):
        return {"W1": rng.standard_normal((n_inputs, n_hidden)) / np.sqrt(n_inputs), "b1": np.zeros(n_hidden),
                "w2": rng.standard_normal(n_hidden) / np.sqrt(n_hidden), "b2": np.zeros(())}

    @staticmethod
    def logits(params, a):
        return np.tanh(a @ params["W1"] + params["b1"]) @ params["w2"] + params["b2"]

    @staticmethod
    def loss_and_grads(params, a, y):
        """L = mean_i [log(1 + e^{o_i}) − y_i o_i], ∂L/∂params and ∂L/∂a [shape=(B, D)].

        Notes
        -----
        ∂L/∂o = (σ(o) − y)/B;  ∂L/∂w2 = hᵀ ∂L/∂o;  ∂L/∂h = ∂L/∂o w2ᵀ;
        ∂L/∂u = ∂L/∂h (1 − h²) with u = a W1 + b1;  ∂L/∂W1 = aᵀ ∂L/∂u;
        ∂L/∂a = ∂L/∂u W1ᵀ.
        """
        h = np.tanh(a @ params["W1"] + params["b1"])
        o = h @ params["w2"] + params["b2"]
        loss = np.mean(np.logaddexp(0.0, o) - y * o)
        d_o = (0.5 * (1.0 + np.tanh(0.5 * o)) - y) / y.size       # σ(o) without overflow
        d_u = np.outer(d_o, params["w2"]) * (1.0 - h**2)
        grads = {"W1": a.T @ d_u, "b1": d_u.sum(axis=0), "w2": h.T @ d_o, "b2": np.asarray(d_o.sum())}
        return float(loss), grads, d_u @ params["W1"].T


def features(task, x, theta):
    """φ [shape=(B, D)] and what its VJP needs: S (B, F, T) and the band averages z (B, D)."""
    S = dstft_np.stft(x, theta, task.positions, n_fft=task.n_fft)
    z = np.abs(S[:, task.band, :]).mean(axis=-1)
    return z / z.mean(axis=-1, keepdims=True) - 1.0, S, z


def features_vjp(task, x, theta, S, z, grad_phi):
    """∂L/∂θ from ∂L/∂φ: through φ = z/mean(z) − 1, z = mean_n |S|, then magnitude_vjp and stft_vjp.

    Notes
    -----
    With μ = mean_m z_m over the D band bins: ∂L/∂z_j = ∂L/∂φ_j / μ − Σ_i ∂L/∂φ_i z_i / (D μ²);
    ∂L/∂Y[m, n] = ∂L/∂z_m / T on the band, 0 elsewhere.
    """
    mean = z.mean(axis=-1, keepdims=True)
    grad_z = grad_phi / mean - np.sum(grad_phi * z, axis=-1, keepdims=True) / (z.shape[-1] * mean**2)
    grad_Y = np.zeros(S.shape)
    grad_Y[:, task.band, :] = grad_z[:, :, None] / S.shape[-1]
    grad_S = losses.magnitude_vjp(S, grad_Y)
    grad_theta, _ = dstft_np.stft_vjp(x, theta, task.positions, grad_S, n_fft=task.n_fft)
    return np.asarray(grad_theta)


def objective(task, params, x, y, learn_theta, cached=None):
    """Loss and gradients of the whole chain; θ is params["win_length"] when learned."""
    theta = float(params["win_length"]) if learn_theta else None
    phi, S, z = features(task, x, theta) if learn_theta else cached
    loss, grads, grad_phi = OneHiddenLayer.loss_and_grads(params, phi, y)
    if learn_theta:
        grads["win_length"] = features_vjp(task, x, theta, S, z, grad_phi)
    return loss, grads


def train(task, x, y, *, theta, learn_theta, steps, seed):
    """Full-batch Adam; returns the final parameters (with "win_length") and the (θ, loss) per step."""
    params = OneHiddenLayer.init(task.band.stop - task.band.start, N_HIDDEN, np.random.default_rng(seed))
    lr = dict.fromkeys(OneHiddenLayer.names, LR["network"])
    cached = None
    if learn_theta:
        params["win_length"], lr["win_length"] = np.array(theta), LR["win_length"]
    else:
        cached = (features(task, x, theta)[0], None, None)
    opt = dstft_np.Adam(params, lr=lr, bounds={"win_length": THETA_BOUNDS} if learn_theta else None)
    trajectory = []
    for _ in range(steps):
        loss, grads = objective(task, opt.params, x, y, learn_theta, cached)
        trajectory.append((float(opt.params["win_length"]) if learn_theta else theta, loss))
        opt.step(grads)
    final = dict(opt.params, win_length=np.array(opt.params.get("win_length", theta)))
    return final, np.array(trajectory)


def accuracy(task, params, x, y):
    phi = features(task, x, float(params["win_length"]))[0]
    return float(np.mean((OneHiddenLayer.logits(params, phi) > 0) == y))


def main(argv=None):
    args = common.argument_parser(__doc__, NAME).parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    n_train, n_test, steps = (48, 48, 20) if args.quick else (200, 400, 300)
    sweep = (THETA0, 256.0) if args.quick else (THETA0, 64.0, 128.0, 256.0, 512.0)
    task = common.TwoToneTask()
    rng = np.random.default_rng(0)
    x_train, y_train = task.draw(n_train, rng)
    x_test, y_test = task.draw(n_test, rng)

    runs = {}
    for learn_theta in (False, True):
        (params, path), seconds = common.timed(train, task, x_train, y_train, theta=THETA0,
                                               learn_theta=learn_theta, steps=steps, seed=1)
        runs[learn_theta] = common.TrainingRun(accuracy(task, params, x_test, y_test),
                                               float(params["win_length"]), path, seconds)
    sweep_rows = []
    for theta in sweep:
        params, _ = train(task, x_train, y_train, theta=theta, learn_theta=False, steps=steps, seed=1)
        sweep_rows.append((f"{theta:g}", f"{accuracy(task, params, x_test, y_test):.3f}"))

    report = common.Report("Joint training in numpy: classifier and window length")
    report.text(
        f"Task: {task.describe()}; {n_train} training and {n_test} test examples (seed 0), balanced "
        f"in expectation. Network: {task.band.stop - task.band.start} → {N_HIDDEN} (tanh) → 1, binary "
        f"cross-entropy, hand-written backward pass (checked by central differences in "
        f"tests/test_experiments.py). Full-batch Adam, {steps} steps, lr {LR['network']} for the network "
        f"and {LR['win_length']} samples for θ, θ in {list(THETA_BOUNDS)}; the same initial network "
        f"(seed 1) in every run." + (" **Quick mode: few examples and steps; not a result.**" if args.quick else ""))
    fig, axes = common.new_figure(1, 3, figsize=(14, 4))
    results = common.report_joint_training(report, axes[0, :2], runs[False], runs[True], THETA0)
    report.text("For reference, the same network trained with θ fixed at other values (no θ gradient):")
    report.table(["θ fixed at", "test accuracy"], sweep_rows)
    for theta in (THETA0, results["learned_theta"]):
        phi = features(task, x_test, theta)[0]
        for label, style in ((0, "-"), (1, "--")):
            axes[0, 2].plot(np.arange(task.band.start, task.band.stop), phi[y_test == label].mean(axis=0), style,
                            label=f"θ = {theta:.0f}, class {label}")
    axes[0, 2].set(xlabel="bin m", ylabel="φ (test mean)", title="features per class")
    axes[0, 2].legend(fontsize=8)
    common.finish(report, fig, args.out, NAME, argv,
                  "Left: θ during joint training. Middle: training loss, θ fixed against θ learned. "
                  "Right: the mean feature vector of each class on the test set at the initial and the "
                  "learned θ (solid: one tone, dashed: two tones).")
    return results


if __name__ == "__main__":
    main()
