"""``symback install`` / ``symback uninstall``: LINKS-aware, staged, rolled back on error.

Built on ``pypa/installer`` (the optional dependency ``symback[install]``, imported lazily):
its :class:`~installer.destinations.SchemeDictionaryDestination` writes files and console
scripts (shebang fixing, launchers) and its RECORD helpers write ``RECORD``. symback adds
what ``installer.install()`` lacks: ``Wheel-Version: 2.0``, ``LINKS``, checks of the
destination before anything is written, and a transaction.

The install of one command is one operation, under the environment's lock and recorded
in its journal (:mod:`symback.journal`):

1. every wheel is opened and validated (:func:`symback.wheelfile.open_wheel`);
2. the lock is taken (``.symback.lock`` in purelib); an operation a kill interrupted is
   finished or undone, stale temporary directories are removed;
3. each wheel is *staged*: written (files, links, scripts, ``RECORD``) into hidden
   temporary directories created beside the scheme directories, so on the same filesystem;
4. every destination is checked against what is already installed (every installed copy
   of the distribution, whatever its version, is replaced);
5. commit, journalled and fsynced first, SIGINT/SIGTERM deferred: each old ``.dist-info``
   is moved aside in one rename, then its files; each staged file and link is renamed into
   place, then the new ``.dist-info`` in one rename. An error undoes every step in reverse
   order; a kill leaves the journal, from which the next run finishes the commit;
6. the emptied directories, the moved-aside files and the staging directories are deleted.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
import posixpath
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from .common import normalize_name, resource_problem
from .errors import InstallError, SymbackError
from .journal import Interrupted, Operation, deferred_signals, handle_signals, locked, recover
from .wheelfile import WheelContents, check_editable_targets, open_wheel

if TYPE_CHECKING:  # pragma: no cover
    from installer.records import RecordEntry

__all__ = [
    "Environment",
    "InstalledDistribution",
    "check_tags",
    "check_wheel",
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


def check_wheel(wheel: WheelContents, env: Environment, *, allow_editable: bool = False) -> None:
    """Every check of an opened wheel against the target environment that ``install_wheels``
    makes before staging (``symback inspect`` runs exactly these): its tags, and for an
    editable wheel, that it was asked for and that its targets exist outside ``env``."""
    check_tags(wheel, env)
    if wheel.editable:
        if not allow_editable:
            raise InstallError(
                f"{wheel.name}: an editable wheel (build tag {wheel.build_tag!r}): its links "
                "point at absolute paths on the machine that built it, so it is installed only "
                "when asked for: symback install -e PROJECT_DIR builds and installs one, "
                "--allow-editable installs one built elsewhere that you trust."
            )
        check_editable_targets(wheel, env.roots())


# ----------------------------------------------------------------------------- installed


@dataclass
class InstalledDistribution:
    """An installed distribution, as far as its RECORD goes."""

    name: str
    dist_info: str  # absolute path
    paths: list[str]  # absolute, normalised: RECORD rows, bytecode, the dist-info's files

    def owns(self) -> set[str]:
        return set(self.paths) | {self.dist_info}


def find_installed(env: Environment, name: str) -> InstalledDistribution | None:
    """Find ``name``'s ``.dist-info`` in purelib/platlib and check its RECORD (see uninstall)."""
    found = _find_all_installed(env, name)
    if len(found) > 1:
        raise InstallError(
            f"{name}: found {len(found)} installed copies "
            f"({', '.join(d.dist_info for d in found)}). symback install or uninstall of "
            f"{name} replaces or removes them all."
        )
    return found[0] if found else None


def _find_all_installed(env: Environment, name: str) -> list[InstalledDistribution]:
    """Every ``.dist-info`` of ``name`` (any version) in purelib/platlib, RECORDs checked."""
    wanted = normalize_name(name)
    found: list[str] = []
    for lib in dict.fromkeys((env.purelib, env.platlib)):
        with contextlib.suppress(OSError):
            for entry in sorted(os.scandir(lib), key=lambda e: e.name):
                if entry.name.endswith(".dist-info") and entry.is_dir(follow_symlinks=False):
                    stem = entry.name[: -len(".dist-info")].rsplit("-", 1)[0]
                    if normalize_name(stem) == wanted:
                        found.append(os.path.abspath(entry.path))
    return [_read_installed(env, d, name) for d in found]


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


