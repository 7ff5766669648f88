"""symback.metadata: [project] -> ProjectMetadata -> core metadata 2.4, read back by packaging.

Expected values are stated from the specs (PEP 621, PEP 639, PEP 685, core metadata), and
checked through ``packaging.metadata.Metadata.from_email(..., validate=True)``, never by
comparing against a copy of symback's own output.
"""

from __future__ import annotations

import configparser
import csv
import email.utils
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.metadata import Metadata
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from symback.errors import ConfigError
from symback.projectkeys import Contact
from symback.metadata import (
    ProjectMetadata,
    load_metadata,
    read_version,
)


def write(root: Path, rel: str, text: str = "x\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(root: Path, version_file: Path | None = None, **project: Any) -> ProjectMetadata:
    project.setdefault("name", "demo")
    if "version" not in project and "version" not in project.get("dynamic", ()):
        project["version"] = "1.0"
    return load_metadata(project, root=root, version_file=version_file)


def parse(meta: ProjectMetadata, extra_requires: tuple[str, ...] = ()) -> Metadata:
    return Metadata.from_email(meta.core_metadata(extra_requires), validate=True)


@pytest.fixture
def maximal(tmp_path: Path) -> dict[str, Any]:
    write(tmp_path, "README.md", "# Demo ünïcode\r\n\r\nSome *text*.\r\n")
    write(tmp_path, "LICENSE", "MIT\n")
    write(tmp_path, "LICENSES/Apache-2.0.txt")
    write(tmp_path, "LICENSES/sub/extra.txt")
    write(tmp_path, "src/demo/__init__.py", '__version__ = "2.0.0-RC.1"\n')
    return {
        "name": "Demo.Project_x",
        "dynamic": ["version"],
        "description": "A demo project",
        "readme": "README.md",
        "requires-python": ">=3.9, <4",
        "license": "mit OR apache-2.0",
        "license-files": ["LICENSE", "LICENSES/**/*.txt"],
        "authors": [
            {"name": "Doe, Jane", "email": "jane@example.org"},
            {"name": "Only Name"},
            {"email": "only@example.org"},
        ],
        "maintainers": [{"name": "Jöhn Q. Public", "email": "john@example.org"}],
        "keywords": ["packaging", "symlinks"],
        "classifiers": ["Programming Language :: Python :: 3", "Typing :: Typed"],
        "urls": {"Homepage": "https://example.org", "Issue Tracker": "https://example.org/i"},
        "dependencies": ["requests [socks] >=2.31", "tomli>=1.2; python_version < '3.11'"],
        "optional-dependencies": {
            "Test_Suite": ["pytest>=8", "pywin32; os_name == 'nt' or sys_platform == 'cygwin'"],
            "docs": [],
        },
        "scripts": {"demo": "demo.cli:main"},
        "gui-scripts": {"demo-gui": "demo.gui:run"},
        "entry-points": {
            "demo.plugins": {"first": "demo.plugins.first", "second": "demo.p:obj.attr"}
        },
    }


def test_maximal_project_validates_with_packaging(tmp_path: Path, maximal: dict) -> None:
    meta = load_metadata(maximal, root=tmp_path, version_file=tmp_path / "src/demo/__init__.py")
    parsed = parse(meta)

    assert parsed.metadata_version == "2.4"
    assert parsed.name == "Demo.Project_x"
    assert parsed.version == Version("2.0.0rc1")
    assert meta.version == "2.0.0rc1"
    assert meta.normalized_name == "demo-project-x"
    assert meta.dist_name == "demo_project_x"
    assert parsed.summary == "A demo project"
    assert parsed.description_content_type == "text/markdown"
    assert parsed.description is not None
    assert parsed.description.startswith("# Demo ünïcode\n\nSome *text*.")
    assert "\r" in (tmp_path / "README.md").read_bytes().decode() and "\r" not in parsed.description
    assert parsed.requires_python == SpecifierSet(">=3.9,<4")
    assert parsed.license_expression == "MIT OR Apache-2.0"
    assert parsed.license is None
    assert parsed.license_files == ["LICENSE", "LICENSES/Apache-2.0.txt", "LICENSES/sub/extra.txt"]
    assert meta.license_files == ("LICENSE", "LICENSES/Apache-2.0.txt", "LICENSES/sub/extra.txt")
    assert meta.readme_file == "README.md"
    assert parsed.keywords == ["packaging", "symlinks"]
    assert parsed.classifiers == ["Programming Language :: Python :: 3", "Typing :: Typed"]
    assert parsed.project_urls == {
        "Homepage": "https://example.org",
        "Issue Tracker": "https://example.org/i",
    }
    assert parsed.author == "Only Name"
    assert email.utils.getaddresses([parsed.author_email]) == [
        ("Doe, Jane", "jane@example.org"),
        ("", "only@example.org"),
    ]
    assert parsed.maintainer is None
    assert email.utils.getaddresses([parsed.maintainer_email]) == [
        ("Jöhn Q. Public", "john@example.org")
    ]
    assert parsed.provides_extra == ["test-suite", "docs"]
    assert [str(r) for r in parsed.requires_dist] == [
        str(Requirement("requests[socks]>=2.31")),
        str(Requirement('tomli>=1.2; python_version < "3.11"')),
        str(Requirement('pytest>=8; extra == "test-suite"')),
        str(
            Requirement(
                'pywin32; (os_name == "nt" or sys_platform == "cygwin") and extra == "test-suite"'
            )
        ),
    ]


def test_extra_markers_are_grouped_not_flattened(tmp_path: Path) -> None:
    meta = load(
        tmp_path, **{"optional-dependencies": {"win": ["x; os_name == 'nt' or os_name == 'java'"]}}
    )
    (requirement,) = parse(meta).requires_dist
    assert requirement.marker is not None
    # Without parentheses "a or b and extra" would hold for every os_name == "nt".
    assert not requirement.marker.evaluate({"os_name": "nt", "extra": "other"})
    assert requirement.marker.evaluate({"os_name": "java", "extra": "win"})
    assert not requirement.marker.evaluate({"os_name": "posix", "extra": "win"})


def test_extra_requires_are_appended(tmp_path: Path) -> None:
    meta = load(tmp_path, dependencies=["a"])
    parsed = parse(meta, ("editables>=0.5",))
    assert [str(r) for r in parsed.requires_dist] == ["a", "editables>=0.5"]
    assert [str(r) for r in parse(meta).requires_dist] == ["a"]


def test_minimal_project(tmp_path: Path) -> None:
    meta = load(tmp_path, name="x", version="01.02")
    parsed = parse(meta)
    assert (parsed.name, parsed.version) == ("x", Version("1.2"))
    assert meta.version == "1.2"
    assert parsed.description is None and parsed.summary is None
    assert parsed.license_files is None and meta.license_files == ()
    assert meta.readme_file is None
    assert meta.entry_points_txt() is None


def test_header_order_starts_with_version_name(tmp_path: Path, maximal: dict) -> None:
    meta = load_metadata(maximal, root=tmp_path, version_file=tmp_path / "src/demo/__init__.py")
    lines = meta.core_metadata().decode().splitlines()
    assert [line.split(":")[0] for line in lines[:3]] == ["Metadata-Version", "Name", "Version"]


def test_output_is_deterministic(tmp_path: Path, maximal: dict) -> None:
    a = load_metadata(maximal, root=tmp_path, version_file=tmp_path / "src/demo/__init__.py")
    b = load_metadata(dict(maximal), root=tmp_path, version_file=tmp_path / "src/demo/__init__.py")
    assert a == b and hash(a) == hash(b)
    assert a.core_metadata() == b.core_metadata()
    assert a.entry_points_txt() == b.entry_points_txt()


def test_metadata_is_frozen(tmp_path: Path) -> None:
    meta = load(tmp_path)
    with pytest.raises(AttributeError):
        meta.version = "2"  # type: ignore[misc]


def test_entry_points_txt(tmp_path: Path, maximal: dict) -> None:
    meta = load_metadata(maximal, root=tmp_path, version_file=tmp_path / "src/demo/__init__.py")
    text = meta.entry_points_txt()
    assert text is not None
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(text.decode("utf-8"))
    assert parser.sections() == ["console_scripts", "gui_scripts", "demo.plugins"]
    assert dict(parser["console_scripts"]) == {"demo": "demo.cli:main"}
    assert dict(parser["gui_scripts"]) == {"demo-gui": "demo.gui:run"}
    assert dict(parser["demo.plugins"]) == {
        "first": "demo.plugins.first",
        "second": "demo.p:obj.attr",
    }


def test_entry_points_read_by_importlib(tmp_path: Path) -> None:
    from importlib.metadata import PathDistribution

    meta = load(tmp_path, scripts={"tool": "pkg.mod:main"}, **{"entry-points": {"g": {"n": "m.x"}}})
    dist_info = tmp_path / "demo-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_bytes(meta.core_metadata())
    (dist_info / "entry_points.txt").write_bytes(meta.entry_points_txt() or b"")
    eps = PathDistribution(dist_info).entry_points
    assert sorted((e.group, e.name, e.value) for e in eps) == [
        ("console_scripts", "tool", "pkg.mod:main"),
        ("g", "n", "m.x"),
    ]


def test_only_groups_without_scripts(tmp_path: Path) -> None:
    meta = load(tmp_path, **{"entry-points": {"pytest11": {"demo": "demo.plugin"}}})
    assert meta.entry_points_txt() == b"[pytest11]\ndemo = demo.plugin\n"


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("README.md", "text/markdown"),
        ("README.rst", "text/x-rst"),
        ("readme.TXT", "text/plain"),
        ("docs/intro.markdown", "text/markdown"),
    ],
)
def test_readme_content_type_from_suffix(tmp_path: Path, filename: str, content_type: str) -> None:
    write(tmp_path, filename, "Hello\n")
    meta = load(tmp_path, readme=filename)
    assert parse(meta).description_content_type == content_type
    assert meta.readme_file == filename


