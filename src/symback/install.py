"""``symback install`` / ``symback uninstall``: LINKS-aware, staged, rolled back on error.

Built on ``pypa/installer`` (the optional dependency ``symback[install]``, imported lazily):
its :class:`~installer.destinations.SchemeDictionaryDestination` writes files and console
scripts (shebang fixing, launchers) and its RECORD helpers write ``RECORD``. symback adds
what ``installer.install()`` lacks: ``Wheel-Version: 2.0``, ``LINKS``, checks of the
destination before anything is written, and a transaction.

The install of one command is one transaction:

1. every wheel is opened and validated (:func:`symback.wheelfile.open_wheel`);
2. each wheel is *staged*: written (files, links, scripts, ``RECORD``) into hidden
   temporary directories created beside the scheme directories, so on the same filesystem;
3. every destination is checked against what is already installed;
4. commit: the files of a previous install of the same distribution are moved aside, then
   each staged file and link is renamed into place. Any error (or ``KeyboardInterrupt``)
   undoes every rename and directory change in reverse order, restoring the previous
   install; the environment is left as it was;
5. the moved-aside files and the staging directories are deleted.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
import posixpath
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from .common import normalize_name
from .errors import InstallError, SymbackError
from .wheelfile import WheelContents, check_editable_targets, open_wheel

if TYPE_CHECKING:  # pragma: no cover
    from installer.records import RecordEntry

__all__ = [
    "Environment",
    "InstalledDistribution",
    "check_tags",
    "environment",
    "install_wheels",
    "uninstall",
    "find_installed",
]

INSTALLER_NAME = "symback"

#: Test hook: called with the destination path before each rename into place. A test sets
#: it to raise, to check the rollback.
_BEFORE_MOVE: Callable[[str], None] | None = None

# ----------------------------------------------------------------------------- environment

_QUERY = r"""
import json, os, sys, sysconfig
prefix = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else None
if prefix:
    vars = {"base": prefix, "platbase": prefix, "installed_base": prefix,
            "installed_platbase": prefix}
    paths = sysconfig.get_paths(vars=vars)
    include = paths["include"]
else:
    paths = sysconfig.get_paths()
    if sys.prefix != getattr(sys, "base_prefix", sys.prefix):
        include = os.path.join(sys.prefix, "include", "site",
                               "python%d.%d" % sys.version_info[:2])
    else:
        include = paths["include"]
# The wheel tags this interpreter takes, by symback's own tags module and packaging run
# here. argv[2] names where they are (for another interpreter): put first on sys.path
# only after the standard library modules they use are imported, so nothing there can
# shadow those.
import importlib.machinery, logging, platform, re, struct, subprocess
if len(sys.argv) > 2 and sys.argv[2]:
    sys.path[:0] = sys.argv[2].split(os.pathsep)
from packaging.tags import sys_tags
from symback.tags import interpreter_platform_tag
print(json.dumps({"purelib": paths["purelib"], "platlib": paths["platlib"],
                  "scripts": paths["scripts"], "data": paths["data"],
                  "include": include, "interpreter": sys.executable,
                  "tags": [str(t) for t in sys_tags()],
                  "interpreter_tag": interpreter_platform_tag()}))
"""


@dataclass(frozen=True)
class Environment:
    """Where a wheel's schemes go. ``headers`` is ``include/<distribution>``."""

    purelib: str
    platlib: str
    scripts: str
    data: str
    include: str
    interpreter: str  # for script shebangs and bytecode compilation
    #: The wheel tags the interpreter takes, most specific first (``packaging.tags.sys_tags``);
    #: None (an environment made by hand) skips the check.
    tags: tuple[str, ...] | None = None
    #: Its own ``cp312-cp312-linux_x86_64``: what an editable wheel for it is tagged.
    interpreter_tag: str | None = None

    def scheme(self, distribution: str) -> dict[str, str]:
        return {
            "purelib": self.purelib,
            "platlib": self.platlib,
            "scripts": self.scripts,
            "data": self.data,
            "headers": os.path.join(self.include, distribution),
        }

    def roots(self) -> list[str]:
        """Every scheme directory: RECORD rows outside them are refused on uninstall."""
        seen: list[str] = []
        for d in (self.purelib, self.platlib, self.scripts, self.data, self.include):
            d = os.path.normpath(os.path.abspath(d))
            if d not in seen:
                seen.append(d)
        return seen


