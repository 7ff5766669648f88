"""The zip writer: valid archives, byte-identical whatever the thread count, bounded memory."""

from __future__ import annotations

import base64
import hashlib
import io
import random
import zipfile
from pathlib import Path

import pytest

from symback.bigarchive import BLOCK_SIZE
from symback.zipwriter import ZipWriter


def _files(tmp_path: Path) -> dict[str, Path]:
    rng = random.Random(7)
    files = {}
    for i in range(50):
        p = tmp_path / f"m{i}.py"
        p.write_bytes(f"value = {i}\n".encode() * rng.randint(0, 200))
        files[f"pkg/m{i}.py"] = p
    big = tmp_path / "big.bin"
    # Incompressible and compressible stretches, spanning several blocks and ending mid-block.
    big.write_bytes(rng.randbytes(BLOCK_SIZE + 123) + b"abc" * BLOCK_SIZE + rng.randbytes(77))
    files["pkg/data/big.bin"] = big
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    files["pkg/empty"] = empty
    return files


def _write(files: dict[str, Path], workers: int) -> tuple[bytes, dict]:
    out = io.BytesIO()
    with ZipWriter(out, epoch=1_700_000_000, workers=workers) as zw:
        for name in sorted(files):
            zw.add_file(name, files[name], executable=name.endswith(".bin"))
        zw.add_bytes("pkg/ünïcode.txt", "ünïcode".encode())
    return out.getvalue(), zw.digests


def test_archive_is_valid_and_complete(tmp_path: Path) -> None:
    files = _files(tmp_path)
    data, digests = _write(files, workers=3)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        for name, path in files.items():
            content = path.read_bytes()
            assert zf.read(name) == content
            expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
            assert digests[name].sha256 == expected
            assert digests[name].size == len(content)
        assert zf.read("pkg/ünïcode.txt") == "ünïcode".encode()
        info = zf.getinfo("pkg/data/big.bin")
        assert info.external_attr >> 16 == 0o100755
        assert zf.getinfo("pkg/m1.py").external_attr >> 16 == 0o100644
        assert info.date_time == (2023, 11, 14, 22, 13, 20)
        assert [i.filename for i in zf.infolist()] == sorted(files) + ["pkg/ünïcode.txt"]


def test_output_does_not_depend_on_thread_count(tmp_path: Path) -> None:
    files = _files(tmp_path)
    assert _write(files, workers=1)[0] == _write(files, workers=4)[0]


