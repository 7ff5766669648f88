"""A deterministic, streaming ``.tar.gz`` writer that deflates on every core.

Why not :mod:`tarfile` + :mod:`gzip`: gzip compresses in the calling thread only, and
at level 9 that is most of an sdist's build time; tarfile spends more per member
building headers than writing the data. Here the tar stream (POSIX.1-2001 pax, as the
sdist specification asks) is built in the calling thread and cut into fixed blocks,
which are deflated on a thread pool the way pigz does it (each block primed with the
32 KiB before it, so the blocks join into one deflate stream; see
:func:`symback.bigarchive.deflate_block`). The block size is fixed, so the bytes never
depend on the number of threads. An archive that fits one block is deflated in the
calling thread, with no thread started and ``bigarchive`` not imported.

Headers are what tarfile's PAX format writes: a ustar header per member, preceded by a
pax extended header only when a value does not fit ustar (a name or link target longer
than 100 bytes or not ASCII, a size of 8 GiB or more). The archive ends with two zero
blocks and is padded to tar's 10 KiB record; the gzip header has no name and mtime 0.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Deque, Dict, Optional, Union

from .deflate import deflate_whole, read_whole

if TYPE_CHECKING:
    from .bigarchive import Task, Workers

BLOCK_SIZE = 256 << 10  # the tar stream is deflated in blocks of this many bytes
LEVEL = 9  # an sdist is built once and downloaded many times: the smallest file
_WINDOW = 1 << 15  # deflate's window: what primes the next block
_TAR_BLOCK = 512
_TAR_RECORD = 20 * _TAR_BLOCK  # the archive is padded to a whole record, as tar does
_USTAR_NAME = 100  # bytes in the ustar name and linkname fields
_USTAR_SIZE_LIMIT = 8**11  # 11 octal digits
_READ_CHUNK = 1 << 20

# A ustar header's fields up to and including the version; the rest (owner names, device
# numbers, name prefix) stay empty: 247 NULs.
_USTAR_HEAD = struct.Struct("100s8s8s8s12s12s8s1s100s6s2s")
_USTAR_TAIL = bytes(_TAR_BLOCK - _USTAR_HEAD.size)
_CHECKSUM_OFFSET = 148
_ZERO_ID = b"0000000\x00"  # uid and gid


def _ustar_header(name: bytes, mode: int, size: int, mtime: int, typeflag: bytes, linkname: bytes) -> bytes:
    head = _USTAR_HEAD.pack(
        name, b"%07o\x00" % mode, _ZERO_ID, _ZERO_ID, b"%011o\x00" % size, b"%011o\x00" % mtime, b" " * 8,
        typeflag, linkname, b"ustar\x00", b"00",
    )
    # The checksum is the sum of the header's bytes with its own field read as spaces
    # (the tail is all zeros); six octal digits, a NUL, and the last space kept.
    checksum = b"%06o\x00" % sum(head)
    return head[:_CHECKSUM_OFFSET] + checksum + head[_CHECKSUM_OFFSET + 7 :] + _USTAR_TAIL


def _pax_records(values: Dict[str, str]) -> bytes:
    """``"<length> <key>=<value>\\n"`` records; the length counts its own digits."""
    out = []
    for key, value in values.items():
        body = b" %s=%s\n" % (key.encode("utf-8"), value.encode("utf-8"))
        length = len(body) + 1
        while len(b"%d" % length) + len(body) != length:
            length = len(b"%d" % length) + len(body)
        out.append(b"%d" % length + body)
    return b"".join(out)


def _gzip_header(level: int) -> bytes:
    """Deflate, no flags, mtime 0, the level hint gzip gives (2: best, 4: fastest), OS unknown."""
    hint = 2 if level == 9 else 4 if level == 1 else 0
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00" + bytes((hint, 255))


def _padding(size: int) -> bytes:
    return b"\x00" * (-size % _TAR_BLOCK)


def _ustar_text(value: str) -> Optional[bytes]:
    """``value`` as a ustar name field holds it, or None if it needs a pax record."""
    if not value.isascii():
        return None
    raw = value.encode("ascii")
    return raw if len(raw) <= _USTAR_NAME else None


def member_headers(name: str, *, mode: int, size: int, mtime: int, typeflag: bytes = b"0", linkname: str = "") -> bytes:
    """The header block(s) of one member: a pax extended header first when needed."""
    pax: Dict[str, str] = {}
    raw_name = _ustar_text(name)
    if raw_name is None:
        pax["path"] = name
        raw_name = name.encode("ascii", "replace")[:_USTAR_NAME]
    raw_link = _ustar_text(linkname)
    if raw_link is None:
        pax["linkpath"] = linkname
        raw_link = linkname.encode("ascii", "replace")[:_USTAR_NAME]
    ustar_size = size
    if size >= _USTAR_SIZE_LIMIT:
        pax["size"] = str(size)
        ustar_size = 0
    header = _ustar_header(raw_name, mode, ustar_size, mtime, typeflag, raw_link)
    if not pax:
        return header
    records = _pax_records(pax)
    return _ustar_header(b"././@PaxHeader", 0, len(records), 0, b"x", b"") + records + _padding(len(records)) + header


class TarGzWriter:
    """Write tar members, in the order given, to a binary file as one gzip stream.

    Every member is owned by uid/gid 0 with empty owner names and stamped ``mtime``;
    files are 0644, or 0755 when executable; symlinks 0777.
    """

    def __init__(
        self, out: BinaryIO, *, mtime: int, workers: Optional[int] = None, block_size: int = BLOCK_SIZE,
        level: int = LEVEL,
    ) -> None:
        if block_size < _WINDOW:
            raise ValueError(f"block_size {block_size} is smaller than deflate's window ({_WINDOW})")
        self._out = out
        self._mtime = mtime
        self._block_size = block_size
        self._level = level
        self._workers = workers
        self._pool: Optional[Workers] = None  # started by the second block: one block needs no thread
        self._pending = bytearray()  # tar bytes not yet cut into a block
        self._in_flight: Deque[Task] = deque()
        self._zdict: Optional[bytes] = None  # the end of the last block submitted
        self._crc = 0
        self._size = 0  # uncompressed bytes so far (gzip's trailer wants them mod 2**32)
        self._names: set[str] = set()
        self._closed = False
        out.write(_gzip_header(level))

    # -- public API ------------------------------------------------------------------

    def add_file(self, name: str, path: Union[str, Path], *, executable: bool = False, size: Optional[int] = None) -> None:
        """Add the file at ``path``; ``size`` saves a ``stat`` when the caller has one.

        The size goes in the header before the data, so a file that changes size while it
        is read is an error rather than a corrupt archive.
        """
        self._claim(name)
        if size is None:
            size = os.stat(path).st_size
        mode = 0o755 if executable else 0o644
        if size <= self._block_size:
            data = read_whole(path, size)
            if len(data) != size:
                self._changed(name, path)
            if len(name) <= _USTAR_NAME and name.isascii():  # the usual member: a ustar header alone
                header = _ustar_header(name.encode("ascii"), mode, size, self._mtime, b"0", b"")
            else:
                header = member_headers(name, mode=mode, size=size, mtime=self._mtime)
            self._write(header + data + _padding(size))
            return
        self._write(member_headers(name, mode=mode, size=size, mtime=self._mtime))
        copied = 0
        with open(path, "rb") as f:
            while copied < size:
                chunk = f.read(min(_READ_CHUNK, size - copied))
                if not chunk:
                    break
                copied += len(chunk)
                self._write(chunk)
            if copied != size or f.read(1):
                self._changed(name, path)
        self._write(_padding(size))

    def add_bytes(self, name: str, data: bytes, *, executable: bool = False) -> None:
        self._claim(name)
        mode = 0o755 if executable else 0o644
        self._write(member_headers(name, mode=mode, size=len(data), mtime=self._mtime) + data + _padding(len(data)))

    def add_symlink(self, name: str, target: str) -> None:
        self._claim(name)
        self._write(member_headers(name, mode=0o777, size=0, mtime=self._mtime, typeflag=b"2", linkname=target))

    def close(self) -> None:
        """End the archive (two zero blocks, padded to a record) and the gzip stream."""
        if self._closed:
            return
        try:
            end = self._size + len(self._pending) + 2 * _TAR_BLOCK
            self._write(b"\x00" * (2 * _TAR_BLOCK + (-end % _TAR_RECORD)))
            self._submit(bytes(self._pending), last=True)
            self._pending = bytearray()
            self._write_ready(0)
            self._out.write(struct.pack("<II", self._crc, self._size & 0xFFFFFFFF))
        finally:
            self._shutdown()

    def abort(self) -> None:
        """Stop the worker threads without writing anything more."""
        self._shutdown(cancel=True)

    def __enter__(self) -> "TarGzWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # -- internals -------------------------------------------------------------------

    def _claim(self, name: str) -> None:
        if self._closed:
            raise ValueError("the archive is closed")
        if name in self._names:
            raise ValueError(f"duplicate archive member {name!r}")
        self._names.add(name)

    @staticmethod
    def _changed(name: str, path: Union[str, Path]) -> None:
        from .errors import BuildError

        raise BuildError(f"{path}: the file changed size while it was being archived as {name}. Build again.")

    def _write(self, data: bytes) -> None:
        pending = self._pending
        pending += data
        block = self._block_size
        if len(pending) < block:
            return
        cut = len(pending) - len(pending) % block
        with memoryview(pending) as view:
            for start in range(0, cut, block):
                self._submit(bytes(view[start : start + block]), last=False)
        del pending[:cut]

    def _submit(self, block: bytes, *, last: bool) -> None:
        self._crc = zlib.crc32(block, self._crc)
        self._size += len(block)
        zdict, self._zdict = self._zdict, block[-_WINDOW:]
        if last and self._pool is None:  # the archive is this one block: no thread
            self._out.write(deflate_whole(block, self._level))
            return
        from .bigarchive import Workers, deflate_block, default_workers

        if self._pool is None:
            self._pool = Workers(self._workers or default_workers())
        self._in_flight.append(self._pool.submit(deflate_block, block, zdict, last, self._level))
        self._write_ready(2 * self._pool.count)

    def _write_ready(self, limit: int) -> None:
        while len(self._in_flight) > limit:
            self._out.write(self._in_flight.popleft().result())

    def _shutdown(self, *, cancel: bool = False) -> None:
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown(cancel=cancel)
            self._pool = None
