"""How many processes a build runs on: a module of its own, read before the renderer is
imported (``chmgen build`` decides on its second processes first)."""

from __future__ import annotations

import os


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_jobs() -> int:
    """Worker processes: CHMGEN_JOBS, else one per usable CPU."""
    value = os.environ.get("CHMGEN_JOBS", "")
    return max(1, int(value)) if value.isdigit() else usable_cpus()
