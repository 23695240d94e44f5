"""Images: responsive variants, the content-hash cache, metadata stripping, share cards, errors."""

from __future__ import annotations

import shutil
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw

from generator.build import build, build_to
from generator.errors import CasefolioError
from generator.images import cards, encode, plan, process
from tests.conftest import REPO

CASE = """\
---
title: Checkout redesign
date: 2025-03-14
summary: A summary.
client: Acme
niche: ecommerce
services: [retainer]
metrics:
  - {{label: Conversion rate, before: 2.1, after: 2.9, unit: "%"}}
{front}---
Intro.

![The old checkout, seven steps]({body_src})
"""

FRONT = """\
cover: {src: after.png, alt: The new three-step checkout}
comparisons:
  - before: {src: before.png, alt: The old seven-step checkout}
    after: {src: after.png, alt: The new three-step checkout}
    caption: Seven steps became three.
"""


def png(width: int, height: int, colour: tuple[int, int, int] = (30, 120, 160)) -> bytes:
    im = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(im)
    for y in range(0, height, 24):
        draw.rectangle((8, y, width - 8, y + 10), fill=colour)
    buffer = BytesIO()
    im.save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_with_gps(width: int = 640, height: int = 480) -> bytes:
    """A camera-like JPEG: GPS position, a maker, a comment, rotated a quarter turn."""
    im = Image.new("RGB", (width, height), (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"                                 # Make
    exif[0x0112] = 6                                            # Orientation: rotate 90° CW
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)}  # GPSInfo
    buffer = BytesIO()
    im.save(buffer, "JPEG", exif=exif, comment=b"shot at home")
    return buffer.getvalue()


def png_with_metadata() -> bytes:
    """A PNG with a GPS eXIf chunk and text chunks, as some screenshot tools write them."""
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jane at home")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>secret</x:xmpmeta>")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.5)}
    buffer = BytesIO()
    Image.open(BytesIO(png(600, 400))).save(buffer, "PNG", pnginfo=info, exif=exif)
    return buffer.getvalue()


def case(front: str = FRONT, body_src: str = "before.png") -> str:
    return CASE.format(front=front, body_src=body_src)


@pytest.fixture
def image_site(make_site):
    def make(files: dict[str, str | bytes | None] | None = None, **kw):
        return make_site({"content/case-studies/acme.md": case(),
                          "content/case-studies/before.png": png(1200, 800),
                          "content/case-studies/after.png": png(1200, 800, (200, 90, 40)),
                          **(files or {})}, **kw)
    return make


def run(site_dir: Path, cache: Path | None = None):
    """Build the site, then encode its images: what the build's image stage does."""
    result = build(site_dir)
    files = process.process_all(result.site.images, cache or site_dir / ".casefolio" / "images")
    return result, {f.path: f.data for f in files}


@pytest.fixture
def encodes(monkeypatch) -> list[str]:
    """Every encode, by format: the cache is proven by what is NOT in this list. Encoding stays
    in this process (a forked worker would count in its own copy of the list)."""
    monkeypatch.setenv("CASEFOLIO_PROCESSES", "1")
    calls: list[str] = []
    real = encode._encode

    def counting(im, fmt, *args, **kwargs):
        calls.append(fmt)
        return real(im, fmt, *args, **kwargs)

    monkeypatch.setattr(encode, "_encode", counting)
    return calls


def study(result):
    return result.site.case_studies[0]


def test_variants_srcset_and_sizes_are_emitted(image_site) -> None:
    result, files = run(image_site())
    page = study(result)
    body = page.html
    assert body.count("<picture>") == 1 and '<source type="image/webp"' in body
    for w in (480, 960, 1200):
        assert f"-{w}w." in body
    assert "1600w" not in body                                  # never upscaled past 1200
    assert 'width="1200" height="800"' in body
    assert 'loading="lazy" decoding="async"' in body
    assert 'sizes="(min-width: 48rem) 44rem, 100vw"' in body
    for url in (part.split(" ")[0] for part in body.split('srcset="')[1].split('"')[0]
                .split(", ")):
        assert url.lstrip("/") in files, url
    webp = [p for p in files if p.startswith("case-studies/before-") and p.endswith(".webp")]
    assert len(webp) == 3
    for path in webp:
        assert files[path][:4] == b"RIFF" and files[path][8:12] == b"WEBP"
        with Image.open(BytesIO(files[path])) as im:
            width = int(path.split("-")[-1].split("w.")[0])
            assert im.format == "WEBP" and im.size == (width, round(800 * width / 1200))
    assert "case-studies/before.png" not in files  # no page links to the original (#17 §8)
    assert not any(a.rel.endswith(".png") for a in result.site.assets)  # never copied raw


