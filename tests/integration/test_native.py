"""Issue 10 end to end: compiled projects through real frontends and installers.

``python -m build`` (isolated, symback from the test wheelhouse) of the compiled examples;
``pip install`` and ``uv pip install`` of their sdists compile and install a package whose
extension module calls its library, resolved inside site-packages. Until the library
wheel forms land, installer-driven builds pass ``-C symlinks=compat``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, run, shared_build, wheelhouse_env

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        sys.platform != "linux" or shutil.which("cc") is None or shutil.which("make") is None,
        reason="needs Linux, cc and make",
    ),
]

PLATFORM = sysconfig.get_platform().replace("-", "_").replace(".", "_")
CP = f"cp{sys.version_info[0]}{sys.version_info[1]}"
VL_CHECK = (
    "import versioned_libs as v; "
    "assert v.hello('pip') == 'Hello, pip!'; assert v.answer() == 42; "
    "assert v.load_by_linker_name().greet_answer() == 42; "
    "print('ok', v.library_version(), v._greet.__file__)"
)


def _build(src: Path, out: Path, wheelhouse: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m build`` with isolation: symback comes from the wheelhouse."""
    return run([sys.executable, "-m", "build", *args, "--outdir", out, src], env=wheelhouse_env(wheelhouse))


def _example_dist(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path, example: str) -> Path:
    """``python -m build`` (isolated) of a copy of ``example_projects/<example>``, once per session."""
    def build(target: Path) -> None:
        src = target / example
        shutil.copytree(EXAMPLES / example, src, symlinks=True)
        _build(src, target / "dist", wheelhouse)

    return shared_build(tmp_path_factory, f"native-{example}", build) / "dist"


def _install_sdist(installer: str, dist: Path, make_venv, wheelhouse: Path):  # type: ignore[no-untyped-def]
    """A fresh venv with ``dist``'s sdist installed by pip or uv (compiled from source)."""
    (sdist,) = dist.glob("*.tar.gz")
    venv = make_venv()
    env = wheelhouse_env(wheelhouse)
    if installer == "pip":
        venv.pip("install", "-C", "symlinks=compat", sdist, env=env)
    else:
        venv.uv_pip("install", "--no-cache", "-C", "symlinks=compat", sdist, env=env)
    return venv


@pytest.fixture(scope="session")
def versioned_dist(tmp_path_factory: pytest.TempPathFactory, symback_wheelhouse: Path) -> Path:
    return _example_dist(tmp_path_factory, symback_wheelhouse, "versioned-libs")


def test_isolated_build_of_versioned_libs(versioned_dist: Path) -> None:
    from packaging.tags import parse_tag, sys_tags

    (wheel,) = versioned_dist.glob("*.whl")
    assert wheel.name == f"versioned_libs-1.2.3-{CP}-{CP}-{PLATFORM}.whl"
    assert parse_tag(wheel.name[:-4].split("-", 2)[2]) & set(sys_tags())
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        wheel_meta = zf.read("versioned_libs-1.2.3.dist-info/WHEEL").decode()
    assert "Root-Is-Purelib: false" in wheel_meta
    # The library's bytes once, under one of its names (which one is the wheel form's choice).
    assert len([n for n in names if n.startswith("versioned_libs/lib/libgreet.so")]) == 1
    assert [n for n in names if n.startswith("versioned_libs/_greet.")] == [
        f"versioned_libs/_greet{sysconfig.get_config_var('EXT_SUFFIX')}"
    ]


def _check_installed(venv) -> None:
    out = venv.run("-c", VL_CHECK).stdout
    assert out.startswith("ok 1.2.3 "), out
    ext = Path(out.split()[-1])
    site = venv.site_packages
    assert ext.parent == site / "versioned_libs"
    dynamic = run(["readelf", "-d", ext]).stdout
    assert "Shared library: [libgreet.so.1]" in dynamic
    assert "[$ORIGIN/lib]" in dynamic
    if shutil.which("ldd"):
        resolved = run(["ldd", ext]).stdout
        assert f"libgreet.so.1 => {site}/versioned_libs/lib/libgreet.so.1" in resolved, resolved


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_installers_compile_the_sdist(installer: str, versioned_dist: Path, make_venv, symback_wheelhouse: Path) -> None:
    _check_installed(_install_sdist(installer, versioned_dist, make_venv, symback_wheelhouse))


