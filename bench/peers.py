"""Benchmark: chmgen's full build of sample_site against MkDocs and Pelican on an equal corpus.

    .venv/bin/python bench/peers.py [--reps 5] [--warmups 1] [--keep DIR]

Measures, in one run on this machine, the wall time of whole builds run as subprocesses:

* chmgen           ``chmgen build SITE -o OUT --offline`` (search index by Pagefind included)
* chmgen -search   the same on a copy whose chmgen.yml ends with ``search: false``
* MkDocs           ``python -m mkdocs build -q -d OUT``, default theme, built-in search plugin
                   (on by default; ``lang: [en, fr]``)
* MkDocs -search   the same with ``plugins: []``
* Pelican          ``pelican CONTENT -o OUT -s SETTINGS -q``, default theme (no search)

The peers' corpus is made from chmgen's own output: one Markdown page per HTML page chmgen
writes, in the same language and at the same path, whose body is the text of that page's
``<main>`` turned back into Markdown (headings, paragraphs, lists, tables). So each tool renders
the same text into the same number of pages per language. The peers live in their own
virtualenv, bench/.venv-peers (created here when missing), never in chmgen's.

Each tool gets ``--warmups`` untimed builds, then ``--reps`` timed ones, interleaved round by
round (order rotated) so that load from other processes falls on all tools alike. Prints the
median and min wall time, the median CPU time (user+sys of the build and its children), and
ratios peer ÷ chmgen. Timings are for notes, never for pass/fail tests.
"""

from __future__ import annotations

import argparse
import html
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEERS_VENV = ROOT / "bench" / ".venv-peers"
PEER_PACKAGES = ("mkdocs", "pelican", "markdown")
SECOND_LANG = "fr"  # sample_site: en at the root, fr under fr/


# --------------------------------------------------------------------------- environments

def chmgen_command() -> list[str]:
    """chmgen as installed next to the interpreter running this script (the project venv)."""
    exe = Path(sys.executable).with_name("chmgen")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "chmgen"]


def peers_python() -> Path:
    return PEERS_VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_peers(upgrade: bool) -> None:
    """Create bench/.venv-peers and install the peers into it if they are not there yet."""
    python = peers_python()
    if not python.exists():
        print(f"creating {PEERS_VENV.relative_to(ROOT)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    probe = subprocess.run([str(python), "-c", "import mkdocs, pelican, markdown"],
                           capture_output=True, check=False)
    if probe.returncode != 0 or upgrade:
        print(f"installing {' '.join(PEER_PACKAGES)} into {PEERS_VENV.relative_to(ROOT)} ...",
              flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        *(["--upgrade"] if upgrade else []), *PEER_PACKAGES], check=True)


def version_of(python: Path | str, dist: str) -> str:
    done = subprocess.run(
        [str(python), "-c",
         f"import importlib.metadata as m; print(m.version({dist!r}))"],
        capture_output=True, text=True, check=False)
    return done.stdout.strip() or "?"


# --------------------------------------------------------------------------- HTML -> Markdown

SKIPPED = {"svg", "script", "style", "template", "noscript", "button", "select", "option"}
BLOCKS = {"p", "div", "section", "article", "header", "footer", "figure", "figcaption", "dl",
          "dt", "dd", "blockquote", "form", "details", "summary", "address", "ul", "ol", "nav",
          "aside", "pre", "hr", "caption"}
HEADINGS = {f"h{n}": n for n in range(1, 7)}