def test_unzip_tool_accepts_archive(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("unzip") is None:
        pytest.skip("no unzip binary on this machine")
    data, _ = _write(_files(tmp_path), workers=2)
    archive = tmp_path / "a.zip"
    archive.write_bytes(data)
    proc = subprocess.run(["unzip", "-t", str(archive)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No errors detected" in proc.stdout


def test_duplicate_member_is_refused(tmp_path: Path) -> None:
    with ZipWriter(io.BytesIO(), epoch=315532800, workers=1) as zw:
        zw.add_bytes("a", b"1")
        with pytest.raises(ValueError, match="duplicate archive member 'a'"):
            zw.add_bytes("a", b"2")


@pytest.mark.parametrize("size", [0, 1, 249, 250, 251, 3834, 3835, 3836, 32505, 32506, 32507, 70000, BLOCK_SIZE])
def test_whole_stream_window_sizes_round_trip(size: int) -> None:
    """The window is sized to the input; every size around each step must inflate back
    with a standard 32 KiB-window inflater, and compress as well as zlib's default."""
    import zlib

    from symback.zipwriter import _deflate_whole

    rng = random.Random(size)
    words = [bytes(rng.choice(b"abcdefgh") for _ in range(rng.randint(2, 9))) for _ in range(300)]
    data = b" ".join(rng.choice(words) for _ in range(size))[:size]
    stream = _deflate_whole(data)
    assert zlib.decompress(stream, -15) == data
    default = zlib.compressobj(6, zlib.DEFLATED, -15)
    assert len(stream) <= len(default.compress(data) + default.flush()) + 8


def test_many_small_files_pool_and_inline_give_the_same_bytes(tmp_path: Path) -> None:
    """Jobs on the pool (more than a job's worth of files), a last job deflated inline,
    and a single worker all write the same archive."""
    rng = random.Random(11)
    files = {}
    for i in range(700):
        p = tmp_path / f"f{i:04d}.py"
        p.write_bytes(b"".join(rng.choice([b"alpha ", b"beta ", b"gamma\n"]) for _ in range(rng.randint(0, 900))))
        files[f"pkg/f{i:04d}.py"] = p
    one, _ = _write(files, workers=1)
    two, digests = _write(files, workers=2)
    assert one == two
    with zipfile.ZipFile(io.BytesIO(two)) as zf:
        assert zf.testzip() is None
        assert all(zf.read(name) == path.read_bytes() for name, path in files.items())
    assert all(digests[name].size == path.stat().st_size for name, path in files.items())


@pytest.mark.parametrize("actual", [0, 10, 4095, 5000, 100_000])
def test_size_hint_only_chooses_the_path(tmp_path: Path, actual: int) -> None:
    """A file that grew or shrank after it was stat-ed is stored as read, and its
    RECORD digest and size describe those bytes."""
    path = tmp_path / "f.txt"
    path.write_bytes(b"x" * actual)
    out = io.BytesIO()
    with ZipWriter(out, epoch=1_700_000_000) as zw:
        zw.add_file("f.txt", path, size=4096)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as zf:
        assert zf.read("f.txt") == b"x" * actual
    assert zw.digests["f.txt"].size == actual
    expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b"x" * actual).digest()).rstrip(b"=").decode()
    assert zw.digests["f.txt"].sha256 == expected


@pytest.mark.parametrize("builtin", [True, False])
def test_small_archive_hashes_with_or_without_the_builtin_sha256(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, builtin: bool
) -> None:
    """A small archive is hashed by CPython's own sha256 module (no OpenSSL load); where
    the interpreter lacks it (it is optional), by hashlib: the RECORD hashes are the same."""
    import sys

    from symback import zipwriter

    if not builtin:
        monkeypatch.setitem(sys.modules, "_sha2", None)  # None in sys.modules: ImportError
        monkeypatch.setitem(sys.modules, "_sha256", None)
        assert zipwriter._inline_sha256() is hashlib.sha256
    else:
        assert zipwriter._inline_sha256() is not hashlib.sha256
    files = {name: path for name, path in _files(tmp_path).items() if name != "pkg/data/big.bin"}
    data, digests = _write(files, workers=1)
    for name, path in files.items():
        content = path.read_bytes()
        expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
        assert digests[name].sha256 == expected


@pytest.mark.parametrize("count", [1, 254, 255, 256, 300])
def test_inline_archive_and_handed_over_archive_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    """An archive small enough for the calling thread, the same archive handed to bigarchive
    (threads) from its first entry, and one handed over when it outgrows one inline job
    (255 files, 256 KiB) hold the same bytes and digests."""
    from symback import zipwriter

    files = {}
    for i in range(count):
        p = tmp_path / f"f{i:04d}.py"
        p.write_bytes(b"x = %d\n" % i * (1 + i % 300))
        files[f"pkg/f{i:04d}.py"] = p
    inline, inline_digests = _write(files, workers=2)
    monkeypatch.setattr(zipwriter, "_INLINE_FILES", 0)
    threaded, threaded_digests = _write(files, workers=2)
    assert inline == threaded
    assert inline_digests == threaded_digests
    with zipfile.ZipFile(io.BytesIO(inline)) as zf:
        assert zf.testzip() is None
        assert len(zf.infolist()) == count + 1  # and the ünïcode entry _write adds
