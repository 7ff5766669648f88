"""symback.editable in-process: planning, the probe, the tree, the wheel."""

from __future__ import annotations

import os
import threading
import zipfile
from pathlib import Path

import pytest

from symback import editable, editable_fallback, editable_swap
from symback.config import BuildSettings, load_project
from symback.editable import (
    BUILD_TAG,
    PROBE_ENV,
    TreeLink,
    build_editable,
    editable_requires,
    materialize_tree,
    plan_editable,
    symlink_support,
)
from symback.editable_redirect import EDITABLES_REQUIREMENT
from symback.errors import BuildError

TAG = "cp311-cp311-linux_x86_64"


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def make_project(root: Path, *, layout: str = "src", name: str = "demo-pkg", extra: str = "") -> Path:
    write(root / "pyproject.toml", f'[build-system]\nrequires=["symback"]\nbuild-backend="symback"\n'
          f'[project]\nname = "{name}"\nversion = "1.0"\n{extra}\n')
    if layout == "src":
        write(root / "src" / "demo_pkg" / "__init__.py", "X = 1\n")
        write(root / "src" / "demo_pkg" / "data" / "d.txt", "data\n")
    elif layout == "flat":
        write(root / "demo_pkg" / "__init__.py", "X = 1\n")
        write(root / "tests" / "test_x.py", "")
        write(root / "conftest.py", "")
    return root


def load(root: Path, mode: str | None = None):
    return load_project(root, BuildSettings(editable_mode=mode))


@pytest.fixture
def no_probe_env(monkeypatch):
    monkeypatch.delenv(PROBE_ENV, raising=False)


# ----------------------------------------------------------------------------- planning


def test_links_plan_src_layout(tmp_path, no_probe_env):
    root = make_project(tmp_path / "p")
    plan = plan_editable(load(root), tag=TAG)
    assert plan.mode == "links"
    assert plan.tree == root / "build" / f"__editable__.demo_pkg-{TAG}"
    assert plan.links_rows == (("demo_pkg", str(root / "src" / "demo_pkg")),)
    assert plan.path_entries == (plan.tree,)
    assert plan.requires == ()
    assert editable_requires(load(root)) == []


def test_probe_env_forces_the_plain_pth(tmp_path, monkeypatch):
    root = make_project(tmp_path / "p")
    monkeypatch.setenv(PROBE_ENV, "fail")
    plan = plan_editable(load(root), tag=TAG)
    assert plan.mode == "pth"
    assert plan.path_entries == (root / "src",)
    assert "symlinks unavailable" in plan.messages[0]
    assert f"everything in {root / 'src'} is importable" in plan.messages[0]
    assert not (root / "build").exists()  # the probe's directory is not left behind


def test_links_mode_without_symlinks_is_an_error(tmp_path, monkeypatch):
    root = make_project(tmp_path / "p")
    monkeypatch.setenv(PROBE_ENV, "fail")
    with pytest.raises(BuildError, match='mode: "links", but symlinks cannot be made'):
        plan_editable(load(root, "links"), tag=TAG)


def test_flat_layout_without_links_uses_editables(tmp_path, no_probe_env):
    root = make_project(tmp_path / "p", layout="flat")
    project = load(root, "pth")
    plan = plan_editable(project, tag=TAG)
    assert plan.mode == "redirect"
    assert plan.redirects == (("demo_pkg", root / "demo_pkg"),)
    assert plan.requires == (EDITABLES_REQUIREMENT,)
    assert "conftest, tests" in plan.messages[0]
    assert "mypy and pyright cannot see" in plan.messages[0]
    assert editable_requires(project) == [EDITABLES_REQUIREMENT]


def test_src_layout_with_a_stray_module_uses_editables(tmp_path, no_probe_env):
    root = make_project(tmp_path / "p", extra='[tool.symback]\npackages = ["src/demo_pkg"]')
    write(root / "src" / "helper.py", "")
    plan = plan_editable(load(root, "pth"), tag=TAG)
    assert plan.mode == "redirect" and "helper" in plan.messages[0]


