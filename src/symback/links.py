"""The LINKS file (symlinks in wheels, draft PEP 778): a row, and writing the file.

The rules a link set must obey (``LinkTree``), reading LINKS out of wheels as hostile
input (``parse_links``, ``check_archive_path``) and the SONAME orientation live in
``linkrules``, off the start-up path of builds whose projects have no symlinks. Pure: no
filesystem access, no ``os.getcwd()``. The format and the rules are specified in
``docs/links-format.md``.

Paths are *archive paths*: relative to the wheel root (the purelib/platlib root), ``/``
separated, with no ``.``/``..``/empty segments. A row ``link_path,target_path`` means
"make a symlink at ``link_path`` whose (relative) value leads to ``target_path``".
"""

from __future__ import annotations

import re
from typing import Iterable, NamedTuple

from .errors import LinksError

__all__ = ["Link", "format_links"]

_WINDOWS_DRIVE_ABSOLUTE = r"[A-Za-z]:[\\/]"


def _show(value: str) -> str:
    """A path as it appears in messages: quoted, with invisible characters escaped."""
    return repr(value)


class Link(NamedTuple):
    """One row of LINKS: a symlink at ``path`` leading to ``target``.

    For release wheels both are archive paths; for symback's local editable wheels
    ``target`` is an absolute filesystem path.
    """

    path: str
    target: str

    def relative_target(self) -> str:
        """The symlink's value on disk: ``target`` relative to the directory of ``path``.

        Equivalent to ``posixpath.relpath(target, posixpath.dirname(path))`` for archive
        paths, but never consults the current directory (``relpath`` does, and fails for
        links at the top of the wheel). Release links only.
        """
        if self.target.startswith("/") or re.match(_WINDOWS_DRIVE_ABSOLUTE, self.target):
            raise ValueError(
                f"relative_target() needs a release link (archive-path target), "
                f"not {self.path!r} -> {self.target!r}"
            )
        start = self.path.split("/")[:-1]
        dest = self.target.split("/")
        common = 0
        while common < len(start) and common < len(dest) and start[common] == dest[common]:
            common += 1
        parts = [".."] * (len(start) - common) + dest[common:]
        return "/".join(parts) if parts else "."


def format_links(links: Iterable[Link]) -> bytes:
    """The LINKS file for ``links``: CSV rows ``path,target`` sorted by path, ``\\n`` ends.

    ``parse_links(format_links(links))`` gives the links back, sorted.
    """
    ordered = sorted(links)
    previous: str | None = None
    for link in ordered:
        if link.path == previous:
            raise LinksError(
                f"LINKS: link path {_show(link.path)} is given twice. List each link once."
            )
        previous = link.path
    if any("\r" in f or "\0" in f for link in ordered for f in link):
        # csv quotes these differently from one Python version to the next: let it decide.
        import csv
        import io

        buffer = io.StringIO(newline="")
        csv.writer(buffer, lineterminator="\n").writerows(ordered)
        return buffer.getvalue().encode("utf-8")
    # What csv.writer(lineterminator="\n") writes for every other row (csv itself is not
    # imported: start-up time); a unit test holds the two equal.
    from .common import record_row

    return "".join(record_row(link.path, link.target) for link in ordered).encode("utf-8")
