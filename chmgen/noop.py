"""A build with nothing to do, known without loading the site.

After each successful build into a folder, chmgen records a fingerprint of everything the
build read — the content of every file of the site (its records cache included, its render
cache and output excluded), the built-in themes, chmgen's own code, the versions of the
libraries that shape the HTML, the build's options and the build date — and a listing of the
output folder. The next build into that folder first computes the same fingerprint: when it
and the folder are unchanged, the build is the previous one exactly, so it reports what that
one reported and writes nothing. Reading and hashing the files costs a fraction of parsing
them, and this module imports nothing heavy (no Jinja, no Markdown). A file whose size, times
and inode are those the record holds for it (taken well after its last change) is not even
read: its digest is the recorded one.

When something did change, the same record says what: the fingerprint keeps a digest of each of
the site's files, apart from the build's context (options, date, versions, chmgen's code) and
the themes. Comparing them with the last build's (``Changes``) gives the build a scope — the
collections whose files changed, and whether the themes did — so it checks only the inputs an
edit of that scope can change, as ``chmgen serve`` does after an edit (``pipeline.Scope``).

A site that reads central CHM records never takes this path: the records may have changed
remotely, and what a build says of them (their age) changes with the time of day. Its
fingerprint still gives the scope of what changed in its files, and names each file by digest
for what the last build kept of reading it (``loadcache``). Records the build fetches anew
change the token every page reads (``("g",)``, always checked whatever the scope), and files
of the records cache changed since the last build leave the scope unknown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chmgen import __version__, fileio
from chmgen.cpus import run_forked
from chmgen.errors import Problem, SourceLocation
from chmgen.result import BuildResult

FORMAT = 1
FOLDER = Path(".chmgen") / "render"  # the render cache, manifests and these records
_SKIPPED_NAMES = {"__pycache__"}
_LIBRARIES = ("jinja2", "markdown", "pyyaml", "babel", "markupsafe")
_DIST_INFO = re.compile("(?i)(" + "|".join(_LIBRARIES) + r")-([^-]+)\.dist-info")


@dataclass(frozen=True)
class Outcome:
    """What the previous build reported, to be reported again."""

    pages_per_language: dict[str, int]
    warnings: tuple[Problem, ...]
    notes: tuple[str, ...]
    sources: int = 0  # central CHM sources the build planned (0: it needs no network)

    def result(self, out: Path, seconds: float) -> BuildResult:
        """The previous build's result again: nothing rendered, nothing written."""
        return BuildResult(out, self.pages_per_language, self.warnings, 0, seconds, self.notes)


def build_options(*, strict: bool, base_url: str | None, explicit_index: bool, records: str,
                  api_url: str | None) -> dict[str, Any]:
    """The options of a build that shape what it reports and writes."""
    return {"strict": strict, "base_url": base_url, "explicit_index": explicit_index,
            "records": records, "api_url": api_url}


@dataclass
class Fingerprint:
    """What a build read, hashed: the whole (``digest``), and its parts — the build's context
    (options, date, versions, chmgen's code), the themes, and each file of the site."""

    digest: str
    context: str
    themes: str
    files: dict[str, str]  # the site's files: path relative to the site → digest of its bytes
    # path → "size:mtime:ctime:inode" of the files last changed well before the fingerprint
    # was taken: while a file's are the same, the next build takes its digest from here (one
    # string each: a build keeps them, and its workers share its memory)
    stats: dict[str, str] = field(default_factory=dict)
    # chmgen's code and the versions of Python and the libraries it uses: what parsing a
    # file gives depends on nothing else but the file (see loadcache)
    code: str = ""
    # Filled by check(): what changed since the last build into the same folder, when it is
    # known (see Changes).
    changes: Changes | None = None
    # chmgen's code and themes, as ``files`` and ``stats`` (by absolute path)
    tool_files: dict[str, str] = field(default_factory=dict)
    tool_stats: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Changes:
    """The difference between this build's inputs and the last successful build's into the
    same folder: the site's files added, removed or changed, and whether the themes changed.
    Only valid with the manifest that build wrote (``manifest``, its identity)."""

    files: frozenset[str]
    themes: bool
    manifest: str
    listing: str | None = None  # the output folder's, as that build left it (see listing())


def check(root: Path, out: Path, options: dict[str, Any]
          ) -> tuple[Fingerprint | None, Outcome | None]:
    """This build's fingerprint (with what changed since the last build into ``out``), and
    the previous outcome if nothing changed since (never for a site whose last build read
    central CHM records)."""
    saved = _saved(root, out)
    print_ = fingerprint(root, out, options, saved)
    print_.changes = _changes(print_, saved)
    return print_, unchanged(root, out, print_.digest, saved)


