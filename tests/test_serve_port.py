"""chmgen serve on a port that is taken: a one-line error, exit 1, no traceback."""

from __future__ import annotations

import socket
from pathlib import Path

from click.testing import CliRunner

from chmgen.cli import cli


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    CliRunner().invoke(cli, ["init", str(tmp_path / "site"), "--country", "ws"])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", str(tmp_path / "site"), "-p", str(port)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"chmgen: error: port {port} on 127.0.0.1 is in use (another `chmgen serve`?): stop "
        f"it, or choose another port with -p {port + 1} (-p 0 picks a free one)")
