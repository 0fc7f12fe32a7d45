"""Write a built site into a staging directory and swap it into place atomically, or not at all."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from chmgen.errors import OutputError

_RENAME_EXCHANGE = 2  # linux/fs.h
_IDLE = 19  # the nice value of work that can wait


def stage_directory(out: Path) -> Path:
    """A fresh directory beside ``out`` (same filesystem, so the swap is a rename)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))


def write_files(staging: Path, files: Iterable[tuple[str, bytes]]) -> int:
    """Write ``(relative path, bytes)`` pairs under ``staging``; returns the bytes written."""
    total = 0
    for relative, data in files:
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        total += len(data)
    return total


def copy_tree(source: Path, staging: Path, relatives: Iterable[Path]) -> None:
    for relative in relatives:
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, target)


def swap_into_place(staging: Path, out: Path) -> Path | None:
    """Replace ``out`` with ``staging``; readers see the old or the new site, never a mix.
    Returns the folder that now holds the previous site, for the caller to remove."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a directory; refusing to replace it")
    if out.is_dir() and _exchange(staging, out):
        return staging  # staging now holds the previous site
    old = None
    if out.is_dir():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rmdir(old)
        os.rename(out, old)
    try:
        os.rename(staging, out)
    except OSError as exc:
        if old is not None:
            os.rename(old, out)
        raise OutputError(f"{out}: cannot move the new site into place: {exc.strerror}") from None
    return old


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


class Removal:
    """A folder removed while the build goes on: by ``rm -rf`` in a process of its own where
    the system has one (it runs on another core, and leaves this process's interpreter to
    the build), else by a thread. ``wait()`` returns once the folder is gone."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        rm = shutil.which("rm") if os.name == "posix" else None
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        if rm is not None:
            try:
                self._process = subprocess.Popen(
                    [rm, "-rf", "--", os.fspath(folder)], stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                return
            except OSError:
                pass
        self._thread = threading.Thread(target=discard, args=(folder,))
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            return
        assert self._process is not None
        self._process.wait()
        if os.path.lexists(self.folder):  # what rm could not remove, if anything
            discard(self.folder)


class LinkedCopy:
    """A copy of the output folder made of hard links, in a new staging folder beside it,
    made by ``cp -al`` in a process of its own while the build reads the site. A rebuild
    then only writes into it the files that changed, and removes those it no longer makes,
    instead of linking each of the others itself (a thousand pages: ~35 ms of system calls,
    now on another core). Linux with GNU cp only; elsewhere, or when cp fails, the build
    links the files itself."""

    def __init__(self, staging: Path, process: subprocess.Popen[bytes]) -> None:
        self.staging = staging
        self._process: subprocess.Popen[bytes] | None = process
        self._taken = False

    @classmethod
    def start(cls, out: Path) -> LinkedCopy | None:
        """Start copying ``out`` (a folder); None where no copy is made."""
        cp = shutil.which("cp") if sys.platform.startswith("linux") else None
        if cp is None or not out.is_dir():
            return None
        staging = stage_directory(out)
        try:
            process = subprocess.Popen(
                [cp, "-al", "--", os.path.join(os.fspath(out), "."), os.fspath(staging)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            os.rmdir(staging)
            return None
        try:  # (it yields to the build's own processes: it has until the pages render)
            os.setpriority(os.PRIO_PROCESS, process.pid, _IDLE)
        except OSError:
            pass
        return cls(staging, process)

    def take(self) -> Path | None:
        """The staging folder, once the copy is whole (waiting for it); None if cp failed.
        The caller then owns the folder."""
        if self._process is None:
            return None
        if self._process.wait() != 0:
            return None
        self._process, self._taken = None, True
        return self.staging

    def close(self) -> None:
        """Unless it was taken, stop the copy and remove the folder."""
        if self._taken:
            return
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
        discard(self.staging)
        self._taken = True


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two directories with Linux renameat2(RENAME_EXCHANGE), if available."""
    renameat2 = _libc_function("renameat2")
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def _libc_function(name: str) -> Any:
    """The C library's function ``name``, or None. Looked up among the symbols the process
    has loaded (Python's own C library), else in the library ``ctypes.util`` finds (which runs
    ``ldconfig``: a process of its own, a few milliseconds)."""
    try:
        return getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        pass
    from ctypes.util import find_library

    found = find_library("c")
    if found is None:
        return None
    return getattr(ctypes.CDLL(found, use_errno=True), name, None)
