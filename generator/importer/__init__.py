"""`casefolio import hugo|jekyll|zola SOURCE TARGET`: another generator's site as a casefolio
site. Each generator module reads its config and content into SourcePages (`read`) and turns
its template syntax into Markdown (`convert`); `plan` maps them to casefolio's kinds, slugs,
front matter, aliases and links; `writer` is the only code that writes, inside TARGET."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path

from generator.errors import CasefolioError, Problem
from generator.importer import hugo, jekyll, zola
from generator.importer.model import ImportedSite, Notes
from generator.importer.plan import ARTICLE_SECTIONS, CASE_SECTIONS, plan
from generator.importer.sources import host_redirects
from generator.importer.writer import check_target, write_site

GENERATORS = ("hugo", "jekyll", "zola")


def plan_import(generator: str, source: Path, case_studies: tuple[str, ...] = (),
                articles: tuple[str, ...] = ()) -> ImportedSite:
    """Read SOURCE as a site of `generator` and decide every file of the casefolio site."""
    if not source.is_dir():
        raise CasefolioError([Problem(str(source), None, "the source folder does not exist",
                                      "give the folder that holds the site's configuration")])
    module = {"hugo": hugo, "jekyll": jekyll, "zola": zola}[generator]
    if not module.detect(source):
        guess = next((g for g, m in (("hugo", hugo), ("jekyll", jekyll), ("zola", zola))
                      if m.detect(source)), None)
        raise CasefolioError([Problem(str(source), None, f"this does not look like a "
                                      f"{generator.capitalize()} site",
                                      f"it looks like a {guess} site: casefolio import {guess} "
                                      "..." if guess else "give the folder with its "
                                      "configuration file")])
    notes = Notes()
    found = replace(module.read(source, notes), redirects=host_redirects(source, notes))
    convert = (partial(jekyll.convert, includes=source / "_includes") if generator == "jekyll"
               else module.convert)
    cases = frozenset(s.strip("/_").lower() for s in case_studies) or CASE_SECTIONS
    posts = ARTICLE_SECTIONS | frozenset(s.strip("/").lower() for s in articles)
    return plan(generator, found, convert, cases, posts, notes)


def import_site(generator: str, source: Path, target: Path, *, force: bool = False,
                case_studies: tuple[str, ...] = (), articles: tuple[str, ...] = (),
                command: str = "") -> tuple[ImportedSite, list[str]]:
    """Import and write; the target is checked before anything is read or written."""
    source, target = source.resolve(), target.absolute()
    if target.resolve() == source or source in target.resolve().parents:
        raise CasefolioError([Problem(str(target), None, "the target is inside the source",
                                      "import into a folder outside the source site")])
    check_target(target, force)
    site = plan_import(generator, source, case_studies, articles)
    written = write_site(site, target, force,
                         command or f"casefolio import {generator} SOURCE TARGET")
    return site, written
