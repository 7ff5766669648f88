"""An editable install of a project with a native build step (``[tool.symback.build]``).

Imported by ``editable`` only when the step ran: its ``platlib`` outputs are linked into
the tree beside the sources, and its ``scripts``/``headers``/``data`` outputs are copied
into the wheel (``docs/editable.md``, "Compiled projects").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict, List, TypeVar

from .errors import BuildError

if TYPE_CHECKING:
    from .config import Project
    from .native import Staging

Plan = TypeVar("Plan")  # editable.EditablePlan


def with_native_outputs(project: "Project", plan: Plan, stage: "Staging", tree_link: Callable) -> Plan:
    """``plan`` (an ``editable.EditablePlan``) with the native step's ``platlib`` outputs
    shown in the tree, at their place; ``tree_link`` makes a link (``editable.TreeLink``).

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
    links: Dict[str, object] = {link.path: link for link in plan.tree_links}
    rows: Dict[str, str] = dict(plan.links_rows)

    def add(path: str, target: Path) -> None:
        links[path] = tree_link(path, os.path.abspath(target), is_dir=target.is_dir())
        rows[path] = os.path.abspath(target)

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
    return plan._replace(
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


def native_data_entries(project: "Project", stage: "Staging") -> list:
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
