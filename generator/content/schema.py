"""Typed front matter for each content type, validated with pydantic; errors map back to lines.

The models mirror CONTENT-MODEL.md exactly: unknown keys are errors with a "did you mean".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from generator.content.frontmatter import Positions
from generator.errors import Problem, did_you_mean

SLUG_RE = re.compile(r"[\w][\w.-]*")  # always fullmatch: `$` would let a trailing "\n" in
UNITS = ("%", "count", "s", "ms")


class Strict(BaseModel):
    """Frozen, no unknown keys; numbers written where text is expected are taken as text."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True,
                              allow_inf_nan=False)


class Invalid(ValueError):
    """A validation failure that knows how to fix itself: the hint travels with the message."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def check_slug(value: str | None) -> str | None:
    """A slug becomes one URL path segment: no separators, no `..`, no NUL, nothing absolute."""
    if value is None:
        return None
    if ".." in value or not SLUG_RE.fullmatch(value):
        raise Invalid("a slug is one URL segment of letters, digits, `-`, `_` or `.` "
                      "(no `/`, `\\`, `..` or spaces)", "e.g. `slug: checkout-redesign`")
    return value


class Arm(Strict):
    visitors: int = Field(gt=0)
    conversions: int = Field(ge=0)

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
    label: str
    before: float
    after: float
    unit: str = "count"
    higher_is_better: bool = True
    period: str = ""
    experiment: Experiment | None = None

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str) -> str:
        if value in UNITS or re.fullmatch(r"[A-Z]{3}", value):
            return value
        raise Invalid(f"unknown unit `{value}`",
                      'use "%", a currency code such as USD or EUR, s, ms or count')


class Testimonial(Strict):
    quote: str
    name: str
    role: str = ""


class ImageRef(Strict):
    src: str
    alt: str = Field(min_length=1)


class Comparison(Strict):
    """A before/after pair of screenshots shown side by side on a case study."""

    before: ImageRef
    after: ImageRef
    caption: str = ""


class Common(Strict):
    title: str = Field(min_length=1)
    slug: str | None = None
    draft: bool = False

    _slug = field_validator("slug")(classmethod(lambda cls, v: check_slug(v)))


class CaseStudyMeta(Common):
    date: dt.date
    summary: str = Field(min_length=1, max_length=160)
    client: str | None = None
    confidential: bool = False
    client_description: str | None = None
    niche: str
    services: tuple[str, ...] = ()
    practices: tuple[str, ...] = ()
    duration: str = ""
    metrics: tuple[Metric, ...] = ()
    testimonial: Testimonial | None = None
    tags: tuple[str, ...] = ()
    featured: bool = False
    cover: ImageRef | None = None
    comparisons: tuple[Comparison, ...] = ()

    @field_validator("date", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        """A calendar date as written, never a number read as seconds since 1970."""
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date) or (isinstance(value, str)
                                          and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)):
            return value
        raise PydanticCustomError("date_parsing", "expected a date (YYYY-MM-DD)")

    @model_validator(mode="after")
    def _who(self) -> CaseStudyMeta:
        if self.confidential and not self.client_description:
            raise Invalid("a confidential case study needs `client_description`",
                          'add e.g. `client_description: "a mid-size DTC skincare brand"`')
        if not self.confidential and not self.client:
            raise Invalid("`client` is required",
                          "add `client: Name`, or set `confidential: true` and "
                          "`client_description:`")
        return self


class PracticeMeta(Common):
    summary: str = Field(min_length=1)
    topic: str = ""
    practice_level: Literal[2, 3] = 2
    authors: tuple[str, ...] = ()
    updated: dt.date | None = None


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
            return tuple(_number(v) for v in value)
        return None if value is None else _number(value)

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


def _number(value: Any) -> float:
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


class ServiceMeta(Common):
    summary: str = Field(min_length=1)
    niches: tuple[str, ...] = ()
    price: Price | None = None
    tiers: tuple[Tier, ...] = ()
    deliverables: tuple[str, ...] = ()
    outcome: str = ""
    faq: tuple[Faq, ...] = ()
    testimonials: tuple[Testimonial, ...] = ()

    _price = field_validator("price", mode="before")(classmethod(
        lambda cls, v: _on_request(v)))

    @model_validator(mode="after")
    def _price_or_tiers(self) -> ServiceMeta:
        if self.price is not None and self.tiers:
            raise Invalid("give either `price:` or `tiers:`, not both",
                          "a tiered offer puts a `price:` in each tier")
        return self


class PageMeta(Common):
    summary: str = ""
    menu: bool = False


KIND_MODELS: dict[str, type[Common]] = {
    "case-studies": CaseStudyMeta,
    "practices": PracticeMeta,
    "services": ServiceMeta,
    "pages": PageMeta,
}

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
