"""Suite "native": a compiled CMake project built by symback, scikit-build-core and setuptools.

The project is ``example_projects/cmake-libs`` (a versioned library ``libchime.so.2.1.0``
with its two aliases, an extension module linked to it, an executable for ``bin/``, a
header and a pkg-config file). Every backend builds the same sources with the same
``CMakeLists.txt``; only the glue differs, written into the generated tree under
``.work/native/`` (never into the example):

- **symback**: the example as it is (``[tool.symback.build] cmake``), from the checkout.
- **scikit-build-core**: a wrapper ``CMakeLists.txt`` that maps the example's
  ``SYMBACK_SCRIPTS_DIR``/``HEADERS``/``DATA`` variables to scikit-build-core's
  ``SKBUILD_*_DIR`` and adds the example as a subdirectory; ``wheel.packages`` names the
  Python package.
- **setuptools**: a ``setup.py`` whose ``build_ext`` runs the same three CMake commands,
  installing into ``build_lib`` (the other schemes under the wheel's ``.data`` directory).

Measured per backend: clean ``build_wheel`` time (a fresh copy of the tree each round,
the hook in a fresh interpreter), the wheel's size, and the installed size after
installing it into a fresh venv (and whether the installed extension then works).
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from harness import (
    SRC, Context, SuiteResult, Table, ensure_venv, fmt_ratio, fmt_seconds, log, median, run_measured,
)
from suites._install_helpers import (
    SetupError, ensure_template, failed, fresh_venv, frontend_error, hook_argv, installed_bytes, remove_tree,
    site_packages,
)

NAME = "native"
TITLE = "Compiled projects: the CMake example built by symback, scikit-build-core and setuptools"

EXAMPLE = Path(__file__).resolve().parents[2] / "example_projects" / "cmake-libs"
PACKAGE = "cmake_libs"
DIST = "cmake_libs"
VENV_REQUIREMENTS = ["scikit-build-core", "setuptools", "cmake>=3.26", "ninja", "packaging", "pathspec"]
CHECK = "import cmake_libs as c; assert c.ring(3) == \"3 o'clock: dong dong dong\"; print('ok')"

PROJECT = """\
[project]
name = "cmake-libs"
version = "2.1.0"
description = "A CMake project: a versioned C library, an extension module, a tool, headers, a .pc file"
requires-python = ">=3.9"
"""

SKBUILD_PYPROJECT = """\
[build-system]
requires = ["scikit-build-core"]
build-backend = "scikit_build_core.build"

""" + PROJECT + """
[tool.scikit-build]
wheel.packages = ["example/src/cmake_libs"]
cmake.build-type = "Release"
"""

SKBUILD_WRAPPER = """\
cmake_minimum_required(VERSION 3.26)
project(wrapper LANGUAGES C)
set(SYMBACK_SCRIPTS_DIR "${SKBUILD_SCRIPTS_DIR}")
set(SYMBACK_HEADERS_DIR "${SKBUILD_HEADERS_DIR}")
set(SYMBACK_DATA_DIR "${SKBUILD_DATA_DIR}")
add_subdirectory(example)
"""

SETUPTOOLS_PYPROJECT = """\
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

""" + PROJECT + """
[tool.setuptools]
package-dir = {"" = "example/src"}
packages = ["cmake_libs"]
"""

SETUP_PY = '''\
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class CMakeBuild(build_ext):
    """Runs the example's CMake build; what it installs lands in build_lib."""

    def build_extension(self, ext):
        lib = Path(self.build_lib).resolve()
        tmp = Path(self.build_temp).resolve() / "cmake"
        data = lib / "cmake_libs-2.1.0.data"  # the wheel's .data directory, at its root
        schemes = [f"-DSYMBACK_{k.upper()}_DIR={data / k}" for k in ("scripts", "headers", "data")]
        subprocess.check_call(["cmake", "-S", "example", "-B", str(tmp), "-G", "Ninja",
                               "-DCMAKE_BUILD_TYPE=Release", f"-DPython_EXECUTABLE={sys.executable}", *schemes])
        subprocess.check_call(["cmake", "--build", str(tmp)])
        subprocess.check_call(["cmake", "--install", str(tmp), "--prefix", str(lib)])


