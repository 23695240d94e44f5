"""Typed front matter for each content type, validated with pydantic; errors map back to lines.

The models mirror CONTENT-MODEL.md exactly: unknown keys are errors with a "did you mean".
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.functional_validators import BeforeValidator
from pydantic_core import PydanticCustomError

from generator.content.frontmatter import Positions
from generator.errors import Problem, did_you_mean

SLUG_RE = re.compile(r"[\w][\w.-]*")  # always fullmatch: `$` would let a trailing "\n" in
TIME_UNITS = ("ms", "s", "min", "h", "days", "weeks", "months", "years")
ANCHORS = ("default", "hugo", "github")  # site.yaml `markdown: {anchors: ...}`: content/markdown.py
UNIT_ALIASES = {"sec": "s", "secs": "s", "second": "s", "seconds": "s", "mins": "min",
                "minute": "min", "minutes": "min", "hr": "h", "hrs": "h", "hour": "h",
                "hours": "h", "day": "days", "week": "weeks", "month": "months",
                "year": "years", "percent": "%"}
# ISO 4217 codes in use (a three-capital unit must be one of them, so `UDS` is caught).
_CURRENCY_CODES = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP
GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR
KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK
MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR
SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS
UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL"""
CURRENCIES = frozenset(_CURRENCY_CODES.split())
COMMON_CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY", "SEK", "NOK", "DKK",
                     "INR", "NZD", "SGD", "PLN")
MAX_FIGURE = 1e15   # beyond any real result: a slip of the keyboard, and a float overflow risk
_NUMBER = r"\d[\d,_]*(?:\.\d+)?|\.\d+"
_QUALIFIED = re.compile(rf"(?P<pre>~|<|>|≈|under |over |about )?\s*(?P<sign>[-−+])?"
                        rf"(?P<num>{_NUMBER})\s*(?P<plus>\+)?")
_RANGE = re.compile(rf"(?P<lo>{_NUMBER})\s*(?:-|–|—|to)\s*(?P<hi>{_NUMBER})")
_PREFIX = {"≈": "~", "about ": "~", "under ": "<", "over ": ">"}


class Strict(BaseModel):
    """Frozen, no unknown keys; numbers written where text is expected are taken as text."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True,
                              allow_inf_nan=False)


class Invalid(ValueError):
    """A validation failure that knows how to fix itself: the hint travels with the message."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


MAX_SLUG_BYTES = 200


def check_slug(value: str | None) -> str | None:
    """A slug becomes one URL path segment: no separators, no `..`, no NUL, nothing absolute."""
    if value is None:
        return None
    if ".." in value or not SLUG_RE.fullmatch(value):
        raise Invalid("a slug is one URL segment of letters, digits, `-`, `_` or `.` "
                      "(no `/`, `\\`, `..` or spaces)", "e.g. `slug: checkout-redesign`")
    if len(value.encode()) > MAX_SLUG_BYTES:  # it names a folder: file systems stop at 255
        raise Invalid(f"the slug is {len(value)} characters long; at most {MAX_SLUG_BYTES} "
                      "fit in a folder name", "a few words are best: `slug: checkout-redesign`")
    return value


@dataclasses.dataclass(frozen=True, slots=True)
class Figure:
    """A number as the author wrote it: `2.9`, `~60000`, `500+`, `<3`, `>10`, `2-3`, or in a
    `change:` `-40%` / `6x`. Never shown more precisely than written."""

    low: float
    high: float          # == low unless a range
    qualifier: str = ""  # "" | "~" | "+" | "<" | ">" | "range"
    decimals: int = 0    # as written: 5.37 -> 2
    kind: str = ""       # in a change: "%" or "x"

    @property
    def plain(self) -> bool:
        return not self.qualifier

    @property
    def written(self) -> str:
        def num(x: float) -> str:
            return f"{x:,.{self.decimals}f}"
        if self.qualifier == "range":
            return f"{num(self.low)}–{num(self.high)}{self.kind}"
        sign = "−" if self.low < 0 else ""
        pre = self.qualifier if self.qualifier in ("~", "<", ">") else ""
        post = "+" if self.qualifier == "+" else ""
        return f"{pre}{sign}{num(abs(self.low))}{self.kind}{post}"


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _number(text: str) -> float:
    number = float(text.replace(",", "").replace("_", ""))
    if not abs(number) <= MAX_FIGURE:
        raise Invalid(f"`{text[:40]}` is too large for a result",
                      f"results up to {MAX_FIGURE:,.0f} are supported: check the number")
    return number


