"""PEP 660 editable wheels: a symlink tree in the project, named by a plain ``.pth`` line.

What an editable install of a symback project looks like (``docs/editable.md`` has the
whole story):

``links`` (the default wherever symlinks work)
    The backend materialises ``build/__editable__.<dist>-<tag>/`` inside the project: one
    symlink per top-level package or module, pointing back into the source tree (real
    directories for the parents of a package inside a PEP 420 namespace). The wheel holds
    only its ``.dist-info`` (with an editable ``LINKS`` file naming the same links, for
    ``symback install``) and ``__editable__.<dist>.pth``, whose single plain line names
    the tree. Only the declared packages are importable, edits and new files are live,
    and type checkers see real files. ``strict = true`` links each file the release
    wheel would hold instead of whole directories: an exact wheel view, where new files
    appear only after a reinstall.

``pth`` (where symlinks cannot be made, or asked for)
    A ``.pth`` with plain path lines naming the source roots (``<root>/src``), when that
    exposes exactly the project's packages. Where it would expose more (a flat layout:
    ``tests/``, ``conftest.py`` ...), or a package is mapped from a directory of another
    name, the ``editables`` import hook is used instead, and the wheel requires
    ``editables``. Either way the backend says on stderr what is exposed.

The wheel's RECORD never names a path inside a linked directory: uninstallers delete
what RECORD lists, and a path through a link is a source file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from .errors import BuildError

if TYPE_CHECKING:
    from .config import Project
    from .files import FileSet, PackageRoot
    from .native import Staging

__all__ = [
    "BUILD_TAG",
    "EDITABLES_REQUIREMENT",
    "PROBE_ENV",
    "EditablePlan",
    "SymlinksUnavailable",
    "TreeLink",
    "build_editable",
    "editable_requires",
    "materialize_tree",
    "plan_editable",
    "symlink_support",
    "tree_directory",
]

#: The wheel build tag that marks a symback editable wheel (``name-ver-0editable-tag.whl``).
BUILD_TAG = "0editable"
#: What the wheel requires (and the build needs) when the ``editables`` import hook is used.
EDITABLES_REQUIREMENT = "editables>=0.5"
#: Testing aid: ``SYMBACK_EDITABLE_PROBE=fail`` makes the symlink probe report failure.
PROBE_ENV = "SYMBACK_EDITABLE_PROBE"

# Leftover temporary trees of interrupted builds older than this are removed.
_STALE_SECONDS = 3600


# The records are NamedTuples, like the rest of the build path: ``dataclasses`` costs an
# editable install ~9 ms of start-up (see "Decisions" in docs/design.md).
class TreeLink(NamedTuple):
    """One symlink of the editable tree, at ``path`` (posix, relative to the tree)."""

    path: str
    target: str  # absolute filesystem path, or (``relative``) the link's literal value
    relative: bool = False
    is_dir: bool = False


class EditablePlan(NamedTuple):
    """How an editable install of a project is made; computed the same way by every hook."""

    mode: str  # "links", "pth" (plain path lines) or "redirect" (editables import hook)
    tag: str
    tree: Path  # build/__editable__.<dist>-<tag> (used in "links" mode only)
    tree_links: Tuple[TreeLink, ...] = ()  # "links": what the tree holds
    links_rows: Tuple[Tuple[str, str], ...] = ()  # "links": the editable LINKS rows
    path_entries: Tuple[Path, ...] = ()  # plain .pth lines ("pth", and "redirect" extras)
    redirects: Tuple[Tuple[str, Path], ...] = ()  # "redirect": import name -> source
    exposed_extra: Tuple[str, ...] = ()  # importable names beyond the project's packages
    requires: Tuple[str, ...] = ()  # extra Requires-Dist (and build requirements)
    messages: Tuple[str, ...] = ()


# --------------------------------------------------------------------------- planning


def tree_directory(project: "Project", tag: str) -> Path:
    """``<root>/build/__editable__.<dist_name>-<tag>``: the project's tree for ``tag``."""
    return Path(project.root) / "build" / f"__editable__.{project.metadata.dist_name}-{tag}"


def editable_requires(project: "Project") -> List[str]:
    """The extra ``Requires-Dist`` of the editable wheel (also what its build needs).

    ``["editables>=0.5"]`` when the ``editables`` import hook is used, else ``[]``.
    ``prepare_metadata_for_build_editable`` must pass this as ``extra_requires``, and
    ``get_requires_for_build_editable`` must return it, so metadata, build environment
    and wheel agree.
    """
    return list(plan_editable(project).requires)