def test_cover_is_eager_and_comparisons_are_labelled(image_site) -> None:
    result, _ = run(image_site())
    page = study(result)
    assert 'loading="eager" fetchpriority="high"' in page.cover_html
    assert 'alt="The new three-step checkout"' in page.cover_html
    html = page.comparisons_html
    assert html.startswith('<figure class="comparison">') and html.count("<picture>") == 2
    assert ">Before</figcaption>" in html and ">After</figcaption>" in html
    assert '<figcaption class="comparison-caption">Seven steps became three.</figcaption>' in html
    assert 'alt="The old seven-step checkout"' in html and 'loading="lazy"' in html
    assert "fetchpriority" not in html and "fetchpriority" not in page.html


def test_never_upscales_and_caps_at_1600(make_site) -> None:
    site = make_site({"content/case-studies/acme.md": case("", "small.png"),
                      "content/case-studies/small.png": png(300, 90),
                      "static/wide.png": png(2400, 60)})
    result, files = run(site)
    assert 'width="300" height="90"' in study(result).html
    assert sorted(p for p in files if "small-" in p) == sorted(
        f"case-studies/small-300w.{h}" for h in [p.split("300w.")[1] for p in files
                                                  if "small-300w." in p])
    for path, data in files.items():
        with Image.open(BytesIO(data)) as im:
            if "small" in path:
                assert im.size == (300, 90)
    assert Image.open(BytesIO(files["wide.png"])).size == (2400, 60)  # unshown: clean copy only
    assert not any(p.startswith("wide-") for p in files)


def test_plan_caps_widths_at_1600() -> None:
    variants = plan._variants(plan.Asset("static/big.jpg", "big.jpg", "f" * 32), 4000,
                                3000, "JPEG")
    srcset = [(v.format, v.width, v.height) for v in variants if v.role == "srcset"]
    assert srcset == [("WEBP", 480, 360), ("WEBP", 960, 720), ("WEBP", 1600, 1200)]
    assert [(v.format, v.width) for v in variants if v.role == "fallback"] == [("JPEG", 960)]
    assert variants[-1].path == "big.jpg" and variants[-1].width == 4000


def test_rebuild_encodes_nothing_unchanged(image_site, encodes) -> None:
    site = image_site()
    run(site)
    first = len(encodes)
    assert first > 0 and "WEBP" in encodes
    encodes.clear()
    _, files = run(site)
    assert encodes == []                                         # all from the cache
    (site / "content/case-studies/before.png").write_bytes(png(1200, 800, (10, 10, 10)))
    _, again = run(site)
    assert 0 < len(encodes) < first                              # only before.png's variants
    changed = {p for p in again if again[p] != files.get(p)}
    assert changed and all(p.startswith("case-studies/before") for p in changed)


def test_the_last_builds_files_are_reused_without_reading_the_cache(image_site, encodes,
                                                                     tmp_path) -> None:
    site = image_site()
    result = build(site)
    first = process.process_all(result.site.images, tmp_path / "cache")
    last = {f.path: f for f in first}
    encodes.clear()
    again = process.process_all(result.site.images, tmp_path / "elsewhere", reuse=last)
    assert again == first and not (tmp_path / "elsewhere").exists() and encodes == []


def test_exif_and_gps_are_stripped_and_orientation_applied(make_site) -> None:
    site = make_site({"content/case-studies/acme.md": case("", "photo.jpg")
                      + "\n[Full size](/case-studies/photo.jpg)\n",  # the original too
                      "content/case-studies/photo.jpg": jpeg_with_gps(1280, 960)})
    result, files = run(site)
    assert 'width="960" height="1280"' in study(result).html    # upright: portrait
    photos = {p: d for p, d in files.items() if p.startswith("case-studies/photo")}
    assert len(photos) == 4                                      # 480 and 960 in WebP, 960 JPEG, the original
    for path, data in photos.items():
        with Image.open(BytesIO(data)) as im:
            assert len(im.getexif()) == 0, path
            assert "exif" not in im.info and "comment" not in im.info, path
            assert im.width < im.height, path
        assert b"Exif" not in data and b"PhoneMaker" not in data and b"shot at home" not in data


def test_png_text_and_exif_chunks_are_stripped(make_site) -> None:
    source = png_with_metadata()
    assert b"eXIf" in source and b"Jane at home" in source
    site = make_site({"content/case-studies/acme.md": case("", "shot.png")
                      + "\n[Full size](/case-studies/shot.png)\n",  # the original too
                      "content/case-studies/shot.png": source})
    _, files = run(site)
    shots = [d for p, d in files.items() if p.startswith("case-studies/shot")]
    assert len(shots) == 4
    for data in shots:
        for chunk in (b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"tIME", b"Jane", b"secret"):
            assert chunk not in data


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    found, at = [], 8
    while at < len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        found.append((data[at + 4:at + 8], data[at + 8:at + 8 + length]))
        at += 12 + length
    return found