def _changes(print_: Fingerprint, saved: dict[str, Any] | None) -> Changes | None:
    if saved is None or saved.get("context") != print_.context \
            or not isinstance(saved.get("files"), dict) \
            or not isinstance(saved.get("manifest"), str):
        return None
    before: dict[str, Any] = saved["files"]
    now = print_.files
    changed = {path for path, digest in now.items() if before.get(path) != digest}
    changed.update(before.keys() - now.keys())
    listed = saved.get("listing")
    return Changes(frozenset(changed), saved.get("themes") != print_.themes, saved["manifest"],
                   listed if isinstance(listed, str) else None)


def _saved(root: Path, out: Path) -> dict[str, Any] | None:
    try:
        saved = json.loads(record_path(root, out).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return saved if isinstance(saved, dict) else None


def output_name(out: Path) -> str:
    """A short name for an output folder, for what the site keeps of the builds into it."""
    return hashlib.blake2b(str(out.resolve()).encode(), digest_size=8).hexdigest()


def record_path(root: Path, out: Path) -> Path:
    return root / FOLDER / f"unchanged-{output_name(out)}.json"


def fingerprint(root: Path, out: Path, options: dict[str, Any],
                saved: dict[str, Any] | None = None) -> Fingerprint:
    """A digest of every input of a build of ``root`` into ``out`` with ``options``. A site
    file whose size, times and inode are those ``saved`` (the last build's record) holds has
    the digest recorded with them: it was not written since (its change time says so, which
    nothing but a change sets), and it is not read again."""
    root, out = root.resolve(), out.resolve()
    # Files changed just before the fingerprint is taken are not trusted the next time: a
    # change within the same tick of the file system's clock would leave the times as they
    # were (as git does for "racily clean" files).
    trusted = time.time_ns() - _RACY_NS
    reuse = _Reuse(saved, trusted)
    # chmgen's code and themes, by absolute path: their digests are taken the same way
    tools = _Reuse(saved, trusted, files="tool_files", stats="tool_stats", absolute=True)
    versions = _versions()
    head = {"format": FORMAT, "chmgen": __version__, "python": sys.version,
            "libraries": versions, "options": options, "out": str(out),
            "date": _build_date(), "api": os.environ.get("CHMGEN_API_URL", "")}
    context = hashlib.blake2b(json.dumps(head, sort_keys=True, default=str).encode(),
                              digest_size=24)
    here = Path(__file__).resolve().parent
    code = hashlib.blake2b(json.dumps([FORMAT, __version__, sys.version, versions]).encode(),
                           digest_size=24)
    _hash_tree(code, here, here.parent, tools)  # chmgen's code (editable installs change)
    context.update(code.digest())
    themes = hashlib.blake2b(digest_size=24)
    builtin = [here / "_themes", here.parent / "themes"]
    for folder in builtin:
        _hash_tree(themes, folder, folder.parent, tools)
    for folder in _theme_folders(root, builtin):  # a theme kept outside the site
        if root not in folder.parents and not any(b in folder.parents for b in builtin):
            _hash_tree(themes, folder, folder.parent, tools)
    # The site: its hidden folders aside (.git, .chmgen, …), but the central CHM records cache.
    files: dict[str, str] = {}
    _file_digests(files, root, root, {out}, top=True, reuse=reuse)
    _file_digests(files, root / ".chmgen" / "cache", root, set(), reuse=reuse)
    _read_pending(files, reuse.pending)
    whole = hashlib.blake2b(digest_size=24)
    whole.update(f"{context.hexdigest()}\0{themes.hexdigest()}\0".encode())
    _update(whole, files)
    return Fingerprint(whole.hexdigest(), context.hexdigest(), themes.hexdigest(), files,
                       reuse.stats, code=code.hexdigest(), tool_files=tools.found,
                       tool_stats=tools.stats)


_RACY_NS = 3_000_000_000  # coarser than any file system's clock (FAT: 2 s)


class _Reuse:
    """The digests a fingerprint may take from the last one, and the stats it records (the
    site's files by relative path; with ``absolute``, chmgen's own by absolute path, kept
    under other names in the record)."""

    def __init__(self, saved: dict[str, Any] | None, trusted_before: int, *,
                 files: str = "files", stats: str = "stats", absolute: bool = False) -> None:
        known_files = saved.get(files) if saved else None
        known_stats = saved.get(stats) if saved else None
        self.files: dict[str, Any] = known_files if isinstance(known_files, dict) else {}
        self.known: dict[str, Any] = known_stats \
            if isinstance(known_stats, dict) and self.files else {}
        self.trusted_before = trusted_before
        self.absolute = absolute
        self.stats: dict[str, str] = {}
        self.found: dict[str, str] = {}  # (absolute) the digests taken, to be recorded
        self.pending: list[tuple[str, str]] = []  # (path, where) of the files to read

    def digest(self, path: str, entry: os.DirEntry[str]) -> str | None:
        """The recorded digest of the file at ``path`` while it is unchanged, else None."""
        try:
            stat = entry.stat()
        except OSError:
            return None
        now = f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}:{stat.st_ino}"
        if self.absolute:
            path = entry.path
        if stat.st_ctime_ns < self.trusted_before and stat.st_mtime_ns < self.trusted_before:
            self.stats[path] = now
        if self.known.get(path) == now:
            found = self.files.get(path)
            if isinstance(found, str):
                return found
        return None


