"""How many processes a build runs on, and how it starts one: a module of its own, read before
the renderer is imported (``chmgen build`` decides on its second processes first)."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_jobs() -> int:
    """Worker processes: CHMGEN_JOBS, else one per usable CPU."""
    value = os.environ.get("CHMGEN_JOBS", "")
    return max(1, int(value)) if value.isdigit() else usable_cpus()


def run_forked(task: Callable[[], None]) -> int | None:
    """``task`` run by a forked process, on another core while this one goes on; its pid, to
    wait for, or None where no process is forked (not Linux, the fork failed). The process
    exits when the task ends (status 0 when it returned, 1 when it raised), with nothing of
    this process's flushed or run."""
    if not sys.platform.startswith("linux"):
        return None
    with warnings.catch_warnings():  # (the process runs its task alone and exits)
        warnings.filterwarnings("ignore", r".*fork\(\) may lead to deadlocks",
                                DeprecationWarning)
        try:
            pid = os.fork()
        except OSError:
            return None
    if pid:
        return pid
    status = 1
    try:
        task()
        status = 0
    finally:
        os._exit(status)  # noqa: B012 (nothing of the parent's is run or flushed here)
