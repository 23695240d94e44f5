"""The wheel carries the built-in theme: a plain (non-editable) install builds any site."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO, minimal_files, write_files

pytestmark = pytest.mark.slow


def test_wheel_install_builds_a_site(tmp_path: Path) -> None:
    src = tmp_path / "src"
    skip = shutil.ignore_patterns(
        ".git", ".casefolio", "*.egg-info", "build", "dist", "__pycache__",
        ".pytest_cache", ".hypothesis", "bench", "tests", "docs")

    def ignore(folder: str, names: list[str]) -> set[str]:
        # the site's output/ at the top, not the package generator/output/
        top = {"output", ".venv"} & set(names) if Path(folder) == REPO else set()
        return set(skip(folder, names)) | top

    shutil.copytree(REPO, src, ignore=ignore)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp_path / "dist"), str(src)], check=True)
    wheel = next((tmp_path / "dist").glob("casefolio-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # The dependencies come from the environment running the tests (a venv or not, with the
    # system's packages or not; no network): the site folders on its path go on the new venv's
    # path as plain entries, after its own site-packages, so their .pth files (this checkout's
    # editable install among them) are not run and casefolio comes only from the wheel.
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    folders = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    (Path(own) / "running-environment.pth").write_text("\n".join(folders) + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall",
                    str(wheel)], check=True)
    site = write_files(tmp_path / "site", minimal_files())
    where = subprocess.run([str(python), "-c", "import generator, sys; print(generator.__file__)"],
                           capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert str(env_dir) in where, where  # really the installed wheel, not the checkout
    result = subprocess.run([str(env_dir / "bin" / "casefolio"), "build", str(site)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr + result.stdout
    assert (site / "output" / "case-studies" / "acme" / "index.html").is_file()
    assert list((site / "output" / "assets").glob("style.*.css"))
