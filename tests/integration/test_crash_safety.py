"""Crash safety and locking of ``symback install`` / ``uninstall``, with real signals.

A real venv, ``python -m symback install --python <venv>`` run as a subprocess, killed
(SIGKILL, SIGTERM, SIGINT) at delays spread over the whole run, the commit included. After
each kill the environment must be exactly the old state or the new one, or hold the
journal of the interrupted operation; the next run must then leave it exactly in the new
state, say in one line what it recovered, and leave no ``.symback-*`` file anywhere.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SRC_ENV, Venv, run, snapshot_tree
from wheelmaker import make_wheel

pytestmark = pytest.mark.slow

JOURNAL = ".symback-journal.json"
LOCK = ".symback.lock"
SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)
# Kills per signal, spread evenly (with jitter) over the measured length of a run.
INSTALL_KILLS = 7
UNINSTALL_KILLS = 4
FILES = 250


def _wheel(where: Path, version: str, *, prefix: str, files: int = FILES) -> Path:
    """demo ``version``: ``files`` modules in 20 packages, a link, a console script. Half the
    module paths are shared between versions (different bytes), half are the version's own."""
    content: dict[str, str | bytes] = {}
    for i in range(files):
        own = f"{prefix}{i}" if i % 2 else f"shared{i}"
        content[f"demo/sub{i % 20}/{own}.py"] = f"VERSION = {version!r}\nI = {i}\n" + "#" * 200 + "\n"
    content["demo/__init__.py"] = f"VERSION = {version!r}\n"
    content["demo/lib.so.1"] = b"\x7fELF" + version.encode() * 1000
    content[f"demo-{version}.dist-info/entry_points.txt"] = "[console_scripts]\ndemo-cli = demo:main\n"
    return make_wheel(where, content, [("demo/lib.so", "demo/lib.so.1")], version=version,
                      wheel_version="2.0")


def _cmd(venv: Venv, *args: str | Path) -> list[str]:
    return [sys.executable, "-m", "symback", *map(str, args[:1]), "--python", str(venv.python),
            *map(str, args[1:])]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(SRC_ENV)
    return env


def _state(venv: Venv, site: Path) -> dict[str, tuple]:
    return {
        **{f"site/{k}": v for k, v in snapshot_tree(site, skip_dirs=("__pycache__",)).items()},
        **{f"bin/{k}": v for k, v in snapshot_tree(venv.bin).items()},
    }


def _leftovers(venv: Venv, site: Path) -> list[str]:
    found = []
    for d in (site, venv.bin, venv.path, venv.path / "include", site.parent):
        if d.is_dir():
            found += [str(d / n) for n in os.listdir(d) if n.startswith(".symback")]
    return found


def _symback(venv: Venv, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run(_cmd(venv, *args), env=SRC_ENV)


def _killed_run(cmd: list[str], delay: float, signum: int, commit_of: Path | None = None) -> tuple[int, str]:
    """Run ``cmd``, send ``signum`` after ``delay`` s; with ``commit_of`` (a site-packages),
    ``delay`` s after the commit's journal appears there (it lists every step, so it is
    far larger than the staging journal written before it): a kill aimed at the commit."""
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    if commit_of is not None:
        journal = commit_of / JOURNAL
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                if journal.stat().st_size > 4096:
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.0005)
    time.sleep(delay)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, err


def _timed(cmd: list[str]) -> float:
    start = time.monotonic()
    subprocess.run(cmd, env=_env(), check=True, capture_output=True)
    return time.monotonic() - start


def _symback_frames(err: str) -> bool:
    return any(f"{d}/symback/" in err for d in ("src", "site-packages"))


def _settled(state: dict[str, tuple], signum: int) -> dict[str, tuple]:
    """``state`` without what only a SIGKILL can leave and the next run removes (asserted
    there): the lock file and a journal write cut short. SIGINT/SIGTERM never leave them."""
    if signum != signal.SIGKILL:
        return state
    return {k: v for k, v in state.items()
            if k != f"site/{LOCK}" and not (k.startswith(f"site/{JOURNAL}.") and k.endswith(".part"))}


