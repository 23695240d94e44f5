"""A branch of the site's git repository (GitHub Pages), like MkDocs' gh-deploy, with git's
plumbing only: blobs, a tree and a commit made in the object store and a temporary index,
so the working tree, the real index and the current branch are never touched."""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from generator.config import Config, DeployTarget
from generator.deploy.plan import LocalFile, Outcome, failure, local_files, make_plan


def publish(target: DeployTarget, out_dir: Path, config: Config, *, dry_run: bool,
            force: bool, delete: bool, progress: Callable[[str], None] | None = None,
            ) -> Outcome:
    git = Git(_repository(config.site_dir))
    branch, remote = target.branch, target.remote
    where = f"branch {branch} of {remote}"
    if git.run("symbolic-ref", "-q", "HEAD", check=False) == f"refs/heads/{branch}":
        raise failure(f"{branch} is the branch checked out in {git.root}", "nothing was "
                      "changed", "switch to your source branch first, or deploy to another "
                      "branch (`branch:` in site.yaml)")
    if remote not in git.run("remote").split():
        raise failure(f"the repository has no remote `{remote}`", "nothing was changed",
                      f"add it (`git remote add {remote} URL`) or set `remote:` in site.yaml")
    remote_head = _remote_head(git, remote, branch)
    parent = remote_head or git.run("rev-parse", "-q", "--verify", f"refs/heads/{branch}",
                                    check=False) or None
    files = local_files(out_dir, blob_id)
    extra = _extra_files(config, {f.path for f in files})
    files = sorted([*files, *(LocalFile(p, len(b), _blob_id(b)) for p, b in extra.items())],
                   key=lambda f: f.path)
    plan = make_plan(files, _tree_listing(git, parent) if parent else {}, delete=True,
                     force=force)
    if dry_run:
        return Outcome(where, plan, False, config.base_url)
    if plan.empty and remote_head == parent and parent is not None:
        return Outcome(where, plan, True, config.base_url, ("the branch already holds this "
                                                             "site: nothing to push",))
    blobs = [f for f in plan.uploads if f.path not in extra]
    ids = git.run("hash-object", "-w", "--stdin-paths",
                  data="".join(f"{out_dir / f.path}\n" for f in blobs).encode()).split()
    ids += [git.run("hash-object", "-w", "--stdin", data=extra[f.path])
            for f in plan.uploads if f.path in extra]
    if ids != [f.digest for f in blobs] + [f.digest for f in plan.uploads if f.path in extra]:
        raise failure("this repository does not use SHA-1 object ids", "nothing was pushed")
    tree = git.tree(files)
    message = f"Deploy {config.settings.title} with casefolio"
    commit = git.run("commit-tree", tree, *(("-p", parent) if parent else ()), "-m", message)
    git.run("update-ref", "-m", "casefolio deploy", f"refs/heads/{branch}", commit)
    push = ["push", "--porcelain", remote, f"refs/heads/{branch}:refs/heads/{branch}"]
    result = git.call(*push[:1], *(("--force",) if force else ()), *push[1:])
    if result.returncode != 0:
        raise failure(f"git push to {remote} failed: {_last_lines(result.stderr)}",
                      f"the local branch {branch} holds the new site; {remote}'s was left as "
                      "it was", "if someone else pushed to it, run again (it builds on theirs);"
                      " --force replaces it")
    return Outcome(where, plan, True, config.base_url)


def blob_id(path: Path) -> str:
    return _blob_id(path.read_bytes())


def _blob_id(data: bytes) -> str:
    """git's object id for a file with these bytes (SHA-1 repositories)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


class Git:
    """git, run in one repository, with the user's identity or a stand-in for commit-tree."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = dict(os.environ)
        for key, fallback in (("user.name", "casefolio"), ("user.email", "casefolio@localhost")):
            if not self.run("config", key, check=False):
                kind = key.split(".")[1].upper()
                self.env.setdefault(f"GIT_AUTHOR_{kind}", fallback)
                self.env.setdefault(f"GIT_COMMITTER_{kind}", fallback)

    def call(self, *args: str, data: bytes | None = None,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["git", "-C", str(self.root), *args], input=data,
                              capture_output=True, env=env or getattr(self, "env", None))

    def run(self, *args: str, data: bytes | None = None, check: bool = True,
            env: dict[str, str] | None = None) -> str:
        """git's output, stripped; a failure is a deploy failure unless check=False."""
        result = self.call(*args, data=data, env=env)
        if check and result.returncode != 0:
            raise failure(f"`git {args[0]}` failed: {_last_lines(result.stderr)}",
                          "the working tree, the current branch and the remote were left "
                          "as they were")
        return result.stdout.decode().strip() if result.returncode == 0 else ""

    def tree(self, files: list[LocalFile]) -> str:
        """The tree of these files (their blobs already stored), through a throwaway index."""
        with tempfile.TemporaryDirectory(prefix="casefolio-deploy-") as tmp:
            env = {**self.env, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
            listing = "".join(f"100644 {f.digest}\t{f.path}\n" for f in files).encode()
            self.run("update-index", "--add", "--index-info", data=listing, env=env)
            return self.run("write-tree", env=env)


def _repository(site_dir: Path) -> Path:
    try:
        result = subprocess.run(["git", "-C", str(site_dir), "rev-parse", "--show-toplevel"],
                                capture_output=True)
    except FileNotFoundError:
        raise failure("git is not installed", "nothing was changed",
                      "install git, or use another target") from None
    if result.returncode != 0:
        raise failure(f"{site_dir} is not in a git repository", "nothing was changed",
                      "the gh-pages target commits to a branch of the site's repository: "
                      "`git init` and add a remote first")
    return Path(result.stdout.decode().strip())


def _remote_head(git: Git, remote: str, branch: str) -> str | None:
    """The remote branch's commit, fetched; None when the remote has no such branch yet."""
    heads = git.call("ls-remote", "--heads", remote, f"refs/heads/{branch}")
    if heads.returncode != 0:
        raise failure(f"cannot reach {remote}: {_last_lines(heads.stderr)}",
                      "nothing was changed")
    line = heads.stdout.decode().split()
    if not line:
        return None
    git.run("fetch", "-q", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}")
    return line[0]


def _tree_listing(git: Git, commit: str) -> dict[str, str | None]:
    out = git.run("ls-tree", "-r", "-z", commit)
    found: dict[str, str | None] = {}
    for entry in filter(None, out.split("\0")):
        meta, path = entry.split("\t", 1)
        found[path] = meta.split()[2]
    return found


def _extra_files(config: Config, have: set[str]) -> dict[str, bytes]:
    """.nojekyll (publish `_`-files as they are) and, for a custom domain, CNAME."""
    extra = {".nojekyll": b""} if ".nojekyll" not in have else {}
    host = urlsplit(config.base_url).hostname or ""
    if "CNAME" not in have and not host.endswith(".github.io") and host not in (
            "localhost", "127.0.0.1"):
        extra["CNAME"] = f"{host}\n".encode()
    return extra


def _last_lines(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines()
             if line.strip()]
    return " / ".join(lines[-2:]) or "no message"
