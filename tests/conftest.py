"""Shared fixtures: example-project copies, real virtual environments, a symback wheelhouse.

Integration tests use real tools (``build``, ``pip``, ``uv``) in real venvs; these
fixtures only make that convenient.
"""

from __future__ import annotations

import contextlib
import dataclasses
import glob
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Callable, Iterator, Sequence

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "example_projects"

# A build run by pip or uv makes the compat form when no form is set (config.wheel_form);
# tests started under `uv run` or from pip must not inherit the variables that say so.
for _frontend_var in ("UV", "PIP_BUILD_TRACKER"):
    os.environ.pop(_frontend_var, None)


def uv_bin() -> str:
    from uv import find_uv_bin

    return find_uv_bin()


def find_python(version: str) -> str:
    """An interpreter of ``version`` from pyenv (present on every machine of this project)."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    found = sorted(glob.glob(f"{root}/versions/{version}.*/bin/python{version}"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"Python {version} not found under {root}/versions: CI must test it")
        pytest.skip(f"Python {version} is not installed here")
    return found[-1]


def run(
    cmd: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    check: bool = True,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command; on an unexpected exit status fail with its whole output."""
    # The tests' own interpreter must not leak into the tools they drive, unless a test
    # asks for it through `env` (see SRC_ENV).
    full_env = dict(os.environ)
    full_env.pop("PYTHONPATH", None)
    full_env.pop("VIRTUAL_ENV", None)
    full_env.update(env or {})
    proc = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
    return proc


@dataclasses.dataclass
class Venv:
    path: Path

    @property
    def bin(self) -> Path:
        return self.path / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin / ("python.exe" if os.name == "nt" else "python")

    @property
    def site_packages(self) -> Path:
        out = run([self.python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
        return Path(out.stdout.strip())

    def run(self, *args: str | os.PathLike[str], **kwargs) -> subprocess.CompletedProcess[str]:
        return run([self.python, *args], **kwargs)

    def pip(self, *args: str | os.PathLike[str], **kwargs) -> subprocess.CompletedProcess[str]:
        return run([self.python, "-m", "pip", "--disable-pip-version-check", *args], **kwargs)

    def uv_pip(self, *args: str | os.PathLike[str], **kwargs) -> subprocess.CompletedProcess[str]:
        env = {**(kwargs.pop("env", None) or {}), "VIRTUAL_ENV": str(self.path)}
        return run([uv_bin(), "pip", *args, "--python", self.python], env=env, **kwargs)


@pytest.fixture
def make_venv(tmp_path: Path) -> Callable[..., Venv]:
    """Create a fresh venv (with pip) under tmp_path; `python` picks the interpreter."""
    counter = iter(range(1000))

    def factory(name: str | None = None, python: str | None = None, seed: bool = True) -> Venv:
        path = tmp_path / (name or f"venv{next(counter)}")
        cmd = [uv_bin(), "venv", "--quiet", "--python", python or sys.executable, path]
        if seed:
            cmd.insert(3, "--seed")
        run(cmd)
        return Venv(path)

    return factory


@pytest.fixture
def example(tmp_path: Path) -> Callable[[str], Path]:
    """Copy example_projects/<name> into tmp_path (symlinks kept as symlinks)."""

    def copy(name: str) -> Path:
        dest = tmp_path / "src" / name
        shutil.copytree(
            EXAMPLES / name,
            dest,
            symlinks=True,
            ignore=shutil.ignore_patterns("build", "dist", "__pycache__", "*.egg-info"),
        )
        return dest

    return copy


@pytest.fixture(scope="session")
def symback_wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a symback wheel built from this checkout (for --find-links)."""
    out = tmp_path_factory.mktemp("wheelhouse")
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", out, REPO])
    (wheel,) = out.glob("symback-*.whl")
    return out


def wheelhouse_env(wheelhouse: Path) -> dict[str, str]:
    """Environment that makes pip, build and uv find symback in `wheelhouse`.

    The directory is put first, before any find-links the machine already has.
    """
    def joined(var: str) -> str:
        return " ".join(filter(None, [str(wheelhouse), os.environ.get(var, "")]))

    return {"PIP_FIND_LINKS": joined("PIP_FIND_LINKS"), "UV_FIND_LINKS": str(wheelhouse)}


PURELIB = Path(sysconfig.get_paths()["purelib"])

# For `python -m build --no-isolation` and in-process hook calls in a subprocess: makes
# the checkout's symback importable, so those tests always exercise the current source.
SRC_ENV = {"PYTHONPATH": str(REPO / "src")}


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no cross-worker sharing needed there
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared_build(
    tmp_path_factory: pytest.TempPathFactory, key: str, build: Callable[[Path], None]
) -> Path:
    """Run ``build(dir)`` once per test run, whatever the number of xdist workers.

    The directory lives in the run's common temp root (the parent of each worker's
    basetemp under xdist); a lock serialises workers and a marker file records success,
    so a failed build is retried (and fails again, visibly) rather than reused.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    target = root / f"shared-{key}"
    with file_lock(root / f"shared-{key}.lock"):
        if not (target / ".complete").exists():
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            build(target)
            (target / ".complete").touch()
    return target


def snapshot_tree(
    root: Path,
    *,
    skip_dirs: Sequence[str] = (),
    skip_top: Sequence[str] = (),
    mtimes: bool = False,
) -> dict[str, tuple]:
    """Every path under ``root`` -> ("link", target) | ("dir", mode) | ("file", mode, sha256[, mtime]).

    Links are never followed. ``skip_dirs`` are directory names skipped at any depth,
    ``skip_top`` names skipped directly under ``root``. Compare two snapshots to prove a
    tree (a site-packages, a user's sources) is exactly as it was.
    """
    import hashlib
    import stat

    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        at_top = Path(dirpath) == root
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs and not (at_top and d in skip_top))
        for name in dirnames + sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = Path(path).relative_to(root).as_posix()
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", stat.S_IMODE(st.st_mode))
            else:
                with open(path, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
                entry: tuple = ("file", stat.S_IMODE(st.st_mode), digest)
                out[rel] = entry + (st.st_mtime_ns,) if mtimes else entry
    return out


def fusefat_usable() -> bool:
    return (
        sys.platform.startswith("linux")
        and hasattr(os, "geteuid") and os.geteuid() == 0
        and os.path.exists("/dev/fuse")
        and shutil.which("fusefat") is not None
        and shutil.which("mkfs.vfat") is not None
    )


needs_fat = pytest.mark.skipif(
    not fusefat_usable(), reason="needs root, /dev/fuse, fusefat and mkfs.vfat (apt: fusefat dosfstools)"
)


@pytest.fixture
def fat_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A real FAT filesystem (FUSE-mounted: the kernel here may lack vfat), which refuses
    symlinks and hard links; unmounted afterwards. Use with ``@needs_fat``."""
    image, mnt = tmp_path / "fat.img", tmp_path / "mnt"
    mnt.mkdir()
    with open(image, "wb") as f:
        f.truncate(16 * 1024 * 1024)
    run(["mkfs.vfat", image])
    proc = run(["fusefat", "-o", "rw+", image, mnt], check=False)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a FAT image here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["fusermount", "-u", str(mnt)], capture_output=True)
        subprocess.run(["umount", str(mnt)], capture_output=True)
