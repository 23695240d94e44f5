"""The build end to end on real files: pages, relations, links, drafts, determinism, atomicity."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build, build_to
from generator.cli import main
from generator.config import BuildOptions
from generator.errors import CasefolioError


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def html(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_minimal_site_builds_every_page_type(make_site) -> None:
    site = make_site()
    out = site / "output"
    build_to(site, out)
    files = tree(out)
    for rel in ("index.html", "case-studies/index.html", "case-studies/acme/index.html",
                "practices/index.html", "practices/landing/index.html", "services/index.html",
                "services/retainer/index.html", "niches/ecommerce/index.html",
                "niches/pools/index.html", "tags/checkout/index.html", "about/index.html",
                "404.html", "feed.xml", "sitemap.xml", "robots.txt", ".casefolio-output"):
        assert rel in files, rel
    page = html(out, "case-studies/acme/index.html")
    assert "Acme checkout" in page
    assert "2.1% → 2.9%" in page and "+0.8 pp" in page and "+38%" in page
    assert '<link rel="canonical" href="https://example.com/case-studies/acme/">' in page


def test_cross_links_both_ways(make_site) -> None:
    site = make_site({"content/case-studies/beta.md": """\
---
title: Beta
date: 2025-01-02
summary: B.
client: Beta Co
niche: ecommerce
practices: [landing]
---
Beta body.
"""})
    out = site / "output"
    build_to(site, out)
    study = html(out, "case-studies/acme/index.html")
    assert 'href="/practices/landing/#one-goal"' in study          # case study -> practice
    assert 'href="/services/retainer/"' in study or "Retainer" in study
    practices = html(out, "practices/landing/index.html")
    one_goal = practices.split('id="one-goal"')[1].split("</section>")[0]
    assert "Seen in 1 case study" in one_goal and "/case-studies/acme/" in one_goal
    service = html(out, "services/retainer/index.html")
    assert "/case-studies/acme/" in service                        # service -> case study
    niche = html(out, "niches/ecommerce/index.html")
    assert "/case-studies/acme/" in niche and "/case-studies/beta/" in niche
    assert "/case-studies/acme/" in html(out, "tags/checkout/index.html")


def test_file_links_resolve_and_dangling_links_fail(make_site) -> None:
    body = ("See [landing](../practices/landing.md#social-proof-next-to-the-button) and "
            "[about](../pages/about.md).\n")
    site = make_site({"content/case-studies/acme.md": _case(body=body)})
    build_to(site, site / "output")
    page = html(site / "output", "case-studies/acme/index.html")
    assert 'href="/practices/landing/#social-proof-next-to-the-button"' in page
    assert 'href="/about/"' in page
    bad = make_site({"content/case-studies/acme.md": _case(
        body="Intro.\n\nSee [x](../practices/landng.md) and [y](../practices/landing.md#nope).\n")},
        name="bad")
    with pytest.raises(CasefolioError) as info:
        build(bad)
    text = str(info.value)
    assert "content/case-studies/acme.md:13: link to `../practices/landng.md`" in text
    assert "did you mean `content/practices/landing.md`?" in text
    assert "no heading with anchor `#nope`" in text


def test_subpath_base_url(make_site) -> None:
    site = make_site()
    out = site / "output"
    build_to(site, out, BuildOptions(base_url="https://example.github.io/agency/"))
    page = html(out, "case-studies/acme/index.html")
    assert 'href="/agency/practices/landing/#one-goal"' in page
    assert 'href="/agency/case-studies/"' in page                  # navigation
    assert "https://example.github.io/agency/case-studies/acme/" in page
    assert "https://example.github.io/agency/case-studies/acme/" in html(out, "sitemap.xml")
    assert 'href="/case-studies/' not in page


def test_drafts_and_future_are_left_out_unless_asked(make_site) -> None:
    site = make_site({
        "content/case-studies/draft.md": _case(title="Secret draft", extra="draft: true\n"),
        "content/case-studies/future.md": _case(title="Future work", date="2999-01-01"),
    })
    normal = build(site)
    paths = {o.path for o in normal.outputs}
    assert "case-studies/draft/index.html" not in paths
    assert "case-studies/future/index.html" not in paths
    assert b"Secret draft" not in b"".join(o.data for o in normal.outputs)
    everything = build(site, BuildOptions(drafts=True, future=True))
    paths = {o.path for o in everything.outputs}
    assert {"case-studies/draft/index.html", "case-studies/future/index.html"} <= paths


def test_schema_errors_are_all_reported_with_lines(make_site) -> None:
    site = make_site({
        "content/case-studies/acme.md": """\
---
title: Acme
date: 2025-03-14
summary: S.
client: Acme
nich: ecommerce
metrics:
  - {label: a, before: 1, after: 2}
  - label: b
    before: 1
    after: 12%