def plan_editable(
    project: "Project", *, tag: Optional[str] = None, probe: bool = True, no_links: Optional[str] = None
) -> EditablePlan:
    """Decide the mode and compute everything the editable wheel and tree need.

    Probes symlink support in ``<root>/build`` (``links``/``auto`` modes) unless ``probe``
    is false: ``build_editable`` makes the tree itself, which shows whether links work, and
    plans again with ``no_links`` (the reason) when they do not. Raises
    :class:`BuildError` where the configured mode cannot be honoured.
    """
    if tag is None:
        from .tags import interpreter_platform_tag

        tag = interpreter_platform_tag()
    tree = tree_directory(project, tag)
    mode = project.tool.editable_mode
    strict = bool(project.tool.editable_strict)
    packages = tuple(project.packages)
    if not packages:
        raise BuildError(
            "pyproject.toml: [tool.symback] packages: the project has no package or module to "
            "install in editable mode. Add one, or list it in [tool.symback] packages."
        )
    if mode not in ("auto", "links", "pth"):
        raise BuildError(
            f"pyproject.toml: tool.symback.editable.mode: {mode!r} is not a mode. "
            'Use "auto", "links" or "pth".'
        )

    reason = None
    if mode in ("auto", "links"):
        if no_links is not None:
            ok, reason = False, no_links
        elif probe:
            ok, reason = symlink_support(tree.parent)
        else:
            ok, reason = _forced_probe_result()
        if ok:
            return _plan_links(project, tree, tag, strict)
        if mode == "links":
            raise BuildError(
                f'pyproject.toml: tool.symback.editable.mode: "links", but symlinks cannot be made in '
                f"{tree.parent} ({reason}). Use mode = \"auto\" (or -C editable-mode=auto) to fall back to "
                "a .pth path entry, or keep the project on a filesystem that supports symlinks "
                "(on Windows: enable Developer Mode)."
            )
    plan = _plan_fallback(project, tree, tag)
    messages = list(plan.messages)
    if mode == "pth":
        lead = "symback: editable mode pth:"
    else:
        lead = f"symback: symlinks unavailable in {tree.parent} ({reason}); falling back to"
    if strict:
        messages[0] += "; strict mode needs symlinks, so files added later are visible too"
    messages[0] = f"{lead} {messages[0]}"
    return EditablePlan(
        mode=plan.mode,
        tag=tag,
        tree=tree,
        path_entries=plan.path_entries,
        redirects=plan.redirects,
        exposed_extra=plan.exposed_extra,
        requires=plan.requires,
        messages=tuple(messages),
    )


def _plan_links(project: "Project", tree: Path, tag: str, strict: bool) -> EditablePlan:
    tree_links: List[TreeLink] = []
    rows: List[Tuple[str, str]] = []
    if not strict:
        for package in project.packages:
            source = _absolute(package.source)
            tree_links.append(TreeLink(package.import_path, source, is_dir=Path(source).is_dir()))
            rows.append((package.import_path, source))
    else:
        from .files import select_wheel_files

        fileset = select_wheel_files(project)
        tree_links, rows = _strict_links(project.packages, fileset)
    names = ", ".join(_dotted(p.import_path) for p in project.packages)
    message = (
        f"symback: editable install through symlinks in {tree}"
        f"{' (strict: one link per file; reinstall to see new files)' if strict else ''}: "
        f"importable: {names}"
    )
    return EditablePlan(
        mode="links",
        tag=tag,
        tree=tree,
        tree_links=tuple(sorted(tree_links, key=lambda t: t.path)),
        links_rows=tuple(sorted(rows)),
        path_entries=(tree,),
        messages=(message,),
    )


def _strict_links(packages: Sequence["PackageRoot"], fileset: "FileSet") -> Tuple[List[TreeLink], List[Tuple[str, str]]]:
    """Per-file links mirroring the release wheel's package files (not .data, not dist-info)."""
    tops = {p.import_path.split("/")[0] for p in packages}

    def wanted(arcname: str) -> bool:
        first = arcname.split("/")[0]
        return first in tops and not first.endswith((".data", ".dist-info"))

    by_arcname: Dict[str, str] = {}
    tree_links: List[TreeLink] = []
    rows: List[Tuple[str, str]] = []
    for f in fileset.files:
        if wanted(f.arcname):
            source = _absolute(f.source)
            by_arcname[f.arcname] = source
            tree_links.append(TreeLink(f.arcname, source))
            rows.append((f.arcname, source))
    for link in fileset.links:
        if not wanted(link.path):
            continue
        target_source = by_arcname.get(link.target) or _archive_source(link.target, packages)
        tree_links.append(
            TreeLink(link.path, link.relative_target(), relative=True, is_dir=Path(target_source).is_dir())
        )
        rows.append((link.path, target_source))
    return tree_links, rows