class MainText(HTMLParser):
    """The text of a page's ``<main>`` as simple Markdown, and its first ``<h1>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_main = 0
        self.skip = 0
        self.found_main = False
        self.page_title = ""
        self.in_title = False
        self.title_parts: list[str] = []
        self.blocks: list[str] = []   # finished Markdown blocks
        self.inline: list[str] = []   # text of the block being read
        self.prefix = ""              # "## " or "- " for the block being read
        self.h1: str | None = None
        self.list_items: list[str] = []
        self.table: list[list[str]] | None = None
        self.cell: list[str] | None = None

    # -- helpers
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.inline)).strip()

    def flush(self) -> None:
        words = self.text()
        self.inline = []
        if words:
            if self.prefix.startswith("- "):
                self.list_items.append(self.prefix + words)
            elif self.prefix.startswith("#") and self.prefix.count("#") == 1 and self.h1 is None:
                self.h1 = words  # the page title: each tool renders it from metadata
            else:
                self.flush_list()
                self.blocks.append(self.prefix + words)
        self.prefix = ""

    def flush_list(self) -> None:
        if self.list_items:
            self.blocks.append("\n".join(self.list_items))
            self.list_items = []

    # -- parser events
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag == "main":
            self.in_main += 1
            self.found_main = True
            return
        if not self.in_main:
            return
        if tag in SKIPPED:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "table":
            self.flush()
            self.flush_list()
            self.table = []
        elif tag == "tr" and self.table is not None:
            self.table.append([])
        elif tag in ("td", "th") and self.table is not None:
            self.cell = []
        elif tag in HEADINGS:
            self.flush()
            self.prefix = "#" * HEADINGS[tag] + " "
        elif tag == "li":
            self.flush()
            self.prefix = "- "
        elif tag == "br":
            self.inline.append(" ")
        elif tag in BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag == "main":
            self.flush()
            self.flush_list()
            self.in_main -= 1
            return
        if not self.in_main:
            return
        if tag in SKIPPED:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in ("td", "th") and self.table is not None and self.cell is not None:
            words = re.sub(r"\s+", " ", "".join(self.cell)).strip().replace("|", "\\|")
            if not self.table:
                self.table.append([])
            self.table[-1].append(words)
            self.cell = None
        elif tag == "table" and self.table is not None:
            rows = [row for row in self.table if row]
            if rows:
                width = max(len(row) for row in rows)
                rows = [row + [""] * (width - len(row)) for row in rows]
                lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
                lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
                self.blocks.append("\n".join(lines))
            self.table = None
        elif tag in HEADINGS or tag == "li" or tag in BLOCKS:
            self.flush()
            if tag in ("ul", "ol"):
                self.flush_list()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
        if not self.in_main or self.skip:
            return
        # keep the text literal: no raw HTML and no emphasis the source did not have
        data = data.replace("<", "&lt;").replace("*", r"\*").replace("_", r"\_")
        if self.cell is not None:
            self.cell.append(data)
        elif self.table is None:
            self.inline.append(data)

    def markdown(self) -> str:
        return "\n\n".join(self.blocks).strip() + "\n"

    def title(self) -> str:
        if self.h1:
            return html.unescape(self.h1.replace("\\", ""))
        return "".join(self.title_parts).split(" · ")[0].strip() or "Untitled"


@dataclass
class Page:
    rel: str          # chmgen's output path, e.g. "fr/targets/t01/index.html"
    lang: str
    title: str
    body: str         # Markdown, without the title
    real: bool        # True: the text of chmgen's <main>; False: a fallback body


def source_bodies(site: Path) -> list[str]:
    """Markdown bodies of sample_site (pages, news, NBSAP chapters) for pages with no <main>."""
    bodies = []
    for path in sorted(site.rglob("*.md")):
        text = path.read_text("utf-8")
        if text.startswith("---"):
            text = text.split("---", 2)[-1]
        if text.strip():
            bodies.append(text.strip() + "\n")
    return bodies


def corpus_from(built: Path, site: Path) -> list[Page]:
    fallback = source_bodies(site)
    pages: list[Page] = []
    for path in sorted(built.rglob("*.html")):
        rel = path.relative_to(built).as_posix()
        lang = SECOND_LANG if rel.startswith(SECOND_LANG + "/") else "en"
        parser = MainText()
        parser.feed(path.read_text("utf-8"))
        parser.close()
        body = parser.markdown()
        real = parser.found_main and bool(body.strip())
        if not real:
            body = fallback[len(pages) % len(fallback)]
        pages.append(Page(rel, lang, parser.title(), body, real))
    return pages


def stem_of(rel: str, lang: str) -> str:
    """'fr/targets/t01/index.html' -> 'targets/t01'; 'index.html' -> ''; '404.html' -> 'not-found'.
    """
    if lang != "en":
        rel = rel[len(lang) + 1:]
    rel = rel.removesuffix(".html")
    rel = rel.removesuffix("index").rstrip("/")
    return "not-found" if rel == "404" else rel


def yaml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def menu_of(built: Path) -> list[tuple[str, str]]:
    """chmgen's main menu (en): (label, stem) pairs, so the peers get a menu of the same size."""
    index = (built / "index.html").read_text("utf-8")
    nav = re.search(r'class="main-nav".*?</nav>', index, re.S)
    items = re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', nav.group(0) if nav else "")
    return [(html.unescape(label).strip(), href.strip("./").rstrip("/")) for href, label in items]


