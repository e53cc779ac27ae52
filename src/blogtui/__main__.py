"""``python -m blogtui`` runs the command line."""

from .cli import entry

entry()
