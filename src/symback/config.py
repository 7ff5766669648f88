"""``pyproject.toml`` -> :class:`Project`: metadata, ``[tool.symback]``, build settings.

A project without ``[tool.symback]`` built with plain ``-C`` settings is read here; the
tables and every error message are in ``configcheck``, imported only for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, NamedTuple, Optional, Tuple

from .common import load_toml
from .errors import ConfigError

if TYPE_CHECKING:
    from .configcheck import CMakeConfig
    from .files import PackageRoot
    from .metadata import ProjectMetadata

SYMLINK_POLICIES = ("links", "lean", "compat", "copy")
EDITABLE_MODES = ("auto", "links", "pth")


class BuildSettings(NamedTuple):
    """Per-build overrides from ``config_settings`` (``-C key=value``)."""

    symlinks: Optional[str] = None
    editable_mode: Optional[str] = None

    @classmethod
    def from_config_settings(cls, config_settings: Optional[Mapping[str, Any]]) -> "BuildSettings":
        symlinks = mode = None
        for key, value in (config_settings or {}).items():
            if isinstance(value, list) and value:  # `-C k=a -C k=b`: the last one wins
                value = value[-1]
            if key == "symlinks" and value in SYMLINK_POLICIES:
                symlinks = value
            elif key == "editable-mode" and value in EDITABLE_MODES:
                mode = value
            elif not key.startswith("-"):  # pip's --build-option/--global-option mean nothing here
                from .configcheck import build_settings

                return cls(*build_settings(config_settings, SYMLINK_POLICIES, EDITABLE_MODES))
        return cls(symlinks, mode)


class NativeBuild(NamedTuple):
    """``[tool.symback.build]``: the native build step run before a wheel's files are collected."""

    commands: Tuple[Tuple[str, ...], ...] = ()  # argv lists, run in order in the project root
    cmake: Optional["CMakeConfig"] = None
    requires: Tuple[str, ...] = ()  # extra build requirements
    artifacts: Tuple[str, ...] = ()  # gitignore-style patterns: in-tree outputs that ship

    @property
    def enabled(self) -> bool:
        return bool(self.commands) or self.cmake is not None


class ToolConfig(NamedTuple):
    """``[tool.symback]``: how files are chosen and how symlinks and editables are made."""

    packages: Optional[Tuple[str, ...]] = None
    include: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = ()
    symlinks: str = "links"
    editable_mode: str = "auto"
    editable_strict: bool = False
    # [tool.symback.version] as written: validated by `versions`, which is imported only
    # when a dynamic version is read.
    version: Mapping[str, Any] = {}
    # [tool.symback.data]: (scheme, project-relative source, destination below the scheme)
    data: Tuple[Tuple[str, str, str], ...] = ()
    build: NativeBuild = NativeBuild()
    wheel_tag: Optional[str] = None  # [tool.symback.wheel] tag: overrides the inferred tag
    symlinks_given: bool = False  # set by the table or -C symlinks; else see wheel_form()

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "ToolConfig":
        plain = _plain_tool_fields(table)
        if plain is not None:
            return cls(**plain)
        from .configcheck import tool_config

        fields = tool_config(table, SYMLINK_POLICIES, EDITABLE_MODES)
        return cls(**{**fields, "build": NativeBuild(**fields["build"])})

    def with_settings(self, settings: BuildSettings) -> "ToolConfig":
        return self._replace(
            symlinks=settings.symlinks or self.symlinks,
            editable_mode=settings.editable_mode or self.editable_mode,
            symlinks_given=self.symlinks_given or settings.symlinks is not None,
        )

    def wheel_form(self, environ: Mapping[str, str]) -> Tuple[str, Optional[str]]:
        """The release wheel's symlink form, and why when it is not the one configured.

        With no form set (neither ``-C symlinks`` nor ``[tool.symback.wheel] symlinks``), a
        build run by pip (``PIP_BUILD_TRACKER`` in the environment: ``pip install .``,
        ``pip wheel``) or uv (``UV``: ``uv pip install .``, ``uv sync``, ``uv build``) makes
        ``compat``: neither installs a Wheel-Version 2.0 wheel, and uv uninstalls the old
        version before it refuses one. ``python -m build`` sets neither and gets ``links``.
        """
        if self.symlinks_given:
            return self.symlinks, None
        frontend = "pip" if environ.get("PIP_BUILD_TRACKER") else "uv" if environ.get("UV") else None
        if frontend is None:
            return self.symlinks, None
        return "compat", (
            f"symback: building the compat form (copies plus .dist-info/LINKS, Wheel-Version 1.0) "
            f"because {frontend} runs this build and cannot install the default links form "
            "(Wheel-Version 2.0). Set -C symlinks=links (or [tool.symback.wheel] symlinks) to "
            "choose a form."
        )


