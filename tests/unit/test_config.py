"""[tool.symback] and config_settings: accepted values and the errors for bad ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from projects import make_project

from symback.config import BuildSettings, ToolConfig, load_project
from symback.errors import ConfigError


def test_defaults() -> None:
    tool = ToolConfig.from_table({})
    assert (tool.symlinks, tool.editable_mode, tool.editable_strict, tool.packages) == ("links", "auto", False, None)


@pytest.mark.parametrize("settings", [None, {}])
def test_no_config_settings(settings) -> None:  # pip passes None, uv and build pass {}
    assert BuildSettings.from_config_settings(settings) == BuildSettings()


def test_config_settings_override_the_table() -> None:
    tool = ToolConfig.from_table({"wheel": {"symlinks": "compat"}, "editable": {"mode": "links"}})
    settings = BuildSettings.from_config_settings({"symlinks": "copy", "editable-mode": "pth"})
    merged = tool.with_settings(settings)
    assert (merged.symlinks, merged.editable_mode) == ("copy", "pth")
    assert tool.with_settings(BuildSettings()).symlinks == "compat"


def test_repeated_setting_last_wins_and_pip_options_are_ignored() -> None:
    settings = BuildSettings.from_config_settings({"symlinks": ["links", "copy"], "--build-option": ["-x"]})
    assert settings.symlinks == "copy"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"symlink": "copy"}, "unknown key 'symlink' (given as -C symlink=...). Did you mean 'symlinks'?"),
        ({"symlinks": "hard"}, "symlinks: 'hard' is not one of links, lean, compat, copy"),
        ({"editable-mode": "magic"}, "editable-mode: 'magic' is not one of auto, links, pth"),
        # values config's own reading leaves to configcheck, which words the error
        ({"symlinks": []}, "symlinks: '' is not one of"),
        ({"editable-mode": 1}, "editable-mode: expected a string, got 1"),
        ({"symlinks": "copy", "-x": "", "lean": "1"}, "unknown key 'lean' (given as -C lean=...)"),
    ],
)
def test_bad_config_settings(settings, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        BuildSettings.from_config_settings(settings)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "settings",
    [{"symlinks": "lean"}, {"editable-mode": ["links", "pth"]}, {"symlinks": ["copy"], "--global-option": "-x"},
     {"symlinks": "compat", "editable-mode": "auto"}, {"-C": []}],
)
def test_plain_settings_read_as_the_full_check_reads_them(settings) -> None:
    """config reads valid settings itself; configcheck (every key, every message) agrees."""
    from symback.config import EDITABLE_MODES, SYMLINK_POLICIES
    from symback.configcheck import build_settings

    assert tuple(BuildSettings.from_config_settings(settings)) == build_settings(settings, SYMLINK_POLICIES, EDITABLE_MODES)


@pytest.mark.parametrize(
    "table",
    [
        {}, {"packages": ["src/a", "b.py"]}, {"include": ["*.dat"], "exclude": ["x/"]},
        {"wheel": {"symlinks": "lean"}}, {"wheel": {}}, {"editable": {"mode": "pth", "strict": True}},
        {"version": {"file": "src/p/_v.py"}}, {"packages": ["p"], "wheel": {"symlinks": "copy"}, "editable": {}},
    ],
)
def test_plain_tables_read_as_the_full_check_reads_them(table) -> None:
    """config reads [tool.symback] without build/data/tag itself; configcheck agrees."""
    from symback.config import EDITABLE_MODES, SYMLINK_POLICIES, NativeBuild
    from symback.configcheck import tool_config

    fields = tool_config(table, SYMLINK_POLICIES, EDITABLE_MODES)
    assert ToolConfig.from_table(table) == ToolConfig(**{**fields, "build": NativeBuild(**fields["build"])})


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"pakages": ["x"]}, "[tool.symback]: unknown key 'pakages'. Did you mean 'packages'?"),
        ({"wheel": {"symlink": "copy"}}, "[tool.symback.wheel]: unknown key 'symlink'. Did you mean 'symlinks'?"),
        ({"wheel": {"symlinks": "hard"}}, "[tool.symback.wheel] symlinks: 'hard' is not one of"),
        ({"editable": {"mode": "x"}}, "[tool.symback.editable] mode: 'x' is not one of"),
        ({"editable": {"strict": "yes"}}, "[tool.symback.editable] strict: expected true or false, got 'yes'"),
        ({"include": "src/*"}, "[tool.symback] include: expected a list of non-empty strings, got 'src/*'"),
        ({"packages": []}, "[tool.symback] packages: the list is empty"),
        ({"wheel": "links"}, "[tool.symback] wheel: expected a table"),
        ({"editable": {"strict": 1}}, "[tool.symback.editable] strict: expected true or false, got 1"),
        ({"packages": ["p", ""]}, "[tool.symback] packages: expected a list of non-empty strings"),
        ({"version": "file"}, "[tool.symback] version: expected a table"),
        ({"exclude": [1]}, "[tool.symback] exclude: expected a list of non-empty strings"),
    ],
)
def test_bad_tool_table(table, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        ToolConfig.from_table(table)
    assert message in str(info.value)
    assert str(info.value).startswith("pyproject.toml: ")


def test_missing_project_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[build-system]\nrequires = ["symback"]\n')
    with pytest.raises(ConfigError, match=r"(?s)pyproject.toml: \[project\] table missing.*name = "):
        load_project(tmp_path)


def test_invalid_toml_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\nname = 1\n")
    with pytest.raises(ConfigError, match=r"pyproject.toml: invalid TOML: .*line 1"):
        load_project(tmp_path)


def test_missing_pyproject(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="pyproject.toml: file not found"):
        load_project(tmp_path)


def test_dynamic_version_is_read_from_the_package(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"src/demo/__init__.py": '__version__ = "2.5.0"\n'}, version=None)
    assert load_project(root).metadata.version == "2.5.0"


def test_plain_tables_do_not_load_the_full_check(tmp_path: Path) -> None:
    """configcheck (every table, every message) is compiled only for the tables config
    does not read itself, or for an error."""
    import json
    import os
    import subprocess
    import sys

    from conftest import REPO

    project = make_project(
        tmp_path / "p", {"src/demo/__init__.py": ""},
        extra='[tool.symback]\ninclude = ["*.txt"]\n[tool.symback.wheel]\nsymlinks = "compat"\n',
    )
    code = ("import json, sys; from symback.config import load_project; p = load_project(sys.argv[1]); "
            "print(json.dumps([p.tool.symlinks, 'symback.configcheck' in sys.modules]))")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    out = subprocess.run([sys.executable, "-c", code, str(project)], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["compat", False]
