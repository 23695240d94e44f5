"""`/_redirects` (Netlify, Cloudflare Pages): one `301` line per alias, after the site's own
rules from static/_redirects, which therefore win (both hosts apply the first match)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from generator.model.views import Redirect
from generator.output.writer import Output

HEADER = ("# Written by `casefolio build`: the pages' `aliases:` (old URLs), each moved "
          "permanently.\n")
OWN = "# From static/_redirects (these come first, so they win where both match):\n"


def redirects_file(redirects: Iterable[Redirect], base_path: str, own: str = "") -> bytes:
    """The lines `/old/path/ /new/path/ 301`, the base_url's path on both sides."""
    lines = [HEADER]
    if own.strip():
        lines += [OWN, own if own.endswith("\n") else own + "\n", "# From `aliases:`:\n"]
    lines += [f"{base_path}{r.path} {r.target} 301\n" for r in redirects]
    return "".join(lines).encode()


def with_redirects(outputs: Sequence[Output], redirects: Sequence[Redirect], base_path: str,
                   own_file: Path) -> list[Output]:
    """The outputs with the build's `_redirects` (merged with static/_redirects, which is
    otherwise copied as it is)."""
    if not redirects:
        return list(outputs)
    own = own_file.read_text(encoding="utf-8", errors="replace") if own_file.is_file() else ""
    rest = [o for o in outputs if o.path != "_redirects"]
    return [*rest, Output("_redirects", redirects_file(redirects, base_path, own), "")]
