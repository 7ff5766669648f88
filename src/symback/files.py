"""Which files ship: package discovery, ignore rules, and symlinks.

Discovery decides the :class:`PackageRoot` s (what lands at the top of the wheel);
:func:`select_wheel_files` walks them, :func:`select_sdist_files` walks the whole project.
Both apply the same rules, in this order:

1. never: ``__pycache__``, ``*.pyc``/``*.pyo``, VCS directories;
2. ``[tool.symback] exclude`` patterns drop a path;
3. ``[tool.symback] include`` patterns keep a path that ``.gitignore`` would drop;
4. paths ignored by the project's ``.gitignore`` files are dropped.

A symlink is never followed while walking. It ships as a link (see ``links.py``) when
it points, relatively, to something that ships too (PEP 778: a link is selected exactly
when its target is); anything else is a build error naming the link.
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from .errors import BuildError, ConfigError
from .links import Link

if TYPE_CHECKING:
    import pathspec

    from .config import Project
    from .native import Staging

ALWAYS_EXCLUDED_DIRS = frozenset({"__pycache__", ".git", ".hg", ".svn", ".bzr", "_darcs", ".jj"})
ALWAYS_EXCLUDED_SUFFIXES = (".pyc", ".pyo")
# Top-level names that are never import packages of a flat-layout project.
NOT_PACKAGES = frozenset(
    {
        "tests", "test", "testing", "docs", "doc", "examples", "example", "scripts", "tools",
        "benchmarks", "bench", "build", "dist", "site-packages", "node_modules", "venv", "env",
    }
)
NOT_MODULES = frozenset({"setup.py", "conftest.py", "noxfile.py", "tasks.py", "fabfile.py", "manage.py"})


class PackageRoot(NamedTuple):
    """One top-level import location shipped by the wheel."""

    import_path: str  # "pkg", "mod.py", or "ns/pkg" inside a PEP 420 namespace
    source: Path  # absolute path of that directory or module on disk

    @property
    def is_module(self) -> bool:
        return self.import_path.endswith(".py")


class SourceFile(NamedTuple):
    source: str  # absolute path on disk, a regular file
    arcname: str  # archive path
    executable: bool
    size: int  # when it was walked (the archive stores what is read)


class FileSet(NamedTuple):
    files: Tuple[SourceFile, ...]
    links: Tuple[Link, ...]

    @property
    def arcnames(self) -> List[str]:
        return [f.arcname for f in self.files]


# -- discovery ------------------------------------------------------------------------


def _import_name(project_name: str) -> str:
    return project_name.replace("-", "_").replace(".", "_").lower()


def _is_package_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and (path / "__init__.py").is_file()


def _has_python(path: Path) -> bool:
    for _dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if d not in ALWAYS_EXCLUDED_DIRS]
        if any(f.endswith(".py") for f in filenames):
            return True
    return False


def _candidates(base: Path, *, flat: bool) -> List[PackageRoot]:
    """Importable things directly in ``base``: packages, modules, namespace directories."""
    found = []
    for entry in sorted(base.iterdir(), key=lambda p: p.name):
        name = entry.name
        if name.startswith((".", "_")) or not name.isidentifier() and not name.endswith(".py"):
            continue
        if entry.is_dir() and not entry.is_symlink():
            if flat and (name in NOT_PACKAGES or name.endswith(".egg-info")):
                continue
            if name.isidentifier() and (_is_package_dir(entry) or (not flat and _has_python(entry))):
                found.append(PackageRoot(name, entry))
        elif entry.is_file() and name.endswith(".py") and name[:-3].isidentifier():
            if flat and name in NOT_MODULES:
                continue
            found.append(PackageRoot(name, entry))
    return found


def _by_name(base: Path, project_name: str) -> Optional[PackageRoot]:
    """The package or module named after the project, if ``base`` has one.

    ``acme.plugins.hello`` is also looked for as ``acme/plugins/hello`` (a package in a
    PEP 420 namespace).
    """
    name = _import_name(project_name)
    if _is_package_dir(base / name):
        return PackageRoot(name, base / name)
    if (base / f"{name}.py").is_file():
        return PackageRoot(f"{name}.py", base / f"{name}.py")
    parts = [p for p in project_name.lower().replace("-", "_").split(".") if p]
    if len(parts) > 1 and all(p.isidentifier() for p in parts):
        nested = base.joinpath(*parts)
        if nested.is_dir() and not nested.is_symlink():
            return PackageRoot("/".join(parts), nested)
        if nested.with_name(parts[-1] + ".py").is_file():
            return PackageRoot("/".join(parts) + ".py", nested.with_name(parts[-1] + ".py"))
    return None


def _packages_hint(paths: Iterable[str]) -> str:
    listed = ", ".join(f'"{p}"' for p in paths)
    return f"\n\n    [tool.symback]\n    packages = [{listed}]\n"


def discover_packages(root: Path, project_name: str, explicit: Optional[Sequence[str]]) -> Tuple[PackageRoot, ...]:
    """The package roots to ship, from ``[tool.symback] packages`` or by discovery."""
    if explicit is not None:
        return tuple(_explicit_package(root, entry) for entry in explicit)

    src = root / "src"
    if src.is_dir():
        named = _by_name(src, project_name)
        candidates = _candidates(src, flat=False)
        where, prefix = "src/", "src/"
    else:
        named = _by_name(root, project_name)
        candidates = _candidates(root, flat=True)
        where, prefix = "the project root", ""
    if named is not None:
        # As flit, hatchling and uv_build do: the package named after the project wins.
        _note_left_out(named, candidates, prefix)
        return (named,)
    if len(candidates) == 1:
        return (candidates[0],)
    seen = candidates

    if not seen:
        raise ConfigError(
            f"pyproject.toml: [tool.symback] packages: no import package found for project "
            f"{project_name!r} in {where} (looked for a package named "
            f"{_import_name(project_name)!r}, a module {_import_name(project_name)}.py, or a single "
            "package or module). Name what to ship explicitly, e.g.:"
            + _packages_hint([f"src/{_import_name(project_name)}" if src.is_dir() else _import_name(project_name)])
        )
    rel = [("src/" if src.is_dir() else "") + c.import_path for c in seen]
    raise ConfigError(
        f"pyproject.toml: [tool.symback] packages: found {len(seen)} candidates in {where}: "
        f"{', '.join(rel)}; none is named after the project ({_import_name(project_name)!r}), "
        "so symback will not guess. List what to ship, e.g.:"
        + _packages_hint(rel)
    )


def _note_left_out(named: PackageRoot, candidates: Sequence[PackageRoot], prefix: str) -> None:
    """Say on stderr which other top-level candidates discovery leaves out, and how to ship them."""
    top = named.import_path.split("/")[0]
    others = [c.import_path for c in candidates if c.import_path != top]
    if not others:
        return
    import sys

    shipped = [prefix + named.import_path] + [prefix + o for o in others]
    print(
        f"symback: shipping {prefix}{named.import_path}, named after the project; left out: "
        f"{', '.join(prefix + o for o in others)}. To ship them too, list every package in "
        "pyproject.toml:" + _packages_hint(shipped),
        file=sys.stderr,
    )


def _explicit_package(root: Path, entry: str) -> PackageRoot:
    where = f"pyproject.toml: [tool.symback] packages: {entry!r}"
    rel = posixpath.normpath(entry.replace("\\", "/")).rstrip("/")
    if rel.startswith(("../", "/")) or rel in ("..", ".", ""):
        raise ConfigError(f"{where}: must be a path inside the project (like \"src/mypkg\"). Fix the entry.")
    path = root / rel
    if not path.exists():
        raise ConfigError(f"{where}: {path} does not exist. Fix the path, relative to the project root.")
    if path.is_dir():
        if not _has_python(path):
            raise ConfigError(f"{where}: the directory holds no Python files. Name a package directory.")
    elif not rel.endswith(".py"):
        raise ConfigError(f"{where}: not a package directory or a .py module. Name one of those.")
    # The import path is the path below its source root: `src/` when under it, else the
    # project root itself.
    import_path = rel[len("src/"):] if rel.startswith("src/") and (root / "src").is_dir() else rel
    parts = import_path[:-3].split("/") if import_path.endswith(".py") else import_path.split("/")
    if not all(p.isidentifier() for p in parts):
        raise ConfigError(
            f"{where}: {import_path!r} is not an importable name (each part must be a Python "
            "identifier). Rename the directory or name its parent."
        )
    return PackageRoot(import_path, path)


# -- ignore rules ---------------------------------------------------------------------


def _compile(lines: Sequence[str], where: str = "[tool.symback] include/exclude") -> "pathspec.GitIgnoreSpec":
    """``lines`` as one gitignore spec; a pattern that does not compile (``[z-a]``) is a
    ConfigError naming ``where`` (the key, or the .gitignore file) and the pattern."""
    import re

    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, TypeError, RecursionError, re.error):
        pass
    for line in lines:  # find the culprit (rare: only on error)
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except (ValueError, TypeError, RecursionError, re.error) as error:
            from .errors import ConfigError

            raise ConfigError(
                f"{where}: the pattern {line[:80]!r} is not a valid gitignore pattern "
                f"({str(error)[:120]}). Fix it (a range such as [a-z] goes from low to high)."
            ) from None
    raise ConfigError(f"{where}: the patterns do not compile. Check them.")


class IgnoreRules:
    """``.gitignore`` files, ``include`` and ``exclude``, answered for project-relative paths."""

    def __init__(
        self, root: Path, include: Sequence[str], exclude: Sequence[str], *, root_dirs_out: Sequence[str] = ()
    ) -> None:
        self.root = root
        # Directories at the project root that stay out whatever the patterns say (the
        # sdist's "build" and "dist"): exclude patterns "/build/", "/dist/" without pathspec.
        self._root_dirs_out = frozenset(root_dirs_out)
        # pathspec is imported only when there is a pattern to compile.
        self._include = _compile(include, "pyproject.toml: [tool.symback] include") if include else None
        self._exclude = _compile(exclude, "pyproject.toml: [tool.symback] exclude") if exclude else None
        # directory (relative, "" for the root) -> the spec of its .gitignore
        self._gitignores: Dict[str, Optional["pathspec.GitIgnoreSpec"]] = {}
        self._above: Dict[str, Tuple[Tuple[int, "pathspec.GitIgnoreSpec"], ...]] = {}

    def _gitignore(self, rel_dir: str) -> Optional["pathspec.GitIgnoreSpec"]:
        if rel_dir not in self._gitignores:
            path = self.root / rel_dir / ".gitignore"
            spec = None
            if path.is_file() and not path.is_symlink():
                with open(path, encoding="utf-8", errors="surrogateescape") as f:
                    spec = _compile(f.read().splitlines(), str(path))
            self._gitignores[rel_dir] = spec
        return self._gitignores[rel_dir]

    def _specs_above(self, rel_dir: str) -> Tuple[Tuple[int, "pathspec.GitIgnoreSpec"], ...]:
        """The ``.gitignore`` specs that judge paths in ``rel_dir``, deepest first, each
        with the length of its directory's prefix. Cached: asked once per file."""
        specs = self._above.get(rel_dir)
        if specs is None:
            parent = self._specs_above(rel_dir.rpartition("/")[0]) if rel_dir else ()
            own = self._gitignore(rel_dir)
            specs = (((len(rel_dir) + 1 if rel_dir else 0), own),) + parent if own is not None else parent
            self._above[rel_dir] = specs
        return specs

    def _git_ignored(self, rel: str, is_dir: bool) -> bool:
        # The deepest .gitignore that has an opinion wins; ancestors' decisions about a
        # parent directory were already applied while walking down.
        for prefix, spec in self._specs_above(rel.rpartition("/")[0]):
            result = spec.check_file(rel[prefix:] + ("/" if is_dir else ""))
            if result.include is not None:
                return bool(result.include)
        return False

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
        return self._git_ignored(rel, is_dir)

    def included_explicitly(self, rel: str, is_dir: bool) -> bool:
        return self._include is not None and self._include.match_file(rel + "/" if is_dir else rel)


