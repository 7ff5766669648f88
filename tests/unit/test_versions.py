"""symback.versions and the other drop-in behaviours of issue 14, in process.

Versions where real projects keep them (re-exports, ``__about__.py``, namespace packages,
plain ``VERSION`` files), discovery that picks the package named after the project, License
classifiers beside an expression, and the ``[project]`` keys that belong in ``[project.urls]``.
The same shapes are built with real frontends in ``tests/integration/test_real_shapes.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from projects import make_project

from symback.config import load_project
from symback.errors import BuildError, ConfigError
from symback.files import select_wheel_files
from symback.metadata import load_metadata
from symback.versions import (
    GENERATED_MARKER,
    ModuleReader,
    build_requires,
    ensure_in_tree,
    generated_file,
    version_config,
    version_module_text,
)


def version_of(root: Path) -> str:
    return load_project(root).metadata.version


def dynamic(root: Path, files: dict, extra: str = "", name: str = "demo") -> Path:
    return make_project(root, files, name=name, version=None, extra=extra)


# --------------------------------------------------------------------------- re-exports


@pytest.mark.parametrize(
    "files",
    [
        # idna: the string lives in package_data.py
        {"src/demo/__init__.py": "from .package_data import __version__\n",
         "src/demo/package_data.py": "__version__ = '3.10'\n"},
        # hatch-vcs / setuptools-scm wrote _version.py; the package re-exports it, then rebinds it
        {"src/demo/__init__.py": "from ._version import __version__\n__version__ = __version__\n",
         "src/demo/_version.py": "__version__ = version = '3.10'\n"},
        # a renamed import
        {"src/demo/__init__.py": "from .mod import version as __version__\n",
         "src/demo/mod.py": "version = '3.10'\n"},
        # a later rebinding from a name imported that way
        {"src/demo/__init__.py": "from .__meta__ import VERSION\nx = 1\n__version__ = VERSION\n",
         "src/demo/__meta__.py": "VERSION: str = '3.10'\n"},
        # two levels deep, through a subpackage, with `from ..`
        {"src/demo/__init__.py": "from .sub import __version__\n",
         "src/demo/sub/__init__.py": "from .._about import __version__\n",
         "src/demo/_about.py": "__version__ = '3.10'\n"},
        # the try/except ImportError guard setuptools-scm users write
        {"src/demo/__init__.py": "try:\n    from ._version import version as __version__\n"
                                 "except ImportError:\n    __version__ = 'unknown'\n",
         "src/demo/_version.py": "version = '3.10'\n"},
        # an absolute import of the package's own module
        {"src/demo/__init__.py": "from demo.version import __version__\n",
         "src/demo/version.py": "__version__ = '3.10'\n"},
        # an attribute of a submodule
        {"src/demo/__init__.py": "from . import about\n__version__ = about.__version__\n",
         "src/demo/about.py": "__version__ = '3.10'\n"},
        {"src/demo/__init__.py": "import demo.meta.v as v\n__version__ = v.VERSION\n",
         "src/demo/meta/__init__.py": "", "src/demo/meta/v.py": "VERSION = '3.10'\n"},
        # a single-module project
        {"demo.py": "from _demo_version import __version__\n", "_demo_version.py": "__version__ = '3.10'\n"},
    ],
    ids=["idna", "rebound", "renamed", "later-name", "deep", "try", "absolute", "attribute",
         "import-as-attribute", "module"],
)
def test_reexported_version_is_followed(tmp_path: Path, files: dict) -> None:
    assert version_of(dynamic(tmp_path, files)) == "3.10"


def test_following_never_imports(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    boom = f"open({str(marker)!r}, 'w').close()\nraise SystemExit('imported')\n"
    root = dynamic(tmp_path / "p", {
        "src/demo/__init__.py": boom + "from ._v import __version__\n",
        "src/demo/_v.py": boom + "__version__ = '2.0'\n",
    })
    before = set(sys.modules)
    assert version_of(root) == "2.0"
    assert not marker.exists()
    assert not {m for m in set(sys.modules) - before if m.startswith("demo")}


def test_cycle_is_an_error_naming_the_chain(tmp_path: Path) -> None:
    root = dynamic(tmp_path, {
        "src/demo/__init__.py": "from .a import __version__\n",
        "src/demo/a.py": "from .b import __version__\n",
        "src/demo/b.py": "from .a import __version__\n",
    })
    with pytest.raises(ConfigError) as info:
        load_project(root)
    message = str(info.value)
    assert "cycle" in message and "src/demo/a.py: __version__ -> src/demo/b.py: __version__" in message
    assert 'Write __version__ = "1.2.3"' in message


@pytest.mark.parametrize(
    ("init", "shown", "problem"),
    [
        ("from ._missing import __version__\n", "src/demo/__init__.py: line 1: from ._missing import __version__",
         "not a file of the project"),
        ("from importlib.metadata import version\n__version__ = version('demo')\n",
         "src/demo/__init__.py: line 2", "not a string literal"),
        ("from os import sep as __version__\n", "src/demo/__init__.py: line 1", "not a file of the project"),
        ("__version__ = __version__\n", "src/demo/__init__.py: line 1: __version__ is used before it is set", ""),
        ("import importlib.metadata as md\n__version__ = md.version\n", "src/demo/__init__.py: line 2",
         "md is not a module of the project"),
    ],
)
def test_unfollowable_versions_name_file_line_and_fix(tmp_path: Path, init: str, shown: str, problem: str) -> None:
    root = dynamic(tmp_path, {"src/demo/__init__.py": init})
    with pytest.raises(ConfigError) as info:
        load_project(root)
    message = str(info.value)
    assert message.startswith(shown), message
    assert problem in message
    assert "[tool.symback.version] path" in message  # the fix


def test_read_version_in_metadata_is_the_same_reader(tmp_path: Path) -> None:
    from symback.metadata import read_version

    (tmp_path / "__init__.py").write_text("from ._v import __version__\n")
    (tmp_path / "_v.py").write_text("__version__ = '1.0'\n")
    assert read_version(tmp_path / "__init__.py") == "1.0"


# --------------------------------------------------------------------------- path / attr / plain files


def test_about_module_like_hatchling(tmp_path: Path) -> None:
    root = dynamic(
        tmp_path,
        {"src/demo/__init__.py": "", "src/demo/__about__.py": "__version__ = '1.4.0'\n"},
        extra='[tool.symback.version]\npath = "src/demo/__about__.py"\n',
    )
    assert version_of(root) == "1.4.0"


def test_attr_reads_another_name(tmp_path: Path) -> None:
    root = dynamic(
        tmp_path,
        {"src/demo/__init__.py": "", "src/demo/meta.py": "VERSION = '2.1'\n__version__ = 'no'\n"},
        extra='[tool.symback.version]\npath = "src/demo/meta.py"\nattr = "VERSION"\n',
    )
    assert version_of(root) == "2.1"


def test_namespace_package_with_a_version_module(tmp_path: Path) -> None:
    # No __init__.py at the top: the version lives in a module of the namespace.
    files = {"src/acme/tools/__init__.py": "", "src/acme/version/__init__.py": "from ._v import __version__\n",
             "src/acme/version/_v.py": "__version__ = '0.9.1'\n"}
    extra = '[tool.symback]\npackages = ["src/acme"]\n[tool.symback.version]\npath = "src/acme/version"\n'
    root = dynamic(tmp_path, files, extra=extra, name="acme-tools")
    assert version_of(root) == "0.9.1"


def test_namespace_package_without_path_says_which_key(tmp_path: Path) -> None:
    root = dynamic(tmp_path, {"src/acme/tools/x.py": ""}, name="acme-tools",
                   extra='[tool.symback]\npackages = ["src/acme"]\n')
    with pytest.raises(ConfigError, match=r"no package was found .*\[tool.symback.version\] path"):
        load_project(root)


@pytest.mark.parametrize("text", ["1.2.3\n", "  1.2.3  \n\n", "v1.2.3\n"])
def test_plain_version_file(tmp_path: Path, text: str) -> None:
    root = dynamic(tmp_path, {"src/demo/__init__.py": "", "VERSION": text},
                   extra='[tool.symback.version]\npath = "VERSION"\n')
    assert version_of(root) == "1.2.3"


def test_plain_version_file_errors(tmp_path: Path) -> None:
    root = dynamic(tmp_path, {"src/demo/__init__.py": "", "VERSION": "1.0\nmore\n"},
                   extra='[tool.symback.version]\npath = "VERSION"\n')
    with pytest.raises(ConfigError, match=r"^VERSION: a plain version file must hold the version alone"):
        load_project(root)
    (root / "VERSION").write_text("one\n")
    with pytest.raises(ConfigError, match=r"^VERSION: version: not a valid PEP 440 version"):
        load_project(root)
    (root / "VERSION").unlink()
    with pytest.raises(ConfigError, match=r"^VERSION: file not found"):
        load_project(root)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"sourse": "vcs"}, "unknown key 'sourse'. Did you mean 'source'?"),
        ({"source": "git"}, 'is not one of "file", "vcs"'),
        ({"source": "vcs", "path": "x.py"}, "path: only for a version kept in a file"),
        ({"file": "src/demo/_v.py"}, 'file: only with source = "vcs"'),
        ({"path": "../x.py"}, "is not a path inside the project"),
        ({"attr": "not-a-name"}, "is not a Python name"),
        ({"path": 1}, "expected a non-empty string"),
        ({"source": "vcs", "file": "src/demo/VERSION"}, "is not a .py file"),
    ],
)
def test_version_table_errors(table: dict, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        version_config(table)
    assert str(info.value).startswith("pyproject.toml: [tool.symback.version]")
    assert message in str(info.value)


def test_version_table_with_a_static_version_is_an_error(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"src/demo/__init__.py": ""}, extra='[tool.symback.version]\npath = "VERSION"\n')
    with pytest.raises(ConfigError, match=r"\[project\] version: is set statically.*Remove \[tool.symback.version\]"):
        load_project(root)


# --------------------------------------------------------------------------- vcs (no git needed here)


def test_vcs_reads_pkg_info_of_an_sdist(tmp_path: Path) -> None:
    root = dynamic(tmp_path, {"src/demo/__init__.py": "",
                              "PKG-INFO": "Metadata-Version: 2.4\nName: demo\nVersion: 1.5.0.post2\n\nVersion: 9\n"},
                   extra='[tool.symback.version]\nsource = "vcs"\n')
    assert version_of(root) == "1.5.0.post2"
    assert build_requires(root, {"source": "vcs"}) == []


def test_vcs_requires_vcs_versioning_only_when_asked(tmp_path: Path) -> None:
    assert build_requires(tmp_path, {"source": "vcs"}) == ["vcs-versioning>=2.6,<3"]
    assert build_requires(tmp_path, {}) == []
    assert build_requires(tmp_path, {"path": "VERSION"}) == []


def test_hooks_ask_for_vcs_versioning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import symback

    plain = make_project(tmp_path / "plain", {"src/demo/__init__.py": ""})
    vcs = dynamic(tmp_path / "vcs", {"src/demo/__init__.py": ""}, extra='[tool.symback.version]\nsource = "vcs"\n')
    monkeypatch.chdir(plain)
    assert symback.get_requires_for_build_wheel() == []
    assert symback.get_requires_for_build_sdist() == []
    monkeypatch.chdir(vcs)
    assert symback.get_requires_for_build_wheel() == ["vcs-versioning>=2.6,<3"]
    assert symback.get_requires_for_build_sdist() == ["vcs-versioning>=2.6,<3"]
    assert "vcs-versioning>=2.6,<3" in symback.get_requires_for_build_editable()


def test_version_module_text() -> None:
    text = version_module_text("1.2.3.dev4+g1234abc").decode()
    assert text.startswith(GENERATED_MARKER)
    namespace: dict = {}
    exec(text, namespace)
    assert namespace["__version__"] == namespace["version"] == "1.2.3.dev4+g1234abc"
    assert namespace["__version_tuple__"] == (1, 2, 3, "dev4", "g1234abc")
    exec(version_module_text("7").decode(), namespace)
    assert namespace["version_tuple"] == (7,)


def test_generated_file_never_over_a_different_file(tmp_path: Path) -> None:
    table = {"source": "vcs", "file": "src/demo/_version.py"}
    (tmp_path / "src/demo").mkdir(parents=True)
    assert generated_file(tmp_path, table, "1.0").data == version_module_text("1.0")
    (tmp_path / "src/demo/_version.py").write_bytes(version_module_text("1.0"))
    assert generated_file(tmp_path, table, "1.0").rel == "src/demo/_version.py"
    # symback's own output (from an editable install) of another version may be replaced ...
    assert generated_file(tmp_path, table, "1.1").data == version_module_text("1.1")
    # ... a file the user wrote may not.
    (tmp_path / "src/demo/_version.py").write_text("__version__ = '1.1'\n")
    with pytest.raises(BuildError, match=r"^src/demo/_version.py: exists and differs .*Delete it"):
        generated_file(tmp_path, table, "1.1")


def test_ensure_in_tree_never_touches_a_users_file(tmp_path: Path) -> None:
    table = {"source": "vcs", "file": "src/demo/_version.py"}
    target = tmp_path / "src/demo/_version.py"
    assert ensure_in_tree(tmp_path, table, "1.0") == "src/demo/_version.py"  # absent: created
    assert target.read_bytes() == version_module_text("1.0")
    assert ensure_in_tree(tmp_path, table, "1.1") == "src/demo/_version.py"  # symback's own: refreshed
    assert target.read_bytes() == version_module_text("1.1")
    target.write_text("__version__ = 'mine'\n")
    assert ensure_in_tree(tmp_path, table, "1.2") is None
    assert target.read_text() == "__version__ = 'mine'\n"


def test_module_reader_shows_paths_relative_to_root(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/__init__.py").write_text("from .x import __version__\n")
    (tmp_path / "pkg/x.py").write_text("__version__ = '5'\n")
    assert ModuleReader(tmp_path).read(tmp_path / "pkg/__init__.py", "__version__").where == "pkg/x.py: __version__"


# --------------------------------------------------------------------------- discovery


def test_named_module_wins_and_the_others_are_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(
        tmp_path,
        {"src/typing_extensions.py": "", "src/test_typing_extensions.py": "", "src/_helper.py": ""},
        name="typing_extensions",
    )
    assert [f.arcname for f in select_wheel_files(load_project(root)).files] == ["typing_extensions.py"]
    err = capsys.readouterr().err
    assert "shipping src/typing_extensions.py, named after the project" in err
    assert "left out: src/test_typing_extensions.py" in err
    assert 'packages = ["src/typing_extensions.py", "src/test_typing_extensions.py"]' in err


def test_named_package_wins_in_a_flat_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_project(tmp_path, {"demo/__init__.py": "", "other/__init__.py": "", "tests/__init__.py": ""})
    assert [f.arcname for f in select_wheel_files(load_project(root)).files] == ["demo/__init__.py"]
    err = capsys.readouterr().err
    assert "left out: other" in err and 'packages = ["demo", "other"]' in err


def test_nothing_said_when_nothing_is_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_project(make_project(tmp_path, {"src/demo/__init__.py": ""}))
    assert capsys.readouterr().err == ""


def test_ambiguity_without_a_named_candidate_stays_an_error(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"src/one.py": "", "src/test_one.py": ""})
    with pytest.raises(ConfigError, match=r"none is named after the project \('demo'\), so symback will not guess"):
        load_project(root)


# --------------------------------------------------------------------------- license classifiers, [project] keys


def test_license_classifiers_beside_an_expression_warn_and_stay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    classifiers = ["License :: OSI Approved :: MIT License", "Typing :: Typed", "License :: OSI Approved"]
    meta = load_metadata(
        {"name": "demo", "version": "1", "license": "MIT", "classifiers": classifiers}, root=tmp_path, version_file=None
    )
    assert meta.classifiers == tuple(classifiers)
    assert b"Classifier: License :: OSI Approved :: MIT License\n" in meta.core_metadata()
    err = capsys.readouterr().err
    assert "classifiers[0] = 'License :: OSI Approved :: MIT License'" in err
    assert "classifiers[2] = 'License :: OSI Approved'" in err
    assert "Typing" not in err
    assert 'license = "MIT"' in err and "Remove them" in err


def test_no_classifier_is_added(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meta = load_metadata({"name": "demo", "version": "1", "license": "MIT"}, root=tmp_path, version_file=None)
    assert b"Classifier" not in meta.core_metadata()
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("key", "label"),
    [("homepage", "Homepage"), ("Repository", "Repository"), ("documentation", "Documentation")],
)
def test_url_keys_show_the_project_urls_line(tmp_path: Path, key: str, label: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_metadata({"name": "demo", "version": "1", key: "https://example.org/x"}, root=tmp_path, version_file=None)
    message = str(info.value)
    assert message.startswith(f"pyproject.toml: [project] {key}: unknown key")
    assert f'[project.urls]\n    {label} = "https://example.org/x"' in message


# --------------------------------------------------------------------------- vcs, with a real git


def git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(
        ["git", "-c", "user.email=t@example.org", "-c", "user.name=t", "-c", "commit.gpgsign=false", *args],
        cwd=root, check=True, capture_output=True,
    )


def test_vcs_version_from_tags_and_the_archives(tmp_path: Path) -> None:
    import tarfile
    import zipfile

    from symback.sdist import build_sdist
    from symback.wheel import build_wheel

    extra = '[tool.symback.version]\nsource = "vcs"\nfile = "src/demo/_version.py"\n'
    root = dynamic(tmp_path / "p", {"src/demo/__init__.py": "from ._version import __version__\n",
                                    ".gitignore": "src/demo/_version.py\n"}, extra=extra)
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "one")
    git(root, "tag", "v2.3.0")
    project = load_project(root)
    assert project.metadata.version == "2.3.0"
    out = tmp_path / "out"
    sdist = out / build_sdist(project, out)
    wheel = out / build_wheel(project, out)
    assert not (root / "src/demo/_version.py").exists()  # the archives only, never the tree
    with tarfile.open(sdist) as tar:
        module = tar.extractfile("demo-2.3.0/src/demo/_version.py").read()
        assert b"\nVersion: 2.3.0\n" in tar.extractfile("demo-2.3.0/PKG-INFO").read()
        tar.extractall(tmp_path / "unpacked")
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("demo/_version.py") == module == version_module_text("2.3.0")
    # The sdist, with no git: the version comes from PKG-INFO, the module is the same.
    unpacked = tmp_path / "unpacked/demo-2.3.0"
    again = load_project(unpacked)
    assert again.metadata.version == "2.3.0"
    assert build_requires(unpacked, {"source": "vcs"}) == []
    with zipfile.ZipFile(out / build_wheel(again, tmp_path / "out2")) as zf:
        assert zf.read("demo/_version.py") == module


def test_vcs_without_tags_or_git_fails_with_the_fix(tmp_path: Path) -> None:
    root = dynamic(tmp_path, {"src/demo/__init__.py": ""}, extra='[tool.symback.version]\nsource = "vcs"\n')
    with pytest.raises(ConfigError) as info:
        load_project(root)
    assert str(info.value).startswith('pyproject.toml: [tool.symback.version] source: "vcs": no version')
    assert "git fetch --tags" in str(info.value)


def test_vcs_pretend_version_as_with_setuptools_scm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = dynamic(tmp_path, {"src/demo/__init__.py": ""}, extra='[tool.symback.version]\nsource = "vcs"\n')
    monkeypatch.setenv("SETUPTOOLS_SCM_PRETEND_VERSION_FOR_DEMO", "4.7")
    assert version_of(root) == "4.7"


def test_sdist_of_another_backend_keeps_its_version_module(tmp_path: Path) -> None:
    """hatch-vcs wrote src/demo/_version.py into the sdist it made; symback builds that sdist
    to the same version and ships that module as it is, never over it."""
    import zipfile

    from symback.wheel import build_wheel

    theirs = "# file generated by setuptools-scm\n__version__ = version = '1.5.0'\n"
    root = dynamic(tmp_path / "demo-1.5.0", {
        "src/demo/__init__.py": "from ._version import __version__\n",
        "src/demo/_version.py": theirs,
        ".gitignore": "src/demo/_version.py\n",
        "PKG-INFO": "Metadata-Version: 2.4\nName: demo\nVersion: 1.5.0\n",
    }, extra='[tool.symback.version]\nsource = "vcs"\nfile = "src/demo/_version.py"\n')
    project = load_project(root)
    assert project.metadata.version == "1.5.0"
    with zipfile.ZipFile(tmp_path / "out" / build_wheel(project, tmp_path / "out")) as zf:
        assert zf.read("demo/_version.py").decode() == theirs
    assert (root / "src/demo/_version.py").read_text() == theirs