def test_namespace_package_plans(tmp_path, no_probe_env):
    root = tmp_path / "ns"
    write(root / "pyproject.toml", '[project]\nname = "acme.plugins.hello"\nversion = "2"\n')
    write(root / "src" / "acme" / "plugins" / "hello" / "__init__.py", "")
    project = load(root)
    assert [p.import_path for p in project.packages] == ["acme/plugins/hello"]
    links = plan_editable(project, tag=TAG)
    assert links.links_rows == (("acme/plugins/hello", str(root / "src/acme/plugins/hello")),)
    pth = plan_editable(load(root, "pth"), tag=TAG)
    assert pth.mode == "pth" and pth.path_entries == (root / "src",)
    # another plugin in the same namespace directory would be exposed by the path entry
    write(root / "src" / "acme" / "plugins" / "other" / "__init__.py", "")
    worse = plan_editable(load(root, "pth"), tag=TAG)
    assert worse.mode == "pth" and "acme.plugins.other" in worse.messages[0]
    assert worse.exposed_extra == ("acme.plugins.other",)


def test_extra_names_ignore_caches_and_non_identifiers(tmp_path):
    entry = tmp_path / "src"
    write(entry / "pkg" / "__init__.py")
    write(entry / "__pycache__" / "x.pyc")
    write(entry / "pkg.egg-info" / "PKG-INFO")
    write(entry / "README.txt")
    write(entry / ".hidden" / "x.py")
    from symback.files import PackageRoot

    assert editable_fallback.extra_names(entry, [PackageRoot("pkg", entry / "pkg")]) == []
    write(entry / "ext.cpython-311-x86_64-linux-gnu.so")
    write(entry / "other" / "a.txt")
    assert editable_fallback.extra_names(entry, [PackageRoot("pkg", entry / "pkg")]) == ["ext", "other"]


# ----------------------------------------------------------------------------- probe


def test_probe_succeeds_here_and_cleans_up(tmp_path, no_probe_env):
    ok, reason = symlink_support(tmp_path / "build")
    assert ok, reason
    assert list((tmp_path / "build").iterdir()) == []


