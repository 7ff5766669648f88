"""symback against a peer: the same project built by hatchling must give the same wheel.

For ``srclayout`` and ``namespace`` a copy of the project is switched to hatchling (with the
least ``[tool.hatch]`` configuration that selects the same package) and both are built with
``python -m build --no-isolation``. The expectations come from hatchling's output: the
installed files (RECORD minus the dist-info bookkeeping), their hashes, the entry points,
and the core metadata fields in METADATA and PKG-INFO.
"""

from __future__ import annotations

import configparser
import csv
import email.parser
import email.policy
import email.utils
import io
import re
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conftest import EXAMPLES, SRC_ENV, run, shared_build

pytestmark = pytest.mark.slow

# The minimal hatch configuration that selects the same files as symback's discovery.
HATCH_CONFIG = {
    "srclayout": """
[tool.hatch.version]
path = "src/acme_widgets/__init__.py"

[tool.hatch.build.targets.wheel]
packages = ["src/acme_widgets"]
""",
    "namespace": """
[tool.hatch.build.targets.wheel]
packages = ["src/acme"]
""",
}

HATCH_BUILD_SYSTEM = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'

# Fields compared one to one, as written (single-valued).
SINGLE_FIELDS = ["Name", "Version", "Summary", "Requires-Python", "License-Expression",
                 "Description-Content-Type"]
# Multi-valued fields whose order carries no meaning.
MULTI_FIELDS = ["Provides-Extra", "License-File", "Classifier", "Project-URL"]


def to_hatchling(project: Path, name: str) -> None:
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text("utf-8")
    new, count = re.subn(r"(?ms)^\[build-system\]\n.*?(?=^\[)", HATCH_BUILD_SYSTEM + "\n", text)
    assert count == 1
    pyproject.write_text(new + HATCH_CONFIG[name], "utf-8")


def build_both(target: Path, name: str) -> None:
    for backend in ("symback", "hatchling"):
        src = target / backend / name
        shutil.copytree(EXAMPLES / name, src, symlinks=True,
                        ignore=shutil.ignore_patterns("build", "dist", "__pycache__"))
        if name == "srclayout":
            log = src / "src" / "acme_widgets" / "debug.log"
            if not log.exists():  # gitignored, so absent from a fresh clone
                log.write_text("DEBUG gitignored: must never ship\n")
        if backend == "hatchling":
            to_hatchling(src, name)
        # symback comes from SRC_ENV's PYTHONPATH, not installed: skip build's requires check.
        skip = ["--skip-dependency-check"] if backend == "symback" else []
        run([sys.executable, "-m", "build", "--no-isolation", *skip, "--outdir", target / backend / "dist", src],
            env=SRC_ENV if backend == "symback" else None)


@pytest.fixture(scope="module")
def peer_builds(tmp_path_factory: pytest.TempPathFactory):
    def get(name: str) -> dict[str, tuple[Path, Path]]:
        target = shared_build(tmp_path_factory, f"peer-{name}", lambda t: build_both(t, name))
        out = {}
        for backend in ("symback", "hatchling"):
            (wheel,) = (target / backend / "dist").glob("*.whl")
            (sdist,) = (target / backend / "dist").glob("*.tar.gz")
            out[backend] = (wheel, sdist)
        return out

    return get


def dist_info_of(zf: zipfile.ZipFile) -> str:
    (name,) = {n.split("/")[0] for n in zf.namelist() if n.split("/")[0].endswith(".dist-info")}
    return name


def installed_files(wheel: Path) -> dict[str, tuple[str, str]]:
    """RECORD rows (path -> hash, size) minus the dist-info bookkeeping files."""
    with zipfile.ZipFile(wheel) as zf:
        dist_info = dist_info_of(zf)
        rows = csv.reader(io.StringIO(zf.read(f"{dist_info}/RECORD").decode("utf-8")))
    bookkeeping = {f"{dist_info}/{n}" for n in ("RECORD", "WHEEL", "METADATA", "INSTALLER", "REQUESTED")}
    return {row[0]: (row[1], row[2]) for row in rows if row[0] not in bookkeeping}


def wheel_member(wheel: Path, name: str) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(f"{dist_info_of(zf)}/{name}")


def sdist_pkg_info(sdist: Path) -> bytes:
    with tarfile.open(sdist) as tf:
        (member,) = [m for m in tf.getmembers() if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO")]
        return tf.extractfile(member).read()  # type: ignore[union-attr]


def core_fields(data: bytes) -> dict[str, object]:
    """The compared core metadata fields, normalised where the spelling may differ."""
    msg = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(data)
    fields: dict[str, object] = {f: msg.get(f) for f in SINGLE_FIELDS}
    for f in MULTI_FIELDS:
        fields[f] = sorted(msg.get_all(f) or [])
    # Requirements: quoting of markers may differ ('cli' vs "cli"); packaging normalises.
    fields["Requires-Dist"] = sorted(str(Requirement(r)) for r in msg.get_all("Requires-Dist") or [])
    # Keywords: comma separated; hatchling sorts them, order carries no meaning.
    keywords = msg.get("Keywords")
    fields["Keywords"] = sorted(k.strip() for k in keywords.split(",")) if keywords else []
    # Author-email: an RFC 5322 address list; quoting of display names may differ.
    fields["Author-email"] = email.utils.getaddresses(msg.get_all("Author-email") or [])
    fields["Author"] = msg.get("Author")
    fields["Maintainer-email"] = email.utils.getaddresses(msg.get_all("Maintainer-email") or [])
    fields["Maintainer"] = msg.get("Maintainer")
    body = msg.get_payload()
    fields["Description"] = body.strip("\n") if isinstance(body, str) else body
    return fields


@pytest.mark.parametrize("name", list(HATCH_CONFIG))
def test_same_installed_files_as_hatchling(name: str, peer_builds) -> None:
    builds = peer_builds(name)
    symback_wheel, hatch_wheel = builds["symback"][0], builds["hatchling"][0]
    assert symback_wheel.name == hatch_wheel.name
    expected = installed_files(hatch_wheel)
    actual = installed_files(symback_wheel)
    assert sorted(actual) == sorted(expected)
    assert actual == expected  # same bytes: hashes and sizes


@pytest.mark.parametrize("name", list(HATCH_CONFIG))
def test_same_entry_points_as_hatchling(name: str, peer_builds) -> None:
    builds = peer_builds(name)

    def entry_points(wheel: Path) -> dict[str, dict[str, str]]:
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(wheel_member(wheel, "entry_points.txt").decode("utf-8"))
        return {s: dict(parser[s]) for s in parser.sections()}

    assert entry_points(builds["symback"][0]) == entry_points(builds["hatchling"][0])


@pytest.mark.parametrize("artifact", ["METADATA", "PKG-INFO"])
@pytest.mark.parametrize("name", list(HATCH_CONFIG))
def test_same_core_metadata_as_hatchling(name: str, artifact: str, peer_builds) -> None:
    builds = peer_builds(name)
    if artifact == "METADATA":
        symback_data = wheel_member(builds["symback"][0], "METADATA")
        hatch_data = wheel_member(builds["hatchling"][0], "METADATA")
    else:
        symback_data = sdist_pkg_info(builds["symback"][1])
        hatch_data = sdist_pkg_info(builds["hatchling"][1])
    expected = core_fields(hatch_data)
    actual = core_fields(symback_data)
    # Sanity: the expectations are not vacuous.
    assert expected["Name"] and expected["Version"] and expected["Description"]
    assert expected["License-File"] == ["LICENSE"]
    for field in expected:
        assert actual[field] == expected[field], field
