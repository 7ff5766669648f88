"""A deterministic zip writer for wheels: files are read, hashed, deflated and given their
local headers in jobs, and written in the order given, each with a fixed timestamp and
permissions (0644, or 0755 when executable). An archive that fits one job is done here,
in the calling thread; a larger one by :mod:`symback.bigarchive` (threads, large files in
blocks, zip64), imported only then. Each entry is deflated on its own, so the bytes never
depend on the path taken or the number of threads (docs/design.md)."""

from __future__ import annotations

import binascii
import os
import struct
import sys
import zlib
from pathlib import Path
from typing import Any, BinaryIO, Callable, List, NamedTuple, Optional, Tuple, Union

from .deflate import deflate_whole as _deflate_whole
from .deflate import read_whole

# An archive of at most this many files and bytes is packed in the calling thread as one
# job: cheaper than starting a thread (and importing threading, hashlib).
_INLINE_FILES, _INLINE_BYTES = 255, 256 << 10
_ZIP32_LIMIT = 0xFFFFFFFF
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END_RECORD = struct.Struct("<IHHHHIIH")
_URLSAFE = bytes.maketrans(b"+/", b"-_")


class EntryDigest(NamedTuple):
    """What a RECORD row needs to know about an entry."""

    sha256: str  # "sha256=<urlsafe base64, no padding>"
    size: int


# (name, flags, mode, data or path, size) of each file in a job, as it was queued.
_JobItem = Tuple[bytes, int, int, Union[str, Path, bytes], int]
# (crc32, compressed size, size, RECORD hash, offset within the job's bytes) of each file.
_Packed = Tuple[int, int, int, str, int]


def _record_hash(digest: bytes) -> str:
    """``sha256=<urlsafe base64, no padding>`` (``base64`` itself is not imported)."""
    return "sha256=" + binascii.b2a_base64(digest, newline=False).rstrip(b"=").translate(_URLSAFE).decode("ascii")


def _inline_sha256() -> Callable[[bytes], Any]:
    """CPython's own sha256 (``_sha2``, ``_sha256`` before 3.12) for an archive done in the
    calling thread: loading OpenSSL (``hashlib``) costs more than it saves (design.md)."""
    try:  # by version: a failed import searches every sys.path entry
        if sys.version_info >= (3, 12):
            from _sha2 import sha256  # type: ignore[import-not-found]
        else:
            from _sha256 import sha256  # type: ignore[import-not-found,no-redef]
    except ImportError:  # an optional module
        from hashlib import sha256
    return sha256  # type: ignore[no-any-return]


def _pack_job(
    items: List[_JobItem], dos_time: int, dos_date: int, sha256: Callable[[bytes], Any]
) -> Tuple[bytes, List[_Packed]]:
    """Read, hash and deflate a job of files into their finished local entries (on a worker
    thread, for bigarchive: the main thread then only writes one block per job)."""
    parts: List[bytes] = []
    packed: List[_Packed] = []
    offset = 0
    header = _LOCAL_HEADER.pack
    for name, flags, _mode, source, size in items:
        data = source if isinstance(source, bytes) else read_whole(source, size)
        crc = zlib.crc32(data)
        compressed = _deflate_whole(data)
        parts += (header(0x04034B50, 20, flags, 8, dos_time, dos_date, crc, len(compressed), len(data), len(name), 0),
                  name, compressed)
        packed.append((crc, len(compressed), len(data), _record_hash(sha256(data).digest()), offset))
        offset += 30 + len(name) + len(compressed)
    return b"".join(parts), packed


