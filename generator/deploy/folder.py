"""A folder on this machine (a web server's document root, a mounted share): changed files
are copied in, each replaced whole (written beside it, then renamed), pages last."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from generator.config import Config, DeployTarget
from generator.deploy.plan import Outcome, failure, local_files, make_plan, md5_file


def publish(target: DeployTarget, out_dir: Path, config: Config, *, dry_run: bool,
            force: bool, delete: bool, progress: Callable[[str], None] | None = None,
            ) -> Outcome:
    dest = destination(target, config, out_dir)
    local = local_files(out_dir, md5_file)
    remote = ({f.path: f.digest for f in local_files(dest, md5_file)} if dest.is_dir() else {})
    plan = make_plan(local, remote, delete=delete or target.delete, force=force)
    if dry_run:
        return Outcome(str(dest), plan, False, config.base_url)
    done = 0
    try:
        for file in plan.uploads:
            _replace(out_dir / file.path, dest / file.path)
            done += 1
            if progress:
                progress(f"copied {file.path}")
        for rel in plan.deletions:
            (dest / rel).unlink(missing_ok=True)
            done += 1
        _remove_empty_folders(dest, {str(Path(rel).parent) for rel in plan.deletions})
    except OSError as exc:
        total = len(plan.uploads) + len(plan.deletions)
        raise failure(f"stopped after {done} of {total} changes to {dest}: "
                      f"{exc.strerror or exc} ({exc.filename or dest})",
                      "the files not yet copied are as they were") from None
    return Outcome(str(dest), plan, True, config.base_url)


def destination(target: DeployTarget, config: Config, out_dir: Path) -> Path:
    """`path`, relative to the site folder; never the output folder, the site or a parent
    of either (a deletion there would reach the sources)."""
    dest = (config.site_dir / os.path.expanduser(target.path)).resolve()
    site, out = config.site_dir.resolve(), out_dir.resolve()
    for inside in (site, out):
        if dest == inside or inside.is_relative_to(dest) or dest.is_relative_to(out):
            raise failure(f"the folder target `{target.name}` points at {dest}, which holds "
                          "the site or its output", "nothing was copied",
                          "give `path:` a folder of its own, outside the site")
    if dest.exists() and not dest.is_dir():
        raise failure(f"{dest} is a file, not a folder", "nothing was copied")
    return dest


def _replace(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=".casefolio-", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out, source.open("rb") as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _remove_empty_folders(dest: Path, folders: set[str]) -> None:
    for rel in sorted(folders, key=lambda f: -f.count("/")):
        folder = dest / rel
        while folder != dest and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


