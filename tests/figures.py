"""A written figure: its PNG read back, its size and that it is not blank (the command-line tests)."""

import numpy as np

WIDTH_IN, ROW_IN = 10, 3   # figure geometry stated in --help


def read_png(path):
    """(height, width, channels) float array of a PNG, via matplotlib's reader."""
    import matplotlib.image

    assert path.is_file() and path.stat().st_size > 0, f"{path} missing or empty"
    return matplotlib.image.imread(path)


def assert_figure(path, rows, dpi):
    image = read_png(path)
    assert image.shape[:2] == (rows * ROW_IN * dpi, WIDTH_IN * dpi), f"{path}: {image.shape}"
    assert np.std(image[..., :3]) > 0.05, f"{path} looks blank"