def config_field(path: Path, key: str) -> str | None:
    """The string at ``key`` of the YAML mapping in the file at ``path``; None when the file
    cannot be read or parsed, or holds no string there (the build reports it)."""
    try:
        text = path.read_text("utf-8")
    except (OSError, ValueError):
        return None
    if "\\" not in text and not re.search(rf"(?<!\w){re.escape(key)}(?!\w)", text):
        return None  # (a key is spelt out whole in the file, but by escapes in a quoted one)
    data: Any = plain_yaml_mapping(text)
    if data is None:
        import yaml  # (15 ms: only for a file where the key may be, and not plain)

        try:
            data = yaml.safe_load(text)
        except (ValueError, yaml.YAMLError):
            return None
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


_PLAIN_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): ([a-z][a-z0-9_-]*)")
_NOT_STRINGS = frozenset({"yes", "no", "true", "false", "on", "off", "null"})  # (any case)


def plain_yaml_mapping(text: str) -> dict[str, str] | None:
    """What YAML reads in ``text`` when it is only comments, blank lines and ``key: value``
    lines whose value is a lowercase word (YAML reads it as a string: none of ``_NOT_STRINGS``,
    which it reads as booleans or null); None for any other text. Read without PyYAML."""
    found = {}
    for line in text.split("\n"):  # (not splitlines: form feeds and the like are YAML errors)
        if not line or line[0] == "#":
            continue
        plain = _PLAIN_LINE.fullmatch(line)
        if plain is None:
            return None
        key, value = plain.groups()
        if key.lower() in _NOT_STRINGS or value in _NOT_STRINGS:
            return None
        found[key] = value
    return found


def _theme_folders(root: Path, builtin: list[Path]) -> list[Path]:
    """The folders of the site's theme chain, found as ``chmgen.theme`` finds them (names
    from ``chmgen.yml`` and each ``theme.yml``); those it cannot read are left to the build."""
    chain: list[Path] = []
    name = config_field(root / "chmgen.yml", "theme") or "default"
    while name and len(chain) < 16:
        found = next((folder.resolve() for folder in (
            root / name, root / "themes" / name, *(b / name for b in builtin))
            if (folder / "templates").is_dir()), None)
        if found is None or found in chain:
            break
        chain.append(found)
        name = config_field(found / "theme.yml", "extends") or ""
    return chain


def _build_date() -> str:
    """The day the pages say they were built (as build.build_date)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date().isoformat()
    return dt.datetime.now(dt.timezone.utc).date().isoformat()


def _versions() -> dict[str, str]:
    """The installed version of each of ``_LIBRARIES`` ("" if it is not installed), as
    ``importlib.metadata.version`` gives it: read from the name of the first
    ``NAME-VERSION.dist-info`` folder on ``sys.path``, which is where that function finds it
    too. (Importing importlib.metadata and parsing each METADATA file was a tenth of a build
    with nothing to do.) A library found no such way is asked of importlib.metadata."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file, a folder gone
            continue
        for name in names:
            if name.endswith(".dist-info"):
                match = _DIST_INFO.fullmatch(name)
                if match is not None:
                    found.setdefault(match[1].lower(), match[2])
        if len(found) == len(_LIBRARIES):
            break
    for name in _LIBRARIES:
        if name not in found:
            from importlib import metadata

            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = ""
    return {name: found[name] for name in _LIBRARIES}


def library_version(name: str) -> str:
    """The installed version of ``name``, one of ``_LIBRARIES`` ("" if not installed)."""
    return _versions()[name]


