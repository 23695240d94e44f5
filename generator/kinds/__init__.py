"""The content kinds by name, light: what `casefolio new`, `init` and the CLI's help need to
know without importing pydantic or Markdown. Each kind's whole definition (schema, card,
links, view, pages) is its module in this folder, listed in kinds/registry.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KindName:
    """A content kind as the author meets it: `casefolio new NAME` writes into content/FOLDER/."""

    name: str     # e.g. case-study
    folder: str   # e.g. case-studies
    label: str    # e.g. Case studies (the navigation's and the listing's title)


BUILTIN: tuple[KindName, ...] = (
    KindName("case-study", "case-studies", "Case studies"),
    KindName("practice", "practices", "Best practices"),
    KindName("service", "services", "Services"),
    KindName("article", "articles", "Articles"),
    KindName("page", "pages", "Pages"),
)


def builtin(name: str) -> KindName:
    return next(k for k in BUILTIN if k.name == name)
