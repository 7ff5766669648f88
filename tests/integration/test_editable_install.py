"""Editable installs end to end: real pip and uv, in real venvs, on the example projects.

Every test checks the promise of docs/editable.md from the outside: what a fresh
interpreter can import, what the .pth holds, that nothing runs at start-up, and that
uninstalling (or installing a regular wheel over the editable one) leaves every source
file byte-for-byte intact.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional, Tuple

import pytest

from conftest import REPO, SRC_ENV, needs_fat, run, snapshot_tree, wheelhouse_env

pytestmark = pytest.mark.slow

TAG_GLOB = "__editable__.*"


# ----------------------------------------------------------------------------- helpers


def snapshot(root: Path) -> dict[str, tuple]:
    """The project's files and links (not build/ or dist/, not caches)."""
    return snapshot_tree(root, skip_dirs=("__pycache__", ".mypy_cache"), skip_top=("build", "dist"))


def editable_env(wheelhouse: Path, **extra: str) -> dict[str, str]:
    return {**wheelhouse_env(wheelhouse), **extra}


def pip_install_e(venv, project: Path, wheelhouse: Path, *args: str, env=None, check=True):
    return venv.pip("install", "-v", *args, "-e", project, env=editable_env(wheelhouse, **(env or {})), check=check)


def uv_install_e(venv, project: Path, wheelhouse: Path, *args: str, env=None, check=True):
    return venv.uv_pip(
        "install", "-v", "--no-cache", *args, "-e", project, env=editable_env(wheelhouse, **(env or {})), check=check
    )


def install_editable(installer: str, venv, project: Path, wheelhouse: Path, mode: Optional[str] = None):
    """``pip install -e``, ``uv pip install -e`` or ``symback install -e`` (its default mode).

    ``mode`` is passed as ``-C editable-mode=...``; without it the frontend passes no
    config settings at all (pip: ``None``, uv: ``{}``), the case most users are in.
    """
    config = () if mode is None else (f"editable-mode={mode}",)
    if installer == "pip":
        return pip_install_e(venv, project, wheelhouse, *(a for c in config for a in ("--config-settings", c)))
    if installer == "uv":
        return uv_install_e(venv, project, wheelhouse, *(a for c in config for a in ("-C", c)))
    assert mode in (None, "links"), "symback install -e takes the project's own mode"
    return run([sys.executable, "-m", "symback", "install", "-e", "--python", venv.python, project], env=SRC_ENV)


def uninstall(installer: str, venv, dist: str) -> None:
    if installer == "pip":
        venv.pip("uninstall", "-y", dist)
    elif installer == "uv":
        venv.uv_pip("uninstall", dist)
    else:
        run([sys.executable, "-m", "symback", "uninstall", "--python", venv.python, dist], env=SRC_ENV)


def pth_files(venv) -> dict[str, str]:
    sp = venv.site_packages
    return {p.name: p.read_text() for p in sp.glob("*.pth") if p.name != "distutils-precedence.pth"}


def imports(venv, code: str) -> subprocess.CompletedProcess[str]:
    return venv.run("-c", code, check=False, cwd=venv.path)


def assert_imports(venv, module: str) -> str:
    proc = imports(venv, f"import {module}; print({module}.__file__)")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def assert_not_importable(venv, module: str) -> None:
    proc = imports(venv, f"import {module}")
    assert proc.returncode != 0 and "ModuleNotFoundError" in proc.stderr, (proc.stdout, proc.stderr)


def assert_no_startup_code(venv) -> None:
    """PEP 829: nothing from symback or editables runs when the interpreter starts."""
    proc = venv.run("-X", "importtime", "-c", "pass", cwd=venv.path)
    modules = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line]
    offenders = [m for m in modules if m.startswith(("symback", "editables", "_editable_impl", "__editable__"))]
    assert not offenders, offenders


def record_rows(venv, dist: str) -> list[str]:
    (dist_info,) = venv.site_packages.glob(f"{dist}-*.dist-info")
    return [line.split(",")[0] for line in (dist_info / "RECORD").read_text().splitlines()]


