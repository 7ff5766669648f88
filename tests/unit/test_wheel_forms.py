"""Release wheels in the three symlink forms, read back by the installer's hostile-input reader."""

from __future__ import annotations

import os
import sys
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


# -- shared libraries: bytes under the SONAME, the lean form -------------------------------


@pytest.fixture(scope="module")
def library_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose library (a real ELF built with cc, SONAME libfoo.so.1) is stored as
    libfoo.so.1.2.3, with libfoo.so.1 and libfoo.so as links, plus a directory link."""
    from native import build_libfoo

    root = make_project(
        tmp_path_factory.mktemp("libproj") / "proj",
        {"src/demo/__init__.py": "", "src/demo/data/v2/table.txt": "rows\n"},
        links={"src/demo/data/current": "v2"},
    )
    build_libfoo(root / "src/demo/lib")
    return root


LIB_LINKS = {("demo/lib/libfoo.so", "demo/lib/libfoo.so.1"), ("demo/lib/libfoo.so.1.2.3", "demo/lib/libfoo.so.1")}


@pytest.mark.parametrize("form", ["links", "lean", "compat"])
def test_library_bytes_are_stored_under_the_soname(library_tree: Path, tmp_path: Path, form: str) -> None:
    from symback.binaries import soname_of

    wheel = _build(library_tree, tmp_path, form)
    with open_wheel(wheel) as contents:
        assert contents.form == form
        assert LIB_LINKS | {("demo/data/current", "demo/data/v2")} == {tuple(l) for l in contents.links}
        assert soname_of(contents.read("demo/lib/libfoo.so.1")) == "libfoo.so.1"
        stored = {m for m in contents.members if m.startswith("demo/lib/")}
    expected = {
        "links": {"demo/lib/libfoo.so.1"},
        "lean": {"demo/lib/libfoo.so.1"},  # the other names only in LINKS
        "compat": {"demo/lib/libfoo.so.1", "demo/lib/libfoo.so", "demo/lib/libfoo.so.1.2.3"},
    }[form]
    assert stored == expected


def test_lean_form_copies_links_that_are_not_library_names(library_tree: Path, tmp_path: Path) -> None:
    wheel = _build(library_tree, tmp_path, "lean")
    with zipfile.ZipFile(wheel) as zf:
        assert "Wheel-Version: 1.0" in zf.read("demo-1.0.dist-info/WHEEL").decode()
        assert zf.read("demo/data/current/table.txt") == b"rows\n"


def test_orientation_whatever_the_tree_says(tmp_path: Path) -> None:
    """Bytes under the linker name, the SONAME a link to it: turned around all the same."""
    from native import build_libfoo

    root = make_project(tmp_path / "proj", {"src/demo/__init__.py": ""})
    lib = root / "src/demo/lib"
    build_libfoo(lib)
    for name in ("libfoo.so.1", "libfoo.so"):
        (lib / name).unlink()
    (lib / "libfoo.so.1.2.3").rename(lib / "libfoo.so")
    os.symlink("libfoo.so", lib / "libfoo.so.1")
    os.symlink("libfoo.so.1", lib / "libfoo.so.1.2.3")
    with open_wheel(_build(root, tmp_path, "links")) as contents:
        assert {m for m in contents.members if "/lib/" in m} == {"demo/lib/libfoo.so.1"}
        assert {tuple(l) for l in contents.links} == {
            ("demo/lib/libfoo.so", "demo/lib/libfoo.so.1"), ("demo/lib/libfoo.so.1.2.3", "demo/lib/libfoo.so.1")}


def test_library_without_soname_keeps_the_tree_orientation(project: Path, tmp_path: Path) -> None:
    with open_wheel(_build(project, tmp_path, "lean")) as contents:
        assert contents.form == "compat"  # nothing is a library alias: every link is copied
        assert "demo/lib/libfoo.so.1.2.3" in contents.members


def test_orient_to_sonames_retargets_every_link() -> None:
    from symback.linkrules import library_aliases, orient_to_sonames
    from symback.links import Link

    links = [Link("d/libfoo.so", "d/libfoo.so.1"), Link("d/libfoo.so.1", "d/libfoo.so.1.2.3"),
             Link("e/libfoo.so.1", "d/libfoo.so.1.2.3"), Link("d/other", "d/libfoo.so.1.2.3")]
    new, renames = orient_to_sonames(links, {"d/libfoo.so.1.2.3": "libfoo.so.1"})
    assert renames == {"d/libfoo.so.1.2.3": "d/libfoo.so.1"}
    assert set(new) == {Link("d/libfoo.so", "d/libfoo.so.1"), Link("d/libfoo.so.1.2.3", "d/libfoo.so.1"),
                        Link("e/libfoo.so.1", "d/libfoo.so.1"), Link("d/other", "d/libfoo.so.1")}
    # e/libfoo.so.1 carries the SONAME (it may be on an rpath): not an alias.
    assert library_aliases(new, {"d/libfoo.so.1": "libfoo.so.1"}) == {"d/libfoo.so", "d/libfoo.so.1.2.3", "d/other"}
    # No link named like the SONAME beside the file: nothing moves.
    assert orient_to_sonames(links[:1], {"d/libfoo.so.1.2.3": "libfoo.so.9"}) == (links[:1], {})


def test_lean_wheel_installs_every_name(library_tree: Path, tmp_path: Path) -> None:
    from symback.install import Environment, install_wheels

    wheel = _build(library_tree, tmp_path / "w", "lean")
    site = tmp_path / "env/site"
    env = Environment(purelib=str(site), platlib=str(site), scripts=str(tmp_path / "env/bin"),
                      data=str(tmp_path / "env"), include=str(tmp_path / "env/include"),
                      interpreter=sys.executable)
    install_wheels([wheel], env)
    lib = site / "demo/lib"
    assert not (lib / "libfoo.so.1").is_symlink()
    assert os.readlink(lib / "libfoo.so") == "libfoo.so.1"
    assert os.readlink(lib / "libfoo.so.1.2.3") == "libfoo.so.1"
    assert os.readlink(site / "demo/data/current") == "v2"


@pytest.mark.parametrize("target", ["lean", "links"])
def test_convert_copy_wheel_dedupes_under_the_soname(library_tree: Path, tmp_path: Path, target: str) -> None:
    copy = _build(library_tree, tmp_path / "copy", "copy")
    out = convert(copy, symlinks=target, outdir=tmp_path / "out")
    with open_wheel(out) as contents:
        assert contents.form == target
        assert LIB_LINKS <= {tuple(l) for l in contents.links}
        assert {m for m in contents.members if "/lib/" in m} == {"demo/lib/libfoo.so.1"}


@pytest.mark.parametrize(
    "environ, given, form",
    [
        ({}, None, "links"),
        ({"PIP_BUILD_TRACKER": "/tmp/x"}, None, "compat"),
        ({"UV": "/usr/bin/uv"}, None, "compat"),
        ({"UV": "/usr/bin/uv"}, "links", "links"),
        ({"PIP_BUILD_TRACKER": "/tmp/x"}, "lean", "lean"),
    ],
)
def test_installer_driven_default(project: Path, environ: dict, given: str, form: str) -> None:
    tool = load_project(project, BuildSettings(symlinks=given)).tool
    chosen, note = tool.wheel_form(environ)
    assert chosen == form
    assert (note is not None) == (given is None and bool(environ))


def test_table_setting_is_a_choice(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p", {"demo/__init__.py": ""}, extra='[tool.symback.wheel]\nsymlinks = "links"\n')
    assert load_project(root).tool.wheel_form({"UV": "uv"}) == ("links", None)


def test_build_under_pip_says_why_on_stderr(project: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PIP_BUILD_TRACKER", str(tmp_path))
    name = build_wheel(load_project(project), tmp_path)
    with open_wheel(tmp_path / name) as contents:
        assert contents.form == "compat"
    assert "because pip runs this build" in capsys.readouterr().err


def test_a_library_whose_soname_ships_nowhere_is_warned_about(tmp_path: Path, capsys) -> None:
    from native import build_libfoo

    root = make_project(tmp_path / "proj", {"src/demo/__init__.py": ""})
    lib = root / "src/demo/lib"
    build_libfoo(lib)
    (lib / "libfoo.so.1").unlink()
    (lib / "libfoo.so").unlink()
    os.symlink("libfoo.so.1.2.3", lib / "libfoo.so")  # the SONAME libfoo.so.1 is missing
    with open_wheel(_build(root, tmp_path, "links")) as contents:
        assert "demo/lib/libfoo.so.1.2.3" in contents.members  # the tree's orientation kept
    err = capsys.readouterr().err
    assert "demo/lib/libfoo.so.1.2.3: its SONAME is 'libfoo.so.1', but nothing of that name ships" in err