def _hash_tree(digest: Any, folder: Path, base: Path, reuse: _Reuse | None = None) -> None:
    """Every file under ``folder`` (``__pycache__`` aside), by its path relative to ``base``
    and its bytes, in a fixed order; unchanged files' from ``reuse`` (an absolute one), which
    keeps those taken."""
    found: dict[str, str] = {}
    _file_digests(found, folder, base, set(), reuse=reuse)
    if reuse is not None:
        _read_pending(found, reuse.pending)
        reuse.pending = []
        reuse.found.update((os.path.join(base, path), file_digest)
                           for path, file_digest in found.items())
    _update(digest, found)


def _update(digest: Any, files: dict[str, str]) -> None:
    for path, file_digest in files.items():
        digest.update(f"{path}\0{file_digest}\n".encode("utf-8", "surrogateescape"))


def _file_digests(found: dict[str, str], folder: Path, base: Path, skip: set[Path], *,
                  top: bool = False, reuse: _Reuse | None = None) -> None:
    """The digest of every file under ``folder`` by its path relative to ``base``, in a fixed
    order (``skip``, ``__pycache__`` and, with ``top``, the hidden folders right under it
    aside); unchanged files' from ``reuse``."""
    inside = os.path.relpath(folder, base).replace(os.sep, "/")
    _digests_under(found, os.fspath(folder), "" if inside == "." else f"{inside}/", skip,
                   top, reuse)


def _digests_under(found: dict[str, str], folder: str, prefix: str, skip: set[Path],
                   top: bool, reuse: _Reuse | None) -> None:
    """``_file_digests`` of ``folder``, whose files' relative paths start with ``prefix``."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=True):
            if (top and entry.name.startswith(".")) or entry.name in _SKIPPED_NAMES \
                    or (skip and Path(entry.path) in skip):
                continue
            _digests_under(found, entry.path, f"{prefix}{entry.name}/", skip, False, reuse)
        elif entry.is_file(follow_symlinks=True):
            relative = prefix + entry.name
            if reuse is None:
                found[relative] = _file_digest(entry.path)
                continue
            digest = reuse.digest(relative, entry)
            if digest is None:  # read after the walk, with the others (its place kept)
                digest = ""
                reuse.pending.append((relative, entry.path))
            found[relative] = digest


def bytes_digest(data: bytes) -> str:
    """The digest the fingerprint keeps of a file whose bytes are ``data``."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _file_digest(where: str) -> str:
    try:
        return bytes_digest(fileio.read_bytes(where))
    except OSError:
        return "unreadable"


def _read_pending(found: dict[str, str], pending: list[tuple[str, str]]) -> None:
    """The digests of the ``pending`` files into ``found``. When the first ones come slowly —
    from disk: files the system has not kept in memory, a site not built for a while — the
    rest are read by several threads (reading and hashing let other threads run), so that
    the disk is not waited for one file at a time; in memory one thread is quicker."""
    started = time.perf_counter()
    first = pending[:_CHUNK]
    for relative, where in first:
        found[relative] = _file_digest(where)
    rest = pending[len(first):]
    if not rest or time.perf_counter() - started < _SLOW * len(first):
        for relative, where in rest:
            found[relative] = _file_digest(where)
        return
    from concurrent.futures import ThreadPoolExecutor

    chunks = [rest[at:at + _CHUNK] for at in range(0, len(rest), _CHUNK)]
    with ThreadPoolExecutor(max_workers=_READERS) as pool:
        for chunk, digests in zip(chunks, pool.map(_chunk_digests, chunks), strict=True):
            for (relative, _), digest in zip(chunk, digests, strict=True):
                found[relative] = digest


_CHUNK, _READERS = 128, 4
_SLOW = 60e-6  # seconds per file: more than reading it from memory and hashing it takes


def _chunk_digests(chunk: list[tuple[str, str]]) -> list[str]:
    return [_file_digest(where) for _, where in chunk]


def listing(out: Path | int) -> str | None:
    """A digest of the output folder's files with their sizes and modification times (in
    ``os.walk``'s order: a folder's files by name, then its folders by name; folders that are
    symbolic links are not entered). ``out``: the folder, or a descriptor of it (the folder
    it was opened on is listed, whatever its name is now)."""
    try:
        folder = out if isinstance(out, int) else os.open(out, _FOLDER_FLAGS)
    except OSError:
        return None
    try:
        digest = hashlib.blake2b(digest_size=24)
        _list_folder(digest, folder, "")
    finally:
        if folder is not out:
            os.close(folder)
    return digest.hexdigest()


_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)


