"""Regenerate every exemplar in sample_textures/ (deterministic).

    python sample_textures/make_samples.py [--out DIR] [--only NAME ...]

Sources (see LICENSES.md):
* brick, grass, gravel, deep_field: images shipped in scikit-image's
  ``skimage/data`` (CC0 / public domain), cropped and resized to 256x256.
* cobbles, marble, fabric: procedural colour textures generated below from a
  fixed seed (numpy + scikit-image only).

All outputs are 256x256 8-bit PNG, but the cobbles' material set (cobbles_material/:
albedo.png, normal.png, height.png, 16-bit), made with the cobbles.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import imageio.v3 as iio
import numpy as np
from skimage import data, transform

SIZE = 256
HERE = Path(__file__).resolve().parent


# ----------------------------------------------------------------------------- utils


def save_png(path: Path, img: np.ndarray) -> None:
    """float image in [0, 1] (H, W) or (H, W, 3) -> 8-bit PNG."""
    q = np.clip(np.rint(np.asarray(img, dtype=np.float64) * 255.0), 0, 255).astype(np.uint8)
    iio.imwrite(path, q, extension=".png")


def resize(img: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return transform.resize(img, shape, order=3, anti_aliasing=True, mode="reflect")


def spectral_noise(rng: np.random.Generator, n: int, beta: float, kmin: float = 1.0, aniso=(1.0, 1.0)) -> np.ndarray:
    """Periodic Gaussian noise (n, n) with power spectrum ~ 1/|k|^beta, zero mean, unit std.

    ``aniso`` stretches frequencies along (y, x); ``kmin`` cuts frequencies below it.
    """
    ky = np.fft.fftfreq(n)[:, None] * n * aniso[0]
    kx = np.fft.fftfreq(n)[None, :] * n * aniso[1]
    k = np.sqrt(kx**2 + ky**2)
    amp = np.where(k >= kmin, np.maximum(k, 1e-9) ** (-beta / 2.0), 0.0)
    f = np.fft.ifft2(amp * np.fft.fft2(rng.standard_normal((n, n)))).real
    return (f - f.mean()) / f.std()


def band_noise(rng: np.random.Generator, n: int, k0: float, k1: float) -> np.ndarray:
    """Periodic Gaussian noise (n, n) with a flat spectrum on k0 <= |k| < k1 (cycles per image), unit std."""
    ky = np.fft.fftfreq(n)[:, None] * n
    kx = np.fft.fftfreq(n)[None, :] * n
    k = np.sqrt(kx**2 + ky**2)
    f = np.fft.ifft2(((k >= k0) & (k < k1)) * np.fft.fft2(rng.standard_normal((n, n)))).real
    return (f - f.mean()) / f.std()


def fbm(rng: np.random.Generator, n: int, k0: float, octaves: int, gain: float = 0.5, turbulence: bool = False) -> np.ndarray:
    """Sum of octaves of band noise (octave o: band [k0 2^o, k0 2^(o+1)), weight gain^o).

    ``turbulence=True`` sums absolute values (creased, Perlin's turbulence).
    """
    total = np.zeros((n, n))
    for o in range(octaves):
        b = band_noise(rng, n, k0 * 2**o, k0 * 2 ** (o + 1))
        total += (np.abs(b) if turbulence else b) * gain**o
    return total


def smoothstep(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def colormap(x: np.ndarray, stops: list[tuple[float, tuple[float, float, float]]]) -> np.ndarray:
    """Piecewise-linear colour map: x (H, W) in [0, 1] -> (H, W, 3)."""
    pos = np.array([s[0] for s in stops])
    cols = np.array([s[1] for s in stops], dtype=np.float64)
    return np.stack([np.interp(x, pos, cols[:, c]) for c in range(3)], axis=-1)


def shade(height: np.ndarray, light=(-0.6, -0.5, 0.62), strength: float = 1.0) -> np.ndarray:
    """Lambertian shading of a periodic height map (pixels), normalised to mean 1."""
    gy = (np.roll(height, -1, 0) - np.roll(height, 1, 0)) * 0.5 * strength
    gx = (np.roll(height, -1, 1) - np.roll(height, 1, 1)) * 0.5 * strength
    n = np.stack([-gx, -gy, np.ones_like(height)], axis=-1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    lv = np.asarray(light) / np.linalg.norm(light)
    lam = np.clip(n @ lv, 0.0, None)
    return lam / lv[2]


# -------------------------------------------------------------------- from skimage


def make_brick() -> np.ndarray:
    """Brick wall (CC0Textures Bricks25 via scikit-image), courses made horizontal.

    Downsized 512 -> 384 (anti-aliased), centre 256 crop: about 3.5 bricks
    across, little perspective left.
    """
    b = np.rot90(data.brick() / 255.0)
    b = resize(b, (384, 384))
    return b[64:320, 64:320]


def make_grass() -> np.ndarray:
    """Grass (CC0, via scikit-image), downsized 512 -> 256."""
    return resize(data.grass() / 255.0, (SIZE, SIZE))


def make_gravel() -> np.ndarray:
    """Gravel (CC0Textures Gravel04 via scikit-image), downsized 512 -> 256."""
    return resize(data.gravel() / 255.0, (SIZE, SIZE))


def make_deep_field() -> np.ndarray:
    """Hubble eXtreme Deep Field (NASA, public domain): a 512 crop downsized to 256."""
    h = data.hubble_deep_field() / 255.0
    return resize(h[180:692, 250:762], (SIZE, SIZE))


# --------------------------------------------------------------------- procedural


def _voronoi(points: np.ndarray, n: int, warp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Periodic Voronoi on an n x n torus of warped pixel coordinates.

    Returns (label (n, n), F1, F2): nearest seed index and the two smallest distances.
    """
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64)
    yy = yy + warp[0]
    xx = xx + warp[1]
    d = np.empty((len(points), n, n))
    for i, (py, px) in enumerate(points):
        dy = np.abs(yy - py) % n
        dx = np.abs(xx - px) % n
        dy = np.minimum(dy, n - dy)
        dx = np.minimum(dx, n - dx)
        d[i] = np.hypot(dy, dx)
    order = np.argpartition(d, 1, axis=0)
    label = order[0]
    f = np.take_along_axis(d, order[:2], axis=0)
    return label, f[0], f[1]


