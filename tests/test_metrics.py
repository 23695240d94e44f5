"""Metric maths: percentage points vs relative change, lower-is-better, units, experiments."""

from __future__ import annotations

import math
import re

import pytest

from generator.content.schema import Experiment, Metric
from generator.model.metrics import (
    aggregate,
    experiment_evidence,
    format_value,
    median,
    result,
    signed_percent,
    unsupported_claims,
)


def metric(**kw: object) -> Metric:
    return Metric.model_validate({"label": "x", "before": 1, "after": 2, **kw})


def test_percent_metric_reports_points_and_relative() -> None:
    r = result(metric(before=2.1, after=2.9, unit="%"))
    assert r.absolute_text == "+0.8 pp"
    assert r.relative_text == "+38%"
    assert r.improved is True
    assert r.headline == "2.1% → 2.9% (+38%)"


def test_lower_is_better_decrease_is_an_improvement() -> None:
    r = result(metric(label="Cost per lead", before=184, after=97, unit="USD",
                      higher_is_better=False))
    assert r.before_text == "$184" and r.after_text == "$97"
    assert r.absolute_text == "−$87"
    assert r.relative_text == "−47%"
    assert r.improved is True


def test_lower_is_better_increase_is_a_regression() -> None:
    assert result(metric(before=1.2, after=1.5, unit="s", higher_is_better=False)).improved is False


def test_before_zero_has_no_relative_change() -> None:
    r = result(metric(before=0, after=12))
    assert r.relative is None
    assert "no relative change" in r.relative_text
    assert r.absolute_text == "+12"


