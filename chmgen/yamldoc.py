"""Read YAML (files and Markdown front matter) into plain values that remember where each came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chmgen.errors import Problems, SourceLocation

KeyPath = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """Plain data parsed from YAML plus the 1-based line/column of every value and mapping key."""

    path: Path
    data: Any
    value_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def loc(self, keypath: KeyPath, *, at_key: bool = False) -> SourceLocation:
        """Location of the value (or of its key) at ``keypath``, falling back to the nearest parent."""
        marks = self.key_marks if at_key else self.value_marks
        probe = keypath
        while True:
            if probe in marks:
                line, col = marks[probe]
                return SourceLocation(self.path, line, col, format_key(keypath))
            if not probe:
                return SourceLocation(self.path, 1, 1, format_key(keypath))
            probe = probe[:-1]
            marks = self.value_marks


def format_key(keypath: KeyPath) -> str:
    """``('gbf_targets', 0, 'target')`` → ``gbf_targets[0].target``."""
    out = ""
    for part in keypath:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def describe(value: Any) -> str:
    """Name a parsed YAML value the way a YAML author would."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "a date" if hasattr(value, "year") else "a value"


def parse_yaml(
    text: str, path: Path, problems: Problems, *, line_offset: int = 0
) -> YamlDoc | None:
    """Parse one YAML document; on a syntax error record a located problem and return None."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        doc = YamlDoc(path, None)
        if node is not None:
            doc.data = _convert(node, loader, (), doc, line_offset)
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
        what = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        problems.error(SourceLocation(path, line, col), f"YAML syntax error: {what}{context}")
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        # Constructor failures without marks, e.g. an impossible date like 2024-02-30.
        problems.error(SourceLocation(path, 1 + line_offset, 1), f"YAML error: {exc}")
    except _LocatedYamlError as err:
        problems.error(err.location, err.message)
    finally:
        loader.dispose()
    return None


class _LocatedYamlError(Exception):
    def __init__(self, location: SourceLocation, message: str) -> None:
        super().__init__(message)
        self.location, self.message = location, message


def _mark(node: yaml.Node, line_offset: int) -> tuple[int, int]:
    return node.start_mark.line + 1 + line_offset, node.start_mark.column + 1


def _convert(
    node: yaml.Node, loader: yaml.SafeLoader, keypath: KeyPath, doc: YamlDoc, offset: int
) -> Any:
    doc.value_marks[keypath] = _mark(node, offset)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves YAML merge keys (<<)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            key = str(key) if not isinstance(key, str) else key
            child = (*keypath, key)
            if key in result:
                line, col = _mark(key_node, offset)
                raise _LocatedYamlError(
                    SourceLocation(doc.path, line, col, format_key(child)),
                    f"duplicate key '{key}' in the same mapping",
                )
            doc.key_marks[child] = _mark(key_node, offset)
            result[key] = _convert(value_node, loader, child, doc, offset)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, loader, (*keypath, i), doc, offset) for i, item in enumerate(node.value)
        ]
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError, yaml.constructor.ConstructorError) as exc:
        # e.g. an impossible date such as 2024-02-30, which YAML itself accepts as a date
        line, col = _mark(node, offset)
        where = SourceLocation(doc.path, line, col, format_key(keypath))
        raise _LocatedYamlError(where, f"invalid value {node.value!r}: {exc}") from None


def split_front_matter(
    text: str, path: Path, problems: Problems
) -> tuple[YamlDoc | None, str, int]:
    """Split ``---``-fenced YAML front matter from a Markdown body.

    Returns the parsed front matter (None when absent or broken), the body, and the line number
    (1-based) where the body starts, so Markdown problems can be located too.
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return YamlDoc(path, {}), text, 1
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            front = "".join(lines[1:index])
            doc = parse_yaml(front, path, problems, line_offset=1)
            if doc is not None and doc.data is None:
                doc.data = {}
            return doc, "".join(lines[index + 1 :]), index + 2
    problems.error(
        SourceLocation(path, 1, 1),
        "front matter starts with '---' but has no closing '---' line",
    )
    return None, "", 1