def write_mkdocs(pages: list[Page], menu: list[tuple[str, str]], root: Path) -> None:
    docs = root / "docs"
    for page in pages:
        stem = stem_of(page.rel, page.lang)
        prefix = "" if page.lang == "en" else page.lang + "/"
        target = docs / (prefix + (stem + "/" if stem else "") + "index.md")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(f"# {page.title}\n\n{page.body}", "utf-8")
    nav = "\n".join(f"  - {yaml_str(label)}: {(stem + '/') if stem else ''}index.md"
                    for label, stem in menu)
    common = f"site_name: Verdania Biodiversity Clearing-House (demo)\ndocs_dir: docs\n" \
             f"theme:\n  name: mkdocs\nnav:\n{nav}\n"
    (root / "mkdocs.yml").write_text(
        common + f"plugins:\n  - search:\n      lang: [en, {SECOND_LANG}]\n", "utf-8")
    (root / "mkdocs-nosearch.yml").write_text(common + "plugins: []\n", "utf-8")


def write_pelican(pages: list[Page], menu: list[tuple[str, str]], root: Path) -> None:
    content = root / "content" / "pages"
    content.mkdir(parents=True)
    for number, page in enumerate(pages):
        slug = stem_of(page.rel, page.lang).replace("/", "-") or "home"
        title = page.title.replace("\n", " ")
        (content / f"{number:04d}-{slug}.{page.lang}.md").write_text(
            f"Title: {title}\nSlug: {slug}\nLang: {page.lang}\n\n{page.body}", "utf-8")
    menu_items = tuple((label, f"/pages/{(stem.replace('/', '-') or 'home')}.html")
                       for label, stem in menu)
    (root / "pelicanconf.py").write_text(textwrap.dedent(f"""\
        AUTHOR = "Verdania"
        SITENAME = "Verdania Biodiversity Clearing-House (demo)"
        SITEURL = ""
        PATH = "content"
        PAGE_PATHS = ["pages"]
        ARTICLE_PATHS = []
        TIMEZONE = "UTC"
        DEFAULT_LANG = "en"
        RELATIVE_URLS = True
        # a fixed menu like chmgen's, not one entry per page on every page
        DISPLAY_PAGES_ON_MENU = False
        MENUITEMS = {menu_items!r}
        """), "utf-8")


# --------------------------------------------------------------------------- timing