def assert_record_safe(venv, dist: str, packages: tuple[str, ...]) -> None:
    """RECORD never names a path inside a package (a linked directory)."""
    for row in record_rows(venv, dist):
        for package in packages:
            assert not row.startswith(package + "/"), row


def tree_of(project: Path) -> Path:
    (tree,) = (project / "build").glob(TAG_GLOB)
    return tree


def enable(project: Path, table: str) -> None:
    with open(project / "pyproject.toml", "a") as f:
        f.write("\n" + table + "\n")


# ----------------------------------------------------------------------------- links mode


def test_pip_links_src_layout_is_live_and_safe(example, make_venv, symback_wheelhouse):
    project = example("srclayout")
    venv = make_venv()
    proc = pip_install_e(venv, project, symback_wheelhouse)
    assert "editable install through symlinks" in proc.stdout + proc.stderr
    before = snapshot(project)

    tree = tree_of(project)
    assert tree.name.startswith("__editable__.acme_widgets-cp")
    assert (tree / ".gitignore").read_text().strip().endswith("*")
    assert (tree / "acme_widgets").is_symlink()
    assert os.readlink(tree / "acme_widgets") == "../../src/acme_widgets"
    assert os.path.realpath(tree / "acme_widgets") == str(project / "src" / "acme_widgets")
    # one plain path line naming the tree, nothing else on sys.path
    assert pth_files(venv) == {"__editable__.acme_widgets.pth": f"{tree}\n"}
    assert_record_safe(venv, "acme_widgets", ("acme_widgets",))
    assert_no_startup_code(venv)

    # importlib.resources reads the real data file
    out = venv.run("-c", "import acme_widgets; print(acme_widgets.color_names())", cwd=venv.path).stdout
    assert "acme-red" in out

    # an edit is live
    init = project / "src" / "acme_widgets" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "1.4.0"', '__version__ = "9.9.9"'))
    assert venv.run("-c", "import acme_widgets; print(acme_widgets.__version__)", cwd=venv.path).stdout.strip() == "9.9.9"
    # a new module and a new subpackage are live, without reinstalling
    (project / "src" / "acme_widgets" / "fresh.py").write_text("VALUE = 42\n")
    (project / "src" / "acme_widgets" / "newsub").mkdir()
    (project / "src" / "acme_widgets" / "newsub" / "__init__.py").write_text("X = 'sub'\n")
    out = venv.run("-c", "import acme_widgets.fresh as f, acme_widgets.newsub as s; print(f.VALUE, s.X)", cwd=venv.path)
    assert out.stdout.split() == ["42", "sub"]
    # nothing but the package: src/ itself is not on the path
    assert_not_importable(venv, "src")

    before = snapshot(project)
    venv.pip("uninstall", "-y", "acme-widgets")
    assert snapshot(project) == before
    assert_not_importable(venv, "acme_widgets")
    assert pth_files(venv) == {}


def test_uv_links_flat_layout_exposes_only_the_package(example, make_venv, symback_wheelhouse):
    project = example("flatlayout")
    venv = make_venv()
    uv_install_e(venv, project, symback_wheelhouse)
    before = snapshot(project)
    assert assert_imports(venv, "flatpkg").startswith(str(tree_of(project)))
    for name in ("tests", "conftest", "scripts", "build"):
        assert_not_importable(venv, name)
    assert_record_safe(venv, "flatpkg", ("flatpkg",))
    assert_no_startup_code(venv)
    (project / "flatpkg" / "later.py").write_text("def f():\n    return 'later'\n")
    assert venv.run("-c", "from flatpkg.later import f; print(f())", cwd=venv.path).stdout.strip() == "later"
    before = snapshot(project)
    venv.uv_pip("uninstall", "flatpkg")
    assert snapshot(project) == before
    assert_not_importable(venv, "flatpkg")


