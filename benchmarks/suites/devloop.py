"""Suite "devloop": the developer loop at start-up cost (issue 12).

Four measurements, every one of whole processes (interpreter start-up and the backend's
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
   import and hook cost there. Target: symback ≤ 20 ms. The floor runs there too, as a
   backend (``reference.build_editable``), and ``-X importtime`` runs of the runner with
   symback, alternated with the null backend, list the modules symback's import and hook
   add (median self and cumulative time).
3. **The first hook of an isolated build** (target 4): pip and uv install the build
   environment without byte-code, so that hook compiles every line of the backend it
   loads. ``build_editable`` (symback: links mode, first install) and ``build_wheel`` on
   the 10-module project, each backend's own package loaded from a copy without
   ``__pycache__`` (``PYTHONDONTWRITEBYTECODE=1``) and from a byte-compiled copy,
   alternated: the lines loaded from that package (raw lines of every module from its
   directory in ``sys.modules`` after the hook), CPU of both, and their paired difference,
   the compile cost. Target: symback ``build_editable`` ≤ 2,190 lines, ``build_wheel`` ≤
   1,820 (half of 4,380 and 3,640 measured before issue 12).
4. ``pip install -e`` and ``uv pip install -e`` (``--no-deps --no-index``; uv also
   ``--no-cache``), with and without build isolation (isolated: build requirements from a
   local wheelhouse of the same versions, symback's wheel built from the checkout), on the
   10- and 2,000-module projects, every backend, reinstalling into one venv per cell.
   Under uv, uv_build twice: as uv builds it (in uv itself, no Python), and through PEP 517
   (``requires`` pinned to a release other than the running uv, which makes uv call
   uv_build's hooks in Python, as pip does). Target: symback at or below flit_core and
   hatchling, within 1.2x of uv_build.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from backends import BACKENDS, Backend
from harness import (
    DRIVERS, SRC, Context, Measurement, SuiteResult, Table, distribution_version, log, median, run_measured,
)
from projects import backend_tree, build_projects, ensure_source, restore, snapshot
from suites._install_helpers import (
    SetupError, ensure_template, fresh_venv, frontend_error, hook_argv, remove_tree, uv,
)

NAME = "devloop"
TITLE = "The developer loop: editable installs and small builds, whole processes"

SEED = 20240601
FLOOR = "floor: tomllib + zipfile, 4 members"
# (label, backend name, config_settings, keep symback's tree between calls)
FIRST_INSTALL = "symback links (first install)"
REINSTALL = "symback links (reinstall)"
FLOOR_TARGET = 1.3
HOOK_ROWS = [
    (FIRST_INSTALL, "symback", {"editable-mode": "links"}, False),
    (REINSTALL, "symback", {"editable-mode": "links"}, True),
    ("symback pth", "symback", {"editable-mode": "pth"}, False),
    ("flit_core", "flit_core", {}, False),
    ("hatchling", "hatchling", {}, False),
    ("uv_build", "uv_build", {}, False),
    ("setuptools", "setuptools", {}, False),
]
NULL_BACKEND = "null backend (returns at once)"
RUNNER_ROWS = [r for r in HOOK_ROWS if r[1] in ("symback", "flit_core", "hatchling")]
INSTALL_BACKENDS = ["symback", "flit_core", "hatchling", "uv_build", "setuptools"]
UV_PEP517 = "uv_build-pep517"  # its tree's directory name; shown as LABELS says
LABELS = {UV_PEP517: "uv_build (PEP 517)"}
RUNNER_TARGET_MS = 20
# Target 4: the first hook of an isolated build, without byte-code.
FIRST_HOOK_BACKENDS = ["symback", "flit_core", "hatchling", "uv_build", "setuptools"]
FIRST_HOOKS = ["build_editable", "build_wheel"]
FIRST_HOOK_SETTINGS = {("symback", "build_editable"): {"editable-mode": "links"}}
FIRST_HOOK_TARGETS = {("symback", "build_editable"): 2_190, ("symback", "build_wheel"): 1_820}
FIRST_HOOK_MIN_ROUNDS = 6
# The directory each backend's own code lives in (symback: under src/; peers: site-packages).
PACKAGES = {"symback": "symback", "flit_core": "flit_core", "hatchling": "hatchling", "uv_build": "uv_build",
            "setuptools": "setuptools"}
IMPORTTIME_RUNS = 10
BREAKDOWN_TOP = 15


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

    def reset(backend: str, settings: dict, keep: bool) -> None:
        tree = trees[backend]
        if not keep:
            restore(tree, originals[backend])
        elif not (tree / "build").is_dir():
            # A reinstall needs the tree a first install leaves; the call before may have
            # removed it (the floor and the pth row restore the tree): make it, untimed.
            remove_tree(out)
            out.mkdir(parents=True)
            b = _backend(backend)
            subprocess.run(hook_argv(python, b.module, "build_editable", tree, out, ctx.work / "devloop-result.json",
                                     settings), env=ctx.env(pythonpath=b.pythonpath()), cwd=tree, capture_output=True)

    control = ctx.work / "devloop-control"

    def under_runner(label: str, backend: str, settings: dict, keep: bool) -> tuple[list[str], dict, Path]:
        """pip's runner about to call ``build_editable`` in a fresh control directory:
        (argv after the interpreter, environment, working directory)."""
        reset(backend, settings, keep)
        remove_tree(out)
        out.mkdir(parents=True)
        remove_tree(control)
        control.mkdir()
        (control / "input.json").write_text(json.dumps(
            {"kwargs": {"wheel_directory": str(out), "config_settings": settings, "metadata_directory": None}}))
        if label == NULL_BACKEND:
            env, module = ctx.env(pythonpath=[null_dir]), "devloop_null_backend"
        elif label == FLOOR:
            env, module = ctx.env(pythonpath=[DRIVERS]), "reference"  # reference.build_editable
        else:
            b = _backend(backend)
            env, module = ctx.env(pythonpath=b.pythonpath()), b.module
        env["_PYPROJECT_HOOKS_BUILD_BACKEND"] = module  # what pip's runner reads
        return [str(runner), "build_editable", str(control)], env, trees[backend]

    def call(label: str, backend: str, settings: dict, keep: bool, under_pip: bool) -> Measurement:
        stem = ctx.log_dir / f"devloop-{'pip-' if under_pip else ''}{label.replace(' ', '_')}"
        if not under_pip:
            reset(backend, settings, keep)
            tree = trees[backend]
            remove_tree(out)
            out.mkdir(parents=True)
            b = _backend(backend)
            result = ctx.work / "devloop-result.json"
            argv = hook_argv(python, b.module, "build_editable", tree, out, result, settings)
            return run_measured(argv, env=ctx.env(pythonpath=b.pythonpath()), cwd=tree, timeout=ctx.timeout,
                                log_stem=stem, result_file=result)
        args, env, tree = under_runner(label, backend, settings, keep)
        m = run_measured([str(python), *args], env=env, cwd=tree, timeout=ctx.timeout, log_stem=stem)
        try:
            reply = json.loads((control / "output.json").read_text())
        except (OSError, ValueError):
            reply = None
        if m.ok and (not reply or reply.get("unsupported") or reply.get("hook_missing")
                     or not (out / str(reply.get("return_val"))).is_file() and label != NULL_BACKEND):
            m.ok, m.error = False, f"pip's hook runner: {reply}"
        return m

    def importtimes(label: str, backend: str, settings: dict, keep: bool) -> dict[str, tuple[int, int]] | None:
        """``python -X importtime`` of pip's runner calling the hook: {module: (self us,
        cumulative us)} of every import in the process, or None if it failed."""
        args, env, tree = under_runner(label, backend, settings, keep)
        proc = subprocess.run([str(python), "-X", "importtime", *args], env=env, cwd=tree,
                              capture_output=True, text=True, timeout=ctx.timeout)
        return _parse_importtime(proc.stderr) if proc.returncode == 0 else None

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
    pip_rows = [(NULL_BACKEND, "symback", {}, False), (FLOOR, "symback", {}, False)] + [
        r for r in RUNNER_ROWS if not ctx.backends or r[1] in ctx.backends]
    # One untimed call of each (byte-code, page cache; symback's reinstall row needs a tree).
    for label, backend, settings, keep in fresh_rows[1:]:
        call(label, backend, settings, keep, False)
    if runner is not None:
        for label, backend, settings, keep in pip_rows:
            call(label, backend, settings, keep, True)
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
    # Where symback's import + hook time goes under the runner: -X importtime, alternated
    # with the null backend (the runner's own imports are the modules both load).
    breakdown: dict[str, list[dict[str, tuple[int, int]]]] = {}
    symback_row = next((r for r in pip_rows if r[1] == "symback" and r[0] not in (NULL_BACKEND, FLOOR)), None)
    if runner is not None and symback_row is not None:
        for r in range(IMPORTTIME_RUNS if not ctx.quick else 3):
            for row in ([pip_rows[0], symback_row] if r % 2 == 0 else [symback_row, pip_rows[0]]):
                found = importtimes(*row)
                if found is not None:
                    breakdown.setdefault(row[0], []).append(found)
    for b, t in trees.items():
        restore(t, originals[b])
    remove_tree(out)
    remove_tree(control)

    rows = []
    for label, *_ in fresh_rows:
        runs = fresh[label]
        bad = _failed(runs)
        if bad:
            rows.append([label, bad, "", "", "", "", ""])
            continue
        vs_floor = _pct(fresh, label, FLOOR)
        target = ""
        if label.startswith("symback") and vs_floor is not None:
            target = f"≤ {FLOOR_TARGET}x: {'met' if vs_floor <= FLOOR_TARGET else 'not met'}"
        if label == REINSTALL and FIRST_INSTALL in fresh:
            again = _pct(fresh, REINSTALL, FIRST_INSTALL)
            if again is not None:
                target += f"; {again:.2f}x the first install (≤ 1.00x: {'met' if again <= 1 else 'not met'})"
        rows.append([label, _ms(runs, "cpu_s"), _ms(runs, "wall_s"), _x(vs_floor),
                     _x(_pct(fresh, label, FLOOR, "wall_s")),
                     _x(_pct(fresh, label, "flit_core")) if "flit_core" in fresh else "–", target])
    tables = [Table(
        f"build_editable, whole process, {spec.label} ({rounds} alternated rounds)",
        ["", "CPU ms", "wall ms", "CPU vs floor (paired)", "wall vs floor (paired)", "CPU vs flit_core (paired)",
         "target"],
        rows,
        ["Target 2: symback links and pth modes ≤ 1.3x the floor (CPU, paired). The reinstall row "
         "rebuilds over the tree the previous call left; target 5: it costs no more than the first install "
         "(CPU, paired, in its target cell)."],
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
            above = _diff_ms(piprun, label, FLOOR)
            rows.append([label, _ms(runs, "cpu_s"), _ms(runs, "wall_s"),
                         "–" if label == NULL_BACKEND or diff is None else f"{diff:.1f}",
                         "–" if label in (NULL_BACKEND, FLOOR) or above is None else f"{above:+.1f}",
                         _target_ms(diff) if label.startswith("symback") else ""])
        tables.append(Table(
            f"build_editable under pip's hook runner, {spec.label} ({rounds} alternated rounds)",
            ["", "CPU ms", "wall ms", "import + hook CPU ms (paired, minus the null backend)",
             "CPU ms above the floor (paired)", "target"],
            rows, ["Target 2: symback ≤ 20 ms of import + hook CPU (fourth column). The floor row is "
                   "`drivers/reference.py`'s `build_editable` run as the backend (`tomllib`, parsing "
                   "`pyproject.toml`, `zipfile` writing 4 members): what any Python backend pays here."],
        ))
        if breakdown.get(symback_row[0] if symback_row else "") and breakdown.get(NULL_BACKEND):
            tables.append(_breakdown_table(breakdown[symback_row[0]], breakdown[NULL_BACKEND], symback_row[0]))
    raw = {k: [[m.cpu_s, m.wall_s, m.ok] for m in v] for k, v in fresh.items()}
    raw.update({f"pip runner | {k}": [[m.cpu_s, m.wall_s, m.ok] for m in v] for k, v in piprun.items()})
    raw["pip runner importtime"] = breakdown
    return tables, raw


def _target_ms(diff: float | None) -> str:
    if diff is None:
        return ""
    return f"≤ {RUNNER_TARGET_MS} ms: {'met' if diff <= RUNNER_TARGET_MS else 'not met'}"


def _parse_importtime(stderr: str) -> dict[str, tuple[int, int]]:
    """``-X importtime`` lines (``import time: self | cumulative | name``, the name
    indented by depth) -> {name: (self us, cumulative us)}."""
    out = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line[len("import time:"):].split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue  # the header line
        out[parts[2].strip()] = (int(parts[0]), int(parts[1]))
    return out


def _breakdown_table(runs: list[dict], null_runs: list[dict], label: str) -> Table:
    """The modules symback's import and hook load under pip's runner that the null backend's
    run does not: median self and cumulative time over the runs, the top ones by self time."""
    runner_own = set.intersection(*(set(r) for r in null_runs))
    mine = sorted({m for r in runs for m in r} - runner_own)
    per = {m: (median(r[m][0] for r in runs if m in r) / 1000, median(r[m][1] for r in runs if m in r) / 1000,
               sum(m in r for r in runs)) for m in mine}
    total = median(sum(r[m][0] for m in mine if m in r) for r in runs) / 1000
    top = sorted(per, key=lambda m: -per[m][0])[:BREAKDOWN_TOP]
    rows = [[f"`{m}`", f"{per[m][0]:.2f}", f"{per[m][1]:.2f}"] for m in top]
    rows.append([f"all {len(mine)} modules the null backend does not load", f"{total:.1f}", ""])
    return Table(
        f"{label} under pip's hook runner: where the import time goes (`-X importtime`, median of {len(runs)} runs)",
        ["module (top by self time)", "self ms", "cumulative ms"], rows,
        ["Every module the process imports that the null backend's process does not (the runner's own imports "
         "excluded), including those the hook imports lazily. `-X importtime` inflates each import a little; "
         "the CPU columns above are measured without it. Symback's own modules load from byte-code here."],
    )


# --------------------------------------------------------------------------- 4: the first hook, no byte-code


def _lines(files: dict[str, str]) -> dict[str, int]:
    """{module: raw lines (``wc -l``)} of the files a driver listed."""
    out = {}
    for name, path in files.items():
        with open(path, "rb") as f:
            out[name] = f.read().count(b"\n")
    return out


def _package_copies(ctx: Context, template: Path, backends: list[str]) -> dict[str, tuple[Path, Path]] | str:
    """Per backend, two copies of its own package directory (symback: ``src/symback``; a
    peer: its directory in the install template's site-packages): ``source`` without any
    ``__pycache__``, ``compiled`` byte-compiled by the template's interpreter. Returns
    {backend: (source root, compiled root)}, each root meant for ``PYTHONPATH``, or why not."""
    site = next(iter(sorted(template.glob("lib/python*/site-packages"))), None)
    if site is None:
        return f"no site-packages in {template}"
    base = ctx.work / "devloop-bytecode"
    remove_tree(base)
    out = {}
    for backend in backends:
        package = PACKAGES[backend]
        origin = SRC / package if backend == "symback" else site / package
        if not origin.is_dir():
            return f"{origin} is not a directory"
        roots = base / backend / "source", base / backend / "compiled"
        for root in roots:
            shutil.copytree(origin, root / package, ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run([str(template / "bin" / "python"), "-m", "compileall", "-q", str(roots[1])],
                       check=True, env=ctx.env(), capture_output=True)
        out[backend] = roots
    return out


def _first_hook_rows(ctx: Context, spec, source: Path, template: Path) -> tuple[list[Table], dict, list[str]]:  # noqa: ANN001
    """Target 4: each backend's ``build_editable`` and ``build_wheel`` in a fresh interpreter
    with its package loaded from source (no byte-code anywhere, none written), as in the
    first hook of an isolated build (pip and uv install the build environment without
    byte-code), and from a byte-compiled copy; the lines it loaded from its own package."""
    backends = [b for b in FIRST_HOOK_BACKENDS if not ctx.backends or b in ctx.backends]
    copies = _package_copies(ctx, template, backends)
    if isinstance(copies, str):
        return [], {}, [f"target 4 (the first hook without byte-code) not measured: {copies}"]
    rounds = ctx.rounds if ctx.quick else max(FIRST_HOOK_MIN_ROUNDS, ctx.rounds)
    python = template / "bin" / "python"
    out = ctx.work / "devloop-out"
    result = ctx.work / "devloop-result.json"
    trees = {b: _tree(spec, source, b) for b in backends}
    originals = {b: snapshot(t) for b, t in trees.items()}
    cells = [(b, hook, compiled) for b in backends for hook in FIRST_HOOKS for compiled in (False, True)]
    runs: dict[tuple, list[Measurement]] = {c: [] for c in cells}
    lines: dict[tuple, dict[str, int]] = {}

    def call(cell: tuple) -> Measurement:
        backend, hook, compiled = cell
        restore(trees[backend], originals[backend])  # symback: the links tree of a first install
        remove_tree(out)
        out.mkdir(parents=True)
        root = copies[backend][compiled]
        env = ctx.env(pythonpath=[root])
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        settings = FIRST_HOOK_SETTINGS.get((backend, hook), {})
        m = run_measured(hook_argv(python, _backend(backend).module, hook, trees[backend], out, result, settings,
                                   modules_under=root),
                         env=env, cwd=trees[backend], timeout=ctx.timeout, result_file=result,
                         log_stem=ctx.log_dir / f"devloop-first-{backend}-{hook}-{'compiled' if compiled else 'source'}")
        if m.ok and cell not in lines:
            lines[cell] = _lines(m.result.get("modules", {}))
        return m

    for cell in cells:  # untimed: the page cache (no byte-code is written)
        call(cell)
    log(f"devloop: first hook without byte-code, {len(cells)} cells x {rounds} rounds")
    for r in range(rounds):
        for cell in cells[r % len(cells):] + cells[:r % len(cells)]:
            runs[cell].append(call(cell))
    for b, t in trees.items():
        restore(t, originals[b])
    remove_tree(out)
    written = [b for b in backends if any((copies[b][0]).rglob("__pycache__"))]
    notes = [f"byte-code was written into the source copy of: {', '.join(written)} (the no-byte-code "
             "rows then are not)"] if written else []

    rows = []
    for backend in backends:
        for hook in FIRST_HOOKS:
            source_runs, compiled_runs = runs[(backend, hook, False)], runs[(backend, hook, True)]
            bad = _failed(source_runs) or _failed(compiled_runs)
            label = backend + (" links (first install)" if (backend, hook) in FIRST_HOOK_SETTINGS else "")
            if bad:
                rows.append([label, f"`{hook}`", bad, "", "", "", "", ""])
                continue
            found = lines.get((backend, hook, False), {})
            total = sum(found.values())
            pairs = [(a.cpu_s - b.cpu_s) * 1000 for a, b in zip(source_runs, compiled_runs) if a.ok and b.ok]
            target = FIRST_HOOK_TARGETS.get((backend, hook))
            rows.append([label, f"`{hook}`", f"{total:,} ({len(found)})", _ms(source_runs, "cpu_s"),
                         _ms(compiled_runs, "cpu_s"), f"{median(pairs):.1f}" if pairs else "–",
                         _ms(source_runs, "wall_s"),
                         "" if target is None else f"≤ {target:,} lines: {'met' if total <= target else 'not met'}"])
            if backend == "symback" and found:
                notes.append(f"symback `{hook}` loads: " + ", ".join(
                    f"{m} {n}" for m, n in sorted(found.items(), key=lambda kv: -kv[1])) + " lines.")
    table = Table(
        f"Target 4: the first hook of an isolated build, no byte-code, {spec.label} ({rounds} alternated rounds)",
        ["backend", "hook", "lines loaded (modules)", "CPU ms, no byte-code", "CPU ms, byte-code",
         "compile CPU ms (paired)", "wall ms, no byte-code", "target"],
        rows,
        ["Target 4: symback's `build_editable` (links, first install) ≤ 2,190 lines and `build_wheel` ≤ 1,820 "
         "lines (half of 4,380 and 3,640 measured before issue 12). Lines: raw lines (`wc -l`) of every module "
         "loaded from the backend's own package directory once the hook returned (symback: `src/symback`; a "
         "peer: its package, vendored code included). No byte-code: a copy of that directory without "
         "`__pycache__`, `PYTHONDONTWRITEBYTECODE=1`; byte-code: a compiled copy. The backends' dependencies "
         "stay byte-compiled and are not counted."],
    )
    raw = {" | ".join(map(str, c)): [[m.cpu_s, m.wall_s, m.ok] for m in v] for c, v in runs.items()}
    raw["lines"] = {" | ".join(map(str, c)): v for c, v in lines.items()}
    return [table], raw, notes


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


def _uv_build_pep517(template: Path) -> tuple[Backend | None, str]:
    """uv_build with ``requires = ["uv_build==<the template's version>"]``: uv builds a
    uv_build project itself (no Python) only when ``build-system.requires`` is one
    ``uv_build`` requirement that contains the running uv's own version; a pin to the
    release the other rows use, which is not uv's, makes uv call uv_build's PEP 517 hooks
    in a Python process, as pip always does. ``uv pip install`` has no option for it
    (``--force-pep517`` is ``uv build``'s only). (backend, "") or (None, why not)."""
    version = distribution_version(template / "bin" / "python", "uv-build")
    if not version:
        return None, "uv-build is not installed in the install template"
    own = subprocess.run([uv(), "--version"], capture_output=True, text=True).stdout.split()
    if len(own) > 1 and own[1] == version:
        return None, (f"uv {own[1]} and uv_build {version} are the same version: a pin cannot make "
                      "uv skip its direct build")
    base = _backend("uv_build")
    return dataclasses.replace(base, name=UV_PEP517, requires=(f"uv_build=={version}",)), ""


def _install_rows(ctx: Context, specs: list, sources: dict, template: Path) -> tuple[list[Table], dict, list[str]]:  # noqa: ANN001
    notes: list[str] = []
    house, why = _wheelhouse(ctx, template)
    if house is None:
        notes.append(f"isolated installs not measured: {why}")
    backends = [b for b in INSTALL_BACKENDS if not ctx.backends or b in ctx.backends]
    known = {b: _backend(b) for b in backends}
    uv_only: list[str] = []
    if "uv_build" in backends:
        pep517, why = _uv_build_pep517(template)
        if pep517 is None:
            notes.append(f"uv_build through PEP 517 under uv not measured: {why}")
        else:
            known[UV_PEP517] = pep517
            uv_only.append(UV_PEP517)
    venvs_dir = ctx.work / "devloop-venvs"
    remove_tree(venvs_dir)
    venvs_dir.mkdir(parents=True)
    tables: list[Table] = []
    raw: dict = {}
    try:
        for spec in specs:
            cells = [(f, iso, b) for f in ("pip", "uv") for iso in ((False, True) if house else (False,))
                     for b in backends + (uv_only if f == "uv" else [])]
            trees = {b: backend_tree(spec, sources[spec.key], known[b]) for b in backends + uv_only}
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
                    b = known[backend]
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
                    row_backends = backends + (uv_only if frontend == "uv" else [])
                    by_backend = {b: runs.get((frontend, isolated, b), []) for b in row_backends}
                    if not any(by_backend.values()) and not any((frontend, isolated, b) in errors for b in row_backends):
                        continue
                    # pip always runs uv_build's hooks in Python; under uv that is the pinned row.
                    python_uv_build = UV_PEP517 if frontend == "uv" else "uv_build"
                    for backend in row_backends:
                        cell = (frontend, isolated, backend)
                        label = f"{frontend}, {'isolated' if isolated else 'not isolated'}"
                        if cell in errors:
                            rows.append([label, LABELS.get(backend, backend), f"failed: {errors[cell]}",
                                         "", "", "", "", "", ""])
                            continue
                        rows.append([label, LABELS.get(backend, backend), _ms(by_backend[backend], "cpu_s"), _ms(by_backend[backend], "wall_s"),
                                     _x(_pct(by_backend, backend, "flit_core")), _x(_pct(by_backend, backend, "hatchling")),
                                     _x(_pct(by_backend, backend, "uv_build")),
                                     _x(_pct(by_backend, backend, "uv_build", "wall_s")),
                                     _x(_pct(by_backend, backend, python_uv_build))])
            tables.append(Table(
                f"`-e` installs, whole frontend process, {spec.label} ({ctx.rounds} alternated rounds)",
                ["frontend", "backend", "CPU ms", "wall ms", "CPU vs flit_core", "CPU vs hatchling",
                 "CPU vs uv_build", "wall vs uv_build", "CPU vs uv_build in Python"],
                rows,
                ["Target 1: symback ≤ 1.00x flit_core and hatchling, ≤ 1.2x uv_build (CPU, paired, per row). "
                 "uv builds a uv_build project without starting Python at all (its build backend is "
                 "built into uv), so under uv the uv_build row is no Python process. The row "
                 f"\"{LABELS[UV_PEP517]}\" is the same project with `requires = [\"uv_build==<the release above>\"]`, "
                 "a version other than the running uv's: uv then calls uv_build's PEP 517 hooks in a Python "
                 "process, as pip always does (`uv pip install` has no flag for it; `--force-pep517` is "
                 "`uv build`'s only). Last column: symback against uv_build through PEP 517 (pip: the "
                 "uv_build row; uv: that row)."],
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
    t0 = time.perf_counter()
    tables, raw = _hook_rows(ctx, specs["small"], sources["small"], template)
    t1 = time.perf_counter()
    first_tables, raw["first hook"], first_notes = _first_hook_rows(ctx, specs["small"], sources["small"], template)
    tables += first_tables
    t2 = time.perf_counter()
    install_tables, install_raw, notes = _install_rows(ctx, [specs["small"], specs["many"]], sources, template)
    tables += install_tables
    raw["installs"] = install_raw
    log(f"devloop: hook rows {t1 - t0:.0f} s, first hook {t2 - t1:.0f} s, installs {time.perf_counter() - t2:.0f} s")
    return SuiteResult(NAME, TITLE, METHODOLOGY, tables, first_notes + notes, raw=raw)
