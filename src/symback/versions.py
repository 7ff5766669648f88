"""Dynamic versions: read where projects keep them, never by importing the project.

``[project] dynamic = ["version"]`` takes the version from one of three places, chosen by
``[tool.symback.version]``:

* nothing set: ``__version__`` in the first package's ``__init__.py`` (or the module),
  following re-exports (``from ._version import __version__``,
  ``from .meta import version as __version__``, a later ``__version__ = name``) into the
  module that holds the string, to any depth, by parsing with :mod:`ast`;
* ``path`` (with ``attr``, default ``__version__``): a module of its own, read the same
  way; a ``path`` that is not a ``.py`` file is a plain version file (its stripped text);
* ``source = "vcs"``: the git tags, with setuptools-scm's rules, through its
  setuptools-free core ``vcs-versioning`` (a build requirement of such projects only);
  in an sdist (a ``PKG-INFO`` at the project root) the version that ``PKG-INFO`` records.
  ``file`` names a module written into the sdist and the wheel holding that version.

This module is imported only when a dynamic version is read (``metadata``) or a vcs
project's archives are written: nothing here costs a static-version build.
"""

from __future__ import annotations

import os
import posixpath
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from .common import posix_relpath
from .errors import BuildError, ConfigError

if TYPE_CHECKING:
    import ast

    from .files import PackageRoot

VERSION_KEYS = ("source", "path", "attr", "file", "version-scheme", "local-scheme")
SOURCES = ("file", "vcs")
#: What ``get_requires_for_build_*`` returns for a ``source = "vcs"`` project.
# The integrator API symback calls (PyProjectData, infer_version_string) is marked
# experimental by vcs-versioning: the next major release may change it.
VCS_REQUIREMENT = "vcs-versioning>=2.6,<3"
#: The first line of a ``file = ...`` module; an in-tree file with it is symback's own.
GENERATED_MARKER = "# Written by symback from the project's version control; do not edit or commit."

_WHERE = "pyproject.toml: [tool.symback.version]"
_MAX_DEPTH = 32  # re-export chains longer than this are cycles in all but name


class VersionConfig(NamedTuple):
    """The validated ``[tool.symback.version]`` table."""

    source: str = "file"  # "file" (a Python module or a plain file) or "vcs"
    path: Optional[str] = None  # project-relative posix path, for source = "file"
    attr: str = "__version__"
    file: Optional[str] = None  # project-relative path of the module written for source = "vcs"
    version_scheme: Optional[str] = None  # setuptools-scm's version_scheme / local_scheme
    local_scheme: Optional[str] = None


class FoundVersion(NamedTuple):
    raw: str  # as written (the caller normalises it)
    where: str  # "src/pkg/_version.py: __version__" -- for messages about the value


