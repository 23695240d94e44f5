"""Which files are published as they are: none of a draft's (its bundle, the files in content/
that only unpublished documents refer to), and an image's original, beside its variants, when
a page links to it. public_assets is asked before the site is linked, linked_files while it is."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Iterable
from urllib.parse import unquote

from generator.content.document import Document
from generator.content.sources import Asset
from generator.kinds.index import Index, findall_at_words, image_rel

_FILE_REF = re.compile(r"""(?:href|src)="([^":?#/][^":?#]*)["?#]""")  # at a word's start


def public_assets(documents: list[Document], docs: list[Document], assets: list[Asset],
                  ) -> list[Asset]:
    """The assets less the files of unpublished documents (a draft's screenshots, the PDF of a
    contract beside it): every file of a draft's bundle (the folder of its index.md), and a
    file in content/ that unpublished documents refer to and no published one does."""
    shown = {id(doc) for doc in docs}
    hidden = [doc for doc in documents if id(doc) not in shown]
    if not hidden:
        return assets
    bundles = tuple(posixpath.dirname(doc.rel) + "/" for doc in hidden
                    if posixpath.basename(doc.rel) == "index.md")
    private = set().union(*(_files_of(doc) for doc in hidden))
    if private:
        private -= set().union(*(_files_of(doc) for doc in docs))
    if not bundles and not private:
        return assets
    return [a for a in assets if not a.rel.startswith("content/")
            or (a.rel not in private and not a.rel.startswith(bundles))]


def _files_of(doc: Document) -> set[str]:
    """The site-relative paths of the files a document shows or links to."""
    meta = doc.meta
    cover = getattr(meta, "cover", None)
    srcs = [image.src for image in doc.rendered.images]
    srcs += [cover.src] if cover else []
    srcs += [side.src for pair in getattr(meta, "comparisons", ()) for side in (pair.before,
                                                                                pair.after)]
    srcs += [unquote(found) for found in findall_at_words(_FILE_REF, doc.rendered.html)]
    srcs += [path for link in getattr(doc.rendered, "links", ())  # `[a](contract%20v2.pdf)`
             if (path := link.target.partition("#")[0].partition("?")[0])
             and not path.startswith("/") and not path.endswith(".md")]
    return {image_rel(doc, src) for src in srcs}


_HREF = re.compile(r"""href=["']([^"'#?]+)""")


@functools.lru_cache(maxsize=32768)  # serve: nearly every body is the same as last time
def _href_files(html: str, folder: str, base: str) -> frozenset[str]:
    """The output paths a body at `folder` (site-relative) links to by href."""
    found = set()
    for href in findall_at_words(_HREF, html):
        href = unquote(href)
        if href.startswith(base):
            found.add(href[len(base):])
        elif not href.startswith("/") and ":" not in href.partition("/")[0]:
            found.add(posixpath.normpath(posixpath.join(folder, href)))
    return frozenset(found)


def linked_files(docs: Iterable[Document], index: Index) -> set[str]:
    """The output paths that pages link to by href (a full-size screenshot, say) and the
    logo site.yaml names: the originals of these images are published beside their variants."""
    base = index.base
    found: set[str] = set()
    for doc in docs:
        folder = index.urls[doc.id][len(base):]  # 'case-studies/acme/', 'about/'
        found |= _href_files(doc.rendered.html, folder, base)
        for link in doc.rendered.links:  # `[full size](shot.png)`, `(/img/shot.png)`
            path = link.target.partition("#")[0].partition("?")[0]
            if path.startswith("/"):
                found.add(unquote(path).lstrip("/"))
            elif path and not path.endswith(".md"):
                asset = index.assets.get(posixpath.normpath(posixpath.join(
                    posixpath.dirname(doc.rel), path)))
                if asset is not None:
                    found.add(asset.out)
    organization = index.config.settings.organization
    if organization and organization.logo:
        found.add(organization.logo.removeprefix("static/").lstrip("/"))
    return found
