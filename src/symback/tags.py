"""Wheel compatibility tags.

A wheel with only pure-Python files is ``py3-none-any``. Anything native (found by its
magic bytes, ``binaries.py``) ties it to a platform: an extension module
(``*.cpython-311-x86_64-linux-gnu.so``) to this interpreter and ABI, any other native
file (``libfoo.so.1``, an executable) to the platform only.
"""

from __future__ import annotations

import re
import sys
import sysconfig
from typing import Iterable, Tuple

from .errors import BuildError

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


def _tagged_extension_suffixes() -> tuple[str, ...]:
    """This interpreter's extension suffixes that name it (``.cpython-311-x86_64-linux-gnu.so``)."""
    from importlib.machinery import EXTENSION_SUFFIXES

    return tuple(s for s in EXTENSION_SUFFIXES if s not in (".so", ".pyd") and ".abi3." not in s)


# An extension module named for some CPython: ".cpython-312-x86_64-linux-gnu.so",
# ".cpython-313t-darwin.so", ".cp312-win_amd64.pyd". Group 1: "312", group 2: "t" or "".
_CPYTHON_SUFFIX = r"\.(?:cpython-|cp)(3\d+)(t?)(?:-[^.]*)?\.(?:so|pyd)$"
_SKIP = (".py", ".pyi", ".txt", ".typed", ".json", ".md", ".rst", ".toml", ".cfg", ".h", ".c", ".pc")


def extension_interpreter(path: str) -> str | None:
    """For an extension module, the interpreter it is for: ``"this"`` (the running one),
    ``"abi3"``, or ``"cp312"``/``"cp313t"``; None for any other file name.

    A bare ``foo.so`` is an (untagged) extension module of this interpreter, but
    ``libfoo.so`` is the conventional name of a shared library, so it is not one.
    """
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".abi3.so"):
        return "abi3"
    if name.endswith(_tagged_extension_suffixes()):
        return "this"
    match = re.search(_CPYTHON_SUFFIX, name)
    if match:
        return f"cp{match.group(1)}{match.group(2)}"
    stem, dot, suffix = name.partition(".")
    if dot and suffix in ("so", "pyd") and stem.isidentifier() and not stem.startswith("lib"):
        return "this"
    return None


def is_extension_module(path: str) -> bool:
    """Whether ``path`` is named as an extension module of *this* interpreter (not abi3)."""
    return extension_interpreter(path) == "this"


def _abi3_floor(requires_python: str | None) -> str:
    """``cp39`` from ``>=3.9``: the oldest CPython an abi3 wheel claims; this one's if unsaid."""
    if requires_python:
        bounds = [int(m) for m in re.findall(r"(?:>=|~=|==)\s*3\.(\d+)", requires_python)]
        if bounds:
            return f"cp3{min(bounds)}"
    return f"cp{sys.version_info[0]}{sys.version_info[1]}"


def wheel_tag(files: Iterable[Tuple[str, str | None]], *, requires_python: str | None = None) -> str:
    """The tag for a wheel holding ``files``: ``(archive path, file on disk or None)`` pairs.

    Native files are found by their content (ELF, Mach-O, PE magic bytes), so a library
    or an executable of any name counts; their names only say which interpreter an
    extension module is for. Extension modules of this interpreter give
    ``cp311-cp311-<plat>``, abi3 modules ``cp3X-abi3-<plat>`` (``3X`` from
    ``requires-python``), other native files ``py3-none-<plat>``, nothing native
    ``py3-none-any``. Never ``manylinux``: only a repair tool can promise that.
    """
    from .binaries import file_native_kind

    interpreters: dict[str, str] = {}  # interpreter -> one of its modules (for the error)
    has_abi3 = has_native = False
    for arcname, source in files:
        if source is None or arcname.endswith(_SKIP):  # the bulk of any wheel: skip fast
            continue
        if file_native_kind(str(source)) is None:
            continue
        which = extension_interpreter(arcname)
        if which == "abi3":
            has_abi3 = True
        elif which is not None:
            interpreters.setdefault(which, arcname)
        else:
            has_native = True
    if len(interpreters) > 1:
        listed = ", ".join(f"{module} ({which})" for which, module in sorted(interpreters.items()))
        raise BuildError(
            f"{listed}: extension modules for different interpreters in one wheel. A wheel is "
            "tagged for one interpreter: remove the stale modules (e.g. rebuild after cleaning), "
            "or set [tool.symback.wheel] tag."
        )
    if interpreters:
        (which,) = interpreters
        if which == "this":
            return interpreter_platform_tag()
        return f"{which.rstrip('t')}-{which}-{platform_tag()}"
    if has_abi3:
        return f"{_abi3_floor(requires_python)}-abi3-{platform_tag()}"
    if has_native:
        return f"py3-none-{platform_tag()}"
    return PURE_TAG


def is_pure(tag: str) -> bool:
    return tag.endswith("-any")