def make_cobbles(seed: int = 11) -> np.ndarray:
    """Cobblestone pavement: rounded stones of varied hue set in sandy grout, lit from the top-left."""
    return cobbles_maps(seed)["image"]


def cobbles_maps(seed: int = 11) -> dict[str, np.ndarray]:
    """The cobbles and their material maps, SIZE x SIZE: "image" (the shaded picture of
    ``make_cobbles``), "albedo" (the stones' and grout's colour, unshaded), "height" (in
    [0, 1]) and "normal" (of the height as rendered, OpenGL convention: x right, y up,
    encoded (n + 1) / 2)."""
    rng = np.random.default_rng(seed)
    ss = 2  # render at twice the size, then downsize (anti-aliasing)
    n = SIZE * ss
    cells = 8
    g = (np.arange(cells) + 0.5) * n / cells
    pts = np.stack(np.meshgrid(g, g, indexing="ij"), -1).reshape(-1, 2)
    pts = pts + rng.uniform(-0.35, 0.35, pts.shape) * n / cells
    warp = np.stack([spectral_noise(rng, n, 3.0, kmin=3.0), spectral_noise(rng, n, 3.0, kmin=3.0)]) * 2.5 * ss
    label, f1, f2 = _voronoi(pts, n, warp)
    edge = (f2 - f1) * 0.5 / ss  # ~ distance to the cell border, in output pixels

    grout_w = 1.6 + 0.6 * spectral_noise(rng, n, 2.0, kmin=2.0)
    inner = edge - grout_w
    dome = smoothstep(0.0, 8.0, inner)  # 0 at the stone's rim, 1 in its middle
    bumps = spectral_noise(rng, n, 2.4, kmin=4.0)
    grain = spectral_noise(rng, n, 1.0, kmin=30.0 * ss)
    height = ss * (5.0 * np.sqrt(dome) + 0.7 * bumps * dome + 0.08 * grain)

    palette = np.array(
        [
            [0.56, 0.54, 0.51],
            [0.63, 0.57, 0.49],
            [0.48, 0.47, 0.47],
            [0.59, 0.50, 0.42],
            [0.50, 0.51, 0.53],
            [0.67, 0.64, 0.59],
            [0.45, 0.41, 0.37],
        ]
    )
    tint = palette[rng.integers(0, len(palette), len(pts))] * rng.uniform(0.85, 1.12, (len(pts), 1))
    mottle = spectral_noise(rng, n, 2.0, kmin=3.0)
    stone = tint[label] * (1.0 + 0.08 * mottle[..., None] + 0.05 * grain[..., None])
    sand = np.array([0.38, 0.34, 0.29]) * (1.0 + 0.25 * grain[..., None] + 0.1 * mottle[..., None])
    inside = smoothstep(-0.4, 0.8, inner)[..., None]
    albedo = inside * stone + (1.0 - inside) * sand
    light = shade(height, strength=0.5)[..., None]
    ao = (0.5 + 0.5 * smoothstep(-1.0, 3.0, inner))[..., None]  # grout sits in shadow
    img = albedo * (0.4 + 0.6 * light) * ao * 1.1
    small_height = resize(height, (SIZE, SIZE)) / ss  # output pixels
    gy = (np.roll(small_height, -1, 0) - np.roll(small_height, 1, 0)) * 0.5
    gx = (np.roll(small_height, -1, 1) - np.roll(small_height, 1, 1)) * 0.5
    normal = np.stack([-gx, gy, np.ones_like(small_height)], axis=-1)  # rows go down: y up is -row
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    lo, hi = small_height.min(), small_height.max()
    return {"image": np.clip(resize(img, (SIZE, SIZE)), 0.0, 1.0),
            "albedo": np.clip(resize(albedo, (SIZE, SIZE)), 0.0, 1.0),
            "height": (small_height - lo) / (hi - lo),
            "normal": (normal + 1) / 2}


