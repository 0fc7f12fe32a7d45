"""The methods ``dataclasses`` writes for chmgen's classes, kept compiled across runs.

``@dataclass`` writes each class's ``__init__``, ``__repr__``, ``__eq__`` and ``__hash__`` (and
a frozen class's ``__setattr__`` and ``__delattr__``) as Python source, and compiles each with
``exec``: for the classes a build imports, 341 compilations, 35–50 ms before it can read the
site (a third of its imports). That source depends only on the class's fields and options, so
its compiled code can be kept, as Python keeps a module's bytecode. ``install()`` (run when
the package is imported, before any of its classes is made) gives ``dataclasses`` an ``exec``
that looks the source it is given up in a file of the user's cache, and compiles only what is
not there; ``save()`` adds what was compiled. The code is the one ``exec`` would compile from
the same text: the file is named for the Python that wrote it (its bytecode's magic number),
and an entry is found by its whole source. Classes of other packages are left alone.

Off with CHMGEN_TEMPLATE_CACHE=0, like the compiled-template cache it sits beside.
"""

from __future__ import annotations

import builtins
import dataclasses
import marshal
import os
from importlib.util import MAGIC_NUMBER
from types import CodeType
from typing import Any

_KEPT = 4096  # entries past this many: the file is rewritten with those of this process only

_known: dict[str, CodeType] = {}
_used: set[str] = set()
_new = False
_owner: int | None = None  # the process that installed the cache: the one that saves it
_path: str | None = None


def cache_file() -> str | None:
    """Where the compiled methods are kept (None: off)."""
    if os.environ.get("CHMGEN_TEMPLATE_CACHE") == "0":
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "chmgen", f"classes-{MAGIC_NUMBER.hex()}.marshal")


def install() -> None:
    """Give ``dataclasses`` the caching ``exec`` (once per process)."""
    global _owner, _path
    if _owner is not None:
        return
    _owner, _path = os.getpid(), cache_file()
    if _path is None:
        return
    _known.update(_read(_path))
    dataclasses.exec = _exec  # type: ignore[attr-defined]  # (found before the builtin)


def _read(path: str) -> dict[str, CodeType]:
    try:
        with open(path, "rb") as handle:
            found = marshal.loads(handle.read())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {text: code for text, code in found.items()
            if isinstance(text, str) and isinstance(code, CodeType)}


def _exec(source: Any, globals: Any = None, locals: Any = None, /, **options: Any) -> None:
    """``exec`` as dataclasses calls it, with the code of a chmgen class's methods taken
    from the cache when it holds their source."""
    global _new
    if not (isinstance(source, str) and isinstance(globals, dict) and not options
            and str(globals.get("__name__", "")).startswith("chmgen")):
        return builtins.exec(source, globals, locals, **options)
    code = _known.get(source)
    if code is None:
        # (dont_inherit: compiled as exec compiles it in dataclasses, not with this
        # module's future features)
        code = _known[source] = compile(source, "<string>", "exec", dont_inherit=True)
        _new = True
    _used.add(source)
    return builtins.exec(code, globals, locals)


def save() -> None:
    """Add the methods compiled in this process to the cache file (when there are any: most
    runs compile none). Written whole, by a rename: readers find the old file or the new."""
    global _new
    if not _new or _path is None or os.getpid() != _owner:
        return
    _new = False
    entries = {**_read(_path), **_known}
    if len(entries) > _KEPT:
        entries = {text: _known[text] for text in _used}
    temporary = f"{_path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(_path), exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(marshal.dumps(entries))
        os.replace(temporary, _path)
    except OSError:  # a cache that cannot be written only makes the next start slower
        try:
            os.unlink(temporary)
        except OSError:
            pass
