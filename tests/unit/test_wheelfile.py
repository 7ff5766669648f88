"""Reading wheels as hostile input (forms, LINKS, RECORD), ``inspect`` and ``convert``."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from symback.cli import main
from symback.errors import InstallError, LinksError
from symback.install import Environment, install_wheels
from symback.wheelfile import _soname_key, convert, inspect, open_wheel
from wheelmaker import SONAME_BYTES, SONAME_LINKS, compat_files, make_wheel, soname_wheel


def test_forms(tmp_path: Path) -> None:
    with open_wheel(soname_wheel(tmp_path / "a")) as w:
        assert w.form == "links" and w.wheel_version == (2, 0)
        assert w.tree is not None and w.tree.resolve("pkg/libfoo.so") == "pkg/libfoo.so.1.2.3"
        assert w.expand("pkg/data") == {"a.txt": "pkg/real/a.txt", "sub/b.txt": "pkg/real/sub/b.txt"}
    with open_wheel(make_wheel(tmp_path / "b", compat_files(), SONAME_LINKS)) as w:
        assert w.form == "compat"
        assert w.link_copies() == {"pkg/libfoo.so", "pkg/libfoo.so.1", "pkg/data/a.txt",
                                   "pkg/data/sub/b.txt"}
    with open_wheel(make_wheel(tmp_path / "c", {"m.py": ""})) as w:
        assert w.form == "copy" and w.links == ()


def test_editable_form_by_build_tag(tmp_path: Path) -> None:
    src = tmp_path / "src" / "pkg"
    src.mkdir(parents=True)
    files = {"__editable__.demo-1.0.pth": "x\n", "sub/keep.pth": "y\n"}
    w1 = make_wheel(tmp_path / "e", files, [("pkg", str(src))], build_tag="0editable")
    with open_wheel(w1) as w:
        assert w.form == "editable" and w.links[0].target == str(src)
        assert w.skipped == ("__editable__.demo-1.0.pth",)  # root-level .pth only
    # The same absolute target without the editable build tag is refused.
    w2 = make_wheel(tmp_path / "r", files, [("pkg", str(src))], build_tag="1")
    with pytest.raises(LinksError, match="absolute"):
        with open_wheel(w2):
            pass


def test_editable_target_must_exist_and_stay_outside_scheme(tmp_path: Path) -> None:
    site = tmp_path / "env" / "site"
    site.mkdir(parents=True)
    env = Environment(purelib=str(site), platlib=str(site), scripts=str(tmp_path / "env/bin"),
                      data=str(tmp_path / "env"), include=str(tmp_path / "env/include"),
                      interpreter="python")
    missing = make_wheel(tmp_path / "m", {}, [("pkg", str(tmp_path / "nope"))],
                         build_tag="0editable")
    with pytest.raises(InstallError, match="installed only when asked for.*--allow-editable"):
        install_wheels([missing], env)
    with pytest.raises(LinksError, match="does not exist"):
        install_wheels([missing], env, allow_editable=True)
    inside = tmp_path / "env" / "elsewhere"
    inside.mkdir()
    w = make_wheel(tmp_path / "i", {}, [("pkg", str(inside))], build_tag="0editable")
    with pytest.raises(LinksError, match="inside the install directory"):
        install_wheels([w], env, allow_editable=True)
    assert sorted(os.listdir(site)) == []


def test_inspect_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wheel = soname_wheel(tmp_path)
    text = inspect(wheel)
    assert "Wheel-Version: 2.0" in text and "tags: py3-none-any" in text
    assert f"{len(SONAME_BYTES)}   pkg/libfoo.so.1.2.3" in text
    assert "pkg/libfoo.so -> pkg/libfoo.so.1" in text
    assert main(["inspect", str(wheel)]) == 0
    assert "form: links" in capsys.readouterr().out


def test_cli_error_exit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = make_wheel(tmp_path, {"m.py": ""}, wheel_version="3.0")
    assert main(["inspect", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("symback: error: ") and "Wheel-Version 3.0" in err
    assert main(["install", "--target", str(tmp_path / "t"), str(tmp_path / "nowhere" / "demo-1.0-py3-none-any.whl")]) == 1
    assert "file not found" in capsys.readouterr().err


def test_not_a_zip_and_bad_names(tmp_path: Path) -> None:
    (tmp_path / "demo-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    with pytest.raises(InstallError, match="not a valid zip"):
        inspect(tmp_path / "demo-1.0-py3-none-any.whl")
    (tmp_path / "garbage.whl").write_bytes(b"")
    with pytest.raises(InstallError, match="not a valid wheel file name"):
        inspect(tmp_path / "garbage.whl")


def test_two_dist_infos(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, {"other-1.0.dist-info/METADATA": "x"})
    with pytest.raises(InstallError, match="2 .dist-info directories"):
        inspect(wheel)


def test_weak_record_hash(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, {"m.py": "x"}, tamper_record=lambda rows: [
        [r[0], "md5=abc" if r[0] == "m.py" else r[1], r[2]] for r in rows])
    with pytest.raises(InstallError, match="md5=abc"):
        inspect(wheel)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("libfoo.so", ("libfoo", "so", ())),
        ("libfoo.so.1", ("libfoo", "so", (1,))),
        ("libfoo.so.1.2.3", ("libfoo", "so", (1, 2, 3))),
        ("libfoo.1.dylib", ("libfoo", "dylib", (1,))),
        ("libfoo.dylib", ("libfoo", "dylib", ())),
        ("libfoo-abc123.so.1", ("libfoo-abc123", "so", (1,))),
        ("foo.so", None),
        ("libfoo.so.x", None),
    ],
)
def test_soname_key(name: str, key) -> None:  # type: ignore[no-untyped-def]
    assert _soname_key(name) == key


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_convert_round_trip(tmp_path: Path) -> None:
    links_wheel = soname_wheel(tmp_path / "in")
    compat = convert(links_wheel, symlinks="compat", outdir=tmp_path / "compat")
    copy = convert(compat, symlinks="copy", outdir=tmp_path / "copy")
    back = convert(compat, symlinks="links", outdir=tmp_path / "back")
    assert compat.name == copy.name == back.name == links_wheel.name
    with open_wheel(compat) as w:
        assert w.form == "compat" and w.wheel_version == (1, 0)
        assert w.members["pkg/libfoo.so"].sha256 == w.members["pkg/libfoo.so.1.2.3"].sha256
        assert "pkg/data/sub/b.txt" in w.members
    with open_wheel(copy) as w:
        assert w.form == "copy" and not w.links and "pkg/data/a.txt" in w.members
    with open_wheel(back) as w:
        assert w.form == "links" and sorted(w.links) == sorted(
            (type(w.links[0])(p, t) for p, t in SONAME_LINKS))
        assert "pkg/libfoo.so" not in w.members
    with open_wheel(links_wheel) as a, open_wheel(back) as b:
        assert set(a.members) == set(b.members)


def test_convert_dedupe_shared_libraries(tmp_path: Path) -> None:
    """An auditwheel-style wheel: three identical copies become libX.so -> .so.1 -> .so.1.2.3."""
    files = {
        "pkg/__init__.py": "",
        "pkg.libs/libfoo.so": SONAME_BYTES,
        "pkg.libs/libfoo.so.1": SONAME_BYTES,
        "pkg.libs/libfoo.so.1.2.3": SONAME_BYTES,
        "pkg.libs/libbar.so.2": b"different",
        "pkg.libs/libbar.so": b"other bytes",
    }
    wheel = make_wheel(tmp_path / "in", files, tag="cp311-cp311-linux_x86_64",
                       root_is_purelib=False)
    out = convert(wheel, symlinks="links", outdir=tmp_path / "out", dedupe=True)
    with open_wheel(out) as w:
        assert {(lk.path, lk.target) for lk in w.links} == {
            ("pkg.libs/libfoo.so", "pkg.libs/libfoo.so.1"),
            ("pkg.libs/libfoo.so.1", "pkg.libs/libfoo.so.1.2.3"),
        }
        assert "pkg.libs/libbar.so" in w.members and "pkg.libs/libfoo.so" not in w.members
        assert w.tags == ("cp311-cp311-linux_x86_64",) and not w.root_is_purelib
    assert out.stat().st_size < wheel.stat().st_size
    site = tmp_path / "site"
    site.mkdir()
    env = Environment(purelib=str(site), platlib=str(site), scripts=str(tmp_path / "bin"),
                      data=str(tmp_path), include=str(tmp_path / "inc"), interpreter="python")
    install_wheels([out], env)
    assert os.readlink(site / "pkg.libs" / "libfoo.so") == "libfoo.so.1"


def test_convert_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wheel = soname_wheel(tmp_path / "in")
    assert main(["convert", str(wheel), "--symlinks", "copy", "-o", str(tmp_path / "o")]) == 0
    out = Path(capsys.readouterr().out.strip())
    assert out == tmp_path / "o" / wheel.name
    members = _members(out)
    assert members["pkg/libfoo.so"] == SONAME_BYTES
    assert b"Wheel-Version: 1.0" in members["demo-1.0.dist-info/WHEEL"]
    assert main(["convert", str(wheel), "--symlinks", "copy", "-o", str(tmp_path / "in")]) == 1
