"""Check that a change to symback left every byte of its output alone.

    python benchmarks/output_identity.py [--baseline REF] [--keep DIR]

Builds, with the working tree's ``src/`` and with ``src/`` as of ``REF`` (default
``main``; extracted with ``git archive`` into a temporary directory), every example
project's wheel, sdist and editable wheels (``links`` mode, ``pth`` mode, and ``links``
after ``prepare_metadata_for_build_editable``, the way pip calls it), plus a generated
10-module project, and compares the bytes. Each build runs its hook in a fresh
interpreter in a copy of the project at one fixed path (editable wheels name the project's
absolute path), with ``SOURCE_DATE_EPOCH`` fixed. Prints one line per artifact and exits
non-zero on any difference. Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "example_projects"

# (label, hook, config_settings, prepare metadata first)
BUILDS = [
    ("wheel", "build_wheel", {}, False),
    ("sdist", "build_sdist", {}, False),
    ("editable-links", "build_editable", {}, False),
    ("editable-pth", "build_editable", {"editable-mode": "pth"}, False),
    ("editable-links-prepared", "build_editable", {}, True),
]

_CALL = """
import json, os, sys
project, out, hook, settings, prepare = sys.argv[1:6]
os.chdir(project)
import symback
settings = json.loads(settings)
meta = None
if prepare == "1":
    md = os.path.join(out, "meta")
    os.makedirs(md)
    meta = os.path.join(md, symback.prepare_metadata_for_build_editable(md, settings))
if hook == "build_sdist":
    print(symback.build_sdist(out, settings))
else:
    print(getattr(symback, hook)(out, settings, meta))
"""


def _small_project(dest: Path) -> None:
    (dest / "src/smallpkg").mkdir(parents=True)
    (dest / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["symback"]\nbuild-backend = "symback"\n\n'
        '[project]\nname = "smallpkg"\nversion = "1.0"\nrequires-python = ">=3.9"\n'
        'description = "ten modules"\nreadme = "README.md"\n'
    )
    (dest / "README.md").write_text("# smallpkg\n")
    for i in range(10):
        (dest / f"src/smallpkg/mod{i}.py").write_text(f"VALUE = {i}\n" * (i + 1))
    (dest / "src/smallpkg/__init__.py").write_text("")


def _projects(root: Path) -> list[Path]:
    projects = []
    for source in sorted(EXAMPLES.iterdir()):
        if source.is_dir():
            dest = root / source.name
            shutil.copytree(source, dest, symlinks=True,
                            ignore=shutil.ignore_patterns("build", "dist", "__pycache__"))
            projects.append(dest)
    small = root / "small"
    _small_project(small)
    projects.append(small)
    return projects


def _build_all(src: Path, work: Path, keep: Path | None) -> dict[str, str]:
    """Build everything with symback from ``src``; ``{label: sha256 or error}``."""
    if work.exists():
        shutil.rmtree(work)
    projects = _projects(work)
    env = {**os.environ, "PYTHONPATH": str(src), "SOURCE_DATE_EPOCH": "1700000000",
           "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SYMBACK_DEBUG", None)
    digests = {}
    for project in projects:
        for label, hook, settings, prepare in BUILDS:
            shutil.rmtree(project / "build", ignore_errors=True)
            out = Path(tempfile.mkdtemp(prefix="out-", dir=work))
            key = f"{project.name}/{label}"
            proc = subprocess.run(
                [sys.executable, "-c", _CALL, str(project), str(out), hook, json.dumps(settings),
                 "1" if prepare else "0"],
                env=env, capture_output=True, text=True,
            )
            if proc.returncode:
                digests[key] = "failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1]
                continue
            artifact = out / proc.stdout.strip().splitlines()[-1]
            data = artifact.read_bytes()
            tree = project / "build"
            listing = sorted(
                (p.relative_to(tree).as_posix(), os.readlink(p) if p.is_symlink() else None)
                for p in tree.rglob("*")
            ) if tree.is_dir() and label.startswith("editable") else []
            digests[key] = f"{artifact.name} {hashlib.sha256(data).hexdigest()} tree={listing}"
            if keep is not None:
                (keep / project.name).mkdir(parents=True, exist_ok=True)
                shutil.copy(artifact, keep / project.name / f"{label}-{artifact.name}")
            shutil.rmtree(out)
    return digests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="main", help="git ref to compare with (default: main)")
    parser.add_argument("--keep", type=Path, help="copy the artifacts to DIR/{baseline,current}/")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="symback-identity-") as tmp:
        tmp_path = Path(tmp)
        base_src = tmp_path / "baseline"
        base_src.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline, "src"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base_src)], input=archive, check=True)
        work = tmp_path / "work"  # the same path for both: editable wheels name it
        keep = args.keep
        before = _build_all(base_src / "src", work, keep / "baseline" if keep else None)
        after = _build_all(REPO / "src", work, keep / "current" if keep else None)
    differ = 0
    for key in before:
        same = before[key] == after.get(key)
        differ += not same
        print(f"{'same  ' if same else 'DIFFER'} {key}: {after.get(key, '').split(' tree=')[0]}")
        if not same:
            print(f"    baseline: {before[key]}\n    current:  {after.get(key)}")
    print(f"{len(before) - differ} of {len(before)} artifacts identical to {args.baseline}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