def environment(
    *, python: str | None = None, prefix: str | None = None, target: str | None = None
) -> Environment:
    """The scheme of the running interpreter or of ``python``, optionally under ``prefix``
    (its scheme with ``base`` = ``prefix``) or redirected to ``target`` (``pip --target``),
    with the wheel tags that interpreter takes."""
    if prefix is not None and target is not None:
        raise InstallError("command line: --prefix and --target exclude each other. Pass one of them.")
    query_prefix = os.path.abspath(prefix) if prefix is not None else ""
    if python is None:
        namespace: dict[str, object] = {}
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            saved = sys.argv
            sys.argv = ["-c", query_prefix, ""]
            try:
                exec(compile(_QUERY, "<symback scheme query>", "exec"), namespace)
            finally:
                sys.argv = saved
        raw = out.getvalue()
    else:
        try:
            proc = subprocess.run(
                [python, "-c", _QUERY, query_prefix, _tag_code_path()], capture_output=True, text=True,
                check=False,
            )
        except OSError as error:
            raise InstallError(
                f"--python: {python}: cannot run it ({error}). Pass the path of a Python "
                "interpreter."
            ) from None
        if proc.returncode != 0:
            raise InstallError(
                f"--python: {python}: querying its install scheme failed: "
                f"{proc.stderr.strip()[-500:]}. Pass the path of a working Python interpreter."
            )
        raw = proc.stdout
    data = json.loads(raw)
    env = Environment(**{**data, "tags": tuple(data["tags"])})
    if target is None:
        return env
    t = os.path.abspath(target)
    return dataclasses.replace(
        env, purelib=t, platlib=t, data=t,
        scripts=os.path.join(t, "Scripts" if os.name == "nt" else "bin"),
        include=os.path.join(t, "include"),
    )


def _tag_code_path() -> str:
    """The directories holding this process's ``symback`` and ``packaging`` (for the query)."""
    import packaging

    dirs = []
    for module_file in (__file__, packaging.__file__):
        parent = os.path.dirname(os.path.dirname(os.path.abspath(module_file)))
        if parent not in dirs:
            dirs.append(parent)
    return os.pathsep.join(dirs)


def check_tags(wheel: WheelContents, env: Environment) -> None:
    """InstallError unless one of ``wheel``'s tags is one that ``env``'s interpreter takes."""
    if env.tags is None or set(wheel.tags) & set(env.tags):
        return
    raise InstallError(
        f"{wheel.name}: its tags ({', '.join(wheel.tags)}) are not supported by {env.interpreter}, "
        f"which takes {env.tags[0]} and {len(env.tags) - 1} more. Install a wheel built for that "
        "interpreter, or pass --python with one the wheel is for."
    )


# ----------------------------------------------------------------------------- installed


@dataclass
class InstalledDistribution:
    """An installed distribution, as far as its RECORD goes."""

    name: str
    dist_info: str  # absolute path
    paths: list[str]  # absolute, normalised: RECORD rows, bytecode, the dist-info's files

    def owns(self) -> set[str]:
        return set(self.paths)


def find_installed(env: Environment, name: str) -> InstalledDistribution | None:
    """Find ``name``'s ``.dist-info`` in purelib/platlib and check its RECORD (see uninstall)."""
    wanted = normalize_name(name)
    found: list[str] = []
    for lib in dict.fromkeys((env.purelib, env.platlib)):
        with contextlib.suppress(OSError):
            for entry in os.scandir(lib):
                if entry.name.endswith(".dist-info") and entry.is_dir(follow_symlinks=False):
                    stem = entry.name[: -len(".dist-info")].rsplit("-", 1)[0]
                    if normalize_name(stem) == wanted:
                        found.append(entry.path)
    if not found:
        return None
    if len(found) > 1:
        raise InstallError(
            f"{name}: found {len(found)} installed copies ({', '.join(found)}). Remove the "
            "stale .dist-info directories by hand, keeping the one you want to act on."
        )
    return _read_installed(env, found[0], name)


