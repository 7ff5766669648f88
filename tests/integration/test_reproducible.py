"""Reproducible builds: the same source gives the same bytes, wherever and whenever built.

A copy of ``srclayout`` with an executable file added is placed at two different paths,
with different file mtimes, and built with ``python -m build --no-isolation`` (the
checkout's symback) at different wall-clock times:

* with the same ``SOURCE_DATE_EPOCH``, wheels and sdists are byte-identical;
* with ``SOURCE_DATE_EPOCH`` unset, too (symback then uses a fixed date);
* a different ``SOURCE_DATE_EPOCH`` changes the archive timestamps (and only them);
* the wheel built from the unpacked sdist equals the wheel built from the tree;
* the executable bit survives into the wheel, the sdist and an installed file.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Callable

import pytest

from conftest import EXAMPLES, SRC_ENV, run, shared_build

pytestmark = pytest.mark.slow

PROJECT = "srclayout"
EXECUTABLE = "src/acme_widgets/bin/acme-helper.sh"
EXECUTABLE_ARC = "acme_widgets/bin/acme-helper.sh"
EPOCH = 1_700_000_000  # 2023-11-14T22:13:20Z (an even second: zip stores 2 s steps)
OTHER_EPOCH = 1_600_000_000


def make_copy(dest: Path, mtime: int) -> Path:
    """srclayout plus an executable file, every file's mtime set to ``mtime``."""
    shutil.copytree(EXAMPLES / PROJECT, dest, symlinks=True,
                    ignore=shutil.ignore_patterns("build", "dist", "__pycache__"))
    tool = dest / EXECUTABLE
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\necho acme helper\n")
    tool.chmod(0o755)
    for path in [dest, *dest.rglob("*")]:
        if not path.is_symlink():
            os.utime(path, (mtime, mtime))
    return dest


def build(project: Path, outdir: Path, *, epoch: int | None, what: str) -> Path:
    """Build one artifact (``what``: "wheel" or "sdist") straight from ``project``."""
    env = dict(SRC_ENV)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    # `run` passes os.environ through: make "unset" really unset.
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        run([sys.executable, "-m", "build", "--no-isolation", "--skip-dependency-check", f"--{what}", "--outdir", outdir, project],
            env=env)
    finally:
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    (artifact,) = outdir.glob("*.whl" if what == "wheel" else "*.tar.gz")
    return artifact


def build_all(target: Path) -> None:
    a = make_copy(target / "checkout-a" / "acme-widgets", mtime=1_650_000_000)
    b = make_copy(target / "elsewhere" / "deeper" / "checkout-b", mtime=1_750_000_001)
    for what in ("wheel", "sdist"):
        build(a, target / f"a-epoch-{what}", epoch=EPOCH, what=what)
        build(a, target / f"a-unset-{what}", epoch=None, what=what)
    build(a, target / "a-other-wheel", epoch=OTHER_EPOCH, what="wheel")
    time.sleep(1.5)  # a later wall clock for the second checkout
    for what in ("wheel", "sdist"):
        build(b, target / f"b-epoch-{what}", epoch=EPOCH, what=what)
        build(b, target / f"b-unset-{what}", epoch=None, what=what)
    # sdist -> wheel: unpack the sdist, build a wheel from it.
    sdist = next((target / "a-epoch-sdist").glob("*.tar.gz"))
    unpacked = target / "unpacked"
    with tarfile.open(sdist) as tf:
        tf.extractall(unpacked, filter="data") if hasattr(tarfile, "data_filter") else tf.extractall(unpacked)
    (root,) = unpacked.iterdir()
    build(root, target / "from-sdist-wheel", epoch=EPOCH, what="wheel")


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    target = shared_build(tmp_path_factory, "reproducible", build_all)

    def get(key: str) -> Path:
        (artifact,) = [p for p in (target / key).iterdir() if p.suffix in (".whl", ".gz")]
        return artifact

    return get


@pytest.mark.parametrize("what", ["wheel", "sdist"])
def test_same_epoch_different_checkout_and_time(builds, what: str) -> None:
    a, b = builds(f"a-epoch-{what}"), builds(f"b-epoch-{what}")
    assert a.name == b.name
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize("what", ["wheel", "sdist"])
def test_epoch_unset_different_checkout_and_time(builds, what: str) -> None:
    a, b = builds(f"a-unset-{what}"), builds(f"b-unset-{what}")
    assert a.read_bytes() == b.read_bytes()


def test_epoch_sets_the_timestamps(builds) -> None:
    expected = time.gmtime(EPOCH)[:6]
    with zipfile.ZipFile(builds("a-epoch-wheel")) as zf:
        assert {info.date_time for info in zf.infolist()} == {expected}
    with tarfile.open(builds("a-epoch-sdist")) as tf:
        assert {m.mtime for m in tf.getmembers()} == {EPOCH}
    with zipfile.ZipFile(builds("a-other-wheel")) as zf:
        assert {info.date_time for info in zf.infolist()} == {time.gmtime(OTHER_EPOCH)[:6]}


def test_other_epoch_changes_only_timestamps(builds) -> None:
    with zipfile.ZipFile(builds("a-epoch-wheel")) as one, zipfile.ZipFile(builds("a-other-wheel")) as two:
        assert one.namelist() == two.namelist()
        for x, y in zip(one.infolist(), two.infolist()):
            assert one.read(x) == two.read(y), x.filename
            assert x.external_attr == y.external_attr, x.filename
    assert builds("a-epoch-wheel").read_bytes() != builds("a-other-wheel").read_bytes()


def test_wheel_from_sdist_equals_wheel_from_tree(builds) -> None:
    from_tree, from_sdist = builds("a-epoch-wheel"), builds("from-sdist-wheel")
    assert from_tree.name == from_sdist.name
    assert from_tree.read_bytes() == from_sdist.read_bytes()


def test_executable_bit_kept(builds, make_venv) -> None:
    with zipfile.ZipFile(builds("a-epoch-wheel")) as zf:
        modes = {info.filename: info.external_attr >> 16 for info in zf.infolist()}
    assert modes[EXECUTABLE_ARC] & 0o111 == 0o111, oct(modes[EXECUTABLE_ARC])
    assert stat.S_ISREG(modes[EXECUTABLE_ARC]) or modes[EXECUTABLE_ARC] & 0o170000 == 0
    for name, mode in modes.items():
        if name != EXECUTABLE_ARC:
            assert mode & 0o111 == 0, f"{name}: {oct(mode)}"

    with tarfile.open(builds("a-epoch-sdist")) as tf:
        tar_modes = {m.name.split("/", 1)[1]: m.mode for m in tf.getmembers() if m.isfile()}
    assert tar_modes[EXECUTABLE] & 0o111 == 0o111, oct(tar_modes[EXECUTABLE])
    assert tar_modes["pyproject.toml"] & 0o111 == 0

    venv = make_venv("exec")
    venv.pip("install", "--no-index", "--no-deps", builds("a-epoch-wheel"))
    installed = venv.site_packages / EXECUTABLE_ARC
    assert os.access(installed, os.X_OK)
    assert run([installed]).stdout == "acme helper\n"
