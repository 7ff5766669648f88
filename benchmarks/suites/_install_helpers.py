"""Helpers shared by the ``links`` and ``editable`` suites: install venvs, a hook driver
that passes ``config_settings``, trees that keep symlinks, and byte counting.

Run as a script, this module is the hook driver (stdlib only, nothing else imported):

    python _install_helpers.py BACKEND_MODULE HOOK PROJECT_DIR OUTPUT_DIR RESULT_JSON SETTINGS_JSON [MODULES_UNDER]

It does what ``drivers/hook.py`` does (fresh interpreter, cwd = project, writes
``{"import_s", "hook_s", "basename"}``) but calls the hook with the ``config_settings``
given as JSON (``-C symlinks=links``, ``-C editable-mode=pth``), which ``hook.py`` does
not take. With MODULES_UNDER (a directory), the result also has ``"modules"``: ``{name:
file}`` of every module loaded from under that directory once the hook returned (the
caller counts their lines; listing ``sys.modules`` costs microseconds, reading the files
would be measured).
"""

from __future__ import annotations

if __name__ == "__main__":  # the driver: keep its start-up as lean as drivers/hook.py's
    import time

    _T_START = time.perf_counter()
    import importlib
    import json
    import os
    import sys

    _module, _hook, _project, _outdir, _result, _settings = sys.argv[1:7]
    _under = os.path.join(sys.argv[7], "") if len(sys.argv) > 7 else None  # read now: setuptools rewrites argv
    os.chdir(_project)
    _t0 = time.perf_counter()
    _backend = importlib.import_module(_module)
    _t1 = time.perf_counter()
    _basename = getattr(_backend, _hook)(_outdir, json.loads(_settings))
    _t2 = time.perf_counter()
    _out = {"import_s": _t1 - _t0, "hook_s": _t2 - _t1, "driver_s": _t2 - _T_START, "basename": _basename}
    if _under:
        _out["modules"] = {_name: _m.__file__ for _name, _m in list(sys.modules.items())
                           if (getattr(_m, "__file__", None) or "").startswith(_under)}
    with open(_result, "w") as _f:
        json.dump(_out, _f)
    sys.exit(0)

import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import stat  # noqa: E402
import subprocess  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Sequence  # noqa: E402

from harness import Context, Measurement, distribution_version, find_uv, log, md_escape, run_measured  # noqa: E402

DRIVER = Path(__file__).resolve()

# What every install venv holds (the template, copied for each round). Backends are pinned
# to the versions in the benchmark venv (the versions the report's header shows); the
# rest are the latest releases. hatchling's own dependencies come with it.
_PINNED = {"setuptools": "setuptools", "hatchling": "hatchling", "flit-core": "flit-core",
           "uv-build": "uv-build", "packaging": "packaging", "pathspec": "pathspec"}
_LATEST = ["pip", "installer", "editables"]


class SetupError(Exception):
    """The suite cannot prepare what it measures (no uv, no network for the template)."""


def uv() -> str:
    found = find_uv()
    if not found:
        raise SetupError("uv not found (on PATH, beside the interpreter, or the uv package): "
                         "the install suites need it for their venvs and the `uv pip` rows")
    return found


def _versions(ctx: Context) -> dict[str, str]:
    out = {}
    for key, dist in _PINNED.items():
        v = distribution_version(ctx.python, dist)
        out[key] = f"{dist}=={v}" if v else dist
    return out


def ensure_template(ctx: Context) -> Path:
    """``.work/install-template/``: a venv with pip, installer, editables and the backends,
    byte-compiled (so pip and the backends do not compile themselves on first use inside a
    measured command). Reused while its requirement list is unchanged."""
    template = ctx.work / "install-template"
    reqs = sorted([*_versions(ctx).values(), *_LATEST])
    stamp = {"requirements": reqs, "python": str(ctx.python.resolve())}
    stamp_path = template / ".bench-stamp.json"
    files_path = template / ".bench-files.json"
    if stamp_path.exists() and files_path.exists() and not ctx.args.upgrade:
        try:
            if json.loads(stamp_path.read_text()) == stamp and json.loads(files_path.read_text()) == _file_state(template):
                return template
            log("install template: changed since it was made (or a new requirement list); recreating it")
        except ValueError:
            pass
    if template.exists():
        shutil.rmtree(template)
    log(f"install template: creating {template} with {', '.join(reqs)}")
    exe = uv()
    env = ctx.env()
    try:
        subprocess.run([exe, "venv", "--quiet", "--python", str(ctx.python), str(template)],
                       check=True, env=env, capture_output=True, text=True)
        subprocess.run([exe, "pip", "install", "--quiet", "--compile-bytecode",
                        "--python", str(template / "bin" / "python"), *reqs],
                       check=True, env=env, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(template, ignore_errors=True)
        last = [line for line in (exc.stderr or "").splitlines() if line.strip()]
        raise SetupError(f"cannot create the install template venv: {last[-1] if last else exc}") from None
    files_path.write_text(json.dumps(_file_state(template)))
    stamp_path.write_text(json.dumps(stamp))
    return template


def _file_state(template: Path) -> dict[str, list[int]]:
    """(size, mtime_ns) of every regular file of the template but its stamps. The venvs
    share these inodes (hard links): an in-place write through one of them would show
    here, and the next ``ensure_template`` recreates the template."""
    out = {}
    for dirpath, _, filenames in os.walk(template):
        for name in filenames:
            if name in (".bench-stamp.json", ".bench-files.json"):
                continue
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode):
                out[os.path.relpath(path, template)] = [st.st_size, st.st_mtime_ns]
    return out


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def fresh_venv(template: Path, dest: Path) -> Path:
    """A fresh venv at ``dest``: the template's directory tree made anew, its files hard
    links to the template's (symlinks kept; a copy where a link cannot be made). Installers
    only add files (new names, new directories) and Python writes byte-code by rename, so
    the template's files are never written; ``_file_state`` checks that on every run.
    Interpreter, packages and .pyc files are the template's, so every round starts from
    identical, warm state. ~0.2 s instead of ~1.8 s for a full copy. Returns its python."""
    if dest.exists():
        remove_tree(dest)
    shutil.copytree(template, dest, symlinks=True, copy_function=_link_or_copy,
                    ignore=lambda d, names: [n for n in names if n.startswith(".bench-")])
    return dest / "bin" / "python"