# ----------------------------------------------------------------------------- commit plan
#
# The commit is a list of journalled steps (see symback.journal): renames and mkdirs, run in
# order and found done or not done by looking at the file system after a kill. Each
# .dist-info moves in one rename: an old one first (the distribution stops being installed
# before any of its files go), a new one last (it is installed only once all its files are
# in place), so whenever a RECORD is on disk, it describes what is on disk.


def _plan_removal(
    op: Operation, olds: Sequence[InstalledDistribution], roots: Sequence[str],
) -> tuple[list[list[object]], list[list[object]]]:
    """Steps moving ``olds`` aside (each dist-info first, in one rename), and the
    directories to remove if that leaves them empty (with their modes, for a rollback)."""
    steps: list[list[object]] = []
    backups: dict[str, str] = {}

    def aside(path: str) -> None:
        root = _root_of(path, roots) or os.path.dirname(path)
        if root not in backups:
            backups[root] = op.temp_dir(root, "old")
        steps.append(["rename", path, os.path.join(backups[root], str(len(steps) + 1))])

    for old in olds:
        aside(old.dist_info)
    dirs: set[str] = set()
    for old in olds:
        inside = old.dist_info + os.sep
        for path in old.paths:
            if path.startswith(inside) or not os.path.lexists(path):
                continue
            dirs.add(os.path.dirname(path))
            if os.path.isdir(path) and not os.path.islink(path):
                continue  # directories go only when empty, after the commit
            aside(path)
    prune: list[list[object]] = []
    seen: set[str] = set()
    for d in dirs:
        root = _root_of(d, roots)
        while root is not None and d != root and d.startswith(root) and d not in seen:
            seen.add(d)
            with contextlib.suppress(OSError):
                st = os.lstat(d)
                if stat.S_ISDIR(st.st_mode):
                    prune.append([d, stat.S_IMODE(st.st_mode)])
            d = os.path.dirname(d)
    return steps, prune


def _plan_install(staged: Sequence[_Staged], moved_aside: set[str]) -> list[list[object]]:
    """Steps moving each staged wheel into place: directories, files and links, then its
    .dist-info in one rename."""
    steps: list[list[object]] = []
    made: set[str] = set()

    def will_exist(d: str) -> bool:
        return d in made or (os.path.isdir(d) and not os.path.islink(d) and d not in moved_aside)

    for st in staged:
        di_prefix = st.wheel.dist_info + "/"
        for scheme, rel in sorted(st.leaves):
            if scheme == st.root_scheme and rel.startswith(di_prefix):
                continue
            final = st.final(scheme, rel)
            missing: list[str] = []
            d = os.path.dirname(final)
            while not will_exist(d):
                missing.append(d)
                up = os.path.dirname(d)
                if up == d:
                    break
                d = up
            for d in reversed(missing):
                steps.append(["mkdir", d, 0o777])
                made.add(d)
            if final not in made and os.path.isdir(final) and not os.path.islink(final):
                # A directory of the old install where a file or link goes: everything in it
                # is moved aside by then (_check_destinations), so it goes too, deepest first.
                steps += _rmdir_steps(final)
            steps.append(["rename", st.staged(scheme, rel), final])
        steps.append(["rename", st.staged(st.root_scheme, st.wheel.dist_info),
                      st.final(st.root_scheme, st.wheel.dist_info)])
    return steps


def _rmdir_steps(top: str) -> list[list[object]]:
    dirs = [dirpath for dirpath, _, _ in os.walk(top)]  # os.walk does not follow links
    return [["rmdir", d, stat.S_IMODE(os.lstat(d).st_mode)] for d in reversed(dirs)]


def _shown_path(error: BaseException, default: str) -> str:
    """The path an OSError names, as the user will know it: a staged file by its final
    place (without the hidden ``.symback-stage-*`` directory), else ``default``."""
    import re

    path = getattr(error, "filename", None)
    if not isinstance(path, str):
        return default
    return re.sub(r"[/\\]\.symback-(stage|old)-[0-9a-f]+-[0-9]+(?=[/\\]|$)", "", path)


def _report(message: str) -> None:
    print(f"symback: {message}", file=sys.stderr)