CL_CHECK = (
    "import cmake_libs as c; "
    "assert c.ring(3) == \"3 o'clock: dong dong dong\", c.ring(3); assert c.strikes(24) == 12; "
    "print('ok', c.library_version(), c._chime.__file__)"
)


@pytest.fixture(scope="session")
def cmake_dist(tmp_path_factory: pytest.TempPathFactory, symback_wheelhouse: Path) -> Path:
    return _example_dist(tmp_path_factory, symback_wheelhouse, "cmake-libs")


def test_isolated_build_of_cmake_libs(cmake_dist: Path) -> None:
    """CMake's install made the aliases: they are links (LINKS), the tool, header and
    pkg-config file ship in .data, the tag is this interpreter's."""
    (wheel,) = cmake_dist.glob("*.whl")
    assert wheel.name == f"cmake_libs-2.1.0-{CP}-{CP}-{PLATFORM}.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        links = zf.read("cmake_libs-2.1.0.dist-info/LINKS").decode().splitlines()
        wheel_meta = zf.read("cmake_libs-2.1.0.dist-info/WHEEL").decode()
        cli_mode = zf.getinfo("cmake_libs-2.1.0.data/scripts/chime-cli").external_attr >> 16
    assert "Root-Is-Purelib: false" in wheel_meta
    assert {
        "cmake_libs/__init__.py",
        f"cmake_libs/_chime{sysconfig.get_config_var('EXT_SUFFIX')}",
        "cmake_libs-2.1.0.data/scripts/chime-cli",
        "cmake_libs-2.1.0.data/headers/chime.h",
        "cmake_libs-2.1.0.data/data/lib/pkgconfig/chime.pc",
    } <= names
    assert cli_mode & 0o111
    stored = [n for n in names if n.startswith("cmake_libs/lib/")]
    assert len(stored) == 1  # the library's bytes once; its other names are links
    assert "cmake_libs-2.1.0.data/scripts/chime,cmake_libs-2.1.0.data/scripts/chime-cli" in links
    assert sorted(stored + [link.split(",")[0] for link in links if link.startswith("cmake_libs/")]) == [
        "cmake_libs/lib/libchime.so", "cmake_libs/lib/libchime.so.2", "cmake_libs/lib/libchime.so.2.1.0"
    ]
    (sdist,) = cmake_dist.glob("*.tar.gz")
    import tarfile

    with tarfile.open(sdist) as tar:
        members = [m.name.split("/", 1)[1] for m in tar.getmembers()]
    assert "CMakeLists.txt" in members and "csrc/chime.c" in members
    assert not [m for m in members if m.startswith("build/") or ".so" in m]


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_installers_compile_the_cmake_sdist(installer: str, cmake_dist: Path, make_venv, symback_wheelhouse: Path) -> None:
    venv = _install_sdist(installer, cmake_dist, make_venv, symback_wheelhouse)
    out = venv.run("-c", CL_CHECK).stdout
    assert out.startswith("ok 2.1.0 "), out
    ext = Path(out.split()[-1])
    site = venv.site_packages
    dynamic = run(["readelf", "-d", ext]).stdout
    assert "Shared library: [libchime.so.2]" in dynamic and "[$ORIGIN/lib]" in dynamic
    if shutil.which("ldd"):
        assert f"libchime.so.2 => {site}/cmake_libs/lib/libchime.so.2" in run(["ldd", ext]).stdout
    assert run([venv.bin / "chime-cli", "2"]).stdout == "2 o'clock: dong dong (libchime 2.1.0)\n"
    assert run([venv.bin / "chime", "1"]).stdout == "1 o'clock: dong (libchime 2.1.0)\n"  # the alias
    assert (venv.path / "lib" / "pkgconfig" / "chime.pc").read_text().startswith("prefix=${pcfiledir}/../..")
    (header,) = venv.path.glob("include/site/python*/cmake*libs/chime.h")
    assert "chime_ring" in header.read_text()


