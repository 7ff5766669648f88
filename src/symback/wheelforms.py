"""A wheel's symlink forms (``links``, ``lean``, ``compat``, ``copy``) for a file set with
links: libraries stored under their SONAME, links kept as LINKS rows and/or copied.
Imported only when a project ships symlinks (``wheel.payload_entries``)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Callable, Dict, List, Sequence, Set, Tuple

if TYPE_CHECKING:
    from .filewalk import FileSet, SourceFile
    from .links import Link
    from .wheel import WheelEntry


def library_sonames(files: "FileSet") -> Dict[str, str]:
    """``{archive path: SONAME}`` for the regular files that links lead to.

    Only files at the end of a link chain are read (a library without another name needs
    no orientation, and reading every file would slow down pure-Python builds).
    """
    from .binaries import read_soname
    from .linkrules import link_finals

    finals = set(link_finals(files.links).values())
    out: Dict[str, str] = {}
    for f in files.files:
        if f.arcname in finals:
            soname = read_soname(f.source)
            if soname is not None:
                out[f.arcname] = soname
    return out


def _warn_missing_sonames(files: "FileSet", sonames: Dict[str, str]) -> None:
    """A library whose SONAME names nothing beside it: what links against it cannot load it
    from the wheel (meson-python ships such wheels). A warning: a library opened by path
    through ctypes does not need the name."""
    names = {f.arcname for f in files.files} | {link.path for link in files.links}
    for path, soname in sorted(sonames.items()):
        directory = path.rpartition("/")[0]
        if (f"{directory}/{soname}" if directory else soname) not in names:
            print(
                f"symback: warning: {path}: its SONAME is {soname!r}, but nothing of that name ships "
                "beside it, so an extension linked against it cannot load it from the wheel. Ship a "
                f"symlink {soname} -> {path.rpartition('/')[2]} (or the file under that name).",
                file=sys.stderr,
            )


def linked_payload(
    files: "FileSet", symlinks: str, entry: Callable[..., "WheelEntry"]
) -> Tuple[List["WheelEntry"], List["Link"]]:
    """``wheel.payload_entries`` for a file set with links; ``entry`` makes a ``WheelEntry``."""
    from .linkrules import LinkTree, library_aliases, orient_to_sonames

    links: Sequence[Link] = files.links
    file_list: Sequence[SourceFile] = files.files
    aliases: Set[str] = set()
    if symlinks != "copy":
        sonames = library_sonames(files)
        if sonames:
            _warn_missing_sonames(files, sonames)
            links, renames = orient_to_sonames(links, sonames)
            file_list = [f._replace(arcname=renames.get(f.arcname, f.arcname)) for f in file_list]
            sonames = {renames.get(path, path): name for path, name in sonames.items()}
            if symlinks == "lean":
                aliases = library_aliases(links, sonames)
    entries = [entry(f.arcname, f.source, None, f.executable, f.size) for f in file_list]
    if symlinks == "links":
        return entries, list(links)
    by_arcname = {f.arcname: f for f in file_list}
    tree = LinkTree.build(links, by_arcname, source="the selected files")
    for link in links:
        if link.path in aliases:
            continue
        for rel, arcname in sorted(tree.expand(link.path).items()):
            f = by_arcname[arcname]
            entries.append(entry(f"{link.path}/{rel}" if rel else link.path, f.source, None, f.executable, f.size))
    return entries, ([] if symlinks == "copy" else list(links))


def announce_links_wheel(name: str, links: Sequence["Link"]) -> None:
    """What a Wheel-Version 2.0 wheel means for whoever installs it (on stderr)."""
    print(
        f"symback: {name} is a Wheel-Version 2.0 wheel: {len(links)} symlink(s) are stored once and "
        "listed in .dist-info/LINKS. pip and uv cannot install it yet: install it with "
        "`symback install`, or build with `-C symlinks=lean` (libraries once, under their SONAME), "
        "`-C symlinks=compat` or `-C symlinks=copy`.",
        file=sys.stderr,
    )
