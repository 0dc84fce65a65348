"""Controlled synthesis: style transfer, guided synthesis, joint models of several
exemplars, and the older model format."""

import hashlib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import texto_cli
from texto_cli.cli import main
from texto_cli.image.io import read_image, write_image
from texto_cli.texture.fitting import fit
from texto_cli.texture.modelfile import load

from conftest import SAMPLES, small_config

DATA = Path(__file__).parent / "data"


def _blurred_luminance(image: np.ndarray) -> np.ndarray:
    from skimage.filters import gaussian

    g = gaussian(image.mean(axis=2), 4)
    return ((g - g.min()) / (g.max() - g.min()))[:, :, None].astype(np.float32)


@pytest.fixture(scope="module")
def guided_model(exemplar):
    return fit(exemplar, small_config(), guide=_blurred_luminance(exemplar))


@pytest.fixture(scope="module")
def second_exemplar():
    image, _ = read_image(SAMPLES / "marble.png")
    return np.ascontiguousarray(image[:96, :112])


# ------------------------------------------------------------------------ style transfer


def test_transfer_is_deterministic_and_content_sized(small_model, exemplar):
    content = np.ascontiguousarray(exemplar[::-1, :70])
    a = texto_cli.transfer(small_model, content, 0.5, seed=3)
    b = texto_cli.transfer(small_model, content, 0.5, seed=3)
    assert a.shape == content.shape and a.dtype == np.float32
    assert a.tobytes() == b.tobytes()
    assert texto_cli.transfer(small_model, content, 0.5, seed=4).tobytes() != a.tobytes()


def test_transfer_strength_trades_content_for_texture(small_model):
    yy, xx = np.mgrid[0:128, 0:128] / 128
    content = np.dstack([0.5 + 0.4 * np.sin(40 * xx) * np.cos(40 * yy)] * 3).astype(np.float32)
    corr = [np.corrcoef(texto_cli.transfer(small_model, content, s, seed=1).mean(axis=2).ravel(),
                        content[:, :, 0].ravel())[0, 1] for s in (0.0, 0.5, 1.0)]
    assert corr[0] > 0.85 and corr[0] >= corr[1] >= corr[2] and corr[2] < corr[0] - 0.15


def test_transfer_converts_channels_and_refuses_bad_input(small_model, exemplar):
    gray = exemplar.mean(axis=2)
    plan = texto_cli.plan_transfer(small_model, gray)
    assert plan.content.shape == gray.shape + (3,) and plan.notes
    with pytest.raises(texto_cli.UsageError, match="too small"):
        texto_cli.plan_transfer(small_model, exemplar[:8, :8])
    with pytest.raises(texto_cli.UsageError, match="between 0 and 1"):
        texto_cli.plan_transfer(small_model, exemplar, strength=1.5)


def test_transfer_command(small_model_file, exemplar, tmp_path):
    content = tmp_path / "content.png"
    write_image(content, exemplar[:, ::-1])
    out = tmp_path / "out.png"
    r = CliRunner().invoke(main, ["transfer", str(small_model_file), str(content), "-o", str(out),
                                  "--strength", "0.7", "--seed", "2"])
    assert r.exit_code == 0, r.output
    assert read_image(out)[0].shape == exemplar.shape
    r = CliRunner().invoke(main, ["transfer", str(small_model_file), str(content), "-o",
                                  str(tmp_path / "bad.png"), "--strength", "-1"])
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "--strength" in r.output
    assert not (tmp_path / "bad.png").exists()


# ------------------------------------------------------------------------ guided synthesis


def test_guided_output_follows_the_guide(guided_model, exemplar):
    yy, xx = np.mgrid[0:96, 0:128]
    target = (0.5 + 0.5 * np.sign(np.sin(xx / 20)))[:, :, None].astype(np.float32)
    out = guided_model.synthesize((128, 96), seed=1, guide=target)
    free = guided_model.synthesize((128, 96), seed=1)
    assert out.shape == (96, 128, 3)
    follows = [abs(np.corrcoef(im.mean(axis=2).ravel(), target.ravel())[0, 1]) for im in (out, free)]
    assert follows[0] > follows[1] + 0.3
    again = guided_model.synthesize((128, 96), seed=1, guide=target)
    assert again.tobytes() == out.tobytes()


def test_guided_model_round_trip_and_guide_checks(guided_model, exemplar, tmp_path):
    path = tmp_path / "guided.npz"
    guided_model.save(path)
    model = load(path)
    assert model.guide_channels == 1 and model.channels == 3
    guide = _blurred_luminance(exemplar)
    assert model.synthesize((80, 80), seed=2, guide=guide).tobytes() == \
        guided_model.synthesize((80, 80), seed=2, guide=guide).tobytes()
    with pytest.raises(texto_cli.UsageError, match="channel"):
        texto_cli.plan_synthesis(model, None, tmp_path / "x.png", guide=np.dstack([guide] * 3))
    plan = texto_cli.plan_synthesis(model, "120x100", tmp_path / "x.png", guide=guide)
    assert plan.size == (120, 100) and plan.guide.shape == (100, 120, 1) and "resized" in plan.notes[0]
    with pytest.raises(texto_cli.UsageError, match="without a guide"):
        texto_cli.plan_synthesis(texto_cli.load(DATA / "format7.npz"), None, tmp_path / "x.png",
                                 guide=guide)
    with pytest.raises(texto_cli.UsageError, match="same size"):
        fit(exemplar, small_config(), guide=guide[:40])


