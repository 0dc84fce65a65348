"""What a new user tripped over (issue 23), one test per numbered item."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import texto_cli
from texto_cli.cli import main
from texto_cli.image.io import read_image


def texto(*args, env=None, **kwargs):
    return subprocess.run([sys.executable, "-m", "texto_cli", *map(str, args)],
                          capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=300, **kwargs)


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def exemplar_file(exemplar_png, tmp_path_factory):
    """The exemplar as wall.png (the name the tests' model files take)."""
    path = tmp_path_factory.mktemp("ex") / "wall.png"
    path.write_bytes(exemplar_png.read_bytes())
    return path


# ------------------------------------------------------------------ input and the API


@pytest.mark.parametrize("array,message", [
    (np.full((64, 64, 3), 200, np.int64), "uint8, uint16 or float"),
    (np.full((64, 64, 3), 2.0), r"\[0, 1\]"),
])
def test_1_integer_and_out_of_range_arrays_are_refused(array, message):
    with pytest.raises(texto_cli.UsageError, match=message):
        texto_cli.fit(array, preset="fast", iters=100)


def test_2_more_than_four_channels_are_refused():
    with pytest.raises(texto_cli.UsageError, match="C in 1..4"):
        texto_cli.fit(np.zeros((64, 64, 5), np.float32), preset="fast")


def test_3_the_api_raises_texto_errors():
    with pytest.raises(texto_cli.UsageError, match="unknown fit option 'bogus'"):
        texto_cli.fit(np.zeros((64, 64, 3), np.float32), bogus=1)
    nan = np.full((64, 64, 3), np.nan, np.float32)
    with pytest.raises(texto_cli.UsageError, match="NaN"):
        texto_cli.fit(nan, preset="fast")


def test_4_the_api_is_listed_and_writes_16_bit_images(tmp_path):
    assert {"fit", "Model", "load", "write_image"} <= set(dir(texto_cli))
    image = np.linspace(0, 1, 32 * 32 * 3, dtype=np.float32).reshape(32, 32, 3)
    texto_cli.write_image(tmp_path / "a.png", image, bit_depth=16)
    back, info = texto_cli.read_image(tmp_path / "a.png")
    assert info.bit_depth == 16 and np.abs(back - image).max() < 1e-4


# ------------------------------------------------------------------ files and formats


def test_5_lzw_and_zstd_tiffs_keep_16_bits(tmp_path):
    import tifffile

    data = (np.arange(32 * 32 * 3, dtype=np.uint16).reshape(32, 32, 3) * 61)
    for compression in ("lzw", "zstd"):
        path = tmp_path / f"{compression}.tif"
        tifffile.imwrite(path, data, compression=compression, photometric="rgb")
        image, info = read_image(path)
        assert info.bit_depth == 16
        np.testing.assert_array_equal(np.rint(image * 65535).astype(np.uint16), data)


def test_6_jpeg_refuses_16_bits_and_alpha(small_model_file, tmp_path):
    r = invoke("synthesize", small_model_file, "--size", "64", "--bit-depth", "16",
               "-o", tmp_path / "a.jpg")
    assert r.exit_code == 2 and "8 bits" in r.stderr
    rgba = texto_cli.fit(np.random.default_rng(0).random((64, 64, 4), dtype=np.float32),
                         scales=2, patch=5, targets=[50, 100], clusters=[2, 4], iters=500,
                         detail=False, gain_octaves=0, passes=1)
    with pytest.raises(texto_cli.UsageError, match="alpha"):
        texto_cli.plan_synthesis(rgba, 64, tmp_path / "a.jpg")
    assert not list(tmp_path.iterdir())


def test_7_a_pipe_closed_early_is_an_error_and_a_terminal_is_refused(small_model_file):
    proc = subprocess.Popen([sys.executable, "-m", "texto_cli", "synthesize", small_model_file,
                             "--size", "512", "--bit-depth", "16", "-o", "-"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 1
    assert err.strip().splitlines() == ["texto: error: stdout: the pipe closed before the whole "
                                        "image was written"]
    tty = subprocess.run(["script", "-q", "-c", f"{sys.executable} -m texto_cli synthesize "
                          f"{small_model_file} --size 64 -o -", "/dev/null"],
                         capture_output=True, text=True, timeout=300)
    assert "is a terminal" in tty.stdout and "PNG" not in tty.stdout.replace("PNG data", "")


def test_8_fit_checks_every_input_and_every_destination_first(exemplar_file, tmp_path):
    other = tmp_path / "d2"
    other.mkdir()
    (other / "wall.jpg").write_bytes(exemplar_file.read_bytes())
    r = invoke("fit", exemplar_file, other / "wall.jpg", "-O", tmp_path / "models")
    assert r.exit_code == 2 and "would both be fitted to" in r.stderr
    r = invoke("fit", exemplar_file, tmp_path / "missing.png", "-O", tmp_path / "models")
    assert r.exit_code == 1 and "missing.png: no such file" in r.stderr
    assert not list((tmp_path / "models").glob("*.npz"))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    r = invoke("fit", bad, exemplar_file, "-O", tmp_path / "models", "--keep-going", "-q",
               "--scales", "2", "--patch", "5", "--targets", "50", "--clusters", "2",
               "--iters", "500", "--no-detail", "--passes", "1", "--gain-octaves", "0")
    assert r.exit_code == 1 and "bad.png" in r.stderr and "1 of 2 exemplars failed" in r.stderr
    assert [p.name for p in (tmp_path / "models").glob("*.npz")] == ["wall.npz"]


# ------------------------------------------------------------------ messages and exit codes


@pytest.mark.parametrize("args,code", [
    (["synthesize", "MODEL", "--size", "64", "-o", "no/dir/x.png"], 2),
    (["fit", "EXEMPLAR", "-o", "no/dir/x.npz"], 2),
    (["inspect", "MODEL", "--preview", "no/dir/x.png"], 2),
    (["synthesize", "MODEL", "--size", "64", "-o", "x.webp"], 2),
    (["inspect", "MODEL", "--preview", "x.jpg"], 2),
    (["fit", "EXEMPLAR", "-o", "m.txt"], 2),
    (["synthesize", "missing.npz", "--size", "64"], 1),
    (["fit", "missing.png", "-o", "m.npz"], 1),
    (["inspect", "missing.npz"], 1),
])
def test_9_one_exit_code_rule(small_model_file, exemplar_file, tmp_path, monkeypatch, args, code):
    monkeypatch.chdir(tmp_path)
    args = [small_model_file if a == "MODEL" else exemplar_file if a == "EXEMPLAR" else a
            for a in args]
    r = invoke(*args)
    assert r.exit_code == code, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("texto: error: ")


def test_10_click_usage_errors_are_one_line():
    r = texto("synthesize", "m.npz", "--bogus")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("texto: error: No such option")
    assert "--bogus" in lines[0] and lines[0].endswith("(see 'texto synthesize --help')")


def test_11_the_minimum_size_message_is_right(small_model):
    f = small_model.config.zoom
    side = (max(st.spec.patch for st in small_model.stages) - 1) * f + 1
    small_model.synthesize((side, side))
    with pytest.raises(texto_cli.UsageError, match=f"at least {side}x{side}"):
        small_model.synthesize((side - 1, side - 1))


def test_12_inspect_prints_the_file_s_format(small_model_file):
    from texto_cli.texture.modelfile import FORMAT_VERSION

    with np.load(small_model_file, allow_pickle=False) as z:
        assert int(z["version"]) == FORMAT_VERSION
    r = invoke("inspect", small_model_file)
    assert f"format {FORMAT_VERSION}" in r.stdout


def test_13_inspect_fits_80_columns(small_model, capsys):
    from texto_cli.console import print_description

    print_description("small.npz", texto_cli.describe(small_model), width=80)
    out = capsys.readouterr().out
    assert "…" not in out and max(len(line) for line in out.splitlines()) <= 80


def test_14_kernels_cached_looks_at_this_install_only(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    other = tmp_path / f"image_{'0' * 40}"
    other.mkdir()
    (other / "patch_kernels.gather_patches-1.py311.nbi").write_text("")
    assert not texto_cli.kernels_cached()
    folder = os.path.join(os.path.dirname(os.path.abspath(texto_cli.__file__)), "image")
    mine = tmp_path / f"image_{hashlib.sha1(folder.encode()).hexdigest()}"
    mine.mkdir()
    (mine / "patch_kernels.gather_patches-1.py311.nbi").write_text("")
    assert texto_cli.kernels_cached()


# ------------------------------------------------------------------ options


def test_15_jobs_without_tiles_is_refused(small_model_file, tmp_path):
    r = invoke("synthesize", small_model_file, "--size", "64", "--jobs", "2", "-o", tmp_path / "a.png")
    assert r.exit_code == 2 and "--tile" in r.stderr


def test_16_variants_are_named_by_their_seed(small_model_file, tmp_path):
    r = invoke("synthesize", small_model_file, "--size", "48", "--count", "2", "--seed", "5",
               "-o", tmp_path / "v.png")
    assert r.exit_code == 0, r.stderr
    assert sorted(p.name for p in tmp_path.glob("v_*.png")) == ["v_s5.png", "v_s6.png"]
    one = invoke("synthesize", small_model_file, "--size", "48", "--seed", "6", "-o", tmp_path / "one.png")
    assert one.exit_code == 0
    np.testing.assert_array_equal(read_image(tmp_path / "v_s6.png")[0],
                                  read_image(tmp_path / "one.png")[0])


def test_17_save_scales_keeps_every_variant(small_model, small_model_file, tmp_path):
    r = invoke("synthesize", small_model_file, "--size", "48", "--count", "2",
               "--save-scales", tmp_path / "st", "-o", tmp_path / "v.png")
    assert r.exit_code == 0, r.stderr
    n = 2 * len(small_model.stages)
    assert len(list((tmp_path / "st" / "s0").glob("*.png"))) == n
    assert len(list((tmp_path / "st" / "s1").glob("*.png"))) == n


def test_18_completion_offers_file_names(tmp_path):
    (tmp_path / "samplefile.png").write_bytes(b"")
    r = subprocess.run([sys.executable, "-m", "texto_cli"], cwd=tmp_path, capture_output=True,
                       text=True, env={**os.environ, "COMP_WORDS": "texto fit sam", "COMP_CWORD": "2",
                                       "_TEXTO_COMPLETE": "bash_complete"})
    assert "file" in r.stdout  # click asks the shell to complete file names


def test_19_a_single_number_is_a_square(small_model_file, tmp_path):
    r = invoke("synthesize", small_model_file, "--size", "40", "-o", tmp_path / "a.png")
    assert r.exit_code == 0, r.stderr
    assert read_image(tmp_path / "a.png")[0].shape[:2] == (40, 40)


def test_20_threads_are_an_option_and_do_not_change_the_output(small_model_file, tmp_path):
    for n in (1, 2):
        r = texto("--debug", "synthesize", small_model_file, "--size", "48", "--threads", n,
                  "-o", tmp_path / f"t{n}.png")
        assert r.returncode == 0, r.stderr
    assert (tmp_path / "t1.png").read_bytes() == (tmp_path / "t2.png").read_bytes()
    r = invoke("synthesize", small_model_file, "--size", "48", "--threads", "0")
    assert r.exit_code == 2 and "--threads must be between 1" in r.stderr


# ------------------------------------------------------------------ hostile and oversized input


def test_21_large_exemplars_are_refused_before_decoding(tmp_path):
    path = tmp_path / "big.png"
    Image.new("L", (5000, 4000)).save(path)
    with pytest.raises(texto_cli.ImageError, match="5000x4000 pixels is above the limit"):
        read_image(path)
    r = invoke("fit", "/dev/zero", "-o", tmp_path / "z.npz")
    assert r.exit_code == 1 and "too large" in r.stderr


def test_22_decompression_bomb_warning_is_texto_s_own_line(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("L", (10000, 10000)).save(path)
    r = texto("fit", path, "-o", tmp_path / "m.npz")
    assert r.returncode == 1
    assert r.stderr.strip().splitlines() == [
        f"texto: error: {path}: 10000x10000 pixels is above the limit of 16.8 megapixels; "
        "crop or downscale it (or raise the limit: texto fit --max-megapixels)"]


def test_23_non_finite_float_tiffs_are_refused(tmp_path):
    import tifffile

    data = np.full((32, 32), 0.5, np.float32)
    data[3, 4] = np.nan
    tifffile.imwrite(tmp_path / "nan.tif", data)
    with pytest.raises(texto_cli.ImageError, match="NaN or infinite"):
        read_image(tmp_path / "nan.tif")


# ------------------------------------------------------------------ packaging


def test_packaging_names_and_the_stage_images_the_readme_promises(small_model_file, tmp_path):
    import tomllib

    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text())
    assert project["project"]["name"] == "texto-cli" and project["project"]["license"] == "MIT"
    assert (root / "LICENSE").exists()
    assert "texto_cli.__version__" in str(project["tool"]["setuptools"]["dynamic"]["version"])
    model = texto_cli.load(small_model_file)
    last = f"{len(model.stages) - 1}_detail_after.png"
    r = invoke("synthesize", small_model_file, "--size", "48", "--save-scales", tmp_path / "st",
               "-o", tmp_path / "a.png")
    assert r.exit_code == 0 and (tmp_path / "st" / last).exists()
    default = texto_cli.PRESETS["default"]
    promised = f"{len(default.stages) - 1}_detail_after.png"
    assert promised in (root / "README.md").read_text()
