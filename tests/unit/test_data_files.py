"""[tool.symback.data]: project files for the wheel's .data/<scheme>/ directories, in process.

Built end to end (build, pip, uv) in tests/integration/test_real_shapes.py.
"""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest
from projects import make_project

from symback.config import load_project
from symback.errors import BuildError, ConfigError, SymbackError
from symback.files import select_wheel_files
from symback.wheel import build_wheel

JUPYTER = {
    "src/demo/__init__.py": "",
    "jupyter-data/share/jupyter/kernels/demo/kernel.json": "{}\n",
    "jupyter-data/etc/jupyter/jupyter_server_config.d/demo.json": "{}\n",
    "completions/demo.bash": "complete -W 'a b' demo\n",
    "bin/demo-tool": "#!/usr/bin/env python3\nprint('hi')\n",
    "bin/demo-sh": "#!/bin/sh\necho hi\n",
    "include/demo.h": "int demo(void);\n",
}
DATA = """
[tool.symback.data]
data = {"jupyter-data" = "", "completions/demo.bash" = "share/bash-completion/completions/demo"}
scripts = "bin"
headers = "include"
"""


def make(tmp_path: Path, files: dict = JUPYTER, extra: str = DATA) -> Path:
    root = make_project(tmp_path / "p", files, extra=extra)
    for script in ("bin/demo-tool", "bin/demo-sh"):
        if (root / script).exists():
            os.chmod(root / script, 0o755)
    return root


def test_files_land_under_their_scheme(tmp_path: Path) -> None:
    files = {f.arcname: f for f in select_wheel_files(load_project(make(tmp_path))).files}
    d = "demo-1.0.data"
    assert sorted(files) == sorted([
        "demo/__init__.py",
        f"{d}/data/etc/jupyter/jupyter_server_config.d/demo.json",
        f"{d}/data/share/bash-completion/completions/demo",
        f"{d}/data/share/jupyter/kernels/demo/kernel.json",
        f"{d}/headers/demo.h",
        f"{d}/scripts/demo-sh",
        f"{d}/scripts/demo-tool",
    ])
    assert files[f"{d}/scripts/demo-tool"].executable
    assert not files[f"{d}/headers/demo.h"].executable


def test_wheel_keeps_modes_and_marks_python_scripts_for_installers(tmp_path: Path) -> None:
    root = make(tmp_path)
    with zipfile.ZipFile(tmp_path / "out" / build_wheel(load_project(root), tmp_path / "out")) as zf:
        tool = zf.read("demo-1.0.data/scripts/demo-tool")
        assert tool == b"#!python\nprint('hi')\n"
        assert zf.read("demo-1.0.data/scripts/demo-sh") == b"#!/bin/sh\necho hi\n"
        mode = zf.getinfo("demo-1.0.data/scripts/demo-tool").external_attr >> 16
        assert mode & stat.S_IXUSR
        assert not (zf.getinfo("demo-1.0.data/headers/demo.h").external_attr >> 16) & stat.S_IXUSR
        record = zf.read("demo-1.0.dist-info/RECORD").decode()
        assert "demo-1.0.data/scripts/demo-tool,sha256=" in record


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"#!/usr/bin/python3.12 -u\n", b"#!python -u\n"),
        (b"#!python\n", b"#!python\n"),
        (b"#!/usr/bin/env pythonw\r\n", b"#!pythonw\r\n"),
        (b"#!/usr/bin/env node\n", b"#!/usr/bin/env node\n"),
    ],
)
def test_shebangs(tmp_path: Path, line: bytes, expected: bytes) -> None:
    root = make(tmp_path, {"src/demo/__init__.py": "", "bin/x": ""}, '[tool.symback.data]\nscripts = "bin"\n')
    (root / "bin/x").write_bytes(line + b"body\n")
    with zipfile.ZipFile(tmp_path / "out" / build_wheel(load_project(root), tmp_path / "out")) as zf:
        assert zf.read("demo-1.0.data/scripts/x") == expected + b"body\n"


def test_ignore_rules_apply(tmp_path: Path) -> None:
    files = dict(JUPYTER, **{"jupyter-data/.gitignore": "*.log\n", "jupyter-data/share/x.log": "",
                             "jupyter-data/share/__pycache__/a.pyc": ""})
    arcnames = [f.arcname for f in select_wheel_files(load_project(make(tmp_path, files))).files]
    assert not [a for a in arcnames if a.endswith((".log", ".pyc"))]


def test_symlink_in_a_data_directory_ships_as_a_link(tmp_path: Path) -> None:
    from symback.links import Link

    root = make(tmp_path)
    os.symlink("demo.json", root / "jupyter-data/etc/jupyter/jupyter_server_config.d/alias.json")
    os.symlink("demo-sh", root / "bin/demo-alias")
    links = select_wheel_files(load_project(root)).links
    conf = "demo-1.0.data/data/etc/jupyter/jupyter_server_config.d"
    assert set(links) == {Link(f"{conf}/alias.json", f"{conf}/demo.json"),
                          Link("demo-1.0.data/scripts/demo-alias", "demo-1.0.data/scripts/demo-sh")}


def test_symlink_from_one_scheme_into_another_is_an_error(tmp_path: Path) -> None:
    root = make(tmp_path)
    os.symlink("../include/demo.h", root / "bin/demo.h")
    with pytest.raises(SymbackError, match="may only point inside its own"):
        select_wheel_files(load_project(root))


def test_symlink_to_something_not_shipped(tmp_path: Path) -> None:
    root = make(tmp_path)
    os.symlink("../README", root / "bin/readme")
    (root / "README").write_text("x")
    with pytest.raises(BuildError, match=r"^bin/readme: symlink to 'README', which is not among the"):
        select_wheel_files(load_project(root))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[tool.symback.data]\npurelib = "x"\n', "'purelib' is not a scheme symback ships"),
        ('[tool.symback.data]\ndata = 3\n', "expected a directory (a string) or a table"),
        ('[tool.symback.data]\ndata = "../up"\n', "is not a relative path inside the project"),
        ('[tool.symback.data]\ndata = {"bin" = 1}\n', "the destination must be a string"),
    ],
)
def test_config_errors(tmp_path: Path, extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_project(make(tmp_path, {"src/demo/__init__.py": ""}, extra))
    assert str(info.value).startswith("pyproject.toml: [tool.symback.data]")
    assert message in str(info.value)


def test_missing_source_and_clashing_destinations(tmp_path: Path) -> None:
    root = make(tmp_path, JUPYTER, '[tool.symback.data]\ndata = "nope"\n')
    with pytest.raises(ConfigError, match=r"data\] data: 'nope' does not exist"):
        select_wheel_files(load_project(root))
    root = make(tmp_path / "2", JUPYTER, '[tool.symback.data]\ndata = {"completions" = "", "bin" = ""}\n'
                .replace('"bin" = ""', '"completions/demo.bash" = "demo.bash"'))
    with pytest.raises(ConfigError, match=r"both map to demo-1.0.data/data/demo.bash"):
        select_wheel_files(load_project(root))


def test_editable_wheel_carries_the_data_files(tmp_path: Path) -> None:
    from symback.editable import build_editable

    root = make(tmp_path)
    name = build_editable(load_project(root), tmp_path / "out")
    with zipfile.ZipFile(tmp_path / "out" / name) as zf:
        assert zf.read("demo-1.0.data/scripts/demo-tool") == b"#!python\nprint('hi')\n"
        assert "demo-1.0.data/data/share/jupyter/kernels/demo/kernel.json" in zf.namelist()
