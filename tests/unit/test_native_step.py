"""The native build step ([tool.symback.build]) in-process, with a Python script standing in
for a compiler: environment, staging, what ships where, tags, failures. (Real compilers:
tests/integration/test_native.py.)"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest
from projects import make_project

from symback.config import ToolConfig, load_project
from symback.errors import BuildError, ConfigError
from symback.sdist import build_sdist
from symback.tags import platform_tag
from symback.wheel import build_wheel

ELF = b"\x7fELF\x02\x01\x01" + bytes(57)

# Stages an "executable" into every scheme, a library with an alias link into the package,
# and writes an in-tree artifact that .gitignore hides; records its environment.
STEP = r"""
import json, os, sys
from pathlib import Path
e = os.environ
elf = b"\x7fELF\x02\x01\x01" + bytes(57)
pkg = Path(e["SYMBACK_PLATLIB_DIR"], "demo", "lib")
pkg.mkdir(parents=True)
(pkg / "libdemo.so.1").write_bytes(elf)
os.symlink("libdemo.so.1", pkg / "libdemo.so")
Path(e["SYMBACK_SCRIPTS_DIR"], "demo-tool").write_bytes(elf)
os.chmod(Path(e["SYMBACK_SCRIPTS_DIR"], "demo-tool"), 0o755)
Path(e["SYMBACK_HEADERS_DIR"], "demo.h").write_text("int demo(void);\n")
Path(e["SYMBACK_DATA_DIR"], "share", "pkgconfig").mkdir(parents=True)
Path(e["SYMBACK_DATA_DIR"], "share", "pkgconfig", "demo.pc").write_text("Name: demo\n")
Path("src/demo/generated.dat").write_text("in-tree output\n")
Path(e["SYMBACK_BUILD_DIR"], "env.json").write_text(json.dumps({k: v for k, v in e.items() if k.startswith("SYMBACK_")}))
print("step ran", sys.argv[1:])
"""


def _project(tmp_path: Path, command: str) -> Path:
    root = make_project(
        tmp_path / "proj",
        {"src/demo/__init__.py": "", "step.py": STEP, ".gitignore": "*.dat\n"},
        extra=f"""
            [tool.symback.build]
            command = {command}
            artifacts = ["src/demo/*.dat"]
        """,
    )
    return root


def _python_command(*args: str) -> str:
    return "[" + ", ".join(repr(a).replace("'", '"') for a in (sys.executable, *args)) + "]"


def test_command_stages_every_scheme(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, _python_command("step.py", "a b"))
    project = load_project(root)
    name = build_wheel(project, tmp_path / "dist")
    out = capsys.readouterr().out
    assert f"+ {sys.executable} step.py 'a b'" in out and "step ran ['a b']" in out  # live, argv not shell
    assert name == f"demo-1.0-py3-none-{platform_tag()}.whl"
    with zipfile.ZipFile(tmp_path / "dist" / name) as zf:
        names = set(zf.namelist())
        assert {
            "demo/__init__.py",
            "demo/generated.dat",
            "demo/lib/libdemo.so.1",
            "demo-1.0.data/scripts/demo-tool",
            "demo-1.0.data/headers/demo.h",
            "demo-1.0.data/data/share/pkgconfig/demo.pc",
        } <= names
        assert "demo/lib/libdemo.so" not in names  # a link (LINKS), not a copy
        assert zf.read("demo-1.0.dist-info/LINKS") == b"demo/lib/libdemo.so,demo/lib/libdemo.so.1\n"
        assert "Root-Is-Purelib: false" in zf.read("demo-1.0.dist-info/WHEEL").decode()
        assert zf.getinfo("demo-1.0.data/scripts/demo-tool").external_attr >> 16 & 0o111

    import json

    (env_file,) = (root / "build").glob("symback-*/env.json")
    env = json.loads(env_file.read_text())
    assert env["SYMBACK_MODE"] == "wheel" and env["SYMBACK_PYTHON"] == sys.executable
    assert env["SYMBACK_PROJECT_NAME"] == "demo" and env["SYMBACK_PROJECT_VERSION"] == "1.0"
    assert env["SYMBACK_PLATFORM_TAG"] == platform_tag()
    assert env["SYMBACK_BUILD_DIR"] == str(env_file.parent)
    for key in ("SYMBACK_PYTHON_INCLUDE", "SYMBACK_EXT_SUFFIX", "SYMBACK_SOABI", "SYMBACK_PLATLIB_DIR",
                "SYMBACK_SCRIPTS_DIR", "SYMBACK_HEADERS_DIR", "SYMBACK_DATA_DIR"):
        assert env[key], key


def test_sdist_never_runs_the_step_nor_ships_outputs(tmp_path: Path) -> None:
    root = _project(tmp_path, _python_command("step.py"))
    project = load_project(root)
    build_wheel(project, tmp_path / "dist")  # leaves build/ and the in-tree artifact behind
    (root / ".gitignore").write_text("")  # even where .gitignore no longer hides it
    import tarfile

    sdist = build_sdist(load_project(root), tmp_path / "sdist")
    with tarfile.open(tmp_path / "sdist" / sdist) as tar:
        names = {m.name.split("/", 1)[1] for m in tar.getmembers()}
    assert "step.py" in names and "src/demo/__init__.py" in names
    assert not any(n.endswith(".dat") or n.startswith("build/") for n in names), names


def test_stale_outputs_do_not_ship(tmp_path: Path) -> None:
    root = _project(tmp_path, _python_command("step.py"))
    build_wheel(load_project(root), tmp_path / "d1")
    # The next build stages nothing: nothing from the previous staging may ship.
    (root / "step.py").write_text("")
    name = build_wheel(load_project(root), tmp_path / "d2")
    assert name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(tmp_path / "d2" / name) as zf:
        assert not any(".data/" in n or "/lib/" in n for n in zf.namelist())


def test_failing_command_names_phase_command_status_and_tail(tmp_path: Path, capsys) -> None:
    script = "import sys\nfor i in range(30): print('line', i)\nsys.exit(3)\n"
    root = make_project(
        tmp_path / "p",
        {"src/demo/__init__.py": "", "fail.py": script},
        extra=f"""
            [tool.symback.build]
            command = [{_python_command("-c", "pass")}, {_python_command("fail.py")}]
        """,
    )
    with pytest.raises(BuildError) as info:
        build_wheel(load_project(root), tmp_path / "dist")
    message = str(info.value)
    assert message.startswith("pyproject.toml: [tool.symback.build] command: ")
    assert f"`{sys.executable} fail.py` failed with exit status 3" in message
    assert "line 10" in message and "line 29" in message and "line 9\n" not in message  # the last 20 lines
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


def test_missing_program(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p", {"src/demo/__init__.py": ""},
        extra='[tool.symback.build]\ncommand = ["no-such-program-symback", "x"]\n',
    )
    with pytest.raises(BuildError, match="'no-such-program-symback' not found.*requires"):
        build_wheel(load_project(root), tmp_path / "dist")


@pytest.mark.parametrize(
    "table, message",
    [
        ({"command": ["make"], "cmake": {}}, "both command and cmake are set"),
        ({"command": "make"}, "command: expected a list of non-empty strings"),
        ({"command": []}, "command: an empty command"),
        ({"cmake": {"source": "."}}, "cmake: unknown key 'source'. Did you mean 'source-dir'?"),
        ({"cmake": {"build-type": 1}}, "cmake build-type: expected a non-empty string"),
        ({"requires": "cmake"}, "requires: expected a list"),
        ({"comand": ["make"]}, "unknown key 'comand'. Did you mean 'command'?"),
    ],
)
def test_build_table_errors(table: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("?", r"\?")):
        ToolConfig.from_table({"build": table})


def test_build_table_forms() -> None:
    one = ToolConfig.from_table({"build": {"command": ["make", "lib"]}}).build
    assert one.commands == (("make", "lib"),) and one.enabled
    two = ToolConfig.from_table({"build": {"command": [["make"], ["make", "install"]]}}).build
    assert two.commands == (("make",), ("make", "install"))
    cmake = ToolConfig.from_table({"build": {"cmake": {"args": ["-DX=1"]}}}).build.cmake
    assert cmake is not None and (cmake.source_dir, cmake.build_type, cmake.args) == (".", "Release", ("-DX=1",))
    assert not ToolConfig.from_table({}).build.enabled


def test_wheel_tag_override(tmp_path: Path) -> None:
    root = make_project(
        tmp_path / "p", {"src/demo/__init__.py": ""},
        extra='[tool.symback.wheel]\ntag = "py3-none-linux_x86_64"\n',
    )
    name = build_wheel(load_project(root), tmp_path / "dist")
    assert name == "demo-1.0-py3-none-linux_x86_64.whl"
    with zipfile.ZipFile(tmp_path / "dist" / name) as zf:
        assert "Root-Is-Purelib: false" in zf.read("demo-1.0.dist-info/WHEEL").decode()
    for bad in ("linux_x86_64", "py3-none", "py3--any", "py3-none-any-x"):
        with pytest.raises(ConfigError, match="wheel\\] tag"):
            ToolConfig.from_table({"wheel": {"tag": bad}})


def test_requires_adds_cmake_only_when_needed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from symback.native import build_requires

    root = make_project(
        tmp_path / "p", {"src/demo/__init__.py": "", "CMakeLists.txt": "cmake_minimum_required(VERSION 3.26...3.30)\n"},
        extra='[tool.symback.build]\ncmake = {}\nrequires = ["pybind11"]\n',
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "cmake"
    fake.write_text("#!/bin/sh\necho 'cmake version 3.25.1'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("CMAKE_EXECUTABLE", raising=False)
    monkeypatch.delenv("CMAKE_GENERATOR", raising=False)
    project = load_project(root)
    assert build_requires(project) == ["pybind11", "cmake>=3.26", "ninja"]  # too old; no ninja
    fake.write_text("#!/bin/sh\necho 'cmake version 3.31.0'\n")
    (bin_dir / "ninja").write_text("")
    (bin_dir / "ninja").chmod(0o755)
    assert build_requires(project) == ["pybind11"]
    fake.unlink()
    assert build_requires(project) == ["pybind11", "cmake>=3.26"]  # missing
    monkeypatch.setenv("CMAKE_EXECUTABLE", "/opt/my/cmake")  # honoured as given
    assert build_requires(project) == ["pybind11"]


# -- editable installs of compiled projects ----------------------------------------------

EDITABLE_STEP = r"""
import os
from pathlib import Path
e = os.environ
lib = Path(e["SYMBACK_PLATLIB_DIR"], "demo", "lib")
lib.mkdir(parents=True)
(lib / "libdemo.so.1.0").write_text(Path("version.txt").read_text())
os.symlink("libdemo.so.1.0", lib / "libdemo.so.1")
Path(e["SYMBACK_PLATLIB_DIR"], "demo", "_ext.so").write_text("ext")
Path(e["SYMBACK_PLATLIB_DIR"], "toplevel_out.py").write_text("X = 1\n")
Path(e["SYMBACK_SCRIPTS_DIR"], "demo-tool").write_text("#!/bin/sh\necho tool\n")
"""


def _editable_project(tmp_path: Path, extra: str = "") -> Path:
    return make_project(
        tmp_path / "proj",
        {"src/demo/__init__.py": "", "src/demo/sub/__init__.py": "", "step.py": EDITABLE_STEP, "version.txt": "v1"},
        extra=f"""
            [tool.symback.build]
            command = {_python_command("step.py")}
        """ + extra,
    )


def test_editable_tree_shows_outputs_in_the_package(tmp_path: Path) -> None:
    from conftest import snapshot_tree

    from symback.editable import build_editable

    root = _editable_project(tmp_path)
    before = snapshot_tree(root, skip_dirs=("__pycache__",), skip_top=("build",))
    name = build_editable(load_project(root), tmp_path / "dist")
    (tree,) = (root / "build").glob("__editable__.*")
    pkg = tree / "demo"
    assert pkg.is_dir() and not pkg.is_symlink()  # a real directory, merging both sides
    assert os.path.realpath(pkg / "__init__.py") == str((root / "src/demo/__init__.py").resolve())
    assert (pkg / "sub").is_symlink()  # only in the sources: one link, new files show
    (stage,) = (root / "build").glob("symback-stage.*")
    assert os.path.realpath(pkg / "lib") == str((stage / "editable/platlib/demo/lib").resolve())
    assert (pkg / "lib" / "libdemo.so.1").read_text() == "v1"  # the alias chain resolves
    assert (tree / "toplevel_out.py").is_symlink()
    with zipfile.ZipFile(tmp_path / "dist" / name) as zf:
        names = zf.namelist()
        links = zf.read("demo-1.0.dist-info/LINKS").decode()
    assert "demo-1.0.data/scripts/demo-tool" in names
    assert "demo/lib," in links and "demo/__init__.py," in links
    # nothing written into the sources
    assert snapshot_tree(root, skip_dirs=("__pycache__",), skip_top=("build",)) == before

    # A rebuild replaces the outputs in place: the tree shows the new library.
    from symback.native import rebuild_editable

    (root / "version.txt").write_text("v2")
    assert rebuild_editable(load_project(root)) == []
    assert (pkg / "lib" / "libdemo.so.1").read_text() == "v2"


def test_editable_strict_links_each_output(tmp_path: Path) -> None:
    from symback.editable import build_editable

    root = _editable_project(tmp_path, "\n[tool.symback.editable]\nstrict = true\n")
    build_editable(load_project(root), tmp_path / "dist")
    (tree,) = (root / "build").glob("__editable__.*")
    assert (tree / "demo/lib/libdemo.so.1.0").is_symlink() and (tree / "demo/lib/libdemo.so.1").read_text() == "v1"
    assert (tree / "demo/_ext.so").is_symlink() and (tree / "demo/__init__.py").is_symlink()


def test_rebuild_without_an_editable_build(tmp_path: Path) -> None:
    from symback.native import rebuild_editable

    root = _editable_project(tmp_path)
    with pytest.raises(BuildError, match="no editable build of this project for .*pip install -e"):
        rebuild_editable(load_project(root))
    no_step = make_project(tmp_path / "plain", {"src/demo/__init__.py": ""})
    with pytest.raises(BuildError, match="no native build step"):
        rebuild_editable(load_project(no_step))


def test_rebuild_says_when_the_tools_are_gone(tmp_path: Path) -> None:
    from symback.editable import build_editable
    from symback.native import rebuild_editable

    root = _editable_project(tmp_path)
    build_editable(load_project(root), tmp_path / "dist")
    with open(root / "pyproject.toml", "a") as f:
        f.write('requires = ["symback-no-such-tool>=1"]\n')
    with pytest.raises(BuildError, match=r"needs symback-no-such-tool>=1, not installed in this environment.*"
                                         r"isolated build environment, deleted since.*pip install"):
        rebuild_editable(load_project(root))


def test_rebuild_notes_outputs_that_need_a_reinstall(tmp_path: Path) -> None:
    from symback.editable import build_editable
    from symback.native import rebuild_editable

    root = _editable_project(tmp_path)
    build_editable(load_project(root), tmp_path / "dist")
    with open(root / "step.py", "a") as f:
        f.write('Path(e["SYMBACK_PLATLIB_DIR"], "demo", "new.so").write_text("new")\n')
    (note,) = rebuild_editable(load_project(root))
    assert "platlib/demo/new.so" in note and "reinstall" in note


# Stages an executable with an alias and a library with its linker name in .data schemes.
DATA_LINKS_STEP = r"""
import os
from pathlib import Path
e = os.environ
scripts = Path(e["SYMBACK_SCRIPTS_DIR"])
(scripts / "ninja").write_text("#!/bin/sh\necho ninja\n")
os.chmod(scripts / "ninja", 0o755)
os.symlink("ninja", scripts / "samu")
lib = Path(e["SYMBACK_DATA_DIR"], "lib")
lib.mkdir(parents=True)
(lib / "libfoo.so.1").write_text("library bytes")
os.symlink("libfoo.so.1", lib / "libfoo.so")
"""


@pytest.mark.parametrize("form", ["links", "lean", "compat", "copy"])
def test_links_staged_in_data_schemes_ship_as_links(tmp_path: Path, form: str) -> None:
    from symback.config import BuildSettings
    from symback.wheelfile import open_wheel

    root = make_project(
        tmp_path / "proj", {"src/demo/__init__.py": "", "step.py": DATA_LINKS_STEP},
        extra=f"""
            [tool.symback.build]
            command = {_python_command("step.py")}
        """,
    )
    name = build_wheel(load_project(root, BuildSettings(symlinks=form)), tmp_path / "dist")
    data = "demo-1.0.data"
    with open_wheel(tmp_path / "dist" / name) as contents:
        rows = {tuple(link) for link in contents.links}
        members = set(contents.members)
    if form == "copy":
        assert not rows
    else:
        assert rows == {(f"{data}/scripts/samu", f"{data}/scripts/ninja"),
                        (f"{data}/data/lib/libfoo.so", f"{data}/data/lib/libfoo.so.1")}
    copies = {f"{data}/scripts/samu", f"{data}/data/lib/libfoo.so"}
    assert (copies <= members) == (form != "links")


def test_a_data_link_out_of_its_staging_directory_fails(tmp_path: Path) -> None:
    step = DATA_LINKS_STEP + '\nos.symlink("../../scripts/ninja", lib / "ninja")\n'
    root = make_project(
        tmp_path / "proj", {"src/demo/__init__.py": "", "step.py": step},
        extra=f"""
            [tool.symback.build]
            command = {_python_command("step.py")}
        """,
    )
    with pytest.raises(BuildError, match="outside the data staging directory"):
        build_wheel(load_project(root), tmp_path / "dist")
