"""The Jinja environment: the site's templates/ override the theme's; filters that know the site.

Template dependencies are read from the templates themselves (extends/include/import), so
the renderer can tell which pages a template edit touches.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import os
import re
import sys
import threading
import traceback
import types
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

import jinja2
import jinja2.bccache
import jinja2.meta
import jinja2.sandbox
from markupsafe import Markup

from generator import seal
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
    ids: Mapping[str, tuple[str, int]] = dataclasses.field(default_factory=dict)  # the
    # templates' own literal `id="..."`s -> where (path, line): a heading may not take one

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


class Sandbox(jinja2.sandbox.SandboxedEnvironment):
    """A theme is code from elsewhere: it may read what the build hands it, never a file
    (no attribute of a path, a module, the environment or its loader), nor call unsafe
    methods (Jinja's sandbox: no `__class__`, `mro`, `func_globals`...)."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        # Asked for every attribute a template reads (~600 a page). The answer depends on the
        # object's type and the name only (Jinja's rule: a leading underscore, or an internal
        # attribute of a function, frame, code... object), so it is worked out once per pair:
        # 3.2 -> 2.3 ms of CPU a page.
        key = (type(obj), attr)
        try:
            return _SAFE[key]
        except KeyError:
            safe = _SAFE[key] = (not isinstance(obj, _OFF_LIMITS)
                                 and bool(super().is_safe_attribute(obj, attr, value)))
            return safe


    def getattr(self, obj: Any, attribute: str) -> Any:
        # Jinja's, without its look for a str.format method when the value is no method: most
        # of what a template reads (a title, a list, a view): 2-5% of a page's render.
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)
        if not isinstance(value, _METHODS) and self.is_safe_attribute(obj, attribute, value):
            return value
        return super().getattr(obj, attribute)


_SAFE: dict[tuple[type, str], bool] = {}
_METHODS = (types.MethodType, types.BuiltinMethodType)


_OFF_LIMITS = (PurePath, types.ModuleType, jinja2.Environment, jinja2.BaseLoader,
               jinja2.bccache.BytecodeCache)


class ConfinedLoader(jinja2.FileSystemLoader):
    """Templates from the site's templates/ and the theme's, and from nowhere else: a
    symbolic link that leads out of them is not found."""

    def get_source(self, environment: jinja2.Environment, template: str,
                   ) -> tuple[str, str, Any]:
        source, filename, uptodate = super().get_source(environment, template)
        real = os.path.realpath(filename)
        if not any(real.startswith(os.path.join(os.path.realpath(root), ""))
                   for root in self.searchpath):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


class _Compiled(jinja2.FileSystemBytecodeCache):
    """Templates compiled by an earlier build (compiling the default theme is ~0.15 s of every
    build). Unmarshalling runs code, so each file is sealed (seal.py) and checked before Jinja
    reads it; Jinja then checks it against its template's source. One that is damaged, planted
    or cannot be read is simply compiled again."""

    def __init__(self, directory: str, key: bytes, store: bool = True) -> None:
        super().__init__(directory)
        self.key = key
        self.store = store  # False: `casefolio check`, which reads the cache and writes nothing

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        path = Path(self._get_cache_filename(bucket))
        try:
            data = seal.opened(self.key, path.name, path.read_bytes())
        except OSError:
            return
        try:
            if data is not None:
                bucket.bytecode_from_string(data)
        except Exception:
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if not self.store:
            return
        path = Path(self._get_cache_filename(bucket))
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_bytes(seal.sealed(self.key, path.name, bucket.bytecode_to_string()))
            os.replace(tmp, path)  # a reader sees the old file or the new one
        except OSError:
            tmp.unlink(missing_ok=True)


def _bytecode_cache(site_dir: Path, store: bool) -> jinja2.BytecodeCache | None:
    """SITE_DIR/.casefolio/jinja-<this file's digest>: Jinja's key is a template's name and
    source, not the environment's options (set here), so another casefolio never shares it.
    store=False: read what is there, write nothing (and make no folder)."""
    folder = site_dir / ".casefolio" / f"jinja-{fingerprint(Path(__file__).read_bytes())[:12]}"
    try:
        folder.mkdir(parents=True, exist_ok=True) if store else folder.stat()
    except OSError:
        return None
    key = seal.key(site_dir / ".casefolio")
    return None if key is None else _Compiled(str(folder), key, store)


def is_hidden(name: str) -> bool:
    """A template whose name or folder starts with a dot: never rendered as a page itself."""
    return name.startswith(".") or "/." in name


