"""The exceptions symback raises.

Every problem a user can fix (bad ``pyproject.toml``, a dangling symlink, a hostile
wheel) is a :class:`SymbackError`. Its message names the file, the key or path, what is
wrong, and how to fix it. Anything else escaping symback is a bug in symback.
"""

from __future__ import annotations

__all__ = ["SymbackError", "ConfigError", "BuildError", "LinksError", "InstallError"]


class SymbackError(Exception):
    """A user-facing error: the message alone tells the user what to do."""


class ConfigError(SymbackError):
    """``pyproject.toml`` (or a file it names) is invalid."""


class BuildError(SymbackError):
    """The project's files cannot be turned into a wheel or sdist as they stand."""


class LinksError(SymbackError):
    """A LINKS file, or a symlink meant to become one of its rows, breaks the rules."""


class InstallError(SymbackError):
    """A wheel cannot be installed (or uninstalled) safely."""
