"""Property tests: random front matter (as YAML and as raw text), random Markdown and random file
names, thrown at the loader and at whole builds. The only outcomes allowed are success and a
CasefolioError whose every problem has a message and a plausible place (issue 5).

The in-suite profile is small and derandomized, so CI is deterministic; `python bench/fuzz.py`
runs the same checks with thousands of examples and counts the outcomes."""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from generator.build import build_to
from generator.config import BuildOptions, load_config
from generator.content.document import load_document
from generator.content.sources import Source
from generator.errors import CasefolioError
from generator.kinds.registry import MODELS as KIND_MODELS
from generator.kinds.registry import Registry
from generator.output.writer import MARKER, Output, write_site
from tests.conftest import SITE_YAML, minimal_files, write_files

IN_SUITE = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BUILDS = settings(IN_SUITE, max_examples=20)  # each example is a whole build

# --- strategies -----------------------------------------------------------------------------

CONTENT_KINDS = tuple(KIND_MODELS)
FIELDS = sorted({name for model in KIND_MODELS.values() for name in model.model_fields} | {
    "label", "before", "after", "unit", "src", "alt", "quote", "name", "role", "amount",
    "currency", "per", "control", "variant", "visitors", "conversions", "q", "a"})
TRICKY = ["no", "yes", "on", "off", "~", "null", "2025-03-14", "2025-02-30", "ecommerce",
          "retainer", "landing", "landing#one-goal", "..", "../..", "/etc/passwd", "a/b", "a\\b",
          "%", "USD", "month", "<script>", "</script>", "0", "-0", ".inf", ".nan", "1e400", ""]
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(),
    st.text(max_size=20), st.sampled_from(TRICKY), st.dates(),
    st.datetimes(max_value=dt.datetime(9999, 1, 1)))
keys = st.one_of(st.sampled_from(FIELDS), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(keys, inner, max_size=4), max_leaves=10)
VALID = {
    "case-studies": {"title": "T", "date": dt.date(2025, 3, 14), "summary": "S.",
                     "client": "C", "niche": "ecommerce", "services": ["retainer"],
                     "practices": ["landing#one-goal"],
                     "metrics": [{"label": "CR", "before": 2.1, "after": 2.9, "unit": "%"}]},
    "practices": {"title": "T", "summary": "S."},
    "services": {"title": "T", "summary": "S.", "niches": ["ecommerce"]},
    "pages": {"title": "T"},
    "articles": {"title": "T", "date": dt.date(2025, 2, 10), "summary": "S.",
                 "practices": ["landing#one-goal"], "tags": ["checkout"]},
}
kinds = st.sampled_from(CONTENT_KINDS)


words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                max_size=30)
number = st.floats(-1e9, 1e9) | st.integers(-(10**9), 10**9)
metric = st.fixed_dictionaries(
    {"label": words, "before": number, "after": number},
    optional={"unit": st.sampled_from(["%", "USD", "EUR", "s", "ms", "count"]),
              "higher_is_better": st.booleans(), "period": words,
              "experiment": st.fixed_dictionaries({
                  "control": st.fixed_dictionaries({"visitors": st.integers(1, 10**6),
                                                    "conversions": st.integers(0, 10**3)}),
                  "variant": st.fixed_dictionaries({"visitors": st.integers(1, 10**6),
                                                    "conversions": st.integers(0, 10**3)})})})
image = st.fixed_dictionaries({"src": st.sampled_from(["a.png", "../x.png", "c/d.jpg"]),
                               "alt": words})
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "title": words, "summary": words, "client": words, "client_description": words,
    "duration": words, "topic": words, "outcome": words, "date": st.dates(),
    "slug": st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True) | words,
    "draft": st.booleans(), "featured": st.booleans(), "menu": st.booleans(),
    "confidential": st.booleans(), "niche": st.sampled_from(["ecommerce", "pools"]) | words,
    "niches": st.lists(st.sampled_from(["ecommerce", "pools"]) | words, max_size=3),
    "services": st.lists(st.sampled_from(["retainer"]) | words, max_size=2),
    "practices": st.lists(st.sampled_from(["landing", "landing#one-goal"]) | words, max_size=2),
    "authors": st.lists(words, max_size=2), "updated": st.dates(),
    "series": st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}", fullmatch=True) | words,
    "weight": st.integers(-5, 5) | words,
    "tags": st.lists(words, max_size=4), "deliverables": st.lists(words, max_size=3),
    "metrics": st.lists(metric, max_size=3),
    "testimonial": st.fixed_dictionaries({"quote": words, "name": words},
                                         optional={"role": words}),
    "price": st.fixed_dictionaries({"amount": number, "currency": st.sampled_from(
        ["USD", "EUR", "GBP", "XYZ"]), "per": st.sampled_from(["month", "project", "week"])}),
    "faq": st.lists(st.fixed_dictionaries({"q": words, "a": words}), max_size=2),
    "cover": image, "comparisons": st.lists(st.fixed_dictionaries(
        {"before": image, "after": image}, optional={"caption": words}), max_size=2),
}


