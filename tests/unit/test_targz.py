"""The tar.gz writer: the tar stream tarfile writes, a valid gzip stream whatever the
block and thread count, and an error rather than a corrupt archive when a file changes."""

from __future__ import annotations

import gzip
import io
import random
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from symback.errors import BuildError
from symback.targz import TarGzWriter, member_headers

MTIME = 1_700_000_000


def _corpus(tmp_path: Path) -> list[tuple[str, str, object, bool]]:
    """(name, kind, source, executable): every header shape the writer makes."""
    rng = random.Random(3)
    (tmp_path / "a.txt").write_text("hello\n")
    (tmp_path / "empty").write_bytes(b"")
    # Bigger than the blocks used below; incompressible and compressible stretches.
    (tmp_path / "big.bin").write_bytes(rng.randbytes(150_000) + b"xyz" * 60_000 + rng.randbytes(511))
    exact = tmp_path / "exact"
    exact.write_bytes(b"e" * 1024)  # a whole number of tar blocks: no padding
    return [
        ("top/a.txt", "file", tmp_path / "a.txt", False),
        ("top/" + "deep/" * 25 + "long-name.py", "file", tmp_path / "a.txt", False),  # > 100 bytes: pax path
        ("top/" + "x" * 96, "file", tmp_path / "a.txt", False),  # exactly 100 bytes: ustar still
        ("top/" + "y" * 97, "file", tmp_path / "a.txt", False),  # 101 bytes: pax path
        ("top/ünï/çødé.py", "file", tmp_path / "a.txt", True),  # not ASCII: pax path
        ("top/big.bin", "file", tmp_path / "big.bin", True),
        ("top/empty", "file", tmp_path / "empty", False),
        ("top/exact", "file", exact, False),
        ("top/lib/libfoo.so", "link", "libfoo.so.1", None),
        ("top/longlink", "link", "../" * 40 + "a.txt", None),  # pax linkpath
        ("top/ulink", "link", "ünï/çødé.py", None),
        ("top/PKG-INFO", "bytes", b"Metadata-Version: 2.4\n", False),
    ]


def _with_tarfile(corpus) -> bytes:  # noqa: ANN001
    """The same members through tarfile's pax writer: the reference for every byte."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, kind, source, executable in corpus:
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = MTIME, 0, 0, "", ""
            if kind == "link":
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, source, 0o777
                tar.addfile(ti)
                continue
            data = source if kind == "bytes" else source.read_bytes()
            ti.size, ti.mode = len(data), 0o755 if executable else 0o644
            tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def _with_writer(corpus, **kwargs) -> bytes:  # noqa: ANN001
    buf = io.BytesIO()
    with TarGzWriter(buf, mtime=MTIME, **kwargs) as tar:
        for name, kind, source, executable in corpus:
            if kind == "link":
                tar.add_symlink(name, source)
            elif kind == "bytes":
                tar.add_bytes(name, source, executable=executable)
            else:
                tar.add_file(name, source, executable=executable)
    return buf.getvalue()


@pytest.mark.parametrize("block_size", [1 << 15, 100_000, 1 << 18])
def test_tar_stream_is_what_tarfile_writes(tmp_path: Path, block_size: int) -> None:
    corpus = _corpus(tmp_path)
    assert gzip.decompress(_with_writer(corpus, block_size=block_size)) == _with_tarfile(corpus)


def test_bytes_do_not_depend_on_the_thread_count(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    outputs = {_with_writer(corpus, block_size=1 << 15, workers=n) for n in (1, 2, 5)}
    assert len(outputs) == 1


def test_gzip_header_and_trailer(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path)
    data = _with_writer(corpus, block_size=1 << 15)
    assert data[:4] == b"\x1f\x8b\x08\x00"  # deflate, no name, no comment, no extra field
    assert data[4:8] == b"\x00\x00\x00\x00"  # mtime 0
    assert data[8:10] == b"\x02\xff"  # best compression, OS unknown: what gzip.GzipFile writes
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:  # checks the CRC and length trailer
        assert len(gz.read()) % (20 * 512) == 0  # padded to a whole tar record


def test_other_tools_read_it(tmp_path: Path) -> None:
    """GNU gzip and tar, readers written independently of Python's."""
    src = tmp_path / "src"
    src.mkdir()
    corpus = _corpus(src)
    archive = tmp_path / "out.tar.gz"
    archive.write_bytes(_with_writer(corpus, block_size=1 << 15))
    assert shutil.which("gzip") and shutil.which("tar"), "GNU gzip and tar are part of the test machine"
    subprocess.run(["gzip", "-t", str(archive)], check=True)
    listing = subprocess.run(["tar", "-tvzf", str(archive)], check=True, capture_output=True, text=True).stdout
    lines = listing.splitlines()
    assert len(lines) == len(corpus)
    by_name = {}
    for line in lines:
        perms, owner, _size, _date, _time, name = line.split(None, 5)
        assert owner == "0/0", line
        by_name[name] = perms
    assert by_name["top/big.bin"] == "-rwxr-xr-x"
    assert by_name["top/a.txt"] == "-rw-r--r--"
    assert by_name["top/lib/libfoo.so -> libfoo.so.1"] == "lrwxrwxrwx"
    assert "top/" + "deep/" * 25 + "long-name.py" in by_name
    out = tmp_path / "x"
    out.mkdir()
    subprocess.run(["tar", "-xzf", str(archive), "-C", str(out)], check=True)
    assert (out / "top/ünï/çødé.py").read_text() == "hello\n"
    assert (out / "top/big.bin").read_bytes() == (src / "big.bin").read_bytes()
    assert (out / "top/lib/libfoo.so").is_symlink()


