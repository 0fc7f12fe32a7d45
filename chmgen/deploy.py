"""``chmgen deploy``: commit a built site onto a ``gh-pages`` branch and push it, with plain git.

The commit is made from a temporary index (``GIT_INDEX_FILE``) whose work tree is the built
site, so the user's working tree, index and checked-out branch are never touched. The new
commit's parent is the branch's current tip on the remote: every deploy is kept in history.
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from chmgen import __version__
from chmgen.build import BuildResult, build, build_date
from chmgen.config import CONFIG_FILE, load_config
from chmgen.errors import ChmgenError, Problems
from chmgen.progress import Progress, Step, no_progress
from chmgen.records.options import FetchOptions

HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class DeployOptions:
    """Where to publish: ``remote`` and ``branch``; ``cname`` forces a custom domain."""

    remote: str = "origin"
    branch: str = "gh-pages"
    cname: str | None = None
    built: Path | None = None  # publish this folder as it is instead of building
    base_url: str | None = None
    strict: bool = False
    records: FetchOptions | None = None  # how central CHM records are read (default: cache)


@dataclass(frozen=True)
class DeployResult:
    """What was published; ``pushed`` is False when the branch already held this exact site."""

    remote: str
    branch: str
    commit: str
    files: int
    cname: str | None
    pushed: bool
    build: BuildResult | None


@dataclass(frozen=True)
class Repository:
    """The git repository holding the site: its top folder and its git directory."""

    top: Path
    git_dir: Path

    def run(self, *args: str, work_tree: Path | None = None, input: str | None = None,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run git on this repository (in ``work_tree`` when given) and return what it did."""
        command = ["git", "-c", "core.autocrlf=false", f"--git-dir={self.git_dir}",
                   *([f"--work-tree={work_tree}"] if work_tree else []), *args]
        return subprocess.run(command, cwd=work_tree or self.top, input=input,
                              capture_output=True, text=True, env={**os.environ, **(env or {})})

    def git(self, *args: str, work_tree: Path | None = None, input: str | None = None,
            env: Mapping[str, str] | None = None) -> str:
        """Run git; its error output becomes a ChmgenError naming the command."""
        done = self.run(*args, work_tree=work_tree, input=input, env=env)
        if done.returncode != 0:
            message = (done.stderr or done.stdout).strip().replace("\n", "\n  ")
            raise ChmgenError(f"git {args[0]} failed:\n  {message}")
        return done.stdout.strip()

    def ref(self, name: str) -> str | None:
        """The commit a ref names, or None when it does not exist."""
        done = self.run("rev-parse", "--verify", "--quiet", f"{name}^{{commit}}")
        return done.stdout.strip() if done.returncode == 0 else None

    def head_branch(self) -> str | None:
        """The checked-out branch (``main``), or None when HEAD is detached."""
        done = self.run("symbolic-ref", "-q", "--short", "HEAD")
        return done.stdout.strip() if done.returncode == 0 else None


def find_repository(site_dir: Path) -> Repository:
    """The git repository that contains ``site_dir``."""
    if shutil.which("git") is None:
        raise ChmgenError("git is not installed: install it, or publish with `chmgen bundle` "
                          "or the GitHub Actions workflow (see docs/workshop.md)")
    if not site_dir.is_dir():
        raise ChmgenError(f"{site_dir}: no such folder")
    done = subprocess.run(["git", "-C", str(site_dir), "rev-parse", "--show-toplevel",
                           "--absolute-git-dir"], capture_output=True, text=True)
    if done.returncode != 0:
        raise ChmgenError(f"{site_dir}: not in a git repository; run `git init` there and "
                          "`git remote add origin URL`, or publish another way "
                          "(see docs/workshop.md)")
    top, git_dir = done.stdout.strip().splitlines()
    return Repository(Path(top), Path(git_dir))


def check_target(repo: Repository, remote: str, branch: str) -> None:
    """Fail early, before building, when the remote is missing or the branch is checked out."""
    remotes = repo.git("remote").split()
    if remote not in remotes:
        known = f" (remotes: {', '.join(remotes)})" if remotes else ""
        raise ChmgenError(f"{repo.top}: no git remote '{remote}'{known}; add one with "
                          f"`git remote add {remote} URL` or choose one with --remote")
    if repo.head_branch() == branch:
        raise ChmgenError(f"'{branch}' is the checked-out branch of {repo.top}; switch to "
                          "your source branch first (`git switch main`)")


def site_base_url(site_dir: Path, options: DeployOptions) -> str | None:
    """``--base-url``, else chmgen.yml's; a ``--no-build`` folder may come from no chmgen site."""
    if options.base_url:
        return options.base_url
    if options.built is not None and not (site_dir / CONFIG_FILE).is_file():
        return None
    problems = Problems()
    config = load_config(site_dir, problems)
    problems.raise_if_errors()
    assert config is not None
    return config.base_url


