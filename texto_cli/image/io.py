"""Reading and writing images: PNG, JPEG and TIFF, 8 and 16 bits, atomic writes.

Pixel data inside texto is ``float32`` of shape ``(H, W, C)`` with values in
``[0, 1]``.  ``C`` is the number of channels:

* 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.

Alpha policy: an alpha channel that is fully opaque everywhere is dropped on
reading (``ImageInfo.had_alpha`` remembers it existed).  Any other alpha
channel is kept, *straight* (not premultiplied), as one more channel that the
synthesiser treats exactly like a colour channel; the colour stored under
transparent pixels is kept as found in the file.  TIFF associated
(premultiplied) alpha is converted to straight alpha.

Conversions on reading: palette images become RGB (RGBA when the palette has
transparency), bilevel images become gray, CMYK / YCbCr / Lab images become
RGB with Pillow's plain (non colour-managed) conversion, and a PNG ``tRNS``
colour key becomes an alpha channel.  Multi-frame files (multi-page TIFF,
animated GIF / PNG) give their first frame.  EXIF orientation is applied to
images read by Pillow (JPEG, 8-bit PNG...) and the orientation tag to TIFFs.
Float TIFFs are clipped to [0, 1] (NaN or infinite samples are refused) and count as 16-bit.  No colour
management: ICC profiles and gamma chunks are ignored, sample values are used
as stored.  Other formats Pillow reads (BMP, GIF, WebP...) are accepted too.

Backends, all maintained libraries: ``imagecodecs`` (libpng) decodes 16-bit
PNGs and encodes every PNG; ``tifffile``, with ``imagecodecs`` for its LZW,
zstd, PackBits and JPEG decoders, reads and writes TIFF at full bit depth
(fax-coded bilevel TIFFs go to Pillow when imagecodecs predates its CCITT
decoder); Pillow reads PNGs of 8 bits or fewer (as it always has here, EXIF
orientation included), JPEG and the other formats, and writes JPEG; ``pypng``
streams the rows of ``write_bands``'s PNGs.  TIFFs are written zlib-compressed.

imageio, the usual front end over these libraries, is bypassed, with one reason
per format.  PNG: its PNG reader and writer are Pillow's, which reads 16-bit
colour PNGs as 8-bit and cannot write them.  TIFF: the alpha and colour policy
needs the page's photometric, extra samples and colour map, and ``write_bands``
a TiffWriter to stream tiles into, which tifffile gives directly.  JPEG and the
other Pillow formats: its EXIF rotation mirrors the channel axis instead of the
width for palette images (orientations 2, 4, 5 and 7), and its import adds 40 to
80 ms for the same Pillow calls.
"""

from __future__ import annotations

import io
import logging
import os
import queue
import stat
import struct
import tempfile
import threading
import warnings
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Union

import numpy as np

from ..errors import ImageError

__all__ = [
    "ImageInfo",
    "SUPPORTED_EXTENSIONS",
    "read_image",
    "write_image",
    "check_output_path",
    "atomic_output",
    "atomic_write_bytes",
    "format_for_path",
]

PathLike = Union[str, os.PathLike]

#: Output file extensions (lower case) and the format written for each.
SUPPORTED_EXTENSIONS: dict[str, str] = {
    ".png": "PNG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
}

# zlib level of written PNGs: textures barely compress, and on a 1280x768 synthesis
# level 1 is 1.5 times faster than 6 and its file no larger.
PNG_LEVEL = 1
#: default largest image read, in pixels (refused above, before decoding; see read_image)
MAX_PIXELS = 4096 * 4096
#: largest file or stream read, in bytes
MAX_BYTES = 1 << 28
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_TIFF_SIGNATURES = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")


@dataclass(frozen=True)
class ImageInfo:
    """What was in the file, besides the pixels.

    bit_depth: 8 or 16 (bits per sample of the source; float TIFF counts as 16).
    channels: number of channels of the returned array (1, 2, 3 or 4).
    had_alpha: the source had an alpha channel (even if dropped as fully opaque).
    mode: human-readable colour model of the source, e.g. ``"gray"``,
        ``"gray+alpha"``, ``"rgb"``, ``"rgba"``, ``"palette"``, ``"cmyk"``.
    """

    bit_depth: int
    channels: int
    had_alpha: bool
    mode: str


