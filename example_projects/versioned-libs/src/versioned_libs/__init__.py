"""Loads the bundled libfoo through ctypes, by its SONAME or its linker name."""

from __future__ import annotations

import ctypes
from pathlib import Path

__version__ = "1.2.3"

LIBDIR = Path(__file__).resolve().parent / "lib"
SONAME = "libfoo.so.1"
LINKER_NAME = "libfoo.so"


def _load(name: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(str(LIBDIR / name))
    lib.foo_answer.restype = ctypes.c_int
    lib.foo_answer.argtypes = []
    lib.foo_version.restype = ctypes.c_char_p
    lib.foo_version.argtypes = []
    lib.foo_add.restype = ctypes.c_int
    lib.foo_add.argtypes = [ctypes.c_int, ctypes.c_int]
    return lib


_lib: ctypes.CDLL | None = None


def load() -> ctypes.CDLL:
    """The library, loaded once by its SONAME (``lib/libfoo.so.1``), as the dynamic linker would."""
    global _lib
    if _lib is None:
        _lib = _load(SONAME)
    return _lib


def load_by_linker_name() -> ctypes.CDLL:
    """The library loaded through its development name (``lib/libfoo.so``)."""
    return _load(LINKER_NAME)


def answer() -> int:
    return int(load().foo_answer())


def version() -> str:
    return load().foo_version().decode("ascii")


def add(a: int, b: int) -> int:
    return int(load().foo_add(a, b))