# -- walking ---------------------------------------------------------------------------


class _Found(NamedTuple):
    rel: str  # project-relative posix path
    path: str  # on disk
    is_link: bool
    executable: bool
    size: int


def walk(root: Path, start: Path, rules: IgnoreRules) -> Iterator[_Found]:
    """Files and symlinks below ``start`` (or ``start`` itself), never following a link."""
    root_prefix = len(str(root)) + 1
    if not start.is_dir() or start.is_symlink():
        st = os.lstat(start)
        is_link = stat.S_ISLNK(st.st_mode)
        yield _Found(start.relative_to(root).as_posix(), str(start), is_link, bool(st.st_mode & 0o111) and not is_link, st.st_size)
        return
    stack = [str(start)]
    while stack:
        with os.scandir(stack.pop()) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            # Paths are handled as strings here: this loop runs once per file.
            rel = entry.path[root_prefix:].replace(os.sep, "/")
            is_link = entry.is_symlink()
            is_dir = entry.is_dir(follow_symlinks=False)
            if rules.excluded(rel, is_dir or (is_link and os.path.isdir(entry.path))):
                continue
            if is_dir:
                stack.append(entry.path)
                continue
            if not is_link and not entry.is_file(follow_symlinks=False):
                continue  # sockets, fifos, devices never ship
            st = entry.stat(follow_symlinks=False)
            yield _Found(rel, entry.path, is_link, bool(st.st_mode & 0o111) and not is_link, st.st_size)


