"""The walk of the project's files, its ignore rules, and the records it fills.

Rules, in order: ``__pycache__``, ``*.pyc``/``*.pyo``, VCS directories never ship; ``exclude``
drops a path; ``include`` keeps one ``.gitignore`` would drop; ``.gitignore`` files drop
paths. Symlinks are never followed. Runs once per file: see docs/design.md.
"""

from __future__ import annotations

import os
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterator, List, NamedTuple, Sequence, Tuple

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

    from .links import Link

ALWAYS_EXCLUDED_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", ".bzr", "_darcs", ".jj"})
ALWAYS_EXCLUDED_SUFFIXES = (".pyc", ".pyo")
# Builds a record once per file: tuple.__new__ skips the NamedTuple's Python-level __new__
# (the same tuple, as namedtuple's own _make makes it; ~0.2 us less per record).
record = tuple.__new__


class SourceFile(NamedTuple):
    source: str  # absolute path on disk, a regular file
    arcname: str  # archive path
    executable: bool
    size: int  # when it was walked (the archive stores what is read)


class FileSet(NamedTuple):
    files: Tuple[SourceFile, ...]
    links: Tuple["Link", ...]


class Found(NamedTuple):
    rel: str  # project-relative posix path
    path: str  # on disk
    is_link: bool
    executable: bool
    size: int


class IgnoreRules:
    """``.gitignore`` files, ``include`` and ``exclude``, answered for project-relative paths;
    ``root_dirs_out`` stay out whatever the patterns say (the sdist's ``build``, ``dist``)."""

    def __init__(
        self, root: Path, include: Sequence[str], exclude: Sequence[str], *, root_dirs_out: Sequence[str] = ()
    ) -> None:
        self.root = root
        self._root_dirs_out = frozenset(root_dirs_out)
        if include or exclude:
            from .patterns import compile_patterns
        where = "pyproject.toml: [tool.symback]"
        self._include = compile_patterns(include, f"{where} include") if include else None
        self._exclude = compile_patterns(exclude, f"{where} exclude") if exclude else None
        # directory (relative, "" for the root) -> the .gitignore specs that judge its
        # paths, deepest first, each with the length of its directory's prefix
        self._above: Dict[str, Tuple[Tuple[int, "GitIgnoreSpec"], ...]] = {}

    def _specs_above(self, rel_dir: str) -> Tuple[Tuple[int, "GitIgnoreSpec"], ...]:
        specs = self._above.get(rel_dir)
        if specs is None:
            specs = self._specs_above(rel_dir.rpartition("/")[0]) if rel_dir else ()
            path = os.path.join(self.root, *rel_dir.split("/"), ".gitignore")
            if os.path.isfile(path) and not os.path.islink(path):
                from .patterns import compile_patterns

                with open(path, encoding="utf-8", errors="surrogateescape") as f:
                    own = compile_patterns(f.read().splitlines(), path)
                specs = ((len(rel_dir) + 1 if rel_dir else 0, own),) + specs
            self._above[rel_dir] = specs
        return specs

    def only_fixed_names(self, rel_dir: str) -> bool:
        """Whether only the names that never ship can drop a path in ``rel_dir``."""
        return self._include is None and self._exclude is None and not self._specs_above(rel_dir)

    def excluded(self, rel: str, is_dir: bool) -> bool:
        """Whether ``rel`` (project-relative, posix) stays out."""
        name = rel.rsplit("/", 1)[-1]
        if is_dir and (name in ALWAYS_EXCLUDED_DIRS or rel in self._root_dirs_out):
            return True
        if not is_dir and name.endswith(ALWAYS_EXCLUDED_SUFFIXES):
            return True
        candidate = rel + "/" if is_dir else rel
        if self._exclude is not None and self._exclude.match_file(candidate):
            return True
        if self._include is not None and self._include.match_file(candidate):
            return False
        # The deepest .gitignore that has an opinion wins; ancestors' decisions about a
        # parent directory were already applied while walking down.
        for prefix, spec in self._specs_above(rel.rpartition("/")[0]):
            result = spec.check_file(rel[prefix:] + ("/" if is_dir else ""))
            if result.include is not None:
                return bool(result.include)
        return False


def walk(root: Path, start: Path, rules: IgnoreRules) -> Iterator[Found]:
    """Files and symlinks below ``start`` (or ``start`` itself), never following a link;
    each directory's entries in name order, its files before its subdirectories'."""
    rel_start = start.relative_to(root).as_posix()
    if not start.is_dir() or start.is_symlink():
        st = os.lstat(start)
        is_link = (st.st_mode & 0o170000) == 0o120000
        yield Found(rel_start, str(start), is_link, bool(st.st_mode & 0o111) and not is_link, st.st_size)
        return
    stack = [(str(start), "" if rel_start == "." else rel_start + "/")]
    excluded = rules.excluded
    while stack:
        path, rel_dir = stack.pop()
        with os.scandir(path) as it:
            entries = sorted(it, key=_NAME)
        fixed_only = rules.only_fixed_names(rel_dir[:-1])
        for entry in entries:
            rel = rel_dir + entry.name
            if entry.is_dir(follow_symlinks=False):
                if not excluded(rel, True):
                    stack.append((entry.path, rel + "/"))
                continue
            is_link = entry.is_symlink()
            if is_link:  # judged as what it points to
                if excluded(rel, os.path.isdir(entry.path)):
                    continue
            elif entry.name.endswith(ALWAYS_EXCLUDED_SUFFIXES) if fixed_only else excluded(rel, False):
                continue
            st = entry.stat(follow_symlinks=False)
            if is_link or (st.st_mode & 0o170000) == 0o100000:  # sockets, fifos, devices never ship
                yield record(Found, (rel, entry.path, is_link, bool(st.st_mode & 0o111) and not is_link, st.st_size))


_NAME = attrgetter("name")


def take(
    found: Found, arcname: str, root: Path, to_arc: Dict[str, str], raw_links: Dict[str, str], files: List[SourceFile]
) -> None:
    """Record what a walk found at ``arcname``: a file to ship, or a link to resolve once
    every shipped path is known (``filelinks.link_targets``)."""
    to_arc[found.rel] = arcname
    if found.is_link:
        from .filelinks import link_target

        raw_links[found.rel] = link_target(found, root)[1]
    else:
        files.append(record(SourceFile, (found.path, arcname, found.executable, found.size)))
