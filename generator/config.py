"""site.yaml -> a frozen Config, with every problem reported at once."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from generator import __version__
from generator.brand import FONT_FORMATS, HEX_RE, Palette, palette
from generator.content.frontmatter import load_yaml, normalize_text
from generator.content.schema import (
    ANCHORS,
    CallToAction,
    Figure,
    Invalid,
    SafeUrl,
    Strict,
    canonical_unit,
    check_slug,
    parse_figure,
    validate,
)
from generator.errors import CasefolioError, Problem

_NOT_IN_URL = re.compile(r"[\x00-\x20\x7f\"<>\\^`{|}]")

BUILTIN_THEMES = Path(__file__).parent / "_themes"
if not BUILTIN_THEMES.is_dir():  # running from a source checkout or an editable install
    BUILTIN_THEMES = Path(__file__).parent.parent / "themes"


class Organization(Strict):
    name: str
    email: str | None = None
    logo: str | None = None
    url: SafeUrl | None = None
    same_as: tuple[SafeUrl, ...] = ()


class NavItem(Strict):
    label: str
    url: SafeUrl


class Person(Strict):
    """A consultant, by id in site.yaml `people:`; case studies and articles cite the id."""

    name: str = Field(min_length=1)
    role: str = ""
    photo: str | None = None   # a path in the site folder, e.g. static/people/anna.jpg
    bio: str = ""
    url: str | None = None


class Niche(Strict):
    name: str
    pitch: str = ""


class HighlightEntry(Strict):
    """A home page tile: a case study's result by label, or a figure of the consultancy."""

    case_study: str | None = None
    metric: str | None = None
    value: Figure | None = None
    label: str | None = None
    unit: str = "count"

    _value = field_validator("value", mode="before")(classmethod(lambda cls, v: parse_figure(v)))
    _unit = field_validator("unit")(classmethod(lambda cls, v: canonical_unit(v)))

    @model_validator(mode="after")
    def _one_kind(self) -> HighlightEntry:
        by_result = self.case_study is not None or self.metric is not None
        if by_result and (self.value is not None or self.label is not None):
            raise Invalid("a highlight is either a case study's result or a figure, not both",
                          "`{case_study: slug, metric: Label}` or `{value: 100+, label: "
                          "Stores optimised}`")
        if by_result and (self.case_study is None or self.metric is None):
            raise Invalid("a case study's highlight needs `case_study` and `metric`",
                          "e.g. `{case_study: skincare-checkout, metric: Checkout "
                          "conversion rate}`")
        if not by_result and (self.value is None or not self.label):
            raise Invalid("a figure highlight needs `value` and `label`",
                          "e.g. `{value: 100+, label: Stores optimised}`")
        return self


class MarkdownOptions(Strict):
    raw_html: bool = True
    anchors: Literal["default", "hugo", "github"] = "default"  # schema.ANCHORS

    @field_validator("anchors", mode="before")
    @classmethod
    def _known_anchors(cls, value: object) -> object:
        if value not in ANCHORS:
            raise Invalid(f"unknown anchors `{value}`", f"write one of: {', '.join(ANCHORS)} "
                          "(`hugo` for a site moved from Hugo, `github` for GitHub's and "
                          "Jekyll's ids)")
        return value


DEPLOY_FIELDS = {  # per type of deploy target: its fields besides name, type and delete
    "gh-pages": ("remote", "branch"), "s3": ("bucket", "prefix", "endpoint", "region"),
    "rsync": ("destination",), "folder": ("path",)}


class DeployTarget(Strict):
    """One place `casefolio deploy` publishes to (deploy/ reads it; docs/deployment.md)."""

    name: str = Field(min_length=1)
    type: Literal["gh-pages", "s3", "rsync", "folder"]
    delete: bool = False  # remove files the site no longer has (s3, rsync, folder)
    remote: str = "origin"
    branch: str = "gh-pages"
    bucket: str = ""
    prefix: str = ""
    endpoint: str | None = None
    region: str | None = None
    destination: str = ""
    path: str = ""

    @model_validator(mode="after")
    def _fields_of_its_type(self) -> DeployTarget:
        own = DEPLOY_FIELDS[self.type]
        for key in sorted(self.model_fields_set - {"name", "type", "delete", *own}):
            raise Invalid(f"`{key}` is not a field of a target of type {self.type}",
                          f"type {self.type} takes: name, type, {', '.join(own)}"
                          + (", delete" if self.type != "gh-pages" else ""))
        required = {"s3": "bucket", "rsync": "destination", "folder": "path"}.get(self.type)
        if required and not getattr(self, required):
            raise Invalid(f"a target of type {self.type} needs `{required}`",
                          "see docs/deployment.md for an example")
        return self
