"""SONAME reading (binaries.soname_of): real libraries, every ELF/Mach-O variant, hostile bytes."""

from __future__ import annotations

import glob
import io
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from native import build_libfoo, elf_image, fat_image, macho_image
from symback.binaries import read_soname, soname_of

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def libfoo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_libfoo(tmp_path_factory.mktemp("lib") / "lib")


def test_real_library_built_with_cc(libfoo: Path) -> None:
    assert read_soname(libfoo) == "libfoo.so.1"
    # Through the aliases too: the reader looks at bytes, not names.
    assert read_soname(libfoo.parent / "libfoo.so") == "libfoo.so.1"
    assert soname_of(libfoo.read_bytes()) == "libfoo.so.1"


def test_matches_readelf_on_system_libraries() -> None:
    checked = 0
    for path in sorted(glob.glob("/usr/lib/x86_64-linux-gnu/lib*.so.*"))[:40]:
        out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
        want = out.split("Library soname: [", 1)[1].split("]", 1)[0] if "soname" in out else None
        assert read_soname(path) == want, path
        checked += 1
    assert checked or not glob.glob("/usr/lib/x86_64-linux-gnu/*")


def test_no_soname() -> None:
    assert soname_of(elf_image(None)) is None
    assert soname_of(elf_image("libx.so.1", e_type=2)) is None  # an executable
    assert read_soname("/nonexistent/libx.so") is None
    assert soname_of(b"") is None
    assert soname_of(b"#!/bin/sh\n") is None


@pytest.mark.parametrize("wide", [True, False])
@pytest.mark.parametrize("little", [True, False])
def test_elf_classes_and_byte_orders(wide: bool, little: bool) -> None:
    image = elf_image("libbar.so.7", wide=wide, little=little)
    assert soname_of(image) == "libbar.so.7"
    assert soname_of(io.BytesIO(image)) == "libbar.so.7"


@pytest.mark.parametrize("wide", [True, False])
@pytest.mark.parametrize("little", [True, False])
def test_macho_thin(wide: bool, little: bool) -> None:
    image = macho_image("@rpath/libbar.3.dylib", wide=wide, little=little)
    assert soname_of(image) == "libbar.3.dylib"
    assert soname_of(macho_image("/usr/lib/libz.1.dylib")) == "libz.1.dylib"
    assert soname_of(macho_image(None)) is None
    assert soname_of(macho_image("libbar.dylib", filetype=2)) is None  # MH_EXECUTE


@pytest.mark.parametrize("wide", [True, False])
def test_macho_fat(wide: bool) -> None:
    image = fat_image([macho_image("@rpath/libbar.3.dylib"), macho_image("@rpath/libbar.3.dylib", wide=False)], wide=wide)
    assert soname_of(image) == "libbar.3.dylib"


def test_java_class_file_is_not_fat() -> None:
    assert soname_of(b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\0" * 64) is None


def test_names_that_are_not_file_names() -> None:
    assert soname_of(elf_image("dir/libbar.so.1")) == "libbar.so.1"  # basename, as for Mach-O
    assert soname_of(elf_image("..")) is None
    assert soname_of(macho_image("@rpath/")) is None


SEEDS = [
    elf_image("libbar.so.7"), elf_image("libbar.so.7", wide=False, little=False),
    macho_image("@rpath/libbar.3.dylib"), fat_image([macho_image("@rpath/libbar.3.dylib")]),
]


@FUZZ
@given(st.binary(max_size=512))
def test_random_bytes_never_raise(data: bytes) -> None:
    result = soname_of(data)
    assert result is None or (result and "/" not in result)


@FUZZ
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 4200), st.integers(0, 255)), max_size=8),
       st.integers(0, 4400))
def test_corrupted_images_never_raise(seed: bytes, flips: list, cut: int) -> None:
    data = bytearray(seed)
    for position, value in flips:
        if position < len(data):
            data[position] = value
    result = soname_of(bytes(data[: max(cut, 0)] if cut < len(data) else data))
    assert result is None or (result and "/" not in result and "\0" not in result)


@FUZZ
@given(st.sampled_from([0, 1, 2]), st.integers(0, 2**64 - 1))
def test_huge_offsets_and_counts_never_raise(which: int, value: int) -> None:
    """Offsets, counts and sizes pointing far outside the file, or overflowing a seek."""
    import struct

    data = bytearray(SEEDS[0])
    if which == 0:
        data[32:40] = struct.pack("<Q", value)  # e_phoff
    elif which == 1:
        data[64 + 56 + 8:64 + 56 + 16] = struct.pack("<Q", value)  # PT_DYNAMIC p_offset
    else:
        data[56:58] = struct.pack("<H", value & 0xFFFF)  # e_phnum
    assert soname_of(bytes(data)) in (None, "libbar.so.7")
    assert soname_of(io.BytesIO(bytes(data))) in (None, "libbar.so.7")