def _link_target(found: _Found, root: Path) -> Tuple[str, str]:
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


def select_wheel_files(project: "Project", *, stage: Optional["Staging"] = None) -> FileSet:
    """The regular files and symlinks of the release wheel (with the native build step's
    outputs in ``stage``, when it ran)."""
    root = project.root
    # [tool.symback.build] artifacts: in-tree build outputs ship even where .gitignore hides them.
    rules = IgnoreRules(root, project.tool.include + project.tool.build.artifacts, project.tool.exclude)
    files: List[SourceFile] = []
    raw_links: Dict[str, str] = {}  # project-relative link -> project-relative target
    to_arc: Dict[str, str] = {}  # project-relative -> archive path, for everything shipped

    for package in project.packages:
        base_rel = package.source.relative_to(root).as_posix()
        for found in walk(root, package.source, rules):
            _take(found, package.import_path + found.rel[len(base_rel):], root, to_arc, raw_links, files)

    links: List[Link] = []
    for rel, target_arc in _link_targets(raw_links, to_arc):
        if target_arc is None:
            raise BuildError(
                f"{rel}: symlink to {raw_links[rel]!r}, which is not in the wheel (it is outside the "
                "shipped packages, excluded, or ignored by .gitignore). A link ships only when "
                "its target does (PEP 778). Ship the target (e.g. [tool.symback] include), or "
                "exclude the link."
            )
        links.append(Link(to_arc[rel], target_arc))

    if stage is not None:
        _add_native_outputs(project, stage, files, links)
    _add_data_files(project, files, links)
    # Cycles, chains too deep, paths through a link: the installer's own rules, checked
    # here so that a wheel symback builds is one symback installs.
    if links:
        from .linkrules import LinkTree

        LinkTree.build(links, (f.arcname for f in files), source="symlinks in the wheel (archive paths)")
    return FileSet(tuple(sorted(files, key=lambda f: f.arcname)), tuple(sorted(links)))


