"""Wheel compatibility tags.

A wheel with only pure-Python files is ``py3-none-any``. Anything binary ties it to a
platform: an extension module (``*.cpython-311-x86_64-linux-gnu.so``) to this interpreter
and ABI, a plain shared library (``libfoo.so.1``) to the platform only.
"""

from __future__ import annotations

import re
import sys
import sysconfig
from typing import Iterable

PURE_TAG = "py3-none-any"

# Shared libraries and other native code that is not an extension module.
_SHARED_LIBRARY = r"\.(so(\.\d+)*|dylib|dll|pyd)$"  # compiled on first use (re caches it)


def platform_tag() -> str:
    """This machine's platform tag, as wheel file names spell it (``linux_x86_64``)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", sysconfig.get_platform())


def interpreter_tag() -> str:
    """``cp311`` for CPython 3.11; ``pp310`` for PyPy 3.10, and so on."""
    from packaging.tags import interpreter_name, interpreter_version

    return f"{interpreter_name()}{interpreter_version()}"


def abi_tag() -> str:
    """The ABI tag of this interpreter (``cp311``, ``cp313t``), from packaging."""
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


def is_extension_module(path: str) -> bool:
    """Whether ``path`` is an extension module of *this* interpreter (not abi3).

    A bare ``foo.so`` is an (untagged) extension module too, but ``libfoo.so`` is the
    conventional name of a shared library, so it is not counted as one.
    """
    name = path.rsplit("/", 1)[-1]
    if name.endswith(_tagged_extension_suffixes()):
        return True
    stem, dot, suffix = name.partition(".")
    return bool(dot) and suffix in ("so", "pyd") and stem.isidentifier() and not stem.startswith("lib")


def wheel_tag(files: Iterable[str]) -> str:
    """The tag for a wheel holding ``files`` (archive paths)."""
    has_extension = has_abi3 = has_native = False
    for name in files:
        if name.endswith((".py", ".pyi", ".txt", ".typed")):  # the bulk of any wheel: skip fast
            continue
        if name.endswith((".abi3.so", ".abi3.pyd")):
            has_abi3 = True
        elif is_extension_module(name):
            has_extension = True
        elif re.search(_SHARED_LIBRARY, name):
            has_native = True
    if has_extension:
        return interpreter_platform_tag()
    if has_abi3:
        return f"cp{sys.version_info[0]}{sys.version_info[1]}-abi3-{platform_tag()}"
    if has_native:
        return f"py3-none-{platform_tag()}"
    return PURE_TAG


def is_pure(tag: str) -> bool:
    return tag.endswith("-any")
