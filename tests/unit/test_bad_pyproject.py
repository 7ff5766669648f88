"""Hostile or broken ``pyproject.toml`` files: each build hook stops with one line
(``SystemExit``) naming the file and the key, and writes nothing (no archive, no
editable tree in ``build/``); the project's files are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

import symback
from conftest import snapshot_tree

HEADER = b'[build-system]\nrequires = ["symback"]\nbuild-backend = "symback"\n'
PROJECT = b'[project]\nname = "demo"\nversion = "1.0"\n'

CASES = [
    ("non-utf8", PROJECT + b'description = "caf\xe9"\n', "not valid UTF-8"),
    ("deep-array", PROJECT + b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested too deeply"),
    ("deep-inline-table", PROJECT + b"y = " + b"{a = " * 5_000 + b"1" + b"}" * 5_000 + b"\n",
     "nested too deeply"),
    ("huge-integer", PROJECT + b"x = " + b"9" * 5000 + b"\n", "cannot hold"),
    ("exclude-bad-range", PROJECT + b'[tool.symback]\nexclude = ["[z-a]"]\n', "[tool.symback] exclude"),
    ("include-bad-range", PROJECT + b'[tool.symback]\ninclude = ["x[z-a]"]\n', "[tool.symback] include"),
    ("long-version", b'[project]\nname = "demo"\nversion = "1.' + b"1" * 300 + b'"\n', "[project] version"),
    ("long-name", b'[project]\nname = "d' + b"e" * 300 + b'"\nversion = "1.0"\n', "[project] name"),
]
HOOKS = ["build_wheel", "build_sdist", "build_editable", "prepare_metadata_for_build_wheel"]


# include/exclude patterns are read by the hooks that collect files.
PAIRS = [(hook, case) for case in CASES for hook in HOOKS
         if not ("clude" in case[2] and hook in ("build_editable", "prepare_metadata_for_build_wheel"))]


@pytest.mark.parametrize(("hook", "text", "match"), [(h, c[1], c[2]) for h, c in PAIRS],
                         ids=[f"{c[0]}-{h}" for h, c in PAIRS])
def test_one_line_and_nothing_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook: str,
                                      text: bytes, match: str) -> None:
    root = tmp_path / "proj"
    (root / "src" / "demo").mkdir(parents=True)
    (root / "src" / "demo" / "__init__.py").write_text("")
    (root / "pyproject.toml").write_bytes(HEADER + text)
    monkeypatch.chdir(root)
    before = snapshot_tree(root)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(SystemExit) as info:
        getattr(symback, hook)(str(out))
    message = str(info.value)
    assert "\n" not in message and len(message) < 600, message
    assert message.startswith("symback: error: pyproject.toml") and match in message, message
    assert snapshot_tree(root) == before  # no build/ tree, sources untouched
    assert list(out.iterdir()) == []
