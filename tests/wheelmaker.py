"""Hand-made wheels for installer tests, including hostile ones (built with zipfile).

``make_wheel`` writes a correct RECORD unless told to tamper with it, so each hostile
wheel differs from a good one in exactly the way a test means.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import stat
import zipfile
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence, Union

Data = Union[bytes, str]


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")


def links_csv(links: Iterable[Sequence[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(links)
    return buf.getvalue().encode()


def make_wheel(
    where: Path,
    files: Mapping[str, Data],
    links: Sequence[Sequence[str]] = (),
    *,
    wheel_version: str = "1.0",
    name: str = "demo",
    version: str = "1.0",
    build_tag: str | None = None,
    tag: str = "py3-none-any",
    root_is_purelib: bool = True,
    links_raw: bytes | None = None,
    wheel_text: str | None = None,
    executable: Iterable[str] = (),
    unrecorded: Mapping[str, Data] | None = None,
    zip_symlinks: Mapping[str, str] | None = None,
    tamper_record: Callable[[list[list[str]]], list[list[str]]] | None = None,
    metadata: bool = True,
    filename: str | None = None,
) -> Path:
    """Write ``name-version(-build)-tag.whl`` into ``where`` and return its path."""
    where.mkdir(parents=True, exist_ok=True)
    dist_info = f"{name}-{version}.dist-info"
    members: dict[str, bytes] = {
        k: (v.encode() if isinstance(v, str) else v) for k, v in files.items()
    }
    if metadata:
        members.setdefault(f"{dist_info}/METADATA",
                           f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode())
    if wheel_text is None:
        wheel_text = (f"Wheel-Version: {wheel_version}\nGenerator: wheelmaker\n"
                      f"Root-Is-Purelib: {'true' if root_is_purelib else 'false'}\nTag: {tag}\n")
    members[f"{dist_info}/WHEEL"] = wheel_text.encode()
    if links_raw is not None:
        members[f"{dist_info}/LINKS"] = links_raw
    elif links:
        members[f"{dist_info}/LINKS"] = links_csv(links)
    rows = [[n, record_hash(d), str(len(d))] for n, d in members.items()]
    for n, target in (zip_symlinks or {}).items():
        rows.append([n, record_hash(target.encode()), str(len(target.encode()))])
    rows.append([f"{dist_info}/RECORD", "", ""])
    if tamper_record is not None:
        rows = tamper_record(rows)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    stem = "-".join(p for p in (name, version, build_tag, tag) if p)
    path = where / (filename or f"{stem}.whl")
    execs = set(executable)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        def add(arcname: str, data: bytes, mode: int) -> None:
            info = zipfile.ZipInfo(arcname, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)

        for n, d in members.items():
            add(n, d, stat.S_IFREG | (0o755 if n in execs else 0o644))
        for n, d in (unrecorded or {}).items():
            add(n, d.encode() if isinstance(d, str) else d, stat.S_IFREG | 0o644)
        for n, target in (zip_symlinks or {}).items():
            add(n, target.encode(), stat.S_IFLNK | 0o777)
        add(f"{dist_info}/RECORD", buf.getvalue().encode(), stat.S_IFREG | 0o644)
    return path


SONAME_BYTES = b"\x7fELF fake shared library " + bytes(range(256)) * 8


def soname_wheel(where: Path, **kwargs) -> Path:
    """``pkg/libfoo.so -> libfoo.so.1 -> libfoo.so.1.2.3`` and ``pkg/data -> pkg/real``."""
    files = {
        "pkg/__init__.py": "VALUE = 42\n",
        "pkg/libfoo.so.1.2.3": SONAME_BYTES,
        "pkg/real/a.txt": "a\n",
        "pkg/real/sub/b.txt": "b\n",
    }
    links = [
        ("pkg/libfoo.so", "pkg/libfoo.so.1"),
        ("pkg/libfoo.so.1", "pkg/libfoo.so.1.2.3"),
        ("pkg/data", "pkg/real"),
    ]
    kwargs.setdefault("wheel_version", "2.0")
    return make_wheel(where, files, links, **kwargs)


def compat_files() -> dict[str, bytes]:
    """The soname wheel's files in compat form: copies at every link path."""
    files: dict[str, bytes] = {
        "pkg/__init__.py": b"VALUE = 42\n",
        "pkg/libfoo.so.1.2.3": SONAME_BYTES,
        "pkg/libfoo.so.1": SONAME_BYTES,
        "pkg/libfoo.so": SONAME_BYTES,
        "pkg/real/a.txt": b"a\n",
        "pkg/real/sub/b.txt": b"b\n",
        "pkg/data/a.txt": b"a\n",
        "pkg/data/sub/b.txt": b"b\n",
    }
    return files


SONAME_LINKS = [
    ("pkg/libfoo.so", "pkg/libfoo.so.1"),
    ("pkg/libfoo.so.1", "pkg/libfoo.so.1.2.3"),
    ("pkg/data", "pkg/real"),
]
