"""PEP 621 ``[project]`` -> :class:`ProjectMetadata` -> core metadata 2.4.

:func:`load_metadata` validates the whole ``[project]`` table up front: every problem is a
:class:`~symback.errors.ConfigError` of the form
``pyproject.toml: [project] <key>: <what is wrong>: <bad value>. <how to fix it>``.
What it returns is plain, immutable data; :meth:`ProjectMetadata.core_metadata` renders
``METADATA`` / ``PKG-INFO`` and :meth:`ProjectMetadata.entry_points_txt` renders
``entry_points.txt``, both deterministically (the only order in the output is the order
the user wrote).

Every hook imports this module, so it holds only what a plain project runs (name, version,
description, a readme file, requires-python, dynamic version, default license files). The
other keys are loaded by :mod:`symback.licensing` and :mod:`symback.projectkeys`, and the
error texts worded by :mod:`symback.errortext`, each imported only when needed.
``docs/project-metadata.md`` documents, key by key, what is accepted and what it becomes.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from .common import filename_name, normalize_name
from .errors import ConfigError
from .projectvalues import README_TYPES, read_text, relative_file, string_list
from .projectvalues import error as _error
from .projectvalues import string as _string

if TYPE_CHECKING:
    from .projectkeys import Contact, EntryPoints

# PEP 508 names, checked as packaging.utils does (importing it costs start-up time).
_VALID_NAME = r"(?i)^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$"

__all__ = [
    "Contact",
    "ProjectMetadata",
    "load_metadata",
    "read_version",
    "PROJECT_KEYS",
    "DEFAULT_LICENSE_FILES",
]

METADATA_VERSION = "2.4"

#: Every key of ``[project]`` symback understands, in the order the spec lists them.
PROJECT_KEYS: Tuple[str, ...] = (
    "name", "version", "description", "readme", "requires-python", "license", "license-files",
    "authors", "maintainers", "keywords", "classifiers", "urls", "scripts", "gui-scripts",
    "entry-points", "dependencies", "optional-dependencies", "dynamic",
)
# The keys load_metadata reads itself; the others are symback.projectkeys' business.
_PLAIN_KEYS = frozenset(PROJECT_KEYS[:7] + ("dynamic",))

#: Globs used when ``license-files`` is absent (and ``license`` is not a ``{file = ...}``
#: table); unlike user-written globs they may match nothing.
DEFAULT_LICENSE_FILES: Tuple[str, ...] = ("LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*")
# The same globs as name prefixes: each matches the files at the root whose name starts so.
_DEFAULT_LICENSE_PREFIXES = ("LICENCE", "LICENSE", "COPYING", "NOTICE", "AUTHORS")


def __getattr__(name: str) -> Any:
    # Contact and EntryPoints belong to the keys that use them (authors, scripts...), which a
    # plain project never loads; they stay importable from here (PEP 562).
    if name in ("Contact", "EntryPoints"):
        from . import projectkeys

        return getattr(projectkeys, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --------------------------------------------------------------------------- data


class ProjectMetadata(NamedTuple):
    """The validated ``[project]`` table. Every sequence is a tuple, in the user's order."""

    name: str  # as written in [project]
    version: str  # normalised PEP 440 string
    readme_file: Optional[str] = None  # posix path relative to the project root
    license_files: Tuple[str, ...] = ()  # posix paths relative to the project root, sorted
    description: Optional[str] = None  # -> Summary
    readme_text: Optional[str] = None  # -> the body (Description), newlines normalised to \n
    readme_content_type: Optional[str] = None  # -> Description-Content-Type
    requires_python: Optional[str] = None  # specifiers normalised, in the user's order
    license_expression: Optional[str] = None  # canonical SPDX expression (PEP 639)
    license_text: Optional[str] = None  # legacy license = {text = ...} -> License
    authors: Tuple[Contact, ...] = ()
    maintainers: Tuple[Contact, ...] = ()
    keywords: Tuple[str, ...] = ()
    classifiers: Tuple[str, ...] = ()
    urls: Tuple[Tuple[str, str], ...] = ()  # (label, url)
    dependencies: Tuple[str, ...] = ()  # normalised PEP 508 strings
    optional_dependencies: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()  # (PEP 685 extra, reqs)
    scripts: EntryPoints = ()
    gui_scripts: EntryPoints = ()
    entry_points: Tuple[Tuple[str, EntryPoints], ...] = ()  # (group, entries)
    dynamic: Tuple[str, ...] = ()  # as declared: () or ("version",)

    @property
    def normalized_name(self) -> str:
        """PEP 503 form: ``Foo.Bar_baz`` -> ``foo-bar-baz``."""
        return normalize_name(self.name)

    @property
    def dist_name(self) -> str:
        """The name in wheel, sdist and ``.dist-info`` file names: ``foo_bar_baz``."""
        return filename_name(self.name)

    def core_metadata(self, extra_requires: Sequence[str] = ()) -> bytes:
        """``METADATA`` / ``PKG-INFO``: core metadata 2.4 in the email-header format.

        ``extra_requires`` are appended as unconditional ``Requires-Dist`` lines (an
        editable install that needs ``editables`` at run time passes it here).
        """
        headers: List[Tuple[str, str]] = [
            ("Metadata-Version", METADATA_VERSION),
            ("Name", self.name),
            ("Version", self.version),
        ]
        add = headers.append
        if self.description:
            add(("Summary", self.description))
        if self.keywords:
            add(("Keywords", ",".join(self.keywords)))
        if self.authors or self.maintainers:
            from .projectkeys import contact_headers

            headers.extend(contact_headers(self.authors, self.maintainers))
        if self.license_text:  # folded: continuation lines indented by 8 spaces
            add(("License", "\n        ".join(self.license_text.split("\n"))))
        if self.license_expression is not None:
            add(("License-Expression", self.license_expression))
        for path in self.license_files:
            add(("License-File", path))
        for classifier in self.classifiers:
            add(("Classifier", classifier))
        if self.requires_python:
            add(("Requires-Python", self.requires_python))
        for label, url in self.urls:
            add(("Project-URL", f"{label}, {url}"))
        for requirement in self.dependencies:
            add(("Requires-Dist", requirement))
        if extra_requires:
            from packaging.requirements import Requirement

            for requirement in extra_requires:
                add(("Requires-Dist", str(Requirement(requirement))))
        for extra, requirements in self.optional_dependencies:
            add(("Provides-Extra", extra))
            for requirement in requirements:
                add(("Requires-Dist", requirement))
        if self.readme_content_type is not None:
            add(("Description-Content-Type", self.readme_content_type))
        text = "".join(f"{field}: {value}\n" for field, value in headers)
        if self.readme_text is not None:
            text += "\n" + self.readme_text
        return text.encode("utf-8")

    def entry_points_txt(self) -> Optional[bytes]:
        """``entry_points.txt``: console_scripts, gui_scripts, then the other groups."""
        groups: List[Tuple[str, EntryPoints]] = []
        if self.scripts:
            groups.append(("console_scripts", self.scripts))
        if self.gui_scripts:
            groups.append(("gui_scripts", self.gui_scripts))
        groups.extend((group, entries) for group, entries in self.entry_points if entries)
        if not groups:
            return None
        sections = [
            f"[{group}]\n" + "".join(f"{name} = {ref}\n" for name, ref in entries)
            for group, entries in groups
        ]
        return "\n".join(sections).encode("utf-8")


