"""The same generated content as a Hugo site and as a Pelican site, with minimal templates.

Both get every case study, practice collection, service and page, with the same Markdown
bodies (file links rewritten to the final URLs, which casefolio resolves itself), syntax
highlighting, heading ids, a paginated case-study index (24 a page), one page per niche and
per tag listing every case study in it, a feed and (Hugo) a sitemap. What they do not get is
what only casefolio computes: metric results, practice evidence, related case studies (Hugo
gets its built-in related-content index instead), JSON-LD and the breadcrumb trails.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
_LINK = re.compile(r"\.\./(case-studies|practices|services|pages)/([^)#\s]+)\.md")


def _url(m: re.Match[str]) -> str:
    kind, slug = m[1], m[2]
    return f"/{slug}/" if kind == "pages" else f"/{kind}/{slug}/"


def _split(text: str) -> tuple[dict, str]:
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), _LINK.sub(_url, body)


def _documents(site: Path) -> list[tuple[str, str, dict, str]]:
    """(kind, slug, front matter, body) of every content file, links rewritten."""
    docs = []
    for path in sorted((site / "content").glob("*/*.md")):
        meta, body = _split(path.read_text(encoding="utf-8"))
        docs.append((path.parent.name, str(meta.get("slug") or path.stem), meta, body))
    return docs


# --- Hugo: bench/hugo-site/ holds its config, layouts and style sheet ---------------------


def write_hugo(site: Path, out: Path) -> Path:
    """A Hugo site in `out` with the content of the casefolio site `site`."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(HERE / "hugo-site", out)
    for section, title in (("case-studies", "Case studies"), ("practices", "Best practices"),
                           ("services", "Services")):
        (out / "content" / section).mkdir(parents=True, exist_ok=True)
        (out / "content" / section / "_index.md").write_text(f"---\ntitle: {title}\n---\n")
    for kind, slug, meta, body in _documents(site):
        meta = dict(meta, slug=slug)
        if kind == "case-studies":
            meta["niches"] = [meta["niche"]]  # a taxonomy, like casefolio's niche pages
        if kind == "pages":
            meta["url"] = f"/{slug}/"
            folder = out / "content"
        else:
            folder = out / "content" / kind
        front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
        (folder / f"{slug}.md").write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    return out


# --- Pelican: bench/pelican-site/ holds pelicanconf.py and the theme --------------------


def write_pelican(site: Path, out: Path) -> Path:
    """A Pelican site in `out` (Markdown metadata headers) with the content of `site`."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(HERE / "pelican-site", out)
    for kind, slug, meta, body in _documents(site):
        folder = out / "content" / kind
        folder.mkdir(parents=True, exist_ok=True)
        head = [f"Title: {meta['title']}", f"Slug: {slug}"]
        if meta.get("summary"):
            head.append(f"Summary: {meta['summary']}")
        if kind == "case-studies":
            head += [f"Date: {meta['date']}", f"Category: {meta['niche']}",
                     f"Tags: {', '.join(meta.get('tags', []))}"]
        elif kind != "pages":
            head += [f"Save_as: {kind}/{slug}/index.html", f"URL: {kind}/{slug}/"]
        (folder / f"{slug}.md").write_text("\n".join(head) + "\n\n" + body, encoding="utf-8")
    return out
