"""Write small throwaway projects for in-process tests."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Mapping, Optional


def make_project(
    root: Path,
    files: Mapping[str, str],
    *,
    name: str = "demo",
    version: Optional[str] = "1.0",
    extra: str = "",
    links: Mapping[str, str] = {},
) -> Path:
    """A project at ``root``: pyproject.toml plus ``files`` (path -> text) and ``links``."""
    root.mkdir(parents=True, exist_ok=True)
    version_line = f'version = "{version}"' if version else 'dynamic = ["version"]'
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [build-system]
            requires = ["symback"]
            build-backend = "symback"

            [project]
            name = "{name}"
            {version_line}
            """
        )
        + textwrap.dedent(extra),
        encoding="utf-8",
    )
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for rel, target in links.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, path)
    return root