def _check_signal_exit(signum: int, code: int, err: str) -> None:
    if code == -signum:
        return  # killed outright: SIGKILL, or a signal before symback's handlers were set
    if (signum == signal.SIGINT and code == 1 and err.rstrip().endswith("KeyboardInterrupt")
            and not _symback_frames(err)):
        # Python's own start-up (site, encodings) interrupted before any symback code ran:
        # CPython reports that itself (a fatal "init_import_site" error, exit status 1), and
        # nothing can have been written; the caller's state check confirms it.
        return
    if (signum == signal.SIGINT and code == 0 and err.lstrip().startswith("Exception ignored in")
            and err.rstrip().endswith("KeyboardInterrupt:") and not _symback_frames(err)):
        # CPython swallowed a SIGINT that landed in its own import machinery while starting
        # (a weakref callback: "Exception ignored"), and the run went on to completion.
        return
    assert "Traceback" not in err, err
    # Finished before the signal (0), or handled: rolled back or completed, with one line.
    assert code == 0 or (signum != signal.SIGKILL and code == 128 + signum), (code, err)
    if code:
        last = err.strip().splitlines()[-1]
        assert last.startswith(f"symback: interrupted by {signal.Signals(signum).name}"), err


@pytest.fixture(scope="module")
def demo_wheels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    where = tmp_path_factory.mktemp("crash-wheels")
    return _wheel(where, "1.0", prefix="one"), _wheel(where, "2.0", prefix="two")


def _venv(tmp_path: Path) -> Venv:
    from conftest import uv_bin

    path = tmp_path / "venv"
    run([uv_bin(), "venv", "--quiet", "--python", sys.executable, path])
    return Venv(path)


def test_install_survives_kills_anywhere(tmp_path: Path, demo_wheels: tuple[Path, Path]) -> None:
    venv = _venv(tmp_path)
    site = venv.site_packages
    empty = _state(venv, site)
    _symback(venv, "install", demo_wheels[0])
    states = {demo_wheels[0]: _state(venv, site)}
    _symback(venv, "install", demo_wheels[1])
    states[demo_wheels[1]] = _state(venv, site)
    assert states[demo_wheels[0]] != states[demo_wheels[1]] != empty
    # The length of a run over a previous install (both directions), to spread the kills over.
    length = max(_timed(_cmd(venv, "install", demo_wheels[0])),
                 _timed(_cmd(venv, "install", demo_wheels[1])))
    current = demo_wheels[1]
    outcomes = {"old": 0, "new": 0, "journal": 0}
    completed_after_signal = 0
    kills = [(signum, k) for k in range(INSTALL_KILLS) for signum in SIGNALS]
    for n, (signum, k) in enumerate(kills):
        target = demo_wheels[0] if current == demo_wheels[1] else demo_wheels[1]
        aimed = k % 3 == 2  # a third aimed at the commit, the rest spread over the run
        if aimed:
            delay = 0.002 * k
        else:
            # up to 1.3 times the measured length: a loaded machine runs slower than measured
            delay = 1.3 * length * (k + 0.25 + 0.5 * ((n * 7919) % 13) / 13) / INSTALL_KILLS
        code, err = _killed_run(_cmd(venv, "install", target), delay, signum,
                                commit_of=site if aimed else None)
        _check_signal_exit(signum, code, err)
        completed_after_signal += "it completed before stopping" in err
        state = _settled(_state(venv, site), signum)
        if state == states[current]:
            outcomes["old"] += 1
        elif state == states[target]:
            outcomes["new"] += 1
        else:
            assert (site / JOURNAL).exists(), (
                f"kill {n} ({signal.Signals(signum).name} after {delay:.3f}s) left a state that is "
                f"neither old nor new, and no journal: {sorted(set(state.items()) ^ set(states[current].items()))[:5]}"
            )
            outcomes["journal"] += 1
        had_journal = (site / JOURNAL).exists()
        proc = _symback(venv, "install", target)
        if had_journal:
            assert "symback: finished the interrupted" in proc.stderr or \
                "symback: undid the interrupted" in proc.stderr, proc.stderr
        assert _state(venv, site) == states[target]
        assert _leftovers(venv, site) == []
        current = target
    # The kills landed before, during and after the commit.
    assert outcomes["old"] and outcomes["new"], outcomes
    print(f"install: {len(kills)} kills over {length:.2f} s runs: {outcomes}, "
          f"{completed_after_signal} signals deferred until the commit was done")
    # SIGKILLs in the commit left journals; SIGTERM/SIGINT there waited for it to finish.
    assert outcomes["journal"] >= 1 and completed_after_signal >= 1, (outcomes, completed_after_signal)
    venv.run("-c", f"import demo; assert demo.VERSION == {'1.0' if current == demo_wheels[0] else '2.0'!r}")


