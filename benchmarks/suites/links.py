"""Suite "links": what LINKS saves for a shared library with versioned aliases, in wheel
bytes, installed bytes and install time.

The project (seeded, generated once under ``.work/projects/``) is one package holding
``lib/libbig.so.1.2.3`` (50 MiB, 16 MiB with ``--quick``, of seeded pseudo-random bytes,
so deflate cannot shrink it; not a real ELF) and the usual relative alias chain
``lib/libbig.so -> libbig.so.1 -> libbig.so.1.2.3``.

- **Wheel bytes**: one wheel each from symback with ``-C symlinks=links`` (Wheel-Version
  2.0: the library once plus two LINKS rows), ``symlinks=compat`` (1.0: copies *and*
  LINKS), ``symlinks=copy`` (1.0: copies), and from setuptools and hatchling on the same
  tree (minimal config to ship ``lib/``; both follow the links and store three copies).
  Size in MB and the ratio to the symback links wheel.
- **Installed bytes and install time**, each round into a fresh venv (a hard-linked copy of
  a prepared venv; not timed): ``python -m symback install`` of the links, compat and copy
  wheels (``PYTHONPATH=<repo>/src``, ``installer`` in the venv), ``pip install`` and
  ``uv pip install --no-cache`` of the copy wheel. Installed bytes: the sum of ``st_size``
  of the regular files of the package and its ``.dist-info`` in site-packages, walked
  without following links (a symlink counts 0). Time: median wall time of the install
  command over the rounds, interleaved.
"""

from __future__ import annotations

import os
import random
import zipfile
from pathlib import Path

from backends import BACKENDS, ProjectInfo
from harness import (
    SRC, Context, SuiteResult, Table, fmt_bytes, fmt_ratio, fmt_seconds, log, md_escape, median,
    run_measured,
)
from projects import ProjectSpec, ensure_source
from suites._install_helpers import (
    SetupError, ensure_template, failed, fresh_venv, frontend_error, installed_bytes, remove_tree, run_hook,
    site_packages, tree_with_links, uv,
)

NAME = "links"
TITLE = "LINKS: a 50 MB shared library with two aliases"

SEED = 20240602
MB = 1_000_000
MiB = 1 << 20
PACKAGE = "bench_libbig"
INFO = ProjectInfo("bench-libbig", PACKAGE, data_globs=("lib/*",))
LIB = "libbig.so.1.2.3"
ALIASES = [["libbig.so.1", LIB], ["libbig.so", "libbig.so.1"]]  # (link, relative target)


def _write_lib_project(root: Path, rng: random.Random, p: dict) -> None:
    pkg = root / "src" / p["package"]
    lib = pkg / "lib"
    lib.mkdir(parents=True)
    (root / "README.md").write_text("# bench-libbig\n\nA package shipping one shared library "
                                    "under three names, for the symback benchmarks.\n")
    (pkg / "__init__.py").write_text('"""A package with a shared library and its aliases."""\n\n'
                                     '__version__ = "1.0.0"\n')
    with open(lib / p["lib"], "wb") as f:
        for _ in range(p["lib_mib"]):
            f.write(rng.randbytes(MiB))
    for link, target in p["aliases"]:
        (lib / link).symlink_to(target)


def _lib_mib(ctx: Context) -> int:
    return 16 if ctx.quick else 50


def _spec(ctx: Context) -> ProjectSpec:
    return ProjectSpec(
        "libbig", f"one package with a {_lib_mib(ctx)} MiB library and two symlinked aliases", INFO,
        {"kind": "shared-lib", "package": PACKAGE, "lib": LIB, "lib_mib": _lib_mib(ctx),
         "aliases": ALIASES, "seed": SEED, "v": 1},
        _write_lib_project,
    )


