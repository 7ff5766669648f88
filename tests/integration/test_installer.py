"""``symback install`` / ``uninstall`` in real venvs, and pip's and uv's uninstallers.

The checkout's symback runs as ``venv.python -m symback`` with ``PYTHONPATH=src``; the
venv gets symback's runtime dependencies (installer, packaging, pathspec).
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pytest

from conftest import SRC_ENV, Venv, find_python, run, snapshot_tree
from wheelmaker import SONAME_BYTES, SONAME_LINKS, compat_files, make_wheel, soname_wheel

pytestmark = pytest.mark.slow

EXTRAS = {
    "demo-1.0.dist-info/entry_points.txt": "[console_scripts]\ndemo-cli = pkg:main\n",
    "demo-1.0.data/scripts/demo-tool": "#!python\nprint('tool ran')\n",
    "demo-1.0.data/headers/demo.h": "#define DEMO 1\n",
    "demo-1.0.data/data/share/demo/readme.txt": "data file\n",
}


def tooled_venv(make_venv) -> Venv:
    venv = make_venv()
    venv.uv_pip("install", "--quiet", "installer", "packaging", "pathspec")
    return venv


def symback(venv: Venv, *args, check: bool = True):  # type: ignore[no-untyped-def]
    return run([venv.python, "-m", "symback", *args], env=SRC_ENV, check=check)


def tree(root: Path) -> dict[str, tuple]:
    return snapshot_tree(root, skip_dirs=("__pycache__",))


def record_rows(site: Path, dist_info: str) -> dict[str, tuple[str, str]]:
    with open(site / dist_info / "RECORD", newline="") as f:
        return {r[0]: (r[1], r[2]) for r in csv.reader(f)}


def demo_wheel(where: Path) -> Path:
    files = {
        "pkg/__init__.py": "VALUE = 42\ndef main():\n    print('cli ran')\n",
        "pkg/libfoo.so.1.2.3": SONAME_BYTES,
        "pkg/real/a.txt": "a\n",
        "pkg/real/sub/b.txt": "b\n",
        **EXTRAS,
    }
    return make_wheel(where, files, SONAME_LINKS, wheel_version="2.0",
                      executable=["demo-1.0.data/scripts/demo-tool"])


def editable_wheel(where: Path, source: Path) -> Path:
    """What symback's editable builder makes: build tag 0editable, absolute LINKS, a .pth."""
    links = [("edpkg", str(source / "src" / "edpkg"))]
    files = {"__editable__.edpkg-1.0.pth": f"{source / 'src'}\n"}
    return make_wheel(where, files, links, name="edpkg", build_tag="0editable")


def make_source(tmp_path: Path) -> Path:
    source = tmp_path / "project"
    (source / "src" / "edpkg" / "sub").mkdir(parents=True)
    (source / "src" / "edpkg" / "__init__.py").write_text("WHERE = 'source'\n")
    (source / "src" / "edpkg" / "sub" / "data.txt").write_text("precious\n")
    return source