def _read_installed(env: Environment, dist_info: str, name: str) -> InstalledDistribution:
    record = os.path.join(dist_info, "RECORD")
    try:
        with open(record, "rb") as f:
            text = f.read().decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except FileNotFoundError:
        raise InstallError(
            f"{record}: RECORD is missing, so what {name} installed is unknown. Remove the "
            "distribution's files by hand (or reinstall it with its own installer first)."
        ) from None
    except (UnicodeDecodeError, csv.Error, OSError) as error:
        raise InstallError(f"{record}: cannot read RECORD ({error}). Fix or remove it.") from None
    base = os.path.dirname(dist_info)
    roots = env.roots()
    paths: list[str] = []
    for lineno, row in enumerate(rows, 1):
        if not row or not row[0]:
            continue
        path = _absolute(base, row[0])
        where = f"{record} line {lineno}"
        if "\x00" in row[0]:
            raise InstallError(f"{where}: the path contains a NUL byte. Fix RECORD.")
        root = _root_of(path, roots)
        if root is None or path == root:
            raise InstallError(
                f"{where}: {row[0]!r} lies outside the install scheme directories "
                f"({', '.join(roots)}); symback does not remove it. Fix RECORD, or remove "
                "the distribution's files by hand."
            )
        through = _link_on_the_way(root, path)
        if through is not None:
            raise InstallError(
                f"{where}: {row[0]!r} lies inside the linked directory {through}; removing it "
                "would delete the link's target. Fix RECORD so it lists the link itself "
                f"({os.path.relpath(through, base)},,), not paths inside it."
            )
        paths.append(path)
    # Bytecode Python wrote for the recorded modules, and the dist-info's unrecorded files.
    extra: list[str] = []
    for path in paths:
        if path.endswith(".py") and not os.path.islink(os.path.dirname(path)):
            cache = os.path.join(os.path.dirname(path), "__pycache__")
            stem = os.path.basename(path)[:-3] + "."
            if os.path.isdir(cache) and not os.path.islink(cache):
                extra += [os.path.join(cache, n) for n in os.listdir(cache)
                          if n.startswith(stem) and n.endswith(".pyc")]
    for dirpath, dirnames, filenames in os.walk(dist_info):  # does not follow links
        extra += [os.path.join(dirpath, n) for n in filenames + [
            d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]]
    paths += [os.path.normpath(p) for p in extra]
    return InstalledDistribution(name=name, dist_info=dist_info, paths=sorted(set(paths)))


def _absolute(base: str, path: str) -> str:
    return os.path.normpath(os.path.join(base, path.replace("/", os.sep)))


def _root_of(path: str, roots: Sequence[str]) -> str | None:
    """The most specific scheme directory holding ``path``."""
    best = None
    for root in roots:
        if path == root or path.startswith(root.rstrip(os.sep) + os.sep):
            if best is None or len(root) > len(best):
                best = root
    return best


def _link_on_the_way(root: str, path: str) -> str | None:
    """The first directory between ``root`` and ``path`` (exclusive) that is a symlink."""
    rel = os.path.relpath(path, root)
    parts = rel.split(os.sep)[:-1]
    current = root
    for part in parts:
        current = os.path.join(current, part)
        if os.path.islink(current):
            return current
    return None


# ----------------------------------------------------------------------------- transaction


@dataclass
class _Transaction:
    """Renames and directory changes, undone in reverse order on error."""

    journal: list[tuple[str, ...]] = field(default_factory=list)
    temp_dirs: list[str] = field(default_factory=list)

    def temp_dir(self, near: str, kind: str) -> str:
        parent = near
        while not os.path.isdir(parent):
            up = os.path.dirname(parent)
            if up == parent:
                break
            parent = up
        path = tempfile.mkdtemp(prefix=f".symback-{kind}-", dir=parent)
        self.temp_dirs.append(path)
        return path

    def makedirs(self, path: str) -> None:
        missing: list[str] = []
        while not os.path.lexists(path):
            missing.append(path)
            path = os.path.dirname(path)
        for d in reversed(missing):
            os.mkdir(d)
            self.journal.append(("mkdir", d))

    def move(self, src: str, dst: str) -> None:
        if _BEFORE_MOVE is not None:
            _BEFORE_MOVE(dst)
        if os.path.lexists(dst):
            raise InstallError(f"{dst}: appeared while installing. Retry the command.")
        os.rename(src, dst)
        self.journal.append(("move", src, dst))

    def rmdir(self, path: str) -> None:
        mode = stat.S_IMODE(os.lstat(path).st_mode)
        os.rmdir(path)
        self.journal.append(("rmdir", path, oct(mode)))

    def rollback(self) -> list[str]:
        failures: list[str] = []
        for entry in reversed(self.journal):
            try:
                if entry[0] == "move":
                    os.rename(entry[2], entry[1])
                elif entry[0] == "mkdir":
                    os.rmdir(entry[1])
                elif entry[0] == "rmdir":
                    os.mkdir(entry[1], int(entry[2], 8))
                    os.chmod(entry[1], int(entry[2], 8))
            except OSError as error:
                failures.append(f"{entry[0]} {entry[-1]}: {error}")
        self.journal.clear()
        return failures

    def cleanup(self) -> None:
        for d in self.temp_dirs:
            # rmtree unlinks symlinks, never follows them.
            shutil.rmtree(d, ignore_errors=True)
        self.temp_dirs.clear()


