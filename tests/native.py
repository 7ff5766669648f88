"""Native files for tests: real libraries built with cc, and synthetic ELF / Mach-O images.

The synthetic builders write the smallest file each reader must understand (so tests can
cover 32-bit, big-endian and fat images without a cross compiler); the cc-built project
is the real thing the release pipeline handles: ``libfoo.so.1.2.3`` with SONAME
``libfoo.so.1`` and the aliases ``libfoo.so.1`` and ``libfoo.so``, and a CPython extension
module linked to it with an ``$ORIGIN`` rpath.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Optional


def elf_image(soname: Optional[str], *, wide: bool = True, little: bool = True, e_type: int = 3) -> bytes:
    """An ELF shared object with one PT_LOAD, one PT_DYNAMIC and (if given) a DT_SONAME."""
    e = "<" if little else ">"
    ehsize, phentsize = (64, 56) if wide else (52, 32)
    phoff = ehsize
    strtab = b"\0" + (soname.encode() + b"\0" if soname else b"") + b"libc.so.6\0"
    str_off = phoff + 2 * phentsize
    dyn_off = str_off + len(strtab) + (-(str_off + len(strtab)) % 8)
    vbase = 0x10000
    dyn = [(1, strtab.rindex(b"libc")), (5, vbase + str_off)]  # DT_NEEDED, DT_STRTAB
    if soname:
        dyn.append((14, 1))  # DT_SONAME at string offset 1
    dyn.append((0, 0))
    dyn_fmt = e + ("qQ" if wide else "iI")
    dynamic = b"".join(struct.pack(dyn_fmt, tag, val) for tag, val in dyn)
    total = dyn_off + len(dynamic)
    ident = b"\x7fELF" + bytes([2 if wide else 1, 1 if little else 2, 1]) + b"\0" * 9
    if wide:
        header = struct.pack(e + "HHIQQQIHHHHHH", e_type, 62, 1, 0, phoff, 0, 0, ehsize, phentsize, 2, 64, 0, 0)
        ph = struct.pack(e + "IIQQQQQQ", 1, 5, 0, vbase, vbase, total, total, 0x1000)
        ph += struct.pack(e + "IIQQQQQQ", 2, 6, dyn_off, vbase + dyn_off, vbase + dyn_off, len(dynamic), len(dynamic), 8)
    else:
        header = struct.pack(e + "HHIIIIIHHHHHH", e_type, 3, 1, 0, phoff, 0, 0, ehsize, phentsize, 2, 40, 0, 0)
        ph = struct.pack(e + "IIIIIIII", 1, 0, vbase, vbase, total, total, 5, 0x1000)
        ph += struct.pack(e + "IIIIIIII", 2, dyn_off, vbase + dyn_off, vbase + dyn_off, len(dynamic), len(dynamic), 6, 4)
    image = ident + header + ph + strtab
    image += b"\0" * (dyn_off - len(image))
    return image + dynamic


def macho_image(install_name: Optional[str], *, wide: bool = True, little: bool = True, filetype: int = 6) -> bytes:
    """A Mach-O dylib whose only load command is LC_ID_DYLIB (if ``install_name``)."""
    e = "<" if little else ">"
    magic = 0xFEEDFACF if wide else 0xFEEDFACE
    commands = b""
    if install_name:
        name = install_name.encode() + b"\0"
        name += b"\0" * (-(24 + len(name)) % 8)
        commands = struct.pack(e + "IIIIII", 0xD, 24 + len(name), 24, 2, 0x10000, 0x10000) + name
    header = struct.pack(e + "IiiIIII", magic, 0x01000007, 3, filetype, 1 if commands else 0, len(commands), 0)
    if wide:
        header += b"\0\0\0\0"
    return header + commands


def fat_image(slices: list[bytes], *, wide: bool = False) -> bytes:
    """A universal (fat) Mach-O file holding ``slices``, each aligned to 4 KiB."""
    count = len(slices)
    arch_size = 32 if wide else 20
    offset = 4096
    head = struct.pack(">II", 0xCAFEBABF if wide else 0xCAFEBABE, count)
    body = b""
    for i, image in enumerate(slices):
        if wide:
            head += struct.pack(">iiQQII", 0x01000007 + i, 3, offset, len(image), 12, 0)
        else:
            head += struct.pack(">iiIII", 0x01000007 + i, 3, offset, len(image), 12)
        body += image + b"\0" * (-len(image) % 4096)
        offset += len(image) + (-len(image) % 4096)
    assert len(head) <= 4096 and arch_size
    return head + b"\0" * (4096 - len(head)) + body


LIB_C = "int foo_answer(void) { return 42; }\n"
EXT_C = textwrap.dedent(
    """\
    #define PY_SSIZE_T_CLEAN
    #include <Python.h>
    int foo_answer(void);
    static PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(foo_answer()); }
    static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};
    static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ext", NULL, -1, methods};
    PyMODINIT_FUNC PyInit__ext(void) { return PyModule_Create(&module); }
    """
)


def build_libfoo(directory: Path) -> Path:
    """``directory/libfoo.so.1.2.3`` (SONAME ``libfoo.so.1``) with both aliases beside it."""
    directory.mkdir(parents=True, exist_ok=True)
    src = directory.parent / "foo.c"
    src.write_text(LIB_C)
    real = directory / "libfoo.so.1.2.3"
    subprocess.run(["cc", "-shared", "-fPIC", "-Wl,-soname,libfoo.so.1", "-o", str(real), str(src)], check=True)
    src.unlink()
    for name, target in (("libfoo.so.1", "libfoo.so.1.2.3"), ("libfoo.so", "libfoo.so.1")):
        os.symlink(target, directory / name)
    return real


def library_project(root: Path, *, name: str = "foolib", python: str = sys.executable, extra: str = "") -> Path:
    """A symback project shipping ``foolib/libfoo.so*`` and ``foolib/_ext`` linked to it.

    Built here with cc, against ``python``'s headers, before any frontend runs; the
    extension finds the library through ``$ORIGIN`` and asks for it by its SONAME.
    """
    pkg = root / "src" / name
    pkg.mkdir(parents=True)
    (root / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["symback"]
        build-backend = "symback"

        [project]
        name = "{name}"
        version = "1.0"
        """) + extra)
    (pkg / "__init__.py").write_text("from ._ext import answer\n")
    build_libfoo(pkg)
    info = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['include']); "
         "print(sysconfig.get_config_var('EXT_SUFFIX'))"],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    include, suffix = info[0], info[1]
    (root / "ext.c").write_text(EXT_C)
    subprocess.run(
        ["cc", "-shared", "-fPIC", f"-I{include}", "-o", str(pkg / f"_ext{suffix}"), str(root / "ext.c"),
         f"-L{pkg}", "-lfoo", "-Wl,-rpath,$ORIGIN"],
        check=True,
    )
    (root / "ext.c").unlink()
    return root


