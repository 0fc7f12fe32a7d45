"""Read YAML (files and front matter) into plain values that remember where each came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chmgen import frontmatter
from chmgen.errors import Problems, SourceLocation
from chmgen.frontmatter import markdown_body as markdown_body  # (re-exported)

if TYPE_CHECKING:
    import yaml

# (PyYAML is imported where a text is parsed: a build that takes the whole site from the load
# cache, after a template edit, parses none, and the import is 15 ms.)

KeyPath = tuple[str | int, ...]


@dataclass
class YamlDoc:
    """Plain data parsed from YAML plus the 1-based line/column of every value and mapping key."""

    path: Path
    data: Any
    value_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)

    def loc(self, keypath: KeyPath, *, at_key: bool = False) -> SourceLocation:
        """Location of the value (or of its key) at ``keypath``, else of the nearest parent."""
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


@cache
def _fast_loader() -> Any:
    """libyaml's loader, when PyYAML has it."""
    import yaml

    return getattr(yaml, "CSafeLoader", None)


# Aliases may expand a small file into a huge value ("billion laughs"): cap the expanded size.
MAX_EXPANDED_NODES = 200_000


def parse_yaml(
    text: str, path: Path, problems: Problems, *, line_offset: int = 0
) -> YamlDoc | None:
    """Parse one YAML document; on a syntax error record a located problem and return None."""
    import yaml

    fast_loader = _fast_loader()
    if fast_loader is not None:
        # libyaml's parser, when present, is ~10x faster; any failure is parsed again by the
        # pure-Python parser, whose messages name the problem the same way on every machine.
        fast = fast_loader(text)
        try:
            node = fast.get_single_node()
            doc = YamlDoc(path, None)
            if node is not None:
                if "&" in text:  # without an anchor there is no alias to expand
                    _check_expansion(node, path, line_offset)
                doc.data = _Converter(fast, doc, line_offset).convert(node, ())
            return doc
        except Exception:  # noqa: BLE001 (re-parsed below for the message)
            pass
        finally:
            fast.dispose()
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        doc = YamlDoc(path, None)
        if node is not None:
            _check_expansion(node, path, line_offset)
            doc.data = _Converter(loader, doc, line_offset).convert(node, ())
        return doc
    except yaml.reader.ReaderError as exc:
        # A character YAML does not allow (a control character, NUL, …).
        before = text[: exc.position]
        line = before.count("\n") + 1 + line_offset
        col = exc.position - (before.rfind("\n") + 1) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        problems.error(SourceLocation(path, line, col),
                       f"YAML syntax error: character U+{ord(char):04X} is not allowed here")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
        what = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        problems.error(SourceLocation(path, line, col), f"YAML syntax error: {what}{context}")
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        problems.error(SourceLocation(path, 1 + line_offset, 1), f"YAML error: {first}")
    except _LocatedYamlError as err:
        problems.error(err.location, err.message)
    finally:
        if loader is not None:
            loader.dispose()
    return None


class _LocatedYamlError(Exception):
    def __init__(self, location: SourceLocation, message: str) -> None:
        super().__init__(message)
        self.location, self.message = location, message


def _mark(node: yaml.Node, line_offset: int) -> tuple[int, int]:
    return node.start_mark.line + 1 + line_offset, node.start_mark.column + 1


def _check_expansion(root: yaml.Node, path: Path, offset: int) -> None:
    """Refuse recursive aliases and aliases that expand past MAX_EXPANDED_NODES."""
    import yaml

    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            line, col = _mark(node, offset)
            raise _LocatedYamlError(SourceLocation(path, line, col),
                                    "YAML error: an alias refers to itself (recursive alias)")
        active.add(key)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                line, col = _mark(node, offset)
                raise _LocatedYamlError(SourceLocation(path, line, col),
                                        "YAML error: aliases expand this file to more than "
                                        f"{MAX_EXPANDED_NODES:,} values")
        active.discard(key)
        sizes[key] = total
        return total

    size(root)


_STR = "tag:yaml.org,2002:str"
_MERGE, _VALUE = "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value"


class _Converter:
    """Turns composed YAML nodes into plain values, recording where each value came from."""

    def __init__(self, loader: yaml.SafeLoader, doc: YamlDoc, offset: int) -> None:
        import yaml

        self.loader, self.doc, self.offset = loader, doc, offset
        self.mappings, self.sequences = yaml.MappingNode, yaml.SequenceNode
        self.refused = yaml.constructor.ConstructorError

    def convert(self, node: yaml.Node, keypath: KeyPath) -> Any:
        self.doc.value_marks[keypath] = _mark(node, self.offset)
        if isinstance(node, self.mappings):
            return self.mapping(node, keypath)
        if isinstance(node, self.sequences):
            return [self.convert(item, (*keypath, i)) for i, item in enumerate(node.value)]
        if node.tag == _STR:  # what the safe constructor gives a string: its text
            return node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError, self.refused) as exc:
            # e.g. an impossible date such as 2024-02-30, or an unknown !tag
            line, col = _mark(node, self.offset)
            where = SourceLocation(self.doc.path, line, col, format_key(keypath))
            reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise _LocatedYamlError(where, f"invalid value {node.value!r}: {reason}") from None

    def mapping(self, node: yaml.MappingNode, keypath: KeyPath) -> dict[str, Any]:
        # Keys written in this mapping (not brought in by a << merge) may not repeat; a merged
        # key is overridden by one written here, as YAML specifies.
        tags = {key.tag for key, _ in node.value}
        own: set[int] | None = None  # None: every key is written here (no merge)
        if _MERGE in tags or _VALUE in tags:
            own = {id(key) for key, _ in node.value if key.tag != _MERGE}
            self.loader.flatten_mapping(node)
        result: dict[str, Any] = {}
        written: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _STR:  # what the safe constructor gives a string key: its text
                key = key_node.value
            else:
                key = self.loader.construct_object(key_node, deep=True)
                key = key if isinstance(key, str) else str(key)
            child = (*keypath, key)
            if key in written and (own is None or id(key_node) in own):
                line, col = _mark(key_node, self.offset)
                raise _LocatedYamlError(
                    SourceLocation(self.doc.path, line, col, format_key(child)),
                    f"duplicate key '{key}' in the same mapping")
            if own is None or id(key_node) in own:
                written.add(key)
            self.doc.key_marks[child] = _mark(key_node, self.offset)
            result[key] = self.convert(value_node, child)
        return result


def split_front_matter(
    text: str, path: Path, problems: Problems
) -> tuple[YamlDoc | None, str, int]:
    """Split ``---``-fenced YAML front matter from a Markdown body.

    Returns the parsed front matter (None when absent or broken), the body, and the line number
    (1-based) where the body starts, so Markdown problems can be located too.
    """
    parts = frontmatter.split(text)
    if parts is None:
        problems.error(
            SourceLocation(path, 1, 1),
            "front matter starts with '---' but has no closing '---' line",
        )
        return None, "", 1
    front, body, body_line = parts
    if front is None:
        return YamlDoc(path, {}), body, body_line
    doc = parse_yaml(front, path, problems, line_offset=1)
    if doc is not None and doc.data is None:
        doc.data = {}
    return doc, body, body_line