@dataclass
class Tool:
    name: str
    command: list[str]    # "{out}" is replaced by a fresh output directory
    cwd: Path
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    output: Path | None = None

    def run(self, out: Path) -> tuple[float, float]:
        shutil.rmtree(out, ignore_errors=True)
        command = [part.replace("{out}", str(out)) for part in self.command]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=self.cwd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
            raise SystemExit(f"{self.name} failed (exit {done.returncode}): "
                             f"{' '.join(command)}\n{tail}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        self.output = out
        return wall, cpu


def count_pages(output: Path, expected: dict[str, str]) -> tuple[int, int, int]:
    """(en pages, second-language pages, other HTML files) of a build's output."""
    counts = {"en": 0, SECOND_LANG: 0}
    other = 0
    for path in output.rglob("*.html"):
        lang = expected.get(path.relative_to(output).as_posix())
        if lang:
            counts[lang] += 1
        else:
            other += 1
    return counts["en"], counts[SECOND_LANG], other


def expected_paths(pages: list[Page], tool: str) -> dict[str, str]:
    paths = {}
    for page in pages:
        stem = stem_of(page.rel, page.lang)
        if tool == "chmgen":
            paths[page.rel] = page.lang
        elif tool == "mkdocs":
            prefix = "" if page.lang == "en" else page.lang + "/"
            paths[prefix + (stem + "/" if stem else "") + "index.html"] = page.lang
        else:  # pelican: translations are saved as {slug}-{lang}.html
            slug = stem.replace("/", "-") or "home"
            suffix = "" if page.lang == "en" else "-" + page.lang
            paths[f"pages/{slug}{suffix}.html"] = page.lang
    return paths


def fmt_ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="timed builds per tool (default 5)")
    parser.add_argument("--warmups", type=int, default=1, help="untimed builds first (default 1)")
    parser.add_argument("--site", type=Path, default=ROOT / "sample_site")
    parser.add_argument("--keep", type=Path, help="also copy the corpus and outputs here")
    parser.add_argument("--upgrade-peers", action="store_true",
                        help="pip install --upgrade the peers in bench/.venv-peers")
    args = parser.parse_args()

    ensure_peers(args.upgrade_peers)
    peers = str(peers_python())
    work = Path(tempfile.mkdtemp(prefix="chmgen-peers-"))
    load_before = os.getloadavg()
    try:
        # A snapshot of the site, so edits made meanwhile in the work tree change no build.
        site = work / "site"
        shutil.copytree(args.site, site, ignore=shutil.ignore_patterns("_site"))
        nosearch = work / "site-nosearch"
        shutil.copytree(site, nosearch)
        with (nosearch / "chmgen.yml").open("a", encoding="utf-8") as config:
            config.write("\nsearch: false\n")

        chmgen = chmgen_command()
        tools = [
            Tool("chmgen", [*chmgen, "build", str(site), "-o", "{out}", "--offline", "-q"], work),
            Tool("chmgen -search",
                 [*chmgen, "build", str(nosearch), "-o", "{out}", "--offline", "-q"], work),
        ]
        # chmgen's first build is also its warm-up; the corpus comes from its output.
        first = work / "out-chmgen-0"
        tools[0].run(first)
        pages = corpus_from(first, args.site)
        menu = menu_of(first)
        mkdocs_dir, pelican_dir = work / "mkdocs", work / "pelican"
        write_mkdocs(pages, menu, mkdocs_dir)
        write_pelican(pages, menu, pelican_dir)
        tools += [
            Tool("MkDocs", [peers, "-m", "mkdocs", "build", "-q", "-f", "mkdocs.yml",
                            "-d", "{out}"], mkdocs_dir),
            Tool("MkDocs -search", [peers, "-m", "mkdocs", "build", "-q", "-f",
                                    "mkdocs-nosearch.yml", "-d", "{out}"], mkdocs_dir),
            Tool("Pelican", [str(PEERS_VENV / "bin" / "pelican"), "content", "-o", "{out}",
                             "-s", "pelicanconf.py", "-q"], pelican_dir),
        ]
        for number in range(args.warmups):
            for tool in tools[1:] if number == 0 else tools:
                tool.run(work / f"out-{slug_of(tool.name)}-w{number}")
        for rep in range(args.reps):
            shift = rep % len(tools)
            for tool in tools[shift:] + tools[:shift]:
                wall, cpu = tool.run(work / f"out-{slug_of(tool.name)}-{rep}")
                tool.walls.append(wall)
                tool.cpus.append(cpu)
                print(f"  round {rep + 1}/{args.reps} {tool.name:<15} {wall:6.2f} s",
                      flush=True)
        # Fixed cost of each build: interpreter start, imports, argument parsing.
        startups = [Tool(f"{tool.name} --version", [*tool.command[:tool.command.index(verb)],
                                                    "--version"], tool.cwd)
                    for tool, verb in ((tools[0], "build"), (tools[2], "build"),
                                       (tools[4], "content"))]
        for rep in range(args.warmups + args.reps):
            for tool in startups:
                wall, cpu = tool.run(work / "out-startup")
                if rep >= args.warmups:
                    tool.walls.append(wall)
                    tool.cpus.append(cpu)
        load_after = os.getloadavg()
        report(tools, pages, args, peers, load_before, load_after)
        print("start-up alone (interpreter, imports; median wall s): " + ", ".join(
            f"{tool.name.split()[0]} {statistics.median(tool.walls):.2f}" for tool in startups))
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(work, args.keep, ignore=shutil.ignore_patterns("site*"))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def slug_of(name: str) -> str:
    return re.sub(r"[^a-z]+", "-", name.lower()).strip("-")