# --------------------------------------------------------------------------- loading


def load_metadata(
    project: Mapping[str, Any],
    *,
    root: Path,
    version_file: Optional[Path],
    version_table: Optional[Mapping[str, Any]] = None,
) -> ProjectMetadata:
    """Validate ``[project]`` and build the :class:`ProjectMetadata`.

    ``root`` is the project directory (readme and license paths are relative to it);
    ``version_file`` is where a dynamic version's ``__version__`` lives (absolute, or
    relative to ``root``), ``None`` when no package was found; ``version_table`` is
    ``[tool.symback.version]`` (where else a dynamic version comes from: see ``versions``).
    """
    if not isinstance(project, Mapping):
        from .errortext import show, type_name

        raise ConfigError(
            f"pyproject.toml: [project]: must be a table, not {type_name(project)}: "
            f"{show(project)}. Write it as a [project] section."
        )
    for key in project:
        if key not in PROJECT_KEYS:
            from .projectkeys import unknown_key_error

            raise unknown_key_error(project, key, PROJECT_KEYS)
    root = Path(root)

    name = _load_name(project)
    dynamic = _load_dynamic(project)
    version = _load_version(project, dynamic, root, version_file, version_table)
    _check_file_name_length(name, version)

    description = None
    if "description" in project:
        description = _string("description", project["description"], 'description = "One line."')

    readme_file, readme_text, readme_type = _load_readme(project, root)

    requires_python = None
    if "requires-python" in project:
        raw = _string("requires-python", project["requires-python"], 'requires-python = ">=3.9"')
        try:
            requires_python = _specifiers(raw)
        except ValueError as exc:  # packaging's InvalidSpecifier
            from .errortext import first_line

            raise _error(
                "requires-python",
                f"invalid version specifier ({first_line(exc)})",
                raw,
                'Write a PEP 440 specifier set such as ">=3.9" or ">=3.9,<4".',
            ) from None

    license_expression = license_text = license_file = None
    if "license" in project:
        from .licensing import load_license

        license_expression, license_text, license_file = load_license(project, root)
    if license_file is not None:
        license_files: Tuple[str, ...] = (license_file,)
    elif "license-files" in project:
        from .licensing import load_license_files

        license_files = load_license_files(project, root)
    else:
        license_files = _default_license_files(root)

    optional: Dict[str, Any] = {}
    if not _PLAIN_KEYS.issuperset(project):
        from .projectkeys import load_optional

        optional = load_optional(project, license_expression)

    return ProjectMetadata(
        name=name,
        version=version,
        readme_file=readme_file,
        license_files=license_files,
        description=description,
        readme_text=readme_text,
        readme_content_type=readme_type,
        requires_python=requires_python,
        license_expression=license_expression,
        license_text=license_text,
        dynamic=dynamic,
        **optional,
    )


