"""Split a content file into YAML (`---`) or TOML (`+++`) front matter and Markdown body; load
it safely, with lines.

Why not plain `yaml.safe_load`: we need every key's line for error messages, duplicate keys
as errors (PyYAML silently keeps the last), and YAML 1.2 booleans so `niche: no` stays "no".
TOML (Hugo's and Zola's spelling) is read with the standard library's `tomllib`; its key lines
come from a light scan of the text, as `tomllib` keeps none.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.errors import CasefolioError, Problem

try:  # the C parser is ~10x faster; resolution and construction stay in Python either way
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

Positions = dict[tuple[str | int, ...], int]

MAX_DEPTH = 64          # real front matter nests 3 or 4 levels; this keeps recursion bounded
MAX_VALUES = 100_000    # aliases can multiply a tiny file into billions of values ("YAML bomb")
# Characters no web page or XML feed may contain (XML 1.0 `Char`), reachable through escapes
# such as "\x01" or "\uFFFE" in double-quoted YAML; YAML itself refuses them when written raw.
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_OPENING = re.compile(r"(---|\+\+\+)[ \t]*(?:\n|\Z)")

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:merge",
}


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader whose booleans are YAML 1.2's: only true/false, never yes/no/on/off."""

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        """The tag of a node; a plain scalar's depends on its text alone, so short ones (keys,
        numbers, dates: the same from file to file) are looked up once."""
        if kind is not yaml.ScalarNode or not implicit[0] or len(value) > 64:
            return super().resolve(kind, value, implicit)  # type: ignore[no-any-return]
        tag = _implicit_tags.get(value)
        if tag is None:
            if len(_implicit_tags) >= 50_000:
                _implicit_tags.clear()
            tag = _implicit_tags[value] = super().resolve(kind, value, implicit)
        return tag


_implicit_tags: dict[str, str] = {}  # a plain scalar's text -> its tag, for _Loader.resolve


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.yaml_implicit_resolvers.setdefault(_first, []).insert(
        0, ("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"))
    )


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """A content file split in two: metadata (with each key's line) and the Markdown body."""

    meta: dict[str, Any]
    positions: Positions
    body: str
    body_line: int  # 1-based line of the body's first line in the file


