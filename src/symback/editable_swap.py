"""Replacing an editable tree that changed, and removing old trees and leftovers.

Imported by ``editable.materialize_tree`` only when a tree is already where the new one
goes (a reinstall that changes it), when leftovers of interrupted builds lie beside it,
or to clean up after a failure (``abandon``): a first install renames its new tree into
place itself, and a reinstall over an identical tree changes nothing. Temporary trees are
named ``.<tree>.<pid>-<hex>.tmp`` (``editable._new_name``), aside trees ``.<tree>.<pid>-<hex>.old``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import time
from pathlib import Path
from typing import Callable, Optional

from .errors import BuildError

# Leftover temporary trees of interrupted builds older than this are removed.
_STALE_SECONDS = 3600
# What ``rename`` over an existing tree fails with (a non-empty directory is there).
_OCCUPIED = (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR, errno.EACCES)


def swap_into_place(new: Path, final: Path, make_temp_dir: Callable[[Path, str, str], Path]) -> None:
    """Put the tree ``new`` at ``final`` and remove the tree that was there: exchanged
    atomically where the OS can, else renamed aside (into a directory ``make_temp_dir``
    creates) and removed. Retried while concurrent builds keep replacing it."""
    for _ in range(50):
        try:
            os.rename(new, final)  # works when nothing (or an empty directory) is there
            return
        except FileNotFoundError:
            if not os.path.lexists(new):
                raise
            continue
        except OSError as error:
            if error.errno not in _OCCUPIED:
                raise
        if _exchange(new, final):
            remove(new)  # `new` now names the old tree
            return
        aside = make_temp_dir(final.parent, f".{final.name}.", ".old")
        try:
            os.rename(final, aside / "tree")
        except FileNotFoundError:
            pass  # another build moved it first: try again
        try:
            os.rename(new, final)
            return
        except OSError as error:
            if error.errno not in _OCCUPIED:
                raise
        finally:
            remove(aside)
    raise BuildError(
        f"{final}: cannot replace the editable tree there: other builds keep replacing it. "
        "Run one editable install of this project at a time."
    )


def abandon(tmp: Path, error: BaseException, made_parent: Optional[Path]) -> None:
    """After ``error`` while making the tree ``tmp``: remove it, and ``made_parent`` (the
    build directory made for it) if that is empty; a full disk raises a BuildError saying
    so, any other error is the caller's to re-raise."""
    remove(tmp)
    if made_parent is not None:
        with contextlib.suppress(OSError):
            made_parent.rmdir()
    from .common import resource_problem

    problem = resource_problem(error, tmp.parent)
    if problem is not None:
        raise BuildError(problem) from None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def remove(path: Path) -> None:
    """Remove a file, a link (never its target) or a directory tree of them; quietly."""
    try:
        if os.path.islink(path) or not os.path.isdir(path):
            os.unlink(path)
        else:
            _remove_tree(path)
    except OSError:
        pass


def _remove_tree(path: "os.PathLike[str] | str") -> None:
    """``shutil.rmtree(path, ignore_errors=True)`` for a tree of links and directories:
    unlinks symlinks, never follows them (``shutil`` costs a reinstall start-up time)."""
    with contextlib.suppress(OSError), os.scandir(path) as entries:
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    _remove_tree(entry.path)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass
    with contextlib.suppress(OSError):
        os.rmdir(path)


def remove_leftovers(tree: Path) -> None:
    """Temporary trees that interrupted builds left beside ``tree``, whatever their age: a
    ``.tmp`` tree is named after the process that makes it, and only one whose process is
    gone (or, where that cannot be asked, older than an hour) is removed, so a concurrent
    build's tree in the making (and this build's own) stays."""
    now = time.time()
    prefix = f".{tree.name}."
    with contextlib.suppress(OSError):
        for item in os.scandir(tree.parent):
            if not item.name.startswith(prefix):
                continue
            if item.name.endswith(".old") or (
                item.name.endswith(".tmp") and (
                    _maker_gone(item.name[len(prefix):])
                    or now - item.stat(follow_symlinks=False).st_mtime > _STALE_SECONDS
                )
            ):
                remove(Path(item.path))


def _maker_gone(name: str) -> bool:
    """Whether the process whose id starts ``name`` (``<pid>-<hex>.tmp``) has exited."""
    pid = name.split("-", 1)[0]
    if os.name == "nt" or not pid.isdigit() or not pid.isascii():
        return False  # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (OSError, ValueError, OverflowError):
        return False
    return False
