"""Declared = imported: pyproject's runtime dependencies are exactly the packages texto_cli imports.

Every module under ``texto_cli/`` (subpackages included) is parsed; every ``import`` and
``from ... import`` counts, inside functions too. Standard-library modules and texto_cli itself
are left out; the other top-level names are mapped to their distributions with
``importlib.metadata.packages_distributions()`` and compared with ``[project].dependencies``.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

import texto_cli

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

PACKAGE = Path(texto_cli.__file__).resolve().parent
PYPROJECT = PACKAGE.parent / "pyproject.toml"


def normalise(name: str) -> str:
    """PEP 503 form of a distribution name: ``Pillow`` -> ``pillow``, ``foo_bar`` -> ``foo-bar``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def imported_top_level_names(source: str) -> set[str]:
    """Top-level names of the absolute imports in ``source`` (relative imports are the package's own)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def third_party_imports() -> dict[str, set[str]]:
    """{top-level module name: {files importing it}} over every module of texto_cli."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for name in imported_top_level_names(path.read_text(encoding="utf-8")):
            if name in sys.stdlib_module_names or name in ("__future__", PACKAGE.name):
                continue
            found.setdefault(name, set()).add(str(path.relative_to(PACKAGE.parent)))
    return found


#: the optional extras texto_cli imports (only in the modules named), and their modules
EXTRAS = {"dask": {"cluster.py"}}


def _names(requirements: list[str]) -> set[str]:
    return {normalise(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r.strip()).group(0)) for r in requirements}


def declared_dependencies(extra: str | None = None) -> set[str]:
    """The runtime dependencies, or those of an optional ``extra``."""
    with open(PYPROJECT, "rb") as f:
        project = tomllib.load(f)["project"]
    return _names(project["dependencies"] if extra is None else project["optional-dependencies"][extra])


def test_collects_every_kind_of_import():
    source = (
        "import os, numpy as np\n"
        "import PIL.Image\n"
        "from scipy.ndimage import zoom\n"
        "from . import errors\n"
        "from .image import io\n"
        "def f():\n"
        "    import tifffile\n"
        "    try:\n"
        "        from imagecodecs import png_decode\n"
        "    except ImportError:\n"
        "        pass\n"
    )
    assert imported_top_level_names(source) == {"os", "numpy", "PIL", "scipy", "tifffile", "imagecodecs"}


def test_runtime_dependencies_are_exactly_the_imported_packages():
    imports = third_party_imports()
    assert "numpy" in imports, "the walk found no module of texto_cli"
    distributions = packages_distributions()
    declared = declared_dependencies()
    optional = {dist: files for extra, files in EXTRAS.items() for dist in declared_dependencies(extra)}
    declared |= set(optional)

    problems = []
    used = set()
    for module, files in sorted(imports.items()):
        dists = {normalise(d) for d in distributions.get(module, [])}
        where = ", ".join(sorted(files))
        if not dists:
            problems.append(f"{module!r} (imported in {where}) belongs to no installed distribution")
        elif not dists & declared:
            problems.append(f"{module!r} (imported in {where}) comes from {'/'.join(sorted(dists))}, "
                            f"which [project].dependencies does not declare")
        used |= dists & declared
        for dist in dists & set(optional):
            outside = {f for f in files if Path(f).name not in optional[dist]}
            if outside:
                problems.append(f"{module!r} (optional: {dist}) is imported outside "
                                f"{'/'.join(sorted(optional[dist]))}: in {', '.join(sorted(outside))}")
    for dist in sorted(declared - used):
        problems.append(f"{dist!r} is declared in [project].dependencies but texto_cli never imports it")
    assert not problems, "pyproject.toml does not match texto_cli's imports:\n" + "\n".join(problems)
