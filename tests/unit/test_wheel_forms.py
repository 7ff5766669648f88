"""Release wheels in the three symlink forms, read back by the installer's hostile-input reader."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from projects import make_project

from symback.config import BuildSettings, load_project
from symback.wheel import build_wheel
from symback.wheelfile import convert, open_wheel


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(
        tmp_path / "proj",
        {
            "src/demo/__init__.py": "",
            "src/demo/lib/libfoo.so.1.2.3": "ELF" * 1000,
            "src/demo/data/v2/table.txt": "rows\n",
            "src/demo/data/v2/nested/deep.txt": "deep\n",
        },
        links={
            "src/demo/lib/libfoo.so.1": "libfoo.so.1.2.3",
            "src/demo/lib/libfoo.so": "libfoo.so.1",
            "src/demo/data/current": "v2",  # a directory link
            "src/demo/data/v2/latest.txt": "table.txt",  # a link inside the linked directory
        },
    )


def _build(root: Path, out: Path, symlinks: str) -> Path:
    name = build_wheel(load_project(root, BuildSettings(symlinks=symlinks)), out)
    return out / name


def test_links_form(project: Path, tmp_path: Path) -> None:
    wheel = _build(project, tmp_path / "links", "links")
    with open_wheel(wheel) as contents:
        assert contents.form == "links"
        assert contents.wheel_version == (2, 0)
        assert {(l.path, l.target) for l in contents.links} == {
            ("demo/lib/libfoo.so", "demo/lib/libfoo.so.1"),
            ("demo/lib/libfoo.so.1", "demo/lib/libfoo.so.1.2.3"),
            ("demo/data/current", "demo/data/v2"),
            ("demo/data/v2/latest.txt", "demo/data/v2/table.txt"),
        }
        assert "demo/lib/libfoo.so" not in contents.members
        assert "demo/data/current/table.txt" not in contents.members


def test_compat_form_copies_what_each_link_resolves_to(project: Path, tmp_path: Path) -> None:
    wheel = _build(project, tmp_path / "compat", "compat")
    with open_wheel(wheel) as contents:  # checks every copy equals its target
        assert contents.form == "compat"
        assert contents.wheel_version == (1, 0)
        assert len(contents.links) == 4
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert zf.read("demo/lib/libfoo.so") == zf.read("demo/lib/libfoo.so.1.2.3")
        # the directory link's copy holds the directory's files, its inner link included
        assert {"demo/data/current/table.txt", "demo/data/current/nested/deep.txt", "demo/data/current/latest.txt"} <= names
        assert zf.read("demo/data/current/latest.txt") == b"rows\n"


def test_copy_form_has_no_links(project: Path, tmp_path: Path) -> None:
    wheel = _build(project, tmp_path / "copy", "copy")
    with open_wheel(wheel) as contents:
        assert contents.form == "copy" and not contents.links
    with zipfile.ZipFile(wheel) as zf:
        assert not any(n.endswith("/LINKS") for n in zf.namelist())
        assert zf.read("demo/data/current/nested/deep.txt") == b"deep\n"


@pytest.mark.parametrize("target", ["compat", "copy"])
def test_convert_from_links_equals_building_the_form(project: Path, tmp_path: Path, target: str) -> None:
    built = _build(project, tmp_path / target, target)
    converted = convert(_build(project, tmp_path / "links", "links"), symlinks=target, outdir=tmp_path / "conv")
    with zipfile.ZipFile(built) as a, zipfile.ZipFile(converted) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
        for name in a.namelist():
            if not name.endswith(("RECORD", "WHEEL")):
                assert a.read(name) == b.read(name), name
