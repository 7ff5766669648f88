"""The native build step: ``[tool.symback.build]``, run before a wheel's files are collected.

Two forms: ``command`` (argv lists run in the project root, no shell) and ``cmake``
(configure, build, ``cmake --install``). Both see the same environment (``SYMBACK_*``,
documented in ``docs/configuration.md``) and write what should ship into staging
directories, one per install scheme; :func:`files.select_wheel_files` collects them.

Where things live (all under the project's ``build/``, which never ships)::

    build/symback-<tag>/                  SYMBACK_BUILD_DIR: the step's own, kept between
                                          builds so rebuilds are incremental (CMake's tree)
    build/symback-stage.<tag>/<mode>/     the staging directories, emptied before each run:
        platlib/ scripts/ headers/ data/  SYMBACK_PLATLIB_DIR ... SYMBACK_DATA_DIR

``<mode>`` is ``wheel`` or ``editable``: a release build never empties what an editable
install links to.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, NamedTuple, Optional, Sequence

from .errors import BuildError

if TYPE_CHECKING:
    from .config import Project

#: The staging directories, by install scheme, and the variable naming each.
STAGING = {
    "platlib": "SYMBACK_PLATLIB_DIR",
    "scripts": "SYMBACK_SCRIPTS_DIR",
    "headers": "SYMBACK_HEADERS_DIR",
    "data": "SYMBACK_DATA_DIR",
}
#: How many lines of a failed command's output its error message repeats.
TAIL_LINES = 20
#: The CMake version assumed when CMakeLists.txt names none.
DEFAULT_CMAKE_MINIMUM = (3, 15)


class Staging(NamedTuple):
    """Where one run of the step left its outputs: one directory per install scheme."""

    root: Path  # build/symback-stage.<tag>/<mode>
    dirs: Dict[str, Path]  # scheme -> directory


def build_tag() -> str:
    """The tag naming the per-interpreter directories: ``cp311-cp311-linux_x86_64``."""
    from .tags import interpreter_platform_tag

    return interpreter_platform_tag()


def build_dir(project: "Project", tag: Optional[str] = None) -> Path:
    return project.root / "build" / f"symback-{tag or build_tag()}"


def staging(project: "Project", mode: str, tag: Optional[str] = None) -> Staging:
    root = project.root / "build" / f"symback-stage.{tag or build_tag()}" / mode
    return Staging(root, {scheme: root / scheme for scheme in STAGING})


def environment(project: "Project", mode: str, stage: Staging, build: Path) -> Dict[str, str]:
    """The variables the step sees, on top of the caller's environment."""
    import sysconfig

    from .tags import platform_tag

    meta = project.metadata
    env = {
        "SYMBACK_PYTHON": sys.executable,
        "SYMBACK_PYTHON_INCLUDE": sysconfig.get_path("include"),
        "SYMBACK_EXT_SUFFIX": sysconfig.get_config_var("EXT_SUFFIX") or "",
        "SYMBACK_SOABI": sysconfig.get_config_var("SOABI") or "",
        "SYMBACK_PLATFORM_TAG": platform_tag(),
        "SYMBACK_BUILD_DIR": str(build),
        "SYMBACK_MODE": mode,
        "SYMBACK_PROJECT_NAME": meta.name,
        "SYMBACK_PROJECT_VERSION": meta.version,
    }
    for scheme, variable in STAGING.items():
        env[variable] = str(stage.dirs[scheme])
    return env


# --------------------------------------------------------------------------- running


def run_build_step(project: "Project", mode: str) -> Optional[Staging]:
    """Run ``[tool.symback.build]`` for ``mode`` (``wheel`` or ``editable``).

    Returns the staging directories it filled, or None when the project has no step.
    Raises :class:`BuildError` (phase, command, exit status, last lines) on failure.
    """
    config = project.tool.build
    if not config.enabled:
        return None
    tag = build_tag()
    build = build_dir(project, tag)
    stage = staging(project, mode, tag)
    # Only what this run writes ships: empty the staging area first (never the build
    # directory: that is what makes the next build incremental).
    if stage.root.exists():
        shutil.rmtree(stage.root)
    for directory in stage.dirs.values():
        directory.mkdir(parents=True)
    build.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **environment(project, mode, stage, build)}
    if config.cmake is not None:
        _run_cmake(project, env, stage, build)
    else:
        for argv in config.commands:
            run_command("command", list(argv), cwd=project.root, env=env)
    return stage


def _quote(argv: Sequence[str]) -> str:
    import shlex

    return " ".join(shlex.quote(a) for a in argv)


