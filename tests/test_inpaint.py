"""texto inpaint: known pixels untouched, determinism, the conditional start, bad input."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import texto_cli
from texto_cli.cli import main
from texto_cli.image.conditional import conditional_adsn, masked_spot
from texto_cli.image.io import read_image, write_image
from texto_cli.metrics import seam_ratio

SMALL_FIT = ["--scales", "2", "--patch", "5", "--targets", "150,300", "--clusters", "4,6",
             "--iters", "4000", "--detail-targets", "200", "--detail-clusters", "4"]


@pytest.fixture(scope="module")
def files(exemplar, tmp_path_factory):
    """An 80x80 image (the exemplar crop), a square hole mask, a pale blob mask."""
    folder = tmp_path_factory.mktemp("inpaint")
    write_image(folder / "image.png", exemplar)
    hole = np.zeros((80, 80), np.uint8)
    hole[28:52, 30:54] = 255
    Image.fromarray(hole).save(folder / "hole.png")
    return folder


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_known_pixels_are_byte_identical_and_the_hole_is_filled(files, small_model_file):
    out = files / "out.png"
    r = invoke("inpaint", files / "image.png", "--mask", files / "hole.png", "-o", out,
               "--model", small_model_file)
    assert r.exit_code == 0, r.stderr
    with Image.open(files / "image.png") as a, Image.open(out) as b:
        before, after = np.asarray(a), np.asarray(b)
    hole = np.asarray(Image.open(files / "hole.png")) > 0
    assert before.dtype == after.dtype and before.shape == after.shape
    np.testing.assert_array_equal(after[~hole], before[~hole])
    assert (after[hole] != before[hole]).mean() > 0.5  # new texture, not the original


def test_the_same_seed_gives_the_same_bytes(files, small_model_file):
    outs = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        r = invoke("inpaint", files / "image.png", "--mask", files / "hole.png",
                   "-o", files / f"{name}.png", "--model", small_model_file, "--seed", seed)
        assert r.exit_code == 0, r.stderr
        outs.append((files / f"{name}.png").read_bytes())
    assert outs[0] == outs[1] and outs[0] != outs[2]


def test_fitting_on_the_known_part_uses_known_patches_only(files, exemplar):
    hole = np.asarray(Image.open(files / "hole.png")) > 0
    plan = texto_cli.plan_inpaint(exemplar, hole, None, seed=1, scales=2, patch=5,
                                  targets=[150, 300], clusters=[4, 6], iters=4000,
                                  detail_targets=200, detail_clusters=4)
    model = plan.fit()
    from texto_cli.image.patches import whole_patches
    from texto_cli.image.pyramid import mask_pyramid

    valid = mask_pyramid(~hole, model.config.scales)
    for st in model.stages:
        ok = whole_patches(valid[st.spec.scale], st.spec.patch)
        assert ok[st.positions[:, 0], st.positions[:, 1]].all(), st.spec.name
    filled = plan.run()
    np.testing.assert_array_equal(filled[~hole], exemplar[~hole])
    model.save(files / "known_part.npz")  # a valid model file: its exemplar is in [0, 1]
    assert texto_cli.load(files / "known_part.npz").config == model.config
    assert 0.6 < seam_ratio(filled, hole) < 1.6


def test_the_conditional_gaussian_joins_the_known_pixels(exemplar):
    known = np.ones((80, 80), bool)
    known[30:50, 30:50] = False
    mean, spot = masked_spot(exemplar, known)
    out = conditional_adsn(spot, mean, exemplar, known, np.random.default_rng(0), band=6)
    np.testing.assert_array_equal(out[known], exemplar[known])
    # kriging: next to the known band the fill continues it (closer than a free sample)
    free = conditional_adsn(spot, mean, exemplar, known, np.random.default_rng(0), band=0)
    def jump(img):  # mean step across the hole's edge, on its four sides
        return np.mean([np.abs(img[30, 30:50] - img[29, 30:50]).mean(),
                        np.abs(img[49, 30:50] - img[50, 30:50]).mean(),
                        np.abs(img[30:50, 30] - img[30:50, 29]).mean(),
                        np.abs(img[30:50, 49] - img[30:50, 50]).mean()])

    assert jump(out) < jump(free)


def test_mask_alpha_fills_the_transparent_pixels(exemplar, small_model_file, tmp_path):
    rgba = np.dstack([exemplar, np.ones((80, 80), np.float32)])
    rgba[20:40, 20:40, 3] = 0
    write_image(tmp_path / "rgba.png", rgba)
    r = invoke("inpaint", tmp_path / "rgba.png", "--mask", "alpha", "-o", tmp_path / "out.png",
               "--model", small_model_file)
    assert r.exit_code == 0, r.stderr
    out, info = read_image(tmp_path / "out.png")
    assert info.channels == 3  # the filled alpha is opaque everywhere: dropped on reading
    np.testing.assert_array_equal(out[:20], exemplar[:20])


def test_an_empty_mask_copies_the_image(files, tmp_path):
    Image.fromarray(np.zeros((80, 80), np.uint8)).save(tmp_path / "empty.png")
    r = invoke("inpaint", files / "image.png", "--mask", tmp_path / "empty.png", "-o",
               tmp_path / "copy.png")
    assert r.exit_code == 0 and "nothing to fill" in r.stderr
    assert (tmp_path / "copy.png").read_bytes() == (files / "image.png").read_bytes()


def test_non_binary_masks_fill_every_non_zero_pixel(exemplar):
    soft = np.zeros((80, 80), np.float32)
    soft[30:50, 30:50] = 0.01
    assert texto_cli.api.read_mask(soft, exemplar).sum() == 400


@pytest.mark.parametrize("make,args,code,message", [
    (lambda d: Image.fromarray(np.zeros((60, 80), np.uint8)).save(d / "m.png"), [], 2,
     "the mask is 80x60 pixels, the image 80x80"),
    (lambda d: Image.fromarray(np.full((80, 80), 255, np.uint8)).save(d / "m.png"), [], 2,
     "covers the whole image"),
    (lambda d: Image.fromarray(np.pad(np.full((70, 70), 255, np.uint8), 5)).save(d / "m.png"),
     SMALL_FIT, 2, "at least 64 are needed"),
    (lambda d: None, ["--mask-as-is"], 2, "No such option"),
])
def test_bad_input_is_refused_in_one_line(files, tmp_path, make, args, code, message):
    make(tmp_path)
    mask = tmp_path / "m.png" if (tmp_path / "m.png").exists() else files / "hole.png"
    r = invoke("inpaint", files / "image.png", "--mask", mask, "-o", tmp_path / "o.png", *args)
    assert r.exit_code == code and message in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o.png").exists()


def test_jpeg_output_and_a_model_of_other_channels_are_refused(files, tmp_path):
    r = invoke("inpaint", files / "image.png", "--mask", files / "hole.png", "-o", tmp_path / "o.jpg")
    assert r.exit_code == 2 and "JPEG would change the known pixels" in r.stderr
    gray = texto_cli.fit(np.random.default_rng(0).random((64, 64), dtype=np.float32), scales=2,
                         patch=5, targets=[50, 100], clusters=[2, 4], iters=500, detail=False,
                         gain_octaves=0, passes=1)
    gray.save(tmp_path / "gray.npz")
    r = invoke("inpaint", files / "image.png", "--mask", files / "hole.png", "-o",
               tmp_path / "o.png", "--model", tmp_path / "gray.npz")
    assert r.exit_code == 2 and "the model has 1 channel(s), the image 3" in r.stderr