---
""",
        "content/services/retainer.md": "---\ntitle: R\nsummary: S\nprice: {amount: x, currency: USD}\n---\n",
    })
    code, output = run("build", str(site))
    assert code == 1
    assert "content/case-studies/acme.md:6: unknown field `nich`" in output
    assert "did you mean `niche`?" in output
    assert 'content/case-studies/acme.md:11: metrics[1].after: expected a number, got "12%"' in output
    assert "content/services/retainer.md:4: price.amount: expected a number" in output
    assert "Traceback" not in output


def test_unknown_reference_says_did_you_mean(make_site) -> None:
    site = make_site({"content/case-studies/acme.md": _case(
        extra="services: [retainr]\npractices: [landing#one-gaol]\n"),
        "content/case-studies/other.md": _case(niche="ecommerse")})
    with pytest.raises(CasefolioError) as info:
        build(site)
    text = str(info.value)
    assert "content/case-studies/other.md:6: unknown niche `ecommerse`" in text
    assert "unknown service `retainr`" in text and "did you mean `retainer`?" in text
    assert "unknown practice in `landing` `one-gaol`" in text and "`one-goal`" in text


def test_same_url_names_both_files(make_site) -> None:
    site = make_site({"content/case-studies/copy.md": _case(extra="slug: acme\n")})
    with pytest.raises(CasefolioError) as info:
        build(site)
    assert "same URL as content/case-studies/acme.md" in str(info.value)
    assert "content/case-studies/copy.md" in str(info.value)


def test_output_is_deterministic(make_site, tmp_path: Path) -> None:
    site = make_site()
    build_to(site, tmp_path / "a")
    build_to(site, tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_failing_build_leaves_previous_output_intact(make_site) -> None:
    site = make_site()
    out = site / "output"
    build_to(site, out)
    before = tree(out)
    (site / "content/case-studies/acme.md").write_text("---\ntitle: [broken\n---\n")
    code, output = run("build", str(site))
    assert code == 1 and "acme.md:2" in output
    assert tree(out) == before


def test_stale_files_disappear(make_site) -> None:
    site = make_site()
    out = site / "output"
    build_to(site, out)
    (site / "content/pages/about.md").unlink()
    build_to(site, out)
    assert not (out / "about").exists()


def test_templates_override_theme(make_site) -> None:
    site = make_site({"templates/page.html": '{% extends "base.html" %}{% block main %}'
                                             "<h1>OVERRIDE {{ page.title }}</h1>{% endblock %}"})
    build_to(site, site / "output")
    assert "OVERRIDE About" in html(site / "output", "about/index.html")


def test_cli_build_summary_and_usage_errors(make_site) -> None:
    site = make_site()
    code, output = run("build", str(site), "-o", str(site / "public"))
    assert code == 0 and output.startswith("built ") and "pages" in output
    code, _ = run("build", str(site), "--no-such-flag")
    assert code == 2


def test_example_site_builds(example_site: Path) -> None:
    code, output = run("build", str(example_site))
    assert code == 0, output
    out = example_site / "output"
    assert len(list(out.rglob("index.html"))) >= 25
    assert "Sample" in html(out, "about/index.html") or "sample" in html(out, "about/index.html")


def _case(title: str = "Acme", date: str = "2025-03-14", niche: str = "ecommerce",
          extra: str = "", body: str = "Body.\n") -> str:
    return (f"---\ntitle: {title}\ndate: {date}\nsummary: S.\nclient: Acme\nniche: {niche}\n"
            f"metrics:\n  - {{label: CR, before: 2.1, after: 2.9, unit: \"%\"}}\n{extra}"
            f"tags: [checkout]\n---\n{body}")


def test_incremental_pagination_follows_the_order_of_all_case_studies(make_site,
                                                                       tmp_path: Path) -> None:
    """Index pages read only their own cards plus the order; a study added in the middle
    must still shift every later page, exactly as a fresh build does."""
    from generator.build import BuildState
    from generator.output.preview import sync_dir

    files = {"site.yaml": SITE_YAML_PAGED}
    files |= {f"content/case-studies/s{i}.md": _case(title=f"Study {i}", date=f"2025-01-{i:02d}")
              for i in range(1, 8, 2)}
    site = make_site(files, minimal=False)
    state = BuildState()
    sync_dir(build(site, state=state).outputs, tmp_path / "served")
    # The oldest study yet: page 2 keeps its cards but gains a link to a new page 3.
    (site / "content/case-studies/s0.md").write_text(_case(title="Study 0", date="2024-12-31"))
    result = build(site, state=state)
    sync_dir(result.outputs, tmp_path / "served")
    assert result.rendered < len([o for o in result.outputs if o.path.endswith(".html")])
    build_to(site, tmp_path / "fresh")
    fresh = {k: v for k, v in tree(tmp_path / "fresh").items() if k != ".casefolio-output"}
    served = {k: v for k, v in tree(tmp_path / "served").items() if k != ".casefolio-output"}
    assert served == fresh
    assert "/case-studies/page/3/" in html(tmp_path / "served", "case-studies/page/2/index.html")


SITE_YAML_PAGED = """\
title: Test Consultancy
base_url: https://example.com/
page_size: 2
niches:
  ecommerce: {name: E-commerce}
"""


def test_share_cards_can_be_switched_off(example_site: Path) -> None:
    """`share_cards: false` draws no card: a study with a cover still shares its cover crop,
    one without shares no image at all (and every page still builds)."""
    with_cards = example_site / "with"
    build_to(example_site, with_cards)
    yaml = example_site / "site.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "share_cards: false\n", encoding="utf-8")
    without = example_site / "without"
    build_to(example_site, without)
    def shared(out: Path) -> set[str]:
        return {p for p in tree(out) if p.rsplit("/", 1)[-1].startswith("og.")}
    assert shared(without) < shared(with_cards)
    assert {p.split("/")[1] for p in shared(without)} == {
        "coffee-subscription-landing", "bluewater-pools-quote-form"}  # the two with a cover
    covered = html(without, "case-studies/coffee-subscription-landing/index.html")
    assert 'property="og:image"' in covered
    bare = html(without, "case-studies/kiln-ceramics-product-page/index.html")
    assert 'property="og:image"' not in bare
    assert 'property="og:image"' in html(with_cards,
                                         "case-studies/kiln-ceramics-product-page/index.html")
    assert {p for p in tree(with_cards) if p.endswith(".html")} == {
        p for p in tree(without) if p.endswith(".html")}
