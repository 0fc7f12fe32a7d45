"""Worker processes forked to render chunks of pages beside the building process
(chmgen.workers): every chunk once, every result back, and a failure anywhere reported here
with no process left behind."""

from __future__ import annotations

import os
import pickle
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from chmgen.workers import WorkerFailed, render_in_parallel

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="workers are forked on Linux only")


class Noted:
    """What the processes did, kept in files (the workers are other processes)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir()

    def started(self) -> None:
        (self.folder / f"started-{os.getpid()}").touch()

    def pids(self) -> set[int]:
        return {int(p.name.split("-")[1]) for p in self.folder.glob("started-*")}


def slowly(number: int) -> int:
    """A chunk that takes a while: the workers, started after this process, get some."""
    time.sleep(0.005)
    return number


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_every_chunk_is_rendered_once_and_every_result_taken(tmp_path: Path) -> None:
    noted = Noted(tmp_path / "noted")
    taken: list[tuple[int, int]] = []
    parent = os.getpid()
    render_in_parallel(200, 3, lambda number: (slowly(number), os.getpid()), taken.append,
                       started=noted.started)
    assert sorted(number for number, _ in taken) == list(range(200))
    by = {pid for _, pid in taken}
    assert parent in by and len(by) > 1  # this process and workers
    assert noted.pids() >= by and len(noted.pids()) == 4
    assert all(gone(pid) for pid in noted.pids() - {parent})


def test_meanwhile_runs_here_once_the_workers_are_forked(tmp_path: Path) -> None:
    """``meanwhile`` runs in this process while the workers already render: chunks are
    rendered by them before it returns."""
    parent = os.getpid()
    rendered = tmp_path / "rendered"
    rendered.mkdir()

    def render(number: int) -> int:
        (rendered / f"{number}-{os.getpid()}").touch()
        return slowly(number)

    seen: list[tuple[int, int]] = []

    def meanwhile() -> None:
        time.sleep(0.3)
        by_workers = [p for p in rendered.iterdir() if not p.name.endswith(f"-{parent}")]
        seen.append((os.getpid(), len(by_workers)))

    render_in_parallel(100, 1, render, lambda result: None, started=lambda: None,
                       meanwhile=meanwhile)
    assert len(seen) == 1 and seen[0][0] == parent and seen[0][1] > 0


def test_results_bigger_than_a_pipe_come_back_whole(tmp_path: Path) -> None:
    taken: dict[int, bytes] = {}

    def render(number: int) -> tuple[int, bytes]:
        return number, bytes([number]) * (3 << 20)  # 3 MB each: more than the pipe holds

    render_in_parallel(6, 1, render, lambda result: taken.update([result]),
                       started=lambda: None)
    assert sorted(taken) == list(range(6))
    assert all(data == bytes([number]) * (3 << 20) for number, data in taken.items())


def test_a_worker_s_exception_is_raised_here_and_no_worker_is_left(tmp_path: Path) -> None:
    noted = Noted(tmp_path / "noted")
    parent = os.getpid()

    def render(number: int) -> int:
        if os.getpid() != parent:
            raise ValueError(f"chunk {number} cannot be rendered")
        return slowly(number)

    with pytest.raises(ValueError, match=r"chunk \d+ cannot be rendered"):
        render_in_parallel(50, 2, render, lambda result: None, started=noted.started)
    workers = noted.pids() - {parent}
    assert len(workers) == 2 and all(gone(pid) for pid in workers)


def test_an_exception_that_cannot_travel_is_sent_as_its_text(tmp_path: Path) -> None:
    parent = os.getpid()

    class Unpicklable(Exception):
        def __reduce__(self) -> Any:
            raise pickle.PicklingError("not this one")

    def render(number: int) -> int:
        if os.getpid() != parent:
            raise Unpicklable("a lambda in its arguments")
        return slowly(number)

    with pytest.raises(RuntimeError, match="Unpicklable: a lambda in its arguments"):
        render_in_parallel(50, 1, render, lambda result: None, started=lambda: None)


def test_a_worker_that_dies_is_reported(tmp_path: Path) -> None:
    parent = os.getpid()

    def render(number: int) -> int:
        if os.getpid() != parent:
            os._exit(3)  # (as if killed: nothing is sent)
        return slowly(number)

    with pytest.raises(WorkerFailed, match="ended before it was done .exit status 3."):
        render_in_parallel(50, 1, render, lambda result: None, started=lambda: None)


def test_a_failure_here_stops_the_workers(tmp_path: Path) -> None:
    noted = Noted(tmp_path / "noted")
    parent = os.getpid()

    def render(number: int) -> bytes:
        if os.getpid() == parent:
            deadline = time.monotonic() + 10
            while len(noted.pids()) < 3 and time.monotonic() < deadline:
                time.sleep(0.01)  # (both workers started, rendering)
            raise KeyError("this process failed")
        return b"x" * (4 << 20)  # (a worker blocked on a full pipe is stopped too)

    with pytest.raises(KeyError, match="this process failed"):
        render_in_parallel(50, 2, render, lambda result: None, started=noted.started)
    workers = noted.pids() - {parent}
    assert len(workers) == 2 and all(gone(pid) for pid in workers)


def test_where_no_worker_can_be_forked_this_process_renders_every_chunk(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from chmgen import workers

    monkeypatch.setattr(workers, "run_forked", lambda task: None)
    taken: list[tuple[int, int]] = []
    render_in_parallel(40, 2, lambda number: (number, os.getpid()), taken.append,
                       started=lambda: None)
    assert sorted(number for number, _ in taken) == list(range(40))
    assert {pid for _, pid in taken} == {os.getpid()}
