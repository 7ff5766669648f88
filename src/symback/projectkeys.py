"""The optional ``[project]`` keys, and the rarer forms and mistakes of the others.

Cold code: :mod:`symback.metadata` validates a plain project (name, version, description,
readme file, requires-python) itself and imports this module only when the project has one
of ``authors``, ``maintainers``, ``keywords``, ``classifiers``, ``urls``, ``dependencies``,
``optional-dependencies``, ``scripts``, ``gui-scripts``, ``entry-points``, a readme table,
or an unknown key. It never imports :mod:`symback.metadata` (which imports it).
"""

from __future__ import annotations

import posixpath
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, NamedTuple, Optional, Tuple

from .common import normalize_name
from .errortext import first_line, key_path, show, toml_key, toml_repr
from .projectvalues import (
    README_TYPES,
    LINE_BREAK,
    error,
    no_other_keys,
    normalise_newlines,
    read_text,
    relative_file,
    string,
    string_list,
    table,
    wrong_type,
)

if TYPE_CHECKING:
    from packaging.requirements import Requirement

# Patterns are compiled by ``re``'s cache on first use.
_EMAIL = r"[^\s@<>,\"()\[\]\\;:]+@[^\s@<>,\"()\[\]\\;:]+"
# Characters that make an RFC 822 display name need quoting ("." is left alone on purpose:
# "John Q. Public" is how every tool writes it and every parser reads it).
_NAME_SPECIALS = r'[()<>@,:;\[\]\\"]'
_SCRIPT_NAME = r"\w[\w.-]*"
_GROUP_NAME = r"\w[\w.-]*"
# PEP 508 names, checked as packaging.utils does (importing it costs start-up time).
_VALID_NAME = r"(?i)^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$"

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

#: The keys this module loads, as :func:`load_optional` returns them (ProjectMetadata fields).
OPTIONAL_KEYS = (
    "authors",
    "maintainers",
    "keywords",
    "classifiers",
    "urls",
    "dependencies",
    "optional-dependencies",
    "scripts",
    "gui-scripts",
    "entry-points",
)


class Contact(NamedTuple):
    """One entry of ``authors`` / ``maintainers``: a name, an email, or both."""

    name: Optional[str] = None
    email: Optional[str] = None


EntryPoints = Tuple[Tuple[str, str], ...]  # ((name, "module:attr"), ...), user's order


def unknown_key_error(project: Mapping[str, Any], key: str, valid: Tuple[str, ...]) -> Exception:
    """The error for a ``[project]`` key not in ``valid``: what it is, or what was meant."""
    if key in _METADATA_25_KEYS:
        return error(
            key,
            "not supported yet: it needs core metadata 2.5 and symback writes 2.4",
            project[key],
            f"Remove {key} from [project].",
        )
    label = _URL_KEYS.get(str(key).lower())
    if label is not None:
        url = project[key] if isinstance(project[key], str) else "https://..."
        return error(
            toml_key(str(key)),
            "unknown key",
            project[key],
            f"A URL goes in the [project.urls] table; write:\n\n    [project.urls]\n"
            f"    {label} = {toml_repr(url)}\n",
        )
    from .errortext import closest

    close = closest(str(key), valid)
    if close:
        fix = f"Did you mean {close}?"
    else:
        fix = f"Valid keys are: {', '.join(valid)}. Tool settings go in [tool.<name>]."
    return error(toml_key(str(key)), "unknown key", project[key], fix)


def load_optional(project: Mapping[str, Any], license_expression: Optional[str]) -> Dict[str, Any]:
    """The :data:`OPTIONAL_KEYS` of ``project`` as ProjectMetadata fields, validated in order."""
    return {
        "authors": _load_contacts(project, "authors"),
        "maintainers": _load_contacts(project, "maintainers"),
        "keywords": _load_keywords(project),
        "classifiers": _load_classifiers(project, license_expression),
        "urls": _load_urls(project),
        "dependencies": _load_dependencies(project),
        "optional_dependencies": _load_optional_dependencies(project),
        "scripts": _load_scripts(project, "scripts"),
        "gui_scripts": _load_scripts(project, "gui-scripts"),
        "entry_points": _load_entry_points(project),
    }


# --------------------------------------------------------------------------- readme table


