"""How the build's records pickle: as their class and field values.

A frozen dataclass with slots pickles by default through a Python `__getstate__` that asks
`dataclasses.fields()` for every object: at 10,000 case studies, ~6 of the ~9 s a cold build
spent pickling its pages' contexts for the prose record (incremental/prose.py). Values taken by
one C `attrgetter` and handed to the constructor are several times cheaper, and the bytes are
as deterministic as before.
"""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar

R = TypeVar("R")


def pickled_by_fields(cls: type[R]) -> type[R]:
    """Pickle a frozen dataclass (every field set by its constructor, nothing derived in a
    `__post_init__`) as its class and field values, rebuilt by its constructor."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    if not all(f.init for f in fields(cls)) or hasattr(cls, "__post_init__"):  # type: ignore[arg-type]
        raise TypeError(f"{cls.__name__}: its constructor would not rebuild it from its fields")
    values = attrgetter(*names) if len(names) > 1 else (lambda self: (getattr(self, names[0]),))

    def reduce(self: Any) -> tuple[type[R], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = reduce  # type: ignore[assignment,method-assign]
    return cls