def _archive_source(arcname: str, packages: Sequence["PackageRoot"]) -> str:
    """Where archive path ``arcname`` lives on disk, through the package roots."""
    for package in sorted(packages, key=lambda p: -len(p.import_path)):
        prefix = package.import_path
        if arcname == prefix:
            return _absolute(package.source)
        if arcname.startswith(prefix + "/"):
            return _absolute(Path(package.source) / arcname[len(prefix) + 1 :])
    raise BuildError(
        f"pyproject.toml: {arcname}: this link target lies outside the project's packages, so "
        "strict editable mode cannot link it. Move it into a package, or set "
        "[tool.symback.editable] strict = false."
    )


def _absolute(path: "os.PathLike[str] | str") -> str:
    return os.path.abspath(os.fspath(path))


class _Fallback(NamedTuple):
    mode: str
    path_entries: Tuple[Path, ...]
    redirects: Tuple[Tuple[str, Path], ...]
    exposed_extra: Tuple[str, ...]
    requires: Tuple[str, ...]
    messages: Tuple[str, ...]


def _plan_fallback(project: "Project", tree: Path, tag: str) -> _Fallback:
    """Plain .pth path lines where they expose exactly the packages, else editables."""
    entries: Dict[Path, List["PackageRoot"]] = {}
    renamed: List["PackageRoot"] = []
    for package in project.packages:
        entry = _path_entry(package)
        if entry is None:
            renamed.append(package)
        else:
            entries.setdefault(entry, []).append(package)

    extra_by_entry = {entry: _extra_names(entry, pkgs) for entry, pkgs in entries.items()}
    if not renamed and not any(extra_by_entry.values()):
        shown = ", ".join(str(e) for e in entries)
        names = ", ".join(_dotted(p.import_path) for p in project.packages)
        return _Fallback(
            mode="pth",
            path_entries=tuple(entries),
            redirects=(),
            exposed_extra=(),
            requires=(),
            messages=(
                f"a .pth path entry: everything in {shown} is importable "
                f"(that is: {names})",
            ),
        )

    # The editables import hook: map each top-level package or module on its own.
    redirects: List[Tuple[str, Path]] = []
    path_entries: List[Path] = []
    exposed: List[str] = []
    for entry, pkgs in entries.items():
        if not extra_by_entry[entry]:
            path_entries.append(entry)
            continue
        for package in pkgs:
            if _mappable(package):
                redirects.append((_dotted(package.import_path), Path(_absolute(package.source))))
            else:
                if entry not in path_entries:
                    path_entries.append(entry)
                    exposed.extend(extra_by_entry[entry])
    for package in renamed:
        if not _mappable(package):
            raise BuildError(
                f"pyproject.toml: {package.import_path}: without symlinks this package cannot be "
                f"installed in editable mode, because it lives in {package.source}, whose path does "
                "not end in its import path, and the editables import hook maps only top-level "
                "packages with an __init__.py and modules. Keep the project on a filesystem that "
                "supports symlinks, or name the source directory after the package."
            )
        redirects.append((_dotted(package.import_path), Path(_absolute(package.source))))

    names = ", ".join(name for name, _ in redirects)
    parts = [f"the editables import hook for {names}"]
    if any(extra_by_entry.values()):
        hidden = sorted({n for e, extra in extra_by_entry.items() for n in extra if n not in exposed})
        if hidden:
            parts.append(f"(a plain path entry would also expose {', '.join(hidden)})")
    if renamed:
        parts.append(f"({', '.join(p.import_path for p in renamed)} mapped from a directory of another name)")
    if path_entries:
        parts.append(f"plus path entries {', '.join(map(str, path_entries))}")
    if exposed:
        parts.append(f"which also expose {', '.join(sorted(set(exposed)))}")
    parts.append(
        f"; the editable wheel requires {EDITABLES_REQUIREMENT} and its .pth runs an import line at "
        "start-up; mypy and pyright cannot see packages behind an import hook"
    )
    return _Fallback(
        mode="redirect" if redirects else "pth",
        path_entries=tuple(path_entries),
        redirects=tuple(redirects),
        exposed_extra=tuple(sorted(set(exposed))),
        requires=(EDITABLES_REQUIREMENT,) if redirects else (),
        messages=(" ".join(parts).replace(" ;", ";"),),
    )


def _dotted(import_path: str) -> str:
    parts = import_path.split("/")
    parts[-1] = _module_name(parts[-1])
    return ".".join(parts)


def _module_name(filename: str) -> str:
    return filename.partition(".")[0]


def _path_entry(package: "PackageRoot") -> Optional[Path]:
    """The directory whose plain path line makes ``package`` importable, or None if renamed."""
    source = Path(_absolute(package.source))
    parts = package.import_path.split("/")
    if len(source.parts) <= len(parts) or list(source.parts[-len(parts) :]) != parts:
        return None
    entry = source
    for _ in parts:
        entry = entry.parent
    return entry


def _mappable(package: "PackageRoot") -> bool:
    """Whether the editables import hook can map ``package`` (top-level, not a namespace)."""
    if "/" in package.import_path:
        return False
    source = Path(package.source)
    return source.is_file() or (source / "__init__.py").is_file()


