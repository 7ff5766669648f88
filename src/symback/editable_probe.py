"""The symlink probe of the editable hooks that only need to know the mode.

``get_requires_for_build_editable`` and ``prepare_metadata_for_build_editable`` probe
(through ``editable.symlink_support``); ``build_editable`` does not import this: making
the tree answers the same question.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Tuple


def probe_symlinks(directory: Path, probe: Path) -> Tuple[bool, str]:
    """Whether a symlink ``probe`` (a free name in ``directory``) can be made, read back and
    followed: ``(ok, reason)``. ``directory`` is created if need be, and removed again
    when this call created it and the answer is no."""
    created = not os.path.lexists(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            # A relative link to the directory itself: made, read back, and followed.
            os.symlink(".", probe, target_is_directory=True)
            if os.readlink(probe) != ".":
                return False, "a symlink made there does not read back"
            if not os.path.isdir(probe):
                return False, "a symlink made there does not lead to its target"
        finally:
            with contextlib.suppress(OSError):
                os.unlink(probe)
    except OSError as error:
        if created:
            with contextlib.suppress(OSError):
                directory.rmdir()
        return False, error.strerror or str(error)
    return True, ""
