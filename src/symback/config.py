"""``pyproject.toml`` -> :class:`Project`: metadata, ``[tool.symback]``, build settings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Mapping, NamedTuple, Optional, Tuple

from .common import load_toml
from .errors import ConfigError

if TYPE_CHECKING:
    from .files import PackageRoot
    from .metadata import ProjectMetadata

SYMLINK_POLICIES = ("links", "lean", "compat", "copy")
EDITABLE_MODES = ("auto", "links", "pth")


def _closest(key: str, valid: Tuple[str, ...]) -> str:
    import difflib

    match = difflib.get_close_matches(key, valid, n=1)
    return f" Did you mean {match[0]!r}?" if match else f" Valid keys: {', '.join(valid)}."


class BuildSettings(NamedTuple):
    """Per-build overrides from ``config_settings`` (``-C key=value``)."""

    symlinks: Optional[str] = None
    editable_mode: Optional[str] = None

    KEYS = ("symlinks", "editable-mode")

    @classmethod
    def from_config_settings(cls, config_settings: Optional[Mapping[str, Any]]) -> "BuildSettings":
        settings: dict[str, str] = {}
        for key, value in (config_settings or {}).items():
            if key.startswith("-"):
                # pip forwards --build-option/--global-option this way; they are
                # setuptools' options and mean nothing here.
                continue
            if key not in cls.KEYS:
                raise ConfigError(
                    f"config settings: unknown key {key!r} (given as -C {key}=...)."
                    + _closest(key, cls.KEYS)
                )
            if isinstance(value, list):  # `-C k=a -C k=b`: the last one wins
                value = value[-1] if value else ""
            if not isinstance(value, str):
                raise ConfigError(f"config settings: {key}: expected a string, got {value!r}.")
            settings[key] = value
        symlinks = settings.get("symlinks")
        if symlinks is not None and symlinks not in SYMLINK_POLICIES:
            raise ConfigError(
                f"config settings: symlinks: {symlinks!r} is not one of {', '.join(SYMLINK_POLICIES)}. "
                "Use -C symlinks=links (the default), lean, compat or copy."
            )
        mode = settings.get("editable-mode")
        if mode is not None and mode not in EDITABLE_MODES:
            raise ConfigError(
                f"config settings: editable-mode: {mode!r} is not one of {', '.join(EDITABLE_MODES)}. "
                "Use -C editable-mode=auto (the default), links or pth."
            )
        return cls(symlinks=symlinks, editable_mode=mode)


class CMakeConfig(NamedTuple):
    """``[tool.symback.build] cmake = {...}``: configure, build and install with CMake."""

    source_dir: str = "."
    args: Tuple[str, ...] = ()
    build_type: str = "Release"
    targets: Tuple[str, ...] = ()

    KEYS = ("source-dir", "args", "build-type", "targets")


class NativeBuild(NamedTuple):
    """``[tool.symback.build]``: the native build step run before a wheel's files are collected."""

    commands: Tuple[Tuple[str, ...], ...] = ()  # argv lists, run in order in the project root
    cmake: Optional[CMakeConfig] = None
    requires: Tuple[str, ...] = ()  # extra build requirements
    artifacts: Tuple[str, ...] = ()  # gitignore-style patterns: in-tree outputs that ship

    KEYS = ("command", "cmake", "requires", "artifacts")

    @property
    def enabled(self) -> bool:
        return bool(self.commands) or self.cmake is not None

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "NativeBuild":
        where = "[tool.symback.build]"
        _check_keys(table, cls.KEYS, where)
        if "command" in table and "cmake" in table:
            raise ConfigError(
                f"pyproject.toml: {where}: both command and cmake are set. Keep one: cmake runs "
                "CMake's configure, build and install; command runs your own commands."
            )
        commands: Tuple[Tuple[str, ...], ...] = ()
        if "command" in table:
            raw = table["command"]
            # One argv list, or a list of them.
            argvs = raw if isinstance(raw, list) and raw and all(isinstance(c, list) for c in raw) else [raw]
            if any(argv == [] for argv in argvs):
                raise ConfigError(
                    f"pyproject.toml: {where} command: an empty command. Write the program and its "
                    'arguments, e.g. command = ["make", "install"], or remove the key.'
                )
            commands = tuple(_strings(argv, f"{where} command") for argv in argvs)
        cmake = None
        if "cmake" in table:
            c = _table(table, "cmake", where)
            _check_keys(c, CMakeConfig.KEYS, f"{where} cmake")
            for key in ("source-dir", "build-type"):
                if key in c and (not isinstance(c[key], str) or not c[key]):
                    raise ConfigError(f"pyproject.toml: {where} cmake {key}: expected a non-empty string, got {c[key]!r}.")
            cmake = CMakeConfig(
                source_dir=c.get("source-dir", "."),
                args=_strings(c.get("args", []), f"{where} cmake args"),
                build_type=c.get("build-type", "Release"),
                targets=_strings(c.get("targets", []), f"{where} cmake targets"),
            )
        return cls(
            commands=commands,
            cmake=cmake,
            requires=_strings(table.get("requires", []), f"{where} requires"),
            artifacts=_strings(table.get("artifacts", []), f"{where} artifacts"),
        )


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

    TOP_KEYS = ("packages", "include", "exclude", "wheel", "editable", "version", "build", "data")
    WHEEL_KEYS = ("symlinks", "tag")
    EDITABLE_KEYS = ("mode", "strict")

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> "ToolConfig":
        _check_keys(table, cls.TOP_KEYS, "[tool.symback]")
        wheel = _table(table, "wheel", "[tool.symback]")
        _check_keys(wheel, cls.WHEEL_KEYS, "[tool.symback.wheel]")
        editable = _table(table, "editable", "[tool.symback]")
        _check_keys(editable, cls.EDITABLE_KEYS, "[tool.symback.editable]")

        packages = table.get("packages")
        symlinks = wheel.get("symlinks", "links")
        if symlinks not in SYMLINK_POLICIES:
            raise ConfigError(
                f"pyproject.toml: [tool.symback.wheel] symlinks: {symlinks!r} is not one of "
                f"{', '.join(repr(p) for p in SYMLINK_POLICIES)}. Use \"links\" (LINKS, Wheel-Version 2.0), "
                "\"lean\" (libraries stored once under their SONAME, other links copied, plus LINKS), "
                "\"compat\" (copies plus LINKS) or \"copy\" (copies only)."
            )
        mode = editable.get("mode", "auto")
        if mode not in EDITABLE_MODES:
            raise ConfigError(
                f"pyproject.toml: [tool.symback.editable] mode: {mode!r} is not one of "
                f"{', '.join(repr(m) for m in EDITABLE_MODES)}. Use \"auto\" (the default), \"links\" or \"pth\"."
            )
        strict = editable.get("strict", False)
        if not isinstance(strict, bool):
            raise ConfigError(
                f"pyproject.toml: [tool.symback.editable] strict: expected true or false, got {strict!r}."
            )
        return cls(
            build=NativeBuild.from_table(_table(table, "build", "[tool.symback]")),
            wheel_tag=_wheel_tag(wheel),
            packages=None if packages is None else _strings(packages, "[tool.symback] packages", allow_empty=False),
            include=_strings(table.get("include", []), "[tool.symback] include"),
            exclude=_strings(table.get("exclude", []), "[tool.symback] exclude"),
            symlinks=symlinks,
            editable_mode=mode,
            editable_strict=strict,
            version=_table(table, "version", "[tool.symback]"),
            symlinks_given="symlinks" in wheel,
            data=_data_mappings(_table(table, "data", "[tool.symback]")),
        )

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