def version_config(table: Mapping[str, Any]) -> VersionConfig:
    """Validate ``[tool.symback.version]``; every error names the key and the fix."""
    for key in table:
        if key not in VERSION_KEYS:
            import difflib

            close = difflib.get_close_matches(str(key), VERSION_KEYS, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else f" Valid keys: {', '.join(VERSION_KEYS)}."
            raise ConfigError(f"{_WHERE}: unknown key {key!r}.{hint}")
    strings: Dict[str, str] = {}
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{_WHERE} {key}: expected a non-empty string, got {value!r}.")
        strings[key] = value.strip()
    source = strings.get("source", "file")
    if source not in SOURCES:
        raise ConfigError(
            f"{_WHERE} source: {source!r} is not one of \"file\", \"vcs\". Use source = \"vcs\" for a "
            "version from git tags, or leave source out and set path = \"src/pkg/__about__.py\"."
        )
    if source == "vcs":
        for key in ("path", "attr"):
            if key in strings:
                raise ConfigError(
                    f"{_WHERE} {key}: only for a version kept in a file, but source = \"vcs\" takes it "
                    "from git tags. Remove one of the two."
                )
    else:
        for key in ("file", "version-scheme", "local-scheme"):
            if key in strings:
                raise ConfigError(
                    f"{_WHERE} {key}: only with source = \"vcs\" (a version from git tags). Add "
                    f"source = \"vcs\", or remove {key}."
                )
        if "attr" in strings and not strings["attr"].isidentifier():
            raise ConfigError(
                f"{_WHERE} attr: {strings['attr']!r} is not a Python name. Write the variable the "
                "module sets, e.g. attr = \"VERSION\"."
            )
    for key in ("path", "file"):
        if key in strings:
            strings[key] = _clean_path(key, strings[key])
    if "file" in strings and not strings["file"].endswith(".py"):
        raise ConfigError(
            f"{_WHERE} file: {strings['file']!r} is not a .py file. Name the module to write, e.g. "
            'file = "src/pkg/_version.py".'
        )
    return VersionConfig(
        source=source,
        path=strings.get("path"),
        attr=strings.get("attr", "__version__"),
        file=strings.get("file"),
        version_scheme=strings.get("version-scheme"),
        local_scheme=strings.get("local-scheme"),
    )


def _clean_path(key: str, raw: str) -> str:
    rel = posixpath.normpath(raw.replace("\\", "/"))
    if rel.startswith(("/", "../")) or rel in ("..", ".") or (len(rel) > 1 and rel[1] == ":"):
        raise ConfigError(
            f"{_WHERE} {key}: {raw!r} is not a path inside the project. Write it relative to the "
            'directory holding pyproject.toml, e.g. "src/pkg/__about__.py".'
        )
    return rel


# --------------------------------------------------------------------------- entry points


def dynamic_version(
    root: Path, table: Mapping[str, Any], default_file: Optional[Path], dist_name: str
) -> FoundVersion:
    """The dynamic version of the project at ``root`` as the user wrote it.

    ``default_file`` is the first package's ``__init__.py`` (or module), ``None`` when there
    is none (say, a namespace package): then ``[tool.symback.version] path`` is needed.
    """
    config = version_config(table)
    if config.source == "vcs":
        return vcs_version(root, config, dist_name)
    if config.path is not None:
        path = root / config.path
        if path.is_dir():
            path = path / "__init__.py"
        if path.suffix != ".py":
            return _plain_file(path, _shown(path, root))
        return ModuleReader(root).read(path, config.attr)
    if default_file is None:
        raise ConfigError(
            "pyproject.toml: [project] dynamic: version is dynamic but there is no package "
            "__init__.py to read __version__ from (a namespace package has none). Name the file "
            "that holds it:\n\n    [tool.symback.version]\n    path = \"src/ns/pkg/__about__.py\"\n\n"
            "or set version statically in [project]."
        )
    path = default_file if default_file.is_absolute() else root / default_file
    return ModuleReader(root).read(path, "__version__")


def build_requires(root: Path, table: Mapping[str, Any]) -> List[str]:
    """What a build of the project needs installed to read its version."""
    config = version_config(table)
    if config.source == "vcs" and not (root / "PKG-INFO").is_file():
        return [VCS_REQUIREMENT]
    return []


def read_version(path: Path, attr: str = "__version__") -> str:
    """The string ``attr`` is set to in module ``path`` (re-exports followed), by parsing."""
    path = Path(path)
    return ModuleReader(path.parent, shown_absolute=True).read(path, attr).raw


def _shown(path: Path, root: Path) -> str:
    try:
        path.relative_to(root)
    except ValueError:
        return str(path)
    return posix_relpath(path, root)


def _plain_file(path: Path, shown: str) -> FoundVersion:
    try:
        text = path.read_text("utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(
            f"{shown}: file not found ([tool.symback.version] path names it). Create it holding "
            "the version (e.g. 1.2.3), or fix path."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{shown}: cannot read it as UTF-8 text: {error}. Fix the file.") from None
    if not text or "\n" in text:
        raise ConfigError(
            f"{shown}: a plain version file must hold the version alone on one line (e.g. 1.2.3), "
            f"found {text[:60]!r}. Fix the file, or point [tool.symback.version] path at a .py module."
        )
    return FoundVersion(text, f"{shown}: version")


# --------------------------------------------------------------------------- modules, by ast


class ModuleReader:
    """Finds the string a module-level name is bound to, following imports inside the
    project (relative ones, and absolute ones that name a package beside the module's own)."""

    def __init__(self, root: Path, *, shown_absolute: bool = False) -> None:
        self.root = root
        self.shown_absolute = shown_absolute
        self._trees: Dict[Path, Tuple["ast.Module", List[str]]] = {}

    def show(self, path: Path) -> str:
        return str(path) if self.shown_absolute else _shown(path, self.root)

    def read(self, path: Path, name: str) -> FoundVersion:
        return self._resolve(path, name, None, [])

    def _parse(self, path: Path) -> Tuple["ast.Module", List[str]]:
        import ast

        if path not in self._trees:
            shown = self.show(path)
            try:
                source = path.read_bytes()
            except FileNotFoundError:
                raise ConfigError(
                    f"{shown}: file not found while looking for the version. Create it "
                    '(e.g. __version__ = "0.1.0"), set [tool.symback.version] path to the file that '
                    "holds the version, or set version statically in [project]."
                ) from None
            except OSError as error:
                raise ConfigError(f"{shown}: cannot read it: {error.strerror or error}. Check its permissions.") from None
            try:
                tree = ast.parse(source, filename=shown)
            except (SyntaxError, ValueError) as error:
                where = f" line {error.lineno}" if getattr(error, "lineno", None) else ""
                reason = getattr(error, "msg", None) or str(error)
                raise ConfigError(
                    f"{shown}:{where}: cannot parse it to find the version (with Python "
                    f"{sys.version_info[0]}.{sys.version_info[1]}): {reason}. Fix the syntax, "
                    "or set version statically in [project]."
                ) from None
            self._trees[path] = (tree, source.decode("utf-8", "replace").splitlines())
        return self._trees[path]

    def _resolve(self, path: Path, name: str, before: Optional[int], chain: List[Tuple[Path, str]]) -> FoundVersion:
        import ast

        shown = self.show(path)
        key = (path.resolve(), name)
        if before is None:
            if key in [(p.resolve(), n) for p, n in chain] or len(chain) > _MAX_DEPTH:
                steps = " -> ".join(f"{self.show(p)}: {n}" for p, n in chain + [(path, name)])
                raise ConfigError(
                    f"{shown}: {name}: the imports that define it form a cycle ({steps}). Write "
                    f'{name} = "1.2.3" as a string in one of these modules.'
                )
            chain = chain + [(path, name)]
        tree, lines = self._parse(path)
        found = None
        for node in _top_level(tree.body):
            if before is not None and node.lineno >= before:
                break
            if _binds(node, name):
                found = node
        fix = (
            f'Write {name} = "1.2.3" (a plain string) at the top level of the module, or re-export '
            f"it from a module of the project (from ._version import {name}); or name the file that "
            "holds the version with [tool.symback.version] path; or set version statically in [project]."
        )
        if found is None:
            if before is not None:
                raise ConfigError(f"{shown}: line {before}: {name} is used before it is set. {fix}")
            raise ConfigError(f"{shown}: {name}: not found (symback reads it without importing the module). {fix}")
        line = lines[found.lineno - 1].strip() if found.lineno <= len(lines) else ""
        if isinstance(found, ast.ImportFrom):
            alias = next(a for a in found.names if (a.asname or a.name) == name)
            target = self._import_target(path, found, shown, line)
            return self._resolve(target, alias.name, None, chain)
        value = getattr(found, "value", None)
        if isinstance(found, (ast.Assign, ast.AnnAssign)):
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return FoundVersion(value.value.strip(), f"{shown}: {name}")
            if isinstance(value, ast.Name):  # `__version__ = version` after importing `version`
                return self._resolve(path, value.id, found.lineno, chain)
            if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name):
                # `__version__ = about.__version__` after `from . import about`
                module = self._module_bound_to(path, value.value.id, found.lineno, shown, line)
                return self._resolve(module, value.attr, None, chain)
        raise ConfigError(
            f"{shown}: line {found.lineno}: {name} is not a string literal: {line}. symback reads "
            f"the version without importing the module, so it cannot evaluate this. {fix}"
        )

    def _find_module(self, path: Path, level: int, parts: List[str]) -> Optional[Path]:
        """The file of module ``parts`` imported from ``path`` (relatively at ``level``, or
        absolutely: looked for from the module's own directory up to the project root)."""
        if level:
            base = path.parent
            for _ in range(level - 1):
                base = base.parent
            bases = [base]
        else:
            # `from pkg._version import __version__`: look for `pkg` in each directory
            # from the module's own up to the project root (a src/ directory, a namespace).
            bases = [path.parent, *path.parent.parents]
            if self.root in bases:
                bases = bases[: bases.index(self.root) + 1]
        for base in bases:
            module = base.joinpath(*parts)
            for candidate in (module.with_name(parts[-1] + ".py"), module / "__init__.py"):
                if candidate.is_file():
                    return candidate
        return None

    def _import_target(self, path: Path, node: "ast.ImportFrom", shown: str, line: str) -> Path:
        parts = node.module.split(".") if node.module else []
        if not parts:
            raise ConfigError(
                f"{shown}: line {node.lineno}: {line}: imports a submodule, not a string. {_FOLLOW_FIX}"
            )
        target = self._find_module(path, node.level, parts)
        if target is None:
            raise ConfigError(
                f"{shown}: line {node.lineno}: {line}: the module it imports from is not a file of the "
                f"project (looked for {'/'.join(parts)}.py and {'/'.join(parts)}/__init__.py). {_FOLLOW_FIX}"
            )
        return target

    def _module_bound_to(self, path: Path, name: str, before: int, shown: str, line: str) -> Path:
        """The module file the name ``name`` is bound to before line ``before``:
        ``from . import about``, ``from .pkg import about``, ``import pkg.about as about``."""
        import ast

        tree, _ = self._parse(path)
        bound = None
        for node in _top_level(tree.body):
            if node.lineno >= before:
                break
            if _binds(node, name):
                bound = node
        parts: List[str] = []
        level = 0
        if isinstance(bound, ast.ImportFrom):
            alias = next(a for a in bound.names if (a.asname or a.name) == name)
            parts, level = (bound.module.split(".") if bound.module else []) + [alias.name], bound.level
        elif isinstance(bound, ast.Import):
            alias = next(a for a in bound.names if (a.asname or a.name.split(".")[0]) == name)
            parts = alias.name.split(".") if alias.asname else [name]
        target = self._find_module(path, level, parts) if parts else None
        if target is None:
            raise ConfigError(
                f"{shown}: line {before}: {line}: {name} is not a module of the project that symback "
                f"can read. {_FOLLOW_FIX}"
            )
        return target


_FOLLOW_FIX = (
    "symback follows imports of the version only into modules of the project. Write the "
    "version as a string here, or name the file that holds it with [tool.symback.version] path."
)


def _top_level(body: Sequence["ast.stmt"]) -> List["ast.stmt"]:
    """Module-level statements, with the ``try:`` bodies (the branch that runs when
    ``from ._version import __version__`` succeeds) and ``else`` blocks flattened in."""
    import ast

    out: List["ast.stmt"] = []
    for node in body:
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            out.extend(_top_level(node.body))  # type: ignore[attr-defined]
            out.extend(_top_level(node.orelse))  # type: ignore[attr-defined]
        else:
            out.append(node)
    return out


def _binds(node: "ast.AST", name: str) -> bool:
    import ast

    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign):
        return node.value is not None and isinstance(node.target, ast.Name) and node.target.id == name
    if isinstance(node, ast.AugAssign):
        return isinstance(node.target, ast.Name) and node.target.id == name
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return any((a.asname or a.name.split(".")[0]) == name for a in node.names)
    return False