def test_a_png_original_keeps_its_compressed_pixels_and_loses_its_metadata(make_site) -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jane at home")
    buffer = BytesIO()
    Image.open(BytesIO(png(700, 300))).convert("RGBA").save(buffer, "PNG", pnginfo=info,
                                                             compress_level=1)
    source = buffer.getvalue()
    site = make_site({"content/case-studies/acme.md": case("", "shot.png")
                      + "\n[Full size](/case-studies/shot.png)\n",  # linked: its original is published
                      "content/case-studies/shot.png": source})
    _, files = run(site)
    original = files["case-studies/shot.png"]
    assert [k for k, _ in chunks(original)] == [b"IHDR", b"IDAT", b"IEND"]
    assert [d for k, d in chunks(original) if k == b"IDAT"] == [
        d for k, d in chunks(source) if k == b"IDAT"]             # not compressed again
    assert b"Jane" not in original


def test_a_png_turned_by_its_exif_is_published_upright(make_site) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6                                            # rotate 90° clockwise
    buffer = BytesIO()
    Image.open(BytesIO(png(600, 400))).save(buffer, "PNG", exif=exif)
    site = make_site({"content/case-studies/acme.md": case("", "turned.png")
                      + "\n[Full size](/case-studies/turned.png)\n",  # linked: its original is published
                      "content/case-studies/turned.png": buffer.getvalue()})
    _, files = run(site)
    with Image.open(BytesIO(files["case-studies/turned.png"])) as im:
        assert im.size == (400, 600) and len(im.getexif()) == 0


def test_a_browser_without_webp_gets_one_size_in_the_source_format(image_site) -> None:
    result, files = run(image_site())
    body = study(result).html
    source, img = body.split("<picture>")[1].split("</picture>")[0].split("<img ")
    assert source.startswith('<source type="image/webp"') and ".png" not in source
    assert img.startswith('src="/case-studies/before-960w.') and ".png" in img
    assert 'width="1200" height="800"' in img and "srcset" not in img
    assert sorted(p.split(".")[0] for p in files if p.startswith("case-studies/before-")
                  and p.endswith(".png")) == ["case-studies/before-960w"]


def test_a_variant_is_the_same_whatever_the_cache_held(image_site, tmp_path) -> None:
    """Smaller sizes are resized from larger ones: never from what happened to be cached."""
    site = image_site({"content/case-studies/before.png": png(2000, 1000)})
    _, cold = run(site, tmp_path / "a")
    for path in (tmp_path / "a").iterdir():
        if path.suffix == ".webp" and path.stat().st_size != min(
                len(d) for p, d in cold.items() if p.startswith("case-studies/before-")):
            path.unlink()                                      # keep only the smallest size
    _, again = run(site, tmp_path / "a")
    assert again == cold


def test_og_images_for_case_studies_and_services(image_site) -> None:
    site = image_site({"content/case-studies/beta.md": case("", "before.png").replace(
        "Checkout redesign", "Beta").replace("Acme", "Beta Co")})
    result, files = run(site)
    by_title = {s.title: s for s in result.site.case_studies}
    cover = by_title["Checkout redesign"].og_image
    assert cover.url.startswith("https://example.com/case-studies/acme/og.")
    assert (cover.width, cover.height, cover.alt) == (1200, 630, "The new three-step checkout")
    card = by_title["Beta"].og_image
    assert card.url.startswith("https://example.com/case-studies/beta/og.") and card.type == \
        "image/png"
    service = result.site.services[0].og_image
    assert service.url.startswith("https://example.com/services/retainer/og.")
    for og in (cover, card, service):
        with Image.open(BytesIO(files[og.url.removeprefix("https://example.com/")])) as im:
            assert im.size == (1200, 630) and im.format == "PNG"


def test_card_text_is_drawable() -> None:
    assert cards._printable("Café −45% → €4,500 “ok”") == "Cafe -45% -> EUR 4,500 “ok”"


def test_errors_name_file_and_line(image_site) -> None:
    front = FRONT.replace("src: after.png, alt: The new three-step checkout}\ncomparisons",
                          "src: aftr.png, alt: Gone}\ncomparisons").replace(
        "after: {src: after.png, alt: The new three-step checkout}",
        "after: {src: after.png, alt: '  '}")
    site = image_site({"content/case-studies/acme.md": case(front, "broken.png") +
                       "\n![](after.png)\n\n![Cut off](truncated.png)\n",
                       "content/case-studies/broken.png": b"\x89PNG not really an image",
                       "content/case-studies/truncated.png": png(400, 300)[:-200],
                       "static/junk.jpg": b"garbage"})
    with pytest.raises(CasefolioError) as err:
        build(site)
    found = {(p.path, p.line, p.message) for p in err.value.problems}
    rel = "content/case-studies/acme.md"
    assert (rel, 10, "image `aftr.png` not found") in found
    assert "did you mean `after.png`?" in {p.hint for p in err.value.problems}
    assert (rel, 13, "image `after.png` has no alt text") in found
    assert any(p == rel and line == 18 and m.startswith("image `broken.png`: not an image")
               for p, line, m in found)
    assert (rel, 20, "image `after.png` has no alt text") in found
    assert any(p == rel and line == 22 and "truncated.png" in m for p, line, m in found)
    assert any(p == "static/junk.jpg" and line is None for p, line, _ in found)
    assert all(p.hint for p in err.value.problems)