# One clause of the common form: a comparison with a plain release number (">=3.9",
# "< 4", "!=3.10.1"). "~=" needs two release parts; wildcards, pre-releases and "==="
# are left to packaging.
_SIMPLE_SPECIFIER = r"\s*(>=|<=|==|!=|<|>|~=(?=\s*[0-9]+\.))\s*([0-9]+(?:\.[0-9]+)*)\s*"


def _specifiers(raw: str) -> str:
    """Each specifier normalised (as packaging writes it), in the user's order.

    Raises packaging's ``InvalidSpecifier`` (a ``ValueError``) for an invalid set.
    """
    parts = raw.split(",")
    simple = [re.fullmatch(_SIMPLE_SPECIFIER, part) for part in parts]
    if all(simple):
        # Valid by construction, and written as packaging would write it: operator and
        # version with the spaces dropped. Saves importing packaging.specifiers (and
        # packaging.tags with it), the largest start-up cost of a build hook.
        return ",".join(m.group(1) + m.group(2) for m in simple if m)
    from packaging.specifiers import Specifier, SpecifierSet

    SpecifierSet(raw)  # validates the whole set; raises InvalidSpecifier
    return ",".join(str(Specifier(part.strip())) for part in parts if part.strip())


def _load_name(project: Mapping[str, Any]) -> str:
    if "name" not in project:
        raise _error(
            "name", "required key is missing", fix='Add name = "your-project" to [project].'
        )
    name = _string("name", project["name"], 'name = "your-project"')
    if len(name) > MAX_NAME_CHARS:
        raise _error(
            "name",
            f"{len(name)} characters long, more than the {MAX_NAME_CHARS} that leave room in the "
            "archives' file names (255 bytes on most file systems) for the version and tags",
            name[:40] + "...",
            "Shorten the name.",
        )
    if not re.fullmatch(_VALID_NAME, name):
        raise _error(
            "name",
            "not a valid project name",
            name,
            "Use ASCII letters, digits, '.', '-' and '_', starting and ending with a letter "
            'or digit (PEP 508), e.g. name = "my-project".',
        ) from None
    return name


def _load_dynamic(project: Mapping[str, Any]) -> Tuple[str, ...]:
    if "dynamic" not in project:
        return ()
    fields = string_list("dynamic", project["dynamic"], 'dynamic = ["version"]')
    for i, field in enumerate(fields):
        if field != "version":
            raise _error(
                f"dynamic[{i}]",
                "symback computes only the version dynamically (from __version__), so this "
                "field cannot be dynamic",
                field,
                f"Write {field} statically in [project] and remove it from dynamic.",
            )
    return ("version",) if fields else ()


