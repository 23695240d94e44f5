"""`casefolio deploy`: to a real S3-compatible server (moto's, in a thread), to a gh-pages
branch of a temporary repository with a bare remote, to a folder and through rsync; and the
`_headers` file the build writes."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build_to
from generator.cli import main
from generator.config import load_config
from generator.deploy import s3
from generator.deploy.plan import LocalFile, is_page, make_plan
from generator.errors import CasefolioError
from generator.output import headers
from generator.output.writer import MARKER

BUCKETS = itertools.count(1)


def deploy(site: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["deploy", str(site), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def with_targets(site: Path, block: str) -> Path:
    with (site / "site.yaml").open("a", encoding="utf-8") as handle:
        handle.write("\ndeploy:\n" + block)
    return site


def output_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != MARKER}


def edit_case_study(site: Path) -> str:
    """Change one case study's prose; returns its slug."""
    path = sorted((site / "content" / "case-studies").glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more finding, added later.\n",
                    encoding="utf-8")
    return path.stem


# --- S3 --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    pytest.importorskip("boto3")
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, str]:
    """A new, empty bucket on the local server, and a client to inspect it."""
    import boto3

    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE",
                "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    name = f"casefolio-site-{next(BUCKETS)}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    return client, name


def objects(client: object, name: str) -> dict[str, str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=name)  # type: ignore[attr-defined]
    return {o["Key"]: o["ETag"].strip('"') for page in pages for o in page.get("Contents", ())}