def _importable_suffixes() -> Tuple[str, ...]:
    """``importlib.machinery.all_suffixes()`` and ``.pyw``, without importing importlib."""
    import _imp

    return tuple(sorted(set(_imp.extension_suffixes()) | {".py", ".pyw", ".pyc"}))


def _importable_names(directory: Path) -> List[str]:
    """Top-level names a plain path entry ``directory`` makes importable."""
    suffixes = _importable_suffixes()
    names = set()
    try:
        scan = list(os.scandir(directory))
    except OSError:
        return []
    for item in scan:
        name = item.name
        try:
            is_dir = item.is_dir()
        except OSError:
            continue
        if is_dir:
            if name.isidentifier() and name != "__pycache__":
                names.add(name)
        elif name.endswith(suffixes):
            stem = name.partition(".")[0]
            if stem.isidentifier():
                names.add(stem)
    return sorted(names)


def _extra_names(entry: Path, packages: Sequence["PackageRoot"]) -> List[str]:
    """Importable (dotted) names under ``entry`` that are not the project's packages."""
    trie: Dict[str, dict] = {}
    for package in packages:
        node = trie
        parts = package.import_path.split("/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[_module_name(parts[-1])] = None  # a leaf: the whole package is ours

    extra: List[str] = []

    def walk(directory: Path, node: Dict[str, Optional[dict]], prefix: str) -> None:
        for name in _importable_names(directory):
            if name not in node:
                extra.append(prefix + name)
        for name, child in node.items():
            if child is not None:
                walk(directory / name, child, f"{prefix}{name}.")

    walk(entry, trie, "")
    return extra


# --------------------------------------------------------------------------- the probe


def _forced_probe_result() -> Tuple[bool, str]:
    """``(False, reason)`` when ``SYMBACK_EDITABLE_PROBE=fail`` (a testing aid), else ``(True, "")``."""
    if os.environ.get(PROBE_ENV, "").strip().lower() == "fail":
        return False, f"{PROBE_ENV}=fail"
    return True, ""


def symlink_support(directory: Path) -> Tuple[bool, str]:
    """Whether symlinks can be created and read back in ``directory`` (created if need be).

    Returns ``(ok, reason)``. ``SYMBACK_EDITABLE_PROBE=fail`` forces a failure (a testing
    aid). A ``directory`` this call created is removed again when the answer is no. The
    hooks that only need to know (``get_requires_for_build_editable``,
    ``prepare_metadata_for_build_editable``) call this; ``build_editable`` makes the tree
    instead, which answers the same question.
    """
    ok, reason = _forced_probe_result()
    if not ok:
        return ok, reason
    created = not os.path.lexists(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = _new_name(directory, ".symback-probe-", "")
        try:
            # A relative link to the directory itself: made, read back, and followed.
            os.symlink(".", probe, target_is_directory=True)
            if os.readlink(probe) != ".":
                return False, "a symlink made there does not read back"
            if not os.path.isdir(probe):
                return False, "a symlink made there does not lead to its target"
        finally:
            with contextlib.suppress(OSError):
                os.unlink(probe)
    except OSError as error:
        if created:
            with contextlib.suppress(OSError):
                directory.rmdir()
        return False, error.strerror or str(error)
    return True, ""


def _new_name(directory: Path, prefix: str, suffix: str) -> Path:
    """A path in ``directory`` that does not exist yet (``tempfile`` costs start-up time).

    The caller creates it exclusively (``mkdir``, ``symlink``) and retries on a clash.
    """
    return directory / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}{suffix}"


def _make_temp_dir(directory: Path, prefix: str, suffix: str) -> Path:
    """Create a new empty directory in ``directory``, unique to this call (like ``mkdtemp``)."""
    for _ in range(100):
        path = _new_name(directory, prefix, suffix)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(errno.EEXIST, "no unused temporary name", str(directory))


class SymlinksUnavailable(OSError):
    """Making the editable tree showed that symlinks cannot be made where it goes."""


# --------------------------------------------------------------------------- the tree


def materialize_tree(tree: Path, links: Iterable[TreeLink]) -> None:
    """Create ``tree`` holding ``links``, atomically replacing any tree already there.

    The new tree is built in a temporary directory beside ``tree`` and renamed into
    place; an existing tree is swapped out (``renameat2(RENAME_EXCHANGE)`` on Linux,
    else renamed aside) and then removed. A concurrent or interrupted build therefore
    never leaves a half tree at ``tree``. Removing a tree removes only its links, never
    what they point to.
    """
    parent = tree.parent
    created = not os.path.lexists(parent)
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _unavailable(error, parent) from None
    # ".." in a link value climbs the directories the link really sits in; relative
    # values are only written where those are the directories the path names.
    physical = os.path.realpath(parent) == os.path.abspath(parent)
    values: List[Tuple[TreeLink, str]] = []
    for link in links:
        value = link.target
        if physical and not link.relative:
            value = _relative_value(link.target, tree.joinpath(*link.path.split("/")).parent)
        values.append((link, value))
    if _tree_matches(tree, values):
        return  # a reinstall with nothing changed: the tree there is the one we would make
    try:
        tmp = _make_temp_dir(parent, f".{tree.name}.", ".tmp")
    except OSError as error:
        raise _unavailable(error, parent) from None
    _remove_leftovers(tree)
    try:
        (tmp / ".gitignore").write_bytes(_GITIGNORE)
        first = None
        for link, value in values:
            where = tmp.joinpath(*link.path.split("/"))
            where.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.symlink(value, where, target_is_directory=link.is_dir)
            except OSError as error:
                if first is None:  # the first link: symlinks do not work here
                    raise _unavailable(error, where) from None
                raise
            if first is None:
                first = (where, value)
        # The check symlink_support makes, on the tree's own first link.
        if first is not None:
            if os.readlink(first[0]) != first[1]:
                raise SymlinksUnavailable(0, "a symlink made there does not read back")
            if not os.path.exists(first[0]):
                raise SymlinksUnavailable(0, "a symlink made there does not lead to its target")
        _swap_into_place(tmp, tree)
    except BaseException as error:
        _remove(tmp)
        if created and isinstance(error, SymlinksUnavailable):
            with contextlib.suppress(OSError):
                parent.rmdir()
        from .common import resource_problem

        problem = resource_problem(error, tree.parent)
        if problem is not None:
            raise BuildError(problem) from None
        raise


def _unavailable(error: OSError, path: Path) -> Exception:
    """What a failed ``mkdir``/``symlink`` for the tree means: a full disk (a BuildError
    saying what ran out, where) or, for any other error, no symlinks there."""
    from .common import resource_problem

    problem = resource_problem(error, path)
    if problem is not None:
        return BuildError(problem)
    return SymlinksUnavailable(error.errno, error.strerror or str(error), str(path))


_GITIGNORE = b"# Made by symback for an editable install: never commit it.\n*\n"


def _tree_matches(tree: Path, values: Sequence[Tuple[TreeLink, str]]) -> bool:
    """Whether ``tree`` already holds exactly these links (with these values), their
    parent directories and the ``.gitignore``: then a reinstall leaves it alone, which
    costs less than making it (and never swaps a tree that an import is walking).

    POSIX only: on Windows a link also records whether it is a directory link.
    """
    if os.name != "posix" or not values:
        return False
    expected: Dict[str, Optional[str]] = {".gitignore": None}
    for link, value in values:
        expected[link.path] = value
        parts = link.path.split("/")
        for i in range(1, len(parts)):
            expected.setdefault("/".join(parts[:i]) + "/", None)
    found: Dict[str, Optional[str]] = {}

    def walk(directory: str, prefix: str) -> None:
        with os.scandir(directory) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_symlink():
                    found[rel] = os.readlink(entry.path)
                elif entry.is_dir():
                    found[rel + "/"] = None
                    walk(entry.path, rel + "/")
                else:
                    found[rel] = None
                if len(found) > len(expected):
                    raise OSError("more entries than the tree should have")

    try:
        if os.path.islink(tree):
            return False
        walk(os.fspath(tree), "")
        if found != expected:
            return False
        with open(tree / ".gitignore", "rb") as f:
            return f.read(len(_GITIGNORE) + 1) == _GITIGNORE
    except OSError:
        return False


def _relative_value(target: str, link_dir: Path) -> str:
    """``target`` as seen from ``link_dir`` (``../../src/pkg``), else ``target`` itself.

    Every path lookup inside a linked package walks the link's value: a relative value
    from ``build/__editable__.*/`` into the project is a few components, however deep
    the project lies, where an absolute one walks the project's whole path again
    (measured: +0.45 us against +1.3 us per lookup for a project 9 directories deep).
    """
    try:
        return os.path.relpath(target, link_dir)
    except ValueError:  # another drive (Windows): only an absolute path reaches it
        return target


def _swap_into_place(new: Path, final: Path) -> None:
    for _ in range(50):
        try:
            os.rename(new, final)  # works when nothing (or an empty directory) is there
            return
        except FileNotFoundError:
            if not os.path.lexists(new):
                raise
            continue
        except OSError as error:
            if error.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR, errno.EACCES):
                raise
        if _exchange(new, final):
            _remove(new)  # `new` now names the old tree
            return
        aside = _make_temp_dir(final.parent, f".{final.name}.", ".old")
        try:
            os.rename(final, aside / "tree")
        except FileNotFoundError:
            pass  # another build moved it first: try again
        try:
            os.rename(new, final)
            return
        except OSError as error:
            if error.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR, errno.EACCES):
                raise
        finally:
            _remove(aside)
    raise BuildError(
        f"{final}: cannot replace the editable tree there: other builds keep replacing it. "
        "Run one editable install of this project at a time."
    )


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def _remove(path: Path) -> None:
    """Remove a file, a link (never its target) or a directory tree of them; quietly."""
    try:
        if os.path.islink(path) or not os.path.isdir(path):
            os.unlink(path)
        else:
            _remove_tree(path)
    except OSError:
        pass


