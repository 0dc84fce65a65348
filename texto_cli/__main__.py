"""``python -m texto_cli`` runs the texto command."""

from .cli import main

main(prog_name="texto")