@pytest.fixture
def uploads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every object actually PUT, in order (s3.upload still does the work)."""
    sent: list[str] = []
    real = s3.upload

    def counting(client: object, bucket_name: str, key: str, path: Path,
                 file: LocalFile) -> None:
        real(client, bucket_name, key, path, file)
        sent.append(key)
    monkeypatch.setattr(s3, "upload", counting)
    return sent


def s3_target(endpoint: str, name: str, prefix: str = "") -> str:
    return (f"  - {{name: bucket, type: s3, bucket: {name}, prefix: \"{prefix}\", "
            f"endpoint: \"{endpoint}\", region: us-east-1}}\n")


def test_s3_uploads_only_what_changed_with_types_and_cache_headers(
        example_site: Path, s3_endpoint: str, bucket: tuple[object, str],
        uploads: list[str]) -> None:
    client, name = bucket
    site = with_targets(example_site, s3_target(s3_endpoint, name))
    code, out = deploy(site)
    assert code == 0, out
    first = output_files(site / "output")
    expected = {rel: hashlib.md5(data).hexdigest() for rel, data in first.items()
                if rel not in ("_headers", "_redirects")}
    assert objects(client, name) == expected
    assert sorted(uploads) == sorted(expected)
    pages = [is_page(key) for key in uploads]
    assert pages == sorted(pages), "an asset went up after a page"
    assert uploads[-1] == "index.html"
    assert "live at https://" in out

    uploads.clear()
    slug = edit_case_study(site)
    code, out = deploy(site)
    assert code == 0, out
    second = output_files(site / "output")
    changed = {rel for rel, data in second.items() if first.get(rel) != data} - {"_headers"}
    assert f"case-studies/{slug}/index.html" in changed
    assert sorted(uploads) == sorted(changed)
    assert 1 <= len(uploads) <= 5
    assert f"{len(uploads)} upload" in out and f"{len(expected) - len(uploads)} unchanged" in out

    def head(key: str) -> tuple[str, str]:
        meta = client.head_object(Bucket=name, Key=key)  # type: ignore[attr-defined]
        return meta["ContentType"], meta["CacheControl"]

    assert head("index.html") == ("text/html; charset=utf-8", "public, max-age=0, must-revalidate")
    css = next(k for k in expected if k.startswith("assets/style.") and k.endswith(".css"))
    assert head(css) == ("text/css; charset=utf-8", "public, max-age=31536000, immutable")
    variant = next(k for k in expected if re.search(r"-\d+w\.[0-9a-f]{8}\.webp$", k))
    assert head(variant) == ("image/webp", "public, max-age=31536000, immutable")
    assert head("feed.xml")[0] == "application/atom+xml; charset=utf-8"
    assert head("logo.svg") == ("image/svg+xml", "public, max-age=86400")


def test_s3_deletes_only_when_asked_and_only_under_the_prefix(
        make_site, s3_endpoint: str, bucket: tuple[object, str], uploads: list[str]) -> None:
    client, name = bucket
    for key in ("outside.txt", "www-old/page.html", "www/stray.html"):
        client.put_object(Bucket=name, Key=key, Body=b"keep")  # type: ignore[attr-defined]
    site = with_targets(make_site(), s3_target(s3_endpoint, name, "/www"))
    assert deploy(site)[0] == 0
    (site / "content" / "pages" / "about.md").unlink()
    code, out = deploy(site)
    assert code == 0, out
    keys = objects(client, name)
    assert "www/about/index.html" in keys and "www/stray.html" in keys
    assert "2 old files kept" in out

    code, out = deploy(site, "--delete", "--dry-run")
    assert code == 0 and "delete  about/index.html" in out and "nothing was changed" in out
    assert objects(client, name) == keys

    uploads.clear()
    code, out = deploy(site, "--delete")
    assert code == 0, out
    keys = objects(client, name)
    assert "www/about/index.html" not in keys and "www/stray.html" not in keys
    assert {"outside.txt", "www-old/page.html", "www/index.html"} <= keys.keys()
    assert all(k.startswith("www/") for k in uploads)


def test_s3_dry_run_changes_nothing(make_site, s3_endpoint: str,
                                    bucket: tuple[object, str]) -> None:
    client, name = bucket
    site = with_targets(make_site(), s3_target(s3_endpoint, name))
    code, out = deploy(site, "--dry-run")
    assert code == 0, out
    assert objects(client, name) == {}
    assert "upload  index.html" in out and "0 unchanged" in out and "nothing was changed" in out


def test_s3_deploy_interrupted_halfway_then_rerun_ends_complete(
        make_site, s3_endpoint: str, bucket: tuple[object, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import EndpointConnectionError

    client, name = bucket
    site = with_targets(make_site(), s3_target(s3_endpoint, name))
    real, sent = s3.upload, []

    def flaky(*args: object) -> None:
        if len(sent) == 4:
            raise EndpointConnectionError(endpoint_url=s3_endpoint)
        real(*args)  # type: ignore[arg-type]
        sent.append(args[2])
    monkeypatch.setattr(s3, "upload", flaky)
    code, out = deploy(site)
    assert code == 1
    assert "stopped after 4 of" in out and "run the same command again" in out
    assert len(objects(client, name)) == 4
    assert not any(is_page(key) for key in sent), "pages went up before their assets"

    monkeypatch.setattr(s3, "upload", real)
    code, out = deploy(site)
    assert code == 0, out
    local = {rel: hashlib.md5(data).hexdigest()
             for rel, data in output_files(site / "output").items() if rel != "_headers"}
    assert objects(client, name) == local
    assert f"{len(local) - 4} uploads" in out and "4 unchanged" in out


def test_s3_wrong_bucket_and_missing_boto3_are_clear_errors(
        make_site, s3_endpoint: str, bucket: tuple[object, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    site = with_targets(make_site(), s3_target(s3_endpoint, "no-such-bucket-here"))
    code, out = deploy(site)
    assert code == 1 and "nothing was uploaded" in out and "bucket" in out

    monkeypatch.setitem(sys.modules, "boto3", None)
    code, out = deploy(site, "--no-build")
    assert code == 1 and "casefolio[s3]" in out


# --- gh-pages --------------------------------------------------------------------------

def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=Test",
                           "-c", "user.email=test@example.com", *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def repo_state(repo: Path) -> tuple[str, ...]:
    return (git(repo, "symbolic-ref", "HEAD"), git(repo, "rev-parse", "HEAD"),
            git(repo, "status", "--porcelain", "--untracked-files=all"),
            git(repo, "diff"), git(repo, "diff", "--cached"))


@pytest.fixture
def site_repo(make_site, tmp_path: Path) -> tuple[Path, Path]:
    """A site in a git repository (with uncommitted work) whose `origin` is a bare repo."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    site = with_targets(make_site(), "  - {name: pages, type: gh-pages}\n")
    (site / ".gitignore").write_text("output/\n.casefolio/\n", encoding="utf-8")
    git(site, "init", "-q", "-b", "main")
    git(site, "add", "-A")
    git(site, "commit", "-q", "-m", "the site")
    git(site, "remote", "add", "origin", str(remote))
    (site / "notes.txt").write_text("untracked work\n", encoding="utf-8")
    (site / "content" / "pages" / "about.md").write_text(
        "---\ntitle: About\nsummary: Who we are.\n---\nUncommitted edit.\n", encoding="utf-8")
    git(site, "add", "content/pages/about.md")
    return site, remote


def branch_files(remote: Path, branch: str = "gh-pages") -> dict[str, bytes]:
    names = git(remote, "ls-tree", "-r", "--name-only", branch).splitlines()
    return {n: subprocess.run(["git", "-C", str(remote), "show", f"{branch}:{n}"],
                              check=True, capture_output=True).stdout for n in names}


