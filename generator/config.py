"""site.yaml -> a frozen Config, with every problem reported at once."""

from __future__ import annotations

import hashlib
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from generator import __version__
from generator.errors import CasefolioError, Problem
from generator.frontmatter import load_yaml, normalize_text
from generator.schema import Strict, validate

BUILTIN_THEMES = Path(__file__).parent / "_themes"
if not BUILTIN_THEMES.is_dir():  # running from a source checkout or an editable install
    BUILTIN_THEMES = Path(__file__).parent.parent / "themes"


class Organization(Strict):
    name: str
    email: str | None = None
    logo: str | None = None
    url: str | None = None
    same_as: tuple[str, ...] = ()


class Form(Strict):
    action: str
    fields: tuple[str, ...] = ("name", "email", "message")


class CallToAction(Strict):
    label: str
    url: str | None = None
    form: Form | None = None

    @model_validator(mode="after")
    def _one_target(self) -> CallToAction:
        if (self.url is None) == (self.form is None):
            raise ValueError("give the call to action either a `url` (booking link or "
                             "mailto:) or a `form`, not both and not neither")
        return self


class NavItem(Strict):
    label: str
    url: str


class Niche(Strict):
    name: str
    pitch: str = ""


class MarkdownOptions(Strict):
    raw_html: bool = True


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
    markdown: MarkdownOptions = MarkdownOptions()
    page_size: int = Field(default=24, ge=1)

    @field_validator("base_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError("base_url must be an absolute http(s) URL such as "
                             "https://example.com/ or https://example.github.io/agency/")
        return value if value.endswith("/") else value + "/"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone `{value}`; use an IANA name such as "
                             "Europe/London or America/New_York") from None
        return value


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """What the command line asks of one build."""

    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    serve: bool = False  # building for the dev server (live reload script, drafts banner...)


@dataclass(frozen=True, slots=True)
class Config:
    """Everything every later stage may read about the site, frozen."""

    site_dir: Path
    settings: SiteSettings
    theme_dir: Path
    options: BuildOptions = field(default_factory=BuildOptions)
    fingerprint: str = ""  # changes whenever anything here changes

    @property
    def base_url(self) -> str:
        return self.settings.base_url

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, '/' or e.g. '/agency/'."""
        return urlsplit(self.settings.base_url).path or "/"


def available_themes(site_dir: Path) -> list[str]:
    names = {p.name for p in BUILTIN_THEMES.iterdir() if (p / "templates").is_dir()}
    local = site_dir / "themes"
    if local.is_dir():
        names |= {p.name for p in local.iterdir() if (p / "templates").is_dir()}
    return sorted(names)


def find_theme(site_dir: Path, name: str) -> Path | None:
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
    if options.base_url:
        data = {**data, "base_url": options.base_url}
    settings, problems = validate(SiteSettings, data, positions, rel)
    if settings is None:
        raise CasefolioError(problems)
    theme_dir = find_theme(site_dir, settings.theme)
    if theme_dir is None:
        raise CasefolioError([Problem(
            rel, positions.get(("theme",)), f"unknown theme `{settings.theme}`",
            f"available themes: {', '.join(available_themes(site_dir))}")])
    digest = hashlib.blake2b(digest_size=16)
    for part in (__version__, settings.model_dump_json(), repr(options), str(theme_dir)):
        digest.update(part.encode())
        digest.update(b"\0")
    return Config(site_dir, settings, theme_dir, options, digest.hexdigest())
