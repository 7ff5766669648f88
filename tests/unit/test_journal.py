"""The journal, the lock and recovery (symback.journal), in-process."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from symback.errors import InstallError
from symback.journal import JOURNAL_NAME, LOCK_NAME, Operation, locked, recover


def test_lock_file_goes_with_the_operation(tmp_path: Path) -> None:
    site = tmp_path / "new" / "site"
    with locked(str(site), "test", timeout=1, report=print):
        assert (site / LOCK_NAME).exists()
    assert not (tmp_path / "new").exists()  # the directories made for the lock went too


def test_a_killed_commit_is_finished_by_the_next_run(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    op = Operation(str(site), "install", "symback install demo 1.0")
    stage = op.temp_dir(str(site), "stage")
    for name in ("a.py", "b.py"):
        Path(stage, name).write_text(name)
    steps = [["rename", os.path.join(stage, n), str(site / n)] for n in ("a.py", "b.py")]
    op.data.update(phase="commit", steps=steps)
    op.save(sync=True)
    os.rename(steps[0][1], steps[0][2])  # killed after the first rename
    message = recover(str(site), [str(site)])
    assert message and message.startswith("finished the interrupted symback install demo 1.0")
    assert sorted(os.listdir(site)) == ["a.py", "b.py"]


def test_a_planted_journal_naming_paths_elsewhere_is_not_acted_on(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    victim = tmp_path / "elsewhere" / "precious.txt"
    victim.parent.mkdir()
    victim.write_text("keep")
    journal = {"format": 1, "kind": "install", "what": "x", "pid": 1, "phase": "commit",
               "temp_dirs": [str(victim.parent)], "prune": [],
               "steps": [["rename", str(victim), str(site / "stolen")]]}
    (site / JOURNAL_NAME).write_text(json.dumps(journal))
    with pytest.raises(InstallError, match="cannot be read.*not a symback temporary directory"):
        recover(str(site), [str(site)])
    assert victim.read_text() == "keep"
    journal["temp_dirs"] = []
    (site / JOURNAL_NAME).write_text(json.dumps(journal))
    with pytest.raises(InstallError, match="outside the environment"):
        recover(str(site), [str(site)])
    assert victim.read_text() == "keep" and not (site / "stolen").exists()
