"""The command line. Thin on purpose: heavy modules are imported inside commands, so
`casefolio --help` starts instantly."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from generator import __version__

if TYPE_CHECKING:
    from generator.errors import CasefolioError



class TextPath(click.Path):
    """A path argument whose name is text: it goes into pages, messages and the cache as UTF-8,
    so bytes in another encoding (which Python reads as lone surrogates) are refused here."""

    def convert(self, value: object, param: click.Parameter | None,  # type: ignore[override]
                ctx: click.Context | None) -> object:
        converted = super().convert(value, param, ctx)  # type: ignore[arg-type]
        try:
            str(converted).encode("utf-8")
        except UnicodeEncodeError:
            shown = os.fsencode(str(converted)).decode("utf-8", "backslashreplace")
            self.fail(f"{shown}: the name is not UTF-8 text; rename it, or choose another "
                      "folder", param, ctx)
        return converted


SITE_DIR = click.argument("site_dir", default=".", type=TextPath(file_okay=False,
                                                                 path_type=Path))


def report(problems: object, *, err: bool = True) -> None:
    """Print problems grouped by file (console.report, imported when there is something to
    print, so that --help stays light)."""
    from generator.console import report as print_problems

    print_problems(problems, err=err)  # type: ignore[arg-type]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="casefolio")
def main() -> None:
    """casefolio: turn case studies, best practices and productized services into a fast,
    accessible portfolio site.

    \b
    Examples:
      casefolio init my-site          a new site that builds at once
      casefolio new case-study "Checkout redesign for Acme" --niche ecommerce
      casefolio check                 what the build and an editor would flag
      casefolio build                 build ./ into ./output
      casefolio serve                 preview with live reload on http://127.0.0.1:8000/
      casefolio deploy                publish to the first target in site.yaml's deploy:
    """


@main.command()
@SITE_DIR
@click.option("-o", "--output", type=TextPath(path_type=Path), default=None,
              help="Output folder (default: SITE_DIR/output).")
@click.option("--base-url", help="Override site.yaml's base_url, e.g. for a preview deploy "
              "(an absolute http(s) URL; an empty one is an error).")
@click.option("--drafts", is_flag=True, help="Include drafts.")
@click.option("--future", is_flag=True, help="Include case studies dated in the future.")
@click.option("--force", is_flag=True, help="Replace a non-empty output folder that casefolio "
              "did not create, or delete files in its output folder that the last build did "
              "not write.")
@click.option("--profile", is_flag=True, help="Print where the build spent its time.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="Print warnings in full and timings.")
def build(site_dir: Path, output: Path | None, base_url: str | None, drafts: bool,
          future: bool, force: bool, profile: bool, quiet: bool, verbose: bool) -> None:
    """Build the site in SITE_DIR into its output folder.

    Work is not done twice: parsed documents, images and what the last build wrote are kept
    in SITE_DIR/.casefolio/ (safe to delete), so a build redoes only what changed (nothing
    when nothing did) and updates the output folder in place, never leaving half a site.

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
    except KeyboardInterrupt:
        _clear_progress(progress)
        click.secho(f"interrupted; {out_dir} was left as it was", fg="red", err=True)
        sys.exit(130)
    _clear_progress(progress)
    if result.warnings and not quiet:
        report(result.warnings)
    if profile or verbose:
        for stage, seconds in result.timings.items():
            click.echo(f"  {stage:<10} {seconds * 1000:8.1f} ms", err=True)
    if not quiet:
        elapsed = time.perf_counter() - start
        warn = f", {len(result.warnings)} warnings" if result.warnings else ""
        if result.up_to_date:
            click.echo(f"up to date: {result.pages} pages in {out_dir} (nothing changed) in "
                       f"{elapsed:.2f} s{warn}")
        else:
            click.echo(f"built {result.pages} pages ({result.rendered} rendered) into "
                       f"{out_dir} in {elapsed:.2f} s{warn}")


@main.command()
@SITE_DIR
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on; 0.0.0.0 exposes the preview to your network.")
@click.option("-p", "--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0 = any free port).")
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
    from generator.serve.server import run_server

    sys.exit(run_server(site_dir, host=host, port=port, drafts=drafts, future=future,
                        open_browser=open_browser, poll=poll, quiet=quiet, verbose=verbose))




def quiet_verbose(command: Callable[..., None]) -> Callable[..., None]:
    """The -q/-v pair every command takes."""
    command = click.option("-v", "--verbose", is_flag=True, help="Print more detail.")(command)
    return click.option("-q", "--quiet", is_flag=True, help="Print errors only.")(command)


def fail(exc: CasefolioError) -> NoReturn:
    report(exc.problems)
    sys.exit(1)