class ListingLater:
    """``listing(out)``, made by a forked process while this one goes on (a build writing its
    manifest): at 10,000 pages the walk is 10,000 folders and a tenth of a second. It lists
    the folder ``out`` names now, even if it is renamed meanwhile (a staging folder swapped
    into place). Where processes are not forked (not Linux), or the process fails,
    ``result`` makes it here."""

    def __init__(self, out: Path) -> None:
        try:
            self._folder: int | None = os.open(out, _FOLDER_FLAGS)
        except OSError:
            self._folder = None
        folder = self._folder
        read, write = os.pipe()

        def walk() -> None:
            os.close(read)
            found = listing(folder) if folder is not None else None
            os.write(write, (found or "-").encode())

        self._pid = run_forked(walk)
        os.close(write)
        if self._pid is None:
            os.close(read)
        self._read = read

    def result(self) -> str | None:
        """The listing (waiting for the process if it is not done)."""
        data = b""
        if self._pid is not None:
            try:
                while chunk := os.read(self._read, 256):
                    data += chunk
            finally:
                self._wait()
        if data == b"-":
            found = None
        elif data:
            found = data.decode()
        else:  # (no process, or it failed)
            found = listing(self._folder) if self._folder is not None else None
        self.close()
        return found

    def _wait(self) -> None:
        if self._pid is not None:
            os.close(self._read)
            os.waitpid(self._pid, 0)
            self._pid = None

    def close(self) -> None:
        """Wait for the process, if it runs (its result, if any, is dropped)."""
        self._wait()
        if self._folder is not None:
            os.close(self._folder)
            self._folder = None


def _list_folder(digest: Any, folder: int, prefix: str) -> None:
    files: list[os.DirEntry[str]] = []
    folders: list[os.DirEntry[str]] = []
    try:
        with os.scandir(folder) as scan:
            for entry in scan:
                try:
                    inside = entry.is_dir()
                except OSError:
                    inside = False
                (folders if inside else files).append(entry)
    except OSError:
        return
    files.sort(key=lambda entry: entry.name)
    lines = []
    for entry in files:
        stat = entry.stat()
        lines.append(f"{prefix}{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n")
    digest.update("".join(lines).encode("utf-8", "surrogateescape"))
    for entry in sorted(folders, key=lambda entry: entry.name):
        if not entry.is_symlink():
            try:
                inner = os.open(entry.name, _FOLDER_FLAGS, dir_fd=folder)
            except OSError:
                continue
            try:
                _list_folder(digest, inner, f"{prefix}{entry.name}/")
            finally:
                os.close(inner)


def unchanged(root: Path, out: Path, print_: str, saved: dict[str, Any] | None = None
              ) -> Outcome | None:
    """The previous build's outcome when ``print_`` (this build's fingerprint) and the output
    folder are what that build left; else None."""
    saved = saved if saved is not None else _saved(root, out)
    if saved is None or saved.get("fingerprint") != print_ \
            or saved.get("sources") != 0 or saved.get("listing") != listing(out):
        return None
    try:
        return Outcome(
            {str(lang): int(count) for lang, count in saved["pages_per_language"].items()},
            tuple(Problem(SourceLocation(Path(path), int(line), int(col), str(key)),
                          str(message), True)
                  for path, line, col, key, message in saved["warnings"]),
            tuple(str(note) for note in saved["notes"]), int(saved["sources"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def remember(root: Path, out: Path, print_: Fingerprint | None, outcome: Outcome | None,
             manifest: str | None = None, listed: ListingLater | None = None) -> None:
    """Record what this build read and left (``print_`` None: forget, the next build works),
    and the identity of the ``manifest`` it wrote (``listed``: the output folder's listing,
    being made since the build wrote its last file)."""
    where = record_path(root, out)
    if print_ is None or outcome is None:
        where.unlink(missing_ok=True)
        return
    state: dict[str, Any] = {
        "fingerprint": print_.digest, "context": print_.context, "themes": print_.themes,
        "files": print_.files, "stats": print_.stats, "manifest": manifest,
        "tool_files": print_.tool_files, "tool_stats": print_.tool_stats,
        "sources": outcome.sources}
    if not outcome.sources:  # what the next build may report again (see unchanged())
        state.update({
            "listing": listed.result() if listed is not None else listing(out),
            "pages_per_language": outcome.pages_per_language,
            "warnings": [[str(w.location.path), w.location.line, w.location.col,
                          w.location.key, w.message] for w in outcome.warnings],
            "notes": list(outcome.notes)})
    where.parent.mkdir(parents=True, exist_ok=True)
    temporary = where.with_suffix(".tmp")
    temporary.write_text(json.dumps(state), "utf-8")
    os.replace(temporary, where)
