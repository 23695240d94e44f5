"""Incremental rebuilds equal full builds: random edit sequences applied through the serve path
(one BuildState, files rewritten only where bytes changed) end byte for byte where a fresh
build of the final files ends; and the caches skip exactly the work they should."""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
from pathlib import Path

import pytest

from generator.build import BuildState, build, build_to, read_inputs
from generator.config import BuildOptions
from generator.content.sources import read_sources
from generator.errors import CasefolioError
from generator.kinds.registry import Registry
from generator.output.preview import write_changes
from generator.output.writer import MARKER

REPO = Path(__file__).resolve().parent.parent
OPTIONS = BuildOptions(base_url="http://127.0.0.1:8000/", serve=True)
NICHES = ["ecommerce", "pool-construction", "personal-injury-law", "senior-living"]
PRACTICES = ["landing-pages#one-goal", "checkout#guest-checkout", "landing-pages#page-speed",
             "checkout", "landing-pages#social-proof"]
KINDS = ["body", "title", "niche", "add", "delete", "rename", "heading", "template", "site_yaml",
         "static", "css", "touch", "break_", "prose", "link", "bundle", "metric", "tags", "price",
         "guide_title", "service_title"]
TAGS = ["checkout", "mobile", "forms", "speed", "new", "lead-gen", "paid-search"]
UNLINKED = ["coastal-pools-price-range", "coffee-subscription-landing",
            "delgado-truck-accident-pages", "willow-creek-tour-booking"]


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != MARKER}