@contextlib.contextmanager
def _transaction(what: str) -> Iterator[_Transaction]:
    tx = _Transaction()
    try:
        yield tx
    except BaseException as error:
        failures = tx.rollback()
        tx.cleanup()
        if failures:
            raise InstallError(
                f"{what}: failed ({error}), and rolling back failed too: "
                f"{'; '.join(failures)}. Repair these paths by hand."
            ) from error
        if isinstance(error, SymbackError) or not isinstance(error, Exception):
            raise
        raise InstallError(
            f"{what}: failed ({type(error).__name__}: {error}); every change was rolled "
            "back. Fix the cause and run the command again."
        ) from error
    else:
        tx.cleanup()


def _remove_old(tx: _Transaction, old: InstalledDistribution, roots: Sequence[str]) -> None:
    """Move ``old``'s files aside (into a temp dir on the same filesystem), prune empty dirs."""
    backups: dict[str, str] = {}
    counter = 0
    for path in old.paths:
        if not os.path.lexists(path):
            continue
        root = _root_of(path, roots) or os.path.dirname(path)
        if os.path.isdir(path) and not os.path.islink(path):
            continue  # directories go only when empty, below
        if root not in backups:
            backups[root] = tx.temp_dir(root, "old")
        counter += 1
        tx.move(path, os.path.join(backups[root], str(counter)))
    _prune(tx, {os.path.dirname(p) for p in old.paths}, roots)


def _prune(tx: _Transaction, dirs: set[str], roots: Sequence[str]) -> None:
    """Remove now-empty directories (never a scheme directory, never through a link)."""
    candidates: set[str] = set()
    for d in dirs:
        root = _root_of(d, roots)
        while root is not None and d != root and d.startswith(root):
            candidates.add(d)
            d = os.path.dirname(d)
    for d in sorted(candidates, key=lambda p: p.count(os.sep), reverse=True):
        if os.path.isdir(d) and not os.path.islink(d) and not os.listdir(d):
            tx.rmdir(d)


# ----------------------------------------------------------------------------- staging


@dataclass
class _Staged:
    """One wheel, written into staging directories."""

    wheel: WheelContents
    scheme: dict[str, str]  # final scheme directories
    staging: dict[str, str]  # scheme -> staging directory
    root_scheme: str
    leaves: list[tuple[str, str]] = field(default_factory=list)  # (scheme, path in scheme)
    link_paths: set[str] = field(default_factory=set)  # absolute final paths of links
    old: InstalledDistribution | None = None

    def staged(self, scheme: str, rel: str) -> str:
        return os.path.join(self.staging[scheme], rel.replace("/", os.sep))

    def final(self, scheme: str, rel: str) -> str:
        return os.path.normpath(os.path.join(os.path.abspath(self.scheme[scheme]),
                                             rel.replace("/", os.sep)))


def _destination(staging: dict[str, str], interpreter: str):  # type: ignore[no-untyped-def]
    try:
        from installer.destinations import SchemeDictionaryDestination
        from installer.utils import get_launcher_kind
    except ImportError:
        raise InstallError(
            "symback install: the 'installer' package is missing. Install it with "
            "'pip install symback[install]' (or 'pip install installer')."
        ) from None
    return SchemeDictionaryDestination(
        scheme_dict=dict(staging),
        interpreter=interpreter,
        script_kind=get_launcher_kind(),
        overwrite_existing=False,
    )