def _remove_tree(path: "os.PathLike[str] | str") -> None:
    """``shutil.rmtree(path, ignore_errors=True)`` for a tree of links and directories:
    unlinks symlinks, never follows them (``shutil`` costs a reinstall start-up time)."""
    with contextlib.suppress(OSError), os.scandir(path) as entries:
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    _remove_tree(entry.path)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass
    with contextlib.suppress(OSError):
        os.rmdir(path)


def _remove_leftovers(tree: Path) -> None:
    """Temporary trees that interrupted builds left beside ``tree``, whatever their age: a
    ``.tmp`` tree is named after the process that makes it (``_new_name``), and only one whose
    process is gone (or, where that cannot be asked, older than an hour) is removed, so a
    concurrent build's tree in the making stays."""
    now = time.time()
    prefix = f".{tree.name}."
    with contextlib.suppress(OSError):
        for item in os.scandir(tree.parent):
            if not item.name.startswith(prefix):
                continue
            if item.name.endswith(".old") or (
                item.name.endswith(".tmp") and (
                    _maker_gone(item.name[len(prefix):])
                    or now - item.stat(follow_symlinks=False).st_mtime > _STALE_SECONDS
                )
            ):
                _remove(Path(item.path))


def _maker_gone(name: str) -> bool:
    """Whether the process whose id starts ``name`` (``<pid>-<hex>.tmp``) has exited."""
    pid = name.split("-", 1)[0]
    if os.name == "nt" or not pid.isdigit() or not pid.isascii():
        return False  # os.kill(pid, 0) would terminate the process on Windows
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (OSError, ValueError, OverflowError):
        return False
    return False