@pytest.mark.parametrize("uninstaller", ["pip", "uv", "symback"])
def test_soname_chain_install_then_uninstall(tmp_path: Path, make_venv, uninstaller: str) -> None:
    venv = tooled_venv(make_venv)
    site = venv.site_packages
    before = tree(venv.path)
    source = make_source(tmp_path)
    proc = symback(venv, "install", "--allow-editable", demo_wheel(tmp_path / "w"),
                   editable_wheel(tmp_path / "w", source))
    assert "Installed demo 1.0 (3 links)" in proc.stdout

    # Real relative symlinks, one chain.
    assert os.readlink(site / "pkg" / "libfoo.so") == "libfoo.so.1"
    assert os.readlink(site / "pkg" / "libfoo.so.1") == "libfoo.so.1.2.3"
    assert os.readlink(site / "pkg" / "data") == "real"
    assert not (site / "pkg" / "libfoo.so.1.2.3").is_symlink()
    assert (site / "pkg" / "libfoo.so").read_bytes() == SONAME_BYTES
    assert (site / "pkg" / "data" / "sub" / "b.txt").read_text() == "b\n"
    rows = record_rows(site, "demo-1.0.dist-info")
    for link, _ in SONAME_LINKS:
        assert rows[link] == ("", "")
    assert not any(r.startswith("pkg/data/") for r in rows)  # never a path inside a link
    assert rows["demo-1.0.dist-info/RECORD"] == ("", "")
    assert rows["pkg/libfoo.so.1.2.3"][0].startswith("sha256=")
    assert (site / "demo-1.0.dist-info" / "INSTALLER").read_text() == "symback\n"
    # Console script, .data scripts (shebang fixed), headers and data.
    assert run([venv.bin / "demo-cli"]).stdout == "cli ran\n"
    assert run([venv.bin / "demo-tool"]).stdout == "tool ran\n"
    assert (venv.bin / "demo-tool").read_text().startswith(f"#!{venv.python}")
    assert (venv.path / "share" / "demo" / "readme.txt").read_text() == "data file\n"
    assert list(venv.path.glob("include/site/python*/demo/demo.h"))
    assert venv.run("-c", "import pkg; print(pkg.VALUE)").stdout == "42\n"

    # Editable: an absolute link into the source tree, recorded as path,,; no .pth.
    assert os.readlink(site / "edpkg") == str(source / "src" / "edpkg")
    assert not list(site.glob("*.pth")) or not list(site.glob("__editable__*"))
    assert record_rows(site, "edpkg-1.0.dist-info")["edpkg"] == ("", "")
    assert venv.run("-c", "import edpkg; print(edpkg.WHERE)").stdout == "source\n"

    source_before = tree(source)
    for name in ("demo", "edpkg"):
        if uninstaller == "pip":
            venv.pip("uninstall", "-y", name)
        elif uninstaller == "uv":
            venv.uv_pip("uninstall", name)
        else:
            symback(venv, "uninstall", name)
    # Only what was installed went; the link targets outside survive, byte for byte.
    assert tree(source) == source_before
    assert (source / "src" / "edpkg" / "sub" / "data.txt").read_text() == "precious\n"
    # (pip and uv leave emptied directories such as share/demo behind; compare the rest.)
    after = {k: v for k, v in tree(venv.path).items() if v[0] != "dir"}
    expected = {k: v for k, v in before.items() if v[0] != "dir"}
    assert after == expected, sorted(set(after) ^ set(expected))
    if uninstaller == "symback":
        assert not (site / "pkg").exists() and not (venv.path / "share" / "demo").exists()


def test_reinstall_replaces_previous_version(tmp_path: Path, make_venv) -> None:
    venv = tooled_venv(make_venv)
    site = venv.site_packages
    old = make_wheel(tmp_path / "a", {"pkg/__init__.py": "V = 1\n", "pkg/gone.py": "",
                                      "pkg/lib.so.1": "x"},
                     [("pkg/lib.so", "pkg/lib.so.1")], version="1.0", wheel_version="2.0")
    new = make_wheel(tmp_path / "b", {"pkg/__init__.py": "V = 2\n", "pkg/lib.so": "y"},
                     version="2.0")
    symback(venv, "install", old)
    symback(venv, "install", new)
    assert not (site / "pkg" / "gone.py").exists()
    assert not (site / "pkg" / "lib.so").is_symlink()
    assert (site / "pkg" / "lib.so").read_text() == "y"
    assert not (site / "demo-1.0.dist-info").exists()
    assert venv.run("-c", "import pkg; print(pkg.V)").stdout == "2\n"
    # pip sees exactly one demo, the new one.
    assert "Version: 2.0" in venv.pip("show", "demo").stdout


