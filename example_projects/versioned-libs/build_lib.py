#!/usr/bin/env python3
"""Compile csrc/foo.c into src/versioned_libs/lib/libfoo.so.1.2.3 with its alias symlinks.

    libfoo.so.1.2.3              the shared library (SONAME libfoo.so.1)
    libfoo.so.1 -> libfoo.so.1.2.3
    libfoo.so   -> libfoo.so.1

Run it before building the project (``python build_lib.py && python -m build``). Uses
``$CC`` if set, else ``cc``. Reruns replace the outputs. Linux (ELF) only.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "csrc" / "foo.c"
LIBDIR = HERE / "src" / "versioned_libs" / "lib"
REAL = "libfoo.so.1.2.3"
SONAME = "libfoo.so.1"
LINKER_NAME = "libfoo.so"


def main() -> int:
    cc = shlex.split(os.environ.get("CC", "cc"))
    if shutil.which(cc[0]) is None:
        print(f"build_lib.py: no C compiler: {cc[0]!r} not found; set CC", file=sys.stderr)
        return 1
    LIBDIR.mkdir(parents=True, exist_ok=True)
    real = LIBDIR / REAL
    tmp = LIBDIR / f".{REAL}.tmp"
    cmd = [*cc, "-shared", "-fPIC", "-O2", f"-Wl,-soname,{SONAME}", "-o", str(tmp), str(SOURCE)]
    print("+", " ".join(shlex.quote(c) for c in cmd))
    result = subprocess.run(cmd)
    if result.returncode != 0:
        tmp.unlink(missing_ok=True)
        return result.returncode
    os.replace(tmp, real)
    # Relative symlinks, so the tree (and the wheel) can move.
    for name, target in ((SONAME, REAL), (LINKER_NAME, SONAME)):
        link = LIBDIR / name
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(target, link)
        print(f"  {link.relative_to(HERE)} -> {target}")
    print(f"built {real.relative_to(HERE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
