"""PEP 621 ``[project]`` -> :class:`ProjectMetadata` -> core metadata 2.4.

:func:`load_metadata` validates the whole ``[project]`` table up front: every problem is a
:class:`~symback.errors.ConfigError` of the form
``pyproject.toml: [project] <key>: <what is wrong>: <bad value>. <how to fix it>``.
What it returns is plain, immutable data; :meth:`ProjectMetadata.core_metadata` renders
``METADATA`` / ``PKG-INFO`` and :meth:`ProjectMetadata.entry_points_txt` renders
``entry_points.txt``, both deterministically (the only order in the output is the order
the user wrote).

Every hook imports this module, so it reads only the common shapes of the keys a plain
project has (name, version, description, a readme file, requires-python) and finds the
default license files. Anything else is read by a cold module imported where it
is needed: :mod:`symback.projectcheck` (those keys in full, and their errors),
:mod:`symback.licensing`, :mod:`symback.projectkeys` (the optional keys).
``docs/project-metadata.md`` documents, key by key, what is accepted and what it becomes.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from .common import filename_name, normalize_name

if TYPE_CHECKING:
    from .projectkeys import Contact, EntryPoints

__all__ = ["ProjectMetadata", "load_metadata", "read_version", "PROJECT_KEYS", "DEFAULT_LICENSE_FILES"]

METADATA_VERSION = "2.4"

#: Every key of ``[project]`` symback understands, in the order the spec lists them.
PROJECT_KEYS: Tuple[str, ...] = (
    "name", "version", "description", "readme", "requires-python", "license", "license-files",
    "authors", "maintainers", "keywords", "classifiers", "urls", "scripts", "gui-scripts",
    "entry-points", "dependencies", "optional-dependencies", "dynamic",
)
# name + version in the longest file name a build writes (`<name>-<version>-0editable-<tag>.whl`,
# `build/__editable__.<name>-<tag>`...): tags take up to ~90 bytes of a file system's 255.
MAX_NAME_VERSION_BYTES = 150
MAX_NAME_CHARS = 120

_KEY_SET = frozenset(PROJECT_KEYS)
# The keys load_metadata reads without symback.projectkeys.
_PLAIN_KEYS = frozenset(PROJECT_KEYS[:7] + ("dynamic",))

# What the fast paths accept; anything else goes to symback.projectcheck, which reads it
# in full or words the error. Patterns are compiled by re's cache on first use.
# A PEP 508 name in ASCII. The spec's pattern (projectvalues.PEP508_NAME) is
# case-insensitive, which costs ~0.5 ms to compile and lets four non-ASCII letters through
# (İ ı ſ K): such names are read by projectcheck.
_PLAIN_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
# The characters projectvalues.string refuses in a one-line string (line breaks, controls).
_NOT_ONE_LINE = r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]"
# A relative path that is its own clean form (no "", "." or ".." segment, no drive).
_PLAIN_PATH = r"[\w-][\w.-]*(?:/[\w-][\w.-]*)*"
_README_TYPES = {".md": "text/markdown", ".markdown": "text/markdown", ".rst": "text/x-rst", ".txt": "text/plain"}

#: Globs used when ``license-files`` is absent (and ``license`` is not a ``{file = ...}``
#: table); unlike user-written globs they may match nothing.
DEFAULT_LICENSE_FILES: Tuple[str, ...] = ("LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*")
# The same globs as name prefixes: each matches the files at the root whose name starts so.
_DEFAULT_LICENSE_PREFIXES = ("LICENCE", "LICENSE", "COPYING", "NOTICE", "AUTHORS")


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
        if not (self.scripts or self.gui_scripts or self.entry_points):
            return None
        from .projectkeys import entry_points_txt

        return entry_points_txt(self.scripts, self.gui_scripts, self.entry_points)


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
    if not isinstance(project, Mapping) or not _KEY_SET.issuperset(project):
        _check().check_table(project, PROJECT_KEYS)
    root = Path(root)

    name = project.get("name")
    if not (isinstance(name, str) and len(name) <= MAX_NAME_CHARS and re.fullmatch(_PLAIN_NAME, name)):
        name = _check().load_name(project, MAX_NAME_CHARS)
    dynamic: Tuple[str, ...] = ()
    if "dynamic" in project:
        dynamic = ("version",) if project["dynamic"] == ["version"] else _check().load_dynamic(project)
    version = None
    if not dynamic and not version_table and _one_line(project.get("version")):
        version = _normalized_version(project["version"])
    elif dynamic and "version" not in project and (version_file is not None or version_table):
        version = _dynamic_version(name, root, version_file, version_table)
    if version is None:
        raise _check().version_error(project, dynamic, version_table)
    size = len(f"{filename_name(name)}-{version}".encode("utf-8"))
    if size > MAX_NAME_VERSION_BYTES:  # the build would fail half-way with ENAMETOOLONG
        raise _check().file_name_length_error(name, version, size, MAX_NAME_VERSION_BYTES)

    description = project.get("description")
    if "description" in project and not _one_line(description):
        from .projectvalues import string

        string("description", description, 'description = "One line."')  # raises
    readme_file = readme_text = readme_type = None
    if "readme" in project:
        readme = _plain_readme(project["readme"], root)
        readme_file, readme_text, readme_type = readme or _check().load_readme(
            project["readme"], root, _README_TYPES
        )
    requires_python = project.get("requires-python")
    if "requires-python" in project:
        if not _one_line(requires_python):
            raise _check().requires_python_error(requires_python)
        try:
            requires_python = _specifiers(requires_python)
        except ValueError as exc:  # packaging's InvalidSpecifier
            raise _check().requires_python_error(requires_python, exc) from None

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


def _dynamic_version(
    name: str, root: Path, version_file: Optional[Path], version_table: Optional[Mapping[str, Any]]
) -> str:
    from .versions import dynamic_version

    found = dynamic_version(root, version_table or {}, Path(version_file) if version_file else None, name)
    version = _normalized_version(found.raw)
    if version is None:
        raise _check().dynamic_version_error(found.raw, found.where)
    return version


def _one_line(value: Any) -> bool:
    # isprintable() answers most strings without compiling the pattern (it refuses a tab).
    return isinstance(value, str) and (value.isprintable() or not re.search(_NOT_ONE_LINE, value))


def _check() -> Any:
    """:mod:`symback.projectcheck`: the keys above read in full, and their errors."""
    from . import projectcheck

    return projectcheck


def read_version(path: Path) -> str:
    """The string ``__version__`` is set to in ``path``, found by parsing, never importing
    (re-exports followed: see :func:`symback.versions.read_version`)."""
    from .versions import read_version as _read

    return _read(Path(path))


# --------------------------------------------------------------------------- readme, licenses


def _plain_readme(value: Any, root: Path) -> Optional[Tuple[str, str, str]]:
    """(readme_file, text, content type) of a readme given as a clean path to a UTF-8 file
    with a known suffix, "\n" line ends and no BOM; ``None`` for anything else."""
    suffix = posixpath.splitext(value)[1].lower() if isinstance(value, str) else ""
    if suffix not in _README_TYPES or not re.fullmatch(_PLAIN_PATH, value):
        return None
    path = root / value
    try:
        text = path.read_bytes().decode("utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError):
        text = None
    if text is None or "\r" in text or text.startswith("\ufeff"):
        return None
    return value, text, _README_TYPES[suffix]


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