@st.composite
def front_matter(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """Valid front matter, or valid with fields varied (plausibly) or replaced, dropped or
    added (anything), or random."""
    meta: dict[str, Any] = dict(VALID[kind])
    how = draw(st.sampled_from(["valid", "vary", "vary", "replace", "drop", "add", "random"]))
    if how == "vary":  # plausible values only: mostly valid, reaching the site and templates
        for name in draw(st.lists(st.sampled_from(sorted(KIND_MODELS[kind].model_fields)),
                                  min_size=1, max_size=4, unique=True)):
            meta[name] = draw(PLAUSIBLE.get(name, values))
    elif how == "replace":
        name = draw(st.sampled_from(sorted(KIND_MODELS[kind].model_fields)))
        meta[name] = draw(st.one_of(PLAUSIBLE.get(name, values), values))
    elif how == "drop":
        meta.pop(draw(st.sampled_from(sorted(meta))))
    elif how == "add":
        meta.update(draw(st.dictionaries(keys, values, min_size=1, max_size=3)))
    elif how == "random":
        meta = draw(st.dictionaries(keys, values, max_size=8))
    return meta


@st.composite
def mutated_yaml(draw: st.DrawFn, kind: str) -> str:
    """Valid front matter as text with a few characters inserted or deleted: broken YAML
    at every position, so error lines are checked everywhere."""
    text = dump(VALID[kind], draw(st.booleans()))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()) and at < len(text):
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + draw(st.sampled_from(YAML_CHARS)) + text[at:]
    return text


def dump(meta: dict[str, Any], unicode: bool) -> str:
    return yaml.safe_dump(meta, allow_unicode=unicode, sort_keys=False)


YAML_CHARS = [*":-[]{}\"'#&*!|>%@`,?~. \t\n\\", "ab", "1", "2025-03-14", "no", "---"]
raw_yaml = st.lists(st.one_of(st.sampled_from(YAML_CHARS), st.text(max_size=3)),
                    max_size=40).map("".join)
MARKDOWN = ["# ", "## ", "- ", "1. ", "> ", "*", "_", "`", "```", "[", "]", "(", ")", "!", "<",
            ">", "&", "{#", "}", ":::", ":::tip", "^[", "[^1]", "|", "---", "\n", "\n\n", "  ",
            "\t", "x", "word ", "http://a.b", "../pages/about.md", "img.png", "#one-goal",
            "<div>", "</div>", "<script>", "\x00", "\u2028", "\ufeff", "\r\n"]
markdown = st.lists(st.one_of(st.sampled_from(MARKDOWN), st.text(max_size=4)),
                    max_size=60).map("".join)
site_settings = st.fixed_dictionaries(
    {"title": words, "base_url": st.sampled_from(["https://example.com/", "http://a.b/c"])
     | st.text(max_size=30)},
    optional={"theme": st.sampled_from(["default", "nope", "../x"]) | words,
              "timezone": st.sampled_from(["UTC", "Europe/London", "Mars/Base"]) | words,
              "niches": st.dictionaries(words, st.fixed_dictionaries({"name": words})
                                        | values, max_size=3),
              "page_size": st.integers(-5, 100), "language": words, "navigation": values,
              "call_to_action": values, "organization": values, "markdown": values})


@st.composite
def site_yaml(draw: st.DrawFn) -> str:
    """A site.yaml: plausible settings as YAML, or the test site's with characters mutated."""
    if draw(st.booleans()):
        return dump(draw(site_settings), draw(st.booleans()))
    text = SITE_YAML
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(YAML_CHARS)) + text[at + 1:]
    return text


path_parts = st.sampled_from(["a", "b.html", "..", ".", "", "\\", "\x00", "\n", "/", "é",
                              MARKER, "index.html"])
output_paths = st.lists(st.lists(path_parts, min_size=1, max_size=4).map("/".join),
                        min_size=1, max_size=5)
file_names = st.text(min_size=1, max_size=40).filter(
    lambda n: "/" not in n and "\x00" not in n and n not in (".", "..")
    and len(n.encode("utf-8", "surrogatepass")) < 200)


# --- the checks (shared with bench/fuzz.py) -----------------------------------------------------

def assert_good_error(exc: CasefolioError, lines: int | None = None) -> None:
    """A casefolio error someone can act on: problems, each with a message, a path and, when it
    has a line, one inside the file."""
    assert exc.problems, "a CasefolioError without problems"
    for problem in exc.problems:
        assert problem.message.strip(), problem
        assert problem.path.strip(), problem
        if lines is not None and problem.line is not None:
            assert 1 <= problem.line <= lines + 1, (problem, lines)


