"""The text of configuration errors: values and keys shown as TOML, type names, spelling hints.

Cold code: a hook imports it only to word an error (or from a cold validator), so a build
that succeeds never compiles it.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional, Sequence

from .errors import ConfigError

_BARE_KEY = r"[A-Za-z0-9_-]+"

#: ``project_error``'s "no value to show".
MISSING: Any = object()


def toml_key(name: str) -> str:
    """A key as TOML writes it: bare when it can be, quoted otherwise."""
    import json

    return name if re.fullmatch(_BARE_KEY, name) else json.dumps(name, ensure_ascii=False)


def key_path(parent: str, child: Any) -> str:
    """The path of a nested key or array item, as in ``optional-dependencies.test[0]``."""
    if isinstance(child, int):
        return f"{parent}[{child}]"
    return f"{parent}.{toml_key(child)}"


def last_key(key: str) -> str:
    """The last segment of a key path: ``optional-dependencies.test`` -> ``test``."""
    match = re.search(r'(?:^|\.)("(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+)$', key)
    return match.group(1) if match else key


def toml_repr(value: Any) -> str:
    """``value`` as it would be written in TOML."""
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
        return "{" + ", ".join(f"{toml_key(k)} = {toml_repr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_repr(v) for v in value) + "]"
    return repr(value)


def show(value: Any, limit: int = 200) -> str:
    """``value`` as it would be written in TOML, cut short when long."""
    text = toml_repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def type_name(value: Any) -> str:
    """What a TOML value is, for "must be a string, not an integer"."""
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


def closest(word: str, valid: Sequence[str]) -> Optional[str]:
    """The valid key ``word`` is most likely a misspelling of, if any (difflib's 0.6 cutoff)."""
    import difflib

    matches = difflib.get_close_matches(word, valid, n=1, cutoff=0.6)
    return matches[0] if matches else None


def first_line(error: Exception) -> str:
    """The first line of another library's error message (packaging's are long)."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def project_error(key: str, problem: str, value: Any = MISSING, fix: str = "") -> ConfigError:
    """``pyproject.toml: [project] <key>: <problem>: <value as TOML>. <fix>``"""
    message = f"pyproject.toml: [project] {key}: {problem}"
    if value is not MISSING:
        message += f": {show(value)}"
    return ConfigError(f"{message}. {fix}".rstrip())


def wrong_type(key: str, expected: str, value: Any, example: str) -> ConfigError:
    """``[project] <key>: must be <expected>, not <its type>: <value>. Write it as <example>.``"""
    return project_error(
        key, f"must be {expected}, not {type_name(value)}", value, f"Write it as {example}."
    )
