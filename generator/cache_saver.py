"""What a one-off build leaves for the next one besides its output, saved by forked children
while the build goes on. Apart from the build's own module because it writes the editor's
record too (editor.py), a later stage than incremental/, where the rest of the cache is."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from generator import editor
from generator.config import Config
from generator.content.document import Document
from generator.editor import editor_warnings
from generator.incremental import cache, prose
from generator.incremental.stamp import Inputs
from generator.incremental.state import BuildState
from generator.site import Site, published
from generator.workers import Forked, can_fork


class CacheSaver:
    """The bulk of a one-off build's cache, which needs no output written, saved by forked
    children while this process goes on: the parsed documents (cache.save_documents) and the
    editor's warnings `casefolio check` prints (editor.record, so that it loads no document
    when nothing changed) as soon as the documents are loaded, beside the linking, which
    keeps one core only; what a later prose-only edit needs (prose.save, pickling each page's
    context) once the site is built, while the output is written. At 10,000 studies ~3.7 s
    and ~3.1 s of CPU. `saved(stamp)` waits for both (the stamp is written after them: it
    vouches for all), and drops the prose record when the build left no stamp. Without fork,
    all is saved in `saved`. Not a one-off build (`serve`'s, not `fresh`): nothing, the
    cache is a one-off build's."""

    def __init__(self, site_dir: Path, state: BuildState, inputs: Inputs | None,
                 fresh: bool) -> None:
        self.site_dir, self.state, self.inputs, self.fresh = site_dir, state, inputs, fresh
        self.digest = inputs.digest if inputs is not None and inputs.digest else None
        self.children = ExitStack()
        self.waiting: list[Forked[None]] = []
        self.later: list[Callable[[str | None], None]] = []  # without fork: (vouched digest)

    def __enter__(self) -> CacheSaver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.children.close()  # children not waited for (the build failed): stopped

    def parsed(self, config: Config, documents: list[Document]) -> None:
        site_dir, inputs, loaded = self.site_dir, self.inputs, self.state.documents

        def save(vouched: str | None) -> None:
            cache.save_documents(site_dir, loaded)
            if vouched is not None and inputs is not None:
                editor.record(site_dir, inputs.settings, vouched, len(loaded),
                              editor_warnings(config, published(documents, config)))
        self._start(save)

    def built(self, site: Site | None) -> None:
        if not self.fresh:
            return
        site_dir, state = self.site_dir, self.state
        memo, theme = state.site, state.theme

        def save(vouched: str | None) -> None:
            if site is not None and memo is not None and theme is not None:
                prose.save(site_dir, site, memo.routes, theme.theme, vouched, state.outputs)
            else:
                cache.drop_record(site_dir, prose.META)
        self._start(save)

    def saved(self, stamp: cache.Stamp | None) -> None:
        for child in self.waiting:
            child.result()
        for save in self.later:
            save(stamp.inputs if stamp else None)
        if stamp is None and self.digest is not None and self.waiting:
            cache.drop_record(self.site_dir, prose.META)

    def _start(self, save: Callable[[str | None], None]) -> None:
        if can_fork():
            digest = self.digest
            self.waiting.append(self.children.enter_context(Forked(lambda: save(digest))))
        else:
            self.later.append(save)
