"""Reading a wheel as hostile input: ``WHEEL``, ``RECORD``, ``LINKS``; ``inspect``; ``convert``.

:func:`open_wheel` checks *everything* an installer needs to trust before it writes a
single byte: member names, member types, ``RECORD`` (every file listed, sizes and hashes
matching the actual bytes), ``WHEEL`` (``Wheel-Version``), and ``LINKS`` (the link rules of
:mod:`symback.links`, plus the compat-form rule that every copy equals its target).
What it returns, :class:`WheelContents`, is what :mod:`symback.install` installs from.

The four forms a wheel can take (see ``docs/installer.md``):

``links``
    ``Wheel-Version: 2.0``; each link target stored once, each link one ``LINKS`` row, the
    link paths absent from the archive (a 2.0 wheel without ``LINKS`` is fine too).
``compat``
    ``Wheel-Version: 1.x`` with copies at every link path *and* a ``LINKS`` file: any
    installer can install it (copies); a LINKS-aware one makes links.
``lean``
    ``Wheel-Version: 1.x`` with ``LINKS``, where some file links (a shared library's other
    names, beside the bytes stored under its SONAME) have no copy: any installer installs
    it, only a LINKS-aware one creates those names.
``copy``
    ``Wheel-Version: 1.x``, no ``LINKS``: a plain wheel.
``editable``
    ``Wheel-Version: 1.x``, a build tag ending in ``editable`` (``0editable``), ``LINKS`` rows
    whose targets are absolute paths into a source tree; link paths absent from the archive.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import email.parser
import hashlib
import io
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Iterator, Mapping, Sequence

from .common import normalize_name
from .errors import InstallError, LinksError

if TYPE_CHECKING:  # pragma: no cover
    from .linkrules import LinkTree
    from .links import Link

__all__ = [
    "Member",
    "WheelContents",
    "open_wheel",
    "inspect",
    "describe",
    "convert",
    "FORMS",
    "SCHEME_NAMES",
    "record_hash",
]

SCHEME_NAMES = ("purelib", "platlib", "headers", "scripts", "data")
FORMS = ("links", "lean", "compat", "copy")
# Hash algorithms accepted in RECORD (weaker ones, md5 and sha1, are refused as pip does).
_HASHES = ("sha256", "sha384", "sha512")
_SIGNATURES = ("RECORD.jws", "RECORD.p7s")
_CHUNK = 1 << 20
_VERSION = re.compile(r"^([0-9]{1,4})\.([0-9]{1,4})$")
_SIZE = re.compile(r"[0-9]{1,18}")


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Member:
    """A regular file in the archive, checked against its ``RECORD`` row."""

    name: str  # archive path
    size: int
    hash: str  # the RECORD value, "sha256=..."
    sha256: str  # urlsafe-b64 sha256 of the actual bytes (for comparing copies)
    executable: bool


@dataclass
class WheelContents:
    """A wheel that passed every check in :func:`open_wheel`. Valid while the zip is open."""

    path: Path
    distribution: str  # as spelled in the file name
    version: str
    build_tag: str | None
    tags: tuple[str, ...]  # "py3-none-any", ... (the file name's tag triple, expanded)
    dist_info: str  # "name-1.0.dist-info"
    data_dir: str  # "name-1.0.data"
    wheel_version: tuple[int, int]
    root_is_purelib: bool
    members: dict[str, Member]  # every regular file (dist-info included), by archive path
    links: tuple[Link, ...] = ()
    form: str = "copy"  # links | lean | compat | copy | editable
    tree: LinkTree | None = None  # release links, validated
    warnings: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()  # members an install leaves out (see install.py)
    _zip: zipfile.ZipFile | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The wheel's file name."""
        return self.path.name

    @property
    def normalized_name(self) -> str:
        return normalize_name(self.distribution)

    @property
    def editable(self) -> bool:
        return self.form == "editable"

    def open(self, member: str) -> BinaryIO:
        """A stream of ``member``'s bytes whose read errors name the wheel and the member.

        Validation has read every member once already; a read fails here only if the wheel
        file changed since, and the install's transaction then rolls back.
        """
        assert self._zip is not None, "the wheel is closed"
        with _reading(self.name, member):
            stream = self._zip.open(member)
        return _MemberStream(stream, self.name, member)  # type: ignore[return-value]

    def read(self, member: str) -> bytes:
        assert self._zip is not None, "the wheel is closed"
        return _read(self._zip, member, self.name)

    def link_copies(self) -> set[str]:
        """Compat form: the members that are copies standing at (or under) a link path."""
        paths = {link.path for link in self.links}
        return {m for m in self.members if _under_any(m, paths)}

    def expand(self, path: str) -> dict[str, str]:
        """What a link stands for, as regular members (see :meth:`LinkTree.expand`).

        Used by ``--copy-links`` and ``convert`` to materialise copies.
        """
        if self.tree is None:
            raise ValueError(f"{self.name}: no links to expand")
        return self.tree.expand(path)


