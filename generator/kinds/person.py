"""People: the consultants of site.yaml `people:`, a page each at /people/<id>/ with their
photo, role, bio, the case studies they worked on and the articles they wrote, and a /people/
list. They are not content
files, so they are routes (made from the config and the articles' views), not a kind."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.config import Config, Person
from generator.kinds.kind import Pages
from generator.model.views import Card, Member, Photo

FOLDER = "people"


@dataclass(frozen=True, slots=True)
class PersonView:
    """What person.html receives as `page`."""

    id: str
    url: str
    card: Card
    title: str      # the person's name
    name: str
    role: str
    bio: str
    link: str       # their own page elsewhere (LinkedIn...), or ''
    photo: Photo | None
    articles: tuple[Card, ...]
    reads: frozenset[str]
    case_studies: tuple[Card, ...] = ()


def views(config: Config, articles: list[Card], authors: dict[str, tuple[str, ...]],
          studies: Sequence[Card] = ()) -> list[PersonView]:
    """One view per person in site.yaml order; `authors` maps an article's id to its authors;
    a case study's card names its team."""
    out = []
    for pid, person in config.settings.people.items():
        url = config.base_path + f"{FOLDER}/{pid}/"
        theirs = tuple(c for c in articles if pid in authors.get(c.id, ()))
        out.append(PersonView(
            f"{FOLDER}/{pid}", url, Card(f"{FOLDER}/{pid}", FOLDER, person.name, url,
                                         person.role), person.name, person.name, person.role,
            person.bio, person.url or "", photo(config, person), theirs,
            # which articles and case studies are theirs depends on every article's authors
            # and every case study's team (in their cards)
            frozenset({"order:articles", "order:case-studies",
                       *(f"card:{c.id}" for c in (*articles, *studies))}),
            tuple(c for c in studies if pid in c.team)))
    return out


def member(config: Config, pid: str) -> Member:
    """A person of site.yaml `people:` as a case study's team shows them: linked to their page."""
    person = config.settings.people[pid]
    return Member(pid, person.name, person.role, config.base_path + f"{FOLDER}/{pid}/",
                  photo(config, person), person.bio)


def photo(config: Config, person: Person) -> Photo | None:
    """The photo as a plain <img> with its size, or None when there is no readable file."""
    if not person.photo or "://" in person.photo:
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(Path(config.site_dir) / person.photo) as im:
            width, height = im.size
    except (OSError, UnidentifiedImageError):
        return None
    return Photo(config.base_path + person.photo.removeprefix("static/").lstrip("/"),
                 width, height)


def routes(pages: Pages) -> None:
    articles = pages.views("articles")
    studies = pages.views("case-studies")
    people = views(pages.config, [a.card for a in articles],
                   {a.id: tuple(p.id for p in a.authors) for a in articles},
                   [s.card for s in studies if not s.card.unlisted])
    if not people:
        return
    step = ("People", f"{FOLDER}/")
    pages.add(f"{FOLDER}/index.html", "people.html", page_kind=FOLDER, people=people,
              breadcrumbs=pages.trail(step))
    for person in people:
        pages.add(pages.file(person.url), "person.html", person.reads, page_kind="person",
                  page=person, breadcrumbs=pages.trail(step, (person.name,
                                                              pages.rel(person.url))))
