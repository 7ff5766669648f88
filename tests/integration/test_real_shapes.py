"""Real projects' shapes, switched to symback, built with real ``build`` and installed with pip and uv.

Each shape is modelled on a pattern seen in projects on PyPI: idna's
``from .package_data import __version__``, a ``_version.py`` re-exported then rebound, a
renamed import, hatchling's own ``__about__.py``, a namespace package with a ``version/``
module, a plain ``VERSION`` file, typing_extensions' ``src/`` (the module beside its test
module), and a git repository with tags whose sdist is built again where there is no git.

Every version is compared with what a peer gives on the same tree: hatchling (with the
``[tool.hatch.version]`` that reads the same file) or hatch-vcs / setuptools-scm (git tags);
the discovered files of typing_extensions' shape with flit_core's (hatchling 1.33 finds no
package in that tree).
The symback builds are isolated (``python -m build --installer uv``: symback from the test
wheelhouse, ``vcs-versioning`` from the index when the project asks for it); the peers run
``--no-isolation`` with the test environment's hatchling. Everything is built once per run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

from conftest import run, shared_build, wheelhouse_env

pytestmark = pytest.mark.slow

BUILD_SYSTEM = '[build-system]\nrequires = ["symback"]\nbuild-backend = "symback"\n'
HATCH_SYSTEM = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'

# name -> (files, [project] extra lines, [tool.symback...] text, [tool.hatch...] text, import name)
SHAPES: dict[str, dict] = {
    "idna-like": {
        "files": {
            "idna_like/__init__.py": "from .package_data import __version__\nfrom .core import encode\n",
            "idna_like/package_data.py": "__version__ = '3.10'\n",
            "idna_like/core.py": "def encode(s):\n    return s.encode('ascii')\n",
            "tests/test_core.py": "",
        },
        # PEP 639 expression and the classifier projects keep while they migrate.
        "project": 'license = "BSD-3-Clause"\nclassifiers = ["License :: OSI Approved :: BSD License", "Typing :: Typed"]\n',
        "symback": "",
        "hatch": '[tool.hatch.version]\npath = "idna_like/package_data.py"\n',
        "import": "idna_like",
    },
    "rebound": {
        "files": {
            "src/rebound/__init__.py": "from ._version import __version__\n__version__ = __version__\n",
            "src/rebound/_version.py": "__version__ = version = '2.0.1'\n",
        },
        "project": "",
        "symback": "",
        # hatchling's default pattern does not read `a = b = "..."`: say where the string is
        "hatch": '[tool.hatch.version]\npath = "src/rebound/_version.py"\npattern = "version = \'(?P<version>[^\']+)\'"\n',
        "import": "rebound",
    },
    "renamed": {
        "files": {
            "src/renamed/__init__.py": "from .meta import version as __version__\n",
            "src/renamed/meta.py": "version = '0.3.0rc1'\n",
        },
        "project": "",
        "symback": "",
        "hatch": '[tool.hatch.version]\npath = "src/renamed/meta.py"\n',
        "import": "renamed",
    },
    "about": {  # hatchling's own layout
        "files": {
            "src/about/__init__.py": "from .__about__ import __version__\n",
            "src/about/__about__.py": "__version__ = '1.27.0'\n",
        },
        "project": "",
        "symback": '[tool.symback.version]\npath = "src/about/__about__.py"\n',
        "hatch": '[tool.hatch.version]\npath = "src/about/__about__.py"\n',
        "import": "about",
    },
    "acme-tools": {  # a PEP 420 namespace: no __init__.py at the top, a version/ module
        "files": {
            "src/acme/tools/__init__.py": "from acme.version import __version__\n",
            "src/acme/version/__init__.py": "from ._v import __version__\n",
            "src/acme/version/_v.py": "__version__ = '5.0.0'\n",
        },
        "project": "",
        "symback": '[tool.symback]\npackages = ["src/acme"]\n\n[tool.symback.version]\npath = "src/acme/version"\n',
        "hatch": '[tool.hatch.version]\npath = "src/acme/version/_v.py"\n\n'
                 '[tool.hatch.build.targets.wheel]\npackages = ["src/acme"]\n',
        "import": "acme.tools",
    },
    "plainver": {
        "files": {"src/plainver/__init__.py": "", "VERSION": "1.0.2\n"},
        "project": "",
        "symback": '[tool.symback.version]\npath = "VERSION"\n',
        "hatch": '[tool.hatch.version]\npath = "VERSION"\npattern = "(?P<version>.+)"\n',
        "import": "plainver",
    },
    "typing_extensions": {  # static version; discovery is what is tested
        "files": {
            "src/typing_extensions.py": "__version__ = '4.12.2'\nLiteral = object()\n",
            "src/test_typing_extensions.py": "import typing_extensions\n",
        },
        "project": "",
        "symback": "",
        # hatchling 1.33 finds no package here; flit_core (as typing_extensions uses) ships the module
        "hatch": "",
        "peer_system": '[build-system]\nrequires = ["flit_core"]\nbuild-backend = "flit_core.buildapi"\n',
        "peer_project": 'description = "Backported typing hints"\n',
        "import": "typing_extensions",
        "static": "4.12.2",
    },
    "jupyter-ext": {  # a jupyter-style share/ tree, a completion script, a script and a header
        "files": {
            "src/jupyter_ext/__init__.py": "__version__ = '0.4.0'\n",
            "jupyter-data/share/jupyter/labextensions/jupyter-ext/package.json": '{"name": "jupyter-ext"}\n',
            "jupyter-data/etc/jupyter/jupyter_server_config.d/jupyter_ext.json": "{}\n",
            "completions/jupyter-ext.bash": "complete -W 'on off' jupyter-ext\n",
            "bin/jupyter-ext-hello": "#!/usr/bin/env python3\nimport jupyter_ext, sys\nprint(jupyter_ext.__version__, sys.prefix)\n",
            "include/jupyter_ext.h": "int jupyter_ext(void);\n",
        },
        "project": "",
        "symback": textwrap.dedent("""\
            [tool.symback.data]
            data = {"jupyter-data" = "", "completions/jupyter-ext.bash" = "share/bash-completion/completions/jupyter-ext"}
            scripts = "bin"
            headers = "include"
        """),
        "hatch": "",
        "import": "jupyter_ext",
        "static": "0.4.0",
    },
}

VCS_FILES = {
    "src/vcspkg/__init__.py": "from ._version import __version__, version_tuple\n",
    ".gitignore": "src/vcspkg/_version.py\ndist/\n",
}
VCS_SYMBACK = '[tool.symback.version]\nsource = "vcs"\nfile = "src/vcspkg/_version.py"\n'
VCS_HATCH = '[tool.hatch.version]\nsource = "vcs"\n'


def pyproject(name: str, system: str, project: str, tool: str, version: str | None) -> str:
    version_line = f'version = "{version}"' if version else 'dynamic = ["version"]'
    return f'{system}\n[project]\nname = "{name}"\n{version_line}\n{project}\n{tool}'


def write_tree(root: Path, files: dict[str, str], pyproject_text: str) -> Path:
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(pyproject_text)
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
        if rel.startswith("bin/"):
            (root / rel).chmod(0o755)
    return root


def git(root: Path, *args: str) -> str:
    return run(["git", "-c", "user.email=t@example.org", "-c", "user.name=t", "-c", "commit.gpgsign=false",
                "-c", "init.defaultBranch=main", *args], cwd=root).stdout.strip()


def make_vcs_repo(root: Path, system: str, tool: str) -> Path:
    write_tree(root, VCS_FILES, pyproject("vcspkg", system, "", tool, None))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "first")
    git(root, "tag", "v1.2.0")
    (root / "src/vcspkg/extra.py").write_text("x = 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "after the tag")
    return root


def isolated_build(project: Path, outdir: Path, wheelhouse: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "build", "--installer", "uv", *args, "--outdir", outdir, project],
               env=wheelhouse_env(wheelhouse))


@pytest.fixture(scope="session")
def symback_shapes(tmp_path_factory: pytest.TempPathFactory, symback_wheelhouse: Path) -> Path:
    """Every shape built by symback (sdist, then the wheel from it), plus the vcs project's
    sdist rebuilt where there is no git. Build logs are kept beside the archives."""

    def build(target: Path) -> None:
        for name, shape in SHAPES.items():
            src = write_tree(target / "src" / name, shape["files"],
                             pyproject(name, BUILD_SYSTEM, shape["project"], shape["symback"], shape.get("static")))
            proc = isolated_build(src, target / "dist" / name, symback_wheelhouse)
            (target / "dist" / name / "build.log").write_text(proc.stdout + proc.stderr)
        vcs = make_vcs_repo(target / "src" / "vcspkg", BUILD_SYSTEM, VCS_SYMBACK)
        (target / "head").write_text(git(vcs, "rev-parse", "--short=9", "HEAD"))
        proc = isolated_build(vcs, target / "dist" / "vcspkg", symback_wheelhouse)
        (target / "dist" / "vcspkg" / "build.log").write_text(proc.stdout + proc.stderr)
        # The sdist alone, unpacked where no .git is above it, built again.
        (sdist,) = (target / "dist" / "vcspkg").glob("*.tar.gz")
        with tarfile.open(sdist) as tar:
            tar.extractall(target / "nogit", filter="data") if sys.version_info >= (3, 12) else tar.extractall(target / "nogit")
        (unpacked,) = (target / "nogit").iterdir()
        assert not any((p / ".git").exists() for p in [unpacked, *unpacked.parents])
        proc = isolated_build(unpacked, target / "dist" / "vcspkg-nogit", symback_wheelhouse, "--wheel")
        (target / "dist" / "vcspkg-nogit" / "build.log").write_text(proc.stdout + proc.stderr)

    return shared_build(tmp_path_factory, "issue14-symback-shapes", build)


@pytest.fixture(scope="session")
def peer_versions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The version hatchling (and hatch-vcs, and setuptools-scm) give each shape."""

    def build(target: Path) -> None:
        versions: dict[str, str] = {}
        for name, shape in SHAPES.items():
            system = shape.get("peer_system", HATCH_SYSTEM)
            src = write_tree(target / "src" / name, shape["files"],
                             pyproject(name, system, shape["project"] + shape.get("peer_project", ""), shape["hatch"],
                                       shape.get("static")))
            out = target / "dist" / name
            run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", out, src])
            (wheel,) = out.glob("*.whl")
            versions[name] = wheel.name.split("-")[1]
            with zipfile.ZipFile(wheel) as zf:
                versions[name + ":files"] = sorted(n for n in zf.namelist() if ".dist-info/" not in n)
        vcs = make_vcs_repo(target / "src" / "vcspkg", HATCH_SYSTEM.replace('"hatchling"', '"hatchling", "hatch-vcs"'),
                            VCS_HATCH)
        out = target / "dist" / "vcspkg"
        run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", out, vcs])
        (wheel,) = out.glob("*.whl")
        versions["vcspkg"] = wheel.name.split("-")[1]
        versions["vcspkg:setuptools-scm"] = run(
            [sys.executable, "-c", "import setuptools_scm, sys; print(setuptools_scm.get_version(sys.argv[1]))", vcs]
        ).stdout.strip()
        versions["vcspkg:head"] = git(vcs, "rev-parse", "--short=9", "HEAD")
        (target / "versions.json").write_text(json.dumps(versions))

    return json.loads((shared_build(tmp_path_factory, "issue14-peer-shapes", build) / "versions.json").read_text())


