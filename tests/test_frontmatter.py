"""Front matter: safe YAML with line numbers, and every malformed input named precisely."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.content.frontmatter import split
from generator.errors import CasefolioError


def error_of(text: str) -> str:
    with pytest.raises(CasefolioError) as info:
        split(text, "content/pages/x.md")
    return str(info.value)


def test_positions_and_body_line() -> None:
    fm = split("---\ntitle: T\nmetrics:\n  - label: a\n    after: 3\n---\nBody\n", "x.md")
    assert fm.meta["metrics"][0]["after"] == 3
    assert fm.positions[("metrics", 0, "after")] == 5
    assert fm.body == "Body\n" and fm.body_line == 7


def test_bom_and_crlf_work() -> None:
    fm = split("\ufeff---\r\ntitle: T\r\n---\r\nBody\r\n", "x.md")
    assert fm.meta == {"title": "T"} and fm.body == "Body\n"


def test_norway_values_stay_text_and_dates_are_dates() -> None:
    fm = split("---\nniche: no\nflag: yes\nok: true\nd: 2025-03-14\n---\n", "x.md")
    assert fm.meta == {"niche": "no", "flag": "yes", "ok": True, "d": dt.date(2025, 3, 14)}


@pytest.mark.parametrize(("text", "expected"), [
    ("", "x.md:1: the file is empty"),
    ("just text\n", "x.md:1: no front matter"),
    ("---\ntitle: T\n", "x.md:1: front matter is never closed"),
    ("---\ntitle: a\ntitle: b\n---\n", "x.md:3: duplicate key `title` (first set on line 2)"),
    ("---\ntitle: T\n\tsummary: S\n---\n", "YAML does not allow tabs"),
    ('---\ntitle: "open\n---\n', "never closed"),
    ("---\ntags: [a, b\n---\n", "x.md:"),
    ("---\n- a\n- b\n---\n", "must be a set of `key: value` fields, not a list"),
    ("---\nd: 2025-02-30\n---\n", "x.md:2: `2025-02-30` is not a valid value"),
    ("---\nx: !!python/object/apply:os.system [echo hi]\n---\n", "is not allowed"),
    ("---\nx: !!binary aGk=\n---\n", "is not allowed"),
])
def test_malformed_front_matter(text: str, expected: str) -> None:
    assert expected in error_of(text).replace("content/pages/", "")


@pytest.mark.parametrize(("text", "line"), [
    ('---\ntitle: T\nsummary: "a\\x01b"\n---\n', 3),
    ('---\ntitle: T\ntags:\n  - ok\n  - "a\\u001fb"\n---\n', 5),
    ('---\ntitle: T\n"k\\x02": v\n---\n', 3),
    ('---\ntitle: T\nm:\n  "\\x0b": 1\n---\n', 4),
    ("---\ntitle: T\nsummary: \"a\\uFFFEb\"\n---\n", 3),
])
def test_an_escaped_control_character_is_named_on_its_line(text: str, line: int) -> None:
    assert f"x.md:{line}: the text contains the invisible control character U+" in \
        error_of(text).replace("content/pages/", "")


def test_escapes_without_control_characters_and_aliases_keep_their_lines() -> None:
    fm = split('---\ntitle: "Tab\\there \\u00e9"\nbase: &b\n  unit: "%"\n  n: 1.5\n'
               "m:\n  <<: *b\n  n: 2\nl: [*b, 2025-03-14, null, true, 0x1F]\n---\n", "x.md")
    assert fm.meta["title"] == "Tab\there \u00e9"
    assert fm.meta["m"] == {"unit": "%", "n": 2} and fm.meta["l"][1:] == [
        dt.date(2025, 3, 14), None, True, 31]
    assert fm.positions[("m", "unit")] == 4 and fm.positions[("m", "n")] == 8
    assert fm.positions[("l", 0, "n")] == 5 and fm.positions[("l", 4)] == 9


# TOML front matter between `+++` lines (Hugo's and Zola's spelling) reads like YAML.

TOML_CASE = """\
+++
title = "Checkout redesign"
date = {date}
summary = "Seven steps to three."
client = "Acme"
niche = "ecommerce"
tags = ["checkout"]

[[metrics]]
label = "Conversion rate"
before = 2.1
after = 2.9
unit = "%"
+++
Body.
"""


def test_toml_front_matter_with_key_lines() -> None:
    fm = split(TOML_CASE.format(date="2025-03-14"), "x.md")
    assert fm.meta["title"] == "Checkout redesign" and fm.meta["date"] == dt.date(2025, 3, 14)
    assert fm.meta["metrics"][0]["after"] == 2.9
    assert fm.positions[("niche",)] == 6
    assert fm.positions[("metrics", 0, "after")] == 12
    assert fm.body == "Body.\n" and fm.body_line == 15


@pytest.mark.parametrize("date", ["2025-03-14", "2025-03-14T09:30:00", "2025-03-14T09:30:00Z"])
def test_toml_dates_validate_like_yaml_ones(date: str) -> None:
    from generator.content.schema import validate
    from generator.kinds.case_study import CaseStudyMeta

    fm = split(TOML_CASE.format(date=date), "x.md")
    meta, problems = validate(CaseStudyMeta, fm.meta, fm.positions, "x.md")
    assert problems == [] and meta is not None and meta.date == dt.date(2025, 3, 14)


@pytest.mark.parametrize(("text", "line"), [
    ('+++\ntitle = "T"\ntitle = "U"\n+++\n', 3),     # a key given twice
    ('+++\ntitle = "T"\nsummary = \n+++\n', 3),      # no value
    ('+++\ntitle = "T"\n\ndate = 2025-02-30\n+++\n', 4),  # no such day
    ('+++\n[t]\nx = 1\n[t]\n+++\n', 4),              # a table declared twice
])
def test_malformed_toml_names_its_line(text: str, line: int) -> None:
    message = error_of(text)
    assert message.startswith(f"content/pages/x.md:{line}: invalid TOML")


def test_unclosed_toml_and_toml_control_characters() -> None:
    assert "x.md:1: front matter is never closed" in error_of('+++\ntitle = "T"\n')
    assert "`+++`" in error_of('+++\ntitle = "T"\n')
    assert "U+0001" in error_of('+++\ntitle = "a\\u0001b"\n+++\n')


def test_a_toml_case_study_builds(make_site) -> None:
    from generator.build import build_to

    site = make_site({"content/case-studies/acme.md": TOML_CASE.format(date="2025-03-14")})
    build_to(site, site / "output")
    page = (site / "output" / "case-studies" / "acme" / "index.html").read_text("utf-8")
    assert "Checkout redesign" in page and "Body." in page
    wrong = TOML_CASE.format(date="2025-03-14").replace('niche = "ecommerce"', 'niche = "ecom"')
    site2 = make_site({"content/case-studies/acme.md": wrong}, name="site2")
    with pytest.raises(CasefolioError) as info:
        build_to(site2, site2 / "output")
    assert "content/case-studies/acme.md:6:" in str(info.value)