def _load_version(
    project: Mapping[str, Any],
    dynamic: Tuple[str, ...],
    root: Path,
    version_file: Optional[Path],
    version_table: Optional[Mapping[str, Any]] = None,
) -> str:
    if "version" in project:
        if "version" in dynamic:
            raise _error(
                "version",
                "is set statically and also listed in dynamic",
                project["version"],
                'Either remove version, or remove "version" from dynamic.',
            )
        if version_table:
            raise _error(
                "version",
                "is set statically, so [tool.symback.version] (where a dynamic version comes "
                "from) has no use",
                project["version"],
                'Remove [tool.symback.version], or remove version and set dynamic = ["version"].',
            )
        raw = _string("version", project["version"], 'version = "1.0.0"')
        version = _normalized_version(raw)
        if version is None:
            raise _error(
                "version",
                "not a valid PEP 440 version",
                raw,
                'Use a version such as "1.2.3", "1.2.3rc1" or "1.2.3.post1".',
            )
        return version
    if "version" not in dynamic:
        raise _error(
            "version",
            "required key is missing",
            fix='Add version = "0.1.0" to [project], or set dynamic = ["version"] and '
            'write __version__ = "0.1.0" in your package\'s __init__.py.',
        )
    if version_file is None and not version_table:
        raise _error(
            "dynamic",
            "version is dynamic but no package was found to read __version__ from",
            ["version"],
            'Create your package (with __version__ = "0.1.0" in its __init__.py), list it in '
            "[tool.symback] packages, name the file that holds the version with "
            "[tool.symback.version] path, or set version statically in [project].",
        )
    from .versions import dynamic_version

    found = dynamic_version(
        root, version_table or {}, Path(version_file) if version_file else None, str(project["name"])
    )
    version = _normalized_version(found.raw)
    if version is None:
        from .errortext import show

        raise ConfigError(
            f"{found.where}: not a valid PEP 440 version: {show(found.raw)}. Use a "
            'version such as "1.2.3", "1.2.3rc1" or "1.2.3.post1".'
        )
    return version


# name + version in the longest file name a build writes (`<name>-<version>-0editable-<tag>.whl`,
# `build/__editable__.<name>-<tag>`...): tags take up to ~90 bytes of a file system's 255.
MAX_NAME_VERSION_BYTES = 150
MAX_NAME_CHARS = 120


def _check_file_name_length(name: str, version: str) -> None:
    """Refuse, before any file is written, a name and version whose wheel file name would
    not fit in a file system's 255 bytes (the build would fail half-way with ENAMETOOLONG)."""
    size = len(f"{filename_name(name)}-{version}".encode("utf-8"))
    if size <= MAX_NAME_VERSION_BYTES:
        return
    from .errortext import show

    key = "version" if len(version) >= len(name) else "name"
    value = version if key == "version" else name
    raise ConfigError(
        f"pyproject.toml: [project] {key}: {show(value, 60)} is {len(value)} characters long; "
        f"name and version together take {size} bytes of the archives' file names, more than the "
        f"{MAX_NAME_VERSION_BYTES} that leave room for the tags within the 255 bytes file "
        f"systems allow. Shorten the {key}."
    )


# A plain release number with no leading zeros is its own PEP 440 normal form.
_CANONICAL_RELEASE = r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*"


def _normalized_version(raw: str) -> Optional[str]:
    """The PEP 440 normal form of ``raw``, or ``None`` if it is not a version.

    The common case (``1.2.3``) is answered without importing packaging.version, which
    costs every build hook start-up time.
    """
    if re.fullmatch(_CANONICAL_RELEASE, raw):
        return raw
    from packaging.version import InvalidVersion, Version

    try:
        return str(Version(raw))
    except InvalidVersion:
        return None


def read_version(path: Path) -> str:
    """The string ``__version__`` is set to in ``path``, found by parsing, never importing
    (re-exports followed: see :func:`symback.versions.read_version`)."""
    from .versions import read_version as _read

    return _read(Path(path))


# --------------------------------------------------------------------------- readme, licenses


def _load_readme(
    project: Mapping[str, Any], root: Path
) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """(readme_file, text, content type)."""
    if "readme" not in project:
        return None, None, None
    value = project["readme"]
    if not isinstance(value, str):
        from .projectkeys import load_readme_table

        return load_readme_table(value, root)
    path = relative_file("readme", value, root, "readme")
    return path, read_text("readme", path, root), _infer_content_type("readme", path)


def _infer_content_type(key: str, path: str) -> str:
    suffix = posixpath.splitext(path)[1].lower()
    if suffix in README_TYPES:
        return README_TYPES[suffix]
    import json  # for the message only: ~1.5 ms of every build's start-up otherwise
    raise _error(
        key,
        f"cannot tell the content type of the readme from its suffix ({suffix or 'none'})",
        path,
        "Use a .md, .rst or .txt file, or write readme = {file = "
        f'{json.dumps(path)}, content-type = "text/plain"}} (or text/markdown, text/x-rst).',
    )


def _default_license_files(root: Path) -> Tuple[str, ...]:
    """The files :data:`DEFAULT_LICENSE_FILES` match: regular files (or links to them) at the
    root, sorted. A name with ".." would be rejected by metadata readers; defaults skip it."""
    try:
        entries = list(os.scandir(root))
    except OSError:
        return ()
    return tuple(
        sorted(
            entry.name
            for entry in entries
            if entry.name.startswith(_DEFAULT_LICENSE_PREFIXES)
            and ".." not in entry.name
            and entry.is_file()
        )
    )