setup(ext_modules=[Extension("cmake_libs._chime", sources=[])], cmdclass={"build_ext": CMakeBuild})
'''

# (row label, build-backend module, config_settings, from the checkout)
VARIANTS = [
    ("symback", "symback", {}, True),
    ("symback `symlinks=compat`", "symback", {"symlinks": "compat"}, True),
    ("scikit-build-core", "scikit_build_core.build", {}, False),
    ("setuptools", "setuptools.build_meta", {}, False),
]


def _tree(dest: Path, backend: str) -> Path:
    """A fresh copy of the project arranged for ``backend`` (a clean build: no build/)."""
    remove_tree(dest)
    ignore = shutil.ignore_patterns("build", "dist", "__pycache__")
    if backend == "symback":
        shutil.copytree(EXAMPLE, dest, symlinks=True, ignore=ignore)
        return dest
    dest.mkdir(parents=True)
    shutil.copytree(EXAMPLE, dest / "example", symlinks=True, ignore=ignore)
    if backend == "scikit_build_core.build":
        (dest / "pyproject.toml").write_text(SKBUILD_PYPROJECT)
        (dest / "CMakeLists.txt").write_text(SKBUILD_WRAPPER)
    else:
        (dest / "pyproject.toml").write_text(SETUPTOOLS_PYPROJECT)
        (dest / "setup.py").write_text(SETUP_PY)
    return dest


def _env(ctx: Context, venv: Path, *, checkout: bool) -> dict:
    env = ctx.env(pythonpath=[SRC] if checkout else [])
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"  # its cmake and ninja first
    env["VIRTUAL_ENV"] = str(venv)
    return env


def _wheel_facts(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        links_file = next((n for n in names if n.endswith(".dist-info/LINKS")), None)
        links = [r for r in zf.read(links_file).decode().splitlines() if r.strip()] if links_file else []
        wheel_meta = zf.read(next(n for n in names if n.endswith(".dist-info/WHEEL"))).decode()
    version = next((ln.split(":", 1)[1].strip() for ln in wheel_meta.splitlines() if ln.startswith("Wheel-Version")), "?")
    libs = [n for n in names if "/lib/libchime" in n]
    return {"size": path.stat().st_size, "tag": path.name[:-4].split("-", 2)[2], "wheel_version": version,
            "lib_members": len(libs), "links": len(links)}


def _data_bytes(venv: Path) -> int:
    """What the wheel installed outside site-packages: the tool, the header, the .pc file."""
    total = 0
    for pattern in ("bin/chime-cli", "include/site/python*/cmake*libs/*", "lib/pkgconfig/chime.pc"):
        for path in venv.glob(pattern):
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
    return total


def _install(ctx: Context, template: Path, wheel: Path, label: str) -> dict:
    venv = ctx.work / "native-install-venv"
    python = fresh_venv(template, venv)
    if label == "symback":  # the default (links) form, which pip cannot install
        argv = [str(python), "-m", "symback", "install", str(wheel)]
        how = "`symback install`"
    else:
        argv = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index",
                "--no-deps", str(wheel)]
        how = "`pip install`"
    env = ctx.env(pythonpath=[SRC] if how.startswith("`symback") else [])
    env["VIRTUAL_ENV"] = str(venv)
    stem = ctx.log_dir / f"native-install-{len(label)}"
    m = run_measured(argv, env=env, cwd=ctx.work, timeout=ctx.timeout, log_stem=stem)
    if not m.ok:
        return {"how": how, "error": frontend_error(m, stem)}
    size, files, links = installed_bytes(site_packages(venv), [PACKAGE], DIST)
    works = run_measured([str(python), "-c", CHECK], env=ctx.env(), cwd=ctx.work, timeout=60,
                         log_stem=ctx.log_dir / "native-check")
    out = {"how": how, "site_bytes": size, "files": files, "symlinks": links, "data_bytes": _data_bytes(venv),
           "works": works.ok}
    remove_tree(venv)
    return out


METHODOLOGY = """\
- **Project**: `example_projects/cmake-libs` (CMake): `libchime.so.2.1.0` with SONAME
  `libchime.so.2` and the aliases `libchime.so.2`, `libchime.so` that CMake's `install()`
  makes as symlinks; the extension module `_chime` linked to it (`$ORIGIN/lib` rpath); the
  executable `chime-cli` for `bin/`; the header `chime.h`; the pkg-config file `chime.pc`.
  Every backend compiles the same sources with the same `CMakeLists.txt`; only the glue
  differs, written into the generated tree under `benchmarks/.work/native/` (never into the
  example): symback uses the example's own `[tool.symback.build] cmake`; scikit-build-core
  gets a wrapper `CMakeLists.txt` that sets the example's `SYMBACK_SCRIPTS_DIR`/`HEADERS`/
  `DATA` variables from `SKBUILD_*_DIR` and adds the example as a subdirectory
  (`wheel.packages = ["example/src/cmake_libs"]`); setuptools gets a `setup.py` whose
  `build_ext` runs the same CMake configure/build/install into `build_lib` (the other
  schemes under the wheel's `.data` directory). All use Ninja and the venv's cmake
  (PyPI), Release.
- **Build time**: `build_wheel` in a fresh interpreter (the frontends' way) on a fresh copy
  of the tree each round, so every build is a clean (not incremental) one; median of
  {rounds} round(s), interleaved. It is mostly the compiler and CMake: the backends'
  own share is small.
- **Wheel size**: bytes of the `.whl` (symback's default form: the library once, the
  aliases in `LINKS`, `Wheel-Version: 2.0`; `symlinks=compat`: copies plus `LINKS`,
  1.0). **Installed size**: the wheel installed into a fresh venv (`symback install` for
  symback's default wheel, which pip cannot install; `pip install --no-deps` otherwise):
  regular files of `site-packages/cmake_libs/` and the `.dist-info` (symlinks count 0),
  plus the files installed outside site-packages (`bin/chime-cli`, the header, the
  `.pc`). "works": the installed extension imports and calls the library.
"""


def run(ctx: Context) -> SuiteResult:
    venv = ctx.work / "native-venv"
    ensure_venv(venv, VENV_REQUIREMENTS, python=ctx.args.python, upgrade=ctx.args.upgrade)
    python = venv / "bin" / "python"
    work = ctx.work / "native"
    wheels = ctx.work / "native-wheels"
    remove_tree(wheels)
    wheels.mkdir(parents=True)
    runs: dict[str, list[float]] = {label: [] for label, *_ in VARIANTS}
    errors: dict[str, str] = {}
    built: dict[str, Path] = {}
    for r in range(ctx.rounds):
        order = VARIANTS[r % len(VARIANTS):] + VARIANTS[: r % len(VARIANTS)]
        for label, module, settings, checkout in order:
            if label in errors:
                continue
            tree = _tree(work / "tree", "symback" if module == "symback" else module)
            out = work / "out"
            remove_tree(out)
            out.mkdir(parents=True)
            result = ctx.work / "result-native.json"
            stem = ctx.log_dir / f"native-build-{module}-{len(settings)}"
            m = run_measured(hook_argv(python, module, "build_wheel", tree, out, result, settings),
                             env=_env(ctx, venv, checkout=checkout), cwd=tree, timeout=ctx.timeout,
                             log_stem=stem, result_file=result)
            if not m.ok:
                errors[label] = frontend_error(m, stem)
                log(f"  build {label}: FAILED {errors[label]}")
                continue
            runs[label].append(m.wall_s)
            if label not in built:
                wheel = out / m.result["basename"]
                dest = wheels / str(len(built))
                dest.mkdir()
                built[label] = Path(shutil.move(str(wheel), dest / wheel.name))
            log(f"  build {label} round {r + 1}/{ctx.rounds}: {m.wall_s:.2f} s")
    remove_tree(work)

    facts = {label: _wheel_facts(path) for label, path in built.items()}
    installs: dict[str, dict] = {}
    notes: list[str] = []
    try:
        template = ensure_template(ctx)
        for label, *_ in VARIANTS:
            if label in built:
                installs[label] = _install(ctx, template, built[label], label)
    except SetupError as exc:
        notes.append(f"installs not measured: {exc}")
    remove_tree(wheels)

    base_t = median(runs["symback"]) if runs.get("symback") else None
    base_w = facts.get("symback", {}).get("size")
    rows = []
    for label, *_ in VARIANTS:
        if label in errors:
            rows.append([label, failed(errors[label])] + ["–"] * 7)
            continue
        t = median(runs[label])
        f = facts[label]
        i = installs.get(label, {})
        installed = "–" if "site_bytes" not in i else f"{(i['site_bytes'] + i['data_bytes']) / 1000:.1f}"
        rows.append([
            label, fmt_seconds(t), fmt_ratio(t / base_t) if base_t else "–",
            f"{f['size'] / 1000:.1f}", fmt_ratio(f["size"] / base_w) if base_w else "–",
            f"`{f['tag']}`", f"{f['lib_members']} + {f['links']} links",
            installed if "error" not in i else failed(i["error"]),
            ("yes" if i.get("works") else "NO") if "site_bytes" in i else "–",
        ])
    table = Table(
        title=f"clean build_wheel (median of {ctx.rounds} round{'s' if ctx.rounds != 1 else ''}), wheel and installed size",
        columns=["backend", "build s", "vs symback", "wheel kB", "vs symback", "tag",
                 "libchime in wheel", "installed kB", "works"],
        rows=rows,
    )
    raw = {"runs_s": runs, "errors": errors, "wheels": facts, "installs": installs}
    return SuiteResult(NAME, TITLE, METHODOLOGY.format(rounds=ctx.rounds), [table], notes, raw=raw)
