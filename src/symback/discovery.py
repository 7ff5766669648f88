"""Package discovery's rare paths: ``[tool.symback] packages`` entries, dotted project
names (PEP 420 namespaces), the errors when discovery finds nothing to ship or more than
one candidate, and the note naming what it leaves out. ``files.discover_packages``
imports this module only for those.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Iterable, List, NoReturn, Optional, Sequence, Tuple

from .errors import ConfigError


def in_namespace(base: Path, project_name: str) -> Optional[Tuple[str, Path]]:
    """``acme.plugins.hello`` as ``acme/plugins/hello`` (a package in a PEP 420 namespace) or
    ``acme/plugins/hello.py`` below ``base``: its import path and location, if there."""
    parts = [p for p in project_name.lower().replace("-", "_").split(".") if p]
    if len(parts) > 1 and all(p.isidentifier() for p in parts):
        nested = base.joinpath(*parts)
        if nested.is_dir() and not nested.is_symlink():
            return "/".join(parts), nested
        if nested.with_name(parts[-1] + ".py").is_file():
            return "/".join(parts) + ".py", nested.with_name(parts[-1] + ".py")
    return None


def _packages_hint(paths: Iterable[str]) -> str:
    listed = ", ".join(f'"{p}"' for p in paths)
    return f"\n\n    [tool.symback]\n    packages = [{listed}]\n"


def not_discovered(project_name: str, import_name: str, where: str, candidates: Sequence[str], src: bool) -> NoReturn:
    """The error when discovery found no candidate, or several and none named after the
    project (``candidates``: their import paths)."""
    if not candidates:
        raise ConfigError(
            f"pyproject.toml: [tool.symback] packages: no import package found for project "
            f"{project_name!r} in {where} (looked for a package named "
            f"{import_name!r}, a module {import_name}.py, or a single "
            "package or module). Name what to ship explicitly, e.g.:"
            + _packages_hint([f"src/{import_name}" if src else import_name])
        )
    rel = [("src/" if src else "") + c for c in candidates]
    raise ConfigError(
        f"pyproject.toml: [tool.symback] packages: found {len(candidates)} candidates in {where}: "
        f"{', '.join(rel)}; none is named after the project ({import_name!r}), "
        "so symback will not guess. List what to ship, e.g.:"
        + _packages_hint(rel)
    )


def note_left_out(named: str, others: Sequence[str], prefix: str) -> None:
    """Say on stderr which other top-level candidates discovery leaves out, and how to ship them."""
    import sys

    shipped = [prefix + named] + [prefix + o for o in others]
    print(
        f"symback: shipping {prefix}{named}, named after the project; left out: "
        f"{', '.join(prefix + o for o in others)}. To ship them too, list every package in "
        "pyproject.toml:" + _packages_hint(shipped),
        file=sys.stderr,
    )


def has_python(path: Path) -> bool:
    """Whether the directory ``path`` holds a Python file (a namespace package's, say)."""
    from .filewalk import ALWAYS_EXCLUDED_DIRS

    for _dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if d not in ALWAYS_EXCLUDED_DIRS]
        if any(f.endswith(".py") for f in filenames):
            return True
    return False


def explicit_packages(root: Path, entries: Sequence[str]) -> List[Tuple[str, Path]]:
    """``[tool.symback] packages``: each entry's import path and location, checked."""
    return [_explicit_package(root, entry) for entry in entries]


def _explicit_package(root: Path, entry: str) -> Tuple[str, Path]:
    where = f"pyproject.toml: [tool.symback] packages: {entry!r}"
    rel = posixpath.normpath(entry.replace("\\", "/")).rstrip("/")
    if rel.startswith(("../", "/")) or rel in ("..", ".", ""):
        raise ConfigError(f"{where}: must be a path inside the project (like \"src/mypkg\"). Fix the entry.")
    path = root / rel
    if not path.exists():
        raise ConfigError(f"{where}: {path} does not exist. Fix the path, relative to the project root.")
    if path.is_dir():
        if not has_python(path):
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
    return import_path, path