@pytest.mark.parametrize(("value", "unit", "text"), [
    (2.1, "%", "2.1%"), (4500, "USD", "$4,500"), (1.25, "s", "1.25 s"), (320, "ms", "320 ms"),
    (1204, "count", "1,204"), (99.5, "EUR", "€99.50"), (10, "CHF", "10 CHF"),
])
def test_format_value(value: float, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


def test_significant_experiment_has_ci_excluding_zero() -> None:
    ev = experiment_evidence(Experiment.model_validate(
        {"control": {"visitors": 24100, "conversions": 506},
         "variant": {"visitors": 24100, "conversions": 699}}))
    assert ev is not None
    assert ev.significant and ev.p_value < 0.001
    assert 0 < ev.ci_low < ev.lift < ev.ci_high
    assert math.isclose(ev.lift, 699 / 506 - 1)
    assert ev.describe() == "+38% (95% CI +23% to +55%, n = 48,200)"


def test_small_experiment_is_not_significant() -> None:
    ev = experiment_evidence(Experiment.model_validate(
        {"control": {"visitors": 1210, "conversions": 29},
         "variant": {"visitors": 1190, "conversions": 36}}))
    assert ev is not None and not ev.significant
    assert ev.ci_low < 0 < ev.ci_high


def test_signed_percent_and_median() -> None:
    assert signed_percent(0.052) == "+5.2%"
    assert signed_percent(-0.5) == "−50%"
    assert median([3, 1, 2]) == 2 and median([1, 2, 3, 4]) == 2.5 and median([]) is None


# --- v2: results as consultants report them (CONTENT-MODEL.md) ---------------------------------

def v2(**kw: object) -> Metric:
    return Metric.model_validate({"label": "x", **kw})


# (front matter of one result, what a card leads with, the before -> after line, the detail)
SHAPES = [
    ({"before": 10, "after": 2, "unit": "min", "higher_is_better": False, "show": "multiplier"},
     "5x faster", "10 min → 2 min", "−8 min"),
    ({"before": 600, "after": 120, "unit": "s", "higher_is_better": False},
     "5x faster", "600 s → 120 s", "−480 s"),                 # auto: a ratio of 5
    ({"before": 1, "after": 11, "unit": "accounts"}, "11x", "1 → 11 accounts", "+10 accounts"),
    ({"value": "400+", "unit": "days"}, "400+ days", "", ""),
    ({"value": "2-3", "unit": "months"}, "2–3 months", "", ""),
    ({"value": "2–3", "unit": "months"}, "2–3 months", "", ""),
    ({"value": "~1", "unit": "months"}, "~1 month", "", ""),
    ({"value": "<3", "unit": "minutes"}, "<3 min", "", ""),
    ({"value": "~60000", "unit": "USD"}, "~$60,000", "", ""),
    ({"value": "100+"}, "100+", "", ""),
    ({"change": "-40%", "higher_is_better": False}, "−40%", "", ""),
    ({"change": "6x"}, "6x", "", ""),
    ({"before": 4200, "after": 4200, "unit": "EUR", "goal": "hold"},
     "held flat", "€4,200 → €4,200", "±€0"),
    ({"change": "0%", "goal": "hold"}, "held flat", "", ""),
    ({"before": 2.1, "after": 2.9, "unit": "%"}, "+38%", "2.1% → 2.9%", "+0.8 pp"),
    ({"before": 2.1, "after": 2.9, "unit": "%", "show": "difference"},
     "+0.8 pp", "2.1% → 2.9%", "+38%"),
    ({"before": 21, "after": 141, "show": "relative"}, "+571%", "21 → 141", "+120"),
    ({"before": 25, "after": "<3", "unit": "min", "higher_is_better": False},
     "8.3x+ faster", "25 min → <3 min", "−25 min to −22 min"),  # never more precise than written
    ({"before": "~60000", "after": "<6000", "unit": "USD", "higher_is_better": False},
     "~10x lower", "~$60,000 → <$6,000", "~−$54,000"),
    ({"before": 194, "after": "500+", "unit": "PRs/week", "show": "multiplier"},
     "2.5x+", "194 → 500+ PRs/week", "at least +306 PRs/week"),
    ({"before": ">50", "after": 0, "unit": "%", "higher_is_better": False},
     "−100%", ">50% → 0%", "at least −50 pp"),
    ({"before": 54, "after": 5, "unit": "resources", "higher_is_better": False},
     "11x fewer", "54 → 5 resources", "−49 resources"),
    ({"before": 0, "after": 12}, "+12", "0 → 12", ""),
]


@pytest.mark.parametrize(("fields", "primary", "values", "detail"), SHAPES)
def test_every_shape_is_worded_as_written(fields: dict[str, object], primary: str, values: str,
                                          detail: str) -> None:
    r = result(v2(**fields))
    assert (r.primary, r.values if r.shape == "before-after" else "", r.detail) == (
        primary, values, detail)
    assert "inf" not in r.primary and "nan" not in r.primary


def test_only_two_plain_numbers_get_bars() -> None:
    assert result(v2(before=10, after=2)).chartable
    for fields in ({"value": "400+"}, {"change": "-40%"}, {"before": "~3", "after": 2},
                   {"before": "2-3", "after": 1}):
        assert not result(v2(**fields)).chartable, fields


@pytest.mark.parametrize(("fields", "words"), [
    ({"before": True, "after": 2}, "expected a number"),
    ({"before": "~1.2x", "after": 2}, "expected a number"),
    ({"value": 1, "unit": "UDS"}, "unknown currency `UDS`"),
    ({"value": "3-2"}, "written backwards"),
    ({"change": "5%", "before": 1, "after": 2}, "cannot go together"),
    ({"before": 1, "after": 2, "goal": "hold"}, "`goal: hold`, but"),
    ({"change": "-5%", "goal": "hold"}, "`goal: hold`, but"),
    ({"before": 10**400, "after": 1}, "too large"),
    ({"before": 1}, "`after:` is missing"),
    ({"label": "x"}, "needs `before` and `after`"),
    ({"change": -40}, "expected a change"),
])
def test_bad_results_are_refused(fields: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        v2(**fields)


def test_a_misspelt_currency_suggests_the_real_one() -> None:
    from generator.content.schema import Invalid, canonical_unit
    with pytest.raises(Invalid) as caught:
        canonical_unit("UDS")
    assert "USD" in caught.value.hint


def test_huge_experiment_is_refused_not_a_crash() -> None:
    with pytest.raises(ValueError):
        Experiment.model_validate({"control": {"visitors": 10**400, "conversions": 1},
                                   "variant": {"visitors": 10, "conversions": 1}})


@pytest.mark.parametrize(("text", "flagged"), [
    ("grew revenue 6x and conversion rates by 509%", ["509%"]),   # the page computes +230%
    ("5x Faster Plans, 2x More Deployments", []),
    ("10x Reduction in costs, 8x Faster onboarding", []),
    ("lifts conversion 38%", []),
    ("lifts conversion 40%", ["40%"]),
])
def test_claims_in_titles_are_checked_against_results(text: str, flagged: list[str]) -> None:
    results = [result(v2(**f)) for f in (
        {"change": "6x"}, {"before": 2, "after": 6.6, "unit": "%"},
        {"before": 10, "after": 2, "unit": "min", "higher_is_better": False},
        {"before": 63, "after": 140},
        {"before": "~60000", "after": "<6000", "unit": "USD", "higher_is_better": False},
        {"before": 25, "after": "<3", "unit": "min", "higher_is_better": False},
        {"before": 2.1, "after": 2.9, "unit": "%"})]
    assert [c.text for c in unsupported_claims(text, results)] == flagged


def test_medians_only_over_comparable_results() -> None:
    pairs = [("a", result(v2(label="Cloud costs", change="-40%"))),
             ("b", result(v2(label="cloud costs", change="-50%"))),
             ("c", result(v2(label="Cloud costs", change="~-90%"))),       # not plain
             ("d", result(v2(label="Cloud costs", before=10, after=5, unit="USD"))),  # unit
             ("e", result(v2(label="Uptime", value="400+", unit="days")))]
    [only] = aggregate(pairs)
    assert (only.label, only.text, only.count) == ("Cloud costs", "−45%", 2)