def parse_figure(value: Any, *, kind: str = "") -> Figure | None:
    """A figure from YAML: a plain number, or text with a qualifier or a range."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Invalid(f"expected a number, got {_show(value)}",
                      "write a number such as `2.9`, or qualified: `~60000`, `500+`, `<3`, "
                      "`2-3`")
    if not isinstance(value, str):
        if isinstance(value, int) and abs(value) > MAX_FIGURE:
            raise Invalid("the number is too large for a result",
                          f"results up to {MAX_FIGURE:,.0f} are supported: check the number")
        number = float(value)
        if not math.isfinite(number) or abs(number) > MAX_FIGURE:
            raise Invalid("expected an ordinary number", "write a number such as 2.9")
        text = repr(value)
        return Figure(number, number, "", 0 if isinstance(value, int) else _decimals(text),
                      kind)
    text = value.strip()
    if (m := _RANGE.fullmatch(text)) is not None:
        low, high = _number(m["lo"]), _number(m["hi"])
        if low >= high:
            raise Invalid(f"the range `{text}` is written backwards (or is empty)",
                          f"write the low end first: `{m['hi']}-{m['lo']}`" if low > high
                          else "write one number")
        return Figure(low, high, "range", max(_decimals(m["lo"]), _decimals(m["hi"])), kind)
    m = _QUALIFIED.fullmatch(text)
    if m is None or (m["pre"] and m["plus"]):
        unit_hint = ("a multiple goes in `change:` (`change: 6x`) or in `unit: x`"
                     if text.rstrip().lower().endswith("x") else
                     "put the unit in `unit:`")
        raise Invalid(f'expected a number, got "{text[:40]}"',
                      f"write a number, optionally with `~`, `<`, `>` before it, `+` after "
                      f"it, or a range `2-3`; {unit_hint}")
    number = _number(m["num"])
    if m["sign"] in ("-", "−"):
        number = -number
    pre = _PREFIX.get(m["pre"] or "", m["pre"] or "")
    qualifier = pre or ("+" if m["plus"] else "")
    return Figure(number, number, qualifier, _decimals(m["num"]), kind)


def parse_change(value: Any) -> Figure | None:
    """`change:` is a relative change (`-40%`, `+15%`, `0%`) or a multiple (`6x`)."""
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else ""
    for suffix, kind in (("%", "%"), ("x", "x"), ("×", "x"), ("X", "x")):
        if text.endswith(suffix) and not text.endswith("+" + suffix):
            figure = parse_figure(text[: -len(suffix)].strip(), kind=kind)
            break
        if text.endswith(suffix + "+"):
            figure = parse_figure(text[: -len(suffix) - 1].strip() + "+", kind=kind)
            break
    else:
        raise Invalid(f"expected a change such as `-40%` or `6x`, got {_show(value)}",
                      "write the percentage with its `%` sign, or a multiple with `x`")
    assert figure is not None
    if kind == "x" and figure.low <= 0:
        raise Invalid(f"a multiple is above 0, got {figure.written}",
                      "write e.g. `change: 6x`, or a fall as a percentage: `change: -80%`")
    if kind == "%" and figure.low < -100 and figure.qualifier != "<":
        raise Invalid(f"a fall of more than 100% is impossible, got {figure.written}",
                      "a fall of 10x is `change: -90%`")
    return figure


def canonical_unit(unit: str) -> str:
    """`%`, a currency (ISO 4217), a time unit, `count`, or free text shown as written."""
    text = unit.strip()
    if not text:
        raise Invalid("the unit is empty", "leave `unit:` out for a plain count")
    if text in ("%", "count", *TIME_UNITS) or text in CURRENCIES:
        return text
    if text.lower() in UNIT_ALIASES:
        return UNIT_ALIASES[text.lower()]
    if re.fullmatch(r"[A-Z]{3}", text):
        swapped = [c for c in (*COMMON_CURRENCIES, *sorted(CURRENCIES))
                    if sorted(c) == sorted(text)]
        raise Invalid(f"unknown currency `{text}`",
                      (f"did you mean `{swapped[0]}`?" if swapped else "")
                      or did_you_mean(text, COMMON_CURRENCIES) or did_you_mean(text, CURRENCIES)
                      or "use an ISO 4217 code such as USD, EUR or GBP; other units are "
                      "written in lower case")
    if len(text) > 30:
        raise Invalid("a unit is a short word", "e.g. `unit: accounts` or `unit: PRs/week`")
    return text


def _plain(figure: Figure) -> Figure:
    return dataclasses.replace(figure, qualifier="") if figure.qualifier != "range" else figure


class Arm(Strict):
    visitors: int = Field(gt=0, le=10**12)
    conversions: int = Field(ge=0, le=10**12)

    @model_validator(mode="after")
    def _conversions_fit(self) -> Arm:
        if self.conversions > self.visitors:
            raise Invalid("conversions cannot exceed visitors",
                          "check the two numbers: conversions count visitors who converted")
        return self


class Experiment(Strict):
    control: Arm
    variant: Arm


class Metric(Strict):
    """One result, in exactly one shape: `before`/`after`, a single `value`, or a `change`."""

    label: str = Field(min_length=1)
    before: Figure | None = None
    after: Figure | None = None
    value: Figure | None = None
    change: Figure | None = None
    unit: str = "count"
    higher_is_better: bool | None = None
    goal: Literal["increase", "decrease", "hold"] | None = None
    show: Literal["auto", "relative", "multiplier", "difference"] = "auto"
    headline: bool = False
    period: str = ""
    experiment: Experiment | None = None

    _figures = field_validator("before", "after", "value", mode="before")(
        classmethod(lambda cls, v: parse_figure(v)))
    _change = field_validator("change", mode="before")(
        classmethod(lambda cls, v: parse_change(v)))

    @field_validator("unit", mode="before")
    @classmethod
    def _known_unit(cls, value: Any) -> Any:
        return canonical_unit(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_shape(self) -> Metric:
        pair = self.before is not None or self.after is not None
        if self.change is not None and pair:
            raise Invalid("`change:` cannot go together with `before`/`after`",
                          "remove `change:`: the change is worked out from before and after")
        if self.value is not None and (pair or self.change is not None):
            raise Invalid("`value:` is a single result: it cannot go with `before`, `after` "
                          "or `change`", "keep `value:` alone, or write `before:` and `after:`")
        if pair and (self.before is None or self.after is None):
            missing = "after" if self.after is None else "before"
            raise Invalid(f"`{missing}:` is missing: a before/after result needs both",
                          f"add `{missing}:`, or write a single result as `value:`")
        if not pair and self.value is None and self.change is None:
            raise Invalid("a result needs `before` and `after`, a `value`, or a `change`",
                          "e.g. `before: 10` and `after: 2`, `value: 400+`, or "
                          "`change: -40%`")
        if self.experiment is not None and not pair:
            raise Invalid("an `experiment:` backs a before/after result",
                          "add `before:` and `after:` (the control and variant rates)")
        for name in ("before", "after"):
            figure = getattr(self, name)
            if figure is not None and figure.qualifier == "range" and self.experiment:
                raise Invalid(f"`{name}:` is a range, but an experiment measures one rate",
                              f"write `{name}:` as the measured number")
        if self.change is not None and self.unit not in ("count", "%"):
            raise Invalid("a `change:` is a percentage or a multiple and has no unit",
                          "remove `unit:`, or write the figures as `before:` and `after:`")
        if self.goal is not None and self.higher_is_better is not None and (
                self.goal == "hold" or (self.goal == "increase") != self.higher_is_better):
            raise Invalid(f"`goal: {self.goal}` contradicts `higher_is_better: "
                          f"{str(self.higher_is_better).lower()}`",
                          "keep one of the two: `goal:` says the same and more")
        if self.goal == "hold":
            if self.value is not None:
                raise Invalid("`goal: hold` needs something that could have moved",
                              "write `before:` and `after:` (equal), or `change: 0%`")
            if self.change is not None and (self.change.low != 0 or self.change.high != 0
                                            or self.change.qualifier):
                raise Invalid(f"`goal: hold`, but the change is {self.change.written}",
                              "write `change: 0%`, or remove `goal: hold`")
            if (self.before is not None and self.after is not None
                    and (self.before != _plain(self.before) or self.before != self.after)):
                raise Invalid(f"`goal: hold`, but the value moved from {self.before.written} "
                              f"to {self.after.written}",
                              "write the same plain number in `before:` and `after:`, or "
                              "remove `goal: hold` and say what happened")
        if (self.show == "multiplier" and self.before is not None and self.after is not None
                and (self.before.low <= 0 or self.after.low < 0 or (
                    self.after.high == 0 and self.after.qualifier in ("", "~")))):
                raise Invalid("`show: multiplier` needs a before and an after above 0",
                              "use `show: relative` or `show: difference`")
        return self

    @property
    def direction(self) -> str:
        """increase, decrease or hold: what the author counts as the good outcome."""
        if self.goal is not None:
            return self.goal
        return "decrease" if self.higher_is_better is False else "increase"


class Testimonial(Strict):
    quote: str
    name: str
    role: str = ""
    photo: str | None = None   # beside the content file, like a cover


class ImageRef(Strict):
    src: str
    alt: str = Field(min_length=1)


class Comparison(Strict):
    """A before/after pair of screenshots shown side by side on a case study."""

    before: ImageRef
    after: ImageRef
    caption: str = ""


SAFE_SCHEMES = ("http", "https", "mailto", "tel")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))  # what a browser strips before the scheme


def safe_url(value: str) -> str:
    """A link a visitor may follow: http(s), mailto:, tel: or relative, never `javascript:`,
    `data:` or `vbscript:` (read the way a browser reads it, tabs and newlines removed)."""
    seen = re.sub(r"[\t\n\r]", "", value).lstrip(_C0_AND_SPACE)
    scheme = _SCHEME.match(seen)
    if scheme and scheme[1].lower() not in SAFE_SCHEMES:
        raise Invalid(f"`{scheme[1]}:` URLs are not allowed (they run code or hide content "
                      "in the link)", "use an http(s), mailto: or tel: URL, or a path on the "
                      "site such as /contact/")
    return value


SafeUrl = Annotated[str, AfterValidator(safe_url)]


class Form(Strict):
    action: SafeUrl
    fields: tuple[str, ...] = ("name", "email", "message")


class CallToAction(Strict):
    """site.yaml's call to action, or a page's own (`call_to_action:` in its front matter)."""

    label: str
    url: SafeUrl | None = None
    form: Form | None = None

    @model_validator(mode="after")
    def _one_target(self) -> CallToAction:
        if (self.url is None) == (self.form is None):
            raise Invalid("give the call to action either a `url` or a `form`, not both and "
                          "not neither", "e.g. `call_to_action: {label: Book a call, url: "
                          "\"https://cal.com/you\"}` (a booking link or mailto:)")
        return self


class Client(Strict):
    """A client as a mapping: its logo is shown on cards and the home page's logo wall."""

    name: str = Field(min_length=1)
    logo: str | None = None     # beside the content file (or in its bundle)
    url: SafeUrl | None = None
    industry: str = ""
    about: str = ""             # inline Markdown, one paragraph