def check_document(kind: str, text: str, raw_html: bool = True) -> str:
    """load_document on one file: 'ok' or 'error', anything else raises."""
    source = Source(kind, f"content/{kind}/x.md", text,
                    hashlib.blake2b(text.encode("utf-8", "surrogatepass")).hexdigest())
    try:
        load_document(source, Registry().reading(raw_html))
    except CasefolioError as exc:
        assert_good_error(exc, text.count("\n") + 1)
        return "error"
    return "ok"


def tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


@functools.cache
def _built_site() -> Path:
    """The minimal site built once per process; each example starts from a copy of it."""
    root = Path(tempfile.mkdtemp(prefix="casefolio-fuzz-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    site = write_files(root / "site", minimal_files())
    build_to(site, site / "output")
    return site


def check_build(files: dict[str, str | bytes]) -> str:
    """A whole build of the minimal site plus these files: 'ok' or 'error'. Also: nothing
    appears outside the site folder, and a failed build leaves the last output as it was."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        site = shutil.copytree(_built_site(), root / "site", symlinks=True)
        before = {p: p.read_bytes() for p in (site / "output").rglob("*") if p.is_file()}
        for rel, data in files.items():
            path = site / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8", errors="surrogatepass")
        try:
            build_to(site, site / "output")
            outcome = "ok"
        except CasefolioError as exc:
            assert_good_error(exc)
            after = {p: p.read_bytes() for p in (site / "output").rglob("*") if p.is_file()}
            assert after == before, "a failed build changed the output"
            outcome = "error"
        assert os.listdir(root) == ["site"], os.listdir(root)
        return outcome


def check_config(text: str, base_url: str | None = None) -> str:
    """load_config on one site.yaml (and maybe a --base-url): 'ok' or 'error'."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "site.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_config(Path(tmp), BuildOptions(base_url=base_url))
        except CasefolioError as exc:
            assert_good_error(exc, text.count("\n") + 1)
            return "error"
        return "ok"


def check_paths(paths: list[str]) -> str:
    """write_site with arbitrary output paths: written inside the folder, or refused."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        out = root / "box" / "out"
        try:
            write_site([Output(p, b"x", "") for p in paths], out)
        except CasefolioError as exc:
            assert_good_error(exc)
            assert os.listdir(root) == [], "a refused write created something"
            return "error"
        assert os.listdir(root) == ["box"] and os.listdir(root / "box") == ["out"]
        written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
        assert written == {*paths, MARKER}
        return "ok"


def in_file(kind: str, text: str) -> dict[str, str | bytes]:
    return {f"content/{kind}/fuzzed.md": text}


# --- the properties ---------------------------------------------------------------------------

Check = Callable[..., str]


@IN_SUITE
@given(st.data(), kinds, st.booleans())
def test_random_front_matter_as_yaml(data: st.DataObject, kind: str, unicode: bool) -> None:
    meta = data.draw(front_matter(kind))
    check_document(kind, f"---\n{dump(meta, unicode)}---\nBody.\n")


@IN_SUITE
@given(kinds, raw_yaml, markdown)
def test_random_front_matter_as_text(kind: str, yaml_text: str, body: str) -> None:
    check_document(kind, f"---\n{yaml_text}\n---\n{body}")


@IN_SUITE
@given(st.data(), kinds)
def test_mutated_front_matter(data: st.DataObject, kind: str) -> None:
    check_document(kind, f"---\n{data.draw(mutated_yaml(kind))}---\nBody.\n")


@IN_SUITE
@given(kinds, st.text(max_size=80))
def test_random_whole_files(kind: str, text: str) -> None:
    check_document(kind, text)


@IN_SUITE
@given(kinds, markdown, st.booleans())
def test_random_markdown(kind: str, body: str, raw_html: bool) -> None:
    assert check_document(kind, f"---\n{dump(VALID[kind], True)}---\n{body}",
                          raw_html) in ("ok", "error")


@IN_SUITE
@given(site_yaml(), st.none() | st.text(max_size=30))
def test_random_site_yaml(text: str, base_url: str | None) -> None:
    check_config(text, base_url)


@IN_SUITE
@given(output_paths)
@example([f"{MARKER}/index.html"])  # found by bench/fuzz.py: the marker's name as a folder
def test_random_output_paths_stay_inside(paths: list[str]) -> None:
    check_paths(paths)


@BUILDS
@given(st.data(), kinds, markdown)
def test_random_documents_in_a_whole_build(data: st.DataObject, kind: str, body: str) -> None:
    meta = data.draw(front_matter(kind))
    check_build(in_file(kind, f"---\n{dump(meta, True)}---\n{body}"))


@BUILDS
@given(st.sampled_from([*(f"content/{k}" for k in CONTENT_KINDS), "static", "content"]),
       file_names, st.booleans())
def test_random_file_names_in_a_whole_build(folder: str, name: str, markdown_file: bool) -> None:
    name = f"{name}.md" if markdown_file else name
    text = f"---\n{dump(VALID.get(folder.rpartition('/')[2], {'title': 'T'}), True)}---\nx\n"
    check_build({f"{folder}/{name}": text if name.endswith(".md") else b"bytes"})