def test_missing_alt_key_in_front_matter_is_a_schema_error(image_site) -> None:
    site = image_site({"content/case-studies/acme.md": case(
        "cover: {src: after.png}\n")})
    with pytest.raises(CasefolioError) as err:
        build(site)
    [problem] = err.value.problems
    assert problem.path == "content/case-studies/acme.md" and problem.line == 10
    assert "alt" in problem.message


def test_same_inputs_same_bytes(image_site, tmp_path) -> None:
    site = image_site()
    _, first = run(site, tmp_path / "cache-a")
    _, second = run(site, tmp_path / "cache-b")
    assert first == second and len(first) >= 8


def test_a_changed_image_changes_the_key_of_pages_showing_it(image_site) -> None:
    site = image_site()
    result = build(site)
    page = study(result)
    assert "image:content/case-studies/before.png" in page.reads
    old = result.site.fingerprints["image:content/case-studies/before.png"]
    (site / "content/case-studies/before.png").write_bytes(png(1200, 600))
    result = build(site)
    assert result.site.fingerprints["image:content/case-studies/before.png"] != old
    assert 'width="1200" height="600"' in study(result).html


def test_svg_and_gif_are_copied_as_they_are(make_site) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    site = make_site({"content/case-studies/acme.md": case("", "diagram.svg"),
                      "content/case-studies/diagram.svg": svg})
    result, files = run(site)
    assert '<img src="/case-studies/diagram.svg" alt="The old checkout, seven steps" ' \
        'loading="lazy" decoding="async">' in study(result).html
    assert any(a.rel.endswith("diagram.svg") for a in result.site.assets) and not files.get(
        "case-studies/diagram.svg")


def test_build_writes_every_image_file(image_site) -> None:
    site = image_site()
    out = site / "output"
    result = build_to(site, out)
    page = (out / "case-studies/acme/index.html").read_text(encoding="utf-8")
    for job in result.site.images:
        paths = [job.path] if isinstance(job, plan.CardJob) else [v.path for v in job.variants]
        for path in paths:
            assert (out / path).is_file(), path
    assert "<picture>" in page


# --- the share card and the process pool --------------------------------------------------

CARDS = [("Checkout redesign lifts mobile conversion for a skincare brand", "+38%",
          "Mobile conversion rate, Lumen Skincare"),
         ("Pricing page test", "−12%", "Bounce rate"),
         ("A title long enough to be set smaller, wrapped to three lines and cut short with an "
          "ellipsis because it goes on about the whole onboarding funnel of a B2B platform",
          "$1.2M", "Annual recurring revenue from the self-serve onboarding, first year"),
         ("Café Zoë → €4,500 “ok”", "|(){}$", "Tall and deep glyphs: gjpqy ÅÉ"),
         ("No metric at all", "", "")]


def card_jobs(count: int = len(CARDS)) -> list[plan.CardJob]:
    return [plan.card_job(f"case-studies/c{i}/", *CARDS[i % len(CARDS)], "Northpoint CRO")
            for i in range(count)]


def rgb(data: bytes) -> Image.Image:
    with Image.open(BytesIO(data)) as im:
        assert im.format == "PNG" and im.mode == "P" and im.size == plan.OG_SIZE
        return im.convert("RGB")


def test_a_card_is_a_1200x630_palette_png_with_the_brand_colours_exact() -> None:
    colours = cards.CARD_COLOURS
    for job in card_jobs():
        card = rgb(cards.draw_card(job))
        assert card.getpixel((10, 10)) == colours["accent"]             # the stripe
        assert card.getpixel((1190, 20)) == colours["bg"]
        assert card.getpixel((1190, 620)) == colours["panel"]
        drawn = {colour for _, colour in card.getcolors(256)}
        assert colours["ink"] in drawn and colours["muted"] in drawn    # inside the letters
        if job.metric:
            assert colours["accent"] in {card.getpixel((x, 500)) for x in range(88, 400)}


def test_a_card_looks_as_drawn_in_true_colour() -> None:
    """Text anti-aliased to the fixed palette: within half a step of each ramp of the exact
    RGB drawing. Text drawn across the panel's edge would be far off (wrong ramp)."""
    colours = cards.CARD_COLOURS
    fills = {"stripe": colours["accent"], "panel": colours["panel"], "site": colours["muted"],
             "title": colours["ink"], "metric": colours["accent"], "label": colours["muted"]}
    for job in card_jobs():
        exact = Image.new("RGB", plan.OG_SIZE, colours["bg"])
        cards._lay_out_card(exact, job, fills)
        card = rgb(cards.draw_card(job))
        error = max(high for _, high in ImageChops.difference(card, exact).getextrema())
        assert 0 < error <= 8, job.title


TRICKY_WORDS = ["AVATAR", "Kx", "KW", "rtyff", "Typography", "W.A.V.", "“ok”", "gjpqy", "1,200%",
                "|(){}$", "x", ".", "-", "EUR", "B2B", "onboarding…", "©™"]


