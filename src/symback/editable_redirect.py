"""The ``editables`` import hook, the editable install for what path lines cannot expose
exactly (a flat layout, a package mapped from a directory of another name) without symlinks.

Imported only by ``editable_fallback`` (planning) and ``editable.build_editable`` (the
wheel's files). Each top-level package or module is mapped on its own
(``EditableProject.map``); the wheel requires ``editables`` and its ``.pth`` runs an import
line (``docs/editable.md``, "The fallback").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Sequence, Tuple

from .errors import BuildError

if TYPE_CHECKING:
    from .config import Project
    from .files import PackageRoot

#: What the wheel requires (and the build needs) when the ``editables`` import hook is used.
EDITABLES_REQUIREMENT = "editables>=0.5"


def plan_redirect(
    entries: Dict[Path, List["PackageRoot"]], extra_by_entry: Dict[Path, List[str]], renamed: List["PackageRoot"]
) -> dict:
    """The fields of ``editable_fallback.Fallback`` for the import hook: the packages under a
    path entry that would expose ``extra_by_entry`` names, and the ``renamed`` ones, are
    mapped; path entries that expose nothing more stay path lines."""
    redirects: List[Tuple[str, Path]] = []
    path_entries: List[Path] = []
    exposed: List[str] = []
    for entry, pkgs in entries.items():
        if not extra_by_entry[entry]:
            path_entries.append(entry)
            continue
        for package in pkgs:
            if _mappable(package):
                redirects.append((package.import_path.partition(".")[0], Path(os.path.abspath(package.source))))
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
        redirects.append((package.import_path.partition(".")[0], Path(os.path.abspath(package.source))))

    mapped = ", ".join(name for name, _ in redirects)
    parts = [f"the editables import hook for {mapped}"]
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
    return dict(
        mode="redirect" if redirects else "pth",
        path_entries=tuple(path_entries),
        redirects=tuple(redirects),
        exposed_extra=tuple(sorted(set(exposed))),
        requires=(EDITABLES_REQUIREMENT,) if redirects else (),
        messages=(" ".join(parts).replace(" ;", ";"),),
    )


def _mappable(package: "PackageRoot") -> bool:
    """Whether the editables import hook can map ``package`` (top-level, not a namespace)."""
    if "/" in package.import_path:
        return False
    source = Path(package.source)
    return source.is_file() or (source / "__init__.py").is_file()


def editables_entries(
    project: "Project", redirects: Sequence[Tuple[str, Path]], path_entries: Sequence[Path]
) -> list:
    """The ``editables`` hook's files for these redirects and path entries
    (``__editable__.<name>.pth``, ``_editable_impl_<name>.py``: the module with
    symback's stand-in finder), as wheel entries."""
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
    for name, source in redirects:
        editable.map(name, source)
    for entry in path_entries:
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