def test_pip_links_namespace_package(example, make_venv, symback_wheelhouse):
    project = example("namespace")
    venv = make_venv()
    pip_install_e(venv, project, symback_wheelhouse)
    tree = tree_of(project)
    assert (tree / "acme").is_dir() and not (tree / "acme").is_symlink()
    assert (tree / "acme" / "plugins").is_dir() and not (tree / "acme" / "plugins").is_symlink()
    assert (tree / "acme" / "plugins" / "hello").is_symlink()
    (dist_info,) = venv.site_packages.glob("acme_plugins_hello-*.dist-info")
    assert (dist_info / "LINKS").read_text() == f"acme/plugins/hello,{project / 'src/acme/plugins/hello'}\n"
    out = venv.run("-c", "import acme.plugins.hello as h; print(h.plugin())", cwd=venv.path).stdout
    assert "hello from acme.plugins.hello" in out
    assert venv.run("-c", "import importlib.resources as r; print(r.files('acme.plugins.hello').joinpath('greetings.txt').is_file())", cwd=venv.path).stdout.strip() == "True"
    # the console script works
    assert "hello from" in run([venv.bin / "acme-hello"]).stdout
    before = snapshot(project)
    venv.pip("uninstall", "-y", "acme.plugins.hello")
    assert snapshot(project) == before


def test_strict_mode_is_an_exact_wheel_view(example, make_venv, symback_wheelhouse):
    project = example("srclayout")
    enable(project, "[tool.symback.editable]\nstrict = true")
    (project / "src" / "acme_widgets" / "debug.log").write_text("ignored noise\n")
    venv = make_venv()
    pip_install_e(venv, project, symback_wheelhouse)
    tree = tree_of(project)
    pkg = tree / "acme_widgets"
    assert pkg.is_dir() and not pkg.is_symlink()
    assert (pkg / "__init__.py").is_symlink()
    assert (pkg / "data" / "colors.json").is_symlink()
    assert not (pkg / "debug.log").exists()  # gitignored: not in the wheel, not in the view
    assert "acme-red" in venv.run("-c", "import acme_widgets; print(acme_widgets.color_names())", cwd=venv.path).stdout
    # edits to existing files are live ...
    colors = project / "src" / "acme_widgets" / "colors.py"
    colors.write_text(colors.read_text() + "\nEDITED = True\n")
    assert venv.run("-c", "import acme_widgets.colors as c; print(c.EDITED)", cwd=venv.path).stdout.strip() == "True"
    # ... a new file is not, until the next install
    (project / "src" / "acme_widgets" / "fresh.py").write_text("VALUE = 1\n")
    assert_not_importable(venv, "acme_widgets.fresh")
    pip_install_e(venv, project, symback_wheelhouse)
    assert imports(venv, "import acme_widgets.fresh").returncode == 0
    before = snapshot(project)
    venv.uv_pip("uninstall", "acme-widgets")
    assert snapshot(project) == before


def test_relative_symlinks_in_the_sources_survive(example, make_venv, symback_wheelhouse):
    """A versioned-library style alias chain inside a package works through both tree kinds."""
    project = example("srclayout")
    pkg = project / "src" / "acme_widgets"
    (pkg / "impl_v2.py").write_text("WHO = 'v2'\n")
    os.symlink("impl_v2.py", pkg / "impl.py")
    venv = make_venv()
    pip_install_e(venv, project, symback_wheelhouse)
    assert venv.run("-c", "import acme_widgets.impl as i; print(i.WHO)", cwd=venv.path).stdout.strip() == "v2"
    enable(project, "[tool.symback.editable]\nstrict = true")
    pip_install_e(venv, project, symback_wheelhouse)
    link = tree_of(project) / "acme_widgets" / "impl.py"
    assert link.is_symlink() and os.readlink(link) == "impl_v2.py"
    assert venv.run("-c", "import acme_widgets.impl as i; print(i.WHO)", cwd=venv.path).stdout.strip() == "v2"
    before = snapshot(project)
    venv.pip("uninstall", "-y", "acme-widgets")
    assert snapshot(project) == before


# ----------------------------------------------------------------------------- fallbacks


