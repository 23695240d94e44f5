"""rsync over ssh, for a plain web server: rsync compares checksums itself. Two passes so
pages arrive after their assets: everything but pages, then everything (and deletions)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

from generator.config import Config, DeployTarget
from generator.deploy.plan import LocalFile, Outcome, Plan, failure, local_files, upload_order
from generator.output.writer import MARKER

PAGES = ("*.html", "*.xml", "*.txt")


def commands(source: Path, destination: str, *, delete: bool, dry_run: bool) -> list[list[str]]:
    """The rsync runs: assets, then pages; deletions happen in the last run only."""
    base = ["rsync", "--recursive", "--links", "--times", "--compress", "--checksum",
            "--itemize-changes", f"--exclude=/{MARKER}"]
    if dry_run:
        base.append("--dry-run")
    src = f"{source}/"
    first = [*base, *(f"--exclude={p}" for p in PAGES), src, destination]
    last = [*base, *(["--delete-after"] if delete else []), src, destination]
    return [last] if dry_run else [first, last]


def publish(target: DeployTarget, out_dir: Path, config: Config, *, dry_run: bool,
            force: bool, delete: bool, progress: Callable[[str], None] | None = None,
            ) -> Outcome:
    if shutil.which("rsync") is None:
        raise failure("rsync is not installed", "nothing was copied",
                      "install it (apt install rsync, brew install rsync), or use a folder "
                      "target on a mounted share")
    remove = delete or target.delete
    local = {f.path: f for f in local_files(out_dir, lambda _: "")}
    sent: dict[str, LocalFile] = {}
    deleted: list[str] = []
    runs = commands(out_dir, target.destination, delete=remove, dry_run=dry_run)
    for number, argv in enumerate(runs):
        if force:
            argv = [a for a in argv if a != "--checksum"] + ["--ignore-times"]
        result = subprocess.run(argv, capture_output=True)
        if result.returncode != 0:
            left = ("nothing was copied" if number == 0 else
                    "the assets were copied; the pages on the server are the old ones")
            message = result.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
            raise failure(f"rsync to {target.destination} failed (exit {result.returncode}): "
                          f"{message[0]}", left)
        for line in result.stdout.decode(errors="replace").splitlines():
            change, _, path = line.partition(" ")
            path = path.strip()
            if change.startswith(("<f", ">f")) and path in local:
                sent[path] = local[path]
                if progress:
                    progress(f"sent {path}")
            elif change == "*deleting":
                deleted.append(path)
    plan = Plan(upload_order(sent.values()), tuple(sorted(deleted)), len(local) - len(sent))
    return Outcome(target.destination, plan, not dry_run, config.base_url)
