"""A one-off `casefolio build` after a prose-only edit: the edited pages, not the whole site.

A full one-off build leaves beside the cache each document's own page as it was rendered,
minus the document's prose (its route, with the view's body blanked, and the link URLs and
image html the body was filled with) and the fingerprints every page key is made of. The next
build, when the only input files that changed are content files whose new version differs
from the cached one in nothing but prose (prose_edit.prose_only: same metadata, link targets,
images, headings), and everything else the last stamp vouches for still holds (settings,
every other input file, the output folder as that build left it), renders just those pages
into the old context and writes them in place: nothing else can have changed. In any other
case it returns None and the full build runs.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.config import BuildOptions, Config, load_config
from generator.content.document import Document, load_document
from generator.content.sources import RACY_NS, Source, classify, fingerprint, read_file
from generator.errors import CasefolioError
from generator.incremental import cache
from generator.incremental.prose_edit import prose_only, reprose, without_prose
from generator.incremental.stamp import RACY_SIGNATURE
from generator.kinds.registry import for_site
from generator.model.views import Card
from generator.output.keys import page_key, theme_key
from generator.output.listing import listing_signature, output_listing
from generator.output.pages import Route
from generator.output.render import globals_for, render_page
from generator.output.theme import Theme, load_theme
from generator.output.writer import Output, write_site
from generator.site import Site

META = "prose-meta"
SHARDS = 16


@dataclass(frozen=True, slots=True)
class Meta:
    """What every page's key and globals are made of, as the last full build had them."""

    inputs: str                     # the stamp's inputs digest: which build this belongs to
    config: str                     # the configuration fingerprint
    theme_key: str                  # keys.theme_key
    fingerprints: dict[str, str]    # Site.fingerprints
    menu: list[Card]                # the menu's cards (render.globals_for)


@dataclass(frozen=True, slots=True)
class OwnPage:
    """A document's page, the only one that reads the document itself, without its prose."""

    route: Route                                      # context["page"]: prose_edit.without_prose
    fills: tuple[tuple[str, ...], tuple[str, ...]]    # Site.fills of the document


def save(site_dir: Path, site: Site, routes: list[Route], theme: Theme,
         inputs: str | None, outputs: Mapping[str, Output]) -> None:
    """Keep what `redo` needs of this full build, whose stamp vouches for `inputs` (a digest);
    None: the build left no stamp, so nothing is kept (redo checks all against the stamp)."""
    if inputs is None:
        cache.drop_record(site_dir, META)
        return
    readers: dict[str, list[Route]] = defaultdict(list)
    for route in routes:
        for read in route.reads:
            if read in site.fills:  # a document's id: the route shows its prose
                readers[read].append(route)
    shards: list[dict[str, OwnPage]] = [{} for _ in range(SHARDS)]
    for doc_id, found in readers.items():
        page = found[0].context.get("page") if len(found) == 1 else None
        if getattr(page, "id", None) == doc_id:
            route = found[0]
            shards[_shard(doc_id)][doc_id] = OwnPage(
                Route(route.path, route.template, {
                    **route.context, "page": without_prose(site.registry, page)}, route.reads),
                site.fills[doc_id])
    for number, pages in enumerate(shards):  # rewritten only when a page's inputs changed
        contents = _digest(sorted((i, getattr(outputs.get(p.route.path), "key", ""))
                                  for i, p in pages.items()))  # a key: all a page came from
        cache.write_record(site_dir, f"prose-{number:02d}", contents, pages)
    _save_meta(site_dir, Meta(inputs, site.config.fingerprint, theme_key(site, theme),
                              dict(site.fingerprints),
                              [p.card for p in site.pages if p.menu]))


def redo(site_dir: Path, out_dir: Path, options: BuildOptions, inputs: Any,
         ) -> tuple[list[Output], tuple[Any, ...], int, int] | None:
    """Rebuild after a prose-only edit: (every output, the warnings, pages rendered, pages),
    with the output folder and the cache updated; None when the edit was anything else."""
    last = cache.load_stamp(site_dir)
    meta = cache.read_record(site_dir, META)
    if (inputs is None or not inputs.digest or last is None or last.settings != inputs.settings
            or last.out != inputs.out or not isinstance(meta, Meta) or meta.inputs != last.inputs):
        return None
    reads = cache.load_inputs(site_dir)
    changed = _changed_sources(inputs, reads)
    listing = output_listing(out_dir) if changed else None
    if listing is None or listing_signature(listing) != last.output:
        return None
    config = load_config(site_dir, options)
    if config.fingerprint != meta.config:
        return None
    edits = _edits(site_dir, config, changed, reads)
    if edits is None:
        return None
    theme = load_theme(config, for_site(config))
    fingerprints = dict(meta.fingerprints)
    fingerprints.update((new.id, new.fingerprint) for _, new, _ in edits)
    shared = globals_for(config, meta.menu)
    written = cache.load_written(site_dir, out_dir)
    fresh: dict[str, Output] = {}
    for _, new, page in edits:
        route = Route(page.route.path, page.route.template, {
            **page.route.context, "page": reprose(for_site(config), page.route.context["page"], new,
                                    page.fills)},
            page.route.reads)
        key = page_key(route, theme.closure_fingerprint(route.template), config.fingerprint,
                       fingerprints, meta.theme_key)
        fresh[route.path] = Output(route.path, render_page(route, config, theme, shared), key)
    if not written or not fresh.keys() <= written.keys():
        return None
    outputs = [fresh.get(path) or Output(path, None, key)
               for path, (key, _, _) in written.items()]
    write_site(outputs, out_dir)
    _record(site_dir, out_dir, inputs, last, meta, reads, changed, edits, written, fresh,
            fingerprints, config, listing)
    return outputs, last.warnings, len(fresh), last.pages


