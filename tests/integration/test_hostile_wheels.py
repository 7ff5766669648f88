"""Hostile wheels: every installer rule, each with a hand-crafted wheel.

Each test installs into a scratch environment that already holds a previous install and
an unrelated file, snapshots the whole tree (paths, bytes, link targets) before and after,
and asserts the install was refused with a named error and nothing changed. Most run the
installer in-process for speed; a few go through ``python -m symback`` in a real venv.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import SRC_ENV, run, snapshot_tree
from symback import install as install_mod
from symback.errors import InstallError, LinksError, SymbackError
from symback.install import Environment, install_wheels, uninstall
from symback.wheelfile import open_wheel
from wheelmaker import SONAME_LINKS, compat_files, make_wheel, record_hash, soname_wheel

# ----------------------------------------------------------------------------- helpers


def snapshot(root: Path) -> dict[str, tuple]:
    return snapshot_tree(root)


def make_env(base: Path) -> Environment:
    site = base / "lib" / "site-packages"
    site.mkdir(parents=True, exist_ok=True)
    return Environment(
        purelib=str(site), platlib=str(site), scripts=str(base / "bin"), data=str(base),
        include=str(base / "include"), interpreter=sys.executable,
    )


@pytest.fixture
def env(tmp_path: Path) -> Environment:
    """A scratch environment holding demo 0.9 (files and links) and an unrelated file."""
    e = make_env(tmp_path / "env")
    old = make_wheel(tmp_path / "old", {"pkg/__init__.py": "OLD = 1\n", "pkg/old.txt": "old\n",
                                        "pkg/lib.so.1": "L"},
                     [("pkg/lib.so", "pkg/lib.so.1")], version="0.9", wheel_version="2.0")
    install_wheels([old], e)
    (Path(e.purelib) / "unrelated.py").write_text("# someone else's\n")
    return e


def refused(tmp_path: Path, env: Environment, wheel: Path, match: str,
            error: type[Exception] = SymbackError, **kwargs) -> SymbackError:
    root = Path(env.data)
    before = snapshot(root)
    with pytest.raises(error, match=match) as info:
        install_wheels([wheel], env, **kwargs)
    assert snapshot(root) == before
    assert wheel.name in str(info.value) or "symback install" in str(info.value)
    return info.value


GOOD = {"pkg/__init__.py": "NEW = 1\n", "pkg/lib.so.1": "L"}


# ----------------------------------------------------------------------------- LINKS rules


@pytest.mark.parametrize(
    ("links", "match"),
    [
        ([("../evil", "pkg/__init__.py")], r"'\.\.' segment"),
        ([("pkg/x", "../../etc/passwd")], r"'\.\.' segment"),
        ([("pkg/x", "pkg/../../outside")], r"'\.\.' segment"),
        ([("/tmp/evil", "pkg/__init__.py")], "absolute"),
        ([("pkg/x", "/etc/passwd")], "absolute"),
        ([("C:/evil", "pkg/__init__.py")], "drive"),
        ([("pkg/x", "C:/Windows/system32")], "drive"),
        ([("//server/share/x", "pkg/__init__.py")], "UNC"),
        ([("pkg/x", "//server/share")], "UNC"),
        ([("pkg\\..\\..\\evil", "pkg/__init__.py")], "backslash"),
        ([("pkg/x", "pkg\\..\\..\\evil")], "backslash"),
        ([("pkg/missing", "pkg/nothere.py")], "does not exist"),
        ([("pkg/a", "pkg/b"), ("pkg/b", "pkg/a")], "cycle"),
        ([("pkg/self", "pkg/self")], "itself"),
        ([("pkg/d", "pkg"), ("pkg/d/x", "pkg/__init__.py")], "through the link"),
        ([("pkg/d", "sub"), ("pkg/x", "pkg/d/m.py")], "through the link"),
        ([("pkg/up", "pkg")], "endless"),
        ([("pkg/__init__.py", "pkg/lib.so.1")], "at or under a link path"),
        ([("demo-1.0.dist-info/evil", "pkg/__init__.py")], "dist-info"),
        ([("demo-1.0.data/scripts/x", "pkg/__init__.py")], r"\.data"),
    ],
)
def test_bad_links_refused(tmp_path: Path, env: Environment, links, match) -> None:
    files = dict(GOOD, **{"sub/m.py": "m\n"})
    wheel = make_wheel(tmp_path / "w", files, links, wheel_version="2.0")
    err = refused(tmp_path, env, wheel, match, LinksError)
    assert "LINKS" in str(err)


def test_chain_too_deep(tmp_path: Path, env: Environment) -> None:
    links = [(f"pkg/l{i}", f"pkg/l{i + 1}") for i in range(10)] + [("pkg/l10", "pkg/lib.so.1")]
    wheel = make_wheel(tmp_path / "w", GOOD, links, wheel_version="2.0")
    refused(tmp_path, env, wheel, "more than the 8 allowed", LinksError)


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (b'pkg/x,"pkg/lib.so.1\n', "malformed CSV|expected 2 columns"),
        (b"pkg/x,pkg/lib.so.1,extra\n", "expected 2 columns"),
        (b"pkg/x\n", "expected 2 columns"),
        (b"pkg/x,pkg/lib.so.1\npkg/x,pkg/__init__.py\n", "listed twice"),
        (b"pkg/x,pkg/lib.so.1\x00\n", "NUL"),
        (b"pkg/\xff,pkg/lib.so.1\n", "UTF-8"),
    ],
)
def test_malformed_links_refused(tmp_path: Path, env: Environment, raw: bytes, match: str) -> None:
    wheel = make_wheel(tmp_path / "w", GOOD, links_raw=raw, wheel_version="2.0")
    refused(tmp_path, env, wheel, match, LinksError)


def test_link_never_replaces_unowned_file(tmp_path: Path, env: Environment) -> None:
    (Path(env.purelib) / "pkg" / "libx.so").write_bytes(b"someone else's")
    wheel = make_wheel(tmp_path / "w", GOOD, [("pkg/libx.so", "pkg/lib.so.1")],
                       wheel_version="2.0")
    refused(tmp_path, env, wheel, "already exists")


def test_link_never_replaces_unowned_link(tmp_path: Path, env: Environment) -> None:
    os.symlink("__init__.py", Path(env.purelib) / "pkg" / "libx.so")
    wheel = make_wheel(tmp_path / "w", GOOD, [("pkg/libx.so", "pkg/lib.so.1")],
                       wheel_version="2.0")
    refused(tmp_path, env, wheel, "already exists")


def test_never_writes_through_existing_link(tmp_path: Path) -> None:
    """An unrecorded directory link in site-packages: writing there would change its target."""
    e = make_env(tmp_path / "env")
    source = tmp_path / "source_tree"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "__init__.py").write_text("SOURCE\n")
    os.symlink(source / "pkg", Path(e.purelib) / "pkg")
    wheel = make_wheel(tmp_path / "w", {"pkg/__init__.py": "x\n", "pkg/new.py": "y\n"})
    before_source = snapshot(source)
    refused(tmp_path, e, wheel, "passes through the existing symlink")
    assert snapshot(source) == before_source


def test_2_0_file_at_link_path(tmp_path: Path, env: Environment) -> None:
    files = dict(GOOD, **{"pkg/lib.so": "L"})
    wheel = make_wheel(tmp_path / "w", files, [("pkg/lib.so", "pkg/lib.so.1")],
                       wheel_version="2.0")
    refused(tmp_path, env, wheel, "link path", LinksError)


# ----------------------------------------------------------------------------- members


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("../evil.py", r"'\.\.'"),
        ("pkg/../../evil.py", r"'\.\.'"),
        ("/abs/evil.py", "absolute"),
        ("pkg\\..\\evil.py", "backslash"),
        ("C:/evil.py", "drive"),
        ("pkg//x.py", "empty"),
    ],
)
def test_bad_member_names(tmp_path: Path, env: Environment, name: str, match: str) -> None:
    wheel = make_wheel(tmp_path / "w", dict(GOOD, **{name: "evil\n"}))
    refused(tmp_path, env, wheel, match, InstallError)


def test_zip_symlink_member_refused(tmp_path: Path, env: Environment) -> None:
    wheel = make_wheel(tmp_path / "w", GOOD, zip_symlinks={"pkg/evil": "/etc/passwd"})
    refused(tmp_path, env, wheel, "zip symlink", InstallError)


def test_member_compressed_with_another_method_refused(tmp_path: Path, env: Environment) -> None:
    """Wheels are stored or deflated; bzip2/lzma members (a bigger decompressor to trust) are refused."""
    import zipfile

    good = make_wheel(tmp_path / "good", GOOD)
    wheel = tmp_path / "w" / good.name
    wheel.parent.mkdir()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(wheel, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            info.compress_type = zipfile.ZIP_BZIP2 if info.filename == "pkg/__init__.py" else zipfile.ZIP_DEFLATED
            dst.writestr(info, data)
    error = refused(tmp_path, env, wheel, "compressed with zip method 12", InstallError)
    assert "pkg/__init__.py" in str(error)


def test_corrupt_member_data_refused(tmp_path: Path, env: Environment) -> None:
    """A member whose deflate stream is damaged: a named error, not zipfile's exception."""
    wheel = make_wheel(tmp_path / "w", {"pkg/__init__.py": "VALUE = 1\n" * 200})
    raw = bytearray(wheel.read_bytes())
    start = raw.index(b"pkg/__init__.py") + len("pkg/__init__.py")  # the first local header's data
    raw[start + 10:start + 20] = b"\xff" * 10
    wheel.write_bytes(bytes(raw))
    refused(tmp_path, env, wheel, r"pkg/__init__\.py: the member cannot be read", InstallError)