def write_cobbles_material(out: Path) -> list[Path]:
    """albedo.png, normal.png (8-bit) and height.png (16-bit) in ``out``/cobbles_material:
    the material set of the cobbles sample."""
    maps = cobbles_maps()
    paths = []
    (out / "cobbles_material").mkdir(exist_ok=True)
    for name in ("albedo", "normal", "height"):
        path = out / "cobbles_material" / f"{name}.png"
        if name == "height":
            q = np.rint(np.clip(maps[name], 0, 1) * 65535).astype(np.uint16)
            iio.imwrite(path, q, extension=".png")
        else:
            save_png(path, maps[name])
        paths.append(path)
    return paths


def make_marble(seed: int = 5) -> np.ndarray:
    """Veined marble: warm white stone, grey-green veins at several scales, turbulence-warped."""
    rng = np.random.default_rng(seed)
    n = SIZE
    yy, xx = np.mgrid[0:n, 0:n] / n

    def unit(f: np.ndarray) -> np.ndarray:
        return (f - f.mean()) / f.std()

    turb = unit(fbm(rng, n, 1.0, 6, 0.6, turbulence=True))
    warp = unit(fbm(rng, n, 1.0, 4, 0.5))
    # main veins where sin(phase) ~ 0: diagonal bands bent by turbulence
    phase = 2.0 * np.pi * (1.0 * xx + 2.0 * yy) + 0.9 * turb + 0.9 * warp
    main = 1.0 - smoothstep(0.0, 0.16, np.abs(np.sin(phase)))
    # secondary thin veins: the meandering zero set of a rough field
    thin = 1.0 - smoothstep(0.0, 0.06, np.abs(unit(fbm(rng, n, 1.5, 6, 0.62))))
    thin *= 0.5 + 0.5 * smoothstep(-0.5, 1.0, unit(fbm(rng, n, 1.0, 3)))  # veins fade in and out
    cloud = unit(fbm(rng, n, 1.0, 5, 0.55))
    halo = 1.0 - smoothstep(0.0, 0.6, np.abs(np.sin(phase)))  # soft grey around main veins
    x = 0.78 + 0.07 * cloud - 0.18 * halo - 0.45 * main - 0.3 * thin
    img = colormap(
        np.clip(x, 0.0, 1.0),
        [
            (0.00, (0.20, 0.24, 0.23)),
            (0.30, (0.38, 0.43, 0.41)),
            (0.55, (0.64, 0.65, 0.61)),
            (0.75, (0.86, 0.84, 0.79)),
            (1.00, (0.97, 0.95, 0.91)),
        ],
    )
    speck = band_noise(rng, n, 40.0, 128.0)
    img = img * (1.0 + 0.02 * speck[..., None])
    return np.clip(img, 0.0, 1.0)


