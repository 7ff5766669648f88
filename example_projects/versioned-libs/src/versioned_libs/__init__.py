"""Calls the bundled libgreet two ways: through the ``_greet`` extension module (linked
to it, found by its rpath) and through ctypes, by its SONAME or its linker name."""

from __future__ import annotations

import ctypes
from pathlib import Path

from ._greet import answer, hello, library_version

__version__ = "1.2.3"
__all__ = ["add", "answer", "hello", "library_version", "load", "load_by_linker_name", "version"]

# Not resolve()d: in an editable install __init__.py is a link into the sources, and
# lib/ lives beside the link (in the editable tree), not beside the source file.
LIBDIR = Path(__file__).parent / "lib"
SONAME = "libgreet.so.1"
LINKER_NAME = "libgreet.so"


def _load(name: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(str(LIBDIR / name))
    lib.greet_answer.restype = ctypes.c_int
    lib.greet_answer.argtypes = []
    lib.greet_version.restype = ctypes.c_char_p
    lib.greet_version.argtypes = []
    lib.greet_add.restype = ctypes.c_int
    lib.greet_add.argtypes = [ctypes.c_int, ctypes.c_int]
    return lib


_lib: ctypes.CDLL | None = None


def load() -> ctypes.CDLL:
    """The library, loaded once by its SONAME (``lib/libgreet.so.1``), as the dynamic linker would."""
    global _lib
    if _lib is None:
        _lib = _load(SONAME)
    return _lib


def load_by_linker_name() -> ctypes.CDLL:
    """The library loaded through its development name (``lib/libgreet.so``)."""
    return _load(LINKER_NAME)


def version() -> str:
    return load().greet_version().decode("ascii")


def add(a: int, b: int) -> int:
    return int(load().greet_add(a, b))
