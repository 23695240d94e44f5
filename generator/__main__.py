"""`python -m generator` runs the casefolio command line."""

from generator.cli import main

main(prog_name="casefolio")