def normalize_text(text: str) -> str:
    """Drop a BOM and turn CRLF / CR line endings into LF, so Windows-edited files just work."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split(text: str, path: str) -> FrontMatter:
    """Split `---` fenced YAML (or `+++` fenced TOML) front matter from the body; raise
    CasefolioError if malformed."""
    text = normalize_text(text)
    if not text.strip():
        raise CasefolioError([Problem(path, 1, "the file is empty",
                                      "start it with front matter between two `---` lines")])
    opening = _OPENING.match(text)
    if opening is None:
        raise CasefolioError([Problem(path, 1, "no front matter",
                                      "start the file with a `---` line, the YAML fields "
                                      "(at least `title:`), then another `---` line")])
    toml = opening.group(1) == "+++"
    start = opening.end()
    closing = r"^\+\+\+[ \t]*$" if toml else r"^(?:---|\.\.\.)[ \t]*$"
    end = re.search(closing, text[start:], flags=re.MULTILINE)
    if end is None:
        fence = "+++" if toml else "---"
        raise CasefolioError([Problem(path, 1, "front matter is never closed",
                                      f"add a line with just `{fence}` after the last "
                                      f"{'TOML' if toml else 'YAML'} field")])
    yaml_text = text[start:start + end.start()]
    rest = text[start + end.end():]
    body = rest[1:] if rest.startswith("\n") else rest
    body_line = 2 + yaml_text.count("\n") + 1
    if toml:
        meta, positions = load_toml(yaml_text, path, first_line=2)
    else:
        meta, positions = load_yaml(yaml_text, path, first_line=2)
    positions.setdefault((), 1)  # empty front matter: "missing field" problems point at `---`
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise CasefolioError([Problem(path, 2, "front matter must be a set of `key: value` fields, "
                                      f"not a {_kind(meta)}", "write one `key: value` per line")])
    return FrontMatter(meta, positions, body, body_line)


def load_yaml(text: str, path: str, first_line: int = 1) -> tuple[Any, Positions]:
    """Safely load one YAML document, returning the value and the line of every key and item."""
    positions: Positions = {}
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, positions
        # Only a `\` escape makes a character that the text does not hold.
        clean = "\\" not in text and not _UNSHOWABLE.search(text)
        value = _Builder(loader, positions, path, first_line, clean).value(node, ())
    except yaml.MarkedYAMLError as exc:
        raise CasefolioError([_yaml_problem(exc, text, path, first_line)]) from None
    except yaml.reader.ReaderError as exc:
        raise CasefolioError([_reader_problem(exc, text, path, first_line)]) from None
    except yaml.YAMLError as exc:
        raise CasefolioError([Problem(path, first_line, f"invalid YAML: {exc}")]) from None
    except RecursionError:  # the pure-Python composer, on pathologically deep input
        raise CasefolioError([Problem(path, first_line, "the YAML is nested too deeply",
                                      f"keep lists and mappings under {MAX_DEPTH} levels "
                                      "deep")]) from None
    finally:
        loader.dispose()
    return value, positions


_TOML_TABLE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"
                       r"\"[^\"]*\"|'[^']*'))*)\s*=")
_TOML_LINE = re.compile(r"\bline (\d+)\b")


def load_toml(text: str, path: str, first_line: int = 1) -> tuple[dict[str, Any], Positions]:
    """Load TOML front matter, with the line of each key as far as a line scan can tell."""
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib (before Python 3.14) keeps the line only in its message: "... (at line 3,
        # column 5)"; a message without one points at the opening `+++`.
        line = getattr(exc, "lineno", None)
        if line is None and (found := _TOML_LINE.search(str(exc))):
            line = int(found[1])
        reason = str(exc).split(" (at ")[0]
        raise CasefolioError([Problem(
            path, (line + first_line - 1) if line else first_line - 1,
            f"invalid TOML: {reason}",
            'quote text (title = "Checkout: the fix"), write dates as 2025-03-14, and give '
            "each key once")]) from None
    except RecursionError:
        raise CasefolioError([Problem(path, first_line, "the TOML is nested too deeply",
                                      f"keep lists and tables under {MAX_DEPTH} levels "
                                      "deep")]) from None
    _check_toml_text(value, path, first_line)
    return value, _toml_positions(text, first_line)


def _toml_positions(text: str, first_line: int) -> Positions:
    positions: Positions = {}
    table: tuple[str | int, ...] = ()
    counts: dict[tuple[str | int, ...], int] = {}
    for number, line in enumerate(text.split("\n"), first_line):
        if header := _TOML_TABLE.match(line):
            names = tuple(_toml_key_parts(header[2]))
            if header[1] == "[[":  # an array of tables: each header starts the next item
                index = counts.get(names, -1) + 1
                counts[names] = index
                positions.setdefault(names, number)
                table = (*names, index)
            else:
                table = names
            positions.setdefault(table, number)
        elif key := _TOML_KEY.match(line):
            positions.setdefault((*table, *_toml_key_parts(key[1])), number)
    return positions


def _toml_key_parts(dotted: str) -> list[str]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", dotted)
    return [next(p for p in part if p) if any(part) else "" for part in parts]


def _check_toml_text(value: Any, path: str, first_line: int) -> None:
    """TOML escapes can smuggle in what YAML refuses: control characters no page may hold."""
    if isinstance(value, str) and (bad := _UNSHOWABLE.search(value)):
        raise CasefolioError([Problem(path, first_line, "the text contains the invisible "
                                      f"control character U+{ord(bad[0]):04X}, which a web "
                                      "page or feed cannot contain", "delete it")])
    if isinstance(value, dict):
        for item in value.values():
            _check_toml_text(item, path, first_line)
    elif isinstance(value, list):
        for item in value:
            _check_toml_text(item, path, first_line)


_TEXT = "tag:yaml.org,2002:str"
# Scalars' constructors, called directly: construct_object's bookkeeping is for collections
# (a scalar is a new immutable value however many aliases name it).
_SCALARS = {tag: _Loader.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp")}


@dataclass(slots=True)
class _Builder:
    """Turns YAML nodes into plain Python, refusing what front matter never needs: unknown
    tags, alias cycles, nesting past MAX_DEPTH and more than MAX_VALUES values."""

    loader: Any
    positions: Positions
    path: str
    first_line: int
    clean: bool = False  # no value can hold a character that _UNSHOWABLE finds
    count: int = 0
    merged: dict[int, int] = field(default_factory=dict)  # id(mapping node) -> merged pairs

    def fail(self, line: int, message: str, hint: str) -> CasefolioError:
        return CasefolioError([Problem(self.path, line, message, hint)])

    def value(self, node: yaml.Node, at: tuple[str | int, ...], depth: int = 0,
              record: bool = True) -> Any:
        line = node.start_mark.line + self.first_line
        if record:
            self.positions.setdefault(at, line)
        self.count += 1
        if node.tag not in _STANDARD_TAGS:
            raise self.fail(line, f"the YAML tag `{node.tag}` is not allowed",
                            "remove the `!!...` tag; casefolio only reads plain YAML values "
                            "(text, numbers, dates, lists, mappings)")
        if depth > MAX_DEPTH:
            raise self.fail(line, "the YAML is nested too deeply (or an alias refers to "
                            "itself)", f"keep lists and mappings under {MAX_DEPTH} levels deep")
        if self.count > MAX_VALUES:
            raise self.fail(line, f"the YAML holds more than {MAX_VALUES:,} values (aliases "
                            "`*name` repeat what they point to)",
                            "front matter is for a page's fields; move bulk data elsewhere")
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, at, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*at, i), depth + 1)
                    for i, item in enumerate(node.value)]
        return self.scalar(node, line)

    def mapping(self, node: yaml.MappingNode, at: tuple[str | int, ...], depth: int,
                ) -> dict[str, Any]:
        if id(node) not in self.merged:  # an alias visits the same node again: flatten once
            own = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
            self.loader.flatten_mapping(node)  # pairs from `<<: *base` now come first
            self.merged[id(node)] = len(node.value) - own
        result: dict[str, Any] = {}
        own_lines: dict[str, int] = {}
        for index, (key_node, value_node) in enumerate(node.value):
            key_line = key_node.start_mark.line + self.first_line
            if (not isinstance(key_node, yaml.ScalarNode)
                    or key_node.tag == "tag:yaml.org,2002:null"):
                raise self.fail(key_line, "a key must be a simple name", "write `name: value`")
            key = str(key_node.value)  # as written: `true:` stays "true", `1:` stays "1"
            if (key_node.tag == _TEXT and depth < MAX_DEPTH and self.count < MAX_VALUES
                    and (self.clean or not _UNSHOWABLE.search(key))):
                self.count += 1  # what value() does with a key that passes every check
            else:
                self.value(key_node, at, depth + 1, record=False)  # checks its tag and text
            if index >= self.merged[id(node)]:  # the mapping's own key, not a merged one
                if key in own_lines:
                    raise self.fail(key_line, f"duplicate key `{key}` (first set on line "
                                    f"{own_lines[key]})", "keep one of the two lines")
                own_lines[key] = key_line
            self.positions[(*at, key)] = key_line
            result[key] = self.value(value_node, (*at, key), depth + 1, record=False)
        return result

    def scalar(self, node: yaml.Node, line: int) -> Any:
        try:
            # Text is the node's own value (what PyYAML's constructor returns for it, at a
            # tenth of the cost: most scalars of front matter are text).
            tag = node.tag
            value = (node.value if tag == _TEXT else _SCALARS[tag](self.loader, node)
                     if tag in _SCALARS else self.loader.construct_object(node, deep=True))
        except (ValueError, OverflowError) as exc:
            shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
            reason = str(exc) if len(str(exc)) <= 80 else "too long"
            raise self.fail(line, f"`{shown}` is not a valid value: {reason}",
                            "dates are written YYYY-MM-DD, e.g. 2025-03-14"
                            if node.tag.endswith("timestamp") else "quote it to keep it as text"
                            ) from None
        if not self.clean and isinstance(value, str) and (bad := _UNSHOWABLE.search(value)):
            raise self.fail(line, f"the text contains the invisible control character "
                            f"U+{ord(bad[0]):04X}, which a web page or feed cannot contain",
                            "delete it (it usually comes from copy-pasting); to write a "
                            "`\\` in double quotes, write `\\\\`")
        return value


_HINTS = (  # (words in PyYAML's message, what to do about it), first match wins
    (("tab character", "\\t"), "YAML does not allow tabs for indentation; use spaces"),
    (("end of stream", "did not find expected ',' or", "did not find expected node content"),
     "a quote or bracket opened here is never closed"),
    (("could not find expected ':'", "mapping values are not allowed"),
     'quote text that contains `: ` (e.g. title: "Checkout: the fix")'),
    (("escape",), "inside double quotes `\\` starts an escape: write `\\\\` for a backslash, "
                  "or use single quotes"),
    (("undefined alias",), "`*name` needs an anchor `&name` above it; quote text that starts "
                           "with `*`"),
    (("cannot start any token",), "quote a value that starts with @, ` or %"),
    (("document start", "directive"), "remove the `%...` line: front matter is plain fields"),
    (("merging",), "`<<:` must point at a mapping, e.g. `<<: *defaults`"),
)


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, path: str, first_line: int) -> Problem:
    unclosed = any(w in str(exc.problem) for w in ("did not find expected", "end of stream"))
    # For something never closed, the line where it was opened is the useful one.
    mark = (exc.context_mark if unclosed else None) or exc.problem_mark or exc.context_mark
    line = (mark.line + first_line) if mark else first_line
    lines = text.split("\n")
    bad_line = lines[mark.line] if mark and mark.line < len(lines) else ""
    what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
    hint = next((h for words, h in _HINTS if any(w in what for w in words)),
                "check the indentation, quotes and brackets on this line")
    if "\t" in bad_line[: len(bad_line) - len(bad_line.lstrip())]:
        hint = _HINTS[0][1]
    return Problem(path, line, f"invalid YAML: {what}", hint)


def _reader_problem(exc: yaml.reader.ReaderError, text: str, path: str,
                    first_line: int) -> Problem:
    """A character YAML refuses outright (a raw control character pasted in)."""
    line = text.count("\n", 0, max(exc.position, 0)) + first_line
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return Problem(path, line, f"the invisible control character U+{ord(char):04X} is not "
                   "allowed here", "delete it (it usually comes from copy-pasting)")


def _kind(value: Any) -> str:
    return {list: "list", str: "text", int: "number", float: "number", bool: "boolean",
            dt.date: "date"}.get(type(value), type(value).__name__)
