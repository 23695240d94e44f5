"""The extension point: a plugin (tests/plugin_talks.py) adds a whole content kind, talks,
without touching generator/; its pages build, link, and rebuild under `serve` like the
built-in kinds."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.build import build_to
from generator.config import BuildOptions
from generator.errors import CasefolioError
from generator.serve.server import start
from tests.conftest import REPO, SITE_YAML
from tests.test_incremental import tree
from tests.test_serve import edit, eventually, text

TALK = """\
---
title: Growing stores
date: 2025-01-10
event: ShopCon
summary: What we learned.
case_studies: [acme]
---
It is !!all!! about the [checkout](../case-studies/acme.md) and [the practice](../practices/landing.md#one-goal).
"""
TALKS_PLUGIN = "plugins:\n  - plugins.talks\n"


def with_plugin(site: Path) -> Path:
    """The test plugin as a site's own module: plugins/talks.py and its templates."""
    (site / "plugins").mkdir()
    shutil.copy(REPO / "tests" / "plugin_talks.py", site / "plugins" / "talks.py")
    shutil.copytree(REPO / "tests" / "plugin_talks_templates",
                    site / "plugins" / "plugin_talks_templates")
    return site


@pytest.fixture
def talks_site(make_site: Callable[..., Path]) -> Path:
    return with_plugin(make_site({
        "site.yaml": SITE_YAML.split("navigation:")[0] + TALKS_PLUGIN,
        "content/talks/growing-stores.md": TALK,
        "content/pages/about.md": "---\ntitle: About\nmenu: true\n---\nSee [my talk]"
                                  "(../talks/growing-stores.md).\n",
    }))


def test_a_plugin_kind_builds_lists_links_and_is_in_the_navigation(talks_site: Path,
                                                                    tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_to(talks_site, out, BuildOptions())
    talk = (out / "talks/growing-stores/index.html").read_text("utf-8")
    assert "ShopCon, 2025" in talk                                 # its view, its filter
    assert '<a href="/case-studies/acme/">Acme checkout</a>' in talk  # its link targets
    assert 'href="/case-studies/acme/">checkout</a>' in talk        # body links resolve
    assert 'href="/practices/landing/#one-goal"' in talk
    assert "<mark>all</mark>" in talk                               # its markdown-it plugin
    listing = (out / "talks/index.html").read_text("utf-8")
    assert '<a href="/talks/growing-stores/">Growing stores</a> (ShopCon, 2025)' in listing
    about = (out / "about/index.html").read_text("utf-8")
    assert '<li><a href="/talks/">Talks</a></li>' in about          # the header lists the kind
    assert 'href="/talks/growing-stores/">my talk</a>' in about     # a link to it resolves
    assert "https://example.com/talks/growing-stores/" in (out / "sitemap.xml").read_text()


def test_a_plugin_kinds_references_are_checked(talks_site: Path, tmp_path: Path) -> None:
    edit(talks_site, "content/talks/growing-stores.md", "[acme]", "[acmee]")
    with pytest.raises(CasefolioError) as caught:
        build_to(talks_site, tmp_path / "out", BuildOptions())
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("content/talks/growing-stores.md", 6)
    assert "unknown case study `acmee`" in problem.message and "acme" in problem.hint
    edit(talks_site, "content/talks/growing-stores.md", "event: ShopCon", "event: ''")
    with pytest.raises(CasefolioError) as caught:
        build_to(talks_site, tmp_path / "out", BuildOptions())
    assert any(p.line == 4 and "event" in p.message for p in caught.value.problems)


def test_new_writes_a_plugin_kind_from_its_archetype(talks_site: Path, tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "generator", "new", "talk", "Pricing talk",
                          "-s", str(talks_site), "-q"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(talks_site / "content/talks/pricing-talk.md")
    build_to(talks_site, tmp_path / "out", BuildOptions(drafts=True))
    assert (tmp_path / "out/talks/pricing-talk/index.html").is_file()


def test_an_installed_module_is_a_plugin_too(talks_site: Path, tmp_path: Path) -> None:
    shutil.rmtree(talks_site / "plugins")
    edit(talks_site, "site.yaml", "plugins.talks", "tests.plugin_talks")
    build_to(talks_site, tmp_path / "out", BuildOptions())
    assert (tmp_path / "out/talks/growing-stores/index.html").is_file()


def test_an_unknown_plugin_is_a_located_problem(talks_site: Path, tmp_path: Path) -> None:
    edit(talks_site, "site.yaml", "plugins.talks", "plugins.tlaks")
    with pytest.raises(CasefolioError) as caught:
        build_to(talks_site, tmp_path / "out", BuildOptions())
    [problem] = caught.value.problems
    assert problem.path == "site.yaml" and "plugins.tlaks" in problem.message


def test_serve_rebuilds_a_plugin_kind_like_a_built_in_one(talks_site: Path,
                                                            tmp_path: Path) -> None:
    serving = start(talks_site, port=0)
    try:
        assert "It is" in text(serving, "/talks/growing-stores/")
        edit(talks_site, "content/talks/growing-stores.md", "It is", "Truly, it is")
        eventually(lambda: "Truly, it is" in text(serving, "/talks/growing-stores/"))
        edit(talks_site, "content/case-studies/acme.md", "title: Acme checkout",
             "title: Acme rebuilt")
        eventually(lambda: ">Acme rebuilt</a>" in text(serving, "/talks/growing-stores/"))
        edit(talks_site, "content/talks/growing-stores.md", "title: Growing stores",
             "title: Growing shops")
        eventually(lambda: ">Growing shops</a>" in text(serving, "/talks/"))
        cold = tmp_path / "cold"
        build_to(talks_site, cold, BuildOptions(base_url=serving.url, serve=True))
        eventually(lambda: tree(serving.rebuilder.preview.folder) == tree(cold))
    finally:
        serving.stop()