def test_probe_failure_falls_back_to_a_plain_pth(example, make_venv, symback_wheelhouse):
    project = example("srclayout")
    venv = make_venv()
    proc = pip_install_e(venv, project, symback_wheelhouse, env={"SYMBACK_EDITABLE_PROBE": "fail"})
    output = proc.stdout + proc.stderr
    assert "symlinks unavailable" in output and f"everything in {project / 'src'} is importable" in output
    assert pth_files(venv) == {"__editable__.acme_widgets.pth": f"{project / 'src'}\n"}
    assert not list((project / "build").glob(TAG_GLOB)) if (project / "build").exists() else True
    assert assert_imports(venv, "acme_widgets") == str(project / "src" / "acme_widgets" / "__init__.py")
    (project / "src" / "acme_widgets" / "fresh.py").write_text("VALUE = 42\n")
    assert imports(venv, "import acme_widgets.fresh").returncode == 0
    assert_no_startup_code(venv)
    (dist_info,) = venv.site_packages.glob("acme_widgets-*.dist-info")
    assert not (dist_info / "LINKS").exists()
    assert "editables" not in (dist_info / "METADATA").read_text()
    before = snapshot(project)
    venv.uv_pip("uninstall", "acme-widgets")
    assert snapshot(project) == before


@pytest.mark.parametrize("tool", ["pip", "uv"])
def test_flat_layout_without_links_uses_the_editables_hook(tool, example, make_venv, symback_wheelhouse):
    project = example("flatlayout")
    venv = make_venv()
    proc = install_editable(tool, venv, project, symback_wheelhouse, "pth")
    output = proc.stdout + proc.stderr
    (dist_info,) = venv.site_packages.glob("flatpkg-*.dist-info")
    assert "Requires-Dist: editables>=0.5" in (dist_info / "METADATA").read_text()
    assert (venv.site_packages / "_editable_impl_flatpkg.py").is_file()
    if tool == "pip":
        # pip resolves from the built metadata and installs editables; uv trusts the static
        # [project] table and does not, and the bootstrap's own copy of the finder serves.
        assert imports(venv, "import editables").returncode == 0
    assert assert_imports(venv, "flatpkg") == str(project / "flatpkg" / "__init__.py")
    for name in ("tests", "conftest", "scripts"):
        assert_not_importable(venv, name)
    assert_record_safe(venv, "flatpkg", ("flatpkg",))
    before = snapshot(project)
    venv.pip("uninstall", "-y", "flatpkg")
    assert snapshot(project) == before
    if tool == "pip":
        assert "editables import hook" in output


def test_links_mode_fails_clearly_without_symlinks(example, make_venv, symback_wheelhouse):
    project = example("srclayout")
    venv = make_venv()
    proc = pip_install_e(
        venv, project, symback_wheelhouse, "--config-settings", "editable-mode=links",
        env={"SYMBACK_EDITABLE_PROBE": "fail"}, check=False,
    )
    assert proc.returncode != 0
    assert 'tool.symback.editable.mode: "links", but symlinks cannot be made' in proc.stdout + proc.stderr


@needs_fat
def test_fallback_on_a_real_fat_filesystem(fat_filesystem, make_venv, symback_wheelhouse):
    """A FAT filesystem (FUSE-mounted: the kernel here may lack vfat) refuses symlinks."""
    mnt = fat_filesystem
    project = mnt / "srclayout"
    # FAT has no modes or symlinks: copy contents only (copytree's copystat fails there)
    for src in sorted((REPO / "example_projects" / "srclayout").rglob("*")):
        rel = src.relative_to(REPO / "example_projects" / "srclayout")
        if "__pycache__" in rel.parts or rel.parts[0] in ("build", "dist"):
            continue
        if src.is_dir():
            (project / rel).mkdir(parents=True, exist_ok=True)
        else:
            (project / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, project / rel)
    venv = make_venv()
    proc = pip_install_e(venv, project, symback_wheelhouse)
    assert "symlinks unavailable" in proc.stdout + proc.stderr
    assert pth_files(venv) == {"__editable__.acme_widgets.pth": f"{project / 'src'}\n"}
    assert "acme-red" in venv.run("-c", "import acme_widgets; print(acme_widgets.color_names())", cwd=venv.path).stdout
    before = snapshot(project)
    venv.pip("uninstall", "-y", "acme-widgets")
    assert snapshot(project) == before


