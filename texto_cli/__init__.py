"""texto: exemplar-based texture synthesis by multi-layer semi-discrete optimal transport.

    import texto_cli
    model = texto_cli.fit("wall.png")
    model.save("wall.npz")
    image = texto_cli.Model.load("wall.npz").synthesize((1280, 768), seed=1)
"""

from __future__ import annotations

import os
from pathlib import Path

__version__ = "0.1.0"

# Compiled numba kernels are cached per user, outside the install, so that they
# survive reinstalls and work from read-only installs. Set before numba is imported.
NUMBA_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "texto" / "numba"
os.environ.setdefault("NUMBA_CACHE_DIR", str(NUMBA_CACHE))


def kernels_cached() -> bool:
    """True if the numba cache holds compiled kernels of this texto (no compile wait)."""
    root = Path(os.environ["NUMBA_CACHE_DIR"])
    return any(root.glob("**/patch_kernels.*.nbi"))


def __getattr__(name: str):
    # Lazy: `import texto_cli` stays cheap for the command line.
    if name in ("fit", "describe"):
        from . import api

        return getattr(api, name)
    if name in ("Model", "load"):
        from .texture import model

        return getattr(model, name)
    raise AttributeError(name)


__all__ = ["fit", "Model", "load", "describe", "__version__"]
