"""The Jinja environment: the site's templates/ override the theme's; filters that know the site.

Template dependencies are read from the templates themselves (extends/include/import), so
the renderer can tell which pages a template edit touches.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import jinja2.bccache
import jinja2.meta
from markupsafe import Markup

from generator.config import Config
from generator.content.sources import fingerprint, walk
from generator.errors import CasefolioError, Problem
from generator.model.metrics import format_value, signed_percent

if TYPE_CHECKING:  # handed in by the caller: the theme does not depend on the kinds
    from generator.kinds.registry import Registry


@dataclass(frozen=True, slots=True)
class ThemeAsset:
    """A theme static file and its published name (CSS and JS get a content hash in the name)."""

    source: Path
    out: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Theme:
    env: jinja2.Environment
    dirs: tuple[Path, ...]
    template_fingerprints: Mapping[str, str]   # name -> hash of the source
    graph: Mapping[str, frozenset[str] | None]  # name -> templates it pulls in (None = dynamic)
    assets: tuple[ThemeAsset, ...]
    asset_urls: Mapping[str, str]                # 'style.css' -> '/assets/style.1a2b3c4d.css'

    def closure_fingerprint(self, name: str) -> str:
        """One hash for a template and everything it extends, includes or imports."""
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            deps = self.graph.get(current)
            if deps is None:  # a dynamic include: depend on every template
                seen |= set(self.template_fingerprints)
                break
            todo.extend(deps)
        return hashlib.blake2b("".join(f"{n}={self.template_fingerprints.get(n, '')};"
                                       for n in sorted(seen)).encode(),
                               digest_size=16).hexdigest()


class _Compiled(jinja2.FileSystemBytecodeCache):
    """Templates compiled by an earlier build (compiling the default theme is ~0.15 s of every
    build). Jinja checks each one against its template's source; one that cannot be read or
    written is simply compiled again."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _bytecode_cache(site_dir: Path) -> jinja2.BytecodeCache | None:
    """SITE_DIR/.casefolio/jinja-<this file's digest>: Jinja's key is a template's name and
    source, not the environment's options (set here), so another casefolio never shares it."""
    folder = site_dir / ".casefolio" / f"jinja-{fingerprint(Path(__file__).read_bytes())[:12]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _Compiled(str(folder))


def load_theme(config: Config, registry: Registry | None = None) -> Theme:
    """Build the environment once per build; compiled templates are reused for every page.
    `registry`: what the site's plugins add (filters, globals, template folders)."""
    dirs = tuple(d for d in (config.site_dir / "templates",
                             *(registry.templates if registry else ()),
                             config.theme_dir / "templates") if d.is_dir())
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=jinja2.select_autoescape(("html", "xml", "j2"), default_for_string=True),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, auto_reload=False, cache_size=-1,
        bytecode_cache=_bytecode_cache(config.site_dir),
    )
    base = config.base_path
    assets, asset_urls = _theme_assets(config.theme_dir, base)
    env.filters.update(date=format_date, money=format_money, percent=signed_percent,
                       value=format_value, jsonld=jsonld, absolute=_absolute(config),
                       thousands=lambda n: f"{n:,}")
    if registry is not None:
        env.filters.update(registry.filters)
        env.globals.update(registry.globals)
    env.globals.update(asset_url=lambda name: asset_urls[name], url=lambda rel="": base + rel)
    fingerprints: dict[str, str] = {}
    graph: dict[str, frozenset[str] | None] = {}
    parents: dict[str, list[tuple[str, int, str]]] = {}  # name -> (extends what, line, file)
    problems = []
    for name in env.list_templates():
        if name.startswith(".") or "/." in name:
            continue
        try:
            source, found, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            filename = found or name
        except UnicodeDecodeError as exc:
            where = next((str(d / name) for d in dirs if (d / name).is_file()), name)
            problems.append(Problem(_display(config, where), None,
                                    f"template is not UTF-8 text (byte {exc.start})",
                                    "re-save it as UTF-8, or move files that are not "
                                    "templates out of templates/"))
            continue
        fingerprints[name] = fingerprint(source.encode())
        try:
            tree = env.parse(source, name, filename)
        except jinja2.TemplateSyntaxError as exc:
            problems.append(Problem(_display(config, filename), exc.lineno,
                                    f"template syntax error: {exc.message}",
                                    "check the {% %} and {{ }} tags around this line"))
            continue
        refs = list(jinja2.meta.find_referenced_templates(tree))
        graph[name] = None if any(r is None for r in refs) else frozenset(refs)  # type: ignore
        parents[name] = [(n.template.value, n.lineno, filename) for n in tree.find_all(
            jinja2.nodes.Extends) if isinstance(n.template, jinja2.nodes.Const)]
    problems += _extends_cycles(parents, config)
    if problems:
        raise CasefolioError(problems)
    return Theme(env, dirs, fingerprints, graph, tuple(assets), asset_urls)