def _scheme_of(wheel: WheelContents, member: str, root_scheme: str) -> tuple[str, str]:
    prefix = wheel.data_dir + "/"
    if member.startswith(prefix):
        scheme, rel = member[len(prefix):].split("/", 1)
        return scheme, rel
    return root_scheme, member


def _stage(
    tx: _Transaction, wheel: WheelContents, env: Environment, *, copy_links: bool,
    compile_bytecode: bool,
) -> _Staged:
    from installer.records import RecordEntry
    from installer.utils import construct_record_file, parse_entrypoints

    root_scheme = "purelib" if wheel.root_is_purelib else "platlib"
    scheme = env.scheme(wheel.distribution)
    staging = {name: tx.temp_dir(path, "stage") for name, path in scheme.items()}
    st = _Staged(wheel=wheel, scheme=scheme, staging=staging, root_scheme=root_scheme)
    dest = _destination(staging, env.interpreter)
    records: list[tuple[str, RecordEntry]] = []
    what = wheel.name

    entry_points = f"{wheel.dist_info}/entry_points.txt"
    if entry_points in wheel.members:
        text = wheel.read(entry_points).decode("utf-8")
        try:
            scripts = list(parse_entrypoints(text))
        except Exception as error:  # installer asserts on bad lines
            raise InstallError(f"{what}: {entry_points}: invalid entry point ({error!r}). "
                               "Rebuild the wheel with valid console_scripts.") from None
        for name, module, attr, section in scripts:
            if "/" in name or "\\" in name or name in ("", ".", ".."):
                raise InstallError(f"{what}: {entry_points}: script name {name!r} is not a "
                                   "plain file name. Rebuild the wheel.")
            records.append(("scripts", dest.write_script(name=name, module=module, attr=attr,
                                                         section=section)))

    honour_links = wheel.links and not (copy_links and wheel.form == "compat")
    copies = wheel.link_copies() if (wheel.form in ("compat", "lean") and honour_links) else set()
    generated = {f"{wheel.dist_info}/{n}" for n in ("RECORD", "INSTALLER", "REQUESTED",
                                                    "RECORD.jws", "RECORD.p7s")}
    skipped = set(wheel.skipped)
    for member in sorted(wheel.members):
        if member in generated or member in copies or member in skipped:
            continue
        scheme_name, rel = _scheme_of(wheel, member, root_scheme)
        with wheel.open(member) as stream:
            records.append((scheme_name, dest.write_file(
                scheme=scheme_name, path=rel, stream=stream,
                is_executable=wheel.members[member].executable)))

    if honour_links:
        if wheel.editable and copy_links:
            raise InstallError(
                f"{what}: --copy-links: an editable wheel's links point into a source tree; "
                "copies would not follow it. Drop --copy-links, or use a .pth-based editable "
                "install (-C editable-mode=pth)."
            )
        records += _stage_links(st, dest, copy_links=copy_links)

    if compile_bytecode:
        records += _compile(st, records, env.interpreter)

    for name, data in (("INSTALLER", f"{INSTALLER_NAME}\n".encode()), ("REQUESTED", b"")):
        records.append((root_scheme, dest.write_file(
            scheme=root_scheme, path=f"{wheel.dist_info}/{name}", stream=io.BytesIO(data),
            is_executable=False)))
    record_path = f"{wheel.dist_info}/RECORD"
    records.append((root_scheme, RecordEntry(record_path, None, None)))

    root_dir = os.path.abspath(scheme[root_scheme])

    def prefix_for(s: str) -> str | None:
        if s == root_scheme:
            return None
        rel = os.path.relpath(os.path.abspath(scheme[s]), root_dir)
        return rel.replace(os.sep, "/") + "/"

    stream = construct_record_file(records, prefix_for)  # type: ignore[arg-type]
    with open(st.staged(root_scheme, record_path), "wb") as f:
        f.write(stream.read())
    st.leaves = [(s, r.path) for s, r in records]
    return st


