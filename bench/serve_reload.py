"""Benchmark: edit-to-reload time of ``chmgen serve`` in a real browser.

    .venv/bin/python bench/serve_reload.py [--pages 1000,10000] [--reps 7] [--json FILE]

For each corpus size (bench/corpus.py, English, ``search: false`` so that Pagefind's background
re-index does not share the two cores with the measurement; a run with search on is reported too
with ``--search``), it starts ``chmgen serve`` on a copy of the corpus, opens a national target's
page, an indicator's page and a free page in headless Chromium (Playwright, /usr/bin/chromium),
and for each edit:

1. writes a new title into the source file (a target's or indicator's YAML, a page's front
   matter),
2. waits until the page in the browser — reloaded by livereload — shows the new title,

and reports the time from just before the write to the reloaded page's first contentful paint
(the browser's own paint timing, on the same clock as the write): the median
and the worst over ``--reps`` edits, with the server's own "rebuilt N of M pages in S s" lines.
The edits are a few seconds apart, as a person's are. Timings are for notes, never for tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from corpus import generate  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def corpus(pages: int, search: bool) -> Path:
    """A copy of the generated corpus to edit (bench/.work/ keeps the generated one)."""
    source = ROOT / "bench" / ".work" / f"corpus-{pages}-en"
    if not (source / "chmgen" / "chmgen.yml").is_file():
        generate(pages, ["en"], source)
    work = Path(tempfile.mkdtemp(prefix=f"serve-{pages}-"))
    shutil.copytree(source / "chmgen", work / "site",
                    ignore=shutil.ignore_patterns(".chmgen"))
    if not search:
        with (work / "site" / "chmgen.yml").open("a", encoding="utf-8") as handle:
            handle.write("\nsearch: false\n")
    return work / "site"


def CASES(targets: list[Path], indicators: list[Path], pages: list[Path]  # noqa: N802
          ) -> list[tuple[str, list[Path], str]]:
    """The edits measured: a record of each kind the issue names, in the middle of its list."""
    return [("national target", targets, "targets/"), ("indicator", indicators, "indicators/"),
            ("free page", pages, "")]


NAMES = ("national target", "indicator", "free page")


def first_title_line(path: Path) -> tuple[str, str]:
    """The line holding the English title, and the text before the title's words."""
    for line in path.read_text("utf-8").splitlines():
        match = re.match(r'(title: "?|  en: "?)', line)
        if match:
            return line, match.group(1)
    raise SystemExit(f"{path}: no title line")