def render_template(theme: Theme, name: str, context: Mapping[str, Any], config: Config) -> str:
    """Render one template; turn any template failure into a located Problem."""
    try:
        return theme.env.get_template(name).render(context)
    except jinja2.TemplateNotFound as exc:
        looked = ", ".join(str(d) for d in theme.dirs)
        filename, line = _template_frame(exc, theme)  # the template that asked for it
        raise CasefolioError([Problem(_display(config, filename) if filename else name, line,
                                      f"template `{exc.name}` not found (needed to render "
                                      f"`{name}`)", f"looked for {exc.name} in: {looked}; "
                                      "check the name or add the file")]) from None
    except jinja2.TemplateSyntaxError as exc:
        raise CasefolioError([Problem(_display(config, exc.filename or name), exc.lineno,
                                      f"template syntax error: {exc.message}")]) from None
    except RecursionError as exc:
        filename, line = _template_frame(exc, theme)
        raise CasefolioError([Problem(_display(config, filename) if filename else name, line,
                                      f"templates include or call each other in a circle "
                                      f"(while rendering `{name}`)", "check the {% include %}, "
                                      "{% import %} and macro calls around this line")]) from None
    except CasefolioError:
        raise
    except Exception as exc:
        filename, line = _template_frame(exc, theme)
        message = exc.message if isinstance(exc, jinja2.TemplateError) and exc.message else (
            f"{type(exc).__name__}: {exc}")
        raise CasefolioError([Problem(_display(config, filename) if filename else name, line,
                                      f"while rendering `{name}`: {message}",
                                      "fix the template or the data it reads")]) from None


def _extends_cycles(parents: Mapping[str, list[tuple[str, int, str]]], config: Config,
                    ) -> list[Problem]:
    """Templates whose `{% extends %}` chain comes back to themselves, each cycle once."""
    problems, reported = [], set()
    for start in sorted(parents):
        chain, current = [start], start
        while parents.get(current):
            current = parents[current][0][0]
            if current in chain:
                cycle = chain[chain.index(current):]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    _, line, filename = parents[cycle[0]][0]
                    problems.append(Problem(_display(config, filename), line,
                                            "templates extend each other in a circle: " +
                                            " -> ".join([*cycle, current]),
                                            "one of them must extend another template (such "
                                            "as base.html) or none"))
                break
            chain.append(current)
    return problems


def format_date(value: dt.date | None, style: str = "long") -> str:
    """Dates in English, without locale lookups (locale would make output machine-dependent)."""
    if value is None:
        return ""
    if style == "iso":
        return value.isoformat()
    if style == "month":
        return value.strftime("%B %Y")
    return f"{value.day} {value.strftime('%B %Y')}"


def format_money(amount: float, currency: str = "USD") -> str:
    return format_value(amount, currency)


def jsonld(value: Any) -> Markup:
    """JSON for a <script type="application/ld+json">, safe against `</script>` in any text."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _absolute(config: Config) -> Any:
    origin = config.base_url[: -len(config.base_path)] if config.base_path != "/" else (
        config.base_url.rstrip("/"))

    def absolute(url: str) -> str:
        """'/agency/case-studies/x/' -> 'https://example.github.io/agency/case-studies/x/'."""
        if "://" in url or url.startswith(("mailto:", "tel:")):
            return url
        return origin + url if url.startswith("/") else config.base_url + url
    return absolute


def _theme_assets(theme_dir: Path, base: str) -> tuple[list[ThemeAsset], dict[str, str]]:
    root = theme_dir / "static"
    assets, urls = [], {}
    for path in walk(root):
        rel = path.relative_to(root).as_posix()
        data = path.read_bytes()
        out = rel
        if path.suffix in (".css", ".js"):
            out = f"{rel[: -len(path.suffix)]}.{fingerprint(data)[:10]}{path.suffix}"
        assets.append(ThemeAsset(path, f"assets/{out}", data))
        urls[rel] = f"{base}assets/{out}"
    return assets, urls


def _template_frame(exc: BaseException, theme: Theme) -> tuple[str | None, int | None]:
    """The innermost traceback frame that belongs to a template file."""
    found: tuple[str | None, int | None] = (None, None)
    dirs = [str(d) for d in theme.dirs]
    for frame in traceback.extract_tb(exc.__traceback__ or sys.exc_info()[2]):
        if any(frame.filename.startswith(d) for d in dirs):
            found = (frame.filename, frame.lineno)
    return found


def _display(config: Config, filename: str) -> str:
    try:
        return Path(filename).resolve().relative_to(config.site_dir.resolve()).as_posix()
    except ValueError:
        return filename



