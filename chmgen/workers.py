"""Processes forked to render chunks of pages beside the building process, and their results.

The workers are forked (the site model is shared with them, not copied through pipes). They
take chunks by number from the front of a table in shared memory, the building process from
its back, so each chunk is rendered once, by whichever process gets to it first; each worker
sends its results back through a pipe of its own, which the building process reads between
its own chunks. (multiprocessing's Pool did this before with three threads in the building
process, each wanting the interpreter that process renders on; starting and stopping it was
~12 ms of a 0.45 s rebuild, and each chunk handed over cost more than a chunk rendered.)
"""

from __future__ import annotations

import fcntl
import mmap
import os
import pickle
import signal
import struct
import traceback
from collections.abc import Callable
from typing import Any

from chmgen.cpus import run_forked

_RANGE = struct.Struct("<qq")  # the table: next chunk from the front, end of the front's part
_SIZE = struct.Struct("<Q")  # each message: its length, then (kind, pickled payload)
_RESULT, _FAILURE = 0, 1
_PIPE_SIZE = 1 << 20  # (a worker never waits for the building process to read its results)
_SET_PIPE_SIZE = 1031  # F_SETPIPE_SZ, Linux


class WorkerFailed(RuntimeError):
    """A worker process ended without sending all its results (killed, or out of memory)."""


def render_in_parallel(count: int, workers: int, render: Callable[[int], Any],
                       take: Callable[[Any], None], *, started: Callable[[], None],
                       meanwhile: Callable[[], None] | None = None) -> None:
    """Chunks ``0 … count - 1``: each rendered once, by ``render(number)``, in this process or
    in one of ``workers`` forked processes; ``take`` is called here with each result (in no
    set order). ``started`` is run first by each process that renders, ``meanwhile`` by this
    one once the workers are forked. An exception of a worker is raised here (the others are
    stopped)."""
    table = _Table(count)
    crew = _Crew()
    try:
        for _ in range(workers):
            crew.fork(lambda fd: _work(table, render, started, fd))
        started()
        if meanwhile is not None:
            meanwhile()
        while (number := table.claim_back()) is not None:
            take(render(number))
            crew.poll(take)
        crew.finish(take)
    finally:
        crew.stop()
        table.close()


class _Table:
    """The chunks still to render: [front, back), in memory the forked processes share. It is
    read and changed by the process holding the token: one byte in a pipe they all share,
    read to take it (a read is atomic: one process gets it) and written back to give it up.
    (multiprocessing's locks cost a tenth of the building process's imports.)"""

    def __init__(self, count: int) -> None:
        self._memory = mmap.mmap(-1, _RANGE.size)
        _RANGE.pack_into(self._memory, 0, 0, count)
        self._take, self._give = os.pipe()
        os.write(self._give, b"\0")

    def claim_front(self) -> int | None:
        return self._claim(front=True)

    def claim_back(self) -> int | None:
        return self._claim(front=False)

    def _claim(self, *, front: bool) -> int | None:
        os.read(self._take, 1)
        try:
            first, end = _RANGE.unpack_from(self._memory, 0)
            if first >= end:
                return None
            if front:
                _RANGE.pack_into(self._memory, 0, first + 1, end)
                return int(first)
            _RANGE.pack_into(self._memory, 0, first, end - 1)
            return int(end - 1)
        finally:
            os.write(self._give, b"\0")

    def close(self) -> None:
        os.close(self._take)
        os.close(self._give)
        self._memory.close()


def _work(table: _Table, render: Callable[[int], Any], started: Callable[[], None],
          fd: int) -> None:
    """A worker's life: chunks from the front of the table until none is left."""
    try:
        started()
        while (number := table.claim_front()) is not None:
            _send(fd, _RESULT, pickle.dumps(render(number), pickle.HIGHEST_PROTOCOL))
    except BaseException as error:  # (sent to the building process, which raises it)
        try:
            payload = pickle.dumps(error, pickle.HIGHEST_PROTOCOL)
            pickle.loads(payload)
        except Exception:  # noqa: BLE001 (an exception that does not travel: its text does)
            payload = pickle.dumps(RuntimeError("".join(traceback.format_exception(error))))
        _send(fd, _FAILURE, payload)
        raise


def _send(fd: int, kind: int, payload: bytes) -> None:
    data = memoryview(_SIZE.pack(len(payload) + 1) + bytes((kind,)) + payload)
    while data:
        data = data[os.write(fd, data):]


class _Crew:
    """The forked workers: their pids, and what came of each one's pipe so far."""

    def __init__(self) -> None:
        self._pipes: dict[int, tuple[int, bytearray]] = {}  # pid → (read end, unread bytes)

    def fork(self, life: Callable[[int], None]) -> None:
        read, write = os.pipe()
        try:
            fcntl.fcntl(write, _SET_PIPE_SIZE, _PIPE_SIZE)
        except OSError:
            pass
        others = [fd for fd, _ in self._pipes.values()]

        def work() -> None:  # (chmgen serve forks with its watcher thread alive: fine here)
            os.close(read)
            for other in others:
                os.close(other)
            life(write)

        pid = run_forked(work)
        os.close(write)
        if pid is None:  # (no process: this one renders every chunk itself)
            os.close(read)
            return
        os.set_blocking(read, False)
        self._pipes[pid] = (read, bytearray())

    def poll(self, take: Callable[[Any], None]) -> None:
        """Take what the workers sent so far, without waiting."""
        for pid in list(self._pipes):
            self._read(pid, take, wait=False)

    def finish(self, take: Callable[[Any], None]) -> None:
        """Take everything the workers send, until each has ended."""
        for pid in list(self._pipes):
            self._read(pid, take, wait=True)

    def _read(self, pid: int, take: Callable[[Any], None], *, wait: bool) -> None:
        fd, unread = self._pipes[pid]
        if wait:
            os.set_blocking(fd, True)
        while True:
            try:
                data = os.read(fd, _PIPE_SIZE)
            except BlockingIOError:
                break
            if not data:  # the worker ended
                self._ended(pid, unread)
                break
            unread += data
            while len(unread) >= _SIZE.size:
                (size,) = _SIZE.unpack_from(unread)
                if len(unread) < _SIZE.size + size:
                    break
                kind, payload = unread[_SIZE.size], bytes(unread[_SIZE.size + 1:_SIZE.size + size])
                del unread[:_SIZE.size + size]
                if kind == _FAILURE:
                    raise pickle.loads(payload)
                take(pickle.loads(payload))

    def _ended(self, pid: int, unread: bytearray) -> None:
        fd, _ = self._pipes.pop(pid)
        os.close(fd)
        _, status = os.waitpid(pid, 0)
        if status != 0 or unread:
            raise WorkerFailed(f"a process rendering pages ended before it was done "
                               f"({_described(status)})")

    def stop(self) -> None:
        """End the workers still running (after a failure here or in one of them)."""
        for pid, (fd, _) in self._pipes.items():
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            os.close(fd)
            os.waitpid(pid, 0)
        self._pipes.clear()


def _described(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