class Brand(Strict):
    """Colours and font for the built-in theme; see generator/brand.py for what they become."""

    primary: str | None = None
    accent: str | None = None
    font: str = "system"

    @field_validator("primary", "accent")
    @classmethod
    def _hex(cls, value: str | None) -> str | None:
        if value is not None and not HEX_RE.fullmatch(value):
            raise Invalid(f"`{value}` is not a hex colour",
                          'write it as "#rrggbb" in quotes, e.g. `primary: "#0b3d4f"`')
        return value

    @field_validator("font")
    @classmethod
    def _font(cls, value: str) -> str:
        if value in ("system", "serif"):
            return value
        if (value.startswith("static/") and ".." not in value
                and re.fullmatch(r"[\w./-]+", value)
                and Path(value).suffix.lower() in FONT_FORMATS):
            return value
        raise Invalid(f"unknown font `{value}`", "write `system`, `serif`, or the path of a "
                      "font file in static/ (.woff2, .woff, .ttf or .otf), e.g. "
                      "`font: static/fonts/Inter.woff2`")


class SiteSettings(Strict):
    """The fields of site.yaml, exactly as CONTENT-MODEL.md spells them."""

    title: str = Field(min_length=1)
    base_url: str
    language: str = "en"
    timezone: str = "UTC"
    theme: str = "default"
    headline: str = ""
    tagline: str = ""
    organization: Organization | None = None
    call_to_action: CallToAction | None = None
    navigation: tuple[NavItem, ...] = ()
    niches: dict[str, Niche] = Field(default_factory=dict)
    people: dict[str, Person] = Field(default_factory=dict)
    markdown: MarkdownOptions = MarkdownOptions()
    highlights: tuple[HighlightEntry, ...] = ()
    brand: Brand = Brand()
    page_size: int = Field(default=24, ge=1)
    share_cards: bool = True
    deploy: tuple[DeployTarget, ...] = ()
    plugins: tuple[str, ...] = ()  # module paths, resolved in the site folder first
    allow_links_to: tuple[str, ...] = ()

    @field_validator("base_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
        except ValueError:  # e.g. an unclosed [ in the host
            parts = urlsplit("")
        if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query
                or parts.fragment or _NOT_IN_URL.search(value)):
            raise Invalid("must be an absolute http(s) URL without spaces, query or fragment",
                          "e.g. `base_url: https://example.com/` or, for a site in a "
                          "subfolder, `base_url: https://example.github.io/agency/`")
        return value if value.endswith("/") else value + "/"

    @field_validator("deploy")
    @classmethod
    def _unique_targets(cls, value: tuple[DeployTarget, ...]) -> tuple[DeployTarget, ...]:
        names = [t.name for t in value]
        for name in names:
            if names.count(name) > 1:
                raise Invalid(f"two deploy targets are named `{name}`",
                              "give each a name of its own: `--target NAME` picks one")
        return value

    @field_validator("niches")
    @classmethod
    def _niche_ids(cls, value: dict[str, Niche]) -> dict[str, Niche]:
        for key in value:
            try:
                check_slug(key)
            except ValueError:
                raise Invalid(f"the niche id `{key}` is used in a URL (niches/{key}/)",
                              "use letters, digits, `-` or `_`, e.g. `home-services:`") from None
        return value

    @field_validator("people")
    @classmethod
    def _person_ids(cls, value: dict[str, Person]) -> dict[str, Person]:
        for key in value:
            try:
                check_slug(key)
            except ValueError:
                raise Invalid(f"the person id `{key}` is used in a URL (people/{key}/)",
                              "use letters, digits, `-` or `_`, e.g. `anna:`") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise Invalid(f"unknown time zone `{value}`", "use an IANA name such as "
                          "Europe/London or America/New_York") from None
        return value


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What the command line asks of one build."""

    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    serve: bool = False  # building for the dev server (live reload script, drafts banner...)
    write_cache: bool = True  # False: nothing written in the site folder (`casefolio check`)


@dataclass(frozen=True, slots=True)
class Config:
    """Everything every later stage may read about the site, frozen."""

    site_dir: Path
    settings: SiteSettings
    theme_dir: Path
    options: BuildOptions = field(default_factory=BuildOptions)
    fingerprint: str = ""  # changes whenever anything here changes
    highlight_lines: tuple[int | None, ...] = ()  # site.yaml line of each `highlights:` entry
    # The theme's theme.yaml `image_sizes:` (place -> a <picture>'s `sizes`), see theme_sizes.
    sizes: tuple[tuple[str, str], ...] = ()
    palette: Palette | None = None  # the theme tokens site.yaml `brand:` sets

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    def image_sizes(self, place: str) -> str:
        """The theme's `sizes` for an image shown in this place (prose, cover, comparison)."""
        return dict(self.sizes).get(place) or dict(self.sizes).get("prose") or "100vw"

    @property
    def link_roots(self) -> tuple[str, ...]:
        """The real paths of the folders outside the site that links may lead into."""
        return tuple(os.path.realpath(self.site_dir / Path(folder).expanduser())
                     for folder in self.settings.allow_links_to)

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, '/' or e.g. '/agency/'."""
        return urlsplit(self.settings.base_url).path or "/"

    def today(self) -> dt.date:
        """Today in the site's time zone: what decides whether a case study is 'future'."""
        return dt.datetime.now(zoneinfo.ZoneInfo(self.settings.timezone)).date()


