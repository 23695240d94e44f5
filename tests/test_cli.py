"""The command line, through click's runner and as real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator import __version__
from generator.cli import main
from generator.kinds import BUILTIN
from generator.kinds.registry import KINDS as REGISTERED

MakeSite = Callable[..., Path]
BROKEN_PAGE = "---\ntitle: About\nsummary: Us.\n---\nSee [x](../case-studies/nope.md).\n"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`casefolio ARGS` as a user runs it, output piped (so never coloured)."""
    env = {**os.environ, "NO_COLOR": "", "CI": "1"}
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output == f"casefolio, version {__version__}\n"


@pytest.mark.parametrize("command", [None, *sorted(main.commands)])
def test_every_help_shows_examples(command: str | None) -> None:
    args = [command, "--help"] if command else ["--help"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0
    assert "Examples:\n    casefolio " in result.output
    if command:
        assert "-q, --quiet" in result.output and "-v, --verbose" in result.output


KINDS = tuple(k.name for k in BUILTIN)


def test_the_light_list_of_kinds_agrees_with_the_registry() -> None:
    assert tuple(kind.name for kind in REGISTERED) == BUILTIN


def test_init_then_build_as_a_user_would(tmp_path: Path) -> None:
    init = run("init", "my-site", "--github-pages", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert "created a new site in my-site" in init.stdout and "cd my-site" in init.stdout
    site = tmp_path / "my-site"
    assert (site / ".github" / "workflows" / "pages.yml").is_file()
    built = run("build", cwd=site)
    assert built.returncode == 0, built.stderr
    assert (site / "output" / "index.html").is_file()
    again = run("init", "my-site", cwd=tmp_path)
    assert again.returncode == 1 and "the folder is not empty" in again.stderr
    assert "--force" in again.stderr


def test_init_quiet_and_verbose(tmp_path: Path) -> None:
    runner = CliRunner()
    quiet = runner.invoke(main, ["init", str(tmp_path / "q"), "-q"])
    assert quiet.exit_code == 0 and quiet.output == ""
    verbose = runner.invoke(main, ["init", str(tmp_path / "v"), "-v"])
    assert f"wrote {tmp_path / 'v' / 'site.yaml'}" in verbose.output


@pytest.mark.parametrize("kind", KINDS)
def test_new_each_kind(tmp_path: Path, kind: str) -> None:
    runner = CliRunner()
    runner.invoke(main, ["init", str(tmp_path), "-q"], catch_exceptions=False)
    args = ["new", kind, "Café rebrand für Zürich", "-s", str(tmp_path)]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    folder = {"case-study": "case-studies"}.get(kind, kind + "s")
    path = tmp_path / "content" / folder / "cafe-rebrand-fur-zurich.md"
    assert result.stdout == f"{path}\n" and path.is_file()
    again = runner.invoke(main, args)
    assert again.exit_code == 1 and "already exists; not overwritten" in again.stderr


def test_new_prints_only_the_path_when_quiet(tmp_path: Path) -> None:
    init = run("init", ".", cwd=tmp_path)
    assert init.returncode == 0
    result = run("new", "case-study", "Checkout redesign for Acme", "--niche", "ecommerce", "-q",
                 cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "content/case-studies/checkout-redesign-for-acme.md\n", "")
    bad = run("new", "case-study", "X", "--niche", "ecomerce", cwd=tmp_path)
    assert bad.returncode == 1 and "did you mean `ecommerce`?" in bad.stderr
    unknown = run("new", "post", "X", cwd=tmp_path)
    # A plugin may add kinds, so KIND is checked against the site's registry, not by click.
    assert unknown.returncode == 1 and "unknown kind `post`" in unknown.stderr
    assert "case-study, practice, service, article, page" in unknown.stderr


def test_new_and_help_start_without_heavy_imports(tmp_path: Path) -> None:
    CliRunner().invoke(main, ["init", str(tmp_path), "-q"])
    code = ("import sys; from click.testing import CliRunner; from generator.cli import main; "
            f"r = CliRunner().invoke(main, ['new', 'page', 'Light', '-s', {str(tmp_path)!r}]); "
            "assert r.exit_code == 0, r.output; "
            "print(','.join(m for m in ('jinja2', 'markdown_it', 'pydantic', 'PIL', 'pygments') "
            "if m in sys.modules))")
    heavy = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert heavy == ""


def test_check_clean_site(tmp_path: Path) -> None:
    CliRunner().invoke(main, ["init", str(tmp_path), "-q"])
    result = run("check", "--strict", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "check passed: 0 errors, 0 warnings\n")
    assert run("check", "-q", cwd=tmp_path).stdout == ""
    assert not (tmp_path / "output").exists()


def test_check_broken_site_text(make_site: MakeSite) -> None:
    site = make_site({"content/pages/about.md": BROKEN_PAGE})
    result = run("check", str(site), cwd=site.parent)
    assert result.returncode == 1
    assert "\x1b[" not in result.stdout  # piped: plain
    lines = result.stdout.splitlines()
    assert lines[0] == ("content/pages/about.md:5: link to `../case-studies/nope.md`: no such "
                        "content file (content/case-studies/nope.md)")
    assert lines[-1] == "check failed: 1 error, 1 warning"
    # grouped by file: a blank line between files
    assert "" in lines and lines.index("content/practices/landing.md:10: warning: practice "
                                       "`Social proof next to the button` is not backed by any "
                                       "case study") > lines.index("")
    quiet = run("check", str(site), "-q", cwd=site.parent)
    assert quiet.returncode == 1 and "warning" not in quiet.stdout.replace("1 warning", "")


def test_check_warnings_alone_pass_unless_strict(make_site: MakeSite) -> None:
    site = make_site()
    runner = CliRunner()
    assert runner.invoke(main, ["check", str(site)]).exit_code == 0
    strict = runner.invoke(main, ["check", str(site), "--strict"])
    assert strict.exit_code == 1 and "check failed: 0 errors, 1 warning" in strict.output


def test_check_colours_on_a_terminal(make_site: MakeSite) -> None:
    site = make_site({"content/pages/about.md": BROKEN_PAGE})
    result = CliRunner().invoke(main, ["check", str(site)], color=True)
    assert "\x1b[31mcontent/pages/about.md:5: link" in result.output


def test_check_json(make_site: MakeSite) -> None:
    site = make_site({"content/pages/about.md": BROKEN_PAGE})
    result = run("check", str(site), "--format", "json", cwd=site.parent)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["summary"]["errors"] == 1 and data["summary"]["ok"] is False
    assert data["errors"][0] == {
        "path": "content/pages/about.md", "line": 5,
        "message": "link to `../case-studies/nope.md`: no such content file "
                   "(content/case-studies/nope.md)",
        "hint": "did you mean `content/case-studies/acme.md`?"}
    assert [w["line"] for w in data["warnings"]] == [10]


def test_check_verbose_says_what_it_checked(make_site: MakeSite) -> None:
    result = CliRunner().invoke(main, ["check", str(make_site()), "-v"])
    assert "checked 4 content files and" in result.stderr


def test_build_and_serve_keep_their_options() -> None:
    build = {p.name for p in main.commands["build"].params}
    assert build == {"site_dir", "output", "base_url", "drafts", "future", "force", "profile",
                     "quiet", "verbose"}
    serve = {p.name for p in main.commands["serve"].params}
    assert serve == {"site_dir", "host", "port", "drafts", "future", "open_browser", "poll",
                     "quiet", "verbose"}


@pytest.mark.parametrize("port", ["70000", "-5", "65536"])
def test_serve_refuses_a_port_out_of_range(tmp_path, port: str) -> None:
    result = CliRunner().invoke(main, ["serve", str(tmp_path), "--port", port])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--port" in result.output and isinstance(result.exception, SystemExit)
