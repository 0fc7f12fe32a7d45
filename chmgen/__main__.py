"""Run chmgen as `python -m chmgen`."""

from chmgen.cli import main

main()
