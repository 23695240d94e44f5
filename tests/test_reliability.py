"""Every bad input gets `path:line: message` and a hint, exit 1, no traceback, and the previous
output/ byte for byte as it was (issue 5). Driven through the real CLI."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from tests.conftest import REPO, SITE_YAML, minimal_files, write_files

CS = "content/case-studies/acme.md"
END = SITE_YAML.count("\n") + 1  # the line of a field appended to site.yaml


def case(**fields: object) -> str:
    """The minimal case study with some fields replaced (None drops a field)."""
    base: dict[str, object] = {"title": "Acme", "date": "2025-03-14", "summary": "S.",
                               "client": "Acme", "niche": "ecommerce"}
    base.update(fields)
    return "---\n" + "".join(f"{k}: {v}\n" for k, v in base.items() if v is not None) + (
        "---\nBody.\n")


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def good_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One successful build of the minimal site, copied into each test as its previous output."""
    site = write_files(tmp_path_factory.mktemp("good") / "site", minimal_files())
    result = CliRunner().invoke(main, ["build", str(site), "-q"])
    assert result.exit_code == 0, result.output
    return site / "output"


@pytest.fixture
def broken(tmp_path: Path, good_output: Path):
    """broken(files) -> (exit code, output): the minimal site with its last good output, then
    these files changed, built again; checks no traceback and the output left untouched."""
    def run(files: dict[str, str | bytes | None], *args: str) -> tuple[int, str]:
        site = write_files(tmp_path / "site", minimal_files())
        shutil.copytree(good_output, site / "output")
        before = tree(site / "output")
        for rel, text in files.items():
            if text is None:
                (site / rel).unlink()
        write_files(site, {k: v for k, v in files.items() if v is not None})
        result = CliRunner().invoke(main, ["build", str(site), *args])
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception)
        assert tree(site / "output") == before, "the previous output was changed"
        return result.exit_code, result.output
    return run


PWNED = "/tmp/casefolio-test-pwned"

