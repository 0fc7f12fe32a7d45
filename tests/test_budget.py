"""The page-weight budget of ``chmgen check``: pages over it fail with their sizes named; the
sample site fits the default budget; the report names the heaviest pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from chmgen.budget import KB, page_weights
from chmgen.build import load_and_plan, render_site
from chmgen.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_site"
PICTURE = bytes(3000)  # 2.9 kB of "image"

SITE = {
    "chmgen.yml": "title: Test CHM\ncountry: ke\nlanguages: [en]\nsearch: false\n"
                  "budget: {html_kb: 1, page_kb: 5}\n",
    "pages/about.md": "---\ntitle: About\n---\nAbout us.\n\n"
                      "<img src=\"/img/eager.png\" alt=\"An eager picture\">\n",
    "static/img/eager.png": PICTURE,
}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="chmgen")


def test_over_budget_pages_fail_with_their_sizes(make_site: Callable[..., Path],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(SITE)
    monkeypatch.chdir(root.parent)
    site, _ = load_and_plan(root)
    files = render_site(site)
    weights = {w.path: w for w in page_weights(site, files, {"img/eager.png": len(PICTURE)})}
    about = weights["about/index.html"]
    assert about.images == 0  # Markdown pictures load lazily: not part of the first load
    home = weights["index.html"]
    result = run("check", root.name)
    assert result.exit_code == 1
    html_kb = f"{home.html / KB:.1f}"
    css_kb = f"{home.stylesheets / KB:.1f}"
    assert (f"{root.name}/chmgen.yml: index.html: HTML is {html_kb} kB, over the budget of "
            "1 kB (budget.html_kb in chmgen.yml): split the page or shorten it") in result.output
    assert (f"{root.name}/pages/about.md: about/index.html: HTML is "
            f"{about.html / KB:.1f} kB, over the budget of 1 kB") in result.output
    total = f"{home.total / KB:.1f}"
    assert (f"{root.name}/chmgen.yml: index.html: first load is {total} kB (HTML {html_kb} kB + "
            f"stylesheets {css_kb} kB + scripts 0.0 kB + images 0.0 kB), over the budget of "
            "5 kB (budget.page_kb in chmgen.yml): make pictures smaller or load them lazily"
            ) in result.output


def test_eager_images_count_towards_the_first_load(make_site: Callable[..., Path]) -> None:
    root = make_site({**SITE, "overrides/page.html": (
        '{% extends "!default/page.html" %}\n'
        '{% block main %}<img src="{{ link(\'img/eager.png\') }}" alt="x">{{ super() }}'
        '{% endblock %}\n')})
    site, _ = load_and_plan(root)
    files = render_site(site)
    weights = {w.path: w for w in page_weights(site, files, {"img/eager.png": len(PICTURE)})}
    about = weights["about/index.html"]
    assert about.images == len(PICTURE)
    assert about.total == about.html + about.stylesheets + len(PICTURE)


def test_sample_site_fits_the_default_budget_and_reports_heaviest_pages() -> None:
    result = run("check", str(SAMPLE))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("page weight: median"))
    heaviest = lines[start + 1:start + 6]
    assert len(heaviest) == 5
    sizes = [float(re.match(r"\s*([\d.]+) kB", line).group(1)) for line in heaviest]  # type: ignore[union-attr]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] <= 100
    assert all("(HTML " in line for line in heaviest)
    assert lines[-1] == f"{SAMPLE}: OK (0 warning(s))"


def test_search_page_counts_its_script_but_not_the_index() -> None:
    site, _ = load_and_plan(SAMPLE)
    files = render_site(site)
    weights = {w.path: w for w in page_weights(site, files, {})}
    search = weights["search/index.html"]
    assert search.scripts == len(files["assets/search.js"])
    assert weights["targets/t05/index.html"].scripts == 0