def run_command(phase: str, argv: List[str], *, cwd: Path, env: Dict[str, str]) -> None:
    """Run ``argv`` with its output streamed live, after a ``+ argv`` line.

    Output goes to stdout (where frontends show a backend's progress); the last
    :data:`TAIL_LINES` lines are kept for the error message.
    """
    from collections import deque

    print(f"+ {_quote(argv)}", flush=True)
    tail: "deque[str]" = deque(maxlen=TAIL_LINES)
    where = "pyproject.toml: [tool.symback.build]"
    try:
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise BuildError(
            f"{where} {phase}: {argv[0]!r} not found (on PATH: {env.get('PATH', '')}). Install it, or add "
            "the package that provides it to [tool.symback.build] requires."
        ) from None
    except OSError as error:
        raise BuildError(f"{where} {phase}: cannot run {_quote(argv)}: {error.strerror or error}.") from None
    assert proc.stdout is not None
    out = sys.stdout
    for raw in proc.stdout:
        line = raw.decode("utf-8", "replace")
        tail.append(line.rstrip("\r\n"))
        out.write(line)
        out.flush()
    status = proc.wait()
    if status != 0:
        shown = "\n".join(f"    {line}" for line in tail) or "    (no output)"
        raise BuildError(
            f"{where} {phase}: `{_quote(argv)}` failed with exit status {status}. Its last "
            f"{len(tail)} lines of output:\n{shown}\nFix the cause shown above, then build again "
            "(the build directory is kept, so the next build is incremental)."
        )


# --------------------------------------------------------------------------- CMake


def cmake_executable() -> Optional[str]:
    """``CMAKE_EXECUTABLE`` if set, else the ``cmake`` first on PATH."""
    return os.environ.get("CMAKE_EXECUTABLE") or shutil.which("cmake")


def _run_cmake(project: "Project", env: Dict[str, str], stage: Staging, build: Path) -> None:
    cmake = project.tool.build.cmake
    assert cmake is not None
    exe = cmake_executable()
    if exe is None:
        raise BuildError(
            "pyproject.toml: [tool.symback.build] cmake: no cmake found (CMAKE_EXECUTABLE is not set and "
            "cmake is not on PATH). In an isolated build symback installs it from PyPI; without "
            "isolation, `pip install cmake` or set CMAKE_EXECUTABLE."
        )
    source = (project.root / cmake.source_dir).resolve()
    if not (source / "CMakeLists.txt").is_file():
        raise BuildError(
            f"pyproject.toml: [tool.symback.build] cmake source-dir: {source / 'CMakeLists.txt'} does not "
            "exist. Point source-dir at the directory holding CMakeLists.txt."
        )
    # Not every project reads every variable given to it: no warning for those.
    configure = [exe, "-S", str(source), "-B", str(build), "--no-warn-unused-cli"]
    ninja = shutil.which("ninja", path=env.get("PATH"))
    generator = _cached_generator(build) or env.get("CMAKE_GENERATOR")
    if generator is None and ninja:
        configure += ["-G", "Ninja"]  # the first configure chooses; CMake keeps it
        generator = "Ninja"
    if generator == "Ninja" and ninja:
        # Named again on every configure: the cache may name the ninja of an isolated
        # build environment that is gone by now.
        configure.append(f"-DCMAKE_MAKE_PROGRAM={ninja}")
    defines = {
        "CMAKE_BUILD_TYPE": cmake.build_type,
        "CMAKE_INSTALL_PREFIX": str(stage.dirs["platlib"]),
        "Python_EXECUTABLE": sys.executable,
        "Python3_EXECUTABLE": sys.executable,
        "Python_ROOT_DIR": sys.prefix,
        "Python3_ROOT_DIR": sys.prefix,
        "Python_FIND_REGISTRY": "NEVER",
        "Python3_FIND_REGISTRY": "NEVER",
    }
    for variable in ("SYMBACK_PYTHON", "SYMBACK_PYTHON_INCLUDE", "SYMBACK_EXT_SUFFIX", "SYMBACK_SOABI",
                     "SYMBACK_PLATFORM_TAG", "SYMBACK_MODE", "SYMBACK_PROJECT_NAME",
                     "SYMBACK_PROJECT_VERSION", *STAGING.values()):
        defines[variable] = env[variable]
    configure += [f"-D{key}={value}" for key, value in defines.items()]
    configure += list(cmake.args)
    run_command("configure", configure, cwd=project.root, env=env)
    build_cmd = [exe, "--build", str(build), "--config", cmake.build_type]
    if cmake.targets:
        build_cmd += ["--target", *cmake.targets]
    run_command("build", build_cmd, cwd=project.root, env=env)
    run_command(
        "install",
        [exe, "--install", str(build), "--config", cmake.build_type, "--prefix", str(stage.dirs["platlib"])],
        cwd=project.root,
        env=env,
    )


