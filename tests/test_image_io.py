"""Image reading/writing: exact round trips, conversions, errors, atomic writes."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import png
import pytest
import tifffile
from PIL import Image

from texto_cli.image import io as image_io
from texto_cli.errors import ImageError, TextoError
from texto_cli.image.io import (
    ImageInfo,
    atomic_output,
    atomic_write_bytes,
    check_output_path,
    read_image,
    write_image,
)

RNG = np.random.default_rng(1234)


def random_samples(bit_depth: int, channels: int, shape=(23, 31)) -> np.ndarray:
    top = 255 if bit_depth == 8 else 65535
    q = RNG.integers(0, top + 1, size=shape + (channels,))
    if channels in (2, 4):
        q[0, 0, -1] = 0  # make sure alpha is not fully opaque
    return q


def to_int(img: np.ndarray, bit_depth: int) -> np.ndarray:
    top = 255 if bit_depth == 8 else 65535
    return np.rint(img.astype(np.float64) * top).astype(np.int64)


# ---------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("ext", [".png", ".tif", ".tiff"])
@pytest.mark.parametrize("bit_depth", [8, 16])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_round_trip_exact(tmp_path, ext, bit_depth, channels):
    q = random_samples(bit_depth, channels)
    top = 255 if bit_depth == 8 else 65535
    path = tmp_path / f"img{ext}"
    write_image(path, (q / top).astype(np.float32), bit_depth=bit_depth)
    img, info = read_image(path)
    assert img.dtype == np.float32 and img.shape == q.shape
    assert img.min() >= 0.0 and img.max() <= 1.0
    np.testing.assert_array_equal(to_int(img, bit_depth), q)
    assert info == ImageInfo(
        bit_depth=bit_depth,
        channels=channels,
        had_alpha=channels in (2, 4),
        mode={1: "gray", 2: "gray+alpha", 3: "rgb", 4: "rgba"}[channels],
    )


def test_2d_input_written_as_gray(tmp_path):
    img = RNG.random((10, 12)).astype(np.float32)
    write_image(tmp_path / "g.png", img)
    back, info = read_image(tmp_path / "g.png")
    assert back.shape == (10, 12, 1) and info.channels == 1
    np.testing.assert_array_equal(to_int(back, 8)[:, :, 0], np.rint(img * 255))


def test_quantisation_clips_and_rounds(tmp_path):
    img = np.array([[-0.3, 0.0, 0.2 / 255, 0.8 / 255, 1.0, 1.7]], dtype=np.float32)
    write_image(tmp_path / "q.png", img)
    back, _ = read_image(tmp_path / "q.png")
    assert to_int(back, 8)[0, :, 0].tolist() == [0, 0, 0, 1, 255, 255]


def test_nan_is_refused_and_nothing_written(tmp_path):
    img = np.zeros((4, 4, 3), np.float32)
    img[1, 1, 1] = np.nan
    with pytest.raises(ImageError, match="NaN"):
        write_image(tmp_path / "nan.png", img)
    assert list(tmp_path.iterdir()) == []


def test_opaque_alpha_is_dropped(tmp_path):
    rgba = np.concatenate([RNG.integers(0, 256, (8, 9, 3)), np.full((8, 9, 1), 255)], axis=2)
    write_image(tmp_path / "a.png", rgba / 255.0)
    img, info = read_image(tmp_path / "a.png")
    assert img.shape == (8, 9, 3)
    assert info.had_alpha and info.channels == 3
    np.testing.assert_array_equal(to_int(img, 8), rgba[:, :, :3])


def test_write_to_file_object_is_png_and_reads_back_from_bytes():
    q = random_samples(16, 3)
    buf = io.BytesIO()
    write_image(buf, q / 65535.0, bit_depth=16)
    data = buf.getvalue()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    img, info = read_image(data)
    np.testing.assert_array_equal(to_int(img, 16), q)
    assert info.bit_depth == 16


def test_jpeg_is_8bit_without_alpha(tmp_path):
    y, x = np.mgrid[0:32, 0:40] / 40.0
    rgba = np.stack([x, y, 0.5 * (x + y), np.full_like(x, 0.5)], axis=2)
    write_image(tmp_path / "a.jpg", rgba, bit_depth=16)
    img, info = read_image(tmp_path / "a.jpg")
    assert info.bit_depth == 8 and img.shape == (32, 40, 3) and not info.had_alpha
    assert np.abs(img - rgba[:, :, :3]).max() < 0.04  # smooth image, quality 95


def _pypng_decode(data: bytes) -> tuple[np.ndarray, dict]:
    """Decode a PNG with pypng, independently of image_io's decoders."""
    w, h, rows, meta = png.Reader(bytes=data).read()
    return np.array([np.asarray(r) for r in rows]).reshape(h, w, meta["planes"]), meta


