"""Wheel tags inferred from the files that ship."""

from __future__ import annotations

import sys
import sysconfig
from importlib.machinery import EXTENSION_SUFFIXES

import pytest

from symback.tags import interpreter_platform_tag, platform_tag, wheel_tag

PLATFORM = sysconfig.get_platform().replace("-", "_").replace(".", "_")
CP = f"cp{sys.version_info[0]}{sys.version_info[1]}"


def test_pure_python_is_any() -> None:
    assert wheel_tag(["pkg/__init__.py", "pkg/data.json"]) == "py3-none-any"


def test_extension_module_ties_to_interpreter() -> None:
    suffix = next(s for s in EXTENSION_SUFFIXES if s.startswith(".cpython") or s.startswith(".cp"))
    assert wheel_tag([f"pkg/_speed{suffix}"]) == interpreter_platform_tag()
    assert interpreter_platform_tag().startswith(CP + "-")
    assert interpreter_platform_tag().endswith("-" + PLATFORM)


@pytest.mark.parametrize("name", ["pkg/lib/libfoo.so", "pkg/lib/libfoo.so.1.2.3", "pkg/libfoo.dylib"])
def test_shared_library_ties_to_platform_only(name: str) -> None:
    assert wheel_tag(["pkg/__init__.py", name]) == f"py3-none-{PLATFORM}"


def test_abi3_extension() -> None:
    assert wheel_tag(["pkg/_x.abi3.so"]) == f"{CP}-abi3-{PLATFORM}"


def test_platform_tag_matches_packaging() -> None:
    from packaging.tags import sys_tags

    assert any(t.platform == platform_tag() for t in sys_tags())
