"""Generated hostile inputs for every reader (hypothesis): member names (any Unicode,
duplicates, case and normalisation twins), declared sizes (digits of other scripts, huge
numbers), RECORD and entry-point text, and deeply nested ``pyproject.toml``.

The property everywhere: the input is accepted, or refused with a one-line SymbackError and
nothing written (a snapshot of the environment before and after).
"""

from __future__ import annotations

import sys
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import REPO, snapshot_tree
from symback.errors import ConfigError, SymbackError
from symback.install import Environment, install_wheels
from wheelmaker import make_wheel

sys.path.insert(0, str(REPO / "fuzz"))
from targets import _one_line  # noqa: E402  (the fuzzers' own oracle)

PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _env(base: Path) -> Environment:
    site = base / "env" / "site"
    site.mkdir(parents=True)
    (site / "unrelated.py").write_text("# someone else's\n")
    return Environment(purelib=str(site), platlib=str(site), scripts=str(base / "env" / "bin"),
                       data=str(base / "env"), include=str(base / "env" / "include"),
                       interpreter=sys.executable)


def _install_or_refuse(base: Path, wheel: Path) -> bool:
    env = _env(base)
    before = snapshot_tree(base / "env")
    try:
        install_wheels([wheel], env)
    except SymbackError as error:
        _one_line(error)
        assert snapshot_tree(base / "env") == before
        return False
    after = snapshot_tree(base / "env")
    assert after["site/unrelated.py"] == before["site/unrelated.py"]
    return True


_segment = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12).filter(
    lambda s: "/" not in s)
_names = st.lists(_segment, min_size=1, max_size=4).map("/".join)


def _twin(name: str, how: int) -> str:
    return [name.upper(), name.lower(), unicodedata.normalize("NFD", name),
            unicodedata.normalize("NFC", name)][how % 4]


@PROPS
@given(names=st.lists(_names, min_size=1, max_size=5), twins=st.lists(st.integers(0, 3), max_size=2))
@example(names=["pkg/A.py"], twins=[1])
@example(names=["pkg/\u202egpj.exe"], twins=[])
@example(names=["pkg/.../x.py"], twins=[])
@example(names=["pkg/ /x.py"], twins=[])
def test_member_names(names: list[str], twins: list[int]) -> None:
    files = {f"pkg/{n}" if i % 2 else n: b"x" for i, n in enumerate(names)}
    for how in twins:  # a name that differs only in case or normalisation
        first = next(iter(files))
        files.setdefault(_twin(first, how), b"y")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        try:
            wheel = make_wheel(base / "w", files)
        except (ValueError, UnicodeEncodeError, OSError):
            return  # zipfile cannot write such a name: no wheel to read
        if _install_or_refuse(base, wheel):
            from symback.linkrules import _fold, archive_name_problem

            assert all(archive_name_problem(n) is None for n in files)
            assert len({_fold(n) for n in files}) == len(files)


_digits = st.characters(whitelist_categories=("Nd", "No"))


@PROPS
@given(size=st.one_of(st.text(_digits, min_size=1, max_size=30), st.integers(0, 2 ** 70).map(str),
                      st.integers(1, 6000).map(lambda n: "9" * n),
                      st.text(max_size=10)))
@example(size="²")
@example(size="9" * 5000)
@example(size="٨")
def test_declared_sizes(size: str) -> None:
    def tamper(rows: list[list[str]]) -> list[list[str]]:
        return [[r[0], r[1], size] if r[0] == "pkg/__init__.py" else r for r in rows]

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        wheel = make_wheel(base / "w", {"pkg/__init__.py": "X = 1\n"}, tamper_record=tamper)
        accepted = _install_or_refuse(base, wheel)
        assert accepted == (size == str(len("X = 1\n")))


@PROPS
@given(text=st.text(max_size=200))
@example(text="[console_scripts]\nx = a:b\nx = c:d\n")
@example(text="[console_scripts]\n%(x)s = a:b\n")
@example(text="x = a:b\n")
def test_entry_points(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        wheel = make_wheel(base / "w", {"pkg/__init__.py": "", "demo-1.0.dist-info/entry_points.txt": text})
        _install_or_refuse(base, wheel)


@settings(max_examples=25, deadline=None)
@given(depth=st.integers(1, 150_000), kind=st.sampled_from(["[", "{a = ", "{a = ["]))
@example(depth=100_000, kind="[")
@example(depth=5_000, kind="{a = ")
def test_deep_pyproject(depth: int, kind: str) -> None:
    from symback.common import load_toml

    close = {"[": "]", "{a = ": "}", "{a = [": "]}"}[kind]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "pyproject.toml"
        path.write_text(f"x = {kind * depth}1{close * depth}\n")
        try:
            load_toml(path)
        except ConfigError as error:
            _one_line(error)
            assert "nested too deeply" in str(error)