# ----------------------------------------------------------------------------- helpers


def record_hash(data: bytes, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm, data).digest()
    return f"{algorithm}=" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _under_any(path: str, parents: Mapping[str, object] | set[str]) -> bool:
    parts = path.split("/")
    return any("/".join(parts[:i]) in parents for i in range(1, len(parts) + 1))


# What reading a corrupt archive or member raises: a broken header (a bad offset or an
# undecodable name: ValueError, struct.error), a deflate stream or CRC that does not check
# out, a truncated archive, a zip feature Python does not implement.
_CORRUPT_ZIP = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, ValueError,
                struct.error)
_TAMPERED = "The wheel is corrupt or was tampered with; download or build it again."


@contextlib.contextmanager
def _reading(wname: str, member: str) -> Iterator[None]:
    """Turn the errors of reading ``member`` from the zip into an InstallError naming it."""
    try:
        yield
    except _CORRUPT_ZIP as error:
        raise _err(wname, member, f"the member cannot be read ({error})", _TAMPERED) from None


class _MemberStream:
    """A zip member's stream whose decompressing calls report corruption as an InstallError,
    as :func:`_reading` does; every other attribute is the stream's own."""

    _DECOMPRESSING = frozenset({"read", "read1", "readline", "readinto", "peek", "seek"})

    def __init__(self, stream: BinaryIO, wname: str, member: str) -> None:
        self._stream, self._wname, self._member = stream, wname, member

    def __getattr__(self, name: str) -> object:
        attr = getattr(self._stream, name)
        if name not in self._DECOMPRESSING:
            return attr

        def checked(*args: object) -> object:
            with _reading(self._wname, self._member):
                return attr(*args)

        return checked

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def __enter__(self) -> "_MemberStream":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stream.close()