# ----------------------------------------------------------------------------- lifecycle


def test_reinstall_replaces_the_tree_and_leaves_other_tags(example, make_venv, symback_wheelhouse):
    project = example("srclayout")
    other = project / "build" / "__editable__.acme_widgets-cp399-cp399-linux_x86_64"
    other.mkdir(parents=True)
    (other / "marker").write_text("keep me\n")
    venv = make_venv()
    pip_install_e(venv, project, symback_wheelhouse)
    tree = tree_of_tag(project)
    first = tree.stat().st_ino
    (tree / "stray").write_text("from the old tree\n")
    pip_install_e(venv, project, symback_wheelhouse)
    assert tree.stat().st_ino != first and not (tree / "stray").exists()
    assert (other / "marker").read_text() == "keep me\n"
    # no temporary trees left beside it
    assert sorted(p.name for p in (project / "build").iterdir()) == sorted([other.name, tree.name])
    # switch to pth mode and back: the .pth follows
    pip_install_e(venv, project, symback_wheelhouse, "--config-settings", "editable-mode=pth")
    assert pth_files(venv) == {"__editable__.acme_widgets.pth": f"{project / 'src'}\n"}
    pip_install_e(venv, project, symback_wheelhouse)
    assert pth_files(venv) == {"__editable__.acme_widgets.pth": f"{tree}\n"}
    assert_imports(venv, "acme_widgets")


def tree_of_tag(project: Path) -> Path:
    trees = [p for p in (project / "build").glob(TAG_GLOB) if "cp399" not in p.name]
    (tree,) = trees
    return tree


@pytest.mark.parametrize("tool", ["pip", "uv"])
def test_regular_wheel_over_editable_never_writes_into_sources(tool, example, make_venv, symback_wheelhouse, tmp_path):
    project = example("srclayout")
    venv = make_venv()
    install_editable(tool, venv, project, symback_wheelhouse)
    dist = tmp_path / "dist"
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--skip-dependency-check", "--outdir", dist, project], env=SRC_ENV)
    (wheel,) = dist.glob("*.whl")
    before = snapshot(project)
    if tool == "pip":
        venv.pip("install", "--force-reinstall", "--no-deps", wheel)
    else:
        venv.uv_pip("install", "--reinstall", "--no-deps", "--no-cache", wheel)
    assert snapshot(project) == before
    path = assert_imports(venv, "acme_widgets")
    assert path.startswith(str(venv.site_packages)), path
    assert pth_files(venv) == {}
    uninstall(tool, venv, "acme-widgets")
    assert snapshot(project) == before


@pytest.mark.parametrize("fate", ["deleted", "moved"])
def test_deleted_or_moved_project_fails_cleanly_and_uninstalls(fate, example, make_venv, symback_wheelhouse):
    project = example("srclayout")
    venv = make_venv()
    pip_install_e(venv, project, symback_wheelhouse)
    if fate == "deleted":
        shutil.rmtree(project)
    else:
        moved = project.with_name("srclayout-moved")
        project.rename(moved)
    assert_not_importable(venv, "acme_widgets")
    venv.pip("uninstall", "-y", "acme-widgets")
    assert pth_files(venv) == {}
    if fate == "moved":  # an install from the new place works, and leaves the sources intact
        before = snapshot(moved)
        pip_install_e(venv, moved, symback_wheelhouse)
        assert assert_imports(venv, "acme_widgets").startswith(str(moved / "build"))
        venv.uv_pip("uninstall", "acme-widgets")
        assert snapshot(moved) == before


# ----------------------------------------------------------------------------- symback install