def artifacts(built: Path, name: str) -> tuple[Path, Path]:
    (wheel,) = (built / "dist" / name).glob("*.whl")
    (sdist,) = (built / "dist" / name).glob("*.tar.gz")
    return wheel, sdist


@pytest.mark.parametrize("name", [n for n in SHAPES if "static" not in SHAPES[n]])
def test_version_is_the_one_hatchling_reads(name: str, symback_shapes: Path, peer_versions: dict) -> None:
    wheel, sdist = artifacts(symback_shapes, name)
    version = wheel.name.split("-")[1]
    assert version == peer_versions[name]
    assert sdist.name == f"{name.replace('-', '_')}-{version}.tar.gz"


def test_vcs_version_is_the_one_hatch_vcs_and_setuptools_scm_give(symback_shapes: Path, peer_versions: dict) -> None:
    wheel, sdist = artifacts(symback_shapes, "vcspkg")
    # Different trees (one per backend), same history shape: one commit after v1.2.0.
    head = (symback_shapes / "head").read_text()
    assert wheel.name == f"vcspkg-1.2.1.dev1+g{head}-py3-none-any.whl"
    peer = peer_versions["vcspkg"].replace(peer_versions["vcspkg:head"], "HEAD")
    assert wheel.name.split("-")[1].replace(head, "HEAD") == peer
    assert peer_versions["vcspkg:setuptools-scm"] == peer_versions["vcspkg"]
    with tarfile.open(sdist) as tar:
        top = sdist.name[: -len(".tar.gz")]
        pkg_info = tar.extractfile(f"{top}/PKG-INFO").read().decode()
        module = tar.extractfile(f"{top}/src/vcspkg/_version.py").read()
    assert f"\nVersion: 1.2.1.dev1+g{head}\n" in pkg_info
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("vcspkg/_version.py") == module
    # symback never wrote the module into the checkout.
    assert not (symback_shapes / "src/vcspkg/src/vcspkg/_version.py").exists()
    # The build asked for vcs-versioning (get_requires_for_build_*): the frontend installed it.
    assert "vcs-versioning" in (symback_shapes / "dist/vcspkg/build.log").read_text()


