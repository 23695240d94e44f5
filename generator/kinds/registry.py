"""The registry: the content kinds in order, and what plugins added (routes, Jinja filters
and globals, markdown-it plugins).

A plugin is a plain callable, as in markdown-it-py's `md.use(plugin)`: it receives the
registry and calls its `add_*` methods. Plugins are named in site.yaml (`plugins:`, a module
path, resolved in the site's folder first) or installed under the `casefolio.plugins` entry
point group. See docs/plugins.md.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import importlib.util
import sys
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config import Config
from generator.content.document import Reading
from generator.content.schema import Common
from generator.errors import CasefolioError, Problem
from generator.kinds import article, case_study, page, person, practice, service
from generator.kinds.kind import Kind, Pages

KINDS: tuple[Kind, ...] = (case_study.KIND, practice.KIND, service.KIND, article.KIND,
                           page.KIND)
MODELS: dict[str, type[Common]] = {k.folder: k.meta for k in KINDS}
ENTRY_POINTS = "casefolio.plugins"

# The site's pages in output order: site-wide groups (made by output/render) by name, and
# each kind's pages by its folder. A plugin's kinds and routes go before TAIL.
ORDER = ("home", "case-studies", "practices", "services", "articles", "people", "niches",
         "tags", "pages")
TAIL = ("not-found", "feed")

Plugin = Callable[["Registry"], None]


class Remembered:
    """The `remembered(macro, *args)` template global: the macro's output for these arguments,
    made once and then reused while the compiled templates live, so that a list page of
    2,000 cards costs 2,000 look-ups, and a `serve` rebuild renders only the cards that
    changed. Only for macros whose output depends on nothing but their arguments and the
    theme (the cards of partials/cards.html, imported without context)."""

    LIMIT = 100_000  # outputs kept per macro; past that it starts again

    def __init__(self) -> None:
        # macro -> the arguments' ids -> (the arguments, kept so that their ids stay theirs;
        # the output). By identity: hashing a card is ~10 us, and in `serve` an unchanged
        # document's card is the very object of the last rebuild.
        self._made: weakref.WeakKeyDictionary[
            Any, dict[tuple[int, ...], tuple[tuple[Any, ...], Any]]] = weakref.WeakKeyDictionary()

    def __call__(self, macro: Callable[..., Any], *args: Any) -> Any:
        made = self._made.get(macro)
        if made is None:
            made = self._made[macro] = {}
        key = tuple(map(id, args))
        found = made.get(key)
        if found is not None:
            return found[1]
        if len(made) >= self.LIMIT:
            made.clear()
        output = macro(*args)
        made[key] = (args, output)
        return output


@dataclass
class Registry:
    """Filled once per site (the built-in kinds, then each plugin in order), then only read."""

    kinds: list[Kind] = field(default_factory=lambda: list(KINDS))
    order: list[str] = field(default_factory=lambda: list(ORDER))
    routes: dict[str, Callable[[Pages], None]] = field(
        default_factory=lambda: {"people": person.routes})  # built-in pages of no kind
    filters: dict[str, Callable[..., Any]] = field(default_factory=dict)
    globals: dict[str, Any] = field(default_factory=lambda: {"remembered": Remembered()})
    markdown: list[Callable[..., None]] = field(default_factory=list)
    templates: list[Path] = field(default_factory=list)  # after the site's, before the theme's
    plugins: list[str] = field(default_factory=list)  # names, in the order they ran

    def use(self, plugin: Plugin, name: str = "") -> Registry:
        plugin(self)
        self.plugins.append(name or getattr(plugin, "__module__", repr(plugin)))
        return self

    def add_kind(self, kind: Kind) -> None:
        """A new content kind: content/<folder>/*.md, validated by kind.meta, with its pages."""
        taken = {k.folder for k in self.kinds} | {k.name.name for k in self.kinds}
        if kind.folder in taken or kind.name.name in taken or kind.folder in self.order:
            raise ValueError(f"a content kind named `{kind.name.name}` or in "
                             f"`{kind.folder}` already exists")
        self.kinds.append(kind)
        self.order.append(kind.folder)

    def add_routes(self, name: str, routes: Callable[[Pages], None]) -> None:
        """Pages not tied to one kind (e.g. a /speaking/ page from data), after the kinds'."""
        if name in self.order or name in TAIL:
            raise ValueError(f"routes named `{name}` already exist")
        self.routes[name] = routes
        self.order.append(name)

    def add_filter(self, name: str, function: Callable[..., Any]) -> None:
        self.filters[name] = function

    def add_global(self, name: str, value: Any) -> None:
        self.globals[name] = value

    def add_markdown(self, plugin: Callable[..., None]) -> None:
        """A markdown-it plugin, applied as `md.use(plugin)` to the parser of every body."""
        self.markdown.append(plugin)

    def add_templates(self, folder: Path) -> None:
        """A folder of templates for the plugin's pages (a site's own templates/ wins)."""
        self.templates.append(Path(folder))

    def kind(self, folder: str) -> Kind:
        return next(k for k in self.kinds if k.folder == folder)

    @property
    def folders(self) -> tuple[str, ...]:
        return tuple(k.folder for k in self.kinds)

    @property
    def models(self) -> Mapping[str, type[Common]]:
        return {k.folder: k.meta for k in self.kinds}

    @property
    def sectioned(self) -> frozenset[str]:
        return frozenset(k.folder for k in self.kinds if k.sections)

    def reading(self, raw_html: bool, anchors: str = "default") -> Reading:
        """How content files are read: each folder's schema, sections, Markdown plugins."""
        return Reading(self.models, self.sectioned, raw_html, tuple(self.markdown), anchors)

    @property
    def page_order(self) -> tuple[str, ...]:
        return (*self.order, *TAIL)


def for_site(config: Config) -> Registry:
    """The site's registry: the built-in kinds, then its plugins (site.yaml's, then the
    installed ones); the same object for every build of the same site and plugin list."""
    return load(config.site_dir.resolve(), config.settings.plugins)


@functools.lru_cache(maxsize=8)
def load(site_dir: Path, names: tuple[str, ...]) -> Registry:
    """The built-in kinds, then these plugins, then the installed ones."""
    registry = Registry()
    for name in names:
        registry.use(_resolve(site_dir, name), name)
    for entry in sorted(importlib.metadata.entry_points(group=ENTRY_POINTS),
                        key=lambda e: e.name):
        registry.use(entry.load(), entry.value)
    return registry


def _resolve(site_dir: Path, name: str) -> Plugin:
    """`module.path` or `module.path:function` (default: the module's `plugin`), looked up in
    the site's folder first, then among installed modules."""
    module_name, _, attr = name.partition(":")
    try:
        module = _site_module(site_dir, module_name) or importlib.import_module(module_name)
    except ImportError as exc:
        raise CasefolioError([Problem("site.yaml", None, f"plugin `{name}`: cannot import it "
                                      f"({exc})", f"put it at {module_name.replace('.', '/')}"
                                      ".py in the site folder, or install it")]) from None
    plugin = getattr(module, attr or "plugin", None)
    if not callable(plugin):
        raise CasefolioError([Problem("site.yaml", None, f"plugin `{name}`: the module has no "
                                      f"function `{attr or 'plugin'}`",
                                      "define `def plugin(registry):` in it, or name the "
                                      "function as `module:function`")])
    return plugin


def _site_module(site_dir: Path, dotted: str) -> Any:
    base = site_dir.joinpath(*dotted.split("."))
    path = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
    if not path.is_file():
        return None
    digest = hashlib.blake2b(str(site_dir).encode(), digest_size=4).hexdigest()
    unique = f"casefolio_site_{digest}_{dotted.replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module  # pickling (process pools) finds its classes by name
    spec.loader.exec_module(module)
    return module

