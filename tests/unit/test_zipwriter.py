"""The zip writer: valid archives, byte-identical whatever the thread count, bounded memory."""

from __future__ import annotations

import base64
import hashlib
import io
import random
import zipfile
from pathlib import Path

import pytest

from symback.zipwriter import BLOCK_SIZE, ZipWriter


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
