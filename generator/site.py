"""Documents -> an immutable Site: URLs, cross-references both ways, derived results, aggregates.

Every reference is checked here (niches, services, practices, file links, images) and all
problems are returned together; relations are computed once through indexes, never by
scanning every page for every page.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import heapq
import posixpath
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from slugify import slugify

from generator.config import Config
from generator.content.document import Document
from generator.content.markdown import Rendered, fill, render
from generator.content.schema import (
    CaseStudyMeta,
    Client,
    Common,
    PageMeta,
    PracticeMeta,
    ServiceMeta,
    Testimonial,
)
from generator.content.sources import Asset
from generator.errors import Problem, did_you_mean
from generator.images import process as img
from generator.model import views as v
from generator.model.metrics import Result, aggregate, format_value, result, unsupported_claims
from generator.model.metrics import format_figure as fmt_figure

SECTION_URLS = {"case-studies": "case-studies/", "practices": "practices/",
                "services": "services/"}
RELATED_LIMIT = 3
CANDIDATES_PER_KEY = 20


@dataclass(frozen=True, slots=True)
class Site:
    config: Config
    case_studies: tuple[v.CaseStudy, ...]   # newest first
    collections: tuple[v.Collection, ...]
    services: tuple[v.Service, ...]
    pages: tuple[v.Page, ...]
    niches: tuple[v.Niche, ...]
    tags: tuple[v.Tag, ...]
    stats: v.Stats
    assets: tuple[Asset, ...]              # copied as they are (not JPEG/PNG/WebP)
    fingerprints: Mapping[str, str]        # id -> fingerprint of the file it came from
    images: tuple[img.Job, ...] = ()       # image variants and share cards to encode
    redirects: tuple[v.Redirect, ...] = ()  # the pages' `aliases:`
    # id -> the final link URLs and image html its body's placeholders were filled with, so
    # that an edit of nothing but a body can be re-filled without linking the site again.
    fills: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = dataclasses.field(
        default_factory=dict)

    def url(self, rel: str) -> str:
        """A site-relative path ('case-studies/') as a root-relative URL under base_path."""
        return self.config.base_path + rel


def doc_path(kind: str, slug: str) -> str:
    """Where a document lives, relative to the site root: 'case-studies/acme/' or 'about/'."""
    return f"{slug}/" if kind == "pages" else f"{SECTION_URLS[kind]}{slug}/"


def published(docs: Iterable[Document], config: Config) -> list[Document]:
    """Drop drafts and future-dated case studies unless the build asks for them."""
    today = config.today()
    drafts, future = config.options.drafts, config.options.future
    if drafts and future:
        return list(docs)
    keep = []
    for doc in docs:
        meta = doc.meta
        if (meta.draft and not drafts) or (not future and type(meta) is CaseStudyMeta
                                            and meta.date > today):
            continue
        keep.append(doc)
    return keep


def build_site(config: Config, docs: list[Document], assets: list[Asset],
               ) -> tuple[Site, list[Problem]]:
    """Link every document to the others and derive what templates show."""
    problems: list[Problem] = []
    base = config.base_path
    by_kind: dict[str, list[Document]] = defaultdict(list)
    for doc in docs:
        by_kind[doc.kind].append(doc)
    urls = {doc.id: base + doc_path(doc.kind, doc.slug) for doc in docs}
    niches_cfg = config.settings.niches

    cards = {doc.id: _card(doc, urls[doc.id], config) for doc in docs}
    listed = {doc.id for doc in docs if not doc.meta.unlisted}
    studies = sorted(by_kind["case-studies"], key=lambda d: (*_weight(d.meta),
                                                             -d.meta.date.toordinal(), d.slug))
    collections = sorted(by_kind["practices"], key=lambda d: (*_weight(d.meta),
                                                              d.meta.title.lower(), d.slug))
    services = sorted(by_kind["services"], key=lambda d: (*_weight(d.meta),
                                                          d.meta.title.lower(), d.slug))
    pages = sorted(by_kind["pages"], key=lambda d: (*_weight(d.meta), d.slug))
    anchors = {d.id: {s.anchor: s.title for s in d.rendered.sections if s.anchor}
               | {h.anchor: h.text for h in d.rendered.toc} for d in collections}
    anchors.update({d.id: {h.anchor: h.text for h in d.rendered.toc}
                    for d in docs if d.id not in anchors})

    # References from case studies, validated, kept as ids.
    practice_refs: dict[str, list[tuple[str, str]]] = {}
    cites: dict[tuple[str, str], list[str]] = defaultdict(list)  # (collection, anchor) -> studies
    by_service: dict[str, list[str]] = defaultdict(list)
    by_niche: dict[str, list[str]] = defaultdict(list)
    by_tag: dict[str, list[str]] = defaultdict(list)
    tag_names: dict[str, str] = {}
    service_slugs = {d.slug for d in services}
    collection_slugs = {d.slug for d in collections}
    for doc in studies:
        meta: CaseStudyMeta = doc.meta  # type: ignore[assignment]
        shown_in_lists = doc.id in listed
        for niche in meta.niche_ids:
            if niche not in niches_cfg:
                key = ("niche",) if niche == meta.niche else ("niches", meta.niches.index(niche))
                problems.append(_ref_problem(doc, key, "niche", niche, niches_cfg,
                                             "site.yaml `niches:`"))
            elif shown_in_lists:
                by_niche[niche].append(doc.id)
        for i, slug in enumerate(meta.services):
            if slug not in service_slugs:
                problems.append(_ref_problem(doc, ("services", i), "service", slug,
                                             service_slugs, "content/services/"))
            elif shown_in_lists:
                by_service[f"services/{slug}"].append(doc.id)
        refs = []
        for i, ref in enumerate(meta.practices):
            slug, _, anchor = ref.partition("#")
            cid = f"practices/{slug}"
            if slug not in collection_slugs:
                problems.append(_ref_problem(doc, ("practices", i), "practice collection", slug,
                                             collection_slugs, "content/practices/"))
            elif anchor and anchor not in anchors[cid]:
                problems.append(_ref_problem(doc, ("practices", i), f"practice in `{slug}`",
                                             anchor, anchors[cid], f"the `##` headings of {slug}"))
            else:
                refs.append((cid, anchor))
                if shown_in_lists:
                    cites[(cid, anchor)].append(doc.id)
        practice_refs[doc.id] = refs
        for i, person in enumerate(meta.team):
            if person not in config.settings.people:
                problems.append(_ref_problem(doc, ("team", i), "person", person,
                                             config.settings.people, "site.yaml `people:`"))
        for tag in meta.tags if shown_in_lists else ():
            key = tag_slug(tag)
            tag_names.setdefault(key, tag)
            by_tag[key].append(doc.id)
    for doc in services:
        for i, niche in enumerate(doc.meta.niches):  # type: ignore[attr-defined]
            if niche not in niches_cfg:
                problems.append(_ref_problem(doc, ("niches", i), "niche", niche, niches_cfg,
                                             "site.yaml `niches:`"))

    # Images: planned from their headers; each reference checked and turned into html.
    asset_by_rel = {a.rel: a for a in assets}
    image_jobs, copied = img.plan(config.site_dir, assets)
    shown: dict[str, str] = {}  # site-relative path -> fingerprint, of images on some page
    link_reads: dict[str, set[str]] = defaultdict(set)  # id -> ids of records/images it shows

    def picture(doc: Document, src: str, alt: str, line: int | None, alt_hint: str,
                sizes: str | None = None, eager: bool = False, title: str = "") -> str:
        rel = _image_rel(doc, src)
        asset, job = asset_by_rel.get(rel), image_jobs.get(rel)
        if asset is None:
            problems.append(Problem(doc.rel, line, f"image `{src}` not found",
                                    did_you_mean(src, [posixpath.relpath(r, posixpath.dirname(
                                        doc.rel)) for r in image_jobs])
                                    or f"put the file at {rel}"))
        elif not alt.strip():
            problems.append(Problem(doc.rel, line, f"image `{src}` has no alt text", alt_hint))
        else:
            shown[rel] = asset.fingerprint
            link_reads[doc.id].add(f"image:{rel}")
            if isinstance(job, str):
                problems.append(Problem(doc.rel, line, f"image `{src}`: {job}",
                                        f"open {rel} in an image editor and export it again"))
            elif job is None:
                return img.img_html(base + asset.out, alt, title)
            else:
                return img.picture_html(job, alt, base, title=title, eager=eager,
                                        **({"sizes": sizes} if sizes else {}))
        return ""

    def quotes(doc: Document, one: Testimonial | None, several: Iterable[Testimonial],
               ) -> tuple[v.Quote, ...]:
        """`testimonial:` then `testimonials:`, each photo through the image pipeline."""
        keyed = [(("testimonial",), one)] if one else []
        keyed += [(("testimonials", i), t) for i, t in enumerate(several)]
        return tuple(v.Quote(t.quote, t.name, t.role, picture(
            doc, t.photo, t.name, doc.line(*key, "photo"), "", img.PHOTO_SIZES)
            if t.photo else "") for key, t in keyed)

    def inline(doc: Document, key: tuple[str | int, ...], text: str) -> str:
        """One paragraph of inline Markdown (no raw html), its file links resolved."""
        line = doc.line(*key) or 1
        rendered = render(text, raw_html=False, line_offset=line - 1)
        links = []
        for link in rendered.links:
            target, found = _resolve_link(doc, link.target, by_rel, anchors, urls)
            if found is None:
                problems.append(Problem(doc.rel, line, target[0], target[1]))
            else:
                link_reads[doc.id].add(f"card:{found}")
            links.append(target[0] if found is not None else "#")
        body = fill(rendered.html, links, ["" for _ in rendered.images]).strip()
        if body.startswith("<p>") and body.endswith("</p>") and body.count("<p>") == 1:
            body = body[3:-4]
        return body

    by_rel = {doc.rel: doc for doc in docs}
    for doc in studies:  # client logos, on cards too
        client = doc.meta.client  # type: ignore[attr-defined]
        if isinstance(client, Client) and client.logo and not doc.meta.confidential:  # type: ignore[attr-defined]
            cards[doc.id] = dataclasses.replace(cards[doc.id], logo_html=picture(
                doc, client.logo, client.name, doc.line("client", "logo"), "", img.LOGO_SIZES))

    # Links and images in bodies.
    html: dict[str, str] = {}
    sections_html: dict[str, list[str]] = {}
    fills: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for doc in docs:
        links, images = [], []
        for link in doc.rendered.links:
            target, found = _resolve_link(doc, link.target, by_rel, anchors, urls)
            if found is None:
                problems.append(Problem(doc.rel, link.line, target[0], target[1]))
                links.append("#")
            else:
                links.append(target[0])
                link_reads[doc.id].add(f"card:{found}")  # a link shows the target's URL
        for image in doc.rendered.images:
            images.append(picture(doc, image.src, image.alt, image.line, "describe the "
                                  f"picture: ![the new checkout]({image.src})",
                                  title=image.title))
        fills[doc.id] = (tuple(links), tuple(images))
        html[doc.id], sections_html[doc.id] = _filled(doc.rendered, *fills[doc.id])

    # Reverse relations and views.
    def cards_of(ids: Iterable[str]) -> tuple[v.Card, ...]:
        return tuple(cards[i] for i in ids)

    niche_cards = {nid: v.Card(f"niches/{nid}", "niches", n.name, base + f"niches/{nid}/",
                               n.pitch) for nid, n in niches_cfg.items()}
    related, considered = _related([d for d in studies if d.id in listed], {
        i: refs for i, refs in practice_refs.items() if i in listed}, by_tag, by_niche)
    og_jobs: list[img.Job] = []
    study_views = []
    for doc in studies:
        meta = doc.meta  # type: ignore[assignment]
        alt_hint = "add `alt:`, a sentence saying what the screenshot shows"
        cover_html = picture(doc, meta.cover.src, meta.cover.alt, doc.line("cover", "src"),
                             alt_hint, img.COVER_SIZES, eager=True) if meta.cover else ""
        comparisons_html = "".join(img.comparison_html(*(
            picture(doc, side.src, side.alt, doc.line("comparisons", i, name, "src"), alt_hint,
                    img.COMPARISON_SIZES)
            for name, side in (("before", c.before), ("after", c.after))), c.caption)
            for i, c in enumerate(meta.comparisons))
        folder = doc_path(doc.kind, doc.slug)
        cover_job = image_jobs.get(_image_rel(doc, meta.cover.src)) if meta.cover else None
        og = (img.og_job(cover_job, folder) if isinstance(cover_job, img.ImageJob) else
              img.card_job(folder, meta.title, *_headline(cards[doc.id].headline),
                           config.settings.title) if config.settings.share_cards else None)
        if og is not None:
            og_jobs.append(og)
        prefs = tuple(_practice_ref(cid, anchor, anchors, cards, urls)
                      for cid, anchor in practice_refs[doc.id])
        svc_ids = [f"services/{s}" for s in meta.services if s in service_slugs]
        study_views.append(v.CaseStudy(
            id=doc.id, url=urls[doc.id], card=cards[doc.id], title=meta.title, date=meta.date,
            summary=meta.summary, who=cards[doc.id].who, client=meta.client_name,
            confidential=meta.confidential,
            niche=niche_cards.get(meta.niche_ids[0], v.Card("", "niches", meta.niche_ids[0],
                                                            "", "")),
            niches=tuple(niche_cards[n] for n in meta.niche_ids if n in niche_cards),
            client_info=_client_info(meta, cards[doc.id], inline(doc, ("client", "about"),
                                     meta.client.about) if isinstance(meta.client, Client)
                                     and meta.client.about else ""),
            testimonials=quotes(doc, meta.testimonial, meta.testimonials),
            team=tuple(v.Member(p, config.settings.people[p].name,
                                config.settings.people[p].role, config.settings.people[p].url)
                       for p in meta.team if p in config.settings.people),
            call_to_action=meta.call_to_action, unlisted=meta.unlisted,
            services=cards_of(svc_ids), practices=prefs, duration=meta.duration,
            results=cards[doc.id].results, testimonial=meta.testimonial,
            tags=tuple((t, base + f"tags/{tag_slug(t)}/") for t in meta.tags),
            cover=meta.cover, comparisons=meta.comparisons, html=html[doc.id],
            toc=_toc(doc), words=doc.rendered.words, related=cards_of(related.get(doc.id, ())),
            draft=meta.draft,
            reads=frozenset({*_card_ids(svc_ids), *(c for c, _ in practice_refs[doc.id]),
                             *_card_ids(considered.get(doc.id, ())), *link_reads[doc.id]}),
            cover_html=cover_html, comparisons_html=comparisons_html,
            og_image=img.og_image(og, config.base_url,
                                  meta.cover.alt if meta.cover else meta.title) if og else None,
        ))
        for field in ("title", "summary"):
            for claim in unsupported_claims(getattr(meta, field), study_views[-1].results):
                problems.append(Problem(
                    doc.rel, doc.line(field), f"the {field} claims {claim.text}, which no "
                    "result supports" + (f" (nearest: {claim.nearest})" if claim.nearest
                                         else ""),
                    "correct the figure, or add the result behind it to `metrics:`",
                    severity="warning"))
        for i, metric in enumerate(study_views[-1].results):
            ev = metric.evidence
            if ev is not None and metric.absolute != 0 and ev.significant and (
                    (ev.lift > 0) != (metric.absolute > 0)):
                problems.append(Problem(
                    doc.rel, doc.line("metrics", i, "experiment"),
                    f"metrics[{i}] `{metric.label}`: the experiment contradicts the claim: "
                    f"{metric.before_text} → {metric.after_text} says "
                    f"{'up' if metric.absolute > 0 else 'down'}, the A/B test is significant "
                    f"the other way ({ev.describe()})",
                    "check which arm is `control` and which `variant`, and the before/after "
                    "figures"))
            elif ev is not None and not ev.significant and (metric.improved or False):
                problems.append(Problem(
                    doc.rel, doc.line("metrics", i, "experiment"),
                    f"metrics[{i}] `{metric.label}`: the experiment does not support the claimed "
                    f"lift ({ev.describe()}, p = {ev.p_value:.2f})",
                    "run the test longer or present the result as directional",
                    severity="warning"))

    collection_views = []
    for doc in collections:
        meta = doc.meta  # type: ignore[assignment]
        whole = cites.get((doc.id, ""), [])
        practices, everyone = [], list(whole)
        for section, section_html in zip(doc.rendered.sections, sections_html[doc.id],
                                         strict=True):
            if not section.anchor:
                continue
            ids = _unique(cites.get((doc.id, section.anchor), []))
            everyone.extend(ids)
            practices.append(v.Practice(section.anchor, section.title, section_html,
                                        cards_of(ids)))
        intro = "".join(h for s, h in zip(doc.rendered.sections, sections_html[doc.id],
                                          strict=True) if not s.anchor)
        everyone = _unique(everyone)
        collection_views.append(v.Collection(
            id=doc.id, url=urls[doc.id], card=cards[doc.id], title=meta.title,
            summary=meta.summary, topic=meta.topic, intro_html=intro,
            practices=tuple(practices), evidence=cards_of(everyone), draft=meta.draft,
            reads=frozenset(_card_ids(everyone)) | link_reads[doc.id],
            call_to_action=meta.call_to_action, unlisted=meta.unlisted))

    service_views = []
    for doc in services:
        meta = doc.meta  # type: ignore[assignment]
        proof = by_service[doc.id][:1]
        og = img.card_job(doc_path(doc.kind, doc.slug), meta.title, *(
            _headline(cards[proof[0]].headline, cards[proof[0]].who) if proof
            else (cards[doc.id].price_text, "flat fee" if meta.price else "")),
            config.settings.title) if config.settings.share_cards else None
        if og is not None:
            og_jobs.append(og)
        service_views.append(v.Service(
            id=doc.id, url=urls[doc.id], card=cards[doc.id], title=meta.title,
            summary=meta.summary,
            niches=tuple(niche_cards[n] for n in meta.niches if n in niche_cards),
            price=meta.price, price_text=cards[doc.id].price_text,
            deliverables=meta.deliverables, outcome=meta.outcome, faq=meta.faq,
            html=html[doc.id], case_studies=cards_of(by_service[doc.id]), draft=meta.draft,
            reads=frozenset(_card_ids(by_service[doc.id])) | link_reads[doc.id],
            og_image=img.og_image(og, config.base_url, meta.title) if og else None,
            testimonials=quotes(doc, None, meta.testimonials),
            call_to_action=meta.call_to_action, unlisted=meta.unlisted))

    page_views = tuple(v.Page(
        id=doc.id, url=urls[doc.id], card=cards[doc.id], title=doc.meta.title,
        summary=doc.meta.summary, menu=doc.meta.menu,  # type: ignore[attr-defined]
        html=html[doc.id], toc=_toc(doc), draft=doc.meta.draft,
        reads=frozenset(link_reads[doc.id]), call_to_action=doc.meta.call_to_action,
        unlisted=doc.meta.unlisted) for doc in pages)

    niche_views = []
    for nid, niche in niches_cfg.items():
        ids = by_niche.get(nid, [])
        svc = [d.id for d in services if nid in d.meta.niches  # type: ignore[attr-defined]
               and d.id in listed]
        cols = _unique(c for i in ids for c, _ in practice_refs[i])
        niche_views.append(v.Niche(
            id=f"niches/{nid}", url=niche_cards[nid].url, card=niche_cards[nid], name=niche.name,
            pitch=niche.pitch, case_studies=cards_of(ids), services=cards_of(svc),
            collections=cards_of(cols), highlights=highlights(cards_of(ids)),
            reads=frozenset(_card_ids([*ids, *svc, *cols]))))
    tag_views = tuple(v.Tag(f"tags/{key}", base + f"tags/{key}/", tag_names[key],
                            cards_of(by_tag[key]), frozenset(_card_ids(by_tag[key])))
                      for key in sorted(by_tag))
    chosen, highlight_problems = _site_highlights(config, cards, studies)
    problems += highlight_problems
    in_lists = [d for d in studies if d.id in listed]
    stats = v.Stats(len(in_lists), len({n for d in in_lists for n in d.meta.niche_ids}),  # type: ignore[attr-defined]
                    chosen if config.settings.highlights else highlights(
                        cards_of(d.id for d in in_lists)),
                    frozenset(_card_ids(d.id for d in in_lists)))
    redirects, alias_problems = _redirects(docs, urls, config)
    problems += alias_problems

    problems += [Problem(rel, None, job, "open it in an image editor and export it again, "
                         "or remove it") for rel, job in image_jobs.items()
                 if isinstance(job, str) and rel not in shown]
    fingerprints = {doc.id: doc.fingerprint for doc in docs} | {
        f"image:{rel}": fingerprint for rel, fingerprint in shown.items()} | {
        f"card:{i}": card_fingerprint(card) for i, card in cards.items()} | {
        "order:case-studies": hashlib.blake2b("\n".join(d.id for d in in_lists).encode(),
                                              digest_size=16).hexdigest()}
    site = Site(config, tuple(study_views), tuple(collection_views), tuple(service_views),
                page_views, tuple(niche_views), tag_views, stats, tuple(copied), fingerprints,
                images=(*img.publish(image_jobs, shown), *og_jobs), fills=fills,
                redirects=redirects)
    return site, problems


def patch_bodies(site: Site, edits: Iterable[tuple[Document, Document]]) -> Site | None:
    """The site as build_site would make it after these (before, after) edits, when each one
    changed nothing but prose: same metadata, links, images, headings and section titles (so
    no card, URL, relation or cross-reference moved); None when some edit did more.

    This is what makes a save in `serve` cost one page on a 10,000-page site: the views of
    the edited documents get their new bodies, everything else is shared with `site`."""
    views: dict[str, object] = {}
    fingerprints = dict(site.fingerprints)
    fills = site.fills
    for before, after in edits:
        if not prose_only(before, after) or before.id not in fills:
            return None
        old = view_by_id(site, before.id)
        if old is None:
            return None
        views[after.id] = reprose(old, after, fills[before.id])
        fingerprints[after.id] = after.fingerprint

    groups = {"case_studies": site.case_studies, "collections": site.collections,
              "services": site.services, "pages": site.pages}
    for view in views.values():
        name = {v.CaseStudy: "case_studies", v.Collection: "collections",
                v.Service: "services", v.Page: "pages"}[type(view)]
        group = groups[name]
        at = next(i for i, x in enumerate(group) if x.id == view.id)  # type: ignore[attr-defined]
        groups[name] = (*group[:at], view, *group[at + 1:])
    return dataclasses.replace(site, fingerprints=fingerprints, **groups)  # type: ignore[arg-type]


def reprose(view: Any, doc: Document, fills: tuple[tuple[str, ...], tuple[str, ...]]) -> Any:
    """A document's view with the body (and sections) of this version of it, filled with the
    link URLs and image html the site was linked with (valid while they did not change)."""
    body, sections = _filled(doc.rendered, *fills)
    if isinstance(view, v.Collection):
        practices = iter(view.practices)
        parts = [(s.anchor, h) for s, h in zip(doc.rendered.sections, sections, strict=True)]
        return dataclasses.replace(
            view, intro_html="".join(h for a, h in parts if not a),
            practices=tuple(dataclasses.replace(next(practices), html=h)
                            for a, h in parts if a))
    if isinstance(view, v.CaseStudy):
        return dataclasses.replace(view, html=body, words=doc.rendered.words)
    return dataclasses.replace(view, html=body)


def without_prose(view: Any) -> Any:
    """A view without its body: what reprose needs kept of it (small enough to store)."""
    if isinstance(view, v.Collection):
        return dataclasses.replace(view, intro_html="", practices=tuple(
            dataclasses.replace(p, html="") for p in view.practices))
    return dataclasses.replace(view, html="")


def prose_only(before: Document, after: Document) -> bool:
    """Whether two versions of a document differ in nothing build_site links or derives."""
    a, b = before.rendered, after.rendered
    return (before.kind == after.kind and before.rel == after.rel and before.slug == after.slug
            and before.meta == after.meta and before.positions == after.positions
            and [x.target for x in a.links] == [x.target for x in b.links]
            and [(x.src, x.alt, x.title) for x in a.images]
            == [(x.src, x.alt, x.title) for x in b.images]
            and [(h.level, h.text, h.anchor) for h in a.toc]
            == [(h.level, h.text, h.anchor) for h in b.toc]
            and [(s.anchor, s.title) for s in a.sections if s.anchor]
            == [(s.anchor, s.title) for s in b.sections if s.anchor])


def view_by_id(site: Site, doc_id: str) -> object | None:
    """A document's full view (CaseStudy, Collection, Service or Page), or None."""
    for group in (site.case_studies, site.collections, site.services, site.pages):
        for view in group:
            if view.id == doc_id:
                return view
    return None