def test_record_hash_mismatch(tmp_path: Path, env: Environment) -> None:
    def tamper(rows):
        return [[r[0], record_hash(b"other") if r[0] == "pkg/__init__.py" else r[1], r[2]]
                for r in rows]

    wheel = make_wheel(tmp_path / "w", GOOD, tamper_record=tamper)
    refused(tmp_path, env, wheel, "hash does not match RECORD", InstallError)


def test_record_size_mismatch(tmp_path: Path, env: Environment) -> None:
    def tamper(rows):
        return [[r[0], r[1], "999" if r[0] == "pkg/__init__.py" else r[2]] for r in rows]

    wheel = make_wheel(tmp_path / "w", GOOD, tamper_record=tamper)
    refused(tmp_path, env, wheel, "RECORD says 999", InstallError)


def test_file_missing_from_record(tmp_path: Path, env: Environment) -> None:
    wheel = make_wheel(tmp_path / "w", GOOD, unrecorded={"pkg/sneaky.py": "x\n"})
    refused(tmp_path, env, wheel, "not listed in RECORD", InstallError)


def test_record_row_without_file(tmp_path: Path, env: Environment) -> None:
    wheel = make_wheel(tmp_path / "w", GOOD,
                       tamper_record=lambda rows: rows + [["pkg/ghost.py", record_hash(b""), "0"]])
    refused(tmp_path, env, wheel, "not in the wheel", InstallError)


