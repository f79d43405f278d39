"""The validation scripts: hand-written classifier gradients, and a smoke run of each script's --quick mode.

The smoke runs call each script's main(argv) in-process with --quick and
check that the report and the figure are written and that the report states
the numbers main returns. Scripts that read ../shared/data skip through the
data_dir fixture; the torch script skips without torch.
"""

import numpy as np
import pytest

from validation import (
    fan7_per_frame,
    fan_flutter_maps,
    frequency_tracking,
    joint_training_numpy,
    joint_training_torch,
    learnable_hops,
    per_bin_maps,
    per_cell_maps,
    single_window,
)
from validation.common import TwoToneTask

from .gradcheck import central_difference

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_one_hidden_layer_gradients_match_central_differences(rng):
    """Every parameter and the input a, along seeded random directions; step 1e-6, float64."""
    net = joint_training_numpy.OneHiddenLayer
    params = net.init(7, 5, rng)
    params["b1"] = rng.standard_normal(5)
    params["b2"] = np.asarray(0.3)
    a = rng.standard_normal((6, 7))
    y = np.array([0, 1, 1, 0, 1, 0])
    _, grads, grad_a = net.loss_and_grads(params, a, y)
    for name in net.names:
        direction = rng.standard_normal(params[name].shape)

        def loss_along(value, name=name):
            return net.loss_and_grads(dict(params, **{name: value}), a, y)[0]

        expected = central_difference(loss_along, params[name], direction, 1e-6)
        np.testing.assert_allclose(np.sum(grads[name] * direction), expected, rtol=1e-6, atol=1e-10,
                                   err_msg=f"∂L/∂{name}")
    direction = rng.standard_normal(a.shape)
    expected = central_difference(lambda v: net.loss_and_grads(params, v, y)[0], a, direction, 1e-6)
    np.testing.assert_allclose(np.sum(grad_a * direction), expected, rtol=1e-6, atol=1e-10, err_msg="∂L/∂a")


def test_joint_objective_theta_gradient_matches_central_differences(rng):
    """The whole chain θ → S → features → network → loss; θ = 100.3 keeps the window edges off the samples."""
    task = TwoToneTask()
    x, y = task.draw(3, rng)
    params = joint_training_numpy.OneHiddenLayer.init(task.band.stop - task.band.start, 4, rng)
    params["win_length"] = np.array(100.3)
    _, grads = joint_training_numpy.objective(task, params, x, y, learn_theta=True)

    def loss_at(theta):
        return joint_training_numpy.objective(task, dict(params, win_length=theta), x, y, learn_theta=True)[0]

    expected = central_difference(loss_at, params["win_length"], 1.0, 1e-3)
    np.testing.assert_allclose(grads["win_length"], expected, rtol=1e-5, atol=1e-9,
                               err_msg="∂L/∂θ of the joint objective, step 1e-3 samples")


def written(out, name):
    """The report text, after checking that both files exist and the figure is a PNG."""
    report, figure = out / f"{name}.md", out / f"{name}.png"
    assert report.is_file() and figure.is_file(), f"{name}: report or figure missing in {out}"
    assert figure.read_bytes()[:8] == PNG_MAGIC, f"{figure} is not a PNG"
    return report.read_text(encoding="utf-8")


@pytest.mark.slow
def test_single_window_quick(tmp_path, data_dir):
    results = single_window.main(["--quick", "--out", str(tmp_path), "--data", str(data_dir)])
    text = written(tmp_path, "single_window")
    assert set(results) == {"chirp + tone", "fan_flutter x[4000:10000]"}
    for found in results.values():
        assert 100.0 <= found["grid_theta"] <= 1000.0
        assert f"**θ* = {found['grid_theta']:.1f}**" in text
        assert set(found["outcomes"]) == set(single_window.METHODS)
        for method, outcomes in found["outcomes"].items():
            assert f"| {method} | " in text
            for outcome in outcomes:
                assert outcome.value == min(outcome.values), f"{method} returns its lowest-loss θ"


@pytest.mark.slow
def test_fan_flutter_maps_quick(tmp_path, data_dir):
    results = fan_flutter_maps.main(["--quick", "--out", str(tmp_path), "--data", str(data_dir)])
    text = written(tmp_path, "fan_flutter_maps")
    assert f"θ* = {results['single_theta']}" in text
    assert f"| {results['cell_entropy']:.5f} |" in text


