"""Shared machinery for the benchmark suites: the benchmark venv, measured child processes,
statistics, machine facts, and the result types every suite returns.

Standard library only: this runs under whatever ``python`` starts ``benchmarks/run.py``.
The *measured* processes run under the benchmark venv's interpreter (``Context.python``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
SRC = REPO / "src"
DRIVERS = BENCH_DIR / "drivers"


# --------------------------------------------------------------------------- results


@dataclasses.dataclass
class Table:
    """One markdown table. ``rows`` hold already-formatted cells."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class SuiteResult:
    """What a suite hands back to the renderer.

    ``methodology`` is markdown describing what was measured and how; ``tables`` are
    rendered in order; ``raw`` is any JSON-serialisable data (written next to the run's
    other raw results under ``benchmarks/.work/results/``, never into the docs).
    """

    name: str
    title: str
    methodology: str
    tables: list[Table]
    notes: list[str] = dataclasses.field(default_factory=list)
    raw: Any = None


class NotImplementedSuite(Exception):
    """Raised by a stub suite; the runner prints it and leaves the suite out of the results."""


# --------------------------------------------------------------------------- context


@dataclasses.dataclass
class Context:
    """Everything a suite needs; built once by ``run.py``."""

    args: Any                     # the parsed command line (argparse.Namespace)
    work: Path                    # benchmarks/.work
    venv: Path                    # benchmarks/.work/venv
    rounds: int
    quick: bool
    timeout: float                # seconds per measured hook call
    backends: list[str] | None    # --backends filter (None: all)
    projects: list[str] | None    # --projects filter (None: all)
    log_dir: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def env(self, *, pythonpath: Sequence[Path] = ()) -> dict[str, str]:
        """Environment for a measured process: the venv first on PATH, nothing leaking in
        from the harness's own interpreter, PYTHONPATH only when asked for."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTHON", "PIP_", "UV_", "VIRTUAL_ENV", "CONDA"))
            and k not in {"SOURCE_DATE_EPOCH"}
        }
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.venv)
        if pythonpath:
            env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
        return env


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- measuring


@dataclasses.dataclass
class Measurement:
    ok: bool
    wall_s: float                 # fork to reap of the command (includes interpreter start-up)
    cpu_s: float                  # user + system of the command and every descendant it reaped
    maxrss_mib: float             # ru_maxrss of the command (max over it and reaped descendants)
    returncode: int | None
    error: str | None = None      # last meaningful line of the child's output on failure
    result: dict | None = None    # the JSON a driver script wrote to its result file


def _last_line(*paths: Path) -> str:
    for path in paths:
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in reversed(lines):
            if line.strip():
                return line.strip()
    return "(no output)"


def run_measured(
    argv: Sequence[str | os.PathLike[str]],
    *,
    env: dict[str, str],
    cwd: Path,
    timeout: float,
    log_stem: Path,
    result_file: Path | None = None,
) -> Measurement:
    """Run ``argv`` as a fresh process and measure it with ``os.wait4``.

    The command runs under ``drivers/spawn.py`` (a tiny fork-exec-wait4 process) so that
    its ``ru_maxrss`` does not inherit the harness's own size (``ru_maxrss`` survives
    ``execve``). stdout/stderr go to ``<log_stem>.out`` / ``<log_stem>.err`` (kept for
    the last call only). The spawner gets its own session so that a timeout kills the
    whole process group (uv_build's Rust binary, for one). Never raises for a failing
    child: a non-zero exit, a timeout or a missing result file give ``ok=False`` with
    ``error`` set. ``result_file``: where a driver script writes its JSON result.
    """
    out_path = log_stem.with_suffix(".out")
    err_path = log_stem.with_suffix(".err")
    usage_path = log_stem.with_suffix(".rusage.json")
    log_stem.parent.mkdir(parents=True, exist_ok=True)
    usage_path.unlink(missing_ok=True)
    if result_file is not None:
        result_file.unlink(missing_ok=True)
    timed_out = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(DRIVERS / "spawn.py"), str(usage_path), *(str(a) for a in argv)],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            proc.wait()
        finally:
            timer.cancel()
        outer_wall = time.perf_counter() - t0
    # Anything the command left behind in its group (it should be none) goes too.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        usage = json.loads(usage_path.read_text())
    except (OSError, ValueError):
        usage = None
    m = Measurement(
        ok=False,
        wall_s=usage["wall_s"] if usage else outer_wall,
        cpu_s=usage["utime_s"] + usage["stime_s"] if usage else float("nan"),
        maxrss_mib=usage["maxrss_kib"] / 1024.0 if usage else float("nan"),  # Linux: KiB
        returncode=proc.returncode,
    )
    if timed_out.is_set():
        m.error = f"timed out after {timeout:g} s"
    elif proc.returncode != 0 or usage is None:
        m.error = f"exit {proc.returncode}: {_last_line(err_path, out_path)}"
    elif result_file is not None:
        try:
            m.result = json.loads(result_file.read_text())
        except (OSError, ValueError) as exc:
            m.error = f"no result from driver ({exc.__class__.__name__}): {_last_line(err_path, out_path)}"
        else:
            m.ok = True
    else:
        m.ok = True
    return m


# --------------------------------------------------------------------------- statistics


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def fmt_seconds(x: float) -> str:
    if x != x:  # nan
        return "–"
    if x < 10:
        return f"{x:.3f}"
    if x < 100:
        return f"{x:.2f}"
    return f"{x:.1f}"


def fmt_ratio(x: float | None) -> str:
    if x is None or x != x:
        return "–"
    return f"{x:.2f}×"


def fmt_bytes(n: int | float | None) -> str:
    if n is None:
        return "–"
    n = float(n)
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{int(n)} B"


def md_escape(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|").replace("`", "'")


# --------------------------------------------------------------------------- machine


def machine_info(python: Path) -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / (1 << 20):.1f} GiB"
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    py = subprocess.run(
        [str(python), "-c", "import sys, platform; print(platform.python_implementation(), sys.version.split()[0])"],
        capture_output=True, text=True,
    ).stdout.strip()
    return {
        "nproc": str(usable),
        "cpu": cpu,
        "memory": mem,
        "kernel": f"{platform.system()} {platform.release()}",
        "python": py or "unknown",
    }


def git_revision() -> str:
    """Read-only: the checkout's commit and whether the tree is dirty."""
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return f"{rev}{' + uncommitted changes in src/' if dirty else ''}"
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# --------------------------------------------------------------------------- venv


def find_uv() -> str | None:
    found = shutil.which("uv")
    if found:
        return found
    sibling = Path(sys.executable).parent / "uv"
    if sibling.exists():
        return str(sibling)
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found]

        return find_uv_bin()
    except Exception:
        pass
    in_bench_venv = BENCH_DIR / ".work" / "venv" / "bin" / "uv"  # from REQUIREMENTS
    return str(in_bench_venv) if in_bench_venv.exists() else None