def test_readme_table_file_and_text(tmp_path: Path) -> None:
    write(tmp_path, "docs/README", "Plain readme\n")
    meta = load(
        tmp_path, readme={"file": "./docs/README", "content-type": "text/plain; charset=UTF-8"}
    )
    parsed = parse(meta)
    assert meta.readme_file == "docs/README"
    assert parsed.description == "Plain readme\n"
    assert parsed.description_content_type == "text/plain; charset=UTF-8"

    meta = load(
        tmp_path,
        readme={"text": "Inline\n\nreadme", "content-type": "text/markdown; variant=CommonMark"},
    )
    parsed = parse(meta)
    assert meta.readme_file is None
    assert parsed.description == "Inline\n\nreadme"
    assert parsed.description_content_type == "text/markdown; variant=CommonMark"


def test_readme_body_survives_header_lookalikes(tmp_path: Path) -> None:
    text = "Name: not-a-header\n\nVersion: 9.9\n\n\nFrom the start\n"
    write(tmp_path, "README.txt", text)
    parsed = parse(load(tmp_path, readme="README.txt"))
    assert parsed.name == "demo" and parsed.version == Version("1.0")
    assert parsed.description == text


def test_legacy_license_text(tmp_path: Path) -> None:
    text = "Copyright (c) Someone\n\n  Permission is granted, with an indented line.\nLast line"
    meta = load(tmp_path, license={"text": text})
    parsed = parse(meta)
    assert parsed.license_expression is None
    assert parsed.license is not None
    # Readers drop the 8-space continuation indent, as for setuptools' multi-line License.
    assert [
        line[8:] if i else line for i, line in enumerate(parsed.license.split("\n"))
    ] == text.split("\n")


