"""The only code of an import that writes: every path checked to stay inside TARGET."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import yaml

from generator.errors import CasefolioError, Problem
from generator.importer.model import ImportedSite
from generator.importer.redirects import redirect_file, redirect_page
from generator.importer.report import render_report


def check_target(target: Path, force: bool) -> None:
    """Refuse a target that is a file, or a folder with something in it unless forced."""
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise CasefolioError([Problem(str(target), None, "the target is not a folder",
                                      "give a new or empty folder")])
    if target.is_dir() and any(target.iterdir()) and not force:
        raise CasefolioError([Problem(str(target), None, "the target folder is not empty",
                                      "import into a new folder, or pass --force to write "
                                      "over the files there")])


class Writer:
    """Writes files under one root, refusing any path that would land outside it."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()

    def path(self, rel: str) -> Path:
        parts = PurePosixPath(rel).parts
        if (not parts or PurePosixPath(rel).is_absolute() or ".." in parts
                or any("\\" in p or "\x00" in p for p in parts)):
            raise CasefolioError([Problem(rel, None, "refused: this path would be written "
                                          "outside the target folder")])
        path = self.root.joinpath(*parts)
        folder = self.root
        for part in parts[:-1]:
            folder = folder / part
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                raise CasefolioError([Problem(rel, None, f"refused: {folder} is a symbolic "
                                              "link or a file, not a folder of the target")])
            folder.mkdir(exist_ok=True)
        if path.is_symlink() or not path.parent.resolve().is_relative_to(self.root):
            raise CasefolioError([Problem(rel, None, "refused: this path is a symbolic link "
                                          "or leads outside the target folder")])
        return path

    def write(self, rel: str, data: bytes) -> None:
        path = self.path(rel)
        tmp = path.with_name(f".{path.name}.import-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)


def front_matter(meta: dict[str, object]) -> str:
    return yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000,
                          default_flow_style=False)


def write_site(site: ImportedSite, target: Path, force: bool, command: str) -> list[str]:
    """Write the imported site into target; return the files written, relative to it."""
    check_target(target, force)
    writer = Writer(target)
    written: list[str] = []

    def put(rel: str, data: bytes) -> None:
        writer.write(rel, data)
        written.append(rel)

    put("site.yaml", front_matter(site.settings).encode())
    for page in site.pages:
        text = f"---\n{front_matter(page.meta)}---\n{page.body.rstrip()}\n"
        put(page.rel, text.encode())
        folder = PurePosixPath(page.rel).parent
        for name, source in page.files:
            put(str(folder / name), source.read_bytes())
    for rel, source in site.static:
        put(f"static/{rel}", source.read_bytes())
    for old, new in site.redirects:
        put(f"static/{redirect_file(old)}",
            redirect_page(old, new, str(site.settings.get("language", "en"))).encode())
    put("IMPORT-REPORT.md", render_report(site, command).encode())
    return written
