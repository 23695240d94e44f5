"""The theme owns its image markup: templates/macros/picture.html, which a site may override."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.build import BuildState, build, build_to
from generator.errors import CasefolioError
from tests.conftest import REPO
from tests.test_images import case, png

PAGE = "case-studies/acme/index.html"
MINE = """\
{% macro picture(src, srcset, sizes, width, height, alt, title="", eager=false, fallback=true) -%}
<img class="mine" src="{{ src }}" srcset="{{ srcset }}" alt="{{ alt }}" data-eager="{{ eager }}">
{%- endmacro %}
{% macro img(src, alt, title="") -%}<img class="mine-plain" src="{{ src }}" alt="{{ alt }}">{%- endmacro %}
{% macro comparison(before, after, caption) -%}
<div class="pair">{{ before }}{{ after }}<p>{{ caption }}</p></div>
{%- endmacro %}
"""


@pytest.fixture
def site(make_site) -> Path:
    return make_site({"content/case-studies/acme.md": case(),
                      "content/case-studies/before.png": png(1200, 800),
                      "content/case-studies/after.png": png(1200, 800, (200, 90, 40))})


def page(site_dir: Path, state: BuildState | None = None) -> str:
    result = build(site_dir, state=state)
    data = next(o.data for o in result.outputs if o.path == PAGE)
    assert isinstance(data, bytes)
    return data.decode("utf-8")


def test_the_default_theme_marks_up_pictures_with_its_macro(site: Path) -> None:
    assert (REPO / "themes/default/templates/macros/picture.html").is_file()
    html = page(site)
    assert html.count("<picture>") == 4  # cover, body image, the comparison's two
    assert '<figure class="comparison">' in html and 'loading="eager" fetchpriority="high"' in html


def test_a_sites_own_macro_replaces_the_themes_markup(site: Path) -> None:
    (site / "templates/macros").mkdir(parents=True)
    (site / "templates/macros/picture.html").write_text(MINE, encoding="utf-8")
    html = page(site)
    assert "<picture>" not in html and 'class="comparison"' not in html
    assert html.count('<img class="mine" src="/case-studies/') == 4
    assert 'alt="The new three-step checkout" data-eager="True"' in html  # the cover
    assert '<div class="pair"><img class="mine"' in html and "<p>Seven steps became three.</p>" in html


def test_editing_the_macro_between_rebuilds_changes_every_picture(site: Path) -> None:
    state = BuildState()
    assert "<picture>" in page(site, state)
    (site / "templates/macros").mkdir(parents=True)
    (site / "templates/macros/picture.html").write_text(MINE, encoding="utf-8")
    html = page(site, state)
    assert "<picture>" not in html and html.count('class="mine"') == 4


def test_a_broken_macro_is_a_located_problem(site: Path) -> None:
    (site / "templates/macros").mkdir(parents=True)
    (site / "templates/macros/picture.html").write_text(
        "{% macro picture(src) %}\n{{ src }\n{% endmacro %}\n", encoding="utf-8")
    with pytest.raises(CasefolioError) as caught:
        build(site)
    problem = caught.value.problems[0]
    assert (problem.path, problem.line) == ("templates/macros/picture.html", 2)


def test_a_macro_that_fails_when_called_is_a_located_problem(site: Path) -> None:
    (site / "templates/macros").mkdir(parents=True)
    (site / "templates/macros/picture.html").write_text(
        MINE.replace('alt="{{ alt }}" data-eager', 'alt="{{ alt }}" data-x="{{ nothing.here }}"'
                     ' data-eager'), encoding="utf-8")
    with pytest.raises(CasefolioError) as caught:
        build(site)
    problem = caught.value.problems[0]
    assert (problem.path, problem.line) == ("templates/macros/picture.html", 2)


def test_a_one_off_build_after_editing_the_macro_renders_the_pages_again(site: Path) -> None:
    out = site / "output"
    build_to(site, out)
    assert "<picture>" in (out / PAGE).read_text(encoding="utf-8")
    (site / "templates/macros").mkdir(parents=True)
    (site / "templates/macros/picture.html").write_text(MINE, encoding="utf-8")
    build_to(site, out)  # from the on-disk cache of the first
    html = (out / PAGE).read_text(encoding="utf-8")
    assert "<picture>" not in html and html.count('class="mine"') == 4
