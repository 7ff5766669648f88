"""Source distributions: a deterministic ``{name}-{version}.tar.gz``.

Members are sorted, owned by uid/gid 0 with empty owner names, stamped with
``SOURCE_DATE_EPOCH`` (or 1980-01-01), mode 0644 or 0755; the gzip header carries no
file name and mtime 0. In-tree symlinks stay symlinks (tar can hold them), so an sdist
built wheel keeps them too. The archive is written by :mod:`symback.targz` (pax tar,
gzip level 9 deflated on every core).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .common import atomic_output, source_date_epoch

if TYPE_CHECKING:
    from .config import Project


def sdist_filename(dist_name: str, version: str) -> str:
    return f"{dist_name}-{version}.tar.gz"


def build_sdist(project: "Project", sdist_directory: Path) -> str:
    """Build the sdist of ``project`` into ``sdist_directory``; return its file name."""
    from .files import select_sdist_files
    from .targz import TarGzWriter

    meta = project.metadata
    top = f"{meta.dist_name}-{meta.version}"
    name = sdist_filename(meta.dist_name, meta.version)
    members = {m.rel: m for m in select_sdist_files(project)}
    members.pop("PKG-INFO", None)  # an sdist's own, when an sdist is built from one: ours replaces it
    generated = {}
    if project.tool.version:  # [tool.symback.version] file: the version module, written here
        from .versions import generated_file

        module = generated_file(project.root, project.tool.version, meta.version)
        if module is not None:
            members.pop(module.rel, None)
            generated[module.rel] = module.data
    pkg_info = meta.core_metadata()
    with atomic_output(sdist_directory / name) as tmp, open(tmp, "wb") as raw:
        with TarGzWriter(raw, mtime=source_date_epoch()) as tar:
            for rel in sorted([*members, *generated, "PKG-INFO"]):
                member = members.get(rel)
                if rel in generated:
                    tar.add_bytes(f"{top}/{rel}", generated[rel])
                elif member is None:
                    tar.add_bytes(f"{top}/PKG-INFO", pkg_info)
                elif member.link_target is not None:
                    tar.add_symlink(f"{top}/{rel}", member.link_target)
                else:
                    tar.add_file(f"{top}/{rel}", member.source, executable=member.executable, size=member.size)
    return name
