"""chmgen deploy against a real bare repository: branch contents, history, CNAME, errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from chmgen.cli import cli
from chmgen.deploy import custom_domain
from chmgen.scaffold import create_site

EPOCH = "1767225600"  # 2026-01-01


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A private git configuration: no global settings, a fixed identity and build date."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "CHM focal point")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "chm@example.org")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A new site in a git repository on ``main`` with a bare ``origin`` beside it."""
    site = tmp_path / "site"
    create_site(site, "ws", ("en",))
    with (site / "chmgen.yml").open("a", encoding="utf-8") as config:
        config.write("base_url: https://chm.example.org/\n")
        # Pagefind's index differs from build to build; without it a rebuild is identical.
        config.write("search: false\n")
    git(tmp_path, "init", "--quiet", "--bare", "remote.git")
    git(site, "init", "--quiet", "-b", "main")
    git(site, "add", "--all")
    git(site, "commit", "--quiet", "-m", "New site")
    git(site, "remote", "add", "origin", str(tmp_path / "remote.git"))
    return site


def deploy(site: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["deploy", str(site), "--offline", *args])


def remote_git(site: Path, *args: str) -> str:
    return git(site.parent / "remote.git", *args)


def test_deploy_pushes_the_site_with_nojekyll_and_cname(repo: Path) -> None:
    status_before = git(repo, "status", "--porcelain", "--ignored")
    result = deploy(repo)
    assert result.exit_code == 0, result.output
    files = remote_git(repo, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert {"index.html", ".nojekyll", "CNAME", "targets/t1/index.html"} <= set(files)
    assert remote_git(repo, "show", "gh-pages:CNAME") == "chm.example.org"
    assert remote_git(repo, "show", "gh-pages:.nojekyll") == ""
    source = git(repo, "rev-parse", "HEAD")
    message = remote_git(repo, "log", "-1", "--format=%B", "gh-pages")
    assert message.splitlines()[0] == (f"Publish the site built on 2026-01-01 from {source[:10]} "
                                       "(main)")
    assert f"Source commit: {source}" in message
    assert f"pushed {len(files)} files to origin gh-pages" in result.output
    assert "CNAME chm.example.org" in result.output
    # The user's working tree, index and branch are as they were.
    assert git(repo, "status", "--porcelain", "--ignored") == status_before
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "main"


def test_second_deploy_adds_a_commit_on_top(repo: Path) -> None:
    assert deploy(repo).exit_code == 0
    first = remote_git(repo, "rev-parse", "gh-pages")
    page = repo / "pages" / "about.md"
    page.write_text(page.read_text("utf-8") + "\nA second paragraph.\n", "utf-8")
    second = deploy(repo)
    assert second.exit_code == 0, second.output
    assert remote_git(repo, "rev-parse", "gh-pages^") == first
    assert "A second paragraph." in remote_git(repo, "show", "gh-pages:about/index.html")
    assert "with uncommitted changes" in remote_git(repo, "log", "-1", "--format=%s", "gh-pages")
    unchanged = deploy(repo)
    assert unchanged.exit_code == 0
    assert "origin gh-pages already holds this site" in unchanged.output
    assert remote_git(repo, "rev-list", "--count", "gh-pages") == "2"


def test_deploy_from_another_clone_keeps_history(repo: Path, tmp_path: Path) -> None:
    assert deploy(repo).exit_code == 0
    first = remote_git(repo, "rev-parse", "gh-pages")
    git(repo, "push", "--quiet", "origin", "main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "-b", "main", str(tmp_path / "remote.git"), str(clone))
    result = deploy(clone, "--cname", "biodiversity.example.ws")
    assert result.exit_code == 0, result.output
    assert remote_git(repo, "rev-parse", "gh-pages^") == first
    assert remote_git(repo, "show", "gh-pages:CNAME") == "biodiversity.example.ws"


def test_no_build_publishes_a_folder_as_it_is(repo: Path, tmp_path: Path) -> None:
    built = tmp_path / "built"
    built.mkdir()
    (built / "index.html").write_text("<!doctype html><title>Hello</title>", "utf-8")
    result = deploy(repo, "--no-build", str(built), "--branch", "site", "-q")
    assert result.exit_code == 0, result.output
    assert result.output == ""
    files = remote_git(repo, "ls-tree", "--name-only", "site").splitlines()
    assert files == [".nojekyll", "CNAME", "index.html"]
    assert [p.name for p in built.iterdir()] == ["index.html"]


def test_a_cname_file_of_the_site_wins_over_base_url(repo: Path) -> None:
    (repo / "static").mkdir()
    (repo / "static" / "CNAME").write_text("biodiversity.example.ws\n", "utf-8")
    result = deploy(repo)
    assert result.exit_code == 0, result.output
    assert "CNAME biodiversity.example.ws" in result.output
    assert remote_git(repo, "show", "gh-pages:CNAME") == "biodiversity.example.ws"


def test_no_build_needs_no_chmgen_site(repo: Path, tmp_path: Path) -> None:
    (repo / "chmgen.yml").unlink()
    built = tmp_path / "built"
    built.mkdir()
    (built / "index.html").write_text("<!doctype html><title>Hello</title>", "utf-8")
    result = deploy(repo, "--no-build", str(built))
    assert result.exit_code == 0, result.output
    assert remote_git(repo, "ls-tree", "--name-only", "gh-pages").splitlines() == [
        ".nojekyll", "index.html"]


@pytest.mark.parametrize(("base_url", "expected"), [
    ("https://chm.example.org/", "chm.example.org"),
    ("https://CHM.Example.org", "chm.example.org"),
    ("https://example.github.io/chm/", None),
    ("https://example.github.io/", None),
    ("https://example.org/chm/", None),
    ("http://localhost:8000/", None),
    ("http://127.0.0.1/", None),
    (None, None),
])
def test_cname_comes_from_a_custom_domain_at_its_root(base_url: str | None,
                                                      expected: str | None) -> None:
    assert custom_domain(base_url) == expected


def test_github_io_site_gets_no_cname(repo: Path) -> None:
    result = deploy(repo, "--base-url", "https://example.github.io/chm/")
    assert result.exit_code == 0, result.output
    assert "CNAME" not in remote_git(repo, "ls-tree", "--name-only", "gh-pages").splitlines()


def test_deploy_errors_are_clear(repo: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    create_site(plain, "ws", ("en",))
    result = deploy(plain)
    assert result.exit_code == 1
    assert result.output == (
        f"chmgen: error: {plain}: not in a git repository; run `git init` there and "
        "`git remote add origin URL`, or publish another way (see docs/workshop.md)\n")
    result = deploy(repo, "--remote", "upstream")
    assert result.exit_code == 1
    assert result.output == (
        f"chmgen: error: {repo}: no git remote 'upstream' (remotes: origin); add one with "
        "`git remote add upstream URL` or choose one with --remote\n")
    result = deploy(repo, "--cname", "https://chm.example.org/")
    assert result.exit_code == 1
    assert "--cname: 'https://chm.example.org/' is not a domain name" in result.output
    git(repo, "switch", "--quiet", "-c", "gh-pages")
    result = deploy(repo)
    assert result.exit_code == 1
    assert "'gh-pages' is the checked-out branch" in result.output
    assert deploy(repo, "--no-such-flag").exit_code == 2


def test_failed_push_is_reported(repo: Path, tmp_path: Path) -> None:
    git(repo, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    result = deploy(repo)
    assert result.exit_code == 1
    assert result.output.startswith("chmgen: error: git ls-remote failed:\n  ")


def test_deploy_verbose_lists_its_steps(repo: Path) -> None:
    result = deploy(repo, "-v")
    assert result.exit_code == 0, result.output
    steps = [line.split(":")[0].strip() for line in result.stderr.splitlines()
             if line.startswith("  ")]
    assert steps[0] == "loading content"
    assert steps[-3:] == ["fetching origin gh-pages", "committing", "pushing"]
