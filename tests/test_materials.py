"""Material sets: one model of aligned maps (albedo, normal, height), synthesised together."""

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import texto_cli
from texto_cli.cli import main
from texto_cli.errors import ImageError, ModelError, UsageError
from texto_cli.image.io import read_image, write_image, write_split_bands
from texto_cli.texture.modelfile import load

from conftest import SAMPLES, SMALL

MATERIAL = SAMPLES / "cobbles_material"
NAMES = ("albedo", "normal", "height")
SIDE = 96


@pytest.fixture(scope="module")
def maps():
    """The sample material's maps, cropped to SIDE x SIDE."""
    return {name: np.ascontiguousarray(read_image(MATERIAL / f"{name}.png")[0][:SIDE, :SIDE])
            for name in NAMES}


@pytest.fixture(scope="module")
def material(maps):
    return texto_cli.fit(maps, **SMALL)


@pytest.fixture(scope="module")
def map_files(maps, tmp_path_factory):
    folder = tmp_path_factory.mktemp("material")
    for name, image in maps.items():
        write_image(folder / f"{name}.png", image, bit_depth=16 if name == "height" else 8)
    return {name: folder / f"{name}.png" for name in NAMES}


@pytest.fixture(scope="module")
def material_file(map_files, tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "wall.npz"
    args = [a for name, f in map_files.items() for a in ("--map", f"{name}={f}")]
    r = CliRunner().invoke(main, ["fit", *args, "-o", str(path), "-q", "--scales", "2",
                                  "--patch", "5", "--targets", "150,400", "--iters", "20000"])
    assert r.exit_code == 0, r.output
    return path


def _decode(normal: np.ndarray) -> np.ndarray:
    return 2 * normal.astype(np.float64) - 1


def _slopes(normal: np.ndarray) -> np.ndarray:
    n = _decode(normal)
    return n[..., :2] / n[..., 2:]


def _height_slopes(height: np.ndarray) -> np.ndarray:
    h = height[:, :, 0].astype(np.float64)
    return np.stack([-(np.roll(h, -1, 1) - np.roll(h, 1, 1)), np.roll(h, -1, 0) - np.roll(h, 1, 0)], -1)


def _agreement(normal: np.ndarray, height: np.ndarray) -> float:
    """Correlation of a normal map's slopes with its height map's (up to scale)."""
    a, b = _slopes(normal)[2:-2, 2:-2], _height_slopes(height)[2:-2, 2:-2]
    return float(np.mean([np.corrcoef(a[..., k].ravel(), b[..., k].ravel())[0, 1] for k in (0, 1)]))


# ------------------------------------------------------------------------ the model


def test_material_model_splits_into_its_maps(material, maps):
    assert [(m.name, m.channels, m.kind) for m in material.maps] == \
        [("albedo", 3, "plain"), ("normal", 3, "normal"), ("height", 1, "plain")]
    out = material.synthesize((64, 48), seed=2)
    assert list(out) == list(NAMES)
    assert [out[n].shape for n in NAMES] == [(48, 64, 3), (48, 64, 3), (48, 64, 1)]
    length = np.linalg.norm(_decode(out["normal"]), axis=-1)
    assert np.abs(length - 1).max() < 1e-4  # renormalised to unit vectors


def test_every_map_weighs_the_same_by_default(material):
    """Each map's channels are scaled to the same total variance (times its weight squared)."""
    levels = material.levels[0]
    var = [levels[:, :, a:b].var(axis=(0, 1)).sum() for a, b in ((0, 3), (3, 6), (6, 7))]
    assert np.allclose(var, np.mean(var), rtol=1e-3)
    heavy = texto_cli.fit(dict(zip(NAMES, (material.pyramid[0][:, :, s] for s in
                                           (slice(0, 3), slice(3, 6), slice(6, 7))))),
                          map_weights={"height": 2.0}, **SMALL)
    var = [heavy.levels[0][:, :, a:b].var(axis=(0, 1)).sum() for a, b in ((0, 3), (3, 6), (6, 7))]
    assert var[2] == pytest.approx(4 * var[0], rel=1e-3)


def test_maps_stay_consistent_unlike_separate_models(material, maps):
    """The synthesised normal map follows the synthesised height map; separate models' do not."""
    joint = material.synthesize((128, 128), seed=1)
    normal = texto_cli.fit(maps["normal"], **SMALL).synthesize((128, 128), seed=1)
    height = texto_cli.fit(maps["height"], **SMALL).synthesize((128, 128), seed=1)
    exemplar = _agreement(maps["normal"], maps["height"])
    assert exemplar > 0.95
    assert _agreement(joint["normal"], joint["height"]) > 0.75
    assert _agreement(normal, height) < 0.6  # same seed: their start fields correlate


def test_material_model_file_round_trip(material, tmp_path):
    material.save(tmp_path / "m.npz")
    back = load(tmp_path / "m.npz")
    assert back.maps == material.maps
    a, b = back.synthesize((40, 40), seed=5), material.synthesize((40, 40), seed=5)
    assert all(a[name].tobytes() == b[name].tobytes() for name in NAMES)
    info = texto_cli.describe(back)
    assert [m["name"] for m in info["maps"]] == list(NAMES)


@pytest.mark.parametrize("maps_entry", [
    [], "albedo", [{"name": "a b", "channels": 3, "kind": "plain", "weight": 1, "bit_depth": 8}],
    [{"name": "a", "channels": 7, "kind": "plain", "weight": 1, "bit_depth": 8}],
    [{"name": "a", "channels": 3, "kind": "bump", "weight": 1, "bit_depth": 8}],
    [{"name": "a", "channels": 3, "kind": "plain", "weight": -1, "bit_depth": 8}],
    [{"name": "a", "channels": 3, "kind": "plain", "weight": 1, "bit_depth": 8}] * 2,
])
def test_malformed_maps_in_a_model_file_are_refused(material, tmp_path, maps_entry):
    material.save(tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(str(arrays["header"]))
    header["maps"] = maps_entry
    arrays["header"] = np.array(json.dumps(header))
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ModelError) as e:
        load(tmp_path / "bad.npz")
    assert "\n" not in str(e.value)


def test_bad_material_inputs_are_refused(maps):
    with pytest.raises(UsageError, match="same size"):
        texto_cli.fit({"albedo": maps["albedo"], "height": maps["height"][:80]}, **SMALL)
    with pytest.raises(UsageError, match="not 3"):
        texto_cli.fit({"albedo": maps["albedo"], "normal": maps["height"]}, **SMALL)
    with pytest.raises(UsageError, match="map kinds"):
        texto_cli.fit(maps, map_kinds={"height": "bump"}, **SMALL)
    with pytest.raises(UsageError, match="no map named"):
        texto_cli.fit(maps, map_weights={"roughness": 2.0}, **SMALL)
    with pytest.raises(UsageError, match="positive"):
        texto_cli.fit(maps, map_weights={"height": 0.0}, **SMALL)
    with pytest.raises(UsageError, match="a word"):
        texto_cli.fit({"al bedo": maps["albedo"]}, **SMALL)


# ------------------------------------------------------------------------ the commands


def test_fit_and_synthesize_write_one_file_per_map(material_file, tmp_path):
    r = CliRunner().invoke(main, ["inspect", str(material_file)])
    assert r.exit_code == 0 and "maps albedo (3 channel(s), plain, 8-bit)" in r.output
    assert "height (1 channel(s), plain, 16-bit)" in r.output
    r = CliRunner().invoke(main, ["synthesize", str(material_file), "--size", "80x64",
                                  "--count", "2", "-o", str(tmp_path / "out.png")])
    assert r.exit_code == 0, r.output
    for seed in (0, 1):
        for name in NAMES:
            image, info = read_image(tmp_path / f"out_s{seed}_{name}.png")
            assert image.shape[:2] == (64, 80)
            assert info.bit_depth == (16 if name == "height" else 8)
    r = CliRunner().invoke(main, ["synthesize", str(material_file), "--size", "80x64",
                                  "--maps", "height,albedo", "-o", str(tmp_path / "sub.tif")])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in tmp_path.glob("sub_*")) == ["sub_albedo.tif", "sub_height.tif"]