def test_vcs_sdist_builds_to_the_same_version_without_git(symback_shapes: Path) -> None:
    wheel, _ = artifacts(symback_shapes, "vcspkg")
    (again,) = (symback_shapes / "dist/vcspkg-nogit").glob("*.whl")
    assert again.name == wheel.name
    with zipfile.ZipFile(wheel) as a, zipfile.ZipFile(again) as b:
        assert a.read("vcspkg/_version.py") == b.read("vcspkg/_version.py")
    # Read from PKG-INFO: vcs-versioning was not even asked for.
    assert "vcs-versioning" not in (symback_shapes / "dist/vcspkg-nogit/build.log").read_text()


def test_named_module_wins_as_in_flit(symback_shapes: Path, peer_versions: dict) -> None:
    wheel, sdist = artifacts(symback_shapes, "typing_extensions")
    with zipfile.ZipFile(wheel) as zf:
        files = sorted(n for n in zf.namelist() if ".dist-info/" not in n)
    assert files == ["typing_extensions.py"] == peer_versions["typing_extensions:files"]
    log = (symback_shapes / "dist/typing_extensions/build.log").read_text()
    assert "left out: src/test_typing_extensions.py" in log
    with tarfile.open(sdist) as tar:  # the sdist keeps the whole tree
        assert "typing_extensions-4.12.2/src/test_typing_extensions.py" in tar.getnames()


