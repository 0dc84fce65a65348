"""The shape of the code: one source of truth for options, a CLI over the public API only,
stage kinds known to the stage module alone, a numba cache that works in notebooks."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import texto_cli
from texto_cli.cli import main
from texto_cli.config import options, options_markdown

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "texto_cli"


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (absolute names; relative ones resolved)."""
    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
    return found


def test_the_cli_imports_only_the_public_api_and_the_console():
    texto = {m for m in _imports(PACKAGE / "cli.py") if m.startswith("texto_cli")}
    assert texto <= {"texto_cli", "texto_cli.console"}, texto


def test_only_the_stage_module_tells_stage_kinds_apart():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "stage.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
                kinds = [n for n in ast.walk(node) if isinstance(n, ast.Attribute)
                         and n.attr == "kind" and getattr(n.value, "attr", "") == "spec"]
                assert not names & {"UPSAMPLE", "FINEST", "DETAIL"} and not kinds, \
                    f"{path.relative_to(ROOT)}:{node.lineno} compares a stage kind"
        source = path.read_text()
        for word in ("is_detail(", "stage_scale(", "stage_name("):
            assert word not in source, f"{path.relative_to(ROOT)} uses {word}"


def test_the_readme_fit_table_is_the_configurations():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- fit-options:begin -->\n")[1].split("<!-- fit-options:end -->")[0]
    assert block == options_markdown(), "regenerate with texto_cli.config.options_markdown()"


def test_every_command_option_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name, command in main.commands.items():
        for param in command.params:
            if isinstance(param, __import__("click").Option) and param.name != "help":
                assert any(f"`{o}" in readme or f" {o}" in readme for o in param.opts), \
                    (name, param.opts)


def test_fit_has_one_click_option_per_config_field():
    help_text = CliRunner().invoke(main, ["fit", "--help"], terminal_width=200).output
    for opt in options():
        assert opt.flag in help_text, opt.flag
        assert f"[default: {opt.shown_default}]" in " ".join(help_text.split()), opt.name


@pytest.mark.parametrize("options,message", [
    (dict(bogus=1), "unknown fit option 'bogus'"),
    (dict(patch=2.5), "--patch must be an integer"),
    (dict(step=None), "--step must be a number"),
    (dict(detail="yes"), "--detail must be true or false"),
    (dict(gain_octaves=9), "--gain-octaves must be between 0 and 8"),
    (dict(targets=[10, 20, 30]), "--targets needs 1 or 4"),
])
def test_the_api_refuses_bad_options_with_the_cli_messages(exemplar, options, message):
    with pytest.raises(texto_cli.UsageError, match=message):
        texto_cli.fit(exemplar, **options)


def test_the_fast_preset_differs_where_its_options_say():
    fast, default = texto_cli.PRESETS["fast"], texto_cli.PRESETS["default"]
    for opt in options():
        assert (getattr(fast, opt.name) != getattr(default, opt.name)) == ("fast:" in opt.shown_default)


def test_the_numba_cache_is_texto_s_even_if_numba_was_imported_first(tmp_path):
    script = ("import numba, texto_cli\n"
              "from texto_cli.image import patch_kernels\n"
              "print(patch_kernels.gather_patches._cache._cache_path)\n")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith(str(tmp_path / "texto" / "numba")), out.stdout


def test_the_public_api_is_listed():
    for name in ("fit", "load", "Model", "FitConfig", "plan_synthesis", "synthesize_to_file",
                 "read_image", "write_image", "describe"):
        assert name in dir(texto_cli) and getattr(texto_cli, name) is not None
