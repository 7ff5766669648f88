"""Which files ship: package discovery (every hook), the wheel's and sdist's selections.

The selections walk with ``filewalk`` (home of ``SourceFile``, ``FileSet``); rarer paths
are imported when needed: ``discovery``, ``filelinks``, ``datafiles``, ``sdistfiles``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, NamedTuple, Optional, Sequence, Tuple

if TYPE_CHECKING:
    from .config import Project
    from .filewalk import FileSet
    from .links import Link
    from .native import Staging
    from .sdistfiles import SdistMember

# Top-level names that are never import packages of a flat-layout project.
NOT_PACKAGES = frozenset({
    "tests", "test", "testing", "docs", "doc", "examples", "example", "scripts", "tools",
    "benchmarks", "bench", "build", "dist", "site-packages", "node_modules", "venv", "env",
})
NOT_MODULES = frozenset({"setup.py", "conftest.py", "noxfile.py", "tasks.py", "fabfile.py", "manage.py"})


class PackageRoot(NamedTuple):
    """One top-level import location shipped by the wheel."""

    import_path: str  # "pkg", "mod.py", or "ns/pkg" inside a PEP 420 namespace
    source: Path  # absolute path of that directory or module on disk

    @property
    def is_module(self) -> bool:
        return self.import_path.endswith(".py")


def _import_name(project_name: str) -> str:
    return project_name.replace("-", "_").replace(".", "_").lower()


def _is_package_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and (path / "__init__.py").is_file()


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
            if name.isidentifier() and (_is_package_dir(entry) or (not flat and _namespace_dir(entry))):
                found.append(PackageRoot(name, entry))
        elif entry.is_file() and name.endswith(".py") and name[:-3].isidentifier():
            if flat and name in NOT_MODULES:
                continue
            found.append(PackageRoot(name, entry))
    return found


def _namespace_dir(path: Path) -> bool:
    from .discovery import has_python

    return has_python(path)


def _by_name(base: Path, project_name: str) -> Optional[PackageRoot]:
    """The package or module named after the project, if ``base`` has one (a dotted name
    also in a PEP 420 namespace: ``discovery.in_namespace``)."""
    name = _import_name(project_name)
    if _is_package_dir(base / name):
        return PackageRoot(name, base / name)
    if (base / f"{name}.py").is_file():
        return PackageRoot(f"{name}.py", base / f"{name}.py")
    if "." in project_name:
        from .discovery import in_namespace

        found = in_namespace(base, project_name)
        return PackageRoot(*found) if found else None
    return None


def discover_packages(root: Path, project_name: str, explicit: Optional[Sequence[str]]) -> Tuple[PackageRoot, ...]:
    """The package roots to ship, from ``[tool.symback] packages`` or by discovery."""
    if explicit is not None:
        from .discovery import explicit_packages

        return tuple(PackageRoot(*p) for p in explicit_packages(root, explicit))
    src = root / "src"
    flat = not src.is_dir()
    base = root if flat else src
    named = _by_name(base, project_name)
    candidates = _candidates(base, flat=flat)
    prefix = "" if flat else "src/"
    if named is not None:
        # As flit, hatchling and uv_build do: the package named after the project wins.
        top = named.import_path.split("/")[0]
        others = [c.import_path for c in candidates if c.import_path != top]
        if others:
            from .discovery import note_left_out

            note_left_out(named.import_path, others, prefix)
        return (named,)
    if len(candidates) == 1:
        return (candidates[0],)
    from .discovery import not_discovered

    where = "the project root" if flat else "src/"
    not_discovered(project_name, _import_name(project_name), where, [c.import_path for c in candidates], not flat)


def select_wheel_files(project: "Project", *, stage: Optional["Staging"] = None) -> "FileSet":
    """The regular files and symlinks of the release wheel (with the native build step's
    outputs in ``stage``, when it ran)."""
    from operator import attrgetter

    from .filewalk import FileSet, IgnoreRules, SourceFile, take, walk

    root = project.root
    # [tool.symback.build] artifacts: in-tree build outputs ship even where .gitignore hides them.
    rules = IgnoreRules(root, project.tool.include + project.tool.build.artifacts, project.tool.exclude)
    files: List[SourceFile] = []
    raw_links: Dict[str, str] = {}  # project-relative link -> project-relative target
    to_arc: Dict[str, str] = {}  # project-relative -> archive path, for everything shipped

    for package in project.packages:
        cut = len(package.source.relative_to(root).as_posix())
        prefix = package.import_path
        for found in walk(root, package.source, rules):
            take(found, prefix + found.rel[cut:], root, to_arc, raw_links, files)

    links: List["Link"] = []
    if raw_links or stage is not None or project.tool.data:
        from .datafiles import links_outputs_and_data

        links = links_outputs_and_data(project, stage, raw_links, to_arc, files)
    files.sort(key=attrgetter("arcname"))
    return FileSet(tuple(files), tuple(links))


def select_data_files(project: "Project") -> "FileSet":
    """``[tool.symback.data]``: the files of the wheel's ``.data/<scheme>/`` directories."""
    from .datafiles import select_data_files as select

    return select(project)


def select_sdist_files(project: "Project") -> List["SdistMember"]:
    """Everything the sdist holds (see ``sdistfiles.select_sdist_files``)."""
    from .sdistfiles import select_sdist_files as select

    return select(project)