# --------------------------------------------------------------------------- the wheel


def _data_entries(project: "Project") -> List["WheelEntry"]:
    """``[tool.symback.data]`` files: installed as copies, as from the release wheel (they go
    to other directories than the import path, which no link or path line can reach)."""
    if not project.tool.data:
        return []
    from .common import data_dir_name
    from .files import select_data_files
    from .wheel import WheelEntry, scripts_for_installers

    data = select_data_files(project)
    meta = project.metadata
    entries = [WheelEntry(f.arcname, f.source, None, f.executable, f.size) for f in data.files]
    if data.links:  # copied too, as the compat form would: the files themselves are copies
        from .linkrules import LinkTree

        by_arcname = {f.arcname: f for f in data.files}
        tree = LinkTree.build(data.links, by_arcname, source="[tool.symback.data] symlinks")
        for link in data.links:
            for rel, arcname in sorted(tree.expand(link.path).items()):
                f = by_arcname[arcname]
                entries.append(WheelEntry(f"{link.path}/{rel}" if rel else link.path, f.source, None,
                                          f.executable, f.size))
    return scripts_for_installers(entries, data_dir_name(meta.dist_name, meta.version))


def build_editable(
    project: "Project", wheel_directory: Path, *, metadata_directory: Optional[Path] = None,
    tag: Optional[str] = None,
) -> str:
    """PEP 660 ``build_editable``: make the tree (links mode) and write the editable wheel.

    Returns the wheel's file name: ``<dist>-<version>-0editable-<tag>.whl``, where ``tag``
    is the running interpreter's (``cp311-cp311-linux_x86_64``) unless given (``symback
    install -e --python`` passes the target interpreter's).
    """
    from .common import dist_info_name
    from .links import Link
    from .wheel import WheelEntry, wheel_filename, write_wheel

    stage = None
    if project.tool.build.enabled:  # [tool.symback.build]: compile into the editable staging
        from .native import run_build_step

        stage = run_build_step(project, "editable")
    # No probe: making the tree shows whether symlinks work, and a second plan falls back.
    plan = plan_editable(project, tag=tag, probe=False)
    if stage is not None:
        plan = _with_native_outputs(project, plan, stage)
    if plan.mode == "links":
        try:
            materialize_tree(plan.tree, plan.tree_links)
        except SymlinksUnavailable as error:
            plan = plan_editable(project, tag=tag, no_links=error.strerror or str(error))
            if stage is not None:
                plan = _with_native_outputs(project, plan, stage)  # outputs need links: says so
    meta = project.metadata
    dist_info = dist_info_name(meta.dist_name, meta.version)
    requires = list(plan.requires)

    entries: List[WheelEntry] = _dist_info_entries(project, dist_info, requires, metadata_directory)
    if stage is not None:
        entries += _native_data_entries(project, stage)
    pth_name = f"__editable__.{meta.dist_name}.pth"
    links: List[Link] = []
    if plan.mode == "links":
        entries.append(WheelEntry(pth_name, data=_pth_lines([plan.tree])))
        links = [Link(path, target) for path, target in plan.links_rows]
    elif plan.mode == "pth":
        entries.append(WheelEntry(pth_name, data=_pth_lines(plan.path_entries)))
    else:
        entries.extend(_editables_entries(project, plan))

    entries.extend(_data_entries(project))

    for message in plan.messages:
        print(message, file=sys.stderr)

    name = wheel_filename(meta.dist_name, meta.version, plan.tag, BUILD_TAG)
    write_wheel(
        Path(wheel_directory) / name,
        entries,
        dist_info=dist_info,
        wheel_version="1.0",
        tags=[plan.tag],
        root_is_purelib=True,
        links=links,
        build_tag=BUILD_TAG,
    )
    return name


