"""The archive writers beyond what one job in the calling thread does (imported only then).

- :class:`Workers`: a first-in first-out thread pool (zlib and hashlib release the GIL).
- :func:`deflate_block`: a deflate stream cut into blocks, the way pigz does it: every block
  is primed with the previous 32 KiB as its dictionary and ended with a sync flush, the
  last one with a finish; concatenated, they are one valid deflate stream. ``targz``
  deflates its tar stream so, and the zip writer its large files.
- :class:`ZipJobs`: a :class:`~symback.zipwriter.ZipWriter`'s archive once it outgrows
  one inline job: small files in jobs of up to 256 files / 1 MiB on the pool, written
  in order; files over 1 MiB streamed block by block, so memory stays bounded by the
  blocks in flight whatever the file size; zip64 where sizes demand it.

It never imports ``zipwriter``: the zip writer hands over the functions that know its
format. Nothing here changes a byte: the output is the same whatever the thread count.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections import deque
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Deque, Iterator, List, Optional, Sequence, Tuple

from .deflate import LEVEL, deflate_whole

if TYPE_CHECKING:
    from queue import SimpleQueue

BLOCK_SIZE = 1 << 20  # a zip member larger than this is deflated in blocks of this size
WINDOW = 1 << 15  # deflate's window: the dictionary handed to the next block
_SMALL_BATCH_BYTES = 32 << 20  # at most this many bytes of small files in flight
_JOB_FILES = 256  # small files are packed in jobs of at most this many files...
_JOB_BYTES = 1 << 20  # ...or this many bytes
# A last job this small, with nothing else in flight, is packed in the calling thread.
_INLINE_BYTES = 256 << 10
_ZIP32_LIMIT = 0xFFFFFFFF
_END_RECORD64 = struct.Struct("<IQHHIIQQQQ")
_END_LOCATOR64 = struct.Struct("<IIQI")


def deflate_block(data: bytes, zdict: Optional[bytes], last: bool, level: int = LEVEL) -> bytes:
    """One block of a raw deflate stream cut into blocks (see above).

    ``zdict`` is the end of the previous block (None for the first); the last block
    finishes the stream, the others end with a sync flush, so the blocks concatenate.
    """
    if zdict is None and last:
        return deflate_whole(data, level)
    if zdict:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, zdict)
    else:
        compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


class Task:
    """One call run on a worker thread (or in the calling one); :meth:`result` waits for it."""

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
        self._queue: "Optional[SimpleQueue[Optional[Task]]]" = None  # made by the first submit
        self._threads: List[Any] = []
        self._cancelled = False

    def submit(self, call: Callable[..., Any], *args: Any) -> Task:
        task = Task(lambda: call(*args))
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


# zipwriter's job items: (name, flags, mode, data or path, size), and what packing one
# gives: (crc32, compressed size, size, RECORD hash, offset within the job's bytes).
_Item = Tuple[bytes, int, int, Any, int]
_Packed = Tuple[int, int, int, str, int]


class ZipJobs:
    """Packs and writes a zip writer's entries on threads, in the order they were added.

    ``pack(items, dos_time, dos_date, sha256) -> (bytes, packed)`` packs a job (on a
    worker); ``local_header`` (a ``struct.Struct``) and ``record_hash(digest)`` are the
    zip writer's; ``entries(items, start, packed)`` records written entries for its
    central directory and ``digests``.
    """

    def __init__(
        self, out: BinaryIO, workers: Optional[int], dos: Tuple[int, int], pack: Callable[..., Any],
        local_header: struct.Struct, record_hash: Callable[[bytes], str],
        entries: Callable[[List[_Item], int, List[_Packed]], None],
    ) -> None:
        from hashlib import sha256  # past one inline job, OpenSSL's speed pays for its loading

        self._out = out
        self._dos = dos
        self._pack, self._local_header, self._record_hash, self._entries = pack, local_header, record_hash, entries
        self._sha256 = sha256
        self._pool = Workers(workers or default_workers())
        # Submitted jobs, oldest first: the job's files, its task, its bytes.
        self._pending: Deque[Tuple[List[_Item], Task, int]] = deque()
        self._pending_bytes = 0
        self._job: List[_Item] = []  # not yet submitted
        self._job_bytes = 0

    def add_all(self, items: Sequence[_Item]) -> None:
        for item in items:
            self.add(item)

    def add(self, item: _Item) -> None:
        size = item[4]
        if size > BLOCK_SIZE:
            self.flush()
            self._write_streamed(item)
            return
        if self._pending_bytes + self._job_bytes + size > _SMALL_BATCH_BYTES:
            self._submit_job()
            self._drain(until_bytes=_SMALL_BATCH_BYTES - size)
        self._job.append(item)
        self._job_bytes += size
        if len(self._job) >= _JOB_FILES or self._job_bytes >= _JOB_BYTES:
            self._submit_job()

    def flush(self) -> None:
        self._submit_job(last=True)
        self._drain(until_bytes=0)

    def shutdown(self, *, cancel: bool = False) -> None:
        self._pool.shutdown(cancel=cancel)

    def _submit_job(self, *, last: bool = False) -> None:
        if not self._job:
            return
        if last and not self._pending and self._job_bytes <= _INLINE_BYTES:
            task = Task(lambda job=self._job: self._pack(job, *self._dos, self._sha256))
            task.run(cancelled=False)
        else:
            # Every job goes to the pool, however small its files: zlib's calls are most of
            # a job, so two threads cost no more CPU than one (design.md) and halve the wait.
            task = self._pool.submit(self._pack, self._job, *self._dos, self._sha256)
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
            self._entries(items, start, packed)

    def _header(self, name: bytes, flags: int, crc: int, compressed_size: int, size: int, zip64: bool) -> bytes:
        """A local header; with zip64, the sizes are in a zip64 extra field."""
        extra = b""
        if zip64:
            extra = struct.pack("<HHQQ", 0x0001, 16, size, compressed_size)
            compressed_size = size = _ZIP32_LIMIT
        return self._local_header.pack(
            0x04034B50, 45 if zip64 else 20, flags, 8, *self._dos, crc, compressed_size, size, len(name), len(extra)
        ) + name + extra

    def _write_streamed(self, item: _Item) -> None:
        source = item[3]
        if isinstance(source, bytes):
            view = memoryview(source)
            self._stream(item, (bytes(view[i : i + BLOCK_SIZE]) for i in range(0, len(source), BLOCK_SIZE)))
            return
        with open(source, "rb") as f:
            self._stream(item, iter(lambda: f.read(BLOCK_SIZE), b""))

    def _stream(self, item: _Item, blocks: Iterator[bytes]) -> None:
        """Deflate blocks in parallel, write them in order, then patch the local header.

        The main thread only reads and writes; blocks are deflated on the pool and hashed
        (sha256 for RECORD, crc32 for zip) in order on a thread of their own.
        """
        name, flags, _mode, _source, size = item
        offset = self._out.tell()
        # zip64 is decided from the uncompressed size, which is known up front; deflate
        # grows incompressible data by well under 1%, hence the margin.
        zip64 = size >= _ZIP32_LIMIT - (size >> 7) - 1024
        placeholder = self._header(name, flags, 0, 0, size, zip64)
        self._out.write(placeholder)
        sha = self._sha256()
        crc = 0
        total = compressed_total = 0
        in_flight: Deque[Task] = deque()
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
                zdict = block[-WINDOW:]
                block = following
            write_ready(0)
        finally:
            hasher.shutdown()
        if total != size:
            from .errors import BuildError

            arcname = name.decode("utf-8")
            raise BuildError(f"{arcname}: the file changed size while it was being archived. Build again.")
        end = self._out.tell()
        self._out.seek(offset)
        header = self._header(name, flags, crc, compressed_total, total, zip64)
        if len(header) != len(placeholder):  # pragma: no cover - invariant
            raise AssertionError("local header length changed while patching")
        self._out.write(header)
        self._out.seek(end)
        self._entries([item], offset, [(crc, compressed_total, total, self._record_hash(sha.digest()), 0)])


def write_central_directory64(
    out: BinaryIO, central: Sequence[Tuple[bytes, int, int, int, int, int, int]], dos: Tuple[int, int],
    central_header: struct.Struct, end_record: struct.Struct,
) -> None:
    """The zip writer's central directory where a size, an offset or the count needs zip64.

    ``central`` holds (name, flags, mode, crc, compressed size, size, offset) per entry.
    """
    start = out.tell()
    parts: List[bytes] = []
    for name, flags, mode, crc, csize, size, offset in central:
        extra = b""
        if size >= _ZIP32_LIMIT or csize >= _ZIP32_LIMIT or offset >= _ZIP32_LIMIT:
            # The zip64 extra holds, in this order, only the fields that overflow.
            values = [v for v in (size, csize, offset) if v >= _ZIP32_LIMIT]
            extra = struct.pack(f"<HH{len(values)}Q", 0x0001, 8 * len(values), *values)
            size, csize, offset = (min(v, _ZIP32_LIMIT) for v in (size, csize, offset))
        version = 45 if extra else 20
        parts += (
            central_header.pack(
                0x02014B50, (3 << 8) | version, version, flags, 8, *dos, crc, csize, size, len(name), len(extra),
                0, 0, 0, (0o100000 | mode) << 16, offset,
            ),
            name,
            extra,
        )
    directory = b"".join(parts)
    out.write(directory)
    end = start + len(directory)
    count, cd_size = len(central), len(directory)
    if count >= 0xFFFF or start >= _ZIP32_LIMIT or cd_size >= _ZIP32_LIMIT:
        out.write(_END_RECORD64.pack(0x06064B50, 44, 45, 45, 0, 0, count, count, cd_size, start))
        out.write(_END_LOCATOR64.pack(0x07064B50, 0, end, 1))
        out.write(end_record.pack(0x06054B50, 0, 0, 0xFFFF, 0xFFFF, _ZIP32_LIMIT, _ZIP32_LIMIT, 0))
    else:
        out.write(end_record.pack(0x06054B50, 0, 0, count, count, cd_size, start, 0))