def test_gh_pages_branch_equals_output_and_leaves_the_work_alone(
        site_repo: tuple[Path, Path]) -> None:
    site, remote = site_repo
    build_to(site, site / "output")
    before = repo_state(site)
    code, out = deploy(site, "--no-build")
    assert code == 0, out
    assert repo_state(site) == before
    extra = {".nojekyll": b"", "CNAME": b"example.com\n"}
    assert branch_files(remote) == {**output_files(site / "output"), **extra}
    first = git(remote, "rev-parse", "gh-pages")

    (site / "content" / "case-studies" / "acme.md").write_text(
        (site / "content" / "case-studies" / "acme.md").read_text(encoding="utf-8")
        + "\nA later finding.\n", encoding="utf-8")
    (site / "content" / "pages" / "about.md").unlink()
    before = repo_state(site)
    code, out = deploy(site)
    assert code == 0, out
    assert repo_state(site) == before
    files = branch_files(remote)
    assert files == {**output_files(site / "output"), **extra}
    assert "about/index.html" not in files
    assert git(remote, "rev-parse", "gh-pages^") == first
    assert git(site, "rev-parse", "gh-pages") == git(remote, "rev-parse", "gh-pages")

    code, out = deploy(site, "--no-build")
    assert code == 0 and "nothing to push" in out
    assert git(remote, "rev-parse", "gh-pages^") == first


def test_gh_pages_rejected_push_is_reported_and_a_rerun_finishes(
        site_repo: tuple[Path, Path]) -> None:
    site, remote = site_repo
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'not now' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    before = repo_state(site)
    code, out = deploy(site)
    assert code == 1 and "push" in out and "left as it was" in out
    assert repo_state(site) == before
    assert git(remote, "branch", "--list", "gh-pages") == ""

    hook.unlink()
    code, out = deploy(site)
    assert code == 0, out
    assert branch_files(remote).keys() >= output_files(site / "output").keys()


def test_gh_pages_needs_a_repository(make_site) -> None:
    site = with_targets(make_site(), "  - {name: pages, type: gh-pages}\n")
    env_dir = os.environ.get("GIT_CEILING_DIRECTORIES")
    os.environ["GIT_CEILING_DIRECTORIES"] = str(site.parent)
    try:
        code, out = deploy(site)
    finally:
        if env_dir is None:
            del os.environ["GIT_CEILING_DIRECTORIES"]
        else:
            os.environ["GIT_CEILING_DIRECTORIES"] = env_dir
    assert code == 1 and "not in a git repository" in out


# --- folder and rsync ------------------------------------------------------------------

def test_folder_copies_changes_and_deletes_only_when_asked(make_site, tmp_path: Path) -> None:
    dest = tmp_path / "www"
    site = with_targets(make_site(), f"  - {{name: copy, type: folder, path: \"{dest}\"}}\n")
    code, out = deploy(site)
    assert code == 0 and "live at https://example.com/" in out
    assert output_files(dest) == output_files(site / "output")
    code, out = deploy(site)
    assert code == 0 and "0 uploads" in out

    (dest / "old.html").write_text("old", encoding="utf-8")
    edit_case_study(site)
    code, out = deploy(site)
    assert code == 0 and (dest / "old.html").exists() and "1 old file kept" in out
    assert output_files(dest) == {**output_files(site / "output"), "old.html": b"old"}
    code, out = deploy(site, "--delete")
    assert code == 0 and not (dest / "old.html").exists()
    assert output_files(dest) == output_files(site / "output")


def test_folder_never_points_into_the_site(make_site) -> None:
    site = with_targets(make_site(), "  - {name: copy, type: folder, path: output/www}\n"
                        "  - {name: up, type: folder, path: ..}\n")
    for name in ("copy", "up"):
        code, out = deploy(site, "--target", name)
        assert code == 1 and "nothing was copied" in out


@pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed")
def test_rsync_sends_changes_only(make_site, tmp_path: Path) -> None:
    dest = tmp_path / "server"
    dest.mkdir()
    site = with_targets(make_site(), f"  - {{name: server, type: rsync, destination: "
                                     f"\"{dest}/\"}}\n")
    code, out = deploy(site)
    assert code == 0, out
    assert output_files(dest) == output_files(site / "output")
    code, out = deploy(site)
    assert code == 0 and "0 uploads" in out
    (dest / "stray.txt").write_text("x", encoding="utf-8")
    code, out = deploy(site, "--delete")
    assert code == 0 and "1 deletion" in out and not (dest / "stray.txt").exists()


# --- choosing a target, the settings ---------------------------------------------------

