"""``python -m texto_cli`` runs the texto command."""

from .cli import run

run()
