"""The installer's commit journal, its per-environment lock and its signal handling.

``symback install`` and ``symback uninstall`` change an environment as one *operation*:

* :func:`locked` holds a lock file (``.symback.lock`` in the scheme's purelib) for the whole
  operation, so two symback processes never change one environment at once.
* :class:`Operation` keeps an on-disk journal (``.symback-journal.json`` beside the lock),
  written *before* each phase: first the temporary directories it will create (so a killed
  run's are found again), then the whole commit as a list of steps (renames and ``mkdir``),
  fsynced before the first step runs. A rename is atomic, so after a kill each step is
  either done or not, and the file system tells which: the journal needs no entry after a
  step, and a kill between a rename and its journal entry cannot lose a file.
* :func:`recover`, run under the lock at the start of every operation, finds the journal of
  an interrupted one and finishes it (the commit had begun: the remaining steps run) or
  undoes it (it was still staging, or rolling back), then removes its temporary
  directories and any other stale ``.symback-*`` directory.
* SIGINT and SIGTERM raise :class:`Interrupted` while staging (the operation rolls back) and
  are deferred while the commit runs (delivered once it is done). SIGKILL cannot be
  deferred: the journal covers it.

Only :mod:`symback.errors` is imported; :mod:`symback.install` drives this module.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import threading
import time
from typing import Any, Callable, Iterator, List, Optional, Sequence

from .errors import InstallError

__all__ = ["LOCK_NAME", "JOURNAL_NAME", "Interrupted", "Operation", "locked", "recover",
           "handle_signals", "deferred_signals", "remove_stale_temp_dirs"]

LOCK_NAME = ".symback.lock"
JOURNAL_NAME = ".symback-journal.json"
#: Temporary directories symback makes beside the scheme directories (a killed run's, or
#: those of versions before the journal, match too and are removed under the lock).
TEMP_PATTERN = re.compile(r"^\.symback-(stage|old)-")
_FORMAT = 1

Step = List[Any]  # ["rename", src, dst] | ["mkdir", path, mode] | ["rmdir", path, mode]


# ----------------------------------------------------------------------------- signals


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived. ``committed``: it was deferred until the commit was done."""

    def __init__(self, signum: int, committed: bool = False) -> None:
        super().__init__(signum)
        self.signum = signum
        self.committed = committed

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name


class _SignalState:
    deferring = False
    pending: Optional[int] = None


_STATE = _SignalState()


def _on_signal(signum: int, frame: object) -> None:
    if _STATE.deferring:
        _STATE.pending = signum  # delivered when the commit is done
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def handle_signals() -> Iterator[None]:
    """For the whole operation: SIGINT/SIGTERM raise :class:`Interrupted` (so the operation
    rolls back and cleans up) instead of killing the process with its files half-staged.

    Only the main thread can set signal handlers; elsewhere (symback used as a library in a
    thread) this does nothing and the caller's handlers apply.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    saved = {s: signal.signal(s, _on_signal) for s in wanted}
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def deferred_signals(*, committed: bool = True) -> Iterator[None]:
    """SIGINT/SIGTERM wait until the block is done (see :func:`handle_signals`).

    ``committed``: whether the block, once done, means the operation's changes are in
    place (a commit) or not (bookkeeping such as taking the lock, which a signal must not
    cut in two either: it would leave the lock file or a half-written journal behind).
    """
    outer = _STATE.deferring
    _STATE.deferring = True
    try:
        yield
    finally:
        _STATE.deferring = outer
    if not outer and _STATE.pending is not None:
        signum, _STATE.pending = _STATE.pending, None
        raise Interrupted(signum, committed=committed)


# ----------------------------------------------------------------------------- lock


@contextlib.contextmanager
def locked(
    directory: str, what: str, *, timeout: float, report: Callable[[str], None]
) -> Iterator[None]:
    """Hold the environment's lock (``directory/.symback.lock``) for the block.

    Waits up to ``timeout`` seconds while another symback process holds it, saying once
    that it waits and for whom. The lock is an OS lock on an open file (``flock``; on
    Windows ``msvcrt.locking``), so the OS releases it when its holder dies, however it
    dies. The file is removed on release (a waiter that opened the removed file notices
    and retries on the new one), and so are the directories made for it, so a finished
    operation leaves nothing behind.
    """
    made = _makedirs(directory)
    path = os.path.join(directory, LOCK_NAME)
    deadline = time.monotonic() + timeout
    announced = False
    fd: Optional[int] = None
    try:
        while True:
            # Creating, locking and owning the file is one step for SIGINT/SIGTERM: a signal
            # in between would leave a lock file that no one removes. The wait stays
            # interruptible.
            with deferred_signals(committed=False):
                fd, holder = _acquire(path, what)
            if fd is not None:
                break
            if time.monotonic() >= deadline:
                raise InstallError(
                    f"{path}: another symback operation ({holder or 'unknown process'}) has held "
                    f"this environment's lock for more than {timeout:g} s. Wait for it to finish "
                    "and retry, or pass a longer --lock-timeout."
                )
            if not announced:
                report(f"waiting for {path}: another symback operation holds it ({holder or 'pid unknown'})")
                announced = True
            time.sleep(0.05)
        yield
    finally:
        with deferred_signals(committed=False):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.unlink(path)
                os.close(fd)
            for d in reversed(made):
                with contextlib.suppress(OSError):
                    os.rmdir(d)


def _acquire(path: str, what: str) -> tuple[Optional[int], str]:
    """Open and lock ``path``: the locked descriptor (holding our pid), or None and the holder."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            got = _try_lock(fd)
            if got and _same_file(fd, path):
                os.ftruncate(fd, 0)
                os.write(fd, f"pid {os.getpid()}: {what}\n".encode("utf-8", "replace"))
                return fd, ""
        except BaseException:
            os.close(fd)
            raise
        holder = "" if got else _holder(fd)
        os.close(fd)
        if not got:
            return None, holder
        # got it, but the holder removed that file as we locked it: lock the new one