# (row label, backend name, config_settings)
VARIANTS = [
    ("symback `symlinks=links`", "symback", {"symlinks": "links"}),
    ("symback `symlinks=compat`", "symback", {"symlinks": "compat"}),
    ("symback `symlinks=copy`", "symback", {"symlinks": "copy"}),
    ("setuptools", "setuptools", None),
    ("hatchling", "hatchling", None),
]
LINKS_VARIANT = VARIANTS[0][0]


def _wheel_facts(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        wheel_meta = next((n for n in names if n.endswith(".dist-info/WHEEL")), None)
        version = "?"
        if wheel_meta:
            for line in zf.read(wheel_meta).decode(errors="replace").splitlines():
                if line.startswith("Wheel-Version:"):
                    version = line.split(":", 1)[1].strip()
        links_file = next((n for n in names if n.endswith(".dist-info/LINKS")), None)
        links = [r for r in zf.read(links_file).decode().splitlines() if r.strip()] if links_file else []
        lib_members = [n for n in names if "/lib/" in n and ".dist-info/" not in n]
    return {"size": path.stat().st_size, "wheel_version": version, "links": len(links),
            "lib_members": len(lib_members)}


def _build_wheels(ctx: Context, source: Path) -> tuple[dict[str, dict], dict[str, Path]]:
    backends = {b.name: b for b in BACKENDS}
    wheels_dir = ctx.work / "links-wheels"
    remove_tree(wheels_dir)
    wheels_dir.mkdir(parents=True)
    facts: dict[str, dict] = {}
    paths: dict[str, Path] = {}
    trees = source.parent / "by-backend"
    for i, (label, backend_name, settings) in enumerate(VARIANTS):
        if ctx.backends and backend_name not in ctx.backends:
            continue
        b = backends[backend_name]
        tree = tree_with_links(source, trees / f"links-{backend_name}-{i}", b.pyproject(INFO))
        try:
            m, built = run_hook(ctx, b.module, "build_wheel", tree, ctx.work / "links-out", settings=settings,
                                pythonpath=b.pythonpath(), log_name=f"links-build-{backend_name}-{i}")
            if built is None:
                facts[label] = {"failed": m.error}
                log(f"  wheel {label}: FAILED {m.error}")
                continue
            dest = wheels_dir / str(i)
            dest.mkdir()
            paths[label] = Path(built.replace(dest / built.name))
            facts[label] = {**_wheel_facts(paths[label]), "build_wall_s": m.wall_s, "file": built.name}
            log(f"  wheel {label}: {fmt_bytes(facts[label]['size'])} in {m.wall_s:.2f} s")
        finally:
            remove_tree(tree)
            remove_tree(ctx.work / "links-out")
    return facts, paths


def _size_table(ctx: Context, facts: dict[str, dict]) -> Table:
    base = facts.get(LINKS_VARIANT, {}).get("size")
    rows = []
    for label, _, _ in VARIANTS:
        f = facts.get(label)
        if f is None:
            continue
        if "failed" in f:
            rows.append([label, failed(f["failed"]), "–", "–", "–", "–"])
            continue
        rows.append([label, f"{f['size'] / MB:.1f}", fmt_ratio(f["size"] / base) if base else "–",
                     f["wheel_version"], str(f["lib_members"]), str(f["links"])])
    return Table(
        title=f"wheel size: a {_lib_mib(ctx)} MiB library and two aliases (1 build each; sizes are deterministic)",
        columns=["wheel", "MB", "vs symback links", "Wheel-Version", "lib/ members", "LINKS rows"],
        rows=rows,
    )


# (row label, installer, wheel variant label)
INSTALLS = [
    ("`symback install`, links wheel", "symback", LINKS_VARIANT),
    ("`symback install`, compat wheel", "symback", VARIANTS[1][0]),
    ("`symback install`, copy wheel", "symback", VARIANTS[2][0]),
    ("`pip install`, copy wheel", "pip", VARIANTS[2][0]),
    ("`uv pip install`, copy wheel", "uv", VARIANTS[2][0]),
]


def _install_argv(who: str, python: Path, wheel: Path) -> list[str]:
    if who == "symback":
        return [str(python), "-m", "symback", "install", str(wheel)]
    if who == "pip":
        return [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "--no-index", "--no-deps", str(wheel)]
    return [uv(), "pip", "install", "--quiet", "--no-index", "--no-deps", "--no-cache",
            "--python", str(python), str(wheel)]


def _install_env(ctx: Context, who: str, venv: Path) -> dict:
    env = ctx.env(pythonpath=[SRC] if who == "symback" else [])
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    return env


def _run_installs(ctx: Context, paths: dict[str, Path]) -> tuple[Table, Table, dict, list[str]]:
    template = ensure_template(ctx)
    venv = ctx.work / "links-venv"
    rows = [r for r in INSTALLS if r[2] in paths]
    if not rows:
        raise SetupError("no wheel to install (the builds failed)")
    runs: dict[str, list[float]] = {label: [] for label, _, _ in rows}
    errors: dict[str, str] = {}
    sizes: dict[str, tuple[int, int, int]] = {}
    for r in range(ctx.rounds):
        order = rows[r % len(rows):] + rows[: r % len(rows)]
        for label, who, variant in order:
            if label in errors:
                continue
            python = fresh_venv(template, venv)
            log_stem = ctx.log_dir / f"links-install-{who}"
            m = run_measured(_install_argv(who, python, paths[variant]), env=_install_env(ctx, who, venv),
                             cwd=ctx.work, timeout=ctx.timeout, log_stem=log_stem)
            if not m.ok:
                m.error = frontend_error(m, log_stem)
                errors[label] = m.error
                log(f"  install {label} round {r + 1}: FAILED {m.error}")
                continue
            runs[label].append(m.wall_s)
            if label not in sizes:
                sizes[label] = installed_bytes(site_packages(venv), [PACKAGE], PACKAGE)
            log(f"  install {label} round {r + 1}/{ctx.rounds}: {m.wall_s:.3f} s")
    # What the stock installers do with the links (Wheel-Version 2.0) wheel: one try each.
    notes = []
    if LINKS_VARIANT in paths:
        for who in ("pip", "uv"):
            python = fresh_venv(template, venv)
            m = run_measured(_install_argv(who, python, paths[LINKS_VARIANT]), env=_install_env(ctx, who, venv),
                             cwd=ctx.work, timeout=ctx.timeout, log_stem=ctx.log_dir / f"links-refuse-{who}")
            error = frontend_error(m, ctx.log_dir / f"links-refuse-{who}")
            what = "installs it (unexpected)" if m.ok else f"refuses it: `{md_escape(error, 200)}`"
            notes.append(f"`{'pip install' if who == 'pip' else 'uv pip install'}` of the links "
                         f"(Wheel-Version 2.0) wheel {what}")
    remove_tree(venv)

    base = sizes.get(INSTALLS[0][0])
    size_rows = []
    for label, _, _ in rows:
        if label in errors and label not in sizes:
            size_rows.append([label, failed(errors[label]), "–", "–", "–"])
            continue
        size, files, links = sizes[label]
        size_rows.append([label, f"{size / MB:.1f}", fmt_ratio(size / base[0]) if base else "–",
                          str(files), str(links)])
    size_table = Table(
        title="installed bytes in site-packages (package + .dist-info; symlinks count 0)",
        columns=["install", "MB", "vs symback links", "regular files", "symlinks"],
        rows=size_rows,
    )
    base_t = median(runs[INSTALLS[0][0]]) if runs.get(INSTALLS[0][0]) else None
    time_rows = []
    for label, _, _ in rows:
        if label in errors:
            time_rows.append([label, failed(errors[label]), "–", "–"])
            continue
        t = median(runs[label])
        time_rows.append([label, fmt_seconds(t), fmt_ratio(t / base_t) if base_t else "–",
                          " ".join(fmt_seconds(x) for x in runs[label])])
    time_table = Table(
        title=f"install time into a fresh venv (median of {ctx.rounds} round{'s' if ctx.rounds != 1 else ''}, "
              "interleaved)",
        columns=["install", "wall s (median)", "vs symback links", "all rounds s"],
        rows=time_rows,
    )
    raw = {"runs_s": runs, "errors": errors,
           "installed": {k: {"bytes": v[0], "files": v[1], "links": v[2]} for k, v in sizes.items()}}
    return size_table, time_table, raw, notes


METHODOLOGY = """\
- **Project** (generated, seeded): one package, `{package}/`, whose `lib/` holds
  `libbig.so.1.2.3` ({lib_mib} MiB = {lib_mb:.1f} MB of seeded pseudo-random bytes, so deflate cannot
  shrink it; not a real ELF) and the relative symlinks `libbig.so.1 -> libbig.so.1.2.3`
  and `libbig.so -> libbig.so.1`. Each backend builds a copy of the tree in which the
  symlinks stay symlinks (files are hard links to one generated copy).
- **Wheels**: symback with `config_settings` `symlinks=links` (Wheel-Version 2.0, the
  library once plus two `LINKS` rows), `symlinks=compat` (1.0: copies at the link paths
  *and* `LINKS`) and `symlinks=copy` (1.0: copies only); setuptools (package-data
  `"*" = ["lib/*"]`) and hatchling (`packages = ["src/{package}"]`), which follow the
  links and store three copies. One build each (a hook call in a fresh interpreter); the
  sizes are deterministic. MB = 10^6 bytes.
- **Installs**: each round installs into a *fresh venv*: a new directory tree whose files
  are hard links to a prepared venv's (pip, installer, editables, the backends;
  byte-compiled; installers only add files, and the suite checks the prepared venv is
  unchanged), made before the timed command and not timed. Commands: `python -m symback install WHEEL` with `PYTHONPATH=<repo>/src`
  (symback from the checkout, `installer` from the venv); `python -m pip install --no-index
  --no-deps WHEEL`; `uv pip install --no-index --no-deps --no-cache --python VENV WHEEL`
  (`--no-cache` so that every round unpacks the wheel, as the first install does; a
  repeated uv install of the same wheel from a warm cache is faster). pip byte-compiles
  the one `.py` file, uv and symback do not (negligible here).
- **Installed bytes**: the sum of `st_size` of the regular files under
  `site-packages/{package}/` and the `.dist-info`, walked with `os.walk` without following
  links; a symlink counts 0 bytes. **Install time**: wall time of the install command
  (fork to reap, `os.wait4`), median over {rounds} round(s); rounds are interleaved
  (order rotated per round). Timeout {timeout:g} s per command.
"""


def run(ctx: Context) -> SuiteResult:
    spec = _spec(ctx)
    source, _ = ensure_source(spec, ctx.work / "projects", log)
    tables: list[Table] = []
    notes: list[str] = []
    facts, paths = _build_wheels(ctx, source)
    tables.append(_size_table(ctx, facts))
    raw: dict = {"wheels": facts}
    try:
        size_table, time_table, install_raw, install_notes = _run_installs(ctx, paths)
    except SetupError as exc:
        notes.append(f"installs not measured: {exc}")
    else:
        tables += [size_table, time_table]
        notes += install_notes
        raw["installs"] = install_raw
    finally:
        remove_tree(ctx.work / "links-wheels")  # up to ~0.5 GB
    methodology = METHODOLOGY.format(lib_mib=_lib_mib(ctx), lib_mb=_lib_mib(ctx) * MiB / MB, package=PACKAGE,
                                     rounds=ctx.rounds, timeout=ctx.timeout)
    return SuiteResult(NAME, TITLE, methodology, tables, notes, raw=raw)