@pytest.mark.parametrize("bit_depth", [8, 16])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_written_png_decodes_exactly_elsewhere(bit_depth, channels):
    """pypng reads the samples we wrote; Pillow agrees to its 8-bit precision for 16-bit colour."""
    y, x = np.mgrid[0:40, 0:50]
    top = 2**bit_depth - 1
    q = np.stack([(x * 1300 + y) % (top + 1), (y * 1700) % (top + 1), (x * y * 31) % (top + 1),
                  (x + y * 50) % (top + 1)][:channels], -1)
    q[::5] = RNG.integers(0, top + 1, q[::5].shape)  # smooth and noisy rows
    buf = io.BytesIO()
    write_image(buf, q / top, bit_depth=bit_depth)
    samples, meta = _pypng_decode(buf.getvalue())
    assert meta["bitdepth"] == bit_depth and meta["planes"] == channels
    np.testing.assert_array_equal(samples, q)
    if bit_depth == 16 and channels == 3:
        pil = np.asarray(Image.open(io.BytesIO(buf.getvalue())))
        np.testing.assert_array_equal(pil, (q >> 8).astype(np.uint8))


def test_png16_written_by_pillow_is_decoded_exactly():
    g = RNG.integers(0, 65536, (21, 17)).astype(np.uint16)
    buf = io.BytesIO()
    Image.fromarray(g).save(buf, format="PNG")
    img, info = read_image(buf.getvalue())
    assert info == ImageInfo(16, 1, False, "gray")
    np.testing.assert_array_equal(to_int(img, 16)[:, :, 0], g)


def _pypng_bytes(q: np.ndarray, bit_depth: int, **options) -> bytes:
    h, w, c = q.shape
    buf = io.BytesIO()
    png.Writer(w, h, greyscale=c <= 2, alpha=c in (2, 4), bitdepth=bit_depth, **options).write(
        buf, q.astype(np.int64).reshape(h, -1).tolist())
    return buf.getvalue()


@pytest.mark.parametrize("shape", [(13, 11, 3), (1, 1, 4), (9, 2, 2), (17, 10, 1)])
def test_png16_interlaced(shape, capsys, caplog):
    q = RNG.integers(0, 65536, shape).astype(np.uint16)
    if shape[2] in (2, 4):
        q[:, ::2, -1] = 0  # alpha not opaque: kept
    img, info = read_image(_pypng_bytes(q, 16, interlace=True))
    np.testing.assert_array_equal(to_int(img, 16), q)
    assert info.bit_depth == 16
    # libpng's warning about Adam7 and png_read_image is not shown to the user
    assert capsys.readouterr().err == "" and not caplog.records


@pytest.mark.parametrize("channels", [1, 3])
def test_png16_colour_key_becomes_alpha(channels):
    q = RNG.integers(0, 65536, (10, 12, channels))
    q[3, 4] = q[0, 0]
    key = int(q[0, 0, 0]) if channels == 1 else tuple(int(v) for v in q[0, 0])
    img, info = read_image(_pypng_bytes(q, 16, transparent=key))
    assert img.shape == (10, 12, channels + 1) and info.had_alpha and info.bit_depth == 16
    assert info.mode == ("gray+alpha" if channels == 1 else "rgba")
    np.testing.assert_array_equal(to_int(img, 16)[:, :, :channels], q)
    np.testing.assert_array_equal(img[:, :, -1] == 0.0, np.all(q == q[0, 0], axis=2))


