"""Run the Nu HTML Checker (vnu.jar) over built pages and return its errors.

``scripts/test`` installs the checker and Java and exports ``CHMGEN_VNU_JAR``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["VnuUnavailable", "format_messages", "vnu_errors", "vnu_jar"]

_DEFAULT_JAR = (
    Path(__file__).resolve().parents[2] / ".tools/node_modules/vnu-jar/build/dist/vnu.jar"
)


class VnuUnavailable(RuntimeError):
    """The checker or Java is not installed."""


def vnu_jar() -> Path:
    """Path to vnu.jar: ``$CHMGEN_VNU_JAR``, else the copy ``scripts/test`` puts in .tools/."""
    configured = os.environ.get("CHMGEN_VNU_JAR")
    jar = Path(configured) if configured else _DEFAULT_JAR
    if not jar.is_file():
        where = f"CHMGEN_VNU_JAR={configured}" if configured else str(_DEFAULT_JAR)
        raise VnuUnavailable(
            f"Nu HTML checker not found ({where}). Run the tests via scripts/test, "
            "which installs it and Java and sets CHMGEN_VNU_JAR."
        )
    if shutil.which("java") is None:
        raise VnuUnavailable(
            "java is not on PATH. Run the tests via scripts/test, which installs it."
        )
    return jar


def _run(paths: Iterable[Path]) -> list[dict[str, Any]]:
    targets = [str(Path(p)) for p in paths]
    if not targets:
        raise ValueError("vnu_errors: no paths given")
    for target in targets:
        if not Path(target).exists():
            raise FileNotFoundError(target)
    cmd = [
        "java",
        "-jar",
        str(vnu_jar()),
        "--format",
        "json",
        "--errors-only",
        "--skip-non-html",
        *targets,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", timeout=600)
    # vnu writes its JSON report to stderr; exit status is 1 when there are errors.
    report = proc.stderr.strip() or proc.stdout.strip()
    try:
        messages: list[dict[str, Any]] = json.loads(report)["messages"]
    except (ValueError, KeyError, TypeError) as exc:
        raise RuntimeError(
            f"vnu produced no JSON report (exit {proc.returncode}):\n"
            f"stdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}"
        ) from exc
    # A "non-document-error" means the check itself failed (unreadable file, I/O error):
    # never let that pass silently as "no errors".
    broken = [m for m in messages if m.get("type") == "non-document-error"]
    if broken:
        raise RuntimeError("vnu could not check some documents:\n" + format_messages(broken))
    return messages


def vnu_errors(paths: list[Path]) -> list[dict[str, Any]]:
    """Validate HTML files and directories (recursively, .html only); return the errors.

    Each item is vnu's JSON message: keys include ``type`` ("error"), ``url``
    (``file:/...``), ``message``, ``lastLine``, ``firstColumn`` and ``extract``.
    """
    return [m for m in _run(paths) if m.get("type") == "error"]


def format_messages(messages: Iterable[dict[str, Any]]) -> str:
    """One readable line per message, for assertion output."""
    lines = []
    for m in messages:
        url = m.get("url", "?")
        line = m.get("lastLine", m.get("firstLine", "?"))
        lines.append(f"{url}:{line}: {m.get('type')}: {m.get('message')}")
    return "\n".join(lines)
