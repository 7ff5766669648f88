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
  same project, then re-imports them all a few times in the same process (modules and
  finder caches dropped first); interleaved runs after one untimed warm-up each (which
  writes the ``__pycache__`` files). Medians; overhead in % against the regular install.
  For links mode, the symlinks' own cost is also counted (strace: lookups through the
  link) and priced (``os.stat`` by link vs real path). Target: symback links mode < 2 %,
  measured where the noise allows it: the regular install, links and pth modes
  alternated inside one interpreter, every round a fresh import of all modules through
  each install's ``sys.path``.
- **build_editable hook time**, every variant, 10-module ("small") vs 2,000-module
  project, each call in a fresh interpreter with its ``config_settings``
  (``_install_helpers.py``'s driver). Target: symback links mode independent of the
  module count.

A variant that fails (symback's editable support is still being finished) is reported as
``failed: <last line of its error>``; the suite goes on.
"""

from __future__ import annotations

import json
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


_IMPORT_LINE = ("import ", "import\t")


def _pth_lines(site: Path) -> list[str]:
    """The lines of site-packages' .pth files as ``site`` reads them (blank and comment
    lines left out), file by file in name order; setuptools' distutils shim is not ours."""
    lines = []
    for pth in sorted(site.glob("*.pth")):
        if pth.name == "distutils-precedence.pth":
            continue
        lines += [ln.strip() for ln in pth.read_text(errors="replace").splitlines()
                  if ln.strip() and not ln.startswith("#")]
    return lines


def _mechanism(site: Path, dist: str) -> str:
    """What the editable install put in site-packages, read from its .pth files."""
    kinds = []
    for line in _pth_lines(site):
        if line.startswith(_IMPORT_LINE):
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


REPEATS = 5  # in-process re-imports per run, after the first import


def _import_code(spec: ProjectSpec, repeats: int = REPEATS) -> tuple[str, int]:
    """Code that imports every module of the project, then ``repeats`` times again.

    Each repeat drops the project's modules from ``sys.modules`` and every finder cache,
    so the import system finds, stats, opens, reads and executes each module as in a
    fresh interpreter, without the interpreter's own start-up in the measurement.
    Prints: first import s, modules imported, repeat times (comma-separated), ``__file__``.
    """
    p = spec.params
    subs, per = p["subpackages"], p["modules"] // p["subpackages"]
    pkg = p["package"]
    code = (
        "import time\n"
        "t0 = time.perf_counter()\n"
        "import importlib, sys\n"
        "def load():\n"
        f"    m = importlib.import_module({pkg!r})\n"
        f"    for s in range({subs}):\n"
        f"        for i in range({per}):\n"
        f"            importlib.import_module(f'{pkg}.sub_{{s:02d}}.mod_{{i:03d}}')\n"
        "    return m\n"
        "m = load()\n"
        "first = time.perf_counter() - t0\n"
        f"n = sum(1 for k in sys.modules if k == {pkg!r} or k.startswith({pkg + '.'!r}))\n"
        "repeats = []\n"
        f"for _ in range({repeats}):\n"
        f"    for k in [k for k in sys.modules if k == {pkg!r} or k.startswith({pkg + '.'!r})]:\n"
        "        del sys.modules[k]\n"
        "    sys.path_importer_cache.clear()\n"
        "    importlib.invalidate_caches()\n"
        "    t = time.perf_counter()\n"
        "    load()\n"
        "    repeats.append(time.perf_counter() - t)\n"
        "print(first, n, ','.join(map(repr, repeats)) or '-', m.__file__)\n"
    )
    return code, 1 + subs + subs * per


def _one_import(python: Path, env: dict, cwd: Path, code: str) -> tuple[float, float, int, list[float], str]:
    t0 = time.perf_counter()
    proc = subprocess.run([str(python), "-I", "-c", code], env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        last = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        raise RuntimeError(last[-1] if last else f"exit {proc.returncode}")
    first, n, repeats, file = proc.stdout.split(maxsplit=3)
    return wall, float(first), int(n), [float(x) for x in repeats.split(",") if x != "-"], file.strip()


def _link_model(python: Path, env: dict, cwd: Path, code: str, link_dir: str, base_s: float) -> dict:
    """The cost of links mode from its two parts, each measured with little noise.

    ``code`` imports every module once (``_import_code(spec, repeats=0)``).

    1. How many path lookups pass through the tree's symlink while every module is
       imported once: the file-system calls (strace) whose path starts with the link.
    2. What one such lookup costs over the same lookup by the real path: ``os.stat``
       of the package's ``__init__.py`` both ways, alternated, many thousand times.
    Their product, against the regular install's import time, is the overhead the
    symlinks add - a figure the direct timing can only bracket, its noise being larger.
    """
    import shutil
    import tempfile

    if shutil.which("strace") is None:
        return {"error": "strace not installed"}
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace"
        proc = subprocess.run(["strace", "-f", "-qq", "-e", "trace=%file", "-o", str(trace),
                               str(python), "-I", "-c", code], env=env, cwd=cwd, capture_output=True, text=True)
        if proc.returncode != 0:
            return {"error": f"strace failed: {proc.stderr.strip().splitlines()[-1:]}"}
        prefix = '"' + link_dir.rstrip("/") + "/"
        lookups = sum(1 for line in trace.read_text(errors="replace").splitlines() if prefix in line)
    real = os.path.realpath(link_dir)
    probe = (
        "import os, time, statistics, sys\n"
        "a, b = sys.argv[1], sys.argv[2]\n"
        "d = []\n"
        "for r in range(40):\n"
        "    t = time.perf_counter()\n"
        "    for i in range(5000): os.stat(a)\n"
        "    m = time.perf_counter()\n"
        "    for i in range(5000): os.stat(b)\n"
        "    d.append(((time.perf_counter() - m) - (m - t)) / 5000)\n"
        "print(statistics.median(d))\n"
    )
    out = subprocess.run([str(python), "-I", "-c", probe, os.path.join(real, "__init__.py"),
                          os.path.join(link_dir, "__init__.py")], capture_output=True, text=True, check=True)
    per_lookup = float(out.stdout)
    return {"lookups": lookups, "per_lookup_s": per_lookup, "extra_s": lookups * per_lookup,
            "overhead_pct": lookups * per_lookup / base_s * 100}


def paired_overhead(values: dict[int, float], base: dict[int, float], *, resamples: int = 2000,
                    seed: int = 0) -> tuple[float, float, float]:
    """Overhead in % of ``values`` over ``base``, paired by round: the median of the
    per-round ratios minus 1, with a percentile-bootstrap 95 % interval of that median.

    The runs of one round are adjacent in time, so a ratio within a round cancels the
    machine's drift (another process, frequency changes) that moves both; the ratio of two
    overall medians does not. Rounds missing on either side are left out. NaN if < 3 pairs.
    """
    import random

    ratios = [values[i] / base[i] for i in sorted(values.keys() & base.keys())
              if values[i] == values[i] and base[i] == base[i] and base[i] > 0]
    if len(ratios) < 3:
        return float("nan"), float("nan"), float("nan")
    rng = random.Random(seed)
    meds = sorted(statistics.median(rng.choices(ratios, k=len(ratios))) for _ in range(resamples))
    lo, hi = meds[int(0.025 * resamples)], meds[int(0.975 * resamples) - 1]
    return ((statistics.median(ratios) - 1) * 100, (lo - 1) * 100, (hi - 1) * 100)


def _run_imports(ctx: Context, spec: ProjectSpec, venvs: dict[str, Path], failures: dict[str, str],
                 labels: list[str]) -> tuple[Table, dict]:
    code, expected = _import_code(spec)
    n = ctx.args.import_runs or (4 if ctx.quick else 15)
    walls: dict[str, list[float]] = {k: [] for k in venvs}
    inner: dict[str, list[float]] = {k: [] for k in venvs}
    again: dict[str, list[float]] = {k: [] for k in venvs}
    # per round: (wall, first import, median re-import) of each install, for paired ratios
    by_round: dict[str, dict[int, tuple[float, float, float]]] = {k: {} for k in venvs}
    files: dict[str, str] = {}
    errors = dict(failures)
    cwd = ctx.work  # not the project: `-I` keeps the cwd off sys.path anyway

    def env(label: str) -> dict:
        return _env(ctx, venvs[label], [])

    for label in list(venvs):  # warm-up: byte-compiles the sources of editable installs
        try:
            _, _, count, _, files[label] = _one_import(venvs[label] / "bin" / "python", env(label), cwd, code)
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
                w, t, _, rep, _ = _one_import(venvs[label] / "bin" / "python", env(label), cwd, code)
            except Exception as exc:
                errors[label] = str(exc)
                continue
            walls[label].append(w)
            inner[label].append(t)
            again[label].extend(rep)
            by_round[label][i] = (w, t, median(rep) if rep else float("nan"))
    ok = REGULAR not in errors
    reg_i = median(inner[REGULAR]) if ok else float("nan")

    def mad_pct(xs: list[float]) -> float:
        if len(xs) < 2:
            return float("nan")
        m = statistics.median(xs)
        return statistics.median(abs(x - m) for x in xs) / m * 100

    noise_first = mad_pct(inner.get(REGULAR, [])) if ok else float("nan")
    noise_again = mad_pct(again.get(REGULAR, [])) if ok else float("nan")

    model: dict = {}
    links = "symback links"
    if ok and links in venvs and links not in errors and reg_i == reg_i:
        link_dir = os.path.dirname(files.get(links, ""))
        if "__editable__." in link_dir:
            try:
                once, _ = _import_code(spec, repeats=0)
                model = _link_model(venvs[links] / "bin" / "python", env(links), cwd, once, link_dir, reg_i)
            except Exception as exc:  # the model is an addition; the timings stand without it
                model = {"error": str(exc)}
        else:
            model = {"error": f"the package was not imported through a link tree ({files.get(links)})"}

    def paired(label: str, column: int) -> tuple[float, float, float]:
        return paired_overhead({i: v[column] for i, v in by_round[label].items()},
                               {i: v[column] for i, v in by_round.get(REGULAR, {}).items()})

    def pct(x: float) -> str:
        return "–" if x != x else f"{x:+.1f} %"

    rows = []
    overheads: dict[str, dict[str, list[float]]] = {}
    for label in [REGULAR, *labels]:
        if label in errors:
            rows.append([label, failed(errors[label]), "–", "–", "–", "–", "–", "–"])
            continue
        if label not in venvs:
            continue
        w, t = median(walls[label]), median(inner[label])
        a = median(again[label]) if again[label] else float("nan")
        ow, ot, oa = (paired(label, c) for c in range(3))
        overheads[label] = {"wall": list(ow), "first": list(ot), "reimport": list(oa)}
        interval = "" if label == REGULAR or oa[1] != oa[1] else f"{oa[1]:+.1f} … {oa[2]:+.1f} %"
        rows.append([label, f"{w * 1000:.0f}", pct(ow[0]), f"{t * 1000:.0f}", pct(ot[0]),
                     f"{a * 1000:.0f}" if a == a else "–", pct(oa[0]), interval])
    notes = []
    if noise_first == noise_first:
        notes.append(
            f"Noise (median absolute deviation, % of the median, regular install): first import "
            f"{noise_first:.1f} %, re-import {noise_again:.1f} %. The *vs regular* columns are paired: "
            "the median over rounds of each round's ratio to the regular install's run next to it, "
            "which cancels drift common to both; *95 % interval* is a bootstrap interval of the "
            "re-import figure (an interval that contains 0 means no difference was detected).")
    if "lookups" in model:
        notes.append(
            f"symback links, the cost of the symlinks themselves: importing every module once makes "
            f"{model['lookups']:,} file-system calls whose path passes through the tree's link "
            f"(strace); each costs {model['per_lookup_s'] * 1e9:.0f} ns more than by the real path "
            f"(`os.stat`, measured); {model['extra_s'] * 1000:.1f} ms in all = "
            f"{model['overhead_pct']:.2f} % of the regular install's first import ({reg_i * 1000:.0f} ms). "
            "That is a floor: in a first import the path walk meets colder caches than in the "
            "`os.stat` loop, so the measured cost (next table) is higher.")
    elif model.get("error"):
        notes.append(f"symback links: link-lookup model not measured: {model['error']}.")
    table = Table(
        title=f"importing all {expected:,} modules (median of {n} fresh interpreters each, interleaved; "
              f"re-import: {REPEATS} more imports in each)",
        columns=["install", "wall ms", "vs regular", "first import ms", "vs regular", "re-import ms",
                 "vs regular", "95 % interval"],
        rows=rows,
        notes=notes,
    )
    return table, {"runs": n, "repeats": REPEATS, "overhead_pct": overheads, "wall_s": walls, "import_s": inner, "reimport_s": again,
                   "errors": errors, "module_file": files, "link_model": model}


LINK_COST_ROUNDS = 100  # alternated rounds of the target's measurement (10 with --quick)


def _link_rounds(ctx: Context) -> int:
    return LINK_COST_ROUNDS if not ctx.quick else 10

# One interpreter imports every module through each install's sys.path in turn: the
# installs are milliseconds apart instead of seconds, so the machine's drift, which moves
# fresh-interpreter runs by several per cent, cancels within each round.
_ALTERNATED_IMPORTS = """\
import gc, importlib, json, sys, time
spec = json.loads(sys.argv[1])
pkg, subs, per = spec["package"], spec["subpackages"], spec["per"]
base = list(sys.path)  # -I -S: the standard library only
labels = list(spec["paths"])
def load():
    m = importlib.import_module(pkg)
    for s in range(subs):
        for i in range(per):
            importlib.import_module(f"{pkg}.sub_{s:02d}.mod_{i:03d}")
    return m
times = {label: [] for label in labels}
files = {}
for r in range(-1, spec["rounds"]):  # round -1 warms up, untimed
    for label in labels[r % len(labels):] + labels[:r % len(labels)]:
        for k in [k for k in sys.modules if k == pkg or k.startswith(pkg + ".")]:
            del sys.modules[k]
        sys.path[:] = base + spec["paths"][label]
        sys.path_importer_cache.clear()
        importlib.invalidate_caches()
        gc.collect()
        t = time.perf_counter()
        m = load()
        dt = time.perf_counter() - t
        if r >= 0:
            times[label].append(dt)
        files[label] = m.__file__
print(json.dumps({"times": times, "files": files}))
"""


def _sys_path_entries(venv: Path) -> list[str]:
    """What ``site`` adds for ``venv``: its site-packages, then the path lines of its .pth files."""
    site = site_packages(venv)
    return [str(site)] + [line for line in _pth_lines(site)
                          if not line.startswith(_IMPORT_LINE) and os.path.isdir(line)]


def _run_link_cost(ctx: Context, spec: ProjectSpec, venvs: dict[str, Path], errors: dict[str, str],
                   model: dict) -> tuple[Table, dict] | None:
    """The target's measurement: symback links mode against the regular install and against
    symback pth mode (the same source files by a plain path line: the difference is the
    links alone), alternated inside one interpreter, every round a fresh import of all
    modules through each install's own ``sys.path``."""
    links, pth = "symback links", "symback pth"
    labels = [REGULAR, links, pth]
    if any(label not in venvs or label in errors for label in labels):
        return None
    p = spec.params
    n = _link_rounds(ctx)
    driver = {"package": p["package"], "subpackages": p["subpackages"],
              "per": p["modules"] // p["subpackages"], "rounds": n,
              "paths": {label: _sys_path_entries(venvs[label]) for label in labels}}
    python = venvs[REGULAR] / "bin" / "python"
    proc = subprocess.run([str(python), "-I", "-S", "-c", _ALTERNATED_IMPORTS, json.dumps(driver)],
                          env=_env(ctx, venvs[REGULAR], []), cwd=ctx.work, capture_output=True, text=True)
    if proc.returncode != 0:
        last = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        errors[links] = f"alternated imports: {last[-1] if last else f'exit {proc.returncode}'}"
        return None
    out = json.loads(proc.stdout)
    if "__editable__." not in out["files"][links]:
        errors[links] = f"the package was not imported through a link tree ({out['files'][links]})"
        return None
    first = {label: dict(enumerate(out["times"][label])) for label in labels}
    vs_regular = {label: paired_overhead(first[label], first[REGULAR]) for label in labels}
    vs_pth = {label: paired_overhead(first[label], first[pth]) for label in labels}

    def cell(o: tuple[float, float, float]) -> str:
        return "–" if o[0] != o[0] else f"{o[0]:+.1f} % ({o[1]:+.1f} … {o[2]:+.1f})"

    rows = []
    for label in labels:
        target = ""
        if label == links:
            o = vs_regular[links]
            verdict = "met" if o[0] < 2 else "NOT met"
            target = f"< 2 %: {verdict} ({o[0]:+.1f} %; 95 % interval up to {o[2]:+.1f} %)"
        rows.append([label, f"{median(first[label].values()) * 1000:.1f}",
                     "" if label == REGULAR else cell(vs_regular[label]),
                     "" if label == pth else cell(vs_pth[label]), target])
    notes = []
    if "overhead_pct" in model:
        notes.append(
            f"For comparison, the link-lookup model above: {model['overhead_pct']:.1f} % "
            f"({model['lookups']:,} lookups x {model['per_lookup_s'] * 1e9:.0f} ns, hot caches).")
    table = Table(
        title=f"symback links mode, the target: every module imported through each install in turn, "
              f"one interpreter, {n} alternated rounds (median overhead, 95 % interval)",
        columns=["install", "import ms (median)", "vs regular", "vs symback pth (the links alone)", "target"],
        rows=rows,
        notes=notes,
    )
    raw = {"rounds": n, "sys_path": driver["paths"], "import_s": out["times"], "module_file": out["files"],
           "vs_regular_pct": vs_regular, "vs_pth_pct": vs_pth}
    return table, raw


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
  with `importlib.import_module` (*first import*, in-process), then {repeats} times again
  (*re-import*): each time it drops the project's modules from `sys.modules`, clears
  `sys.path_importer_cache` and calls `importlib.invalidate_caches()`, so every module is
  found, stat-ed, opened, read and executed anew, without interpreter start-up in the
  figure. *wall* is fork to exit of the interpreter (start-up, `.pth` processing and import
  hooks included, re-imports too). The **regular install** is `pip install
  --no-build-isolation TREE` (symback's release wheel, byte-compiled by pip). One untimed
  warm-up run per install first (it writes the editable installs' `__pycache__` in the
  source trees), then {import_runs} runs each, interleaved (install order rotated per
  round). Overhead is **paired**: per round, each install's figure over the regular
  install's figure of the same round (for re-import, the median of its {repeats}), then
  the median of those ratios - 1, with a percentile-bootstrap 95 % interval (2,000
  resamples). Runs of one round are seconds apart, so a slowdown of the machine that
  lasts longer than a round moves both sides of a ratio and cancels; a ratio of overall
  medians would carry it.
- **The symlinks' own cost** (symback links): the one thing links mode adds over a plain
  path line is that every path lookup inside the package passes through the tree's
  directory symlink. Counted and priced separately, since each part is measurable with
  little noise: `strace -f -e trace=%file` of one first import counts the file-system calls
  whose path passes through the link; `os.stat` of the package's `__init__.py` by the link
  and by its real path, alternated (40 x 5,000 calls), gives the extra time per lookup.
  Their product over the regular install's first import is the modelled overhead.
  The model is a floor: the `os.stat` loop runs with hot caches.
- **The target's measurement** (symback links mode within 2 % of a regular install):
  fresh-interpreter runs of one install are seconds apart, and the machine's drift over
  seconds (here several per cent) is wider than the target. So the regular install,
  symback links and symback pth are measured **in one interpreter**
  (`python -I -S`, the standard library only on `sys.path`), alternated: each round
  imports every module through each install in turn (order rotated per round), with
  `sys.path` set to what `site` gives that install (its site-packages, then the path
  lines of its `.pth` files), the project's modules dropped from `sys.modules`, finder
  caches cleared and `gc.collect()` run before each import. One untimed warm-up round,
  then {link_rounds} rounds; paired medians (ratio within each round) with bootstrap 95 %
  intervals, against the regular install (the **target**: median < 2 %) and against pth
  mode (the same source files by a plain path line, so the difference is the links
  alone). Interpreter start-up and `.pth` processing (one line) are not in this figure;
  the table above has them.
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
        link_cost = _run_link_cost(ctx, many, venvs, import_raw["errors"], import_raw["link_model"])
        if link_cost is not None:
            tables.append(link_cost[0])
            raw["link_cost"] = link_cost[1]
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
        import_runs=ctx.args.import_runs or (4 if ctx.quick else 15), repeats=REPEATS,
        link_rounds=_link_rounds(ctx),
    )
    return SuiteResult(NAME, TITLE, methodology, tables, notes, raw=raw)
