"""Problems are values until the CLI edge: collected, then printed once as `path:line: message`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the user's input, located as precisely as we can."""

    path: str
    line: int | None
    message: str
    hint: str = ""
    severity: str = "error"  # "error" | "warning"

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.severity}: {self.message}" if self.severity == "warning" else (
            f"{where}: {self.message}"
        )
        return f"{text}\n  hint: {self.hint}" if self.hint else text

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line or 0, self.message)


class CasefolioError(Exception):
    """The one exception family: carries every problem found, to be reported together."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems, key=Problem.sort_key))
        super().__init__("\n".join(p.format() for p in self.problems))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A 'did you mean `x`?' hint, or '' when nothing is close."""
    close = difflib.get_close_matches(str(word), sorted(set(choices)), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else ""


def fail_if(problems: Iterable[Problem]) -> None:
    """Raise CasefolioError when any problem is an error (warnings pass through)."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise CasefolioError(errors)