def test_probe_reports_os_errors(tmp_path, no_probe_env, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(os, "symlink", refuse)
    ok, reason = symlink_support(tmp_path / "build")
    assert not ok and reason == "Function not implemented"
    assert not (tmp_path / "build").exists()


# ----------------------------------------------------------------------------- tree


def test_tree_is_replaced_atomically_and_targets_survive(tmp_path):
    target = write(tmp_path / "src" / "pkg" / "__init__.py", "keep\n").parent
    tree = tmp_path / "build" / "__editable__.x-tag"
    materialize_tree(tree, [TreeLink("pkg", str(target), is_dir=True)])
    # relative, so a lookup through it walks "../../src/pkg", not the whole absolute path
    assert os.readlink(tree / "pkg") == "../../src/pkg"
    assert os.path.realpath(tree / "pkg") == str(target)
    assert (tree / ".gitignore").read_text().splitlines()[-1] == "*"
    write(tree / "stale", "old")
    other = write(tmp_path / "build" / "__editable__.x-other" / "keep", "other tag")
    materialize_tree(tree, [TreeLink("ns/sub/pkg", str(target), is_dir=True)])
    assert not (tree / "stale").exists() and not (tree / "pkg").exists()
    assert (tree / "ns" / "sub").is_dir() and not (tree / "ns" / "sub").is_symlink()
    assert (tree / "ns" / "sub" / "pkg" / "__init__.py").read_text() == "keep\n"
    assert (target / "__init__.py").read_text() == "keep\n"
    assert other.read_text() == "other tag"
    assert sorted(p.name for p in tree.parent.iterdir()) == ["__editable__.x-other", "__editable__.x-tag"]


def test_tree_swap_without_exchange(tmp_path, monkeypatch):
    monkeypatch.setattr(editable_swap, "_exchange", lambda a, b: False)
    target = write(tmp_path / "src" / "m.py", "m\n")
    tree = tmp_path / "build" / "t"
    materialize_tree(tree, [TreeLink("m.py", str(target))])
    materialize_tree(tree, [TreeLink("n.py", str(target))])
    assert sorted(p.name for p in tree.iterdir()) == [".gitignore", "n.py"]
    assert [p.name for p in tree.parent.iterdir()] == ["t"]
    assert target.read_text() == "m\n"


def test_failed_build_leaves_the_old_tree(tmp_path):
    target = write(tmp_path / "src" / "m.py", "m\n")
    tree = tmp_path / "build" / "t"
    materialize_tree(tree, [TreeLink("m.py", str(target))])
    with pytest.raises(OSError):
        materialize_tree(tree, [TreeLink("a.py", str(target)), TreeLink("a.py", str(target))])
    assert sorted(p.name for p in tree.iterdir()) == [".gitignore", "m.py"]
    assert [p.name for p in tree.parent.iterdir()] == ["t"]


def test_concurrent_builds_always_leave_a_whole_tree(tmp_path):
    target = write(tmp_path / "src" / "m.py", "m\n")
    tree = tmp_path / "build" / "t"
    names = [f"m{i}.py" for i in range(40)]
    errors = []

    def build(i: int) -> None:
        try:
            for _ in range(5):
                materialize_tree(tree, [TreeLink(n, str(target)) for n in names])
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=build, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(p.name for p in tree.iterdir()) == sorted(names + [".gitignore"])
    assert [p.name for p in tree.parent.iterdir()] == ["t"]


# ----------------------------------------------------------------------------- wheel


def _wheel(tmp_path: Path, project, **kwargs) -> zipfile.ZipFile:
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    name = build_editable(project, out, metadata_directory=kwargs.get("metadata_directory"))
    assert name.startswith(f"{project.metadata.dist_name}-1.0-{BUILD_TAG}-")
    return zipfile.ZipFile(out / name)


def test_links_wheel_holds_only_the_pth_and_dist_info(tmp_path, no_probe_env):
    root = make_project(tmp_path / "p")
    project = load(root)
    zf = _wheel(tmp_path, project)
    names = zf.namelist()
    assert [n for n in names if not n.startswith("demo_pkg-1.0.dist-info/")] == ["__editable__.demo_pkg.pth"]
    tree = next((root / "build").glob("__editable__.demo_pkg-*"))
    assert zf.read("__editable__.demo_pkg.pth").decode() == f"{tree}\n"
    assert zf.read("demo_pkg-1.0.dist-info/LINKS").decode() == f"demo_pkg,{root / 'src' / 'demo_pkg'}\n"
    wheel = zf.read("demo_pkg-1.0.dist-info/WHEEL").decode()
    assert "Wheel-Version: 1.0" in wheel and f"Build: {BUILD_TAG}" in wheel
    from symback.tags import interpreter_platform_tag

    assert f"Tag: {interpreter_platform_tag()}" in wheel
    record = zf.read("demo_pkg-1.0.dist-info/RECORD").decode()
    assert not any(line.startswith("demo_pkg/") for line in record.splitlines())
    from symback.linkrules import parse_links

    parse_links(zf.read("demo_pkg-1.0.dist-info/LINKS"), source="test", editable=True)


def test_strict_wheel_links_files_and_recreates_relative_links(tmp_path, no_probe_env):
    root = make_project(tmp_path / "p", extra="[tool.symback.editable]\nstrict = true")
    pkg = root / "src" / "demo_pkg"
    write(pkg / "libfoo.so.1.2", "lib")
    os.symlink("libfoo.so.1.2", pkg / "libfoo.so.1")
    zf = _wheel(tmp_path, load(root))
    tree = next((root / "build").glob("__editable__.demo_pkg-*"))
    assert (tree / "demo_pkg").is_dir() and not (tree / "demo_pkg").is_symlink()
    assert os.readlink(tree / "demo_pkg" / "__init__.py") == "../../../src/demo_pkg/__init__.py"
    assert os.readlink(tree / "demo_pkg" / "data" / "d.txt") == "../../../../src/demo_pkg/data/d.txt"
    assert os.path.realpath(tree / "demo_pkg" / "data" / "d.txt") == str(pkg / "data" / "d.txt")
    assert os.readlink(tree / "demo_pkg" / "libfoo.so.1") == "libfoo.so.1.2"
    links = zf.read("demo_pkg-1.0.dist-info/LINKS").decode().splitlines()
    assert f"demo_pkg/libfoo.so.1,{pkg / 'libfoo.so.1.2'}" in links
    assert f"demo_pkg/__init__.py,{pkg / '__init__.py'}" in links


def test_pth_wheel(tmp_path, monkeypatch):
    monkeypatch.setenv(PROBE_ENV, "fail")
    root = make_project(tmp_path / "p")
    zf = _wheel(tmp_path, load(root))
    assert zf.read("__editable__.demo_pkg.pth").decode() == f"{root / 'src'}\n"
    assert "demo_pkg-1.0.dist-info/LINKS" not in zf.namelist()


def test_redirect_wheel_imports_without_editables(tmp_path, no_probe_env):
    root = make_project(tmp_path / "p", layout="flat")
    zf = _wheel(tmp_path, load(root, "pth"))
    assert "Requires-Dist: editables>=0.5" in zf.read("demo_pkg-1.0.dist-info/METADATA").decode()
    assert zf.read("_editable_impl_demo_pkg.pth").decode().startswith("import _editable_impl_demo_pkg")
    bootstrap = zf.read("_editable_impl_demo_pkg.py").decode()
    assert "except ImportError:" in bootstrap and "F.map_module('demo_pkg'" in bootstrap
    site = tmp_path / "site"
    site.mkdir()
    (site / "_editable_impl_demo_pkg.py").write_text(bootstrap)
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['editables'] = None; sys.path.insert(0, sys.argv[1]); "
        "import _editable_impl_demo_pkg, demo_pkg; print(demo_pkg.X)"
    )
    out = subprocess.run([sys.executable, "-c", code, str(site)], capture_output=True, text=True)
    assert out.stdout.strip() == "1", out.stderr


