"""Typed front matter for each content type, validated with pydantic; errors map back to lines.

The models mirror CONTENT-MODEL.md exactly: unknown keys are errors with a "did you mean".
"""

from __future__ import annotations

import re
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

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


class Price(Strict):
    amount: float = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    per: Literal["month", "project", "week"] = "month"


class Faq(Strict):
    q: str
    a: str


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
