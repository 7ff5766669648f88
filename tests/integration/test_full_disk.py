"""A real full disk: small tmpfs mounts (``mount -t tmpfs -o size=...,nr_inodes=...``).

Out of space or out of inodes, in the build (wheel, sdist, the editable tree) and in the
install: one line naming the path and what ran out, nothing half-written left behind, the
environment unchanged. Mounting needs root (CI runs as root); elsewhere the tests skip and
say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from conftest import EXAMPLES, SRC_ENV, run, snapshot_tree
from wheelmaker import make_wheel

pytestmark = pytest.mark.slow


def _mount(path: Path, options: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip() or proc.returncode}")


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator:
    mounted: list[Path] = []

    def make(name: str, options: str) -> Path:
        path = tmp_path / name
        _mount(path, options)
        mounted.append(path)
        return path

    yield make
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)


def _fill(directory: Path, *, inodes: bool, leave: int = 0) -> None:
    """Use up the file system's space (one big file) or its inodes (empty files)."""
    if inodes:
        n = 0
        while True:
            try:
                (directory / f".filler{n}").touch()
            except OSError:
                return
            n += 1
    fd = os.open(directory / ".filler", os.O_WRONLY | os.O_CREAT, 0o644)
    size = 0
    try:
        while True:
            size += os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.ftruncate(fd, max(size - leave, 0))  # room for the lock and journal, not the wheel
        os.close(fd)


def _hook(project: Path, hook: str, outdir: Path) -> subprocess.CompletedProcess[str]:
    code = f"import symback; print(symback.{hook}({str(outdir)!r}))"
    return run([sys.executable, "-c", code], cwd=project, env=SRC_ENV, check=False)


def _one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0, proc
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    return lines[-1]


@pytest.mark.parametrize("hook", ["build_wheel", "build_sdist"])
def test_build_into_a_full_disk(tmp_path: Path, small_fs, example, hook: str) -> None:
    project = example("srclayout")
    (project / "src" / "acme_widgets" / "blob.bin").write_bytes(os.urandom(300_000))
    out = small_fs("out", "size=128k")
    line = _one_line(_hook(project, hook, out))
    assert f"{out}" in line and "out of disk space (ENOSPC)" in line, line
    assert os.listdir(out) == []  # no half-written archive, no .part file


def test_editable_tree_on_a_disk_out_of_inodes(tmp_path: Path, small_fs, example) -> None:
    """The editable build makes its tree in the project's build/: with no inode left there,
    one line says so (not "no symlink support"), and no half tree stays."""
    source = example("srclayout")
    project = small_fs("proj", "size=4m,nr_inodes=200")
    shutil.copytree(source, project, symlinks=True, dirs_exist_ok=True)
    before = snapshot_tree(project)
    _fill(project, inodes=True)
    fillers = {p.name for p in project.iterdir() if p.name.startswith(".filler")}
    out = tmp_path / "dist"
    line = _one_line(_hook(project, "build_editable", out))
    assert "out of inodes" in line and str(project) in line, line
    after = {k: v for k, v in snapshot_tree(project).items() if not k.startswith(".filler")}
    assert after == before
    assert not out.exists() or os.listdir(out) == []
    assert fillers


@pytest.mark.parametrize("inodes", [False, True], ids=["space", "inodes"])
def test_install_into_a_full_disk(tmp_path: Path, small_fs, inodes: bool) -> None:
    """symback install --target on a full tmpfs: one line naming the path and what ran out;
    the target exactly as it was (the previous install kept), no temporary files."""
    target = small_fs("target", "size=1m,nr_inodes=400")
    old = make_wheel(tmp_path / "old", {"pkg/__init__.py": "OLD = 1\n"}, version="0.9")
    run([sys.executable, "-m", "symback", "install", "--target", target, old], env=SRC_ENV)
    files = {f"pkg/m{i}.py": f"I = {i}\n" for i in range(300)} if inodes else \
        {"pkg/__init__.py": "NEW = 1\n", "pkg/blob.bin": os.urandom(600_000)}
    new = make_wheel(tmp_path / "new", files, [("pkg/alias.py", "pkg/m1.py")] if inodes else [],
                     version="1.0", wheel_version="2.0" if inodes else "1.0")
    if not inodes:
        _fill(target, inodes=False, leave=64 << 10)
    else:
        _fill(target, inodes=True)
        # Free a few inodes: enough for the lock and journal, not for 300 files.
        for i in range(8):
            (target / f".filler{i}").unlink()
    before = snapshot_tree(target)
    proc = run([sys.executable, "-m", "symback", "install", "--target", target, new], env=SRC_ENV,
               check=False)
    line = _one_line(proc)
    assert line.startswith("symback: error: ")
    assert ("out of inodes" if inodes else "out of disk space") in line, line
    assert str(target) in line
    assert "symlink" not in line  # a full disk is not blamed on symlink support
    assert snapshot_tree(target) == before
    assert not [n for n in os.listdir(target) if n.startswith(".symback")]
