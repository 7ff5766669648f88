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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Deque, Iterator, List, Optional, Tuple, Union

BLOCK_SIZE = 1 << 20  # a large file is deflated in blocks of this size
_WINDOW = 1 << 15  # deflate's window: the dictionary handed to the next block
_SMALL_BATCH_BYTES = 32 << 20  # at most this many bytes of small files in flight
_JOB_FILES = 256  # small files are packed in jobs of at most this many files...
_JOB_BYTES = 1 << 20  # ...or this many bytes
# Below this average file size a job is mostly Python-level work that holds the GIL, so
# more threads only contend: such jobs go to a single worker, in order.
_PARALLEL_MIN_AVERAGE = 2 << 10  # measured: parallel wins at 3 KB per file, loses at 1 KB
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
    if zdict is None and last:
        # A whole stream: zlib.compress is several times faster than a compressobj for
        # small inputs. Its output is the raw deflate stream framed by a 2-byte zlib header
        # and a 4-byte Adler-32 trailer (its wbits argument is 3.11+ only).
        return zlib.compress(data, _LEVEL)[2:-4]
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


def _pack_batch(sources: "List[Union[Path, bytes]]") -> List[_Packed]:
    # One job per batch of small files: a future per file costs more than deflating it.
    return [_pack(s) if isinstance(s, bytes) else _pack_file(s) for s in sources]


class _Task:
    """One call run on a worker thread; :meth:`result` waits for it."""

    __slots__ = ("_call", "_value", "_error", "_done")

    def __init__(self, call: Callable[[], Any]) -> None:
        import _thread

        self._call = call
        self._value: Any = None
        self._error: Optional[BaseException] = None
        self._done = _thread.allocate_lock()
        self._done.acquire()

    def run(self, cancelled: bool) -> None:
        try:
            if cancelled:
                raise RuntimeError("the zip writer was closed before this task ran")
            self._value = self._call()
        except BaseException as error:  # handed to whoever waits for the result
            self._error = error
        finally:
            self._done.release()

    def result(self) -> Any:
        with self._done:
            pass
        if self._error is not None:
            raise self._error
        return self._value


class _Workers:
    """A first-in first-out pool of threads, started as tasks arrive.

    concurrent.futures would do, but importing it (and the logging it pulls in) costs
    more start-up time than the whole archive of a small project.
    """

    def __init__(self, count: int) -> None:
        from queue import SimpleQueue

        self.count = count
        self._queue: "SimpleQueue[Optional[_Task]]" = SimpleQueue()
        self._threads: List[Any] = []
        self._cancelled = False

    def submit(self, call: Callable[..., Any], *args: Any) -> _Task:
        task = _Task(lambda: call(*args))
        self._queue.put(task)
        if len(self._threads) < self.count:
            import threading

            thread = threading.Thread(target=self._work, name="symback-zip", daemon=True)
            thread.start()
            self._threads.append(thread)
        return task

    def _work(self) -> None:
        while True:
            task = self._queue.get()
            if task is None:
                return
            task.run(self._cancelled)

    def shutdown(self, *, cancel: bool = False) -> None:
        self._cancelled = cancel
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        self._threads = []


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
        self._pool = _Workers(workers or default_workers())
        self._serial = _Workers(1)
        # Submitted jobs, oldest first: (arcname, mode) of each entry, the job, its bytes.
        self._pending: Deque[Tuple[List[Tuple[str, int]], _Task, int]] = deque()
        self._pending_bytes = 0
        self._job: List[Tuple[str, int, Union[Path, bytes]]] = []  # not yet submitted
        self._job_bytes = 0
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
        self._queue_small(arcname, mode, path, size)

    def add_bytes(self, arcname: str, data: bytes, *, executable: bool = False) -> None:
        self._claim(arcname)
        mode = 0o755 if executable else 0o644
        if len(data) > BLOCK_SIZE:
            self.flush()
            view = memoryview(data)
            blocks = (bytes(view[i : i + BLOCK_SIZE]) for i in range(0, len(data), BLOCK_SIZE))
            self._write_streamed_chunks(arcname, blocks, len(data), mode)
            return
        self._queue_small(arcname, mode, data, len(data))

    def flush(self) -> None:
        """Write every queued entry."""
        self._submit_job()
        self._drain(until_bytes=0)

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
        for pool in (self._pool, self._serial):
            pool.shutdown(cancel=cancel)

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

    def _queue_small(self, arcname: str, mode: int, source: Union[Path, bytes], size: int) -> None:
        if self._pending_bytes + self._job_bytes + size > _SMALL_BATCH_BYTES:
            self._submit_job()
            self._drain(until_bytes=_SMALL_BATCH_BYTES - size)
        self._job.append((arcname, mode, source))
        self._job_bytes += size
        if len(self._job) >= _JOB_FILES or self._job_bytes >= _JOB_BYTES:
            self._submit_job()

    def _submit_job(self) -> None:
        if not self._job:
            return
        names = [(arcname, mode) for arcname, mode, _ in self._job]
        pool = self._pool if self._job_bytes >= _PARALLEL_MIN_AVERAGE * len(self._job) else self._serial
        future = pool.submit(_pack_batch, [source for _, _, source in self._job])
        self._pending.append((names, future, self._job_bytes))
        self._pending_bytes += self._job_bytes
        self._job, self._job_bytes = [], 0

    def _drain(self, until_bytes: int) -> None:
        while self._pending and (self._pending_bytes > until_bytes or until_bytes == 0):
            names, future, job_bytes = self._pending.popleft()
            self._pending_bytes -= job_bytes
            offset = self._out.tell()
            for (arcname, mode), packed in zip(names, future.result()):
                header = self._write_local_header(arcname, mode, packed.data_crc, len(packed.compressed), packed.size)
                self._out.write(packed.compressed)
                self._finish_entry(arcname, mode, packed.data_crc, len(packed.compressed), packed.size, offset)
                self.digests[arcname] = EntryDigest(_record_hash(packed.sha256), packed.size)
                offset += header + len(packed.compressed)

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
        in_flight: Deque[_Task] = deque()
        max_in_flight = 2 * self._pool.count
        hasher = _Workers(1)  # one worker: FIFO, so updates stay in order

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
            hasher.shutdown()
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