def _cached_generator(build: Path) -> Optional[str]:
    try:
        text = (build / "CMakeCache.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("CMAKE_GENERATOR:INTERNAL="):
            return line.split("=", 1)[1]
    return None


def cmake_minimum(project: "Project") -> tuple:
    """The lower bound of ``cmake_minimum_required(VERSION x[...y])`` in CMakeLists.txt."""
    import re

    cmake = project.tool.build.cmake
    path = project.root / (cmake.source_dir if cmake else ".") / "CMakeLists.txt"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return DEFAULT_CMAKE_MINIMUM
    match = re.search(r"cmake_minimum_required\s*\(\s*VERSION\s+(\d+(?:\.\d+)*)", text, re.IGNORECASE)
    if not match:
        return DEFAULT_CMAKE_MINIMUM
    return tuple(int(p) for p in match.group(1).split("."))


def _tool_version(exe: str) -> Optional[tuple]:
    """``(3, 25, 1)`` from ``cmake --version``; None if it does not run."""
    import re

    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", out)
    return tuple(int(p) for p in match.groups() if p is not None) if match else None


def build_requires(project: "Project") -> List[str]:
    """What ``get_requires_for_build_wheel``/``_editable`` return for the step.

    ``requires``, plus for the CMake form ``cmake`` and ``ninja`` from PyPI when the
    machine's are missing or too old (``CMAKE_EXECUTABLE`` is taken as given).
    """
    config = project.tool.build
    requires = list(config.requires)
    if config.cmake is None:
        return requires
    named = {r.split(";")[0].strip().lower()[:5] for r in requires}
    minimum = cmake_minimum(project)
    if "cmake" not in named and not os.environ.get("CMAKE_EXECUTABLE"):
        exe = shutil.which("cmake")
        found = _tool_version(exe) if exe else None
        if found is None or found < minimum:
            requires.append(f"cmake>={'.'.join(map(str, minimum))}")
    if "ninja" not in named and not os.environ.get("CMAKE_GENERATOR") and not shutil.which("ninja"):
        requires.append("ninja")
    return requires


# --------------------------------------------------------------------------- symback rebuild


def _listing(stage: Staging) -> set:
    found = set()
    for scheme, directory in stage.dirs.items():
        for dirpath, dirnames, filenames in os.walk(directory):
            for name in filenames + dirnames:
                found.add(f"{scheme}/{Path(dirpath, name).relative_to(directory).as_posix()}")
    return found


def _missing_requirements(project: "Project") -> List[str]:
    """What the step needs that this environment lacks: ``requires`` not installed here,
    and cmake/ninja that PATH does not provide (as new enough)."""
    from importlib.metadata import PackageNotFoundError, version

    missing = []
    listed = set(project.tool.build.requires)
    for text in build_requires(project):
        if text not in listed:  # cmake/ninja: build_requires found them missing or too old
            missing.append(text)
            continue
        from packaging.requirements import Requirement

        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate():
            continue
        try:
            installed = version(req.name)
        except PackageNotFoundError:
            missing.append(text)
            continue
        if req.specifier and not req.specifier.contains(installed, prereleases=True):
            missing.append(text)
    return missing


def rebuild_editable(project: "Project") -> List[str]:
    """``symback rebuild``: rerun the step for this interpreter's editable install.

    Runs here, outside any isolation, with this environment's scripts directory first on
    PATH. Returns notes for the user (outputs added or removed need a reinstall).
    """
    import sysconfig

    where = "pyproject.toml: [tool.symback.build]"
    if not project.tool.build.enabled:
        raise BuildError(f"{where}: the project has no native build step, so there is nothing to rebuild.")
    tag = build_tag()
    stage = staging(project, "editable", tag)
    if not stage.root.is_dir():
        raise BuildError(
            f"{stage.root}: no editable build of this project for {tag} (the interpreter running symback: "
            f"{sys.executable}). Install it in editable mode with this interpreter first "
            f"({sys.executable} -m pip install -e {project.root}), or run symback rebuild with the "
            "interpreter of the environment it is installed in."
        )
    scripts = sysconfig.get_path("scripts")
    os.environ["PATH"] = os.pathsep.join(filter(None, [scripts, os.environ.get("PATH", "")]))
    missing = _missing_requirements(project)
    if missing:
        quoted = " ".join(_quote([m]) for m in missing)
        raise BuildError(
            f"{where}: the build step needs {', '.join(missing)}, not installed in this environment "
            f"({sys.prefix}): the editable install built it in an isolated build environment, deleted "
            f"since. Install them here ({sys.executable} -m pip install {quoted}) and run symback rebuild "
            "again, or reinstall without isolation (pip install --no-build-isolation -e .)."
        )
    before = _listing(stage)
    run_build_step(project, "editable")
    after = _listing(stage)
    notes = []
    if after != before:
        changed = sorted((after - before) | (before - after))
        notes.append(
            f"the build added or removed outputs ({', '.join(changed[:5])}{', ...' if len(changed) > 5 else ''}): "
            "reinstall (pip install -e .) for the editable tree to show them"
        )
    return notes