class Editor:
    """Random edits of every kind a writer makes, each keeping or breaking the site on purpose."""

    def __init__(self, site: Path, rng: random.Random) -> None:
        self.site, self.rng = site, rng
        self.deletable = [f"content/case-studies/{s}.md" for s in UNLINKED]
        self.broken: tuple[Path, str] | None = None
        self.count = 0
        self.plan: list[str] = []
        self.touched: set[Path] = set()  # what a watcher would report since the last build

    def apply(self) -> str:
        self.count += 1
        if self.broken is not None:  # the save after a breaking one fixes it
            path, text = self.broken
            self.broken = None
            self.save(path, text)
            return f"fix {path.name}"
        if not self.plan:  # every kind once, in random order, then again
            self.plan = [*KINDS, "body", "add"]
            self.rng.shuffle(self.plan)
        kind = self.plan.pop()
        getattr(self, kind)()
        return kind

    def studies(self) -> list[Path]:
        return sorted((self.site / "content/case-studies").glob("*.md"))

    def save(self, path: Path, text: str) -> None:
        """Save the way some editor does: in place, temp file + rename, or delete + create."""
        how = self.rng.choice(["inplace", "rename", "recreate"])
        path.parent.mkdir(parents=True, exist_ok=True)
        self.touched.add(path)
        if how == "rename":
            tmp = path.with_name(f".{path.name}.tmp")
            self.touched.add(tmp)
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
        elif how == "recreate" and path.exists():
            path.unlink()
            path.write_text(text, encoding="utf-8")
        else:
            path.write_text(text, encoding="utf-8")

    def replace_line(self, path: Path, key: str, value: str) -> None:
        lines = path.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            if line.startswith(f"{key}:"):
                lines[i] = f"{key}: {value}"
                break
        self.save(path, "\n".join(lines))

    def body(self) -> None:
        path = self.rng.choice(self.studies())
        self.save(path, path.read_text(encoding="utf-8") + f"\nEdit number {self.count}.\n")

    def title(self) -> None:
        self.replace_line(self.rng.choice(self.studies()), "title",
                          f"Retitled study {self.count}")

    def niche(self) -> None:
        self.replace_line(self.rng.choice(self.studies()), "niche", self.rng.choice(NICHES))

    def metric(self) -> None:
        """A result's `after:` figure moves by a percent or two (its sign stays: an A/B test
        behind it does not turn into a contradiction)."""
        path = self.rng.choice([p for p in self.studies()
                                if re.search(r"^    after: [0-9.]+$", p.read_text(), re.M)])
        lines = path.read_text(encoding="utf-8").split("\n")
        at = self.rng.choice([i for i, line in enumerate(lines)
                              if re.fullmatch(r"    after: [0-9.]+", line)])
        value = float(lines[at].split(": ")[1]) * self.rng.choice([1.01, 1.02, 0.99])
        lines[at] = f"    after: {value:.1f}"
        self.save(path, "\n".join(lines))

    def tags(self) -> None:
        """Tags replaced: some the site has, some new (a tag page comes or goes)."""
        path = self.rng.choice([p for p in self.studies()
                                if re.search(r"^tags:", p.read_text(), re.M)])
        self.replace_line(path, "tags", f"[{', '.join(self.rng.sample(TAGS, self.rng.randint(1, 3)))}]")

    def price(self) -> None:
        """A service's price (shown on its page, its card, and every page listing it)."""
        path = self.site / self.rng.choice(["content/services/conversion-audit.md",
                                            "content/services/conversion-retainer.md"])
        text = path.read_text(encoding="utf-8")
        self.save(path, re.sub(r"^price: \{amount: \d+", "price: {amount: "
                               f"{self.rng.randint(10, 99) * 100}", text, count=1, flags=re.M))

    def service_title(self) -> None:
        """A service's title: services are listed by title, so the list may reorder."""
        path = self.site / self.rng.choice(["content/services/conversion-audit.md",
                                            "content/services/conversion-retainer.md"])
        self.replace_line(path, "title", self.rng.choice(["Audit", "Zebra retainer",
                                                          f"Offer {self.count}"]))

    def guide_title(self) -> None:
        """A practice collection's title, which case studies citing it show."""
        self.replace_line(self.site / "content/practices/checkout.md", "title",
                          f"Checkout practices {self.count}")

    def add(self) -> None:
        rel = f"content/case-studies/added-{self.count}.md"
        tags = ", ".join(self.rng.sample(["checkout", "mobile", "forms", "speed", "new"], 2))
        self.save(self.site / rel, f"""---
title: Added study {self.count}
date: 2024-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}
summary: Added in edit {self.count}.
client: Client {self.count}
niche: {self.rng.choice(NICHES)}
practices: [{self.rng.choice(PRACTICES)}]
tags: [{tags}]
metrics:
  - {{label: Conversion rate, before: 2.0, after: {self.rng.randint(21, 40) / 10}, unit: "%"}}
---
Body of added study {self.count}.
""")
        self.deletable.append(rel)

    def delete(self) -> None:
        if self.deletable:
            rel = self.deletable.pop(self.rng.randrange(len(self.deletable)))
            (self.site / rel).unlink()
            self.touched.add(self.site / rel)

    def rename(self) -> None:
        if self.deletable:
            rel = self.deletable.pop(self.rng.randrange(len(self.deletable)))
            new = f"content/case-studies/renamed-{self.count}.md"
            os.replace(self.site / rel, self.site / new)
            self.touched |= {self.site / rel, self.site / new}
            self.deletable.append(new)

    def prose(self) -> None:
        """Prose only (what serve patches without linking the site again): a practice
        section, a service, a page, or a study, with Markdown that renders differently."""
        path = self.site / self.rng.choice([
            "content/practices/checkout.md", "content/practices/landing-pages.md",
            "content/services/conversion-audit.md", "content/pages/about.md",
            "content/case-studies/kiln-ceramics-product-page.md"])
        text = path.read_text(encoding="utf-8")
        at = text.find("\n## ", text.find("\n---", 4) + 1)
        insert = f"\nA *sentence* from edit {self.count}, with `code`.\n"
        text = text + insert if at < 0 or self.rng.random() < 0.3 else (
            text[:at] + insert + text[at:])
        self.save(path, text)

    def link(self) -> None:
        """A body edit that adds a link: not prose only, the page now reads another card."""
        path = self.rng.choice(self.studies())
        target = self.rng.choice(self.studies())
        self.save(path, path.read_text(encoding="utf-8")
                  + f"\nSee [a study]({target.name}) from edit {self.count}.\n")

    def heading(self) -> None:
        path = self.site / "content/practices/landing-pages.md"
        text = path.read_text(encoding="utf-8")
        if self.rng.random() < 0.5:
            text = text.replace("## One goal per page", f"## One goal per page ({self.count})",
                                1).replace(f"page ({self.count - 1})", "page")
        else:
            text += f"\n## Practice added in edit {self.count}\nWhy it works.\n"
        self.save(path, text)

    def template(self) -> None:
        path = self.site / "templates/partials/footer.html"
        text = (path.read_text(encoding="utf-8") if path.exists() else
                (self.site / "themes/default/templates/partials/footer.html").read_text())
        self.save(path, text + f"<!-- template edit {self.count} -->\n")

    def site_yaml(self) -> None:
        self.replace_line(self.site / "site.yaml", "tagline", f"Tagline {self.count}")

    def bundle(self) -> None:
        """A page bundle comes, gets or loses a file beside it, becomes a draft or not."""
        bundles = sorted((self.site / "content/case-studies").glob("*/index.md"))
        if not bundles or self.rng.random() < 0.3:
            folder = self.site / f"content/case-studies/bundle-{self.count}"
            self.save(folder / "attachment.txt", f"attachment {self.count}\n")
            self.save(folder / "index.md", f"""---
title: Bundled study {self.count}
date: 2024-05-{self.rng.randint(1, 28):02d}
summary: A bundle.
client: Bundle client
niche: {self.rng.choice(NICHES)}
---
See [the attachment](attachment.txt).
""")
            return
        index = self.rng.choice(bundles)
        extra = index.parent / f"extra-{self.rng.randint(1, 2)}.txt"
        what = self.rng.choice(["add", "remove", "draft"])
        if what == "remove" and extra.exists():
            extra.unlink()
            self.touched.add(extra)
        elif what == "draft":
            text = index.read_text(encoding="utf-8")
            self.save(index, text.replace("draft: true\n", "") if "draft: true" in text
                      else text.replace("summary:", "draft: true\nsummary:", 1))
        else:
            self.save(extra, f"extra {self.count}\n")

    def static(self) -> None:
        self.save(self.site / f"static/files/note-{self.rng.randint(1, 3)}.txt",
                  f"note {self.count}\n")

    def css(self) -> None:
        path = self.site / "themes/default/static/style.css"
        self.save(path, path.read_text(encoding="utf-8") + f"\n.edit-{self.count} {{}}\n")

    def touch(self) -> None:
        path = self.rng.choice(self.studies())
        os.utime(path)
        self.touched.add(path)

    def break_(self) -> None:
        path = self.rng.choice(self.studies())
        self.broken = (path, path.read_text(encoding="utf-8"))
        self.save(path, self.broken[1].replace("title:", "title: [unclosed", 1))


