"""Launch the system Chromium (Debian's, installed by scripts/test) through Playwright.

Playwright's own browser download cannot be used here, so ``executable_path`` points at
``$CHMGEN_CHROMIUM`` (default ``/usr/bin/chromium``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

__all__ = ["CHROMIUM_ARGS", "chromium_path", "launch_chromium"]

# No sandbox (tests run as root), no GPU, and no background traffic: the machine has no
# network beyond localhost, and Chromium's update/sync/QUIC probes would only add noise.
CHROMIUM_ARGS: list[str] = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def chromium_path() -> str:
    """The Chromium binary: ``$CHMGEN_CHROMIUM`` or ``/usr/bin/chromium``."""
    path = os.environ.get("CHMGEN_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"Chromium not found at {path}. Run the tests via scripts/test, which installs "
            "Debian's chromium, or set CHMGEN_CHROMIUM."
        )
    return path


def launch_chromium(playwright: Playwright, **kwargs: object) -> Browser:
    """Start headless system Chromium; extra keyword arguments go to ``chromium.launch``."""
    return playwright.chromium.launch(
        executable_path=chromium_path(),
        headless=True,
        args=CHROMIUM_ARGS,
        **kwargs,  # type: ignore[arg-type]
    )
