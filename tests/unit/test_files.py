"""File selection: discovery, ignore rules, include/exclude, and the symlink policy."""

from __future__ import annotations

from pathlib import Path

import pytest
from projects import make_project

from symback.config import load_project
from symback.errors import BuildError, ConfigError, LinksError
from symback.files import select_sdist_files, select_wheel_files
from symback.links import Link


def arcnames(root: Path) -> list[str]:
    return [f.arcname for f in select_wheel_files(load_project(root)).files]


def test_src_layout(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"src/demo/__init__.py": "", "src/demo/sub/m.py": "", "tests/test_x.py": ""})
    assert arcnames(root) == ["demo/__init__.py", "demo/sub/m.py"]


def test_flat_layout_ships_only_the_package(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {"demo/__init__.py": "", "tests/__init__.py": "", "conftest.py": "", "setup.py": "", "scripts/x.py": ""},
    )
    assert arcnames(root) == ["demo/__init__.py"]


def test_single_module(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"demo.py": "", "conftest.py": ""})
    assert arcnames(root) == ["demo.py"]


def test_namespace_package_found_from_dotted_name(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"src/acme/plugins/hi/__init__.py": ""}, name="acme.plugins.hi")
    assert arcnames(root) == ["acme/plugins/hi/__init__.py"]


def test_unnamed_single_candidate_is_used(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"src/other/__init__.py": ""})
    assert arcnames(root) == ["other/__init__.py"]


def test_two_candidates_fail_with_the_packages_line(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"src/one/__init__.py": "", "src/two/__init__.py": ""})
    with pytest.raises(ConfigError) as info:
        load_project(root)
    message = str(info.value)
    assert "src/one" in message and "src/two" in message
    assert 'packages = ["src/one", "src/two"]' in message


def test_nothing_found_fails_with_a_hint(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"README.md": "hi"})
    with pytest.raises(ConfigError, match=r"(?s)no import package found .*packages = \[\"demo\"\]"):
        load_project(root)


def test_explicit_packages_override_discovery(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {"src/one/__init__.py": "", "src/two/__init__.py": "", "tool.py": ""},
        extra='[tool.symback]\npackages = ["src/two", "tool.py"]\n',
    )
    assert arcnames(root) == ["tool.py", "two/__init__.py"]


def test_explicit_package_missing(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"src/demo/__init__.py": ""}, extra='[tool.symback]\npackages = ["src/nope"]\n')
    with pytest.raises(ConfigError, match=r"\[tool.symback\] packages: 'src/nope': .*does not exist"):
        load_project(root)


def test_never_shipped_and_gitignored(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "src/demo/__init__.py": "",
            "src/demo/__pycache__/x.cpython-311.pyc": "",
            "src/demo/stale.pyc": "",
            "src/demo/debug.log": "",
            "src/demo/gen/.gitignore": "*.tmp\n",
            "src/demo/gen/a.tmp": "",
            "src/demo/gen/keep.py": "",
            ".gitignore": "*.log\n",
        },
    )
    assert arcnames(root) == ["demo/__init__.py", "demo/gen/.gitignore", "demo/gen/keep.py"]


def test_a_gitignore_judges_its_own_directory_and_below(tmp_path: Path) -> None:
    """The walk asks each directory once whether a pattern or .gitignore applies: files
    beside and above a nested .gitignore are judged by the fixed rules alone."""
    import os

    root = make_project(
        tmp_path,
        {
            "src/demo/__init__.py": "", "src/demo/a.tmp": "", "src/demo/stale.pyc": "",
            "src/demo/gen/.gitignore": "*.tmp\n", "src/demo/gen/a.tmp": "",
            "src/demo/gen/deep/b.tmp": "", "src/demo/gen/deep/k.py": "", "src/demo/other/c.tmp": "",
        },
    )
    os.mkfifo(root / "src/demo/pipe")  # neither a file nor a link: never ships
    assert arcnames(root) == [
        "demo/__init__.py", "demo/a.tmp", "demo/gen/.gitignore", "demo/gen/deep/k.py", "demo/other/c.tmp",
    ]
    sdist = [m.rel for m in select_sdist_files(load_project(root))]
    assert sdist == [
        "pyproject.toml", "src/demo/__init__.py", "src/demo/a.tmp", "src/demo/gen/.gitignore",
        "src/demo/gen/deep/k.py", "src/demo/other/c.tmp",
    ]