def test_uninstall_survives_kills_anywhere(tmp_path: Path, demo_wheels: tuple[Path, Path]) -> None:
    venv = _venv(tmp_path)
    site = venv.site_packages
    empty = _state(venv, site)
    _symback(venv, "install", demo_wheels[0])
    installed = _state(venv, site)
    length = _timed(_cmd(venv, "uninstall", "demo"))
    outcomes = {"old": 0, "new": 0, "journal": 0}
    for n, (signum, k) in enumerate((s, k) for k in range(UNINSTALL_KILLS) for s in SIGNALS):
        _symback(venv, "install", demo_wheels[0])
        aimed = k % 3 == 2  # aimed at the commit, the rest spread over the run
        if aimed:
            delay = 0.003 * k
        else:
            delay = 1.3 * length * (k + 0.25 + 0.5 * ((n * 7919) % 13) / 13) / UNINSTALL_KILLS
        code, err = _killed_run(_cmd(venv, "uninstall", "demo"), delay, signum,
                                commit_of=site if aimed else None)
        _check_signal_exit(signum, code, err)
        state = _settled(_state(venv, site), signum)
        journal = (site / JOURNAL).exists()
        if state == installed:
            outcomes["old"] += 1
        elif state == empty:
            outcomes["new"] += 1
        else:
            assert journal, (
                f"kill {n} ({signal.Signals(signum).name} after {delay:.3f}s, exit {code}, {err.strip()[-300:]!r}) "
                "left a state that is neither installed nor uninstalled, and no journal: "
                f"{sorted(set(state.items()) ^ set(installed.items()))[:5]}"
            )
            outcomes["journal"] += 1
        if journal or state == installed:
            proc = run(_cmd(venv, "uninstall", "demo"), env=SRC_ENV, check=False)
            if journal:
                assert "symback: finished the interrupted" in proc.stderr or \
                    "symback: undid the interrupted" in proc.stderr, proc.stderr
            # 1: the recovery finished the uninstall, so there was nothing left to remove.
            assert proc.returncode == 0 or (journal and "demo: not installed" in proc.stderr), proc.stderr
        assert _state(venv, site) == empty
        assert _leftovers(venv, site) == []
    print(f"uninstall: kills over {length:.2f} s runs: {outcomes}")
    # Kills landed before the commit and in or after it.
    assert outcomes["old"] and outcomes["new"] + outcomes["journal"], outcomes


def test_concurrent_installs_of_two_versions_leave_one(tmp_path: Path) -> None:
    """Two installs of demo 1.0 and 2.0 (no file in common) at once: the lock serialises
    them, the second replaces the first, exactly one version is installed."""
    venv = _venv(tmp_path)
    site = venv.site_packages
    w1 = make_wheel(tmp_path / "w", {f"one/m{i}.py": f"I = {i}\n" for i in range(150)}, version="1.0")
    w2 = make_wheel(tmp_path / "w", {f"two/m{i}.py": f"I = {i}\n" for i in range(150)}, version="2.0")
    states = {}
    for w in (w1, w2):
        _symback(venv, "install", w)
        states[w] = _state(venv, site)
    _symback(venv, "uninstall", "demo")
    for _ in range(3):
        procs = [subprocess.Popen(_cmd(venv, "install", w), env=_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for w in (w1, w2)]
        results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
        assert [r[2] for r in results] == [0, 0], results
        dist_infos = [n for n in os.listdir(site) if n.startswith("demo-")]
        assert len(dist_infos) == 1, dist_infos
        assert _state(venv, site) in (states[w1], states[w2])
        assert _leftovers(venv, site) == []


def test_lock_timeout_names_the_holder(tmp_path: Path) -> None:
    """While another process holds the environment's lock, install waits, says so once, and
    gives up after --lock-timeout with an error naming the lock and its holder."""
    from symback.journal import locked

    venv = _venv(tmp_path)
    site = venv.site_packages
    w1 = make_wheel(tmp_path / "w", {"one/m.py": "I = 1\n"}, version="1.0")
    before = _state(venv, site)
    with locked(str(site), "a test holding the lock", timeout=1, report=print):
        proc = run(_cmd(venv, "install", "--lock-timeout", "1", w1), env=SRC_ENV, check=False)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith(f"symback: waiting for {site / '.symback.lock'}"), proc.stderr
    assert "a test holding the lock" in lines[0]
    assert lines[-1].startswith("symback: error: ") and "--lock-timeout" in lines[-1], proc.stderr
    assert _state(venv, site) == before
    _symback(venv, "install", w1)
    assert _leftovers(venv, site) == []