@pytest.mark.slow
def test_per_bin_maps_quick(tmp_path, data_dir):
    results = per_bin_maps.main(["--quick", "--out", str(tmp_path), "--data", str(data_dir)])
    text = written(tmp_path, "per_bin_maps")
    assert set(results) == set(per_bin_maps.SIGNALS)
    for found in results.values():
        assert f"| {found['measure']:.5f} | {found['single']:.5f} at θ = " in text


def test_tone_share_of_a_line_and_of_a_flat_spectrum():
    """One bin holding all the power: share 1; power 1 in every bin but 4 at the peak: (4 + 4) / (4 + 80)."""
    positions = np.arange(10) * 100.0
    line = np.zeros((200, 10))
    line[120] = 3.0
    assert per_cell_maps.tone_share(line, positions, (-1, None)) == 1.0
    flat = np.ones((200, 10))
    flat[100] = 2.0   # |S|² = 4
    assert (per_cell_maps.TONE_BINS, per_cell_maps.AROUND_BINS) == (2, 40)
    assert per_cell_maps.tone_share(flat, positions, (-1, 450)) == pytest.approx(8 / 84, rel=1e-12)   # frames 0..4


@pytest.mark.slow
def test_per_cell_maps_quick(tmp_path, data_dir):
    results = per_cell_maps.main(["--quick", "--out", str(tmp_path), "--data", str(data_dir)])
    text = written(tmp_path, "per_cell_maps")
    assert len(results) == 1 + len(per_cell_maps.FITS)
    for label, found in results.items():
        assert f"| {label} | {found['near']:.1%} | {found['measure']:.5f} | {found['early']:.3f} | " in text


@pytest.mark.slow
def test_fan7_per_frame_quick(tmp_path, data_dir):
    results = fan7_per_frame.main(["--quick", "--out", str(tmp_path), "--data", str(data_dir)])
    text = written(tmp_path, "fan7_per_frame")
    assert set(results) == set(fan7_per_frame.LOSSES)
    for found in results.values():
        assert f"single θ* = {found['single_theta']:.0f}" in text
        assert f"| {found['frame_loss']:.4f} |" in text
        assert found["theta_n"].shape == (1 + 32000 // fan7_per_frame.HOP,)


@pytest.mark.slow
def test_frequency_tracking_quick(tmp_path):
    results = frequency_tracking.main(["--quick", "--out", str(tmp_path)])
    text = written(tmp_path, "frequency_tracking")
    for row in results["rows"].values():
        assert f"| {row['train']:.3f} | {row['held_out']:.3f} ± " in text
    assert f"{100 * results['gain']:.1f} % lower" in text
    # the log parabola's bias on a noise-free tone is the tracker's documented bound
    assert all(log_bias < plain_bias and log_bias < 0.02 for _, log_bias, plain_bias in results["bias"])


@pytest.mark.slow
def test_learnable_hops_quick(tmp_path):
    results = learnable_hops.main(["--quick", "--out", str(tmp_path)])
    text = written(tmp_path, "learnable_hops")
    for name in learnable_hops.FITS:
        found = results[name]
        assert found["loss_after"] < found["loss_before"], name
        assert f"| {name} | {found['loss_before']:.4f} → {found['loss_after']:.4f} |" in text
    assert results["initial"]["uncovered"] == 0


@pytest.mark.slow
def test_joint_training_numpy_quick(tmp_path):
    results = joint_training_numpy.main(["--quick", "--out", str(tmp_path)])
    text = written(tmp_path, "joint_training_numpy")
    assert f"| {results['fixed_accuracy']:.3f} |" in text
    assert f"→ {results['learned_theta']:.1f} |" in text
    assert results["theta_path"][0] == joint_training_numpy.THETA0


@pytest.mark.slow
def test_joint_training_torch_quick(tmp_path):
    pytest.importorskip("torch", reason="the torch joint-training example needs torch")
    results = joint_training_torch.main(["--quick", "--out", str(tmp_path)])
    text = written(tmp_path, "joint_training_torch")
    assert f"| {results['learned_accuracy']:.3f} |" in text
    assert f"→ {results['learned_theta']:.1f} |" in text
    assert joint_training_torch.MIN_THETA <= results["learned_theta"] <= 512.0