def _try_lock(fd: int) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, path: str) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


def _holder(fd: int) -> str:
    with contextlib.suppress(OSError):
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip() if hasattr(os, "pread") else ""
    return ""


def _makedirs(path: str) -> list[str]:
    """``os.makedirs``, returning the directories it made (outermost first)."""
    missing: list[str] = []
    while not os.path.isdir(path):
        missing.append(path)
        up = os.path.dirname(path)
        if up == path:
            break
        path = up
    made: list[str] = []
    for d in reversed(missing):
        try:
            os.mkdir(d)
        except FileExistsError:
            continue
        made.append(d)
    return made


# ----------------------------------------------------------------------------- durability


def _fsync_dir(path: str) -> None:
    if os.name == "nt":  # pragma: no cover - directories cannot be opened there
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_atomic(path: str, data: bytes, *, sync: bool) -> None:
    with deferred_signals(committed=False):  # no half-written .part left by a signal
        _write_replace(path, data, sync=sync)


def _write_replace(path: str, data: bytes, *, sync: bool) -> None:
    tmp = f"{path}.{os.getpid()}.part"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    if sync:
        _fsync_dir(os.path.dirname(path))


# ----------------------------------------------------------------------------- steps


class _Conflict(Exception):
    """A step can be neither found done nor done (something else changed the paths)."""


def _rename_forward(src: str, dst: str, before: Optional[Callable[[str], None]]) -> None:
    if not os.path.lexists(src):
        if os.path.lexists(dst):
            return  # done before the interruption
        raise _Conflict(f"{src} is gone and {dst} does not exist")
    if os.path.lexists(dst):
        raise _Conflict(f"{dst} exists already, where {src} was to go")
    if before is not None:
        before(dst)
    os.rename(src, dst)


def _rename_back(src: str, dst: str) -> None:
    if os.path.lexists(dst) and not os.path.lexists(src):
        _makedirs(os.path.dirname(src))
        os.rename(dst, src)


def _run_forward(steps: Sequence[Step], before: Optional[Callable[[str], None]] = None) -> None:
    for step in steps:
        if step[0] == "rename":
            _rename_forward(step[1], step[2], before)
        elif step[0] == "mkdir":
            if not os.path.isdir(step[1]) or os.path.islink(step[1]):
                os.mkdir(step[1], step[2])
        elif step[0] == "rmdir":  # a directory emptied by earlier steps, replaced by a file or link
            if os.path.isdir(step[1]) and not os.path.islink(step[1]):
                os.rmdir(step[1])
        else:  # pragma: no cover - a journal of a newer symback
            raise _Conflict(f"unknown step {step[0]!r}")


def _run_back(steps: Sequence[Step], prune: Sequence[Sequence[Any]]) -> list[str]:
    """Undo ``steps`` in reverse order; return what could not be undone."""
    failures: list[str] = []
    # Directories the operation removed (pruned) come back first, with their modes.
    for d, mode in sorted(prune, key=lambda dm: len(dm[0])):
        if not os.path.lexists(d):
            try:
                os.mkdir(d, mode)
                os.chmod(d, mode)
            except OSError as error:
                failures.append(f"mkdir {d}: {error}")
    for step in reversed(steps):
        try:
            if step[0] == "rename":
                _rename_back(step[1], step[2])
            elif step[0] == "mkdir":
                if os.path.isdir(step[1]) and not os.path.islink(step[1]) and not os.listdir(step[1]):
                    os.rmdir(step[1])
            elif step[0] == "rmdir":
                if not os.path.lexists(step[1]):
                    os.mkdir(step[1], step[2])
                    os.chmod(step[1], step[2])
        except OSError as error:
            failures.append(f"{step[0]} {step[2] if step[0] == 'rename' else step[1]}: {error}")
    return failures


