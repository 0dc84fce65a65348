"""texto: exemplar-based texture synthesis by multi-layer semi-discrete optimal transport.

    import texto_cli
    model = texto_cli.fit("wall.png")
    model.save("wall.npz")
    image = texto_cli.load("wall.npz").synthesize((1280, 768), seed=1)
    texto_cli.write_image("wall_big.png", image)

The names below are the public API (``api``, ``config``, ``errors`` and the model type);
they are imported on first use, so that ``import texto_cli`` stays cheap for the command
line.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module
from pathlib import Path

__version__ = "0.1.0"

# Compiled numba kernels are cached per user, outside the install, so that they survive
# reinstalls and work from read-only installs. numba reads NUMBA_CACHE_DIR when it is
# first imported; if it already was (a notebook), its config is set directly, which the
# kernels read when their modules are imported.
NUMBA_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "texto" / "numba"
os.environ.setdefault("NUMBA_CACHE_DIR", str(NUMBA_CACHE))
if "numba" in sys.modules:
    sys.modules["numba"].config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]


def kernels_cached() -> bool:
    """True if the numba cache holds compiled kernels of this install of texto (no compile
    wait). numba files them under '<folder>_<sha1 of the folder's path>'."""
    import hashlib

    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "image")
    sub = f"image_{hashlib.sha1(folder.encode()).hexdigest()}"
    return any((Path(os.environ["NUMBA_CACHE_DIR"]) / sub).glob("patch_kernels.*.nbi"))


_PUBLIC = {
    "fit": "api", "plan_fit": "api", "plan_synthesis": "api", "synthesize_to_file": "api",
    "describe": "api", "write_preview": "api", "set_threads": "api",
    "inpaint": "api", "plan_inpaint": "api", "read_exemplar": "api", "parse_size": "api",
    "transfer": "api", "plan_transfer": "api",
    "DegenerateExemplarWarning": "api", "FitPlan": "api", "SynthesisPlan": "api",
    "TransferPlan": "api",
    "FitConfig": "config", "PRESETS": "config", "PRESET_HELP": "config", "make_config": "config",
    "fit_options": "config",
    "TextoError": "errors", "UsageError": "errors", "ImageError": "errors", "ModelError": "errors",
    "read_image": "image.io", "write_image": "image.io", "MAX_PIXELS": "image.io",
    "Model": "texture.model", "load": "texture.modelfile",
    "synthesize_dask": "cluster",
}
_ALIASES = {"fit_options": "options"}


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'texto_cli' has no attribute {name!r}")
    module = import_module(f".{_PUBLIC[name]}", __name__)
    return getattr(module, _ALIASES.get(name, name))


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_PUBLIC))


__all__ = sorted(_PUBLIC) + ["__version__", "kernels_cached"]
