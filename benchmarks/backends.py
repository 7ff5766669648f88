"""The backends under test and the per-backend part of ``pyproject.toml``.

Every backend builds the *same* generated tree; only ``[build-system]`` and the backend's
own tool table differ. ``[project]`` is identical for all of them (static version and
description, so flit needs neither a docstring nor ``__version__`` import tricks).

symback is not installed into the benchmark venv: the measured processes get
``PYTHONPATH=<repo>/src`` so they run the working tree as it is (its runtime dependencies,
``packaging`` and ``pathspec``, are installed into the venv).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

from harness import SRC

# Installed (latest) into benchmarks/.work/venv. packaging/pathspec: symback's dependencies.
# uv is measured (`uv pip install`) and makes the suites' venvs; installing it here means
# a fresh machine needs nothing but python3.
REQUIREMENTS = ["uv-build", "flit-core", "hatchling", "setuptools", "packaging", "pathspec", "uv"]


@dataclasses.dataclass(frozen=True)
class ProjectInfo:
    """What the pyproject writer needs to know about a generated project."""

    name: str              # distribution name, e.g. "bench-small"
    package: str           # import package under src/, e.g. "bench_small"
    version: str = "1.0.0"
    data_globs: tuple[str, ...] = ()   # non-Python files in the package (setuptools needs them listed)


@dataclasses.dataclass(frozen=True)
class Backend:
    name: str                                   # row label
    module: str                                 # build-backend
    dist: str | None                            # distribution for the version (None: symback)
    requires: tuple[str, ...]
    tool_table: Callable[[ProjectInfo], str]    # backend-specific TOML appended to pyproject
    from_checkout: bool = False                 # PYTHONPATH=src instead of installed

    def pythonpath(self) -> list[Path]:
        return [SRC] if self.from_checkout else []

    def pyproject(self, info: ProjectInfo) -> str:
        requires = ", ".join(f'"{r}"' for r in self.requires)
        return (
            "[build-system]\n"
            f"requires = [{requires}]\n"
            f'build-backend = "{self.module}"\n'
            "\n"
            + project_table(info)
            + ("\n" + self.tool_table(info) if self.tool_table(info) else "")
        )


def project_table(info: ProjectInfo) -> str:
    return (
        "[project]\n"
        f'name = "{info.name}"\n'
        f'version = "{info.version}"\n'
        'description = "A generated project for the symback benchmarks"\n'
        'readme = "README.md"\n'
        'requires-python = ">=3.9"\n'
    )


def _symback(info: ProjectInfo) -> str:
    # Relies on symback's package discovery (src layout). If discovery ever needs help,
    # this is the one place to say so, e.g. [tool.symback] packages = ["src/<pkg>"].
    return ""


def _uv_build(info: ProjectInfo) -> str:
    # uv_build's defaults are module-root = "src" and module-name = the normalised project
    # name; stated explicitly so a renamed project keeps working.
    return f'[tool.uv.build-backend]\nmodule-name = "{info.package}"\nmodule-root = "src"\n'


def _flit(info: ProjectInfo) -> str:
    # flit finds src/<module> by itself; the module name is given because the distribution
    # name has a hyphen.
    return f'[tool.flit.module]\nname = "{info.package}"\n'


def _hatchling(info: ProjectInfo) -> str:
    return f'[tool.hatch.build.targets.wheel]\npackages = ["src/{info.package}"]\n'


def _setuptools(info: ProjectInfo) -> str:
    # Without a VCS or MANIFEST.in, setuptools ships non-Python package files only when
    # they are listed in package-data.
    text = '[tool.setuptools.packages.find]\nwhere = ["src"]\n'
    if info.data_globs:
        globs = ", ".join(f'"{g}"' for g in info.data_globs)
        text += f'\n[tool.setuptools.package-data]\n"*" = [{globs}]\n'
    return text


BACKENDS: list[Backend] = [
    Backend("symback", "symback", None, ("packaging>=24.2", "pathspec>=0.12"), _symback, from_checkout=True),
    Backend("uv_build", "uv_build", "uv-build", ("uv_build",), _uv_build),
    Backend("flit_core", "flit_core.buildapi", "flit-core", ("flit_core",), _flit),
    Backend("hatchling", "hatchling.build", "hatchling", ("hatchling",), _hatchling),
    Backend("setuptools", "setuptools.build_meta", "setuptools", ("setuptools",), _setuptools),
]


def selected(names: list[str] | None) -> list[Backend]:
    if not names:
        return list(BACKENDS)
    known = {b.name: b for b in BACKENDS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown backend(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[n] for n in names]