def test_guided_command(exemplar, exemplar_png, tmp_path):
    ex, guide = exemplar_png, tmp_path / "guide.png"
    write_image(guide, _blurred_luminance(exemplar))
    model = tmp_path / "g.npz"
    r = CliRunner().invoke(main, ["fit", str(ex), "--guide", str(guide), "-o", str(model),
                                  "--preset", "fast", "--scales", "2", "--iters", "5000"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "out.png"
    r = CliRunner().invoke(main, ["synthesize", str(model), "--guide", str(guide), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert read_image(out)[0].shape == exemplar.shape
    r = CliRunner().invoke(main, ["synthesize", str(model), "-o", str(out)])
    assert r.exit_code == 2 and "--size" in r.output


# ------------------------------------------------------------------------ several exemplars


def test_joint_model_of_exemplars_of_different_sizes(exemplar, second_exemplar, tmp_path):
    model = fit([exemplar, second_exemplar], small_config(), weights=[1, 3])
    assert model.exemplars == 2 and np.allclose(model.weights, [0.25, 0.75])
    for stage in model.stages:  # every target lies inside one exemplar
        s, w = stage.spec.scale, stage.spec.patch
        inside = np.zeros(len(stage.positions), bool)
        for top, left, h, wd in model.regions >> s:
            r, c = stage.positions[:, 0], stage.positions[:, 1]
            inside |= (r >= top) & (c >= left) & (r + w <= top + h) & (c + w <= left + wd)
        assert inside.all()
    path = tmp_path / "joint.npz"
    model.save(path)
    again = load(path)
    assert again.synthesize((64, 64), seed=1).tobytes() == model.synthesize((64, 64), seed=1).tobytes()


def test_joint_model_refuses_mixed_channels_and_bad_weights(exemplar, second_exemplar):
    with pytest.raises(texto_cli.UsageError, match="channel"):
        fit([exemplar, second_exemplar.mean(axis=2, keepdims=True)], small_config())
    with pytest.raises(texto_cli.UsageError, match="weights"):
        texto_cli.fit([exemplar, second_exemplar], weights=[1])


def test_fit_several_exemplars_to_one_model_command(exemplar_png, second_exemplar, tmp_path):
    a, b = exemplar_png, tmp_path / "b.png"
    write_image(b, second_exemplar)
    out = tmp_path / "ab.npz"
    r = CliRunner().invoke(main, ["fit", str(a), str(b), "-o", str(out), "--preset", "fast",
                                  "--scales", "2", "--iters", "5000", "--weights", "2,1"])
    assert r.exit_code == 0, r.output
    assert texto_cli.load(out).exemplars == 2
    gray = tmp_path / "gray.png"
    write_image(gray, second_exemplar.mean(axis=2))
    r = CliRunner().invoke(main, ["fit", str(a), str(gray), "-o", str(tmp_path / "x.npz"), "--scales", "2"])
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "channel" in r.output
    assert not (tmp_path / "x.npz").exists()


# ------------------------------------------------------------------------ older models


def test_format7_model_synthesises_as_before():
    """tests/data/format7.npz was written by texto at 85c3183 (format 7); the hash is of its
    synthesis there, quantised to 16 bits."""
    model = load(DATA / "format7.npz")
    assert model.exemplars == 1 and model.guide_channels == 0
    out = model.synthesize((96, 64), seed=3)
    digest = hashlib.sha256(np.round(out * 65535).astype(np.uint16).tobytes()).hexdigest()
    assert digest == "bfe2a51ec8f15d6c32e0ed346984414c3d9e1909c4a4a61a9234f9af799b960c"


# ------------------------------------------------------------------------ one-line errors, threads


def test_bad_inputs_are_refused_in_one_line(small_model_file, exemplar, exemplar_png, tmp_path):
    ex, guide, small = exemplar_png, tmp_path / "guide.png", tmp_path / "small.png"
    write_image(guide, _blurred_luminance(exemplar)[:50])
    write_image(small, exemplar[:6, :6])
    cases = [
        (["fit", ex, "--guide", guide, "-o", tmp_path / "g.npz", "--scales", "2"], "same size"),
        (["fit", ex, "--guide", guide, "--guide", guide, "-o", tmp_path / "g.npz"], "one guide per"),
        (["transfer", small_model_file, small, "-o", tmp_path / "t.png"], "too small"),
        (["synthesize", small_model_file, "--guide", guide, "-o", tmp_path / "s.png"],
         "without a guide"),
        (["fit", ex, "-O", tmp_path, "--weights", "1,2"], "--weights"),
    ]
    for args, message in cases:
        r = CliRunner().invoke(main, [str(a) for a in args])
        assert r.exit_code == 2, (args, r.output)
        assert r.output.count("\n") == 1 and message in r.output, (args, r.output)
    assert not any((tmp_path / name).exists() for name in ("g.npz", "t.png", "s.png"))


def test_transfer_and_guided_outputs_do_not_depend_on_threads(small_model_file, exemplar, tmp_path):
    import subprocess
    import sys

    content = tmp_path / "content.png"
    write_image(content, exemplar[::-1])
    for n in (1, 2):
        r = subprocess.run([sys.executable, "-m", "texto_cli", "transfer", str(small_model_file),
                            str(content), "-o", str(tmp_path / f"t{n}.png"), "--threads", str(n)],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
    assert (tmp_path / "t1.png").read_bytes() == (tmp_path / "t2.png").read_bytes()