def make_fabric(seed: int = 3) -> np.ndarray:
    """2/1 twill weave (denim-like): twisted indigo warp floats over off-white weft, slubs, stonewash."""
    rng = np.random.default_rng(seed)
    ss = 2  # render at twice the size, then downsize: anti-aliased thread edges
    n = SIZE * ss
    pitch = 8 * ss  # pixels per thread
    threads = n // pitch
    yy, xx = np.mgrid[0:n, 0:n].astype(np.float64)
    u = (xx + 0.8 * ss * spectral_noise(rng, n, 3.0, kmin=2.0)) / pitch  # warp threads: vertical, index by x
    v = (yy + 0.8 * ss * spectral_noise(rng, n, 3.0, kmin=2.0)) / pitch  # weft threads: horizontal, index by y
    iu, iv = np.floor(u).astype(int) % threads, np.floor(v).astype(int) % threads
    fu, fv = u - np.floor(u), v - np.floor(v)
    k = (iv - iu) % 3  # 2/1 twill: warp over weft rows k = 0, 1, under k = 2
    warp_top = k < 2
    t = np.where(warp_top, (k + fv) / 2.0, fu)  # position along the visible float, in [0, 1)
    along = np.sin(np.pi * t) ** 0.45
    across = np.where(warp_top, np.sin(np.pi * fu), np.sin(np.pi * fv)) ** 0.55
    # yarn twist: slanted stripes inside each thread
    twist = np.where(warp_top, np.sin(2 * np.pi * (2.0 * fu + 2.5 * v)), np.sin(2 * np.pi * (2.0 * fv - 2.5 * u)))
    slub_w = 1.0 + 0.10 * spectral_noise(rng, n, 1.2, kmin=4.0, aniso=(1.0, 8.0))  # along y
    slub_f = 1.0 + 0.08 * spectral_noise(rng, n, 1.2, kmin=4.0, aniso=(8.0, 1.0))  # along x
    warp_tone = rng.uniform(0.8, 1.2, threads)[iu] * slub_w
    weft_tone = rng.uniform(0.92, 1.05, threads)[iv] * slub_f
    indigo = np.array([0.17, 0.27, 0.50])
    white = np.array([0.60, 0.59, 0.55])
    col = np.where(warp_top[..., None], indigo * warp_tone[..., None], white * weft_tone[..., None])
    light = (0.35 + 0.65 * along * across) * (1.0 + 0.08 * twist)
    fuzz = 1.0 + 0.05 * spectral_noise(rng, n, 0.3, kmin=40.0 * ss)
    wash = 1.0 + 0.12 * fbm(rng, n, 1.0, 4, 0.5) / 1.3  # stonewash blotches
    img = col * (light * fuzz * wash)[..., None] * 1.15
    return np.clip(resize(img, (SIZE, SIZE)), 0.0, 1.0)


GENERATORS = {
    "brick": make_brick,
    "grass": make_grass,
    "gravel": make_gravel,
    "deep_field": make_deep_field,
    "cobbles": make_cobbles,
    "marble": make_marble,
    "fabric": make_fabric,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output directory (default: this folder)")
    ap.add_argument("--only", nargs="*", choices=sorted(GENERATORS), help="regenerate only these")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or GENERATORS:
        img = GENERATORS[name]()
        assert img.shape[:2] == (SIZE, SIZE), (name, img.shape)
        path = args.out / f"{name}.png"
        save_png(path, img)
        print(f"{path}  {path.stat().st_size // 1024} KB")
    if not args.only or "cobbles" in args.only:
        for path in write_cobbles_material(args.out):
            print(f"{path}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
