"""The keys :mod:`symback.metadata` reads fast, read in full: every shape, every error message.

``metadata`` accepts the common shapes of ``name``, ``version``, ``description``,
``readme`` and ``requires-python`` itself and calls here for anything else (a list of
dynamic fields other than ``["version"]``, a readme table, a readme with a BOM...) and to
word an error. The order of the
checks, and so which of two problems is reported, is the order ``metadata`` calls them in.
Cold code: it never imports ``metadata``; what it needs from there is passed in.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from typing import Any, Mapping, Optional, Tuple

from .errors import ConfigError
from .errortext import closest, first_line, project_error, show, toml_key, toml_repr, type_name, wrong_type
from .projectvalues import (
    PEP508_NAME,
    no_other_keys,
    normalise_newlines,
    read_text,
    relative_file,
    string,
    string_list,
)

_CONTENT_TYPES = ("text/markdown", "text/x-rst", "text/plain")

# Keys the pyproject.toml spec defines that need a newer core metadata version than 2.4.
_METADATA_25_KEYS = ("import-names", "import-namespaces")

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


def check_table(project: Any, valid: Tuple[str, ...]) -> None:
    """Raise the error for a ``[project]`` that is not a table or has a key not in ``valid``."""
    if not isinstance(project, Mapping):
        raise ConfigError(
            f"pyproject.toml: [project]: must be a table, not {type_name(project)}: "
            f"{show(project)}. Write it as a [project] section."
        )
    for key in project:
        if key not in valid:
            raise _unknown_key_error(project, key, valid)


def _unknown_key_error(project: Mapping[str, Any], key: str, valid: Tuple[str, ...]) -> ConfigError:
    if key in _METADATA_25_KEYS:
        return project_error(
            key,
            "not supported yet: it needs core metadata 2.5 and symback writes 2.4",
            project[key],
            f"Remove {key} from [project].",
        )
    label = _URL_KEYS.get(str(key).lower())
    if label is not None:
        url = project[key] if isinstance(project[key], str) else "https://..."
        return project_error(
            toml_key(str(key)),
            "unknown key",
            project[key],
            f"A URL goes in the [project.urls] table; write:\n\n    [project.urls]\n"
            f"    {label} = {toml_repr(url)}\n",
        )
    close = closest(str(key), valid)
    if close:
        fix = f"Did you mean {close}?"
    else:
        fix = f"Valid keys are: {', '.join(valid)}. Tool settings go in [tool.<name>]."
    return project_error(toml_key(str(key)), "unknown key", project[key], fix)


# --------------------------------------------------------------------------- name, version


def load_name(project: Mapping[str, Any], max_chars: int) -> str:
    if "name" not in project:
        raise project_error(
            "name", "required key is missing", fix='Add name = "your-project" to [project].'
        )
    name = string("name", project["name"], 'name = "your-project"')
    if len(name) > max_chars:
        raise project_error(
            "name",
            f"{len(name)} characters long, more than the {max_chars} that leave room in the "
            "archives' file names (255 bytes on most file systems) for the version and tags",
            name[:40] + "...",
            "Shorten the name.",
        )
    if not re.fullmatch(PEP508_NAME, name):
        raise project_error(
            "name",
            "not a valid project name",
            name,
            "Use ASCII letters, digits, '.', '-' and '_', starting and ending with a letter "
            'or digit (PEP 508), e.g. name = "my-project".',
        )
    return name


def load_dynamic(project: Mapping[str, Any]) -> Tuple[str, ...]:
    fields = string_list("dynamic", project["dynamic"], 'dynamic = ["version"]')
    for i, field in enumerate(fields):
        if field != "version":
            raise project_error(
                f"dynamic[{i}]",
                "symback computes only the version dynamically (from __version__), so this "
                "field cannot be dynamic",
                field,
                f"Write {field} statically in [project] and remove it from dynamic.",
            )
    return ("version",) if fields else ()


def version_error(
    project: Mapping[str, Any], dynamic: Tuple[str, ...], version_table: Optional[Mapping[str, Any]]
) -> ConfigError:
    """Why there is no version (``metadata`` found none: a dynamic one it reads itself)."""
    if "version" in project:
        if "version" in dynamic:
            return project_error(
                "version",
                "is set statically and also listed in dynamic",
                project["version"],
                'Either remove version, or remove "version" from dynamic.',
            )
        if version_table:
            return project_error(
                "version",
                "is set statically, so [tool.symback.version] (where a dynamic version comes "
                "from) has no use",
                project["version"],
                'Remove [tool.symback.version], or remove version and set dynamic = ["version"].',
            )
        raw = string("version", project["version"], 'version = "1.0.0"')
        return project_error(
            "version",
            "not a valid PEP 440 version",
            raw,
            'Use a version such as "1.2.3", "1.2.3rc1" or "1.2.3.post1".',
        )
    if "version" not in dynamic:
        return project_error(
            "version",
            "required key is missing",
            fix='Add version = "0.1.0" to [project], or set dynamic = ["version"] and '
            'write __version__ = "0.1.0" in your package\'s __init__.py.',
        )
    return project_error(
        "dynamic",
        "version is dynamic but no package was found to read __version__ from",
        ["version"],
        'Create your package (with __version__ = "0.1.0" in its __init__.py), list it in '
        "[tool.symback] packages, name the file that holds the version with "
        "[tool.symback.version] path, or set version statically in [project].",
    )


def dynamic_version_error(raw: str, where: str) -> ConfigError:
    """The dynamic version ``raw``, found at ``where``, is not a PEP 440 version."""
    return ConfigError(
        f"{where}: not a valid PEP 440 version: {show(raw)}. Use a "
        'version such as "1.2.3", "1.2.3rc1" or "1.2.3.post1".'
    )


def file_name_length_error(name: str, version: str, size: int, max_bytes: int) -> ConfigError:
    """Name and version take ``size`` bytes of the archives' file names, over ``max_bytes``."""
    key = "version" if len(version) >= len(name) else "name"
    value = version if key == "version" else name
    return ConfigError(
        f"pyproject.toml: [project] {key}: {show(value, 60)} is {len(value)} characters long; "
        f"name and version together take {size} bytes of the archives' file names, more than the "
        f"{max_bytes} that leave room for the tags within the 255 bytes file "
        f"systems allow. Shorten the {key}."
    )


