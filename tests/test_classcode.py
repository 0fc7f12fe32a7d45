"""The compiled methods of chmgen's dataclasses, kept across runs (chmgen.classcode)."""

from __future__ import annotations

import dataclasses
import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chmgen import classcode

# Imports the model and the build, makes one value of each kind it shows, and prints what the
# cache did in that process.
PROBE = """\
import dataclasses, json
import chmgen.build
from chmgen import classcode
from pathlib import Path
from chmgen.model import Variant
value = Variant(title="T", body="B", source=Path("pages/a.md"))
try:
    value.title = "U"
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
print(json.dumps({"new": classcode._new, "used": len(classcode._used),
                  "known": len(classcode._known), "repr": repr(value),
                  "equal": value == Variant("T", "B", Path("pages/a.md")),
                  "hash": hash(value) == hash(Variant("T", "B", Path("pages/a.md"))),
                  "frozen": frozen, "patched": dataclasses.__dict__.get("exec") is not None}))
"""


def probe(cache: Path, **env: str) -> dict[str, object]:
    environment = {**os.environ, "XDG_CACHE_HOME": str(cache), **env}
    done = subprocess.run([sys.executable, "-c", PROBE], env=environment, check=True,
                          capture_output=True, text=True)
    found: dict[str, object] = json.loads(done.stdout)
    return found


def cache_of(cache: Path) -> Path:
    files = list((cache / "chmgen").glob("classes-*.marshal"))
    assert len(files) == 1, files
    return files[0]


def test_a_second_run_compiles_no_method(tmp_path: Path) -> None:
    first = probe(tmp_path)
    assert first["new"] is True and first["patched"] is True
    saved = marshal.loads(cache_of(tmp_path).read_bytes())
    assert len(saved) == first["known"] == first["used"]
    assert len(saved) > 200  # every chmgen class the build imports, ~6 methods each
    second = probe(tmp_path)
    assert second["new"] is False
    assert second["used"] == first["used"]
    # the classes work as those dataclasses makes without the cache
    plain = probe(tmp_path, CHMGEN_TEMPLATE_CACHE="0")
    assert plain["patched"] is False and plain["known"] == 0
    for found in (first, second):
        for field in ("repr", "equal", "hash", "frozen"):
            assert found[field] == plain[field]
    assert plain["frozen"] is True and plain["equal"] is True


def test_an_unreadable_cache_is_compiled_again_and_replaced(tmp_path: Path) -> None:
    (tmp_path / "chmgen").mkdir()
    name = os.path.basename(classcode.cache_file() or "")
    (tmp_path / "chmgen" / name).write_bytes(b"not marshal data \x00\xff")
    found = probe(tmp_path)
    assert found["new"] is True
    assert len(marshal.loads(cache_of(tmp_path).read_bytes())) == found["used"]


def test_a_cached_entry_is_the_code_of_its_exact_source(tmp_path: Path) -> None:
    probe(tmp_path)
    path = cache_of(tmp_path)
    saved = marshal.loads(path.read_bytes())
    # A source the cache holds is run from its code: give one source another's code, and a
    # class made from it gets the wrong method (so the cache is read, not compiled past).
    init = next(text for text in saved if " def __init__(self,title:_type_title,body:" in text)
    decoy = "def __create_fn__():\n def __init__(self):\n  pass\n return __init__"
    saved[init] = compile(decoy, "<string>", "exec", dont_inherit=True)
    path.write_bytes(marshal.dumps(saved))
    with pytest.raises(subprocess.CalledProcessError) as failed:
        probe(tmp_path)
    assert "TypeError: __create_fn__() got an unexpected keyword argument" \
        in failed.value.stderr


def test_classes_of_other_packages_are_left_to_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    if dataclasses.__dict__.get("exec") is None:
        pytest.skip("the cache is off in this process")
    monkeypatch.setattr(classcode, "_new", False)
    before = dict(classcode._known)

    @dataclasses.dataclass(frozen=True)
    class Elsewhere:  # (this module is not chmgen's)
        name: str
        size: int = 0

    assert Elsewhere("a", 1) == Elsewhere("a", 1) and repr(Elsewhere("b")) == \
        "test_classes_of_other_packages_are_left_to_exec.<locals>.Elsewhere(name='b', size=0)"
    assert classcode._known == before and classcode._new is False


def test_the_cache_follows_the_template_cache_switch(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert classcode.cache_file() == str(
        tmp_path / "chmgen" / f"classes-{classcode.MAGIC_NUMBER.hex()}.marshal")
    monkeypatch.setenv("CHMGEN_TEMPLATE_CACHE", "0")
    assert classcode.cache_file() is None
