"""The logic tests (metadata, config, files, LINKS, hooks, zip writer) on the oldest and
newest supported Pythons, each in a fresh venv with only symback's runtime dependencies."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, find_python, run, uv_bin, wheelhouse_env

pytestmark = pytest.mark.slow

LOGIC_TESTS = [
    "tests/unit/test_metadata.py",
    "tests/unit/test_metadata_errors.py",
    "tests/unit/test_config.py",
    "tests/unit/test_files.py",
    "tests/unit/test_links.py",
    "tests/unit/test_hooks.py",
    "tests/unit/test_zipwriter.py",
    "tests/unit/test_tags.py",
]


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_logic_tests_pass(version: str, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run([uv_bin(), "venv", "--quiet", "--python", find_python(version), venv])
    python = venv / "bin" / "python"
    run(
        [uv_bin(), "pip", "install", "--quiet", "--python", python,
         "packaging>=24.2", "pathspec>=0.12.1", "tomli>=1.2; python_version < '3.11'", "pytest", "hypothesis"],
    )
    proc = run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *LOGIC_TESTS],
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout.splitlines()[-1]


@pytest.mark.parametrize("version", ["3.9", "3.10", "3.12", "3.13"])
def test_editable_and_regular_install_end_to_end(version: str, example, make_venv, symback_wheelhouse) -> None:
    """On every other supported Python: pip builds symback's editable wheel in an isolated
    build environment (symback from the wheelhouse, its dependencies from the index), the
    link tree carries that interpreter's tag, and a regular install replaces it."""
    project = example("srclayout")
    venv = make_venv(python=find_python(version))
    env = wheelhouse_env(symback_wheelhouse)
    venv.pip("install", "--quiet", "-e", project, env=env)
    tag = "cp" + version.replace(".", "")
    (tree,) = (project / "build").glob("__editable__.*")
    assert tree.name.startswith(f"__editable__.acme_widgets-{tag}-{tag}-")
    code = "import acme_widgets, sys; print(acme_widgets.__file__); print(acme_widgets.color_names()[0])"
    out = venv.run("-c", code).stdout.split()
    assert out[0] == str(tree / "acme_widgets" / "__init__.py") and out[1].startswith("acme-")
    venv.pip("install", "--quiet", "--force-reinstall", "--no-deps", project, env=env)
    out = venv.run("-c", code).stdout.split()
    assert out[0].startswith(str(venv.path)) and out[1].startswith("acme-")
    venv.pip("uninstall", "--yes", "acme-widgets")
    assert venv.run("-c", "import acme_widgets", check=False).returncode != 0