def test_failing_command_gives_one_message_and_no_wheel(tmp_path: Path, symback_wheelhouse: Path) -> None:
    src = tmp_path / "versioned-libs"
    shutil.copytree(EXAMPLES / "versioned-libs", src, symlinks=True)
    greet = src / "csrc" / "greet.c"
    greet.write_text(greet.read_text() + "\nthis is not C;\n")
    out = tmp_path / "dist"
    proc = run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", out, src],
        env=wheelhouse_env(symback_wheelhouse),
        check=False,
    )
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "+ make install" in text
    assert "pyproject.toml: [tool.symback.build] command: `make install` failed with exit status 2" in text
    assert "Its last" in text and "lines of output:" in text and "this is not C" in text
    assert not list(out.glob("*.whl")) if out.exists() else True


def test_editable_install_rebuild(tmp_path: Path, make_venv, symback_wheelhouse: Path) -> None:
    """pip install -e (isolated build), edit the C source, symback rebuild: a new interpreter
    sees the new library, without a reinstall; the sources gain nothing but what we edited."""
    from conftest import snapshot_tree

    src = tmp_path / "versioned-libs"
    shutil.copytree(EXAMPLES / "versioned-libs", src, symlinks=True)
    venv = make_venv()
    env = wheelhouse_env(symback_wheelhouse)
    venv.pip("install", "-e", src, env=env)
    before = snapshot_tree(src, skip_dirs=("__pycache__",), skip_top=("build",))
    assert venv.run("-c", "import versioned_libs as v; print(v.answer(), v.version(), v.hello('e'))").stdout.split() == [
        "42", "1.2.3", "Hello,", "e!"
    ]
    (tree,) = (src / "build").glob("__editable__.*")
    assert (tree / "versioned_libs").is_dir() and not (tree / "versioned_libs").is_symlink()
    assert (tree / "versioned_libs" / "lib" / "libgreet.so.1").exists()

    greet = src / "csrc" / "greet.c"
    greet.write_text(greet.read_text().replace("return 42;", "return 43;"))
    venv.pip("install", "symback", env=env)  # into the environment: `symback rebuild` runs there
    proc = venv.run("-m", "symback", "rebuild", cwd=src)
    assert "+ make install" in proc.stdout and "Rebuilt" in proc.stdout
    out = venv.run("-c", "import versioned_libs as v; print(v.answer(), v.load().greet_answer())").stdout
    assert out.split() == ["43", "43"]
    after = snapshot_tree(src, skip_dirs=("__pycache__",), skip_top=("build",))
    assert {k for k in after if after[k] != before.get(k)} | (set(before) - set(after)) == {"csrc/greet.c"}


@pytest.mark.parametrize("how", ["uv", "symback", "pip-strict"])
def test_editable_install_mechanisms(how: str, tmp_path: Path, make_venv, symback_wheelhouse: Path) -> None:
    """The compiled outputs show at their place in the package through uv's editable
    install, `symback install -e` (editable LINKS rows) and strict mode; uninstalling
    leaves the sources as they were."""
    from conftest import SRC_ENV, snapshot_tree

    src = tmp_path / "versioned-libs"
    shutil.copytree(EXAMPLES / "versioned-libs", src, symlinks=True)
    if how == "pip-strict":
        with open(src / "pyproject.toml", "a") as f:
            f.write("\n[tool.symback.editable]\nstrict = true\n")
    before = snapshot_tree(src, skip_dirs=("__pycache__",), skip_top=("build",))
    venv = make_venv()
    env = wheelhouse_env(symback_wheelhouse)
    if how == "uv":
        venv.uv_pip("install", "--quiet", "--no-cache", "-e", src, env=env)
    elif how == "pip-strict":
        venv.pip("install", "--quiet", "-e", src, env=env)
    else:
        run([sys.executable, "-m", "symback", "install", "-e", "--python", venv.python, src], env=SRC_ENV)
        assert (venv.site_packages / "versioned_libs" / "lib").is_symlink()
    check = "import versioned_libs as v; print(v.hello('e'), v.load_by_linker_name().greet_answer())"
    assert venv.run("-c", check).stdout.strip() == "Hello, e! 42"
    if how == "symback":
        run([sys.executable, "-m", "symback", "uninstall", "--python", venv.python, "versioned-libs"], env=SRC_ENV)
    else:
        venv.pip("uninstall", "--yes", "versioned-libs")
    assert venv.run("-c", "import versioned_libs", check=False).returncode != 0
    assert snapshot_tree(src, skip_dirs=("__pycache__",), skip_top=("build",)) == before


