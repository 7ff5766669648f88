"""The rules a set of links must obey, and LINKS as read from a wheel.

:class:`LinkTree` validates a release link set against the archive's regular files (the
backend checks what it is about to ship; the installer, what it is about to install);
:func:`parse_links` reads a LINKS file as hostile input; :func:`check_archive_path` says
whether a path is a clean archive path (a path in ``<name>.data/<scheme>/`` belongs to that
scheme, and a link and its target share one: :func:`scheme_prefix`); :func:`orient_to_sonames` and its helpers put a
shared library's bytes under its SONAME. ``links`` holds the format itself (``Link``,
``format_links``): this module is apart so that a build whose project has no symlinks
(every editable build) does not compile it at start-up. Pure: no filesystem access. The
rules are specified in ``docs/links-format.md``.
"""

from __future__ import annotations

import os
import posixpath
import re
from typing import Dict, Iterable, Mapping

from .errors import LinksError
from .links import _WINDOWS_DRIVE_ABSOLUTE, Link, _show

__all__ = [
    "MAX_CHAIN_DEPTH",
    "MAX_PATH_BYTES",
    "MAX_SEGMENT_BYTES",
    "LinkTree",
    "check_archive_path",
    "library_aliases",
    "link_finals",
    "orient_to_sonames",
    "parse_links",
    "scheme_prefix",
]

#: Longest archive path and path segment LINKS may name, in UTF-8 bytes: Linux's PATH_MAX
#: and the NAME_MAX of every common file system. Also bounds the work a hostile file does.
MAX_PATH_BYTES = 4096
MAX_SEGMENT_BYTES = 255

#: The longest chain of links (``a -> b -> c -> file`` is 3) a release link may start.
MAX_CHAIN_DEPTH = 8

# Whether editable targets are Windows paths. Read at call time so tests can patch it.
_WINDOWS = os.name == "nt"

_BOM = b"\xef\xbb\xbf"

_FIX_ARCHIVE_PATH = (
    "LINKS paths must be relative to the wheel root, use '/' separators, and contain no "
    "'.', '..' or empty segments (for example 'pkg/libfoo.so')"
)


def _segment_problem(segment: str) -> str | None:
    if segment == "":
        return "it has an empty segment ('//')"
    if segment == ".":
        return "it has a '.' segment"
    if segment == "..":
        return "it has a '..' segment, which could climb out of the wheel root"
    if segment.strip(". ") == "":
        return (
            f"its segment {_show(segment)} is only dots and spaces, which Windows "
            "silently rewrites (it could alias '.' or '..')"
        )
    return None


def check_archive_path(path: str, *, source: str, what: str) -> str:
    """Return ``path`` unchanged if it is a clean archive path, else raise :class:`LinksError`.

    ``source`` says where the path came from (``"foo-1.0.dist-info/LINKS line 3"``) and
    ``what`` what it is (``"link path"``, ``"target path"``).
    """
    why = _archive_path_problem(path) or _data_path_problem(path)
    if why is not None:
        raise LinksError(f"{source}: {what} {_show(path)}: {why}. {_FIX_ARCHIVE_PATH}.")
    return path


def archive_name_problem(path: str) -> str | None:
    """Why ``path`` is not a clean archive path, or None: the one rule set every path in a
    wheel follows (member names and RECORD paths, read by ``wheelfile``, and both LINKS
    columns). A LINKS path must also lie inside a ``.data`` scheme directory when it is in
    ``.data`` (:func:`check_archive_path`); a member name there is checked by the reader,
    which also sees the zip's directory entries (``name.data/``)."""
    return _archive_path_problem(path)


