"""Prices as consultants write them -> the words the theme shows and the facts JSON-LD states.

"Flat fee" is said only of a price that is one: a single amount, not a range, not "from",
not on request, and not billed by the hour, day or session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from generator.content.schema import Price, Tier
from generator.model.metrics import CURRENCY_SYMBOLS, format_value
from generator.model.views import PriceTag

# How a period reads after an amount: "$4,500/month", "€100–500 per session".
PER_TEXT = {"hour": "/hour", "day": "/day", "week": "/week", "month": "/month",
            "quarter": "/quarter", "year": "/year", "session": " per session",
            "project": " per project"}
# The same in a sentence: "$4,500 a month".
PER_WORDS = {"hour": "an hour", "day": "a day", "week": "a week", "month": "a month",
             "quarter": "a quarter", "year": "a year", "session": "per session",
             "project": "per project"}
# UN/CEFACT common codes for schema.org's unitCode; sessions and projects have none.
UNIT_CODES = {"hour": "HUR", "day": "DAY", "week": "WEE", "month": "MON", "quarter": "QAN",
              "year": "ANN"}
BILLED_BY_TIME = ("hour", "day", "session")


def price_tag(price: Price | None) -> PriceTag | None:
    if price is None:
        return None
    if price.on_request:
        return PriceTag("Price on request", "", "", "", price.note, True, False)
    assert price.amount is not None and price.currency is not None
    low, high = price.amount if isinstance(price.amount, tuple) else (price.amount,) * 2
    amount = _amount(low, high, price.currency)
    prefix = "from" if price.from_ else ""
    text = " ".join(part for part in (prefix, amount + PER_TEXT.get(price.per or "", ""),
                                      price.note) if part)
    flat = low == high and not price.from_ and price.per not in BILLED_BY_TIME
    return PriceTag(text, amount, PER_WORDS.get(price.per or "", ""), prefix, price.note,
                    False, flat, low, high, price.currency, price.per or "",
                    UNIT_CODES.get(price.per or "", ""))


def _amount(low: float, high: float, currency: str) -> str:
    if low == high:
        return format_value(low, currency)
    symbol = CURRENCY_SYMBOLS.get(currency)
    top = format_value(high, "EUR").removeprefix(CURRENCY_SYMBOLS["EUR"])
    if symbol:
        return f"{format_value(low, currency)}–{top}"
    return f"{format_value(low, 'EUR').removeprefix(CURRENCY_SYMBOLS['EUR'])}–{top} {currency}"


def service_tags(price: Price | None, tiers: Sequence[Tier],
                 ) -> tuple[PriceTag | None, tuple[PriceTag | None, ...]]:
    """A service's own price and each tier's."""
    return price_tag(price), tuple(price_tag(t.price) for t in tiers)


def card_price(price: Price | None, tiers: Sequence[Tier]) -> tuple[str, bool]:
    """What a card shows of a service's price, and whether every price it has is a flat fee.

    A tiered service shows its lowest priced tier as "from ..."; all tiers on request read
    "Price on request"."""
    own, tags = service_tags(price, tiers)
    if own is not None:
        return own.text, own.flat
    priced = [t for t in tags if t is not None and not t.on_request]
    if not priced:
        return ("Price on request" if any(tags) else ""), False
    low = min(priced, key=lambda t: t.low or 0.0)
    text = low.text if low.prefix else f"from {low.text}"
    return text, all(t is not None and t.flat for t in tags)


def all_flat(flags: Iterable[bool]) -> bool:
    flags = list(flags)
    return bool(flags) and all(flags)