def available_themes(site_dir: Path) -> list[str]:
    names = {p.name for p in BUILTIN_THEMES.iterdir() if (p / "templates").is_dir()}
    local = site_dir / "themes"
    if local.is_dir():
        names |= {p.name for p in local.iterdir() if (p / "templates").is_dir()}
    return sorted(names)


def find_theme(site_dir: Path, name: str) -> Path | None:
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        return None
    for root in (site_dir / "themes", BUILTIN_THEMES):
        candidate = root / name
        if (candidate / "templates").is_dir():
            return candidate
    return None


def load_config(site_dir: Path, options: BuildOptions = BuildOptions()) -> Config:
    """Read and validate site.yaml; raise CasefolioError listing every problem."""
    path = site_dir / "site.yaml"
    rel = "site.yaml"
    if not path.is_file():
        raise CasefolioError([Problem(str(path), None, "site.yaml not found",
                                      f"is {site_dir} a casefolio site? "
                                      "create one with `casefolio init DIR`")])
    try:
        raw = path.read_bytes()
        text = normalize_text(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CasefolioError([Problem(rel, None, f"not UTF-8 text (byte {exc.start})",
                                      "save the file as UTF-8")]) from None
    except OSError as exc:
        raise CasefolioError([Problem(rel, None, f"cannot read: {exc.strerror}")]) from None
    data, positions = load_yaml(text, rel)
    if not isinstance(data, dict):
        raise CasefolioError([Problem(rel, 1, "site.yaml must be a set of `key: value` fields",
                                      "start with `title:` and `base_url:`")])
    if options.base_url is not None:  # `--base-url ''` too: an error, never site.yaml's
        data = {**data, "base_url": options.base_url}
    settings, problems = validate(SiteSettings, data, positions, rel)
    if settings is None:
        if options.base_url is not None:  # the bad value came from the command line
            problems = [Problem("--base-url", None, p.message, p.hint)
                        if p.message.startswith("base_url:") else p for p in problems]
        raise CasefolioError(problems)
    theme_dir = find_theme(site_dir, settings.theme)
    if theme_dir is None:
        raise CasefolioError([Problem(
            rel, positions.get(("theme",)), f"unknown theme `{settings.theme}`",
            f"available themes: {', '.join(available_themes(site_dir))}")])
    sizes = theme_sizes(theme_dir)
    brand = settings.brand
    tokens = None
    if brand != Brand():
        tokens = palette(brand.primary, brand.accent, brand.font)
        problems = [Problem(rel, positions.get(("brand", f.key)), f.message(), f.hint())
                    for f in ([] if isinstance(tokens, Palette) else tokens)]
        if brand.font.startswith("static/") and not (site_dir / brand.font).is_file():
            problems.append(Problem(rel, positions.get(("brand", "font")),
                                    f"brand.font: no such file {brand.font}",
                                    "put the font file there, or write `font: system`"))
        if problems:
            raise CasefolioError(problems)
    digest = hashlib.blake2b(digest_size=16)
    site = settings.model_dump_json(exclude={"deploy"})  # where it goes is not what it is
    for part in (__version__, site, repr(options), str(theme_dir), repr(sizes)):
        digest.update(part.encode())
        digest.update(b"\0")
    lines = tuple(positions.get(("highlights", i)) for i in range(len(settings.highlights)))
    return Config(site_dir, settings, theme_dir, options, digest.hexdigest(), lines, sizes,
                  tokens if isinstance(tokens, Palette) else None)


def theme_sizes(theme_dir: Path) -> tuple[tuple[str, str], ...]:
    """The theme's theme.yaml `image_sizes:`; a theme without one lays images out like the
    built-in default theme (whose theme.yaml then applies)."""
    for folder in (theme_dir, BUILTIN_THEMES / "default"):
        path = folder / "theme.yaml"
        if path.is_file():
            rel = str(path)
            try:
                data, _ = load_yaml(normalize_text(path.read_text("utf-8")), rel)
            except (OSError, UnicodeDecodeError) as exc:
                raise CasefolioError([Problem(rel, None, f"cannot read: {exc}",
                                              "save it as UTF-8 text")]) from None
            sizes = data.get("image_sizes") if isinstance(data, dict) else None
            if not isinstance(sizes, dict) or not all(
                    isinstance(k, str) and isinstance(v, str) for k, v in sizes.items()):
                raise CasefolioError([Problem(rel, None, "`image_sizes:` must map places "
                                              "(prose, cover, comparison) to `sizes` text",
                                              'e.g. `prose: "(min-width: 48rem) 44rem, '
                                              '100vw"`')])
            return tuple(sorted(sizes.items()))
    return ()
