"""``python -m texto_cli.warmup`` (run by ``make install``) leaves texto nothing to compile."""

import json
import os
import subprocess
import sys

# In a fresh process on the warmed cache: fit with both presets, synthesise in memory, by
# tiles and tileable; print the numba cache misses of every kernel.
USE_EVERYTHING = """
import io, json, sys
import numpy as np
import texto_cli
from texto_cli.image import filters, io as image_io, patch_kernels
from texto_cli.ot import descent
from texto_cli.texture.model import Model
from texto_cli.texture.tiling import synthesize_bands

model = Model.load(sys.argv[1])
model.synthesize((48, 40), seed=1)
model.synthesize((48, 40), seed=1, tileable=True)
list(synthesize_bands(model, (48, 40), seed=1, tile=16))
exemplar = np.random.default_rng(1).random((112, 112, 3), dtype=np.float32)
for preset in ("default", "fast"):
    texto_cli.fit(exemplar, preset=preset, iters=500, targets=(40, 40, 40, 40))
png = io.BytesIO()
image_io.write_image(png, exemplar[:8, :8], bit_depth=16)
image_io.read_image(png.getvalue())
dispatchers = [getattr(m, n) for m in (descent, filters, patch_kernels) for n in dir(m)]
print(json.dumps({d.py_func.__name__: sum(d.stats.cache_misses.values())
                  for d in dispatchers if hasattr(d, "stats")}))
"""


def test_warm_up_compiles_every_kernel_texto_uses(small_model_file, tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    warm = subprocess.run([sys.executable, "-m", "texto_cli.warmup"], env=env,
                          capture_output=True, text=True)
    assert warm.returncode == 0 and "kernels compiled and cached" in warm.stderr, warm.stderr
    used = subprocess.run([sys.executable, "-c", USE_EVERYTHING, str(small_model_file)], env=env,
                          capture_output=True, text=True)
    assert used.returncode == 0, used.stderr
    misses = json.loads(used.stdout.strip().splitlines()[-1])
    assert "assign_image_patches" in misses and "halve" in misses and "asgd_train" in misses
    assert not any(misses.values()), {k: v for k, v in misses.items() if v}
