"""The tag of a wheel that may ship native files: found by their content (``binaries``),
their names saying which interpreter an extension module is for. Imported by
``tags.wheel_tag`` only when a file could be native (not ``.py`` or text by its name)."""

from __future__ import annotations

import re
import sys
from typing import Iterable, Optional, Tuple

from .errors import BuildError


def _tagged_extension_suffixes() -> tuple[str, ...]:
    """This interpreter's extension suffixes that name it (``.cpython-311-x86_64-linux-gnu.so``)."""
    from importlib.machinery import EXTENSION_SUFFIXES

    return tuple(s for s in EXTENSION_SUFFIXES if s not in (".so", ".pyd") and ".abi3." not in s)


# An extension module named for some CPython: ".cpython-312-x86_64-linux-gnu.so",
# ".cpython-313t-darwin.so", ".cp312-win_amd64.pyd". Group 1: "312", group 2: "t" or "".
_CPYTHON_SUFFIX = r"\.(?:cpython-|cp)(3\d+)(t?)(?:-[^.]*)?\.(?:so|pyd)$"


def extension_interpreter(path: str) -> Optional[str]:
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


def _abi3_floor(requires_python: Optional[str]) -> str:
    """``cp39`` from ``>=3.9``: the oldest CPython an abi3 wheel claims; this one's if unsaid."""
    if requires_python:
        bounds = [int(m) for m in re.findall(r"(?:>=|~=|==)\s*3\.(\d+)", requires_python)]
        if bounds:
            return f"cp3{min(bounds)}"
    return f"cp{sys.version_info[0]}{sys.version_info[1]}"


def native_tag(files: Iterable[Tuple[str, str]], requires_python: Optional[str]) -> Optional[str]:
    """``tags.wheel_tag`` for ``(archive path, file on disk)`` pairs that may be native:
    ``"this"`` for this interpreter's extension modules, the tag without its platform
    (``cp312-cp312``, ``cp39-abi3``, ``py3-none``) for other native files, None if
    nothing is native."""
    from .binaries import file_native_kind

    interpreters: dict[str, str] = {}  # interpreter -> one of its modules (for the error)
    has_abi3 = has_native = False
    for arcname, source in files:
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
        return which if which == "this" else f"{which.rstrip('t')}-{which}"
    if has_abi3:
        return f"{_abi3_floor(requires_python)}-abi3"
    return "py3-none" if has_native else None
