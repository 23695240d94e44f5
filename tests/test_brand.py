"""site.yaml `brand:`: colours and font flow into the theme's tokens in light, dark and print;
every text/background pair keeps WCAG AA, and a pair that cannot is a located build error."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.brand import AA, DARK_BACKGROUNDS, LIGHT_BACKGROUNDS, contrast, palette
from generator.cli import main
from generator.config import load_config
from generator.errors import CasefolioError
from tests.conftest import SITE_YAML

REALWORLD = next((p / "shared" / "realworld" for p in Path(__file__).resolve().parents[2:4]
                  if (p / "shared" / "realworld").is_dir()), Path("/nonexistent"))
DARK_SATURATED = 'brand:\n  primary: "#4c0f7a"\n  accent: "#c2185b"\n'


def style_of(out: Path, rel: str = "index.html") -> str:
    html = (out / rel).read_text(encoding="utf-8")
    found = re.search(r"<style>(.*?)</style>", html, re.S)
    assert found, "no brand <style> in the page"
    return found.group(1)


def tokens(css: str, media: str = "") -> dict[str, str]:
    """The custom properties of the :root block (inside `@media media` when given)."""
    if media:
        css = css.split(f"@media {media}", 1)[1]
    block = re.search(r":root \{(.*?)\}", css, re.S)
    assert block
    return dict(re.findall(r"(--[\w-]+): ([^;]+);", block.group(1)))


def build(site: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", str(site), "-o", str(out)])
    return result.exit_code, result.output


def test_brand_colours_become_theme_tokens_in_light_dark_and_print(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = make_site({"site.yaml": SITE_YAML + DARK_SATURATED})
    code, output = build(site, tmp_path / "out")
    assert code == 0, output
    css = style_of(tmp_path / "out")
    light = tokens(css)
    assert light["--panel-1"] == "#4c0f7a" and light["--accent"] == "#c2185b"
    assert light["--on-panel"] == "#ffffff" and light["--on-accent"] == "#ffffff"
    assert light["--link"] == "#4c0f7a"  # passes on white and the surface as it is
    dark = tokens(css, "(prefers-color-scheme: dark)")
    assert dark["--link"] != "#4c0f7a"   # a lighter shade for the dark background
    for bg in DARK_BACKGROUNDS:
        assert contrast(dark["--link"], bg) >= AA
    assert tokens(css, "print")["--link"] == "#000"
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="theme-color" content="#4c0f7a">' in html
    # The theme's own stylesheet comes first, so the brand overrides it.
    assert html.index('rel="stylesheet"') < html.index("<style>")


def test_no_brand_leaves_the_theme_as_it_is(make_site: Callable[..., Path],
                                            tmp_path: Path) -> None:
    code, output = build(make_site(), tmp_path / "out")
    assert code == 0, output
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "<style>" not in html and '<meta name="theme-color" content="#0f4c5c">' in html


@pytest.mark.parametrize(("primary", "link"), [("#43aadc", "light"), ("#0f4c5c", "dark")])
def test_links_get_a_shade_that_passes_in_each_mode(primary: str, link: str) -> None:
    result = palette(primary, None)
    assert not isinstance(result, list)
    light, dark = dict(result.light), dict(result.dark)
    assert all(contrast(light["--link"], bg) >= AA for bg in LIGHT_BACKGROUNDS)
    assert all(contrast(dark["--link"], bg) >= AA for bg in DARK_BACKGROUNDS)
    # a light blue is darkened for light mode; a dark teal lightened for dark mode
    changed = light["--link"] if link == "light" else dark["--link"]
    assert changed != primary
    assert light["--on-panel"] == ("#13222a" if link == "light" else "#ffffff")


def test_text_on_every_brand_background_passes() -> None:
    for primary, accent in [("#2d3140", "#fab71c"), ("#ffee00", "#0000ff"), ("#c2185b", "#999")]:
        result = palette(primary, accent)
        assert not isinstance(result, list), (primary, accent)
        t = dict(result.light)
        for bg in ("--panel-1", "--panel-2"):
            assert contrast(t["--on-panel"], t[bg]) >= AA
            assert contrast(t["--panel-muted"], t[bg]) >= AA
        for bg in ("--accent", "--accent-hover"):
            assert contrast(t["--on-accent"], t[bg]) >= AA


def test_a_pair_that_cannot_pass_is_an_error_with_ratio_and_a_suggestion(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    site = make_site({"site.yaml": SITE_YAML + 'brand:\n  primary: "#0b3d4f"\n'
                      '  accent: "#777777"\n'})
    code, output = build(site, out)
    assert code == 1
    line = SITE_YAML.count("\n") + 3
    assert (f"site.yaml:{line}: brand.accent: text on #777777 cannot reach WCAG AA 4.5:1 "
            "(light ink #ffffff: 4.48:1, dark ink #13222a: 3.64:1)") in output
    assert 'hint: the nearest colour of the same hue that passes is #747474 ' \
           '(`accent: "#747474"`)' in output
    assert "Traceback" not in output and not out.exists()
    fixed = palette("#0b3d4f", "#747474")
    assert not isinstance(fixed, list)


@pytest.mark.parametrize(("brand", "message"), [
    ('  primary: "0b3d4f"\n', "brand.primary: `0b3d4f` is not a hex colour"),
    ('  accent: "#12345"\n', "brand.accent: `#12345` is not a hex colour"),
    ("  font: comic\n", "brand.font: unknown font `comic`"),
    ("  font: static/fonts/Missing.woff2\n", "brand.font: no such file static/fonts/Missing.woff2"),
    ("  colour: red\n", "unknown field `brand.colour`"),
])
def test_bad_brand_values_name_the_line(make_site: Callable[..., Path], brand: str,
                                        message: str) -> None:
    site = make_site({"site.yaml": SITE_YAML + "brand:\n" + brand})
    with pytest.raises(CasefolioError) as info:
        load_config(site)
    problem = info.value.problems[0]
    assert (problem.line, problem.message) == (SITE_YAML.count("\n") + 2, message)


def test_font_file_is_loaded_preloaded_and_used(make_site: Callable[..., Path],
                                                tmp_path: Path) -> None:
    site = make_site({"site.yaml": SITE_YAML.replace("https://example.com/",
                                                     "https://example.com/agency/")
                      + "brand:\n  font: static/fonts/Inter.woff2\n",
                      "static/fonts/Inter.woff2": b"wOF2 not really a font"})
    code, output = build(site, tmp_path / "out")
    assert code == 0, output
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert ('<link rel="preload" href="/agency/fonts/Inter.woff2" as="font" type="font/woff2" '
            "crossorigin>") in html
    css = style_of(tmp_path / "out")
    assert ('@font-face { font-family: "Brand"; src: url("/agency/fonts/Inter.woff2") '
            'format("woff2"); font-display: swap; }') in css
    assert tokens(css)["--font"].startswith('"Brand", system-ui')
    assert (tmp_path / "out" / "fonts" / "Inter.woff2").is_file()


def test_serif_font_sets_a_serif_stack(make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = make_site({"site.yaml": SITE_YAML + "brand:\n  font: serif\n"})
    code, output = build(site, tmp_path / "out")
    assert code == 0, output
    assert tokens(style_of(tmp_path / "out"))["--font"].endswith("serif")


@pytest.mark.parametrize("name", ["corrode", "digital-marketing-specialist", "fivexl",
                                  "masterpoint"])
def test_real_consultancies_brands_pass(name: str, tmp_path: Path) -> None:
    source = REALWORLD / name / "site.yaml"
    if not source.is_file():
        pytest.skip("the shared real-world sites are not here")
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    assert data.get("brand")
    site = tmp_path / name
    site.mkdir()
    if (REALWORLD / name / "static").is_dir():
        shutil.copytree(REALWORLD / name / "static", site / "static")
    (site / "site.yaml").write_text(yaml.safe_dump(
        {"title": data["title"], "base_url": data["base_url"], "brand": data["brand"]}),
        encoding="utf-8")
    config = load_config(site)
    assert config.palette is not None
    assert dict(config.palette.light)["--accent"] == data["brand"]["accent"].lower()
