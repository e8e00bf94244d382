"""``python -m hub`` is the ``msix`` command."""

from hub.cli.app import main

main()