def test_legacy_license_file(tmp_path: Path) -> None:
    write(tmp_path, "COPYING.txt", "GPL text\n")
    write(tmp_path, "LICENSE")  # would be picked up by the default globs: not with {file}
    meta = load(tmp_path, license={"file": "COPYING.txt"})
    parsed = parse(meta)
    assert meta.license_files == ("COPYING.txt",)
    assert parsed.license_files == ["COPYING.txt"]
    assert parsed.license is None and parsed.license_expression is None


def test_default_license_files(tmp_path: Path) -> None:
    for name in ("LICENSE.txt", "LICENCE", "COPYING", "NOTICE.md", "AUTHORS.rst", "README.md"):
        write(tmp_path, name)
    (tmp_path / "LICENSES").mkdir()  # a directory matches no file
    write(tmp_path, "sub/LICENSE")  # defaults look at the top level only
    meta = load(tmp_path, license="MIT")
    assert meta.license_files == ("AUTHORS.rst", "COPYING", "LICENCE", "LICENSE.txt", "NOTICE.md")
    assert parse(meta).license_files == list(meta.license_files)


def test_default_license_files_scan_matches_the_globs(tmp_path: Path) -> None:
    """A project without license keys finds its defaults by a plain scan of the root (the
    glob matcher is cold code): it must find what DEFAULT_LICENSE_FILES' globs find."""
    from symback import licensing
    from symback.metadata import DEFAULT_LICENSE_FILES, _default_license_files

    names = ["LICENSE", "LICENCE.txt", "LICENSEx", "LICENS", "license", "COPYING.LESSER",
             "COPYIN", "NOTICE", "AUTHORS.md", "AUTHOR", "LICENSE..old", "LICENSE\nx",
             "xLICENSE", "NOTICE~", "COPYING-ü"]
    for name in names:
        write(tmp_path, name)
    (tmp_path / "LICENSES").mkdir()
    write(tmp_path, "LICENSE-dir/LICENSE")
    write(tmp_path, ".git/LICENSE")
    os.symlink("LICENSE", tmp_path / "LICENSE-link")
    os.symlink("LICENSES", tmp_path / "LICENSE-dirlink")
    os.symlink("missing", tmp_path / "NOTICE-dangling")
    globbed = set()
    for pattern in DEFAULT_LICENSE_FILES:
        globbed.update(licensing.glob(tmp_path, licensing.glob_regex(pattern), pattern))
    expected = tuple(sorted(path for path in globbed if ".." not in path))
    assert _default_license_files(tmp_path) == expected
    assert "LICENSE-link" in expected and "LICENSE..old" not in expected
    assert _default_license_files(tmp_path / "missing") == ()


