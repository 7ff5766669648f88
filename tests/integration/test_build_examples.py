"""Build every example project with real frontends, install it with real installers.

For each of ``srclayout``, ``flatlayout`` and ``namespace``:

* ``python -m build`` (sdist, then a wheel from that sdist) twice: ``--no-isolation`` with
  the checkout's symback on ``PYTHONPATH``, and isolated, where pip finds symback in a
  wheelhouse built from the checkout (symback is on no index); and ``uv build`` (isolated,
  symback from the same wheelhouse). All three give byte-identical wheels and sdists;
* the artifacts are checked with ``packaging`` (``validate=True``), ``twine check`` and
  ``check-wheel-contents``, and against an exact list of what must ship;
* the wheel is installed with ``pip`` and with ``uv pip`` into fresh venvs, imported, its
  console script run, its ``importlib.metadata`` read.

A user error in ``pyproject.toml`` must end the build with a message that names the file
and the key, no traceback, nothing left in the output directory and the tree untouched.

Each (project, mode) pair is built once per test run and shared between tests and between
pytest-xdist workers (see :func:`shared_build`).
"""

from __future__ import annotations

import base64
import csv
import email.parser
import email.policy
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.metadata import Metadata

from conftest import EXAMPLES, SRC_ENV, run, shared_build, snapshot_tree, uv_bin, wheelhouse_env

pytestmark = pytest.mark.slow

# What each example must produce. Written out by hand, not derived from symback's output.
PROJECTS: dict[str, dict] = {
    "srclayout": {
        "dist": "acme-widgets",
        "fname": "acme_widgets",
        "version": "1.4.0",
        "import": "acme_widgets",
        "files": {
            "acme_widgets/__init__.py",
            "acme_widgets/cli.py",
            "acme_widgets/colors.py",
            "acme_widgets/data/colors.json",
            "acme_widgets/shapes/__init__.py",
            "acme_widgets/shapes/square.py",
        },
        "license_expression": "MIT",
        "license_files": ["LICENSE"],
        "scripts": {"acme-widgets": "acme_widgets.cli:main"},
        "script_args": [[], ["colors"]],
        "script_out": ["acme-widgets 1.4.0: 3 colors, square area 4", "sky-blue #87ceeb"],
        "extras": {"cli", "test"},
        # src/acme_widgets/debug.log is matched by the project's .gitignore (*.log).
        "never_ships": ["acme_widgets/debug.log"],
        "not_importable": [],
    },
    "flatlayout": {
        "dist": "flatpkg",
        "fname": "flatpkg",
        "version": "0.3.1",
        "import": "flatpkg",
        "files": {"flatpkg/__init__.py", "flatpkg/__main__.py", "flatpkg/py.typed"},
        "license_expression": "Apache-2.0",
        "license_files": [],
        "scripts": {"flatpkg": "flatpkg.__main__:main"},
        "script_args": [[]],
        "script_out": ["flatpkg 0.3.1: 1 + 2 = 3"],
        "extras": set(),
        "never_ships": ["tests", "conftest.py", "scripts", "tests/test_flat.py", "scripts/dev.py"],
        "not_importable": ["tests", "conftest", "scripts", "test_flat", "dev"],
    },
    "namespace": {
        "dist": "acme.plugins.hello",
        "fname": "acme_plugins_hello",
        "version": "2.0.0",
        "import": "acme.plugins.hello",
        "files": {"acme/plugins/hello/__init__.py", "acme/plugins/hello/greetings.txt"},
        "license_expression": "MIT",
        "license_files": ["LICENSE"],
        "scripts": {"acme-hello": "acme.plugins.hello:main"},
        "script_args": [[]],
        "script_out": ["hello from acme.plugins.hello 2.0.0"],
        "extras": set(),
        # PEP 420: the namespace levels must stay without __init__.py.
        "never_ships": ["acme/__init__.py", "acme/plugins/__init__.py"],
        "not_importable": [],
    },
}
MODES = ["no-isolation", "isolated", "uv"]  # uv: `uv build`, isolated, symback from the wheelhouse
IGNORED_LOG = "src/acme_widgets/debug.log"


# --- helpers shared with nothing else: kept here so the module stands alone -------------