def test_a_title_word_from_cached_glyphs_is_the_word_pillow_renders() -> None:
    """Glyphs placed by their advances and kerning and blended over each other (pairs such as
    "Kx" overlap) make the same mask as FreeType's rendering of the whole word."""
    for size in (68, 60, 52):
        for word in TRICKY_WORDS:
            mask, offset = cards._word(word, size)
            rendered, where = cards._render(word, size, "la", True)
            assert offset == where and mask.tobytes() == rendered.tobytes(), (word, size)
            assert cards._advance(word, size) == cards._font(size).getlength(word)


def test_a_card_is_a_valid_png_of_the_pixels_drawn() -> None:
    """The PNG written band by band (frame bands deflated once per site) decodes, checksums
    and all, to the indices drawn, whichever site's frame came before."""
    from PIL import PngImagePlugin

    for site in ("Northpoint CRO", "Another Site", "Northpoint CRO"):
        for job in card_jobs():
            job = replace(job, site_name=site)
            data = cards.draw_card(job)
            with Image.open(BytesIO(data)) as im:
                im.verify()  # chunk CRCs
            with Image.open(BytesIO(data)) as im:
                assert isinstance(im, PngImagePlugin.PngImageFile) and im.mode == "P"
                assert im.size == plan.OG_SIZE and im.getpalette() == list(cards._card_palette())
                drawn = cards._card_frame(site).copy()
                cards._lay_out_text(drawn, job, cards._CARD_FILLS)
                assert im.tobytes() == drawn.tobytes()  # zlib checks the Adler-32 too
            assert cards.draw_card(job) == data


def test_adler32_of_joined_bytes_from_the_parts() -> None:
    import zlib

    for first, second in ((b"", b"abc"), (b"abc", b""), (b"x" * 70000, bytes(range(256)) * 300)):
        assert cards._adler32_combine(zlib.adler32(first), zlib.adler32(second), len(second)) \
            == zlib.adler32(first + second)