@contextlib.contextmanager
def _operation(
    env: Environment, kind: str, what: str, *, lock_timeout: float,
    report: Callable[[str], None] | None,
) -> Iterator[Operation]:
    """The environment locked, an interrupted operation recovered, a new one journalled;
    on an error (or SIGINT/SIGTERM) before the commit is done, every change is undone."""
    report = report or _report
    purelib = os.path.abspath(env.purelib)
    try:
        with handle_signals(), locked(purelib, what, timeout=lock_timeout, report=report):
            message = recover(purelib, env.roots())
            if message:
                report(message)
            op: Operation | None = None
            try:
                # A signal while the journal is started waits, then undoes it like any other.
                with deferred_signals(committed=False):
                    op = Operation(purelib, kind, what)
                yield op
                with deferred_signals():  # a signal now waits for the cleanup (and says so)
                    op.finish()
            except Interrupted as error:
                if op is not None and op.committed:
                    error.committed = True
                    op.finish()
                elif op is not None:
                    op.abort()
                raise
            except BaseException as error:
                if op is None:  # starting the journal failed: nothing to undo
                    raise
                # What ran out is seen before the rollback frees it again.
                problem = resource_problem(error, _shown_path(error, purelib))
                op.abort()
                if isinstance(error, SymbackError) or not isinstance(error, Exception):
                    raise
                if problem is not None:
                    raise InstallError(f"{what}: {problem[:-1]}; every change was rolled back.") from None
                raise InstallError(
                    f"{what}: failed ({type(error).__name__}: {error}); every change was rolled "
                    "back. Fix the cause and run the command again."
                ) from error
    except OSError as error:  # taking the lock, recovering, starting the journal
        problem = resource_problem(error, _shown_path(error, purelib))
        if problem is None:
            raise InstallError(
                f"{what}: {_shown_path(error, purelib)}: cannot lock or journal the environment "
                f"there ({error.strerror or error}); nothing was changed. Run as a user who may "
                "write there, or pick another environment (--python, --prefix, --target)."
            ) from None
        raise InstallError(f"{what}: {problem}") from None


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
    olds: list[InstalledDistribution] = field(default_factory=list)  # installs it replaces

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
    op: Operation, wheel: WheelContents, env: Environment, *, link_mode: str,
    compile_bytecode: bool,
) -> _Staged:
    from installer.records import RecordEntry
    from installer.utils import construct_record_file, parse_entrypoints

    root_scheme = "purelib" if wheel.root_is_purelib else "platlib"
    scheme = env.scheme(wheel.distribution)
    staging = {name: op.temp_dir(path, "stage") for name, path in scheme.items()}
    st = _Staged(wheel=wheel, scheme=scheme, staging=staging, root_scheme=root_scheme)
    dest = _destination(staging, env.interpreter)
    records: list[tuple[str, RecordEntry]] = []
    what = wheel.name
    honour_links = wheel.links and not (link_mode == "copy" and wheel.form == "compat")
    if honour_links and wheel.editable and link_mode != "symlink":
        raise InstallError(
            f"{what}: --link-mode {link_mode}: an editable wheel's links point into a source "
            "tree; copies or hard links would not follow it. Drop the option, or use a "
            ".pth-based editable install (-C editable-mode=pth)."
        )
    if honour_links and link_mode == "symlink":
        _probe_symlinks(st, {_scheme_of(wheel, link.path, root_scheme)[0] for link in wheel.links})

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
        records += _stage_links(st, dest, link_mode=link_mode)

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


LINK_MODES = ("symlink", "hardlink", "copy")


def _probe_symlinks(st: _Staged, schemes: set[str]) -> None:
    """Stop before anything is written where a symlink cannot be made (FAT, some network
    shares, Windows without Developer Mode), naming the modes that work there."""
    for scheme in sorted(schemes):
        directory = st.staging[scheme]
        probe = os.path.join(directory, ".symback-probe")
        try:
            os.symlink("probe-target", probe)
        except (OSError, NotImplementedError) as error:
            problem = resource_problem(error, st.scheme[scheme])
            if problem is not None:  # a full disk is not a lack of symlink support
                raise InstallError(f"{st.wheel.name}: {problem}") from None
            raise InstallError(
                f"{st.wheel.name}: .dist-info/LINKS: cannot create a symlink in "
                f"{st.scheme[scheme]} ({error}), and the wheel has {len(st.wheel.links)} "
                "link(s); PEP 778 forbids a silent copy. Install with --link-mode hardlink "
                "(each file link a hard link to its target: one copy on disk) or --link-mode "
                "copy (copies, listed in RECORD), or onto a filesystem that supports symlinks "
                "(on Windows: enable Developer Mode)."
            ) from None
        os.unlink(probe)


