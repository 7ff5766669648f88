"""Calls the bundled libchime through the ``_chime`` extension module (built by CMake)."""

from __future__ import annotations

from pathlib import Path

from ._chime import library_version, ring, strikes

__version__ = "2.1.0"
__all__ = ["LIBDIR", "library_version", "ring", "strikes"]

#: Where libchime.so.2.1.0 and its aliases libchime.so.2, libchime.so live.
# Not resolve()d: in an editable install __init__.py is a link into the sources, and
# lib/ lives beside the link (in the editable tree), not beside the source file.
LIBDIR = Path(__file__).parent / "lib"