def _add_native_outputs(project: "Project", stage: "Staging", files: List[SourceFile], links: List[Link]) -> None:
    """What the native build step staged, appended to ``files`` and ``links``.

    ``platlib`` outputs land at their relative path from the wheel root (beside the
    packages, and inside them: ``greet/libgreet.so.1``); the other schemes' under
    ``<name>-<version>.data/<scheme>/``. A symlink among the outputs ships as a link
    under the same rules as a source symlink; its target must lie in the same scheme's
    staging directory (``scripts/samu -> ninja``, ``data/lib/libfoo.so -> libfoo.so.1``).
    """
    from .common import data_dir_name

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
    from .common import data_dir_name
    from .errors import LinksError
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
            _take(found, arcname, root, to_arc, raw_links, files)
    links: List[Link] = []
    for rel, target_arc in _link_targets(raw_links, to_arc):
        if target_arc is None:
            raise BuildError(
                f"{rel}: symlink to {raw_links[rel]!r}, which is not among the [tool.symback.data] files. A link "
                "ships only when its target does (PEP 778). Map the target too, or exclude the link."
            )
        try:
            check_archive_path(to_arc[rel], source="symlinks in the wheel's .data directory", what="link path")
        except LinksError as error:
            raise BuildError(
                f"{rel}: a symlink in a [tool.symback.data] directory, to {target!r}: it cannot ship as a "
                f"link ({error}). Replace it by a copy of its target, or exclude it "
                "([tool.symback] exclude)."
            ) from None
        links.append(Link(to_arc[rel], target_arc))
    return FileSet(tuple(files), tuple(links))