_ALIAS_PART = re.compile(r"[^\x00-\x20\x7f\\\"<>^`{|}?#%]+")


def check_alias(value: str) -> str:
    """An old URL path of this page, e.g. `/case-study/iwoca/`: site-relative, and inside the
    output folder once written (no scheme, no host, no `..`)."""
    if not isinstance(value, str):
        raise Invalid(f"expected a path, got {_show(value)}", "e.g. `/case-study/iwoca/`")
    if not value.startswith("/") or value.startswith("//"):
        raise Invalid(f"an alias is a path from the site's root, got {_show(value)}",
                      "write the old URL's path, e.g. `/case-study/iwoca/` (no scheme or host)")
    parts = [p for p in value.split("/") if p]
    if not parts:
        raise Invalid("`/` is the home page: it cannot be an alias",
                      "write the old URL's path, e.g. `/case-study/iwoca/`")
    for part in parts:
        if part in (".", "..") or not _ALIAS_PART.fullmatch(part) or part.startswith(
                ".casefolio-"):
            raise Invalid(f"the alias `{value[:80]}` has a segment that cannot be a file "
                          f"name (`{part[:40]}`)",
                          "aliases are plain paths: no `..`, `\\`, spaces, `?`, `#` or `%`")
    return value


Alias = Annotated[str, BeforeValidator(check_alias)]


