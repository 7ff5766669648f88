"""Wheel tags inferred from the files that ship, by their content (magic bytes)."""

from __future__ import annotations

import struct
import sys
import sysconfig
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from symback.binaries import ELF, MACHO, PE, file_native_kind, native_kind
from symback.errors import BuildError
from symback.tags import interpreter_platform_tag, platform_tag, wheel_tag

PLATFORM = sysconfig.get_platform().replace("-", "_").replace(".", "_")
CP = f"cp{sys.version_info[0]}{sys.version_info[1]}"
SUFFIX = next(s for s in EXTENSION_SUFFIXES if s.startswith((".cpython", ".cp")))

# Fabricated headers: just enough of each format for its magic bytes.
ELF_HEADER = b"\x7fELF\x02\x01\x01" + bytes(57)
MACHO_64 = b"\xcf\xfa\xed\xfe" + struct.pack("<iiI", 0x01000007, 3, 6) + bytes(48)  # x86_64, MH_DYLIB
MACHO_32_BE = b"\xfe\xed\xfa\xce" + bytes(60)
FAT = b"\xca\xfe\xba\xbe" + struct.pack(">I", 2) + struct.pack(">iiIII", 0x01000007, 3, 4096, 100, 12) + bytes(36)
FAT_64 = b"\xca\xfe\xba\xbf" + struct.pack(">I", 2) + bytes(56)
JAVA_CLASS = b"\xca\xfe\xba\xbe" + struct.pack(">HH", 0, 61) + bytes(56)  # same magic, class version 61


def pe_file(signature: bytes = b"PE\0\0", offset: int = 0x80) -> bytes:
    mz = bytearray(b"MZ" + bytes(offset - 2))
    mz[0x3C:0x40] = struct.pack("<I", offset)
    return bytes(mz) + signature + bytes(20)


@pytest.mark.parametrize(
    "data, kind",
    [
        (ELF_HEADER, ELF),
        (MACHO_64, MACHO),
        (MACHO_32_BE, MACHO),
        (FAT, MACHO),
        (FAT_64, MACHO),
        (pe_file(), PE),
        (JAVA_CLASS, None),
        (pe_file(b"NE\0\0"), None),  # a DOS/16-bit executable, not PE
        (b"MZ", None),
        (b"\x7fEL", None),
        (b"", None),
        (b"#!/bin/sh\necho hi\n", None),
    ],
)
def test_native_kind_by_magic_bytes(tmp_path: Path, data: bytes, kind: str | None) -> None:
    path = tmp_path / "f"
    path.write_bytes(data)
    assert file_native_kind(str(path)) == kind
    assert native_kind(data[:64], None) == (None if kind == PE else kind)


def _files(tmp_path: Path, entries: dict[str, bytes]) -> list[tuple[str, str]]:
    out = []
    for i, (arcname, data) in enumerate(entries.items()):
        path = tmp_path / f"f{i}"
        path.write_bytes(data)
        out.append((arcname, str(path)))
    return out


def test_pure_python_is_any(tmp_path: Path) -> None:
    assert wheel_tag(_files(tmp_path, {"pkg/__init__.py": b"", "pkg/data.json": b"{}"})) == "py3-none-any"


def test_names_alone_do_not_make_a_binary(tmp_path: Path) -> None:
    """A text file named like a library, or a name without content, is not native."""
    files = _files(tmp_path, {"pkg/libfoo.so.1": b"not a library", f"pkg/_x{SUFFIX}": b"text"})
    assert wheel_tag(files + [("pkg/libbar.so", None)]) == "py3-none-any"


def test_extension_module_ties_to_interpreter(tmp_path: Path) -> None:
    files = _files(tmp_path, {"pkg/__init__.py": b"", f"pkg/_speed{SUFFIX}": ELF_HEADER, "pkg/lib/libx.so.1": ELF_HEADER})
    assert wheel_tag(files) == interpreter_platform_tag()
    assert interpreter_platform_tag() == f"{CP}-{CP}-{PLATFORM}" or interpreter_platform_tag().startswith(CP)
    assert interpreter_platform_tag().endswith("-" + PLATFORM)
    assert "manylinux" not in wheel_tag(files)


@pytest.mark.parametrize(
    "name, data",
    [
        ("pkg/lib/libfoo.so.1.2.3", ELF_HEADER),
        ("pkg/libfoo.dylib", MACHO_64),
        ("pkg/libfoo.dylib", FAT),
        ("pkg/foo.dll", pe_file()),
        ("pkg/bin/tool", ELF_HEADER),  # an executable: no suffix at all
        ("pkg-1.0.data/scripts/tool", MACHO_32_BE),
    ],
)
def test_other_native_files_tie_to_platform_only(tmp_path: Path, name: str, data: bytes) -> None:
    assert wheel_tag(_files(tmp_path, {"pkg/__init__.py": b"", name: data})) == f"py3-none-{PLATFORM}"


def test_abi3_extension_takes_requires_python_floor(tmp_path: Path) -> None:
    files = _files(tmp_path, {"pkg/_x.abi3.so": ELF_HEADER, "pkg/libx.so": ELF_HEADER})
    assert wheel_tag(files) == f"{CP}-abi3-{PLATFORM}"
    assert wheel_tag(files, requires_python=">=3.9, <4") == f"cp39-abi3-{PLATFORM}"
    assert wheel_tag(files, requires_python="~=3.10") == f"cp310-abi3-{PLATFORM}"


def test_extensions_for_two_interpreters_fail(tmp_path: Path) -> None:
    other = "cp312" if CP != "cp312" else "cp313"
    files = _files(
        tmp_path,
        {f"pkg/_a{SUFFIX}": ELF_HEADER, f"pkg/_b.cpython-{other[2:]}-x86_64-linux-gnu.so": ELF_HEADER},
    )
    with pytest.raises(BuildError, match="different interpreters"):
        wheel_tag(files)


def test_extension_for_another_interpreter_is_tagged_for_it(tmp_path: Path) -> None:
    minor = 12 if sys.version_info[1] != 12 else 13
    files = _files(tmp_path, {f"pkg/_b.cpython-3{minor}t-x86_64-linux-gnu.so": ELF_HEADER})
    assert wheel_tag(files) == f"cp3{minor}-cp3{minor}t-{PLATFORM}"


def test_platform_tag_matches_packaging() -> None:
    from packaging.tags import sys_tags

    assert any(t.platform == platform_tag() for t in sys_tags())


def test_interpreter_tags_from_sys_match_packaging() -> None:
    """The fast path (``sys`` alone, no ``packaging.tags`` import) agrees with packaging
    (``tests/integration/test_other_pythons.py`` runs this on 3.9 and 3.13 too)."""
    from packaging.tags import interpreter_name, interpreter_version, sys_tags

    from symback import tags

    first = next(iter(sys_tags()))
    assert tags.interpreter_tag() == f"{interpreter_name()}{interpreter_version()}" == first.interpreter
    assert tags.abi_tag() == first.abi


def test_interpreter_tags_fall_back_to_packaging(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other interpreters (PyPy, Windows CPython) take their tags from packaging."""
    from packaging.tags import sys_tags

    from symback import tags

    monkeypatch.setattr(tags, "_cpython_posix", lambda: False)
    calls = []
    real = sys_tags
    monkeypatch.setattr("packaging.tags.sys_tags", lambda: calls.append(1) or real())
    first = next(iter(real()))
    assert tags.interpreter_platform_tag() == f"{first.interpreter}-{first.abi}-{platform_tag()}"
    assert calls, "the fallback did not ask packaging"

