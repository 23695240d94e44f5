"""Our code highlighting writes exactly what Pygments' own HtmlFormatter writes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_all_lexers

from generator.content.highlight import highlight

REPO = Path(__file__).resolve().parents[1]
REALWORLD = next((p / "shared" / "realworld" for p in Path(__file__).resolve().parents[2:4]
                  if (p / "shared" / "realworld").is_dir()), Path("/nonexistent"))  # not in CI
SNIPPETS = [
    "",
    "x",
    "\n",
    "\n\n\nx = 1\n\n\n",
    "def f(x):\n    return x < 2 and 'a' != \"b\" & c  # done\n",
    "no newline at the end",
    "<div class=\"a\">&amp; 'q'</div>\n<script>let x = `t ${y}`;</script>",
    '{"a": [1, 2.5e3, true, null], "b": "\\u00e9\\n"}\n',
    "SELECT * FROM t WHERE a = 'x' -- c\n  AND b > 2;\n",
    "a:\n  - b: |\n      multi\n      line\n  - c: 'd'\n",
    "/* long\n   comment */\nint main() { return 0; }\n\t\ttabs\n",
    "   leading spaces\n\n  \n  trailing   \n",
    "Ünïcode 🎉 “quotes” — dash\r\nCRLF\r\n",
]


def _real_snippets() -> list[tuple[str, str]]:
    """Every fenced block of the example site's and the real sites' content: (language, code)."""
    found = []
    for path in sorted([*(REPO / "content").rglob("*.md"), *REALWORLD.glob("*/content/**/*.md")]):
        lines = path.read_text(encoding="utf-8").split("\n")
        lang, code = None, []
        for line in lines:
            if lang is None and line.startswith("```") and line[3:].strip():
                lang, code = line[3:].strip().split()[0], []
            elif lang is not None and line.startswith("```"):
                found.append((lang, "\n".join(code) + "\n"))
                lang = None
            elif lang is not None:
                code.append(line)
    return found


def _expected(code: str, lang: str) -> str:
    from generator.content.highlight import _lexer

    lexer = _lexer(lang)
    assert lexer is not None
    return pygments_highlight(code, lexer, HtmlFormatter(cssclass="highlight", nowrap=False))


def test_every_language_writes_what_pygments_writes():
    rng = random.Random(18)
    alphabet = "ab \n\t<>&\"'{}()[];:#/*-=+.,0123456789\\`$%@!é"
    for _, aliases, _, _ in get_all_lexers(plugins=False):
        if not aliases:
            continue
        lang = aliases[0]
        noise = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 120)))
                 for _ in range(3)]
        for code in [*SNIPPETS, *noise]:
            assert highlight(code, lang) == _expected(code, lang), (lang, code)


def test_real_sites_code_writes_what_pygments_writes():
    snippets = _real_snippets()
    if not snippets:
        pytest.skip("no real site here has fenced code with a language")
    for lang, code in snippets:
        if highlight(code, lang) is not None:
            assert highlight(code, lang) == _expected(code, lang), (lang, code)


def test_an_unknown_language_is_not_highlighted():
    assert highlight("x = 1\n", "nosuchlanguage") is None
    assert highlight("x = 1\n", "") is None
