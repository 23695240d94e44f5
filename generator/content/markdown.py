"""Markdown body -> Rendered record; a pure function of its arguments, so it caches by content hash.

Two engines give byte-identical records: markdown-it-py is the reference, and markdown-it-pyrs
(Rust; about half the time per page) takes the documents it renders the same way (`_render_fast`).
Links to other `.md` files and local images come out as placeholders that `fill` replaces
once the site knows every page's URL and every image's `<picture>`:

    links:  casefolio-link-N-7f3a           (the whole value of an href attribute)
    images: <!--casefolio-image-N-7f3a-->    (in place of the whole <img> tag)

Both survive HTML escaping; any look-alike the author wrote is defused, so only ours get filled.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLinkText
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_all_lexers, get_lexer_by_name
from slugify import slugify

from generator.pickling import pickled_by_fields

try:
    import markdown_it_pyrs
except ImportError:  # e.g. PyPy: the reference engine then renders everything
    markdown_it_pyrs = None  # type: ignore[assignment]

@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Heading:
    level: int  # 2..3 (h2, h3 only go in the toc)
    text: str  # plain text of the heading
    anchor: str  # id attribute
    line: int  # 1-based line in the ORIGINAL file (line_offset applied)
    unnumbered: bool = False  # marked `{-}` or `{.unnumbered}`, as in Pandoc: prose, not an item


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Link:
    target: str  # href as written (entities, escapes, %XX decoded), e.g. "../a.md#b"
    line: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Image:
    src: str  # as written, e.g. "checkout-before.png"
    alt: str
    title: str
    line: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Section:
    """The body split at each top-level `##`: a practice collection has one per practice."""

    anchor: str  # '' for the intro before the first h2
    title: str  # '' for the intro
    line: int
    html: str  # the section's html, the h2 itself EXCLUDED (the theme renders the heading)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Rendered:
    html: str  # whole body html
    toc: tuple[Heading, ...]  # top-level h2 and h3
    links: tuple[Link, ...]  # internal links, in order; index = N in the placeholder
    images: tuple[Image, ...]  # local images, in order; index = N in the placeholder
    sections: tuple[Section, ...]  # the intro (when not empty), then one per top-level h2
    words: int  # word count of the text (for reading time)
    text: str  # the whole plain text, whitespace collapsed


LINK_TOKEN = "casefolio-link-{}-7f3a"
IMAGE_TOKEN = "<!--casefolio-image-{}-7f3a-->"
TOKEN_RE = re.compile(r"casefolio-link-(\d+)-7f3a|<!--casefolio-image-(\d+)-7f3a-->")
_LOOKALIKE = re.compile(r"casefolio-(?=(?:link|image)-\d+-7f3a)")
# While rendering, placeholders are NUL-delimited: markdown turns every NUL into U+FFFD, so
# these cannot come from the author. They become the public tokens at the very end.
_INTERNAL = re.compile("\x00([LI])(\\d+)\x00")
_PUBLIC = {"L": LINK_TOKEN, "I": IMAGE_TOKEN}


def fill(html: str, links: Sequence[str], images: Sequence[str]) -> str:
    """Replace the placeholders with final link URLs (escaped here) and final image html."""

    def one(m: re.Match[str]) -> str:
        return escapeHtml(links[int(m[1])]) if m[1] is not None else images[int(m[2])]

    return TOKEN_RE.sub(one, html) if "casefolio-" in html else html


_EMPTY_TH = re.compile(r"<th( [^>]*)?>\s*</th>")


def _nothing(html: str) -> str:
    return ""


def _publish(html: str) -> str:
    if "<th" in html:  # a header cell with no text is an accessibility error: make it a td
        html = _EMPTY_TH.sub(r"<td\1></td>", html)
    if "casefolio-" in html:  # an author's look-alike: `&#45;` reads the same, never fills
        html = _LOOKALIKE.sub("casefolio&#45;", html)
    if "\x00" in html:
        html = _INTERNAL.sub(lambda m: _PUBLIC[m[1]].format(m[2]), html)
    return html


# --- shared by both engines: everything derived from html is derived the same way ---------

CALLOUTS = ("tip", "note", "warning", "important")
_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>|\x00I\d+\x00", re.S | re.I)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
# A heading's trailing attributes, Pandoc style: `{#id}`, `{-}`, `{.unnumbered}`, or together
# (`{#intro .unnumbered}`); on its last text token, and the same on its inner html.
_EXPLICIT_TEXT = re.compile(r"\s*\{([^{}\n]*)\}\s*\Z")
_EXPLICIT_HTML = re.compile(r"\s*\{([^{}<\n\x00]*)\}\s*\Z")
_UNNUMBERED = ("-", ".unnumbered")


def _attributes(block: str) -> tuple[str | None, bool] | None:
    """`#intro .unnumbered` -> ('intro', True): the explicit id and whether the heading is
    unnumbered; None when the braces are not attributes (`{braces}` stays text)."""
    parts = block.split()
    if block.startswith("#") and not any(p in _UNNUMBERED for p in parts):
        return block[1:], False  # `{#my id!}`: the whole is the id (cleaned later)
    if not parts or not all(p in _UNNUMBERED or p.startswith("#") for p in parts):
        return None
    ids = [p[1:] for p in parts if p.startswith("#")]
    return (ids[-1] if ids else None), True


_NOT_ID = re.compile(r"[^\w-]+")  # letters of any script stay (`{#über}`); HTML ids allow them



def _hugo_id(text: str) -> str:
    """Hugo's (goldmark's `github` type): trimmed; `-` and space -> `-`; letters, digits and
    `_` lowercased; all else (punctuation, symbols, marks) dropped."""
    return "".join("-" if c in "- " else c.lower() if c.isalpha() or c == "_"
                   or unicodedata.category(c) == "Nd" else "" for c in text.strip())


def _github_id(text: str) -> str:
    """GitHub's (github-slugger): lowercased; punctuation, symbols, controls and separators
    dropped, except `-`, `_` and spaces, each space -> `-`; letters, marks, numbers stay."""
    return "".join("-" if c == " " else c if c in "-_"
                   or unicodedata.category(c)[0] not in "CPSZ" else "" for c in text.lower())


@lru_cache(maxsize=4096)  # the same headings recur from page to page: "Results", "The fix"
def _slug(text: str) -> str:
    return slugify(text, entities=False) or "section"


_as_written = lru_cache(maxsize=4096)(normalizeLinkText)  # undoes markdown-it's %-encoding


def _plain(html: str) -> str:
    if "<" in html or "\x00" in html:  # (most headings hold neither)
        html = _TAGS.sub("", html)
    return " ".join(unescape(html).split())


def _relative(url: str) -> bool:
    return bool(url) and not url.startswith(("/", "#")) and not _SCHEME.match(url)


def _internal(url: str) -> bool:
    return _relative(url) or (url.startswith("/") and not url.startswith("//")) or (
        len(url) > 1 and url.startswith("#"))


_RAW_URL = re.compile(r"""(\s(src|href|poster|srcset)\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.I)
_SEPARATORS = re.compile(r"[\s,]*")
_URL = re.compile(r"\S+")
_DESCRIPTORS = re.compile(r"[^,]*")