def _wheel_tag(wheel: Mapping[str, Any]) -> Optional[str]:
    """``[tool.symback.wheel] tag``, checked by packaging's own parser."""
    tag = wheel.get("tag")
    if tag is None:
        return None
    where = "pyproject.toml: [tool.symback.wheel] tag"
    if not isinstance(tag, str) or tag.count("-") != 2 or not all(tag.split("-")):
        raise ConfigError(
            f"{where}: {tag!r} is not a wheel tag. Write interpreter-abi-platform, "
            'e.g. "cp311-cp311-linux_x86_64" or "py3-none-linux_x86_64", or remove the key.'
        )
    from packaging.tags import parse_tag

    try:
        parse_tag(tag)
    except Exception as error:  # packaging raises ValueError; be wide: this is a user value
        raise ConfigError(f"{where}: {tag!r}: {error}. Fix the tag, or remove the key.") from None
    return tag


DATA_SCHEMES = ("scripts", "data", "headers")


def _data_mappings(table: Mapping[str, Any]) -> Tuple[Tuple[str, str, str], ...]:
    """``[tool.symback.data]``: ``scheme = "dir"`` (its contents at the scheme's root, as
    uv_build's ``data``) or ``scheme = {"src" = "dest", ...}`` (as hatchling's shared-data)."""
    where = "pyproject.toml: [tool.symback.data]"
    out = []
    for scheme, value in table.items():
        if scheme not in DATA_SCHEMES:
            fix = (
                " Files for the import path belong in packages (or include)."
                if scheme in ("purelib", "platlib")
                else ""
            )
            raise ConfigError(
                f"{where}: {scheme!r} is not a scheme symback ships: use scripts, data or headers "
                f'(e.g. data = "share-data").{fix}'
            )
        if isinstance(value, str):
            pairs = [(value, "")]
        elif isinstance(value, dict):
            pairs = list(value.items())
        else:
            raise ConfigError(
                f"{where} {scheme}: expected a directory (a string) or a table of "
                f'"source" = "destination" paths, got {value!r}. Write e.g. {scheme} = "{scheme}-files".'
            )
        for source, dest in pairs:
            if not isinstance(dest, str):
                raise ConfigError(f"{where} {scheme}: {source!r}: the destination must be a string, got {dest!r}.")
            out.append((scheme, _data_path(source, f"{where} {scheme}", allow_root=False),
                        _data_path(dest, f"{where} {scheme}: {source!r}", allow_root=True)))
    return tuple(out)