def test_data_files_are_in_the_wheel_and_the_sdist(symback_shapes: Path) -> None:
    wheel, sdist = artifacts(symback_shapes, "jupyter-ext")
    data = "jupyter_ext-0.4.0.data"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {f"{data}/data/share/jupyter/labextensions/jupyter-ext/package.json",
                f"{data}/data/share/bash-completion/completions/jupyter-ext",
                f"{data}/headers/jupyter_ext.h", f"{data}/scripts/jupyter-ext-hello"} <= names
        assert zf.read(f"{data}/scripts/jupyter-ext-hello").startswith(b"#!python\n")
        assert (zf.getinfo(f"{data}/scripts/jupyter-ext-hello").external_attr >> 16) & 0o111
    with tarfile.open(sdist) as tar:  # from the sdist, the wheel above was built
        assert "jupyter_ext-0.4.0/jupyter-data/share/jupyter/labextensions/jupyter-ext/package.json" in tar.getnames()
        assert tar.getmember("jupyter_ext-0.4.0/bin/jupyter-ext-hello").mode & 0o111


def test_license_classifier_beside_an_expression_builds_and_is_kept(symback_shapes: Path) -> None:
    wheel, _ = artifacts(symback_shapes, "idna-like")
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read("idna_like-3.10.dist-info/METADATA").decode()
    assert "License-Expression: BSD-3-Clause\n" in metadata
    assert "Classifier: License :: OSI Approved :: BSD License\n" in metadata
    log = (symback_shapes / "dist/idna-like/build.log").read_text()
    assert "classifiers[0] = 'License :: OSI Approved :: BSD License'" in log


