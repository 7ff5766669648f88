"""A deterministic, streaming zip writer that deflates on every core.

Why not :mod:`zipfile`: it compresses in the calling thread only and cannot take data
that is already compressed. Here each file (or each 1 MiB block of a large file) is
deflated on a thread pool (zlib and hashlib release the GIL), and the results are
written in a fixed order, so the bytes never depend on the number of threads.

Large files are cut into blocks the way pigz does it: every block is a raw deflate
stream primed with the previous 32 KiB as its dictionary and ended with a sync flush,
the last one with a finish; concatenated, they are one valid deflate stream. Memory
stays bounded by the blocks in flight, whatever the file size.

Every entry is stored with a fixed timestamp, fixed permissions (0644, or 0755 when
executable) and no extra fields beyond zip64 where sizes demand it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Deque, Iterator, List, Optional, Tuple

BLOCK_SIZE = 1 << 20  # a large file is deflated in blocks of this size
_WINDOW = 1 << 15  # deflate's window: the dictionary handed to the next block
_SMALL_BATCH_BYTES = 32 << 20  # at most this many bytes of small files in flight
_ZIP32_LIMIT = 0xFFFFFFFF
_LEVEL = 6  # zlib's default: the size/speed trade-off every other backend makes

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END_RECORD = struct.Struct("<IHHHHIIH")
_END_RECORD64 = struct.Struct("<IQHHIIQQQQ")
_END_LOCATOR64 = struct.Struct("<IIQI")


@dataclass(frozen=True)
class EntryDigest:
    """What a RECORD row needs to know about an entry."""

    sha256: str  # "sha256=<urlsafe base64, no padding>"
    size: int


@dataclass
class _Central:
    name: bytes
    flags: int
    dos_time: int
    dos_date: int
    crc: int
    compressed_size: int
    size: int
    external_attr: int
    offset: int


def _dos_datetime(epoch: int) -> Tuple[int, int]:
    import time

    t = time.gmtime(epoch)
    dos_time = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
    dos_date = ((t.tm_year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday
    return dos_time, dos_date


def _deflate(data: bytes, zdict: Optional[bytes], last: bool) -> bytes:
    if zdict:
        compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, zdict)
    else:
        compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _record_hash(digest: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class _Packed:
    """A whole small file, read, hashed and deflated off the main thread."""

    data_crc: int
    size: int
    compressed: bytes
    sha256: bytes


def _pack(data: bytes) -> _Packed:
    return _Packed(zlib.crc32(data), len(data), _deflate(data, None, True), hashlib.sha256(data).digest())


def _pack_file(path: Path) -> _Packed:
    with open(path, "rb") as f:
        return _pack(f.read())


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


class ZipWriter:
    """Write entries, in the order given, to a seekable binary file.

    ``add_file`` may return before the entry is written (small files are deflated in
    the background); ``digests`` is complete once :meth:`flush` or :meth:`close` returns.
    """

    def __init__(self, out: BinaryIO, *, epoch: int, workers: Optional[int] = None) -> None:
        self._out = out
        self._dos_time, self._dos_date = _dos_datetime(epoch)
        self._central: List[_Central] = []
        self._pool = ThreadPoolExecutor(max_workers=workers or default_workers())
        self._pending: Deque[Tuple[str, int, "Future[_Packed]", int]] = deque()
        self._pending_bytes = 0
        self.digests: dict[str, EntryDigest] = {}
        self._names: set[str] = set()
        self._closed = False

    # -- public API ------------------------------------------------------------------

    def add_file(self, arcname: str, path: Path, *, executable: bool = False) -> None:
        """Queue ``path`` as ``arcname``; large files are streamed block by block."""
        self._claim(arcname)
        size = os.stat(path).st_size
        mode = 0o755 if executable else 0o644
        if size > BLOCK_SIZE:
            self.flush()
            self._write_streamed(arcname, path, size, mode)
            return
        if self._pending_bytes + size > _SMALL_BATCH_BYTES:
            self._drain(until_bytes=_SMALL_BATCH_BYTES - size)
        self._pending.append((arcname, mode, self._pool.submit(_pack_file, path), size))
        self._pending_bytes += size

    def add_bytes(self, arcname: str, data: bytes, *, executable: bool = False) -> None:
        self._claim(arcname)
        mode = 0o755 if executable else 0o644
        if len(data) > BLOCK_SIZE:
            self.flush()
            view = memoryview(data)
            blocks = (bytes(view[i : i + BLOCK_SIZE]) for i in range(0, len(data), BLOCK_SIZE))
            self._write_streamed_chunks(arcname, blocks, len(data), mode)
            return
        self._pending.append((arcname, mode, self._pool.submit(_pack, data), len(data)))
        self._pending_bytes += len(data)

    def flush(self) -> None:
        """Write every queued entry."""
        self._drain(until_bytes=0)

    def close(self) -> None:
        """Write the queued entries and the central directory."""
        if self._closed:
            return
        try:
            self.flush()
            self._write_central_directory()
        finally:
            self._closed = True
            self._pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Stop the worker threads without writing anything more."""
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> "ZipWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # -- writing ---------------------------------------------------------------------

    def _claim(self, arcname: str) -> None:
        if arcname in self._names:
            raise ValueError(f"duplicate archive member {arcname!r}")
        self._names.add(arcname)

    def _drain(self, until_bytes: int) -> None:
        while self._pending and (self._pending_bytes > until_bytes or until_bytes == 0):
            arcname, mode, future, size = self._pending.popleft()
            self._pending_bytes -= size
            packed = future.result()
            offset = self._out.tell()
            self._write_local_header(arcname, mode, packed.data_crc, len(packed.compressed), packed.size)
            self._out.write(packed.compressed)
            self._finish_entry(arcname, mode, packed.data_crc, len(packed.compressed), packed.size, offset)
            self.digests[arcname] = EntryDigest(_record_hash(packed.sha256), packed.size)

    def _write_streamed(self, arcname: str, path: Path, size: int, mode: int) -> None:
        with open(path, "rb") as f:
            self._write_streamed_chunks(arcname, iter(lambda: f.read(BLOCK_SIZE), b""), size, mode)

    def _write_streamed_chunks(self, arcname: str, blocks: Iterator[bytes], size: int, mode: int) -> None:
        """Deflate blocks in parallel, write them in order, then patch the local header.

        The main thread only reads and writes; blocks are deflated on the pool and hashed
        (sha256 for RECORD, crc32 for zip) in order on a thread of their own.
        """
        offset = self._out.tell()
        header_len = self._write_local_header(arcname, mode, 0, 0, size, placeholder=True)
        sha = hashlib.sha256()
        crc = 0
        total = compressed_total = 0
        in_flight: Deque["Future[bytes]"] = deque()
        max_in_flight = 2 * (self._pool._max_workers or 1)  # type: ignore[attr-defined]
        hasher = ThreadPoolExecutor(max_workers=1)  # one worker: FIFO, so updates stay in order

        def hash_block(block: bytes) -> None:
            nonlocal crc
            sha.update(block)
            crc = zlib.crc32(block, crc)

        def write_ready(limit: int) -> None:
            nonlocal compressed_total
            while len(in_flight) > limit:
                block = in_flight.popleft().result()
                self._out.write(block)
                compressed_total += len(block)

        try:
            zdict: Optional[bytes] = None
            block = next(blocks, b"")
            while True:
                following = next(blocks, None)  # look ahead: the last block finishes the stream
                hasher.submit(hash_block, block)
                total += len(block)
                in_flight.append(self._pool.submit(_deflate, block, zdict, following is None))
                write_ready(max_in_flight)
                if following is None:
                    break
                zdict = block[-_WINDOW:]
                block = following
            write_ready(0)
        finally:
            hasher.shutdown(wait=True)
        if total != size:
            from .errors import BuildError

            raise BuildError(f"{arcname}: the file changed size while it was being archived. Build again.")
        end = self._out.tell()
        self._out.seek(offset)
        self._write_local_header(arcname, mode, crc, compressed_total, total, placeholder=False, expect_len=header_len)
        self._out.seek(end)
        self._finish_entry(arcname, mode, crc, compressed_total, total, offset)
        self.digests[arcname] = EntryDigest(_record_hash(sha.digest()), total)

    def _write_local_header(
        self,
        arcname: str,
        mode: int,
        crc: int,
        compressed_size: int,
        size: int,
        *,
        placeholder: bool = False,
        expect_len: Optional[int] = None,
    ) -> int:
        name = arcname.encode("utf-8")
        flags = 0x800 if not arcname.isascii() else 0
        # zip64 is decided from the uncompressed size, which is known up front; deflate
        # grows incompressible data by well under 1%, hence the margin.
        zip64 = size >= _ZIP32_LIMIT - (size >> 7) - 1024
        extra = b""
        if zip64:
            extra = struct.pack("<HHQQ", 0x0001, 16, size, compressed_size)
            sizes = (_ZIP32_LIMIT, _ZIP32_LIMIT)
        else:
            sizes = (compressed_size, size)
        header = _LOCAL_HEADER.pack(
            0x04034B50,
            45 if zip64 else 20,
            flags,
            8,
            self._dos_time,
            self._dos_date,
            crc,
            sizes[0],
            sizes[1],
            len(name),
            len(extra),
        )
        data = header + name + extra
        if expect_len is not None and len(data) != expect_len:  # pragma: no cover - invariant
            raise AssertionError("local header length changed while patching")
        self._out.write(data)
        return len(data)

    def _finish_entry(
        self, arcname: str, mode: int, crc: int, compressed_size: int, size: int, offset: int
    ) -> None:
        self._central.append(
            _Central(
                name=arcname.encode("utf-8"),
                flags=0x800 if not arcname.isascii() else 0,
                dos_time=self._dos_time,
                dos_date=self._dos_date,
                crc=crc,
                compressed_size=compressed_size,
                size=size,
                external_attr=((0o100000 | mode) << 16),
                offset=offset,
            )
        )

    def _write_central_directory(self) -> None:
        start = self._out.tell()
        for c in self._central:
            zip64_fields = [v for v in (c.size, c.compressed_size, c.offset) if v >= _ZIP32_LIMIT]
            extra = b""
            size, csize, offset = c.size, c.compressed_size, c.offset
            if zip64_fields:
                # The zip64 extra holds, in this order, only the fields that overflow.
                values = []
                if c.size >= _ZIP32_LIMIT:
                    values.append(c.size)
                    size = _ZIP32_LIMIT
                if c.compressed_size >= _ZIP32_LIMIT:
                    values.append(c.compressed_size)
                    csize = _ZIP32_LIMIT
                if c.offset >= _ZIP32_LIMIT:
                    values.append(c.offset)
                    offset = _ZIP32_LIMIT
                extra = struct.pack("<HH", 0x0001, 8 * len(values)) + b"".join(struct.pack("<Q", v) for v in values)
            version = 45 if zip64_fields else 20
            self._out.write(
                _CENTRAL_HEADER.pack(
                    0x02014B50,
                    (3 << 8) | version,  # made by: Unix, so external_attr carries the mode
                    version,
                    c.flags,
                    8,
                    c.dos_time,
                    c.dos_date,
                    c.crc,
                    csize,
                    size,
                    len(c.name),
                    len(extra),
                    0,
                    0,
                    0,
                    c.external_attr,
                    offset,
                )
            )
            self._out.write(c.name)
            self._out.write(extra)
        end = self._out.tell()
        count, cd_size = len(self._central), end - start
        if count >= 0xFFFF or start >= _ZIP32_LIMIT or cd_size >= _ZIP32_LIMIT:
            self._out.write(_END_RECORD64.pack(0x06064B50, 44, 45, 45, 0, 0, count, count, cd_size, start))
            self._out.write(_END_LOCATOR64.pack(0x07064B50, 0, end, 1))
            self._out.write(
                _END_RECORD.pack(0x06054B50, 0, 0, 0xFFFF, 0xFFFF, _ZIP32_LIMIT, _ZIP32_LIMIT, 0)
            )
        else:
            self._out.write(_END_RECORD.pack(0x06054B50, 0, 0, count, count, cd_size, start, 0))