# --------------------------------------------------------------------------- version control


def vcs_version(root: Path, config: VersionConfig, dist_name: str) -> FoundVersion:
    """The version of an sdist's ``PKG-INFO``, else what git's tags say (setuptools-scm's rules)."""
    pkg_info = root / "PKG-INFO"
    if pkg_info.is_file():
        # An sdist: its version was fixed when it was made, whichever backend made it.
        return FoundVersion(_pkg_info_version(pkg_info), "PKG-INFO: Version")
    try:
        from vcs_versioning import PyProjectData, infer_version_string
    except ImportError:
        raise BuildError(
            f"{_WHERE} source: \"vcs\" needs {VCS_REQUIREMENT!r}, which is not installed. Build with a "
            "PEP 517 frontend (pip, uv, python -m build), which installs it; for --no-isolation builds, "
            f"install it first (pip install '{VCS_REQUIREMENT}')."
        ) from None
    overrides: Dict[str, Any] = {"root": str(root), "search_parent_directories": True}
    if config.version_scheme:
        overrides["version_scheme"] = config.version_scheme
    if config.local_scheme:
        overrides["local_scheme"] = config.local_scheme
    data = PyProjectData(
        path=root / "pyproject.toml",
        tool_name="symback",
        project={"name": dist_name, "dynamic": ["version"]},
        section={},
        is_required=True,
        section_present=True,
        project_present=True,
        build_requires=[],
        definition={},
    )
    from vcs_versioning.overrides import GlobalOverrides

    try:
        # SETUPTOOLS_SCM_PRETEND_VERSION[_FOR_<NAME>] and the other SETUPTOOLS_SCM_*
        # variables work as with setuptools-scm and hatch-vcs (VCS_VERSIONING_* too).
        with GlobalOverrides.from_env("SETUPTOOLS_SCM", dist_name=dist_name):
            version = infer_version_string(dist_name, data, overrides)
    except (LookupError, SystemExit, ValueError) as error:
        raise ConfigError(
            f"{_WHERE} source: \"vcs\": no version from version control in {root}: "
            f"{str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}. "
            "Build from a git checkout with its tags (git fetch --tags; a shallow clone needs "
            "fetch-depth 0), from an sdist, or set SETUPTOOLS_SCM_PRETEND_VERSION."
        ) from None
    return FoundVersion(version, "git tags (vcs-versioning)")


