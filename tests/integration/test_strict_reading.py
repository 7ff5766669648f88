"""The stricter wheel reading of issue 13: each bad input refused with one line, nothing
written, and ``symback inspect`` giving exactly the verdict ``symback install`` gives.

Both commands run in-process through ``symback.cli.main`` against a scratch ``--target``
environment that already holds a previous install; the tree is compared before and after.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from conftest import snapshot_tree
from symback.cli import main
from wheelmaker import make_wheel

GOOD = {"pkg/__init__.py": "NEW = 1\n", "pkg/lib.so.1": "L"}


def _size(value: str):  # type: ignore[no-untyped-def]
    def tamper(rows: list[list[str]]) -> list[list[str]]:
        return [[r[0], r[1], value] if r[0] == "pkg/__init__.py" else r for r in rows]

    return tamper


def _bomb(where: Path) -> Path:
    """17 MiB of zeros in a 17 KiB member: 1000:1, a zip bomb's ratio."""
    return make_wheel(where, {**GOOD, "pkg/zeros.bin": b"\0" * (17 << 20)})


NFC, NFD = unicodedata.normalize("NFC", "é"), unicodedata.normalize("NFD", "é")

# (id, builder, the error's distinctive part)
CASES = [
    ("record-size-superscript", lambda w: make_wheel(w, GOOD, tamper_record=_size("²")), "size '²' is not a number"),
    ("record-size-5000-digits", lambda w: make_wheel(w, GOOD, tamper_record=_size("9" * 5000)), "is not a number of bytes"),
    ("record-size-arabic-digits", lambda w: make_wheel(w, GOOD, tamper_record=_size("٨")), "is not a number"),
    ("links-target-in-dist-info", lambda w: make_wheel(
        w, GOOD, [("pkg/meta", "demo-1.0.dist-info/METADATA")], wheel_version="2.0"), "inside the .dist-info"),
    ("member-case-collision", lambda w: make_wheel(w, {**GOOD, "pkg/A.py": "", "pkg/a.py": ""}), "differ only in case"),
    ("member-nfc-collision", lambda w: make_wheel(w, {**GOOD, f"pkg/{NFC}.py": "", f"pkg/{NFD}.py": ""}), "Unicode normalisation"),
    ("member-dir-case-collision", lambda w: make_wheel(w, {**GOOD, "Pkg/x.py": ""}), "differ only in case"),
    ("member-bidi-override", lambda w: make_wheel(w, {**GOOD, "pkg/gpj.\u202eexe": ""}), "U+202E"),
    ("member-dots-only", lambda w: make_wheel(w, {**GOOD, "pkg/.../x.py": ""}), "only dots and spaces"),
    ("member-spaces-only", lambda w: make_wheel(w, {**GOOD, "pkg/  /x.py": ""}), "only dots and spaces"),
    ("member-colon", lambda w: make_wheel(w, {**GOOD, "pkg/x.py:stream": ""}), "':'"),
    ("planted-journal", lambda w: make_wheel(w, {**GOOD, ".symback-journal.json": "{}"}), "reserved for symback"),
    ("planted-journal-in-data", lambda w: make_wheel(w, {**GOOD, "demo-1.0.data/purelib/.symback.lock": ""}),
     "reserved for symback"),
    ("planted-journal-link", lambda w: make_wheel(w, GOOD, [(".symback-journal.json", "pkg/__init__.py")],
                                                  wheel_version="2.0"), "reserved for symback"),
    ("zip-bomb", _bomb, "as a zip bomb does"),
    ("editable-not-asked-for", lambda w: make_wheel(w, GOOD, [("rootfs", "/")], build_tag="0editable"),
     "installed only when asked for"),
    ("entry-point-bad-value", lambda w: make_wheel(
        w, {**GOOD, "demo-1.0.dist-info/entry_points.txt": "[console_scripts]\nx = not a module\n"}),
     "not 'module:attr'"),
    ("entry-point-no-section", lambda w: make_wheel(
        w, {**GOOD, "demo-1.0.dist-info/entry_points.txt": "x = a:b\n"}), "not a valid entry points file"),
    ("entry-point-name-slash", lambda w: make_wheel(
        w, {**GOOD, "demo-1.0.dist-info/entry_points.txt": "[console_scripts]\n../x = a:b\n"}), "plain script name"),
    ("wheel-version-huge", lambda w: make_wheel(w, GOOD, wheel_version="1" * 5000 + ".0"), "not 'MAJOR.MINOR'"),
]


