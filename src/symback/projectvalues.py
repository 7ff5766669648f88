"""Checks of ``[project]`` values shared by the cold loaders (:mod:`symback.projectcheck`,
:mod:`symback.projectkeys`, :mod:`symback.licensing`): strings, arrays, tables, and the
files a key names (readme, legacy license file). Errors are worded by :mod:`symback.errortext`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence

from .errortext import key_path, last_key, project_error, toml_repr, wrong_type

# Patterns are kept as strings and compiled by ``re``'s cache on first use: compiling
# them all at import would cost every build hook start-up time for patterns it never uses.
# PEP 508 names (projects and, by PEP 685, extras), checked as packaging.utils does.
PEP508_NAME = r"(?i)^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$"
LINE_BREAK = r"[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]"
_CONTROL = r"[\x00-\x08\x0e-\x1f\x7f]"


def string(key: str, value: Any, example: str, *, single_line: bool = True) -> str:
    if not isinstance(value, str):
        raise wrong_type(key, "a string", value, example)
    if single_line and re.search(LINE_BREAK, value):
        raise project_error(
            key,
            "must be a single line",
            value,
            "Remove the line breaks (core metadata fields are one line each).",
        )
    if re.search(_CONTROL, value):
        raise project_error(key, "must not contain control characters", value, "Remove them.")
    return value


def string_list(key: str, value: Any, example: str) -> List[str]:
    if not isinstance(value, list):
        if isinstance(value, str):  # the usual slip: show the user's own value in an array
            example = f"{last_key(key)} = [{toml_repr(value)}]"
        raise wrong_type(key, "an array of strings", value, example)
    return [string(f"{key}[{i}]", item, example) for i, item in enumerate(value)]


def table(key: str, value: Any, example: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise wrong_type(key, "a table", value, example)
    return value


def no_other_keys(key: str, given: Mapping[str, Any], allowed: Sequence[str], fix: str) -> None:
    for name in given:
        if name not in allowed:
            raise project_error(
                key_path(key, name),
                f"unknown key (allowed: {', '.join(allowed)})",
                given[name],
                fix,
            )


def relative_file(key: str, raw: str, root: Path, what: str) -> str:
    """A clean posix path relative to ``root`` naming an existing regular file."""
    clean = _clean_relative(raw)
    if clean is None:
        raise project_error(
            key,
            "must be a relative path inside the project, with '/' separators",
            raw,
            f"Give the {what} file's path relative to the directory holding pyproject.toml.",
        )
    full = root / clean
    if not full.is_file():
        problem = "is a directory, not a file" if full.is_dir() else "file not found"
        raise project_error(
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


def read_text(key: str, path: str, root: Path) -> str:
    """The UTF-8 text of ``root/path``, without a BOM, newlines normalised to ``\\n``."""
    try:
        data = (root / path).read_bytes()
    except OSError as exc:
        raise project_error(
            key,
            f"cannot read the file ({exc.strerror or exc})",
            path,
            "Check that it is a readable file.",
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise project_error(
            key,
            f"the file is not valid UTF-8 (byte {exc.start})",
            path,
            "Save it as UTF-8.",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return normalise_newlines(text)


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