@pytest.mark.parametrize("how", ["wheel", "project-dir"])
def test_symback_install_honours_editable_links(example, make_venv, tmp_path, how):
    project = example("srclayout")
    venv = make_venv()
    if how == "wheel":
        out = tmp_path / "out"
        out.mkdir()
        code = (
            "import os, sys; from pathlib import Path; os.chdir(sys.argv[1]); "
            "from symback import buildapi; print(buildapi.build_editable(sys.argv[2]))"
        )
        name = run([sys.executable, "-c", code, project, out], env=SRC_ENV).stdout.strip().splitlines()[-1]
        assert "-0editable-" in name
        run([sys.executable, "-m", "symback", "install", "--allow-editable", "--python", venv.python, out / name], env=SRC_ENV)
    else:  # `symback install -e DIR` builds the editable wheel itself
        run([sys.executable, "-m", "symback", "install", "-e", "--python", venv.python, project], env=SRC_ENV)
    link = venv.site_packages / "acme_widgets"
    assert link.is_symlink()
    assert not (venv.site_packages / "__editable__.acme_widgets.pth").exists()
    assert_record_safe(venv, "acme_widgets", ("acme_widgets",))
    (project / "src" / "acme_widgets" / "fresh.py").write_text("VALUE = 42\n")
    assert imports(venv, "import acme_widgets.fresh").returncode == 0
    before = snapshot(project)
    run([sys.executable, "-m", "symback", "uninstall", "--python", venv.python, "acme-widgets"], env=SRC_ENV)
    assert snapshot(project) == before
    assert not os.path.lexists(link)


# ----------------------------------------------------------------------------- type checkers


CHECKED = "import acme_widgets\nreveal_type(acme_widgets.__version__)\nreveal_type(acme_widgets.lookup)\n"


@pytest.fixture
def typed_srclayout(example):
    project = example("srclayout")
    (project / "src" / "acme_widgets" / "py.typed").write_text("")
    return project


@pytest.mark.parametrize("mode", ["links", "pth"])
def test_mypy_sees_the_editable_package(mode, typed_srclayout, make_venv, symback_wheelhouse, tmp_path):
    venv = make_venv()
    proc = venv.pip("install", "mypy", check=False)
    if proc.returncode != 0:
        pytest.skip(f"cannot install mypy: {proc.stderr[-300:]}")
    pip_install_e(venv, typed_srclayout, symback_wheelhouse, "--config-settings", f"editable-mode={mode}")
    check = tmp_path / "check"
    check.mkdir()
    (check / "use.py").write_text(CHECKED)
    proc = venv.run("-m", "mypy", "--no-incremental", "use.py", cwd=check, check=False)
    assert "import-not-found" not in proc.stdout and "import-untyped" not in proc.stdout, proc.stdout
    assert re.search(r'Revealed type is "(builtins\.)?str"', proc.stdout), proc.stdout


@pytest.mark.parametrize("mode", ["links", "pth"])
def test_pyright_sees_the_editable_package(mode, typed_srclayout, make_venv, symback_wheelhouse, tmp_path):
    venv = make_venv()
    proc = venv.pip("install", "pyright", check=False)
    if proc.returncode != 0 or shutil.which("node") is None:
        pytest.skip("pyright (and node) not available")
    pip_install_e(venv, typed_srclayout, symback_wheelhouse, "--config-settings", f"editable-mode={mode}")
    check = tmp_path / "check"
    check.mkdir()
    (check / "use.py").write_text(CHECKED)
    (check / "pyrightconfig.json").write_text(f'{{"venvPath": "{venv.path.parent}", "venv": "{venv.path.name}"}}\n')
    proc = run([venv.bin / "pyright", "use.py"], cwd=check, check=False)
    if "npm" in proc.stderr and proc.returncode != 0 and "Revealed" not in proc.stdout:
        pytest.skip(f"pyright could not fetch its node package: {proc.stderr[-300:]}")
    assert "reportMissingImports" not in proc.stdout and "could not be resolved" not in proc.stdout, proc.stdout
    assert 'Type of "acme_widgets.__version__" is "str"' in proc.stdout, proc.stdout


# ----------------------------------------------------------------------------- the matrix


@dataclasses.dataclass(frozen=True)
class Project:
    """An example project, what it ships, and what must stay hidden in an editable install."""

    name: str  # example_projects/<name>
    dist: str  # the .dist-info prefix
    module: str  # the project's import name
    package_dir: str  # where that package's sources live, relative to the project
    resource: Optional[str]  # a data file read through importlib.resources
    hidden: Tuple[str, ...]  # importable names in the project that must not be importable