CHECK = textwrap.dedent("""\
    import importlib, importlib.metadata, json, sys
    out = {}
    for dist, module in json.loads(sys.argv[1]):
        mod = importlib.import_module(module)
        out[dist] = [importlib.metadata.version(dist), getattr(mod, "__version__", None), mod.__file__]
    print(json.dumps(out))
""")


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_installed_versions_match(installer: str, symback_shapes: Path, make_venv) -> None:
    wheels = [artifacts(symback_shapes, name)[0] for name in [*SHAPES, "vcspkg"]]
    venv = make_venv(f"{installer}-shapes", seed=installer == "pip")
    if installer == "pip":
        venv.pip("install", "--no-index", "--no-deps", *wheels)
    else:
        venv.uv_pip("install", "--no-index", "--no-deps", *wheels)
    pairs = [[name, SHAPES[name]["import"]] for name in SHAPES] + [["vcspkg", "vcspkg"]]
    info = json.loads(venv.run("-c", CHECK, json.dumps(pairs), cwd=venv.path).stdout)
    for name, (dist_version, module_version, module_file) in info.items():
        assert Path(module_file).resolve().is_relative_to(venv.path.resolve())
        wheel_version = next(w for w in wheels if w.name.startswith(name.replace("-", "_") + "-")).name.split("-")[1]
        assert dist_version == wheel_version
        if name != "plainver":  # the one shape whose package does not carry __version__
            assert module_version == dist_version, name

    # [tool.symback.data]: the share/ tree, the completion, the header and the script
    # land in the environment's directories; the script runs with the venv's Python.
    share = venv.path / "share"
    assert (share / "jupyter/labextensions/jupyter-ext/package.json").read_text() == '{"name": "jupyter-ext"}\n'
    assert (venv.path / "etc/jupyter/jupyter_server_config.d/jupyter_ext.json").is_file()
    assert (share / "bash-completion/completions/jupyter-ext").read_text().startswith("complete -W")
    headers = list((venv.path / "include").rglob("jupyter_ext.h"))
    assert len(headers) == 1, headers
    script = venv.bin / "jupyter-ext-hello"
    assert script.stat().st_mode & 0o111
    assert script.read_text().splitlines()[0] != "#!python"  # rewritten by the installer
    out = run([script]).stdout.split()
    assert out[0] == "0.4.0" and Path(out[1]).resolve() == venv.path.resolve()


def test_editable_install_of_a_vcs_project_creates_its_version_module(
    tmp_path: Path, symback_wheelhouse: Path, make_venv
) -> None:
    """hatch-vcs and setuptools-scm write the version module into the tree; symback's release
    builds never do, but an editable install runs the tree, so there it is created (only
    because it is absent)."""
    repo = make_vcs_repo(tmp_path / "vcspkg", BUILD_SYSTEM, VCS_SYMBACK)
    head = git(repo, "rev-parse", "--short=9", "HEAD")
    venv = make_venv("editable", seed=True)
    proc = venv.pip("install", "-e", repo, env=wheelhouse_env(symback_wheelhouse))
    module = repo / "src/vcspkg/_version.py"
    assert module.is_file()
    expected = f"1.2.1.dev1+g{head}"
    out = venv.run("-c", "import vcspkg; print(vcspkg.__version__, vcspkg.version_tuple)", cwd=venv.path).stdout
    assert out.split()[0] == expected, proc.stdout + proc.stderr
    # The module is gitignored: the tree stays clean, and a release build accepts it
    # (it is symback's own output) and ships the same bytes.
    assert git(repo, "status", "--porcelain") == ""
    user_text = "__version__ = 'mine'\n"
    module.write_text(user_text)
    failed = run([sys.executable, "-m", "build", "--installer", "uv", "--wheel", "--outdir", tmp_path / "d", repo],
                 env=wheelhouse_env(symback_wheelhouse), check=False)
    assert failed.returncode != 0
    assert "src/vcspkg/_version.py: exists and differs from the version module symback writes" in failed.stdout + failed.stderr
    assert module.read_text() == user_text  # never overwritten