@pytest.fixture
def target(tmp_path: Path) -> Path:
    t = tmp_path / "target"
    old = make_wheel(tmp_path / "old", {"pkg/__init__.py": "OLD = 1\n"}, version="0.9")
    assert main(["install", "--target", str(t), str(old)]) == 0
    return t


@pytest.mark.parametrize(("builder", "match"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_with_one_line_and_nothing_written(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str], builder, match: str
) -> None:
    wheel = builder(tmp_path / "w")
    capsys.readouterr()
    before = snapshot_tree(target)
    assert main(["install", "--target", str(target), str(wheel)]) == 1
    install_err = capsys.readouterr().err
    assert snapshot_tree(target) == before
    lines = install_err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("symback: error: "), install_err
    assert match in lines[0] and wheel.name in lines[0], lines[0]
    assert len(lines[0]) < 1200, "one readable line, not a dump"
    # inspect gives the same verdict, with the same line.
    assert main(["inspect", "--target", str(target), str(wheel)]) == 1
    assert capsys.readouterr().err == install_err


def test_overrides_accept_what_the_limits_refuse(
    tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--allow-large takes the zip bomb's size; --allow-editable an editable wheel built
    elsewhere; inspect and install agree on each with the flag as without."""
    bomb = _bomb(tmp_path / "b")
    assert main(["inspect", "--target", str(target), "--allow-large", str(bomb)]) == 0
    assert "OK: symback install would accept" in capsys.readouterr().out
    assert main(["install", "--target", str(target), "--allow-large", str(bomb)]) == 0
    assert (target / "pkg" / "zeros.bin").stat().st_size == 17 << 20
    source = tmp_path / "src" / "pkg"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text("EDITABLE = 1\n")
    editable = make_wheel(tmp_path / "e", {}, [("pkg", str(source))], build_tag="0editable")
    assert main(["inspect", "--target", str(target), "--allow-editable", str(editable)]) == 0
    assert main(["install", "--target", str(target), "--allow-editable", str(editable)]) == 0
    assert (target / "pkg").resolve() == source.resolve()


def test_inspect_agrees_on_tags(tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A wheel for another interpreter: install refuses it, and so does inspect."""
    wheel = make_wheel(tmp_path / "w", GOOD, tag="cp27-cp27m-win32")
    capsys.readouterr()
    assert main(["install", "--target", str(target), str(wheel)]) == 1
    err = capsys.readouterr().err
    assert "are not supported by" in err
    assert main(["inspect", "--target", str(target), str(wheel)]) == 1
    assert capsys.readouterr().err == err


def test_declared_sizes_bound_decompression(tmp_path: Path, target: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A central directory that under-declares a member's size cannot make symback write
    more: the member fails to read (zipfile stops at the declared size and the CRC fails)."""
    wheel = make_wheel(tmp_path / "w", {**GOOD, "pkg/big.bin": b"x" * 100_000})
    data = bytearray(wheel.read_bytes())
    name = b"pkg/big.bin"
    at = data.rfind(name) - 46  # the central directory header of that member
    assert data[at:at + 4] == b"PK\x01\x02"
    data[at + 24:at + 28] = (10).to_bytes(4, "little")  # uncompressed size: 10 bytes
    wheel.write_bytes(bytes(data))
    before = snapshot_tree(target)
    assert main(["install", "--target", str(target), str(wheel)]) == 1
    assert "symback: error: " in capsys.readouterr().err
    assert snapshot_tree(target) == before