def load_theme(config: Config, registry: Registry | None = None) -> Theme:
    """Build the environment once per build; compiled templates are reused for every page.
    `registry`: what the site's plugins add (filters, globals, template folders)."""
    dirs = tuple(d for d in (config.site_dir / "templates",
                             *(registry.templates if registry else ()),
                             config.theme_dir / "templates") if d.is_dir())
    env = Sandbox(
        loader=ConfinedLoader([str(d) for d in dirs]),
        autoescape=jinja2.select_autoescape(("html", "xml", "j2"), default_for_string=True),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, auto_reload=False, cache_size=-1,
        bytecode_cache=_bytecode_cache(config.site_dir, config.options.write_cache),
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
    ids: dict[str, tuple[str, int]] = {}
    for name in env.list_templates():
        if is_hidden(name):
            # Hidden: an editor's swap file, or a partial a template includes. Its edits must
            # reach the pages that include it; its problems are reported only if it is used.
            fingerprints[name], graph[name] = _hidden_template(env, name)
            continue
        try:
            source, found, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            filename = found or name
        except jinja2.TemplateNotFound:  # a link to a file elsewhere on the machine
            where = next((d / name for d in dirs if (d / name).exists()), Path(name))
            with contextlib.suppress(ValueError):
                where = where.relative_to(config.site_dir)
            problems.append(Problem(where.as_posix(), None, "template is a symbolic "
                                    "link to a file outside the templates folders",
                                    "copy the file in instead of linking to it"))
            continue
        except UnicodeDecodeError as exc:
            where = next((str(d / name) for d in dirs if (d / name).is_file()), name)
            problems.append(Problem(_display(config, where), None,
                                    f"template is not UTF-8 text (byte {exc.start})",
                                    "re-save it as UTF-8, or move files that are not "
                                    "templates out of templates/"))
            continue
        except OSError as exc:  # unreadable, a link to a device, a broken disk...
            path = next((d / name for d in dirs if os.path.lexists(d / name)), Path(name))
            where = (path.relative_to(config.site_dir).as_posix()
                     if path.is_relative_to(config.site_dir) else str(path))  # not resolved
            problems.append(Problem(where, None,
                                    f"template cannot be read: {exc.strerror or exc}",
                                    "check the file's permissions, or replace it with a "
                                    "plain text file"))
            continue
        fingerprints[name] = fingerprint(source.encode())
        for match in _LITERAL_ID.finditer(source):
            ids.setdefault(match[1], (_display(config, filename),
                                      source.count("\n", 0, match.start()) + 1))
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
    problems += _extends_cycles(parents, config) + _folders_in_the_way(config, dirs)
    if problems:
        raise CasefolioError(problems)
    return Theme(env, dirs, fingerprints, graph, tuple(assets), asset_urls, ids)


_LITERAL_ID = re.compile(r"""\bid=["']([^"'{}\s<>]+)["']""")


def _hidden_template(env: jinja2.Environment, name: str) -> tuple[str, frozenset[str] | None]:
    """A hidden template's fingerprint and what it pulls in (nothing, when it is no template)."""
    try:
        source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
        refs = list(jinja2.meta.find_referenced_templates(env.parse(source, name, filename)))
    except Exception:
        return fingerprint(name.encode()), frozenset()
    return fingerprint(source.encode()), (None if any(r is None for r in refs)
                                          else frozenset(refs))  # type: ignore[arg-type]


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


def _folders_in_the_way(config: Config, dirs: tuple[Path, ...]) -> list[Problem]:
    """A folder in the site's templates/ named like one of the theme's templates (it would
    be passed over without a word, and the theme's used)."""
    own = config.site_dir / "templates"
    if not dirs or dirs[0] != own:
        return []
    return [Problem(_display(config, str(own / rel)), None, "is a folder, where a template "
                    "file should be", "replace it with the template file, or remove it")
            for rel in sorted(p.relative_to(own) for p in own.rglob("*") if p.is_dir())
            if any((d / rel).is_file() for d in dirs[1:])]


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
            return as_uri(url)
        return as_uri(origin + url if url.startswith("/") else config.base_url + url)
    return absolute


_URI_SAFE = "!#$%&'()*+,/:;=?@[]~"  # RFC 3986 reserved characters, and `%` of an escape


@functools.lru_cache(maxsize=65536)
def as_uri(url: str) -> str:
    """An absolute URL as RFC 3986 wants it in a sitemap, feed or canonical link: the host
    in IDNA (xn--), every other non-ASCII or unsafe character percent-encoded as UTF-8."""
    if url.isascii() and " " not in url:
        return url
    parts = urlsplit(url)
    host = parts.netloc
    if not host.isascii():
        with contextlib.suppress(UnicodeError):
            user, at, name = host.rpartition("@")
            host = user + at + name.encode("idna").decode("ascii")
    return quote(urlunsplit(parts._replace(netloc=host)), safe=_URI_SAFE)


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



