"""Files that ship beside the packages: ``[tool.symback.data]`` mappings and the native
build step's staged outputs, at the wheel root or under ``<name>.data/<scheme>/``; and the
wheel's link set, checked as one (``links_outputs_and_data``).

Imported only by projects that have data, a native step, or symlinks in their packages.
"""

from __future__ import annotations

import os
import posixpath
from typing import TYPE_CHECKING, Dict, List, Optional

from .common import data_dir_name
from .errors import BuildError, ConfigError, LinksError
from .filelinks import link_targets, wheel_links
from .filewalk import FileSet, IgnoreRules, SourceFile, take, walk
from .links import Link

if TYPE_CHECKING:
    from .config import Project
    from .native import Staging


def links_outputs_and_data(
    project: "Project", stage: Optional["Staging"], raw_links: Dict[str, str], to_arc: Dict[str, str],
    files: List[SourceFile],
) -> List[Link]:
    """What joins the packages' regular ``files`` in the wheel: the links for their
    symlinks (``raw_links``, project-relative), the native step's outputs in ``stage``
    and ``[tool.symback.data]``; returns the links, sorted, checked as one set."""
    links = wheel_links(raw_links, to_arc) if raw_links else []
    if stage is not None:
        add_native_outputs(project, stage, files, links)
    data = select_data_files(project)
    files.extend(data.files)
    links.extend(data.links)
    # Cycles, chains too deep, paths through a link: the installer's own rules, checked
    # here so that a wheel symback builds is one symback installs.
    if links:
        from .linkrules import LinkTree

        LinkTree.build(links, (f.arcname for f in files), source="symlinks in the wheel (archive paths)")
    return sorted(links)


def add_native_outputs(project: "Project", stage: "Staging", files: List[SourceFile], links: List[Link]) -> None:
    """What the native build step staged, appended to ``files`` and ``links``.

    ``platlib`` outputs land at their relative path from the wheel root (beside the
    packages, and inside them: ``greet/libgreet.so.1``); the other schemes' under
    ``<name>-<version>.data/<scheme>/``. A symlink among the outputs ships as a link
    under the same rules as a source symlink; its target must lie in the same scheme's
    staging directory (``scripts/samu -> ninja``, ``data/lib/libfoo.so -> libfoo.so.1``).
    """
    meta = project.metadata
    taken = {f.arcname for f in files} | {link.path for link in links}
    for scheme, directory in stage.dirs.items():
        prefix = "" if scheme == "platlib" else f"{data_dir_name(meta.dist_name, meta.version)}/{scheme}/"
        if not directory.is_dir():
            continue
        rules = IgnoreRules(directory, (), ())
        for found in walk(directory, directory, rules):
            arcname = prefix + found.rel
            if arcname in taken:
                raise BuildError(
                    f"{arcname}: both the sources and the native build step ({directory}) provide it. "
                    "Ship one: exclude the source file, or stop the build step from staging it."
                )
            taken.add(arcname)
            where = f"{directory.name} staging directory: {found.rel}"
            if found.is_link:
                raw = os.readlink(found.path)
                target = posixpath.normpath(posixpath.join(posixpath.dirname(found.rel), raw.replace(os.sep, "/")))
                if os.path.isabs(raw) or target == ".." or target.startswith("../"):
                    raise BuildError(
                        f"{where}: symlink to {raw!r}, outside the {scheme} staging directory. The build "
                        "step must make relative links between the files it stages, within one scheme."
                    )
                links.append(Link(arcname, prefix + target))
            else:
                files.append(SourceFile(found.path, arcname, found.executable, found.size))


def select_data_files(project: "Project") -> FileSet:
    """``[tool.symback.data]``: project files for the wheel's ``.data/<scheme>/`` directories.

    Each mapping ships a file, or a directory's contents, at
    ``f"{data_dir_name(name, version)}/{scheme}/{destination}/..."``, walked under the
    same rules as the packages (``exclude``, ``include``, ``.gitignore``); executable
    bits are kept. A symlink ships as a link when its target ships among these files
    (the same rule as elsewhere); LINKS keeps it inside its scheme directory.
    """
    if not project.tool.data:
        return FileSet((), ())
    from .linkrules import check_archive_path

    root = project.root
    meta = project.metadata
    data_dir = data_dir_name(meta.dist_name, meta.version)
    rules = IgnoreRules(root, project.tool.include, project.tool.exclude)
    files: List[SourceFile] = []
    raw_links: Dict[str, str] = {}
    to_arc: Dict[str, str] = {}
    from_arc: Dict[str, str] = {}
    where = "pyproject.toml: [tool.symback.data]"
    for scheme, source, dest in project.tool.data:
        path = root / source
        if not os.path.lexists(path):
            raise ConfigError(
                f"{where} {scheme}: {source!r} does not exist. Fix the path (relative to the project "
                "root), or remove the entry."
            )
        base = posixpath.join(scheme, dest) if dest else scheme
        is_dir = path.is_dir() and not path.is_symlink()
        if not is_dir and not dest:
            base = posixpath.join(scheme, path.name)
        for found in walk(root, path, rules):
            rel_inside = found.rel[len(source) + 1:] if is_dir else ""
            arcname = f"{data_dir}/{base}/{rel_inside}" if rel_inside else f"{data_dir}/{base}"
            other = from_arc.get(arcname)
            if other is not None:
                raise ConfigError(
                    f"{where} {scheme}: {found.rel} and {other} both map to {arcname}. Map them to "
                    "different destinations."
                )
            from_arc[arcname] = found.rel
            take(found, arcname, root, to_arc, raw_links, files)
    links: List[Link] = []
    for rel, target_arc in link_targets(raw_links, to_arc) if raw_links else ():
        if target_arc is None:
            raise BuildError(
                f"{rel}: symlink to {raw_links[rel]!r}, which is not among the [tool.symback.data] files. A link "
                "ships only when its target does (PEP 778). Map the target too, or exclude the link."
            )
        try:
            check_archive_path(to_arc[rel], source="symlinks in the wheel's .data directory", what="link path")
        except LinksError as error:
            raise BuildError(
                f"{rel}: a symlink in a [tool.symback.data] directory, to {raw_links[rel]!r}: it cannot ship as a "
                f"link ({error}). Replace it by a copy of its target, or exclude it "
                "([tool.symback] exclude)."
            ) from None
        links.append(Link(to_arc[rel], target_arc))
    return FileSet(tuple(files), tuple(links))
