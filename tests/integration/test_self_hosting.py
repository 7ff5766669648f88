"""symback builds symback: its own pyproject.toml names it as the backend (backend-path)."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, run

pytestmark = pytest.mark.slow


def test_isolated_self_build_equals_the_no_isolation_build(tmp_path: Path, symback_wheelhouse: Path) -> None:
    out = tmp_path / "dist"
    # Isolated: build installs only symback's build requirements (packaging, pathspec)
    # and imports the backend from ./src through backend-path.
    run([sys.executable, "-m", "build", "--outdir", out, REPO])
    (wheel,) = out.glob("symback-*.whl")
    (reference,) = symback_wheelhouse.glob("symback-*.whl")
    assert wheel.read_bytes() == reference.read_bytes()
    (sdist,) = out.glob("symback-*.tar.gz")
    assert sdist.name == wheel.name.split("-py3")[0] + ".tar.gz"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "symback/buildapi.py" in names and "symback/links.py" in names
    assert not any(n.startswith(("tests/", "example_projects/", "benchmarks/")) for n in names)
    for requirement in ("packaging>=24.2", "pathspec>=0.12.1", 'tomli>=1.2; python_version < "3.11"'):
        assert f"Requires-Dist: {requirement}\n" in metadata
