"""``python -m chimera`` runs the CLI."""

from chimera.cli.app import main

main()
