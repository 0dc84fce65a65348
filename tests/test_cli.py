"""The texto command, through click's CliRunner and a real process."""

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from texto_cli.cli import main
from texto_cli.image.io import read_image, write_image

FAST_FIT = ["--scales", "2", "--patch", "5", "--targets", "100,200", "--clusters", "4,6",
            "--iters", "5000", "--no-detail"]


@pytest.fixture()
def runner():
    return CliRunner()


def test_fit_inspect_synthesize(runner, exemplar_png, tmp_path):
    model = tmp_path / "m.npz"
    r = runner.invoke(main, ["fit", str(exemplar_png), "-o", str(model), *FAST_FIT])
    assert r.exit_code == 0, r.output
    assert model.exists()
    assert "mass error" in r.stderr and "wrote" in r.stderr

    r = runner.invoke(main, ["inspect", str(model)])
    assert r.exit_code == 0, r.output
    assert "scale 1" in r.stdout and "scale 0" in r.stdout and "mass err" in r.stdout

    r = runner.invoke(main, ["inspect", str(model), "--json"])
    info = json.loads(r.stdout)
    assert info["scales"] == 2 and [s["targets"] for s in info["stages"]] == [100, 200, 200]
    assert all(0 <= s["mass_l1"] < 1 for s in info["stages"])

    out = tmp_path / "out.png"
    r = runner.invoke(main, ["synthesize", str(model), "--size", "70x50", "-o", str(out), "--seed", "4"])
    assert r.exit_code == 0, r.output
    image, info = read_image(out)
    assert image.shape == (50, 70, 3) and info.bit_depth == 8


def test_inspect_shows_each_stages_octave_limit(runner, small_model, small_model_file):
    r = runner.invoke(main, ["inspect", str(small_model_file), "--json"])
    assert [s["octaves"] for s in json.loads(r.stdout)["stages"]] == \
        [st.octaves for st in small_model.stages]
    r = runner.invoke(main, ["inspect", str(small_model_file)])
    assert r.exit_code == 0 and "oct: octave limit" in r.stdout