def test_cmake_libs_through_auditwheel(cmake_dist: Path, tmp_path: Path, make_venv) -> None:
    """The release pipeline on the CMake example (issue 11): auditwheel repairs the links
    wheel (the library's bytes are under its SONAME, the name the extension needs);
    `symback install` of the repaired wheel makes every alias, the tool's second name in
    bin/ included; `symback convert --symlinks lean` of it installs with pip and works."""
    import os

    from conftest import SRC_ENV

    (wheel,) = cmake_dist.glob("*.whl")
    path_env = {"PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}
    run([sys.executable, "-m", "auditwheel", "repair", "-w", tmp_path / "repaired", wheel], env=path_env)
    (repaired,) = (tmp_path / "repaired").glob("*.whl")
    venv = make_venv()
    venv.pip("install", "--quiet", "installer", "packaging", "pathspec")
    venv.run("-m", "symback", "install", repaired, env=SRC_ENV)
    lib = venv.site_packages / "cmake_libs" / "lib"
    assert not (lib / "libchime.so.2").is_symlink()
    assert os.readlink(lib / "libchime.so") == "libchime.so.2" and os.readlink(lib / "libchime.so.2.1.0") == "libchime.so.2"
    assert os.readlink(venv.path / "bin" / "chime") == "chime-cli"
    assert venv.run("-c", CL_CHECK).stdout.startswith("ok 2.1.0 ")
    lean = run([sys.executable, "-m", "symback", "convert", "--symlinks", "lean", "-o", tmp_path / "lean", repaired],
               env=SRC_ENV).stdout.strip()
    venv = make_venv()
    venv.pip("install", lean)
    assert venv.run("-c", CL_CHECK).stdout.startswith("ok 2.1.0 ")
    assert sorted(p.name for p in (venv.site_packages / "cmake_libs" / "lib").iterdir()) == ["libchime.so.2"]


@pytest.mark.parametrize("editable", [True, False])
def test_install_for_another_interpreter_refuses_a_native_step(
    editable: bool, tmp_path: Path, make_venv
) -> None:
    """`symback install [-e] --python OTHER project` with a native build step: the step
    compiles for the interpreter running symback, so it is refused before anything is built
    or installed, with the command that works."""
    from conftest import SRC_ENV, find_python, snapshot_tree

    other = find_python("3.12" if sys.version_info[:2] != (3, 12) else "3.11")
    src = tmp_path / "versioned-libs"
    shutil.copytree(EXAMPLES / "versioned-libs", src, symlinks=True)
    venv = make_venv(python=other, seed=False)
    site_before = snapshot_tree(venv.path)
    args = ["install", *(["-e"] if editable else []), "--python", venv.python, src]
    proc = run([sys.executable, "-m", "symback", *args], env=SRC_ENV, check=False)
    assert proc.returncode == 1, proc
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"symback: error: {src}: the project has a native build step ([tool.symback.build])"), line
    assert f"-m symback install {'-e ' if editable else ''}{src}" in line, line
    assert not (src / "build").exists()  # nothing was compiled
    assert snapshot_tree(venv.path) == site_before
