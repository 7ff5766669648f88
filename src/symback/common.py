"""Small helpers shared by every part of symback."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from pathlib import Path
from typing import Any, Iterator

from .errors import BuildError

ZIP_EPOCH_MIN = 315532800  # 1980-01-01T00:00:00Z: the earliest time a zip entry can carry
ZIP_EPOCH_MAX = 4354819198  # 2107-12-31T23:59:58Z: the latest
_NAME_SEPARATORS = r"[-_.]+"  # compiled on first use (re caches it)


def normalize_name(name: str) -> str:
    """The PEP 503 normalised form of a project name (``Foo.Bar_baz`` -> ``foo-bar-baz``)."""
    return re.sub(_NAME_SEPARATORS, "-", name).lower()


def filename_name(name: str) -> str:
    """The name as it stands in wheel and sdist file names (``foo_bar_baz``)."""
    return re.sub(_NAME_SEPARATORS, "_", name).lower()


DATA_SCHEMES = ("purelib", "platlib", "scripts", "headers", "data")  # a wheel's <name>.data/<scheme>/


def dist_info_name(dist_name: str, version: str) -> str:
    """``name-1.0.dist-info``: the wheel's metadata directory."""
    return f"{dist_name}-{version}.dist-info"


def data_dir_name(dist_name: str, version: str) -> str:
    """``name-1.0.data``: files of other install schemes ship as ``{this}/{scheme}/{rel}``."""
    return f"{dist_name}-{version}.data"


def record_row(*fields: str) -> str:
    """One RECORD (or LINKS) line, quoted as ``csv.writer(lineterminator="\\n")`` would
    for fields without ``\\r`` or NUL (csv itself is not imported: start-up time)."""
    line = ",".join(fields)  # the usual row needs no quotes: one check on the joined line
    if line.count(",") < len(fields) and '"' not in line and "\n" not in line and "\r" not in line:
        return line + "\n"
    quoted = ('"' + f.replace('"', '""') + '"' if any(c in f for c in ',"\r\n') else f for f in fields)
    return ",".join(quoted) + "\n"


def source_date_epoch() -> int:
    """Timestamp for archive members: ``SOURCE_DATE_EPOCH`` if set, else 1980-01-01 (not
    "now": every build is reproducible). Values outside what a zip can store are clamped."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return ZIP_EPOCH_MIN
    try:
        value = int(raw)
    except ValueError:
        from .problems import source_date_epoch_error

        raise source_date_epoch_error(raw) from None
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
    except (OSError, ValueError, RecursionError) as error:  # said in one line by problems.py
        from .problems import toml_error

        raise toml_error(path, error, tomllib.TOMLDecodeError) from None


def resource_problem(error: BaseException, path: "str | os.PathLike[str] | None") -> "str | None":
    """One sentence naming ``path`` and what ran out (ENOSPC, EDQUOT), else None (``problems``)."""
    from .problems import resource_problem

    return resource_problem(error, path)


@contextlib.contextmanager
def atomic_output(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it into place only on success, so
    a build that fails part-way never leaves a half-written archive that looks finished."""
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = _exclusive_temp(final)
    except OSError as error:
        from .problems import raise_resource_problem

        raise_resource_problem(error, final.parent)
        raise
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o644 & ~umask)
        os.replace(tmp, final)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        from .problems import raise_resource_problem

        raise_resource_problem(error, final)  # the half-written file is gone: say what ran out
        raise


def _exclusive_temp(final: Path) -> Path:
    """A new empty file beside ``final``, unique to this call (not tempfile: start-up time)."""
    for attempt in range(1000):
        tmp = final.with_name(f".{final.name}.{os.getpid()}-{attempt}.part")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            continue
        return tmp
    raise BuildError(f"{final.parent}: cannot create a temporary file there. Remove stale *.part files.")


def posix_relpath(path: Path, start: Path) -> str:
    """``path`` relative to ``start``, with ``/`` separators."""
    return Path(os.path.relpath(path, start)).as_posix()
