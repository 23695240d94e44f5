"""IMPORT-REPORT.md: what was converted, what needs a human, and each warning with its line."""

from __future__ import annotations

from generator.importer.model import ImportedSite, Note


def render_report(site: ImportedSite, command: str) -> str:
    notes = site.notes
    kinds = {kind: sum(1 for p in site.pages if p.kind == kind)
             for kind in ("case-studies", "articles", "pages")}
    lines = [
        f"# Import report: {site.generator}",
        "",
        f"Made by `{command}`. It is safe to delete this file.",
        "",
        f"- {kinds['case-studies']} case studies, {kinds['articles']} articles, "
        f"{kinds['pages']} pages; {len(site.static)} static files",
        f"- {len(notes.human)} things need a human, {len(notes.warnings)} warnings, "
        f"{len(notes.skipped)} files not imported",
        "",
        "Next: read \"Needs a human\", then run `casefolio check` and `casefolio serve`.",
        "",
        "## Converted",
        "",
        "| source | casefolio file | old URL | new URL |",
        "|---|---|---|---|",
    ]
    for page in site.pages:
        lines.append(f"| {page.source} | {page.rel} | {page.old_url} | {page.url} |")
    lines += ["", *_section("Notes on converted files", notes.converted),
              *_section("Needs a human", notes.human),
              *_section("Warnings", notes.warnings),
              *_section("Not imported", notes.skipped)]
    return "\n".join(lines).rstrip() + "\n"


def _section(title: str, items: list[Note]) -> list[str]:
    if not items:
        return [f"## {title}", "", "Nothing.", ""]
    return [f"## {title}", "", *(f"- {n.format()}" for n in items), ""]