def custom_domain(base_url: str | None) -> str | None:
    """The CNAME for GitHub Pages: ``base_url``'s host when it is a custom domain at its root.

    ``*.github.io`` needs none; nor does a sub-path (``https://example.org/chm/``), which is a
    project page under a user or organization domain set in another repository.
    """
    if not base_url:
        return None
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if not host or host == "github.io" or host.endswith(".github.io"):
        return None
    if parts.path not in ("", "/") or host == "localhost" or _is_ip(host):
        return None
    return host


def check_domain(domain: str) -> str:
    name = domain.strip().lower().rstrip(".")
    if not HOSTNAME_RE.match(name):
        raise ChmgenError(f"--cname: '{domain}' is not a domain name; write it without "
                          "https:// or a path, e.g. chm.example.org")
    return name


def commit_message(repo: Repository, site_dir: Path) -> str:
    """Say when the site was built and from which source commit (and whether it was dirty)."""
    source = repo.ref("HEAD")
    branch = repo.head_branch()
    dirty = repo.git("status", "--porcelain", "--", str(site_dir.resolve()))
    origin = f"{source[:10]}" if source else "no commit yet"
    if branch:
        origin += f" ({branch})"
    if dirty:
        origin += " with uncommitted changes"
    return (f"Publish the site built on {build_date().isoformat()} from {origin}\n\n"
            f"Source commit: {source or 'none'}\nBuilt with chmgen {__version__}\n")


def publish(site_dir: Path, options: DeployOptions,
            progress: Progress = no_progress) -> DeployResult:
    """Build (unless ``options.built``), commit onto ``options.branch`` and push it."""
    repo = find_repository(site_dir)
    check_target(repo, options.remote, options.branch)
    forced = check_domain(options.cname) if options.cname else None
    base_url = site_base_url(site_dir, options)
    with tempfile.TemporaryDirectory(prefix="chmgen-deploy-") as tmp:
        built, result = options.built, None
        if built is None:
            built = Path(tmp) / "site"
            result = build(site_dir, built, cache=False, strict=options.strict,
                           base_url=options.base_url, progress=progress,
                           records=options.records)
        cname = forced or built_cname(built) or custom_domain(base_url)
        parent = fetch_tip(repo, options.remote, options.branch, progress)
        progress(Step("committing"))
        tree, files = site_tree(repo, built, cname, Path(tmp) / "index")
        if parent is not None and repo.git("rev-parse", f"{parent}^{{tree}}") == tree:
            return DeployResult(options.remote, options.branch, parent, files, cname, False,
                                result)
        commit = repo.git("commit-tree", tree, *(["-p", parent] if parent else []),
                          input=commit_message(repo, site_dir))
        progress(Step("pushing"))
        repo.git("push", "--quiet", options.remote, f"{commit}:refs/heads/{options.branch}")
        repo.git("update-ref", "-m", "chmgen deploy", f"refs/heads/{options.branch}", commit)
    return DeployResult(options.remote, options.branch, commit, files, cname, True, result)


def built_cname(built: Path) -> str | None:
    """The domain of a CNAME file the site carries itself (from its static/ folder)."""
    path = built / "CNAME"
    return (path.read_text("utf-8").strip() or None) if path.is_file() else None


def fetch_tip(repo: Repository, remote: str, branch: str, progress: Progress) -> str | None:
    """The branch's tip on the remote (fetched), else the local branch's, else None."""
    progress(Step(f"fetching {remote} {branch}"))
    listed = repo.git("ls-remote", "--heads", remote, f"refs/heads/{branch}")
    if not listed:
        return repo.ref(f"refs/heads/{branch}")
    tracking = f"refs/remotes/{remote}/{branch}"
    repo.git("fetch", "--quiet", "--no-tags", remote, f"+refs/heads/{branch}:{tracking}")
    return repo.ref(tracking)


def site_tree(repo: Repository, built: Path, cname: str | None, index: Path) -> tuple[str, int]:
    """Write the built site as a git tree, plus ``.nojekyll`` and ``CNAME``; (tree, files)."""
    env = {"GIT_INDEX_FILE": str(index)}
    # --force: the user's global excludes must not drop files of the site.
    repo.git("add", "--all", "--force", ".", work_tree=built, env=env)
    extra = {".nojekyll": ""} | ({"CNAME": cname + "\n"} if cname else {})
    for name, text in extra.items():
        blob = repo.git("hash-object", "-w", "--stdin", input=text)
        repo.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{name}", env=env)
    files = len(repo.git("ls-files", env=env).splitlines())
    return repo.git("write-tree", env=env), files


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