def _raw_html(html: str, found: _Found, line: int) -> str:
    """Raw HTML's relative and root-relative `src`, `href`, `poster` and each `srcset`
    candidate's URL as link placeholders (a candidate's `2x` or `800w` stays as written)."""
    lowered = html.lower()
    if "src" not in lowered and "href" not in lowered and "poster" not in lowered:
        return html

    def one(m: re.Match[str]) -> str:
        start = m.start(3) if m[3] is not None else m.start(4)
        value = m[3] if m[3] is not None else m[4]
        if m[2].lower() != "srcset":
            slot = found.link(unescape(value), line + html.count("\n", 0, start))
            return m[0] if slot is None else f'{m[1]}"{slot}"'
        kept = "".join(part if i % 2 == 0 else found.link(unescape(part), line + html.count(
            "\n", 0, start + offset)) or part for i, (offset, part) in enumerate(_srcset(value)))
        return f'{m[1]}"{kept}"'

    return _RAW_URL.sub(one, html)


def _srcset(value: str) -> list[tuple[int, str]]:
    """A srcset split as the HTML standard reads it: (offset, text) pieces alternating between
    what stays (separators, descriptors) and each candidate's URL: a run of non-blanks less
    trailing commas, so a URL may hold commas (`w_300,h_200/a.jpg`)."""
    pieces: list[tuple[int, str]] = []
    kept = pos = 0
    while True:
        pos = _SEPARATORS.match(value, pos).end()  # type: ignore[union-attr]
        if pos == len(value):
            return [*pieces, (kept, value[kept:])]
        token = _URL.match(value, pos)[0]  # type: ignore[index]
        url = token.rstrip(",")
        pieces += [(kept, value[kept:pos]), (pos, url)]
        kept = pos = pos + len(url)
        if url == token:  # its descriptors (`2x`, `800w`) run to the next comma
            pos = _DESCRIPTORS.match(value, pos).end()  # type: ignore[union-attr]