def _short(value: str, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: an error message stays one readable line."""
    return repr(value) if len(value) <= limit else repr(value[:limit]) + f"... ({len(value)} characters)"


def _err(wheel: str, where: str, what: str, fix: str) -> InstallError:
    return InstallError(f"{wheel}: {where}: {what}. {fix}")


_REBUILD = "Rebuild the wheel with a conforming build backend, or do not install it."


def check_member_name(name: str, *, wheel: str, what: str = "member name") -> str:
    """Refuse a zip member name (or RECORD path) that is not a clean archive path: the rules
    LINKS paths follow (:func:`symback.linkrules.archive_name_problem`: no empty, ``.``, ``..``
    or dot-and-space-only segment, nothing absolute, no drive, backslash or ``:``, no
    control, format or surrogate character, no over-long name)."""
    from .linkrules import archive_name_problem

    why = archive_name_problem(name)
    if why is not None:
        raise _err(wheel, repr(name), f"the {what} is not a clean archive path: {why}", _REBUILD)
    return name


#: A wheel whose members would expand to more than this is refused (``--allow-large``
#: lifts both limits): the largest wheels published (GPU builds of ML frameworks) stay
#: well under it.
MAX_TOTAL_SIZE = 8 << 30
#: ... and so is a member of more than MAX_RATIO_FROM bytes compressed more than MAX_RATIO
#: times: deflate reaches ~1030:1 on zeros (a zip bomb), real wheels' members stay far
#: below 100:1.
MAX_RATIO = 200
MAX_RATIO_FROM = 16 << 20


def _check_sizes(infos: Sequence[zipfile.ZipInfo], wname: str) -> None:
    fix = ("If you trust this wheel and have the space, pass --allow-large; otherwise do not "
           "install it.")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _err(wname, info.filename,
                       f"the member expands from {info.compress_size} to {info.file_size} bytes "
                       f"(more than {MAX_RATIO}:1), as a zip bomb does", fix)
    if total > MAX_TOTAL_SIZE:
        raise InstallError(f"{wname}: its members add up to {total} bytes uncompressed, more than "
                           f"the {MAX_TOTAL_SIZE} symback installs by default. {fix}")


def _check_reserved(infos: Sequence[zipfile.ZipInfo], wname: str) -> None:
    """Refuse members named like the installer's own files at a scheme root (its lock,
    journal and temporary directories, ``.symback*``): a wheel must not plant a journal that
    the next symback run would act on."""
    for info in infos:
        parts = info.filename.split("/")
        top = parts[2] if len(parts) > 2 and parts[0].endswith(".data") else parts[0]
        if top.lower().startswith(".symback"):
            raise _err(wname, repr(info.filename), "the name is reserved for symback install's "
                       "lock, journal and temporary directories", _REBUILD)


def _check_collisions(infos: Sequence[zipfile.ZipInfo], wname: str) -> None:
    """Refuse two member paths (files or the directories they imply) that differ only in
    case or Unicode normalisation: one file system's two files are another's one."""
    from .linkrules import _fold

    seen: dict[str, str] = {}
    for info in infos:
        parts = info.filename.rstrip("/").split("/")
        for i in range(1, len(parts) + 1):
            path = "/".join(parts[:i])
            other = seen.setdefault(_fold(path), path)
            if other != path:
                raise _err(wname, repr(path),
                           f"the member path and {other!r} differ only in case or Unicode "
                           "normalisation, so they are one path on Windows and macOS", _REBUILD)


# ----------------------------------------------------------------------------- reading


@contextlib.contextmanager
def open_wheel(path: os.PathLike[str] | str, *, allow_large: bool = False) -> Iterator[WheelContents]:
    """Open and fully validate a wheel; yield its :class:`WheelContents`.

    Raises :class:`InstallError` (or :class:`LinksError` for a bad ``LINKS``) naming the
    wheel, the member and the problem. Nothing outside the zip is touched. ``allow_large``
    lifts the size limits (:data:`MAX_TOTAL_SIZE`, :data:`MAX_RATIO`).
    """
    path = Path(path)
    _parse_filename(path.name)
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InstallError(f"{path}: file not found. Check the path of the wheel.") from None
    except _CORRUPT_ZIP as error:
        raise InstallError(f"{path.name}: not a valid zip file ({error}). {_REBUILD}") from None
    with zf:
        contents = _validate(path, zf, allow_large=allow_large)
        contents._zip = zf
        try:
            yield contents
        finally:
            contents._zip = None


def _validate(path: Path, zf: zipfile.ZipFile, *, allow_large: bool = False) -> WheelContents:
    wname = path.name
    distribution, version, build_tag, tags = _parse_filename(wname)
    infos = _check_members(zf, wname)
    _check_collisions(infos, wname)
    _check_reserved(infos, wname)
    if not allow_large:
        _check_sizes(infos, wname)
    dist_info = _find_dist_info(infos, wname, distribution)
    data_dir = dist_info[: -len(".dist-info")] + ".data"
    warnings: list[str] = []
    wheel_version, root_is_purelib = _parse_wheel_metadata(zf, infos, wname, dist_info, warnings)
    records = _parse_record(zf, infos, wname, dist_info)
    members = _check_record(zf, infos, records, wname, dist_info)
    _check_data_dir(members, wname, data_dir)
    contents = WheelContents(
        path=path,
        distribution=distribution,
        version=version,
        build_tag=build_tag,
        tags=tags,
        dist_info=dist_info,
        data_dir=data_dir,
        wheel_version=wheel_version,
        root_is_purelib=root_is_purelib,
        members=members,
        _zip=zf,
    )
    skipped = [m for m in members if "__pycache__" in m.split("/")[:-1]]
    for m in skipped:
        warnings.append(
            f"{wname}: {m}: a file in a __pycache__ directory is not installed (a stale or "
            "planted bytecode file is a security risk)"
        )
    _read_links(zf, contents, records, wname)
    _check_entry_points(contents)
    if contents.form == "editable":
        skipped += [m for m in members if "/" not in m and m.endswith(".pth")]
    contents.skipped = tuple(skipped)
    contents.warnings = tuple(warnings)
    return contents


def _parse_filename(wname: str) -> tuple[str, str, str | None, tuple[str, ...]]:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        name, version, build, tagset = parse_wheel_filename(wname)
    except InvalidWheelFilename as error:
        raise InstallError(
            f"{wname}: not a valid wheel file name ({error}). A wheel is named "
            "'{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl'; rename it or rebuild it."
        ) from None
    parts = wname[: -len(".whl")].split("-")
    build_tag = parts[2] if len(parts) == 6 else None
    dist = parts[0]
    del name, build
    return dist, str(version), build_tag, tuple(sorted(str(t) for t in tagset))


def _check_members(zf: zipfile.ZipFile, wname: str) -> list[zipfile.ZipInfo]:
    seen: set[str] = set()
    files: list[zipfile.ZipInfo] = []
    for info in zf.infolist():
        name = info.filename
        is_dir = name.endswith("/")
        check_member_name(name[:-1] if is_dir else name, wheel=wname)
        if name in seen:
            raise _err(wname, name, "the archive holds this member twice", _REBUILD)
        seen.add(name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise _err(
                wname, name,
                "the member is a zip symlink (S_IFLNK); installers write it as a file holding "
                "the target text",
                "Ship the link as a .dist-info/LINKS row (symback build) or as a copy.",
            )
        if mode and stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            raise _err(wname, name, f"the member is not a regular file (mode {mode:o})", _REBUILD)
        if info.flag_bits & 0x1:
            raise _err(wname, name, "the member is encrypted", _REBUILD)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _err(wname, name, f"the member is compressed with zip method {info.compress_type}; "
                       "a wheel's members are stored or deflated", _REBUILD)
        if not is_dir:
            files.append(info)
    names = {i.filename for i in files}
    for info in files:  # a file where another member needs a directory
        parts = info.filename.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in names:
                raise _err(wname, info.filename, f"'{'/'.join(parts[:i])}' is both a file and a "
                           "directory in the archive", _REBUILD)
    return files


def _find_dist_info(infos: Sequence[zipfile.ZipInfo], wname: str, distribution: str) -> str:
    tops = {i.filename.split("/", 1)[0] for i in infos if "/" in i.filename}
    found = sorted(t for t in tops if t.endswith(".dist-info"))
    if len(found) != 1:
        raise InstallError(
            f"{wname}: .dist-info: the wheel has {len(found)} .dist-info directories "
            f"({', '.join(found) or 'none'}); it needs exactly one. {_REBUILD}"
        )
    dist_info = found[0]
    stem = dist_info[: -len(".dist-info")].rsplit("-", 1)[0]
    if normalize_name(stem) != normalize_name(distribution):
        raise InstallError(
            f"{wname}: {dist_info}: the .dist-info directory does not match the distribution "
            f"name {distribution!r} of the file name. {_REBUILD}"
        )
    return dist_info


def _read(zf: zipfile.ZipFile, member: str, wname: str) -> bytes:
    """The bytes of ``member``; an InstallError naming it if the archive is corrupt there."""
    with _reading(wname, member):
        return zf.read(member)


def _decode(data: bytes, wname: str, member: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _err(wname, member, f"not valid UTF-8 ({error})", _REBUILD) from None


def _parse_wheel_metadata(
    zf: zipfile.ZipFile, infos: Sequence[zipfile.ZipInfo], wname: str, dist_info: str,
    warnings: list[str],
) -> tuple[tuple[int, int], bool]:
    member = f"{dist_info}/WHEEL"
    if member not in {i.filename for i in infos}:
        raise _err(wname, member, "the WHEEL file is missing", _REBUILD)
    text = _decode(_read(zf, member, wname), wname, member)
    msg = email.parser.Parser().parsestr(text)
    raw = (msg.get("Wheel-Version") or "").strip()
    match = _VERSION.match(raw)
    if not match:
        raise _err(wname, member, f"Wheel-Version {_short(raw)} is not 'MAJOR.MINOR'", _REBUILD)
    major, minor = int(match.group(1)), int(match.group(2))
    if major not in (1, 2):
        raise _err(
            wname, member,
            f"Wheel-Version {raw} is not supported (symback installs 1.x and 2.x)",
            "Upgrade symback, or install a wheel built for Wheel-Version 1.0 or 2.0.",
        )
    if minor > 0:
        warnings.append(
            f"{wname}: {member}: Wheel-Version {raw} is newer than {major}.0, the version "
            "symback knows; installing anyway"
        )
    purelib = (msg.get("Root-Is-Purelib") or "").strip().lower()
    if purelib not in ("true", "false"):
        raise _err(wname, member, f"Root-Is-Purelib is {_short(purelib)}, not 'true' or 'false'",
                   _REBUILD)
    return (major, minor), purelib == "true"


def _parse_record(
    zf: zipfile.ZipFile, infos: Sequence[zipfile.ZipInfo], wname: str, dist_info: str
) -> dict[str, tuple[str, str]]:
    member = f"{dist_info}/RECORD"
    if member not in {i.filename for i in infos}:
        raise _err(wname, member, "the RECORD file is missing", _REBUILD)
    text = _decode(_read(zf, member, wname), wname, member)
    if "\x00" in text:
        raise _err(wname, member, "RECORD contains a NUL byte", _REBUILD)
    out: dict[str, tuple[str, str]] = {}
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise _err(wname, member, f"RECORD is not valid CSV ({error})", _REBUILD) from None
    for lineno, row in enumerate(rows, 1):
        if not row:
            continue
        if len(row) != 3:
            raise _err(wname, f"{member} line {lineno}",
                       f"a RECORD row has {len(row)} columns, not 3", _REBUILD)
        path, hash_, size = row
        check_member_name(path, wheel=wname, what="RECORD path")
        if path in out:
            raise _err(wname, f"{member} line {lineno}", f"{path!r} is listed twice", _REBUILD)
        if hash_:
            algo, _, value = hash_.partition("=")
            if algo not in _HASHES or not value:
                raise _err(wname, f"{member} line {lineno}",
                           f"hash {_short(hash_)} is not one of {', '.join(_HASHES)}", _REBUILD)
        if size and not _SIZE.fullmatch(size):
            raise _err(wname, f"{member} line {lineno}",
                       f"size {_short(size)} is not a number of bytes (ASCII digits, at most 18)",
                       _REBUILD)
        out[path] = (hash_, size)
    return out


def _check_record(
    zf: zipfile.ZipFile,
    infos: Sequence[zipfile.ZipInfo],
    records: dict[str, tuple[str, str]],
    wname: str,
    dist_info: str,
) -> dict[str, Member]:
    record_member = f"{dist_info}/RECORD"
    members: dict[str, Member] = {}
    for info in infos:
        name = info.filename
        if name == record_member:
            continue
        if name in (f"{dist_info}/{s}" for s in _SIGNATURES):
            continue
        if name not in records:
            raise _err(wname, name, "the file is not listed in RECORD",
                       "Rebuild the wheel; RECORD must list every file with its hash and size.")
        hash_, size = records[name]
        if not hash_ or not size:
            raise _err(wname, name, "RECORD lists the file without a hash or size", _REBUILD)
        algo, _, expected = hash_.partition("=")
        hasher = hashlib.new(algo)
        sha = hashlib.sha256()
        actual_size = 0
        with _reading(wname, name), zf.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                actual_size += len(chunk)
                hasher.update(chunk)
                sha.update(chunk)
        value = base64.urlsafe_b64encode(hasher.digest()).decode("ascii").rstrip("=")
        if actual_size != int(size):
            raise _err(wname, name, f"the size is {actual_size} bytes but RECORD says {size}", _TAMPERED)
        if value != expected:
            raise _err(wname, name, f"the {algo} hash does not match RECORD", _TAMPERED)
        mode = info.external_attr >> 16
        members[name] = Member(
            name=name,
            size=actual_size,
            hash=hash_,
            sha256=base64.urlsafe_b64encode(sha.digest()).decode("ascii").rstrip("="),
            executable=bool(mode and stat.S_ISREG(mode) and mode & 0o111),
        )
    return members


def _check_data_dir(members: Mapping[str, Member], wname: str, data_dir: str) -> None:
    prefix = data_dir + "/"
    for m in members:
        if m.startswith(prefix):
            parts = m[len(prefix):].split("/", 1)
            if parts[0] not in SCHEME_NAMES or len(parts) != 2:
                raise _err(wname, m, f"not inside one of {data_dir}/{{{','.join(SCHEME_NAMES)}}}/",
                           _REBUILD)


def _is_editable_tag(build_tag: str | None) -> bool:
    return bool(build_tag) and build_tag.endswith("editable")  # type: ignore[union-attr]


def _read_links(
    zf: zipfile.ZipFile, contents: WheelContents, records: Mapping[str, tuple[str, str]],
    wname: str,
) -> None:
    from .linkrules import LinkTree, parse_links

    member = f"{contents.dist_info}/LINKS"
    major = contents.wheel_version[0]
    editable = _is_editable_tag(contents.build_tag) and member in contents.members
    record_only = {p for p, (h, s) in records.items() if p not in contents.members
                   and p != f"{contents.dist_info}/RECORD"}
    if member not in contents.members:
        contents.form = "links" if major == 2 else "copy"
        _no_stray_rows(record_only, set(), wname)
        return
    source = f"{wname}: {member}"
    links = tuple(parse_links(contents.read(member), source=source, editable=editable))
    contents.links = links
    paths = {link.path for link in links}
    for link in links:
        top = link.path.split("/", 1)[0]
        if top.endswith(".dist-info") or (editable and top == contents.data_dir):
            raise LinksError(
                f"{source}: {link.path}: a link may not be made inside {top}/ (LINKS paths are "
                "relative to the root of purelib/platlib). Move the link into a package."
            )
        if top.lower().endswith(".data") and top != contents.data_dir:
            raise LinksError(
                f"{source}: {link.path}: the link lies in {top}/, which is not this wheel's "
                f"{contents.data_dir}/ directory. Move the link into {contents.data_dir}/<scheme>/ "
                "or into a package."
            )
        if top.lower().startswith(".symback") or link.path.split("/")[-1].lower().startswith(".symback-journal"):
            raise LinksError(
                f"{source}: {link.path}: the name is reserved for symback install's lock, journal "
                "and temporary directories. Rename the link."
            )
        if not editable and link.target.split("/", 1)[0].endswith(".dist-info"):
            raise LinksError(
                f"{source}: {link.path}: the target {link.target} lies inside the .dist-info "
                "directory, which installers own (RECORD, INSTALLER...); a link there would "
                "change with them. Point the link at a file of a package."
            )
    if editable:
        contents.form = "editable"
        _check_editable(contents, paths, wname)
        _no_stray_rows(record_only, paths, wname)
        return
    if major == 2:
        contents.form = "links"
        inside = [m for m in contents.members if _under_any(m, paths)]
        if inside:
            raise LinksError(
                f"{source}: {inside[0]}: a Wheel-Version 2.0 wheel stores the file at or under "
                "a link path; the link would replace or write through it. Store each target "
                "once and the link only as a LINKS row (symback convert --symlinks links)."
            )
        contents.tree = LinkTree.build(links, list(contents.members), source=source)
        _no_stray_rows(record_only, paths, wname)
        return
    # Wheel-Version 1.x with LINKS: the compat form, a copy at every link path, or the
    # lean form, where some file links have none.
    copies = contents.link_copies()
    files = [m for m in contents.members if m not in copies]
    contents.tree = LinkTree.build(links, files, source=source)
    missing = _check_compat_copies(contents, source)
    contents.form = "lean" if missing else "compat"
    _no_stray_rows(record_only, set(), wname)


# installer's pattern for an entry point's value (installer.utils._ENTRYPOINT_REGEX).
_ENTRY_POINT = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attrs>[\w.]+))\s*(?P<extras>\[.*\])?\s*$")


def _check_entry_points(contents: WheelContents) -> None:
    """``entry_points.txt`` parses as installer parses it, and every console/gui script has
    a value installer accepts and a plain file name (checked here so that ``inspect`` and
    the install refuse the same wheels, before anything is staged)."""
    import configparser

    member = f"{contents.dist_info}/entry_points.txt"
    if member not in contents.members:
        return
    where = f"{contents.name}: {member}"
    text = _decode(contents.read(member), contents.name, member)
    parser = configparser.ConfigParser(delimiters="=")
    parser.optionxform = str  # type: ignore[assignment, method-assign]
    try:
        parser.read_string(text)
        sections = [(s, parser.items(s)) for s in parser.sections()
                    if s in ("console_scripts", "gui_scripts")]
    except (configparser.Error, ValueError) as error:
        first = str(error).splitlines()[0][:200]
        raise InstallError(f"{where}: not a valid entry points file ({first}). {_REBUILD}") from None
    from .linkrules import archive_name_problem

    for section, items in sections:
        for name, value in items:
            if not _ENTRY_POINT.match(value or "") or "/" in name:
                raise InstallError(
                    f"{where}: [{section}] {name[:80]!r} = {(value or '')[:80]!r}: not 'module:attr' "
                    f"with a plain script name. {_REBUILD}"
                )
            why = archive_name_problem(name)
            if why is not None:
                raise InstallError(f"{where}: [{section}] script name {name[:80]!r}: {why}. {_REBUILD}")


def _no_stray_rows(record_only: set[str], link_paths: set[str], wname: str) -> None:
    for path in sorted(record_only):
        if path not in link_paths:
            raise _err(wname, path, "RECORD lists a file that is not in the wheel", _REBUILD)


def _check_editable(contents: WheelContents, paths: set[str], wname: str) -> None:
    source = f"{wname}: {contents.dist_info}/LINKS"
    for m in contents.members:
        if _under_any(m, paths):
            raise LinksError(
                f"{source}: {m}: the wheel ships a file at or under a link path. Rebuild the "
                "editable wheel."
            )
    for p in paths:
        parts = p.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in paths:
                raise LinksError(
                    f"{source}: {p}: the link path lies inside another link. Rebuild the "
                    "editable wheel."
                )
    for link in contents.links:
        if not os.path.isabs(link.target):
            raise LinksError(f"{source}: {link.path}: an editable link target must be an "
                             "absolute path. Rebuild the editable wheel.")


def _check_compat_copies(contents: WheelContents, source: str) -> list[str]:
    """Every copy at a link path holds exactly the bytes of the link's target.

    Returns the file links that have no copy (the lean form); a directory link must have
    its copy.
    """
    assert contents.tree is not None
    members = contents.members
    missing: list[str] = []
    for link in contents.links:
        real = contents.tree.resolve(link.path)
        if real in members:  # a file link
            if link.path not in members:
                missing.append(link.path)
                continue
            if members[link.path].sha256 != members[real].sha256:
                raise LinksError(
                    f"{source}: {link.path}: the copy at the link path differs from its target "
                    f"{real}; a link would change what is installed. Rebuild the wheel."
                )
            continue
        want = _tree_hashes(members, real)
        have = _tree_hashes(members, link.path)
        if not have:
            raise LinksError(
                f"{source}: {link.path}: a Wheel-Version 1.x wheel with LINKS must carry a copy "
                "of the target directory at every directory link path (compat form), and this "
                "one has none. Rebuild it with symback convert --symlinks compat (or links)."
            )
        if want != have:
            diff = sorted(set(want.items()) ^ set(have.items()))[0][0]
            raise LinksError(
                f"{source}: {link.path}: the copied directory differs from its target {real} "
                f"(first difference: {diff!r}); a link would change what is installed. "
                "Rebuild the wheel."
            )
    return missing


def _tree_hashes(members: Mapping[str, Member], directory: str) -> dict[str, str]:
    prefix = directory + "/"
    return {m[len(prefix):]: info.sha256 for m, info in members.items() if m.startswith(prefix)}


def check_editable_targets(contents: WheelContents, forbidden: Sequence[str | os.PathLike[str]]) -> None:
    """Editable targets must exist, and must not lie inside the install scheme directories."""
    source = f"{contents.name}: {contents.dist_info}/LINKS"
    roots = [os.path.realpath(d) for d in forbidden]
    for link in contents.links:
        if not os.path.exists(link.target):
            raise LinksError(
                f"{source}: {link.path}: the target {link.target} does not exist. Rebuild the "
                "editable wheel from the source tree as it is now."
            )
        real = os.path.realpath(link.target)
        for root in roots:
            if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
                raise LinksError(
                    f"{source}: {link.path}: the target {link.target} lies inside the install "
                    f"directory {root}; a link there would point into what installs manage. "
                    "Build the editable wheel from a source tree outside the environment."
                )


# ----------------------------------------------------------------------------- inspect


def describe(w: WheelContents, verdict: str) -> str:
    """The ``symback inspect`` report on a validated wheel, ending with ``verdict``."""
    lines = [
        f"wheel: {w.name}",
        f"distribution: {w.distribution} {w.version}"
        + (f" (build {w.build_tag})" if w.build_tag else ""),
        f"tags: {', '.join(w.tags)}",
        f"Wheel-Version: {w.wheel_version[0]}.{w.wheel_version[1]}",
        f"Root-Is-Purelib: {'true' if w.root_is_purelib else 'false'}",
        f"form: {w.form}",
        f"files ({len(w.members)}, {sum(m.size for m in w.members.values())} bytes):",
    ]
    width = max((len(str(m.size)) for m in w.members.values()), default=1)
    for name in sorted(w.members):
        flag = "x" if w.members[name].executable else " "
        lines.append(f"  {w.members[name].size:>{width}} {flag} {name}")
    lines.append(f"links ({len(w.links)}):")
    for link in w.links:
        lines.append(f"  {link.path} -> {link.target}")
    for warning in w.warnings:
        lines.append(f"warning: {warning}")
    lines.append(verdict)
    return "\n".join(lines) + "\n"


def inspect(path: os.PathLike[str] | str) -> str:
    """The report on a wheel, checked as a wheel file only (no target environment); the
    ``symback inspect`` command adds the target checks of :func:`symback.install.check_wheel`."""
    with open_wheel(path) as w:
        if w.editable:
            check_editable_targets(w, ())
        return describe(w, "OK: the wheel file passes every check of its contents")


# ----------------------------------------------------------------------------- convert

_SONAME = re.compile(
    r"^(?P<stem>lib[^/]+?)(?:\.so(?P<so>(?:\.\d+)*)|(?P<dy>(?:\.\d+)*)\.dylib)$"
)


def _soname_key(basename: str) -> tuple[str, str, tuple[int, ...]] | None:
    """``libX.so.1.2`` -> ("libX", "so", (1, 2)); ``libX.1.dylib`` -> ("libX", "dylib", (1,))."""
    m = _SONAME.match(basename)
    if not m:
        return None
    if m.group("so") is not None:
        kind, nums = "so", m.group("so")
    else:
        kind, nums = "dylib", m.group("dy") or ""
    version = tuple(int(n) for n in nums.split(".") if n)
    return m.group("stem"), kind, version


def dedupe_links(members: Mapping[str, Member], taken: set[str]) -> list[Link]:
    """Turn identical shared-library copies into a chain of links.

    In each directory, files with the same bytes named ``libX.so``, ``libX.so.N``,
    ``libX.so.N.M...`` (or ``libX.dylib``, ``libX.N.dylib``...) become
    ``libX.so -> libX.so.N -> libX.so.N.M.P``: the file with the longest version stays a
    file, each shorter name links to the next longer one.
    """
    from .links import Link

    groups: dict[tuple[str, str, str, str], list[tuple[tuple[int, ...], str]]] = {}
    for name, info in members.items():
        if name in taken:
            continue
        directory, base = posixpath.split(name)
        key = _soname_key(base)
        if key is None:
            continue
        stem, kind, version = key
        groups.setdefault((directory, stem, kind, info.sha256), []).append((version, name))
    links: list[Link] = []
    for entries in groups.values():
        if len(entries) < 2:
            continue
        entries.sort(key=lambda e: (len(e[0]), e[0]))
        for (_, shorter), (_, longer) in zip(entries, entries[1:]):
            links.append(Link(path=shorter, target=longer))
    return links


def convert(
    path: os.PathLike[str] | str,
    *,
    symlinks: str,
    outdir: os.PathLike[str] | str,
    dedupe: bool = False,
) -> Path:
    """Rewrite a wheel into the ``links``, ``lean``, ``compat`` or ``copy`` form (same file name).

    For ``links`` and ``lean`` (and ``compat`` with ``dedupe``), identical shared-library
    copies (``libX.so``, ``libX.so.N``...) become links (:func:`dedupe_links`); in every
    form that keeps links, a library's bytes end up under its SONAME.
    """
    from .binaries import soname_of
    from .linkrules import LinkTree, library_aliases, link_finals, orient_to_sonames
    from .wheel import WheelEntry, write_wheel

    if symlinks not in FORMS:
        raise InstallError(f"convert: --symlinks: {symlinks!r} is not one of {', '.join(FORMS)}. "
                           "Pick one of them.")
    path = Path(path)
    out = Path(outdir) / path.name
    if out.resolve() == path.resolve():
        raise InstallError(f"{path.name}: -o: the output would overwrite the input wheel. "
                           "Pass a different output directory.")
    with open_wheel(path) as w:
        if w.editable:
            raise InstallError(f"{w.name}: the wheel is an editable wheel, which is tied to this "
                               "machine's source tree and cannot be converted. Build a regular "
                               "wheel instead.")
        copies = w.link_copies() if w.form in ("compat", "lean") else set()
        links = list(w.links)
        # Regular files that stay: not dist-info, not a copy standing at a link path.
        # ``source`` maps each output path to the member holding its bytes.
        source = {
            m: m for m in w.members
            if m not in copies and not m.startswith(w.dist_info + "/")
        }
        dist_files = [m for m in w.members if m.startswith(w.dist_info + "/")]
        if dedupe or symlinks in ("links", "lean"):
            found = dedupe_links({m: w.members[m] for m in source},
                                 {lk.path for lk in links} | {lk.target for lk in links})
            if found:
                links += found
                for lk in found:
                    del source[lk.path]
                LinkTree.build(links, list(source) + dist_files, source=f"{w.name}: --dedupe")
        aliases: set[str] = set()
        if links and symlinks != "copy":
            finals = set(link_finals(links).values())
            sonames = {}
            for m in source:
                if m in finals:
                    name = soname_of(w.read(m))
                    if name is not None:
                        sonames[m] = name
            links, renames = orient_to_sonames(links, sonames)
            source = {renames.get(m, m): member for m, member in source.items()}
            if symlinks == "lean":
                aliases = library_aliases(links, {renames.get(m, m): n for m, n in sonames.items()})
        entries = [WheelEntry(arcname=m, data=w.read(member), executable=w.members[member].executable)
                   for m, member in sorted(source.items())]
        if symlinks != "links" and links:
            tree = LinkTree.build(links, list(source) + dist_files, source=w.name)
            link_paths = {lk.path for lk in links}
            for link in links:
                if link.path in aliases:
                    continue
                for rel, member in tree.expand(link.path).items():
                    arc = posixpath.join(link.path, rel) if rel else link.path
                    if _under_any(arc, {p for p in link_paths if p != link.path}):
                        continue  # a nested link's copy is written by that link
                    entries.append(WheelEntry(arcname=arc, data=w.read(source[member]),
                                              executable=w.members[source[member]].executable))
        # Carry the dist-info over, except what write_wheel regenerates.
        regenerated = {f"{w.dist_info}/{n}" for n in ("WHEEL", "RECORD", "LINKS", *_SIGNATURES)}
        for m in sorted(dist_files):
            if m not in regenerated:
                entries.append(WheelEntry(arcname=m, data=w.read(m)))
        tags = _wheel_tags(w)
        Path(outdir).mkdir(parents=True, exist_ok=True)
        return write_wheel(
            out,
            entries,
            dist_info=w.dist_info,
            wheel_version="2.0" if symlinks == "links" else "1.0",
            tags=tags,
            root_is_purelib=w.root_is_purelib,
            links=[] if symlinks == "copy" else sorted(links),
            build_tag=w.build_tag,
        )


def _wheel_tags(w: WheelContents) -> list[str]:
    """The ``Tag:`` lines of the input's WHEEL file (or the file name's tags)."""
    text = w.read(f"{w.dist_info}/WHEEL").decode("utf-8")
    msg = email.parser.Parser().parsestr(text)
    tags = [t.strip() for t in msg.get_all("Tag") or [] if t.strip()]
    return tags or list(w.tags)
