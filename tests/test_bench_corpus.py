"""bench/corpus.py: same arguments give the same bytes, chmgen accepts the site, and every peer
gets one Markdown file per chmgen content page per language."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ["en", "fr", "es"]
PAGES = 40


def load_corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "bench" / "corpus.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


corpus = load_corpus_module()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    corpus.generate(PAGES, LANGUAGES, out)
    return out


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}


def test_same_arguments_give_byte_identical_trees(generated: Path, tmp_path: Path) -> None:
    corpus.generate(PAGES, LANGUAGES, tmp_path)
    first, second = tree_bytes(generated), tree_bytes(tmp_path)
    assert len(first) > 4 * PAGES
    assert first == second


def test_chmgen_accepts_the_corpus(generated: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "chmgen", "check", "--strict",
                           str(generated / "chmgen")], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def chmgen_pages_per_language(site: Path) -> Counter[str]:
    """Content pages of the chmgen site per language: free pages and news posts (one file per
    language), targets and indicators (every language in one file), the action plan and the
    home page."""
    counts: Counter[str] = Counter()
    for path in [*(site / "pages").glob("*.md"), *(site / "news").glob("*.md")]:
        suffix = path.stem.partition(".")[2]
        counts[suffix or LANGUAGES[0]] += 1
    shared = len(list((site / "targets").glob("*.yml"))) + len(
        list((site / "indicators").glob("*.yml"))) + 2
    for lang in LANGUAGES:
        counts[lang] += shared
    return counts


def peer_pages_per_language(root: Path, peer: str) -> Counter[str]:
    if peer == "hugo":
        return Counter(path.relative_to(root / "content").parts[0]
                       for path in (root / "content").rglob("*.md"))
    if peer == "pelican":
        return Counter(path.relative_to(root / "content" / "pages").parts[0]
                       for path in (root / "content" / "pages").rglob("*.md"))
    counts: Counter[str] = Counter()
    for path in (root / "docs").rglob("*.md"):
        first = path.relative_to(root / "docs").parts[0]
        counts[first if first in LANGUAGES[1:] else LANGUAGES[0]] += 1
    return counts


@pytest.mark.parametrize("peer", ["hugo", "mkdocs", "pelican"])
def test_peers_get_one_markdown_file_per_chmgen_content_page(generated: Path,
                                                              peer: str) -> None:
    expected = chmgen_pages_per_language(generated / "chmgen")
    assert set(expected) == set(LANGUAGES)
    assert peer_pages_per_language(generated / peer, peer) == expected
