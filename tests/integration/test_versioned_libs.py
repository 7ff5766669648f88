"""Issues 3 and 10 end to end: a real C library with its soname aliases, through every wheel form.

The example compiles itself (``[tool.symback.build] command = ["make", "install"]``):
libgreet.so.1.2.3 (SONAME libgreet.so.1) and an extension module linked to it, built by
the machine's ``cc`` in every build of a wheel.
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
    pytest.mark.skipif(
        sys.platform != "linux" or shutil.which("cc") is None or shutil.which("make") is None,
        reason="needs Linux, cc and make",
    ),
]

LIB = "versioned_libs/lib"
CHECK = (
    "import versioned_libs as v; "
    "assert v.answer() == 42, v.answer(); "
    "assert v.load_by_linker_name().greet_answer() == 42; "
    "assert v.hello('wheel') == 'Hello, wheel!', v.hello('wheel'); "
    "print('loaded', v.version())"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import EXAMPLES

    root = tmp_path_factory.mktemp("vl") / "versioned-libs"
    shutil.copytree(EXAMPLES / "versioned-libs", root, symlinks=True)
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
    with zipfile.ZipFile(wheels["copy"]) as zf:
        stored = zf.getinfo(f"{LIB}/libgreet.so.1.2.3").compress_size
    # The copy wheel holds two more copies of the library (plus their headers and RECORD rows).
    assert 0 <= (copy - links) - 2 * stored <= 1024, (links, copy, stored)
    assert "Wheel-Version: 2.0" in _wheel_meta(wheels["links"], "WHEEL")
    assert _wheel_meta(wheels["links"], "LINKS").splitlines() == [
        f"{LIB}/libgreet.so,{LIB}/libgreet.so.1",
        f"{LIB}/libgreet.so.1.2.3,{LIB}/libgreet.so.1",  # the bytes are stored under the SONAME
    ]
    for mode in ("compat", "copy"):
        assert "Wheel-Version: 1.0" in _wheel_meta(wheels[mode], "WHEEL")
    assert "LINKS" not in str(zipfile.ZipFile(wheels["copy"]).namelist())
    assert _wheel_meta(wheels["compat"], "LINKS") == _wheel_meta(wheels["links"], "LINKS")


def test_wheel_is_tagged_for_the_interpreter(wheels: dict[str, Path]) -> None:
    """An extension module of this interpreter ships: cpXY-cpXY-<platform>, never manylinux,
    Root-Is-Purelib false; and packaging accepts the tag here."""
    import sysconfig

    from packaging.tags import parse_tag, sys_tags

    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    cp = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    for wheel in wheels.values():
        tag = wheel.name[: -len(".whl")].split("-", 2)[2]
        assert tag == f"{cp}-{cp}-{platform}", wheel.name
        assert parse_tag(tag) & set(sys_tags())
        assert "Root-Is-Purelib: false" in _wheel_meta(wheel, "WHEEL")


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
    assert not any((libdir / n).is_symlink() for n in ("libgreet.so", "libgreet.so.1"))


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
    assert os.readlink(libdir / "libgreet.so") == "libgreet.so.1"
    assert os.readlink(libdir / "libgreet.so.1.2.3") == "libgreet.so.1"
    assert not (libdir / "libgreet.so.1").is_symlink()
    assert "loaded 1.2.3" in venv.run("-c", CHECK).stdout

    (record,) = venv.site_packages.glob("versioned_libs-*.dist-info/RECORD")
    rows = record.read_text().splitlines()
    assert f"{LIB}/libgreet.so,," in rows and f"{LIB}/libgreet.so.1.2.3,," in rows

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
    assert not (libdir / "libgreet.so").is_symlink() and not (libdir / "libgreet.so.1.2.3").is_symlink()
    assert not (libdir / "libgreet.so.1").exists()
    assert bystander.read_text() == "not ours"
    assert not (venv.site_packages / "versioned_libs" / "__init__.py").exists()


def test_sdist_carries_sources_and_compiles_again(project: Path, tmp_path: Path, wheels) -> None:
    """The sdist holds the sources and the Makefile, never build outputs; the wheel
    python -m build makes from it compiles again and equals the one built in the tree."""
    out = tmp_path / "dist"
    run([sys.executable, "-m", "build", "--no-isolation", "-x", "--outdir", out, project], env=SRC_ENV)
    (sdist,) = out.glob("*.tar.gz")
    import tarfile

    with tarfile.open(sdist) as tar:
        names = sorted(m.name.split("/", 1)[1] for m in tar.getmembers())
    assert "Makefile" in names and "csrc/greet.c" in names and "csrc/_greet.c" in names
    assert not [n for n in names if n.startswith("build/") or ".so" in n], names
    (wheel,) = out.glob("*.whl")  # python -m build makes the wheel from the sdist
    with zipfile.ZipFile(wheel) as built, zipfile.ZipFile(wheels["links"]) as direct:
        assert built.namelist() == direct.namelist()
        assert built.read(f"{LIB}/libgreet.so.1") == direct.read(f"{LIB}/libgreet.so.1")


def test_pip_config_settings_choose_the_form(project: Path, make_venv, symback_wheelhouse: Path) -> None:
    from conftest import wheelhouse_env

    venv = make_venv()
    # A plain `pip install .` builds the compat form (pip runs the build, no form is set)...
    proc = venv.pip("install", "-v", project, env=wheelhouse_env(symback_wheelhouse))
    assert "because pip runs this build" in proc.stdout + proc.stderr
    assert "loaded 1.2.3" in venv.run("-c", CHECK).stdout
    assert not (venv.site_packages / LIB / "libgreet.so").is_symlink()
    # ...and `-C symlinks=links` asks for the 2.0 wheel, which pip refuses.
    refused = venv.pip("install", "--force-reinstall", "-C", "symlinks=links", project,
                       env=wheelhouse_env(symback_wheelhouse), check=False)
    assert refused.returncode != 0


def test_symback_install_builds_a_project_directory(project: Path, make_venv) -> None:
    venv = make_venv()
    venv.pip("install", "installer", "packaging", "pathspec")
    proc = _symback(venv, "install", project)
    assert "Installed versioned-libs 1.2.3 (2 links)" in proc.stdout, proc.stdout
    assert os.readlink(venv.site_packages / LIB / "libgreet.so") == "libgreet.so.1"
    assert "loaded 1.2.3" in venv.run("-c", CHECK).stdout


def test_repaired_copy_wheel_converted_to_lean_installs_with_pip(wheels, tmp_path: Path, make_venv) -> None:
    """The release pipeline on the make example (issue 11): auditwheel repairs the copy
    wheel; `symback convert --symlinks lean` stores the library once, under its SONAME;
    pip installs that and the extension loads the library."""
    path_env = {"PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
    run([sys.executable, "-m", "auditwheel", "repair", "-w", tmp_path / "repaired", wheels["copy"]], env=path_env)
    (repaired,) = (tmp_path / "repaired").glob("*.whl")
    lean = run([sys.executable, "-m", "symback", "convert", "--symlinks", "lean", "-o", tmp_path / "lean", repaired],
               env=SRC_ENV).stdout.strip()
    with zipfile.ZipFile(lean) as zf:
        assert sorted(n for n in zf.namelist() if "/libgreet" in n) == [f"{LIB}/libgreet.so.1"]
    assert Path(lean).stat().st_size < repaired.stat().st_size
    venv = make_venv()
    venv.pip("install", lean)
    assert venv.run("-c", "import versioned_libs as v; assert v.answer() == 42; print('ok')").stdout.strip() == "ok"
