"""Suite "devloop": the developer loop at start-up cost (issue 12).

Three measurements, every one of whole processes (interpreter start-up and the backend's
import included: frontends run each hook in a fresh interpreter), CPU (user + system of
the process and its children) and wall time, medians over rounds in which the rows are
alternated (order rotated per round), and **paired ratios**: the median over rounds of
(row / reference row *of the same round*). The machine these run on is shared: drift over
seconds is wider than some targets, so the paired CPU ratio is the figure that carries
each target; wall time is shown beside it.

1. ``build_editable`` in a fresh interpreter, 10-module project: symback (links mode,
   first install and reinstall over its own tree; pth mode) beside flit_core, hatchling,
   uv_build and setuptools, and the **floor** (``drivers/reference.py editable``: the
   interpreter, ``import tomllib``, parsing ``pyproject.toml``, ``zipfile`` writing a
   4-member wheel). Target: symback ≤ 1.3x the floor, links and pth modes.
2. The same hook **under pip's hook runner** (pip's vendored
   ``pyproject_hooks/_in_process/_in_process.py``, run as pip runs it), beside a backend
   whose ``build_editable`` returns at once: the paired difference is what the backend's
   import and hook cost there. Target: symback ≤ 20 ms.
3. ``pip install -e`` and ``uv pip install -e`` (``--no-deps --no-index``; uv also
   ``--no-cache``), with and without build isolation (isolated: build requirements from a
   local wheelhouse of the same versions, symback's wheel built from the checkout), on the
   10- and 2,000-module projects, every backend, reinstalling into one venv per cell.
   Target: symback at or below flit_core and hatchling, within 1.2x of uv_build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from backends import BACKENDS
from harness import DRIVERS, SRC, Context, Measurement, SuiteResult, Table, log, median, run_measured
from projects import backend_tree, build_projects, ensure_source, restore, snapshot
from suites._install_helpers import (
    SetupError, ensure_template, fresh_venv, frontend_error, hook_argv, remove_tree, uv,
)

NAME = "devloop"
TITLE = "The developer loop: editable installs and small builds, whole processes"

SEED = 20240601
FLOOR = "floor: tomllib + zipfile, 4 members"
# (label, backend name, config_settings, keep symback's tree between calls)
HOOK_ROWS = [
    ("symback links (first install)", "symback", {"editable-mode": "links"}, False),
    ("symback links (reinstall)", "symback", {"editable-mode": "links"}, True),
    ("symback pth", "symback", {"editable-mode": "pth"}, False),
    ("flit_core", "flit_core", {}, False),
    ("hatchling", "hatchling", {}, False),
    ("uv_build", "uv_build", {}, False),
    ("setuptools", "setuptools", {}, False),
]
NULL_BACKEND = "null backend (returns at once)"
RUNNER_ROWS = [r for r in HOOK_ROWS if r[1] in ("symback", "flit_core", "hatchling")]
INSTALL_BACKENDS = ["symback", "flit_core", "hatchling", "uv_build", "setuptools"]


def _backend(name: str):  # noqa: ANN202
    return next(b for b in BACKENDS if b.name == name)


def _pct(rows: dict[str, list[Measurement]], label: str, ref: str, attr: str = "cpu_s") -> float | None:
    pairs = [getattr(a, attr) / getattr(b, attr) for a, b in zip(rows.get(label, []), rows.get(ref, []))
             if a.ok and b.ok and getattr(b, attr) > 0]
    return median(pairs) if pairs else None


def _diff_ms(rows: dict[str, list[Measurement]], label: str, ref: str) -> float | None:
    pairs = [(a.cpu_s - b.cpu_s) * 1000 for a, b in zip(rows.get(label, []), rows.get(ref, [])) if a.ok and b.ok]
    return median(pairs) if pairs else None


def _ms(runs: list[Measurement], attr: str) -> str:
    ok = [getattr(m, attr) for m in runs if m.ok]
    return f"{median(ok) * 1000:.0f}" if ok else "–"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}x"


def _failed(runs: list[Measurement]) -> str | None:
    bad = [m for m in runs if not m.ok]
    return f"failed: {bad[0].error}" if bad and len(bad) == len(runs) else None


# --------------------------------------------------------------------------- 1 and 2: the hook


def _tree(spec, source: Path, backend: str) -> Path:  # noqa: ANN001
    return backend_tree(spec, source, _backend(backend))


def _null_backend(ctx: Context) -> Path:
    where = ctx.work / "devloop-null"
    where.mkdir(parents=True, exist_ok=True)
    (where / "devloop_null_backend.py").write_text(
        "def build_editable(wheel_directory, config_settings=None, metadata_directory=None):\n"
        "    return 'none.whl'\n"
    )
    return where


def _pip_runner(template: Path) -> Path | None:
    found = sorted(template.glob("lib/python*/site-packages/pip/_vendor/pyproject_hooks/_in_process/_in_process.py"))
    return found[0] if found else None


def _hook_rows(ctx: Context, spec, source: Path, template: Path) -> tuple[list[Table], dict]:  # noqa: ANN001
    rounds = max(10, ctx.rounds * 4)
    out = ctx.work / "devloop-out"
    trees = {b: _tree(spec, source, b) for b in {r[1] for r in HOOK_ROWS}}
    originals = {b: snapshot(t) for b, t in trees.items()}
    null_dir = _null_backend(ctx)
    runner = _pip_runner(template)
    # The install template: every backend, byte-compiled, and editables (hatchling's
    # build_editable imports it).
    python = template / "bin" / "python"
    fresh: dict[str, list[Measurement]] = {}
    piprun: dict[str, list[Measurement]] = {}

    def reset(backend: str, keep: bool) -> None:
        tree = trees[backend]
        if keep:
            return
        restore(tree, originals[backend])

    def call(label: str, backend: str, settings: dict, keep: bool, under_pip: bool) -> Measurement:
        reset(backend, keep)
        tree = trees[backend]
        remove_tree(out)
        out.mkdir(parents=True)
        b = _backend(backend)
        env = ctx.env(pythonpath=b.pythonpath())
        result = ctx.work / "devloop-result.json"
        stem = ctx.log_dir / f"devloop-{'pip-' if under_pip else ''}{label.replace(' ', '_')}"
        if not under_pip:
            argv = hook_argv(python, b.module, "build_editable", tree, out, result, settings)
            return run_measured(argv, env=env, cwd=tree, timeout=ctx.timeout, log_stem=stem, result_file=result)
        control = ctx.work / "devloop-control"
        remove_tree(control)
        control.mkdir()
        (control / "input.json").write_text(json.dumps(
            {"kwargs": {"wheel_directory": str(out), "config_settings": settings, "metadata_directory": None}}))
        if label == NULL_BACKEND:
            env = ctx.env(pythonpath=[null_dir])
            module = "devloop_null_backend"
        else:
            module = b.module
        env["_PYPROJECT_HOOKS_BUILD_BACKEND"] = module  # what pip's runner reads
        m = run_measured([str(python), str(runner), "build_editable", str(control)],
                         env=env, cwd=tree, timeout=ctx.timeout, log_stem=stem)
        try:
            reply = json.loads((control / "output.json").read_text())
        except (OSError, ValueError):
            reply = None
        if m.ok and (not reply or reply.get("unsupported") or reply.get("hook_missing")
                     or not (out / str(reply.get("return_val"))).is_file() and label != NULL_BACKEND):
            m.ok, m.error = False, f"pip's hook runner: {reply}"
        return m

    def floor() -> Measurement:
        tree = trees["symback"]
        restore(tree, originals["symback"])
        remove_tree(out)
        out.mkdir(parents=True)
        result = ctx.work / "devloop-result.json"
        return run_measured([str(python), str(DRIVERS / "reference.py"), "editable", str(tree), str(out), str(result)],
                            env=ctx.env(), cwd=tree, timeout=ctx.timeout, log_stem=ctx.log_dir / "devloop-floor",
                            result_file=result)

    fresh_rows = [(FLOOR, None, {}, False)] + [r for r in HOOK_ROWS if not ctx.backends or r[1] in ctx.backends]
    pip_rows = [(NULL_BACKEND, "symback", {}, False)] + [r for r in RUNNER_ROWS if not ctx.backends or r[1] in ctx.backends]
    # One untimed call of each (byte-code, page cache; symback's reinstall row needs a tree).
    for label, backend, settings, keep in fresh_rows[1:]:
        call(label, backend, settings, keep, False)
    log(f"devloop: build_editable, {rounds} alternated rounds")
    for r in range(rounds):
        order = fresh_rows[r % len(fresh_rows):] + fresh_rows[:r % len(fresh_rows)]
        for label, backend, settings, keep in order:
            m = floor() if backend is None else call(label, backend, settings, keep, False)
            fresh.setdefault(label, []).append(m)
        if runner is not None:
            order = pip_rows[r % len(pip_rows):] + pip_rows[:r % len(pip_rows)]
            for label, backend, settings, keep in order:
                piprun.setdefault(label, []).append(call(label, backend, settings, keep, True))
    for b, t in trees.items():
        restore(t, originals[b])
    remove_tree(out)

    rows = []
    for label, *_ in fresh_rows:
        runs = fresh[label]
        bad = _failed(runs)
        if bad:
            rows.append([label, bad, "", "", "", ""])
            continue
        rows.append([label, _ms(runs, "cpu_s"), _ms(runs, "wall_s"), _x(_pct(fresh, label, FLOOR)),
                     _x(_pct(fresh, label, FLOOR, "wall_s")),
                     _x(_pct(fresh, label, "flit_core")) if "flit_core" in fresh else "–"])
    tables = [Table(
        f"build_editable, whole process, {spec.label} ({rounds} alternated rounds)",
        ["", "CPU ms", "wall ms", "CPU vs floor (paired)", "wall vs floor (paired)", "CPU vs flit_core (paired)"],
        rows,
        ["Target 2: symback links and pth modes ≤ 1.3x the floor (CPU, paired). The reinstall row "
         "rebuilds over the tree the previous call left (target 5: no more than the first install)."],
    )]
    if runner is None:
        tables.append(Table("build_editable under pip's hook runner", ["", ""], [["not measured", "pip's _in_process.py not found in the install template"]]))
    else:
        rows = []
        for label, *_ in pip_rows:
            runs = piprun[label]
            bad = _failed(runs)
            if bad:
                rows.append([label, bad, "", ""])
                continue
            diff = _diff_ms(piprun, label, NULL_BACKEND)
            rows.append([label, _ms(runs, "cpu_s"), _ms(runs, "wall_s"),
                         "–" if label == NULL_BACKEND or diff is None else f"{diff:.1f}"])
        tables.append(Table(
            f"build_editable under pip's hook runner, {spec.label} ({rounds} alternated rounds)",
            ["", "CPU ms", "wall ms", "import + hook CPU ms (paired, minus the null backend)"],
            rows, ["Target 2: symback ≤ 20 ms (last column)."],
        ))
    raw = {k: [[m.cpu_s, m.wall_s, m.ok] for m in v] for k, v in fresh.items()}
    raw.update({f"pip runner | {k}": [[m.cpu_s, m.wall_s, m.ok] for m in v] for k, v in piprun.items()})
    return tables, raw


# --------------------------------------------------------------------------- 3: installs


def _wheelhouse(ctx: Context, template: Path) -> tuple[Path | None, str]:
    """Wheels of every backend (the template's versions), their dependencies, and symback's
    wheel built from the checkout: what an isolated build installs."""
    house = ctx.work / "devloop-wheelhouse"
    remove_tree(house)
    house.mkdir(parents=True)
    py = template / "bin" / "python"
    versions = subprocess.run(
        [str(py), "-c", "import importlib.metadata as m, json; print(json.dumps({d: m.version(d) for d in "
         "('flit-core', 'hatchling', 'uv-build', 'setuptools', 'packaging', 'pathspec', 'editables')}))"],
        capture_output=True, text=True)
    if versions.returncode:
        return None, f"versions: {versions.stderr.strip().splitlines()[-1:]}"
    reqs = [f"{d}=={v}" for d, v in json.loads(versions.stdout).items()]
    dl = subprocess.run([str(py), "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                         "--only-binary", ":all:", "--dest", str(house), *reqs],
                        capture_output=True, text=True, env=ctx.env())
    if dl.returncode:
        lines = [line for line in dl.stderr.splitlines() if line.strip()]
        return None, f"pip download: {lines[-1] if lines else dl.returncode}"
    built = subprocess.run([str(ctx.python), "-c", f"import symback; print(symback.build_wheel({str(house)!r}))"],
                           cwd=SRC.parent, capture_output=True, text=True, env=ctx.env(pythonpath=[SRC]))
    if built.returncode:
        return None, f"symback wheel: {built.stderr.strip().splitlines()[-1:]}"
    return house, ""


def _install_argv(frontend: str, python: Path, tree: Path, isolated: bool, house: Path | None) -> list[str]:
    isolation = ["--find-links", str(house)] if isolated else ["--no-build-isolation"]
    if frontend == "pip":
        return [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-index", "--no-deps", *isolation, "-e", str(tree)]
    return [uv(), "pip", "install", "--quiet", "--no-index", "--no-deps", "--no-cache",
            "--python", str(python), *isolation, "-e", str(tree)]


def _install_rows(ctx: Context, specs: list, sources: dict, template: Path) -> tuple[list[Table], dict, list[str]]:  # noqa: ANN001
    notes: list[str] = []
    house, why = _wheelhouse(ctx, template)
    if house is None:
        notes.append(f"isolated installs not measured: {why}")
    backends = [b for b in INSTALL_BACKENDS if not ctx.backends or b in ctx.backends]
    venvs_dir = ctx.work / "devloop-venvs"
    remove_tree(venvs_dir)
    venvs_dir.mkdir(parents=True)
    tables: list[Table] = []
    raw: dict = {}
    try:
        for spec in specs:
            cells = [(f, iso, b) for f in ("pip", "uv") for iso in ((False, True) if house else (False,))
                     for b in backends]
            trees = {b: _tree(spec, sources[spec.key], b) for b in backends}
            if "symback" in trees:
                # Isolated builds install symback itself from the wheelhouse (the other
                # rows and suites run it from the checkout, so their tree does not ask).
                pyproject = trees["symback"] / "pyproject.toml"
                text = pyproject.read_text()
                start = text.index("requires = [")
                pyproject.write_text(text[:start] + 'requires = ["symback"]' + text[text.index("]", start) + 1:])
            originals = {b: snapshot(t) for b, t in trees.items()}
            venvs = {c: fresh_venv(template, venvs_dir / f"{spec.key}-{i}") for i, c in enumerate(cells)}
            runs: dict[tuple, list[Measurement]] = {c: [] for c in cells}
            errors: dict[tuple, str] = {}
            log(f"devloop: installs, {spec.label}, {len(cells)} cells x {ctx.rounds} rounds")
            for r in range(ctx.rounds + 1):  # round 0: untimed (the first install into each venv)
                order = cells[r % len(cells):] + cells[:r % len(cells)]
                for cell in order:
                    frontend, isolated, backend = cell
                    if cell in errors:
                        continue
                    b = _backend(backend)
                    # The reinstall a developer repeats: the backend's build leftovers go,
                    # symback's editable tree stays (it is the install).
                    keep = {p for p in snapshot(trees[backend]) if p.startswith("build/__editable__.")} if backend == "symback" else set()
                    restore(trees[backend], originals[backend] | keep)
                    env = ctx.env(pythonpath=b.pythonpath() if not isolated else [])
                    stem = ctx.log_dir / f"devloop-install-{frontend}-{backend}"
                    m = run_measured(_install_argv(frontend, venvs[cell], trees[backend], isolated, house),
                                     env=env, cwd=trees[backend], timeout=ctx.timeout, log_stem=stem)
                    if not m.ok:
                        errors[cell] = frontend_error(m, stem)
                    elif r:
                        runs[cell].append(m)
            for b, t in trees.items():
                restore(t, originals[b])
            rows = []
            for frontend in ("pip", "uv"):
                for isolated in (False, True):
                    by_backend = {b: runs.get((frontend, isolated, b), []) for b in backends}
                    if not any(by_backend.values()) and not any((frontend, isolated, b) in errors for b in backends):
                        continue
                    for backend in backends:
                        cell = (frontend, isolated, backend)
                        label = f"{frontend}, {'isolated' if isolated else 'not isolated'}"
                        if cell in errors:
                            rows.append([label, backend, f"failed: {errors[cell]}", "", "", "", "", ""])
                            continue
                        rows.append([label, backend, _ms(by_backend[backend], "cpu_s"), _ms(by_backend[backend], "wall_s"),
                                     _x(_pct(by_backend, backend, "flit_core")), _x(_pct(by_backend, backend, "hatchling")),
                                     _x(_pct(by_backend, backend, "uv_build")),
                                     _x(_pct(by_backend, backend, "uv_build", "wall_s"))])
            tables.append(Table(
                f"`-e` installs, whole frontend process, {spec.label} ({ctx.rounds} alternated rounds)",
                ["frontend", "backend", "CPU ms", "wall ms", "CPU vs flit_core", "CPU vs hatchling",
                 "CPU vs uv_build", "wall vs uv_build"],
                rows,
                ["Target 1: symback ≤ 1.00x flit_core and hatchling, ≤ 1.2x uv_build (CPU, paired, per row). "
                 "uv builds a uv_build project without starting Python at all (its build backend is "
                 "built into uv), so under uv the uv_build row is no Python process."],
            ))
            raw[spec.key] = {" | ".join(map(str, c)): [[m.cpu_s, m.wall_s] for m in v] for c, v in runs.items()}
            raw[spec.key + " errors"] = {" | ".join(map(str, c)): e for c, e in errors.items()}
    finally:
        remove_tree(venvs_dir)
    return tables, raw, notes


# --------------------------------------------------------------------------- the suite


METHODOLOGY = __doc__.split("\n\n", 1)[1].strip()


def run(ctx: Context) -> SuiteResult:
    specs = {s.key: s for s in build_projects(quick=ctx.quick, seed=SEED)}
    try:
        template = ensure_template(ctx)
    except SetupError as exc:
        return SuiteResult(NAME, TITLE, "Not measured.", [], [f"not measured: {exc}"])
    sources = {k: ensure_source(specs[k], ctx.work / "projects", log)[0] for k in ("small", "many")}
    tables, raw = _hook_rows(ctx, specs["small"], sources["small"], template)
    install_tables, install_raw, notes = _install_rows(ctx, [specs["small"], specs["many"]], sources, template)
    tables += install_tables
    raw["installs"] = install_raw
    return SuiteResult(NAME, TITLE, METHODOLOGY, tables, notes, raw=raw)