# --------------------------------------------------------------------------- compiled projects


def _replace(plan: EditablePlan, **changes) -> EditablePlan:
    if hasattr(plan, "_replace"):  # a NamedTuple
        return plan._replace(**changes)  # type: ignore[attr-defined]
    import dataclasses

    return dataclasses.replace(plan, **changes)


def _with_native_outputs(project: "Project", plan: EditablePlan, stage: "Staging") -> EditablePlan:
    """The plan with the native step's ``platlib`` outputs shown in the tree, at their place.

    A package with outputs becomes a real directory of the tree whose entries link to the
    sources and to the outputs (recursively, where a directory exists on both sides); a
    directory only one side has is one link, so files added there later show. Outputs
    outside every package are linked at the top. Nothing is written into the sources.
    """
    platlib = stage.dirs["platlib"]
    if not platlib.is_dir() or not any(platlib.iterdir()):
        return plan
    if plan.mode != "links":
        raise BuildError(
            f"pyproject.toml: [tool.symback.build]: the native build step's outputs ({platlib}) can only be "
            "shown beside the sources through symlinks, and this editable install uses a .pth path "
            "entry. Use [tool.symback.editable] mode = \"links\" on a filesystem with symlinks."
        )
    packages = {p.import_path: Path(p.source) for p in project.packages}
    links: Dict[str, TreeLink] = {link.path: link for link in plan.tree_links}
    rows: Dict[str, str] = dict(plan.links_rows)

    def add(path: str, target: Path) -> None:
        links[path] = TreeLink(path, _absolute(target), is_dir=target.is_dir())
        rows[path] = _absolute(target)

    def drop_under(path: str) -> None:
        for key in [k for k in links if k == path or k.startswith(path + "/")]:
            del links[key]
            rows.pop(key, None)

    def merge(path: str, source: Path, output: Path) -> None:
        if not (source.is_dir() and output.is_dir()) or source.is_symlink() or output.is_symlink():
            raise BuildError(
                f"{path}: both the sources ({source}) and the native build step ({output}) provide it. "
                "Ship one: exclude the source file, or stop the build step from staging it."
            )
        names = {n for n in os.listdir(source) if n != "__pycache__"} | set(os.listdir(output))
        for name in sorted(names):
            src, out = source / name, output / name
            if os.path.lexists(src) and os.path.lexists(out):
                merge(f"{path}/{name}", src, out)
            else:
                add(f"{path}/{name}", out if os.path.lexists(out) else src)

    def outside(rel_dir: str, directory: Path) -> None:
        for name in sorted(os.listdir(directory)):
            rel, entry = (f"{rel_dir}/{name}" if rel_dir else name), directory / name
            if rel in packages:
                drop_under(rel)
                merge(rel, packages[rel], entry)
            elif any(p.startswith(rel + "/") for p in packages) and entry.is_dir() and not entry.is_symlink():
                outside(rel, entry)
            else:
                drop_under(rel)
                add(rel, entry)

    if project.tool.editable_strict:  # one link per file: the outputs' files too
        for path in _output_files(platlib):
            add(path, platlib / path)
    else:
        outside("", platlib)
    message = (
        f"symback: compiled outputs from {stage.root} are linked into the tree; after editing "
        "the compiled sources, run `symback rebuild` in the project directory"
    )
    return _replace(
        plan,
        tree_links=tuple(sorted(links.values(), key=lambda t: t.path)),
        links_rows=tuple(sorted(rows.items())),
        messages=tuple(plan.messages) + (message,),
    )


def _output_files(directory: Path) -> List[str]:
    """Files and symlinks below ``directory``, as posix paths relative to it."""
    found = []
    for dirpath, dirnames, filenames in os.walk(directory):
        rel_dir = Path(dirpath).relative_to(directory).as_posix()
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            found.append(name if rel_dir == "." else f"{rel_dir}/{name}")
    return sorted(found)