def test_cards_are_deterministic_in_threads() -> None:
    """Same card, same bytes, whichever thread draws it with its own fonts, in any order."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = card_jobs() * 4
    once = [cards.draw_card(job) for job in card_jobs()]
    with ThreadPoolExecutor(4) as pool:
        drawn = list(pool.map(cards.draw_card, reversed(jobs)))[::-1]
    assert drawn == once * 4 and len(set(once)) == len(once)
    for cached in (cards._word, cards._glyph, cards._mask, cards._length, cards._frame_band,
                   cards._card_frame):  # as in a new process: the caches change no byte
        cached.cache_clear()
    assert [cards.draw_card(job) for job in reversed(card_jobs())] == once[::-1]


def counting(monkeypatch) -> list[str]:
    """What this process draws or encodes; a forked worker counts in its own copy."""
    calls: list[str] = []
    real_draw, real_encode = cards.draw_card, encode._encode

    def draw(job):
        calls.append("card")
        return real_draw(job)

    def encoding(im, fmt, *args, **kwargs):
        calls.append(fmt)
        return real_encode(im, fmt, *args, **kwargs)

    monkeypatch.setattr(cards, "draw_card", draw)
    monkeypatch.setattr(encode, "_encode", encoding)
    return calls


def mixed_jobs(root: Path) -> list[plan.Job]:
    from generator.content.sources import Asset, fingerprint

    assets = []
    for name, data in (("a.png", png(900, 500)), ("b.jpg", jpeg_with_gps(700, 400))):
        (root / name).write_bytes(data)
        assets.append(Asset(name, name, fingerprint(data)))
    jobs, _ = plan.plan(root, assets)
    return [*plan.publish(jobs, jobs), *card_jobs(6)]


def test_worker_processes_give_the_same_bytes_and_fill_the_cache(tmp_path, monkeypatch) -> None:
    import threading

    if threading.active_count() > 1:
        pytest.skip("another test left a thread running: process_all would not fork")
    jobs = mixed_jobs(tmp_path)
    serial = process.process_all(jobs, tmp_path / "serial", processes=1)
    calls = counting(monkeypatch)
    pooled = process.process_all(jobs, tmp_path / "pooled", processes=2)
    assert calls == ["card"]  # one drawn here first (workers inherit warm glyph caches), the
                              # rest made in worker processes...
    assert pooled == serial and len(serial) == 11  # WebP sizes + one fallback; no original
    cached = {p.name for p in (tmp_path / "pooled").iterdir()}
    assert cached == {p.name for p in (tmp_path / "serial").iterdir()}   # ...which cached them
    assert {f"{f.key}.{f.path.rsplit('.', 1)[1]}" for f in pooled} == cached
    calls.clear()
    assert process.process_all(jobs, tmp_path / "pooled", processes=2) == serial and calls == []


def test_workers_spool_what_they_make_and_still_fill_the_cache(tmp_path, monkeypatch) -> None:
    """With `put` (a one-off build's spool) no bytes come back: each file is spooled where it
    is made or read, and the cache gets every made file, so a later build draws nothing."""
    import threading

    from generator.output.folder import Spooled
    from generator.output.writer import Spool

    if threading.active_count() > 1:
        pytest.skip("another test left a thread running: process_all would not fork")
    jobs = mixed_jobs(tmp_path)
    serial = process.process_all(jobs, tmp_path / "serial", processes=1)
    spool = Spool(tmp_path / "out")
    try:
        for cache in (tmp_path / "nothing", tmp_path / "pooled", tmp_path / "pooled"):
            calls = counting(monkeypatch)
            files = process.process_all(jobs, cache, processes=2, put=spool.put,
                                        store=cache.name != "nothing")
            assert [(f.path, f.key) for f in files] == [(f.path, f.key) for f in serial]
            assert all(isinstance(f.data, Spooled) for f in files)
            assert [Path(f.data.file).read_bytes() for f in files] == [f.data for f in serial]
            assert len({f.data.file for f in files}) == len(files)  # one spooled file each
            monkeypatch.undo()
        assert not (tmp_path / "nothing").exists()  # store=False: nothing cached
        assert calls == []  # the third run found all in the cache the second filled
        cached = {p.name for p in (tmp_path / "pooled").iterdir()}
        assert cached == {p.name for p in (tmp_path / "serial").iterdir()}
    finally:
        spool.discard()


def test_a_few_cards_stay_in_this_process(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("CASEFOLIO_PROCESSES", raising=False)
    calls = counting(monkeypatch)
    files = process.process_all(card_jobs(3), tmp_path)
    assert calls == ["card"] * 3 and all(f.data for f in files)


def test_a_worker_that_cannot_decode_reports_the_file(tmp_path, monkeypatch) -> None:
    import threading

    if threading.active_count() > 1:
        pytest.skip("another test left a thread running: process_all would not fork")
    jobs = mixed_jobs(tmp_path)
    (tmp_path / "a.png").write_bytes(b"\x89PNG gone bad after planning")
    counting(monkeypatch)
    with pytest.raises(CasefolioError) as err:
        process.process_all(jobs, tmp_path / "cache", processes=2)
    [problem] = err.value.problems
    assert problem.path == "a.png" and "cannot decode" in problem.message


def test_a_file_already_in_the_output_folder_is_not_read_again(tmp_path) -> None:
    """A last-build entry without bytes (data None: in the output folder, unchanged) is kept
    as it is when its key matches; a stale key is drawn again."""
    first, second = process.process_all(card_jobs(2), tmp_path / "cache")
    reuse = {first.path: process.ImageFile(first.path, None, first.key),
             second.path: process.ImageFile(second.path, None, "stale")}
    again = process.process_all(card_jobs(2), tmp_path / "empty", reuse=reuse)
    assert again == [process.ImageFile(first.path, None, first.key), second]


def test_a_theme_sets_its_images_sizes_in_theme_yaml(image_site) -> None:
    site = image_site()
    shutil.copytree(REPO / "themes" / "default", site / "themes" / "narrow")
    (site / "themes/narrow/theme.yaml").write_text(
        'image_sizes: {prose: "(min-width: 40rem) 30rem, 100vw", cover: "90vw",\n'
        '              comparison: "45vw"}\n', encoding="utf-8")
    (site / "site.yaml").write_text((site / "site.yaml").read_text("utf-8")
                                    + "theme: narrow\n", encoding="utf-8")
    page = study(build(site))
    assert 'sizes="(min-width: 40rem) 30rem, 100vw"' in page.html
    assert 'sizes="90vw"' in page.cover_html and 'sizes="45vw"' in page.comparisons_html
    (site / "themes/narrow/theme.yaml").unlink()   # a theme without one: the default's
    page = study(build(site))
    assert 'sizes="(min-width: 48rem) 44rem, 100vw"' in page.html
@pytest.mark.parametrize("damage", [lambda data: data[:100], lambda data: b"",
                                    lambda data: data[:-1] + bytes([data[-1] ^ 1])],
                         ids=["truncated", "empty", "flipped-byte"])
def test_a_damaged_cached_image_is_made_again_not_published(image_site, damage) -> None:
    site = image_site()
    _, pristine = run(site)
    cached = [p for p in (site / ".casefolio" / "images").iterdir() if not p.name.startswith(".")]
    assert cached
    for path in cached:
        path.write_bytes(damage(path.read_bytes()))
    _, again = run(site)
    assert again == pristine


# --- images too big for a format, or for memory ---------------------------------------------


def test_a_full_page_screenshot_taller_than_webp_allows_builds(image_site) -> None:
    """WebP holds at most 16,383 px a side: such an image is published in its own format."""
    site = image_site({"content/case-studies/before.png": png(500, 17_000)})
    result, files = run(site)
    tall = [p for p in files if "before" in p]
    assert tall and not any(p.endswith(".webp") for p in tall)
    assert any(Image.open(BytesIO(files[p])).height > 16_383 for p in tall)
    page = next(o.data for o in result.outputs if o.path == "case-studies/acme/index.html")
    assert b"before" in page


def png_bomb(width: int, height: int) -> bytes:
    """A 1-bit PNG of width x height zero pixels: a few hundred kB that decode to gigabytes."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    packer, row = zlib.compressobj(9), b"\0" * (1 + (width + 7) // 8)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))


@pytest.mark.parametrize("where", ["static/bomb.png", "content/case-studies/before.png"])
@pytest.mark.parametrize("size", [(20_000, 20_000), (10_000, 10_000)], ids=["error", "warning"])
def test_a_decompression_bomb_is_an_error_naming_the_file(image_site, where, size) -> None:
    from click.testing import CliRunner

    from generator.cli import main

    site = image_site({where: png_bomb(*size)})
    result = CliRunner().invoke(main, ["build", str(site)])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert isinstance(result.exception, SystemExit)
    assert where in result.output and "pixels" in result.output


# --- issue 18: cheaper encoding, same pictures -----------------------------------------------

def palette_png(width: int, height: int, noise: bool = False) -> bytes:
    """A screenshot saved with few colours (mode P), or a palette of noise (a dithered photo)."""
    import random

    im = Image.open(BytesIO(png(width, height)))
    if noise:
        rng = random.Random(3)
        im = Image.frombytes("RGB", (width, height), bytes(rng.randrange(256)
                                                            for _ in range(width * height * 3)))
    buffer = BytesIO()
    im.quantize(64 if noise else 8).save(buffer, "PNG")
    return buffer.getvalue()


def webp_kind(data: bytes) -> bytes:
    """b"VP8L" (lossless) or b"VP8 " (lossy): the first chunk after the RIFF header."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return data[12:16]


def png_rows(data: bytes) -> tuple[int, list[int]]:
    """(bytes a row, the filter type of each row) of a PNG's image data."""
    import struct
    import zlib

    at, idat, width, colour = 8, b"", 0, 0
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, colour = struct.unpack(">I", body[:4])[0], body[9]
        idat += body if kind == b"IDAT" else b""
        at += 12 + length
    row = 1 + width * {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
    raw = zlib.decompress(idat)
    return row, [raw[i] for i in range(0, len(raw), row)]


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "LA"])
def test_png_up_is_the_pixels_with_every_row_filtered_up(mode) -> None:
    source = Image.open(BytesIO(png(300, 200))).convert("RGB")
    ImageDraw.Draw(source).ellipse((40, 30, 220, 170), fill=(250, 200, 20))
    im = source.convert(mode)
    data = encode.png_up(im, 2, icc=b"not a real profile")
    with Image.open(BytesIO(data)) as made:
        made.verify()  # chunk CRCs
    with Image.open(BytesIO(data)) as made:
        assert made.mode == mode and made.tobytes() == im.tobytes()
        assert made.info["icc_profile"] == b"not a real profile"
    assert png_rows(data)[1] == [2] * 200