@dataclass(slots=True)
class _Found:
    """What one render collects, in document order; hands out placeholders and unique ids."""

    offset: int
    anchors: str = "default"  # how heading ids are made: one of schema.ANCHORS
    section_html: bool = True  # False: each Section's html is left empty
    toc: list[Heading] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    next_suffix: dict[str, int] = field(default_factory=dict)

    def link(self, href: str, line: int) -> str | None:
        """The placeholder for an internal link (to a file, relative or root-relative, or to
        an anchor), or None when the href stays as is (another site, mailto:...)."""
        target = _as_written(href)
        if not _internal(target):
            return None
        self.links.append(Link(target, line + self.offset))
        return f"\x00L{len(self.links) - 1}\x00"

    def image(self, src: str, alt: str, title: str, line: int) -> str | None:
        """The placeholder for a local image, or None when the <img> stays."""
        target = _as_written(src)
        if not (_relative(target) or (target.startswith("/") and not target.startswith("//"))):
            return None
        self.images.append(Image(target, alt, title, line + self.offset))
        return f"\x00I{len(self.images) - 1}\x00"

    def heading(
        self, level: int, inner: str, explicit: str | None, line: int, top: bool,
        unnumbered: bool = False,
    ) -> Heading:
        text = _plain(inner)
        base = _NOT_ID.sub("", explicit or "") or self._auto_id(inner, text)
        first = 1 if self.anchors == "default" else 0  # a second `base`: -2, or Hugo's -1
        n = self.next_suffix.get(base, first)
        anchor = base if n == first else f"{base}-{n}"
        while anchor in self.ids:
            n += 1
            anchor = f"{base}-{n}"
        self.next_suffix[base] = n + 1
        self.ids.add(anchor)
        heading = Heading(level, text, anchor, line + self.offset, unnumbered)
        if top and level in (2, 3):
            self.toc.append(heading)
        return heading

    def _auto_id(self, inner: str, text: str) -> str:
        if self.anchors == "default":
            return _slug(text)
        spaced = unescape(_TAGS.sub("", inner))  # not collapsed: two spaces are two `-`
        if self.anchors == "hugo":
            return _hugo_id(spaced) or "heading"
        return _github_id(spaced.strip()) or "section"

    def finish(self, intro: str, parts: list[tuple[str, str, Heading]]) -> Rendered:
        """intro: the html before the first h2; parts: (h2 html, html after it, h2) for each."""
        html = intro + "".join(head + body for head, body, _ in parts)
        text = _plain(html)
        own = _publish if self.section_html else _nothing
        sections = [Section("", "", 1 + self.offset, own(intro))] if intro.strip() else []
        sections += [Section(h.anchor, h.text, h.line, own(body)) for _, body, h in parts]
        toc, links, images = tuple(self.toc), tuple(self.links), tuple(self.images)
        words = text.count(" ") + 1 if text else 0  # text is its words joined by one space
        return Rendered(_publish(html), toc, links, images, tuple(sections), words, text)


# Pygments' own languages only: plugins would make the output depend on what is installed.
_LANGUAGES = frozenset(a for _, aliases, _, _ in get_all_lexers(plugins=False) for a in aliases)


@lru_cache(maxsize=256)
def _lexer(lang: str) -> Lexer | None:
    return get_lexer_by_name(lang, stripnl=False) if lang.lower() in _LANGUAGES else None


_FORMATTER = HtmlFormatter(cssclass="highlight", nowrap=False)


def _highlight(code: str, lang: str) -> str | None:
    lexer = _lexer(lang) if lang else None
    return highlight(code, lexer, _FORMATTER) if lexer else None


