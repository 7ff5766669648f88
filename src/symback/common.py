"""Small helpers shared by every part of symback."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from pathlib import Path
from typing import Any, Iterator

from .errors import BuildError, ConfigError

# 1980-01-01T00:00:00Z: the earliest time a zip entry can carry.
ZIP_EPOCH_MIN = 315532800
# 2107-12-31T23:59:58Z: the latest.
ZIP_EPOCH_MAX = 4354819198

_NAME_SEPARATORS = r"[-_.]+"  # compiled on first use (re caches it)


def normalize_name(name: str) -> str:
    """The PEP 503 normalised form of a project name (``Foo.Bar_baz`` -> ``foo-bar-baz``)."""
    return re.sub(_NAME_SEPARATORS, "-", name).lower()


def filename_name(name: str) -> str:
    """The name as it stands in wheel and sdist file names (``foo_bar_baz``)."""
    return re.sub(_NAME_SEPARATORS, "_", name).lower()


# The install schemes a wheel's ``<name>-<version>.data/<scheme>/`` directory may name.
DATA_SCHEMES = ("purelib", "platlib", "scripts", "headers", "data")


def dist_info_name(dist_name: str, version: str) -> str:
    """``name-1.0.dist-info``: the wheel's metadata directory."""
    return f"{dist_name}-{version}.dist-info"


def data_dir_name(dist_name: str, version: str) -> str:
    """``name-1.0.data``: the wheel's directory of other install schemes (``scripts``,
    ``data``, ``headers``, ...). Build-path code that ships such files names them
    ``f"{data_dir_name(...)}/{scheme}/{rel}"``."""
    return f"{dist_name}-{version}.data"


def record_row(*fields: str) -> str:
    """One RECORD (or LINKS) line, quoted as ``csv.writer(lineterminator="\\n")`` would
    for fields without ``\\r`` or NUL (csv itself is not imported: start-up time)."""
    quoted = ('"' + f.replace('"', '""') + '"' if any(c in f for c in ',"\r\n') else f for f in fields)
    return ",".join(quoted) + "\n"


def source_date_epoch() -> int:
    """Timestamp for archive members: ``SOURCE_DATE_EPOCH`` if set, else 1980-01-01.

    A fixed default (rather than "now") keeps every build reproducible even when the
    variable is not set. Values outside what a zip can store are clamped.
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return ZIP_EPOCH_MIN
    try:
        value = int(raw)
    except ValueError:
        raise BuildError(
            f"environment: SOURCE_DATE_EPOCH: {raw!r} is not a whole number of seconds. "
            "Set it to a Unix timestamp such as $(git log -1 --format=%ct), or unset it."
        ) from None
    return min(max(value, ZIP_EPOCH_MIN), ZIP_EPOCH_MAX)


def load_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error names the file and the position."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: file not found. Run the build from the project directory, the one "
            "that holds pyproject.toml."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path.name}: invalid TOML: {error}. Fix the syntax there.") from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{path.name}: byte {error.start}: not valid UTF-8 ({error.reason}); TOML files are "
            "UTF-8. Save the file as UTF-8."
        ) from None
    except ValueError as error:  # after TOMLDecodeError, its subclass: an integer of 5,000 digits
        raise ConfigError(
            f"{path.name}: a value the TOML parser cannot hold ({str(error)[:100]}). Shorten it "
            "(write a huge number as a string)."
        ) from None
    except RecursionError:
        raise ConfigError(
            f"{path.name}: arrays or inline tables are nested too deeply for the TOML parser. "
            "Flatten them (no real configuration nests more than a few levels)."
        ) from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error}). Check the file.") from None


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


@contextlib.contextmanager
def atomic_output(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it into place only on success.

    A build that fails part-way thus never leaves a half-written archive where a
    frontend (or a user) would take it for a finished one.
    """
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = _exclusive_temp(final)
    except OSError as error:
        problem = resource_problem(error, final.parent)
        if problem is None:
            raise
        raise BuildError(problem) from None
    try:
        yield tmp
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, final)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        problem = resource_problem(error, final)
        if problem is not None:  # the half-written file is gone; say what ran out, where
            raise BuildError(problem) from None
        raise


def _exclusive_temp(final: Path) -> Path:
    """Create and return a new empty file beside ``final``, unique to this call.

    (tempfile would do this too, but importing it costs every build hook start-up time.)
    """
    for attempt in range(1000):
        tmp = final.with_name(f".{final.name}.{os.getpid()}-{attempt}.part")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            continue
        return tmp
    raise BuildError(f"{final.parent}: cannot create a temporary file there. Remove stale *.part files.")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def posix_relpath(path: Path, start: Path) -> str:
    """``path`` relative to ``start``, with ``/`` separators."""
    return Path(os.path.relpath(path, start)).as_posix()