def test_wheel_version_3_refused(tmp_path: Path, env: Environment) -> None:
    wheel = make_wheel(tmp_path / "w", GOOD, wheel_version="3.0")
    refused(tmp_path, env, wheel, "Wheel-Version 3.0 is not supported", InstallError)


def test_wheel_version_1_1_warns(tmp_path: Path, env: Environment) -> None:
    wheel = make_wheel(tmp_path / "w", GOOD, wheel_version="1.1")
    (result,) = install_wheels([wheel], env)
    assert any("Wheel-Version 1.1" in w for w in result.warnings)


def test_wheel_version_2_without_links(tmp_path: Path, env: Environment) -> None:
    wheel = make_wheel(tmp_path / "w", GOOD, wheel_version="2.0")
    install_wheels([wheel], env)
    assert (Path(env.purelib) / "pkg" / "__init__.py").read_text() == "NEW = 1\n"
    assert not (Path(env.purelib) / "pkg" / "lib.so").exists()  # the old link went


def test_2_0_record_may_list_links(tmp_path: Path, env: Environment) -> None:
    """A 2.0 wheel's RECORD may carry `path,,` rows for its links (and only for them)."""
    wheel = make_wheel(tmp_path / "w", GOOD, [("pkg/libx.so", "pkg/lib.so.1")],
                       wheel_version="2.0", tamper_record=lambda rows: rows + [["pkg/libx.so", "", ""]])
    install_wheels([wheel], env)
    assert os.readlink(Path(env.purelib) / "pkg" / "libx.so") == "lib.so.1"


def test_missing_installer_package(tmp_path: Path, env: Environment,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "installer.destinations", None)
    wheel = make_wheel(tmp_path / "w", GOOD)
    with pytest.raises(InstallError, match=r"symback\[install\]"):
        install_wheels([wheel], env)