def _changed_sources(inputs: Any, reads: Mapping[str, Any]) -> dict[str, tuple[Any, ...]]:
    """Input files whose stat changed, when all of them are content files the last build read
    (no file came or went; templates, static files, site.yaml unchanged); else {}."""
    changed = {}
    seen = 0
    for path, signature in inputs.files.items():
        read = reads.get(path)
        if read is None:
            if path.startswith(inputs.roots):  # a new file, or one not trusted last time
                return {}
            continue  # site.yaml: part of the settings
        seen += 1
        if tuple(read[0]) != signature:
            record = read[2]
            if not record or record[0] != "s":
                return {}
            changed[path] = read
    return changed if seen == len(reads) else {}


def _edits(site_dir: Path, config: Config, changed: Mapping[str, tuple[Any, ...]],
           reads: Mapping[str, tuple[Any, ...]],
           ) -> list[tuple[Document, Document, OwnPage]] | None:
    """(cached version, new version, own page) of each document whose bytes changed, if every
    change is prose only and each has its own page; None otherwise."""
    markdown = config.settings.markdown
    reading = for_site(config).reading(markdown.raw_html, markdown.anchors)
    edits = []
    pages: dict[int, Any] = {}
    for path, (_, old_fp, record, _) in changed.items():
        data, problem = read_file(Path(path), record[2])
        if data is None or problem is not None:
            return None
        if fingerprint(data) == old_fp:
            continue  # touched, not changed
        item, problems = classify(site_dir, Path(path), data)
        if problems or not isinstance(item, Source) or (item.kind, item.rel) != record[1:3]:
            return None
        try:
            new = load_document(item, reading)
        except CasefolioError:
            return None  # the full build reports it
        old = cache.load_document(site_dir, (item.rel, old_fp, reading.options))
        if old is None or not prose_only(old, new):
            return None
        number = _shard(new.id)
        if number not in pages:
            pages[number] = cache.read_record(site_dir, f"prose-{number:02d}")
        page = (pages[number] or {}).get(new.id) if isinstance(pages[number], dict) else None
        if not isinstance(page, OwnPage):
            return None
        edits.append((old, new, page))
    return edits


def _record(site_dir: Path, out_dir: Path, inputs: Any, last: cache.Stamp, meta: Meta,
            reads: Mapping[str, tuple[Any, ...]], changed: Mapping[str, tuple[Any, ...]],
            edits: list[tuple[Document, Document, OwnPage]], written: Mapping[str, Any],
            fresh: Mapping[str, Output], fingerprints: dict[str, str], config: Config,
            listing: dict[str, tuple[int, int]]) -> None:
    """The cache after this build: the new documents, the rewritten files, the new reads; a
    stamp (and this module's meta) only if no edited file is too fresh to be trusted."""
    markdown = config.settings.markdown
    options = (markdown.raw_html, markdown.anchors)  # Reading.options
    cache.replace_documents(site_dir, {(old.rel, old.fingerprint, options): (
        (new.rel, new.fingerprint, options), new) for old, new, _ in edits})
    root = str(out_dir.resolve())
    marks = dict(written)
    for path, output in fresh.items():
        try:
            st = os.lstat(os.path.join(root, path))
        except OSError:
            listing.pop(path, None)  # (then no stamp will match the folder: a full build)
            continue
        marks[path] = (output.key, st.st_size, st.st_mtime_ns)
        listing[path] = (st.st_size, st.st_mtime_ns)
    new_reads = dict(reads)
    racy = False  # (a read kept racy last time is among `changed`: no stat matches it)
    built = {new.rel: new.fingerprint for _, new, _ in edits}
    for path, read in changed.items():
        signature = inputs.files[path]
        if signature[0] >= inputs.started - RACY_NS:  # (it may change again unseen: its
            racy = True                               # bytes are looked at next time)
            new_reads[path] = (RACY_SIGNATURE, built.get(read[2][2], read[1]), read[2], ())
            continue
        data = Path(path).read_bytes()
        new_reads[path] = (signature, fingerprint(data), read[2], ())
    stamp = cache.Stamp(inputs.settings, inputs.out, inputs.digest, listing_signature(listing),
                        last.warnings, last.pages, racy)
    cache.save_written(site_dir, out_dir, marks, new_reads, stamp)
    _save_meta(site_dir, Meta(stamp.inputs, meta.config, meta.theme_key, fingerprints,
                              meta.menu))


def _save_meta(site_dir: Path, meta: Meta) -> None:
    cache.write_record(site_dir, META, _digest((meta.inputs, meta.config, meta.theme_key,
                                                sorted(meta.fingerprints.items()))), meta)


def _shard(doc_id: str) -> int:
    return zlib.crc32(doc_id.encode()) % SHARDS


def _digest(value: object) -> str:
    return hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()

