"""The optional ``[project]`` keys: ``authors``, ``maintainers``, ``keywords``,
``classifiers``, ``urls``, ``dependencies``, ``optional-dependencies``, ``scripts``,
``gui-scripts``, ``entry-points``; the ``Author``/``Maintainer`` headers and the
``entry_points.txt`` they become.

Cold code: :mod:`symback.metadata` imports it only for a project that has one of them
(:class:`Contact` stays importable from there). It never imports ``metadata``.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, NamedTuple, Optional, Tuple

from .common import normalize_name
from .errortext import first_line, key_path, project_error, show, toml_key, wrong_type
from .projectvalues import (
    PEP508_NAME,
    LINE_BREAK,
    no_other_keys,
    string,
    string_list,
    table,
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


class Contact(NamedTuple):
    """One entry of ``authors`` / ``maintainers``: a name, an email, or both."""

    name: Optional[str] = None
    email: Optional[str] = None


EntryPoints = Tuple[Tuple[str, str], ...]  # ((name, "module:attr"), ...), user's order


def load_optional(project: Mapping[str, Any], license_expression: Optional[str]) -> Dict[str, Any]:
    """The optional keys of ``project`` as ProjectMetadata fields, validated in order."""
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
            raise project_error(item_key, "needs a name, an email, or both", item, f"Write {example}.")
        name = email = None
        if "name" in item:
            name = string(key_path(item_key, "name"), item["name"], 'name = "Jane Doe"')
            if not name.strip():
                raise project_error(
                    key_path(item_key, "name"),
                    "must not be empty",
                    name,
                    "Give the person's name, or drop the key.",
                )
        if "email" in item:
            email = string(key_path(item_key, "email"), item["email"], 'email = "jane@example.org"')
            if not re.fullmatch(_EMAIL, email):
                raise project_error(
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
            raise project_error(
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
            raise project_error(key_path("classifiers", i), "must not be empty", classifier, "Remove it.")
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
            raise project_error(
                key,
                "a URL label must be non-empty, one line, and hold no comma",
                label,
                "Rename the label (e.g. Homepage, Documentation, Source, Changelog).",
            )
        url = string(key, url, f'{toml_key(label)} = "https://example.org"')
        if not url or any(c.isspace() for c in url) or ":" not in url:
            raise project_error(
                key, "not a URL", url, 'Write an absolute URL such as "https://example.org".'
            )
        urls.append((label, url))
    return tuple(urls)


# --------------------------------------------------------------------------- requirements


# A requirement of the common form, "name" or "name>=1.2,<2" (plain version clauses with
# distinct operators; no extras or URL), with at most one marker comparison such as
# "; python_version < '3.11'". Written as packaging writes it (clauses sorted, the marker
# spaced and double-quoted) without importing packaging.requirements, which costs tens of
# ms in every hook. Two clauses of one operator (">=1,>=1.0") may be merged by packaging,
# differently across its versions: those, and every other form, go to packaging.
_PLAIN_REQUIREMENT = r"[ \t]*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)[ \t]*([<>=!~][^;@\[\]]*)?"
_PLAIN_CLAUSE = r"[ \t]*(>=|<=|==|!=|<|>|~=(?=[ \t]*[0-9]+\.))[ \t]*([0-9]+(?:\.[0-9]+)*)[ \t]*"
_PLAIN_MARKER = (
    r"[ \t]*(python_version|python_full_version|os_name|sys_platform|platform_system|"
    r"platform_machine|platform_release|implementation_name|platform_python_implementation)"
    r"[ \t]*(<=|>=|==|!=|<|>)[ \t]*(?:'([\w.+-]*)'|\"([\w.+-]*)\")[ \t]*"
)


def _plain_requirement(raw: str) -> Optional[Tuple[str, Optional[str]]]:
    """(requirement, marker) as ``str(Requirement(raw))`` writes them, for a requirement of
    the common form; ``None`` for any other."""
    head, semicolon, tail = raw.partition(";")
    marker = None
    if semicolon:
        found = re.fullmatch(_PLAIN_MARKER, tail)
        if found is None:
            return None
        variable, operator, single, double = found.groups()
        marker = f'{variable} {operator} "{single if single is not None else double}"'
    match = re.fullmatch(_PLAIN_REQUIREMENT, head)
    if match is None:
        return None
    name, specifiers = match.groups()
    if specifiers is None:
        return name, marker
    clauses = [re.fullmatch(_PLAIN_CLAUSE, part) for part in specifiers.split(",")]
    if not all(clauses) or len({m.group(1) for m in clauses if m}) != len(clauses):
        return None
    return name + ",".join(sorted(m.group(1) + m.group(2) for m in clauses if m)), marker


def _requirement(key: str, raw: str) -> Requirement:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(raw)
    except InvalidRequirement as exc:
        raise project_error(
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
    written = []
    for i, text in enumerate(raw):
        plain = _plain_requirement(text)
        if plain is None:
            written.append(str(_requirement(key_path("dependencies", i), text)))
        else:
            requirement, marker = plain
            written.append(f"{requirement}; {marker}" if marker else requirement)
    return tuple(written)


def _load_optional_dependencies(
    project: Mapping[str, Any],
) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    if "optional-dependencies" not in project:
        return ()
    example = 'optional-dependencies = {test = ["pytest"]}'
    given = table("optional-dependencies", project["optional-dependencies"], example)
    seen: dict = {}
    extras = []
    for extra, requirements in given.items():
        key = key_path("optional-dependencies", extra)
        if not re.fullmatch(PEP508_NAME, extra):
            raise project_error(
                key,
                "not a valid extra name",
                extra,
                "Use letters, digits, '.', '-' and '_', starting and ending with a letter "
                "or digit (PEP 685).",
            )
        normal = normalize_name(extra)
        if normal in seen:
            raise project_error(
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
            condition = f'extra == "{normal}"'
            plain = _plain_requirement(text) if normal.isascii() else None
            if plain is not None:  # as packaging writes the marker below
                requirement, marker = plain
                rendered.append(f"{requirement}; {marker} and {condition}" if marker else f"{requirement}; {condition}")
                continue
            from packaging.markers import Marker

            requirement = _requirement(key_path(key, i), text)
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
        raise project_error(
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
            raise project_error(
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
            raise project_error(
                key,
                f"{group} cannot be declared in entry-points (PEP 621)",
                entries,
                f"Move these entries to [project.{section}].",
            )
        if not re.fullmatch(_GROUP_NAME, group):
            raise project_error(
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
                raise project_error(
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


def entry_points_txt(
    scripts: EntryPoints, gui_scripts: EntryPoints, entry_points: Tuple[Tuple[str, EntryPoints], ...]
) -> Optional[bytes]:
    """``entry_points.txt``: console_scripts, gui_scripts, then the other groups."""
    groups: List[Tuple[str, EntryPoints]] = []
    if scripts:
        groups.append(("console_scripts", scripts))
    if gui_scripts:
        groups.append(("gui_scripts", gui_scripts))
    groups.extend((group, entries) for group, entries in entry_points if entries)
    if not groups:
        return None
    sections = [
        f"[{group}]\n" + "".join(f"{name} = {ref}\n" for name, ref in entries)
        for group, entries in groups
    ]
    return "\n".join(sections).encode("utf-8")
