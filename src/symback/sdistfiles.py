"""What the sdist holds: the project tree minus ignored files, symlinks as symlinks.

Imported by ``build_sdist`` only (``files.select_sdist_files``).
"""

from __future__ import annotations

import os
from typing import Dict, List, NamedTuple, Optional, TYPE_CHECKING

from .errors import BuildError
from .filewalk import IgnoreRules, record, walk

if TYPE_CHECKING:
    from .config import Project


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
            from .filelinks import link_target

            raw, raw_links[found.rel] = link_target(found, root)
            members[found.rel] = SdistMember(found.rel, found.path, raw.replace(os.sep, "/"), False, 0)
        else:
            members[found.rel] = record(SdistMember, (found.rel, found.path, None, found.executable, found.size))
    required = ["pyproject.toml", *project.metadata.license_files]
    if project.metadata.readme_file:
        required.append(project.metadata.readme_file)
    for rel in required:
        if rel not in members:
            st = os.stat(root / rel)
            members[rel] = SdistMember(rel, str(root / rel), None, bool(st.st_mode & 0o111), st.st_size)
    if raw_links:
        from .filelinks import shipped_dirs
        from .linkrules import LinkTree
        from .links import Link

        dirs = shipped_dirs(members)
        for rel, target in raw_links.items():
            if target not in members and target not in dirs:
                raise BuildError(
                    f"{rel}: symlink to {target!r}, which is not in the sdist (excluded or ignored). "
                    "Include the target, or exclude the link."
                )
        LinkTree.build(
            (Link(rel, target) for rel, target in raw_links.items()),
            (rel for rel, m in members.items() if m.link_target is None),
            source="symlinks in the sdist (project paths)",
        )
    return [members[k] for k in sorted(members)]