def _image_rel(doc: Document, src: str) -> str:
    """An image reference, relative to the content file, as a site-relative path."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel), src))


def _headline(metric: Result | None, who: str = "") -> tuple[str, str]:
    """A share card's key result: ('+38%', 'Mobile conversion rate, Lumen Skincare'),
    ('400+ days', 'Unbroken uptime record, Kuvio')."""
    if metric is None:
        return "", ""
    return metric.primary, f"{metric.label}, {who}" if who else metric.label


def highlights(cards: Iterable[v.Card], limit: int = 3) -> tuple[v.Highlight, ...]:
    """The contract's default tiles: medians of results two or more case studies share, then
    the featured case studies' headline results, the largest first. A label held by one
    case study is never an aggregate."""
    cards = list(cards)
    shared = aggregate((card.id, r) for card in cards for r in card.results)
    out = [v.Highlight(a.label, a.text, a.count) for a in shared[:limit]]
    taken = {a.label.casefold() for a in shared}
    featured = sorted((c for c in cards if c.featured and c.headline is not None
                       and c.headline.label.strip().casefold() not in taken),
                      key=lambda c: (-c.headline.magnitude, c.id))  # type: ignore[union-attr]
    for card in featured[:max(0, limit - len(out))]:
        r = card.headline
        assert r is not None
        out.append(v.Highlight(r.label, r.primary, note=card.who, url=card.url))
    return tuple(out)


def _site_highlights(config: Config, cards: Mapping[str, v.Card], studies: list[Document],
                     ) -> tuple[tuple[v.Highlight, ...], list[Problem]]:
    """site.yaml `highlights:`, resolved: each case study's result found by its label."""
    out, problems = [], []
    slugs = {d.slug: d.id for d in studies}
    lines = config.highlight_lines
    for i, entry in enumerate(config.settings.highlights):
        line = lines[i] if i < len(lines) else None
        if entry.value is not None:
            figure = fmt_figure(entry.value, entry.unit)
            out.append(v.Highlight(entry.label or "", figure))
            continue
        study = slugs.get(entry.case_study or "")
        if study is None:
            problems.append(Problem("site.yaml", line, f"highlights[{i}]: no published case "
                                    f"study `{entry.case_study}`",
                                    did_you_mean(entry.case_study or "", slugs)
                                    or "use a case study's slug (its file name)"))
            continue
        card = cards[study]
        found = [r for r in card.results if r.label == entry.metric] or [
            r for r in card.results if r.label.strip().casefold()
            == (entry.metric or "").strip().casefold()]
        if not found:
            labels = [r.label for r in card.results]
            problems.append(Problem("site.yaml", line, f"highlights[{i}]: `{entry.case_study}` "
                                    f"has no result labelled `{entry.metric}`",
                                    did_you_mean(entry.metric or "", labels)
                                    or f"its results: {', '.join(labels) or 'none'}"))
            continue
        out.append(v.Highlight(found[0].label, found[0].primary, note=card.who, url=card.url))
    return tuple(out), problems