def highlight_css(style_light: str = "default", style_dark: str = "monokai") -> str:
    """Pygments CSS for `.highlight`; the dark style applies when the reader prefers dark."""

    def rules(style: str) -> list[str]:
        formatter = HtmlFormatter(style=style)
        return [
            *formatter.get_background_style_defs(".highlight"),
            *formatter.get_token_style_defs(".highlight"),
        ]

    dark = "\n".join("  " + rule for rule in rules(style_dark))
    return "\n".join(rules(style_light)) + f"\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"


# --- the reference engine: markdown-it-py --------------------------------------------------


def _render_callout(self: Any, tokens: Sequence[Token], idx: int, *_: Any) -> str:
    if tokens[idx].nesting == -1:
        return "</aside>\n"
    name, title = tokens[idx].info.strip().partition(" ")[::2]
    return (
        f'<aside class="callout callout-{name}" role="note">\n'
        f'<p class="callout-title">{escapeHtml(title.strip() or name.capitalize())}</p>\n'
    )


def _render_fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    info = unescapeAll(tokens[idx].info).strip()
    html = _highlight(tokens[idx].content, info.split(maxsplit=1)[0] if info else "")
    return html if html is not None else self.fence(tokens, idx, options, env)


def _render_image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    slot = tokens[idx].meta.get("placeholder")
    return slot if slot is not None else self.image(tokens, idx, options, env)