def _data_path(raw: str, where: str, *, allow_root: bool) -> str:
    import posixpath

    rel = posixpath.normpath(raw.replace("\\", "/")) if raw else "."
    bad = rel.startswith(("/", "../")) or rel == ".." or (len(rel) > 1 and rel[1] == ":")
    if bad or (rel == "." and not allow_root):
        raise ConfigError(
            f"{where}: {raw!r} is not a relative path inside the project (sources) or the scheme "
            "(destinations). Write it relative, with '/', without '..'."
        )
    return "" if rel == "." else rel


def _check_keys(table: Mapping[str, Any], valid: Tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in valid:
            raise ConfigError(f"pyproject.toml: {where}: unknown key {key!r}." + _closest(key, valid))


def _table(parent: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = parent.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"pyproject.toml: {where} {key}: expected a table, got {value!r}.")
    return value


def _strings(value: Any, where: str, *, allow_empty: bool = True) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"pyproject.toml: {where}: expected a list of non-empty strings, got {value!r}.")
    if not value and not allow_empty:
        raise ConfigError(f"pyproject.toml: {where}: the list is empty. Name at least one package, or remove the key.")
    return tuple(value)


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
    if project_table is None:
        raise ConfigError(
            "pyproject.toml: [project] table missing. symback reads all metadata from it (PEP 621); "
            'add at least: [project] with name = "your-project" and version = "0.1.0".'
        )
    if not isinstance(project_table, dict):
        raise ConfigError("pyproject.toml: [project]: expected a table.")
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


def build_requires(root: Path) -> List[str]:
    """What a build of the project at ``root`` needs beyond symback: ``vcs-versioning`` for a
    version from git tags (outside an sdist), nothing otherwise."""
    pyproject = load_toml(Path(root) / "pyproject.toml")
    tool = pyproject.get("tool")
    table = tool.get("symback") if isinstance(tool, dict) else None
    version = table.get("version") if isinstance(table, dict) else None
    if not version or not isinstance(version, dict):
        return []
    from .versions import build_requires as version_requires

    return version_requires(Path(root), version)


def _version_file(packages: Tuple["PackageRoot", ...]) -> Optional[Path]:
    """Where a dynamic ``__version__`` lives: the first package's ``__init__.py``, or the module."""
    for package in packages:
        if package.is_module:
            return package.source
        init = package.source / "__init__.py"
        if init.is_file():
            return init
    return None