# --------------------------------------------------------------------------- requires-python


def requires_python_error(raw: Any, exc: Optional[Exception] = None) -> ConfigError:
    """Why ``requires-python`` is refused: not a one-line string, or (``exc``) not a
    specifier set."""
    raw = string("requires-python", raw, 'requires-python = ">=3.9"')
    assert exc is not None
    return project_error(
        "requires-python",
        f"invalid version specifier ({first_line(exc)})",
        raw,
        'Write a PEP 440 specifier set such as ">=3.9" or ">=3.9,<4".',
    )


# --------------------------------------------------------------------------- readme


def load_readme(
    value: Any, root: Path, types: Mapping[str, str]
) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """``readme`` in any form: (readme_file, text, content type); ``types`` maps a suffix
    to its content type."""
    if isinstance(value, str):
        path = relative_file("readme", value, root, "readme")
        return path, read_text("readme", path, root), _infer_content_type("readme", path, types)
    if not isinstance(value, Mapping):
        raise wrong_type(
            "readme",
            "a string (a file path) or a table",
            value,
            'readme = "README.md" or readme = {file = "README.md", content-type = "text/markdown"}',
        )
    no_other_keys(
        "readme",
        value,
        ("file", "text", "content-type"),
        'Use readme = {file = "...", content-type = "..."} or '
        '{text = "...", content-type = "..."}.',
    )
    if ("file" in value) == ("text" in value):
        raise project_error(
            "readme",
            "the table needs exactly one of file and text",
            value,
            "Keep file (a path) or text (the readme itself), not both or neither.",
        )
    if "content-type" not in value:
        suggestion = ""
        if "file" in value and isinstance(value["file"], str):
            guess = types.get(posixpath.splitext(value["file"])[1].lower())
            if guess:
                suggestion = f' (for this file: content-type = "{guess}")'
        raise project_error(
            "readme",
            "a readme table needs content-type",
            value,
            f'Add content-type = "text/markdown", "text/x-rst" or "text/plain"{suggestion}, '
            'or write readme = "<path>" and let the suffix decide.',
        )
    content_type = _check_content_type(
        string("readme.content-type", value["content-type"], 'content-type = "text/markdown"')
    )
    if "file" in value:
        raw = string("readme.file", value["file"], 'file = "README.md"')
        path = relative_file("readme.file", raw, root, "readme")
        return path, read_text("readme.file", path, root), content_type
    text = string("readme.text", value["text"], 'text = "..."', single_line=False)
    return None, normalise_newlines(text), content_type


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
        raise project_error("readme.content-type", "not a valid content type", value, fix) from None
    main = message.get_content_type().lower()
    if defects or main not in _CONTENT_TYPES or main not in value.lower():
        raise project_error("readme.content-type", "not a supported content type", value, fix)
    if params.get("charset", "UTF-8").lower() != "utf-8":
        raise project_error(
            "readme.content-type",
            "the readme must be UTF-8",
            value,
            'Drop the charset, or use "charset=UTF-8" (and save the file as UTF-8).',
        )
    if main == "text/markdown" and params.get("variant", "GFM") not in ("GFM", "CommonMark"):
        raise project_error("readme.content-type", "unknown Markdown variant", value, fix)
    return value


def _infer_content_type(key: str, path: str, types: Mapping[str, str]) -> str:
    suffix = posixpath.splitext(path)[1].lower()
    if suffix in types:
        return types[suffix]
    import json

    raise project_error(
        key,
        f"cannot tell the content type of the readme from its suffix ({suffix or 'none'})",
        path,
        "Use a .md, .rst or .txt file, or write readme = {file = "
        f'{json.dumps(path)}, content-type = "text/plain"}} (or text/markdown, text/x-rst).',
    )
