"""`python -m generator` runs the casefolio command line."""

from generator.cli import entry

entry()
