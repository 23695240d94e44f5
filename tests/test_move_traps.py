"""`casefolio check` on a site just moved in from Hugo, Jekyll or Zola: each trap of issue 15
(a page bundle, TOML front matter, a raw-HTML <img>, root-relative links under a subpath, a
dead #anchor, template syntax left in, old URLs) is reported with its file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from generator.check import check_site
from generator.cli import main
from generator.config import BuildOptions
from tests.test_bundles import case, png

SUB = BuildOptions(base_url="https://example.github.io/agency/")

MOVED = {
    # a Hugo page bundle: read as the case study it is, its missing picture located
    "content/case-studies/kosli/index.md": case("Kosli", body=(
        "\n![The pipeline](diagram.png)\n\n![Gone](gone.png)\n")),
    "content/case-studies/kosli/diagram.png": png(),
    # Zola's TOML front matter: read, and the body's lines counted after it
    "content/articles/why-rust.md": (
        '+++\ntitle = "Why Rust"\ndate = 2024-06-01\nsummary = "Why."\n'
        'aliases = ["/about/"]\n+++\n'                       # line 5: an old URL taken
        "Intro.\n\n"
        '<img src="chart.png" alt="A chart">\n\n'            # line 9: raw HTML, no such file
        "[Contact us](/contact/) or [read more](/about/).\n\n"  # line 11: /contact/ is gone
        "[Down](#results) and [the team](#our-team).\n\n"     # line 13: #results is dead
        '{{< figure src="a.png" >}}\n\n'                      # line 15: Hugo shortcode
        "{% include cta.html %} and {{ site.url }}\n\n"       # line 17: Liquid
        "## Our team\n"),
    "content/pages/about.md": "---\ntitle: About\nsummary: Who we are.\n---\nUs.\n",
    "content/services/broken.md": '+++\ntitle = "Broken"\nsummary = \n+++\n',  # line 3
}


def test_check_reports_each_trap_with_its_line(make_site: Callable[..., Path]) -> None:
    site = make_site(MOVED)
    report = check_site(site, SUB)
    errors = {(p.path, p.line) for p in report.errors}
    warnings = {(p.path, p.line) for p in report.warnings}
    text = "\n".join(f"{p.path}:{p.line}: {p.message}" for p in
                     (*report.errors, *report.warnings))
    bundle, toml = "content/case-studies/kosli/index.md", "content/articles/why-rust.md"
    assert (bundle, 17) in errors, text  # the bundle's own missing picture
    assert "outside the content folders" not in text  # the bundle is not dropped
    assert ("content/services/broken.md", 3) in errors, text  # malformed TOML
    assert (toml, 5) in errors, text  # an alias on another page's URL
    assert (toml, 9) in errors and "chart.png" in text  # raw HTML <img>
    assert (toml, 11) in errors and "/contact/" in text  # root-relative, under /agency/
    assert not any(p.line == 11 and "/about/" in p.message for p in report.errors)  # it is
    assert (toml, 13) in errors and "#results" in text and "#our-team" not in text
    assert {(toml, 15), (toml, 17)} <= warnings, text  # template syntax left in
    assert report.failed()


def test_check_prints_path_line_and_exits_1(make_site: Callable[..., Path]) -> None:
    site = make_site(MOVED)
    result = CliRunner().invoke(main, ["check", str(site)])
    assert result.exit_code == 1
    for located in ("content/articles/why-rust.md:9:", "content/articles/why-rust.md:13:",
                    "content/articles/why-rust.md:15:", "content/services/broken.md:3:",
                    "content/case-studies/kosli/index.md:17:"):
        assert located in result.output, result.output
    assert "Traceback" not in result.output


def test_template_warnings_survive_the_build_cache(make_site: Callable[..., Path]) -> None:
    """A document read back from the cache keeps its warnings: a second build after an edit
    elsewhere still names the shortcode left in an unchanged file."""
    from generator.build import build_to

    site = make_site({"content/pages/about.md": "---\ntitle: About\nsummary: Us.\n---\n"
                                                "Hi {{< figure src=\"a.png\" >}}\n"})
    first = build_to(site, site / "output")
    assert [(w.path, w.line) for w in first.warnings if "template" in w.message] == [
        ("content/pages/about.md", 5)]
    services = site / "content/services/retainer.md"
    services.write_text(services.read_text("utf-8") + "\nMore.\n", "utf-8")
    second = build_to(site, site / "output")
    assert [(w.path, w.line) for w in second.warnings if "template" in w.message] == [
        ("content/pages/about.md", 5)]