def test_synthesize_default_name_and_count(runner, small_model_file, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(main, ["synthesize", str(small_model_file), "--size", "48x40", "--seed", "2"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "small_48x40_s2.png").exists()
    r = runner.invoke(main, ["synthesize", str(small_model_file), "--size", "48x40", "--count", "3",
                             "-o", "var.png"])
    assert r.exit_code == 0, r.output
    files = sorted(p.name for p in tmp_path.glob("var_*.png"))
    assert files == ["var_s0.png", "var_s1.png", "var_s2.png"]  # named by their seeds
    images = [read_image(tmp_path / f)[0] for f in files]
    assert not np.array_equal(images[0], images[1])


def test_same_seed_same_bytes(runner, small_model_file, tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    for p in (a, b):
        r = runner.invoke(main, ["synthesize", str(small_model_file), "--size", "64x64", "-o", str(p)])
        assert r.exit_code == 0
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("args,code,message", [
    (["synthesize", "MODEL", "--size", "0x0"], 2, "--size"),
    (["synthesize", "MODEL", "--size", "abc"], 2, "--size"),
    (["synthesize", "MODEL", "--size", "-5x10"], 2, "--size"),
    (["synthesize", "MODEL", "--size", "900000x900000"], 2, "memory"),
    (["synthesize", "MODEL", "--size", "64x64", "-o", "out.xyz"], 2, "unsupported output format"),
    (["synthesize", "MODEL", "--size", "64x64", "-o", "no/such/dir/out.png"], 2, "does not exist"),
    (["synthesize", "missing.npz", "--size", "64x64"], 1, "no such model"),
    (["fit", "missing.png", "-o", "m.npz"], 1, "missing.png"),
    (["fit", "EXEMPLAR", "-o", "m.npz", "--scales", "0"], 2, "--scales"),
    (["fit", "EXEMPLAR", "-o", "m.npz", "--scales", "9"], 2, "at least"),
    (["fit", "EXEMPLAR", "-o", "m.txt"], 2, ".npz"),
    (["fit", "EXEMPLAR", "-o", "m.npz", "--targets", "1,2,3"], 2, "--targets"),
    (["fit", "EXEMPLAR", "-o", "m.npz", "--passes", "0"], 2, "--passes must be between 1 and 4"),
    (["synthesize", "MODEL", "--size", "64x64", "--bogus"], 2, "--bogus"),
])
def test_errors_are_one_line_with_exit_code(runner, small_model_file, exemplar_png, tmp_path,
                                            monkeypatch, args, code, message):
    monkeypatch.chdir(tmp_path)
    args = [str(small_model_file) if a == "MODEL" else str(exemplar_png) if a == "EXEMPLAR" else a
            for a in args]
    r = runner.invoke(main, args)
    assert r.exit_code == code, r.output
    assert message in r.stderr
    assert "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob("*.npz"))


def test_real_process_writes_png_to_stdout(small_model_file):
    r = subprocess.run([sys.executable, "-m", "texto_cli", "synthesize", str(small_model_file),
                        "--size", "40x32", "-o", "-", "--quiet"], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stderr == b""
    image, _ = read_image(r.stdout)
    assert image.shape == (32, 40, 3)


def test_real_process_bad_model_exit_code(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a model")
    r = subprocess.run([sys.executable, "-m", "texto_cli", "inspect", str(bad)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip() == f"texto: error: {bad}: not a texto model (.npz) file"


@pytest.mark.parametrize("channels,bit_depth", [(1, 16), (4, 8)])
def test_bit_depth_and_channels_follow_the_exemplar(runner, exemplar, tmp_path, channels, bit_depth):
    if channels == 1:
        image = exemplar.mean(axis=2, keepdims=True)
    else:  # RGBA with a varying alpha: synthesised as a fourth channel
        image = np.concatenate([exemplar, exemplar[:, :, :1]], axis=2)
    src = tmp_path / "ex.png"
    write_image(src, image, bit_depth=bit_depth)
    model, out = tmp_path / "m.npz", tmp_path / "out.png"
    r = runner.invoke(main, ["fit", str(src), "-o", str(model), *FAST_FIT])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["synthesize", str(model), "--size", "48x40", "-o", str(out)])
    assert r.exit_code == 0, r.output
    result, info = read_image(out)
    assert info.bit_depth == bit_depth and result.shape == (40, 48, channels)
    if bit_depth == 16:  # really 16-bit values, not 8-bit ones scaled up
        assert np.any((np.round(result * 65535).astype(int) % 257) != 0)


def test_fit_from_stdin_is_quiet_on_stdout(exemplar_png, tmp_path):
    model = tmp_path / "piped.npz"
    r = subprocess.run([sys.executable, "-m", "texto_cli", "fit", "-", "-o", str(model), *FAST_FIT],
                       input=exemplar_png.read_bytes(), capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"" and b"wrote" in r.stderr
    assert model.exists()
    r = subprocess.run([sys.executable, "-m", "texto_cli", "fit", "-", "-o", str(model), "--quiet",
                        *FAST_FIT], input=exemplar_png.read_bytes(), capture_output=True, timeout=300)
    assert r.returncode == 0 and r.stdout == b"" and r.stderr == b""


def test_batch_fit_into_folder(runner, exemplar_png, tmp_path):
    other = tmp_path / "second.png"
    other.write_bytes(exemplar_png.read_bytes())
    r = runner.invoke(main, ["fit", str(exemplar_png), str(other), "-O", str(tmp_path / "models"),
                             *FAST_FIT])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["cobbles_crop.npz", "second.npz"]


def test_preview_and_save_scales(runner, small_model_file, small_model, tmp_path):
    sheet = tmp_path / "preview.png"
    r = runner.invoke(main, ["inspect", str(small_model_file), "--preview", str(sheet)])
    assert r.exit_code == 0, r.output
    image, _ = read_image(sheet)
    assert image.shape[0] > 300 and image.shape[1] > 700 and image.std() > 0.05

    r = runner.invoke(main, ["synthesize", str(small_model_file), "--size", "64x48", "-o",
                             str(tmp_path / "out.png"), "--save-scales", str(tmp_path / "scales")])
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in (tmp_path / "scales").iterdir())
    assert names == ["0_scale1_after.png", "0_scale1_before.png", "1_scale0_after.png",
                     "1_scale0_before.png", "2_scale0_pass2_after.png", "2_scale0_pass2_before.png",
                     "3_detail_after.png", "3_detail_before.png"]
    coarse, _ = read_image(tmp_path / "scales" / "0_scale1_before.png")
    assert coarse.shape[:2] == (24, 32)  # half resolution: the coarse grid of 64x48
    final, _ = read_image(tmp_path / "out.png")
    after_detail, _ = read_image(tmp_path / "scales" / "3_detail_after.png")
    np.testing.assert_array_equal(after_detail[:48, :64], final)


def test_version_and_help_with_examples(runner):
    r = runner.invoke(main, ["--version"])
    assert r.exit_code == 0 and "texto" in r.stdout and "0." in r.stdout
    for command in ("fit", "synthesize", "inspect"):
        r = runner.invoke(main, [command, "--help"])
        assert r.exit_code == 0 and "Examples:" in r.stdout