@main.command()
@click.argument("directory", type=TextPath(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Write into a non-empty folder, adding only the "
              "files that are missing (existing files are never replaced).")
@click.option("--github-pages", is_flag=True, help="Also write .github/workflows/pages.yml, "
              "which builds and deploys the site on every push to main.")
@quiet_verbose
def init(directory: Path, force: bool, github_pages: bool, quiet: bool, verbose: bool) -> None:
    """Create a new site in DIRECTORY: site.yaml with every option commented, one sample of
    each content type, a .gitignore and a README. It builds at once.

    \b
    Examples:
      casefolio init my-site
      casefolio init my-site --github-pages     # with a GitHub Pages deploy workflow
      casefolio init . --force                  # into the current folder, keeping its files
    """
    from generator.errors import CasefolioError
    from generator.scaffold import init_site

    try:
        written, kept = init_site(directory, force=force, github_pages=github_pages)
    except CasefolioError as exc:
        fail(exc)
    if verbose:
        for path in written:
            click.echo(f"  wrote {path}")
    if not quiet:
        for path in kept:
            click.secho(f"  kept {path} (already there)", fg="yellow")
        click.secho(f"created a new site in {directory}", fg="green")
        click.echo(f"next:\n  cd {directory}\n  casefolio serve          # preview it\n"
                   '  casefolio new case-study "Your first case study"')


@main.command()
@click.argument("kind", metavar="KIND")
@click.argument("title")
@click.option("--niche", help="The niche id from site.yaml (case studies and services).")
@click.option("--slug", help="The file name and URL segment (default: from the title).")
@click.option("-s", "--site", "site_dir", default=".", show_default=True,
              type=TextPath(file_okay=False, path_type=Path), help="The site folder.")
@quiet_verbose
def new(kind: str, title: str, niche: str | None, slug: str | None, site_dir: Path,
        quiet: bool, verbose: bool) -> None:
    """Create a draft KIND titled TITLE from its archetype, with every field present and
    commented, and print its path. Never overwrites a file.

    \b
    KIND is case-study, practice, service or page, or a kind that a plugin of the
    site adds (docs/plugins.md). A site's own archetypes/<KIND>.md replaces the
    built-in one ({{title}}, {{slug}}, {{date}}, {{niche}} and {{niches}} are
    filled in). New files are drafts: preview with `casefolio serve --drafts`, publish by
    setting `draft: false`.

    \b
    Examples:
      casefolio new case-study "Checkout redesign for Acme" --niche ecommerce
      casefolio new practice "Landing-page best practices"
      casefolio new service "Conversion audit" --niche ecommerce
      casefolio new page "Contact" -s my-site
      $EDITOR "$(casefolio new case-study 'Café rebrand für Zürich' -q)"
    """
    from generator.errors import CasefolioError
    from generator.scaffold import new_document

    try:
        created = new_document(site_dir, kind, title, niche=niche, slug=slug)
    except CasefolioError as exc:
        fail(exc)
    click.echo(str(created.path))
    if not quiet:
        for note in created.notes:
            click.secho(f"note: {note}", fg="yellow", err=True)
        if verbose:
            click.echo("it is a draft: preview with `casefolio serve --drafts`, publish with "
                       "`draft: false`", err=True)


@main.command()
@SITE_DIR
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: one object on stdout, for CI.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--drafts", is_flag=True, help="Check drafts too.")
@click.option("--future", is_flag=True, help="Check case studies dated in the future too.")
@quiet_verbose
def check(site_dir: Path, fmt: str, strict: bool, drafts: bool, future: bool, quiet: bool,
          verbose: bool) -> None:
    """Check the site in SITE_DIR without writing anything: every error the build would
    report, plus warnings an editor would raise (missing metrics, prices, summaries,
    call to action, unbacked practices, images, TODOs left in).

    \b
    Exit status: 1 on errors (or on warnings with --strict), else 0.

    \b
    Examples:
      casefolio check
      casefolio check my-site --strict
      casefolio check --drafts                # include drafts
      casefolio check --format json > report.json
    """
    import json

    from generator.check import check_site
    from generator.config import BuildOptions

    start = time.perf_counter()
    result = check_site(site_dir, BuildOptions(drafts=drafts, future=future))
    failed = result.failed(strict)
    if fmt == "json":
        click.echo(json.dumps(result.as_json(strict), indent=2, ensure_ascii=False))
        sys.exit(1 if failed else 0)
    shown = result.errors if quiet and not strict else result.errors + result.warnings
    report(sorted(shown, key=lambda p: p.sort_key()), err=False)
    if verbose:
        click.echo(f"checked {result.files} content files and {result.pages} pages in "
                   f"{(time.perf_counter() - start) * 1000:.0f} ms", err=True)
    if not quiet or failed:
        counts = (f"{_plural(len(result.errors), 'error')}, "
                  f"{_plural(len(result.warnings), 'warning')}")
        if shown:
            click.echo("")
        click.secho(f"check {'failed' if failed else 'passed'}: {counts}",
                    fg="red" if failed else ("yellow" if result.warnings else "green"))
    sys.exit(1 if failed else 0)


@main.command("import")
@click.argument("generator", type=click.Choice(["hugo", "jekyll", "zola"]))
@click.argument("source", type=TextPath(file_okay=False, path_type=Path))
@click.argument("target", type=TextPath(path_type=Path))
@click.option("--force", is_flag=True, help="Write into a non-empty TARGET (files there with "
              "the same names are replaced; nothing is deleted).")
@click.option("--case-studies", "case_studies", multiple=True, metavar="SECTION",
              help="A section (folder or collection) whose pages are case studies; repeat "
              "for several. Default: case-studies, case-study, work, clients, portfolio, "
              "customers, and any page whose layout names a case study.")
@click.option("--articles", multiple=True, metavar="SECTION", help="A section whose pages are "
              "articles, besides blog, posts, news, articles and updates; repeatable.")
@quiet_verbose
def import_(generator: str, source: Path, target: Path, force: bool,
            case_studies: tuple[str, ...], articles: tuple[str, ...], quiet: bool,
            verbose: bool) -> None:
    """Import a Hugo, Jekyll or Zola site from SOURCE into a new casefolio site in TARGET.

    Reads the other generator's configuration and content: case studies (by section, layout
    or --case-studies), blog posts as articles, other pages as pages, page bundles with their
    files, static files. Common shortcodes and includes become Markdown; every old URL that
    changes is kept as an alias (a redirect). TARGET/IMPORT-REPORT.md lists what was
    converted, what needs a human (such as results to add as `metrics:`) and each warning
    with its file and line. Nothing is written outside TARGET.

    \b
    Examples:
      casefolio import hugo ../old-site new-site
      casefolio import jekyll ../blog new-site --case-studies projects
      casefolio import zola ../old-site new-site --force
    """
    from generator.errors import CasefolioError
    from generator.importer import import_site

    command = f"casefolio import {generator} {source} {target}"
    try:
        site, written = import_site(generator, source, target, force=force,
                                    case_studies=case_studies, articles=articles,
                                    command=command)
    except CasefolioError as exc:
        fail(exc)
    if verbose:
        for path in written:
            click.echo(f"  wrote {path}")
    if not quiet:
        kinds = [sum(1 for p in site.pages if p.kind == k)
                 for k in ("case-studies", "articles", "pages")]
        click.secho(f"imported {kinds[0]} case studies, {kinds[1]} articles, {kinds[2]} pages "
                    f"into {target}", fg="green")
        click.echo(f"{len(site.notes.human)} things need a human and "
                   f"{len(site.notes.warnings)} warnings: read {target / 'IMPORT-REPORT.md'}")


@main.command()
@SITE_DIR
@click.option("-t", "--target", help="A target's name from site.yaml's deploy: list "
              "(default: the first).")
@click.option("-n", "--dry-run", is_flag=True, help="Print what would be uploaded and deleted; "
              "change nothing.")
@click.option("--force", is_flag=True, help="Send every file, even unchanged ones (gh-pages: "
              "replace the remote branch even if it has commits of its own).")
@click.option("--delete", is_flag=True, help="Remove files the site no longer has (s3, rsync, "
              "folder; gh-pages always mirrors the site).")
@click.option("--no-build", is_flag=True, help="Publish the output folder as it is.")
@quiet_verbose
def deploy(site_dir: Path, target: str | None, dry_run: bool, force: bool, delete: bool,
           no_build: bool, quiet: bool, verbose: bool) -> None:
    """Build the site in SITE_DIR, then publish its output folder to a target from
    site.yaml's `deploy:` list: a gh-pages branch, S3-compatible storage, rsync over ssh or
    a folder. Only what changed is sent; pages go last. A failed deploy says what was left
    as it was; running it again finishes the job.

    \b
    Examples:
      casefolio deploy                      # the first target
      casefolio deploy --target r2 --dry-run
      casefolio deploy --target server --delete
    """
    from generator.deploy.plan import describe, summary
    from generator.deploy.publish import Request
    from generator.deploy.publish import deploy as run_deploy
    from generator.errors import CasefolioError

    progress = (lambda line: click.echo(f"  {line}", err=True)) if verbose else None
    request = Request(target, dry_run, force, delete, not no_build)
    try:
        outcome = run_deploy(site_dir, request, progress)
    except CasefolioError as exc:
        report(exc.problems)
        click.secho("deploy failed", fg="red", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.secho("interrupted: files not yet sent are as they were; run the same command "
                    "again to finish", fg="red", err=True)
        sys.exit(130)
    plan = outcome.plan
    if outcome.done:
        if not quiet:
            for note in outcome.notes:
                click.echo(note)
            click.secho(f"deployed to {outcome.where}: {summary(plan)}", fg="green")
            click.echo(f"live at {outcome.url}")
        return
    for line in describe(plan, limit=0 if verbose else 50):
        click.echo(line)
    click.echo(f"dry run for {outcome.where}: {summary(plan)}; nothing was changed")
    click.echo(f"live at {outcome.url}")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _progress() -> Callable[[int, int], None] | None:
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


def entry() -> None:
    """The console command (and `python -m generator`): main(), then the process just ends.
    A big build leaves millions of objects that Python would otherwise free one by one on
    the way out (~1 s after a 10,000-page build) for nothing; output is flushed first, and
    every file and child process is already closed by then."""
    try:
        main(prog_name="casefolio")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