def ensure_venv(venv: Path, requirements: Sequence[str], *, python: str, upgrade: bool) -> None:
    """Create (or reuse) the benchmark venv with ``requirements`` at their latest versions.

    Reused when its stamp matches the requirement list and interpreter; ``upgrade``
    (``--upgrade``) forces a fresh resolution to the newest releases.
    """
    stamp_path = venv / ".bench-stamp.json"
    stamp = {"requirements": sorted(requirements), "python": str(Path(python).resolve())}
    if not upgrade and stamp_path.exists():
        try:
            if json.loads(stamp_path.read_text()) == stamp and (venv / "bin" / "python").exists():
                log(f"venv: reusing {venv} (run with --upgrade to refresh to the latest releases)")
                return
        except ValueError:
            pass
    uv = find_uv()
    if venv.exists():
        shutil.rmtree(venv)
    log(f"venv: creating {venv} with {', '.join(requirements)}")
    if uv:
        subprocess.run([uv, "venv", "--quiet", "--python", python, str(venv)], check=True)
        subprocess.run(
            [uv, "pip", "install", "--quiet", "--compile-bytecode", "--upgrade",
             "--python", str(venv / "bin" / "python"), *requirements],
            check=True,
        )
    else:
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", "--upgrade", *requirements],
            check=True,
        )
    stamp_path.write_text(json.dumps(stamp))


def compile_checkout(python: Path) -> None:
    """Byte-compile the checkout's symback with the benchmark interpreter.

    The peers run from installed wheels, byte-compiled at install; symback runs from
    ``src/``. Where PYTHONDONTWRITEBYTECODE is set (it is on the project's machines) the
    checkout would otherwise be compiled from source in every measured process, a cost no
    installed user pays.
    """
    subprocess.run([str(python), "-m", "compileall", "-q", str(SRC / "symback")], check=True)


def distribution_version(python: Path, dist: str) -> str | None:
    proc = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({dist!r}))"],
        capture_output=True, text=True,
    )
    return proc.stdout.strip() if proc.returncode == 0 else None
