"""Split a content file into YAML front matter and Markdown body; load YAML safely, with lines.

Why not plain `yaml.safe_load`: we need every key's line for error messages, duplicate keys
as errors (PyYAML silently keeps the last), and YAML 1.2 booleans so `niche: no` stays "no".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import yaml

from generator.errors import CasefolioError, Problem

try:  # the C parser is ~10x faster; resolution and construction stay in Python either way
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

Positions = dict[tuple[str | int, ...], int]

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:merge",
}


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader whose booleans are YAML 1.2's: only true/false, never yes/no/on/off."""


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
    """Split `---` fenced YAML front matter from the body; raise CasefolioError if malformed."""
    text = normalize_text(text)
    if not text.strip():
        raise CasefolioError([Problem(path, 1, "the file is empty",
                                      "start it with front matter between two `---` lines")])
    if not text.startswith("---\n") and text.rstrip("\n") != "---":
        raise CasefolioError([Problem(path, 1, "no front matter",
                                      "start the file with a `---` line, the YAML fields "
                                      "(at least `title:`), then another `---` line")])
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], flags=re.MULTILINE)
    if end is None:
        raise CasefolioError([Problem(path, 1, "front matter is never closed",
                                      "add a line with just `---` after the last YAML field")])
    yaml_text = text[4:4 + end.start()]
    rest = text[4 + end.end():]
    body = rest[1:] if rest.startswith("\n") else rest
    body_line = 2 + yaml_text.count("\n") + 1
    meta, positions = load_yaml(yaml_text, path, first_line=2)
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
        value = _construct(loader, node, (), positions, path, first_line)
    except yaml.MarkedYAMLError as exc:
        raise CasefolioError([_yaml_problem(exc, text, path, first_line)]) from None
    except yaml.YAMLError as exc:
        raise CasefolioError([Problem(path, first_line, f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    return value, positions


def _construct(loader: Any, node: yaml.Node, at: tuple[str | int, ...], positions: Positions,
               path: str, first_line: int) -> Any:
    """Turn a YAML node into plain Python, iteratively deep enough for real front matter."""
    line = node.start_mark.line + first_line
    positions.setdefault(at, line)
    if node.tag not in _STANDARD_TAGS:
        raise CasefolioError([Problem(path, line, f"the YAML tag `{node.tag}` is not allowed",
                                      "remove the `!!...` tag; casefolio only reads plain YAML "
                                      "values (text, numbers, dates, lists, mappings)")])
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(loader, key_node, at, {}, path, first_line)
            key_line = key_node.start_mark.line + first_line
            if isinstance(key, (dict, list)) or key is None:
                raise CasefolioError([Problem(path, key_line, "a key must be a simple name",
                                              "write `name: value`")])
            key = str(key)
            if key in result:
                raise CasefolioError([Problem(
                    path, key_line, f"duplicate key `{key}` (first set on line "
                    f"{positions[(*at, key)]})", "keep one of the two lines")])
            positions[(*at, key)] = key_line
            result[key] = _construct(loader, value_node, (*at, key), positions, path, first_line)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, (*at, i), positions, path, first_line)
                for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        raise CasefolioError([Problem(path, line, f"`{node.value}` is not a valid value: {exc}",
                                      "dates are written YYYY-MM-DD, e.g. 2025-03-14")]) from None


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, path: str, first_line: int) -> Problem:
    unclosed = any(w in str(exc.problem) for w in ("did not find expected", "end of stream"))
    # For something never closed, the line where it was opened is the useful one.
    mark = (exc.context_mark if unclosed else None) or exc.problem_mark or exc.context_mark
    line = (mark.line + first_line) if mark else first_line
    lines = text.split("\n")
    bad_line = lines[mark.line] if mark and mark.line < len(lines) else ""
    what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
    hint = "check the indentation, quotes and brackets on this line"
    if "\t" in bad_line[: len(bad_line) - len(bad_line.lstrip())] or "\\t" in what:
        hint = "YAML does not allow tabs for indentation; use spaces"
    elif "could not find expected ':'" in what or "mapping values" in what:
        hint = "quote text that contains `: ` (e.g. title: \"Checkout: the fix\")"
    elif "found unexpected end of stream" in what or "quoted scalar" in what:
        hint = "a quote or bracket is opened but never closed"
    return Problem(path, line, f"invalid YAML: {what}", hint)


def _kind(value: Any) -> str:
    return {list: "list", str: "text", int: "number", float: "number", bool: "boolean",
            dt.date: "date"}.get(type(value), type(value).__name__)
