"""A deterministic, streaming zip writer that deflates on every core.

Why not :mod:`zipfile`: it compresses in the calling thread only and cannot take data
that is already compressed. Here small files are read, hashed and deflated in jobs of
up to 256 files, and large files in 1 MiB blocks, on a thread pool (zlib and hashlib
release the GIL); the results are written in a fixed order, so the bytes never depend
on the number of threads. A project small enough to fit one job is done in the calling
thread: starting threads would cost more than they save.

Large files are cut into blocks the way pigz does it: every block is a raw deflate
stream primed with the previous 32 KiB as its dictionary and ended with a sync flush,
the last one with a finish; concatenated, they are one valid deflate stream. Memory
stays bounded by the blocks in flight, whatever the file size.

Every entry is stored with a fixed timestamp, fixed permissions (0644, or 0755 when
executable) and no extra fields beyond zip64 where sizes demand it.
"""

from __future__ import annotations

import binascii
import os
import struct
import zlib
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Deque, Iterator, List, NamedTuple, Optional, Tuple, Union

if TYPE_CHECKING:
    from queue import SimpleQueue

BLOCK_SIZE = 1 << 20  # a large file is deflated in blocks of this size
_WINDOW = 1 << 15  # deflate's window: the dictionary handed to the next block
_MIN_LOOKAHEAD = 262  # zlib: matches reach at most (window - this) bytes back
_SMALL_BATCH_BYTES = 32 << 20  # at most this many bytes of small files in flight
_JOB_FILES = 256  # small files are packed in jobs of at most this many files...
_JOB_BYTES = 1 << 20  # ...or this many bytes
# Below this average file size a job is mostly Python-level work that holds the GIL, so
# more threads only contend: such jobs go to a single worker, in order.
_PARALLEL_MIN_AVERAGE = 2 << 10  # measured: parallel wins at 3 KB per file, loses at 1 KB
# A last job this small, with nothing else in flight, is deflated in the calling thread:
# a whole small project costs less than starting a thread (and importing threading).
_INLINE_BYTES = 256 << 10
_ZIP32_LIMIT = 0xFFFFFFFF
_LEVEL = 6  # zlib's default: the size/speed trade-off every other backend makes

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END_RECORD = struct.Struct("<IHHHHIIH")
_END_RECORD64 = struct.Struct("<IQHHIIQQQQ")
_END_LOCATOR64 = struct.Struct("<IIQI")


class EntryDigest(NamedTuple):
    """What a RECORD row needs to know about an entry."""

    sha256: str  # "sha256=<urlsafe base64, no padding>"
    size: int


class _Central(NamedTuple):
    """A written entry, as the central directory describes it."""

    name: bytes  # UTF-8
    flags: int
    crc: int
    compressed_size: int
    size: int
    mode: int
    offset: int


def _flags(arcname: str) -> int:
    return 0 if arcname.isascii() else 0x800  # bit 11: the name is UTF-8


