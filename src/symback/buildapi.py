"""The bodies of the PEP 517 / PEP 660 hooks: each reads the project from the current
directory (frontends run hooks there), applies ``config_settings``, and hands off to
``wheel``, ``sdist`` or ``editable``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Mapping, Optional

from .config import BuildSettings, Project, build_requires, load_project, symback_table

ConfigSettings = Optional[Mapping[str, Any]]


def _project(config_settings: ConfigSettings, *, read_version: bool = True) -> Project:
    return load_project(Path.cwd(), BuildSettings.from_config_settings(config_settings), read_version=read_version)


def get_requires_for_build_wheel(config_settings: ConfigSettings = None) -> List[str]:
    # vcs-versioning for a version from git tags; the native step's own requirements, for
    # which the project is read only when it has a [tool.symback.build] table.
    table = symback_table(Path.cwd())
    requires = build_requires(Path.cwd(), table)
    return requires + (_native_requires(_project(config_settings, read_version=False)) if "build" in table else [])


def _native_requires(project: Project) -> List[str]:
    """``[tool.symback.build] requires``, plus cmake/ninja where the CMake form needs them."""
    if not project.tool.build.enabled:
        return []
    from .native import build_requires as native_requires

    return native_requires(project)


def get_requires_for_build_sdist(config_settings: ConfigSettings = None) -> List[str]:
    return build_requires(Path.cwd())


def get_requires_for_build_editable(config_settings: ConfigSettings = None) -> List[str]:
    # The editables redirector is the one mode that needs a package at build time (it
    # generates the redirect module) and at run time. The version is not needed to
    # decide that, and what computes it may not be installed yet.
    from .editable import editable_requires

    requires = build_requires(Path.cwd())
    project = _project(config_settings, read_version=not requires)
    return requires + editable_requires(project) + _native_requires(project)


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: ConfigSettings = None) -> str:
    from .wheel import write_metadata_directory

    return write_metadata_directory(_project(config_settings), Path(metadata_directory))


def prepare_metadata_for_build_editable(metadata_directory: str, config_settings: ConfigSettings = None) -> str:
    from .editable import editable_requires
    from .wheel import write_metadata_directory

    project = _project(config_settings)
    return write_metadata_directory(project, Path(metadata_directory), extra_requires=editable_requires(project))


def build_wheel(
    wheel_directory: str, config_settings: ConfigSettings = None, metadata_directory: Optional[str] = None
) -> str:
    from .wheel import build_wheel as _build_wheel

    return _build_wheel(_project(config_settings), Path(wheel_directory))


def build_sdist(sdist_directory: str, config_settings: ConfigSettings = None) -> str:
    from .sdist import build_sdist as _build_sdist

    return _build_sdist(_project(config_settings), Path(sdist_directory))


def build_editable(
    wheel_directory: str, config_settings: ConfigSettings = None, metadata_directory: Optional[str] = None
) -> str:
    from .editable import build_editable as _build_editable

    project = _project(config_settings)
    if project.tool.version:
        _write_version_module(project)
    return _build_editable(
        project,
        Path(wheel_directory),
        metadata_directory=Path(metadata_directory) if metadata_directory else None,
    )


def _write_version_module(project: Project) -> None:
    """An editable install runs the tree's files, which have no archive to hold the
    ``[tool.symback.version] file`` module: create it in the tree when it is absent."""
    import sys

    from .versions import ensure_in_tree

    written = ensure_in_tree(project.root, project.tool.version, project.metadata.version)
    if written:
        print(f"symback: wrote {written} (version {project.metadata.version}) for the editable install.", file=sys.stderr)