def test_metadata_directory_is_copied_and_checked(tmp_path, no_probe_env):
    from symback.wheel import write_metadata_directory

    root = make_project(tmp_path / "p", extra='license = "MIT"\nlicense-files = ["LICENSE"]')
    write(root / "LICENSE", "MIT\n")
    project = load(root)
    meta_dir = tmp_path / "meta"
    meta_dir.mkdir()
    dist_info = write_metadata_directory(project, meta_dir, extra_requires=editable_requires(project))
    zf = _wheel(tmp_path, project, metadata_directory=meta_dir / dist_info)
    assert zf.read(f"{dist_info}/METADATA") == (meta_dir / dist_info / "METADATA").read_bytes()
    assert zf.read(f"{dist_info}/licenses/LICENSE") == b"MIT\n"
    (meta_dir / dist_info / "METADATA").write_bytes(b"Metadata-Version: 2.4\nName: other\n")
    with pytest.raises(BuildError, match="differs"):
        _wheel(tmp_path, project, metadata_directory=meta_dir / dist_info)


def test_bad_pth_path_is_refused():
    with pytest.raises(BuildError, match="line breaks"):
        editable._pth_lines([Path("/a\nimport os")])


def test_tree_under_a_symlinked_build_dir_keeps_absolute_links(tmp_path):
    """'..' in a link value climbs the directories the link really sits in: where build/
    is itself a symlink to elsewhere, a relative value would lead nowhere."""
    target = write(tmp_path / "p" / "src" / "pkg" / "__init__.py", "x = 1\n").parent
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, tmp_path / "p" / "build")
    tree = tmp_path / "p" / "build" / "__editable__.x-tag"
    materialize_tree(tree, [TreeLink("pkg", str(target), is_dir=True)])
    assert os.readlink(tree / "pkg") == str(target)
    assert (tree / "pkg" / "__init__.py").read_text() == "x = 1\n"


# ----------------------------------------------------------------------------- the tree is the probe


def test_build_editable_falls_back_when_the_tree_cannot_be_made(tmp_path, no_probe_env, monkeypatch, capsys):
    """build_editable does not probe: making the tree shows whether symlinks work, and a
    failure there gives the same .pth fallback (and message) the probe gave."""
    def refuse(*args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "symlink", refuse)
    root = make_project(tmp_path / "p")
    zf = _wheel(tmp_path, load(root))
    assert zf.read("__editable__.demo_pkg.pth").decode() == f"{root / 'src'}\n"
    assert "(Operation not permitted); falling back to a .pth path entry" in capsys.readouterr().err
    assert not (root / "build").exists()  # made for the tree, removed again


def test_build_editable_links_mode_errors_when_the_tree_cannot_be_made(tmp_path, no_probe_env, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "symlink", refuse)
    root = make_project(tmp_path / "p")
    with pytest.raises(BuildError, match=r'"links", but symlinks cannot be made in .*\(Operation not permitted\)'):
        _wheel(tmp_path, load(root, "links"))


def test_build_editable_does_not_probe(tmp_path, no_probe_env, monkeypatch):
    monkeypatch.setattr(editable, "symlink_support", lambda d: pytest.fail("probed"))
    root = make_project(tmp_path / "p")
    zf = _wheel(tmp_path, load(root))
    tag = "-".join(Path(zf.filename).stem.split("-")[-3:])
    tree = root / "build" / f"__editable__.demo_pkg-{tag}"
    assert zf.read("__editable__.demo_pkg.pth").decode() == f"{tree}\n"
    assert os.readlink(tree / "demo_pkg") == "../../src/demo_pkg"


