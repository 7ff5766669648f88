"""The editable install without symlinks: ``.pth`` path lines naming the source roots.

Imported by ``editable`` only in ``pth`` mode or when links cannot be made. Plain path
lines (``<root>/src``) are used where they expose exactly the project's packages;
elsewhere (a flat layout, a package mapped from a directory of another name)
``editable_redirect`` plans the ``editables`` import hook (``docs/editable.md``, "The
fallback").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, NamedTuple, Optional, Sequence, Tuple

from .errors import BuildError

if TYPE_CHECKING:
    from .config import Project
    from .files import PackageRoot

class Fallback(NamedTuple):
    """The fields of ``editable.EditablePlan`` that the fallback decides."""

    mode: str  # "pth" (plain path lines) or "redirect" (editables import hook)
    path_entries: Tuple[Path, ...]
    redirects: Tuple[Tuple[str, Path], ...]
    exposed_extra: Tuple[str, ...]
    requires: Tuple[str, ...]
    messages: Tuple[str, ...]


def plan_fallback(project: "Project", mode: str, names: str, build_dir: Path, reason: str, strict: bool) -> Fallback:
    """The plan without symlinks, for ``mode = "pth"`` or because symlinks failed in
    ``build_dir`` (``reason``: then ``mode = "links"`` is an error), with a message saying
    why and what it exposes (``names``: the project's packages, dotted)."""
    if mode == "links":
        raise BuildError(
            f'pyproject.toml: tool.symback.editable.mode: "links", but symlinks cannot be made in '
            f"{build_dir} ({reason}). Use mode = \"auto\" (or -C editable-mode=auto) to fall back to "
            "a .pth path entry, or keep the project on a filesystem that supports symlinks "
            "(on Windows: enable Developer Mode)."
        )
    plan = _plan_fallback(project, names)
    message = plan.messages[0]
    if strict:
        message += "; strict mode needs symlinks, so files added later are visible too"
    if mode == "pth":
        lead = "symback: editable mode pth:"
    else:
        lead = f"symback: symlinks unavailable in {build_dir} ({reason}); falling back to"
    return plan._replace(messages=(f"{lead} {message}",) + plan.messages[1:])


def _plan_fallback(project: "Project", names: str) -> Fallback:
    """Plain .pth path lines where they expose exactly the packages, else editables."""
    entries: Dict[Path, List["PackageRoot"]] = {}
    renamed: List["PackageRoot"] = []
    for package in project.packages:
        entry = _path_entry(package)
        if entry is None:
            renamed.append(package)
        else:
            entries.setdefault(entry, []).append(package)

    extra_by_entry = {entry: extra_names(entry, pkgs) for entry, pkgs in entries.items()}
    if not renamed and not any(extra_by_entry.values()):
        shown = ", ".join(str(e) for e in entries)
        return Fallback(
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

    from .editable_redirect import plan_redirect  # a flat layout, or a renamed package

    return Fallback(**plan_redirect(entries, extra_by_entry, renamed))


def _module_name(filename: str) -> str:
    return filename.partition(".")[0]


def _path_entry(package: "PackageRoot") -> Optional[Path]:
    """The directory whose plain path line makes ``package`` importable, or None if renamed."""
    source = Path(os.path.abspath(package.source))
    parts = package.import_path.split("/")
    if len(source.parts) <= len(parts) or list(source.parts[-len(parts) :]) != parts:
        return None
    entry = source
    for _ in parts:
        entry = entry.parent
    return entry


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


def extra_names(entry: Path, packages: Sequence["PackageRoot"]) -> List[str]:
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
