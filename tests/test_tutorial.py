"""The tutorials work as written: every line of their ```sh blocks runs, in order, in a fresh
folder, as a real subprocess. Only lines matching SKIP are left out, each for a stated reason."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SKIP = {
    "pip install": "installs casefolio; the test runs the checkout under test instead",
    "casefolio serve": "runs until stopped (tests/test_serve covers it)",
    "git remote add": "deploy: needs a GitHub repository",
    "git push": "deploy: needs a GitHub repository",
    "casefolio deploy": "deploy: publishes to the GitHub repository (tests/test_deploy.py)",
}
ONLY_IN = {"casefolio deploy": "docs/tutorial.md"}  # steps the README's short tutorial leaves out
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Tutorial", "GIT_AUTHOR_EMAIL": "tutorial@example.com",
                "GIT_COMMITTER_NAME": "Tutorial", "GIT_COMMITTER_EMAIL": "tutorial@example.com"}


def sh_lines(markdown: str) -> list[str]:
    """The commands of every ```sh block, comments and blank lines dropped."""
    lines = []
    for block in re.findall(r"^```sh\n(.*?)^```", markdown, re.S | re.M):
        for line in block.splitlines():
            command = line.split(" #")[0].strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


def readme_tutorial() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Tutorial")
    end = text.find("\n## ", start + 1)
    return text[start: end if end != -1 else None]


def casefolio_on_path(tmp_path: Path) -> dict[str, str]:
    """`casefolio` runs this checkout's code, whatever is installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "casefolio"
    script.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m generator "$@"\n')
    script.chmod(0o755)
    return {**os.environ, **GIT_IDENTITY, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "PYTHONPATH": str(REPO), "CI": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def follow(lines: list[str], tmp_path: Path) -> tuple[Path, list[str]]:
    env = casefolio_on_path(tmp_path)
    cwd = tmp_path / "work"
    cwd.mkdir()
    skipped = []
    for line in lines:
        if any(line.startswith(prefix) for prefix in SKIP):
            skipped.append(line)
            continue
        if line.startswith("cd "):
            cwd = (cwd / line[3:].strip()).resolve()
            continue
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", line], cwd=cwd, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"`{line}` failed:\n{result.stdout}\n{result.stderr}"
    return cwd, skipped


@pytest.mark.parametrize("source", ["docs/tutorial.md", "README.md"])
def test_tutorial_commands_work_as_written(source: str, tmp_path: Path) -> None:
    text = (REPO / source).read_text(encoding="utf-8") if source != "README.md" else (
        readme_tutorial())
    lines = sh_lines(text)
    ran = [line.split()[:2] for line in lines]
    for step in (["casefolio", "init"], ["casefolio", "new"], ["casefolio", "check"],
                 ["casefolio", "build"]):
        assert step in ran, f"{source}'s tutorial no longer runs {' '.join(step)}"
    site, skipped = follow(lines, tmp_path)
    expected = {p for p in SKIP if ONLY_IN.get(p, source) == source}
    assert {next(p for p in SKIP if s.startswith(p)) for s in skipped} == expected
    assert site.name == "my-site"
    assert (site / "output" / "index.html").is_file()
    assert (site / "content" / "case-studies" / "checkout-redesign-for-acme.md").is_file()
    assert (site / ".github" / "workflows" / "pages.yml").is_file()
    tracked = subprocess.run(["git", "ls-files"], cwd=site, capture_output=True, text=True,
                             check=True).stdout.split()
    assert "site.yaml" in tracked and ".github/workflows/pages.yml" in tracked
    assert not [f for f in tracked if f.startswith("output/")]  # .gitignore works


def test_sh_lines() -> None:
    text = "x\n```sh\na b   # note\n# only a comment\n\nc\n```\n```yaml\nd\n```\n"
    assert sh_lines(text) == ["a b", "c"]
