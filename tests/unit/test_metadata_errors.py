"""symback.metadata: every invalid [project] is a ConfigError that says where, what and how.

Each message has the shape
``pyproject.toml: [project] <key>: <what is wrong>: <bad value>. <how to fix>``;
every test checks the key, the bad value as written in TOML, and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from symback.errors import ConfigError, SymbackError
from symback.metadata import load_metadata


def write(root: Path, rel: str, text: str = "x\n") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error(root: Path, version_file: Path | None = None, **project: Any) -> str:
    if "name" not in project:
        project["name"] = "demo"
    if "version" not in project and "dynamic" not in project:
        project["version"] = "1.0"
    project = {k: v for k, v in project.items() if v is not DROP}
    with pytest.raises(ConfigError) as info:
        load_metadata(project, root=root, version_file=version_file)
    assert isinstance(info.value, SymbackError)
    return str(info.value)


DROP = object()


def check(message: str, key: str, value: str, fix: str) -> None:
    """The shape: file and key first, then the bad value, then the fix."""
    prefix = f"pyproject.toml: [project] {key}: "
    assert message.startswith(prefix), message
    assert fix, "every error gives a fix"
    if value:
        assert value in message, message
        assert message.index(value) < message.index(fix), message
    assert fix in message, message
    assert message.rstrip().endswith((".", "?")), message


# --------------------------------------------------------------------------- name


def test_missing_name(tmp_path: Path) -> None:
    message = error(tmp_path, name=DROP)
    check(message, "name", "", 'Add name = "your-project" to [project].')
    assert "missing" in message


@pytest.mark.parametrize("bad", ["-demo", "my project", "demo_", "dé", ""])
def test_invalid_name(tmp_path: Path, bad: str) -> None:
    message = error(tmp_path, name=bad)
    check(message, "name", f'"{bad}"', "starting and ending with a letter or digit")
    assert "not a valid project name" in message


# --------------------------------------------------------------------------- version / dynamic


@pytest.mark.parametrize("bad", ["1.0-beta-x", "v1..0", "latest"])
def test_bad_version(tmp_path: Path, bad: str) -> None:
    message = error(tmp_path, version=bad)
    check(message, "version", f'"{bad}"', 'Use a version such as "1.2.3"')
    assert "PEP 440" in message


def test_bad_dynamic_version_names_the_file(tmp_path: Path) -> None:
    init = write(tmp_path, "src/pkg/__init__.py", '__version__ = "one point oh"\n')
    message = error(tmp_path, version_file=init, dynamic=["version"])
    assert message.startswith("src/pkg/__init__.py: __version__: not a valid PEP 440 version")
    assert '"one point oh"' in message and 'such as "1.2.3"' in message


def test_missing_version(tmp_path: Path) -> None:
    message = error(tmp_path, version=DROP)
    check(message, "version", "", 'dynamic = ["version"]')
    assert "missing" in message


def test_version_static_and_dynamic(tmp_path: Path) -> None:
    message = error(tmp_path, version="1.0", dynamic=["version"])
    check(message, "version", '"1.0"', 'remove "version" from dynamic')
    assert "also listed in dynamic" in message


def test_dynamic_version_without_package(tmp_path: Path) -> None:
    message = error(tmp_path, version_file=None, dynamic=["version"])
    check(message, "dynamic", '["version"]', "set version statically")
    assert "no package was found to read __version__ from" in message


def test_dynamic_version_not_found_names_the_file(tmp_path: Path) -> None:
    init = write(tmp_path, "src/pkg/__init__.py", "VERSION = '1'\n")
    message = error(tmp_path, version_file=init, dynamic=["version"])
    assert message.startswith("src/pkg/__init__.py: __version__: not found")
    assert '__version__ = "1.2.3"' in message


@pytest.mark.parametrize("field", ["dependencies", "readme", "description", "name", "bogus"])
def test_unsupported_dynamic(tmp_path: Path, field: str) -> None:
    init = write(tmp_path, "pkg/__init__.py", '__version__ = "1"\n')
    message = error(tmp_path, version_file=init, dynamic=["version", field])
    check(message, "dynamic[1]", f'"{field}"', f"Write {field} statically in [project]")
    assert "symback computes only the version" in message


# --------------------------------------------------------------------------- requirements


def test_bad_requirement(tmp_path: Path) -> None:
    message = error(tmp_path, dependencies=["ok", "requests >= "])
    check(message, "dependencies[1]", '"requests >= "', "Write a PEP 508 requirement")
    assert "invalid requirement" in message


def test_bad_optional_requirement(tmp_path: Path) -> None:
    message = error(tmp_path, **{"optional-dependencies": {"test": ["pytest;;"]}})
    check(message, "optional-dependencies.test[0]", '"pytest;;"', "Write a PEP 508 requirement")


def test_bad_extra_name(tmp_path: Path) -> None:
    message = error(tmp_path, **{"optional-dependencies": {"my extra": ["x"]}})
    check(message, 'optional-dependencies."my extra"', '"my extra"', "PEP 685")


def test_extras_equal_after_normalisation(tmp_path: Path) -> None:
    message = error(tmp_path, **{"optional-dependencies": {"Test_X": ["a"], "test.x": ["b"]}})
    check(message, 'optional-dependencies."test.x"', '"test.x"', "Merge the two lists.")
    assert '"Test_X"' in message and "test-x" in message


def test_bad_specifier(tmp_path: Path) -> None:
    message = error(tmp_path, **{"requires-python": ">=3.9.x"})
    check(message, "requires-python", '">=3.9.x"', 'such as ">=3.9"')
    assert "invalid version specifier" in message


# --------------------------------------------------------------------------- license


@pytest.mark.parametrize("bad", ["MIT-ish", "MIT and", "GPL OR"])
def test_bad_spdx(tmp_path: Path, bad: str) -> None:
    message = error(tmp_path, license=bad)
    check(message, "license", f'"{bad}"', "https://spdx.org/licenses/")
    assert "not a valid SPDX license expression" in message


def test_missing_license_file(tmp_path: Path) -> None:
    message = error(tmp_path, license={"file": "COPYING"})
    check(message, "license.file", '"COPYING"', "Create COPYING or fix the path")
    assert "file not found" in message


def test_license_files_glob_matching_nothing(tmp_path: Path) -> None:
    write(tmp_path, "LICENSE")
    message = error(tmp_path, license="MIT", **{"license-files": ["LICENSE", "LICENSES/*.txt"]})
    check(message, "license-files[1]", '"LICENSES/*.txt"', "Fix the pattern")
    assert "matches no file" in message


def test_license_files_literal_missing(tmp_path: Path) -> None:
    message = error(tmp_path, **{"license-files": ["NOTICE"]})
    check(message, "license-files[0]", '"NOTICE"', "Fix the pattern")


@pytest.mark.parametrize(
    "bad", ["../LICENSE", "/LICENSE", "docs\\LICENSE", "LIC ENSE", "a//b", "[]", "x[a"]
)
def test_license_files_invalid_glob(tmp_path: Path, bad: str) -> None:
    message = error(tmp_path, **{"license-files": [bad]})
    assert message.startswith("pyproject.toml: [project] license-files[0]: "), message
    assert "PEP 639" in message


def test_legacy_license_table_with_license_files(tmp_path: Path) -> None:
    write(tmp_path, "LICENSE")
    message = error(tmp_path, license={"text": "MIT"}, **{"license-files": ["LICENSE"]})
    check(message, "license", '{text = "MIT"}', 'Write license = "<SPDX expression>"')


def test_legacy_license_table_shape(tmp_path: Path) -> None:
    message = error(tmp_path, license={"text": "MIT", "file": "LICENSE"})
    check(message, "license", '{text = "MIT", file = "LICENSE"}', "PEP 639")
    message = error(tmp_path, license={"name": "MIT"})
    check(message, "license.name", '"MIT"', "PEP 639")


def test_license_classifier_with_expression_is_a_warning_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # hatchling, flit and uv_build accept it, and so does PyPI (tests/unit/test_versions.py
    # checks the warning in full).
    classifier = "License :: OSI Approved :: MIT License"
    meta = load_metadata(
        {"name": "demo", "version": "1", "license": "MIT", "classifiers": ["Typing :: Typed", classifier]},
        root=tmp_path,
        version_file=None,
    )
    assert meta.classifiers == ("Typing :: Typed", classifier)
    err = capsys.readouterr().err
    assert f"classifiers[1] = {classifier!r}" in err and "PEP 639" in err


# --------------------------------------------------------------------------- readme


def test_missing_readme(tmp_path: Path) -> None:
    message = error(tmp_path, readme="docs/README.md")
    check(message, "readme", '"docs/README.md"', "Create docs/README.md or fix the path")
    assert "file not found" in message


def test_missing_readme_in_table(tmp_path: Path) -> None:
    message = error(tmp_path, readme={"file": "README.rst", "content-type": "text/x-rst"})
    check(message, "readme.file", '"README.rst"', "Create README.rst")


def test_readme_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    message = error(tmp_path, readme="docs")
    check(message, "readme", '"docs"', "fix the path")
    assert "is a directory" in message


@pytest.mark.parametrize("bad", ["../README.md", "/etc/motd", "docs\\README.md"])
def test_readme_outside_project(tmp_path: Path, bad: str) -> None:
    message = error(tmp_path, readme=bad)
    check(message, "readme", bad.replace("\\", "\\\\"), "relative to the directory holding")


@pytest.mark.parametrize("filename", ["README", "README.adoc"])
def test_unknown_readme_type(tmp_path: Path, filename: str) -> None:
    write(tmp_path, filename)
    message = error(tmp_path, readme=filename)
    check(message, "readme", f'"{filename}"', 'content-type = "text/plain"')
    assert "cannot tell the content type" in message


def test_readme_table_needs_content_type(tmp_path: Path) -> None:
    write(tmp_path, "README.md")
    message = error(tmp_path, readme={"file": "README.md"})
    check(message, "readme", '{file = "README.md"}', 'content-type = "text/markdown"')


@pytest.mark.parametrize(
    ("bad", "fix"),
    [
        ("text/html", 'Use "text/markdown", "text/x-rst" or "text/plain"'),
        ("markdown", 'Use "text/markdown", "text/x-rst" or "text/plain"'),
        ("text/markdown; variant=Foo", '"; variant=GFM" or "; variant=CommonMark"'),
        ("text/markdown; charset=latin-1", 'Drop the charset, or use "charset=UTF-8"'),
    ],
)
def test_readme_bad_content_type(tmp_path: Path, bad: str, fix: str) -> None:
    message = error(tmp_path, readme={"text": "hi", "content-type": bad})
    check(message, "readme.content-type", f'"{bad}"', fix)


def test_readme_table_file_and_text(tmp_path: Path) -> None:
    message = error(tmp_path, readme={"file": "R.md", "text": "x", "content-type": "text/plain"})
    check(message, "readme", '{file = "R.md"', "not both or neither")


def test_readme_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "README.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    message = error(tmp_path, readme="README.txt")
    check(message, "readme", '"README.txt"', "Save it as UTF-8.")


# --------------------------------------------------------------------------- keys and types


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("optional_dependencies", "optional-dependencies"),
        ("requires_python", "requires-python"),
        ("author", "authors"),
        ("url", "urls"),
        ("licence", "license"),
        ("entry_points", "entry-points"),
    ],
)
def test_unknown_key_suggests_closest(tmp_path: Path, key: str, suggestion: str) -> None:
    message = error(tmp_path, **{key: "x"})
    check(message, key, '"x"', f"Did you mean {suggestion}?")
    assert "unknown key" in message


def test_unknown_key_far_from_everything(tmp_path: Path) -> None:
    message = error(tmp_path, zzzqqq=1)
    check(message, "zzzqqq", "1", "Valid keys are: name, version")


def test_metadata_25_keys_are_refused_clearly(tmp_path: Path) -> None:
    message = error(tmp_path, **{"import-names": ["demo"]})
    check(message, "import-names", '["demo"]', "Remove import-names from [project].")
    assert "2.5" in message


@pytest.mark.parametrize(
    ("key", "value", "shown", "expected"),
    [
        ("keywords", "a", '"a"', "must be an array of strings, not a string"),
        ("classifiers", [1], "1", "must be a string, not an integer"),
        ("dependencies", {"a": "1"}, '{a = "1"}', "must be an array of strings, not a table"),
        ("name", 5, "5", "must be a string, not an integer"),
        ("version", 1.0, "1.0", "must be a string, not a float"),
        ("description", ["x"], '["x"]', "must be a string, not an array"),
        ("readme", True, "true", "must be a string (a file path) or a table, not a boolean"),
        ("license", ["MIT"], '["MIT"]', "must be a string (an SPDX expression), not an array"),
        ("authors", {"name": "x"}, '{name = "x"}', "must be an array of tables, not a table"),
        ("urls", ["https://x"], '["https://x"]', "must be a table, not an array"),
        ("scripts", "x:y", '"x:y"', "must be a table, not a string"),
        ("optional-dependencies", ["x"], '["x"]', "must be a table, not an array"),
        ("dynamic", "version", '"version"', "must be an array of strings, not a string"),
        ("license-files", "LICENSE", '"LICENSE"', "must be an array of strings, not a string"),
    ],
)
def test_wrong_type(tmp_path: Path, key: str, value: Any, shown: str, expected: str) -> None:
    message = error(tmp_path, **{key: value})
    key_shown = {"classifiers": "classifiers[0]"}.get(key, key)
    check(message, key_shown, f"{expected}: {shown}", "Write it as")


def test_wrong_type_nested(tmp_path: Path) -> None:
    message = error(tmp_path, **{"optional-dependencies": {"test": "pytest"}})
    check(message, "optional-dependencies.test", 'not a string: "pytest"', 'test = ["pytest"]')
    message = error(tmp_path, authors=[{"name": "A", "email": 3}])
    check(message, "authors[0].email", "not an integer: 3", "Write it as")


def test_multiline_description(tmp_path: Path) -> None:
    message = error(tmp_path, description="line one\nline two")
    check(message, "description", '"line one\\nline two"', "Remove the line breaks")


# --------------------------------------------------------------------------- people, urls, keywords


def test_author_unknown_key(tmp_path: Path) -> None:
    message = error(tmp_path, authors=[{"name": "A", "mail": "a@example.org"}])
    check(message, "authors[0].mail", '"a@example.org"', "Write authors = [")
    assert "allowed: name, email" in message


def test_author_empty_table(tmp_path: Path) -> None:
    message = error(tmp_path, maintainers=[{}])
    check(message, "maintainers[0]", "{}", "Write maintainers = [")


@pytest.mark.parametrize("bad", ["Jane <jane@example.org>", "no-at-sign", "a@b@c", "a b@c.org"])
def test_bad_email(tmp_path: Path, bad: str) -> None:
    message = error(tmp_path, authors=[{"email": bad}])
    check(message, "authors[0].email", f'"{bad}"', "Write a bare address")


def test_keyword_with_comma(tmp_path: Path) -> None:
    message = error(tmp_path, keywords=["a", "b,c"])
    check(message, "keywords[1]", '"b,c"', "Split it into separate keywords.")


def test_url_label_with_comma(tmp_path: Path) -> None:
    message = error(tmp_path, urls={"Docs, API": "https://x"})
    check(message, 'urls."Docs, API"', '"Docs, API"', "Rename the label")


def test_bad_url(tmp_path: Path) -> None:
    message = error(tmp_path, urls={"Homepage": "example dot org"})
    check(message, "urls.Homepage", '"example dot org"', "Write an absolute URL")


# --------------------------------------------------------------------------- entry points


@pytest.mark.parametrize(
    ("group", "section"), [("console_scripts", "scripts"), ("gui_scripts", "gui-scripts")]
)
def test_scripts_in_entry_points(tmp_path: Path, group: str, section: str) -> None:
    message = error(tmp_path, **{"entry-points": {group: {"tool": "pkg:main"}}})
    check(
        message,
        f"entry-points.{group}",
        '{tool = "pkg:main"}',
        f"Move these entries to [project.{section}].",
    )


@pytest.mark.parametrize(
    "bad",
    ["pkg.cli", "pkg-cli:main", "pkg:main()", "pkg:", ":main", "pkg:main [extra]", "class:main"],
)
def test_bad_script_reference(tmp_path: Path, bad: str) -> None:
    message = error(tmp_path, scripts={"tool": bad})
    check(message, "scripts.tool", f'"{bad}"', 'Write it as "package.module:function"')


def test_bad_entry_point_reference(tmp_path: Path) -> None:
    message = error(tmp_path, **{"entry-points": {"g": {"n": "a..b"}}})
    check(message, "entry-points.g.n", '"a..b"', 'Write it as "package.module:object.attr"')


@pytest.mark.parametrize("bad", ["my tool", "../evil", "-x", "a/b"])
def test_bad_script_name(tmp_path: Path, bad: str) -> None:
    message = error(tmp_path, **{"gui-scripts": {bad: "pkg:main"}})
    shown = bad if bad == "-x" else f'"{bad}"'  # TOML bare keys are shown bare
    check(message, f"gui-scripts.{shown}", f'"{bad}"', "it becomes a file name")


@pytest.mark.parametrize("bad", ["a=b", "[x", " lead", "#c"])
def test_bad_entry_point_name(tmp_path: Path, bad: str) -> None:
    message = error(tmp_path, **{"entry-points": {"grp": {bad: "pkg:obj"}}})
    check(message, f'entry-points.grp."{bad}"', f'"{bad}"', "no '='")


def test_bad_entry_point_group(tmp_path: Path) -> None:
    message = error(tmp_path, **{"entry-points": {"my group": {"n": "pkg:obj"}}})
    check(message, 'entry-points."my group"', '"my group"', "Use letters, digits")


def test_project_not_a_table(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^pyproject.toml: \[project\]: must be a table"):
        load_metadata(["x"], root=tmp_path, version_file=None)  # type: ignore[arg-type]


def test_control_characters(tmp_path: Path) -> None:
    message = error(tmp_path, authors=[{"name": "A\x00B"}])
    check(message, "authors[0].name", '"A\\u0000B"', "Remove them.")


def test_license_file_name_with_double_dot(tmp_path: Path) -> None:
    write(tmp_path, "LICENSE..txt")
    message = error(tmp_path, **{"license-files": ["LICENSE*"]})
    check(message, "license-files", '"LICENSE..txt"', "Rename the file.")