def test_empty_license_files_disables_defaults(tmp_path: Path) -> None:
    write(tmp_path, "LICENSE")
    assert load(tmp_path, **{"license-files": []}).license_files == ()


def test_license_files_globs(tmp_path: Path) -> None:
    for rel in (
        "LICENSE",
        "licenses/a.txt",
        "licenses/b.md",
        "licenses/deep/c.txt",
        "vendor/x/LICENSE",
        ".git/LICENSE",
        "venv/lib/LICENSE",
        "__pycache__/LICENSE",
    ):
        write(tmp_path, rel)
    write(tmp_path, "venv/pyvenv.cfg", "home = /usr\n")

    def files(*patterns: str) -> tuple[str, ...]:
        return load(tmp_path, **{"license-files": list(patterns)}).license_files

    assert files("licenses/*.txt") == ("licenses/a.txt",)
    assert files("licenses/**") == ("licenses/a.txt", "licenses/b.md", "licenses/deep/c.txt")
    assert files("licenses/**/*.txt") == ("licenses/a.txt", "licenses/deep/c.txt")
    assert files("licenses/[ab].*") == ("licenses/a.txt", "licenses/b.md")
    assert files("licenses/?.md", "LICENSE") == ("LICENSE", "licenses/b.md")
    assert files("licenses/*.txt", "licenses/a.txt") == ("licenses/a.txt",)  # deduplicated
    # ** skips VCS data, caches and virtualenvs; the result is sorted.
    assert files("**/LICENSE") == ("LICENSE", "vendor/x/LICENSE")
    assert files("*/*/LICENSE") == ("vendor/x/LICENSE",)
    # Matching is case-sensitive on every platform, for reproducible results.
    write(tmp_path, "Notice")
    with pytest.raises(ConfigError):
        files("notice")
    with pytest.raises(ConfigError):
        files("notic?")


def test_authors_shapes(tmp_path: Path) -> None:
    meta = load(
        tmp_path,
        authors=[{"name": "A"}, {"name": "B, Jr."}],
        maintainers=[{"email": "m@example.org"}, {"name": 'Q "Quote" R', "email": "q@example.org"}],
    )
    parsed = parse(meta)
    assert meta.authors == (Contact("A"), Contact("B, Jr."))
    assert parsed.author_email is None
    # Author is comma-separated; a name holding a comma is quoted so it does not split.
    assert next(csv.reader([parsed.author or ""], skipinitialspace=True)) == ["A", "B, Jr."]
    assert parsed.maintainer is None
    assert email.utils.getaddresses([parsed.maintainer_email]) == [
        ("", "m@example.org"),
        ('Q "Quote" R', "q@example.org"),
    ]


def test_urls_and_keywords_keep_user_order(tmp_path: Path) -> None:
    urls = {"Source": "https://s", "Changelog": "https://c", "Documentation": "https://d"}
    parsed = parse(load(tmp_path, urls=urls, keywords=["z", "a", "m"]))
    assert list(parsed.project_urls or {}) == ["Source", "Changelog", "Documentation"]
    assert parsed.keywords == ["z", "a", "m"]


