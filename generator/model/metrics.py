"""Honest metric maths: absolute vs relative change, units, and the statistics of an experiment."""

from __future__ import annotations

import math
from dataclasses import dataclass

from generator.content.schema import Experiment, Metric

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "AUD": "A$", "CAD": "C$", "JPY": "¥",
                    "INR": "₹"}
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Evidence:
    """What an A/B test behind a metric supports: relative lift with its 95% CI and p-value."""

    lift: float          # relative change of the conversion rate, e.g. 0.38
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool    # two-sided, alpha 0.05
    n: int               # visitors in both arms

    def describe(self) -> str:
        return (f"{signed_percent(self.lift)} (95% CI {signed_percent(self.ci_low)} to "
                f"{signed_percent(self.ci_high)}, n = {self.n:,})")


@dataclass(frozen=True, slots=True)
class Result:
    """A metric with everything a template shows: values, changes, direction, evidence."""

    label: str
    unit: str
    before: float
    after: float
    before_text: str
    after_text: str
    absolute: float
    absolute_text: str      # "+0.8 pp", "-$87", "-1.2 s"
    relative: float | None  # None when before is 0
    relative_text: str      # "+38%", or "n/a (from 0)"
    improved: bool | None   # None when unchanged
    higher_is_better: bool
    period: str
    evidence: Evidence | None

    @property
    def headline(self) -> str:
        """The one-line result: '2.1% → 2.9% (+38%)'."""
        change = self.relative_text if self.relative is not None else self.absolute_text
        return f"{self.before_text} → {self.after_text} ({change})"


def result(metric: Metric) -> Result:
    absolute = metric.after - metric.before
    relative = None if metric.before == 0 else absolute / abs(metric.before)
    improved = None if absolute == 0 else (absolute > 0) == metric.higher_is_better
    evidence = experiment_evidence(metric.experiment) if metric.experiment else None
    return Result(
        label=metric.label, unit=metric.unit, before=metric.before, after=metric.after,
        before_text=format_value(metric.before, metric.unit),
        after_text=format_value(metric.after, metric.unit),
        absolute=absolute, absolute_text=format_delta(absolute, metric.unit),
        relative=relative,
        relative_text=signed_percent(relative) if relative is not None
        else "no relative change (from 0)",
        improved=improved, higher_is_better=metric.higher_is_better, period=metric.period,
        evidence=evidence,
    )


def experiment_evidence(experiment: Experiment) -> Evidence | None:
    """Two-proportion z-test and a delta-method CI on the log of the rate ratio."""
    c, v = experiment.control, experiment.variant
    p1, p2 = c.conversions / c.visitors, v.conversions / v.visitors
    n = c.visitors + v.visitors
    pooled = (c.conversions + v.conversions) / n
    se_diff = math.sqrt(pooled * (1 - pooled) * (1 / c.visitors + 1 / v.visitors))
    p_value = 1.0 if se_diff == 0 else math.erfc(abs(p2 - p1) / se_diff / math.sqrt(2))
    if p1 == 0 or p2 == 0:
        return Evidence(0.0 if p1 == 0 else -1.0, math.nan, math.nan, p_value,
                        p_value < 0.05, n) if p1 == 0 and p2 == 0 else None
    se_log = math.sqrt((1 - p1) / (c.visitors * p1) + (1 - p2) / (v.visitors * p2))
    ratio = p2 / p1
    low, high = ratio * math.exp(-Z95 * se_log), ratio * math.exp(Z95 * se_log)
    return Evidence(ratio - 1, low - 1, high - 1, p_value, p_value < 0.05, n)


def _number(value: float, decimals: int | None = None) -> str:
    if decimals is None:
        decimals = 0 if float(value).is_integer() else (1 if abs(value) >= 10 else 2)
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_value(value: float, unit: str) -> str:
    """2.1 % -> '2.1%', 4500 USD -> '$4,500', 1.2 s -> '1.2 s', 1204 count -> '1,204'."""
    if unit == "%":
        return f"{_number(value)}%"
    if unit in ("s", "ms"):
        return f"{_number(value)} {unit}"
    if unit == "count":
        return _number(value)
    symbol = CURRENCY_SYMBOLS.get(unit)
    amount = f"{abs(value):,.0f}" if float(value).is_integer() else f"{abs(value):,.2f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {unit}"


def format_delta(delta: float, unit: str) -> str:
    """The absolute change with a sign: percentages move in percentage points."""
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    magnitude = abs(round(delta, 6))
    if unit == "%":
        return f"{sign}{_number(magnitude)} pp"
    return f"{sign}{format_value(magnitude, unit)}"


def signed_percent(fraction: float) -> str:
    """0.381 -> '+38%', -0.052 -> '−5.2%' (one decimal under 10%)."""
    if math.isnan(fraction):
        return "n/a"
    pct = fraction * 100
    decimals = 0 if abs(pct) >= 10 or float(round(pct, 1)).is_integer() else 1
    sign = "+" if pct > 0 else ("−" if pct < 0 else "±")
    return f"{sign}{abs(pct):,.{decimals}f}%"


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
