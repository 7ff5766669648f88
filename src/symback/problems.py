"""What went wrong, said in one line, for ``common``'s helpers: a TOML file that cannot be
loaded, a resource that ran out (ENOSPC, EDQUOT), a ``SOURCE_DATE_EPOCH`` that is not a
number. Imported only when something failed."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .errors import BuildError, ConfigError


def toml_error(path: Path, error: BaseException, decode_error: type) -> ConfigError:
    """The ConfigError for the OSError, ValueError or RecursionError ``error`` raised while
    loading ``path`` (``decode_error``: the parser's ``TOMLDecodeError``, a ValueError)."""
    if isinstance(error, FileNotFoundError):
        return ConfigError(
            f"{path}: file not found. Run the build from the project directory, the one "
            "that holds pyproject.toml."
        )
    if isinstance(error, decode_error):
        return ConfigError(f"{path.name}: invalid TOML: {error}. Fix the syntax there.")
    if isinstance(error, UnicodeDecodeError):
        return ConfigError(
            f"{path.name}: byte {error.start}: not valid UTF-8 ({error.reason}); TOML files are "
            "UTF-8. Save the file as UTF-8."
        )
    if isinstance(error, ValueError):  # after TOMLDecodeError, its subclass: an integer of 5,000 digits
        return ConfigError(
            f"{path.name}: a value the TOML parser cannot hold ({str(error)[:100]}). Shorten it "
            "(write a huge number as a string)."
        )
    if isinstance(error, RecursionError):
        return ConfigError(
            f"{path.name}: arrays or inline tables are nested too deeply for the TOML parser. "
            "Flatten them (no real configuration nests more than a few levels)."
        )
    return ConfigError(f"{path}: cannot be read ({getattr(error, 'strerror', None) or error}). Check the file.")


def resource_problem(error: BaseException, path: "str | os.PathLike[str] | None") -> "str | None":
    """For an OSError saying a resource ran out (ENOSPC, EDQUOT), one sentence naming
    ``path`` and what ran out (disk space, inodes or the quota); None for any other error."""
    import errno

    code = getattr(error, "errno", None)
    if code not in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return None
    where = os.fspath(path) if path is not None else "the output directory"
    if code != errno.ENOSPC:
        return (f"{where}: your disk quota on that file system is used up (EDQUOT). Free "
                "some of it (or ask for a larger quota) and run the command again.")
    what = "disk space"
    probe = where
    while probe and not os.path.exists(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    if hasattr(os, "statvfs"):
        with contextlib.suppress(OSError):
            st = os.statvfs(probe)
            if st.f_files and st.f_favail == 0 and st.f_bavail > 0:
                what = "inodes (it can hold no more files, though space is left)"
    return (f"{where}: the file system holding it is out of {what} (ENOSPC). Free some there, "
            "or write elsewhere, and run the command again.")


def raise_resource_problem(error: BaseException, path: Path) -> None:
    """A BuildError saying what ran out, if ``error`` says a resource did (``atomic_output``)."""
    problem = resource_problem(error, path)
    if problem is not None:
        raise BuildError(problem) from None


def source_date_epoch_error(raw: str) -> BuildError:
    return BuildError(
        f"environment: SOURCE_DATE_EPOCH: {raw!r} is not a whole number of seconds. "
        "Set it to a Unix timestamp such as $(git log -1 --format=%ct), or unset it."
    )