def test_license_classifier_allowed_without_expression(tmp_path: Path) -> None:
    classifier = "License :: OSI Approved :: MIT License"
    parsed = parse(load(tmp_path, license={"text": "MIT"}, classifiers=[classifier]))
    assert parsed.classifiers == [classifier]


def test_requires_python_normalised(tmp_path: Path) -> None:
    meta = load(tmp_path, **{"requires-python": " >= 3.9 , != 3.10.* "})
    assert parse(meta).requires_python == SpecifierSet(">=3.9,!=3.10.*")
    # The user's order is kept (as hatchling, flit and setuptools write it), spaces dropped.
    assert [s.strip() for s in (meta.requires_python or "").split(",")] == [">=3.9", "!=3.10.*"]


def test_non_ascii_everywhere(tmp_path: Path) -> None:
    write(tmp_path, "README.rst", "Ünïcödé ✓\n")
    meta = load(
        tmp_path,
        description="Ärger-freie Pakete ✓",
        readme="README.rst",
        authors=[{"name": "Zoë Ødegård", "email": "zoe@example.org"}],
        keywords=["paquet", "日本"],
    )
    parsed = parse(meta)
    assert parsed.summary == "Ärger-freie Pakete ✓"
    assert parsed.description == "Ünïcödé ✓\n"
    assert parsed.keywords == ["paquet", "日本"]
    assert email.utils.getaddresses([parsed.author_email]) == [("Zoë Ødegård", "zoe@example.org")]
    assert b"=?utf-8?" not in meta.core_metadata()  # raw UTF-8, no RFC 2047 encoded words


# --------------------------------------------------------------------------- dynamic version


def test_dynamic_version_from_package(tmp_path: Path) -> None:
    init = write(
        tmp_path, "src/pkg/__init__.py", '"""Doc."""\nimport os\n__version__ = "3.1.4.post0"\n'
    )
    meta = load(tmp_path, version_file=init, dynamic=["version"])
    assert meta.version == "3.1.4.post0"
    assert meta.dynamic == ("version",)
    # Core metadata has no Dynamic field: the version is fixed once the sdist exists.
    assert parse(meta).dynamic is None


def test_dynamic_version_file_relative_to_root(tmp_path: Path) -> None:
    write(tmp_path, "pkg.py", "__version__ = '0.9'\n")
    assert load(tmp_path, version_file=Path("pkg.py"), dynamic=["version"]).version == "0.9"


# --------------------------------------------------------------------------- read_version


@pytest.mark.parametrize(
    "source",
    [
        '__version__ = "1.2.3"\n',
        "__version__ = '1.2.3'\n",
        '__version__: str = "1.2.3"\n',
        "from typing import Final\n__version__: Final = '1.2.3'\n",
        '__version__ = version = "1.2.3"\n',
        '# -*- coding: utf-8 -*-\n"""Módule."""\n__version__ = "1.2.3"  # comment\n',
        '__version__ = "0.0"\n__version__ = "1.2.3"\n',  # the last binding wins
        'def f():\n    __version__ = "9"\n__version__ = "1.2.3"\nclass C:\n    __version__ = "8"\n',
        '__version__ = ("1.2"\n    ".3")\n',
    ],
)
def test_read_version(tmp_path: Path, source: str) -> None:
    path = tmp_path / "mod.py"
    path.write_text(source, encoding="utf-8")
    assert read_version(path) == "1.2.3"


def test_read_version_never_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "explosive"
    pkg.mkdir()
    marker = tmp_path / "imported"
    (pkg / "__init__.py").write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "raise RuntimeError('symback imported the package')\n"
        "import does_not_exist\n"
        '__version__ = "4.5.6"\n',
        encoding="utf-8",
    )
    before = set(sys.modules)
    assert read_version(pkg / "__init__.py") == "4.5.6"
    assert not marker.exists()
    assert "explosive" not in sys.modules
    assert not any(name.startswith("explosive") for name in set(sys.modules) - before)