def _dos_datetime(epoch: int) -> Tuple[int, int]:
    import time

    t = time.gmtime(epoch)
    dos_time = (t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2)
    dos_date = ((t.tm_year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday
    return dos_time, dos_date


def deflate_block(data: bytes, zdict: Optional[bytes], last: bool, level: int = _LEVEL) -> bytes:
    """One block of a raw deflate stream cut into blocks (pigz-style, see above).

    ``zdict`` is the end of the previous block (None for the first); the last block
    finishes the stream, the others end with a sync flush, so the blocks concatenate.
    """
    if zdict is None and last:
        return _deflate_whole(data, level)
    if zdict:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, zdict)
    else:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _deflate_whole(data: bytes, level: int = _LEVEL) -> bytes:
    """One complete raw deflate stream, with a window just large enough for ``data``.

    zlib's default state (32 KiB window, memLevel 8) is ~260 KiB of buffers; setting it
    up and tearing it down costs more than deflating a typical 3 KB module, because
    glibc hands that memory back to the kernel after every call. A window that still
    covers the whole input (so no match is out of reach) with a hash table scaled to
    it (zlib's default ratio) halves the time for small files and gives the same sizes.
    The parameters depend only on the length: the bytes stay reproducible.
    """
    wbits = min(15, max(9, (len(data) + _MIN_LOOKAHEAD - 1).bit_length()))
    compressor = zlib.compressobj(level, zlib.DEFLATED, -wbits, wbits - 7)
    return compressor.compress(data) + compressor.flush()


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _record_hash(digest: bytes) -> str:
    """``sha256=<urlsafe base64, no padding>`` (``base64`` itself is not imported)."""
    return "sha256=" + binascii.b2a_base64(digest, newline=False).rstrip(b"=").translate(_URLSAFE).decode("ascii")


def _sha256() -> Callable[[bytes], Any]:
    """OpenSSL's sha256 (``hashlib``): many times faster on large inputs."""
    from hashlib import sha256

    return sha256


def _inline_sha256() -> Callable[[bytes], Any]:
    """The sha256 for an archive small enough to be done in the calling thread.

    Importing ``hashlib`` loads OpenSSL (~3-4 ms of start-up), more than hashing a small
    project's few hundred KiB costs with CPython's own sha256 module (``_sha2`` from
    3.12, ``_sha256`` before; ~10x slower per byte, the same digest). Builds without
    that module (it is optional) use hashlib.
    """
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]  # 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found,no-redef]  # 3.9-3.11
        except ImportError:
            return _sha256()
    return sha256  # type: ignore[no-any-return]