def measure(site: Path, reps: int, log: Path) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    handle = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "chmgen", "serve", str(site), "--port", str(port)],
        stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    results: dict[str, object] = {}
    try:
        deadline = time.monotonic() + 900
        while "serving" not in log.read_text("utf-8", "replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(log.read_text("utf-8", "replace")[-2000:])
            time.sleep(0.2)
        targets = sorted((site / "targets").glob("*.yml"))
        indicators = sorted((site / "indicators").glob("*.yml"))
        pages = sorted((site / "pages").glob("*.md"))
        cases = [(name, files[len(files) // 2], f"{prefix}{files[len(files) // 2].stem}/")
                 for name, files, prefix in CASES(targets, indicators, pages)]
        with sync_playwright() as play:
            browser = play.chromium.launch(executable_path="/usr/bin/chromium",
                                           args=CHROMIUM_ARGS)
            page = browser.new_page()
            for name, source, key in cases:
                page.goto(f"http://127.0.0.1:{port}/{key}")
                page.wait_for_selector("h1")
                line, prefix = first_title_line(source)
                times = []
                for rep in range(reps):
                    word = f"Edit{rep}x{int(time.time() * 1000) % 100000}"
                    text = source.read_text("utf-8")
                    new = text.replace(line, line.replace(prefix, f"{prefix}{word} ", 1), 1)
                    time.sleep(2.0)  # a person's pace; the previous edit's background work ends
                    started = time.time()
                    source.write_text(new, "utf-8")
                    page.wait_for_function(
                        "w => document.querySelector('h1') && "
                        "document.querySelector('h1').textContent.includes(w)",
                        arg=word, timeout=60_000, polling="raf")
                    # The moment the reloaded page was first painted, on the same clock as the
                    # write (Playwright notices later: it re-attaches after the navigation).
                    painted = page.evaluate(
                        "() => { const p = performance.getEntriesByType('paint')"
                        ".find(e => e.name === 'first-contentful-paint'); "
                        "const n = performance.getEntriesByType('navigation')[0]; "
                        "return performance.timeOrigin + (p ? p.startTime "
                        ": n.domContentLoadedEventEnd); }")
                    times.append(painted / 1000 - started)
                    line = next(x for x in new.splitlines() if word in x)
                    prefix = prefix + f"{word} "
                results[name] = {"median_ms": round(statistics.median(times) * 1000),
                                 "worst_ms": round(max(times) * 1000),
                                 "all_ms": [round(t * 1000) for t in times]}
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
        handle.close()
    rebuilt = re.findall(r"rebuilt (\d+) of (\d+) pages in ([\d.]+) s"
                         r"(?: \(the page on screen first, in ([\d.]+) s\))?",
                         log.read_text("utf-8"))
    results["server"] = [f"{a} of {b} pages in {c} s" + (f", the one on screen in {d} s"
                                                          if d else "")
                         for a, b, c, d in rebuilt]
    return results


def code_version() -> str:
    """The commit chmgen runs from, marked when the work tree has uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()
    dirty = git("status", "--porcelain", "--", "chmgen", "themes")
    return (git("rev-parse", "--short", "HEAD") or "unknown") + (" + edits" if dirty else "")


BEGIN, END = "<!-- serve-reload: generated by bench/serve_reload.py -->", "<!-- /serve-reload -->"


def write_report(path: Path, report: dict[int, dict[str, object]], command: str) -> None:
    """Put the results in their own section of ``path`` (docs/performance.md), replacing the
    section of an earlier run."""
    lines = [BEGIN, "", "## chmgen serve: from saving a file to seeing it in the browser", "",
             f"Measured with `{command}` on {time.strftime('%Y-%m-%d')} (chmgen at "
             f"{code_version()}): headless Chromium has "
             "the page open; the title is changed in the source file; the time runs from just "
             "before the write to the reloaded page's first contentful paint (the browser's "
             "paint timing, same clock). Edits are 2 s apart; the corpus is bench/corpus.py's, "
             "English, `search: false` (with search on, the re-index runs after the reload, in "
             "the background). The server renders the page a browser shows first and reloads "
             "that browser; the other pages the edit changed (lists, home page, GBF pages) are "
             "rendered 0.15 s later, and browsers on them reload then.", "",
             "| pages | edit | median ms | worst ms | server's own rebuild lines |",
             "|---:|---|---:|---:|---|"]
    for size, result in report.items():
        server = result.get("server", [])
        assert isinstance(server, list)
        for number, name in enumerate(NAMES):
            value = result[name]
            assert isinstance(value, dict)
            reps = len(value["all_ms"])
            shown = server[number * reps:(number + 1) * reps][:3]
            lines.append(f"| {size:,} | {name} | {value['median_ms']} | {value['worst_ms']} | "
                         f"{'; '.join(shown)}{' …' if reps > 3 else ''} |")
    lines += ["", END]
    section = "\n".join(lines) + "\n"
    text = path.read_text("utf-8") if path.is_file() else ""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default="1000,10000")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--search", action="store_true", help="keep the search index on")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--report", type=Path,
                        help="write the results into this Markdown file's serve section "
                        "(bench/run: docs/performance.md)")
    args = parser.parse_args()
    report: dict[int, dict[str, object]] = {}
    for size in [int(x) for x in args.pages.split(",")]:
        site = corpus(size, args.search)
        print(f"{size} pages: serving {site} ...", flush=True)
        result = measure(site, args.reps, site.parent / "serve.log")
        report[size] = result
        for name in NAMES:
            value = result[name]
            assert isinstance(value, dict)
            print(f"  {name}: edit → visible in the browser, median {value['median_ms']} ms, "
                  f"worst {value['worst_ms']} ms ({value['all_ms']})")
        server = result["server"]
        assert isinstance(server, list)
        print("  server:", "; ".join(server[-2 * args.reps:]))
        shutil.rmtree(site.parent, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), "utf-8")
    if args.report:
        write_report(args.report, report, "python bench/serve_reload.py " + " ".join(
            a for a in sys.argv[1:] if not a.startswith("--report") and a != str(args.report)))


if __name__ == "__main__":
    main()