def test_read_version_missing_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text("VERSION = '1.0'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_version(path)
    message = str(info.value)
    assert str(path) in message
    assert "__version__" in message and "not found" in message
    assert '__version__ = "1.2.3"' in message  # how to fix


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("import importlib.metadata as m\n__version__ = m.version('x')\n", "m.version('x')"),
        ("__version__ = f'{1}.0'\n", "__version__ = f'{1}.0'"),
        ("__version__ = b'1.0'\n", "b'1.0'"),
        ("__version__ = '1.0'\n__version__ += '.dev0'\n", "+="),
    ],
)
def test_read_version_not_a_literal(tmp_path: Path, source: str, shown: str) -> None:
    path = tmp_path / "mod.py"
    path.write_text(source, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_version(path)
    message = str(info.value)
    assert str(path) in message and shown in message
    assert "not a string literal" in message and "without importing" in message


def test_read_version_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text("x = 1\ndef broken(:\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_version(path)
    assert f"{path}: line 2" in str(info.value)


def test_read_version_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        read_version(tmp_path / "nope.py")


@settings(max_examples=60, deadline=None)
@given(
    st.from_regex(
        r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc)[0-9]{1,2})?(\.post[0-9])?(\.dev[0-9])?",
        fullmatch=True,
    ),
    st.sampled_from(['__version__ = "{}"', "__version__ = '{}'", '__version__: str = "{}"']),
)
def test_read_version_roundtrip(
    tmp_path_factory: pytest.TempPathFactory, version: str, template: str
) -> None:
    path = tmp_path_factory.mktemp("v") / "mod.py"
    path.write_text(template.format(version) + "\n", encoding="utf-8")
    assert read_version(path) == version


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
            min_size=1,
            max_size=20,
        ).filter(lambda s: s.strip() == s and s.strip()),
        min_size=1,
        max_size=4,
    )
)
def test_author_names_roundtrip(tmp_path_factory: pytest.TempPathFactory, names: list[str]) -> None:
    """Any one-line name (commas, quotes, brackets included) comes back out intact."""
    root = tmp_path_factory.mktemp("a")
    authors = [{"name": n, "email": f"p{i}@example.org"} for i, n in enumerate(names)]
    parsed = parse(load(root, authors=authors))
    assert parsed.author_email is not None
    got = email.utils.getaddresses([parsed.author_email])
    assert [addr for _, addr in got] == [a["email"] for a in authors]
    assert [name for name, _ in got] == names


# requires-python: symback answers simple specifier sets without importing packaging;
# packaging is the oracle for every input, simple or not.
_OPERATORS = [">=", "<=", "==", "!=", "<", ">", "~=", "===", "=", ""]
_VERSIONS = ["3", "3.9", "3.10.1", "03.9", "3.9.0", "1!3", "3.*", "3.9rc1", "3.9.post1", "3.9.dev0", ""]


@pytest.mark.parametrize("tail", ["", ",<4", ", !=3.10", ","])
@pytest.mark.parametrize("space", ["", " "])
def test_requires_python_matches_packaging(tail: str, space: str) -> None:
    from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet

    from symback.metadata import _specifiers

    checked = 0
    for op in _OPERATORS:
        for version in _VERSIONS:
            raw = f"{space}{op}{space}{version}{tail}"
            try:
                SpecifierSet(raw)
                expected = ",".join(str(Specifier(p.strip())) for p in raw.split(",") if p.strip())
            except InvalidSpecifier:
                with pytest.raises(InvalidSpecifier):
                    _specifiers(raw)
            else:
                assert _specifiers(raw) == expected, raw
            checked += 1
    assert checked == len(_OPERATORS) * len(_VERSIONS)


# --------------------------------------------------------------------------- fast paths
# metadata reads the common shapes of name, version, description, readme and
# requires-python itself; anything else goes to projectcheck (the full reading, which words
# the errors). A fast path may refuse what the full reading accepts (it is then read there),
# never accept what it refuses, and never return something else.


def test_one_line_check_is_the_strings_check() -> None:
    """_NOT_ONE_LINE refuses exactly the characters projectvalues.string refuses (all of
    them lie below U+3000)."""
    import re

    from symback.metadata import _NOT_ONE_LINE
    from symback.projectvalues import string

    for code in range(0x3000):
        char = chr(code)
        try:
            string("k", f"a{char}b", "k = 'x'")
            refused = False
        except ConfigError:
            refused = True
        assert bool(re.search(_NOT_ONE_LINE, f"a{char}b")) == refused, hex(code)


