"""The static search index: run Pagefind over the staged site, one index per page language.

Pagefind reads every page that carries ``data-pagefind-body`` (the theme marks ``<main>`` of
content pages), splits the index by ``<html lang>`` and writes its bundle under ``pagefind/``.
The bundle's script finds its own address, so the same output works at a domain root, under a
sub-path (GitHub project pages) and with no network beyond the site itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from chmgen import reference
from chmgen.errors import OutputError
from chmgen.reference import GbfTarget
from chmgen.search_bundle import canonicalize
from chmgen.site import PagePlan, Site

BUNDLE = "pagefind"
# Pagefind's ready-made interfaces; the theme has its own small, accessible one (search.js), so
# these would only add ~420 kB to every upload.
UNUSED_FILES = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-component-ui.js",
                "pagefind-component-ui.css", "pagefind-modular-ui.js",
                "pagefind-modular-ui.css", "pagefind-highlight.js")
TIMEOUT = 600  # seconds; a national CHM of a few thousand pages indexes in a few seconds


def index_site(staging: Path, bundle: Path | None = None) -> dict[str, int]:
    """Index the pages written in ``staging`` into ``bundle`` (default: ``staging/pagefind``);
    returns the pages indexed per language.

    Runs before the staged site is swapped into place, so a failure leaves the published
    site untouched.
    """
    bundle = bundle or staging / BUNDLE
    command = [sys.executable, "-m", "pagefind", "--site", str(staging),
               "--output-path", str(bundle), "--silent"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise OutputError(f"{staging}: search index: could not run Pagefind: {exc}") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise OutputError(f"search index: Pagefind failed (exit {done.returncode}): "
                          + " / ".join(detail or ["no message"])
                          + " (is chmgen installed with its dependencies? `pip install chmgen`)")
    for name in UNUSED_FILES:
        (bundle / name).unlink(missing_ok=True)
    canonicalize(bundle)
    return indexed_languages(bundle)


def indexed_languages(bundle: Path) -> dict[str, int]:
    """Pages per language, as Pagefind's entry file records them."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))
    return {lang: int(info.get("page_count", 0))
            for lang, info in sorted(entry.get("languages", {}).items())}



def page_gbf_targets(site: Site, page: PagePlan) -> tuple[GbfTarget, ...]:
    """The GBF targets a page is about, for the search filter ``gbf_target``: a national
    target's, a GBF target page's, a tagged item's, an indicator's (through the national
    targets using it), and all of them on the alignment page."""
    data = page.data
    if page.key == "gbf/":
        return reference.gbf_targets()
    if "gbf_target" in data:
        return (data["gbf_target"],)
    if "target" in data:
        return tuple(link.target for link in data["target"].gbf_targets)
    if "item" in data:
        return tuple(data["item"].gbf_targets)
    if "indicator" in data:
        return site.gbf_targets_of_indicator(data["indicator"].id)
    return ()