def _pkg_info_version(path: Path) -> str:
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if not line:
                break  # the body (the description) starts after the first empty line
            if line.lower().startswith("version:"):
                return line.split(":", 1)[1].strip()
    raise ConfigError(
        "PKG-INFO: no Version field in its header. This sdist is damaged: rebuild it from the "
        "git checkout."
    )


def version_module_text(version: str) -> bytes:
    """The ``file = ...`` module: ``__version__``, ``version`` and the tuples, as
    setuptools-scm's and hatch-vcs's templates define them (``from ._version import
    __version__`` / ``version`` / ``__version_tuple__`` keep working after a switch)."""
    parts: List[str] = []
    for piece in version.replace("+", ".").split("."):
        parts.append(piece if piece.isdigit() else repr(piece))
    numbers = ", ".join(parts) + ("," if len(parts) == 1 else "")
    return (
        f"{GENERATED_MARKER}\n"
        '__all__ = ["__version__", "__version_tuple__", "version", "version_tuple"]\n'
        f"__version__ = version = {version!r}\n"
        f"__version_tuple__ = version_tuple = ({numbers})\n"
    ).encode("utf-8")


class GeneratedFile(NamedTuple):
    rel: str  # project-relative posix path (the sdist member's path below its top directory)
    data: bytes