def copy_example(name: str, dest: Path) -> Path:
    """A copy of example_projects/<name> at ``dest`` (as the `example` fixture makes)."""
    shutil.copytree(
        EXAMPLES / name,
        dest,
        symlinks=True,
        ignore=shutil.ignore_patterns("build", "dist", "__pycache__", "*.egg-info"),
    )
    if name == "srclayout":
        # Git never commits a gitignored file, so a fresh clone may lack it: make sure the
        # file that must not ship is there to be left out.
        log = dest / IGNORED_LOG
        if not log.exists():
            log.write_text("DEBUG gitignored (*.log): must never ship\n")
    return dest


def python_build(
    project: Path, outdir: Path, *, isolated: bool, wheelhouse: Path | None = None,
    args: tuple[str, ...] = (), check: bool = True,
):
    """``python -m build`` on ``project``: the checkout's symback with or without isolation."""
    cmd: list[str | Path] = [sys.executable, "-m", "build", *args, "--outdir", outdir, project]
    if isolated:
        assert wheelhouse is not None
        env = dict(wheelhouse_env(wheelhouse))
        # Keep whatever find-links the machine has (a local mirror, say) after ours.
        if os.environ.get("PIP_FIND_LINKS"):
            env["PIP_FIND_LINKS"] += " " + os.environ["PIP_FIND_LINKS"]
    else:
        # symback is importable from SRC_ENV's PYTHONPATH but not installed, so build's
        # check of the build requirements would fail: skip it.
        cmd[3:3] = ["--no-isolation", "--skip-dependency-check"]
        env = dict(SRC_ENV)
    return run(cmd, env=env, check=check)


