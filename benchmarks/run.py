"""Run the symback benchmarks and write docs/performance.md.

    python benchmarks/run.py                 # every suite, 5 rounds (~25 min on 2 cores)
    python benchmarks/run.py --quick         # smoke run: 2 rounds, smaller projects
    python benchmarks/run.py --only build --projects small,many --backends symback,uv_build

See benchmarks/README.md. Standard library only; the measured processes run in
benchmarks/.work/venv, which this creates (or reuses).
"""

from __future__ import annotations

import argparse
import datetime
import fcntl
import os
import json
import re
import shlex
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from backends import BACKENDS, REQUIREMENTS, selected  # noqa: E402
from harness import (  # noqa: E402
    BENCH_DIR, REPO, SRC, Context, NotImplementedSuite, compile_checkout, distribution_version, ensure_venv,
    git_revision, log, machine_info,
)
from render import render  # noqa: E402
import suites  # noqa: E402


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=None, help="rounds per measurement (default 5; 2 with --quick)")
    p.add_argument("--quick", action="store_true", help="fast smoke run: fewer rounds, smaller generated projects")
    p.add_argument("--only", action="append", choices=suites.SUITES, metavar="SUITE",
                   help=f"run only this suite (repeatable): {', '.join(suites.SUITES)}")
    p.add_argument("--output", type=Path, default=REPO / "docs" / "performance.md",
                   help="markdown report to write (default docs/performance.md)")
    p.add_argument("--no-write", action="store_true", help="do not write the markdown report")
    p.add_argument("--no-keep", action="store_true",
                   help="with --only: write only the suites that ran (default: keep the other suites' "
                        "sections of the existing report, each with its own stamp)")
    p.add_argument("--backends", type=_csv, default=None,
                   help=f"comma-separated subset of: {', '.join(b.name for b in BACKENDS)}")
    p.add_argument("--projects", type=_csv, default=None, help="build suite: subset of small,many,big")
    p.add_argument("--hooks", type=_csv, default=["wheel", "sdist"], help="build suite: wheel,sdist (default both)")
    p.add_argument("--big-rounds", type=int, default=None,
                   help="rounds for the big-data project (default min(rounds, 2); 1 with --quick)")
    p.add_argument("--import-runs", type=int, default=None, help="interpreter start-ups per import measurement (default 40; 8 with --quick)")
    p.add_argument("--timeout", type=float, default=None, help="seconds per hook call (default 600; 300 with --quick)")
    p.add_argument("--upgrade", action="store_true", help="recreate the venv with the latest peer releases")
    p.add_argument("--python", default=sys.executable, help="interpreter for the benchmark venv (default: this one)")
    args = p.parse_args(argv)
    if args.rounds is None:
        args.rounds = 2 if args.quick else 5
    if args.timeout is None:
        args.timeout = 300.0 if args.quick else 600.0
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    return args


def symback_version() -> str:
    m = re.search(r'__version__\s*=\s*"([^"]+)"', (SRC / "symback" / "__init__.py").read_text())
    return f"{m.group(1) if m else '?'} (checkout {git_revision()})"


def loadavg() -> str:
    try:
        return " / ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def lock_work(work: Path):
    """One run at a time: runs share benchmarks/.work (venv, projects, outputs) and would
    disturb each other's timings. A second run waits for the first."""
    lock = open(work / "run.lock", "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        log(f"waiting for another benchmark run to finish ({lock.read().strip() or 'unknown'}) ...")
        fcntl.flock(lock, fcntl.LOCK_EX)
    lock.seek(0)
    lock.truncate()
    lock.write(f"pid {os.getpid()}: {shlex.join(sys.argv)}\n")
    lock.flush()
    return lock  # keep it open: the lock lasts as long as the file object


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    work = BENCH_DIR / ".work"
    work.mkdir(exist_ok=True)
    lock = lock_work(work)  # noqa: F841
    started = time.perf_counter()
    load_start = loadavg()
    venv = work / "venv"
    ensure_venv(venv, REQUIREMENTS, python=args.python, upgrade=args.upgrade)
    compile_checkout(venv / "bin" / "python")
    ctx = Context(
        args=args, work=work, venv=venv, rounds=args.rounds, quick=args.quick,
        timeout=args.timeout, backends=args.backends, projects=args.projects,
        log_dir=work / "logs",
    )
    versions = []
    for b in selected(args.backends):
        if b.from_checkout:
            version, source = symback_version(), "checkout, `PYTHONPATH=src`"
        else:
            version, source = distribution_version(ctx.python, b.dist) or "not installed", "PyPI, latest"
        versions.append({"name": b.name, "version": version, "module": b.module, "source": source})
    for v in versions:
        log(f"backend {v['name']}: {v['version']}")

    results, skipped, suite_times = [], [], {}
    for name in args.only or suites.SUITES:
        module = suites.load(name)
        log(f"== suite {name}")
        t_suite = time.perf_counter()
        try:
            results.append(module.run(ctx))
            suite_times[name] = time.perf_counter() - t_suite
            log(f"== suite {name}: {suite_times[name] / 60:.1f} min")
        except NotImplementedSuite as exc:
            print(exc, flush=True)
            skipped.append(f"{name} (not implemented yet)")
        except Exception:
            traceback.print_exc()
            log(f"suite {name} crashed; left out of the results")
            skipped.append(f"{name} (crashed: see the run's output)")

    elapsed = time.perf_counter() - started
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": shlex.join(["python", "benchmarks/run.py", *argv]),
        "elapsed": f"{elapsed / 60:.1f} min"
                   + (f" ({', '.join(f'{k} {v / 60:.1f}' for k, v in suite_times.items())})" if suite_times else ""),
        "machine": machine_info(ctx.python),
        "backends": versions,
        "rounds": args.rounds,
        "load": f"{load_start} at the start, {loadavg()} at the end",
        "quick": args.quick,
        "skipped": skipped,
        "checkout": git_revision(),
        "suite_elapsed": {k: f"{v / 60:.1f} min" for k, v in suite_times.items()},
    }
    raw_dir = work / "results"
    raw_dir.mkdir(exist_ok=True)
    raw_path = raw_dir / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    raw_path.write_text(json.dumps(
        {"meta": meta, "suites": {r.name: r.raw for r in results}}, indent=1, default=str))
    log(f"raw results: {raw_path}")
    if results and not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        # A run of some suites refreshes their sections and keeps the others'.
        previous = args.output.read_text() if args.only and not args.no_keep and args.output.exists() else None
        titles = {suites.load(n).TITLE: n for n in suites.SUITES} if previous else None
        args.output.write_text(render(meta, results, order=suites.SUITES, previous=previous, titles=titles))
        log(f"wrote {args.output}" + (" (other suites' sections kept)" if previous else ""))
    elif not results:
        log("no suite produced results; report not written")
    log(f"total {elapsed / 60:.1f} min")
    return 1 if any("crashed" in s for s in skipped) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