class ZipWriter:
    """Write entries, in the order given, to a seekable binary file.

    ``add_file`` may return before the entry is written (files are packed in jobs);
    ``digests`` is complete once :meth:`flush` or :meth:`close` returns.
    """

    def __init__(self, out: BinaryIO, *, epoch: int, workers: Optional[int] = None) -> None:
        import time

        self._out = out
        t = time.gmtime(epoch)  # as MS-DOS stores it: 2-second steps from 1980
        self._dos = ((t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2),
                     ((t.tm_year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday)
        self._workers = workers
        # (name, flags, mode, crc, compressed size, size, offset) of each written entry.
        self._central: List[Tuple[bytes, int, int, int, int, int, int]] = []
        self._job: List[_JobItem] = []  # queued, to be packed here
        self._job_bytes = 0
        self._jobs: Any = None  # a bigarchive.ZipJobs once the archive outgrows one inline job
        self.digests: dict[str, EntryDigest] = {}
        self._names: set[str] = set()
        self._closed = False

    def add_file(
        self, arcname: str, path: Union[str, Path], *, executable: bool = False, size: Optional[int] = None
    ) -> None:
        """Queue ``path`` as ``arcname``. ``size``, when the caller has just stat-ed the
        file, saves a ``stat``; it only chooses the path: the bytes read are what is stored."""
        self._claim(arcname)
        self._add(arcname, path, os.stat(path).st_size if size is None else size, executable)

    def add_bytes(self, arcname: str, data: bytes, *, executable: bool = False) -> None:
        self._claim(arcname)
        self._add(arcname, data, len(data), executable)

    def flush(self) -> None:
        """Write every queued entry."""
        if self._jobs is not None:
            self._jobs.flush()
        elif self._job:
            blob, packed = _pack_job(self._job, *self._dos, _inline_sha256())
            start = self._out.tell()
            self._out.write(blob)
            self._entries(self._job, start, packed)
            self._job, self._job_bytes = [], 0

    def close(self) -> None:
        """Write the queued entries and the central directory."""
        if self._closed:
            return
        try:
            self.flush()
            self._write_central_directory()
        finally:
            self._shutdown()

    def abort(self) -> None:
        """Stop the worker threads without writing anything more."""
        self._shutdown(cancel=True)

    def _shutdown(self, *, cancel: bool = False) -> None:
        self._closed = True
        if self._jobs is not None:
            self._jobs.shutdown(cancel=cancel)

    def __enter__(self) -> "ZipWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _claim(self, arcname: str) -> None:
        if arcname in self._names:
            raise ValueError(f"duplicate archive member {arcname!r}")
        self._names.add(arcname)

    def _add(self, arcname: str, source: Union[str, Path, bytes], size: int, executable: bool) -> None:
        # Flag bit 11: the name is UTF-8.
        item = (arcname.encode("utf-8"), 0 if arcname.isascii() else 0x800, 0o755 if executable else 0o644, source, size)
        if self._jobs is None:
            if len(self._job) < _INLINE_FILES and self._job_bytes + size <= _INLINE_BYTES:
                self._job.append(item)
                self._job_bytes += size
                return
            from .bigarchive import ZipJobs

            self._jobs = ZipJobs(
                self._out, self._workers, self._dos, _pack_job, _LOCAL_HEADER, _record_hash, self._entries
            )
            self._jobs.add_all(self._job)
            self._job, self._job_bytes = [], 0
        self._jobs.add(item)

    def _entries(self, items: List[_JobItem], start: int, packed: List[_Packed]) -> None:
        """Record entries whose bytes were written from ``start`` on, for the central directory."""
        for (name, flags, mode, _, _), (crc, compressed_size, size, digest, offset) in zip(items, packed):
            self._central.append((name, flags, mode, crc, compressed_size, size, start + offset))
            self.digests[name.decode("utf-8")] = EntryDigest(digest, size)

    def _write_central_directory(self) -> None:
        start, central = self._out.tell(), self._central
        if len(central) < 0xFFFF and start < _ZIP32_LIMIT and all(e[5] < _ZIP32_LIMIT for e in central):
            dos_time, dos_date = self._dos
            pack = _CENTRAL_HEADER.pack
            # Made by Unix (3 << 8), so external_attr carries the mode of a regular file.
            directory = b"".join(
                pack(0x02014B50, 0x314, 20, flags, 8, dos_time, dos_date, crc, csize, size, len(name), 0, 0, 0, 0,
                     (0o100000 | mode) << 16, offset) + name
                for name, flags, mode, crc, csize, size, offset in central
            )
            if len(directory) < _ZIP32_LIMIT:
                self._out.write(directory)
                self._out.write(_END_RECORD.pack(0x06054B50, 0, 0, len(central), len(central), len(directory), start, 0))
                return
        from .bigarchive import write_central_directory64  # sizes, offsets or a count beyond zip32

        write_central_directory64(self._out, central, self._dos, _CENTRAL_HEADER, _END_RECORD)
