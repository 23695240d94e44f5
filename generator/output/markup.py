"""The theme's image markup: `<picture>`, `<img>` and before/after figures come from the macros
of templates/macros/picture.html (a site's templates/ may override it), not from Python."""

from __future__ import annotations

import functools
import sys
import traceback
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from generator.config import BUILTIN_THEMES, Config
from generator.content.sources import fingerprint
from generator.errors import CasefolioError, Problem
from generator.images.plan import WIDTHS, ImageJob
from generator.output.theme import ConfinedLoader, Sandbox

if TYPE_CHECKING:
    from generator.kinds.registry import Registry

MACROS = "macros/picture.html"
# A theme without the file gets the default theme's markup.
FALLBACK = BUILTIN_THEMES / "default" / "templates"


@dataclass(frozen=True, slots=True)
class ThemeMarkup:
    """images.markup.ImageMarkup by the theme's macros. The values are made ready here (the
    widths chosen, each attribute escaped), the markup is the template's."""

    env: jinja2.Environment
    macros: Any           # the template's module: one callable per macro
    key: str              # the template's fingerprint
    dirs: tuple[str, ...]
    site_dir: Path

    def picture(self, job: ImageJob, alt: str, base_path: str, *, sizes: str, title: str = "",
                eager: bool = False) -> str:
        webp = [v for v in job.variants if v.role == "srcset"]
        fallback = [v for v in job.variants if v.role == "fallback"]
        top = webp[-1]
        src = fallback[0] if fallback else min(webp, key=lambda v: abs(v.width - WIDTHS[1]))
        srcset = ", ".join(f"{escape(base_path + v.path)} {v.width}w" for v in webp)
        return self._call("picture", _attr(base_path + src.path), Markup(srcset), _attr(sizes),
                          top.width, top.height, _attr(alt), title=_attr(title), eager=eager,
                          fallback=bool(fallback))

    def img(self, url: str, alt: str, title: str = "") -> str:
        return self._call("img", _attr(url), _attr(alt), title=_attr(title))

    def comparison(self, before: str, after: str, caption: str) -> str:
        return self._call("comparison", Markup(before), Markup(after), _attr(caption))

    def _call(self, macro: str, *args: Any, **kwargs: Any) -> str:
        try:
            try:
                return str(getattr(self.macros, macro)(*args, **kwargs))
            except Exception:
                self.env.handle_exception()  # again, with the template's lines in the traceback
        except Exception as exc:
            raise CasefolioError([Problem(*self._where(exc), f"while marking up an image with "
                                          f"the `{macro}` macro: {_message(exc)}",
                                          "fix the macro, or remove your copy to use the "
                                          "theme's")]) from None

    def _where(self, exc: BaseException) -> tuple[str, int | None]:
        found: tuple[str, int | None] = (MACROS, None)
        for frame in traceback.extract_tb(exc.__traceback__ or sys.exc_info()[2]):
            if frame.filename.startswith(self.dirs):
                found = (_shown(frame.filename, self.site_dir), frame.lineno)
        return found


def image_markup(config: Config, registry: Registry | None = None) -> ThemeMarkup:
    """The markup of the first templates/macros/picture.html: the site's, a plugin's, the
    theme's (or the default theme's). Compiled once per version of the file."""
    dirs = tuple(str(d) for d in (config.site_dir / "templates",
                                  *(registry.templates if registry else ()),
                                  config.theme_dir / "templates", FALLBACK) if d.is_dir())
    for folder in dirs:
        path = Path(folder) / MACROS
        try:
            source = path.read_bytes()
        except OSError:
            continue
        return _compiled(dirs, fingerprint(source), config.site_dir,
                         tuple(sorted(registry.filters.items())) if registry else ())
    raise CasefolioError([Problem(MACROS, None, "template not found",
                                  f"looked in: {', '.join(dirs)}")])


@functools.lru_cache(maxsize=8)
def _compiled(dirs: tuple[str, ...], key: str, site_dir: Path,
              filters: tuple[tuple[str, Any], ...]) -> ThemeMarkup:
    env = Sandbox(loader=ConfinedLoader(list(dirs)), autoescape=True,
                  undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(filters)
    try:
        macros = env.get_template(MACROS).module
    except jinja2.TemplateSyntaxError as exc:
        raise CasefolioError([Problem(_shown(exc.filename or MACROS, site_dir), exc.lineno,
                                      f"template syntax error: {exc.message}")]) from None
    except Exception as exc:
        raise CasefolioError([Problem(MACROS, None, _message(exc),
                                      "fix the template or the templates it imports")]
                             ) from None
    return ThemeMarkup(env, macros, key, dirs, site_dir)


def _attr(value: str) -> Markup:
    """An attribute's value escaped as casefolio always has (html.escape: `&#x27;`)."""
    return Markup(escape(value))


def _message(exc: Exception) -> str:
    if isinstance(exc, jinja2.TemplateError) and exc.message:
        return exc.message
    return f"{type(exc).__name__}: {exc}"


def _shown(filename: str, site_dir: Path) -> str:
    try:
        return Path(filename).resolve().relative_to(site_dir.resolve()).as_posix()
    except ValueError:
        return filename


