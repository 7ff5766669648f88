"""``[tool.symback]`` and ``config_settings`` read in full: every key, every error message.

``config`` reads a project without ``[tool.symback]`` and plain ``-C`` settings itself,
and imports this module for anything else: the tables (``build``, ``data``, ``wheel``,
``editable``, ...), and errors. It returns plain values; ``config`` makes the records
(this module never imports ``config``).
"""

from __future__ import annotations

import posixpath
from typing import Any, Dict, Mapping, NamedTuple, Optional, Tuple

from .errors import ConfigError

TOP_KEYS = ("packages", "include", "exclude", "wheel", "editable", "version", "build", "data")
WHEEL_KEYS = ("symlinks", "tag")
EDITABLE_KEYS = ("mode", "strict")
SETTINGS_KEYS = ("symlinks", "editable-mode")
BUILD_KEYS = ("command", "cmake", "requires", "artifacts")
DATA_SCHEMES = ("scripts", "data", "headers")


def _hint(key: str, valid: Tuple[str, ...]) -> str:
    """The spelling hint after an unknown key: the closest valid one, or the list."""
    from .errortext import closest

    match = closest(key, valid)
    return f" Did you mean {match!r}?" if match else f" Valid keys: {', '.join(valid)}."


def build_settings(
    config_settings: Mapping[str, Any], symlink_policies: Tuple[str, ...], editable_modes: Tuple[str, ...]
) -> Tuple[Optional[str], Optional[str]]:
    """``config_settings`` (``-C key=value``) -> (symlinks, editable mode), or a ConfigError."""
    settings: dict[str, str] = {}
    for key, value in config_settings.items():
        if key.startswith("-"):
            # pip forwards --build-option/--global-option this way; they are
            # setuptools' options and mean nothing here.
            continue
        if key not in SETTINGS_KEYS:
            raise ConfigError(
                f"config settings: unknown key {key!r} (given as -C {key}=...)." + _hint(key, SETTINGS_KEYS)
            )
        if isinstance(value, list):  # `-C k=a -C k=b`: the last one wins
            value = value[-1] if value else ""
        if not isinstance(value, str):
            raise ConfigError(f"config settings: {key}: expected a string, got {value!r}.")
        settings[key] = value
    symlinks = settings.get("symlinks")
    if symlinks is not None and symlinks not in symlink_policies:
        raise ConfigError(
            f"config settings: symlinks: {symlinks!r} is not one of {', '.join(symlink_policies)}. "
            "Use -C symlinks=links (the default), lean, compat or copy."
        )
    mode = settings.get("editable-mode")
    if mode is not None and mode not in editable_modes:
        raise ConfigError(
            f"config settings: editable-mode: {mode!r} is not one of {', '.join(editable_modes)}. "
            "Use -C editable-mode=auto (the default), links or pth."
        )
    return symlinks, mode


class CMakeConfig(NamedTuple):
    """``[tool.symback.build] cmake = {...}``: configure, build and install with CMake."""

    source_dir: str = "."
    args: Tuple[str, ...] = ()
    build_type: str = "Release"
    targets: Tuple[str, ...] = ()

    KEYS = ("source-dir", "args", "build-type", "targets")


def tool_config(
    table: Mapping[str, Any], symlink_policies: Tuple[str, ...], editable_modes: Tuple[str, ...]
) -> Dict[str, Any]:
    """``[tool.symback]`` -> the fields of ``config.ToolConfig`` (``build``: those of
    ``config.NativeBuild``), or a ConfigError."""
    _check_keys(table, TOP_KEYS, "[tool.symback]")
    wheel = _table(table, "wheel", "[tool.symback]")
    _check_keys(wheel, WHEEL_KEYS, "[tool.symback.wheel]")
    editable = _table(table, "editable", "[tool.symback]")
    _check_keys(editable, EDITABLE_KEYS, "[tool.symback.editable]")

    packages = table.get("packages")
    symlinks = wheel.get("symlinks", "links")
    if symlinks not in symlink_policies:
        raise ConfigError(
            f"pyproject.toml: [tool.symback.wheel] symlinks: {symlinks!r} is not one of "
            f"{', '.join(repr(p) for p in symlink_policies)}. Use \"links\" (LINKS, Wheel-Version 2.0), "
            "\"lean\" (libraries stored once under their SONAME, other links copied, plus LINKS), "
            "\"compat\" (copies plus LINKS) or \"copy\" (copies only)."
        )
    mode = editable.get("mode", "auto")
    if mode not in editable_modes:
        raise ConfigError(
            f"pyproject.toml: [tool.symback.editable] mode: {mode!r} is not one of "
            f"{', '.join(repr(m) for m in editable_modes)}. Use \"auto\" (the default), \"links\" or \"pth\"."
        )
    strict = editable.get("strict", False)
    if not isinstance(strict, bool):
        raise ConfigError(
            f"pyproject.toml: [tool.symback.editable] strict: expected true or false, got {strict!r}."
        )
    return dict(
        build=_native_build(_table(table, "build", "[tool.symback]")),
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


def _native_build(table: Mapping[str, Any]) -> Dict[str, Any]:
    """``[tool.symback.build]``: the native build step run before a wheel's files are collected."""
    where = "[tool.symback.build]"
    _check_keys(table, BUILD_KEYS, where)
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
    return dict(
        commands=commands,
        cmake=cmake,
        requires=_strings(table.get("requires", []), f"{where} requires"),
        artifacts=_strings(table.get("artifacts", []), f"{where} artifacts"),
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
            raise ConfigError(f"pyproject.toml: {where}: unknown key {key!r}." + _hint(key, valid))


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


def project_table_error(value: Any) -> ConfigError:
    """``[project]`` missing (``value`` None) or not a table."""
    if value is None:
        return ConfigError(
            "pyproject.toml: [project] table missing. symback reads all metadata from it (PEP 621); "
            'add at least: [project] with name = "your-project" and version = "0.1.0".'
        )
    return ConfigError("pyproject.toml: [project]: expected a table.")