def _positioned(rule: Callable[[Any, bool], bool]) -> Callable[[Any, bool], bool]:
    """Wrap an inline rule so its link/image token remembers where it starts (for its line)."""

    def wrapped(state: Any, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        for token in [] if silent else state.tokens[count:]:
            if token.type in ("link_open", "image"):
                token.meta["pos"] = start
                break
        return True

    return wrapped


@lru_cache(maxsize=8)
def _reference_parser(raw_html: bool, plugins: tuple[Callable[..., None], ...] = ()) -> MarkdownIt:
    options = {"html": raw_html, "linkify": False, "typographer": False, "maxNesting": 100}
    md = MarkdownIt("commonmark", options).enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    for name in CALLOUTS:
        md.use(container_plugin, name=name, render=_render_callout)
    for rule in md.inline.ruler.__rules__:
        if rule.name in ("link", "image"):
            md.inline.ruler.at(rule.name, _positioned(rule.fn))
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("image", _render_image)
    for plugin in plugins:  # a site's own syntax (see docs/plugins.md)
        md.use(plugin)
    return md


def render_reference(body: str, *, raw_html: bool = True, line_offset: int = 0,
                     plugins: tuple[Callable[..., None], ...] = (),
                     anchors: str = "default", section_html: bool = True) -> Rendered:
    """Render with markdown-it-py: the definition of the right output, and the fallback."""
    md = _reference_parser(raw_html, plugins)
    env: dict[str, Any] = {}
    tokens = md.parse(body, env)
    found = _Found(line_offset, anchors, section_html)
    cuts: list[tuple[int, Heading]] = []
    for i, token in enumerate(tokens):
        if token.type == "inline":
            _walk_inline(md, env, token, found)
        elif token.type == "html_block":
            token.content = _raw_html(token.content, found, token.map[0] + 1 if token.map else 1)
        elif token.type == "heading_open":
            children = tokens[i + 1].children or []
            explicit, unnumbered = _take_explicit_id(children)
            inner = md.renderer.renderInline(  # type: ignore[attr-defined]
                children, md.options, env)
            line = token.map[0] + 1 if token.map else 1
            top = token.level == 0
            heading = found.heading(int(token.tag[1]), inner, explicit, line, top, unnumbered)
            token.attrSet("id", heading.anchor)
            if top and token.tag == "h2":
                cuts.append((i, heading))

    def html(start: int, end: int) -> str:
        return md.renderer.render(tokens[start:end], md.options, env)

    starts = [i for i, _ in cuts] + [len(tokens)]
    parts = [(html(i, i + 3), html(i + 3, starts[k + 1]), h) for k, (i, h) in enumerate(cuts)]
    return found.finish(html(0, starts[0]), parts)


def _walk_inline(md: MarkdownIt, env: Any, inline: Token, found: _Found) -> None:
    first = inline.map[0] + 1 if inline.map else 1
    for child in inline.children or ():
        if child.type not in ("link_open", "image", "html_inline"):
            continue
        line = first + inline.content.count("\n", 0, child.meta.get("pos", 0))
        if child.type == "html_inline":
            child.content = _raw_html(child.content, found, line)
            continue
        if child.type == "link_open":
            slot = found.link(str(child.attrs["href"]), line)
            child.attrs["href"] = slot or child.attrs["href"]
            continue
        alt = md.renderer.renderInlineAsText(  # type: ignore[attr-defined]
            child.children or [], md.options, env)
        slot = found.image(str(child.attrs["src"]), alt, str(child.attrs.get("title", "")), line)
        if slot is not None:
            child.meta["placeholder"] = slot
        else:
            child.attrs.update({"loading": "lazy", "decoding": "async"})


def _take_explicit_id(children: list[Token]) -> tuple[str | None, bool]:
    """Strip trailing `{#id}` / `{-}` attributes from the heading's last text; return them."""
    last = children[-1] if children else None
    match = _EXPLICIT_TEXT.search(last.content) if last and last.type == "text" else None
    found = _attributes(match[1]) if match else None
    if found is None or match is None or last is None:
        return None, False
    last.content = last.content[: match.start()]
    return found


# --- the fast engine: markdown-it-pyrs, for documents it provably renders the same way -------
# Its html differs from the reference only where handled here. It lacks callouts (`:::`),
# and our heading ids, placeholders and highlighting, which we apply to its output (found by
# its `sourcepos` attributes, then stripped). It lays out footnote items differently, numbers
# repeated footnote references differently, and trims only ASCII blanks. And it recurses
# without a nesting limit, so very deep nesting overflows the C stack and kills the process
# (from ~24k nested lists on an 8 MB stack), where markdown-it-py stops at depth 100: block
# nesting takes line-start markers or indentation, inline nesting takes `*_~[` within one
# paragraph, so bounding both bounds the depth. Parity with `render_reference` is tested.

# A line nested (or indented) that deep; a footnote definition's label opens a container too,
# so `[^1]: > > > ...` and `> [^1]: - - ...` count each label as one level.
_DEEP = r"(?:[ \t>*+\-0-9.)]|\[\^[^\]\n]*\]:){64}"
_DEEP_FIRST_LINE, _DEEP_LINE = re.compile(_DEEP), re.compile("\n" + _DEEP)  # (a `\n` to look
# for is a much faster scan than the start of every line, `^` with re.M)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r]*\n")
_INLINE_BUDGET = 1000  # `*_~[` per paragraph: ample for prose, far from overflowing
_MAX_DEPTH = 40  # container depth past which the two engines' limits might differ
_MAYBE_HTML = re.compile(r"<[A-Za-z/!?]")
# markdown-it-py strips every str.isspace() blank, markdown-it-pyrs only ASCII ones; and a NUL
# (U+FFFD once read) is allowed in link destinations by one but not the other.
_ODD_ASCII = "\x00\x0b\x0c\x1c\x1d\x1e\x1f"  # those of them that are ASCII
_ODD_CHARS = re.compile(
    "[\x00\x0b\x0c\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
# markdown-it-pyrs follows an older CommonMark where it differs: a non-ASCII symbol (£, €, ©)
# next to `*_~` is not punctuation to it; an inline comment may not hold `--`, start `<!-->` or
# end `--->`; a line-ending `\\` inside a multi-line link definition breaks it; and it does not
# decode an autolink's %XX (or punycode) in the link text. Such documents go to the reference.
_DELIMITERS = re.compile(r"[*_~]+")
_ANGLED = re.compile(r"<[^<>\s]*>")  # an autolink, or something like one
_ENCODED = re.compile(r"%[0-9A-Fa-f]{2}|xn--", re.I)
_EMPTY_BLOCKQUOTE = re.compile(r'(<blockquote data-sourcepos="[0-9:-]*">)\n(?=</blockquote>)')
_SOURCEPOS = re.compile(r' data-sourcepos="[0-9:-]*"')
_POS = r' data-sourcepos="(?P<{}>\d+):[0-9:-]*"'
_LINK = r"<a" + _POS.format("al") + r' href="(?P<href>[^"]*)"'
_IMAGE = (
    r"<img" + _POS.format("il") + r' src="(?P<src>[^"]*)" alt="(?P<alt>[^"]*)"'
    r'(?: title="(?P<title>[^"]*)")? />'
)
_INLINE = re.compile(f"{_LINK}|{_IMAGE}")
_BLOCKS = re.compile(
    r"<(?P<h>h[1-6])" + _POS.format("hl") + r">(?P<inner>.*?)</(?P=h)>\n"
    r'|<pre><code data-sourcepos="[0-9:-]*" class="language-(?P<lang>[^"]*)">(?P<code>.*?)'
    r"</code></pre>\n"
    r"|<(?P<close>/?)(?:blockquote|ul|ol|li)(?=[ >])"
    f"|{_LINK}|{_IMAGE}",
    re.S,
)
_FOOTNOTE_ITEM = re.compile(r'(<li data-sourcepos="[0-9:-]*" id="fn\d+" class="footnote-item">)\n')
_RULES: list[Any] = ["table", "strikethrough", "footnote", "sourcepos"]
_COMMONMARK_WITHOUT_HTML: list[Any] = [
    "blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph", "reference",
    "autolink", "backticks", "emphasis", "entity", "escape", "image", "link", "newline",
]  # fmt: skip


@lru_cache(maxsize=2)
def _fast_parser(raw_html: bool) -> Any:
    if raw_html:
        return markdown_it_pyrs.MarkdownIt("commonmark").enable_many(_RULES)
    return markdown_it_pyrs.MarkdownIt("zero").enable_many(_COMMONMARK_WITHOUT_HTML + _RULES)


def _inline_markup(text: str) -> int:
    return text.count("*") + text.count("_") + text.count("~") + text.count("[")


def _inline_fast(m: re.Match[str], found: _Found) -> str:
    if m["href"] is not None:
        return f'<a href="{found.link(unescape(m["href"]), int(m["al"])) or m["href"]}"'
    src, alt, title = m["src"], m["alt"], m["title"]
    slot = found.image(unescape(src), unescape(alt), unescape(title or ""), int(m["il"]))
    if slot is not None:
        return slot
    title_attr = f' title="{title}"' if title is not None else ""
    return f'<img src="{src}" alt="{alt}"{title_attr} loading="lazy" decoding="async" />'


def _older_commonmark(body: str, raw_html: bool) -> bool:
    """Whether the body holds a construct where markdown-it-pyrs follows an older CommonMark."""
    if not body.isascii() and _symbol_beside_delimiter(body):
        return True
    if raw_html and "<!--" in body and _newer_comment(body):
        return True
    if "\\\n" in body and "]:" in body:
        return True
    return "<" in body and any(_ENCODED.search(m[0]) for m in _ANGLED.finditer(body))


def _symbol_beside_delimiter(body: str) -> bool:
    """Whether a non-ASCII symbol (Unicode category S) stands right before or after `*_~`."""
    for run in _DELIMITERS.finditer(body):
        start, end = run.span()
        for char in body[start - 1 : start] if start else "", body[end : end + 1]:
            if char and not char.isascii() and unicodedata.category(char)[0] == "S":
                return True
    return False


def _newer_comment(body: str) -> bool:
    """Whether some `<!--...-->` is a comment only to CommonMark 0.31 (in linear time)."""
    start = body.find("<!--")
    while start != -1:
        end = body.find("-->", start + 4)
        if end == -1:
            return False
        text = body[start + 4 : end]
        if text.startswith((">", "->")) or "--" in text or text.endswith("-"):
            return True  # (a second `<!--` before the end puts `--` in the text)
        start = body.find("<!--", end + 3)
    return False


def _odd_chars(body: str) -> bool:
    if body.isascii():  # most bodies: a few substring searches beat a character class scan
        return any(char in body for char in _ODD_ASCII)
    return _ODD_CHARS.search(body) is not None


# A backtick after a `[` with no `]` between them on the same line (the pyrs panic pattern).
_PANICS = re.compile(r"\[[^\]\n]*`")


def _render_fast(body: str, raw_html: bool, line_offset: int,
                 anchors: str = "default", section_html: bool = True) -> Rendered | None:
    """Render with markdown-it-pyrs, or None when the document needs the reference engine."""
    if markdown_it_pyrs is None or ":::" in body or "^[" in body or _odd_chars(body):
        return None
    if "`" in body and "[" in body and _PANICS.search(body):
        return None  # markdown-it-pyrs <= 0.6 panics (loudly, on stderr) on a ` after a lone [
    if _older_commonmark(body, raw_html):
        return None
    if _DEEP_FIRST_LINE.match(body) or _DEEP_LINE.search(body) or (
        _inline_markup(body) > _INLINE_BUDGET
        and max(map(_inline_markup, _PARAGRAPH_BREAK.split(body))) > _INLINE_BUDGET
    ):
        return None
    try:
        html = _fast_parser(raw_html).render(body)
        if raw_html and _MAYBE_HTML.search(body) and html != _fast_parser(False).render(body):
            return None  # raw html present: only the reference engine tells it apart
    except BaseException as exc:  # a Rust panic surfaces as a BaseException
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return None
    footnotes = html.count('class="footnote-item"')
    if html.count('class="footnote-ref"') != footnotes:
        return None  # some footnote is referenced twice
    if footnotes:
        html = _FOOTNOTE_ITEM.sub(r"\1", html)
    if "<blockquote" in html:  # the reference writes an empty blockquote on one line
        html = _EMPTY_BLOCKQUOTE.sub(r"\1", html)
    found = _Found(line_offset, anchors, section_html)
    h2s: list[Heading] = []  # top-level h2s, each marked off by NULs in the output
    depth = [0, 0]  # container depth: now, deepest

    def swap(m: re.Match[str]) -> str:
        if m["close"] is not None:
            depth[0] += -1 if m["close"] else 1
            depth[1] = max(depth)
            return m[0]
        if m["lang"] is not None:
            code = _highlight(unescape(m["code"]), unescape(m["lang"]))
            return m[0] if code is None else code
        if m["h"] is None:
            return _inline_fast(m, found)
        inner = m["inner"]
        if "<a " in inner or "<img " in inner:
            inner = _INLINE.sub(lambda i: _inline_fast(i, found), inner)
        explicit = _EXPLICIT_HTML.search(inner)
        found_attributes = _attributes(unescape(explicit[1])) if explicit else None
        inner = inner[: explicit.start()] if explicit and found_attributes else inner
        explicit_id, unnumbered = found_attributes or (None, False)
        level, top = int(m["h"][1]), depth[0] == 0
        heading = found.heading(level, inner, explicit_id, int(m["hl"]), top, unnumbered)
        tag = f'<{m["h"]} id="{heading.anchor}">{inner}</{m["h"]}>\n'
        if not (top and level == 2):
            return tag
        h2s.append(heading)
        return f"\x00H{tag}\x00H"

    chunks = _SOURCEPOS.sub("", _BLOCKS.sub(swap, html)).split("\x00H")
    if depth[1] > _MAX_DEPTH:
        return None
    parts = [(chunks[2 * k + 1], chunks[2 * k + 2], h) for k, h in enumerate(h2s)]
    return found.finish(chunks[0], parts)


WARM_UP_LANGUAGES = ("python", "javascript", "html", "css", "bash", "json", "yaml", "sql")


def warm_up() -> None:
    """Load what a first render loads (both engines, the highlighter and the lexers of common
    languages), so that the first save in `serve` does not pay ~100 ms for it: the first build
    parsed in worker processes, not in the server's."""
    fences = "".join(f"```{lang}\nx\n```\n\n" for lang in WARM_UP_LANGUAGES)
    sample = (f"# T\n\nA [link](a.md) and ![i](i.png) *and* ~~s~~[^1].\n\n| a |\n|---|\n"
              f"| b |\n\n{fences}[^1]: n\n")
    render(sample)
    render_reference(sample)


def render(body: str, *, raw_html: bool = True, line_offset: int = 0,
           plugins: tuple[Callable[..., None], ...] = (), anchors: str = "default",
           section_html: bool = True) -> Rendered:
    """Render a Markdown body: same arguments, same bytes, whichever engine does the work.
    The fast engine knows no markdown-it plugins: with some, the reference one renders.
    anchors: how heading ids are made, one of schema.ANCHORS (`default`, Hugo's, GitHub's).
    section_html=False leaves each section's html empty, for pages that show the body whole."""
    fast = None if plugins else _render_fast(body, raw_html, line_offset, anchors, section_html)
    return fast or render_reference(body, raw_html=raw_html, line_offset=line_offset,
                                    plugins=plugins, anchors=anchors, section_html=section_html)
