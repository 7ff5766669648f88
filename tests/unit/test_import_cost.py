"""Frontends import the backend once per hook, each time in a fresh process: keep it light."""

from __future__ import annotations

import json

import pytest
import os
import subprocess
import sys

from conftest import REPO

def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"import sys; before = set(sys.modules); {code}; "
         "loaded = sorted(set(sys.modules) - before); import json; print(json.dumps(loaded))"],
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
        capture_output=True, text=True, check=True,
    ).stdout
    return set(json.loads(out))


def test_import_symback_loads_nothing_heavy() -> None:
    loaded = _modules_after("import symback")
    assert loaded <= {"symback"}, sorted(loaded)


def test_prepare_metadata_does_not_load_archive_code(tmp_path) -> None:
    project = tmp_path / "p"
    (project / "src/p").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1"\n')
    (project / "src/p/__init__.py").write_text("")
    loaded = _modules_after(
        f"import os; os.chdir({str(project)!r}); import symback; "
        f"symback.prepare_metadata_for_build_wheel({str(tmp_path)!r})"
    )
    for heavy in ("zipfile", "tarfile", "concurrent.futures", "pathspec", "packaging.requirements"):
        assert heavy not in loaded, heavy


def test_small_wheel_build_loads_only_what_it_needs(tmp_path) -> None:
    """A plain project (static version, requires-python, readme) builds without the
    modules that dominated start-up before: each was measured at 2-20 ms per hook."""
    project = tmp_path / "p"
    (project / "src/p").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1.0"\nrequires-python = ">=3.9, !=3.10.1"\n'
        'description = "d"\nreadme = "README.md"\n'
    )
    (project / "README.md").write_text("# p\n")
    (project / "src/p/__init__.py").write_text("x = 1\n")
    out = tmp_path / "out"
    loaded = _modules_after(
        f"import os; os.chdir({str(project)!r}); import symback; symback.build_wheel({str(out)!r})"
    )
    assert (out / "p-1.0-py3-none-any.whl").is_file()
    heavy = {
        "dataclasses", "inspect",  # the records of the build path are NamedTuples
        "packaging.specifiers", "packaging.version", "packaging.tags", "packaging.licenses",
        "pathspec", "difflib", "csv", "unicodedata",
        "threading", "queue",  # a project this small is deflated in the calling thread
        "zipfile", "tarfile", "tempfile", "concurrent.futures", "email",
        "symback.versions", "ast",  # only a dynamic version is read (by parsing)
        # [tool.symback] and its errors, rare discovery paths, symlinks, data/native outputs, patterns
        "symback.configcheck", "symback.discovery", "symback.filelinks", "symback.datafiles",
        "symback.sdistfiles", "symback.patterns",
        "symback.errortext", "symback.projectkeys", "symback.licensing",  # errors, optional keys
        # the archive writers' cold modules: native tags, threads, links, scripts, errors
        "symback.binaries", "symback.nativetags", "symback.bigarchive", "symback.wheelforms",
        "symback.scripts", "symback.problems", "hashlib",
        "symback.projectcheck", "symback.projectvalues",  # [project] read in full
    }
    assert not heavy & loaded, sorted(heavy & loaded)


def test_small_sdist_build_loads_no_archive_library(tmp_path) -> None:
    """tarfile, gzip and the thread pool each cost start-up time; a small sdist needs none."""
    project = tmp_path / "p"
    (project / "src/p").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "1.0"\n')
    (project / "src/p/__init__.py").write_text("x = 1\n")
    out = tmp_path / "out"
    loaded = _modules_after(
        f"import os; os.chdir({str(project)!r}); import symback; symback.build_sdist({str(out)!r})"
    )
    assert (out / "p-1.0.tar.gz").is_file()
    heavy = {"tarfile", "gzip", "zipfile", "threading", "queue", "tempfile", "dataclasses", "inspect"}
    heavy |= {"symback.zipwriter", "symback.bigarchive", "symback.problems", "hashlib"}  # one block, no zip
    assert not heavy & loaded, sorted(heavy & loaded)


# Each was measured at 1-13 ms of an editable install's start-up (issue 12): packaging.tags
# (logging, subprocess, platform) for a tag sys gives; dataclasses (inspect, ast, dis,
# tokenize); tempfile and shutil (random, bz2, lzma); OpenSSL's hashlib for a few KiB;
# csv for one LINKS file; ctypes (renameat2) for a reinstall that changes nothing.
_EDITABLE_HEAVY = {
    "dataclasses", "inspect", "ast", "dis", "tokenize",
    "packaging", "packaging.tags", "logging", "subprocess", "platform",
    "tempfile", "shutil", "random", "hashlib", "_hashlib", "base64", "csv", "json", "ctypes",
    "zipfile", "threading", "queue", "concurrent.futures", "email", "importlib.machinery",
    # discovery is all build_editable needs of the files: no walk, no [tool.symback] checks
    "symback.filewalk", "symback.configcheck", "symback.discovery", "symback.filelinks",
    "symback.errortext", "symback.projectkeys", "symback.licensing", "difflib",
    "symback.binaries", "symback.nativetags", "symback.bigarchive", "symback.wheelforms", "symback.scripts",
    "symback.problems",
    "symback.projectcheck", "symback.projectvalues",
}


@pytest.mark.parametrize("mode", ["links", "pth"])
def test_editable_build_loads_only_what_it_needs(tmp_path, mode: str) -> None:
    """build_editable, first install and reinstall, in links and pth mode."""
    project = tmp_path / "p"
    (project / "src/p").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "p"\nversion = "1.0"\nrequires-python = ">=3.9"\n'
        'description = "d"\nreadme = "README.md"\n'
    )
    (project / "README.md").write_text("# p\n")
    (project / "src/p/__init__.py").write_text("x = 1\n")
    out = tmp_path / "out"
    call = (f"import os; os.chdir({str(project)!r}); import symback; "
            f"symback.build_editable({str(out)!r}, {{'editable-mode': {mode!r}}})")
    for attempt in ("install", "reinstall"):
        loaded = _modules_after(call)
        assert not _EDITABLE_HEAVY & loaded, (attempt, sorted(_EDITABLE_HEAVY & loaded))
    assert len(list(out.glob("p-1.0-0editable-*.whl"))) == 1
    assert (project / "build").is_dir() == (mode == "links")


def test_dynamic_version_loads_no_vcs_code(tmp_path) -> None:
    """A version re-exported from a module is read with ast alone: no vcs-versioning, no
    packaging.version for a plain release number."""
    project = tmp_path / "p"
    (project / "src/p").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "p"\ndynamic = ["version"]\n')
    (project / "src/p/__init__.py").write_text("from ._v import __version__\n")
    (project / "src/p/_v.py").write_text("__version__ = '1.0'\n")
    out = tmp_path / "out"
    loaded = _modules_after(
        f"import os; os.chdir({str(project)!r}); import symback; symback.build_wheel({str(out)!r})"
    )
    assert (out / "p-1.0-py3-none-any.whl").is_file()
    assert "symback.versions" in loaded
    assert not {m for m in loaded if m.startswith(("vcs_versioning", "packaging.version", "difflib"))}