@pytest.mark.parametrize(
    "value",
    ["README.md", "docs/README.rst", "README.txt", "read-me_1.markdown", "Read.Me.MD", "dé/ü.md",
     "./README.md", "docs//README.md", ".github/README.md", "README", "README.html", "docs",
     "missing.md", "bad.md", "crlf.md", "bom.md", "C:README.md", "a/../README.md", "link.md",
     "README.md/", "/README.md"],
)
def test_plain_readme_agrees_with_the_full_reading(tmp_path: Path, value: str) -> None:
    from symback import projectcheck
    from symback.metadata import _README_TYPES, _plain_readme

    for name in ("README.md", "docs/README.rst", "README.txt", "read-me_1.markdown",
                 "Read.Me.MD", "dé/ü.md", ".github/README.md", "README", "README.html"):
        write(tmp_path, name, f"# {name}\n\nbody\n")
    (tmp_path / "docs/sub").mkdir()
    (tmp_path / "bad.md").write_bytes(b"\xff\n")
    (tmp_path / "crlf.md").write_bytes(b"a\r\nb\rc\n")
    (tmp_path / "bom.md").write_bytes("\ufeffbom\n".encode())
    os.symlink("README.md", tmp_path / "link.md")
    fast = _plain_readme(value, tmp_path)
    plain = ("README.md", "docs/README.rst", "README.txt", "read-me_1.markdown", "Read.Me.MD", "dé/ü.md", "link.md")
    assert (fast is not None) == (value in plain), fast
    try:
        full = projectcheck.load_readme(value, tmp_path, _README_TYPES)
    except ConfigError:
        assert fast is None
        return
    assert fast is None or fast == full


def test_a_plain_project_loads_no_cold_metadata_module(tmp_path: Path) -> None:
    """A dynamic version loads versions alone, optional keys the module for them: neither
    the full reading of the plain keys."""
    import subprocess
    import textwrap

    write(tmp_path, "README.md", "# demo\n")
    write(tmp_path, "v.py", '__version__ = "2.0"\n')
    code = textwrap.dedent(
        f"""
        import sys, json
        from pathlib import Path
        from symback.metadata import load_metadata
        root = Path({str(tmp_path)!r})
        plain = {{"name": "demo", "version": "1.0", "description": "d", "readme": "README.md",
                  "requires-python": ">=3.9"}}
        load_metadata(plain, root=root, version_file=None)
        first = sorted(m for m in sys.modules if m.startswith("symback."))
        dynamic = {{**plain, "dynamic": ["version"]}}
        del dynamic["version"]
        assert load_metadata(dynamic, root=root, version_file=root / "v.py").version == "2.0"
        second = sorted(m for m in sys.modules if m.startswith("symback."))
        load_metadata({{**plain, "authors": [{{"name": "A"}}], "urls": {{"Home": "https://x"}}}},
                      root=root, version_file=None)
        third = sorted(m for m in sys.modules if m.startswith("symback."))
        print(json.dumps([first, second, third]))
        """
    )
    import json

    from conftest import REPO

    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    first, second, third = json.loads(out.stdout)
    assert first == ["symback.common", "symback.errors", "symback.metadata"]
    assert set(second) - set(first) == {"symback.versions"}
    assert set(third) - set(second) == {"symback.projectkeys", "symback.projectvalues", "symback.errortext"}


def test_plain_name_is_a_subset_of_pep_508_names() -> None:
    """metadata's ASCII name check accepts no name the PEP 508 pattern refuses; the few
    it leaves to projectcheck (four letters that case-fold to ASCII) are accepted there."""
    import re

    from symback.metadata import _PLAIN_NAME
    from symback.projectvalues import PEP508_NAME

    names = [chr(code) for code in range(0x3000)]
    names += [f"a{char}b" for char in names] + ["a..b", "a-", "-a", "a_b.c-d", "", "ab" * 60]
    for name in names:
        plain = bool(re.fullmatch(_PLAIN_NAME, name))
        pep508 = bool(re.fullmatch(PEP508_NAME, name))
        assert not plain or pep508, repr(name)
        assert plain == pep508 or name.strip("ab") in {"\u0130", "\u0131", "\u017f", "\u212a"}, repr(name)


@pytest.mark.parametrize("name", ["\u017fymback", "Ka\u0131"])
def test_names_the_pep_508_pattern_lets_through_stay_accepted(tmp_path: Path, name: str) -> None:
    assert load(tmp_path, name=name).name == name


