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
