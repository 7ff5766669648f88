"""``[project] license`` and ``license-files`` (PEP 639): the SPDX expression, the legacy
table, and the license-file globs with their matcher.

Cold code: :mod:`symback.metadata` imports it only for a project that has either key (the
default license files of a project without them are found by a plain directory scan there).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterator, List, Mapping, Optional, Tuple

from .errortext import first_line, key_path, project_error, wrong_type
from .projectvalues import (
    no_other_keys,
    normalise_newlines,
    relative_file,
    string,
    string_list,
)

# Directories a license-files glob never descends into: VCS data, caches, virtualenvs
# (a directory holding pyvenv.cfg) -- they hold other projects' license files.
_PRUNED_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "__pycache__", ".tox", ".nox"})


def load_license(
    project: Mapping[str, Any], root: Path
) -> Tuple[Optional[str], Optional[str], Optional[str]]:
    """``license``: (SPDX expression, legacy text, legacy file)."""
    from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression

    value = project["license"]
    if isinstance(value, str):
        try:
            return canonicalize_license_expression(value), None, None
        except InvalidLicenseExpression as exc:
            raise project_error(
                "license",
                f"not a valid SPDX license expression ({first_line(exc)})",
                value,
                'Use SPDX identifiers from https://spdx.org/licenses/, e.g. "MIT" or '
                '"Apache-2.0 OR MIT"; for a custom license use "LicenseRef-<name>" and list '
                "its file in license-files.",
            ) from None
    if not isinstance(value, Mapping):
        raise wrong_type("license", "a string (an SPDX expression)", value, 'license = "MIT"')
    fix = 'Write license = "<SPDX expression>" with license-files = ["LICENSE"] (PEP 639).'
    no_other_keys("license", value, ("file", "text"), fix)
    if len(value) != 1:
        raise project_error(
            "license", "the legacy license table needs exactly one of file and text", value, fix
        )
    if "license-files" in project:
        raise project_error(
            "license",
            "the legacy license table cannot be combined with license-files (PEP 639)",
            value,
            fix,
        )
    if "text" in value:
        text = string("license.text", value["text"], 'text = "..."', single_line=False)
        return None, normalise_newlines(text).strip("\n"), None
    raw = string("license.file", value["file"], 'file = "LICENSE"')
    return None, None, relative_file("license.file", raw, root, "license")


def load_license_files(project: Mapping[str, Any], root: Path) -> Tuple[str, ...]:
    """``license-files``: every file its globs match, sorted; each glob must match one."""
    patterns = string_list(
        "license-files", project["license-files"], 'license-files = ["LICENSE"]'
    )
    matched: set = set()
    for i, pattern in enumerate(patterns):
        key = key_path("license-files", i)
        regex = glob_regex(pattern, key)
        files = glob(root, regex, pattern)
        if not files:
            raise project_error(
                key,
                "the glob matches no file",
                pattern,
                "Fix the pattern (it is relative to the directory holding pyproject.toml), "
                "or remove it.",
            )
        matched.update(files)
    for path in sorted(matched):
        if ".." in path:
            raise project_error(
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


def glob_regex(pattern: str, key: str = "license-files") -> "re.Pattern[str]":
    """A PEP 639 glob as a regex over posix paths relative to the root; validated."""
    if not pattern or pattern.startswith("/") or "\\" in pattern:
        raise project_error(key, "not a relative path glob", pattern, _GLOB_FIX)
    parts = [p for p in pattern.split("/") if p != "."]
    if not parts or "" in parts:
        raise project_error(key, "not a valid glob (empty path segment)", pattern, _GLOB_FIX)
    if ".." in parts:
        raise project_error(key, "must not contain '..' (PEP 639)", pattern, _GLOB_FIX)
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
                raise project_error(key, "not a valid glob (bad [...] range)", pattern, _GLOB_FIX)
            out.append("[" + _bracket(body) + "]")
            i = end
        elif _glob_char(c):
            out.append(re.escape(c))
        else:
            raise project_error(
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


def glob(root: Path, regex: "re.Pattern[str]", pattern: str) -> List[str]:
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
