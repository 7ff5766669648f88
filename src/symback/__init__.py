"""symback: a PEP 517 / PEP 660 build backend that keeps symlinks.

This module is what frontends import (``build-backend = "symback"``), once per hook and
each time in a fresh process, so it imports nothing heavy: every hook defers to
:mod:`symback.buildapi` on first call.

A :class:`~symback.errors.SymbackError` (a problem the user can fix) leaves a hook as
``SystemExit(message)``: the frontend shows the message and no traceback. Set
``SYMBACK_DEBUG=1`` to get the traceback instead.
"""

__version__ = "0.1.0"

__all__ = [
    "build_wheel", "build_sdist", "build_editable",
    "get_requires_for_build_wheel", "get_requires_for_build_sdist", "get_requires_for_build_editable",
    "prepare_metadata_for_build_wheel", "prepare_metadata_for_build_editable",
]


def _hook(name):  # type: ignore[no-untyped-def]
    def hook(*args, **kwargs):  # type: ignore[no-untyped-def]
        from . import buildapi
        from .errors import SymbackError

        try:
            return getattr(buildapi, name)(*args, **kwargs)
        except SymbackError as error:
            import os

            if os.environ.get("SYMBACK_DEBUG"):
                raise
            raise SystemExit(f"symback: error: {error}") from error

    hook.__name__ = hook.__qualname__ = name
    hook.__doc__ = f"PEP 517/660 hook: see symback.buildapi.{name}."
    return hook


build_wheel = _hook("build_wheel")
build_sdist = _hook("build_sdist")
build_editable = _hook("build_editable")
get_requires_for_build_wheel = _hook("get_requires_for_build_wheel")
get_requires_for_build_sdist = _hook("get_requires_for_build_sdist")
get_requires_for_build_editable = _hook("get_requires_for_build_editable")
prepare_metadata_for_build_wheel = _hook("prepare_metadata_for_build_wheel")
prepare_metadata_for_build_editable = _hook("prepare_metadata_for_build_editable")
