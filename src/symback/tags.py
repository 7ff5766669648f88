"""Wheel compatibility tags.

A wheel with only pure-Python files is ``py3-none-any``. Anything native (found by its
magic bytes, ``nativetags`` and ``binaries``) ties it to a platform: an extension module
(``*.cpython-311-x86_64-linux-gnu.so``) to this interpreter and ABI, any other native
file (``libfoo.so.1``, an executable) to the platform only.
"""

from __future__ import annotations

import re
import sys
import sysconfig
from typing import Iterable, Tuple

PURE_TAG = "py3-none-any"


def platform_tag() -> str:
    """This machine's platform tag, as wheel file names spell it (``linux_x86_64``)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", sysconfig.get_platform())


def _cpython_posix() -> bool:
    """Whether ``sys`` alone gives this interpreter's tags: CPython with ``sys.abiflags``.

    ``packaging.tags`` computes the same from ``sysconfig``, but importing it pulls in
    ``logging``, ``subprocess`` and ``platform`` (~13 ms per hook process). Elsewhere
    (PyPy, GraalPy, CPython on Windows, which has no ``sys.abiflags``) packaging decides.
    """
    return sys.implementation.name == "cpython" and hasattr(sys, "abiflags")


def interpreter_tag() -> str:
    """``cp311`` for CPython 3.11; ``pp310`` for PyPy 3.10, and so on."""
    if _cpython_posix():
        return f"cp{sys.version_info[0]}{sys.version_info[1]}"
    from packaging.tags import interpreter_name, interpreter_version

    return f"{interpreter_name()}{interpreter_version()}"


def abi_tag() -> str:
    """The ABI tag of this interpreter (``cp311``, ``cp313t``, ``cp311d``).

    On CPython for POSIX, ``cp<version><sys.abiflags>``: the flags are ``t`` (free-threaded)
    and ``d`` (debug), in the order packaging writes them; elsewhere from packaging.
    """
    if _cpython_posix():
        return f"cp{sys.version_info[0]}{sys.version_info[1]}{sys.abiflags}"
    from packaging.tags import sys_tags

    return next(iter(sys_tags())).abi


def interpreter_platform_tag() -> str:
    """The most specific tag for this interpreter on this platform.

    ``manylinux`` is not claimed: only an auditwheel-style repair can promise it.
    """
    return f"{interpreter_tag()}-{abi_tag()}-{platform_tag()}"


# Names that are never native: the bulk of any wheel, decided without reading a byte.
_SKIP = (".py", ".pyi", ".txt", ".typed", ".json", ".md", ".rst", ".toml", ".cfg", ".h", ".c", ".pc")


def wheel_tag(files: Iterable[Tuple[str, str | None]], *, requires_python: str | None = None) -> str:
    """The tag for a wheel holding ``files``: ``(archive path, file on disk or None)`` pairs.

    Native files are found by their content (ELF, Mach-O, PE magic bytes), so a library
    or an executable of any name counts; their names only say which interpreter an
    extension module is for. Extension modules of this interpreter give
    ``cp311-cp311-<plat>``, abi3 modules ``cp3X-abi3-<plat>`` (``3X`` from
    ``requires-python``), other native files ``py3-none-<plat>``, nothing native
    ``py3-none-any`` (``nativetags``, when a file's name leaves it open). Never
    ``manylinux``: only a repair tool can promise that.
    """
    maybe_native = [(a, s) for a, s in files if s is not None and not a.endswith(_SKIP)]
    if not maybe_native:
        return PURE_TAG
    from .nativetags import native_tag

    tag = native_tag(maybe_native, requires_python)
    if tag is None:
        return PURE_TAG
    return interpreter_platform_tag() if tag == "this" else f"{tag}-{platform_tag()}"


def is_pure(tag: str) -> bool:
    return tag.endswith("-any")