def _archive_path_problem(path: str) -> str | None:
    if not isinstance(path, str):
        return f"it is a {type(path).__name__}, not a string"
    if path == "":
        return "it is empty"
    import unicodedata

    for char in path:
        category = unicodedata.category(char)
        if char == "\x00":
            return "it contains a NUL character"
        if category == "Cc":
            return f"it contains the control character U+{ord(char):04X}"
        if category == "Cs":
            return (
                f"it contains the lone surrogate U+{ord(char):04X} (a file name that is "
                "not valid UTF-8), which a UTF-8 LINKS file cannot hold"
            )
        if category == "Cf":
            # Invisible: a bidi override shows a path as another, and U+FEFF opening
            # the first row reads as a byte order mark.
            return (
                f"it contains the invisible format character U+{ord(char):04X}, which makes "
                "a path display as something it is not"
            )
    size = len(path.encode("utf-8"))
    if size > MAX_PATH_BYTES:
        return f"it is {size} bytes long, more than the {MAX_PATH_BYTES} file systems allow"
    if "\\" in path:
        return "it contains a backslash ('\\'), which Windows reads as a separator"
    if path.startswith("//"):
        return "it is a UNC or network path ('//server/...')"
    if path.startswith("/"):
        return "it is absolute"
    if ":" in path:
        if re.match(r"[A-Za-z]:", path):
            return "it starts with a Windows drive ('C:')"
        return "it contains ':', which Windows reads as a drive or an alternate data stream"
    if path.endswith("/"):
        return "it ends with '/'"
    segments = path.split("/")
    for segment in segments:
        why = _segment_problem(segment)
        if why is not None:
            return why
        size = len(segment.encode("utf-8"))
        if size > MAX_SEGMENT_BYTES:
            return (
                f"its segment {_show(segment[:20] + '...')} is {size} bytes long, more "
                f"than the {MAX_SEGMENT_BYTES} file systems allow"
            )
    return None


def _data_path_problem(path: str) -> str | None:
    """For a LINKS path: inside a ``.data`` directory, it must lie in a scheme directory."""
    segments = path.split("/")
    if segments[0].lower().endswith(".data"):
        from .common import DATA_SCHEMES

        if len(segments) < 3 or segments[1] not in DATA_SCHEMES:
            return (
                f"it lies in the wheel's {_show(segments[0])} directory but not inside one of its "
                f"scheme directories ({', '.join(DATA_SCHEMES)}); a path there must be "
                f"'{segments[0]}/<scheme>/<path>'"
            )
    return None


def _scheme_shown(path: str) -> str:
    prefix = scheme_prefix(path)
    return f"the scheme directory {_show(prefix[:-1])}" if prefix else "the wheel root"


def scheme_prefix(path: str) -> str:
    """``"name.data/scripts/"`` for a clean archive path inside a ``.data`` scheme
    directory, ``""`` for one in the wheel root (purelib/platlib). A link and its target
    must share it: each scheme is installed into its own directory."""
    top, _, rest = path.partition("/")
    if top.lower().endswith(".data") and "/" in rest:
        return f"{top}/{rest.partition('/')[0]}/"
    return ""


def _check_editable_target(target: str, *, source: str) -> str:
    import unicodedata

    for char in target:
        if char == "\x00":
            raise LinksError(
                f"{source}: target path {_show(target)}: it contains a NUL character. "
                "Rebuild the editable wheel from a source tree whose path has no NUL."
            )
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise LinksError(
                f"{source}: target path {_show(target)}: it contains the character "
                f"U+{ord(char):04X}, which no source-tree path should hold. Rebuild the "
                "editable wheel from a plainly named directory."
            )
    if _WINDOWS:
        absolute = re.match(_WINDOWS_DRIVE_ABSOLUTE, target) is not None
        kind = "a drive-absolute path such as 'C:\\src\\pkg'"
    else:
        absolute = target.startswith("/")
        kind = "an absolute path such as '/home/me/src/pkg'"
    if not absolute:
        raise LinksError(
            f"{source}: target path {_show(target)}: an editable link must point to "
            f"{kind} in the source tree. Rebuild the editable wheel on this machine."
        )
    return target


