"""Compile and cache texto's kernels before the first real run: ``python -m texto_cli.warmup``.

``make install`` runs it, so that the first ``texto fit`` or ``texto synthesize`` of a fresh
install does not wait 15 to 20 s for numba to compile. It fits small models of a random
exemplar with both presets and synthesises from them in memory, by tiles and tileable,
which compiles every kernel those commands use into the per-user cache
(``texto_cli.NUMBA_CACHE``). Nothing is written but the cache.
"""

from __future__ import annotations

import sys
import time


def warm_up() -> float:
    """Run every kernel once on small data; returns the seconds it took."""
    import numpy as np

    from .api import fit
    from .texture.tiling import synthesize_bands

    t0 = time.perf_counter()
    exemplar = np.random.default_rng(0).random((128, 128, 3), dtype=np.float32)
    for preset in ("default", "fast"):
        model = fit(exemplar, preset=preset, iters=2000, targets=(64, 64, 64, 64))
        model.synthesize((64, 64), seed=0)
        model.synthesize((64, 64), seed=0, tileable=True)
        for _ in synthesize_bands(model, (64, 64), seed=0, tile=32):
            pass
    return time.perf_counter() - t0


def main() -> int:
    seconds = warm_up()
    print(f"texto: kernels compiled and cached in {seconds:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
