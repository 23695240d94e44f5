"""The command line. Thin on purpose: heavy modules are imported inside commands, so
`casefolio --help` starts instantly."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from generator import __version__

SITE_DIR = click.argument("site_dir", default=".", type=click.Path(file_okay=False,
                                                                   path_type=Path))


def report(problems: object, *, err: bool = True) -> None:
    """Print problems grouped by file, coloured on a terminal and plain when piped."""
    from generator.errors import Problem

    current = None
    for problem in problems:  # type: ignore[attr-defined]
        assert isinstance(problem, Problem)
        if problem.path != current and current is not None:
            click.echo("", err=err)
        current = problem.path
        colour = "red" if problem.severity == "error" else "yellow"
        lines = problem.format().split("\n")
        click.secho(lines[0], fg=colour, err=err)
        for line in lines[1:]:
            click.secho(line, dim=True, err=err)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="casefolio")
def main() -> None:
    """casefolio: turn case studies, best practices and productized services into a fast,
    accessible portfolio site.

    \b
    Examples:
      casefolio build                 build ./ into ./output
      casefolio serve                 preview with live reload on http://127.0.0.1:8000/
    """


@main.command()
@SITE_DIR
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: SITE_DIR/output).")
@click.option("--base-url", help="Override site.yaml's base_url, e.g. for a preview deploy.")
@click.option("--drafts", is_flag=True, help="Include drafts.")
@click.option("--future", is_flag=True, help="Include case studies dated in the future.")
@click.option("--force", is_flag=True, help="Replace a non-empty output folder that casefolio "
              "did not create.")
@click.option("--profile", is_flag=True, help="Print where the build spent its time.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print warnings in full and timings.")
def build(site_dir: Path, output: Path | None, base_url: str | None, drafts: bool,
          future: bool, force: bool, profile: bool, quiet: bool, verbose: bool) -> None:
    """Build the site in SITE_DIR into its output folder.

    \b
    Examples:
      casefolio build
      casefolio build my-site -o public --base-url https://example.github.io/agency/
      casefolio build --drafts --future -o /tmp/preview
    """
    from generator.build import build_to
    from generator.config import BuildOptions
    from generator.errors import CasefolioError

    start = time.perf_counter()
    out_dir = output if output is not None else site_dir / "output"
    options = BuildOptions(drafts=drafts, future=future, base_url=base_url)
    progress = _progress() if not quiet else None
    try:
        result = build_to(site_dir, out_dir, options, force=force, on_page=progress)
    except CasefolioError as exc:
        _clear_progress(progress)
        report(exc.problems)
        errors = sum(1 for p in exc.problems if p.severity == "error")
        click.secho(f"build failed: {errors} error{'s' if errors != 1 else ''}; "
                    f"{out_dir} was left as it was", fg="red", err=True)
        sys.exit(1)
    _clear_progress(progress)
    if result.warnings and not quiet:
        report(result.warnings)
    if profile or verbose:
        for stage, seconds in result.timings.items():
            click.echo(f"  {stage:<10} {seconds * 1000:8.1f} ms", err=True)
    if not quiet:
        elapsed = time.perf_counter() - start
        warn = f", {len(result.warnings)} warnings" if result.warnings else ""
        click.echo(f"built {result.pages} pages ({result.rendered} rendered) into {out_dir} in "
                   f"{elapsed:.2f} s{warn}")


@main.command()
@SITE_DIR
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on; 0.0.0.0 exposes the preview to your network.")
@click.option("-p", "--port", default=8000, show_default=True, help="Port (0 = any free port).")
@click.option("--drafts", is_flag=True, help="Include drafts.")
@click.option("--future", is_flag=True, help="Include case studies dated in the future.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
@click.option("--poll", is_flag=True, help="Poll for changes (Docker, WSL, network drives).")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print every rebuild in detail.")
def serve(site_dir: Path, host: str, port: int, drafts: bool, future: bool, open_browser: bool,
          poll: bool, quiet: bool, verbose: bool) -> None:
    """Preview the site with live reload; rebuilds only what a change touches.

    \b
    Examples:
      casefolio serve
      casefolio serve my-site --port 8080 --drafts --open
      casefolio serve --poll          # Docker, WSL or network drives
    """
    from generator.server import run_server

    sys.exit(run_server(site_dir, host=host, port=port, drafts=drafts, future=future,
                        open_browser=open_browser, poll=poll, quiet=quiet, verbose=verbose))


def _progress() -> object | None:
    """A pages-done counter on a terminal; nothing when piped or in CI."""
    import os

    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None

    def on_page(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            sys.stderr.write(f"\rrendering {done}/{total}")
            sys.stderr.flush()
    return on_page


def _clear_progress(progress: object | None) -> None:
    if progress is not None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


if __name__ == "__main__":  # pragma: no cover
    main()
