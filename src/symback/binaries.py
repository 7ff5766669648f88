"""Reading native files: what kind of binary a file is, and the names a loader knows it by.

Readers here look at bytes, never at file names, and treat their input as hostile (a file
in a project or a wheel can be anything): a short or malformed header is "not native" or
"no SONAME", never an exception from deep inside a parser.
"""

from __future__ import annotations

import struct
from typing import Optional

# -- what kind of native file (magic bytes) --------------------------------------------

ELF = "elf"
MACHO = "mach-o"
PE = "pe"

_ELF_MAGIC = b"\x7fELF"
# Thin Mach-O, either byte order, 32 and 64 bit (MH_MAGIC, MH_CIGAM, MH_MAGIC_64, MH_CIGAM_64).
_MACHO_MAGICS = (b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe")
# Universal ("fat") Mach-O: FAT_MAGIC and FAT_MAGIC_64, always big-endian on disk.
_FAT_MAGICS = (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf")
# 0xCAFEBABE is also a Java class file's magic; there the next word holds the class
# version (45 or more), in a fat binary the number of architectures (a handful).
_MAX_FAT_ARCHS = 30
# The PE header offset (e_lfanew) sits at 0x3c in the MZ header; anything further than
# this is not a real DLL/EXE.
_MAX_PE_OFFSET = 1 << 16


def native_kind(header: bytes, pe_signature: Optional[bytes] = None) -> Optional[str]:
    """``"elf"``, ``"mach-o"`` or ``"pe"`` for the first bytes of a native binary, else None.

    ``header`` needs 64 bytes to tell a PE file (its ``MZ`` header) and, for one,
    ``pe_signature``: the 4 bytes at the offset ``pe_offset(header)`` names.
    """
    magic = header[:4]
    if magic == _ELF_MAGIC:
        return ELF
    if magic in _MACHO_MAGICS:
        return MACHO
    if magic in _FAT_MAGICS and len(header) >= 8:
        (count,) = struct.unpack(">I", header[4:8])
        return MACHO if 0 < count <= _MAX_FAT_ARCHS else None
    if header[:2] == b"MZ" and pe_signature is not None:
        return PE if pe_signature == b"PE\0\0" else None
    return None


def pe_offset(header: bytes) -> Optional[int]:
    """Where an ``MZ`` file says its PE signature is (``e_lfanew``), if plausible."""
    if header[:2] != b"MZ" or len(header) < 0x40:
        return None
    (offset,) = struct.unpack("<I", header[0x3C:0x40])
    return offset if 0x40 <= offset <= _MAX_PE_OFFSET else None


def file_native_kind(path: str) -> Optional[str]:
    """:func:`native_kind` of the file at ``path`` (None for anything unreadable)."""
    try:
        with open(path, "rb") as f:
            header = f.read(64)
            signature = None
            offset = pe_offset(header)
            if offset is not None:
                f.seek(offset)
                signature = f.read(4)
    except OSError:
        return None
    return native_kind(header, signature)
