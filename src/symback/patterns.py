"""Gitignore-style patterns (``include``, ``exclude``, ``artifacts``, ``.gitignore`` files),
compiled by ``pathspec``; imported only when a project has one."""

from __future__ import annotations

import re
from typing import Sequence

import pathspec

from .errors import ConfigError


def compile_patterns(lines: Sequence[str], where: str) -> pathspec.GitIgnoreSpec:
    """``lines`` as one gitignore spec; a pattern that does not compile (``[z-a]``) is a
    ConfigError naming ``where`` (the key, or the .gitignore file) and the pattern."""
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, TypeError, RecursionError, re.error):
        pass
    for line in lines:  # find the culprit (rare: only on error)
        try:
            pathspec.GitIgnoreSpec.from_lines([line])
        except (ValueError, TypeError, RecursionError, re.error) as error:
            raise ConfigError(
                f"{where}: the pattern {line[:80]!r} is not a valid gitignore pattern "
                f"({str(error)[:120]}). Fix it (a range such as [a-z] goes from low to high)."
            ) from None
    raise ConfigError(f"{where}: the patterns do not compile. Check them.")
