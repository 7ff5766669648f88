"""The PEP 517/660 hooks, called in-process as a frontend would."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from projects import make_project

import symback
from symback.errors import ConfigError


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(
        tmp_path / "proj",
        {"src/demo/__init__.py": '__version__ = "1.2"\n', "README.md": "# Demo\n", "LICENSE": "MIT text\n"},
        version=None,
        extra='readme = "README.md"\nlicense = "MIT"\nlicense-files = ["LICENSE"]\n[project.scripts]\ndemo = "demo:main"\n',
    )
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("settings", [None, {}])
def test_requires_hooks(project: Path, settings) -> None:
    assert symback.get_requires_for_build_wheel(settings) == []
    assert symback.get_requires_for_build_sdist(settings) == []


def test_requires_for_a_wheel_read_the_project_only_for_a_build_step(project: Path) -> None:
    """pip and uv ask for a wheel's requirements in a process of their own: without
    [tool.symback.build], pyproject.toml's [tool.symback] is all that hook reads (no
    metadata, no discovery: a bad [project] is reported by the next hook)."""
    import subprocess
    import sys

    from conftest import REPO

    code = ("import json, sys, symback; r = symback.get_requires_for_build_wheel({}); "
            "print(json.dumps([r, sorted(m for m in sys.modules if m.startswith('symback.'))]))")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}

    def requires_and_modules() -> list:
        import json

        out = subprocess.run([sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    requires, modules = requires_and_modules()
    assert requires == [] and not {"symback.metadata", "symback.files"} & set(modules), modules
    with open(project / "pyproject.toml", "a") as f:
        f.write('\n[tool.symback.build]\ncommand = ["true"]\nrequires = ["symback-test-tool>=1"]\n')
    requires, modules = requires_and_modules()
    assert requires == ["symback-test-tool>=1"] and "symback.metadata" in modules


def test_prepared_metadata_equals_the_wheel(project: Path, tmp_path: Path) -> None:
    meta_dir = tmp_path / "meta"
    meta_dir.mkdir()
    dist_info = symback.prepare_metadata_for_build_wheel(str(meta_dir), None)
    assert dist_info == "demo-1.2.dist-info"
    name = symback.build_wheel(str(tmp_path / "out"), {}, str(meta_dir / dist_info))
    assert name == "demo-1.2-py3-none-any.whl"
    with zipfile.ZipFile(tmp_path / "out" / name) as zf:
        for rel in ("METADATA", "entry_points.txt", "licenses/LICENSE"):
            assert zf.read(f"{dist_info}/{rel}") == (meta_dir / dist_info / rel).read_bytes()


def test_user_error_becomes_a_clean_exit(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "not a version"\n')
    monkeypatch.delenv("SYMBACK_DEBUG", raising=False)
    with pytest.raises(SystemExit) as info:
        symback.build_wheel(str(tmp_path / "out"))
    assert str(info.value.code).startswith("symback: error: pyproject.toml: [project] version")
    assert isinstance(info.value.__cause__, ConfigError)
    assert not (tmp_path / "out").exists() or not os.listdir(tmp_path / "out")
    monkeypatch.setenv("SYMBACK_DEBUG", "1")
    with pytest.raises(ConfigError):
        symback.build_wheel(str(tmp_path / "out"))


def test_failed_build_leaves_no_partial_wheel(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import symback.zipwriter as zw

    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("user file")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zw, "read_whole", boom)
    with pytest.raises(OSError, match="disk full"):
        symback.build_wheel(str(out))
    assert sorted(os.listdir(out)) == ["keep.txt"]
