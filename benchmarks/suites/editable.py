"""Suite "editable": editable installs (PEP 660), symback beside setuptools, hatchling and
flit_core, on the generated 2,000-module project (``projects.py``'s "many": 40
subpackages of 50 modules; 400 modules in 8 subpackages with ``--quick``).

Variants: symback ``-C editable-mode=links`` (symlink tree) and ``-C editable-mode=pth``;
setuptools default and ``-C editable_mode=strict``; hatchling default and
``[tool.hatch.build.targets.wheel] dev-mode-exact = true``; flit_core.

- **Install time**: ``pip install -e`` and ``uv pip install -e`` (both
  ``--no-build-isolation --no-index --no-deps``; uv also ``--no-cache``) into a fresh venv
  per round (a hard-linked copy of a prepared venv that holds the backends, pip, installer
  and editables; not timed), median wall time over interleaved rounds. symback runs
  from the checkout via ``PYTHONPATH=<repo>/src``. The project tree is reset before every
  install (setuptools' ``build/``/``*.egg-info``, symback's link tree go).
- **Import time**: a fresh interpreter (``python -I -c``) imports every module (2,041;
  409 with ``--quick``) through each variant's editable install (the venv of its
  last ``pip install -e`` round) and through a regular, non-editable ``pip install`` of the
  same project; interleaved runs after one untimed warm-up each (which writes the
  ``__pycache__`` files). Median wall time and median in-process import time; overhead in
  % against the regular install. Target: symback links mode within noise (< 2 %).
- **build_editable hook time**, every variant, 10-module ("small") vs 2,000-module
  project, each call in a fresh interpreter with its ``config_settings``
  (``_install_helpers.py``'s driver). Target: symback links mode independent of the
  module count.

A variant that fails (symback's editable support is still being finished) is reported as
``failed: <last line of its error>``; the suite goes on.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from backends import BACKENDS
from harness import (
    SRC, Context, SuiteResult, Table, fmt_ratio, fmt_seconds, log, median, run_measured,
)
from projects import ProjectSpec, build_projects, ensure_source, restore, snapshot
from suites._install_helpers import (
    SetupError, ensure_template, failed, frontend_error, fresh_venv, remove_tree, run_hook, site_packages,
    tree_with_links, uv,
)

NAME = "editable"
TITLE = "Editable installs"

SEED = 20240601  # the build suite's seed: the same generated trees


@dataclass(frozen=True)
class Variant:
    label: str
    backend: str
    settings: dict          # config_settings (-C) for pip, uv and the hook
    exact_hatch: bool = False

    def pyproject(self, info) -> str:  # noqa: ANN001
        b = next(b for b in BACKENDS if b.name == self.backend)
        text = b.pyproject(info)
        if self.exact_hatch:
            header = "[tool.hatch.build.targets.wheel]\n"
            if header not in text:
                raise SetupError(f"backends.py: hatchling's table has no {header.strip()}")
            text = text.replace(header, header + "dev-mode-exact = true\n")
        return text

    @property
    def pythonpath(self) -> list[Path]:
        return [SRC] if self.backend == "symback" else []

    @property
    def module(self) -> str:
        return next(b for b in BACKENDS if b.name == self.backend).module


VARIANTS = [
    Variant("symback links", "symback", {"editable-mode": "links"}),
    Variant("symback pth", "symback", {"editable-mode": "pth"}),
    Variant("setuptools", "setuptools", {}),
    Variant("setuptools strict", "setuptools", {"editable_mode": "strict"}),
    Variant("hatchling", "hatchling", {}),
    Variant("hatchling dev-mode-exact", "hatchling", {}, exact_hatch=True),
    Variant("flit_core", "flit_core", {}),
]
REGULAR = "regular install (not editable)"
FRONTENDS = ("uv", "pip")  # per round: uv first, so each variant's last install is pip's


def _config_args(v: Variant) -> list[str]:
    return [a for k, val in v.settings.items() for a in ("-C", f"{k}={val}")]


def _install_argv(frontend: str, python: Path, tree: Path, v: Variant | None) -> list[str]:
    target = ["-e", str(tree)] if v is not None else [str(tree)]
    config = _config_args(v) if v is not None else []
    if frontend == "pip":
        return [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-build-isolation", "--no-index", "--no-deps", *config, *target]
    return [uv(), "pip", "install", "--quiet", "--no-build-isolation", "--no-index", "--no-deps",
            "--no-cache", "--python", str(python), *config, *target]


def _env(ctx: Context, venv: Path, pythonpath: list[Path]) -> dict:
    env = ctx.env(pythonpath=pythonpath)
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    return env


def _mechanism(site: Path, dist: str) -> str:
    """What the editable install put in site-packages, read from its .pth files."""
    kinds = []
    for pth in sorted(site.glob("*.pth")):
        if pth.name == "distutils-precedence.pth":
            continue
        lines = [ln.strip() for ln in pth.read_text(errors="replace").splitlines()
                 if ln.strip() and not ln.startswith("#")]
        for line in lines:
            if line.startswith(("import ", "import\t")):
                kinds.append("import hook")
            elif "__editable__" in line:
                kinds.append("path line to a link tree")
            else:
                kinds.append("path line")
    links = [p.name for p in site.iterdir() if p.is_symlink()]
    if links:
        kinds.append(f"{len(links)} symlink(s) in site-packages")
    return ", ".join(sorted(set(kinds))) or "–"


# --------------------------------------------------------------------------- install time


def _run_installs(ctx: Context, spec: ProjectSpec, source: Path, variants: list[Variant], template: Path,
                  venvs_dir: Path, trees: dict[str, Path]) -> tuple[dict, dict[str, Path]]:
    originals = {v.label: snapshot(trees[v.label]) for v in variants}
    runs = {(v.label, fe): [] for v in variants for fe in FRONTENDS}
    errors: dict[tuple[str, str], str] = {}
    kept: dict[str, Path] = {}
    for r in range(ctx.rounds):
        order = variants[r % len(variants):] + variants[: r % len(variants)]
        for v in order:
            tree = trees[v.label]
            for fe in FRONTENDS:
                if (v.label, fe) in errors:
                    continue
                restore(tree, originals[v.label])
                venv = venvs_dir / f"{VARIANTS.index(v)}-{fe}"
                python = fresh_venv(template, venv)
                log_stem = ctx.log_dir / f"editable-{fe}-{VARIANTS.index(v)}"
                try:
                    m = run_measured(_install_argv(fe, python, tree, v), env=_env(ctx, venv, v.pythonpath),
                                     cwd=tree, timeout=ctx.timeout, log_stem=log_stem)
                except Exception as exc:  # the suite must survive anything one variant does
                    errors[(v.label, fe)] = f"harness: {exc!r}"
                    continue
                if not m.ok:
                    m.error = frontend_error(m, log_stem)
                    errors[(v.label, fe)] = m.error
                    log(f"  {v.label} {fe} -e round {r + 1}: FAILED {m.error}")
                    continue
                runs[(v.label, fe)].append(m.wall_s)
                log(f"  {v.label} {fe} -e round {r + 1}/{ctx.rounds}: {m.wall_s:.3f} s")
                if fe == "pip":
                    kept[v.label] = venv
                elif v.label in kept and kept[v.label].name.endswith("-pip"):
                    kept.pop(v.label)  # its tree was reset for this install
    for v in variants:
        if v.label not in kept and not errors.get((v.label, "uv")) and runs[(v.label, "uv")]:
            kept[v.label] = venvs_dir / f"{VARIANTS.index(v)}-uv"  # pip failed: use uv's
    return {"runs": runs, "errors": errors}, kept


def _install_table(ctx: Context, spec: ProjectSpec, variants: list[Variant], data: dict,
                   mechanisms: dict[str, str]) -> Table:
    runs, errors = data["runs"], data["errors"]

    def med(label: str, fe: str) -> float | None:
        return median(runs[(label, fe)]) if runs[(label, fe)] and (label, fe) not in errors else None

    base = {fe: med("symback links", fe) for fe in FRONTENDS}
    rows = []
    for v in variants:
        row = [v.label, mechanisms.get(v.label, "–")]
        for fe in ("pip", "uv"):
            err = errors.get((v.label, fe))
            t = med(v.label, fe)
            if err:
                row += [failed(err), "–"]
            else:
                row += [fmt_seconds(t), fmt_ratio(t / base[fe]) if t and base[fe] else "–"]
        rows.append(row)
    return Table(
        title=f"`pip install -e` / `uv pip install -e`: {spec.label} (median of {ctx.rounds} "
              f"round{'s' if ctx.rounds != 1 else ''}, fresh venv each, no build isolation)",
        columns=["variant", "what the install adds to site-packages", "pip -e wall s", "vs symback links",
                 "uv -e wall s", "vs symback links"],
        rows=rows,
    )


# --------------------------------------------------------------------------- import time


def _import_code(spec: ProjectSpec) -> tuple[str, int]:
    p = spec.params
    subs, per = p["subpackages"], p["modules"] // p["subpackages"]
    code = (
        "import time\n"
        "t0 = time.perf_counter()\n"
        "import importlib\n"
        f"m = importlib.import_module({p['package']!r})\n"
        f"for s in range({subs}):\n"
        f"    for i in range({per}):\n"
        f"        importlib.import_module(f'{p['package']}.sub_{{s:02d}}.mod_{{i:03d}}')\n"
        "t1 = time.perf_counter()\n"
        "import sys\n"
        f"n = sum(1 for k in sys.modules if k == {p['package']!r} or k.startswith({p['package'] + '.'!r}))\n"
        "print(t1 - t0, n, m.__file__)\n"
    )
    return code, 1 + subs + subs * per


def _one_import(python: Path, env: dict, cwd: Path, code: str) -> tuple[float, float, int, str]:
    t0 = time.perf_counter()
    proc = subprocess.run([str(python), "-I", "-c", code], env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        last = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        raise RuntimeError(last[-1] if last else f"exit {proc.returncode}")
    inner, n, file = proc.stdout.split(maxsplit=2)
    return wall, float(inner), int(n), file.strip()


def _run_imports(ctx: Context, spec: ProjectSpec, venvs: dict[str, Path], failures: dict[str, str],
                 labels: list[str]) -> tuple[Table, dict]:
    code, expected = _import_code(spec)
    n = ctx.args.import_runs or (4 if ctx.quick else 15)
    walls: dict[str, list[float]] = {k: [] for k in venvs}
    inner: dict[str, list[float]] = {k: [] for k in venvs}
    files: dict[str, str] = {}
    errors = dict(failures)
    cwd = ctx.work  # not the project: `-I` keeps the cwd off sys.path anyway

    def env(label: str) -> dict:
        return _env(ctx, venvs[label], [])

    for label in list(venvs):  # warm-up: byte-compiles the sources of editable installs
        try:
            _, _, count, files[label] = _one_import(venvs[label] / "bin" / "python", env(label), cwd, code)
            if count != expected:
                raise RuntimeError(f"imported {count} of {expected} modules")
        except Exception as exc:
            errors[label] = str(exc)
    live = [k for k in venvs if k not in errors]
    for i in range(n):
        for label in live[i % len(live):] + live[: i % len(live)] if live else []:
            if label in errors:
                continue
            try:
                w, t, _, _ = _one_import(venvs[label] / "bin" / "python", env(label), cwd, code)
            except Exception as exc:
                errors[label] = str(exc)
                continue
            walls[label].append(w)
            inner[label].append(t)
    reg_w = median(walls.get(REGULAR, [])) if REGULAR not in errors else float("nan")
    reg_i = median(inner.get(REGULAR, [])) if REGULAR not in errors else float("nan")
    noise = float("nan")
    if REGULAR not in errors and len(inner.get(REGULAR, [])) >= 2:
        xs = inner[REGULAR]
        noise = statistics.median(abs(x - reg_i) for x in xs) / reg_i * 100  # MAD, % of the median

    def pct(x: float, base: float) -> str:
        return "–" if x != x or base != base else f"{(x / base - 1) * 100:+.1f} %"

    rows = []
    for label in [REGULAR, *labels]:
        if label in errors:
            rows.append([label, failed(errors[label]), "–", "–", "–", ""])
            continue
        if label not in venvs:
            continue
        w, t = median(walls[label]), median(inner[label])
        target = ""
        if label == "symback links":
            ok = (t / reg_i - 1) * 100 < 2 if reg_i == reg_i else False
            target = f"overhead < 2 %: {'met' if ok else 'NOT met'}"
        rows.append([label, f"{w * 1000:.0f}", pct(w, reg_w), f"{t * 1000:.0f}", pct(t, reg_i), target])
    table = Table(
        title=f"importing all {expected:,} modules in a fresh interpreter (median of {n} runs each, interleaved)",
        columns=["install", "wall ms", "vs regular", "import ms (in-process)", "vs regular", "target"],
        rows=rows,
        notes=[f"Noise: the regular install's in-process import times have a median absolute deviation "
               f"of {noise:.1f} % of their median; differences of that order are not significant."]
        if noise == noise else [],
    )
    return table, {"runs": n, "wall_s": walls, "import_s": inner, "errors": errors, "module_file": files}


def _regular_venv(ctx: Context, source: Path, spec: ProjectSpec, template: Path, venvs_dir: Path,
                  trees_dir: Path) -> tuple[Path | None, str | None]:
    """The baseline: ``pip install --no-build-isolation <tree>`` (a symback release wheel;
    pip byte-compiles it). Its tree is removed again: nothing refers to it afterwards."""
    sym = Variant(REGULAR, "symback", {})
    tree = tree_with_links(source, trees_dir / "editable-regular", sym.pyproject(spec.info))
    venv = venvs_dir / "regular"
    python = fresh_venv(template, venv)
    try:
        m = run_measured(_install_argv("pip", python, tree, None), env=_env(ctx, venv, [SRC]), cwd=tree,
                         timeout=ctx.timeout, log_stem=ctx.log_dir / "editable-regular")
    finally:
        remove_tree(tree)
    return (venv, None) if m.ok else (None, frontend_error(m, ctx.log_dir / "editable-regular"))


# --------------------------------------------------------------------------- hook time


def _run_hooks(ctx: Context, specs: list[ProjectSpec], variants: list[Variant], template: Path,
               trees_dir: Path) -> tuple[Table, dict]:
    python = template / "bin" / "python"  # has editables (hatchling dev-mode-exact needs it)
    out = ctx.work / "editable-out"
    data: dict = {}
    for spec in specs:
        source, _ = ensure_source(spec, ctx.work / "projects", log)
        trees = {v.label: tree_with_links(source, source.parent / "by-backend" / f"editable-hook-{i}",
                                          v.pyproject(spec.info)) for i, v in enumerate(variants)}
        originals = {k: snapshot(t) for k, t in trees.items()}
        cells = {v.label: {"hook_s": [], "wall_s": [], "error": None} for v in variants}
        try:
            for r in range(ctx.rounds):
                order = variants[r % len(variants):] + variants[: r % len(variants)]
                for v in order:
                    cell = cells[v.label]
                    if cell["error"]:
                        continue
                    try:
                        m, _ = run_hook(ctx, v.module, "build_editable", trees[v.label], out, settings=v.settings,
                                        pythonpath=v.pythonpath, python=python,
                                        log_name=f"editable-hook-{VARIANTS.index(v)}")
                    except Exception as exc:
                        cell["error"] = f"harness: {exc!r}"
                        continue
                    finally:
                        restore(trees[v.label], originals[v.label])
                    if not m.ok:
                        cell["error"] = m.error
                        log(f"  build_editable {spec.key} {v.label}: FAILED {m.error}")
                        continue
                    cell["hook_s"].append(m.result["hook_s"])
                    cell["wall_s"].append(m.wall_s)
        finally:
            for t in trees.values():
                remove_tree(t)
            remove_tree(out)
        data[spec.key] = cells
        log(f"  build_editable {spec.key}: done")
    small, many = specs
    rows = []
    for v in variants:
        a, b = data[small.key][v.label], data[many.key][v.label]
        if a["error"] or b["error"]:
            rows.append([v.label, failed(a["error"] or b["error"]), "–", "–", "–", "–", ""])
            continue
        ha, hb = median(a["hook_s"]), median(b["hook_s"])
        target = ""
        if v.label == "symback links":
            target = "independent of module count: " + ("met" if hb / ha < 1.5 else "NOT met")
        rows.append([v.label, f"{ha * 1000:.1f}", f"{hb * 1000:.1f}", fmt_ratio(hb / ha),
                     fmt_seconds(median(a["wall_s"])), fmt_seconds(median(b["wall_s"])), target])
    table = Table(
        title=f"`build_editable` hook: {small.label} vs {many.label} (median of {ctx.rounds} "
              f"round{'s' if ctx.rounds != 1 else ''}, fresh interpreter per call)",
        columns=["variant", f"hook ms, {small.label}", f"hook ms, {many.label}", "ratio",
                 f"wall s, {small.label}", f"wall s, {many.label}", "target"],
        rows=rows,
    )
    return table, data


# --------------------------------------------------------------------------- entry point

METHODOLOGY = """\
- **Project**: the build suite's generated **many** project ({label}, src layout,
  `bench_many`), and its **small** project (10 modules) for the hook comparison. Each
  variant gets its own copy of the tree (hard links) with its own `pyproject.toml`.