def test_python_prefix_target_and_compile(tmp_path: Path, make_venv) -> None:
    tools = tooled_venv(make_venv)
    other = make_venv(seed=False)
    wheel = soname_wheel(tmp_path / "w")
    symback(tools, "install", "--python", other.python, "--compile-bytecode", wheel)
    site = other.site_packages
    assert os.readlink(site / "pkg" / "libfoo.so") == "libfoo.so.1"
    assert not (tools.site_packages / "pkg").exists()
    rows = record_rows(site, "demo-1.0.dist-info")
    assert any("__pycache__/__init__." in r and h.startswith("sha256=") for r, (h, _) in rows.items())
    symback(tools, "uninstall", "--python", other.python, "demo")
    assert not (site / "pkg").exists()

    target = tmp_path / "target"
    symback(tools, "install", "--target", target, wheel)
    assert os.readlink(target / "pkg" / "libfoo.so.1") == "libfoo.so.1.2.3"
    out = run([sys.executable, "-c", "import pkg; print(pkg.VALUE)"], env={"PYTHONPATH": str(target)})
    assert out.stdout == "42\n"
    symback(tools, "uninstall", "--target", target, "demo")
    assert list(target.iterdir()) == []

    prefix = tmp_path / "prefix"
    symback(tools, "install", "--prefix", prefix, wheel)
    (lib,) = prefix.glob("lib/python*/site-packages/pkg/libfoo.so")
    assert os.readlink(lib) == "libfoo.so.1"

    # --python combines with --prefix (as in pip): that interpreter's scheme under the prefix
    py312 = find_python("3.12")
    prefix = tmp_path / "prefix312"
    symback(tools, "install", "--python", py312, "--prefix", prefix, wheel)
    assert os.readlink(prefix / "lib" / "python3.12" / "site-packages" / "pkg" / "libfoo.so") == "libfoo.so.1"
    out = run([py312, "-c", "import pkg; print(pkg.VALUE)"],
              env={"PYTHONPATH": str(prefix / "lib" / "python3.12" / "site-packages")})
    assert out.stdout == "42\n"
    symback(tools, "uninstall", "--python", py312, "--prefix", prefix, "demo")
    assert not (prefix / "lib" / "python3.12" / "site-packages" / "pkg").exists()
    proc = symback(tools, "install", "--prefix", prefix, "--target", target, wheel, check=False)
    assert proc.returncode != 0 and "not allowed with argument" in proc.stderr


def test_compat_wheel_becomes_links_and_copy_links(tmp_path: Path, make_venv) -> None:
    venv = tooled_venv(make_venv)
    site = venv.site_packages
    wheel = make_wheel(tmp_path / "w", compat_files(), SONAME_LINKS)
    symback(venv, "install", wheel)
    assert os.readlink(site / "pkg" / "libfoo.so") == "libfoo.so.1"
    assert os.readlink(site / "pkg" / "data") == "real"
    symback(venv, "uninstall", "demo")
    symback(venv, "install", "--copy-links", wheel)
    assert not (site / "pkg" / "data").is_symlink()
    assert (site / "pkg" / "data" / "sub" / "b.txt").read_text() == "b\n"
    rows = record_rows(site, "demo-1.0.dist-info")
    assert rows["pkg/libfoo.so"][0].startswith("sha256=")
    venv.pip("uninstall", "-y", "demo")
    assert not (site / "pkg").exists()


def test_wheel_tags_must_fit_the_target_interpreter(tmp_path: Path, make_venv, example) -> None:
    """As pip and uv do: a wheel for another interpreter is refused, before anything is written;
    with --python of that interpreter it installs. An editable install for another
    interpreter is tagged for it."""
    tools = tooled_venv(make_venv)
    py312 = make_venv(python=find_python("3.12"), seed=False)
    wheel = make_wheel(tmp_path / "w", {"pkg/__init__.py": "VALUE = 312\n"}, tag="cp312-cp312-linux_x86_64")
    before = tree(tools.path)
    proc = symback(tools, "install", wheel, check=False)
    assert proc.returncode == 1
    assert f"{wheel.name}: its tags (cp312-cp312-linux_x86_64) are not supported by {tools.python}" in proc.stderr
    assert tree(tools.path) == before
    symback(tools, "install", "--python", py312.python, wheel)
    assert run([py312.python, "-c", "import pkg; print(pkg.VALUE)"]).stdout == "312\n"

    project = example("srclayout")
    symback(tools, "install", "-e", "--python", py312.python, project)
    (dist_info,) = py312.site_packages.glob("acme_widgets-*.dist-info")
    assert "Tag: cp312-cp312-linux_x86_64" in (dist_info / "WHEEL").read_text()
    (tree_dir,) = (project / "build").glob("__editable__.*")
    assert tree_dir.name == "__editable__.acme_widgets-cp312-cp312-linux_x86_64"
    assert (py312.site_packages / "acme_widgets").is_symlink()
    code = "import acme_widgets, os, sys; print(sys.version_info[:2], os.path.realpath(acme_widgets.__file__))"
    out = run([py312.python, "-c", code])
    assert out.stdout == f"(3, 12) {project / 'src' / 'acme_widgets' / '__init__.py'}\n"