def read_whole(path: Union[str, Path], size: int) -> bytes:
    """The whole file; ``size`` is what ``stat`` said, so one ``read`` usually does it."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        data = os.read(fd, size + 1)
        if len(data) <= size:  # a regular file returns less than asked only at its end
            return data
        chunks = [data]  # it grew since it was stat-ed: take all there is now
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


# (name, flags, mode, data or path, size) of each file in a job, as the main thread queued it.
_JobItem = Tuple[bytes, int, int, Union[str, Path, bytes], int]
# (crc32, compressed size, size, RECORD hash, offset within the job's bytes) of each file.
_Packed = Tuple[int, int, int, str, int]


def _pack_job(
    items: List[_JobItem], dos_time: int, dos_date: int, sha256: Callable[[bytes], Any]
) -> Tuple[bytes, List[_Packed]]:
    """Read, hash and deflate a job of small files into their finished local entries.

    Runs on a worker thread and does all per-file work there, headers included, so the
    main thread only writes one block per job: a thread that must re-take the GIL after
    every short zlib call would otherwise wait on the main thread's Python work.
    """
    parts: List[bytes] = []
    packed: List[_Packed] = []
    offset = 0
    for name, flags, _mode, source, size in items:
        data = source if isinstance(source, bytes) else read_whole(source, size)
        crc = zlib.crc32(data)
        compressed = _deflate_whole(data)
        header = _local_header(name, flags, crc, len(compressed), len(data), dos_time, dos_date)
        parts += (header, compressed)
        packed.append((crc, len(compressed), len(data), _record_hash(sha256(data).digest()), offset))
        offset += len(header) + len(compressed)
    return b"".join(parts), packed


def _local_header(
    name: bytes, flags: int, crc: int, compressed_size: int, size: int, dos_time: int, dos_date: int, zip64: bool = False
) -> bytes:
    if zip64:
        extra = struct.pack("<HHQQ", 0x0001, 16, size, compressed_size)
        compressed_size = size = _ZIP32_LIMIT
    else:
        extra = b""
    header = _LOCAL_HEADER.pack(
        0x04034B50, 45 if zip64 else 20, flags, 8, dos_time, dos_date, crc, compressed_size, size, len(name), len(extra)
    )
    return header + name + extra


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


class Workers:
    """A first-in first-out pool of threads, started as tasks arrive.

    concurrent.futures would do, but importing it (and the logging it pulls in) costs
    more start-up time than the whole archive of a small project.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self._queue: "Optional[SimpleQueue[Optional[_Task]]]" = None  # made by the first submit
        self._threads: List[Any] = []
        self._cancelled = False

    def submit(self, call: Callable[..., Any], *args: Any) -> _Task:
        task = _Task(lambda: call(*args))
        if self._queue is None:
            from queue import SimpleQueue

            self._queue = SimpleQueue()
        self._queue.put(task)
        if len(self._threads) < self.count:
            import threading

            thread = threading.Thread(target=self._work, name="symback-zip", daemon=True)
            thread.start()
            self._threads.append(thread)
        return task

    def _work(self) -> None:
        assert self._queue is not None
        while True:
            task = self._queue.get()
            if task is None:
                return
            task.run(self._cancelled)

    def shutdown(self, *, cancel: bool = False) -> None:
        self._cancelled = cancel
        for _ in self._threads:
            self._queue.put(None)  # type: ignore[union-attr]  # threads imply a queue
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
        self._pool = Workers(workers or default_workers())
        self._serial = Workers(1)
        # Submitted jobs, oldest first: the job's files, its task, its bytes.
        self._pending: Deque[Tuple[List[_JobItem], _Task, int]] = deque()
        self._pending_bytes = 0
        self._job: List[_JobItem] = []  # not yet submitted
        self._job_bytes = 0
        self.digests: dict[str, EntryDigest] = {}
        self._names: set[str] = set()
        self._closed = False

    # -- public API ------------------------------------------------------------------

    def add_file(
        self, arcname: str, path: Union[str, Path], *, executable: bool = False, size: Optional[int] = None
    ) -> None:
        """Queue ``path`` as ``arcname``; large files are streamed block by block.

        ``size``, when the caller has just stat-ed the file, saves a second ``stat``; it
        only chooses the path (small or streamed): the bytes read are what is stored.
        """
        self._claim(arcname)
        if size is None:
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
        self._submit_job(last=True)
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

    def _queue_small(self, arcname: str, mode: int, source: Union[str, Path, bytes], size: int) -> None:
        if self._pending_bytes + self._job_bytes + size > _SMALL_BATCH_BYTES:
            self._submit_job()
            self._drain(until_bytes=_SMALL_BATCH_BYTES - size)
        self._job.append((arcname.encode("utf-8"), _flags(arcname), mode, source, size))
        self._job_bytes += size
        if len(self._job) >= _JOB_FILES or self._job_bytes >= _JOB_BYTES:
            self._submit_job()

    def _submit_job(self, *, last: bool = False) -> None:
        if not self._job:
            return
        if last and not self._pending and self._job_bytes <= _INLINE_BYTES:
            task = _Task(lambda job=self._job: _pack_job(job, self._dos_time, self._dos_date, _inline_sha256()))
            task.run(cancelled=False)
        else:
            pool = self._pool if self._job_bytes >= _PARALLEL_MIN_AVERAGE * len(self._job) else self._serial
            task = pool.submit(_pack_job, self._job, self._dos_time, self._dos_date, _sha256())
        self._pending.append((self._job, task, self._job_bytes))
        self._pending_bytes += self._job_bytes
        self._job, self._job_bytes = [], 0

    def _drain(self, until_bytes: int) -> None:
        while self._pending and (self._pending_bytes > until_bytes or until_bytes == 0):
            items, task, job_bytes = self._pending.popleft()
            self._pending_bytes -= job_bytes
            blob, packed = task.result()
            start = self._out.tell()
            self._out.write(blob)
            for (name, flags, mode, _, _), (crc, compressed_size, size, digest, offset) in zip(items, packed):
                self._central.append(_Central(name, flags, crc, compressed_size, size, mode, start + offset))
                self.digests[name.decode("utf-8")] = EntryDigest(digest, size)

    def _write_streamed(self, arcname: str, path: Path, size: int, mode: int) -> None:
        with open(path, "rb") as f:
            self._write_streamed_chunks(arcname, iter(lambda: f.read(BLOCK_SIZE), b""), size, mode)

    def _write_streamed_chunks(self, arcname: str, blocks: Iterator[bytes], size: int, mode: int) -> None:
        """Deflate blocks in parallel, write them in order, then patch the local header.

        The main thread only reads and writes; blocks are deflated on the pool and hashed
        (sha256 for RECORD, crc32 for zip) in order on a thread of their own.
        """
        offset = self._out.tell()
        name, flags = arcname.encode("utf-8"), _flags(arcname)
        # zip64 is decided from the uncompressed size, which is known up front; deflate
        # grows incompressible data by well under 1%, hence the margin.
        zip64 = size >= _ZIP32_LIMIT - (size >> 7) - 1024
        placeholder = _local_header(name, flags, 0, 0, size, self._dos_time, self._dos_date, zip64)
        self._out.write(placeholder)
        sha = _sha256()()
        crc = 0
        total = compressed_total = 0
        in_flight: Deque[_Task] = deque()
        max_in_flight = 2 * self._pool.count
        hasher = Workers(1)  # one worker: FIFO, so updates stay in order

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
                in_flight.append(self._pool.submit(deflate_block, block, zdict, following is None))
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
        header = _local_header(name, flags, crc, compressed_total, total, self._dos_time, self._dos_date, zip64)
        if len(header) != len(placeholder):  # pragma: no cover - invariant
            raise AssertionError("local header length changed while patching")
        self._out.write(header)
        self._out.seek(end)
        self._central.append(_Central(name, flags, crc, compressed_total, total, mode, offset))
        self.digests[arcname] = EntryDigest(_record_hash(sha.digest()), total)

    def _write_central_directory(self) -> None:
        start = self._out.tell()
        parts: List[bytes] = []
        for c in self._central:
            size, csize, offset = c.size, c.compressed_size, c.offset
            extra = b""
            if size >= _ZIP32_LIMIT or csize >= _ZIP32_LIMIT or offset >= _ZIP32_LIMIT:
                # The zip64 extra holds, in this order, only the fields that overflow.
                values = [v for v in (size, csize, offset) if v >= _ZIP32_LIMIT]
                extra = struct.pack(f"<HH{len(values)}Q", 0x0001, 8 * len(values), *values)
                size, csize, offset = (min(v, _ZIP32_LIMIT) for v in (size, csize, offset))
            version = 45 if extra else 20
            parts += (
                _CENTRAL_HEADER.pack(
                    0x02014B50,
                    (3 << 8) | version,  # made by: Unix, so external_attr carries the mode
                    version,
                    c.flags,
                    8,
                    self._dos_time,
                    self._dos_date,
                    c.crc,
                    csize,
                    size,
                    len(c.name),
                    len(extra),
                    0,
                    0,
                    0,
                    (0o100000 | c.mode) << 16,  # a regular file with these permissions
                    offset,
                ),
                c.name,
                extra,
            )
        directory = b"".join(parts)
        self._out.write(directory)
        end = start + len(directory)
        count, cd_size = len(self._central), len(directory)
        if count >= 0xFFFF or start >= _ZIP32_LIMIT or cd_size >= _ZIP32_LIMIT:
            self._out.write(_END_RECORD64.pack(0x06064B50, 44, 45, 45, 0, 0, count, count, cd_size, start))
            self._out.write(_END_LOCATOR64.pack(0x07064B50, 0, end, 1))
            self._out.write(_END_RECORD.pack(0x06054B50, 0, 0, 0xFFFF, 0xFFFF, _ZIP32_LIMIT, _ZIP32_LIMIT, 0))
        else:
            self._out.write(_END_RECORD.pack(0x06054B50, 0, 0, count, count, cd_size, start, 0))
