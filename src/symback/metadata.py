"""PEP 621 ``[project]`` -> :class:`ProjectMetadata` -> core metadata 2.4.

:func:`load_metadata` validates the whole ``[project]`` table up front: every problem is a
:class:`~symback.errors.ConfigError` of the form
``pyproject.toml: [project] <key>: <what is wrong>: <bad value>. <how to fix it>``.
What it returns is plain, immutable data; :meth:`ProjectMetadata.core_metadata` renders
``METADATA`` / ``PKG-INFO`` and :meth:`ProjectMetadata.entry_points_txt` renders
``entry_points.txt``, both deterministically (the only order in the output is the order
the user wrote).

``docs/project-metadata.md`` documents, key by key, what is accepted and what it becomes.
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple


from .common import filename_name, normalize_name
from .errors import ConfigError

if TYPE_CHECKING:
    from packaging.requirements import Requirement

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
    "name",
    "version",
    "description",
    "readme",
    "requires-python",
    "license",
    "license-files",
    "authors",
    "maintainers",
    "keywords",
    "classifiers",
    "urls",
    "scripts",
    "gui-scripts",
    "entry-points",
    "dependencies",
    "optional-dependencies",
    "dynamic",
)

# Keys the pyproject.toml spec defines that need a newer core metadata version than 2.4.
_METADATA_25_KEYS = ("import-names", "import-namespaces")

#: Globs used when ``license-files`` is absent (and ``license`` is not a ``{file = ...}``
#: table); unlike user-written globs they may match nothing.
DEFAULT_LICENSE_FILES: Tuple[str, ...] = ("LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*")

_README_TYPES = {
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".rst": "text/x-rst",
    ".txt": "text/plain",
}
_CONTENT_TYPES = ("text/markdown", "text/x-rst", "text/plain")

# Directories a license-files glob never descends into: VCS data, caches, virtualenvs
# (a directory holding pyvenv.cfg) -- they hold other projects' license files.
_PRUNED_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "__pycache__", ".tox", ".nox"})

# Patterns are kept as strings and compiled by ``re``'s cache on first use: compiling
# them all at import would cost every build hook start-up time for patterns it never uses.
_BARE_KEY = r"[A-Za-z0-9_-]+"
_LINE_BREAK = r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]"
_CONTROL = r"[\x00-\x08\x0e-\x1f\x7f]"
_EMAIL = r"[^\s@<>,\"()\[\]\\;:]+@[^\s@<>,\"()\[\]\\;:]+"
# Characters that make an RFC 822 display name need quoting ("." is left alone on purpose:
# "John Q. Public" is how every tool writes it and every parser reads it).
_NAME_SPECIALS = r'[()<>@,:;\[\]\\"]'
_SCRIPT_NAME = r"\w[\w.-]*"
_GROUP_NAME = r"\w[\w.-]*"

_MISSING = object()

# Keys other tools (setup.cfg, Poetry) put beside the metadata, and the [project.urls]
# label that holds the same thing.
_URL_KEYS = {
    "homepage": "Homepage",
    "home-page": "Homepage",
    "home_page": "Homepage",
    "repository": "Repository",
    "documentation": "Documentation",
    "source": "Source",
    "changelog": "Changelog",
    "issues": "Issues",
    "bug-tracker": "Issues",
}


# --------------------------------------------------------------------------- data


class Contact(NamedTuple):
    """One entry of ``authors`` / ``maintainers``: a name, an email, or both."""

    name: Optional[str] = None
    email: Optional[str] = None


EntryPoints = Tuple[Tuple[str, str], ...]  # ((name, "module:attr"), ...), user's order


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
        for field, contacts in (("Author", self.authors), ("Maintainer", self.maintainers)):
            names = [_format_name(c.name) for c in contacts if c.name and not c.email]
            emails = [_format_address(c) for c in contacts if c.email]
            if names:
                add((field, ", ".join(names)))
            if emails:
                add((f"{field}-email", ", ".join(emails)))
        if self.license_text:
            add(("License", _fold(self.license_text)))
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


def _format_name(name: Optional[str]) -> str:
    """A display name, quoted (RFC 822) when it holds a comma or another special."""
    assert name is not None
    if re.search(_NAME_SPECIALS, name):
        return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return name


def _format_address(contact: Contact) -> str:
    assert contact.email is not None
    if contact.name:
        return f"{_format_name(contact.name)} <{contact.email}>"
    return contact.email


def _fold(text: str) -> str:
    """A multi-line header value: continuation lines indented by 8 spaces."""
    return "\n        ".join(text.split("\n"))


# --------------------------------------------------------------------------- errors


def _show(value: Any, limit: int = 200) -> str:
    """``value`` as it would be written in TOML, cut short when long."""
    text = _toml_repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def _toml_repr(value: Any) -> str:
    import datetime
    import json
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_toml_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_repr(v) for v in value) + "]"
    return repr(value)


def _key(name: str) -> str:
    import json
    return name if re.fullmatch(_BARE_KEY, name) else json.dumps(name, ensure_ascii=False)


def _sub(parent: str, child: Any) -> str:
    """The path of a nested key or array item, as in ``optional-dependencies.test[0]``."""
    if isinstance(child, int):
        return f"{parent}[{child}]"
    return f"{parent}.{_key(child)}"


def _last_key(key: str) -> str:
    """The last segment of a key path: ``optional-dependencies.test`` -> ``test``."""
    match = re.search(r'(?:^|\.)("(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+)$', key)
    return match.group(1) if match else key


def _type_name(value: Any) -> str:
    import datetime
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, (datetime.date, datetime.time)):
        return "a date/time"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "an array"
    return type(value).__name__


def _error(key: str, problem: str, value: Any = _MISSING, fix: str = "") -> ConfigError:
    message = f"pyproject.toml: [project] {key}: {problem}"
    if value is not _MISSING:
        message += f": {_show(value)}"
    return ConfigError(f"{message}. {fix}".rstrip())


def _wrong_type(key: str, expected: str, value: Any, example: str) -> ConfigError:
    return _error(
        key, f"must be {expected}, not {_type_name(value)}", value, f"Write it as {example}."
    )


# --------------------------------------------------------------------------- types


def _string(key: str, value: Any, example: str, *, single_line: bool = True) -> str:
    if not isinstance(value, str):
        raise _wrong_type(key, "a string", value, example)
    if single_line and re.search(_LINE_BREAK, value):
        raise _error(
            key,
            "must be a single line",
            value,
            "Remove the line breaks (core metadata fields are one line each).",
        )
    if re.search(_CONTROL, value):
        raise _error(key, "must not contain control characters", value, "Remove them.")
    return value


def _string_list(key: str, value: Any, example: str) -> List[str]:
    if not isinstance(value, list):
        if isinstance(value, str):  # the usual slip: show the user's own value in an array
            example = f"{_last_key(key)} = [{_toml_repr(value)}]"
        raise _wrong_type(key, "an array of strings", value, example)
    return [_string(_sub(key, i), item, example) for i, item in enumerate(value)]


def _table(key: str, value: Any, example: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _wrong_type(key, "a table", value, example)
    return value


def _no_other_keys(key: str, table: Mapping[str, Any], allowed: Sequence[str], fix: str) -> None:
    for name in table:
        if name not in allowed:
            raise _error(
                _sub(key, name),
                f"unknown key (allowed: {', '.join(allowed)})",
                table[name],
                fix,
            )


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
        raise ConfigError(
            f"pyproject.toml: [project]: must be a table, not {_type_name(project)}: "
            f"{_show(project)}. Write it as a [project] section."
        )
    _check_keys(project)
    root = Path(root)

    name = _load_name(project)
    dynamic = _load_dynamic(project)
    version = _load_version(project, dynamic, root, version_file, version_table)
    _check_file_name_length(name, version)

    description = None
    if "description" in project:
        description = _string("description", project["description"], 'description = "One line."')

    readme_file, readme_text, readme_type = _load_readme(project.get("readme", _MISSING), root)

    requires_python = None
    if "requires-python" in project:
        raw = _string("requires-python", project["requires-python"], 'requires-python = ">=3.9"')
        try:
            requires_python = _specifiers(raw)
        except ValueError as error:  # packaging's InvalidSpecifier
            raise _error(
                "requires-python",
                f"invalid version specifier ({_first_line(error)})",
                raw,
                'Write a PEP 440 specifier set such as ">=3.9" or ">=3.9,<4".',
            ) from None

    license_expression, license_text, license_file = _load_license(project, root)
    license_files = _load_license_files(project, root, license_file)

    authors = _load_contacts(project, "authors")
    maintainers = _load_contacts(project, "maintainers")
    keywords = _load_keywords(project)
    classifiers = _load_classifiers(project, license_expression)
    urls = _load_urls(project)
    dependencies = _load_dependencies(project)
    optional_dependencies = _load_optional_dependencies(project)
    scripts = _load_scripts(project, "scripts")
    gui_scripts = _load_scripts(project, "gui-scripts")
    entry_points = _load_entry_points(project)

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
        authors=authors,
        maintainers=maintainers,
        keywords=keywords,
        classifiers=classifiers,
        urls=urls,
        dependencies=dependencies,
        optional_dependencies=optional_dependencies,
        scripts=scripts,
        gui_scripts=gui_scripts,
        entry_points=entry_points,
        dynamic=dynamic,
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


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _check_keys(project: Mapping[str, Any]) -> None:
    for key in project:
        if key in PROJECT_KEYS:
            continue
        if key in _METADATA_25_KEYS:
            raise _error(
                key,
                "not supported yet: it needs core metadata 2.5 and symback writes 2.4",
                project[key],
                f"Remove {key} from [project].",
            )
        label = _URL_KEYS.get(str(key).lower())
        if label is not None:
            url = project[key] if isinstance(project[key], str) else "https://..."
            raise _error(
                _key(str(key)),
                "unknown key",
                project[key],
                f"A URL goes in the [project.urls] table; write:\n\n    [project.urls]\n"
                f"    {label} = {_toml_repr(url)}\n",
            )
        import difflib

        close = difflib.get_close_matches(str(key), PROJECT_KEYS, n=1, cutoff=0.6)
        if close:
            fix = f"Did you mean {close[0]}?"
        else:
            fix = f"Valid keys are: {', '.join(PROJECT_KEYS)}. Tool settings go in [tool.<name>]."
        raise _error(_key(str(key)), "unknown key", project[key], fix)


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
    fields = _string_list("dynamic", project["dynamic"], 'dynamic = ["version"]')
    for i, field in enumerate(fields):
        if field != "version":
            raise _error(
                _sub("dynamic", i),
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
        raise ConfigError(
            f"{found.where}: not a valid PEP 440 version: {_show(found.raw)}. Use a "
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
    key = "version" if len(version) >= len(name) else "name"
    value = version if key == "version" else name
    raise ConfigError(
        f"pyproject.toml: [project] {key}: {_show(value, 60)} is {len(value)} characters long; "
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


# --------------------------------------------------------------------------- readme


def _load_readme(value: Any, root: Path) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """(readme_file, text, content type)."""
    if value is _MISSING:
        return None, None, None
    if isinstance(value, str):
        path = _relative_file("readme", value, root, "readme")
        return path, _read_text("readme", path, root), _infer_content_type("readme", path)
    if not isinstance(value, Mapping):
        raise _wrong_type(
            "readme",
            "a string (a file path) or a table",
            value,
            'readme = "README.md" or readme = {file = "README.md", content-type = "text/markdown"}',
        )
    _no_other_keys(
        "readme",
        value,
        ("file", "text", "content-type"),
        'Use readme = {file = "...", content-type = "..."} or '
        '{text = "...", content-type = "..."}.',
    )
    if ("file" in value) == ("text" in value):
        raise _error(
            "readme",
            "the table needs exactly one of file and text",
            value,
            "Keep file (a path) or text (the readme itself), not both or neither.",
        )
    if "content-type" not in value:
        suggestion = ""
        if "file" in value and isinstance(value["file"], str):
            guess = _README_TYPES.get(posixpath.splitext(value["file"])[1].lower())
            if guess:
                suggestion = f' (for this file: content-type = "{guess}")'
        raise _error(
            "readme",
            "a readme table needs content-type",
            value,
            f'Add content-type = "text/markdown", "text/x-rst" or "text/plain"{suggestion}, '
            'or write readme = "<path>" and let the suffix decide.',
        )
    content_type = _check_content_type(
        _string("readme.content-type", value["content-type"], 'content-type = "text/markdown"')
    )
    if "file" in value:
        raw = _string("readme.file", value["file"], 'file = "README.md"')
        path = _relative_file("readme.file", raw, root, "readme")
        return path, _read_text("readme.file", path, root), content_type
    text = _string("readme.text", value["text"], 'text = "..."', single_line=False)
    return None, _normalise_newlines(text), content_type


def _infer_content_type(key: str, path: str) -> str:
    suffix = posixpath.splitext(path)[1].lower()
    if suffix in _README_TYPES:
        return _README_TYPES[suffix]
    import json  # for the message only: ~1.5 ms of every build's start-up otherwise
    raise _error(
        key,
        f"cannot tell the content type of the readme from its suffix ({suffix or 'none'})",
        path,
        "Use a .md, .rst or .txt file, or write readme = {file = "
        f'{json.dumps(path)}, content-type = "text/plain"}} (or text/markdown, text/x-rst).',
    )


def _check_content_type(value: str) -> str:
    import email.message
    message = email.message.EmailMessage()
    fix = (
        'Use "text/markdown", "text/x-rst" or "text/plain" (optionally with '
        '"; charset=UTF-8", and for Markdown "; variant=GFM" or "; variant=CommonMark").'
    )
    try:
        message["content-type"] = value
        header = message["content-type"]
        defects = header.defects
        params = dict(header.params)
    except (ValueError, IndexError):
        raise _error("readme.content-type", "not a valid content type", value, fix) from None
    main = message.get_content_type().lower()
    if defects or main not in _CONTENT_TYPES or main not in value.lower():
        raise _error("readme.content-type", "not a supported content type", value, fix)
    if params.get("charset", "UTF-8").lower() != "utf-8":
        raise _error(
            "readme.content-type",
            "the readme must be UTF-8",
            value,
            'Drop the charset, or use "charset=UTF-8" (and save the file as UTF-8).',
        )
    if main == "text/markdown" and params.get("variant", "GFM") not in ("GFM", "CommonMark"):
        raise _error("readme.content-type", "unknown Markdown variant", value, fix)
    return value


def _read_text(key: str, path: str, root: Path) -> str:
    try:
        data = (root / path).read_bytes()
    except OSError as error:
        raise _error(
            key,
            f"cannot read the file ({error.strerror or error})",
            path,
            "Check that it is a readable file.",
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _error(
            key,
            f"the file is not valid UTF-8 (byte {error.start})",
            path,
            "Save it as UTF-8.",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return _normalise_newlines(text)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _relative_file(key: str, raw: str, root: Path, what: str) -> str:
    """A clean posix path relative to ``root`` naming an existing regular file."""
    clean = _clean_relative(raw)
    if clean is None:
        raise _error(
            key,
            "must be a relative path inside the project, with '/' separators",
            raw,
            f"Give the {what} file's path relative to the directory holding pyproject.toml.",
        )
    full = root / clean
    if not full.is_file():
        problem = "is a directory, not a file" if full.is_dir() else "file not found"
        raise _error(
            key,
            problem,
            raw,
            f"Create {clean} or fix the path (it is relative to the directory holding "
            "pyproject.toml).",
        )
    return clean


def _clean_relative(raw: str) -> Optional[str]:
    if (
        not raw
        or "\\" in raw
        or "\x00" in raw
        or raw.startswith("/")
        or re.match(r"[A-Za-z]:", raw)
    ):
        return None
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


# --------------------------------------------------------------------------- license


def _load_license(
    project: Mapping[str, Any], root: Path
) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """(SPDX expression, legacy text, legacy file)."""
    if "license" not in project:
        return None, None, None
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    value = project["license"]
    if isinstance(value, str):
        try:
            return canonicalize_license_expression(value), None, None
        except InvalidLicenseExpression as error:
            raise _error(
                "license",
                f"not a valid SPDX license expression ({_first_line(error)})",
                value,
                'Use SPDX identifiers from https://spdx.org/licenses/, e.g. "MIT" or '
                '"Apache-2.0 OR MIT"; for a custom license use "LicenseRef-<name>" and list '
                "its file in license-files.",
            ) from None
    if not isinstance(value, Mapping):
        raise _wrong_type("license", "a string (an SPDX expression)", value, 'license = "MIT"')
    fix = 'Write license = "<SPDX expression>" with license-files = ["LICENSE"] (PEP 639).'
    _no_other_keys("license", value, ("file", "text"), fix)
    if len(value) != 1:
        raise _error(
            "license", "the legacy license table needs exactly one of file and text", value, fix
        )
    if "license-files" in project:
        raise _error(
            "license",
            "the legacy license table cannot be combined with license-files (PEP 639)",
            value,
            fix,
        )
    if "text" in value:
        text = _string("license.text", value["text"], 'text = "..."', single_line=False)
        return None, _normalise_newlines(text).strip("\n"), None
    raw = _string("license.file", value["file"], 'file = "LICENSE"')
    return None, None, _relative_file("license.file", raw, root, "license")


def _load_license_files(
    project: Mapping[str, Any], root: Path, legacy_file: Optional[str]
) -> Tuple[str, ...]:
    if legacy_file is not None:
        return (legacy_file,)
    if "license-files" not in project:
        found: set = set()
        for pattern in DEFAULT_LICENSE_FILES:
            found.update(_glob(root, _glob_regex(pattern), pattern))
        # A name with ".." would be rejected by metadata readers; defaults just skip it.
        return tuple(sorted(path for path in found if ".." not in path))
    patterns = _string_list(
        "license-files", project["license-files"], 'license-files = ["LICENSE"]'
    )
    matched: set = set()
    for i, pattern in enumerate(patterns):
        key = _sub("license-files", i)
        regex = _glob_regex(pattern, key)
        files = _glob(root, regex, pattern)
        if not files:
            raise _error(
                key,
                "the glob matches no file",
                pattern,
                "Fix the pattern (it is relative to the directory holding pyproject.toml), "
                "or remove it.",
            )
        matched.update(files)
    for path in sorted(matched):
        if ".." in path:
            raise _error(
                "license-files",
                "a matched file name contains '..', which core metadata readers reject "
                "(they take it for a parent directory)",
                path,
                "Rename the file.",
            )
    return tuple(sorted(matched))


_GLOB_FIX = (
    "License-file globs (PEP 639) are relative paths with '/' separators made of letters, "
    "digits, '.', '_', '-', and the wildcards *, ?, ** and [...]."
)


def _glob_regex(pattern: str, key: str = "license-files") -> "re.Pattern[str]":
    """A PEP 639 glob as a regex over posix paths relative to the root; validated."""
    if not pattern or pattern.startswith("/") or "\\" in pattern:
        raise _error(key, "not a relative path glob", pattern, _GLOB_FIX)
    parts = [p for p in pattern.split("/") if p != "."]
    if not parts or "" in parts:
        raise _error(key, "not a valid glob (empty path segment)", pattern, _GLOB_FIX)
    if ".." in parts:
        raise _error(key, "must not contain '..' (PEP 639)", pattern, _GLOB_FIX)
    out: List[str] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            out.append(r"(?:[^/]+/)*[^/]+" if last else r"(?:[^/]+/)*")
            continue
        out.append(_segment_regex(part, pattern, key) + ("" if last else "/"))
    return re.compile("".join(out))


def _segment_regex(part: str, pattern: str, key: str) -> str:
    out: List[str] = []
    i = 0
    while i < len(part):
        c = part[i]
        if c == "*":
            while i + 1 < len(part) and part[i + 1] == "*":
                i += 1
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = part.find("]", i + 1)
            body = part[i + 1 : end] if end != -1 else ""
            if end == -1 or not body or not all(_glob_char(ch) for ch in body):
                raise _error(key, "not a valid glob (bad [...] range)", pattern, _GLOB_FIX)
            out.append("[" + _bracket(body) + "]")
            i = end
        elif _glob_char(c):
            out.append(re.escape(c))
        else:
            raise _error(
                key, f"not a valid glob (character {c!r} is not allowed)", pattern, _GLOB_FIX
            )
        i += 1
    return "".join(out)


def _glob_char(c: str) -> bool:
    return c.isalnum() or c in "._-"


def _bracket(body: str) -> str:
    out = []
    for j, ch in enumerate(body):
        if ch == "-" and 0 < j < len(body) - 1:
            out.append("-")  # a range, as in [a-z]
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _glob(root: Path, regex: "re.Pattern[str]", pattern: str) -> List[str]:
    """Regular files (or links to them) under ``root`` whose relative path matches."""
    parts = [p for p in pattern.split("/") if p != "."]
    literal: List[str] = []
    for part in parts:
        if any(c in part for c in "*?["):
            break
        literal.append(part)
    if len(literal) == len(parts):  # no wildcard at all
        rel = "/".join(parts)
        return [rel] if (root / rel).is_file() else []
    start = root.joinpath(*literal) if literal else root
    if not start.is_dir():
        return []
    max_depth = None if "**" in parts else len(parts) - len(literal)
    found = []
    for rel in _walk(start, "/".join(literal), max_depth):
        if regex.fullmatch(rel):
            found.append(rel)
    return found


def _walk(directory: Path, prefix: str, depth: Optional[int]) -> Iterator[str]:
    if depth is not None and depth <= 0:
        return
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        rel = f"{prefix}/{entry.name}" if prefix else entry.name
        if entry.is_dir(follow_symlinks=False):
            if entry.name in _PRUNED_DIRS or os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                continue
            yield from _walk(Path(entry.path), rel, None if depth is None else depth - 1)
        elif entry.is_file(follow_symlinks=True):
            yield rel


# --------------------------------------------------------------------------- people


def _load_contacts(project: Mapping[str, Any], key: str) -> Tuple[Contact, ...]:
    if key not in project:
        return ()
    example = f'{key} = [{{name = "Jane Doe", email = "jane@example.org"}}]'
    value = project[key]
    if not isinstance(value, list):
        raise _wrong_type(key, "an array of tables", value, example)
    contacts = []
    for i, item in enumerate(value):
        item_key = _sub(key, i)
        if not isinstance(item, Mapping):
            raise _wrong_type(item_key, "a table with name and/or email", item, example)
        _no_other_keys(item_key, item, ("name", "email"), f"Write {example}.")
        if not item:
            raise _error(item_key, "needs a name, an email, or both", item, f"Write {example}.")
        name = email = None
        if "name" in item:
            name = _string(_sub(item_key, "name"), item["name"], 'name = "Jane Doe"')
            if not name.strip():
                raise _error(
                    _sub(item_key, "name"),
                    "must not be empty",
                    name,
                    "Give the person's name, or drop the key.",
                )
        if "email" in item:
            email = _string(_sub(item_key, "email"), item["email"], 'email = "jane@example.org"')
            if not re.fullmatch(_EMAIL, email):
                raise _error(
                    _sub(item_key, "email"),
                    "not a valid email address",
                    email,
                    'Write a bare address such as "jane@example.org" (the name goes in name).',
                )
        contacts.append(Contact(name=name, email=email))
    return tuple(contacts)


# --------------------------------------------------------------------------- lists


def _load_keywords(project: Mapping[str, Any]) -> Tuple[str, ...]:
    if "keywords" not in project:
        return ()
    keywords = _string_list("keywords", project["keywords"], 'keywords = ["packaging", "build"]')
    for i, word in enumerate(keywords):
        if "," in word or not word.strip():
            raise _error(
                _sub("keywords", i),
                "a keyword must be non-empty and hold no comma (Keywords is comma-separated)",
                word,
                "Split it into separate keywords.",
            )
    return tuple(w.strip() for w in keywords)


def _load_classifiers(
    project: Mapping[str, Any], license_expression: Optional[str]
) -> Tuple[str, ...]:
    if "classifiers" not in project:
        return ()
    classifiers = _string_list(
        "classifiers", project["classifiers"], 'classifiers = ["Programming Language :: Python"]'
    )
    license_classifiers = []
    for i, classifier in enumerate(classifiers):
        if not classifier.strip():
            raise _error(_sub("classifiers", i), "must not be empty", classifier, "Remove it.")
        if license_expression is not None and classifier.startswith("License ::"):
            license_classifiers.append(f"{_sub('classifiers', i)} = {classifier!r}")
    if license_classifiers:
        # PEP 639 lets a backend refuse these; hatchling, flit and uv_build accept them and
        # so does PyPI, and many projects are part-way through that migration. The
        # metadata keeps what the user wrote; symback never adds such a classifier.
        print(
            f"symback: pyproject.toml: [project] classifiers: License :: classifiers next to "
            f'license = "{license_expression}" are deprecated (PEP 639): '
            f"{'; '.join(license_classifiers)}. Remove them; the license expression already "
            "says it.",
            file=sys.stderr,
        )
    return tuple(classifiers)


def _load_urls(project: Mapping[str, Any]) -> Tuple[Tuple[str, str], ...]:
    if "urls" not in project:
        return ()
    example = 'urls = {Homepage = "https://example.org"}'
    table = _table("urls", project["urls"], example)
    urls = []
    for label, url in table.items():
        key = _sub("urls", label)
        if not label.strip() or "," in label or re.search(_LINE_BREAK, label):
            raise _error(
                key,
                "a URL label must be non-empty, one line, and hold no comma",
                label,
                "Rename the label (e.g. Homepage, Documentation, Source, Changelog).",
            )
        url = _string(key, url, f'{_key(label)} = "https://example.org"')
        if not url or any(c.isspace() for c in url) or ":" not in url:
            raise _error(
                key, "not a URL", url, 'Write an absolute URL such as "https://example.org".'
            )
        urls.append((label, url))
    return tuple(urls)


# --------------------------------------------------------------------------- requirements


def _requirement(key: str, raw: str) -> Requirement:
    from packaging.requirements import InvalidRequirement, Requirement
    try:
        return Requirement(raw)
    except InvalidRequirement as error:
        raise _error(
            key,
            f"invalid requirement ({_first_line(error)})",
            raw,
            'Write a PEP 508 requirement such as "requests>=2.31" or '
            "\"tomli>=1.2; python_version < '3.11'\".",
        ) from None


def _load_dependencies(project: Mapping[str, Any]) -> Tuple[str, ...]:
    if "dependencies" not in project:
        return ()
    raw = _string_list("dependencies", project["dependencies"], 'dependencies = ["requests>=2"]')
    return tuple(str(_requirement(_sub("dependencies", i), r)) for i, r in enumerate(raw))


def _load_optional_dependencies(
    project: Mapping[str, Any],
) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    if "optional-dependencies" not in project:
        return ()
    from packaging.markers import Marker

    example = 'optional-dependencies = {test = ["pytest"]}'
    table = _table("optional-dependencies", project["optional-dependencies"], example)
    seen: dict = {}
    extras = []
    for extra, requirements in table.items():
        key = _sub("optional-dependencies", extra)
        if not re.fullmatch(_VALID_NAME, extra):
            raise _error(
                key,
                "not a valid extra name",
                extra,
                "Use letters, digits, '.', '-' and '_', starting and ending with a letter "
                "or digit (PEP 685).",
            )
        normal = normalize_name(extra)
        if normal in seen:
            raise _error(
                key,
                f"same extra as {_show(seen[normal])} once normalised (PEP 685: both are "
                f"{normal!r})",
                extra,
                "Merge the two lists.",
            )
        seen[normal] = extra
        raw = _string_list(key, requirements, f'{_key(extra)} = ["pytest"]')
        rendered = []
        for i, text in enumerate(raw):
            requirement = _requirement(_sub(key, i), text)
            condition = f'extra == "{normal}"'
            if requirement.marker is not None:
                condition = f"({requirement.marker}) and {condition}"
            requirement.marker = Marker(condition)
            rendered.append(str(requirement))
        extras.append((normal, tuple(rendered)))
    return tuple(extras)


# --------------------------------------------------------------------------- entry points


def _object_ref(key: str, raw: str, *, need_attr: bool) -> str:
    example = '"package.module:function"' if need_attr else '"package.module:object.attr"'
    text = raw.strip()
    module, colon, attr = text.partition(":")
    module, attr = module.strip(), attr.strip()
    ok = _dotted(module) and (_dotted(attr) if colon else not need_attr)
    if not ok:
        what = (
            "not a module:attribute reference"
            if need_attr
            else "not a module[:attribute] reference"
        )
        raise _error(
            key,
            what,
            raw,
            f"Write it as {example} (dotted Python identifiers; extras in brackets are not "
            "supported).",
        )
    return f"{module}:{attr}" if colon else module


def _dotted(text: str) -> bool:
    import keyword
    return bool(text) and all(
        p.isidentifier() and not keyword.iskeyword(p) for p in text.split(".")
    )


def _load_scripts(project: Mapping[str, Any], key: str) -> EntryPoints:
    if key not in project:
        return ()
    example = f'[project.{key}] my-tool = "my_package.cli:main"'
    table = _table(key, project[key], example)
    out = []
    for name, ref in table.items():
        item_key = _sub(key, name)
        if not re.fullmatch(_SCRIPT_NAME, name):
            raise _error(
                item_key,
                "not a valid script name",
                name,
                "Use letters, digits, '_', '.' and '-', starting with a letter, digit or '_' "
                "(it becomes a file name).",
            )
        ref = _string(item_key, ref, f'{_key(name)} = "my_package.cli:main"')
        out.append((name, _object_ref(item_key, ref, need_attr=True)))
    return tuple(out)


def _load_entry_points(project: Mapping[str, Any]) -> Tuple[Tuple[str, EntryPoints], ...]:
    if "entry-points" not in project:
        return ()
    example = '[project.entry-points."my.group"] name = "my_package.module:object"'
    table = _table("entry-points", project["entry-points"], example)
    groups = []
    for group, entries in table.items():
        key = _sub("entry-points", group)
        if group in ("console_scripts", "gui_scripts"):
            section = "scripts" if group == "console_scripts" else "gui-scripts"
            raise _error(
                key,
                f"{group} cannot be declared in entry-points (PEP 621)",
                entries,
                f"Move these entries to [project.{section}].",
            )
        if not re.fullmatch(_GROUP_NAME, group):
            raise _error(
                key,
                "not a valid entry point group name",
                group,
                "Use letters, digits, '_', '.' and '-' (e.g. \"my_project.plugins\").",
            )
        entries = _table(key, entries, example)
        out = []
        for name, ref in entries.items():
            item_key = _sub(key, name)
            if (
                not name
                or name != name.strip()
                or "=" in name
                or name[0] in "[#;"
                or re.search(_LINE_BREAK, name)
            ):
                raise _error(
                    item_key,
                    "not a valid entry point name",
                    name,
                    "Use letters, digits, '_', '.' and '-'; no '=', no leading '[' or "
                    "surrounding spaces.",
                )
            ref = _string(item_key, ref, f'{_key(name)} = "my_package.module:object"')
            out.append((name, _object_ref(item_key, ref, need_attr=False)))
        groups.append((group, tuple(out)))
    return tuple(groups)
