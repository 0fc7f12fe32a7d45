"""Where a Markdown file's ``---``-fenced front matter ends, without reading it as YAML.

The process that converts a site's Markdown while the site loads (``rendercache``) needs the
bodies only: it is started before YAML is imported, a hundredth of a second sooner.
"""

from __future__ import annotations


def markdown_body(text: str) -> str | None:
    """The body ``yamldoc.split_front_matter`` finds in ``text``, without reading the front
    matter (None when it is not closed)."""
    parts = split(text)
    return None if parts is None else parts[1]


def split(text: str) -> tuple[str | None, str, int] | None:
    """The front matter's text (None when there is none), the body and the line the body
    starts on; None when the front matter is not closed."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    return None