def test_a_true_colour_fallback_is_written_with_rows_filtered_up(image_site) -> None:
    site = image_site({"content/case-studies/after.png": palette_png(1200, 800)})
    _, files = run(site)
    [true_colour] = [d for p, d in files.items() if p.startswith("case-studies/before-960w.")
                     and p.endswith(".png")]
    [palette] = [d for p, d in files.items() if p.startswith("case-studies/after-960w.")
                 and p.endswith(".png")]
    assert set(png_rows(true_colour)[1]) == {2}
    assert set(png_rows(palette)[1]) == {0}  # Pillow's encoder, no filter for a palette
    with Image.open(BytesIO(true_colour)) as im:
        assert im.mode == "RGB" and im.size == (960, 640)


def test_a_palette_screenshot_gets_lossless_webp_and_a_true_colour_one_lossy(image_site) -> None:
    site = image_site({"content/case-studies/before.png": palette_png(1200, 800)})
    _, files = run(site)
    before = {p: d for p, d in files.items() if p.startswith("case-studies/before-")
              and p.endswith(".webp")}
    after = {p: d for p, d in files.items() if p.startswith("case-studies/after-")
             and p.endswith(".webp")}
    assert len(before) == 3 and {webp_kind(d) for d in before.values()} == {b"VP8L"}
    assert len(after) == 3 and {webp_kind(d) for d in after.values()} == {b"VP8 "}
    source = Image.open(site / "content/case-studies/before.png").convert("RGB")
    [full] = [d for p, d in before.items() if p.startswith("case-studies/before-1200w.")]
    assert Image.open(BytesIO(full)).convert("RGB").tobytes() == source.tobytes()  # exact
    for path, data in before.items():  # smaller than lossy WebP of the same size
        with Image.open(BytesIO(data)) as im:
            lossy = encode._encode(source.resize(im.size, Image.Resampling.BICUBIC), "WEBP")
            assert len(data) < len(lossy), path


