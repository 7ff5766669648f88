"""Suite "build": ``build_wheel`` and ``build_sdist`` of symback beside its peers, and the
cost of ``import symback``.

For every generated project (see ``projects.py``), every backend builds the same tree,
each hook call in a fresh interpreter (``drivers/hook.py``), for several rounds; rounds
are interleaved (round r runs every backend, in an order rotated by r) so that drift on
the machine spreads over all backends rather than landing on one. A reference row writes
the same files with Python's ``zipfile`` / ``tarfile``, serially.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import time
import zipfile
from pathlib import Path

from backends import Backend, selected
from harness import (
    DRIVERS, SRC, Context, Measurement, SuiteResult, Table, fmt_bytes, fmt_ratio,
    fmt_seconds, log, md_escape, median, run_measured,
)
from projects import ProjectSpec, backend_tree, build_projects, ensure_source, restore, snapshot

NAME = "build"
TITLE = "Building wheels and sdists"

SEED = 20240601
HOOKS = [
    # (hook, table label, reference driver kind, reference row label)
    ("build_wheel", "wheel", "zip", "zipfile, serial deflate (reference)"),
    ("build_sdist", "sdist", "tar", "tarfile gz, serial (reference)"),
]
REFERENCE = "reference"
# Issue 12, target 3, per project: (reference row, figure, most symback may be, the note).
# Small builds are single-threaded for every backend, and CPU is the figure least moved by
# other load; on the big projects symback's threads trade CPU for the wait, so wall carries.
TARGETS = {
    "small": (REFERENCE, "cpu_s", 1.10, "Target 3: symback ≤ 1.1x the reference (the serial `zipfile`/`tarfile` "
              "floor), CPU, paired: the first figure of the fifth column."),
    "many": ("uv_build", "wall_s", 1.00, "Target 3: symback at or below uv_build, wall, paired: the first figure "
             "of the sixth column."),
    "tiny": ("uv_build", "wall_s", 1.00, "Target 3: symback at or below uv_build, wall, paired: the first figure "
             "of the sixth column."),
}
# The reference rows' copy of the tree: the same files plus a pyproject.toml to parse.
REFERENCE_TREE = Backend(name=REFERENCE, module="reference", dist=None, requires=(), tool_table=lambda info: "")


def _rounds_for(ctx: Context, spec: ProjectSpec) -> int:
    if spec.key == "big":
        return ctx.args.big_rounds if ctx.args.big_rounds else max(1, min(ctx.rounds, 1 if ctx.quick else 2))
    return ctx.rounds


def _archive_files(path: Path) -> int | None:
    """Regular files in the archive, outside *.dist-info / PKG-INFO-style metadata."""
    try:
        if path.suffix == ".whl" or path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                return sum(
                    1 for n in zf.namelist()
                    if not n.endswith("/") and ".dist-info/" not in n
                )
        with tarfile.open(path) as tf:
            return sum(1 for m in tf.getmembers() if m.isfile())
    except Exception:
        return None


class Cell:
    """The rounds of one (project, hook, participant)."""

    def __init__(self) -> None:
        self.runs: list[Measurement] = []
        self.sizes: list[int] = []
        self.files: int | None = None
        self.failed: str | None = None
        self.leftovers: set[str] = set()

    def to_raw(self) -> dict:
        return {
            "failed": self.failed,
            "files": self.files,
            "sizes": self.sizes,
            "leftovers_removed": sorted(self.leftovers),
            "runs": [
                {"wall_s": m.wall_s, "cpu_s": m.cpu_s, "maxrss_mib": m.maxrss_mib,
                 "ok": m.ok, "error": m.error, "result": m.result}
                for m in self.runs
            ],
        }


def _measure(
    ctx: Context, who: str, argv: list[str], *, env: dict, cwd: Path, outdir: Path,
    result: Path, count_files: bool,
) -> tuple[Measurement, int | None, int | None]:
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)
    m = run_measured(
        argv, env=env, cwd=cwd, timeout=ctx.timeout,
        log_stem=ctx.log_dir / f"build-{who}", result_file=result,
    )
    size = files = None
    if m.ok:
        out = outdir / m.result["basename"]
        try:
            size = out.stat().st_size
        except OSError as exc:
            m.ok = False
            m.error = f"hook returned {m.result['basename']!r} but {exc.strerror}: {out}"
        else:
            if count_files:
                files = _archive_files(out)
    shutil.rmtree(outdir, ignore_errors=True)
    return m, size, files


def _hook_argv(ctx: Context, module: str, hook: str, tree: Path, outdir: Path, result: Path) -> list[str]:
    return [str(ctx.python), str(DRIVERS / "hook.py"), module, hook, str(tree), str(outdir), str(result)]


def _ref_argv(ctx: Context, kind: str, tree: Path, outdir: Path, result: Path) -> list[str]:
    return [str(ctx.python), str(DRIVERS / "reference.py"), kind, str(tree), str(outdir), str(result)]


# --------------------------------------------------------------------------- build tables


def _run_builds(ctx: Context, backends: list[Backend], specs: list[ProjectSpec]) -> tuple[list[Table], dict, list[str]]:
    projects_dir = ctx.work / "projects"
    out_root = ctx.work / "out"
    result = ctx.work / "result.json"
    tables: list[Table] = []
    raw: dict = {}
    notes: list[str] = []

    # Warm-up: one untimed wheel of the smallest project per backend, so that byte-code
    # compilation (symback from the checkout writes src/**/__pycache__) and cold page
    # cache for the backends' own code fall outside the measured rounds.
    small = build_projects(quick=ctx.quick, seed=SEED)[0]
    source, _ = ensure_source(small, projects_dir, log)
    for b in backends:
        tree = backend_tree(small, source, b)
        m, _, _ = _measure(ctx, f"warmup-{b.name}", _hook_argv(ctx, b.module, "build_wheel", tree, out_root, result),
                           env=ctx.env(pythonpath=b.pythonpath()), cwd=tree, outdir=out_root, result=result,
                           count_files=False)
        log(f"warm-up {b.name}: {'ok' if m.ok else m.error}")

    for spec in specs:
        source, stamp = ensure_source(spec, projects_dir, log)
        raw[spec.key] = {"label": spec.label, "stamp": stamp, "hooks": {}}
        trees = {b.name: backend_tree(spec, source, b) for b in backends}
        ref_tree = backend_tree(spec, source, REFERENCE_TREE)  # the reference parses its pyproject.toml
        originals = {name: snapshot(tree) for name, tree in trees.items()}
        rounds = _rounds_for(ctx, spec)
        for hook, hook_label, ref_kind, ref_label in HOOKS:
            if hook_label not in ctx.args.hooks:
                continue
            cells: dict[str, Cell] = {b.name: Cell() for b in backends}
            cells[REFERENCE] = Cell()
            participants = [b.name for b in backends] + [REFERENCE]
            for r in range(rounds):
                order = participants[r % len(participants):] + participants[: r % len(participants)]
                for who in order:
                    cell = cells[who]
                    if cell.failed:
                        continue
                    if who == REFERENCE:
                        argv = _ref_argv(ctx, ref_kind, ref_tree, out_root, result)
                        env, cwd = ctx.env(), ref_tree
                    else:
                        b = next(b for b in backends if b.name == who)
                        argv = _hook_argv(ctx, b.module, hook, trees[who], out_root, result)
                        env, cwd = ctx.env(pythonpath=b.pythonpath()), trees[who]
                    try:
                        m, size, files = _measure(ctx, who, argv, env=env, cwd=cwd, outdir=out_root,
                                                  result=result, count_files=cell.files is None)
                    except Exception as exc:  # the harness must survive anything one backend does
                        m, size, files = Measurement(False, 0.0, 0.0, 0.0, None, f"harness: {exc!r}"), None, None
                    if who != REFERENCE:
                        try:
                            cell.leftovers.update(restore(trees[who], originals[who]))
                        except OSError as exc:
                            m.ok, m.error = False, f"harness: cannot clean the source tree: {exc}"
                    cell.runs.append(m)
                    if not m.ok:
                        cell.failed = f"{m.error}" + (f" (round {r + 1})" if r else "")
                        log(f"  {spec.key} {hook_label} round {r + 1}/{rounds} {who}: FAILED {m.error}")
                        continue
                    cell.sizes.append(size)
                    if files is not None:
                        cell.files = files
                    log(f"  {spec.key} {hook_label} round {r + 1}/{rounds} {who}: "
                        f"{m.wall_s:.3f} s wall, {m.maxrss_mib:.0f} MiB, {fmt_bytes(size)}")
            raw[spec.key]["hooks"][hook_label] = {k: c.to_raw() for k, c in cells.items()}
            tables.append(_table(spec, hook_label, ref_label, rounds, backends, cells, stamp))
        for name, tree in trees.items():
            shutil.rmtree(tree, ignore_errors=True)
    for b in backends:
        removed = sorted({
            p for spec in raw.values() for h in spec["hooks"].values()
            for p in h.get(b.name, {}).get("leftovers_removed", [])
        })
        if removed:
            notes.append(f"{b.name} writes into the source tree ({', '.join(f'`{p}`' for p in removed[:4])}"
                         f"{', …' if len(removed) > 4 else ''}); removed after every round.")
    return tables, raw, notes


def _table(spec: ProjectSpec, hook_label: str, ref_label: str, rounds: int, backends: list[Backend],
           cells: dict[str, Cell], stamp: dict) -> Table:
    def med(name: str, attr: str) -> float | None:
        c = cells.get(name)
        if c is None or c.failed or not c.runs:
            return None
        return median(getattr(m, attr) for m in c.runs)

    def paired(name: str, ref: str, attr: str) -> float | None:
        """Median over rounds of this row / the reference row of the same round."""
        a, b = cells.get(name), cells.get(ref)
        if a is None or b is None or a.failed or b.failed:
            return None
        ratios = [getattr(x, attr) / getattr(y, attr) for x, y in zip(a.runs, b.runs)
                  if x.ok and y.ok and getattr(y, attr) > 0]
        return median(ratios) if ratios else None

    def pair_cell(name: str, ref: str, first: str, second: str) -> str:
        x, y = paired(name, ref, first), paired(name, ref, second)
        return "–" if x is None or y is None else f"{fmt_ratio(x)} / {fmt_ratio(y)}"

    target_ref, target_attr, target_max, target_text = TARGETS.get(spec.key, (None, None, None, ""))
    base_sym = med("symback", "wall_s")
    base_uv = med("uv_build", "wall_s")
    rows = []
    for name in [b.name for b in backends] + [REFERENCE]:
        c = cells[name]
        label = ref_label if name == REFERENCE else name
        if c.failed:
            rows.append([label, f"failed: {md_escape(c.failed)}"] + ["–"] * 9 + [""])
            continue
        wall = med(name, "wall_s")
        hook = median(m.result["hook_s"] for m in c.runs)
        target = ""
        if name == "symback" and target_ref:
            value = paired(name, target_ref, target_attr)
            target = "–" if value is None else f"≤ {target_max:.2f}×: {'met' if value <= target_max else 'not met'}"
        rows.append([
            label,
            fmt_seconds(wall),
            fmt_ratio(wall / base_sym) if base_sym else "–",
            fmt_ratio(wall / base_uv) if base_uv else "–",
            pair_cell(name, REFERENCE, "cpu_s", "wall_s") if name != REFERENCE else "–",
            pair_cell(name, "uv_build", "wall_s", "cpu_s") if name != "uv_build" else "–",
            fmt_seconds(hook),
            fmt_seconds(med(name, "cpu_s")),
            f"{med(name, 'maxrss_mib'):.0f}",
            fmt_bytes(median(c.sizes)),
            str(c.files) if c.files is not None else "?",
            target,
        ])
    return Table(
        title=f"{hook_label}: {spec.label} — {stamp['files']} files, {fmt_bytes(stamp['bytes'])} "
              f"({rounds} round{'s' if rounds != 1 else ''})",
        columns=["backend", "wall s (median)", "vs symback", "vs uv_build", "vs reference, paired CPU / wall",
                 "vs uv_build, paired wall / CPU", "hook s", "CPU s", "peak RSS MiB", "output", "files", "target"],
        rows=rows,
        notes=[target_text] if target_text else [],
    )


# --------------------------------------------------------------------------- import cost

_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)\s*$")


def _importtime(python: Path, env: dict, code: str) -> list[tuple[str, int, int]]:
    """(name, depth, cumulative µs) per line of ``python -X importtime -c code``."""
    proc = subprocess.run([str(python), "-X", "importtime", "-c", code], env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        last = [line for line in proc.stderr.splitlines() if line.strip()]
        raise RuntimeError(last[-1] if last else f"exit {proc.returncode}")
    out = []
    for line in proc.stderr.splitlines():
        m = _IMPORTTIME.match(line)
        if m:
            out.append((m.group(4), (len(m.group(3)) - 1) // 2, int(m.group(2))))
    return out


def _startup_ms(python: Path, env: dict, code: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([str(python), "-c", code], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    dt = (time.perf_counter() - t0) * 1000
    if proc.returncode != 0:
        raise RuntimeError(f"python -c {code!r} exited {proc.returncode}")
    return dt


def _run_imports(ctx: Context, backends: list[Backend]) -> tuple[Table, dict]:
    n = ctx.args.import_runs or (8 if ctx.quick else 40)
    env = ctx.env(pythonpath=[SRC])  # the same sys.path for every row
    baseline = {name for name, _, _ in _importtime(ctx.python, env, "pass")}
    modules = [(b.name, b.module) for b in backends]
    if any(b.name == "symback" for b in backends):
        # symback's hooks are lazy: the first hook call imports buildapi; show that too.
        modules.insert(1, ("symback.buildapi", "symback.buildapi"))
    it: dict[str, list[float]] = {name: [] for name, _ in modules}
    start: dict[str, list[float]] = {"bare": [], **{name: [] for name, _ in modules}}
    errors: dict[str, str] = {}
    for i in range(n):
        for name, module in [("bare", None), *modules]:
            if name in errors:
                continue
            try:
                start[name].append(_startup_ms(ctx.python, env, "pass" if module is None else f"import {module}"))
                if module is not None and i < max(5, n // 4):
                    lines = _importtime(ctx.python, env, f"import {module}")
                    it[name].append(sum(cum for mod, depth, cum in lines if depth == 0 and mod not in baseline) / 1000)
            except Exception as exc:
                errors[name] = str(exc)
    bare = median(start["bare"])
    rows = [["bare interpreter (`python -c pass`)", "–", fmt_ms(bare), "–", ""]]
    for name, module in modules:
        if name in errors:
            rows.append([f"`{module}`", f"failed: {md_escape(errors[name])}", "–", "–", ""])
            continue
        s = median(start[name])
        delta = s - bare
        target = ""
        if name == "symback":
            target = f"≤ 5 ms: {'met' if delta <= 5 else 'NOT met'}"
        rows.append([f"`{module}`", fmt_ms(median(it[name])), fmt_ms(s), fmt_ms(delta), target])
    table = Table(
        title=f"import cost of the hook module (median of {n} start-ups; "
              f"{max(5, n // 4)} `-X importtime` runs)",
        columns=["module", "`-X importtime` cumulative ms", "`python -c \"import …\"` ms",
                 "minus bare start-up ms", "target"],
        rows=rows,
    )
    return table, {"runs": n, "startup_ms": start, "importtime_ms": it, "errors": errors}


def fmt_ms(x: float) -> str:
    return "–" if x != x else f"{x:.1f}"


# --------------------------------------------------------------------------- entry point

METHODOLOGY = """\
- **Projects** are generated deterministically (seeded) under `benchmarks/.work/projects/`:
  {projects}. Every backend builds the *same* tree (hard links to one generated copy);
  only `pyproject.toml`'s `[build-system]` and the backend's tool table differ (see
  `benchmarks/backends.py`). `[project]` is identical: static name, version, description,
  readme.