# --------------------------------------------------------------------------- reading


def read_image(
    source: PathLike | bytes | bytearray | memoryview, *, label: str | None = None,
    max_pixels: int | None = MAX_PIXELS,
) -> tuple[np.ndarray, ImageInfo]:
    """Read an image file (path) or image bytes (e.g. stdin).

    Returns ``(image, info)``: ``image`` is float32 ``(H, W, C)`` in [0, 1] with
    C in {1, 2, 3, 4} (see the module docstring for the alpha policy).
    Raises ImageError with a one-line message naming ``label`` (default: the
    path, or ``<stdin>`` for bytes) on any problem, among them an image of more than
    ``max_pixels`` pixels (None: no limit), found from its header before decoding, and
    a file of more than MAX_BYTES.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = label or "<stdin>"
    else:
        label = label or str(source)
        data = _read_file_bytes(source, label)
    if not data:
        raise ImageError(f"{label}: empty file (0 bytes)")
    if len(data) > MAX_BYTES:
        raise ImageError(f"{label}: more than {MAX_BYTES >> 20} MiB, too large for an exemplar")
    size = _dimensions(data)
    if max_pixels is not None and size is not None and size[0] * size[1] > max_pixels:
        raise ImageError(f"{label}: {size[0]}x{size[1]} pixels is above the limit of "
                         f"{max_pixels / 1e6:.3g} megapixels; crop or downscale it (or raise "
                         f"the limit: texto fit --max-megapixels)")

    if data.startswith(_PNG_SIGNATURE) and _png_bit_depth(data) == 16:
        samples, alpha_index, mode = _read_png16(data, label)
    elif data.startswith(_TIFF_SIGNATURES):
        samples, alpha_index, mode = _read_tiff(data, label)
    else:
        samples, alpha_index, mode = _read_with_pillow(data, label)
    return _finish(samples, alpha_index, mode, label)


def read_stream(f: BinaryIO, label: str = "<stdin>") -> bytes:
    """The bytes of ``f`` (stdin, a device, a file), at most MAX_BYTES; ImageError beyond."""
    data = f.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageError(f"{label}: more than {MAX_BYTES >> 20} MiB, too large for an exemplar")
    return data


def _dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) from an image's header, without decoding it; None if unknown."""
    if data.startswith(_PNG_SIGNATURE) and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    try:
        if data.startswith(_TIFF_SIGNATURES):
            import tifffile

            with _quiet("tifffile"), tifffile.TiffFile(io.BytesIO(data)) as tif:
                page = tif.pages.first
                return int(page.imagewidth), int(page.imagelength)
        from PIL import Image

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DecompressionBombWarning: we judge the size
            with Image.open(io.BytesIO(data)) as im:
                return im.size
    except Exception:  # not an image, or a corrupt one: the decoder says which
        return None