def _prune(dirs: Sequence[Sequence[Any]]) -> None:
    """Remove the directories that are empty now, deepest first (never through a link)."""
    for d, _mode in sorted(dirs, key=lambda dm: dm[0].count(os.sep), reverse=True):
        if os.path.isdir(d) and not os.path.islink(d):
            with contextlib.suppress(OSError):
                if not os.listdir(d):
                    os.rmdir(d)


def _remove_tree(path: str) -> None:
    # rmtree unlinks symlinks, never follows them.
    shutil.rmtree(path, ignore_errors=True)
    if os.path.lexists(path) and not os.path.isdir(path):
        with contextlib.suppress(OSError):
            os.unlink(path)


# ----------------------------------------------------------------------------- operation


class Operation:
    """One install or uninstall, journalled in ``directory`` (under :func:`locked`)."""

    def __init__(self, directory: str, kind: str, what: str) -> None:
        self.path = os.path.join(directory, JOURNAL_NAME)
        self.token = secrets.token_hex(4)
        self.data: dict[str, Any] = {
            "format": _FORMAT, "kind": kind, "what": what, "pid": os.getpid(),
            "phase": "staging", "temp_dirs": [], "steps": [], "prune": [],
        }
        self._counter = 0
        self._closed = False  # finished, or left for the next run to recover
        self.committed = False  # the commit's steps are all done
        self.save(sync=True)

    def save(self, *, sync: bool = False) -> None:
        _write_atomic(self.path, json.dumps(self.data).encode("utf-8"), sync=sync)

    def temp_dir(self, near: str, kind: str) -> str:
        """A new directory ``.symback-<kind>-<token>-<n>`` in ``near`` (or its nearest existing
        parent), on the same file system as ``near``; journalled before it is made."""
        parent = near
        while not os.path.isdir(parent):
            up = os.path.dirname(parent)
            if up == parent:
                break
            parent = up
        self._counter += 1
        path = os.path.join(parent, f".symback-{kind}-{self.token}-{self._counter}")
        self.data["temp_dirs"].append(path)
        self.save()
        os.mkdir(path, 0o700)
        return path

    def commit(self, steps: list[Step], prune: list[list[Any]], *,
               sync_dirs: Sequence[str] = (), before_rename: Optional[Callable[[str], None]] = None) -> None:
        """Run ``steps`` (journalled and fsynced first) with SIGINT/SIGTERM deferred, then
        remove the ``prune`` directories left empty. On an error every step is undone."""
        with deferred_signals():
            self.data.update(phase="commit", steps=steps, prune=prune)
            self.save(sync=True)
            try:
                _run_forward(steps, before_rename)
            except (OSError, _Conflict) as error:
                failures = self._rollback()
                if failures:
                    self._closed = True
                    raise InstallError(
                        f"{self.data['what']}: failed ({error}), and rolling back failed too: "
                        f"{'; '.join(failures)}. The journal {self.path} keeps what is left to "
                        "undo: fix the cause and run symback install or uninstall again to finish it."
                    ) from None
                self.finish()
                raise InstallError(
                    f"{self.data['what']}: failed ({error}); every change was rolled back. Fix "
                    "the cause and run the command again."
                ) from None
            for d in sync_dirs:
                _fsync_dir(d)
            self.committed = True
            self.data["phase"] = "cleanup"
            self.save(sync=True)
            _prune(prune)

    def _rollback(self) -> list[str]:
        self.data["phase"] = "rollback"
        self.save(sync=True)
        return _run_back(self.data["steps"], [])

    def abort(self) -> None:
        """Undo whatever the operation did (before or during its commit) and clean up."""
        if self._closed:
            return
        with deferred_signals():
            if self.data["phase"] in ("commit", "rollback"):
                failures = self._rollback()
                if failures:
                    self._closed = True
                    raise InstallError(
                        f"{self.data['what']}: rolling back failed: {'; '.join(failures)}. Run "
                        "symback install or uninstall again to finish undoing it."
                    )
            self.finish()

    def finish(self) -> None:
        """Remove the temporary directories, then the journal."""
        self._closed = True
        for d in self.data["temp_dirs"]:
            _remove_tree(d)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


# ----------------------------------------------------------------------------- recovery