def _stage_links(st: _Staged, dest, *, copy_links: bool) -> list:  # type: ignore[no-untyped-def]
    from installer.records import RecordEntry

    wheel = st.wheel
    root = st.root_scheme
    out: list = []
    for link in sorted(wheel.links):
        staged = st.staged(root, link.path)
        if copy_links:
            for rel, member in sorted(wheel.expand(link.path).items()):
                path = posixpath.join(link.path, rel) if rel else link.path
                with wheel.open(member) as stream:
                    out.append((root, dest.write_file(
                        scheme=root, path=path, stream=stream,
                        is_executable=wheel.members[member].executable)))
            continue
        if wheel.editable:
            value = link.target
            is_dir = os.path.isdir(link.target)
        else:
            assert wheel.tree is not None
            value = link.relative_target()
            is_dir = wheel.tree.is_directory(link.path)
        os.makedirs(os.path.dirname(staged), exist_ok=True)
        try:
            os.symlink(value, staged, target_is_directory=is_dir)
        except (OSError, NotImplementedError) as error:
            raise InstallError(
                f"{wheel.name}: {link.path}: cannot create a symlink here ({error}); this "
                "filesystem or platform (or your privileges) does not allow it, and PEP 778 "
                "forbids a silent copy. Pass --copy-links to install copies instead, or "
                "install onto a filesystem that supports symlinks (on Windows: enable "
                "Developer Mode)."
            ) from None
        st.link_paths.add(st.final(root, link.path))
        out.append((root, RecordEntry(link.path, None, None)))
    return out


_COMPILE = r"""
import importlib.util, json, py_compile, sys
done = []
for source, dfile in json.load(sys.stdin):
    try:
        cfile = py_compile.compile(source, dfile=dfile, doraise=True, quiet=1)
    except Exception:
        continue
    if cfile:
        done.append([source, cfile])
print(json.dumps(done))
"""