- **Variants**: symback `-C editable-mode=links` (a tree of symlinks in
  `build/__editable__.*`, named by a one-line `.pth`) and `-C editable-mode=pth` (a plain
  path line); setuptools default (for a src layout, a path line) and
  `-C editable_mode=strict` (a tree of links per file, in `build/__editable__.*`); hatchling
  default (a path line) and `dev-mode-exact = true` (the `editables` import hook); flit_core
  (a path line). The column *what the install adds* is read from the installed `.pth` files.
- **Install time**: `python -m pip install --no-build-isolation --no-index --no-deps -e TREE`
  and `uv pip install --no-build-isolation --no-index --no-deps --no-cache -e TREE`, with the
  variant's `-C` settings. **Build isolation is off** so that the time is the backend's and
  the frontend's, not PyPI downloads or the creation of a build environment: every venv
  already holds setuptools, hatchling, flit_core, editables and symback's requirements
  (packaging, pathspec) - with `--no-build-isolation`, pip and uv need the backend and its
  requirements importable in the target venv. symback is not installed: it is importable
  through `PYTHONPATH=<repo>/src`, set for the symback rows (pip and uv pass it on to the
  build). Each round installs into a **fresh venv** (a hard-linked copy of a prepared,
  byte-compiled venv, made before the timed command), after resetting the project tree (whatever the
  previous install's build left there, e.g. `build/`, `*.egg-info`, is removed). Wall time
  fork to reap; median of {rounds} round(s), interleaved (uv then pip per variant, variant
  order rotated per round). uv's `--no-cache` makes every round build the editable wheel
  (uv would otherwise reuse the wheel it built for the same tree).
- **Import time**: `python -I -c CODE` in the venv of each variant's last `pip install -e`,
  where `CODE` imports `bench_many`, its subpackages and every module ({modules:,} in all)
  with `importlib.import_module` and prints the elapsed time (*in-process*); *wall* is fork
  to exit of the interpreter (start-up, `.pth` processing and import hooks included). The
  **regular install** is `pip install --no-build-isolation TREE` (symback's release wheel,
  byte-compiled by pip). One untimed warm-up run per install first (it writes the editable
  installs' `__pycache__` in the source trees), then {import_runs} runs each, interleaved.
  Overhead = median / regular median - 1. The target for symback links mode is < 2 %.
- **build_editable hook**: one hook call per fresh interpreter (`_install_helpers.py`
  driver: import the backend, call `build_editable(outdir, config_settings)` in the project
  directory; *hook ms* is the call alone), in a venv holding every backend and `editables`;
  10-module vs {label} project; median of {rounds} round(s). The tree is reset after every
  call. Target for symback links mode: independent of the module count (it links the
  package directory, not each file).
- A variant that fails is shown as `failed:` with the last line of its error output and is
  not retried. Timeout {timeout:g} s per command.
"""


def run(ctx: Context) -> SuiteResult:
    specs = {s.key: s for s in build_projects(quick=ctx.quick, seed=SEED)}
    small, many = specs["small"], specs["many"]
    variants = [v for v in VARIANTS if not ctx.backends or v.backend in ctx.backends]
    notes: list[str] = []
    tables: list[Table] = []
    raw: dict = {}
    try:
        template = ensure_template(ctx)
    except SetupError as exc:
        return SuiteResult(NAME, TITLE, "Not measured.", [], [f"not measured: {exc}"])
    source, _ = ensure_source(many, ctx.work / "projects", log)
    venvs_dir = ctx.work / "editable-venvs"
    remove_tree(venvs_dir)
    venvs_dir.mkdir(parents=True)
    trees_dir = source.parent / "by-backend"
    trees = {v.label: tree_with_links(source, trees_dir / f"editable-{i}", v.pyproject(many.info))
             for i, v in enumerate(variants)}
    try:
        install_data, kept = _run_installs(ctx, many, source, variants, template, venvs_dir, trees)
        mechanisms = {}
        for label, venv in kept.items():
            try:
                mechanisms[label] = _mechanism(site_packages(venv), many.info.package)
            except OSError:
                pass
        tables.append(_install_table(ctx, many, variants, install_data, mechanisms))
        regular, reg_error = _regular_venv(ctx, source, many, template, venvs_dir, trees_dir)
        venvs = {REGULAR: regular} if regular else {}
        venvs.update(kept)
        failures = {REGULAR: reg_error} if reg_error else {}
        for v in variants:
            if v.label not in kept:
                failures[v.label] = (install_data["errors"].get((v.label, "pip"))
                                     or install_data["errors"].get((v.label, "uv")) or "not installed")
        import_table, import_raw = _run_imports(ctx, many, venvs, failures, [v.label for v in variants])
        tables.append(import_table)
        raw["installs"] = {f"{k[0]} | {k[1]}": v for k, v in install_data["runs"].items()}
        raw["install_errors"] = {f"{k[0]} | {k[1]}": v for k, v in install_data["errors"].items()}
        raw["imports"] = import_raw
        raw["mechanisms"] = mechanisms
    finally:
        for t in trees.values():
            remove_tree(t)
        remove_tree(venvs_dir)
    hook_table, hook_raw = _run_hooks(ctx, [small, many], variants, template, trees_dir)
    tables.append(hook_table)
    raw["hooks"] = hook_raw
    _, modules = _import_code(many)
    methodology = METHODOLOGY.format(
        label=many.label, rounds=ctx.rounds, modules=modules, timeout=ctx.timeout,
        import_runs=ctx.args.import_runs or (4 if ctx.quick else 15),
    )
    return SuiteResult(NAME, TITLE, methodology, tables, notes, raw=raw)