def test_no_targets_and_unknown_target_are_errors_with_hints(make_site) -> None:
    site = make_site()
    code, out = deploy(site)
    assert code == 1 and "no deploy targets" in out and "type: folder" in out
    with_targets(site, "  - {name: pages, type: gh-pages}\n")
    code, out = deploy(site, "--target", "page")
    assert code == 1 and "did you mean `pages`" in out


@pytest.mark.parametrize(("block", "wanted"), [
    ("  - {name: a, type: gh-page}\n", "did you mean `gh-pages`"),
    ("  - {name: a, type: s3, bukcet: x}\n", "did you mean `bucket`"),
    ("  - {name: a, type: s3}\n", "needs `bucket`"),
    ("  - {name: a, type: folder, path: x, branch: main}\n", "`branch` is not a field"),
    ("  - {name: a, type: folder, path: x}\n  - {name: a, type: rsync, destination: h:/}\n",
     "two deploy targets are named `a`"),
])
def test_deploy_settings_are_validated(make_site, block: str, wanted: str) -> None:
    site = with_targets(make_site(), block)
    with pytest.raises(CasefolioError) as caught:
        load_config(site)
    assert wanted in str(caught.value) and "site.yaml:" in str(caught.value)


def test_deploy_settings_do_not_change_the_build(make_site) -> None:
    site = make_site()
    before = load_config(site).fingerprint
    with_targets(site, "  - {name: pages, type: gh-pages}\n")
    assert load_config(site).fingerprint == before


def test_plan_is_pure_and_orders_pages_last() -> None:
    local = [LocalFile("index.html", 5, "a"), LocalFile("assets/s.1234567890.css", 3, "b"),
             LocalFile("about/index.html", 4, "c"), LocalFile("logo.png", 2, "d")]
    plan = make_plan(local, {"logo.png": "d", "gone.html": "x"}, delete=False)
    assert [f.path for f in plan.uploads] == ["assets/s.1234567890.css", "about/index.html",
                                              "index.html"]
    assert plan.unchanged == 1 and plan.deletions == () and plan.kept == ("gone.html",)
    assert make_plan(local, {"logo.png": "d", "gone.html": "x"}, delete=True).deletions == (
        "gone.html",)
    assert len(make_plan(local, {"logo.png": "d"}, delete=False, force=True).uploads) == 4


# --- _headers --------------------------------------------------------------------------

def test_build_writes_headers_with_security_and_cache_policy(make_site) -> None:
    site = make_site()
    out = site / "output"
    build_to(site, out)
    text = (out / "_headers").read_text(encoding="utf-8")
    rules = text.split("\n/")
    assert rules[0].endswith("\n/*") or "\n/*\n" in text
    for name in ("Content-Security-Policy: default-src 'self'", "X-Content-Type-Options: nosniff",
                 "Referrer-Policy: strict-origin-when-cross-origin"):
        assert f"  {name}" in text
    css = next(p for p in output_files(out) if p.startswith("assets/style."))
    assert f"/{css}\n  Cache-Control: public, max-age=31536000, immutable\n" in text
    first = (out / "_headers").read_bytes()
    build_to(site, out, force=True)
    assert (out / "_headers").read_bytes() == first


def test_headers_under_a_subpath_and_a_site_own_headers_file(make_site) -> None:
    site = make_site()
    yaml = (site / "site.yaml").read_text(encoding="utf-8").replace(
        "https://example.com/", "https://example.github.io/agency/")
    (site / "site.yaml").write_text(yaml, encoding="utf-8")
    build_to(site, site / "output")
    text = (site / "output" / "_headers").read_text(encoding="utf-8")
    assert "\n/agency/*\n" in text and "\n/agency/assets/style." in text

    (site / "static").mkdir(exist_ok=True)
    (site / "static" / "_headers").write_text("/*\n  X-Mine: yes\n", encoding="utf-8")
    build_to(site, site / "output")
    assert (site / "output" / "_headers").read_text(encoding="utf-8") == "/*\n  X-Mine: yes\n"


def test_the_theme_passes_its_content_security_policy(example_site: Path) -> None:
    """What the CSP forbids, the built example site does not do: no inline script (JSON-LD
    is data), no inline style, no event-handler attributes, scripts and styles from the
    site only."""
    out = example_site / "output"
    build_to(example_site, out)
    assert "script-src 'self'" in headers.CONTENT_SECURITY_POLICY
    assert "style-src 'self'" in headers.CONTENT_SECURITY_POLICY
    pages = [p for p in out.rglob("*.html")]
    assert len(pages) > 20
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert 'type="application/ld+json"' in tag or re.search(r'src="/', tag), (page, tag)
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", html), page
        for tag in re.findall(r"<link\b[^>]*rel=\"stylesheet\"[^>]*>", html):
            assert 'href="/' in tag, (page, tag)
