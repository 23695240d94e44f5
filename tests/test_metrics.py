"""Metric maths: percentage points vs relative change, lower-is-better, units, experiments."""

from __future__ import annotations

import math

import pytest

from generator.content.schema import Experiment, Metric
from generator.model.metrics import (
    experiment_evidence,
    format_value,
    median,
    result,
    signed_percent,
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
