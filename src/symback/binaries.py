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

# -- SONAME: the name a dynamic loader opens a shared library by ------------------------
#
# A small reader of its own rather than pyelftools or macholib: it needs two fields
# (ELF DT_SONAME, Mach-O LC_ID_DYLIB), runs on the build path for every file a link
# resolves to, and must never raise on hostile bytes. Every read is bounds-checked and the
# work is capped (program headers, dynamic entries, load commands, fat slices), so a
# crafted file costs at most a few thousand small reads. tests/unit/test_binaries.py checks
# it against real libraries built with cc and fuzzes it with hypothesis.

import os
from typing import BinaryIO, Union

_MAX_ITEMS = 4096  # program headers, dynamic entries or load commands read at most
_MAX_NAME = 4096  # longest SONAME / install name read
_PT_LOAD, _PT_DYNAMIC = 1, 2
_DT_NULL, _DT_STRTAB, _DT_SONAME = 0, 5, 14
_LC_ID_DYLIB = 0xD
_MH_MAGICS = {
    b"\xfe\xed\xfa\xce": (">", 28), b"\xce\xfa\xed\xfe": ("<", 28),  # 32-bit: header size
    b"\xfe\xed\xfa\xcf": (">", 32), b"\xcf\xfa\xed\xfe": ("<", 32),  # 64-bit
}
_FAT_WIDE = {b"\xca\xfe\xba\xbe": False, b"\xca\xfe\xba\xbf": True}  # fat, fat64 (see _FAT_MAGICS)


class _Bytes:
    """Bounded reads from a file or a bytes object; ``None`` when out of range."""

    def __init__(self, source: Union[bytes, BinaryIO]) -> None:
        self._data = source if isinstance(source, (bytes, bytearray)) else None
        self._file = None if self._data is not None else source

    def at(self, offset: int, size: int) -> Optional[bytes]:
        if offset < 0 or size < 0:
            return None
        if self._data is not None:
            chunk = bytes(self._data[offset:offset + size])
        else:
            assert self._file is not None
            self._file.seek(offset)
            chunk = self._file.read(size)
        return chunk if len(chunk) == size else None

    def unpack(self, fmt: str, offset: int) -> Optional[tuple]:
        chunk = self.at(offset, struct.calcsize(fmt))
        return None if chunk is None else struct.unpack(fmt, chunk)

    def cstring(self, offset: int) -> Optional[str]:
        """The NUL-terminated name at ``offset``: printable, no '/', '\\0' within _MAX_NAME."""
        chunk = b""
        while len(chunk) < _MAX_NAME:
            piece = self.at(offset + len(chunk), 256) or self.at(offset + len(chunk), 1)
            if not piece:
                return None
            end = piece.find(b"\0")
            if end != -1:
                chunk += piece[:end]
                break
            chunk += piece
        else:
            return None
        try:
            name = chunk.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return name or None


def _plain_basename(name: Optional[str]) -> Optional[str]:
    """The last path segment, if it is a plausible file name (else ``None``)."""
    if not name:
        return None
    base = name.rsplit("/", 1)[-1]
    if base in ("", ".", "..") or any(ord(c) < 32 or c == "\\" for c in base):
        return None
    return base