def _card(doc: Document, url: str, config: Config) -> v.Card:
    card = _kind_card(doc, url, config)
    return dataclasses.replace(card, full_title=doc.meta.title, unlisted=doc.meta.unlisted)


def _kind_card(doc: Document, url: str, config: Config) -> v.Card:
    meta = doc.meta
    if isinstance(meta, CaseStudyMeta):
        niche_id = meta.niche_ids[0]
        niche = config.settings.niches.get(niche_id)
        results = tuple(result(m) for m in meta.metrics)
        return v.Card(doc.id, doc.kind, meta.name, url, meta.summary, meta.date,
                      who=meta.client_description if meta.confidential else (
                          meta.client_name or ""),
                      niche=niche_id, niche_name=niche.name if niche else niche_id,
                      headline=next((r for r in results if r.marked),
                                    results[0] if results else None), results=results,
                      services=meta.services, practices=meta.practices, tags=meta.tags,
                      featured=meta.featured, niches=meta.niche_ids)
    if isinstance(meta, ServiceMeta):
        return v.Card(doc.id, doc.kind, meta.name, url, meta.summary,
                      price_text=price_text(meta))
    if isinstance(meta, PracticeMeta):
        count = sum(1 for s in doc.rendered.sections if s.anchor)
        return v.Card(doc.id, doc.kind, meta.name, url, meta.summary, topic=meta.topic,
                      count=count)
    assert isinstance(meta, PageMeta)
    return v.Card(doc.id, doc.kind, meta.name, url, meta.summary)