# ----------------------------------------------------------------------------- compat


def test_compat_copy_differs_from_target(tmp_path: Path, env: Environment) -> None:
    files = compat_files()
    files["pkg/libfoo.so.1"] = b"tampered"
    wheel = make_wheel(tmp_path / "w", files, SONAME_LINKS)
    refused(tmp_path, env, wheel, "pkg/libfoo.so.1: the copy at the link path differs",
            LinksError)


def test_compat_dir_copy_differs(tmp_path: Path, env: Environment) -> None:
    files = compat_files()
    files["pkg/data/extra.txt"] = b"extra"
    wheel = make_wheel(tmp_path / "w", files, SONAME_LINKS)
    refused(tmp_path, env, wheel, "pkg/data: the copied directory differs", LinksError)


def test_compat_missing_directory_copy(tmp_path: Path, env: Environment) -> None:
    files = compat_files()
    del files["pkg/data/a.txt"], files["pkg/data/sub/b.txt"]
    wheel = make_wheel(tmp_path / "w", files, SONAME_LINKS)
    refused(tmp_path, env, wheel, "pkg/data: .*copy", LinksError)


def test_missing_file_copy_is_the_lean_form(tmp_path: Path, env: Environment) -> None:
    """A 1.x wheel whose file link has no copy is lean: every link is still made."""
    files = compat_files()
    del files["pkg/libfoo.so"]
    wheel = make_wheel(tmp_path / "w", files, SONAME_LINKS)
    with open_wheel(wheel) as contents:
        assert contents.form == "lean"
    install_wheels([wheel], env)
    site = Path(env.purelib)
    assert os.readlink(site / "pkg/libfoo.so") == "libfoo.so.1"
    assert os.readlink(site / "pkg/data") == "real"


# ----------------------------------------------------------------------------- .data links

DATA = "demo-1.0.data"
DATA_FILES = {
    "pkg/__init__.py": "NEW = 1\n",
    f"{DATA}/scripts/ninja": "#!/bin/sh\necho ninja\n",
    f"{DATA}/data/lib/libfoo.so.1": "L",
    f"{DATA}/data/lib/pkgconfig/foo.pc": "Libs: -lfoo\n",
    f"{DATA}/headers/foo.h": "int foo(void);\n",
}


@pytest.mark.parametrize("form", ["2.0", "compat"])
def test_links_inside_scheme_directories_are_made_relative(tmp_path: Path, env: Environment, form: str) -> None:
    links = [(f"{DATA}/scripts/samu", f"{DATA}/scripts/ninja"),
             (f"{DATA}/data/lib/libfoo.so", f"{DATA}/data/lib/libfoo.so.1")]
    files = dict(DATA_FILES)
    if form == "compat":
        files[f"{DATA}/scripts/samu"] = files[f"{DATA}/scripts/ninja"]
        files[f"{DATA}/data/lib/libfoo.so"] = "L"
    wheel = make_wheel(tmp_path / "w", files, links, wheel_version="2.0" if form == "2.0" else "1.0",
                       executable=[f"{DATA}/scripts/ninja"] + ([f"{DATA}/scripts/samu"] if form == "compat" else []))
    install_wheels([wheel], env)
    assert os.readlink(Path(env.scripts) / "samu") == "ninja"
    assert os.readlink(Path(env.data) / "lib/libfoo.so") == "libfoo.so.1"
    assert (Path(env.data) / "lib/libfoo.so").read_text() == "L"
    record = (Path(env.purelib) / "demo-1.0.dist-info" / "RECORD").read_text().splitlines()
    assert any(r.endswith("bin/samu,,") for r in record), record
    uninstall("demo", env)
    assert not os.path.lexists(Path(env.scripts) / "samu")
    assert not os.path.lexists(Path(env.data) / "lib/libfoo.so")


def test_directory_entries_of_data_directories_are_fine(tmp_path: Path, env: Environment) -> None:
    """auditwheel (and `wheel pack`) write zip entries for directories: `demo-1.0.data/`,
    `demo-1.0.data/scripts/`; a .data link row must not make those names suspect."""
    import zipfile

    wheel = make_wheel(tmp_path / "w", DATA_FILES, [(f"{DATA}/scripts/samu", f"{DATA}/scripts/ninja")],
                       wheel_version="2.0")
    with zipfile.ZipFile(wheel, "a") as zf:
        for name in (f"{DATA}/", f"{DATA}/scripts/", f"{DATA}/data/", "pkg/"):
            zf.writestr(zipfile.ZipInfo(name), b"")
    install_wheels([wheel], env)
    assert os.readlink(Path(env.scripts) / "samu") == "ninja"