def remove_tree(path: Path) -> None:
    """rmtree that also copes with read-only entries; never follows symlinks."""
    def onerror(func, p, exc_info):  # noqa: ANN001
        try:
            os.chmod(p, stat.S_IRWXU)
            func(p)
        except OSError:
            pass
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path, onerror=onerror)


def site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python*/site-packages"))
    if not found:
        raise FileNotFoundError(f"no site-packages under {venv}")
    return found[0]


def installed_bytes(site: Path, names: Sequence[str], dist_prefix: str) -> tuple[int, int, int]:
    """(bytes of regular files, regular files, symlinks) of the top-level ``names`` and the
    ``<dist_prefix>-*.dist-info`` directories in ``site``; symlinks count 0 bytes and are
    never followed (``os.walk`` without ``followlinks``; a linked directory is counted as
    one link)."""
    roots = [site / n for n in names] + sorted(site.glob(f"{dist_prefix}-*.dist-info"))
    size = files = links = 0
    for root in roots:
        if root.is_symlink():
            links += 1
            continue
        if not root.exists():
            continue
        if root.is_file():
            size, files = size + root.stat().st_size, files + 1
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                st = os.lstat(os.path.join(dirpath, name))
                if stat.S_ISLNK(st.st_mode):
                    links += 1
                elif stat.S_ISREG(st.st_mode):
                    size, files = size + st.st_size, files + 1
    return size, files, links


def tree_with_links(source: Path, dest: Path, pyproject: str) -> Path:
    """Like ``projects.backend_tree`` (hard links to the generated files plus a
    ``pyproject.toml``), but symlinks in ``source`` stay symlinks."""
    if dest.exists():
        remove_tree(dest)
    shutil.copytree(source, dest, symlinks=True, copy_function=os.link)
    (dest / "pyproject.toml").write_text(pyproject)
    return dest


def hook_argv(python: Path, module: str, hook: str, tree: Path, outdir: Path, result: Path,
              settings: dict | None, modules_under: Path | None = None) -> list[str]:
    return [str(python), str(DRIVER), module, hook, str(tree), str(outdir), str(result),
            json.dumps(settings or {}), *([str(modules_under)] if modules_under else [])]


def run_hook(ctx: Context, module: str, hook: str, tree: Path, outdir: Path, *, settings: dict | None,
             pythonpath: Sequence[Path], log_name: str, python: Path | None = None,
             ) -> tuple[Measurement, Path | None]:
    """One hook call in a fresh interpreter of ``python`` (default: the benchmark venv's);
    the built file is left in ``outdir`` (which is emptied first) and returned."""
    if outdir.exists():
        remove_tree(outdir)
    outdir.mkdir(parents=True)
    result = ctx.work / f"result-{log_name}.json"
    m = run_measured(hook_argv(python or ctx.python, module, hook, tree, outdir, result, settings),
                     env=ctx.env(pythonpath=pythonpath), cwd=tree, timeout=ctx.timeout,
                     log_stem=ctx.log_dir / log_name, result_file=result)
    result.unlink(missing_ok=True)
    if not m.ok:
        return m, None
    built = outdir / m.result["basename"]
    if not built.is_file():
        m.ok, m.error = False, f"hook returned {m.result['basename']!r}, which is not in {outdir}"
        return m, None
    return m, built


_GENERIC = ("hint:", "note:", "error: subprocess-exited-with-error", "error: metadata-generation-failed",
            "error: failed-wheel-build", "×", "│", "╰", "[end of output]", "cause: the build backend returned",
            "cause: call to", "[stderr]", "[stdout]", "error: failed to build", "error: failed to")


def frontend_error(m: Measurement, log_stem: Path) -> str:
    """The most telling line of a failed pip/uv run: the build backend's own last error
    line (``symback: error: ...``, ``SomeError: ...``) rather than the frontend's closing
    hint (``hint: See above for details.``). Falls back to ``m.error``."""
    if m.ok:
        return ""
    lines: list[str] = []
    for suffix in (".err", ".out"):
        try:
            lines += log_stem.with_suffix(suffix).read_text(errors="replace").splitlines()
        except OSError:
            pass
    for line in reversed(lines):
        text = line.strip()
        low = text.lower()
        if not text or low.startswith(_GENERIC):
            continue
        if "error" in low or "exception" in low or "traceback" in low:
            return f"exit {m.returncode}: {text}"
    return m.error or "failed"


def failed(error: str | None) -> str:
    return f"failed: {md_escape(error or 'unknown error')}"