def record_rows(zf: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    (record,) = [n for n in zf.namelist() if n.endswith(".dist-info/RECORD")]
    rows = list(csv.reader(io.StringIO(zf.read(record).decode("utf-8"))))
    return {row[0]: (row[1], row[2]) for row in rows}


def parse_email(data: bytes) -> email.message.Message:
    return email.parser.BytesParser(policy=email.policy.compat32).parsebytes(data)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """``built(project, mode) -> (wheel, sdist, source_copy)``, each built once per run."""

    def get(project: str, mode: str) -> tuple[Path, Path, Path]:
        def build(target: Path) -> None:
            src = copy_example(project, target / "src" / project)
            if mode == "uv":  # sdist, then the wheel from it, as python -m build does
                wheelhouse = request.getfixturevalue("symback_wheelhouse")
                run([uv_bin(), "build", "--quiet", "--no-cache", "--out-dir", target / "dist", src],
                    env=wheelhouse_env(wheelhouse))
                return
            isolated = mode == "isolated"
            # The wheelhouse (one symback build per worker) only when it is needed.
            wheelhouse = request.getfixturevalue("symback_wheelhouse") if isolated else None
            python_build(src, target / "dist", isolated=isolated, wheelhouse=wheelhouse)

        target = shared_build(tmp_path_factory, f"{project}-{mode}", build)
        (wheel,) = (target / "dist").glob("*.whl")
        (sdist,) = (target / "dist").glob("*.tar.gz")
        return wheel, sdist, target / "src" / project

    return get


# --- the artifacts -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("project", list(PROJECTS))
def test_artifacts(project: str, mode: str, built) -> None:
    spec = PROJECTS[project]
    wheel, sdist, src = built(project, mode)
    fname, version = spec["fname"], spec["version"]
    assert wheel.name == f"{fname}-{version}-py3-none-any.whl"
    assert sdist.name == f"{fname}-{version}.tar.gz"
    # Nothing but the two archives in the output directory (no temp files, no leftovers);
    # uv itself puts a .gitignore there.
    frontend_files = [".gitignore"] if mode == "uv" else []
    assert sorted(p.name for p in wheel.parent.iterdir()) == sorted([wheel.name, sdist.name, *frontend_files])

    dist_info = f"{fname}-{version}.dist-info"
    with zipfile.ZipFile(wheel) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert len(names) == len(set(names)), "duplicate archive members"
        package_files = {n for n in names if not n.startswith(dist_info + "/")}
        assert package_files == spec["files"]
        meta_files = {n[len(dist_info) + 1 :] for n in names if n.startswith(dist_info + "/")}
        expected_meta = {"METADATA", "WHEEL", "RECORD", "entry_points.txt"}
        expected_meta |= {f"licenses/{f}" for f in spec["license_files"]}
        assert meta_files == expected_meta
        assert names[-1] == f"{dist_info}/RECORD", "RECORD should be the last member"
        for bad in spec["never_ships"]:
            assert not any(n == bad or n.startswith(bad + "/") for n in names), bad

        # RECORD lists every member, with the right hash and size.
        rows = record_rows(zf)
        assert set(rows) == set(names)
        for name in names:
            if name.endswith("/RECORD"):
                assert rows[name] == ("", "")
                continue
            data = zf.read(name)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert rows[name] == (f"sha256={digest}", str(len(data))), name

        wheel_meta = parse_email(zf.read(f"{dist_info}/WHEEL"))
        assert wheel_meta["Wheel-Version"] == "1.0"
        assert wheel_meta["Root-Is-Purelib"] == "true"
        assert wheel_meta.get_all("Tag") == ["py3-none-any"]
        assert wheel_meta["Generator"].startswith("symback")

        for lic in spec["license_files"]:
            assert zf.read(f"{dist_info}/licenses/{lic}") == (src / lic).read_bytes()
        metadata_bytes = zf.read(f"{dist_info}/METADATA")
        entry_points = zf.read(f"{dist_info}/entry_points.txt").decode()

    metadata = Metadata.from_email(metadata_bytes, validate=True)
    assert str(metadata.name) == spec["dist"]
    assert str(metadata.version) == version
    assert str(metadata.license_expression) == spec["license_expression"]
    assert [str(p) for p in (metadata.license_files or [])] == spec["license_files"]
    assert {str(e) for e in (metadata.provides_extra or [])} == spec["extras"]
    assert metadata.description_content_type == "text/markdown"
    assert metadata.description and metadata.description.strip() == (
        (src / "README.md").read_text("utf-8").strip()
    )
    for script, target in spec["scripts"].items():
        assert f"{script} = {target}" in entry_points

    # The sdist: one top directory, PKG-INFO that validates and agrees with METADATA.
    top = f"{fname}-{version}"
    with tarfile.open(sdist) as tf:
        members = tf.getmembers()
        names = [m.name for m in members]
        assert all(n == top or n.startswith(top + "/") for n in names), names
        for m in members:
            assert m.isfile() or m.isdir() or m.issym(), m.name
        for required in ["pyproject.toml", "PKG-INFO", "README.md", *spec["license_files"]]:
            assert f"{top}/{required}" in names
        for file in spec["files"]:
            prefix = "" if project == "flatlayout" else "src/"
            assert f"{top}/{prefix}{file}" in names
        if project == "srclayout":
            assert f"{top}/{IGNORED_LOG}" not in names
            assert not any(n.endswith(".log") for n in names)
        pkg_info = tf.extractfile(f"{top}/PKG-INFO").read()  # type: ignore[union-attr]
    sdist_metadata = Metadata.from_email(pkg_info, validate=True)
    for field in ["name", "version", "summary", "requires_python", "license_expression",
                  "requires_dist", "provides_extra", "classifiers", "keywords"]:
        assert getattr(sdist_metadata, field) == getattr(metadata, field), field


@pytest.mark.parametrize("project", list(PROJECTS))
def test_isolated_and_no_isolation_builds_match(project: str, built) -> None:
    """The isolated builds (python -m build and uv build, symback from the wheelhouse) and the
    in-tree one agree byte for byte."""
    wheel_a, sdist_a, _ = built(project, "no-isolation")
    for frontend in ("isolated", "uv"):
        wheel_b, sdist_b, _ = built(project, frontend)
        assert wheel_a.name == wheel_b.name and sdist_a.name == sdist_b.name
        assert wheel_a.read_bytes() == wheel_b.read_bytes(), frontend
        assert sdist_a.read_bytes() == sdist_b.read_bytes(), frontend


@pytest.mark.parametrize("project", list(PROJECTS))
def test_twine_and_check_wheel_contents(project: str, built) -> None:
    wheel, sdist, _ = built(project, "isolated")
    run([sys.executable, "-m", "twine", "check", "--strict", wheel, sdist])
    run([sys.executable, "-m", "check_wheel_contents", wheel])


# --- installing --------------------------------------------------------------------------

CHECK_INSTALLED = r"""
import importlib, importlib.metadata as md, importlib.util, json, sys
dist_name, import_name, not_importable = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
module = importlib.import_module(import_name)
dist = md.distribution(dist_name)
print(json.dumps({
    "version": md.version(dist_name),
    "module_version": getattr(module, "__version__", None),
    "module_file": module.__file__,
    "entry_points": sorted([ep.group, ep.name, ep.value] for ep in dist.entry_points),
    "files": sorted(str(f) for f in dist.files or ()),
    "license_expression": dist.metadata["License-Expression"],
    "requires": dist.requires,
    "importable": {n: importlib.util.find_spec(n) is not None for n in not_importable},
    "installer": (dist.read_text("INSTALLER") or "").strip(),
}))
"""


@pytest.mark.parametrize("installer", ["pip", "uv"])
@pytest.mark.parametrize("project", list(PROJECTS))
def test_install_and_run(project: str, installer: str, built, make_venv) -> None:
    spec = PROJECTS[project]
    wheel, _, _ = built(project, "isolated")
    venv = make_venv(f"{installer}-venv", seed=installer == "pip")
    if installer == "pip":
        venv.pip("install", "--no-index", "--no-deps", wheel)
    else:
        venv.uv_pip("install", "--no-index", "--no-deps", wheel)

    # Run from the venv directory: nothing of the source tree is on sys.path.
    out = venv.run(
        "-c", CHECK_INSTALLED, spec["dist"], spec["import"], json.dumps(spec["not_importable"]),
        cwd=venv.path,
    )
    info = json.loads(out.stdout)
    assert info["version"] == spec["version"]
    assert info["module_version"] == spec["version"]
    assert info["installer"] == installer
    assert Path(info["module_file"]).resolve().is_relative_to(venv.path.resolve())
    assert info["license_expression"] == spec["license_expression"]
    # No unconditional dependency (installs stay offline); extras only.
    assert all("extra ==" in r for r in info["requires"] or []), info["requires"]
    assert info["importable"] == {n: False for n in spec["not_importable"]}
    scripts = {name: value for group, name, value in info["entry_points"] if group == "console_scripts"}
    assert scripts == spec["scripts"]
    if project == "namespace":
        assert ["acme.plugins", "hello", "acme.plugins.hello:plugin"] in info["entry_points"]

    # Every file of the wheel is installed (RECORD), the package files in site-packages.
    files = set(info["files"])
    assert spec["files"] <= files
    fname, version = spec["fname"], spec["version"]
    for lic in spec["license_files"]:
        assert f"{fname}-{version}.dist-info/licenses/{lic}" in files
    # Nothing else lands in site-packages (console scripts are listed as ../../../bin/...).
    tops = {p.split("/")[0] for p in spec["files"]} | {f"{fname}-{version}.dist-info", ".."}
    assert {p.split("/")[0] for p in files} <= tops, sorted(files)
    site = venv.site_packages
    for rel in spec["files"]:
        assert (site / rel).is_file(), rel
    for bad in spec["never_ships"]:
        assert not (site / bad).exists(), bad

    for args, expected in zip(spec["script_args"], spec["script_out"]):
        result = run([venv.bin / next(iter(spec["scripts"])), *args], cwd=venv.path)
        assert expected in result.stdout.splitlines()


# --- user errors -------------------------------------------------------------------------

BAD_CONFIGS = {
    # id: (old text, new text, words the message must contain)
    "bad-version": ('version = "0.3.1"', 'version = "zero.three"', ["pyproject.toml", "version", "zero.three"]),
    "bad-dependency": (
        'requires-python = ">=3.9"',
        'requires-python = ">=3.9"\ndependencies = ["requests >>= 2"]',
        ["pyproject.toml", "dependencies", "requests >>= 2"],
    ),
    "missing-readme": ('readme = "README.md"', 'readme = "READ-ME-MISSING.md"', ["pyproject.toml", "readme", "READ-ME-MISSING.md"]),
}


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under root with its type, mode, mtime and content (or link target)."""
    return snapshot_tree(root, mtimes=True)


@pytest.mark.parametrize("what", ["sdist+wheel", "wheel"])
@pytest.mark.parametrize("error", list(BAD_CONFIGS))
def test_user_error(error: str, what: str, example, tmp_path: Path) -> None:
    old, new, words = BAD_CONFIGS[error]
    src = example("flatlayout")
    pyproject = src / "pyproject.toml"
    text = pyproject.read_text()
    assert old in text
    pyproject.write_text(text.replace(old, new, 1))
    before = snapshot(src)
    outdir = tmp_path / "out"
    args = ("--wheel",) if what == "wheel" else ()
    proc = python_build(src, outdir, isolated=False, args=args, check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    for word in words:
        assert word in output, f"{word!r} not in the build output:\n{output}"
    assert "Traceback" not in output, output
    leftovers = sorted(p.name for p in outdir.rglob("*")) if outdir.exists() else []
    assert leftovers == [], leftovers
    assert snapshot(src) == before