def incremental(site: Path, state: BuildState, folder: Path, published: dict,
                changed: set[Path] | None = None, firsts: list | None = None,
                ) -> tuple[dict, tuple[str, ...]]:
    """One rebuild the way `serve` does it, told which files the watcher saw change;
    (what the folder now holds, problems). `firsts`: given the pages handed over early
    (build's `first`), each checked to be what the build ends with at its path."""
    early: list = []
    try:
        result = build(site, OPTIONS, state, changed=frozenset(changed) if changed else None,
                       first=early.extend if firsts is not None else None)
    except CasefolioError as exc:
        return published, tuple(p.format() for p in exc.problems)
    outputs = {o.path: o for o in result.outputs}
    assert all(outputs[o.path].data == o.data for o in early)
    if firsts is not None:
        firsts.append([o.path for o in early])
    write_changes(published, result.outputs, folder)
    return outputs, ()


def fresh(site: Path, folder: Path) -> tuple[str, ...]:
    shutil.rmtree(folder, ignore_errors=True)
    try:
        build_to(site, folder, OPTIONS)
    except CasefolioError as exc:
        return tuple(p.format() for p in exc.problems)
    return ()


@pytest.fixture
def site(example_site: Path) -> Path:
    shutil.copytree(REPO / "themes" / "default", example_site / "themes" / "default")
    return example_site