def _read_file_bytes(path: PathLike, label: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return read_stream(f, label)
    except FileNotFoundError:
        raise ImageError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise ImageError(f"{label}: is a directory, not an image file") from None
    except PermissionError:
        raise ImageError(f"{label}: cannot read file (permission denied)") from None
    except OSError as e:
        raise ImageError(f"{label}: cannot read file ({e.strerror or e})") from None


def _kind(data: bytes) -> str:
    if data.startswith(_PNG_SIGNATURE):
        return "PNG"
    if data.startswith(_JPEG_SIGNATURE):
        return "JPEG"
    if data.startswith(_TIFF_SIGNATURES):
        return "TIFF"
    return ""


def _finish(
    samples: np.ndarray, alpha_index: int | None, mode: str, label: str
) -> tuple[np.ndarray, ImageInfo]:
    """Integer/float samples (H, W, C) -> float32 in [0, 1], alpha policy, info."""
    if samples.ndim == 2:
        samples = samples[:, :, None]
    if samples.ndim != 3 or samples.shape[2] not in (1, 2, 3, 4):
        raise ImageError(f"{label}: unsupported image layout {samples.shape}")
    if samples.shape[0] == 0 or samples.shape[1] == 0:
        raise ImageError(f"{label}: image has no pixels")
    dt = samples.dtype
    if dt == np.uint8:
        bit_depth, scale = 8, 1.0 / 255.0
    elif dt == np.uint16:
        bit_depth, scale = 16, 1.0 / 65535.0
    elif dt == np.bool_:
        bit_depth, scale = 8, 1.0
    elif dt.kind == "f":
        bit_depth, scale = 16, 1.0
    else:
        raise ImageError(f"{label}: unsupported sample type {dt} (use 8/16-bit or float)")

    had_alpha = alpha_index is not None
    if had_alpha:
        alpha = samples[:, :, alpha_index]
        if dt.kind == "f":
            opaque = bool(np.all(alpha >= 1.0))
        elif dt.kind == "u":
            opaque = bool(np.all(alpha == np.iinfo(dt).max))
        else:
            opaque = bool(np.all(alpha))
        if opaque:
            samples = np.delete(samples, alpha_index, axis=2)
    image = samples.astype(np.float32)
    if dt.kind == "f":
        if not np.isfinite(image).all():
            raise ImageError(f"{label}: the image has NaN or infinite samples")
        image = np.clip(image, 0.0, 1.0)
    elif scale != 1.0:
        image *= np.float32(scale)
    image = np.ascontiguousarray(image, dtype=np.float32)
    return image, ImageInfo(bit_depth, int(image.shape[2]), had_alpha, mode)


# ----------------------------------------------------------------- Pillow backend


def _read_with_pillow(data: bytes, label: str) -> tuple[np.ndarray, int | None, str]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    kind = _kind(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        if kind:
            raise ImageError(f"{label}: truncated or corrupt {kind} file") from None
        raise ImageError(f"{label}: not an image file (expected PNG, JPEG or TIFF)") from None
    except Image.DecompressionBombError:
        raise ImageError(f"{label}: image too large") from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error) as e:
        raise ImageError(f"{label}: truncated or corrupt {kind or 'image'} file ({e})") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            im.load()
            im = ImageOps.exif_transpose(im)
    except Image.DecompressionBombError:
        raise ImageError(f"{label}: image too large") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, zlib.error) as e:
        msg = str(e).split("\n")[0]
        raise ImageError(f"{label}: truncated or corrupt {kind or im.format or 'image'} file ({msg})") from None

    m = im.mode
    has_key = "transparency" in im.info
    if m == "1":
        return np.asarray(im.convert("L")), None, "bilevel"
    if m == "L":
        if has_key:
            return np.asarray(im.convert("LA")), 1, "gray+alpha"
        return np.asarray(im), None, "gray"
    if m in ("LA", "La"):
        return np.asarray(im.convert("LA")), 1, "gray+alpha"
    if m in ("P", "PA"):
        if m == "PA" or has_key:
            return np.asarray(im.convert("RGBA")), 3, "palette+alpha"
        return np.asarray(im.convert("RGB")), None, "palette"
    if m in ("RGB", "RGBX"):
        if has_key and m == "RGB":
            return np.asarray(im.convert("RGBA")), 3, "rgba"
        return np.asarray(im.convert("RGB")), None, "rgb"
    if m in ("RGBA", "RGBa"):
        return np.asarray(im.convert("RGBA")), 3, "rgba"
    if m in ("CMYK", "YCbCr", "LAB", "HSV"):
        return np.asarray(im.convert("RGB")), None, m.lower()
    if m.startswith("I;16"):
        return np.asarray(im).astype(np.uint16), None, "gray"
    if m == "I":
        a = np.asarray(im)
        if a.size and (a.min() < 0 or a.max() > 65535):
            raise ImageError(f"{label}: unsupported 32-bit integer samples")
        return a.astype(np.uint16), None, "gray"
    if m == "F":
        return np.asarray(im, dtype=np.float32), None, "gray"
    raise ImageError(f"{label}: unsupported colour mode {m!r}")


# ---------------------------------------------------------------- TIFF backend


