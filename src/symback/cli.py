"""The ``symback`` command: ``install``, ``uninstall``, ``rebuild``, ``inspect``, ``convert``.

Every :class:`~symback.errors.SymbackError` becomes ``symback: error: <message>`` on
stderr and exit status 1 (``SYMBACK_DEBUG=1`` shows the traceback instead); a usage
error exits 2 (argparse).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from . import __version__
from .errors import InstallError, SymbackError

if TYPE_CHECKING:
    from .install import Environment

__all__ = ["main"]


def _scheme_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lock-timeout", metavar="SECONDS", type=float, default=300.0,
                        help="how long to wait while another symback process changes the "
                        "environment (default: 300)")
    parser.add_argument("--python", metavar="PYTHON",
                        help="the environment of this interpreter (default: the running one)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--prefix", metavar="DIR",
                       help="install under this prefix (DIR/lib/pythonX.Y/site-packages, DIR/bin...)")
    group.add_argument("--target", metavar="DIR",
                       help="install packages straight into DIR (scripts in DIR/bin), like pip --target; "
                       "with --python, shebangs name that interpreter")


def _wheel_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--allow-editable", action="store_true",
                        help="accept editable wheels (absolute links into a source tree) built "
                        "elsewhere; symback install -e needs no flag for the one it builds")
    parser.add_argument("--allow-large", action="store_true",
                        help="lift the size limits (8 GiB uncompressed, members compressed "
                        "more than 200:1)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symback",
        description="Install, uninstall, inspect and convert wheels that keep symlinks "
        "(.dist-info/LINKS, draft PEP 778).",
    )
    parser.add_argument("--version", action="version", version=f"symback {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser(
        "install",
        help="install wheels (Wheel-Version 1.x and 2.0), or build and install project directories, honouring LINKS",
    )
    _scheme_options(p)
    p.add_argument("-e", "--editable", action="store_true",
                   help="for project directories: an editable install (links into the sources)")
    p.add_argument("--link-mode", choices=["symlink", "hardlink", "copy"], default="symlink",
                   help="what a LINKS row becomes: a relative symlink (default), a hard link to "
                   "its target (one copy on disk; directory links become trees of hard links), "
                   "or a copy; RECORD lists hard links and copies with their hashes")
    p.add_argument("--copy-links", action="store_true", help="the same as --link-mode copy")
    p.add_argument("--compile-bytecode", action="store_true",
                   help="byte-compile the installed modules (recorded in RECORD)")
    _wheel_options(p)
    p.add_argument("wheels", nargs="+", metavar="WHEEL_OR_PROJECT_DIR")

    p = sub.add_parser("uninstall", help="remove an installed distribution by its RECORD")
    _scheme_options(p)
    p.add_argument("names", nargs="+", metavar="NAME")

    p = sub.add_parser(
        "rebuild",
        help="rerun the native build step ([tool.symback.build]) of an editable install, here, "
        "for this interpreter; the next interpreter sees the new outputs",
    )
    p.add_argument("project", nargs="?", default=".", metavar="PROJECT_DIR",
                   help="the project directory (default: the current one)")

    p = sub.add_parser("inspect", help="show a wheel's tags, files and links, and validate it "
                       "with every check symback install makes of it")
    _scheme_options(p)
    _wheel_options(p)
    p.add_argument("wheel", metavar="WHEEL")

    p = sub.add_parser("convert", help="rewrite a wheel as links, lean, compat or copy form")
    p.add_argument("wheel", metavar="WHEEL")
    p.add_argument("--symlinks", required=True, choices=["links", "lean", "compat", "copy"],
                   help="links: Wheel-Version 2.0 + LINKS; lean: 1.0, each library once under its "
                   "SONAME, its other names in LINKS only, other links copied; compat: 1.0 with "
                   "copies and LINKS; copy: 1.0 with copies only. links and lean turn identical "
                   "shared-library copies into links")
    p.add_argument("-o", "--outdir", required=True, metavar="DIR", help="output directory")
    p.add_argument("--dedupe", action="store_true",
                   help="with --symlinks compat: turn identical shared-library copies (libX.so, "
                   "libX.so.N...) into links too")
    return parser


def _warn(message: str) -> None:
    print(f"symback: warning: {message}", file=sys.stderr)


def _wheel_for(path: str, outdir: Path, *, editable: bool, env: "Environment") -> str:
    """``path`` itself if it is a wheel; for a project directory, the wheel built from it.

    The build runs in this interpreter, as a frontend without isolation would; an editable
    wheel is tagged with the target interpreter's own tag.
    """
    if not os.path.isdir(path):
        if editable:
            raise InstallError(f"{path}: --editable takes a project directory, not a wheel. Name the directory.")
        return path
    from .config import load_project

    project = load_project(Path(path))
    if project.tool.build.enabled:
        _check_native_target(path, editable, env)
    if editable:
        from .editable import build_editable

        return str(outdir / build_editable(project, outdir, metadata_directory=None, tag=env.interpreter_tag))
    from .wheel import build_wheel

    return str(outdir / build_wheel(project, outdir))


def _check_native_target(path: str, editable: bool, env: "Environment") -> None:
    """A native build step compiles for the interpreter running it: refuse to build one
    here for an environment of another interpreter (its extension modules would not load)."""
    from .tags import interpreter_platform_tag

    running = interpreter_platform_tag()
    if env.interpreter_tag is None or env.interpreter_tag == running:
        return
    raise InstallError(
        f"{path}: the project has a native build step ([tool.symback.build]), which compiles for the "
        f"interpreter that runs it ({running}), but --python names an environment of {env.interpreter_tag}. "
        f"Run the install with that interpreter instead: "
        f"{env.interpreter} -m symback install {'-e ' if editable else ''}{path}"
    )


def _run(args: argparse.Namespace) -> int:
    if args.command == "inspect":
        from .install import check_wheel, environment
        from .wheelfile import describe, open_wheel

        env = environment(python=args.python, prefix=args.prefix, target=args.target)
        with open_wheel(args.wheel, allow_large=args.allow_large) as w:
            check_wheel(w, env, allow_editable=args.allow_editable)
            sys.stdout.write(describe(w, f"OK: symback install would accept this wheel for "
                                         f"{env.interpreter} (what is already installed there "
                                         "is checked when installing)"))
        return 0
    if args.command == "rebuild":
        from .config import load_project
        from .native import rebuild_editable

        for note in rebuild_editable(load_project(Path(args.project))):
            _warn(note)
        print(f"Rebuilt {args.project}")
        return 0
    if args.command == "convert":
        from .wheelfile import convert

        out = convert(args.wheel, symlinks=args.symlinks, outdir=args.outdir, dedupe=args.dedupe)
        print(out)
        return 0
    from .install import environment, install_wheels, uninstall

    env = environment(python=args.python, prefix=args.prefix, target=args.target)
    if args.command == "install":
        with tempfile.TemporaryDirectory(prefix="symback-install-") as built:
            wheels = [_wheel_for(path, Path(built), editable=args.editable, env=env) for path in args.wheels]
            results = install_wheels(wheels, env, copy_links=args.copy_links, link_mode=args.link_mode,
                                     compile_bytecode=args.compile_bytecode,
                                     allow_editable=args.editable or args.allow_editable,
                                     allow_large=args.allow_large,
                                     lock_timeout=args.lock_timeout)
        for r in results:
            for w in r.warnings:
                _warn(w)
            extra = f" ({r.links} links)" if r.links else ""
            print(f"Installed {r.name} {r.version}{extra}")
        return 0
    for name in args.names:
        removed = uninstall(name, env, lock_timeout=args.lock_timeout)
        print(f"Uninstalled {name} ({len(removed)} paths)")
    return 0


def _unblock_signals() -> None:
    import signal

    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def main(argv: Sequence[str] | None = None) -> int:
    try:
        _unblock_signals()  # blocked by __main__ while the modules loaded: a pending one lands here
        args = _parser().parse_args(list(argv) if argv is not None else None)
        return _run(args)
    except SymbackError as error:
        if os.environ.get("SYMBACK_DEBUG"):
            raise
        print(f"symback: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as error:  # SIGINT, or SIGTERM during install/uninstall
        from .journal import Interrupted

        if isinstance(error, Interrupted):
            name, signum = error.signal_name, error.signum
            state = ("it completed before stopping" if error.committed
                     else "every change was rolled back")
        else:
            name, signum, state = "SIGINT", 2, "stopped"
        print(f"symback: interrupted by {name}; {state}", file=sys.stderr)
        return 128 + signum