def parse_links(data: bytes, *, source: str, editable: bool = False) -> list[Link]:
    """Parse a LINKS file. ``source`` names it in errors (``"foo-1.0.dist-info/LINKS"``).

    Release (``editable=False``): both columns are archive paths. ``editable=True``: the
    link path is an archive path, the target an absolute filesystem path. Only the rows'
    own form is checked here; :meth:`LinkTree.build` checks a release set against the
    wheel's files.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse_links() needs bytes, not {type(data).__name__}")
    data = bytes(data)
    if data.startswith(_BOM):
        raise LinksError(
            f"{source}: byte 0: the file starts with a UTF-8 byte order mark. "
            "Write LINKS as UTF-8 without a BOM."
        )
    nul = data.find(b"\x00")
    if nul != -1:
        raise LinksError(
            f"{source}: byte {nul}: the file contains a NUL byte. "
            "LINKS is UTF-8 text; rebuild the wheel."
        )
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise LinksError(
            f"{source}: byte {exc.start}: the file is not valid UTF-8 ({exc.reason}). "
            "Write LINKS as UTF-8; rebuild the wheel."
        ) from None

    import csv
    import io

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    links: list[Link] = []
    seen: dict[str, int] = {}
    blank_line: int | None = None
    previous_end = 0
    while True:
        line = previous_end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise LinksError(
                f"{source} line {reader.line_num}: malformed CSV ({exc}). "
                "Write one 'link_path,target_path' row per line, as in RECORD."
            ) from None
        previous_end = reader.line_num
        where = f"{source} line {line}"
        if not row:
            if blank_line is None:
                blank_line = line
            continue
        if blank_line is not None:
            raise LinksError(
                f"{source} line {blank_line}: blank line before the end of the file. "
                "Remove blank lines between rows."
            )
        if len(row) != 2:
            raise LinksError(
                f"{where}: expected 2 columns (link_path,target_path), found {len(row)}: "
                f"{row!r}. Write exactly one link path and one target path per row."
            )
        path, target = row
        check_archive_path(path, source=where, what="link path")
        if editable:
            _check_editable_target(target, source=where)
        else:
            check_archive_path(target, source=where, what="target path")
            if target == path:
                raise LinksError(
                    f"{where}: link {_show(path)} points to itself. "
                    "Point the link at a file or directory in the wheel."
                )
        if path in seen:
            raise LinksError(
                f"{where}: link path {_show(path)} is listed twice (first on line "
                f"{seen[path]}). List each link once."
            )
        seen[path] = line
        links.append(Link(path, target))
    return links


def _ancestors(path: str) -> list[str]:
    """``"a/b/c"`` -> ``["a", "a/b"]`` (proper ancestors, shortest first)."""
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _add_ancestors(into: set[str], path: str) -> None:
    """Add the proper ancestors of ``path`` that a link or target could name.

    Walks up from the deepest and stops at the first one already known, and skips
    ancestors longer than ``MAX_PATH_BYTES`` (no checked path can equal them), so a
    hostile file name of 64 KiB does not cost quadratic memory.
    """
    end = path.rfind("/", 0, MAX_PATH_BYTES + 1)
    while end > 0:
        ancestor = path[:end]
        if ancestor in into:
            return
        into.add(ancestor)
        end = path.rfind("/", 0, end)


def _fold(path: str) -> str:
    """The key under which case-insensitive, normalising file systems see ``path``."""
    import unicodedata

    return unicodedata.normalize("NFC", path).casefold()


class LinkTree:
    """A validated set of release links, together with the wheel's regular files.

    Build it with :meth:`build`; the constructor does no checking.
    """

    __slots__ = ("links", "files", "directories", "source", "_targets")

    def __init__(
        self,
        links: tuple[Link, ...],
        files: frozenset[str],
        directories: frozenset[str],
        source: str = "LINKS",
        targets: Mapping[str, str] | None = None,
    ) -> None:
        self.links = links
        self.files = files
        self.directories = directories
        self.source = source
        self._targets: Mapping[str, str] = targets if targets is not None else {l.path: l.target for l in links}

    def _key(self) -> tuple:
        return (self.links, self.files, self.directories, self.source)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinkTree) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"LinkTree(links={self.links!r}, source={self.source!r})"

    @classmethod
    def build(cls, links: Iterable[Link], files: Iterable[str], *, source: str) -> "LinkTree":
        """Check a release link set against the wheel's regular files (archive paths).

        Directories are implied by the files and by the links' parent directories
        (``a/b/c.txt`` implies ``a`` and ``a/b``). Raises :class:`LinksError` for the
        first rule broken; see ``docs/links-format.md`` for the rules.
        """
        link_list = sorted(links)
        file_set = frozenset(files)
        targets: dict[str, str] = {}
        for link in link_list:
            check_archive_path(link.path, source=source, what="link path")
            check_archive_path(link.target, source=source, what="target path")
            if link.path in targets:
                raise LinksError(
                    f"{source}: link {_show(link.path)}: listed twice (-> {_show(targets[link.path])} "
                    f"and -> {_show(link.target)}). Keep one of them."
                )
            targets[link.path] = link.target

        file_directories: set[str] = set()
        for name in file_set:
            _add_ancestors(file_directories, name)
        directories = set(file_directories)
        for name in targets:
            _add_ancestors(directories, name)

        for link in link_list:
            cls._check_link(link, targets, file_set, file_directories, directories, source)
        cls._check_case_collisions(targets, file_set, directories, source)
        cls._check_chains(targets, source)
        tree = cls(
            links=tuple(link_list),
            files=file_set,
            directories=frozenset(directories),
            source=source,
            targets=targets,
        )
        tree._check_directory_loops()
        return tree

    @staticmethod
    def _check_link(
        link: Link,
        targets: Mapping[str, str],
        files: frozenset[str],
        file_directories: set[str],
        directories: set[str],
        source: str,
    ) -> None:
        # A link path that is an ancestor of another link path is reported for the
        # inner link ("passes through the link"), so only file directories are checked
        # for equality here.
        path, target = link.path, link.target
        name = f"{source}: link {_show(path)} -> {_show(target)}"
        if path == target:
            raise LinksError(
                f"{name}: the link points to itself (a cycle). Point it at a file or "
                "directory in the wheel."
            )
        if path in files:
            raise LinksError(
                f"{name}: the link path is also a regular file in the wheel. Ship either "
                "the file or the link, not both."
            )
        if path in file_directories:
            raise LinksError(
                f"{name}: the link path is also a directory in the wheel (files lie "
                "under it), so they would be written through the link. Ship either "
                "the directory or the link, not both."
            )
        for ancestor in _ancestors(path):
            if ancestor in files:
                raise LinksError(
                    f"{name}: the link path lies inside {_show(ancestor)}, which is a "
                    "regular file. Move the link."
                )
            if ancestor in targets:
                raise LinksError(
                    f"{name}: the link path passes through the link {_show(ancestor)} "
                    "(no path through a link); it would be created inside whatever that "
                    "link points to. Put the link beside the real directory instead."
                )
        for ancestor in _ancestors(target):
            if ancestor in targets:
                raise LinksError(
                    f"{name}: the target passes through the link {_show(ancestor)} (no "
                    "path through a link). Point the link at the real path, "
                    f"{_show(targets[ancestor] + target[len(ancestor):])}."
                )
            if ancestor in files:
                raise LinksError(
                    f"{name}: the target lies inside {_show(ancestor)}, which is a "
                    "regular file, so it cannot exist. Point the link at a file or "
                    "directory in the wheel."
                )
        if scheme_prefix(path) != scheme_prefix(target):
            raise LinksError(
                f"{name}: the link lies in {_scheme_shown(path)} but its target in {_scheme_shown(target)}; "
                "each scheme is installed into its own directory, so a link may only point "
                "inside its own. Point it at a file of the same scheme, or ship a copy."
            )
        if target not in files and target not in directories and target not in targets:
            raise LinksError(
                f"{name}: the target does not exist in the wheel (it is not a file, a "
                "directory holding files, or another link). Ship the target, or point "
                "the link at something the wheel contains."
            )

    @staticmethod
    def _check_case_collisions(
        targets: Mapping[str, str],
        files: frozenset[str],
        directories: set[str],
        source: str,
    ) -> None:
        folded: dict[str, str] = {}
        for name in sorted(set(files) | directories):
            folded.setdefault(_fold(name), name)
        for path in sorted(targets):
            key = _fold(path)
            other = folded.get(key)
            if other is not None and other != path:
                raise LinksError(
                    f"{source}: link {_show(path)} -> {_show(targets[path])}: the link "
                    f"path and {_show(other)} differ only in case or Unicode "
                    "normalisation, so they are the same path on Windows and macOS. "
                    "Rename one of them."
                )
            folded[key] = path

    @staticmethod
    def _check_chains(targets: Mapping[str, str], source: str) -> None:
        depth: dict[str, int] = {}
        for start in sorted(targets):
            if start in depth:
                continue
            chain: list[str] = []
            position: dict[str, int] = {}
            current = start
            while current in targets and current not in depth:
                if current in position:
                    cycle = chain[position[current]:] + [current]
                    if len(cycle) > 2 * MAX_CHAIN_DEPTH:
                        cycle = cycle[:MAX_CHAIN_DEPTH] + ["..."] + cycle[-2:]
                    raise LinksError(
                        f"{source}: link {_show(current)} -> {_show(targets[current])}: "
                        f"the links form a cycle ({' -> '.join(cycle)}). Point one of "
                        "them at a file or directory in the wheel."
                    )
                position[current] = len(chain)
                chain.append(current)
                current = targets[current]
            reached = depth.get(current, 0)
            for node in reversed(chain):
                reached += 1
                depth[node] = reached
        for start in sorted(targets):
            if depth[start] > MAX_CHAIN_DEPTH:
                shown = [start]
                while shown[-1] in targets and len(shown) <= MAX_CHAIN_DEPTH:
                    shown.append(targets[shown[-1]])
                if shown[-1] in targets:
                    shown.append("...")
                raise LinksError(
                    f"{source}: link {_show(start)} -> {_show(targets[start])}: the chain "
                    f"{' -> '.join(shown)} has {depth[start]} links, more than the "
                    f"{MAX_CHAIN_DEPTH} allowed. Point the link closer to the final file."
                )

    def _check_directory_loops(self) -> None:
        """Refuse directory links that make the installed tree infinite.

        ``pkg/sub/up -> pkg`` (or ``a/l -> b`` with ``b/m -> a``) makes
        ``pkg/sub/up/sub/up/...`` endless, which breaks anything that walks the tree
        following links. Graph: each directory and link has an edge from its parent
        directory; each directory link has an edge to the directory it resolves to.
        Tree edges alone cannot cycle, so any cycle goes through a directory link.
        """
        edges: dict[str, list[str]] = {}
        for name in list(self.directories) + list(self._targets):
            parts = name.rsplit("/", 1)
            if len(parts) == 2:
                edges.setdefault(parts[0], []).append(name)
        for path in self._targets:
            final = self.resolve(path)
            if final in self.directories:
                edges.setdefault(path, []).append(final)

        state: dict[str, int] = {}  # 1: on the stack, 2: done
        for root in sorted(edges):
            if root in state:
                continue
            stack: list[tuple[str, int]] = [(root, 0)]
            state[root] = 1
            while stack:
                node, index = stack[-1]
                children = edges.get(node, ())
                if index < len(children):
                    stack[-1] = (node, index + 1)
                    child = children[index]
                    seen = state.get(child)
                    if seen == 1:
                        loop = [n for n, _ in stack]
                        loop = loop[loop.index(child):] + [child]
                        link = next(n for n in loop if n in self._targets)
                        if len(loop) > 12:
                            loop = loop[-12:]
                        steps = [
                            f"{_show(a)} {'leads to' if a in self._targets else 'contains'} {_show(b)}"
                            for a, b in zip(loop, loop[1:])
                        ]
                        raise LinksError(
                            f"{self.source}: link {_show(link)} -> "
                            f"{_show(self._targets[link])}: the directory links make an "
                            f"endless directory tree ({', '.join(steps)}); a directory "
                            "link must not lead to a directory that contains it. Point "
                            "it at a directory outside its own path."
                        )
                    if seen is None:
                        state[child] = 1
                        stack.append((child, 0))
                else:
                    state[node] = 2
                    stack.pop()

    def resolve(self, path: str) -> str:
        """Follow the chain from ``path`` to the final regular file or directory.

        A path that is already a file or directory comes back unchanged. Raises
        :class:`LinksError` for a path that is none of a link, a file, a directory.
        """
        current = path
        for _ in range(MAX_CHAIN_DEPTH + 1):
            target = self._targets.get(current)
            if target is None:
                break
            current = target
        if current in self._targets:  # only for trees made without build()
            raise LinksError(
                f"{self.source}: link {_show(path)}: the chain is longer than "
                f"{MAX_CHAIN_DEPTH} links. Point the link closer to the final file."
            )
        if current not in self.files and current not in self.directories:
            raise LinksError(
                f"{self.source}: {_show(path)}: not a link, file or directory of this "
                "wheel. Check the path."
            )
        return current

    def is_directory(self, path: str) -> bool:
        """Whether ``path`` (a link, file or directory) resolves to a directory."""
        try:
            return self.resolve(path) in self.directories
        except LinksError:
            return False

    def expand(self, path: str) -> Dict[str, str]:
        """What ``path`` (a link, file or directory) stands for, as regular files.

        Returns ``{path relative to it: file}``, with ``""`` for a single file; links
        inside a linked directory are followed the same way. This is what a copy of the
        link holds (compat wheels, ``--copy-links``, ``convert``).
        """
        link_paths = {link.path for link in self.links}
        real = self.resolve(path) if path in link_paths else path
        if real in self.files:
            return {"": real}
        prefix = real + "/"
        out: Dict[str, str] = {}
        for file in self.files:
            if file.startswith(prefix) and not any(file.startswith(lp + "/") for lp in link_paths):
                out[file[len(prefix):]] = file
        for lp in link_paths:
            if lp.startswith(prefix):
                for rel, file in self.expand(lp).items():
                    out[posixpath.join(lp[len(prefix):], rel) if rel else lp[len(prefix):]] = file
        return out


# -- shared libraries: bytes under the SONAME ------------------------------------------


def _final(targets: Mapping[str, str], path: str) -> str:
    """Where the chain of file links from ``path`` ends (at most MAX_CHAIN_DEPTH steps)."""
    for _ in range(MAX_CHAIN_DEPTH + 1):
        if path not in targets:
            break
        path = targets[path]
    return path


def link_finals(links: Iterable[Link]) -> Dict[str, str]:
    """``{link path: the path its chain ends at}`` for a release link set."""
    targets = {link.path: link.target for link in links}
    return {path: _final(targets, path) for path in targets}


def orient_to_sonames(links: Iterable[Link], sonames: Mapping[str, str]) -> tuple[list[Link], Dict[str, str]]:
    """Store each shared library's bytes under its SONAME, its other names as links.

    ``sonames`` maps regular files (archive paths) to the SONAME read from their bytes
    (ELF ``DT_SONAME``, Mach-O ``LC_ID_DYLIB`` basename). A file ``d/libfoo.so.1.2.3``
    whose SONAME is ``libfoo.so.1``, where ``d/libfoo.so.1`` is a link leading to it,
    is turned around: the bytes move to ``d/libfoo.so.1``, ``d/libfoo.so.1.2.3`` becomes
    a link to it, and links that pointed at the old file point at the new one. The dynamic
    loader opens the SONAME (the ``DT_NEEDED`` of what links against it), so this is the
    name that must hold the bytes for tools that do not read LINKS (auditwheel, pip).
    A library whose SONAME is not one of its names in the same directory keeps the
    tree's orientation. Returns the new links and ``{old file path: new file path}``.
    """
    link_list = list(links)
    targets = {link.path: link.target for link in link_list}
    renames: Dict[str, str] = {}
    for path, soname in sorted(sonames.items()):
        directory = path.rpartition("/")[0]
        wanted = f"{directory}/{soname}" if directory else soname
        if wanted == path or wanted not in targets or _final(targets, wanted) != path:
            continue
        del targets[wanted]
        for link_path, target in targets.items():
            if target == path:
                targets[link_path] = wanted
        targets[path] = wanted
        renames[path] = wanted
    return sorted(Link(p, t) for p, t in targets.items()), renames


def library_aliases(links: Iterable[Link], sonames: Mapping[str, str]) -> set[str]:
    """The link paths that are a shared library's other names (not its SONAME).

    ``sonames`` maps regular files to their SONAME. A file link whose chain ends at a
    library with a SONAME, and whose own name is not that SONAME, is a name the loader
    never opens (the full version, the linker name): the ``lean`` form keeps it in LINKS
    only. A link named like the SONAME (in another directory) may be on some rpath, so it
    is not an alias here.
    """
    return {
        path for path, final in link_finals(links).items()
        if final in sonames and path.rpartition("/")[2] != sonames[final]
    }
