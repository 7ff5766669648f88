"""A wheel is hostile input: whatever its bytes, ``symback install`` installs it inside the
environment or refuses it with a SymbackError, and a refused install changes nothing.

Starting from a good Wheel-Version 2.0 wheel (a soname chain and a directory link), the
properties below corrupt it at random: bytes of the zip itself (headers, compressed data,
the central directory), a truncation, or the text of one metadata member (WHEEL, RECORD,
LINKS, METADATA) rewritten with a correct RECORD hash, so the corruption gets past the
zip and hash checks into the parsers behind them.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import snapshot_tree
from symback.errors import SymbackError
from symback.install import Environment, install_wheels
from wheelmaker import make_wheel, record_hash, soname_wheel

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _environment(base: Path) -> Environment:
    site = base / "env" / "lib" / "site-packages"
    site.mkdir(parents=True)
    (site / "unrelated.py").write_text("# someone else's\n")
    return Environment(purelib=str(site), platlib=str(site), scripts=str(base / "env" / "bin"),
                       data=str(base / "env"), include=str(base / "env" / "include"),
                       interpreter="/usr/bin/python3")


def _install_or_refuse(base: Path, wheel: Path) -> None:
    """The property: installed inside ``env/``, or refused with everything as it was."""
    env = _environment(base)
    before = snapshot_tree(base, skip_top=("wheel",))
    try:
        install_wheels([wheel], env)
    except SymbackError as error:
        assert str(error).strip(), "an error must say what is wrong"
        assert snapshot_tree(base, skip_top=("wheel",)) == before
        return
    after = snapshot_tree(base, skip_top=("wheel",))
    changed = {path for path in after.keys() | before.keys() if after.get(path) != before.get(path)}
    assert all(path.startswith("env/") for path in changed), sorted(changed)
    assert after["env/lib/site-packages/unrelated.py"] == before["env/lib/site-packages/unrelated.py"]


def _good_wheel(where: Path) -> Path:
    return soname_wheel(where)


@FUZZ
@given(st.data())
def test_corrupted_zip_bytes(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        wheel = _good_wheel(base / "wheel")
        raw = bytearray(wheel.read_bytes())
        if data.draw(st.booleans(), label="truncate"):
            raw = raw[: data.draw(st.integers(0, len(raw) - 1), label="length")]
        else:
            for _ in range(data.draw(st.integers(1, 8), label="flips")):
                at = data.draw(st.integers(0, len(raw) - 1), label="offset")
                raw[at] = data.draw(st.integers(0, 255).filter(lambda b, old=raw[at]: b != old), label="byte")
        wheel.write_bytes(bytes(raw))
        _install_or_refuse(base, wheel)


_METADATA_MEMBERS = ["WHEEL", "RECORD", "LINKS", "METADATA"]


@FUZZ
@given(
    st.sampled_from(_METADATA_MEMBERS),
    st.one_of(
        st.binary(max_size=200),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=200).map(lambda s: s.encode("utf-8")),
        # near misses of the real content: one line of the good member replaced
        st.tuples(st.integers(0, 10), st.text(max_size=40)),
    ),
)
def test_rewritten_metadata_member(member: str, replacement) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        good = _good_wheel(base / "good")
        with zipfile.ZipFile(good) as zf:
            members = {name: zf.read(name) for name in zf.namelist()}
        name = f"demo-1.0.dist-info/{member}"
        if isinstance(replacement, tuple):
            index, text = replacement
            lines = members.get(name, b"").decode("utf-8").split("\n")
            lines[index % len(lines)] = text
            replacement = "\n".join(lines).encode("utf-8", "surrogatepass")
        members[name] = replacement
        wheel = base / "wheel" / good.name
        wheel.parent.mkdir()
        _write_zip(wheel, members, keep_record=member == "RECORD")
        _install_or_refuse(base, wheel)


def _write_zip(path: Path, members: dict, *, keep_record: bool) -> None:
    """``members`` as a zip; RECORD recomputed (correct hashes) unless ``keep_record``."""
    record = "demo-1.0.dist-info/RECORD"
    if not keep_record:
        rows = [f"{n},{record_hash(d)},{len(d)}" for n, d in members.items() if n != record]
        members[record] = ("\n".join(rows + [f"{record},,"]) + "\n").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in members.items():
            info = zipfile.ZipInfo(n, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o100644 << 16
            zf.writestr(info, d)


def test_member_changed_after_validation_is_a_named_error(tmp_path: Path) -> None:
    """Staging re-reads members that validation checked; if the wheel file changes in between,
    the read fails as an InstallError naming the member (and the install rolls back)."""
    import pytest

    from symback.errors import InstallError
    from symback.wheelfile import open_wheel

    import random

    # incompressible and larger than the reader's buffer, so the re-read goes to the file
    blob = random.Random(0).randbytes(256 * 1024)
    wheel = make_wheel(tmp_path, {"pkg/blob.bin": blob, "pkg/__init__.py": "VALUE = 1\n"})
    with open_wheel(wheel) as contents:
        raw = bytearray(wheel.read_bytes())
        start = raw.index(b"pkg/blob.bin") + len("pkg/blob.bin")
        raw[start + 1000:start + 1020] = b"\xff" * 20
        with open(wheel, "r+b") as f:  # the same file the open wheel reads
            f.write(raw)
        with pytest.raises(InstallError, match=r"pkg/blob\.bin: the member cannot be read"):
            with contents.open("pkg/blob.bin") as stream:
                while stream.read(4096):
                    pass
