"""Case studies: a client engagement with measured results, the site's main kind."""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import re
from collections import defaultdict
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from generator.config import Config
from generator.content.document import Document
from generator.content.schema import (
    Client,
    Common,
    Comparison,
    ImageRef,
    Invalid,
    Metric,
    Testimonial,
)
from generator.errors import Problem
from generator.images import plan as img
from generator.kinds import builtin, person
from generator.kinds.index import (
    Index,
    card_ids,
    headline,
    image_rel,
    tag_slug,
    toc,
)
from generator.kinds.kind import Kind, Pages, with_card
from generator.model import guides
from generator.model import views as v
from generator.model.metrics import result, unsupported_claims

FOLDER = "case-studies"
RELATED_LIMIT = 3
CANDIDATES_PER_KEY = 20
ALT_HINT = "add `alt:`, a sentence saying what the screenshot shows"


class CaseStudyMeta(Common):
    date: dt.date
    summary: str = Field(min_length=1, max_length=160)
    client: str | Client | None = None
    confidential: bool = False
    client_description: str | None = None
    niche: str | None = None
    niches: tuple[str, ...] = ()
    testimonials: tuple[Testimonial, ...] = ()
    team: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    practices: tuple[str, ...] = ()
    duration: str = ""
    metrics: tuple[Metric, ...] = ()
    testimonial: Testimonial | None = None
    tags: tuple[str, ...] = ()
    featured: bool = False
    cover: ImageRef | None = None
    comparisons: tuple[Comparison, ...] = ()

    @field_validator("date", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        """A calendar date as written, never a number read as seconds since 1970."""
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date) or (isinstance(value, str)
                                          and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
            return value
        raise PydanticCustomError("date_parsing", "expected a date (YYYY-MM-DD)")

    @property
    def client_name(self) -> str | None:
        return self.client.name if isinstance(self.client, Client) else self.client

    @property
    def niche_ids(self) -> tuple[str, ...]:
        """Every market, `niche:` first: `niche: x` is the one-market spelling of `niches:`."""
        return tuple(dict.fromkeys(((self.niche,) if self.niche else ()) + self.niches))

    @model_validator(mode="after")
    def _who(self) -> CaseStudyMeta:
        if not self.niche_ids:
            raise Invalid("`niche` is required", "add `niche: id` (an id from site.yaml "
                          "`niches:`), or `niches: [a, b]` for several markets")
        if self.confidential and not self.client_description:
            raise Invalid("a confidential case study needs `client_description`",
                          'add e.g. `client_description: "a mid-size DTC skincare brand"`')
        if not self.confidential and not self.client:
            raise Invalid("`client` is required",
                          "add `client: Name`, or set `confidential: true` and "
                          "`client_description:`")
        marked = [m.label for m in self.metrics if m.headline]
        if len(marked) > 1:
            raise Invalid(f"{len(marked)} results are marked `headline: true` "
                          f"({', '.join(marked)})", "mark one: it leads on cards and share cards")
        return self


def meta_of(doc: Document) -> CaseStudyMeta:
    assert isinstance(doc.meta, CaseStudyMeta)
    return doc.meta


def card(doc: Document, url: str, config: Config) -> v.Card:
    meta = meta_of(doc)
    niche_id = meta.niche_ids[0]
    niche = config.settings.niches.get(niche_id)
    results = tuple(result(m) for m in meta.metrics)
    return v.Card(doc.id, doc.kind, meta.title, url, meta.summary, meta.date,
                  who=(meta.client_description if meta.confidential else meta.client_name)
                  or "", niche=niche_id, niche_name=niche.name if niche else niche_id,
                  headline=next((r for r in results if r.marked),
                                results[0] if results else None), results=results,
                  services=meta.services, practices=meta.practices, tags=meta.tags,
                  featured=meta.featured, niches=meta.niche_ids, team=meta.team)


def link(doc: Document, index: Index) -> None:
    """Niche, services and practices named in the front matter; tags."""
    meta = meta_of(doc)
    niches = index.config.settings.niches
    for niche in meta.niche_ids:
        if niche not in niches:
            key = ("niche",) if niche == meta.niche else ("niches", meta.niches.index(niche))
            index.unknown(doc, key, "niche", niche, niches, "site.yaml `niches:`")
        else:
            index.point(doc.id, "niche", niche)
    services = index.slugs("services")
    for i, slug in enumerate(meta.services):
        if slug not in services:
            index.missing(doc, ("services", i), "service", "services", slug)
        else:
            index.point(doc.id, "service", f"services/{slug}")
    collections = index.slugs("practices")
    for i, ref in enumerate(meta.practices):
        slug, _, anchor = ref.partition("#")
        cid = f"practices/{slug}"
        if slug not in collections:
            index.missing(doc, ("practices", i), "practice collection", "practices", slug)
        elif anchor and anchor not in (citable := _citable(index, cid)):
            index.unknown(doc, ("practices", i), f"practice in `{slug}`", anchor, citable,
                          f"the practice headings of {slug} (not those marked {{-}})")
        else:
            index.point(doc.id, "practice", f"{cid}#{anchor}")
    people = index.config.settings.people
    for i, pid in enumerate(meta.team):
        if pid not in people:
            index.unknown(doc, ("team", i), "person", pid, people, "site.yaml `people:`")
    for tag in meta.tags:
        index.point(doc.id, "tag", tag_slug(tag))
    # all that ranking related studies reads of this one (see related_studies)
    index.record(f"rank:{doc.id}", (meta.date.toordinal(), *(
        index.outgoing(doc.id, relation) for relation in ("practice", "tag", "niche"))))
    client = meta.client  # its logo, on cards too
    if isinstance(client, Client) and client.logo and not meta.confidential:
        index.cards[doc.id] = dataclasses.replace(index.cards[doc.id], logo_html=index.picture(
            doc, client.logo, client.name, doc.line("client", "logo"), "",
            index.config.image_sizes("logo")))


def _citable(index: Index, cid: str) -> dict[str, str]:
    """A guide's practices a case study may cite: anchor -> heading text."""
    def make() -> dict[str, str]:
        doc = next(d for d in index.docs["practices"] if d.id == cid)
        level = doc.meta.practice_level  # type: ignore[attr-defined]
        return {h.anchor: h.text for h in guides.practices(doc.rendered, level)}
    return index.once(f"citable:{cid}", make)


def _card_job(doc: Document, made: v.Card, config: Config) -> img.CardJob | None:
    """The generated share card of a case study without a usable cover: its title and key
    result (the card's headline)."""
    if not config.settings.share_cards:
        return None
    return img.card_job(f"{FOLDER}/{doc.slug}/", meta_of(doc).title, *headline(made.headline),
                        config.settings.title)


def share_card(doc: Document, config: Config) -> img.CardJob | None:
    """The share card view() will plan, known before linking: none with a cover."""
    return None if meta_of(doc).cover else _card_job(doc, card(doc, "", config), config)


def view(doc: Document, index: Index) -> v.CaseStudy:
    meta = meta_of(doc)
    config, base, cards = index.config, index.base, index.cards
    cover_html = index.picture(doc, meta.cover.src, meta.cover.alt, doc.line("cover", "src"),
                               ALT_HINT, config.image_sizes("cover"),
                               eager=True) if meta.cover else ""
    comparisons_html = "".join(_comparison(doc, i, c, index)
                               for i, c in enumerate(meta.comparisons))
    folder = f"{FOLDER}/{doc.slug}/"
    cover_job = index.image_jobs.get(image_rel(doc, meta.cover.src)) if meta.cover else None
    og = (img.og_job(cover_job, folder) if isinstance(cover_job, img.ImageJob) else
          _card_job(doc, cards[doc.id], config))
    if og is not None:
        index.jobs.append(og)
    refs = [ref.partition("#")[::2] for ref in index.outgoing(doc.id, "practice")]
    svc_ids = index.outgoing(doc.id, "service")
    related = index.once("related", lambda: related_studies(index), structural=True)
    # the page shows which studies are related (their cards are read as `card:`), not how
    # they were ranked: a niche or tag edit re-renders only the pages whose list changed
    index.record(f"related:{doc.id}", related.get(doc.id, ()))
    people = config.settings.people
    study = v.CaseStudy(
        id=doc.id, url=index.urls[doc.id], card=cards[doc.id], title=meta.title,
        date=meta.date, summary=meta.summary, who=cards[doc.id].who, client=meta.client_name,
        confidential=meta.confidential,
        niche=index.niche_cards.get(meta.niche_ids[0], v.Card("", "niches", meta.niche_ids[0],
                                                              "", "")),
        niches=tuple(index.niche_cards[n] for n in meta.niche_ids if n in index.niche_cards),
        client_info=_client_info(meta, cards[doc.id], index.inline(
            doc, ("client", "about"), meta.client.about)[0] if isinstance(meta.client, Client)
            and meta.client.about else ""),
        testimonials=index.quotes(doc, meta.testimonial, meta.testimonials),
        team=tuple(person.member(config, p) for p in meta.team if p in people),
        services=index.cards_of(svc_ids),
        practices=tuple(_practice_ref(cid, anchor, index) for cid, anchor in refs),
        duration=meta.duration, results=cards[doc.id].results, testimonial=meta.testimonial,
        tags=tuple((t, base + f"tags/{tag_slug(t)}/") for t in meta.tags),
        cover=meta.cover, comparisons=meta.comparisons, html=index.html[doc.id],
        toc=toc(doc), words=doc.rendered.words, related=index.cards_of(related.get(doc.id, ())),
        draft=meta.draft,
        reads=frozenset({*card_ids(svc_ids), *(c for c, _ in refs),
                         *card_ids(related.get(doc.id, ())), f"related:{doc.id}",
                         *index.reads[doc.id]}),
        cover_html=cover_html, comparisons_html=comparisons_html,
        og_image=img.og_image(og, config.base_url,
                              meta.cover.alt if meta.cover else meta.title) if og else None,
    )
    _check_claims(doc, meta, study, index)
    return study


def _client_info(meta: CaseStudyMeta, card: v.Card, about_html: str) -> v.ClientInfo | None:
    """The "about the client" block: only for a client written as a mapping, never when
    the case study is confidential."""
    client = meta.client
    if not isinstance(client, Client) or meta.confidential:
        return None
    return v.ClientInfo(client.name, client.url, client.industry, about_html, card.logo_html)


def _check_claims(doc: Document, meta: CaseStudyMeta, study: v.CaseStudy, index: Index,
                  ) -> None:
    """Figures in the title or summary that no result supports; experiments that contradict
    or do not support their result."""
    for field in ("title", "summary"):
        for claim in unsupported_claims(getattr(meta, field), study.results):
            index.problems.append(Problem(
                doc.rel, doc.line(field), f"the {field} claims {claim.text}, which no "
                "result supports" + (f" (nearest: {claim.nearest})" if claim.nearest
                                     else ""),
                "correct the figure, or add the result behind it to `metrics:`",
                severity="warning"))
    for i, metric in enumerate(study.results):
        ev = metric.evidence
        if ev is not None and metric.absolute != 0 and ev.significant and (
                (ev.lift > 0) != (metric.absolute > 0)):
            index.problems.append(Problem(
                doc.rel, doc.line("metrics", i, "experiment"),
                f"metrics[{i}] `{metric.label}`: the experiment contradicts the claim: "
                f"{metric.before_text} → {metric.after_text} says "
                f"{'up' if metric.absolute > 0 else 'down'}, the A/B test is significant "
                f"the other way ({ev.describe()})",
                "check which arm is `control` and which `variant`, and the before/after "
                "figures"))
        elif ev is not None and not ev.significant and (metric.improved or False):
            index.problems.append(Problem(
                doc.rel, doc.line("metrics", i, "experiment"),
                f"metrics[{i}] `{metric.label}`: the experiment does not support the claimed "
                f"lift ({ev.describe()}, p = {ev.p_value:.2f})",
                "run the test longer or present the result as directional",
                severity="warning"))


def reprose(view: Any, doc: Document, body: str, sections: list[str]) -> Any:
    return dataclasses.replace(view, html=body, words=doc.rendered.words)


# Which case studies a paginated list or the feed shows depends on the order of all of them;
# this one fingerprint stands for that order, so each page reads only its own cards.
ORDER = f"order:{FOLDER}"


def routes(pages: Pages) -> None:
    studies = pages.views(FOLDER)
    step = ("Case studies", f"{FOLDER}/")
    size = pages.page_size
    cards = pages.cards(FOLDER)
    count = max(1, -(-len(cards) // size))
    services = pages.views("services")
    used = [s.card for s in services if s.case_studies]  # a chip leads to their #used-in
    # (the chips' cards are all a page reads of the services: a service that comes into use
    # or goes out of it adds or removes its card, which changes the page's key)
    for number in range(1, count + 1):
        path = f"{FOLDER}/" + ("" if number == 1 else f"page/{number}/")
        pages.add(path + "index.html", "case_studies.html", {ORDER},
                  page_kind=FOLDER, case_studies=cards[(number - 1) * size: number * size],
                  pager=pages.pager(f"{FOLDER}/", number, count),
                  niches=pages.cards("niches"), services=used,
                  breadcrumbs=pages.trail(step) if number == 1 else pages.trail(
                      step, (f"Page {number}", path)))
    for study in studies:
        pages.add(pages.file(study.url), "case_study.html", study.reads | {study.id},
                  page_kind="case-study", page=study,
                  breadcrumbs=pages.trail(step, (study.card.title, pages.rel(study.url))))


def _comparison(doc: Document, i: int, pair: Comparison, index: Index) -> str:
    before, after = (index.picture(doc, side.src, side.alt,
                                   doc.line("comparisons", i, name, "src"), ALT_HINT,
                                   index.config.image_sizes("comparison"))
                     for name, side in (("before", pair.before), ("after", pair.after)))
    return index.markup.comparison(before, after, pair.caption)


def _practice_ref(cid: str, anchor: str, index: Index) -> v.PracticeRef:
    title = index.cards[cid].title
    if anchor:
        return v.PracticeRef(cid, index.anchors[cid][anchor], title,
                             f"{index.urls[cid]}#{anchor}")
    return v.PracticeRef(cid, title, title, index.urls[cid])


def related_studies(index: Index, only: Collection[str] | None = None,
                    last: Mapping[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Up to three related case studies each, scored on shared practices, tags and niche.

    Only a window of CANDIDATES_PER_KEY studies nearest in date is looked at per shared key
    (no N^2 scan), and the ranking uses nothing but what each study's `rank:<id>` record holds
    (date, practices, tags, niches; not its card: a title edit changes no related list), so it
    is made again only when the site's structure changes. A page reads the list it shows
    (`related:<id>`) and the cards of the three on it. `only`: rank only these studies again
    and keep `last`'s lists of the others (those whose windows did not change: see near)."""
    group = index.docs.get(FOLDER, [])
    lists = _Members(index)
    days = _Days({d.id: d for d in group})  # (a few of them when `only`: serve's niche edit)
    out: dict[str, list[str]] = dict(last) if last is not None else {}
    for doc in group if only is None else [d for d in group if d.id in only]:
        meta = meta_of(doc)
        if meta.unlisted:
            continue
        score: dict[str, int] = defaultdict(int)
        keys = [("practice", ref, 3) for ref in index.outgoing(doc.id, "practice")]
        keys += [("tag", tag_slug(t), 2) for t in meta.tags]
        keys += [("niche", niche, 1) for niche in meta.niche_ids]
        for relation, key, weight in keys:
            for other in lists.window(relation, key, doc.id):
                score[other] += weight
        score.pop(doc.id, None)
        mine = days[doc.id]
        out[doc.id] = heapq.nsmallest(
            RELATED_LIMIT, score, key=lambda o: (-score[o], abs(days[o] - mine), o))
    return out


def near(index: Index, relation: str, key: str, sid: str) -> set[str]:
    """The studies whose window of the studies naming `key` holds `sid`: when `sid` joins or
    leaves that list, the only ones whose candidates change (a window that does not hold it
    holds the same studies, shifted by one)."""
    lists = _Members(index)
    members = lists[relation, key]
    found: set[str] = set()
    at = -1
    while True:  # a window that holds `sid` is one of a study within CANDIDATES_PER_KEY of it
        try:     # (not every member of a tag thousands of studies name: ~50 ms at 10,000)
            at = members.index(sid, at + 1)
        except ValueError:
            return found
        for other in members[max(0, at - CANDIDATES_PER_KEY + 1):at + CANDIDATES_PER_KEY]:
            if other not in found and sid in lists.window(relation, key, other):
                found.add(other)


class _Days(dict[str, int]):
    """A case study's date as a day number, by id, worked out when first asked."""

    def __init__(self, docs: Mapping[str, Document]) -> None:
        super().__init__()
        self.docs = docs

    def __missing__(self, sid: str) -> int:
        made = self[sid] = meta_of(self.docs[sid]).date.toordinal()
        return made


class _Members(dict[tuple[str, str], list[str]]):
    """(relation, target) -> the case studies naming it, in the studies' order, from the
    Index's edges (a study naming a tag twice is listed twice, as before); made when asked."""

    def __init__(self, index: Index) -> None:
        super().__init__()
        self.index = index
        self.where: dict[tuple[str, str], dict[str, int]] = {}

    def __missing__(self, key: tuple[str, str]) -> list[str]:
        made = self[key] = [i for i in self.index.pointing(*key) if i.startswith(PREFIX)]
        return made

    def window(self, relation: str, key: str, sid: str) -> list[str]:
        """The CANDIDATES_PER_KEY studies around `sid` in that list (all, when it is short)."""
        members = self[relation, key]
        if len(members) <= CANDIDATES_PER_KEY:
            return members
        where = self.where.get((relation, key))
        if where is None:
            where = self.where[relation, key] = {s: i for i, s in enumerate(members)}
        lo = max(0, min(where[sid] - CANDIDATES_PER_KEY // 2,
                        len(members) - CANDIDATES_PER_KEY))
        return members[lo:lo + CANDIDATES_PER_KEY]


PREFIX = f"{FOLDER}/"


KIND = Kind(builtin("case-study"), CaseStudyMeta,
            order=lambda d: (-meta_of(d).date.toordinal(), d.slug),
            card=card, view=view, routes=routes, link=link, reprose=reprose,
            share_card=share_card,
            recard=lambda view, card: with_card(view, card, ("services", "related")))