- **One hook call = one fresh interpreter**, as a frontend runs hooks:
  `drivers/hook.py` imports the backend and calls `build_wheel(outdir, {{}})` or
  `build_sdist(outdir, {{}})` with the project as working directory. No frontend, no
  isolated build env, no `get_requires_*` calls: only the hook.
- **wall s**: fork to reap of the hook process (includes interpreter start-up and
  importing the backend). **hook s**: the hook call alone, timed inside the process.
  **CPU s**: user + system time of the process and its children (uv_build runs a Rust
  binary); CPU s > wall s means parallel work, and CPU s is the figure least disturbed by
  other load on the machine. **peak RSS**: `ru_maxrss` (the larger of the process and
  its reaped children). All three come from `os.wait4` in `drivers/spawn.py`, a tiny
  process between the harness and the hook process: `ru_maxrss` survives `execve`, so a
  process started directly by the harness would report at least the harness's size.
  **output**: size of the wheel/sdist. **files**: regular files in the archive outside
  `*.dist-info/` (a check that every backend shipped the same content; sdists differ by
  the metadata files each backend adds).
- Each table shows the **median** of the rounds. Rounds are interleaved: round *r* runs
  every backend once, in an order rotated by *r*. Outputs are deleted after every call
  and anything a backend writes into the source tree (setuptools' `build/`,
  `*.egg-info`) is removed, so every round starts from the same state. One untimed
  warm-up wheel per backend precedes the rounds (byte-code compilation, page cache).
  The big-data project runs {big_rounds} (each round writes the whole file several times).
  A backend that fails is shown as `failed:` with the last line of its error output and
  is not retried; per-call timeout {timeout:g} s.
