"""Synthesis by tiles in bounded memory: identical to the in-memory path."""

import copy

import numpy as np
import pytest
from click.testing import CliRunner

from texto_cli.cli import main
from texto_cli.image.io import read_image, write_bands
from texto_cli.texture.tiling import synthesize_bands


@pytest.mark.parametrize("gains", ["fitted", "none", "strong"])
@pytest.mark.parametrize("size,tile", [((150, 100), 32), ((133, 97), 48), ((64, 64), 1024),
                                       ((330, 270), 64)])
def test_tiled_equals_in_memory(small_model, size, tile, gains):
    model = copy.copy(small_model)
    if gains == "none":
        model.band_gains = None
    elif gains == "strong":  # whatever the fit chose, gains far from 1 on every band
        model.band_gains = np.array([[0.5], [2.0], [0.7], [1.6]], np.float32).repeat(3, axis=1)
    reference = model.synthesize(size, seed=3)
    bands = list(synthesize_bands(model, size, seed=3, tile=tile))
    assert all(b.shape[0] == tile for b in bands[:-1])
    np.testing.assert_array_equal(np.concatenate(bands), reference)


@pytest.mark.parametrize("bit_depth,channels", [(8, 3), (16, 1), (8, 4)])
@pytest.mark.parametrize("ext", [".png", ".tif"])
def test_streamed_image_reads_back(tmp_path, bit_depth, channels, ext):
    image = np.random.default_rng(0).random((70, 45, channels)).astype(np.float32)
    if channels == 4:
        image[0, 0, 3] = 0.0
    path = tmp_path / f"streamed{ext}"
    write_bands(path, (image[r:r + 32] for r in range(0, 70, 32)), 45, 70, channels, bit_depth, 32)
    back, info = read_image(path)
    top = 2 ** bit_depth - 1
    np.testing.assert_array_equal(np.rint(back * top), np.rint(image * top))
    assert info.bit_depth == bit_depth


def test_cli_tiles_and_jobs_give_the_same_image(small_model_file, tmp_path):
    runner = CliRunner()
    base = ["synthesize", str(small_model_file), "--size", "150x120", "--seed", "9", "-o"]
    outputs = {}
    for name, extra in [("mem.png", []), ("tiled.png", ["--tile", "48"]),
                        ("tiled.tif", ["--tile", "48"]), ("jobs.png", ["--tile", "64", "--jobs", "2"])]:
        r = runner.invoke(main, base + [str(tmp_path / name), *extra])
        assert r.exit_code == 0, r.output
        outputs[name] = read_image(tmp_path / name)[0]
    for name in ("tiled.png", "tiled.tif", "jobs.png"):
        np.testing.assert_array_equal(outputs[name], outputs["mem.png"], err_msg=name)


def test_tile_option_errors(small_model_file, tmp_path):
    runner = CliRunner()
    for extra, message in [(["--tile", "50"], "multiple of 16"),
                           (["--tile", "64", "--tileable"], "does not combine"),
                           (["--jobs", "0"], "--jobs")]:
        r = runner.invoke(main, ["synthesize", str(small_model_file), "--size", "64x64", "-o",
                                 str(tmp_path / "x.png"), *extra])
        assert r.exit_code == 2 and message in r.stderr, (extra, r.stderr)
