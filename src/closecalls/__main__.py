"""Allow `python -m closecalls`."""

from closecalls.cli import main

main()