def test_reinstall_keeps_an_identical_tree(tmp_path):
    """A reinstall with nothing changed leaves the tree alone (same inode: no swap, no
    ctypes); any difference (a stray file, another link value, a changed .gitignore)
    rebuilds it."""
    target = write(tmp_path / "src" / "pkg" / "__init__.py").parent
    tree = tmp_path / "build" / "t"
    links = [TreeLink("ns/pkg", str(target), is_dir=True)]
    materialize_tree(tree, links)
    inode = tree.stat().st_ino
    materialize_tree(tree, links)
    assert tree.stat().st_ino == inode
    for change in (lambda: write(tree / "ns" / "stray"), lambda: write(tree / ".gitignore", "x")):
        change()
        materialize_tree(tree, links)
        assert tree.stat().st_ino != inode
        inode = tree.stat().st_ino
        assert sorted(p.name for p in tree.rglob("*")) == [".gitignore", "ns", "pkg"]
    other = write(tmp_path / "src" / "other" / "__init__.py").parent
    materialize_tree(tree, [TreeLink("ns/pkg", str(other), is_dir=True)])
    assert tree.stat().st_ino != inode
    assert os.readlink(tree / "ns" / "pkg") == "../../../src/other"


def test_stale_trees_of_dead_builds_go_whatever_their_age(tmp_path):
    """A killed build's fresh .tmp tree goes with the next build; a live build's stays."""
    import subprocess
    import sys

    target = write(tmp_path / "src" / "m.py", "m\n")
    tree = tmp_path / "build" / "t"
    materialize_tree(tree, [TreeLink("m.py", str(target))])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = write(tmp_path / "build" / f".t.{dead}-0badc0de.tmp" / "m.py", "half\n").parent
    live = write(tmp_path / "build" / f".t.{os.getppid()}-0badc0de.tmp" / "m.py", "busy\n").parent
    materialize_tree(tree, [TreeLink("n.py", str(target))])
    assert not stale.exists()  # written a moment ago, its maker gone
    assert live.exists()  # its maker is alive: a concurrent build
    assert target.read_text() == "m\n"


# ----------------------------------------------------------------------------- what each path loads


def _editable_modules_after(project: Path, call: str) -> set:
    """The ``symback.editable*`` modules one hook call loads, in a fresh interpreter."""
    import json
    import subprocess
    import sys

    code = (f"import json, os, sys; os.chdir({str(project)!r}); import symback; {call}; "
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('symback.editable'))))")
    src = Path(editable.__file__).parent.parent
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop(PROBE_ENV, None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_a_plain_install_loads_only_the_hot_module(tmp_path):
    """Each rarer path is a module of its own (docs/design.md): a links-mode install, first
    or over an identical tree, loads ``editable`` alone; replacing a changed tree loads
    ``editable_swap``; pth mode ``editable_fallback``; pip's prepared metadata
    ``editable_prepared``; the probing hooks ``editable_probe``."""
    root = make_project(tmp_path / "p")
    out = tmp_path / "out"
    links = f"symback.build_editable({str(out)!r}, {{}})"
    assert _editable_modules_after(root, links) == {"symback.editable"}  # first install
    assert _editable_modules_after(root, links) == {"symback.editable"}  # identical tree
    write(root / "src" / "other.py")
    with open(root / "pyproject.toml", "a") as f:
        f.write('[tool.symback]\npackages = ["src/demo_pkg", "src/other.py"]\n')
    assert _editable_modules_after(root, links) == {"symback.editable", "symback.editable_swap"}
    pth = f"symback.build_editable({str(out)!r}, {{'editable-mode': 'pth'}})"
    assert _editable_modules_after(root, pth) == {"symback.editable", "symback.editable_fallback"}
    prepared = (f"md = symback.prepare_metadata_for_build_editable({str(out)!r}); "
                f"symback.build_editable({str(out)!r}, {{}}, os.path.join({str(out)!r}, md))")
    assert _editable_modules_after(root, prepared) == {
        "symback.editable", "symback.editable_probe", "symback.editable_prepared"}


def test_cold_modules_never_import_the_hot_one():
    """``editable`` imports its cold modules lazily; none imports it back (no cycle)."""
    import ast

    package = Path(editable.__file__).parent
    for path in sorted(package.glob("editable_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                assert node.module != "editable" and not (
                    node.module is None and any(a.name == "editable" for a in node.names)), path.name
