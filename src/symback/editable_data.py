"""``[tool.symback.data]`` in an editable install: the files are copied into the wheel.

Imported by ``editable`` only for a project with ``[tool.symback.data]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Project


def data_entries(project: "Project") -> list:
    """``[tool.symback.data]`` files: installed as copies, as from the release wheel (they go
    to other directories than the import path, which no link or path line can reach)."""
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