def _read_tiff(data: bytes, label: str) -> tuple[np.ndarray, int | None, str]:
    import tifffile

    compression = 1
    try:
        with _quiet("tifffile"), tifffile.TiffFile(io.BytesIO(data)) as tif:
            page = tif.pages.first
            compression = int(page.compression)
            end = max((o + n for o, n in zip(page.dataoffsets, page.databytecounts)), default=0)
            if end > len(data):  # codecs may decode a cut strip without complaint (JPEG does)
                raise ImageError(f"{label}: truncated TIFF file ({end - len(data)} bytes of image data missing)")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                arr = page.asarray()
            photometric = int(page.photometric)
            extras = tuple(int(e) for e in page.extrasamples)
            axes = page.axes
            colormap = page.colormap if photometric == 3 else None
            orientation = page.tags.valueof(274, 1)
            if photometric == 6 and int(page.compression) == 7:
                photometric = 2  # YCbCr JPEG: the JPEG decoder returns RGB
    except ImageError:
        raise
    except Exception as e:  # tifffile and its codecs raise many types; decide below
        if isinstance(e, MemoryError):
            raise ImageError(f"{label}: image too large") from None
        if compression in _CCITT:  # fax-coded bilevel: imagecodecs decodes it from 2026.3 on, Pillow always
            return _read_with_pillow(data, label)
        text = str(e)
        raise ImageError(f"{label}: truncated or corrupt TIFF file ({text.splitlines()[0] if text else type(e).__name__})") from None

    # Bring to (H, W, S); drop singleton axes other than Y, X, S.
    if any(ax not in "YXS" and size != 1 for size, ax in zip(arr.shape, axes)) or not {"Y", "X"} <= set(axes):
        raise ImageError(f"{label}: unsupported TIFF layout (axes {axes!r})")
    arr = arr.reshape([size for size, ax in zip(arr.shape, axes) if ax in "YXS"])
    axes = "".join(ax for ax in axes if ax in "YXS")
    order = [axes.index(a) for a in "YX"] + ([axes.index("S")] if "S" in axes else [])
    arr = np.transpose(arr, order)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    arr = _orient(arr, orientation)
    if arr.dtype.kind not in "uf" and arr.dtype != np.bool_:
        raise ImageError(f"{label}: unsupported TIFF sample type {arr.dtype}")
    if arr.dtype.kind == "u" and arr.dtype.itemsize > 2:
        raise ImageError(f"{label}: unsupported 32-bit integer TIFF samples")
    if arr.dtype.kind == "f":
        arr = arr.astype(np.float32)

    n_color = {0: 1, 1: 1, 2: 3, 3: 1, 5: 4}.get(photometric)
    if n_color is None:
        raise ImageError(f"{label}: unsupported TIFF photometric interpretation {photometric}")
    if arr.shape[2] < n_color:
        raise ImageError(f"{label}: TIFF has {arr.shape[2]} samples for photometric {photometric}")
    color, rest = arr[:, :, :n_color], arr[:, :, n_color:]
    alpha = rest[:, :, :1] if rest.shape[2] else None  # first extra sample = alpha; others dropped

    if alpha is not None and extras and extras[0] == 1:  # associated alpha -> straight
        a = alpha.astype(np.float64)
        amax = float(np.iinfo(arr.dtype).max) if arr.dtype.kind == "u" else 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(a > 0, color.astype(np.float64) * amax / np.maximum(a, 1e-12), 0.0)
        color = _recast(np.clip(c, 0, amax), arr.dtype)

    mode = {0: "gray", 1: "gray", 2: "rgb", 3: "palette", 5: "cmyk"}[photometric]
    if arr.dtype == np.bool_:
        mode = "bilevel"
    if photometric == 0:  # min-is-white
        color = ~color if arr.dtype.kind == "u" or arr.dtype == np.bool_ else 1.0 - color
    elif photometric == 3:
        if colormap is None:
            raise ImageError(f"{label}: palette TIFF without a colour map")
        cmap = np.asarray(colormap).T  # (N, 3) uint16
        idx = np.clip(color[:, :, 0].astype(np.intp), 0, len(cmap) - 1)
        color = cmap[idx]
        if np.all(cmap % 257 == 0):  # libtiff convention: 8-bit value * 257
            color = (color // 257).astype(np.uint8)
        elif np.all(cmap % 256 == 0):  # Pillow convention: 8-bit value * 256
            color = (color >> 8).astype(np.uint8)
        if alpha is not None:
            alpha = _rescale_like(alpha, color.dtype)
    elif photometric == 5:
        f = color.astype(np.float64)
        f = f / (np.iinfo(arr.dtype).max if arr.dtype.kind == "u" else 1.0)
        rgb = (1.0 - f[:, :, :3]) * (1.0 - f[:, :, 3:4])
        color = _recast(rgb * (np.iinfo(arr.dtype).max if arr.dtype.kind == "u" else 1.0), arr.dtype)
    if color.dtype == np.bool_:
        color = color.astype(np.uint8) * np.uint8(255)
        if alpha is not None:
            alpha = alpha.astype(np.uint8) * np.uint8(255)
    if alpha is None:
        return np.ascontiguousarray(color), None, mode
    alpha = alpha.astype(color.dtype) if alpha.dtype == color.dtype else _rescale_like(alpha, color.dtype)
    return np.concatenate([color, alpha], axis=2), color.shape[2], mode + "+alpha" if mode != "rgb" else "rgba"


_CCITT = (2, 3, 4, 32771)  # TIFF compressions: CCITT RLE, Group 3, Group 4, RLE-W


def _orient(a: np.ndarray, orientation: int) -> np.ndarray:
    """(H, W, S) as displayed under TIFF/EXIF ``orientation`` 1..8 (as ImageOps.exif_transpose)."""
    if orientation in (5, 6, 7, 8):
        a = a.transpose(1, 0, 2)  # 5 is the transpose; 6, 7, 8 add one flip to it
    if orientation in (2, 3, 6, 7):
        a = a[:, ::-1]
    if orientation in (3, 4, 7, 8):
        a = a[::-1]
    return a


@contextmanager
def _quiet(logger: str) -> Iterator[None]:
    """Drop the warnings a library logs (libpng via imagecodecs...): its errors are raised."""
    log = logging.getLogger(logger)
    drop = logging.Filter("-")  # passes no record: no logger is named "-"
    log.addFilter(drop)
    try:
        yield
    finally:
        log.removeFilter(drop)


def _recast(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return np.rint(x).astype(dtype) if np.dtype(dtype).kind == "u" else x.astype(dtype)


def _rescale_like(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Rescale samples ``a`` to the full range of ``dtype``."""
    src = 1.0 if a.dtype.kind == "f" or a.dtype == np.bool_ else float(np.iinfo(a.dtype).max)
    dst = 1.0 if np.dtype(dtype).kind == "f" else float(np.iinfo(dtype).max)
    return _recast(a.astype(np.float64) * (dst / src), dtype)


# ------------------------------------------------------------------ PNG (imagecodecs)

_PNG_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> samples per pixel


def _png_bit_depth(data: bytes) -> int:
    if len(data) >= 29 and data[12:16] == b"IHDR":
        return data[24]
    return 0


def _read_png16(data: bytes, label: str) -> tuple[np.ndarray, int | None, str]:
    """Decode a 16-bit PNG with libpng (imagecodecs): any colour type, filter, Adam7, tRNS."""
    import imagecodecs

    width, height, _, colour = struct.unpack(">IIBB", data[16:26])
    if colour not in _PNG_CHANNELS:
        raise ImageError(f"{label}: corrupt PNG file (invalid colour type {colour} for 16 bits)")
    if width == 0 or height == 0:
        raise ImageError(f"{label}: image has no pixels")
    if width * height > 2**28:
        raise ImageError(f"{label}: image too large")
    try:
        with _quiet("imagecodecs"):
            out = imagecodecs.png_decode(data)
    except MemoryError:
        raise ImageError(f"{label}: image too large") from None
    except Exception as e:  # PngError, or ValueError / UnicodeDecodeError on garbage
        text = str(e).splitlines()[0] if str(e) else type(e).__name__
        if "stream too small" in text:  # imagecodecs' words for "the data ends early"
            raise ImageError(f"{label}: truncated PNG file (image data ends early)") from None
        raise ImageError(f"{label}: truncated or corrupt PNG file ({text})") from None
    channels = _PNG_CHANNELS[colour]
    alpha_index = {4: 1, 6: 3}.get(colour)
    mode = {0: "gray", 2: "rgb", 4: "gray+alpha", 6: "rgba"}[colour]
    if (out.shape[2] if out.ndim == 3 else 1) > channels:  # a tRNS colour key became alpha
        alpha_index, mode = channels, "gray+alpha" if colour == 0 else "rgba"
    return out, alpha_index, mode


def _encode_png(arr: np.ndarray) -> bytes:
    """Encode uint8 or uint16 (H, W, C), C in 1..4, as a PNG file (bytes)."""
    import imagecodecs

    return imagecodecs.png_encode(np.ascontiguousarray(arr), level=PNG_LEVEL)


# --------------------------------------------------------------------------- writing


def format_for_path(path: PathLike) -> str:
    """``"PNG"``, ``"TIFF"`` or ``"JPEG"`` from the extension; ImageError otherwise."""
    ext = Path(path).suffix.lower()
    try:
        return SUPPORTED_EXTENSIONS[ext]
    except KeyError:
        names = ", ".join(SUPPORTED_EXTENSIONS)
        what = f"extension {ext!r}" if ext else "no extension"
        raise ImageError(f"{path}: unsupported output format ({what}); use one of {names}") from None


def check_output_path(path: PathLike) -> None:
    """Validate an output image path before any work is done.

    Checks the extension (see SUPPORTED_EXTENSIONS), that ``path`` is not a
    directory, and that its directory exists and is writable.  Raises ImageError.
    """
    format_for_path(path)
    check_writable_target(path)


def check_writable_target(path: PathLike) -> None:
    """ImageError unless ``path`` could be created or replaced (not a folder, in a writable one)."""
    p = Path(path)
    if p.is_dir():
        raise ImageError(f"{path}: is a directory")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise ImageError(f"{path}: directory {str(parent)!r} does not exist")
    if not parent.is_dir():
        raise ImageError(f"{path}: {str(parent)!r} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ImageError(f"{path}: directory {str(parent)!r} is not writable")


def _default_file_mode(existing: Path) -> int:
    try:
        return stat.S_IMODE(existing.stat().st_mode)
    except OSError:
        mask = os.umask(0o022)
        os.umask(mask)
        return 0o666 & ~mask


@contextmanager
def atomic_output(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` on success.

    The temporary file (hidden, same directory, so ``os.replace`` is atomic) is
    removed if the block raises (including KeyboardInterrupt); an existing file
    at ``path`` is then left untouched.  The final file gets the permissions of
    the file it replaces, or the usual ``0o666 & ~umask``.
    """
    target = Path(path)
    check_writable_target(target)
    parent = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as e:
        raise ImageError(f"{path}: cannot create file ({e.strerror or e})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, _default_file_mode(target))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see atomic_output)."""
    with atomic_output(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


def _quantise(image: np.ndarray, bit_depth: int) -> np.ndarray:
    """float (H, W[, C]) in [0, 1] -> uint8/uint16 (H, W, C), clipped and rounded."""
    if bit_depth not in (8, 16):
        raise ImageError(f"bit depth must be 8 or 16, not {bit_depth}")
    a = np.asarray(image)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 2, 3, 4) or a.shape[0] == 0 or a.shape[1] == 0:
        raise ImageError(f"cannot write an image of shape {np.shape(image)}; expected (H, W, C) with C in 1..4")
    if a.dtype.kind not in "fiub":
        raise ImageError(f"cannot write image samples of type {a.dtype}")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise ImageError("cannot write an image with NaN or infinite values")
    top = 255 if bit_depth == 8 else 65535
    q = np.rint(np.clip(a.astype(np.float32), 0.0, 1.0) * np.float32(top))
    return q.astype(np.uint8 if bit_depth == 8 else np.uint16)


def write_image(dest: PathLike | BinaryIO, image: np.ndarray, bit_depth: int = 8) -> None:
    """Write float ``image`` (H, W, C) or (H, W), values in [0, 1], C in 1..4.

    ``dest`` is a path (format from the extension: .png, .tif/.tiff, .jpg/.jpeg;
    written atomically, see atomic_output) or a binary file object (PNG is
    written, e.g. to ``sys.stdout.buffer``).  ``bit_depth`` is 8 or 16; JPEG is
    always 8-bit and cannot hold alpha, so 16-bit becomes 8-bit and an alpha
    channel is dropped for JPEG.  Values are clipped to [0, 1] and rounded.
    Raises ImageError.
    """
    if not isinstance(dest, (str, os.PathLike)):
        _write_all(dest, _encode_png(_quantise(image, bit_depth)))
        if hasattr(dest, "flush"):
            dest.flush()
        return

    fmt = format_for_path(dest)
    if fmt == "JPEG":
        bit_depth = 8
    arr = _quantise(image, bit_depth)
    if fmt == "JPEG" and arr.shape[2] in (2, 4):
        arr = arr[:, :, :-1]
    with atomic_output(dest) as tmp:
        try:
            _encode_to(tmp, arr, fmt)
        except ImageError:
            raise
        except OSError as e:
            raise ImageError(f"{dest}: cannot write file ({e.strerror or e})") from None


def _write_all(f: BinaryIO, data: bytes) -> None:
    """Write all of ``data``: an unbuffered stream (stdout under PYTHONUNBUFFERED) may take
    part of it per call. A closed pipe raises BrokenPipeError."""
    view = memoryview(data)
    while view:
        n = f.write(view)
        if n is None:  # a non-blocking stream that would block
            raise ImageError("the output stream does not accept data")
        view = view[n:]


def _encode_to(path: Path, arr: np.ndarray, fmt: str) -> None:
    c = arr.shape[2]
    if fmt == "PNG":
        path.write_bytes(_encode_png(arr))
    elif fmt == "JPEG":
        from PIL import Image

        im = Image.fromarray(arr[:, :, 0] if c == 1 else arr)
        im.save(path, format="JPEG", quality=95, subsampling=0)
    else:
        import tifffile

        kwargs: dict = {"photometric": "minisblack" if c <= 2 else "rgb", "planarconfig": "contig"}
        if c in (2, 4):
            kwargs["extrasamples"] = ["unassalpha"]
        tifffile.imwrite(
            path, arr[:, :, 0] if c == 1 else arr, compression="zlib", predictor=True, **kwargs
        )


# --------------------------------------------------------------------------- streaming


def write_bands(dest: PathLike, bands: Iterator[np.ndarray], width: int, height: int, channels: int,
                bit_depth: int = 8, band_height: int = 1024) -> None:
    """Write an image given as horizontal bands, holding one band at a time.

    bands: float (h, width, C) arrays in [0, 1], top to bottom, every band
    ``band_height`` rows but the last; together ``height`` rows. PNG is streamed
    row block by row block; TIFF is written as zlib-compressed tiles of
    band_height x band_height (a multiple of 16). JPEG cannot be streamed:
    ImageError. Written atomically like ``write_image``.
    """
    write_split_bands([dest], ([band] for band in bands), width, height, [channels],
                      [bit_depth], band_height)


def write_split_bands(dests: list[PathLike], bands: Iterator[list[np.ndarray]], width: int,
                      height: int, channels: list[int], bit_depths: list[int],
                      band_height: int = 1024) -> None:
    """Write several images given together as horizontal bands, as ``write_bands`` does:
    each item of ``bands`` is a list of one band per image, ``dests[i]`` getting the i-th
    (``channels[i]``, ``bit_depths[i]``). One writer thread per file (compression runs in
    parallel), each holding at most one band. All the files are written or none."""
    for dest in dests:
        fmt = format_for_path(dest)
        if fmt == "JPEG":
            raise ImageError(f"{dest}: JPEG output cannot be written in bands; use .png or .tif")
        if fmt == "TIFF" and band_height % 16:
            raise ImageError("TIFF bands must be a multiple of 16 rows high")
    with ExitStack() as stack:  # every file is moved into place after the last is written
        tmps = [stack.enter_context(atomic_output(dest)) for dest in dests]
        if len(dests) == 1:
            _write_bands(dests[0], tmps[0], (parts[0] for parts in bands), width, height,
                         channels[0], bit_depths[0], band_height)
            return
        errors: list[BaseException] = []
        queues = [queue.Queue(maxsize=1) for _ in dests]

        def work(i: int) -> None:
            done = False

            def feed() -> Iterator[np.ndarray]:
                nonlocal done
                while (item := queues[i].get()) is not None:
                    yield item
                done = True

            try:
                _write_bands(dests[i], tmps[i], feed(), width, height, channels[i],
                             bit_depths[i], band_height)
            except BaseException as e:  # noqa: BLE001 - raised again in the caller's thread
                errors.append(e)
                while not done and queues[i].get() is not None:  # never block the producer
                    pass

        threads = [threading.Thread(target=work, args=(i,), daemon=True)
                   for i in range(len(dests))]
        for t in threads:
            t.start()
        try:
            for parts in bands:
                if errors:
                    break
                for q, part in zip(queues, parts):
                    q.put(part)
        finally:
            for q in queues:  # the end of every file (a writer cut short raises on its rows)
                q.put(None)
            for t in threads:
                t.join()
        if errors:
            raise errors[0]


def _write_bands(dest: PathLike, tmp: Path, bands: Iterator[np.ndarray], width: int, height: int,
                 channels: int, bit_depth: int, band_height: int) -> None:
    try:
        with open(tmp, "wb") as f:
            if format_for_path(dest) == "PNG":
                _stream_png(f, bands, width, height, channels, bit_depth)
            else:
                _stream_tiff(f, bands, width, height, channels, bit_depth, band_height)
    except OSError as e:
        raise ImageError(f"{dest}: cannot write file ({e.strerror or e})") from None


_STREAM_ROWS = 64  # rows quantised at a time: bounds the temporaries of a wide band


def _stream_png(f: BinaryIO, bands: Iterator[np.ndarray], width: int, height: int, channels: int,
                bit_depth: int) -> None:
    import png

    def rows() -> Iterator[np.ndarray]:
        count = 0
        for band in bands:
            for start in range(0, len(band), _STREAM_ROWS):
                q = _quantise(band[start:start + _STREAM_ROWS], bit_depth)
                if q.shape[1:] != (width, channels):
                    raise ImageError(f"band of shape {band.shape} does not fit a {width}x{height} image")
                count += q.shape[0]
                if count > height:
                    continue  # count them all for the message below
                big = q.astype(">u2" if bit_depth == 16 else np.uint8)  # PNG samples are big-endian
                yield from np.ascontiguousarray(big).view(np.uint8).reshape(q.shape[0], -1)
        if count != height:
            raise ImageError(f"got {count} rows for an image {height} rows high")

    writer = png.Writer(width, height, greyscale=channels <= 2, alpha=channels in (2, 4),
                        bitdepth=bit_depth, compression=PNG_LEVEL)
    try:
        writer.write_packed(f, rows())
    except png.Error as e:
        raise ImageError(f"cannot write a {width}x{height} PNG ({e})") from None


def _stream_tiff(f: BinaryIO, bands: Iterator[np.ndarray], width: int, height: int, channels: int,
                 bit_depth: int, tile: int) -> None:
    import tifffile

    dtype = np.uint8 if bit_depth == 8 else np.uint16

    def tiles():
        for band in bands:
            for c in range(0, width, tile):
                t = _quantise(band[:, c:c + tile], bit_depth)
                yield t[:, :, 0] if channels == 1 else t

    shape = (height, width) if channels == 1 else (height, width, channels)
    kwargs: dict = {"photometric": "minisblack" if channels <= 2 else "rgb", "planarconfig": "contig"}
    if channels in (2, 4):
        kwargs["extrasamples"] = ["unassalpha"]
    with tifffile.TiffWriter(f, bigtiff=height * width * channels * bit_depth // 8 > 2 ** 31) as tw:
        tw.write(tiles(), shape=shape, dtype=dtype, tile=(tile, tile), compression="zlib", **kwargs)
