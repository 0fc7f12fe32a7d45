"""How a run reads the central CHM (``FetchOptions``): apart from the reader itself
(``records.central``, with its HTTP client and parsers), which a build imports only for a site
that reads central CHM records."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chmgen.records.sources import PAGE_SIZE

if TYPE_CHECKING:
    from chmgen.records.transport import Transport

MODES = ("normal", "refresh", "offline", "cache")


@dataclass(frozen=True)
class FetchOptions:
    """How one run reads the central CHM.

    ``mode``: ``normal`` (cache within max_age, else revalidate), ``refresh`` (revalidate
    everything), ``offline`` (cache only, never the network), ``cache`` (like offline and
    silent: for ``chmgen check``). ``api_url`` beats $CHMGEN_API_URL beats chmgen.yml.
    """

    mode: str = "normal"
    api_url: str | None = None
    transport: Transport | None = None
    now: dt.datetime | None = None
    page_size: int = PAGE_SIZE
    workers: int = 3
    attempts: int = 3
    backoff: float = 0.5
    sleep: Callable[[float], None] = field(default=time.sleep)