def _elf_soname(r: _Bytes) -> Optional[str]:
    ident = r.at(0, 16)
    if ident is None or ident[:4] != b"\x7fELF" or ident[4] not in (1, 2) or ident[5] not in (1, 2):
        return None
    wide = ident[4] == 2
    e = "<" if ident[5] == 1 else ">"
    header = r.unpack(e + ("HHIQQQIHHHHHH" if wide else "HHIIIIIHHHHHH"), 16)
    if header is None:
        return None
    e_type, phoff, phentsize, phnum = header[0], header[4], header[8], header[9]
    if e_type != 3:  # ET_DYN: shared objects (and PIE executables, which have no SONAME)
        return None
    ph_fmt = e + ("IIQQQQQQ" if wide else "IIIIIIII")
    if phentsize < struct.calcsize(ph_fmt):
        return None
    loads: list = []  # (vaddr, filesz, offset)
    dynamic: Optional[tuple] = None  # (offset, filesz)
    for i in range(min(phnum, _MAX_ITEMS)):
        ph = r.unpack(ph_fmt, phoff + i * phentsize)
        if ph is None:
            return None
        if wide:
            p_type, p_offset, p_vaddr, p_filesz = ph[0], ph[2], ph[3], ph[5]
        else:
            p_type, p_offset, p_vaddr, p_filesz = ph[0], ph[1], ph[2], ph[4]
        if p_type == _PT_LOAD:
            loads.append((p_vaddr, p_filesz, p_offset))
        elif p_type == _PT_DYNAMIC and dynamic is None:
            dynamic = (p_offset, p_filesz)
    if dynamic is None:
        return None
    dyn_fmt = e + ("qQ" if wide else "iI")
    dyn_size = struct.calcsize(dyn_fmt)
    strtab = soname = None
    for i in range(min(dynamic[1] // dyn_size, _MAX_ITEMS)):
        entry = r.unpack(dyn_fmt, dynamic[0] + i * dyn_size)
        if entry is None or entry[0] == _DT_NULL:
            break
        if entry[0] == _DT_STRTAB and strtab is None:
            strtab = entry[1]
        elif entry[0] == _DT_SONAME and soname is None:
            soname = entry[1]
    if strtab is None or soname is None:
        return None
    # DT_STRTAB is an address: the loader's view. Map it to a file offset through the
    # PT_LOAD segment that holds it.
    for vaddr, filesz, offset in loads:
        if vaddr <= strtab < vaddr + filesz:
            return _plain_basename(r.cstring(offset + (strtab - vaddr) + soname))
    return None


def _macho_install_name(r: _Bytes, base: int) -> Optional[str]:
    magic = r.at(base, 4)
    if magic not in _MH_MAGICS:
        return None
    e, header_size = _MH_MAGICS[magic]
    header = r.unpack(e + "IiiIII", base)
    if header is None or header[3] != 6:  # filetype MH_DYLIB
        return None
    ncmds, sizeofcmds = header[4], header[5]
    offset, end = base + header_size, base + header_size + sizeofcmds
    for _ in range(min(ncmds, _MAX_ITEMS)):
        command = r.unpack(e + "II", offset)
        if command is None or command[1] < 8 or offset + command[1] > end:
            return None
        if command[0] == _LC_ID_DYLIB:
            name_offset = r.unpack(e + "I", offset + 8)
            if name_offset is None or not 24 <= name_offset[0] < command[1]:
                return None
            return _plain_basename(r.cstring(offset + name_offset[0]))
        offset += command[1]
    return None


def _macho_soname(r: _Bytes) -> Optional[str]:
    magic = r.at(0, 4)
    if magic in _MH_MAGICS:
        return _macho_install_name(r, 0)
    if magic not in _FAT_WIDE:
        return None
    count = r.unpack(">I", 4)
    if count is None or not 0 < count[0] <= _MAX_FAT_ARCHS:
        return None
    wide = _FAT_WIDE[magic]
    arch_fmt = ">iiQQII" if wide else ">iiIII"
    for i in range(count[0]):
        arch = r.unpack(arch_fmt, 8 + i * struct.calcsize(arch_fmt))
        if arch is None:
            return None
        name = _macho_install_name(r, arch[2])
        if name is not None:  # every slice of one library carries the same install name
            return name
    return None


def soname_of(source: Union[bytes, BinaryIO]) -> Optional[str]:
    """The name the dynamic loader opens this shared library by, or ``None``.

    ELF: ``DT_SONAME`` (found through ``PT_DYNAMIC`` and the ``DT_STRTAB`` it names, as the
    loader finds it; 32/64-bit, either byte order). Mach-O: the basename of
    ``LC_ID_DYLIB``'s install name (thin or fat). Anything else, or anything malformed:
    ``None``. ``source`` is the file's bytes or a seekable binary file.
    """
    r = _Bytes(source)
    try:
        return _elf_soname(r) or _macho_soname(r)
    except (OSError, OverflowError, ValueError):  # a seek past what the OS allows
        return None


def read_soname(path: Union[str, "os.PathLike[str]"]) -> Optional[str]:
    """:func:`soname_of` for the file at ``path`` (``None`` if it cannot be read)."""
    try:
        with open(path, "rb") as f:
            return soname_of(f)
    except OSError:
        return None
