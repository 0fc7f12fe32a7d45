"""The site's templates compiled ahead, into the compiled-template cache, by a second process.

A build into a folder it built before reads the site on one core while the other is idle;
after a template was edited, the renderer then compiled it there before the pages could
render (21 ms for the default ``base.html``, most of it Jinja's parser and code generator).
The command line forks this process once it knows the build will run and a template may have
changed (``needed``), and has imported Jinja and the renderer's environment (the process then
imports nothing of its own, and leaves the other core to the copy of the output folder until
then, see ``output.LinkedCopy``): it compiles each template of the site's theme chain that the
cache does not hold yet (``theme.template_cache``) as the renderer would, and the renderer
finds them there. It only ever writes what the renderer would write (Jinja writes each entry
whole, under the key of its template's source): a template it did not reach, or one it got
wrong, the renderer compiles itself.
"""

from __future__ import annotations

import os
import pickle
import signal
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket, bc_magic

from chmgen.cpus import default_jobs, run_forked

if TYPE_CHECKING:
    from chmgen.noop import Changes

# Files whose change may change a template or which templates the site uses.
_TEMPLATE_FILES = (".html", ".xml", ".txt", "theme.yml")


def needed(changes: Changes | None) -> bool:
    """Whether a build with these ``changes`` since the last one (None: not known) may find
    a template it has not compiled: the themes or a file that may be a template changed, or
    the configuration (which names the theme)."""
    return changes is None or changes.themes or any(
        name.endswith(_TEMPLATE_FILES) or name == "chmgen.yml" for name in changes.files)


def start(root: Path, jobs: int | None) -> int | None:
    """Fork the process compiling the templates of the site at ``root`` (as the command line
    names it: the renderer's templates are named by that path); its pid, or None where no
    process is forked (one job asked for, not Linux, the cache turned off, fork failed)."""
    if (jobs or default_jobs()) < 2 or os.environ.get("CHMGEN_TEMPLATE_CACHE") == "0":
        return None
    # What compiling needs is imported here, before the fork (the build imports it next):
    # the process then only compiles.
    from chmgen import render, theme  # noqa: F401

    def compiling() -> None:  # (the command line forks before it starts any thread: imports
        signal.signal(signal.SIGTERM, _stop)  # are safe there)
        compile_templates(root)

    return run_forked(compiling)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(1)  # (Jinja removes the cache entry it was writing)


def wait(pid: int | None) -> None:
    """Wait for the process to be done (the renderer is about to load the templates: what
    the process has not compiled yet, it would compile too)."""
    if pid is None:
        return
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # (waited for already)
        pass


def finish(pid: int | None) -> None:
    """Stop the process if it is still compiling, and wait for it."""
    if pid is None:
        return
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if not done:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass


def compile_templates(root: Path) -> list[str]:
    """Every template the renderer of the site at ``root`` could load, compiled into the
    cache, where it is not there already (its entry is only looked at, not loaded); returns
    their names. A template that does not compile is left to the build, which reports it."""
    import gettext

    from chmgen.noop import config_field
    from chmgen.render import make_environment
    from chmgen.theme import template_cache, template_loader, theme_chain

    cache = template_cache()
    if cache is None:
        return []
    try:
        chain = theme_chain(root, config_field(root / "chmgen.yml", "theme") or "default")
    except Exception:  # noqa: BLE001 (the build reports a theme it cannot find)
        return []
    env = make_environment(template_loader(root, chain), gettext.NullTranslations(), cache)
    assert env.loader is not None
    done = []
    for name in env.list_templates(extensions=["html", "xml", "txt"]):
        if name.startswith("!"):  # (a theme's own template, named past the overrides: rare)
            continue
        try:
            source, filename, _ = env.loader.get_source(env, name)
            if not _cached(cache, env, name, filename, source):
                env.get_template(name)
        except Exception:  # noqa: BLE001 (reported by the build, if a page uses it)
            continue
        done.append(name)
    return done


class _Entry(Bucket):
    """A cache entry read only as far as its source's checksum: whether it holds the code
    of the template's source (loading the code is the renderer's)."""

    current = False

    def load_bytecode(self, f: BinaryIO) -> None:
        if f.read(len(bc_magic)) == bc_magic and pickle.load(f) == self.checksum:
            self.current = True


def _cached(cache: BytecodeCache, env: Environment, name: str, filename: str | None,
            source: str) -> bool:
    entry = _Entry(env, cache.get_cache_key(name, filename), cache.get_source_checksum(source))
    try:
        cache.load_bytecode(entry)
    except Exception:  # noqa: BLE001 (an entry damaged: compiled again, and replaced)
        return False
    return entry.current
