"""PEP 660 editable wheels: a symlink tree in the project, named by a plain ``.pth`` line.

``build/__editable__.<dist>-<tag>/`` holds one symlink per top-level package or module
(strict mode: per file) into the sources; the wheel holds its ``.dist-info`` (an editable
``LINKS`` names the same links) and a ``.pth`` naming the tree. RECORD never names a path
inside a linked directory: uninstallers delete what RECORD lists (``docs/editable.md``).
This module is what a plain links-mode install runs; each rarer path is an ``editable_*``
module imported when taken (``docs/design.md``, "Modules").
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

from .errors import BuildError

if TYPE_CHECKING:
    from .config import Project

__all__ = [
    "BUILD_TAG", "PROBE_ENV", "EditablePlan", "SymlinksUnavailable", "TreeLink",
    "build_editable", "editable_requires", "materialize_tree", "plan_editable", "symlink_support",
    "tree_directory",
]

#: The wheel build tag that marks a symback editable wheel (``name-ver-0editable-tag.whl``).
BUILD_TAG = "0editable"
#: Testing aid: ``SYMBACK_EDITABLE_PROBE=fail`` makes the symlink probe report failure.
PROBE_ENV = "SYMBACK_EDITABLE_PROBE"


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


def tree_directory(project: "Project", tag: str) -> Path:
    """``<root>/build/__editable__.<dist_name>-<tag>``: the project's tree for ``tag``."""
    return Path(project.root) / "build" / f"__editable__.{project.metadata.dist_name}-{tag}"


def editable_requires(project: "Project") -> List[str]:
    """The editable wheel's extra ``Requires-Dist``, also what its build needs (``["editables>=0.5"]``
    for the import hook, else ``[]``): metadata, build environment and wheel agree."""
    return list(plan_editable(project).requires)


def plan_editable(
    project: "Project", *, tag: Optional[str] = None, probe: bool = True, no_links: Optional[str] = None
) -> EditablePlan:
    """Decide the mode and compute everything the editable wheel and tree need; a
    :class:`BuildError` where the configured mode cannot be honoured. Probes symlink support
    in ``<root>/build`` (``links``/``auto`` modes) unless ``probe`` is false: ``build_editable``
    makes the tree, which shows whether links work, and plans again with ``no_links`` (the
    reason) when they do not."""
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
    names = ", ".join(_dotted(p.import_path) for p in packages)

    reason = ""
    if mode != "pth":
        if no_links is not None:
            ok, reason = False, no_links
        elif probe:
            ok, reason = symlink_support(tree.parent)
        else:
            ok, reason = _forced_probe_result()
        if ok:
            return _plan_links(project, tree, tag, strict, names)
    from .editable_fallback import plan_fallback  # pth mode, or links failed: raises in "links"

    fallback = plan_fallback(project, mode, names, tree.parent, reason, strict)
    return EditablePlan(tag=tag, tree=tree, **fallback._asdict())


def _plan_links(project: "Project", tree: Path, tag: str, strict: bool, names: str) -> EditablePlan:
    tree_links: List[TreeLink] = []
    rows: List[Tuple[str, str]] = []
    if not strict:
        for package in project.packages:
            source = os.path.abspath(package.source)
            tree_links.append(TreeLink(package.import_path, source, is_dir=Path(source).is_dir()))
            rows.append((package.import_path, source))
    else:
        from .editable_strict import strict_links
        from .files import select_wheel_files

        tree_links, rows = strict_links(project.packages, select_wheel_files(project), TreeLink)
    message = (
        f"symback: editable install through symlinks in {tree}"
        f"{' (strict: one link per file; reinstall to see new files)' if strict else ''}: "
        f"importable: {names}"
    )
    return EditablePlan(
        "links", tag, tree, tree_links=tuple(sorted(tree_links, key=lambda t: t.path)),
        links_rows=tuple(sorted(rows)), path_entries=(tree,), messages=(message,),
    )


def _dotted(import_path: str) -> str:
    """``ns/pkg`` -> ``ns.pkg``, ``mod.py`` -> ``mod``."""
    parts = import_path.split("/")
    parts[-1] = parts[-1].partition(".")[0]
    return ".".join(parts)


def _forced_probe_result() -> Tuple[bool, str]:
    """``(False, reason)`` when ``SYMBACK_EDITABLE_PROBE=fail`` (a testing aid), else ``(True, "")``."""
    if os.environ.get(PROBE_ENV, "").strip().lower() == "fail":
        return False, f"{PROBE_ENV}=fail"
    return True, ""


def symlink_support(directory: Path) -> Tuple[bool, str]:
    """Whether symlinks can be created and read back in ``directory`` (created if need be,
    and removed again when the answer is no): ``(ok, reason)``. ``SYMBACK_EDITABLE_PROBE=fail``
    forces a failure (a testing aid). ``build_editable`` does not probe: it makes the tree."""
    ok, reason = _forced_probe_result()
    if not ok:
        return ok, reason
    from .editable_probe import probe_symlinks

    return probe_symlinks(directory, _new_name(directory, ".symback-probe-", ""))