def _weight(meta: Common) -> tuple[bool, int]:
    """Manual order first (`weight:`, lower first), then the pages without a weight."""
    return (meta.weight is None, meta.weight or 0)


def _client_info(meta: CaseStudyMeta, card: v.Card, about_html: str) -> v.ClientInfo | None:
    """The "about the client" block: only for a client written as a mapping, never when
    the case study is confidential."""
    client = meta.client
    if not isinstance(client, Client) or meta.confidential:
        return None
    return v.ClientInfo(client.name, client.url, client.industry, about_html, card.logo_html)


def alias_output(path: str) -> str:
    """Where an alias's redirect page goes: 'old.html' as is, 'old/x' -> 'old/x/index.html'."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return path if "." in last and not path.endswith("/") else path.rstrip("/") + "/index.html"


def _redirects(docs: Iterable[Document], urls: Mapping[str, str], config: Config,
               ) -> tuple[tuple[v.Redirect, ...], list[Problem]]:
    """Each `aliases:` entry as a redirect; an alias taken by a page or another alias is an
    error naming both files."""
    taken: dict[str, str] = {"index.html": "the home page"}
    for folder, what in (("case-studies", "the case study index"), ("practices", "the "
                         "practices index"), ("services", "the services index"),
                         ("tags", "the tags index")):
        taken[f"{folder}/index.html"] = what
    for nid in config.settings.niches:
        taken[f"niches/{nid}/index.html"] = f"the niche page of `{nid}` (site.yaml)"
    docs = list(docs)
    for doc in docs:
        line = doc.line("slug")
        taken[doc_path(doc.kind, doc.slug) + "index.html"] = (
            f"{doc.rel}:{line}" if line else doc.rel)
    out, problems = [], []
    for doc in docs:
        for i, alias in enumerate(doc.meta.aliases):
            line = doc.line("aliases", i)
            path = alias_output(alias.lstrip("/"))
            other = taken.get(path)
            if other is not None:
                problems.append(Problem(doc.rel, line, f"the alias `{alias}` is already the URL "
                                        f"of {other}", "remove the alias, or change the other "
                                        "page's slug or alias"))
                continue
            taken[path] = f"an alias in {doc.rel}:{line}" if line else f"an alias in {doc.rel}"
            out.append(v.Redirect(alias.lstrip("/"), urls[doc.id], doc.id))
    return tuple(sorted(out, key=lambda r: r.path)), problems


def price_text(meta: ServiceMeta) -> str:
    if meta.price is None:
        return ""
    per = {"month": "/month", "week": "/week", "project": " per project"}[meta.price.per]
    return f"{format_value(meta.price.amount, meta.price.currency)}{per}"


def _toc(doc: Document) -> tuple[v.Heading, ...]:
    return tuple(v.Heading(h.level, h.text, h.anchor) for h in doc.rendered.toc)


def _practice_ref(cid: str, anchor: str, anchors: Mapping[str, Mapping[str, str]],
                  cards: Mapping[str, v.Card], urls: Mapping[str, str]) -> v.PracticeRef:
    title = cards[cid].title
    if anchor:
        return v.PracticeRef(cid, anchors[cid][anchor], title, f"{urls[cid]}#{anchor}")
    return v.PracticeRef(cid, title, title, urls[cid])


def _resolve_link(doc: Document, target: str, by_rel: Mapping[str, Document],
                  anchors: Mapping[str, Mapping[str, str]], urls: Mapping[str, str],
                  ) -> tuple[tuple[str, str], str | None]:
    """A relative .md link -> (final URL, ''), or ((message, hint), None) when it dangles."""
    path, _, fragment = target.partition("#")
    rel = posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel), path))
    found = by_rel.get(rel)
    if found is None:
        hint = did_you_mean(rel, by_rel) or "check the file name and the ../ part"
        return (f"link to `{target}`: no such content file ({rel})", hint), None
    if fragment and fragment not in anchors[found.id]:
        hint = did_you_mean(fragment, anchors[found.id]) or (
            f"anchors in {rel}: {', '.join(sorted(anchors[found.id])) or 'none'}")
        return (f"link to `{target}`: no heading with anchor `#{fragment}` in {rel}",
                hint), None
    url = urls[found.id] + (f"#{fragment}" if fragment else "")
    return (url, ""), found.id


def _ref_problem(doc: Document, key: tuple[str | int, ...], what: str, value: str,
                 choices: Iterable[str], where: str) -> Problem:
    choices = list(choices)
    hint = did_you_mean(value, choices) or (
        f"known: {', '.join(sorted(choices))}" if choices else f"add it to {where}")
    return Problem(doc.rel, doc.line(*key), f"unknown {what} `{value}`", hint)


def _related(studies: list[Document], practice_refs: Mapping[str, list[tuple[str, str]]],
             by_tag: Mapping[str, list[str]], by_niche: Mapping[str, list[str]],
             ) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """Up to three related case studies each, scored on shared practices, tags and niche.

    Only a window of CANDIDATES_PER_KEY studies nearest in date is looked at per shared key
    (no N^2 scan), and the ranking uses nothing but the candidates' own cards (score, date
    distance, id), so a page depends exactly on the candidates it considered (returned too)."""
    by_practice: dict[str, list[str]] = defaultdict(list)
    for sid, refs in practice_refs.items():
        for cid, anchor in refs:
            by_practice[f"{cid}#{anchor}"].append(sid)
    position: dict[int, dict[str, int]] = {}  # id(list) -> study id -> index in that list
    days = {d.id: d.meta.date.toordinal() for d in studies}  # type: ignore[attr-defined]
    out: dict[str, list[str]] = {}
    considered: dict[str, set[str]] = {}
    half = CANDIDATES_PER_KEY // 2
    for doc in studies:
        meta: CaseStudyMeta = doc.meta  # type: ignore[assignment]
        score: dict[str, int] = defaultdict(int)
        keys = [(by_practice, f"{c}#{a}", 3) for c, a in practice_refs[doc.id]]
        keys += [(by_tag, tag_slug(t), 2) for t in meta.tags]
        keys += [(by_niche, niche, 1) for niche in meta.niche_ids]
        seen: set[str] = set()
        for index, key, weight in keys:
            members = index.get(key, [])
            if len(members) > CANDIDATES_PER_KEY:
                where = position.get(id(members))
                if where is None:
                    where = position[id(members)] = {sid: i for i, sid in enumerate(members)}
                lo = max(0, min(where[doc.id] - half, len(members) - CANDIDATES_PER_KEY))
                members = members[lo:lo + CANDIDATES_PER_KEY]
            seen.update(members)
            for other in members:
                score[other] += weight
        score.pop(doc.id, None)
        seen.discard(doc.id)
        mine = days[doc.id]
        out[doc.id] = heapq.nsmallest(
            RELATED_LIMIT, score, key=lambda o: (-score[o], abs(days[o] - mine), o))
        considered[doc.id] = seen
    return out, considered


@functools.lru_cache(maxsize=4096)
def tag_slug(tag: str) -> str:
    """A tag's URL segment (slugify is slow enough to matter at 10,000 pages)."""
    return slugify(tag) or "tag"


def card_fingerprint(card: v.Card) -> str:
    return hashlib.blake2b(repr(card).encode(), digest_size=16).hexdigest()


def _card_ids(ids: Iterable[str]) -> list[str]:
    return [f"card:{i}" for i in ids]


@functools.lru_cache(maxsize=16384)
def _filled(rendered: Rendered, links: tuple[str, ...], images: tuple[str, ...],
            ) -> tuple[str, list[str]]:
    """A body with its final link URLs and images; remembered, since in `serve` nearly every
    document is unchanged from one rebuild to the next."""
    return (fill(rendered.html, links, images),
            [fill(s.html, links, images) for s in rendered.sections])


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))