- **vs symback / vs uv_build**: this row's median wall time divided by symback's
  (uv_build's). Above 1.00× means slower than symback (uv_build). **paired** columns: the
  median over rounds of this row's figure divided by the reference row's (uv_build's) of
  the same round, CPU and wall: interleaved rounds make these the ratios least moved by
  drift on the machine. The **target** column holds issue 12's target 3 for symback:
  small project ≤ 1.1x the reference (CPU, paired); 2,000 modules and 2,000 tiny modules
  at or below uv_build (wall, paired: symback's threads spend CPU to cut the wait).
- **Reference rows** parse `pyproject.toml` with `tomllib` (what any Python backend must
  do first) and write the same files with Python alone, single-threaded: `zipfile`
  with `ZIP_DEFLATED` (level 6) over `src/` for wheels, `tarfile` `w:gz` (level 9) over
  the project for sdists. No RECORD hashing, no metadata, no validation: the floor for a
  serial, pure-Python backend. On the small project it is mostly interpreter start-up
  plus `tomllib`'s import.
- **symback** runs from the checkout (`PYTHONPATH={src}`), not installed, byte-compiled
  first (`compileall`) as an install would; the peers are the latest releases installed
  (byte-compiled) into `benchmarks/.work/venv` (versions above).
- **import cost**: `python -X importtime -c "import M"`, summing the cumulative time of
  the top-level imports not already done at interpreter start-up; and the median
  wall time of `python -c "import M"` minus that of `python -c pass` (interleaved runs,
  same environment, `PYTHONPATH` set for every row). Target for symback: within 5 ms.
  `import symback` is lazy (the hooks import `symback.buildapi` on first call), so the
  `symback.buildapi` row is what a hook call pays on top; it is part of **hook s** above.
"""


def run(ctx: Context) -> SuiteResult:
    backends = selected(ctx.backends)
    specs = build_projects(quick=ctx.quick, seed=SEED)
    if ctx.projects:
        unknown = set(ctx.projects) - {s.key for s in specs}
        if unknown:
            raise SystemExit(f"unknown project(s): {', '.join(sorted(unknown))}; known: "
                             f"{', '.join(s.key for s in specs)}")
        specs = [s for s in specs if s.key in ctx.projects]
    tables, raw, notes = _run_builds(ctx, backends, specs)
    notes.append("Generated trees (sha256 over paths and contents, first 12 hex digits; equal digests, "
                 "equal bytes): " + ", ".join(f"{k} `{v['stamp']['sha256'][:12]}`" for k, v in raw.items()) + ".")
    import_table, import_raw = _run_imports(ctx, backends)
    tables.append(import_table)
    big = next((s for s in specs if s.key == "big"), None)
    big_rounds = f"{_rounds_for(ctx, big)} round(s)" if big else "no rounds (not selected)"
    methodology = METHODOLOGY.format(
        projects="; ".join(f"**{s.key}**: {s.label}" for s in specs),
        big_rounds=big_rounds, timeout=ctx.timeout, src="<repo>/src",
    )
    return SuiteResult(NAME, TITLE, methodology, tables, notes,
                       raw={"projects": raw, "imports": import_raw})