def test_noise_in_a_palette_falls_back_to_lossy_webp(image_site) -> None:
    site = image_site({"content/case-studies/before.png": palette_png(600, 400, noise=True)})
    _, files = run(site)
    webp = [d for p, d in files.items() if p.startswith("case-studies/before-")
            and p.endswith(".webp")]
    assert len(webp) == 2 and all(webp_kind(d) == b"VP8 " for d in webp)


def test_lossless_and_lossy_variants_have_their_own_keys() -> None:
    asset = plan.Asset("static/a.png", "a.png", "f" * 32)
    lossless = plan._variants(asset, 1200, 800, "PNG", palette=True)
    lossy = plan._variants(asset, 1200, 800, "PNG")
    assert [v.lossless for v in lossless if v.role == "srcset"] == [True] * 3
    assert not any(v.lossless for v in lossy)
    srcset = {v.path for v in lossless if v.role == "srcset"}
    assert srcset.isdisjoint(v.path for v in lossy)       # never served from the other's cache
    assert [v.path for v in lossless if v.role != "srcset"] == [
        v.path for v in lossy if v.role != "srcset"]      # the fallback and original are the same


def test_a_big_webp_has_its_own_cheaper_settings_in_its_key(monkeypatch) -> None:
    asset = plan.Asset("static/tall.png", "tall.png", "f" * 32)
    photo = plan._variants(plan.Asset("static/p.jpg", "p.jpg", "f" * 32), 2400, 1600, "JPEG")
    before = plan._variants(asset, 1216, 1862, "PNG")  # WebPs over BIG_WEBP_PIXELS in all
    diagram = plan._variants(plan.Asset("static/d.png", "d.png", "f" * 32), 2980, 2213, "PNG")
    assert [plan.encoder_options(v) is plan.BIG_WEBP for v in before + photo + diagram
            if v.role == "srcset"] == [True] * 3 + [False] * 3 + [True] * 3  # (its source)
    for alpha, big in ((False, False), (True, True)):  # 2.7 MP of WebPs, with alpha: 1.5x
        rgba = plan._variants(plan.Asset("static/a.png", "a.png", "f" * 32), 2104, 1522, "PNG",
                              alpha=alpha)
        assert [v.big for v in rgba if v.role == "srcset"] == [big] * 3
    monkeypatch.setattr(plan, "BIG_WEBP", {**plan.BIG_WEBP, "method": 1})
    after = plan._variants(asset, 1216, 1862, "PNG")
    changed = [b.path != a.path for b, a in zip(before, after, strict=True)]
    assert changed == [True, True, True, False, False]  # only its WebPs are made again


def test_smaller_widths_are_resized_from_the_next_larger_one(tmp_path) -> None:
    from generator.content.sources import Asset, fingerprint

    data = jpeg_with_gps(2400, 1600)  # upright: 1600x2400
    (tmp_path / "p.jpg").write_bytes(data)
    jobs, _ = plan.plan(tmp_path, [Asset("p.jpg", "p.jpg", fingerprint(data))])
    [job] = plan.publish(jobs, jobs)
    source = encode.decode(job)
    sized: dict = {}
    for v in job.variants:
        if v.role == "srcset":
            encode._sized(source, None, v.width, v.height, sized)
    assert sorted(k[1:] for k in sized) == [(480, 720), (960, 1440), (1600, 2400)]
    assert source.pixels.size == (1600, 2400)  # the upright source, as decoded
    derived = sized[(None, 480, 720)]
    straight = source.pixels.resize((480, 720), Image.Resampling.BICUBIC)
    assert derived.tobytes() == encode._sized(source, None, 960, 1440, {}).resize(
        (480, 720), Image.Resampling.BICUBIC, reducing_gap=3.0).tobytes()
    assert max(high for _, high in ImageChops.difference(derived, straight).getextrema()) < 8


def test_the_pool_takes_the_largest_jobs_first_and_gathers_small_ones() -> None:
    work = [5, 300, 5, 90, 5, 5, 120, 5]
    chunks = process._chunks(work)
    assert [i for chunk in chunks for i in chunk] == [1, 6, 3, 0, 2, 4, 5, 7]
    assert chunks[:3] == [[1], [6], [3]]              # each big job alone, biggest first
    assert chunks[3:] == [[0, 2, 4, 5, 7]]            # the small ones together, in order
    assert process._chunks(work) == chunks             # the same every time


def test_a_card_title_is_wrapped_to_lines_that_fit() -> None:
    from PIL import ImageDraw

    draw = ImageDraw.Draw(Image.new("L", (1, 1)))
    inner = plan.OG_SIZE[0] - 88 - 72
    for title, _, label in CARDS:
        for size in (68, 52, 34):
            font = cards._font(size)
            lines = cards._wrap(cards._printable(title + " " + label), size, inner)
            assert " ".join(lines) == cards._printable(title + " " + label)
            for i, line in enumerate(lines):
                assert " " not in line or draw.textlength(line, font=font) <= inner
                if i + 1 < len(lines):  # the next word would not have fitted
                    nxt = f"{line} {lines[i + 1].split()[0]}"
                    assert draw.textlength(nxt, font=font) > inner