class Common(Strict):
    title: str = Field(min_length=1)
    slug: str | None = None
    draft: bool = False
    short_title: str | None = Field(default=None, min_length=1)  # cards, lists, menus, crumbs
    weight: int | None = None       # manual order: lower first; unweighted pages after
    unlisted: bool = False          # built at its URL (noindex), but in no list
    call_to_action: CallToAction | None = None
    aliases: tuple[Alias, ...] = ()  # old URL paths, each a redirect to this page

    _slug = field_validator("slug")(classmethod(lambda cls, v: check_slug(v)))

    @field_validator("aliases", mode="before")
    @classmethod
    def _one_alias(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @property
    def name(self) -> str:
        """What lists, menus and breadcrumbs call the page."""
        return self.short_title or self.title


Per = Literal["hour", "day", "session", "week", "month", "quarter", "year", "project"]


class Price(Strict):
    """An amount or a range `[low, high]`, per a period or one-off, `from` it, with a note;
    or, written `price: on request`, no amount at all."""

    model_config = ConfigDict(populate_by_name=True)

    amount: float | tuple[float, float] | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    per: Per | None = None
    from_: bool = Field(default=False, alias="from")
    note: str = ""
    on_request: bool = False

    @field_validator("amount", mode="before")
    @classmethod
    def _number_or_range(cls, value: Any) -> Any:
        """One error for a bad amount, not one per spelling the union allows."""
        if isinstance(value, list | tuple):
            if len(value) != 2:
                raise Invalid("a range is two numbers, `[low, high]`", "e.g. `[100, 500]`")
            return tuple(_price_number(v) for v in value)
        return None if value is None else _price_number(value)

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: float | tuple[float, float] | None,
                ) -> float | tuple[float, float] | None:
        low, high = value if isinstance(value, tuple) else (value, value)
        if low is not None and high is not None and (low < 0 or high < low):
            raise Invalid("an amount is a number of at least 0; a range is `[low, high]`",
                          "e.g. `amount: 4500` or `amount: [100, 500]`")
        return value

    @model_validator(mode="after")
    def _priced(self) -> Price:
        if not self.on_request and (self.amount is None or self.currency is None):
            raise Invalid("a price needs `amount:` and `currency:`",
                          "e.g. `price: {amount: 4500, currency: USD, per: month}`, or "
                          "`price: on request`")
        return self