def test_reading_and_writing_png_compiles_nothing():
    """No numba kernel of image_io's own: a 16-bit PNG round trip does not even import numba."""
    code = ("import io, sys, numpy as np\n"
            "from texto_cli.image.io import read_image, write_image\n"
            "b = io.BytesIO(); write_image(b, np.random.default_rng(0).random((9, 7, 3)), 16)\n"
            "read_image(b.getvalue())\n"
            "assert 'numba' not in sys.modules, 'numba imported'\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(image_io.__file__).parents[2]),
                                                                      os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# ----------------------------------------------------------------------------- conversions


def test_palette_png_becomes_rgb_or_rgba():
    rgb = RNG.integers(0, 256, (16, 16, 3), dtype=np.uint8)
    pal = Image.fromarray(rgb).convert("P")
    buf = io.BytesIO()
    pal.save(buf, format="PNG")
    img, info = read_image(buf.getvalue())
    assert img.shape == (16, 16, 3) and info.mode == "palette" and info.bit_depth == 8
    np.testing.assert_array_equal(to_int(img, 8), np.asarray(pal.convert("RGB")))
    buf = io.BytesIO()
    pal.save(buf, format="PNG", transparency=int(np.asarray(pal)[0, 0]))
    img, info = read_image(buf.getvalue())
    assert img.shape == (16, 16, 4) and info.had_alpha and img[0, 0, 3] == 0.0


def test_gray_colour_key_becomes_alpha():
    g = RNG.integers(0, 256, (12, 12), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(g).save(buf, format="PNG", transparency=int(g[0, 0]))
    img, info = read_image(buf.getvalue())
    assert img.shape == (12, 12, 2) and info.mode == "gray+alpha"
    np.testing.assert_array_equal(img[:, :, 1] == 0.0, g == g[0, 0])


def test_cmyk_jpeg_becomes_rgb():
    rgb = np.full((8, 8, 3), (200, 100, 50), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(rgb).convert("CMYK").save(buf, format="JPEG", quality=100)
    img, info = read_image(buf.getvalue())
    assert img.shape == (8, 8, 3) and info.mode == "cmyk"
    assert np.abs(to_int(img, 8) - rgb).max() <= 3


def test_bilevel_and_lzw_tiff_and_float_tiff():
    g = RNG.integers(0, 2, (10, 14)).astype(bool)
    buf = io.BytesIO()
    Image.fromarray(g).save(buf, format="PNG")
    img, _ = read_image(buf.getvalue())
    np.testing.assert_array_equal(img[:, :, 0], g.astype(np.float32))

    gray = RNG.integers(0, 256, (10, 14), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(gray).save(buf, format="TIFF", compression="tiff_lzw")
    img, info = read_image(buf.getvalue())
    np.testing.assert_array_equal(to_int(img, 8)[:, :, 0], gray)

    f = np.linspace(-0.5, 1.5, 40, dtype=np.float32).reshape(5, 8)
    buf = io.BytesIO()
    tifffile.imwrite(buf, f)
    img, info = read_image(buf.getvalue())
    assert info.bit_depth == 16
    np.testing.assert_allclose(img[:, :, 0], np.clip(f, 0, 1))


def test_tiff_planar_and_miniswhite():
    q = RNG.integers(0, 65536, (3, 6, 7)).astype(np.uint16)
    buf = io.BytesIO()
    tifffile.imwrite(buf, q, photometric="rgb", planarconfig="separate")
    img, info = read_image(buf.getvalue())
    np.testing.assert_array_equal(to_int(img, 16), np.moveaxis(q, 0, 2))
    g = RNG.integers(0, 256, (6, 7), dtype=np.uint8)
    buf = io.BytesIO()
    tifffile.imwrite(buf, g, photometric="miniswhite")
    img, _ = read_image(buf.getvalue())
    np.testing.assert_array_equal(to_int(img, 8)[:, :, 0], 255 - g)


@pytest.mark.parametrize("compression", ["lzw", "zstd", "packbits", "zlib"])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_compressed_16bit_tiff_reads_at_16_bits(compression, channels):
    """tifffile decodes LZW, zstd... itself (imagecodecs): 16 bits kept, alpha too."""
    q = RNG.integers(0, 65536, (12, 19, channels)).astype(np.uint16)
    options = {"photometric": "minisblack" if channels <= 2 else "rgb"}
    if channels in (2, 4):
        q[0, 0, -1] = 0
        options["extrasamples"] = ["unassalpha"]
    buf = io.BytesIO()
    tifffile.imwrite(buf, q[:, :, 0] if channels == 1 else q, compression=compression, predictor=True, **options)
    img, info = read_image(buf.getvalue())
    assert info.bit_depth == 16 and info.channels == channels
    np.testing.assert_array_equal(to_int(img, 16), q)


def test_jpeg_compressed_tiff_reads_like_pillow():
    y, x = np.mgrid[0:32, 0:48]
    rgb = np.stack([x * 5, y * 7, (x + y) * 3], -1).astype(np.uint8)
    for write in (lambda b: tifffile.imwrite(b, rgb, photometric="rgb", compression="jpeg"),  # YCbCr
                  lambda b: Image.fromarray(rgb).save(b, format="TIFF", compression="jpeg")):
        buf = io.BytesIO()
        write(buf)
        img, info = read_image(buf.getvalue())
        assert info == ImageInfo(8, 3, False, "rgb")
        np.testing.assert_array_equal(to_int(img, 8), np.asarray(Image.open(buf).convert("RGB")))
        with pytest.raises(ImageError, match="truncated"):  # a cut JPEG strip is not decoded as garbage
            read_image(buf.getvalue()[: int(len(buf.getvalue()) * 0.9)])


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("compression", [None, "lzw"])
def test_tiff_orientation_is_applied_like_exif(orientation, compression):
    rgb = RNG.integers(0, 256, (5, 9, 3), dtype=np.uint8)
    buf = io.BytesIO()
    tifffile.imwrite(buf, rgb, photometric="rgb", compression=compression,
                     extratags=[(274, "H", 1, orientation, True)])
    img, info = read_image(buf.getvalue())
    exif = {1: rgb, 2: rgb[:, ::-1], 3: np.rot90(rgb, 2), 4: rgb[::-1],  # the EXIF definitions
            5: np.rot90(rgb[:, ::-1], 1), 6: np.rot90(rgb, -1), 7: np.rot90(rgb[:, ::-1], -1), 8: np.rot90(rgb, 1)}
    np.testing.assert_array_equal(to_int(img, 8), exif[orientation])


def test_bilevel_tiffs():
    g = RNG.integers(0, 2, (19, 23)).astype(bool)
    for save in (lambda b: tifffile.imwrite(b, g, photometric="minisblack"),
                 lambda b: Image.fromarray(g).save(b, format="TIFF", compression="group4")):
        buf = io.BytesIO()
        save(buf)
        img, info = read_image(buf.getvalue())
        assert info == ImageInfo(8, 1, False, "bilevel")
        np.testing.assert_array_equal(img[:, :, 0], g.astype(np.float32))


# ------------------------------------------------------------------------------- streaming


@pytest.mark.parametrize("bit_depth", [8, 16])
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("band", [7, 100])
def test_streamed_png_holds_the_samples_of_write_image(tmp_path, bit_depth, channels, band):
    image = RNG.uniform(-0.05, 1.05, (150, 37, channels)).astype(np.float32)
    bands = (image[r:r + band] for r in range(0, 150, band))
    image_io.write_bands(tmp_path / "s.png", bands, 37, 150, channels, bit_depth, band)
    write_image(tmp_path / "w.png", image, bit_depth)
    streamed, meta = _pypng_decode((tmp_path / "s.png").read_bytes())
    whole, _ = _pypng_decode((tmp_path / "w.png").read_bytes())
    assert meta["bitdepth"] == bit_depth
    np.testing.assert_array_equal(streamed, whole)
    assert read_image(tmp_path / "s.png")[1] == read_image(tmp_path / "w.png")[1]


@pytest.mark.parametrize("rows", [60, 80])
def test_streamed_png_with_wrong_row_count_writes_nothing(tmp_path, rows):
    dest = tmp_path / "out.png"
    dest.write_bytes(b"precious")
    image = np.zeros((rows, 10, 3), np.float32)
    with pytest.raises(ImageError, match=f"got {rows} rows for an image 70 rows high"):
        image_io.write_bands(dest, (image[r:r + 32] for r in range(0, rows, 32)), 10, 70, 3, 8, 32)
    assert dest.read_bytes() == b"precious" and sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


# ---------------------------------------------------------------------------------- errors


def _png_bytes(bit_depth=8) -> bytes:
    buf = io.BytesIO()
    write_image(buf, RNG.random((40, 40, 3)), bit_depth=bit_depth)
    return buf.getvalue()


def _error(source) -> str:
    with pytest.raises(ImageError) as exc:
        read_image(source)
    msg = str(exc.value)
    assert "\n" not in msg and isinstance(exc.value, TextoError) and isinstance(exc.value, ValueError)
    return msg


def test_error_missing_file(tmp_path):
    assert "no such file" in _error(tmp_path / "nope.png")


def test_error_directory(tmp_path):
    assert "directory" in _error(tmp_path)


def test_error_empty_file(tmp_path):
    (tmp_path / "e.png").write_bytes(b"")
    msg = _error(tmp_path / "e.png")
    assert "empty" in msg and "e.png" in msg
    assert "<stdin>" in _error(b"")


def test_error_not_an_image(tmp_path):
    (tmp_path / "t.png").write_text("hello, I am not a picture\n" * 20)
    assert "not an image" in _error(tmp_path / "t.png")


@pytest.mark.parametrize("kind", ["png8", "png16", "jpeg", "tiff"])
@pytest.mark.parametrize("keep", [0.3, 0.97])
def test_error_truncated(kind, keep):
    if kind.startswith("png"):
        data = _png_bytes(8 if kind == "png8" else 16)
    else:
        buf = io.BytesIO()
        Image.fromarray(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buf, format=kind.upper())
        data = buf.getvalue()
    read_image(data)  # the complete file is fine
    assert "truncated" in _error(data[: int(len(data) * keep)])


def test_error_corrupt_png16_checksum():
    data = bytearray(_png_bytes(16))
    data[60] ^= 0xFF  # inside the IDAT chunk
    assert "corrupt" in _error(bytes(data))


def test_error_unsupported_samples():
    buf = io.BytesIO()
    tifffile.imwrite(buf, np.zeros((4, 4), np.int16))
    assert "unsupported" in _error(buf.getvalue())


# -------------------------------------------------------------------- output path, atomicity


def test_check_output_path(tmp_path):
    check_output_path(tmp_path / "ok.png")
    check_output_path(tmp_path / "OK.TIFF")
    with pytest.raises(ImageError, match=r"\.png.*\.jpeg|unsupported output format"):
        check_output_path(tmp_path / "out.bmp")
    with pytest.raises(ImageError, match="unsupported output format"):
        check_output_path(tmp_path / "noext")
    with pytest.raises(ImageError, match="does not exist"):
        check_output_path(tmp_path / "missing" / "x.png")
    (tmp_path / "d.png").mkdir()
    with pytest.raises(ImageError, match="is a directory"):
        check_output_path(tmp_path / "d.png")


def test_unknown_extension_writes_nothing(tmp_path):
    with pytest.raises(ImageError, match=r"\.png"):
        write_image(tmp_path / "x.webp", np.zeros((4, 4, 3)))
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_existing_file_untouched(tmp_path, monkeypatch):
    dest = tmp_path / "out.png"
    dest.write_bytes(b"precious")

    def broken(path, arr, fmt):
        Path(path).write_bytes(b"half a png")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(image_io, "_encode_to", broken)
    with pytest.raises(ImageError, match="No space left"):
        write_image(dest, np.zeros((4, 4, 3)))
    assert dest.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


def test_interrupted_write_cleans_up(tmp_path):
    dest = tmp_path / "model.npz"
    dest.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_output(dest) as tmp:
            assert tmp.parent == tmp_path and tmp != dest
            tmp.write_bytes(b"partial")
            raise KeyboardInterrupt
    assert dest.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


def test_atomic_write_replaces_and_has_normal_permissions(tmp_path):
    dest = tmp_path / "m.bin"
    atomic_write_bytes(dest, b"one")
    assert dest.read_bytes() == b"one"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o666 & ~mask
    os.chmod(dest, 0o640)
    atomic_write_bytes(dest, b"two")
    assert dest.read_bytes() == b"two" and stat.S_IMODE(dest.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.bin"]


def test_overwrite_existing_image(tmp_path):
    dest = tmp_path / "o.tif"
    write_image(dest, np.zeros((5, 5, 3)))
    write_image(dest, np.ones((6, 7, 1)), bit_depth=16)
    img, info = read_image(dest)
    assert img.shape == (6, 7, 1) and info.bit_depth == 16 and np.all(img == 1.0)