def test_include_overrides_gitignore_and_exclude_wins(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {"src/demo/__init__.py": "", "src/demo/_version.py": "", "src/demo/secret.txt": "", ".gitignore": "_version.py\n"},
        extra='[tool.symback]\ninclude = ["src/demo/_version.py"]\nexclude = ["secret.txt"]\n',
    )
    assert arcnames(root) == ["demo/__init__.py", "demo/_version.py"]


def test_executable_bit_is_kept(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"src/demo/__init__.py": "", "src/demo/run.sh": "#!/bin/sh\n"})
    (root / "src/demo/run.sh").chmod(0o755)
    files = {f.arcname: f.executable for f in select_wheel_files(load_project(root)).files}
    assert files == {"demo/__init__.py": False, "demo/run.sh": True}


# -- symlinks ------------------------------------------------------------------------


def test_soname_chain_becomes_links_kept_as_a_chain(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {"src/demo/__init__.py": "", "src/demo/lib/libfoo.so.1.2.3": "ELF"},
        links={"src/demo/lib/libfoo.so.1": "libfoo.so.1.2.3", "src/demo/lib/libfoo.so": "libfoo.so.1"},
    )
    selected = select_wheel_files(load_project(root))
    assert [f.arcname for f in selected.files] == ["demo/__init__.py", "demo/lib/libfoo.so.1.2.3"]
    assert selected.links == (
        Link("demo/lib/libfoo.so", "demo/lib/libfoo.so.1"),
        Link("demo/lib/libfoo.so.1", "demo/lib/libfoo.so.1.2.3"),
    )


def test_directory_link(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"src/demo/__init__.py": "", "src/demo/real/x.txt": ""}, links={"src/demo/alias": "real"})
    assert select_wheel_files(load_project(root)).links == (Link("demo/alias", "demo/real"),)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/etc/passwd", "absolute path '/etc/passwd'"),
        ("missing.txt", "dangling symlink"),
        ("../../../outside", "leaves the project directory"),
        ("../../README.md", "not in the wheel"),
    ],
)
def test_bad_links_fail_the_build(tmp_path: Path, target: str, message: str) -> None:
    root = make_project(tmp_path, {"src/demo/__init__.py": "", "README.md": ""}, links={"src/demo/bad": target})
    with pytest.raises(BuildError) as info:
        select_wheel_files(load_project(root))
    assert "src/demo/bad" in str(info.value)
    assert message in str(info.value)


def test_cycle_fails_the_build(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"src/demo/__init__.py": ""}, links={"src/demo/a": "b", "src/demo/b": "a"})
    with pytest.raises(LinksError, match=r"demo/a.*cycle"):
        select_wheel_files(load_project(root))


def test_overlong_chain_fails_the_build(tmp_path: Path) -> None:
    links = {f"src/demo/l{i}": f"l{i + 1}" for i in range(12)}
    links["src/demo/l12"] = "real"
    root = make_project(tmp_path, {"src/demo/__init__.py": "", "src/demo/real": ""}, links=links)
    with pytest.raises(LinksError, match=r"8 allowed"):
        select_wheel_files(load_project(root))


def test_excluded_link_is_left_out(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {"src/demo/__init__.py": ""},
        links={"src/demo/bad": "/etc/passwd"},
        extra='[tool.symback]\nexclude = ["src/demo/bad"]\n',
    )
    assert select_wheel_files(load_project(root)).links == ()


def test_sdist_keeps_links_and_everything_not_ignored(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {"src/demo/__init__.py": "", "src/demo/lib/libfoo.so.1": "ELF", "tests/test_a.py": "", ".gitignore": "*.log\n", "x.log": "", "dist/old.whl": ""},
        links={"src/demo/lib/libfoo.so": "libfoo.so.1"},
    )
    members = {m.rel: m.link_target for m in select_sdist_files(load_project(root))}
    assert members == {
        ".gitignore": None,
        "pyproject.toml": None,
        "src/demo/__init__.py": None,
        "src/demo/lib/libfoo.so": "libfoo.so.1",
        "src/demo/lib/libfoo.so.1": None,
        "tests/test_a.py": None,
    }


def test_sdist_refuses_a_cycle(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"src/demo/__init__.py": ""}, links={"docs/a": "b", "docs/b": "a"})
    with pytest.raises(LinksError, match=r"sdist.*docs/a.*cycle"):
        select_sdist_files(load_project(root))

