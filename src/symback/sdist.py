"""Source distributions: a deterministic ``{name}-{version}.tar.gz``.

Members are sorted, owned by uid/gid 0 with empty owner names, stamped with
``SOURCE_DATE_EPOCH`` (or 1980-01-01), mode 0644 or 0755; the gzip header carries no
file name and mtime 0. In-tree symlinks stay symlinks (tar can hold them), so an sdist
built wheel keeps them too.
"""

from __future__ import annotations

import gzip
import os
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

from .common import atomic_output, source_date_epoch

if TYPE_CHECKING:
    from .config import Project

_GZIP_LEVEL = 9  # sdists are built once and downloaded often


def sdist_filename(dist_name: str, version: str) -> str:
    return f"{dist_name}-{version}.tar.gz"


def build_sdist(project: "Project", sdist_directory: Path) -> str:
    """Build the sdist of ``project`` into ``sdist_directory``; return its file name."""
    from .files import select_sdist_files

    meta = project.metadata
    top = f"{meta.dist_name}-{meta.version}"
    name = sdist_filename(meta.dist_name, meta.version)
    members = select_sdist_files(project)
    mtime = source_date_epoch()
    pkg_info = meta.core_metadata()

    def info(rel: str) -> tarfile.TarInfo:
        ti = tarfile.TarInfo(f"{top}/{rel}")
        ti.mtime = mtime
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        return ti

    with atomic_output(sdist_directory / name) as tmp, open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=_GZIP_LEVEL) as gz:
            with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
                entries = [(m.rel, m) for m in members] + [("PKG-INFO", None)]
                for rel, member in sorted(entries, key=lambda e: e[0]):
                    ti = info(rel)
                    if member is None:
                        ti.size, ti.mode = len(pkg_info), 0o644
                        import io

                        tar.addfile(ti, io.BytesIO(pkg_info))
                    elif member.link_target is not None:
                        ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, member.link_target, 0o777
                        tar.addfile(ti)
                    else:
                        ti.mode = 0o755 if member.executable else 0o644
                        with open(member.source, "rb") as f:
                            ti.size = os.fstat(f.fileno()).st_size
                            tar.addfile(ti, f)
    return name
