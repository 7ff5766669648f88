"""What both archive writers (``zipwriter``, ``targz``) do to bytes on every path: read a
file whole, deflate it as one raw stream (``bigarchive`` cuts larger ones into blocks)."""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Union

LEVEL = 6  # zlib's default: the size/speed trade-off every other backend makes for wheels
_MIN_LOOKAHEAD = 262  # zlib: matches reach at most (window - this) bytes back
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)  # binary on Windows


def read_whole(path: Union[str, Path], size: int) -> bytes:
    """The whole file; ``size`` is what ``stat`` said, so one ``read`` usually does it."""
    fd = os.open(path, _READ_FLAGS)
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


def deflate_whole(data: bytes, level: int = LEVEL) -> bytes:
    """One complete raw deflate stream, with a window just large enough for ``data``.

    zlib's default state (32 KiB window, memLevel 8) is ~260 KiB of buffers, which cost
    more to set up than deflating a typical module; a window that still covers the whole
    input, with a hash table scaled to it, halves the time at the same size. The
    parameters depend only on the length: the bytes stay reproducible (design.md).
    """
    wbits = min(15, max(9, (len(data) + _MIN_LOOKAHEAD - 1).bit_length()))
    compressor = zlib.compressobj(level, zlib.DEFLATED, -wbits, wbits - 7)
    return compressor.compress(data) + compressor.flush()