def test_tiled_material_is_the_in_memory_one(material_file, tmp_path):
    run = CliRunner().invoke
    for args in (["--tile", "64", "-o", str(tmp_path / "t.png")], ["-o", str(tmp_path / "m.png")]):
        r = run(main, ["synthesize", str(material_file), "--size", "150x130", "--seed", "3", *args])
        assert r.exit_code == 0, r.output
    for name in NAMES:
        assert read_image(tmp_path / f"t_{name}.png")[0].tobytes() == \
            read_image(tmp_path / f"m_{name}.png")[0].tobytes()


def test_material_stdout_stage_images_and_refusals(material_file, tmp_path):
    run = CliRunner().invoke
    r = run(main, ["synthesize", str(material_file), "--size", "64", "--maps", "normal", "-o", "-"])
    assert r.exit_code == 0 and r.stdout_bytes.startswith(b"\x89PNG")
    r = run(main, ["synthesize", str(material_file), "--size", "64", "-o", "-"])
    assert r.exit_code == 2 and "--maps NAME" in r.stderr
    r = run(main, ["synthesize", str(material_file), "--size", "64", "--maps", "roughness",
                   "-o", str(tmp_path / "x.png")])
    assert r.exit_code == 2 and "no map named 'roughness'" in r.stderr
    r = run(main, ["synthesize", str(material_file), "--size", "64", "--save-scales",
                   str(tmp_path / "st"), "-o", str(tmp_path / "x.png")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "st" / "0_scale1_after_normal.png").exists()


def test_fit_map_refusals(map_files, material_file, exemplar_png, small_model_file, tmp_path):
    run = CliRunner().invoke
    out = str(tmp_path / "m.npz")
    r = run(main, ["fit", "--map", f"albedo={map_files['albedo']}", str(exemplar_png), "-o", out])
    assert r.exit_code == 2 and "no other exemplar" in r.stderr
    r = run(main, ["fit", "--map", "albedo", "-o", out])
    assert r.exit_code == 2 and "NAME=VALUE" in r.stderr
    r = run(main, ["fit", "--map", f"albedo={map_files['albedo']}", "--map-weight", "albedo=x",
                   "-o", out])
    assert r.exit_code == 2 and "bad value" in r.stderr
    r = run(main, ["fit", "-o", out])
    assert r.exit_code == 2 and "EXEMPLAR" in r.stderr
    r = run(main, ["synthesize", str(small_model_file), "--size", "64", "--maps", "albedo",
                   "-o", str(tmp_path / "x.png")])
    assert r.exit_code == 2 and "has none" in r.stderr
    mask = np.zeros((80, 80, 1), np.float32)
    mask[30:40, 30:40] = 1
    write_image(tmp_path / "mask.png", mask)
    for command in (["transfer", str(material_file), str(exemplar_png)],
                    ["inpaint", str(exemplar_png), "--mask", str(tmp_path / "mask.png"),
                     "--model", str(material_file)]):
        r = run(main, [*command, "-o", str(tmp_path / "x.png")])
        assert r.exit_code == 2 and "maps" in r.stderr, r.output
    assert not Path(out).exists()


# ------------------------------------------------------------------------ the writer


def test_split_bands_write_every_file_or_none(tmp_path):
    def bands(bad_last: bool):
        yield [np.full((16, 8, 3), 0.5, np.float32), np.full((16, 8, 1), 0.25, np.float32)]
        yield [np.full((16, 8, 3), 0.5, np.float32),
               np.full((16, 9 if bad_last else 8, 1), 0.25, np.float32)]

    dests = [tmp_path / "a.tif", tmp_path / "b.png"]
    with pytest.raises(ImageError, match="does not fit"):
        write_split_bands(dests, bands(True), 8, 32, [3, 1], [8, 16], 16)
    assert list(tmp_path.iterdir()) == []

    def interrupted():
        yield next(bands(False))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_split_bands(dests, interrupted(), 8, 32, [3, 1], [8, 16], 16)
    assert list(tmp_path.iterdir()) == []
    write_split_bands(dests, bands(False), 8, 32, [3, 1], [8, 16], 16)
    assert read_image(dests[0])[0].shape == (32, 8, 3)
    assert read_image(dests[1])[1].bit_depth == 16