BAD_INPUTS = {
    # YAML
    "tab indentation": ({CS: "---\ntitle: T\n\tsummary: S\n---\n"},
                        "acme.md:3: invalid YAML", "YAML does not allow tabs"),
    "unclosed quote": ({CS: '---\ntitle: "open\ndate: 2025-01-01\n---\n'},
                       "acme.md:2: invalid YAML", "a quote or bracket opened here is never closed"),
    "unclosed bracket": ({CS: "---\ntitle: T\ntags: [a, b\ndate: 2025-01-01\n---\n"},
                         "acme.md:3: invalid YAML", "a quote or bracket opened here is never closed"),
    "unclosed brace": ({CS: "---\ntitle: T\nmetrics: {label: x\n---\n"},
                       "acme.md:3: invalid YAML", "a quote or bracket opened here is never closed"),
    "duplicate key": ({CS: case(client="Acme\nclient: Beta")},
                      "acme.md:6: duplicate key `client` (first set on line 5)",
                      "keep one of the two lines"),
    "front matter never closed": ({CS: "---\ntitle: T\ndate: 2025-01-01\n"},
                                  "acme.md:1: front matter is never closed",
                                  "add a line with just `---`"),
    "no front matter": ({CS: "# Acme\n\nJust Markdown.\n"}, "acme.md:1: no front matter",
                        "start the file with a `---` line"),
    "list where a mapping belongs (testimonial)": (
        {CS: case(testimonial="[a]")}, "acme.md:7: testimonial: expected a mapping",
        "write the fields indented under the key"),
    "mapping where a list belongs (metrics)": (
        {CS: case(metrics="{label: x}")}, "acme.md:7: metrics: expected a list, got a mapping",
        "write a list as `[a, b]`"),
    "front matter is a list": ({CS: "---\n- a\n- b\n---\n"},
                               "acme.md:2: front matter must be a set of `key: value` fields",
                               "write one `key: value` per line"),
    "Norway: niche no stays the text no": ({CS: case(niche="no")},
                                           "acme.md:6: unknown niche `no`",
                                           "known: ecommerce, pools"),
    "Norway: services [yes, no]": ({CS: case(services="[yes, no]")},
                                   "acme.md:7: unknown service `yes`", "retainer"),
    "date that is not a date": ({CS: case(date="2025-02-30")},
                                "acme.md:3: `2025-02-30` is not a valid value",
                                "dates are written YYYY-MM-DD"),
    "date as words": ({CS: case(date="last spring")},
                      'acme.md:3: date: expected a date (YYYY-MM-DD), got "last spring"',
                      "write the date as YYYY-MM-DD"),
    "date as a number (not seconds since 1970)": (
        {CS: case(date="2025")}, "acme.md:3: date: expected a date (YYYY-MM-DD), got 2025",
        "write the date as YYYY-MM-DD"),
    "control character": ({CS: case(title='"Acme\\x01"')},
                          "acme.md:2: the text contains the invisible control character U+0001",
                          "delete it"),
    "YAML bomb": ({CS: case(a="&a [x, x, x, x, x, x, x, x, x, x]", **{
        k: f"&{k} [{', '.join([f'*{p}'] * 10)}]" for p, k in zip("abcdefgh", "bcdefghi",
                                                                   strict=True)})},
                  "acme.md:", "move bulk data elsewhere"),
    # Stopped by our depth limit, or first by the YAML scanner's own (newer PyYAML builds):
    # either way a located problem with one of our hints, never the library's wording.
    "10,000 nested YAML lists": ({CS: case(tags="[" * 10_000 + "]" * 10_000)},
                                 "acme.md:7: ", "levels deep|brackets on this line"),
    "alias that contains itself": ({CS: case(tags="&t [*t]")},
                                   "acme.md:7: the YAML is nested too deeply",
                                   "levels deep"),
    # Files
    "empty file": ({CS: ""}, "acme.md:1: the file is empty", "start it with front matter"),
    "only front matter (case study)": ({CS: "---\ntitle: Acme\n---\n"},
                                       "acme.md:2: date: required field is missing",
                                       "add `date:` to the front matter"),
    "empty front matter": ({CS: "---\n---\nBody\n"},
                           "acme.md:1: title: required field is missing",
                           "add `title:` to the front matter"),
    "not UTF-8": ({CS: case(title="Caf\u00e9").encode("latin-1")},
                  "content/case-studies/acme.md:2: not UTF-8 text",
                  "re-save the file as UTF-8"),
    "file name with a backslash": ({"static/a\\b.txt": b"x"},
                                   "a\\\\b.txt: this file name cannot become part of a URL",
                                   "rename the file"),
    # Model
    "two files want the same URL": (
        {"content/case-studies/copy.md": case(slug="acme")},
        "content/case-studies/copy.md:7: same URL as content/case-studies/acme.md",
        "give one of them another `slug:`"),
    "slug with ..": ({CS: case(slug="..")}, "acme.md:7: slug: a slug is one URL segment",
                     "e.g. `slug: checkout-redesign`"),
    "slug with /": ({CS: case(slug="a/b")}, "acme.md:7: slug: a slug is one URL segment",
                    "e.g. `slug: checkout-redesign`"),
    "slug with a backslash": ({CS: case(slug="'a\\b'")}, "acme.md:7: slug: a slug is one URL",
                              "e.g. `slug: checkout-redesign`"),
    "absolute slug": ({CS: case(slug="/etc/passwd")}, "acme.md:7: slug: a slug is one URL",
                      "e.g. `slug: checkout-redesign`"),
    "slug with NUL": ({CS: case(slug='"a\\0b"')}, "acme.md:7: the text contains the invisible",
                      "delete it"),
    "slug with a trailing newline": ({CS: case(slug='"acme2\\n"')},
                                     "acme.md:7: slug: a slug is one URL segment",
                                     "e.g. `slug: checkout-redesign`"),
    "slug that is also a file": ({"content/pages/about.md": "---\ntitle: A\nslug: feed.xml\n---\n"},
                                 "feed.xml: two things want this path",
                                 "rename the page's slug"),
    "missing practice collection": ({CS: case(practices="[landng]")},
                                    "acme.md:7: unknown practice collection `landng`",
                                    "did you mean `landing`?"),
    "missing practice": ({CS: case(practices="[landing#one-gaol]")},
                         "acme.md:7: unknown practice in `landing` `one-gaol`",
                         "did you mean `one-goal`?"),
    "missing service": ({CS: case(services="[retainr]")}, "acme.md:7: unknown service `retainr`",
                        "did you mean `retainer`?"),
    "missing niche": ({CS: case(niche="ecommerse")}, "acme.md:6: unknown niche `ecommerse`",
                      "did you mean `ecommerce`?"),
    "missing niche in a service": (
        {"content/services/retainer.md": "---\ntitle: R\nsummary: S\nniches: [pool]\n---\n"},
        "retainer.md:4: unknown niche `pool`", "did you mean `pools`?"),
    "missing case study (link)": (
        {"content/pages/about.md": "---\ntitle: A\n---\nSee [it](../case-studies/acmee.md).\n"},
        "about.md:4: link to `../case-studies/acmee.md`: no such content file",
        "did you mean `content/case-studies/acme.md`?"),
    "missing image in Markdown": ({CS: case() + "\n![The new checkout](missing.png)\n"},
                                  "acme.md:10: image `missing.png` not found",
                                  "content/case-studies/missing.png"),
    "missing cover image": ({CS: case(cover="{src: cover.png, alt: The new checkout}")},
                            "acme.md:7: image `cover.png` not found",
                            "content/case-studies/cover.png"),
    "unknown field": ({CS: case(nich="ecommerce")}, "acme.md:7: unknown field `nich`",
                      "did you mean `niche`?"),
    "unknown currency": ({CS: case(metrics="[{label: x, before: 1, after: 2, unit: UDS}]")},
                         "acme.md:7: metrics[0].unit: unknown currency `UDS`", "USD"),
    "infinite number": ({CS: case(metrics="[{label: x, before: .inf, after: 2}]")},
                        "acme.md:7: metrics[0].before: expected an ordinary number",
                        "write a number"),
    "price per a typo": (
        {"content/services/retainer.md":
         "---\ntitle: R\nsummary: S\nprice: {amount: 1, currency: USD, per: mnth}\n---\n"},
        'retainer.md:4: price.per: expected one of hour, day, session, week, month, quarter, '
        'year, project, got "mnth"',
        "did you mean `month`?"),
    # Templates
    "template syntax error": (
        {"templates/page.html": "{% extends 'base.html' %}\n{% block main %}\n{{ page.title \n"
                                "{% endblock %}"},
        "templates/page.html:4: template syntax error", "check the {% %} and {{ }} tags"),
    "undefined variable in a template": (
        {"templates/page.html": "{% extends 'base.html' %}\n{% block main %}\n{{ nope.x }}\n"
                                "{% endblock %}"},
        "templates/page.html:3: while rendering `page.html`: 'nope' is undefined",
        "fix the template"),
    "missing template": ({"templates/page.html": "\n{% extends 'based.html' %}"},
                         "templates/page.html:2: template `based.html` not found",
                         "looked for based.html in: "),
    "template extends itself": ({"templates/page.html": "{% extends 'page.html' %}"},
                                "templates/page.html:1: templates extend each other in a circle",
                                "one of them must extend another template"),
    "templates extend each other": (
        {"templates/page.html": "{% extends 'a.html' %}",
         "templates/a.html": "\n\n{% extends 'page.html' %}"},
        "templates/a.html:3: templates extend each other in a circle: a.html -> page.html -> "
        "a.html", "one of them must extend another template"),
    "templates include each other": (
        {"templates/page.html": "{% extends 'base.html' %}{% block main %}\n"
                                "{% include 'x.html' %}{% endblock %}",
         "templates/x.html": "a\n{% include 'x.html' %}"},
        "templates/x.html:2: templates include or call each other in a circle",
        "check the {% include %}"),
    "a binary file in templates/": ({"templates/logo.png": b"\x89PNG\r\n\x1a\n\xff\xfe"},
                                    "templates/logo.png: template is not UTF-8 text",
                                    "move files that are not templates out of templates/"),
    "template not UTF-8": ({"templates/page.html": b"{% extends 'base.html' %}caf\xe9"},
                           "templates/page.html: template is not UTF-8 text", "re-save it"),
    # Config
    "site.yaml missing": ({"site.yaml": None}, "site.yaml: site.yaml not found",
                          "is this folder a casefolio site?|casefolio init"),
    "site.yaml invalid": ({"site.yaml": "title: [Test\nbase_url: https://example.com/\n"},
                          "site.yaml:1: invalid YAML", "never closed"),
    "site.yaml not a mapping": ({"site.yaml": "- title\n"},
                                "site.yaml:1: site.yaml must be a set of `key: value` fields",
                                "start with `title:` and `base_url:`"),
    "site.yaml unknown field": ({"site.yaml": SITE_YAML + "titel: x\n"},
                                f"site.yaml:{END}: unknown field `titel`", "did you mean `title`?"),
    "unknown theme": ({"site.yaml": SITE_YAML + "theme: fancy\n"},
                      f"site.yaml:{END}: unknown theme `fancy`", "available themes: default"),
    "theme name that is a path": ({"site.yaml": SITE_YAML + "theme: ../themes/default\n"},
                                  f"site.yaml:{END}: unknown theme `../themes/default`",
                                  "available themes: default"),
    "bad time zone": ({"site.yaml": SITE_YAML + "timezone: Mars/Olympus\n"},
                      f"site.yaml:{END}: timezone: unknown time zone `Mars/Olympus`",
                      "Europe/London"),
    "niche id that is not a URL segment": (
        {"site.yaml": SITE_YAML.replace("niches:\n", "niches:\n  a/b: {name: X}\n")},
        "site.yaml:3: niches: the niche id `a/b` is used in a URL", "use letters, digits"),
}
def hint_after(output: str, where: str) -> str:
    """The hint printed under the problem that contains `where` (asserting there is one)."""
    lines = output.splitlines()
    at = next((i for i, line in enumerate(lines) if where in line), None)
    assert at is not None, f"{where!r} not in:\n{output}"
    assert at + 1 < len(lines) and lines[at + 1].startswith("  hint: "), output
    return lines[at + 1]


