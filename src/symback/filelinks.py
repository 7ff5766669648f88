"""Symlinks found while walking the project: where each points, and whether it may ship.

A link ships as a link (see ``links.py``) when it points, relatively, to something that
ships too (PEP 778: a link is selected exactly when its target is); anything else is a
build error naming the link. Imported only when a walk meets a symlink.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from .errors import BuildError
from .links import Link

if TYPE_CHECKING:
    from .filewalk import Found


def link_target(found: "Found", root: Path) -> Tuple[str, str]:
    """The symlink's raw value and the project-relative path it points to; an error if
    it cannot ship."""
    raw = os.readlink(found.path)
    fix = (
        "Make it a relative link to a file that ships, exclude it with "
        "[tool.symback] exclude, or replace it by a copy."
    )
    if os.path.isabs(raw) or raw.startswith("\\"):
        raise BuildError(f"{found.rel}: symlink to the absolute path {raw!r}: links must be relative. {fix}")
    target = posixpath.normpath(posixpath.join(posixpath.dirname(found.rel), raw.replace(os.sep, "/")))
    if target == ".." or target.startswith("../"):
        raise BuildError(f"{found.rel}: symlink to {raw!r} leaves the project directory. {fix}")
    if not os.path.lexists(root / target):
        raise BuildError(f"{found.rel}: dangling symlink: its target {raw!r} does not exist. {fix}")
    return raw, target


def shipped_dirs(shipped: Iterable[str]) -> Set[str]:
    """Every directory that holds one of the ``shipped`` paths (project-relative)."""
    return {rel.rsplit("/", i)[0] for rel in shipped for i in range(1, rel.count("/") + 1)}


def link_targets(raw_links: Dict[str, str], to_arc: Dict[str, str]) -> Iterator[Tuple[str, Optional[str]]]:
    """Each link (project-relative, sorted) and the archive path of its target: a shipped
    file or a directory holding one; None when the target does not ship."""
    dirs = shipped_dirs(to_arc)
    for rel, target in sorted(raw_links.items()):
        if target in to_arc:
            yield rel, to_arc[target]
        elif target in dirs:
            yield rel, _dir_arcname(target, to_arc)
        else:
            yield rel, None


def wheel_links(raw_links: Dict[str, str], to_arc: Dict[str, str]) -> List[Link]:
    """The wheel's links for the packages' symlinks (``raw_links``: project-relative link ->
    target); an error for a link whose target does not ship."""
    links = []
    for rel, target_arc in link_targets(raw_links, to_arc):
        if target_arc is None:
            raise BuildError(
                f"{rel}: symlink to {raw_links[rel]!r}, which is not in the wheel (it is outside the "
                "shipped packages, excluded, or ignored by .gitignore). A link ships only when "
                "its target does (PEP 778). Ship the target (e.g. [tool.symback] include), or "
                "exclude the link."
            )
        links.append(Link(to_arc[rel], target_arc))
    return links


def _dir_arcname(target_dir: str, to_arc: Dict[str, str]) -> str:
    prefix = target_dir + "/"
    for rel, arc in to_arc.items():
        if rel.startswith(prefix):
            return arc[: len(arc) - (len(rel) - len(target_dir))]
    raise AssertionError(target_dir)  # pragma: no cover - callers check membership