def code_state() -> str:
    """The commit of the chmgen under test, and whether its code has uncommitted edits."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False)
        return done.stdout.strip()
    dirty = git("status", "--porcelain", "--", "chmgen", "themes")
    return (git("rev-parse", "--short", "HEAD") or "?") + (
        f" + {len(dirty.splitlines())} uncommitted file(s) in chmgen/ themes/" if dirty else "")


def report(tools: list[Tool], pages: list[Page], args: argparse.Namespace, peers: str,
           load_before: tuple[float, float, float],
           load_after: tuple[float, float, float]) -> None:
    chmgen_python = sys.executable
    en = sum(1 for page in pages if page.lang == "en")
    words = sum(len(page.body.split()) for page in pages)
    print()
    print(f"Python {platform.python_version()} ({platform.python_implementation()}), "
          f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores; "
          f"load average 1/5/15 min: {' '.join(f'{x:.1f}' for x in load_before)} before, "
          f"{' '.join(f'{x:.1f}' for x in load_after)} after")
    pagefind = version_of(chmgen_python, "pagefind_bin")
    if pagefind == "?":
        pagefind = version_of(chmgen_python, "pagefind")
    print(f"chmgen {version_of(chmgen_python, 'chmgen')} (Pagefind {pagefind}, Markdown "
          f"{version_of(chmgen_python, 'markdown')}); MkDocs {version_of(peers, 'mkdocs')}, "
          f"Pelican {version_of(peers, 'pelican')} (Markdown {version_of(peers, 'markdown')}) "
          f"in {PEERS_VENV.relative_to(ROOT)}")
    print(f"chmgen code: {code_state()} (the installed work tree, as it was during this run)")
    print(f"corpus: {len(pages)} pages ({en} en, {len(pages) - en} {SECOND_LANG}), "
          f"{sum(page.real for page in pages)} with chmgen's <main> text, "
          f"{words} words of Markdown body")
    print(f"{args.reps} timed builds per tool after {args.warmups} warm-up, interleaved; "
          f"wall = time.perf_counter around the subprocess, cpu = user+sys of it and its "
          f"children")
    print()
    base = tools[0]
    base_ns = tools[1]
    med = {tool.name: statistics.median(tool.walls) for tool in tools}
    low = {tool.name: min(tool.walls) for tool in tools}
    cpu = {tool.name: statistics.median(tool.cpus) for tool in tools}
    header = (f"{'tool':<15}{'pages en/fr/+other':>20}{'median s':>10}{'min s':>8}"
              f"{'max/min':>8}{'cpu s':>7}   {'÷ chmgen med/min/cpu':>22}"
              f"   {'÷ chmgen -search med/min/cpu':>29}")
    print(header)
    print("-" * len(header))
    for tool in tools:
        kind = ("chmgen" if tool.name.startswith("chmgen") else
                "mkdocs" if tool.name.startswith("MkDocs") else "pelican")
        assert tool.output is not None
        n_en, n_fr, other = count_pages(tool.output, expected_paths(pages, kind))
        ratios = "/".join(fmt_ratio(d[tool.name], d[base.name]) for d in (med, low, cpu))
        ratios_ns = "/".join(fmt_ratio(d[tool.name], d[base_ns.name]) for d in (med, low, cpu))
        print(f"{tool.name:<15}{f'{n_en}/{n_fr}/+{other}':>20}{med[tool.name]:>10.2f}"
              f"{low[tool.name]:>8.2f}{max(tool.walls) / low[tool.name]:>8.2f}"
              f"{cpu[tool.name]:>7.2f}   {ratios:>22}   {ratios_ns:>29}")
    print()
    print("ratios are peer ÷ chmgen (above 1: the peer is slower); 'max/min' is the spread of "
          "a tool's own wall times")


if __name__ == "__main__":
    main()