def _native_data_entries(project: "Project", stage: "Staging") -> list:
    """Copies of the step's scripts/headers/data outputs, for the environment's ``bin/``,
    include and prefix directories (a rebuild does not update them: a reinstall does)."""
    from .common import data_dir_name
    from .wheel import WheelEntry

    data_dir = data_dir_name(project.metadata.dist_name, project.metadata.version)
    entries = []
    for scheme in ("scripts", "headers", "data"):
        directory = stage.dirs[scheme]
        if not directory.is_dir():
            continue
        for rel in _output_files(directory):
            path = directory / rel
            if path.is_file():
                entries.append(WheelEntry(f"{data_dir}/{scheme}/{rel}", source=os.path.realpath(path),
                                          executable=os.access(path, os.X_OK)))
    return entries


def _dist_info_entries(
    project: "Project", dist_info: str, requires: Sequence[str], metadata_directory: Optional[Path]
) -> list:
    from .wheel import WheelEntry, metadata_entries

    ours = metadata_entries(project, dist_info, extra_requires=requires)
    if metadata_directory is None:
        return ours
    directory = Path(metadata_directory)
    if not directory.name.endswith(".dist-info"):
        found = sorted(directory.glob("*.dist-info"))
        if len(found) == 1:
            directory = found[0]
    given = directory / "METADATA"
    try:
        given_bytes = given.read_bytes()
    except OSError as error:
        raise BuildError(
            f"{given}: cannot read the metadata prepared for this build ({error.strerror}). "
            "Run the build again."
        ) from None
    (our_metadata,) = [e for e in ours if e.arcname == f"{dist_info}/METADATA"]
    if given_bytes != our_metadata.data:
        raise BuildError(
            f"{given}: the metadata prepared earlier differs from the editable wheel's (pyproject.toml "
            "changed in between, or the symlink support of the build directory did). Run the "
            "install again."
        )
    # PEP 660: the wheel carries exactly the prepared metadata: copy it byte for byte.
    copied = []
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            rel = path.relative_to(directory).as_posix()
            if rel in ("WHEEL", "RECORD", "LINKS") or rel.startswith("RECORD."):
                continue
            copied.append(WheelEntry(f"{dist_info}/{rel}", data=path.read_bytes()))
    return copied


def _pth_lines(entries: Iterable[Path]) -> bytes:
    lines = []
    for entry in entries:
        text = os.fspath(entry)
        if "\n" in text or "\r" in text or text.lstrip().startswith(("import ", "import\t", "#")):
            raise BuildError(
                f"{text!r}: this path cannot be written as a .pth line. Move the project to a "
                "directory whose path has no line breaks."
            )
        lines.append(text)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _editables_entries(project: "Project", plan: EditablePlan) -> list:
    from .wheel import WheelEntry

    try:
        from editables import EditableProject
    except ImportError:
        raise BuildError(
            f"pyproject.toml: {project.metadata.name}: this editable install needs the editables "
            f"package ({EDITABLES_REQUIREMENT}) in the build environment. Install it there, or build "
            "with build isolation (the default), where symback asks for it."
        ) from None
    editable = EditableProject(project.metadata.name, project.root)
    for name, source in plan.redirects:
        editable.map(name, source)
    for entry in plan.path_entries:
        editable.add_to_path(entry)
    entries = []
    for name, content in editable.files():
        if name.endswith(".py") and content.startswith(_EDITABLES_IMPORT + "\n"):
            content = _BOOTSTRAP_HEADER + content[len(_EDITABLES_IMPORT) + 1 :]
        entries.append(WheelEntry(name, data=content.encode("utf-8") + b"\n"))
    return entries


_EDITABLES_IMPORT = "from editables.redirector import RedirectingFinder as F"

# The wheel requires editables, but uv installs an editable project's dependencies from
# its static pyproject.toml, which does not name editables. So the generated module falls
# back to symback's own finder, answering the same two calls (install, map_module), when
# editables is not importable: the install imports either way.
_BOOTSTRAP_HEADER = f"""\
# Generated by symback for an editable install: do not edit.
try:
    {_EDITABLES_IMPORT}
except ImportError:
    import sys
    from importlib.util import spec_from_file_location

    class F:  # symback's stand-in for editables.redirector.RedirectingFinder
        \"\"\"Imports each mapped top-level name from the file it was mapped to.\"\"\"

        locations = {{}}

        @classmethod
        def map_module(cls, name, location):
            cls.locations[name] = location

        @classmethod
        def install(cls):
            if cls not in sys.meta_path:
                sys.meta_path.append(cls)

        @classmethod
        def find_spec(cls, name, path=None, target=None):
            location = cls.locations.get(name) if path is None else None
            return None if location is None else spec_from_file_location(name, location)

        @classmethod
        def invalidate_caches(cls):
            return None
"""
