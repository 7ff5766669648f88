"""Package discovery's rare paths: ``[tool.symback] packages`` entries, the errors when
discovery finds nothing to ship or more than one candidate, and the note naming what it
leaves out. Discovery itself (``files.discover_packages``) imports this module only then.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Callable, Iterable, List, NoReturn, Sequence, Tuple

from .errors import ConfigError


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


def explicit_packages(root: Path, entries: Sequence[str], has_python: Callable[[Path], bool]) -> List[Tuple[str, Path]]:
    """``[tool.symback] packages``: each entry's import path and location, checked."""
    return [_explicit_package(root, entry, has_python) for entry in entries]


def _explicit_package(root: Path, entry: str, has_python: Callable[[Path], bool]) -> Tuple[str, Path]:
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