BAD_BASE_URLS = ["example.com", "ftp://example.com/", "https://", "https://example.com/?x=1",
                 "https://example.com/#top", "https://exa mple.com/", "'https://e.com/\"><b>'",
                 "http://[::1/"]


@pytest.mark.parametrize(("files", "where", "hint"), list(BAD_INPUTS.values()),
                         ids=list(BAD_INPUTS))
def test_bad_input_is_located_explained_and_harmless(broken, files, where, hint) -> None:
    code, output = broken(files)
    assert code == 1
    assert any(h in hint_after(output, where) for h in hint.split("|")), output
    assert "was left as it was" in output


@pytest.mark.parametrize("url", BAD_BASE_URLS)
def test_bad_base_url(broken, url: str) -> None:
    code, output = broken({"site.yaml": SITE_YAML.replace("https://example.com/", url)})
    assert code == 1
    assert "site.yaml:2: base_url: must be an absolute http(s) URL" in output
    assert "hint: e.g. `base_url: https://example.com/`" in output


def test_bad_base_url_on_the_command_line_blames_the_flag(broken) -> None:
    code, output = broken({}, "--base-url", "example.com")
    assert code == 1 and "--base-url: base_url: must be an absolute http(s) URL" in output


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:builtins.open",
    "!!python/object/new:builtins.open",
    "!!python/object/apply:os.system",
])
def test_unsafe_tags_are_refused_never_constructed(broken, tag: str) -> None:
    target = Path(PWNED)
    target.unlink(missing_ok=True)
    arg = f'["touch {PWNED}"]' if tag.endswith("system") else f'["{PWNED}", "w"]'
    payload = f"{tag} {arg}"
    yaml.unsafe_load(f"x: {payload}")  # the payload is live: an unsafe loader creates the file
    assert target.exists()
    target.unlink()
    code, output = broken({CS: case(cover=payload)})
    assert code == 1
    assert "acme.md:7: the YAML tag `tag:yaml.org,2002:python/object" in output
    assert "hint: remove the `!!...` tag" in output
    assert not target.exists(), "the tag was constructed"