def load_readme_table(
    value: Any, root: Path
) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """``readme`` that is not a plain path: (readme_file, text, content type)."""
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
        raise error(
            "readme",
            "the table needs exactly one of file and text",
            value,
            "Keep file (a path) or text (the readme itself), not both or neither.",
        )
    if "content-type" not in value:
        suggestion = ""
        if "file" in value and isinstance(value["file"], str):
            guess = README_TYPES.get(posixpath.splitext(value["file"])[1].lower())
            if guess:
                suggestion = f' (for this file: content-type = "{guess}")'
        raise error(
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
        raise error("readme.content-type", "not a valid content type", value, fix) from None
    main = message.get_content_type().lower()
    if defects or main not in _CONTENT_TYPES or main not in value.lower():
        raise error("readme.content-type", "not a supported content type", value, fix)
    if params.get("charset", "UTF-8").lower() != "utf-8":
        raise error(
            "readme.content-type",
            "the readme must be UTF-8",
            value,
            'Drop the charset, or use "charset=UTF-8" (and save the file as UTF-8).',
        )
    if main == "text/markdown" and params.get("variant", "GFM") not in ("GFM", "CommonMark"):
        raise error("readme.content-type", "unknown Markdown variant", value, fix)
    return value


# --------------------------------------------------------------------------- people


def _load_contacts(project: Mapping[str, Any], key: str) -> Tuple[Contact, ...]:
    if key not in project:
        return ()
    example = f'{key} = [{{name = "Jane Doe", email = "jane@example.org"}}]'
    value = project[key]
    if not isinstance(value, list):
        raise wrong_type(key, "an array of tables", value, example)
    contacts = []
    for i, item in enumerate(value):
        item_key = key_path(key, i)
        if not isinstance(item, Mapping):
            raise wrong_type(item_key, "a table with name and/or email", item, example)
        no_other_keys(item_key, item, ("name", "email"), f"Write {example}.")
        if not item:
            raise error(item_key, "needs a name, an email, or both", item, f"Write {example}.")
        name = email = None
        if "name" in item:
            name = string(key_path(item_key, "name"), item["name"], 'name = "Jane Doe"')
            if not name.strip():
                raise error(
                    key_path(item_key, "name"),
                    "must not be empty",
                    name,
                    "Give the person's name, or drop the key.",
                )
        if "email" in item:
            email = string(key_path(item_key, "email"), item["email"], 'email = "jane@example.org"')
            if not re.fullmatch(_EMAIL, email):
                raise error(
                    key_path(item_key, "email"),
                    "not a valid email address",
                    email,
                    'Write a bare address such as "jane@example.org" (the name goes in name).',
                )
        contacts.append(Contact(name=name, email=email))
    return tuple(contacts)


def contact_headers(authors: Tuple[Contact, ...], maintainers: Tuple[Contact, ...]) -> List[Tuple[str, str]]:
    """Author, Author-email, Maintainer, Maintainer-email: the core metadata headers."""
    headers = []
    for field, contacts in (("Author", authors), ("Maintainer", maintainers)):
        names = [_format_name(c.name) for c in contacts if c.name and not c.email]
        emails = [_format_address(c) for c in contacts if c.email]
        if names:
            headers.append((field, ", ".join(names)))
        if emails:
            headers.append((f"{field}-email", ", ".join(emails)))
    return headers


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


# --------------------------------------------------------------------------- lists


def _load_keywords(project: Mapping[str, Any]) -> Tuple[str, ...]:
    if "keywords" not in project:
        return ()
    keywords = string_list("keywords", project["keywords"], 'keywords = ["packaging", "build"]')
    for i, word in enumerate(keywords):
        if "," in word or not word.strip():
            raise error(
                key_path("keywords", i),
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
    classifiers = string_list(
        "classifiers", project["classifiers"], 'classifiers = ["Programming Language :: Python"]'
    )
    license_classifiers = []
    for i, classifier in enumerate(classifiers):
        if not classifier.strip():
            raise error(key_path("classifiers", i), "must not be empty", classifier, "Remove it.")
        if license_expression is not None and classifier.startswith("License ::"):
            license_classifiers.append(f"{key_path('classifiers', i)} = {classifier!r}")
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
    given = table("urls", project["urls"], example)
    urls = []
    for label, url in given.items():
        key = key_path("urls", label)
        if not label.strip() or "," in label or re.search(LINE_BREAK, label):
            raise error(
                key,
                "a URL label must be non-empty, one line, and hold no comma",
                label,
                "Rename the label (e.g. Homepage, Documentation, Source, Changelog).",
            )
        url = string(key, url, f'{toml_key(label)} = "https://example.org"')
        if not url or any(c.isspace() for c in url) or ":" not in url:
            raise error(
                key, "not a URL", url, 'Write an absolute URL such as "https://example.org".'
            )
        urls.append((label, url))
    return tuple(urls)


# --------------------------------------------------------------------------- requirements


def _requirement(key: str, raw: str) -> Requirement:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(raw)
    except InvalidRequirement as exc:
        raise error(
            key,
            f"invalid requirement ({first_line(exc)})",
            raw,
            'Write a PEP 508 requirement such as "requests>=2.31" or '
            "\"tomli>=1.2; python_version < '3.11'\".",
        ) from None


def _load_dependencies(project: Mapping[str, Any]) -> Tuple[str, ...]:
    if "dependencies" not in project:
        return ()
    raw = string_list("dependencies", project["dependencies"], 'dependencies = ["requests>=2"]')
    return tuple(str(_requirement(key_path("dependencies", i), r)) for i, r in enumerate(raw))


def _load_optional_dependencies(
    project: Mapping[str, Any],
) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    if "optional-dependencies" not in project:
        return ()
    from packaging.markers import Marker

    example = 'optional-dependencies = {test = ["pytest"]}'
    given = table("optional-dependencies", project["optional-dependencies"], example)
    seen: dict = {}
    extras = []
    for extra, requirements in given.items():
        key = key_path("optional-dependencies", extra)
        if not re.fullmatch(_VALID_NAME, extra):
            raise error(
                key,
                "not a valid extra name",
                extra,
                "Use letters, digits, '.', '-' and '_', starting and ending with a letter "
                "or digit (PEP 685).",
            )
        normal = normalize_name(extra)
        if normal in seen:
            raise error(
                key,
                f"same extra as {show(seen[normal])} once normalised (PEP 685: both are "
                f"{normal!r})",
                extra,
                "Merge the two lists.",
            )
        seen[normal] = extra
        raw = string_list(key, requirements, f'{toml_key(extra)} = ["pytest"]')
        rendered = []
        for i, text in enumerate(raw):
            requirement = _requirement(key_path(key, i), text)
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
        raise error(
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
    given = table(key, project[key], example)
    out = []
    for name, ref in given.items():
        item_key = key_path(key, name)
        if not re.fullmatch(_SCRIPT_NAME, name):
            raise error(
                item_key,
                "not a valid script name",
                name,
                "Use letters, digits, '_', '.' and '-', starting with a letter, digit or '_' "
                "(it becomes a file name).",
            )
        ref = string(item_key, ref, f'{toml_key(name)} = "my_package.cli:main"')
        out.append((name, _object_ref(item_key, ref, need_attr=True)))
    return tuple(out)


def _load_entry_points(project: Mapping[str, Any]) -> Tuple[Tuple[str, EntryPoints], ...]:
    if "entry-points" not in project:
        return ()
    example = '[project.entry-points."my.group"] name = "my_package.module:object"'
    given = table("entry-points", project["entry-points"], example)
    groups = []
    for group, entries in given.items():
        key = key_path("entry-points", group)
        if group in ("console_scripts", "gui_scripts"):
            section = "scripts" if group == "console_scripts" else "gui-scripts"
            raise error(
                key,
                f"{group} cannot be declared in entry-points (PEP 621)",
                entries,
                f"Move these entries to [project.{section}].",
            )
        if not re.fullmatch(_GROUP_NAME, group):
            raise error(
                key,
                "not a valid entry point group name",
                group,
                "Use letters, digits, '_', '.' and '-' (e.g. \"my_project.plugins\").",
            )
        entries = table(key, entries, example)
        out = []
        for name, ref in entries.items():
            item_key = key_path(key, name)
            if (
                not name
                or name != name.strip()
                or "=" in name
                or name[0] in "[#;"
                or re.search(LINE_BREAK, name)
            ):
                raise error(
                    item_key,
                    "not a valid entry point name",
                    name,
                    "Use letters, digits, '_', '.' and '-'; no '=', no leading '[' or "
                    "surrounding spaces.",
                )
            ref = string(item_key, ref, f'{toml_key(name)} = "my_package.module:object"')
            out.append((name, _object_ref(item_key, ref, need_attr=False)))
        groups.append((group, tuple(out)))
    return tuple(groups)