def recover(directory: str, scan: Sequence[str]) -> Optional[str]:
    """Finish or undo an interrupted operation journalled in ``directory``; remove stale
    temporary directories in ``scan``. Returns one line saying what was done, or None.

    Call it under :func:`locked`.
    """
    path = os.path.join(directory, JOURNAL_NAME)
    message = None
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raw = None
    if raw is not None:
        with deferred_signals():
            message = _recover(path, raw, scan)
    stale = remove_stale_temp_dirs(scan)
    for name in os.listdir(directory):  # a journal write a kill cut short
        if name.startswith(JOURNAL_NAME + ".") and name.endswith(".part"):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, name))
                stale += 1
    if stale and message is None:
        message = f"removed {stale} temporary file{'' if stale == 1 else 's'} left by an interrupted symback run"
    return message


def _recover(path: str, raw: bytes, roots: Sequence[str]) -> str:
    try:
        data = json.loads(raw.decode("utf-8"))
        phase, what, steps = data["phase"], data["what"], data["steps"]
        temp_dirs, prune = data["temp_dirs"], data["prune"]
        if data.get("format") != _FORMAT:
            raise ValueError(f"format {data.get('format')!r}")
        _check_paths(temp_dirs, steps, prune, roots)
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise InstallError(
            f"{path}: the journal of an interrupted symback operation cannot be read ({error}). "
            "Check the environment by hand (symback inspect, pip check), then delete the file."
        ) from None
    who = f"{what} (pid {data.get('pid')})"
    if phase == "commit":
        try:
            _run_forward(steps)
        except (OSError, _Conflict) as error:
            failures = _run_back(steps, [])
            if failures:
                raise InstallError(
                    f"{path}: the interrupted {who} can be neither finished ({error}) nor undone "
                    f"({'; '.join(failures)}). Fix these paths, then run the command again."
                ) from None
            done = f"undid the interrupted {who}: it could not be finished ({error})"
        else:
            _prune(prune)
            done = f"finished the interrupted {who}"
    elif phase == "cleanup":
        _prune(prune)
        done = f"finished the interrupted {who} (its commit was complete)"
    elif phase == "rollback":
        failures = _run_back(steps, [])
        if failures:
            raise InstallError(
                f"{path}: undoing the interrupted {who} failed: {'; '.join(failures)}. Fix these "
                "paths, then run the command again."
            )
        done = f"undid the interrupted {who}"
    else:  # staging: nothing outside its temporary directories was touched
        done = f"undid the interrupted {who}: it had not changed the environment yet"
    for d in temp_dirs:
        _remove_tree(d)
    os.unlink(path)
    return done + "; removed its temporary files"


def _check_paths(temp_dirs: Sequence[str], steps: Sequence[Step], prune: Sequence[Sequence[Any]],
                 roots: Sequence[str]) -> None:
    """ValueError unless every path the journal names is one symback could have written
    there: temporary directories named ``.symback-(stage|old)-*`` in a scheme directory (or
    an ancestor of one), everything else inside a scheme directory or a temporary one. A
    journal is acted on only then (a file planted in site-packages must not steer renames
    and deletions elsewhere)."""
    tops = [os.path.normpath(os.path.abspath(r)) for r in roots]

    def inside(path: object, dirs: Sequence[str]) -> bool:
        if not isinstance(path, str) or not os.path.isabs(path) or "\x00" in path:
            return False
        path = os.path.normpath(path)
        return ".." not in path.split(os.sep) and any(
            path == d or path.startswith(d.rstrip(os.sep) + os.sep) for d in dirs)

    for d in temp_dirs:
        if not isinstance(d, str) or not TEMP_PATTERN.match(os.path.basename(d)):
            raise ValueError(f"{d!r} is not a symback temporary directory")
        parent = os.path.normpath(os.path.dirname(d))
        if not any(t == parent or t.startswith(parent.rstrip(os.sep) + os.sep) for t in tops):
            raise ValueError(f"{d!r} lies outside the environment")
    allowed = tops + [os.path.normpath(d) for d in temp_dirs]
    for step in steps:
        paths = step[1:3] if step[0] == "rename" else step[1:2]
        if step[0] not in ("rename", "mkdir", "rmdir") or not all(inside(p, allowed) for p in paths):
            raise ValueError(f"the step {str(step)[:200]} lies outside the environment")
    for entry in prune:
        if not inside(entry[0], tops):
            raise ValueError(f"{str(entry[0])[:200]!r} lies outside the environment")


def remove_stale_temp_dirs(dirs: Sequence[str]) -> int:
    """Remove ``.symback-stage-*`` / ``.symback-old-*`` directories in ``dirs`` (and in the
    nearest existing parent of each missing one). Call under the lock: no live operation
    has any then. Returns how many were removed."""
    seen: set[str] = set()
    count = 0
    for d in dirs:
        while not os.path.isdir(d):
            up = os.path.dirname(d)
            if up == d:
                break
            d = up
        if d in seen:
            continue
        seen.add(d)
        try:
            names = os.listdir(d)
        except OSError:
            continue
        for name in names:
            if TEMP_PATTERN.match(name):
                _remove_tree(os.path.join(d, name))
                count += 1
    return count