def _compile(st: _Staged, records: list, interpreter: str) -> list:  # type: ignore[no-untyped-def]
    """Byte-compile the staged .py files of purelib/platlib with the target interpreter."""
    from installer.records import Hash, RecordEntry
    from installer.utils import copyfileobj_with_hashing

    jobs = []
    for scheme, entry in records:
        if scheme in ("purelib", "platlib") and entry.path.endswith(".py") and entry.hash_:
            jobs.append([st.staged(scheme, entry.path), st.final(scheme, entry.path), scheme,
                         entry.path])
    if not jobs:
        return []
    proc = subprocess.run([interpreter, "-c", _COMPILE], input=json.dumps(
        [j[:2] for j in jobs]), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise InstallError(f"{st.wheel.name}: byte-compiling failed: {proc.stderr.strip()}. "
                           "Install without --compile-bytecode.")
    by_source = {j[0]: j for j in jobs}
    out = []
    for source, cfile in json.loads(proc.stdout):
        _, _, scheme, rel = by_source[source]
        crel = posixpath.join(posixpath.dirname(rel), "__pycache__", os.path.basename(cfile))
        with open(cfile, "rb") as f:
            digest, size = copyfileobj_with_hashing(f, io.BytesIO(), "sha256")
        out.append((scheme, RecordEntry(crel, Hash("sha256", digest), size)))
    return out


# ----------------------------------------------------------------------------- checks


def _check_destinations(staged: Sequence[_Staged], env: Environment) -> None:
    """Refuse to replace, or write through, anything the install does not own."""
    owned: set[str] = set()
    for st in staged:
        if st.old is not None:
            owned |= st.old.owns()
    seen: dict[str, str] = {}
    all_links = set().union(*(st.link_paths for st in staged)) if staged else set()
    for st in staged:
        for scheme, rel in st.leaves:
            final = st.final(scheme, rel)
            root = os.path.normpath(os.path.abspath(st.scheme[scheme]))
            where = f"{st.wheel.name}: {rel}"
            if final in seen and seen[final] != st.wheel.name:
                raise InstallError(f"{where}: {seen[final]} installs {final} too. Install the "
                                   "wheels one at a time, or drop one of them.")
            seen[final] = st.wheel.name
            for parent in _parents(root, final):
                if parent in all_links:
                    raise InstallError(f"{where}: would be written through the new link "
                                       f"{parent}. Rebuild the wheel.")
                if os.path.islink(parent):
                    if parent in owned:
                        break  # goes with the previous install
                    raise InstallError(
                        f"{where}: the destination {final} passes through the existing "
                        f"symlink {parent}, which this install does not own; writing would "
                        "change whatever it points to. Remove the link (or uninstall what "
                        "made it) and retry."
                    )
                if os.path.lexists(parent) and not os.path.isdir(parent):
                    if parent in owned:
                        break
                    raise InstallError(f"{where}: {parent} is an existing file, where the "
                                       "wheel needs a directory. Remove it and retry.")
            else:
                _check_final(final, owned, where)


def _parents(root: str, path: str) -> list[str]:
    rel = os.path.relpath(path, root)
    parts = rel.split(os.sep)[:-1]
    return [os.path.join(root, *parts[: i + 1]) for i in range(len(parts))]


def _check_final(final: str, owned: set[str], where: str) -> None:
    if not os.path.lexists(final) or final in owned:
        return
    if os.path.isdir(final) and not os.path.islink(final):
        for dirpath, dirnames, filenames in os.walk(final):
            for n in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                if os.path.join(dirpath, n) not in owned:
                    raise InstallError(
                        f"{where}: {final} is an existing directory holding files this install "
                        "does not own; a file or link there would replace them. Remove it "
                        "and retry."
                    )
        return
    kind = "symlink" if os.path.islink(final) else "file"
    raise InstallError(
        f"{where}: {final} already exists (a {kind} that no distribution being replaced "
        "owns); symback never overwrites what it does not own. Remove it, or uninstall the "
        "distribution it belongs to, and retry."
    )


# ----------------------------------------------------------------------------- install


@dataclass(frozen=True)
class InstallResult:
    name: str
    version: str
    replaced: str | None  # the dist-info directory of the previous install
    links: int
    warnings: tuple[str, ...]


def install_wheels(
    wheels: Sequence[os.PathLike[str] | str],
    env: Environment,
    *,
    copy_links: bool = False,
    compile_bytecode: bool = False,
) -> list[InstallResult]:
    """Install ``wheels`` into ``env`` as one transaction (see the module docstring)."""
    if not wheels:
        raise InstallError("symback install: no wheel given. Pass the path of a .whl file.")
    _destination({}, env.interpreter)  # fails early, and clearly, without `installer`
    with contextlib.ExitStack() as stack:
        opened = [stack.enter_context(open_wheel(w)) for w in wheels]
        names: dict[str, str] = {}
        for w in opened:
            if w.normalized_name in names:
                raise InstallError(f"{w.name}: {names[w.normalized_name]} is the same "
                                   "distribution. Pass only one of them.")
            names[w.normalized_name] = w.name
            check_tags(w, env)
            if w.editable:
                check_editable_targets(w, env.roots())
        olds = [find_installed(env, w.distribution) for w in opened]
        results = []
        with _transaction("symback install") as tx:
            staged = []
            for w, old in zip(opened, olds):
                st = _stage(tx, w, env, copy_links=copy_links, compile_bytecode=compile_bytecode)
                st.old = old
                staged.append(st)
            _check_destinations(staged, env)
            # Commit: previous installs aside, then everything into place, dist-info last.
            roots = env.roots()
            for st in staged:
                if st.old is not None:
                    _remove_old(tx, st.old, roots)
            for st in staged:
                ordered = sorted(st.leaves, key=lambda sr: (sr[1].startswith(st.wheel.dist_info
                                                                             + "/"), sr))
                for scheme, rel in ordered:
                    final = st.final(scheme, rel)
                    tx.makedirs(os.path.dirname(final))
                    tx.move(st.staged(scheme, rel), final)
            for st in staged:
                results.append(InstallResult(
                    name=st.wheel.normalized_name, version=st.wheel.version,
                    replaced=st.old.dist_info if st.old else None,
                    links=len(st.link_paths), warnings=st.wheel.warnings,
                ))
        return results


# ----------------------------------------------------------------------------- uninstall


def uninstall(name: str, env: Environment) -> list[str]:
    """Remove an installed distribution by its RECORD; return the removed paths.

    Never follows a link: a link listed in RECORD is unlinked, never its target; RECORD rows
    outside the scheme directories or inside a linked directory make the whole uninstall
    fail before anything is removed. Directories left empty are removed. All or nothing.
    """
    dist = find_installed(env, name)
    if dist is None:
        raise InstallError(
            f"{name}: not installed in {env.purelib}. Check the name, or pass the --python, "
            "--prefix or --target the distribution was installed with."
        )
    removed = [p for p in dist.paths if os.path.lexists(p)
               and (os.path.islink(p) or not os.path.isdir(p))]
    with _transaction(f"symback uninstall {name}") as tx:
        _remove_old(tx, dist, env.roots())
    return removed