def _add_data_files(project: "Project", files: List[SourceFile], links: List[Link]) -> None:
    data = select_data_files(project)
    files.extend(data.files)
    links.extend(data.links)


def _take(
    found: _Found, arcname: str, root: Path, to_arc: Dict[str, str], raw_links: Dict[str, str], files: List[SourceFile]
) -> None:
    """Record what a walk found at ``arcname``: a file to ship, or a link to resolve once
    every shipped path is known (``_link_targets``)."""
    to_arc[found.rel] = arcname
    if found.is_link:
        raw_links[found.rel] = _link_target(found, root)[1]
    else:
        files.append(SourceFile(found.path, arcname, found.executable, found.size))


def _link_targets(raw_links: Dict[str, str], to_arc: Dict[str, str]) -> Iterator[Tuple[str, Optional[str]]]:
    """Each link (project-relative, sorted) and the archive path of its target: a shipped
    file or a directory holding one; None when the target does not ship."""
    shipped_dirs = {rel.rsplit("/", i)[0] for rel in to_arc for i in range(1, rel.count("/") + 1)}
    for rel, target in sorted(raw_links.items()):
        if target in to_arc:
            yield rel, to_arc[target]
        elif target in shipped_dirs:
            yield rel, _dir_arcname(target, to_arc)
        else:
            yield rel, None


def _dir_arcname(target_dir: str, to_arc: Dict[str, str]) -> str:
    prefix = target_dir + "/"
    for rel, arc in to_arc.items():
        if rel.startswith(prefix):
            return arc[: len(arc) - (len(rel) - len(target_dir))]
    raise AssertionError(target_dir)  # pragma: no cover - callers check membership


class SdistMember(NamedTuple):
    rel: str  # path inside the sdist, below its top directory
    source: str  # on disk
    link_target: Optional[str]  # the raw relative target, for a symlink
    executable: bool
    size: int  # as the walk stat-ed it (0 for a symlink)


def select_sdist_files(project: "Project") -> List[SdistMember]:
    """Everything the sdist holds: the project tree minus ignored files, links as links.

    pyproject.toml, the readme and the license files are always in, even if ignored.
    """
    root = project.root
    # Build outputs (artifacts) never go into the sdist, even where .gitignore misses them.
    exclude = project.tool.exclude + project.tool.build.artifacts
    rules = IgnoreRules(root, project.tool.include, exclude, root_dirs_out=("build", "dist"))
    members: Dict[str, SdistMember] = {}
    raw_links: Dict[str, str] = {}
    for found in walk(root, root, rules):
        if found.is_link:
            raw, raw_links[found.rel] = _link_target(found, root)
            members[found.rel] = SdistMember(found.rel, found.path, raw.replace(os.sep, "/"), False, 0)
        else:
            members[found.rel] = SdistMember(found.rel, found.path, None, found.executable, found.size)
    required = ["pyproject.toml", *project.metadata.license_files]
    if project.metadata.readme_file:
        required.append(project.metadata.readme_file)
    for rel in required:
        if rel not in members:
            st = os.stat(root / rel)
            members[rel] = SdistMember(rel, str(root / rel), None, bool(st.st_mode & 0o111), st.st_size)
    shipped = set(members)
    shipped_dirs = {rel.rsplit("/", i)[0] for rel in shipped for i in range(1, rel.count("/") + 1)}
    for rel, target in raw_links.items():
        if target not in shipped and target not in shipped_dirs:
            raise BuildError(
                f"{rel}: symlink to {target!r}, which is not in the sdist (excluded or ignored). "
                "Include the target, or exclude the link."
            )
    if raw_links:
        from .linkrules import LinkTree

        LinkTree.build(
            (Link(rel, target) for rel, target in raw_links.items()),
            (rel for rel, m in members.items() if m.link_target is None),
            source="symlinks in the sdist (project paths)",
        )
    return [members[k] for k in sorted(members)]