def generated_file(root: Path, table: Mapping[str, Any], version: str) -> Optional[GeneratedFile]:
    """The ``file = ...`` module of a vcs project, checked against the tree.

    It goes into the archives, never into the user's tree (the editable build, which has
    no archive to put it in, creates it when it is absent: :func:`ensure_in_tree`). A
    file already at that path must hold exactly these bytes, or be one symback wrote
    (it starts with :data:`GENERATED_MARKER`): symback never ships its module over a
    file the user wrote. In an unpacked sdist (``PKG-INFO`` at the root) a module another
    backend wrote for the same version ships as it is.
    """
    config = version_config(table)
    if config.file is None:
        return None
    data = version_module_text(version)
    path = root / config.file
    if os.path.lexists(path):
        try:
            current = b"" if path.is_symlink() else path.read_bytes()
        except OSError:
            current = b""
        # symback's own earlier output (an editable install wrote it) may be replaced.
        if current != data and not current.startswith(GENERATED_MARKER.encode()):
            if current and (root / "PKG-INFO").is_file():
                # An unpacked sdist another backend made (hatch-vcs, setuptools-scm) carries
                # its own module, written for this same version: it ships as it is.
                return GeneratedFile(config.file, current)
            raise BuildError(
                f"{config.file}: exists and differs from the version module symback writes there "
                f"([tool.symback.version] file) for version {version}. Delete it (symback writes it "
                "into the sdist and the wheel; add it to .gitignore), or remove file from "
                "[tool.symback.version]."
            )
    return GeneratedFile(config.file, data)


def ensure_in_tree(root: Path, table: Mapping[str, Any], version: str) -> Optional[str]:
    """For editable installs: create the ``file = ...`` module in the tree when it is absent,
    or refresh one symback wrote before (it starts with :data:`GENERATED_MARKER`). A file
    the user wrote is never touched. Returns the path written, if any."""
    config = version_config(table)
    if config.file is None:
        return None
    path = root / config.file
    data = version_module_text(version)
    if path.is_symlink():
        return None
    if path.exists():
        try:
            current = path.read_bytes()
        except OSError:
            return None
        if current == data or not current.startswith(GENERATED_MARKER.encode()):
            return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return config.file


def wheel_arcname(rel: str, packages: Sequence["PackageRoot"], root: Path) -> str:
    """Where the project-relative file ``rel`` lands in the wheel: inside a shipped package."""
    path = root / rel
    for package in packages:
        if package.is_module:
            continue
        try:
            inner = path.relative_to(package.source)
        except ValueError:
            continue
        return f"{package.import_path}/{inner.as_posix()}"
    raise ConfigError(
        f"{_WHERE} file: {rel!r} is not inside a package the wheel ships "
        f"({', '.join(p.import_path for p in packages) or 'none'}). Put it in your package, e.g. "
        'file = "src/pkg/_version.py".'
    )