# Seeds 1-12 all pass (2, 3, 5, 9 and 11 used to catch a stale services list and a stale
# related-study order). CASEFOLIO_SEED=N tries one more sequence.
SEEDS = [1, 2, 3, 5] + ([int(os.environ["CASEFOLIO_SEED"])] if "CASEFOLIO_SEED" in os.environ
                        else [])


@pytest.mark.parametrize("seed", SEEDS)
def test_random_edits_end_where_a_full_build_ends(site: Path, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    editor = Editor(site, rng)
    state, served, full = BuildState(), tmp_path / "served", tmp_path / "full"
    published, problems = incremental(site, state, served, {})
    assert problems == ()
    history = []
    for step in range(1, 31):
        history.append(editor.apply())
        published, problems = incremental(site, state, served, published, editor.touched)
        editor.touched = set()
        if step % 5 == 0 or problems:  # a fresh build costs more than 5 rebuilds
            expected = fresh(site, full)
            assert problems == expected, (seed, history)
            if not problems:
                assert tree(served) == tree(full), (seed, history)
    assert set(KINDS) <= set(history)


def test_deleted_case_study_disappears_everywhere(site: Path, tmp_path: Path) -> None:
    state, served = BuildState(), tmp_path / "served"
    published, _ = incremental(site, state, served, {})
    slug = "willow-creek-tour-booking"
    places = ["case-studies/index.html", "niches/senior-living/index.html", "feed.xml",
              "sitemap.xml", "tags/forms/index.html", "practices/landing-pages/index.html",
              "services/lead-gen-landing-pages/index.html",      # lists it
              "case-studies/coastal-pools-price-range/index.html"]  # shows it as related
    assert all(slug in (served / p).read_text() for p in places)
    (site / f"content/case-studies/{slug}.md").unlink()
    published, problems = incremental(site, state, served, published)
    assert problems == ()
    assert not (served / f"case-studies/{slug}").exists()
    for place in places:
        assert slug not in (served / place).read_text(), place


def test_deleting_a_case_study_updates_the_services_list(site: Path, tmp_path: Path) -> None:
    state, served = BuildState(), tmp_path / "served"
    published, _ = incremental(site, state, served, {})
    (site / "content/case-studies/willow-creek-tour-booking.md").unlink()
    incremental(site, state, served, published)
    assert fresh(site, tmp_path / "full") == ()
    assert tree(served) == tree(tmp_path / "full")


def _study(date: str, niche: str = "ecommerce", tags: str = "checkout") -> str:
    return (f"---\ntitle: Study of {date}\ndate: {date}\nsummary: S.\nclient: C\n"
            f"niche: {niche}\ntags: [{tags}]\n---\nBody.\n")


def test_a_new_case_study_that_reorders_related_studies(make_site, tmp_path: Path) -> None:
    site = make_site({"content/case-studies/acme.md": None,
                      "content/case-studies/a.md": _study("2025-01-10"),
                      "content/case-studies/b.md": _study("2025-01-05"),
                      "content/case-studies/c.md": _study("2025-01-15")})
    state, served = BuildState(), tmp_path / "served"
    published, _ = incremental(site, state, served, {})
    # d is related to nothing, but dated between a and b it changes which of b and c is nearer
    (site / "content/case-studies/d.md").write_text(_study("2025-01-07", "pools", "other"))
    incremental(site, state, served, published)
    assert fresh(site, tmp_path / "full") == ()
    assert tree(served) == tree(tmp_path / "full")


def test_read_inputs_matches_read_sources(site: Path) -> None:
    (site / "content/stray.md").write_text("---\ntitle: x\n---\n")
    (site / "content/case-studies/latin1.md").write_bytes(b"---\ntitle: caf\xe9\n---\n")
    (site / "content/case-studies/img.png").write_bytes(b"\x89PNG")
    (site / "static/deep/er").mkdir(parents=True)
    (site / "static/deep/er/file.txt").write_text("x")
    (site / "content/case-studies/.hidden.md").write_text("x")
    (site / "content/case-studies/draft.md~").write_text("x")
    expected = read_sources(site, Registry().folders)
    state = BuildState()
    assert read_inputs(site, state) == expected
    assert read_inputs(site, state) == expected  # from the cache this time


def test_cache_skips_unchanged_work(site: Path) -> None:
    state = BuildState()
    first = build(site, OPTIONS, state)
    again = build(site, OPTIONS, state)
    assert again.rendered == 0 and again.outputs == first.outputs
    assert again.site is first.site  # nothing changed: not even relinked
    template = site / "templates/service.html"
    template.parent.mkdir(exist_ok=True)
    template.write_text((site / "themes/default/templates/service.html").read_text() + "<!--x-->")
    services = build(site, OPTIONS, state)
    assert services.site is first.site
    assert services.rendered == len(first.site.services)
    path = site / "content/case-studies/coffee-subscription-landing.md"
    path.write_text(path.read_text() + "\nOne more line.\n")
    one = build(site, OPTIONS, state)
    changed = {o.path for o in one.outputs if o not in services.outputs}
    assert "case-studies/coffee-subscription-landing/index.html" in changed
    assert "services/index.html" not in changed and "practices/checkout/index.html" not in changed
    (site / "static/files").mkdir(parents=True, exist_ok=True)
    (site / "static/files/price-list.txt").write_text("prices")
    static = build(site, OPTIONS, state)
    assert static.rendered == 0  # a static file: just that copy
    assert {o.path for o in static.outputs if o not in one.outputs} == {"files/price-list.txt"}
    yaml = site / "site.yaml"
    yaml.write_text(yaml.read_text().replace("headline: We", "headline: Now we", 1))
    assert build(site, OPTIONS, state).rendered == first.rendered  # everything


def test_a_prose_edit_patches_the_site_instead_of_linking_it_again(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A save that changes only prose, reported by the watcher, neither walks the site nor
    links it again: every other view is the very same object, one page is rendered."""
    state, served = BuildState(), tmp_path / "served"
    published, _ = incremental(site, state, served, {})
    before = state.site.site
    path = site / "content/case-studies/kiln-ceramics-product-page.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne *more* sentence.\n",
                    encoding="utf-8")

    def no_walk(*args: object, **kwargs: object) -> None:
        raise AssertionError("walked the whole site for one reported save")
    monkeypatch.setattr("generator.incremental.reads.walk", no_walk)
    result = build(site, OPTIONS, state, changed=frozenset({path}))
    after = state.site.site
    assert after is not before and result.rendered == 1
    edited = [v for v in after.case_studies if v.id == "case-studies/kiln-ceramics-product-page"]
    assert "One <em>more</em> sentence." in edited[0].html
    assert all(a is b for a, b in zip(before.case_studies, after.case_studies, strict=True)
               if a.id != edited[0].id)
    write_changes(published, result.outputs, served)
    monkeypatch.undo()
    assert fresh(site, tmp_path / "full") == ()
    assert tree(served) == tree(tmp_path / "full")


def test_a_new_file_the_watcher_reports_is_found(site: Path, tmp_path: Path) -> None:
    """A reported path the last walk did not see means walking again (it may be new)."""
    state, served = BuildState(), tmp_path / "served"
    incremental(site, state, served, {})
    page = site / "content/pages/new-page.md"
    page.write_text("---\ntitle: New page\nsummary: Added while serving.\n---\nHello.\n",
                    encoding="utf-8")
    result = build(site, OPTIONS, state, changed=frozenset({page}))
    assert "new-page/index.html" in {o.path for o in result.outputs}


def test_a_title_edit_remakes_only_the_views_that_show_it(site: Path, tmp_path: Path) -> None:
    """A front-matter edit relinks the site, but every view that reads neither the edited
    document nor its card is last build's very object; the output is a cold build's."""
    state, served = BuildState(), tmp_path / "served"
    published, _ = incremental(site, state, served, {})
    before = state.site.site
    path = site / "content/case-studies/kiln-ceramics-product-page.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^title: .*$", "title: Retitled kiln study", text, count=1,
                           flags=re.M), encoding="utf-8")
    result = build(site, OPTIONS, state, changed=frozenset({path}))
    after = state.site.site
    edited = "case-studies/kiln-ceramics-product-page"
    assert after.by_id[edited].title == "Retitled kiln study"
    readers = {i for i, view in after.by_id.items()
               if f"card:{edited}" in view.reads or edited in view.reads}
    assert len(readers) < len(after.by_id) - 1
    assert after.reuse is not None
    for i, view in after.by_id.items():  # (a volatile view, an article's, is always made again)
        if not after.reuse.views[i].volatile:
            assert (view is before.by_id[i]) == (i != edited and i not in readers), i
    assert sum(1 for made in after.reuse.views.values() if not made.volatile) > len(readers)
    write_changes(published, result.outputs, served)
    assert fresh(site, tmp_path / "full") == ()
    assert tree(served) == tree(tmp_path / "full")


def test_a_niche_edit_renders_again_only_the_studies_whose_related_list_changed(
        tmp_path: Path) -> None:
    """A case study's page reads the related studies it shows, not the ranking of every
    study it considered: moving one study to another niche re-renders its own page and those
    whose related list changed or that show its card, not every page that considered it."""
    import sys
    sys.path.insert(0, str(REPO / "bench"))
    from gen_site import NICHES, generate

    site = generate(tmp_path / "site", 120, 1)
    state = BuildState()
    before = {o.path: o for o in build(site, OPTIONS, state).outputs}

    def related() -> dict[str, list[str]]:
        assert state.site is not None
        return {i: [c.id for c in view.related] for i, view in state.site.site.by_id.items()
                if i.startswith("case-studies/")}
    old = related()
    path = sorted((site / "content/case-studies").glob("*.md"))[60]
    edited = f"case-studies/{path.stem}"
    text = path.read_text(encoding="utf-8")
    niche = re.search(r"^niche: (\S+)$", text, re.M)[1]  # type: ignore[index]
    path.write_text(text.replace(f"\nniche: {niche}\n", "\nniche: "
                                 f"{next(n for n in NICHES if n != niche)}\n"), encoding="utf-8")
    result = build(site, OPTIONS, state, changed=frozenset({path}))
    new = related()
    rendered = {o.path.removesuffix("/index.html") for o in result.outputs
                if before.get(o.path) is not o and o.path.removesuffix("/index.html") in new}
    assert state.site is not None
    showing = {i for i in new if new[i] != old[i] or edited in old[i]
               or f"card:{edited}" in state.site.site.by_id[i].reads}  # (its related, a link)
    assert edited in rendered
    assert rendered <= showing | {edited}
    served = tmp_path / "served"
    write_changes({}, result.outputs, served)
    assert fresh(site, tmp_path / "full") == ()
    assert tree(served) == tree(tmp_path / "full")


# CASEFOLIO_RELINK_SEEDS=N runs N more sequences of the test below.
RELINK_SEEDS = [1, 2, *range(100, 100 + int(os.environ.get("CASEFOLIO_RELINK_SEEDS", 0)))]


@pytest.mark.parametrize("seed", RELINK_SEEDS)
def test_front_matter_edits_relinked_end_where_a_full_build_ends(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Titles, results, niches, tags and prices edited one after another on a site large
    enough for related studies to be ranked in windows (lists of more than 20 studies) are
    relinked from the last linking (incremental/relink.py), not linked again, and end byte
    for byte where a cold build ends."""
    import sys
    sys.path.insert(0, str(REPO / "bench"))
    from gen_site import NICHES as BENCH_NICHES
    from gen_site import TAGS as BENCH_TAGS
    from gen_site import generate
    from serve_latency import EDITS

    import generator.incremental.memo as memo
    relinked = []

    def counted(*args: object) -> object:
        out = memo_relink(*args)
        relinked.append(out is not None)
        return out
    memo_relink = memo.relink
    monkeypatch.setattr(memo, "relink", counted)
    site = generate(tmp_path / "site", 160, seed)
    rng = random.Random(seed)
    state, served, full = BuildState(), tmp_path / "served", tmp_path / "full"
    published, problems = incremental(site, state, served, {})
    assert problems == ()
    studies = sorted((site / "content/case-studies").glob("*.md"))
    history = []
    for step in range(1, 25):
        kind = rng.choice(["title", "metric", "niche", "tags", "price"])
        if kind == "price":
            path = rng.choice(sorted((site / "content/services").glob("*.md")))
        else:
            path = rng.choice(studies)
        text = path.read_text(encoding="utf-8")
        if kind == "niche":
            text = re.sub(r"^niche: \S+$", f"niche: {rng.choice(list(BENCH_NICHES))}", text,
                          count=1, flags=re.M)
        elif kind == "tags":
            tags = rng.sample(BENCH_TAGS, rng.randint(0, 3))  # sometimes spelled otherwise:
            tags = [t.upper() if rng.random() < 0.3 else t for t in tags]  # the first names it
            text = re.sub(r"^tags: \[.*\]$", f"tags: [{', '.join(tags)}]", text, count=1,
                          flags=re.M)
        else:
            text = EDITS[kind].change(text, step)[0]
        path.write_text(text, encoding="utf-8")
        history.append(f"{kind} {path.name}")
        firsts: list[list[str]] = []
        before = len(relinked)
        published, problems = incremental(site, state, served, published, {path}, firsts)
        assert problems == (), history
        own = f"{path.parent.name}/{path.stem}/index.html"  # (the slug is the file's name)
        if relinked[before:] == [True]:  # its page was handed over before the others
            assert firsts == [[own]], (history, firsts)
        if step % 6 == 0:
            assert fresh(site, full) == ()
            assert tree(served) == tree(full), (seed, history)
    assert sum(relinked) >= len(relinked) // 2, relinked


class _Edges:
    """An Index's `pointing` alone: what case_study.near reads."""

    def __init__(self, members: list[str]) -> None:
        self.members = members

    def pointing(self, relation: str, target: str) -> list[str]:
        return self.members


@pytest.mark.parametrize("seed", range(6))
def test_near_finds_exactly_the_windows_that_hold_a_study(seed: int) -> None:
    """near() looks only around the study's places in the list; it must find what asking
    every member's window finds, with studies listed twice and lists of every length."""
    from generator.kinds import case_study

    rng = random.Random(seed)
    for _ in range(40):
        pool = [f"case-studies/s{i}" for i in range(rng.randrange(1, 90))]
        members = [rng.choice(pool) for _ in range(rng.randrange(1, 120))]
        edges = _Edges(members)
        lists = case_study._Members(edges)  # type: ignore[arg-type]
        for sid in [*pool[:12], "case-studies/absent"]:
            every = {o for o in members if sid in lists.window("tag", "t", o)}
            assert case_study.near(edges, "tag", "t", sid) == every  # type: ignore[arg-type]