def _price_number(value: Any) -> float:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = float(value)
    except (TypeError, ValueError):
        raise PydanticCustomError("float_parsing", "expected a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise PydanticCustomError("finite_number", "expected a finite number")
    return number


def _on_request(value: Any) -> Any:
    """`price: on request` (any capitals) is the same as `price: {on_request: true}`."""
    if isinstance(value, str) and value.strip().lower() in ("on request", "price on request"):
        return {"on_request": True}
    if isinstance(value, str):
        raise Invalid(f"a price is a mapping or `on request`, got \"{value}\"",
                      "e.g. `price: {amount: 4500, currency: USD, per: month}` or "
                      "`price: on request`")
    return value


class Tier(Strict):
    """One column of a tiered offer."""

    name: str = Field(min_length=1)
    description: str = ""
    price: Price | None = None
    includes: tuple[str, ...] = ()

    _price = field_validator("price", mode="before")(classmethod(
        lambda cls, v: _on_request(v)))


class Faq(Strict):
    q: str
    a: str  # inline Markdown


# Each content kind's own front matter (CaseStudyMeta...) is in its module under kinds/.

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, positions: Positions, path: str,
             ) -> tuple[M | None, list[Problem]]:
    """Validate data against a model, turning every pydantic error into a located Problem."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [_problem(model, err, data, positions, path) for err in exc.errors()]


def _problem(model: type[BaseModel], err: Any, data: Any, positions: Positions,
             path: str) -> Problem:
    loc = tuple(err["loc"])
    field = _field_path(loc)
    line = _line(loc, positions)
    kind = err["type"]
    got = err.get("input")
    hint = ""
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        message = f"unknown field `{field}`"
        hint = did_you_mean(str(loc[-1]), allowed) or f"allowed fields: {', '.join(allowed)}"
    elif kind == "missing":
        message = f"{field}: required field is missing"
        hint = f"add `{loc[-1]}:` to the front matter"
    elif kind == "literal_error":
        allowed = [a.strip("'") for a in re.findall(r"'[^']*'", str(err["ctx"]["expected"]))]
        message = f"{field}: expected one of {', '.join(allowed)}, got {_show(got)}"
        hint = did_you_mean(str(got), allowed) or f"write one of: {', '.join(allowed)}"
    else:
        expected = _EXPECTED.get(kind)
        if expected:
            message = f"{field}: expected {expected}, got {_show(got)}"
        else:
            text = str(err["msg"]).removeprefix("Value error, ")
            message = f"{field}: {text}" if field else text
        cause = (err.get("ctx") or {}).get("error")
        hint = cause.hint if isinstance(cause, Invalid) else _HINTS.get(kind, "")
    return Problem(path, line, message, hint)


_EXPECTED = {
    "float_parsing": "a number", "float_type": "a number", "finite_number": "a finite number",
    "int_parsing": "a whole number",
    "int_type": "a whole number", "int_from_float": "a whole number",
    "bool_parsing": "true or false", "bool_type": "true or false",
    "string_type": "text", "date_parsing": "a date (YYYY-MM-DD)",
    "date_type": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)", "list_type": "a list",
    "tuple_type": "a list", "dict_type": "a mapping of `key: value` fields",
    "model_type": "a mapping of `key: value` fields", "model_attributes_type":
    "a mapping of `key: value` fields", "literal_error": "one of the allowed values",
}
_HINTS = {
    "float_parsing": "write a plain number without units or %: e.g. `2.9`, and put the unit "
                     "in `unit:`",
    "date_parsing": "write the date as YYYY-MM-DD, e.g. 2025-03-14",
    "date_from_datetime_parsing": "write the date as YYYY-MM-DD, e.g. 2025-03-14",
    "string_too_long": "shorten it: search engines cut meta descriptions at about 160 "
                       "characters",
    "list_type": "write a list as `[a, b]` or as lines starting with `- `",
    "tuple_type": "write a list as `[a, b]` or as lines starting with `- `",
    "string_type": "put the value in quotes",
    "dict_type": "write the fields indented under the key, or as `{key: value, ...}`",
    "model_type": "write the fields indented under the key, or as `{key: value, ...}`",
    "model_attributes_type": "write the fields indented under the key, or as "
                             "`{key: value, ...}`",
    "finite_number": "write an ordinary number such as 2.9",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "literal_error": "use one of the values listed",
    "int_from_float": "write a whole number such as 1200",
    "int_parsing": "write a whole number such as 1200",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before") or str(part).startswith("function"):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _line(loc: tuple[Any, ...], positions: Positions) -> int | None:
    key = tuple(p for p in loc if isinstance(p, (int, str)))
    while key:
        if key in positions:
            return positions[key]
        key = key[:-1]
    return positions.get(())


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if info is None:
            break
        current = _inner_model(info.annotation) or current
    return sorted(current.model_fields) if hasattr(current, "model_fields") else []


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found:
            return found
    return None


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)
