"""The deploy, top to bottom: read site.yaml, pick the target, build, publish output/."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.config import Config, DeployTarget, load_config
from generator.deploy.plan import Outcome, failure
from generator.errors import CasefolioError, Problem, did_you_mean

MODULES = {"gh-pages": "gh_pages", "s3": "s3", "rsync": "rsync", "folder": "folder"}
EXAMPLE = "deploy:\n  - {name: site, type: folder, path: /srv/www/site}"


@dataclass(frozen=True, slots=True)
class Request:
    """What the command line asks of one deploy."""

    target: str | None = None   # a target's name; None: the first
    dry_run: bool = False
    force: bool = False         # send every file, even unchanged ones (and force-push)
    delete: bool = False        # remove files the site no longer has
    build: bool = True


def deploy(site_dir: Path, request: Request = Request(),
           progress: Callable[[str], None] | None = None) -> Outcome:
    """Build (unless asked not to), then publish the output folder to the chosen target."""
    config = load_config(site_dir)
    target = choose(config, request.target)
    out_dir = site_dir / "output"
    if request.build:
        from generator.build import build_to

        build_to(site_dir, out_dir)
    elif not out_dir.is_dir():
        raise failure(f"there is no {out_dir} to deploy", "nothing was changed",
                      "build it first, or leave out --no-build")
    module = importlib.import_module(f"generator.deploy.{MODULES[target.type]}")
    outcome: Outcome = module.publish(target, out_dir, config, dry_run=request.dry_run,
                                      force=request.force, delete=request.delete,
                                      progress=progress)
    return outcome


def choose(config: Config, name: str | None) -> DeployTarget:
    targets = config.settings.deploy
    if not targets:
        raise CasefolioError([Problem("site.yaml", None, "no deploy targets",
                                      f"add one, e.g.\n{EXAMPLE}\n(docs/deployment.md lists "
                                      "gh-pages, s3, rsync and folder)")])
    if name is None:
        return targets[0]
    for target in targets:
        if target.name == name:
            return target
    names = [t.name for t in targets]
    raise CasefolioError([Problem("--target", None, f"no deploy target named `{name}`",
                                  did_you_mean(name, names) or
                                  f"the targets in site.yaml: {', '.join(names)}")])
