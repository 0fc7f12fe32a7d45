"""Load a whole site folder: what the last build kept of reading its files, or read afresh."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from chmgen.errors import Problems
from chmgen.filememo import whole

if TYPE_CHECKING:
    from chmgen.model import Content


def load_site(root: Path, problems: Problems) -> Content | None:
    """Everything under ``root``, validated and cross-linked; None when the configuration
    itself is unusable. A build whose site files are those the last build read takes the
    model that build made (``filememo.whole``) and never imports the readers: their schemas,
    YAML and Markdown front matter code (~7 ms)."""
    return whole(root, problems, lambda found: _read(root, found))


def _read(root: Path, problems: Problems) -> Content | None:
    from chmgen.readsite import read_site

    return read_site(root, problems)