class Project(NamedTuple):
    root: Path
    metadata: "ProjectMetadata"
    tool: ToolConfig
    packages: Tuple["PackageRoot", ...]


def load_project(root: Path, settings: Optional[BuildSettings] = None, *, read_version: bool = True) -> Project:
    """Read and validate ``root/pyproject.toml``; discover what ships.

    ``read_version=False`` stands a placeholder in for a dynamic version: for hooks that
    run before the build requirements that compute it are installed.
    """
    from .files import discover_packages
    from .metadata import MAX_NAME_CHARS, load_metadata

    root = Path(root).resolve()
    pyproject = load_toml(root / "pyproject.toml")
    project_table = pyproject.get("project")
    if not isinstance(project_table, dict):
        from .configcheck import project_table_error

        raise project_table_error(project_table)
    tool = pyproject.get("tool", {})
    tool_table = tool.get("symback", {}) if isinstance(tool, dict) else {}
    if not isinstance(tool_table, dict):
        raise ConfigError(f"pyproject.toml: [tool.symback]: expected a table, got {tool_table!r}.")
    tool_config = ToolConfig.from_table(tool_table).with_settings(settings or BuildSettings())

    name = project_table.get("name")
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_CHARS:
        # Let the metadata loader word the error about the name (before it names files).
        load_metadata(project_table, root=root, version_file=None)
        raise AssertionError("load_metadata accepted a project without a name")  # pragma: no cover
    packages = discover_packages(root, name, tool_config.packages)
    if not read_version and "version" not in project_table:
        project_table = {**project_table, "version": "0"}
        project_table.pop("dynamic", None)
        tool_config = tool_config._replace(version={})
    metadata = load_metadata(
        project_table, root=root, version_file=_version_file(packages), version_table=tool_config.version
    )
    return Project(root=root, metadata=metadata, tool=tool_config, packages=packages)


def symback_table(root: Path) -> Mapping[str, Any]:
    """``[tool.symback]`` of the project at ``root`` as written, unchecked; ``{}`` if none."""
    tool = load_toml(Path(root) / "pyproject.toml").get("tool")
    table = tool.get("symback") if isinstance(tool, dict) else None
    return table if isinstance(table, dict) else {}


def build_requires(root: Path, table: Optional[Mapping[str, Any]] = None) -> List[str]:
    """What a build of the project at ``root`` needs beyond symback: ``vcs-versioning`` for a
    version from git tags (outside an sdist), nothing otherwise. ``table``: its
    ``[tool.symback]``, when the caller has read it (``symback_table``)."""
    version = (symback_table(root) if table is None else table).get("version")
    if not version or not isinstance(version, dict):
        return []
    from .versions import build_requires as version_requires

    return version_requires(Path(root), version)


_PLAIN_KEYS = {"packages", "include", "exclude", "wheel", "editable", "version"}


def _plain_tool_fields(table: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The fields of a valid ``[tool.symback]`` that has none of the ``build``, ``data``
    tables or the wheel ``tag``; None for any other table (``configcheck`` reads it, and
    words the error). A unit test holds the two readings equal."""
    wheel, editable = table.get("wheel", {}), table.get("editable", {})
    packages = table.get("packages")
    lists = [table.get("include", []), table.get("exclude", []), [] if packages is None else packages]
    if not (
        table.keys() <= _PLAIN_KEYS and isinstance(table.get("version", {}), dict)
        and isinstance(wheel, dict) and wheel.keys() <= {"symlinks"}
        and wheel.get("symlinks", "links") in SYMLINK_POLICIES
        and isinstance(editable, dict) and editable.keys() <= {"mode", "strict"}
        and editable.get("mode", "auto") in EDITABLE_MODES and isinstance(editable.get("strict", False), bool)
        and packages != [] and all(isinstance(v, list) and all(isinstance(s, str) and s for s in v) for v in lists)
    ):
        return None
    return dict(
        packages=None if packages is None else tuple(packages), include=tuple(lists[0]), exclude=tuple(lists[1]),
        symlinks=wheel.get("symlinks", "links"), editable_mode=editable.get("mode", "auto"),
        editable_strict=editable.get("strict", False), version=table.get("version", {}),
        symlinks_given="symlinks" in wheel,
    )


def _version_file(packages: Tuple["PackageRoot", ...]) -> Optional[Path]:
    """Where a dynamic ``__version__`` lives: the first package's ``__init__.py``, or the module."""
    for package in packages:
        if package.is_module:
            return package.source
        init = package.source / "__init__.py"
        if init.is_file():
            return init
    return None
