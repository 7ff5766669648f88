"""Strict editable mode (``[tool.symback.editable] strict = true``): one link per file.

Imported by ``editable`` only in strict mode. The tree mirrors the release wheel's package
files (``files.select_wheel_files``), and relative links inside the sources are recreated
as the same relative links.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, Sequence, Tuple, TypeVar

from .errors import BuildError

if TYPE_CHECKING:
    from .files import PackageRoot
    from .filewalk import FileSet

T = TypeVar("T")


def strict_links(
    packages: Sequence["PackageRoot"], fileset: "FileSet", tree_link: Callable[..., T]
) -> Tuple[List[T], List[Tuple[str, str]]]:
    """Per-file links mirroring the release wheel's package files (not .data, not dist-info):
    the tree's links, made by ``tree_link`` (``editable.TreeLink``), and the LINKS rows."""
    tops = {p.import_path.split("/")[0] for p in packages}

    def wanted(arcname: str) -> bool:
        first = arcname.split("/")[0]
        return first in tops and not first.endswith((".data", ".dist-info"))

    by_arcname: Dict[str, str] = {}
    tree_links: List[T] = []
    rows: List[Tuple[str, str]] = []
    for f in fileset.files:
        if wanted(f.arcname):
            source = os.path.abspath(f.source)
            by_arcname[f.arcname] = source
            tree_links.append(tree_link(f.arcname, source))
            rows.append((f.arcname, source))
    for link in fileset.links:
        if not wanted(link.path):
            continue
        target_source = by_arcname.get(link.target) or _archive_source(link.target, packages)
        tree_links.append(
            tree_link(link.path, link.relative_target(), relative=True, is_dir=Path(target_source).is_dir())
        )
        rows.append((link.path, target_source))
    return tree_links, rows


def _archive_source(arcname: str, packages: Sequence["PackageRoot"]) -> str:
    """Where archive path ``arcname`` lives on disk, through the package roots."""
    for package in sorted(packages, key=lambda p: -len(p.import_path)):
        prefix = package.import_path
        if arcname == prefix:
            return os.path.abspath(package.source)
        if arcname.startswith(prefix + "/"):
            return os.path.abspath(Path(package.source) / arcname[len(prefix) + 1 :])
    raise BuildError(
        f"pyproject.toml: {arcname}: this link target lies outside the project's packages, so "
        "strict editable mode cannot link it. Move it into a package, or set "
        "[tool.symback.editable] strict = false."
    )
