"""Honest metric maths: absolute vs relative change, units, and the statistics of an experiment."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from generator.content.schema import CURRENCIES, TIME_UNITS, Experiment, Figure, Metric
from generator.pickling import pickled_by_fields

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "AUD": "A$", "CAD": "C$", "JPY": "¥",
                    "INR": "₹"}
Z95 = 1.959963984540054
V1_UNITS = ("%", "count", "s", "ms", "x")


@pickled_by_fields
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


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Result:
    """A metric with everything a template shows: values, changes, direction, evidence.

    `primary` is the figure a card leads with ("5x faster", "−40%", "400+ days", "held
    flat"); `values` the before -> after pair as written; `detail` the other framing
    ("+0.8 pp", "−8 min")."""

    label: str
    unit: str
    before: float
    after: float
    before_text: str
    after_text: str
    absolute: float
    absolute_text: str      # "+0.8 pp", "-$87", "-1.2 s"
    relative: float | None  # None when before is 0, or there is no before/after pair
    relative_text: str      # "+38%", or "n/a (from 0)"
    improved: bool | None   # None when unchanged
    higher_is_better: bool
    period: str
    evidence: Evidence | None
    shape: str = "before-after"   # before-after | value | change
    framing: str = "relative"     # relative | multiplier | difference | hold | value
    primary: str = ""
    detail: str = ""
    goal: str = "increase"        # increase | decrease | hold
    chartable: bool = True        # two plain numbers >= 0: bars are honest
    marked: bool = False          # `headline: true`
    plain: bool = True            # every figure a plain number (no ~ + < > or range)
    magnitude: float = 0.0        # |log ratio| of the change, for "the largest first"
    supports: tuple[tuple[str, float, float], ...] = ()  # ("%"|"x", low, high) figures
    # (label, unit, "value"|"change") when it can be compared with others (plain figures;
    # a change needs a relative one) for medians, else None; made once: serve's stats over
    # 10,000 studies read it for every result after each edit of a result
    comparable: tuple[str, str, str] | None = None

    @property
    def values(self) -> str:
        """'10 min → 2 min', '1 → 11 accounts', or the single value; '' for a change alone."""
        if self.shape == "before-after":
            tail = f" {self.unit}"
            if (self.unit not in V1_UNITS and self.unit not in CURRENCIES
                    and self.unit not in TIME_UNITS and self.before_text.endswith(tail)
                    and self.after_text.endswith(tail)):
                return f"{self.before_text.removesuffix(tail)} → {self.after_text}"
            return f"{self.before_text} → {self.after_text}"
        return self.before_text if self.shape == "value" else ""

    @property
    def headline(self) -> str:
        """The one-line result: '2.1% → 2.9% (+38%)', '400+ days', '−40%'."""
        if self.shape == "before-after":
            return f"{self.values} ({self.primary})"
        return self.primary

    @property
    def sentence(self) -> str:
        """'Production plan time: 10 min → 2 min (5x faster)', for feeds, JSON-LD, alt text."""
        return f"{self.label}: {self.headline}"


def result(metric: Metric) -> Result:
    """Every shape of `metrics:` entry, framed as `show:` says (auto picks, see `framing`)."""
    goal = metric.direction
    higher = goal != "decrease"
    evidence = experiment_evidence(metric.experiment) if metric.experiment else None
    common = dict(label=metric.label, unit=metric.unit, higher_is_better=higher,
                  period=metric.period, evidence=evidence, goal=goal, marked=metric.headline)
    if metric.value is not None:
        text = format_figure(metric.value, metric.unit)
        return Result(**common, before=metric.value.low, after=metric.value.low,  # type: ignore[arg-type]
                      before_text=text, after_text=text, absolute=0.0, absolute_text="",
                      relative=None, relative_text="", improved=None, shape="value",
                      framing="value", primary=text, chartable=False,
                      plain=metric.value.plain,
                      supports=_value_supports(metric.value, metric.unit),
                      comparable=_comparable(metric, metric.value.plain, "value"))
    if metric.change is not None:
        return _change_result(metric, common)
    assert metric.before is not None and metric.after is not None
    return _pair_result(metric, metric.before, metric.after, common)


def _comparable(metric: Metric, plain: bool, kind: str) -> tuple[str, str, str] | None:
    """Result.comparable: label and unit match, the figures are plain numbers."""
    return (metric.label.strip().casefold(), metric.unit, kind) if plain else None


def _change_result(metric: Metric, common: dict[str, object]) -> Result:
    change = metric.change
    assert change is not None
    if change.kind == "x":
        ratio = Span(change.low, change.high, change.qualifier)
        primary = multiplier_text(ratio)
        growth = change.low > 1
        relative = change.low - 1
        supports: tuple[tuple[str, float, float], ...] = (("x", change.low, change.high),
                    ("%", (change.low - 1) * 100, (change.high - 1) * 100))
    else:
        span = Span(change.low / 100, change.high / 100, change.qualifier)
        growth = change.low > 0
        relative = change.low / 100
        primary = relative_text(span)
        supports = (("%", abs(change.low), abs(change.high)),)
        if change.low < 0:
            falls = (1 / (1 + change.high / 100) if change.high > -100 else math.inf,
                     1 / (1 + change.low / 100) if change.low > -100 else math.inf)
            supports += (("x", *falls),)
    held = change.low == 0 and change.high == 0 and not change.qualifier
    goal = common["goal"]
    if held:
        primary = "held flat" if goal == "hold" else primary
        improved: bool | None = True if goal == "hold" else None
    else:
        improved = None if goal == "hold" else growth == (goal == "increase")
        if goal == "hold":
            improved = False
    return Result(**common, before=0.0, after=0.0, before_text="", after_text="",  # type: ignore[arg-type]
                  absolute=0.0, absolute_text="", relative=relative, relative_text=primary,
                  improved=improved, shape="change",
                  framing="hold" if held and goal == "hold" else
                  ("multiplier" if change.kind == "x" else "relative"),
                  primary=primary, chartable=False, plain=change.plain,
                  magnitude=abs(math.log(1 + relative)) if relative > -1 else 10.0,
                  supports=supports, comparable=_comparable(metric, change.plain, "change"))


def _pair_result(metric: Metric, before: Figure, after: Figure,
                 common: dict[str, object]) -> Result:
    unit, goal = metric.unit, str(common["goal"])
    b, a = _span(before), _span(after)
    absolute = after.low - before.low
    plain = before.plain and after.plain
    relative = None if before.low == 0 else absolute / abs(before.low)
    if relative is not None and not math.isfinite(relative):
        relative = None
    ratios = ratio_span(b, a)
    if ratios is not None and not math.isfinite(ratios.low):
        ratios = None
    rel_span = Span(ratios.low - 1, ratios.high - 1, ratios.qualifier) if ratios else None
    if plain:
        relative_txt = (signed_percent(relative) if relative is not None
                        else "no relative change (from 0)")
    else:
        relative_txt = (relative_text(rel_span) if rel_span is not None
                        else "no relative change (from 0)")
    diff = difference_span(b, a)
    absolute_txt = (format_delta(absolute, unit) if plain else difference_text(diff, unit))
    moved = absolute != 0 or after.qualifier != before.qualifier
    improved = (None if not moved else (absolute > 0) == (goal != "decrease")
                if goal != "hold" else False)
    if goal == "hold" and not moved:
        improved = True
    framing = choose_framing(metric.show, ratios, relative, goal, moved)
    if framing == "hold":
        primary = "held flat"
    elif framing == "multiplier" and ratios is not None:
        fell = _central(ratios) < 1
        primary = multiplier_text(_as_fall(ratios) if fell else ratios,
                                  word=multiplier_word(unit, goal, fell=fell))
    elif framing == "difference" or relative is None:
        primary = absolute_txt
    else:
        primary = relative_txt
    detail = absolute_txt if primary != absolute_txt else (
        relative_txt if relative is not None else "")
    if unit == "%" and framing == "relative":
        detail = absolute_txt
    supports = _pair_supports(before, after, unit, ratios, diff, common["evidence"])
    return Result(**common, before=before.low, after=after.low,  # type: ignore[arg-type]
                  before_text=format_figure(before, unit), after_text=format_figure(after, unit),
                  absolute=absolute, absolute_text=absolute_txt, relative=relative,
                  relative_text=relative_txt, improved=improved, framing=framing,
                  primary=primary, detail=detail, plain=plain,
                  chartable=plain and before.low >= 0 and after.low >= 0,
                  magnitude=abs(math.log(ratios.low)) if ratios and ratios.low > 0 else 0.0,
                  supports=supports,
                  comparable=_comparable(metric, plain and relative is not None, "change"))


def _pair_supports(before: Figure, after: Figure, unit: str, ratios: Span | None, diff: Span,
                   evidence: object) -> tuple[tuple[str, float, float], ...]:
    """Every figure the result supports (unit, low, high): what a claim in the text may cite."""
    supports: tuple[tuple[str, float, float], ...] = (
        _value_supports(before, unit) + _value_supports(after, unit))
    if ratios is not None:
        supports += (("%", abs(ratios.low - 1) * 100, abs(ratios.high - 1) * 100),
                     ("x", ratios.low, ratios.high))
        if ratios.high > 0:
            fall = _as_fall(ratios)
            supports += (("x", fall.low, fall.high),)
    if unit == "%":
        supports += (("%", abs(diff.low), abs(diff.high)),)
    if evidence is not None:  # the A/B test's own lift, as the page shows it
        lift = abs(evidence.lift) * 100  # type: ignore[attr-defined]
        supports += (("%", lift, lift),)
    return supports


# The framings: a pure function each ------------------------------------------------------

AUTO_MULTIPLIER_FROM = 3.0


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Span:
    """A derived figure: exact (low == high), a range, or a bound ('+' at least, '<' at most),
    '~' when approximate."""

    low: float
    high: float
    qualifier: str = ""


def choose_framing(show: str, ratios: Span | None, relative: float | None, goal: str,
                   moved: bool) -> str:
    """`show` wins; auto is relative for moderate changes, a multiplier from a ratio of 3."""
    if goal == "hold" and not moved:
        return "hold"
    if show != "auto":
        return show if (show != "multiplier" or ratios is not None) else "relative"
    if relative is None or ratios is None:
        return "difference" if relative is None else "relative"
    central = _central(ratios)
    if central > 0 and max(central, 1 / central) >= AUTO_MULTIPLIER_FROM:
        return "multiplier"
    return "relative"


def ratio_span(before: Span, after: Span) -> Span | None:
    """after / before, for figures above 0; None when before can be 0 or less."""
    if before.low <= 0 or after.low < 0:
        return None
    approx = "~" in (before.qualifier, after.qualifier)
    return _settle(_div(after.low, before.high), _div(after.high, before.low), approx,
                   _div(_central(after), _central(before)))


def difference_span(before: Span, after: Span) -> Span:
    """after - before, as precise as the figures allow."""
    approx = "~" in (before.qualifier, after.qualifier)
    return _settle(after.low - before.high, after.high - before.low, approx,
                   _central(after) - _central(before))


def _settle(low: float, high: float, approx: bool, central: float) -> Span:
    """The qualifier a derived interval deserves: exact, '~', a range, or a bound."""
    if approx or (math.isinf(high) and math.isinf(low)) or (low == 0 and math.isinf(high)):
        return Span(central, central, "~")
    if low == high:
        return Span(low, low)
    if math.isinf(high):
        return Span(low, high, "+")
    if math.isinf(low) or (low == 0 and high > 0):
        return Span(low, high, "<")
    return Span(low, high, "range")


def _div(x: float, y: float) -> float:
    if math.isinf(y):
        return 0.0
    if y == 0:
        return math.inf
    return x / y


def _central(span: Span) -> float:
    return span.low if span.qualifier != "<" else span.high


def _span(figure: Figure) -> Span:
    q = figure.qualifier
    if q in ("+", ">"):
        return Span(figure.low, math.inf, "+")
    if q == "<":
        return Span(0.0 if figure.low > 0 else -math.inf, figure.low, "<")
    return Span(figure.low, figure.high, q)


def _as_fall(ratios: Span) -> Span:
    """A ratio below 1 as the multiple it fell by: 0.2 -> 5 ('5x faster')."""
    return _settle(_div(1, ratios.high), _div(1, ratios.low), ratios.qualifier == "~",
                   _div(1, ratios.low) if ratios.qualifier == "~" else 0.0)


def multiplier_word(unit: str, goal: str, fell: bool) -> str:
    """'faster' for a duration that fell, 'fewer' for a count, 'lower' for money; '' for growth
    of anything but time ('11x')."""
    if unit in TIME_UNITS:
        if fell:
            return "faster" if goal != "increase" else "shorter"
        return "slower" if goal == "decrease" else "longer"
    if not fell:
        return ""
    if unit in ("%", "x") or unit in CURRENCIES:
        return "lower"
    return "fewer"


def multiplier_text(ratios: Span, word: str = "") -> str:
    """2.0 -> '2x', 6.71 -> '6.7x', at least 8.33 -> '8.3x+', ~10 -> '~10x', 2-3 -> '2–3x'."""
    tail = f" {word}" if word else ""
    if ratios.qualifier == "+":
        return f"{_times(ratios.low, math.floor)}x+{tail}"
    if ratios.qualifier == "<":
        return f"<{_times(ratios.high, math.ceil)}x{tail}"
    if ratios.qualifier == "range" and ratios.low != ratios.high:
        return f"{_times(ratios.low, round)}–{_times(ratios.high, round)}x{tail}"
    approx = "~" if ratios.qualifier == "~" else ""
    return f"{approx}{_times(ratios.low, round)}x{tail}"


def _times(value: float, rounding: object) -> str:
    if not math.isfinite(value):
        return "∞"
    step = 1 if value >= 10 else 10
    rounded = rounding(value * step) / step  # type: ignore[operator]
    return _number(rounded, 0 if float(rounded).is_integer() else 1)


def relative_text(span: Span) -> str:
    """A relative change as a percentage, bounds and approximations kept."""
    if span.qualifier == "+":
        return f"at least {signed_percent(span.low, math.floor)}"
    if span.qualifier == "<":  # a fall of at least |high|, or a rise of at most high
        if span.high <= 0:
            return f"at least {signed_percent(span.high, math.floor)}"
        return f"at most {signed_percent(span.high, math.ceil)}"
    if span.qualifier == "range" and span.low != span.high:
        low = signed_percent(span.low)
        return f"{low}–{signed_percent(span.high).lstrip('+')}"
    approx = "~" if span.qualifier == "~" else ""
    return f"{approx}{signed_percent(span.low)}"


def difference_text(span: Span, unit: str) -> str:
    """after - before of qualified figures."""
    if span.qualifier == "+":
        return f"at least {format_delta(span.low, unit)}"
    if span.qualifier == "<":
        word = "at least" if span.high <= 0 else "at most"
        return f"{word} {format_delta(span.high, unit)}"
    if span.qualifier == "range" and span.low != span.high:
        return f"{format_delta(span.low, unit)} to {format_delta(span.high, unit)}"
    approx = "~" if span.qualifier == "~" else ""
    return f"{approx}{format_delta(span.low, unit)}"


def _value_supports(figure: Figure, unit: str) -> tuple[tuple[str, float, float], ...]:
    """What a claim may cite from a figure: '100%' from a 100% value, '4.9x' from unit x."""
    high = figure.high if figure.qualifier != "+" else math.inf
    if unit in ("%", "x"):
        return ((unit, abs(figure.low), abs(high)),)
    return ()


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
    pre, post = _unit_parts(unit, abs(value))
    sign = "-" if value < 0 else ""
    return f"{sign}{pre}{_amount(abs(value), unit)}{post}"


def _amount(value: float, unit: str) -> str:
    if unit in CURRENCIES:
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
    return _number(value)


def _unit_parts(unit: str, value: float) -> tuple[str, str]:
    """What goes before and after the number: ('$', ''), ('', ' min'), ('', '%')."""
    if unit in ("%", "x"):
        return "", unit
    if unit == "count":
        return "", ""
    if unit in CURRENCIES:
        symbol = CURRENCY_SYMBOLS.get(unit)
        return (symbol, "") if symbol else ("", f" {unit}")
    if unit in ("days", "weeks", "months", "years") and value == 1:
        return "", f" {unit[:-1]}"
    return "", f" {unit}"


def format_figure(figure: Figure, unit: str) -> str:
    """A figure as written, with its unit: '400+ days', '~$60,000', '<3 min', '2–3 months'."""
    if figure.plain:
        return format_value(figure.low, unit)
    def num(x: float) -> str:
        return f"{abs(x):,.{figure.decimals}f}"
    single = figure.qualifier != "range"
    pre, post = _unit_parts(unit, figure.low if single else 2)
    sign = "−" if figure.low < 0 else ""
    if not single:
        return f"{pre}{num(figure.low)}–{num(figure.high)}{post}"
    before = figure.qualifier if figure.qualifier in ("~", "<", ">") else ""
    plus = "+" if figure.qualifier == "+" else ""
    return f"{before}{sign}{pre}{num(figure.low)}{plus}{post}"


def format_delta(delta: float, unit: str) -> str:
    """The absolute change with a sign: percentages move in percentage points."""
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    magnitude = abs(round(delta, 6))
    if unit == "%":
        return f"{sign}{_number(magnitude)} pp"
    return f"{sign}{format_value(magnitude, unit)}"


def signed_percent(fraction: float, rounding: object = None) -> str:
    """0.381 -> '+38%', -0.052 -> '−5.2%' (one decimal under 10%); a bound rounds toward
    the safe side (`rounding=math.floor` for 'at least')."""
    if not math.isfinite(fraction):
        return "n/a"
    pct = fraction * 100
    decimals = 0 if abs(pct) >= 10 or float(round(pct, 1)).is_integer() else 1
    if rounding is not None:
        step = 10 ** decimals
        pct = math.copysign(rounding(abs(pct) * step) / step, pct)  # type: ignore[operator]
    sign = "+" if pct > 0 else ("−" if pct < 0 else "±")
    return f"{sign}{abs(pct):,.{decimals}f}%"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Aggregate:
    """The median of one result that several case studies report, e.g. −47% Cost per lead."""

    label: str
    unit: str
    text: str      # "−47%", "1.5 months"
    count: int     # case studies behind it
    value: float


def aggregate(results: Iterable[tuple[str, Result]]) -> list[Aggregate]:
    """Medians of the results two or more case studies share: (study id, result) pairs in;
    one Aggregate per comparable label, most case studies first."""
    groups: dict[tuple[str, str, str], dict[str, Result]] = {}
    for study, r in results:
        key = r.comparable
        if key is not None:
            groups.setdefault(key, {}).setdefault(study, r)
    out = []
    for (_, unit, kind), by_study in groups.items():
        if len(by_study) < 2:
            continue
        first = next(iter(by_study.values()))
        if kind == "value":
            mid = median([r.before for r in by_study.values()]) or 0.0
            text = format_value(mid, unit)
        else:
            mid = median([r.relative or 0.0 for r in by_study.values()]) or 0.0
            ratio = 1 + mid
            if ratio > 0 and max(ratio, 1 / ratio) >= AUTO_MULTIPLIER_FROM:
                fell = ratio < 1
                text = multiplier_text(Span(1 / ratio if fell else ratio, 0.0),
                                       multiplier_word(unit, first.goal, fell))
            else:
                text = signed_percent(mid)
        out.append(Aggregate(first.label.strip(), unit, text, len(by_study), mid))
    return sorted(out, key=lambda a: (-a.count, a.label.casefold()))


_CLAIM = re.compile(r"(?<![\w.,])([+\-−]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s?(%|[x×](?![\w-]))",
                    re.IGNORECASE)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Claim:
    """A figure a title or summary claims ('+509%', '5x'), and the nearest a result supports."""

    text: str
    nearest: str   # '' when no result has a figure of that kind


def unsupported_claims(text: str, results: Iterable[Result]) -> list[Claim]:
    """Each `N%` / `Nx` in the text that no result supports within the claim's rounding."""
    supports = [s for r in results for s in r.supports]
    out = []
    for m in _CLAIM.finditer(text):
        kind = "%" if m[4] == "%" else "x"
        value = float(m[2].replace(",", "") + (f".{m[3]}" if m[3] else ""))
        half = 0.5 * 10 ** -len(m[3] or "")
        fits = [(low, high) for k, low, high in supports if k == kind]
        if any(low - half <= value <= high + half or (low > high and high - half <= value
               <= low + half) for low, high in fits):
            continue
        near = min(fits, key=lambda lh: min(abs(value - lh[0]), abs(value - lh[1])),
                   default=None)
        nearest = ""
        if near is not None:
            figure = near[0] if abs(value - near[0]) <= abs(value - near[1]) else near[1]
            nearest = (f"{_number(figure, 0 if figure >= 10 else 1)}%" if kind == "%"
                       else f"{_times(figure, round)}x")
        out.append(Claim(m[0].strip(), nearest))
    return out


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