@pytest.mark.parametrize(
    ("links", "match"),
    [
        # out of the scheme directory by '..': refused as a path
        ([(f"{DATA}/scripts/x", f"{DATA}/scripts/../../../../etc/passwd")], r"'\.\.' segment"),
        ([(f"{DATA}/scripts/../../x", f"{DATA}/scripts/ninja")], r"'\.\.' segment"),
        # across schemes, and between a scheme and the root
        ([(f"{DATA}/scripts/foo.h", f"{DATA}/headers/foo.h")], "may only point inside its own"),
        ([(f"{DATA}/data/lib/x", "pkg/__init__.py")], "may only point inside its own"),
        ([("pkg/ninja", f"{DATA}/scripts/ninja")], "may only point inside its own"),
        # not inside a scheme directory, or an unknown one, or another .data directory
        ([(f"{DATA}/x", f"{DATA}/scripts/ninja")], "not inside one of its scheme directories"),
        ([(f"{DATA}/bin/x", f"{DATA}/scripts/ninja")], "not inside one of its scheme directories"),
        ([(f"{DATA}/scripts", f"{DATA}/data/lib")], "not inside one of its scheme directories"),
        ([("other-1.0.data/scripts/x", "other-1.0.data/scripts/y")], "not this wheel's"),
        # a directory link that would let a scheme write through it
        ([(f"{DATA}/data/lib/pkgconfig/x", f"{DATA}/data/lib/pkgconfig/foo.pc"),
          (f"{DATA}/data/share", f"{DATA}/data/lib/pkgconfig/x/y")], "passes through the link"),
    ],
)
def test_data_links_that_leave_their_scheme_are_refused(tmp_path: Path, env: Environment, links, match: str) -> None:
    wheel = make_wheel(tmp_path / "w", DATA_FILES, links, wheel_version="2.0")
    refused(tmp_path, env, wheel, match, LinksError)


# ----------------------------------------------------------------------------- rollback


