"""The one printer of problems: `path:line: message` and its hint, red for errors, yellow
for warnings, plain when piped (click drops the colour). The CLI and the dev server's
terminal both print through it."""

from __future__ import annotations

from collections.abc import Iterable

import click

from generator.errors import Problem


def report(problems: Iterable[Problem], *, err: bool = True, grouped: bool = True) -> None:
    """Print problems in order; `grouped`: a blank line between files."""
    current = None
    for problem in problems:
        if grouped and problem.path != current and current is not None:
            click.echo("", err=err)
        current = problem.path
        first, *rest = problem.format().split("\n")
        click.secho(first, fg="red" if problem.severity == "error" else "yellow", err=err)
        for line in rest:
            click.secho(line, dim=True, err=err)
