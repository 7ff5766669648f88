"""Peak memory does not grow with file size: a 500 MB data file builds in under 100 MB RSS."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow

DATA_SIZE = 500 * 1024 * 1024
LIMIT_KIB = 100 * 1024

DRIVER = """
import os, sys
os.chdir(sys.argv[1])
import symback
print(getattr(symback, sys.argv[2])(sys.argv[3], {}))
"""


def _peak_rss_kib(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read().decode()  # type: ignore[union-attr]
    err = proc.stderr.read().decode()  # type: ignore[union-attr]
    assert os.waitstatus_to_exitcode(status) == 0, out + err
    return usage.ru_maxrss, out.strip()  # KiB on Linux


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss units and sparse files: Linux")
@pytest.mark.parametrize("hook", ["build_wheel", "build_sdist"])
def test_large_data_file_builds_in_bounded_memory(tmp_path: Path, hook: str) -> None:
    root = tmp_path / "big"
    (root / "src/big").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "big"\nversion = "1.0"\n')
    (root / "src/big/__init__.py").write_text("")
    data = root / "src/big/blob.bin"
    with open(data, "wb") as f:
        # Mostly sparse (fast to make and to deflate), with real bytes at both ends.
        f.write(os.urandom(4096))
        f.truncate(DATA_SIZE)
        f.seek(DATA_SIZE - 4096)
        f.write(os.urandom(4096))
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out_dir = tmp_path / "out"
    peak, name = _peak_rss_kib([sys.executable, "-c", DRIVER, str(root), hook, str(out_dir)], env)
    assert peak < LIMIT_KIB, f"{hook} peaked at {peak / 1024:.0f} MiB for a {DATA_SIZE >> 20} MiB file"
    if hook == "build_wheel":
        with zipfile.ZipFile(out_dir / name) as zf:
            info = zf.getinfo("big/blob.bin")
            assert info.file_size == DATA_SIZE
            with zf.open(info) as member, open(data, "rb") as original:
                while True:  # compare in chunks: the test must not need the memory either
                    a, b = member.read(1 << 20), original.read(1 << 20)
                    assert a == b
                    if not a:
                        break