def test_rollback_on_injected_failure_restores_previous_install(
    tmp_path: Path, env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = soname_wheel(tmp_path / "w")
    moves: list[str] = []

    def fail_late(dest: str) -> None:
        moves.append(dest)
        if len(moves) == 12:  # old files already moved aside, several new ones in place
            raise OSError(28, "No space left on device (injected)")

    monkeypatch.setattr(install_mod, "_BEFORE_MOVE", fail_late)
    err = refused(tmp_path, env, wheel, "rolled back", InstallError)
    assert "No space left" in str(err)
    assert len(moves) == 12
    assert (Path(env.purelib) / "pkg" / "__init__.py").read_text() == "OLD = 1\n"


def test_rollback_on_unwritable_destination(
    tmp_path: Path, env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rename that fails as a read-only directory would (root ignores chmod, so inject)."""
    wheel = soname_wheel(tmp_path / "w")
    real_rename = os.rename

    def rename(src, dst):  # type: ignore[no-untyped-def]
        if str(dst).endswith(os.path.join("pkg", "real", "sub", "b.txt")):
            raise PermissionError(13, "Permission denied", str(dst))
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    refused(tmp_path, env, wheel, "Permission denied", InstallError)


def test_no_symlink_support_is_an_error_then_copy_links(
    tmp_path: Path, env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = soname_wheel(tmp_path / "w")

    def no_symlinks(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "symlink", no_symlinks)
    refused(tmp_path, env, wheel, "cannot create a symlink.*--link-mode hardlink.*--link-mode copy", InstallError)
    install_wheels([wheel], env, copy_links=True)
    site = Path(env.purelib)
    assert not (site / "pkg" / "libfoo.so").is_symlink()
    assert (site / "pkg" / "libfoo.so").read_bytes() == (site / "pkg" / "libfoo.so.1.2.3").read_bytes()
    assert (site / "pkg" / "data" / "sub" / "b.txt").read_text() == "b\n"
    record = (site / "demo-1.0.dist-info" / "RECORD").read_text().splitlines()
    assert f"pkg/libfoo.so,{record_hash((site / 'pkg/libfoo.so').read_bytes())}," \
        f"{(site / 'pkg/libfoo.so').stat().st_size}" in record
    assert any(r.startswith("pkg/data/sub/b.txt,sha256=") for r in record)


def test_hardlink_mode_links_files_to_their_targets(
    tmp_path: Path, env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = soname_wheel(tmp_path / "w")
    monkeypatch.setattr(os, "symlink", lambda *a, **k: (_ for _ in ()).throw(OSError(1, "Operation not permitted")))
    install_wheels([wheel], env, link_mode="hardlink")
    site = Path(env.purelib)
    real = (site / "pkg" / "libfoo.so.1.2.3").stat()
    for alias in ("libfoo.so", "libfoo.so.1"):
        st = (site / "pkg" / alias).lstat()
        assert (st.st_ino, st.st_dev) == (real.st_ino, real.st_dev)
    assert (site / "pkg" / "data" / "sub" / "b.txt").stat().st_ino == (site / "pkg" / "real" / "sub" / "b.txt").stat().st_ino
    record = (site / "demo-1.0.dist-info" / "RECORD").read_text().splitlines()
    assert any(r.startswith("pkg/libfoo.so,sha256=") for r in record)
    uninstall("demo", env)
    assert not (site / "pkg").exists()


def test_unknown_link_mode(tmp_path: Path, env: Environment) -> None:
    refused(tmp_path, env, soname_wheel(tmp_path / "w"), "--link-mode: 'junction'", InstallError,
            link_mode="junction")


# ----------------------------------------------------------------------------- uninstall


def test_uninstall_refuses_record_outside_scheme(tmp_path: Path, env: Environment) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    record = Path(env.purelib) / "demo-0.9.dist-info" / "RECORD"
    record.write_text(record.read_text() + f"{os.path.relpath(victim, env.purelib)},,\n")
    before = snapshot(Path(env.data))
    with pytest.raises(InstallError, match="outside the install scheme"):
        uninstall("demo", env)
    assert snapshot(Path(env.data)) == before and victim.exists()


def test_uninstall_refuses_record_inside_linked_dir(tmp_path: Path, env: Environment) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "precious.py").write_text("keep\n")
    os.symlink(source, Path(env.purelib) / "pkg" / "linked")
    record = Path(env.purelib) / "demo-0.9.dist-info" / "RECORD"
    record.write_text(record.read_text() + "pkg/linked,,\npkg/linked/precious.py,,\n")
    with pytest.raises(InstallError, match="inside the linked directory"):
        uninstall("demo", env)
    assert (source / "precious.py").read_text() == "keep\n"


def test_uninstall_unlinks_directory_link_only(tmp_path: Path, env: Environment) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "precious.py").write_text("keep\n")
    os.symlink(source, Path(env.purelib) / "pkg" / "linked")
    record = Path(env.purelib) / "demo-0.9.dist-info" / "RECORD"
    record.write_text(record.read_text() + "pkg/linked/,,\n")  # trailing slash, as uv fears
    uninstall("demo", env)
    assert (source / "precious.py").read_text() == "keep\n"
    assert not (Path(env.purelib) / "pkg").exists()
    assert (Path(env.purelib) / "unrelated.py").exists()


# ----------------------------------------------------------------------------- CLI


@pytest.mark.slow
def test_cli_refuses_hostile_wheel_in_real_venv(tmp_path: Path, make_venv) -> None:
    venv = make_venv()
    venv.uv_pip("install", "installer", "packaging", "pathspec")
    site = venv.site_packages
    wheel = make_wheel(tmp_path / "w", GOOD, [("pkg/x", "../../../../etc/passwd")],
                       wheel_version="2.0")
    before = snapshot(site)
    proc = venv.run("-m", "symback", "install", wheel, env=SRC_ENV, check=False)
    assert proc.returncode == 1, proc
    assert proc.stderr.startswith("symback: error: ")
    assert "Traceback" not in proc.stderr
    assert wheel.name in proc.stderr and "LINKS line 1" in proc.stderr
    assert snapshot(site) == before
    # inspect: the same rules, the same exit status
    proc = run([venv.python, "-m", "symback", "inspect", wheel], env=SRC_ENV, check=False)
    assert proc.returncode == 1 and proc.stderr.startswith("symback: error: ")
