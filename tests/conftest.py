"""Shared fixtures: a small exemplar and a small fitted model (fast to fit)."""

from pathlib import Path

import numpy as np
import pytest

from texto_cli.config import make_config
from texto_cli.texture.fitting import fit
from texto_cli.image.io import read_image

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_textures"

SMALL = dict(scales=2, patch=5, targets=[150, 400], clusters=[4, 8], iters=20_000,
             detail_targets=300, detail_clusters=6)


def small_config(**overrides):
    opts = {**SMALL, **overrides}
    return make_config("default", **opts)


@pytest.fixture(scope="session")
def exemplar():
    """(80, 80, 3) float32 crop of the cobbles sample."""
    image, _ = read_image(SAMPLES / "cobbles.png")
    return np.ascontiguousarray(image[:80, :80])


@pytest.fixture(scope="session")
def exemplar_png(exemplar, tmp_path_factory):
    """The exemplar fixture as a PNG file, cobbles_crop.png."""
    from texto_cli.image.io import write_image

    path = tmp_path_factory.mktemp("ex") / "cobbles_crop.png"
    write_image(path, exemplar)
    return path


@pytest.fixture(scope="session")
def small_model(exemplar):
    return fit(exemplar, small_config(), {"bit_depth": 8, "mode": "rgb", "source": "cobbles"})


@pytest.fixture(scope="session")
def small_model_file(small_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "small.npz"
    small_model.save(path)
    return path


@pytest.fixture(scope="session")
def make_small_config():
    """small_config(**overrides) -> FitConfig, for tests that fit their own model."""
    return small_config
