"""Issue 3 end to end: a real C library with its soname aliases, through every wheel form.

The library is compiled with the machine's ``cc`` (SONAME libfoo.so.1) and padded with an
8 MiB non-loaded ELF section, so wheel sizes are dominated by the library, as with real
projects.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import SRC_ENV, run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform != "linux" or shutil.which("cc") is None, reason="needs Linux and cc"),
]

LIB = "versioned_libs/lib"
CHECK = (
    "import versioned_libs as v; "
    "assert v.answer() == 42, v.answer(); "
    "assert v.load_by_linker_name().foo_answer() == 42; "
    "print('loaded', v.version())"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import EXAMPLES

    root = tmp_path_factory.mktemp("vl") / "versioned-libs"
    shutil.copytree(EXAMPLES / "versioned-libs", root, symlinks=True)
    run([sys.executable, root / "build_lib.py"])
    real = root / "src" / LIB / "libfoo.so.1.2.3"
    pad = root / "pad.bin"
    pad.write_bytes(os.urandom(8 << 20))
    run(["objcopy", "--add-section", f".symback_pad={pad}", "--set-section-flags", ".symback_pad=readonly", real, real])
    pad.unlink()
    return root


@pytest.fixture(scope="module")
def wheels(project: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for mode in ("links", "compat", "copy"):
        dest = tmp_path_factory.mktemp(f"wheel-{mode}")
        run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "-x", "-C", f"symlinks={mode}", "--outdir", dest, project],
            env=SRC_ENV,
        )
        (out[mode],) = dest.glob("*.whl")
    return out


def _wheel_meta(wheel: Path, name: str) -> str:
    with zipfile.ZipFile(wheel) as zf:
        (member,) = [n for n in zf.namelist() if n.endswith(".dist-info/" + name)]
        return zf.read(member).decode()


def _symback(venv, *args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return venv.run("-m", "symback", *args, env=SRC_ENV, **kwargs)


def test_links_wheel_stores_the_library_once(wheels: dict[str, Path]) -> None:
    links, copy = wheels["links"].stat().st_size, wheels["copy"].stat().st_size
    assert abs(links - copy / 3) <= 0.05 * (copy / 3), (links, copy)
    assert "Wheel-Version: 2.0" in _wheel_meta(wheels["links"], "WHEEL")
    assert _wheel_meta(wheels["links"], "LINKS").splitlines() == [
        f"{LIB}/libfoo.so,{LIB}/libfoo.so.1",
        f"{LIB}/libfoo.so.1,{LIB}/libfoo.so.1.2.3",
    ]
    for mode in ("compat", "copy"):
        assert "Wheel-Version: 1.0" in _wheel_meta(wheels[mode], "WHEEL")
    assert "LINKS" not in str(zipfile.ZipFile(wheels["copy"]).namelist())
    assert _wheel_meta(wheels["compat"], "LINKS") == _wheel_meta(wheels["links"], "LINKS")


def test_wheel_is_tagged_for_the_platform(wheels: dict[str, Path]) -> None:
    import sysconfig

    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    for wheel in wheels.values():
        assert wheel.name.endswith(f"-py3-none-{platform}.whl"), wheel.name


@pytest.mark.parametrize("installer", ["pip", "uv"])
@pytest.mark.parametrize("mode", ["copy", "compat"])
def test_stock_installers_install_copies(wheels, make_venv, installer: str, mode: str) -> None:
    venv = make_venv()
    if installer == "pip":
        venv.pip("install", wheels[mode])
    else:
        venv.uv_pip("install", wheels[mode])
    assert "loaded 1.2.3" in venv.run("-c", CHECK).stdout
    libdir = venv.site_packages / LIB
    assert not any((libdir / n).is_symlink() for n in ("libfoo.so", "libfoo.so.1"))


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_stock_installers_refuse_the_links_wheel(wheels, make_venv, installer: str) -> None:
    """Over an installed copy wheel: pip refuses and keeps it; uv uninstalls it first, then
    refuses (what docs/user-guide.md warns about; if uv changes, this test says so)."""
    venv = make_venv()
    install = venv.pip if installer == "pip" else venv.uv_pip
    install("install", wheels["copy"])
    proc = install("install", "--reinstall" if installer == "uv" else "--force-reinstall", wheels["links"], check=False)
    assert proc.returncode != 0
    # pip: "Wheel-Version (2.0) is not compatible"; uv: "major version (expected 1, got 2)"
    assert re.search(r"Wheel-Version \(2\.0\)|expected 1,\s+got 2", proc.stdout + proc.stderr)
    still_there = venv.run("-c", CHECK, check=False).returncode == 0
    assert still_there == (installer == "pip")


@pytest.mark.parametrize("mode", ["links", "compat"])
@pytest.mark.parametrize("uninstaller", ["pip", "uv", "symback"])
def test_symback_install_makes_relative_links(wheels, make_venv, mode: str, uninstaller: str) -> None:
    venv = make_venv()
    venv.pip("install", "installer", "packaging", "pathspec")
    _symback(venv, "install", wheels[mode])
    libdir = venv.site_packages / LIB
    assert os.readlink(libdir / "libfoo.so") == "libfoo.so.1"
    assert os.readlink(libdir / "libfoo.so.1") == "libfoo.so.1.2.3"
    assert not (libdir / "libfoo.so.1.2.3").is_symlink()
    assert "loaded 1.2.3" in venv.run("-c", CHECK).stdout

    (record,) = venv.site_packages.glob("versioned_libs-*.dist-info/RECORD")
    rows = record.read_text().splitlines()
    assert f"{LIB}/libfoo.so,," in rows and f"{LIB}/libfoo.so.1,," in rows

    # A file the package does not own, beside the links: an uninstaller that follows
    # links or sweeps directories would take it too.
    bystander = libdir / "bystander.txt"
    bystander.write_text("not ours")
    if uninstaller == "pip":
        venv.pip("uninstall", "-y", "versioned-libs")
    elif uninstaller == "uv":
        venv.uv_pip("uninstall", "versioned-libs")
    else:
        _symback(venv, "uninstall", "versioned-libs")
    assert not (libdir / "libfoo.so").is_symlink() and not (libdir / "libfoo.so.1").is_symlink()
    assert not (libdir / "libfoo.so.1.2.3").exists()
    assert bystander.read_text() == "not ours"
    assert not (venv.site_packages / "versioned_libs" / "__init__.py").exists()


def test_sdist_round_trip_keeps_links(project: Path, tmp_path: Path, wheels) -> None:
    out = tmp_path / "dist"
    run([sys.executable, "-m", "build", "--no-isolation", "-x", "--outdir", out, project], env=SRC_ENV)
    (sdist,) = out.glob("*.tar.gz")
    import tarfile

    with tarfile.open(sdist) as tar:
        members = {m.name.split("/", 1)[1]: m for m in tar.getmembers()}
    assert members[f"src/{LIB}/libfoo.so"].issym() and members[f"src/{LIB}/libfoo.so"].linkname == "libfoo.so.1"
    assert members[f"src/{LIB}/libfoo.so.1.2.3"].isfile()
    (wheel,) = out.glob("*.whl")  # python -m build makes the wheel from the sdist
    assert wheel.read_bytes() == wheels["links"].read_bytes()


def test_pip_config_settings_choose_the_form(project: Path, make_venv, symback_wheelhouse: Path) -> None:
    from conftest import wheelhouse_env

    venv = make_venv()
    # A plain `pip install .` builds a 2.0 wheel, which pip refuses...
    refused = venv.pip("install", project, env=wheelhouse_env(symback_wheelhouse), check=False)
    assert refused.returncode != 0
    # ...and `-C symlinks=copy` (or compat) is the way out with stock pip.
    venv.pip("install", "--config-settings", "symlinks=compat", project, env=wheelhouse_env(symback_wheelhouse))
    assert "loaded 1.2.3" in venv.run("-c", CHECK).stdout
    assert not (venv.site_packages / LIB / "libfoo.so").is_symlink()


def test_symback_install_builds_a_project_directory(project: Path, make_venv) -> None:
    venv = make_venv()
    venv.pip("install", "installer", "packaging", "pathspec")
    proc = _symback(venv, "install", project)
    assert "Installed versioned-libs 1.2.3 (2 links)" in proc.stdout, proc.stdout
    assert os.readlink(venv.site_packages / LIB / "libfoo.so") == "libfoo.so.1"
    assert "loaded 1.2.3" in venv.run("-c", CHECK).stdout


@pytest.mark.parametrize("how", ["pip-links", "uv-links", "pip-strict", "pip-pth", "symback"])
def test_editable_install_loads_the_library(how: str, project: Path, tmp_path: Path, make_venv,
                                            symback_wheelhouse: Path) -> None:
    """An editable install of the compiled library: ctypes loads it by SONAME and by linker
    name through every mechanism, and uninstalling leaves the sources as they were."""
    from conftest import snapshot_tree, wheelhouse_env

    copy = tmp_path / "versioned-libs"
    shutil.copytree(project, copy, symlinks=True, ignore=shutil.ignore_patterns("build", "dist"))
    installer, _, mode = how.partition("-")
    if mode == "strict":
        with open(copy / "pyproject.toml", "a") as f:
            f.write("\n[tool.symback.editable]\nstrict = true\n")
    venv = make_venv()
    env = wheelhouse_env(symback_wheelhouse)
    config = ["-C", "editable-mode=pth"] if mode == "pth" else []
    if installer == "pip":
        venv.pip("install", "--quiet", *config, "-e", copy, env=env)
    elif installer == "uv":
        venv.uv_pip("install", "--quiet", "--no-cache", "-e", copy, env=env)
    else:  # this interpreter's symback (and installer), into the venv
        run([sys.executable, "-m", "symback", "install", "-e", "--python", venv.python, copy], env=SRC_ENV)
    before = snapshot_tree(copy, skip_dirs=("__pycache__",), skip_top=("build",))
    assert "loaded 1.2.3" in venv.run("-c", CHECK).stdout
    if mode == "strict":  # one link per file; the aliases are the sources' own relative links
        (tree,) = (copy / "build").glob("__editable__.*")
        lib = tree / LIB
        assert (lib / "libfoo.so.1.2.3").is_symlink()
        assert os.readlink(lib / "libfoo.so.1") == "libfoo.so.1.2.3"
        assert os.readlink(lib / "libfoo.so") == "libfoo.so.1"
    if installer == "symback":
        assert (venv.site_packages / "versioned_libs").is_symlink()
        run([sys.executable, "-m", "symback", "uninstall", "--python", venv.python, "versioned-libs"], env=SRC_ENV)
    else:
        venv.pip("uninstall", "--yes", "versioned-libs")
    assert snapshot_tree(copy, skip_dirs=("__pycache__",), skip_top=("build",)) == before
    assert venv.run("-c", "import versioned_libs", check=False).returncode != 0
