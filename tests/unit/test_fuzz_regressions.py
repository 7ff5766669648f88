"""Every input the fuzzers (``fuzz/run.py``, atheris) ever crashed on, replayed: each must
now be accepted or refused with a one-line SymbackError (see ``fuzz/targets.py``). The
files live in ``tests/fuzz_regressions/<target>/``; this test needs no atheris."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "fuzz"))

import targets  # noqa: E402

CASES = sorted(p for p in (ROOT / "tests" / "fuzz_regressions").glob("*/*")
               if p.is_file() and not p.name.startswith("."))


def test_every_target_has_a_directory() -> None:
    for name in targets.TARGETS:
        assert (ROOT / "tests" / "fuzz_regressions" / name).is_dir(), name


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_regression(path: Path) -> None:
    targets.TARGETS[path.parent.name](path.read_bytes())


@pytest.mark.parametrize("target", sorted(targets.TARGETS))
def test_seeds_pass(target: str) -> None:
    for data in targets.seeds(target).values():
        targets.TARGETS[target](data)