_REQUIREMENT_PIECES = ["requests", "Foo.Bar_baz-1", "a", "x-", " ", "\t", ">=", "<=", "==", "!=", "<",
                       ">", "~=", "===", "1", "2.0", "02", "1.2.3.4", "1.*", "1rc1", ",", ", ", "[x]",
                       "@", "(", ")", "\u00a0", "."]
_MARKER_PIECES = ["", ";", "; ", " ; ", "python_version", "os_name", "sys_platform", "extra", " ", "<",
                  "==", "!=", ">=", "in", "'3.11'", '"nt"', "'win32'", "'a\"b'", "'é'", "''", " and ",
                  "'3.*'", "'CPython'", "platform_python_implementation"]


@settings(max_examples=600, deadline=None)
@given(
    st.lists(st.sampled_from(_REQUIREMENT_PIECES), min_size=1, max_size=7).map("".join),
    st.lists(st.sampled_from(_MARKER_PIECES), max_size=5).map("".join),
)
def test_plain_requirements_are_written_as_packaging_writes_them(head: str, tail: str) -> None:
    """projectkeys writes requirements of the common form without packaging: what it writes
    is str(Requirement(raw)), with and without the extra marker an optional one gets."""
    from packaging.markers import Marker

    from symback.projectkeys import _plain_requirement

    raw = head + tail
    plain = _plain_requirement(raw)
    if plain is None:
        return
    text, marker = plain
    requirement = Requirement(raw)  # never raises for what the fast path accepts
    assert (f"{text}; {marker}" if marker else text) == str(requirement)
    condition = 'extra == "test-x"'
    requirement.marker = Marker(f"({requirement.marker}) and {condition}" if marker else condition)
    assert (f"{text}; {marker} and {condition}" if marker else f"{text}; {condition}") == str(requirement)


@pytest.mark.parametrize(
    ("raw", "plain"),
    [("requests", ("requests", None)), (" requests >= 2 , < 3 ", ("requests<3,>=2", None)),
     ("a~=1.2", ("a~=1.2", None)), ("tomli>=1.2; python_version < '3.11'", ("tomli>=1.2", 'python_version < "3.11"')),
     ('a;os_name=="nt"', ("a", 'os_name == "nt"')),
     ("a~=1", None), ("a>=1,>=1.0", None), ("a[x]>=1", None), ("a @ https://x.org/a.whl", None),
     ("a==1.*", None), ("a>=1,", None), ("a; python_version < '3' and os_name == 'nt'", None),
     ("a; extra == 'x'", None), ("a; python_version in '3.9 3.10'", None)],
)
def test_plain_requirement_forms(raw: str, plain: tuple[str, str | None] | None) -> None:
    from symback.projectkeys import _plain_requirement

    assert _plain_requirement(raw) == plain


def test_plain_dependencies_need_no_packaging(tmp_path: Path) -> None:
    """packaging.requirements costs tens of ms to import where it has no byte-code."""
    import subprocess
    import textwrap

    from conftest import REPO

    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from symback.metadata import load_metadata
        meta = load_metadata({{"name": "demo", "version": "1.0",
                              "dependencies": ["requests>=2,<3", "tomli; python_version < '3.11'"],
                              "optional-dependencies": {{"Test_X": ["pytest>=8", "colorama; os_name=='nt'"]}}}},
                             root=Path({str(tmp_path)!r}), version_file=None)
        print(meta.dependencies, meta.optional_dependencies)
        print(sorted(m for m in sys.modules if m.startswith("packaging")))
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == [
        "('requests<3,>=2', 'tomli; python_version < \"3.11\"') (('test-x', ('pytest>=8; extra == \"test-x\"', "
        "'colorama; os_name == \"nt\" and extra == \"test-x\"')),)",
        "[]",
    ]


def test_cold_metadata_modules_never_import_metadata() -> None:
    """metadata imports them inside the branches that need them; none imports it back."""
    import ast

    from conftest import REPO

    for name in ("projectcheck", "projectkeys", "licensing", "projectvalues", "errortext"):
        tree = ast.parse((REPO / "src" / "symback" / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                targets = {node.module} if node.module else {alias.name for alias in node.names}
            elif isinstance(node, ast.Import):
                targets = {alias.name for alias in node.names}
            else:
                continue
            assert "metadata" not in {t.rsplit(".", 1)[-1] for t in targets}, (name, node.lineno)