PROJECTS = {
    "srclayout": Project("srclayout", "acme_widgets", "acme_widgets", "src/acme_widgets", "data/colors.json", ("src",)),
    "flatlayout": Project("flatlayout", "flatpkg", "flatpkg", "flatpkg", "py.typed", ("tests", "conftest", "scripts")),
    "namespace": Project(
        "namespace", "acme_plugins_hello", "acme.plugins.hello", "src/acme/plugins/hello", "greetings.txt", ("src",)
    ),
}

# (project, mode, installer): every mode each example project can take, through each
# installer. "redirect" is pth mode where a plain path line would expose more than the
# package (the flat layout's root holds tests/ and conftest.py): the editables hook.
MATRIX = [
    (project, mode, installer)
    for project, modes in (
        ("srclayout", ("links", "pth")),
        ("flatlayout", ("links", "redirect")),
        ("namespace", ("links", "pth")),
    )
    for mode in modes
    for installer in ("pip", "uv")
] + [(project, "links", "symback") for project in PROJECTS]


def _mechanism(venv, project: Path, p: Project, mode: str, installer: str) -> None:
    """The install holds exactly the mechanism ``mode`` promises."""
    sp = venv.site_packages
    top = p.module.split(".")[0]
    if installer == "symback":  # the links themselves, in site-packages; no .pth
        assert pth_files(venv) == {}
        link = sp.joinpath(*p.module.split("."))
        assert link.is_symlink() and os.path.realpath(link) == str(project / p.package_dir)
        assert not (sp / top).is_symlink() or top == p.module  # namespace parents are real dirs
    elif mode == "links":
        tree = tree_of(project)
        assert pth_files(venv) == {f"__editable__.{p.dist}.pth": f"{tree}\n"}
        assert tree.joinpath(*p.module.split(".")).is_symlink()
    elif mode == "pth":
        (text,) = pth_files(venv).values()
        assert [Path(line) for line in text.splitlines()] == [project / "src"]
    else:  # redirect
        assert (sp / f"_editable_impl_{p.dist}.py").is_file()
        (dist_info,) = sp.glob(f"{p.dist}-*.dist-info")
        assert "Requires-Dist: editables>=0.5" in (dist_info / "METADATA").read_text()


@pytest.mark.parametrize("name,mode,installer", MATRIX, ids=["-".join(case) for case in MATRIX])
def test_editable_matrix(name, mode, installer, example, make_venv, symback_wheelhouse):
    """Each example project, in each mode, through each installer: the same promises."""
    p = PROJECTS[name]
    project = example(name)
    venv = make_venv()
    install_editable(installer, venv, project, symback_wheelhouse, "pth" if mode == "redirect" else mode)
    _mechanism(venv, project, p, mode, installer)
    package = project / p.package_dir

    # the package is the source tree's own: its files, its data, through importlib.resources
    proc = imports(
        venv,
        f"import os, importlib.resources as r, {p.module} as m; "
        f"print(os.path.realpath(m.__file__)); print(r.files({p.module!r}).joinpath({p.resource!r}).is_file())",
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(package / "__init__.py"), "True"]
    # edits and new modules are live without a reinstall
    init = package / "__init__.py"
    init.write_text(init.read_text() + "\nEDITED_LIVE = 'yes'\n")
    (package / "fresh_module.py").write_text("VALUE = 42\n")
    proc = imports(venv, f"import {p.module} as m, {p.module}.fresh_module as f; print(m.EDITED_LIVE, f.VALUE)")
    assert proc.stdout.split() == ["yes", "42"], proc.stderr
    # nothing else in the project is importable
    for hidden in p.hidden:
        assert_not_importable(venv, hidden)
    if mode != "redirect":  # the editables hook is an import line at start-up, by design
        assert_no_startup_code(venv)
    assert_record_safe(venv, p.dist, (p.module.replace(".", "/"),))  # the link itself may be a row

    before = snapshot(project)
    uninstall(installer, venv, p.dist)
    assert snapshot(project) == before
    assert_not_importable(venv, p.module)
    assert pth_files(venv) == {}
    assert not list(venv.site_packages.glob(f"{p.dist}-*.dist-info"))