@pytest.mark.parametrize(
    "name, size, linkname",
    [
        ("top/a", 5, ""),
        ("top/" + "n" * 200, 0, ""),
        ("top/ü", 1, ""),
        ("top/big", 8**11, ""),  # too big for ustar's 11 octal digits: pax size
        ("top/big", 8**11 - 1, ""),
        ("top/l", 0, "t" * 101),
        ("top/" + "n" * 120, 8**12, "ü" * 60),  # all three pax records
    ],
)
def test_headers_match_tarfile(name: str, size: int, linkname: str) -> None:
    ti = tarfile.TarInfo(name)
    ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname, ti.size, ti.mode = MTIME, 0, 0, "", "", size, 0o644
    if linkname:
        ti.type, ti.linkname, ti.size, ti.mode = tarfile.SYMTYPE, linkname, 0, 0o777
    expected = ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    typeflag = b"2" if linkname else b"0"
    assert member_headers(name, mode=ti.mode, size=ti.size, mtime=MTIME, typeflag=typeflag, linkname=linkname) == expected


def test_file_that_changed_size_is_an_error(tmp_path: Path) -> None:
    """The header is written before the data: a size that no longer holds must stop the
    build, not produce an archive whose members are shifted."""
    small = tmp_path / "small.py"
    small.write_bytes(b"x" * 100)
    with pytest.raises(BuildError, match=r"small\.py: the file changed size .* as top/small\.py"):
        with TarGzWriter(io.BytesIO(), mtime=MTIME) as tar:
            tar.add_file("top/small.py", small, size=90)
    big = tmp_path / "big.bin"
    big.write_bytes(b"y" * 200_000)
    for stale in (150_000, 250_000):  # grew, shrank
        with pytest.raises(BuildError, match=r"big\.bin: the file changed size"):
            with TarGzWriter(io.BytesIO(), mtime=MTIME, block_size=1 << 15) as tar:
                tar.add_file("top/big.bin", big, size=stale)


def test_duplicate_member_is_refused(tmp_path: Path) -> None:
    with TarGzWriter(io.BytesIO(), mtime=MTIME) as tar:
        tar.add_bytes("top/a", b"1")
        with pytest.raises(ValueError, match="duplicate archive member 'top/a'"):
            tar.add_symlink("top/a", "b")


def test_block_smaller_than_the_window_is_refused() -> None:
    with pytest.raises(ValueError, match="smaller than deflate's window"):
        TarGzWriter(io.BytesIO(), mtime=MTIME, block_size=1000)