@pytest.mark.parametrize("tag", ["!!binary aGk=", "!!set {a}", "!local x", "!!omap [a: 1]"])
def test_other_tags_are_refused(broken, tag: str) -> None:
    code, output = broken({CS: case(client=tag)})
    assert code == 1 and "acme.md:5: the YAML tag" in output and "is not allowed" in output


# --- inputs that must simply work ---------------------------------------------------------

def build_ok(site: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["build", str(site), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("encode", [
    pytest.param(lambda t: ("\ufeff" + t).encode(), id="UTF-8 with BOM"),
    pytest.param(lambda t: t.replace("\n", "\r\n").encode(), id="CRLF"),
    pytest.param(lambda t: ("\ufeff" + t.replace("\n", "\r\n")).encode(), id="BOM and CRLF"),
    pytest.param(lambda t: t.replace("\n", "\r").encode(), id="old Mac CR"),
    pytest.param(lambda t: t.replace("---\n", "--- \n", 1).encode(), id="trailing space"),
])
def test_windows_edited_files_work(make_site, encode) -> None:
    site = make_site({CS: encode(case(title="Acme checkout") + "\n## Results\n\nMore.\n")})
    build_ok(site)
    page = (site / "output/case-studies/acme/index.html").read_text(encoding="utf-8")
    assert "Acme checkout" in page and "\ufeff" not in page and "\r" not in page


def test_a_page_with_only_front_matter_is_fine(make_site) -> None:
    site = make_site({"content/pages/empty.md": "---\ntitle: Coming soon\n---\n"})
    build_ok(site)
    assert "Coming soon" in (site / "output/empty/index.html").read_text(encoding="utf-8")


def test_keys_keep_their_text_and_merge_keys_work(make_site) -> None:
    site = make_site({CS: "---\ndefaults: &d {client: Acme, niche: ecommerce}\n---\n"})
    code, output = run_cli(site)
    assert code == 1 and "acme.md:2: unknown field `defaults`" in output
    site = make_site({"content/pages/about.md": "---\ntitle: About\nmenu: true\n"
                                                "true: 1\n---\n"}, name="keys")
    code, output = run_cli(site)
    assert "about.md:4: unknown field `true`" in output  # not `True`


def test_merge_keys_may_override_what_they_merge(make_site) -> None:
    """`<<: *first` then `label:` again is YAML's override, not a duplicate key."""
    site = make_site({CS: case(metrics="\n  - &first {label: Leads, before: 10, after: 12}"
                                       "\n  - {<<: *first, label: Calls}")})
    build_ok(site)
    page = (site / "output/case-studies/acme/index.html").read_text(encoding="utf-8")
    assert "Leads" in page and "Calls" in page


def test_before_zero_has_no_relative_change(make_site) -> None:
    site = make_site({CS: case(metrics="[{label: Leads, before: 0, after: 12}]")})
    build_ok(site)
    page = (site / "output/case-studies/acme/index.html").read_text(encoding="utf-8")
    assert "+12" in page and "no relative change (from 0)" in page
    for nonsense in ("inf", "nan", "NaN", "ZeroDivision"):
        assert nonsense not in page.replace("info", "").replace("inline", "")


def test_a_20_mb_file_builds_in_reasonable_time(make_site) -> None:
    paragraph = "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod. " * 12
    body = (paragraph + "\n\n") * (20_000_000 // (len(paragraph) + 2) + 1)
    site = make_site({"content/pages/big.md": "---\ntitle: Big\n---\n" + body})
    assert (site / "content/pages/big.md").stat().st_size > 20_000_000
    start = time.perf_counter()
    build_ok(site, "-q")
    assert time.perf_counter() - start < 60
    assert (site / "output/big/index.html").stat().st_size > 20_000_000


@pytest.mark.parametrize("body", [
    pytest.param("- " * 10_000 + "deep\n", id="10k nested list items"),
    pytest.param("> " * 10_000 + "deep\n", id="10k nested blockquotes"),
    pytest.param("1. " * 10_000 + "deep\n", id="10k nested ordered items"),
    pytest.param("".join("> " * i + "x\n" for i in range(1, 400)), id="400 growing quotes"),
    pytest.param("*a " * 10_000 + "\n", id="10k open emphasis"),
    pytest.param("[" * 10_000 + "x" + "](/about/)" * 10_000 + "\n", id="10k nested links"),
    pytest.param(":::tip\n" * 5_000 + "x\n", id="5k nested callouts"),
])
def test_deep_nesting_builds_without_recursion_error(make_site, body: str) -> None:
    site = make_site({"content/pages/deep.md": "---\ntitle: Deep\n---\n" + body})
    build_ok(site, "-q")
    assert (site / "output/deep/index.html").is_file()


def run_cli(site: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", str(site), *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    return result.exit_code, result.output


def test_unreadable_file_simulated(make_site, monkeypatch) -> None:
    """Root reads anything, so the refusal is simulated where the bytes are read."""
    site = make_site()
    secret = site / "content/pages/about.md"
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == secret:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    code, output = run_cli(site)
    assert code == 1
    assert "content/pages/about.md: permission denied reading this file" in output
    assert "hint: make it readable: chmod u+r" in output


DROP_ROOTS_READ_ANYTHING = ["setpriv", "--bounding-set=-dac_override,-dac_read_search",
                            "--inh-caps=-all", "--"]


def _unprivileged(probe: Path) -> list[str] | None:
    """A command prefix under which a chmod stops reads: nothing for a normal user; for root,
    setpriv dropping the capabilities that let root read anything; None if neither works."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        return None
    probe.write_text("x")
    probe.chmod(0)
    done = subprocess.run([*DROP_ROOTS_READ_ANYTHING, "cat", str(probe)], capture_output=True)
    return DROP_ROOTS_READ_ANYTHING if done.returncode != 0 else None


def test_unreadable_file_for_real(make_site, tmp_path: Path) -> None:
    prefix = _unprivileged(tmp_path / "probe")
    if prefix is None:
        pytest.skip("running as root, which reads any file, and setpriv cannot drop that "
                    "power here; test_unreadable_file_simulated covers the message")
    site = make_site()
    (site / "content/pages/about.md").chmod(0)
    done = subprocess.run([*prefix, sys.executable, "-m", "generator", "build", str(site)],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "content/pages/about.md: permission denied reading this file" in done.stderr
    assert "hint: make it readable: chmod u+r" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.timeout(60)
def test_symlink_loops_and_special_files_do_not_hang(make_site) -> None:
    site = make_site()
    pages = site / "content/pages"
    (pages / "loop").symlink_to(pages, target_is_directory=True)       # folder loop
    (pages / "outside").symlink_to("/", target_is_directory=True)      # escapes the site
    os.mkfifo(pages / "pipe.md")                                       # reading it would block
    code, output = run_cli(site)
    assert code == 0, output
    (pages / "self.md").symlink_to("self.md")                          # a file loop
    code, output = run_cli(site)
    assert code == 1
    assert "content/pages/self.md: cannot read this file: Too many levels of symbolic" in output
    assert "hint: a symbolic link points at itself" in output


# --- real processes: the exit code and the stream a CI log shows ----------------------------

@pytest.mark.parametrize(("files", "expected"), [
    ({CS: "---\ntitle: [broken\n---\n"}, "content/case-studies/acme.md:2: invalid YAML"),
    ({"site.yaml": "title: T\nbase_url: nope\n"}, "site.yaml:2: base_url: must be"),
])
def test_real_process_exits_1_without_traceback(make_site, files, expected: str) -> None:
    site = make_site()
    subprocess.run([sys.executable, "-m", "generator", "build", str(site), "-q"], check=True,
                   cwd=REPO)
    before = tree(site / "output")
    write_files(site, files)
    done = subprocess.run([sys.executable, "-m", "generator", "build", str(site)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert expected in done.stderr and "hint: " in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert tree(site / "output") == before


@pytest.mark.parametrize("slug", ["c" * 300, "ü" * 150])
def test_a_slug_too_long_for_a_folder_name_is_an_error_at_its_line(make_site, slug) -> None:
    site = make_site({"content/pages/long.md": f"---\ntitle: Long\nslug: {slug}\n---\nx\n"})
    code, output = run_cli(site)
    assert code == 1 and "content/pages/long.md:3:" in output and "slug" in output