def _file_record(staged: str, rel: str):  # type: ignore[no-untyped-def]
    """The RECORD row of a staged file (a hard link): its own sha256 and size."""
    import base64
    import hashlib

    from installer.records import Hash, RecordEntry

    digest = hashlib.sha256()
    with open(staged, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    value = base64.urlsafe_b64encode(digest.digest()).decode("ascii").rstrip("=")
    return RecordEntry(rel, Hash("sha256", value), os.path.getsize(staged))


def _stage_links(st: _Staged, dest, *, link_mode: str) -> list:  # type: ignore[no-untyped-def]
    """Make the wheel's links in the staging directories: symlinks (relative, inside the
    scheme directory of the link), hard links to the staged targets, or copies."""
    from installer.records import RecordEntry

    wheel = st.wheel
    root = st.root_scheme
    out: list = []
    for link in sorted(wheel.links):
        scheme, rel = _scheme_of(wheel, link.path, root)
        if link_mode != "symlink":
            for sub, member in sorted(wheel.expand(link.path).items()):
                path = posixpath.join(rel, sub) if sub else rel
                if link_mode == "copy":
                    with wheel.open(member) as stream:
                        out.append((scheme, dest.write_file(
                            scheme=scheme, path=path, stream=stream,
                            is_executable=wheel.members[member].executable)))
                    continue
                staged = st.staged(scheme, path)
                os.makedirs(os.path.dirname(staged), exist_ok=True)
                try:
                    os.link(st.staged(*_scheme_of(wheel, member, root)), staged)
                except OSError as error:
                    raise InstallError(
                        f"{wheel.name}: {link.path}: cannot create a hard link in "
                        f"{st.scheme[scheme]} ({error}). Install with --link-mode copy, or onto "
                        "a filesystem that supports links."
                    ) from None
                out.append((scheme, _file_record(staged, path)))
            continue
        staged = st.staged(scheme, rel)
        if wheel.editable:
            value = link.target
            is_dir = os.path.isdir(link.target)
        else:
            assert wheel.tree is not None
            value = link.relative_target()  # both ends in one scheme: stays inside it
            is_dir = wheel.tree.is_directory(link.path)
        os.makedirs(os.path.dirname(staged), exist_ok=True)
        try:
            os.symlink(value, staged, target_is_directory=is_dir)
        except (OSError, NotImplementedError) as error:
            problem = resource_problem(error, st.scheme[scheme])
            if problem is not None:
                raise InstallError(f"{wheel.name}: {link.path}: {problem}") from None
            # The probe made a symlink in this directory: symlinks work here, this one failed.
            raise InstallError(
                f"{wheel.name}: {link.path}: cannot create the symlink ({error}), although "
                f"symlinks work in {st.scheme[scheme]}. Check the path and its directory, then "
                "run the command again."
            ) from None
        st.link_paths.add(st.final(scheme, rel))
        out.append((scheme, RecordEntry(rel, None, None)))
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
        for old in st.olds:
            owned |= old.owns()
    seen: dict[str, str] = {}
    all_links = set().union(*(st.link_paths for st in staged)) if staged else set()
    for st in staged:
        dist_info = st.final(st.root_scheme, st.wheel.dist_info)
        if os.path.lexists(dist_info) and dist_info not in owned:
            raise InstallError(
                f"{st.wheel.name}: {dist_info} already exists and belongs to no install being "
                "replaced (its RECORD is unreadable, or it is not a directory). Remove it and retry."
            )
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


#: How long an operation waits for another symback process's lock on the environment.
LOCK_TIMEOUT = 300.0


def install_wheels(
    wheels: Sequence[os.PathLike[str] | str],
    env: Environment,
    *,
    copy_links: bool = False,
    compile_bytecode: bool = False,
    allow_editable: bool = False,
    allow_large: bool = False,
    lock_timeout: float = LOCK_TIMEOUT,
    report: Callable[[str], None] | None = None,
    link_mode: str = "symlink",
) -> list[InstallResult]:
    """Install ``wheels`` into ``env`` as one operation (see the module docstring).

    ``allow_editable`` lets editable wheels in (see :func:`check_wheel`); ``allow_large``
    lifts :func:`symback.wheelfile.open_wheel`'s size limits.

    ``report`` receives the one-line notes (waiting for the lock, an interrupted operation
    finished or undone); by default they go to stderr. ``link_mode`` says what a LINKS row
    becomes: ``symlink`` (relative), ``hardlink`` (file links: a hard link to the target;
    directory links: a tree of hard links) or ``copy`` (``copy_links=True`` is the same as
    ``link_mode="copy"``).
    """
    if not wheels:
        raise InstallError("symback install: no wheel given. Pass the path of a .whl file.")
    if link_mode not in LINK_MODES:
        raise InstallError(f"symback install: --link-mode: {link_mode!r} is not one of "
                           f"{', '.join(LINK_MODES)}. Pick one of them.")
    if copy_links:
        link_mode = "copy"
    _destination({}, env.interpreter)  # fails early, and clearly, without `installer`
    with contextlib.ExitStack() as stack:
        opened = [stack.enter_context(open_wheel(w, allow_large=allow_large)) for w in wheels]
        names: dict[str, str] = {}
        for w in opened:
            if w.normalized_name in names:
                raise InstallError(f"{w.name}: {names[w.normalized_name]} is the same "
                                   "distribution. Pass only one of them.")
            names[w.normalized_name] = w.name
            check_wheel(w, env, allow_editable=allow_editable)
        what = "symback install " + " ".join(f"{w.distribution} {w.version}" for w in opened)
        with _operation(env, "install", what, lock_timeout=lock_timeout, report=report) as op:
            # Under the lock: every installed copy of each distribution (any version) is
            # replaced, as pip does.
            olds = [_find_all_installed(env, w.distribution) for w in opened]
            staged = []
            for w, old in zip(opened, olds):
                st = _stage(op, w, env, link_mode=link_mode, compile_bytecode=compile_bytecode)
                st.olds = old
                staged.append(st)
            _check_destinations(staged, env)
            every_old = [o for st in staged for o in st.olds]
            steps, prune = _plan_removal(op, every_old, env.roots())
            moved_aside = {str(step[1]) for step in steps}
            steps += _plan_install(staged, moved_aside)
            op.commit(steps, prune, before_rename=_BEFORE_MOVE,
                      sync_dirs=sorted({os.path.abspath(st.scheme[st.root_scheme]) for st in staged}))
            return [
                InstallResult(
                    name=st.wheel.normalized_name, version=st.wheel.version,
                    replaced=st.olds[0].dist_info if st.olds else None,
                    links=len(st.link_paths), warnings=st.wheel.warnings,
                )
                for st in staged
            ]


# ----------------------------------------------------------------------------- uninstall


def uninstall(
    name: str, env: Environment, *, lock_timeout: float = LOCK_TIMEOUT,
    report: Callable[[str], None] | None = None,
) -> list[str]:
    """Remove an installed distribution by its RECORD; return the removed paths.

    Never follows a link: a link listed in RECORD is unlinked, never its target; RECORD rows
    outside the scheme directories or inside a linked directory make the whole uninstall
    fail before anything is removed. Directories left empty are removed. All or nothing,
    journalled and locked as an install is.
    """
    with _operation(env, "uninstall", f"symback uninstall {name}", lock_timeout=lock_timeout,
                    report=report) as op:
        dists = _find_all_installed(env, name)
        if not dists:
            raise InstallError(
                f"{name}: not installed in {env.purelib}. Check the name, or pass the --python, "
                "--prefix or --target the distribution was installed with."
            )
        removed = [p for dist in dists for p in dist.paths if os.path.lexists(p)
                   and (os.path.islink(p) or not os.path.isdir(p))]
        steps, prune = _plan_removal(op, dists, env.roots())
        op.commit(steps, prune, before_rename=_BEFORE_MOVE,
                  sync_dirs=sorted({os.path.dirname(d.dist_info) for d in dists}))
    return removed
