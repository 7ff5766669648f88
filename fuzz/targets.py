"""Fuzz targets: symback's readers of hostile input, fed arbitrary bytes.

Each target takes bytes and must either accept them or raise a
:class:`~symback.errors.SymbackError` whose message is one line; anything else (another
exception, a multi-line message) is a crash. ``fuzz/run.py`` drives them with atheris
(coverage-guided, on demand); ``tests/unit/test_fuzz_regressions.py`` replays every input
kept under ``tests/fuzz_regressions/<target>/`` in the normal suite, so a crash once found
stays fixed. Neither the targets nor the replay need atheris.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Dict

_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent / "src"))

from symback.errors import SymbackError  # noqa: E402


def _one_line(error: SymbackError) -> None:
    """The message is one line, optionally followed by an indented example of the fix
    (the ``[tool.symback] packages = [...]`` snippet some errors show)."""
    lines = str(error).strip().splitlines()
    if not lines or not lines[0].strip():
        raise AssertionError(f"an empty error message: {str(error)!r}")
    extra = [line for line in lines[1:] if line.strip()]
    if any(not line.startswith("    ") for line in extra):
        raise AssertionError(f"not a one-line error: {str(error)!r}")


def wheel_zip(data: bytes) -> None:
    """The bytes as a whole .whl file: zip directory, member names, RECORD, WHEEL, LINKS."""
    from symback.wheelfile import describe, open_wheel

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo-1.0-py3-none-any.whl"
        path.write_bytes(data)
        try:
            with open_wheel(path) as w:
                describe(w, "OK")
        except SymbackError as error:
            _one_line(error)


def _parts(data: bytes) -> Dict[str, bytes]:
    """Split ``data`` into a wheel's members: ``\\x00``-separated fields, the first four
    standing for extra RECORD rows, WHEEL, LINKS and entry_points.txt, the rest name/content
    pairs. RECORD lists every member with its true hash and size (so inputs get past that
    check into the parsers behind it), then the extra rows."""
    import base64
    import hashlib

    fields = data.split(b"\x00")
    members: Dict[str, bytes] = {}
    fixed = ["demo-1.0.dist-info/WHEEL", "demo-1.0.dist-info/LINKS",
             "demo-1.0.dist-info/entry_points.txt"]
    for name, content in zip(fixed, fields[1:4]):
        if content or name.endswith("WHEEL"):
            members[name] = content
    rest = fields[4:]
    for i in range(0, len(rest) - 1, 2):
        members[rest[i].decode("utf-8", "surrogateescape")] = rest[i + 1]
    members.setdefault("demo-1.0.dist-info/WHEEL", b"Wheel-Version: 2.0\nRoot-Is-Purelib: true\n")
    members.setdefault("demo-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n")
    rows = []
    for name, content in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
        quoted = b'"' + name.encode("utf-8", "surrogateescape").replace(b'"', b'""') + b'"'
        rows.append(quoted + b",sha256=" + digest + b"," + str(len(content)).encode())
    members["demo-1.0.dist-info/RECORD"] = b"\n".join(rows) + b"\n" + (fields[0] if fields else b"") \
        + b"\ndemo-1.0.dist-info/RECORD,,\n"
    return members


def wheel_members(data: bytes) -> None:
    """A well-formed zip whose members (names, RECORD, WHEEL, LINKS, entry points) come
    from the bytes: gets past the zip layer into symback's own parsers."""
    from symback.wheelfile import describe, open_wheel

    buf = io.BytesIO()
    try:
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content in _parts(data).items():
                try:
                    zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), content)
                except (ValueError, UnicodeEncodeError):
                    continue  # zipfile cannot write that name: not a wheel anyone can make
    except (ValueError, UnicodeEncodeError, zipfile.LargeZipFile):
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo-1.0-py3-none-any.whl"
        path.write_bytes(buf.getvalue())
        try:
            with open_wheel(path) as w:
                describe(w, "OK")
        except SymbackError as error:
            _one_line(error)


def links_file(data: bytes) -> None:
    """A LINKS file, parsed for a release wheel and for an editable one."""
    from symback.linkrules import parse_links

    for editable in (False, True):
        try:
            parse_links(data, source="LINKS", editable=editable)
        except SymbackError as error:
            _one_line(error)


def pyproject(data: bytes) -> None:
    """A pyproject.toml, loaded as every build hook loads it."""
    from symback.config import load_project

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "demo").mkdir()
        (root / "demo" / "__init__.py").write_text("")
        (root / "pyproject.toml").write_bytes(data)
        cwd = os.getcwd()
        try:
            os.chdir(root)
            load_project(root, read_version=False)
        except SymbackError as error:
            _one_line(error)
        finally:
            os.chdir(cwd)


TARGETS: Dict[str, Callable[[bytes], None]] = {
    "wheel_zip": wheel_zip,
    "wheel_members": wheel_members,
    "links_file": links_file,
    "pyproject": pyproject,
}


def seeds(target: str) -> Dict[str, bytes]:
    """A few valid inputs to start the fuzzer from."""
    if target == "wheel_zip":
        sys.path.insert(0, str(_HERE.parent / "tests"))
        from wheelmaker import soname_wheel

        with tempfile.TemporaryDirectory() as tmp:
            return {"soname.whl": soname_wheel(Path(tmp)).read_bytes()}
    if target == "wheel_members":
        return {"basic": b"\x00".join([b"", b"Wheel-Version: 2.0\nRoot-Is-Purelib: true\n",
                                       b"pkg/x.py,pkg/__init__.py\n", b"[console_scripts]\nx = pkg:main\n",
                                       b"pkg/__init__.py", b"X = 1\n"])}
    if target == "links_file":
        return {"chain": b"pkg/libfoo.so,pkg/libfoo.so.1\npkg/libfoo.so.1,pkg/libfoo.so.1.2.3\n"}
    if target == "pyproject":
        return {"basic": b'[project]\nname = "demo"\nversion = "1.0"\n[tool.symback]\nexclude = ["*.c"]\n'}
    raise KeyError(target)
