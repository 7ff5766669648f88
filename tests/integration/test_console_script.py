"""The installed ``symback`` command behaves as ``python -m symback``: it holds SIGINT and
SIGTERM back while its modules load (a SIGINT inside an import's internals is otherwise
swallowed by CPython), and ``cli.main`` lets them through again."""

from __future__ import annotations

import signal

import pytest

from conftest import run, wheelhouse_env

pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")

# Loaded by a .pth in the test venv: records the thread's blocked signals at the moment
# symback.cli is imported, and again when the command has returned (atexit).
_PROBE = '''
import atexit, os, signal, sys

_out = os.environ.get("SIGPROBE_OUT")


def _blocked():
    return sorted(s.name for s in signal.pthread_sigmask(signal.SIG_BLOCK, []) if s.name in ("SIGINT", "SIGTERM"))


class _Probe:
    def find_spec(self, name, path=None, target=None):
        if name == "symback.cli":
            with open(_out, "a") as f:
                f.write("importing cli: " + ",".join(_blocked()) + "\\n")
        return None


if _out:
    sys.meta_path.insert(0, _Probe())
    atexit.register(lambda: open(_out, "a").write("at exit: " + ",".join(_blocked()) + "\\n"))
'''


@pytest.mark.slow
def test_console_script_holds_signals_while_loading(tmp_path, make_venv, symback_wheelhouse) -> None:
    venv = make_venv(seed=False)
    venv.uv_pip("install", "--quiet", "symback", env=wheelhouse_env(symback_wheelhouse))
    site = venv.site_packages
    (site / "_sigprobe.py").write_text(_PROBE)
    (site / "_sigprobe.pth").write_text("import _sigprobe\n")

    out = tmp_path / "probe.txt"
    script = venv.bin / "symback"
    done = run([script, "--version"], env={"SIGPROBE_OUT": str(out)})
    assert done.stdout.startswith("symback "), done.stdout
    # The installed entry point is the one python -m symback runs.
    entry = run([venv.python, "-c", "from importlib.metadata import entry_points; "
                 "print([e.value for e in entry_points(group='console_scripts') if e.name == 'symback'])"])
    assert entry.stdout.strip() == "['symback.__main__:run']"
    assert out.read_text().splitlines() == ["importing cli: SIGINT,SIGTERM", "at exit: "]


@pytest.mark.slow
def test_console_script_reports_a_pending_sigint_in_one_line(tmp_path, make_venv, symback_wheelhouse) -> None:
    """A SIGINT that arrives while the command loads is handled by cli.main: one line,
    status 130, no traceback, no "Exception ignored"."""
    venv = make_venv(seed=False)
    venv.uv_pip("install", "--quiet", "symback", env=wheelhouse_env(symback_wheelhouse))
    site = venv.site_packages
    # Deliver the SIGINT from inside the import of symback.cli: deterministic, and exactly
    # the moment an unprotected command would lose it.
    (site / "_sigsend.py").write_text(
        "import os, signal, sys\n"
        "class _Send:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'symback.cli' and os.environ.get('SIGSEND'):\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "        return None\n"
        "sys.meta_path.insert(0, _Send())\n"
    )
    (site / "_sigsend.pth").write_text("import _sigsend\n")
    done = run([venv.bin / "symback", "inspect", tmp_path / "missing.whl"], env={"SIGSEND": "1"}, check=False)
    assert done.returncode == 128 + signal.SIGINT, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("symback: interrupted by SIGINT"), done.stderr