def _new_name(directory: Path, prefix: str, suffix: str) -> Path:
    """A path in ``directory`` that does not exist yet (``tempfile`` costs start-up time),
    for the caller to create exclusively, retrying on a clash. ``editable_swap`` reads the
    process id back from a temporary tree's name."""
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


def materialize_tree(tree: Path, links: Iterable[TreeLink]) -> None:
    """Create ``tree`` holding ``links``, atomically replacing any tree already there
    (unless it already is this tree). The new tree is built in a temporary directory beside
    ``tree`` and renamed into place (``editable_swap`` exchanges it with an existing one),
    so a concurrent or interrupted build never leaves a half tree at ``tree``."""
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
    with contextlib.suppress(OSError):  # leftovers of interrupted builds (not this one's)
        prefix = f".{tree.name}."
        if any(n.startswith(prefix) and n != tmp.name for n in os.listdir(parent)):
            from .editable_swap import remove_leftovers

            remove_leftovers(tree)
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
        try:
            os.rename(tmp, tree)  # a first install: nothing (or an empty directory) is there
        except OSError:
            from .editable_swap import swap_into_place

            swap_into_place(tmp, tree, _make_temp_dir)
    except BaseException as error:
        from .editable_swap import abandon

        abandon(tmp, error, parent if created and isinstance(error, SymlinksUnavailable) else None)
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
    costs less than making it (and never swaps a tree that an import is walking). POSIX
    only: on Windows a link also records whether it is a directory link."""
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
    Every path lookup inside a linked package walks the link's value: a relative one is a
    few components however deep the project lies (measured: docs/design.md, "Decisions")."""
    try:
        return os.path.relpath(target, link_dir)
    except ValueError:  # another drive (Windows): only an absolute path reaches it
        return target


def build_editable(
    project: "Project", wheel_directory: Path, *, metadata_directory: Optional[Path] = None,
    tag: Optional[str] = None,
) -> str:
    """PEP 660 ``build_editable``: make the tree (links mode) and write the editable wheel
    ``<dist>-<version>-0editable-<tag>.whl``, returning its name. ``tag`` is the running
    interpreter's unless given (``symback install -e --python`` passes the target's)."""
    from .common import dist_info_name
    from .links import Link
    from .wheel import WheelEntry, metadata_entries, wheel_filename, write_wheel

    stage = None
    if project.tool.build.enabled:  # [tool.symback.build]: compile into the editable staging
        from .native import run_build_step

        stage = run_build_step(project, "editable")
    # No probe: making the tree shows whether symlinks work, and a second plan falls back.
    plan = plan_editable(project, tag=tag, probe=False)
    if stage is not None:
        from .editable_native import native_data_entries, with_native_outputs

        plan = with_native_outputs(project, plan, stage, TreeLink)
    if plan.mode == "links":
        try:
            materialize_tree(plan.tree, plan.tree_links)
        except SymlinksUnavailable as error:
            plan = plan_editable(project, tag=tag, no_links=error.strerror or str(error))
            if stage is not None:  # outputs need links: says so
                plan = with_native_outputs(project, plan, stage, TreeLink)
    meta = project.metadata
    dist_info = dist_info_name(meta.dist_name, meta.version)
    entries: List[WheelEntry] = metadata_entries(project, dist_info, extra_requires=list(plan.requires))
    if metadata_directory is not None:  # PEP 660: the wheel carries the prepared metadata
        from .editable_prepared import prepared_entries

        entries = prepared_entries(entries, dist_info, metadata_directory)
    if stage is not None:
        entries += native_data_entries(project, stage)
    pth_name = f"__editable__.{meta.dist_name}.pth"
    links: List[Link] = []
    if plan.mode == "links":
        entries.append(WheelEntry(pth_name, data=_pth_lines([plan.tree])))
        links = [Link(path, target) for path, target in plan.links_rows]
    elif plan.mode == "pth":
        entries.append(WheelEntry(pth_name, data=_pth_lines(plan.path_entries)))
    else:
        from .editable_redirect import editables_entries

        entries.extend(editables_entries(project, plan.redirects, plan.path_entries))
    if project.tool.data:
        from .editable_data import data_entries

        entries.extend(data_entries(project))
    for message in plan.messages:
        print(message, file=sys.stderr)
    name = wheel_filename(meta.dist_name, meta.version, plan.tag, BUILD_TAG)
    write_wheel(Path(wheel_directory) / name, entries, dist_info=dist_info, wheel_version="1.0",
                tags=[plan.tag], root_is_purelib=True, links=links, build_tag=BUILD_TAG)
    return name


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
