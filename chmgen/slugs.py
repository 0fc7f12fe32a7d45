"""Turn free words (theme names) into URL-safe slugs."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    """``"Marine & coastal"`` → ``marine-coastal``; non-Latin words keep their letters."""
    normal = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(ch for ch in normal if not unicodedata.combining(ch)).lower()
    slug = re.sub(r"[^\w]+", "-", ascii_only, flags=re.UNICODE).strip("-_")
    return slug or "theme"
