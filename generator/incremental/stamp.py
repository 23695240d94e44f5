"""A one-off build's stamp: nothing to do when no input file, setting or output file changed."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.config import BuildOptions, Config, load_config
from generator.content.sources import RACY_NS, Asset, Source, fingerprint, walk
from generator.errors import CasefolioError, Problem
from generator.incremental import cache
from generator.incremental.reads import all_files
from generator.incremental.state import BuildState, FileRead
from generator.output.listing import output_signature
from generator.output.writer import Output

RACY_SIGNATURE = (-1, -1, -1, -1)  # a read's signature that no stat has: read it again


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a one-off build's output depends on besides the code, found before it starts (a
    walk and a stat of every input file, nothing read). Compared with the last build's stamp;
    then, after the build, with what it read: a file that changed meanwhile is never stamped."""

    settings: str                                 # configuration, options, today
    out: str                                      # the output folder, resolved
    files: dict[str, tuple[int, int, int, int]]   # every input file -> its stat signature
    roots: tuple[str, ...]                        # the folders they are in (but site.yaml)
    digest: str                                   # of `files`; "" when not to be stamped
    started: int                                  # time.time_ns() when they were found


def inputs_now(site_dir: Path, out_dir: Path, options: BuildOptions,
               config: Config | None = None) -> Inputs | None:
    """The inputs as the build will find them; None when they cannot be known ahead (a broken
    site.yaml, say: the build reports it). A folder link or a pipe in content/ or static/,
    which the build skips with a warning, makes the site one that is always built. `config`:
    site.yaml as read just before (`check`; a save meanwhile shows in its stat, which then
    matches no stamp), else it is read here."""
    started = time.time_ns()
    yaml = site_dir / "site.yaml"
    try:
        st = os.stat(yaml)  # before it is read: a change meanwhile shows next time
        config = config or load_config(site_dir, options)
        out = str(out_dir.resolve())
    except (CasefolioError, OSError, RuntimeError):
        return None
    files = {str(yaml): (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)}
    skipped: list[Path] = []
    content, static = site_dir / "content", site_dir / "static"
    folders = (config.site_dir / "templates", config.theme_dir / "templates",
               config.theme_dir / "static")
    paths = [*walk(content, skipped), *walk(static, skipped),
             *(path for folder in folders for path in all_files(folder))]
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:  # the build will say why
            return None
        files[str(path)] = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
    settings = fingerprint("\0".join([config.fingerprint, config.today().isoformat()]).encode())
    digest = "" if skipped else fingerprint("".join(
        f"{path}\0{signature}\n" for path, signature in files.items()).encode())
    roots = tuple(f"{folder}{os.sep}" for folder in (content, static, *folders))
    return Inputs(settings, out, files, roots, digest, started)


def up_to_date(inputs: Inputs | None, site_dir: Path, out_dir: Path) -> cache.Stamp | None:
    """The last build's stamp, if all it vouches for still holds: the same settings, the same
    input files with the same stat signatures, and an output folder holding exactly what that
    build left there (no file changed, gone or added, no interrupted write)."""
    if inputs is None or not inputs.digest:
        return None
    last = cache.load_stamp(site_dir)
    if last is None or last.racy or (last.settings, last.out, last.inputs) != (
            inputs.settings, inputs.out, inputs.digest):
        return None
    return last if output_signature(out_dir) == last.output else None


def stamp_of(outputs: Iterable[Output], warnings: tuple[Problem, ...], pages: int,
             inputs: Inputs | None, state: BuildState, out_dir: Path) -> cache.Stamp | None:
    """This build's stamp, if every input file it read is the one found before it started;
    `racy` when one was modified too recently for its stat signature to be trusted (its read
    is kept with RACY_SIGNATURE: the next build looks at its bytes)."""
    if inputs is None or not inputs.digest:
        return None
    racy = False
    for path, signature in inputs.files.items():
        read = state.files.get(path)
        if read is None:  # site.yaml (the only one load_config reads)
            if not path.startswith(inputs.roots) and signature[0] < inputs.started - RACY_NS:
                continue
            return None
        if read.signature != signature:
            return None
        racy = racy or not read.trusted
    if sum(1 for path in state.files if path.startswith(inputs.roots)) != len(inputs.files) - 1:
        return None  # a file came or went while the build walked
    output = output_signature(out_dir, {o.path for o in outputs})
    return cache.Stamp(inputs.settings, inputs.out, inputs.digest, output, warnings,
                       pages, racy) if output else None


def reads_to_cache(state: BuildState, inputs: Inputs | None,
                   ) -> dict[str, tuple[object, ...]]:
    """The reads of the input files as plain values, a Source without its text; one too
    recent to be trusted with RACY_SIGNATURE, which no file's stat matches (its bytes are
    looked at again)."""
    roots = inputs.roots if inputs is not None else ()
    kept: dict[str, tuple[object, ...]] = {}
    for path, read in state.files.items():
        if roots and not path.startswith(roots):
            continue
        item = read.item
        record = (("s", item.kind, item.rel) if isinstance(item, Source) else
                  ("a", item.rel, item.out) if isinstance(item, Asset) else None)
        kept[path] = (read.signature if read.trusted else RACY_SIGNATURE, read.fingerprint,
                      record, read.problems)
    return kept


def reads_from_cache(site_dir: Path, readonly: bool = False) -> dict[str, FileRead]:
    """The reads the last `casefolio build` kept: files whose stat signature is unchanged are
    not read again (a document's text only if it must be parsed again: see text_of)."""
    files: dict[str, FileRead] = {}
    try:
        saved = cache.load_inputs(site_dir, readonly)
        for path, (signature, fp, record, problems) in saved.items():
            item = (Source(record[1], record[2], None, fp, path) if record and record[0] == "s"
                    else Asset(record[1], record[2], fp) if record else None)
            files[path] = FileRead(tuple(signature), True, fp, item, tuple(problems))
    except Exception:  # a record of the wrong shape: read every file
        return {}
    return files
